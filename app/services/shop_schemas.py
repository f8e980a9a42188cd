"""Keeping each shop's stored schema current: re-read when its Saleor version changes."""

from __future__ import annotations

import logging

from app.domain.installations import Installation, InstallationId
from app.domain.shop_schemas import ShopSchemaRecord, incompatibility_message
from app.services.ports import SaleorGateway
from app.services.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)


def recheck_shop_schema(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    installation_id: InstallationId,
    *,
    force: bool = False,
) -> ShopSchemaRecord | None:
    """Ask the shop's Saleor for its version; when it changed (or ``force``), read the schema
    again and check every document. An incompatibility is stored (the app page shows it) and
    logged as an error. Returns what is stored afterwards."""
    with uow_factory() as uow:
        installation = uow.installations.get(installation_id)
        stored = uow.shop_schemas.get(installation_id)
    if installation is None or not installation.is_active:
        return None
    if not force and stored is not None:
        version = saleor.api(installation.saleor_api_url, installation.token).fetch_saleor_version()
        if version == stored.saleor_version:
            return stored
    return _read_again(uow_factory, saleor, installation)


def _read_again(
    uow_factory: UnitOfWorkFactory, saleor: SaleorGateway, installation: Installation
) -> ShopSchemaRecord | None:
    assert installation.id is not None
    schema = saleor.read_schema(installation.saleor_api_url, installation.token)
    with uow_factory() as uow:
        uow.shop_schemas.save(installation.id, schema)
        uow.commit()
        record = uow.shop_schemas.get(installation.id)
    saleor.forget_schema(installation.saleor_api_url)
    if schema.problems:
        logger.error(
            "%s: %s",
            installation.saleor_api_url,
            incompatibility_message(schema.saleor_version, schema.problems),
        )
    else:
        logger.info(
            "%s: Saleor %s is compatible", installation.saleor_api_url, schema.saleor_version
        )
    return record


def recheck_shop_schema_by_url(
    uow_factory: UnitOfWorkFactory, saleor: SaleorGateway, api_url: str
) -> ShopSchemaRecord | None:
    """After Saleor refused a document as invalid: read that shop's schema again now."""
    with uow_factory() as uow:
        installation = uow.installations.get_active_by_api_url(api_url)
    if installation is None or installation.id is None:
        return None
    return recheck_shop_schema(uow_factory, saleor, installation.id, force=True)


def shop_schema(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId
) -> ShopSchemaRecord | None:
    """What the app page shows: the shop's Saleor version and what it lacks, if anything."""
    with uow_factory() as uow:
        return uow.shop_schemas.get(installation_id)


def active_installation_ids(uow_factory: UnitOfWorkFactory) -> list[InstallationId]:
    with uow_factory() as uow:
        ids = []
        for api_url in uow.installations.active_api_urls():
            installation = uow.installations.get_active_by_api_url(api_url)
            if installation is not None and installation.id is not None:
                ids.append(installation.id)
        return ids
