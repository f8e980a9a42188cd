"""Who is using the dashboard pages: a staff user of an installed Saleor, with permissions."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.installations import InstallationId
from app.errors import NotAllowed, Unauthenticated
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
            claims: DashboardClaims = verifier.verify_dashboard_token(token, installation.jwks)
        except SignatureInvalid:
            fresh_jwks = saleor.fetch_jwks(installation.saleor_api_url)
            try:
                claims = verifier.verify_dashboard_token(token, fresh_jwks)
            except SignatureInvalid:
                raise Unauthenticated("The dashboard token is not signed by this Saleor.") from None
            uow.installations.update_jwks(installation.id, fresh_jwks)
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
