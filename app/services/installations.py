"""Installing and removing the app on a Saleor."""

from __future__ import annotations

import logging
import re

from app.domain.installations import Installation, SaleorApiUrl, is_well_formed_api_url
from app.errors import Invalid, NotAllowed, Unauthenticated
from app.services.ports import SaleorGateway, SaleorRefused, SaleorUnavailable
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
    call arbitrary hosts. The token is proved with ``{ app { id } }`` against the API URL: only the
    real Saleor can answer with an app id for it.
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
        uow.commit()
    logger.info("installed on %s as app %s", api_url, app_id)
    return installation
