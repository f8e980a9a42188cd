"""Installing and removing the app on a Saleor."""

from __future__ import annotations

import logging
import re

from app.domain.installations import (
    Installation,
    InstallationId,
    SaleorApiUrl,
    is_well_formed_api_url,
)
from app.domain.shop_schemas import ShopSchema, incompatibility_message
from app.errors import Invalid, NotAllowed, Unauthenticated
from app.services.ports import (
    SaleorApi,
    SaleorGateway,
    SaleorIncompatible,
    SaleorRefused,
    SaleorUnavailable,
)
from app.services.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)


class SaleorUrlNotAllowed(NotAllowed):
    """The Saleor that asks to install is not on the allow-list."""


class TokenRejected(Unauthenticated):
    """Saleor did not accept the token it sent us."""


def register_installation(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    *,
    api_url: str,
    token: str,
    allowed_api_urls: re.Pattern[str],
) -> Installation:
    """Store a Saleor's app token after proving it, replacing any earlier install of that Saleor.

    The allow-list is checked before any request leaves the app, so a caller cannot make the app
    call arbitrary hosts. The Saleor's own schema is read (one introspection request) and every
    document the app sends or subscribes with is checked against it: a Saleor that lacks a field
    or type the app needs is refused, naming the document and what is missing. The token is then
    proved with ``{ app { id } }``: only the real Saleor can answer with an app id for it.
    """
    if not api_url:
        raise Invalid("Missing Saleor-Api-Url header.", field="saleor-api-url")
    if not token:
        raise Invalid("Missing auth token.", field="auth_token")
    if not is_well_formed_api_url(api_url):
        raise Invalid(f"Saleor-Api-Url {api_url!r} is not a Saleor GraphQL URL.")
    if not allowed_api_urls.fullmatch(api_url):
        raise SaleorUrlNotAllowed(
            f"This app may not be installed on {api_url}. Ask its operator to allow this Saleor."
        )
    schema = _compatible_schema(saleor, api_url, token)
    try:
        app_id = saleor.api(api_url, token).fetch_app_id()
    except SaleorRefused as error:
        raise TokenRejected(f"Saleor did not accept the app token: {error.message}") from error
    except SaleorUnavailable as error:
        raise SaleorUnavailable(
            f"Could not reach Saleor to verify the token: {error.message}"
        ) from error
    jwks = saleor.fetch_jwks(api_url)
    with uow_factory() as uow:
        installation = uow.installations.save(
            Installation(
                saleor_api_url=SaleorApiUrl(api_url), app_id=app_id, token=token, jwks=jwks
            )
        )
        assert installation.id is not None
        uow.shop_schemas.save(installation.id, schema)
        uow.commit()
    saleor.forget_schema(api_url)
    logger.info("installed on %s as app %s (Saleor %s)", api_url, app_id, schema.saleor_version)
    return installation


def _compatible_schema(saleor: SaleorGateway, api_url: str, token: str) -> ShopSchema:
    try:
        schema = saleor.read_schema(api_url, token)
    except SaleorRefused as error:
        raise TokenRejected(f"Saleor did not accept the app token: {error.message}") from error
    except SaleorUnavailable as error:
        raise SaleorUnavailable(
            f"Could not reach Saleor to read its schema: {error.message}"
        ) from error
    if not schema.is_compatible:
        message = incompatibility_message(schema.saleor_version, schema.problems)
        logger.error("install refused on %s: %s", api_url, message)
        raise SaleorIncompatible(message)
    return schema


def active_installation(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId
) -> Installation:
    """The shop a signed-in dashboard user belongs to, while the app is installed there."""
    with uow_factory() as uow:
        installation = uow.installations.get(installation_id)
    if installation is None or not installation.is_active:
        raise Unauthenticated("The app is no longer installed on this Saleor.")
    return installation


def installation_saleor_api(
    uow_factory: UnitOfWorkFactory, saleor: SaleorGateway, installation_id: InstallationId
) -> SaleorApi:
    """Saleor's API with the app's own token, for the shop of the signed-in dashboard user."""
    installation = active_installation(uow_factory, installation_id)
    return saleor.api(installation.saleor_api_url, installation.token)
