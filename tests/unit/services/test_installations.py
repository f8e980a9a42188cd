import re

import pytest

from app.domain.installations import InstallationStatus
from app.errors import Invalid
from app.services.installations import SaleorUrlNotAllowed, TokenRejected, register_installation
from app.services.ports import SaleorIncompatible
from tests.fakes import FakeSaleorGateway, FakeUnitOfWork

API_URL = "https://shop.example.com/graphql/"
ALLOWED = re.compile(r"https://[a-z]+\.example\.com/graphql/")


def _register(
    uow: FakeUnitOfWork, saleor: FakeSaleorGateway, api_url: str = API_URL, token: str = "t1"
):
    return register_installation(
        uow, saleor, api_url=api_url, token=token, allowed_api_urls=ALLOWED
    )


def test_register_stores_the_proved_token_app_id_and_jwks():
    uow, saleor = FakeUnitOfWork(), FakeSaleorGateway(jwks={"keys": [{"kid": "a"}]})
    saleor.valid_tokens["t1"] = "QXBwOjE="

    installation = _register(uow, saleor)

    stored = uow.installations.get_active_by_api_url(API_URL)
    assert stored is not None and stored.id == installation.id
    assert (stored.app_id, stored.token, stored.jwks) == (
        "QXBwOjE=",
        "t1",
        {"keys": [{"kid": "a"}]},
    )
    assert saleor.calls == [
        ("read_schema", API_URL),
        ("fetch_app_id", API_URL),
        ("fetch_jwks", API_URL),
        ("forget_schema", API_URL),
    ]
    assert uow.shop_schemas.get(installation.id).saleor_version == "3.23.28"


def test_a_saleor_lacking_a_field_the_app_needs_is_refused_before_the_token_is_used():
    uow, saleor = FakeUnitOfWork(), FakeSaleorGateway()
    saleor.valid_tokens["t1"] = "QXBwOjE="
    saleor.saleor_version = "3.19.0"
    saleor.schema_problems = (
        "graphql/order_details.graphql: Cannot query field 'userEmail' on type 'Order'.",
    )

    with pytest.raises(SaleorIncompatible) as raised:
        _register(uow, saleor)

    assert raised.value.message == (
        "This Saleor (3.19.0) lacks what the app needs: graphql/order_details.graphql:"
        " Cannot query field 'userEmail' on type 'Order'."
    )
    assert saleor.calls == [("read_schema", API_URL)]
    assert uow.installations.get_active_by_api_url(API_URL) is None


@pytest.mark.parametrize(
    "api_url",
    [
        pytest.param("https://evil.example.org/graphql/", id="other_domain_case"),
        pytest.param("https://shop.example.com.evil.org/graphql/", id="suffix_attack_case"),
        pytest.param("http://169.254.169.254/graphql/", id="metadata_ip_case"),
    ],
)
def test_disallowed_saleor_is_refused_before_any_outbound_request(api_url):
    uow, saleor = FakeUnitOfWork(), FakeSaleorGateway()
    saleor.valid_tokens["t1"] = "QXBwOjE="

    with pytest.raises(SaleorUrlNotAllowed):
        _register(uow, saleor, api_url=api_url)

    assert saleor.calls == []
    assert uow.installations.rows == {}


@pytest.mark.parametrize(
    ("api_url", "token", "field"),
    [
        pytest.param("", "t1", "saleor-api-url", id="missing_url_case"),
        pytest.param(API_URL, "", "auth_token", id="missing_token_case"),
    ],
)
def test_missing_inputs_are_invalid(api_url, token, field):
    uow, saleor = FakeUnitOfWork(), FakeSaleorGateway()

    with pytest.raises(Invalid) as raised:
        _register(uow, saleor, api_url=api_url, token=token)

    assert raised.value.field == field
    assert saleor.calls == []


def test_url_that_is_not_a_graphql_endpoint_is_invalid():
    uow, saleor = FakeUnitOfWork(), FakeSaleorGateway()

    with pytest.raises(Invalid):
        _register(uow, saleor, api_url="https://shop.example.com/admin")

    assert saleor.calls == []


def test_a_token_saleor_does_not_accept_is_rejected_and_nothing_is_stored():
    uow, saleor = FakeUnitOfWork(), FakeSaleorGateway()

    with pytest.raises(TokenRejected):
        _register(uow, saleor, token="forged")

    assert uow.installations.rows == {}
    assert ("fetch_jwks", API_URL) not in saleor.calls


def test_reinstall_replaces_token_and_app_id_and_keeps_the_installation_id():
    uow, saleor = FakeUnitOfWork(), FakeSaleorGateway()
    saleor.valid_tokens.update({"t1": "QXBwOjE=", "t2": "QXBwOjI="})
    first = _register(uow, saleor, token="t1")
    uow.installations.mark_removed(first.id)

    second = _register(uow, saleor, token="t2")

    assert second.id == first.id
    stored = uow.installations.get(first.id)
    assert (stored.app_id, stored.token, stored.status) == (
        "QXBwOjI=",
        "t2",
        InstallationStatus.ACTIVE,
    )
    assert len(uow.installations.rows) == 1
