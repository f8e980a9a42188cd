"""Who is using the dashboard pages: a staff user of an installed Saleor, with permissions."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.installations import InstallationId
from app.errors import NotAllowed, Unauthenticated
from app.services import signing_keys
from app.services.ports import (
    DashboardClaims,
    DashboardTokenVerifier,
    SaleorGateway,
    SignatureInvalid,
)
from app.services.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class DashboardUser:
    installation_id: InstallationId
    saleor_api_url: str
    email: str
    user_id: str
    permissions: frozenset[str]


def authenticate_dashboard_user(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    verifier: DashboardTokenVerifier,
    *,
    api_url: str,
    token: str,
    required_permission: str,
    jwks_refetch_seconds: float = signing_keys.DEFAULT_REFETCH_INTERVAL_SECONDS,
) -> DashboardUser:
    """Accept a dashboard token only if Saleor signed it for this app, for this user's right.

    The issuer must be the installation's API URL and the ``app`` claim its app id; the
    permission is checked in ``permissions`` (what both the app and the user hold).
    """
    if not token or not api_url:
        raise Unauthenticated("Open this page from the Saleor dashboard.")
    with uow_factory() as uow:
        installation = uow.installations.get_active_by_api_url(api_url)
        if installation is None or installation.id is None:
            raise Unauthenticated("This Saleor has not installed the app.")
        try:
            claims: DashboardClaims = signing_keys.verify_with_key_refresh(
                uow_factory,
                uow,
                saleor,
                installation,
                lambda jwks: verifier.verify_dashboard_token(token, jwks),
                interval_seconds=jwks_refetch_seconds,
            )
        except SignatureInvalid:
            raise Unauthenticated("The dashboard token is not signed by this Saleor.") from None
        uow.commit()
    if claims.issuer != installation.saleor_api_url:
        raise Unauthenticated("The dashboard token was issued by another Saleor.")
    if claims.app_id != installation.app_id:
        raise Unauthenticated("The dashboard token was issued for another app.")
    if required_permission not in claims.permissions:
        raise NotAllowed(f"You need the {required_permission} permission for this page.")
    return DashboardUser(
        installation_id=installation.id,
        saleor_api_url=installation.saleor_api_url,
        email=claims.email,
        user_id=claims.user_id,
        permissions=claims.permissions,
    )
