"""The settings page: shop name, reply-to, PO numbering, SMTP server and templates."""

from __future__ import annotations

from collections.abc import Mapping

from app.domain.errors import DomainValidationError
from app.domain.installations import InstallationId
from app.domain.shop_settings import ShopSettings, clean_settings
from app.services.forms import FormInvalid
from app.services.unit_of_work import UnitOfWorkFactory


def get_settings(uow_factory: UnitOfWorkFactory, installation_id: InstallationId) -> ShopSettings:
    with uow_factory() as uow:
        return uow.settings.get(installation_id)


def save_settings(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, data: Mapping[str, str]
) -> ShopSettings:
    """Validate and store; the SMTP password is encrypted at rest and kept when left empty."""
    with uow_factory() as uow:
        try:
            settings = clean_settings(data, uow.settings.get(installation_id))
        except DomainValidationError as error:
            raise FormInvalid.from_domain(error) from None
        uow.settings.save(installation_id, settings)
        uow.commit()
    return settings
