from datetime import timedelta

import pytest

from app.domain.installations import Installation, SaleorApiUrl
from app.errors import NotAllowed, Unauthenticated
from app.services.dashboard_users import authenticate_dashboard_user
from app.services.ports import DashboardClaims, SignatureInvalid, UnknownSigningKey
from app.services.signing_keys import KeysRecentlyFetched
from tests.fakes import FakeSaleorGateway, FakeUnitOfWork

API_URL = "https://shop.example.com/graphql/"
APP_ID = "QXBwOjE="


class ClaimsByKid:
    """Verifies a token named ``<kid>`` against a JWKS holding that kid, returning fixed claims."""

    def __init__(self, claims: DashboardClaims) -> None:
        self.claims = claims

    def verify_dashboard_token(self, token, jwks):
        kid, _, signature = token.partition(":")
        if kid not in {key["kid"] for key in jwks["keys"]}:
            raise UnknownSigningKey("unknown kid")
        if signature == "forged":
            raise SignatureInvalid("bad signature")
        return self.claims


def _claims(**changes) -> DashboardClaims:
    values = {
        "email": "staff@example.com",
        "user_id": "VXNlcjox",
        "app_id": APP_ID,
        "issuer": API_URL,
        "permissions": frozenset({"MANAGE_ORDERS"}),
    }
    values.update(changes)
    return DashboardClaims(**values)


@pytest.fixture
def uow():
    uow = FakeUnitOfWork()
    uow.installations.save(
        Installation(
            saleor_api_url=SaleorApiUrl(API_URL),
            app_id=APP_ID,
            token="t",
            jwks={"keys": [{"kid": "k1"}]},
        )
    )
    return uow


def _authenticate(
    uow, claims, token="k1", saleor=None, permission="MANAGE_ORDERS", api_url=API_URL
):
    return authenticate_dashboard_user(
        uow,
        saleor or FakeSaleorGateway(jwks={"keys": [{"kid": "k2"}]}),
        ClaimsByKid(claims),
        api_url=api_url,
        token=token,
        required_permission=permission,
    )


def test_valid_token_gives_the_user_of_that_installation(uow):
    user = _authenticate(uow, _claims())

    assert (user.installation_id, user.email, user.permissions) == (
        1,
        "staff@example.com",
        frozenset({"MANAGE_ORDERS"}),
    )


def test_unknown_kid_refetches_jwks_once_and_stores_it(uow):
    saleor = FakeSaleorGateway(jwks={"keys": [{"kid": "k2"}]})

    user = _authenticate(uow, _claims(), token="k2", saleor=saleor)

    assert user.email == "staff@example.com"
    assert saleor.calls == [("fetch_jwks", API_URL)]
    assert uow.installations.get(1).jwks == {"keys": [{"kid": "k2"}]}


def test_token_signed_by_no_known_key_is_refused(uow):
    with pytest.raises(Unauthenticated):
        _authenticate(uow, _claims(), token="forged")


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param(_claims(issuer="https://other.example.com/graphql/"), id="other_issuer_case"),
        pytest.param(_claims(app_id="QXBwOjk="), id="other_app_case"),
    ],
)
def test_token_for_another_saleor_or_app_is_refused(uow, claims):
    with pytest.raises(Unauthenticated):
        _authenticate(uow, claims)


def test_missing_permission_is_not_allowed(uow):
    with pytest.raises(NotAllowed) as raised:
        _authenticate(
            uow, _claims(permissions=frozenset({"MANAGE_ORDERS"})), permission="MANAGE_PRODUCTS"
        )

    assert "MANAGE_PRODUCTS" in raised.value.message


@pytest.mark.parametrize(
    ("api_url", "token"),
    [pytest.param("", "k1", id="no_api_url_case"), pytest.param(API_URL, "", id="no_token_case")],
)
def test_missing_token_or_url_is_refused(uow, api_url, token):
    with pytest.raises(Unauthenticated):
        _authenticate(uow, _claims(), token=token, api_url=api_url)


def test_removed_installation_is_refused(uow):
    uow.installations.mark_removed(1)

    with pytest.raises(Unauthenticated):
        _authenticate(uow, _claims())


def test_known_kid_with_a_bad_signature_is_refused_without_a_fetch(uow):
    saleor = FakeSaleorGateway(jwks={"keys": [{"kid": "k1"}]})

    with pytest.raises(Unauthenticated):
        _authenticate(uow, _claims(), token="k1:forged", saleor=saleor)

    assert saleor.calls == []


def test_unknown_kids_fetch_the_keys_at_most_once_per_interval(uow):
    saleor = FakeSaleorGateway(jwks={"keys": [{"kid": "k1"}]})
    with pytest.raises(Unauthenticated):
        _authenticate(uow, _claims(), token="forged-1", saleor=saleor)

    for n in range(20):
        with pytest.raises(KeysRecentlyFetched):
            _authenticate(uow, _claims(), token=f"forged-{n}", saleor=saleor)

    assert saleor.calls == [("fetch_jwks", API_URL)]


def test_a_rotated_key_after_the_interval_is_fetched_again(uow):
    saleor = FakeSaleorGateway(jwks={"keys": [{"kid": "k2"}]})
    _authenticate(uow, _claims(), token="k2", saleor=saleor)
    uow.installations.jwks_fetched_at[1] -= timedelta(seconds=61)
    saleor.jwks = {"keys": [{"kid": "k3"}]}

    user = _authenticate(uow, _claims(), token="k3", saleor=saleor)

    assert user.email == "staff@example.com"
    assert saleor.calls == [("fetch_jwks", API_URL)] * 2
