"""The Settings page's packing slip section: logo, return address, message, holidays."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.errors import DomainValidationError
from app.domain.installations import InstallationId
from app.domain.logos import Logo, clean_logo
from app.domain.packing_slips import clean_packing_slip_settings
from app.domain.shop_settings import ShopSettings
from app.errors import Invalid
from app.services.document_sets import slip_context
from app.services.forms import FormInvalid, refuse_control_characters
from app.services.ports import DocumentRenderer
from app.services.shop_settings import sample_po
from app.services.unit_of_work import UnitOfWorkFactory

MULTILINE_FIELDS = ("return_address", "slip_message_template", "holidays")


@dataclass(frozen=True)
class PackingSlipSettings:
    settings: ShopSettings
    logo: Logo | None


def get_packing_slip_settings(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId
) -> PackingSlipSettings:
    with uow_factory() as uow:
        return PackingSlipSettings(
            uow.settings.get(installation_id), uow.logos.get(installation_id)
        )


def save_packing_slip_settings(
    uow_factory: UnitOfWorkFactory,
    documents: DocumentRenderer,
    installation_id: InstallationId,
    data: Mapping[str, str],
) -> ShopSettings:
    """Validate and store; the merchant's message template must render a sample slip's message
    within the same budget as the PO templates."""
    refuse_control_characters(data, multiline=MULTILINE_FIELDS)
    with uow_factory() as uow:
        try:
            settings = clean_packing_slip_settings(data, uow.settings.get(installation_id))
        except DomainValidationError as error:
            raise FormInvalid.from_domain(error) from None
        if settings.slip_message_template:
            try:
                documents.packing_slip_message(sample_po(), slip_context(settings, None))
            except Invalid as error:
                raise FormInvalid({"slip_message_template": error.message}) from None
        uow.settings.save(installation_id, settings)
        uow.commit()
    return settings


def save_logo(uow_factory: UnitOfWorkFactory, installation_id: InstallationId, data: bytes) -> Logo:
    """Store the shop's logo after checking its bytes (PNG or JPEG, bounded size)."""
    try:
        logo = clean_logo(data)
    except DomainValidationError as error:
        raise FormInvalid.from_domain(error) from None
    with uow_factory() as uow:
        uow.logos.save(installation_id, logo)
        uow.commit()
    return logo


def remove_logo(uow_factory: UnitOfWorkFactory, installation_id: InstallationId) -> None:
    with uow_factory() as uow:
        uow.logos.remove(installation_id)
        uow.commit()
