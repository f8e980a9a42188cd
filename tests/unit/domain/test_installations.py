import pytest

from app.domain.installations import is_well_formed_api_url, jwks_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("https://shop.saleor.cloud/graphql/", True, id="cloud_case"),
        pytest.param("http://127.0.0.1:8000/graphql/", True, id="local_case"),
        pytest.param("https://shop.example.com/api/graphql/", True, id="sub_path_case"),
        pytest.param("https://shop.example.com/graphql", False, id="no_trailing_slash_case"),
        pytest.param("ftp://shop.example.com/graphql/", False, id="wrong_scheme_case"),
        pytest.param("https://shop.example.com/graphql/?x=1", False, id="query_case"),
        pytest.param("/graphql/", False, id="relative_case"),
    ],
)
def test_api_url_shape(url, expected):
    assert is_well_formed_api_url(url) is expected


def test_jwks_lives_at_the_host_root():
    assert (
        jwks_url("http://127.0.0.1:8000/graphql/") == "http://127.0.0.1:8000/.well-known/jwks.json"
    )
    assert (
        jwks_url("https://a.example.com/x/graphql/")
        == "https://a.example.com/.well-known/jwks.json"
    )
