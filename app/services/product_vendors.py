"""Which vendors can ship a product or variant, at what cost, and which one is the default."""

from __future__ import annotations

from collections.abc import Mapping

from app.domain.errors import DomainValidationError
from app.domain.installations import InstallationId
from app.domain.vendors import ProductVendor, VendorImportReport, VendorOption, clean_product_vendor
from app.errors import NotFound
from app.services.csv_files import read_csv_rows
from app.services.forms import FormInvalid, refuse_control_characters
from app.services.ports import SaleorApi
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

IMPORT_COLUMNS = ("sku", "vendor_code", "unit_cost")


def list_product_vendors(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, product_id: str
) -> list[VendorOption]:
    with uow_factory() as uow:
        return uow.product_vendors.options_for_products(installation_id, [product_id])


def _store(uow: UnitOfWork, installation_id: InstallationId, entry: ProductVendor) -> ProductVendor:
    """Insert or update one entry, keeping exactly one default per product."""
    siblings = uow.product_vendors.options_for_products(installation_id, [entry.product_id])
    others = [o.product_vendor for o in siblings if o.product_vendor.id != entry.id]
    if not others:
        entry.is_default = True
    if entry.is_default:
        uow.product_vendors.clear_default(installation_id, entry.product_id)
    elif not any(other.is_default for other in others):
        entry.is_default = True
    if entry.id is None:
        return uow.product_vendors.add(installation_id, entry)
    uow.product_vendors.update(installation_id, entry)
    return entry


def _clean(
    uow: UnitOfWork,
    installation_id: InstallationId,
    data: Mapping[str, object],
    entry_id: int | None,
) -> ProductVendor:
    raw_vendor_id = str(data.get("vendor_id") or "")
    vendor = (
        uow.vendors.get(installation_id, int(raw_vendor_id)) if raw_vendor_id.isdigit() else None
    )
    if vendor is None:
        raise FormInvalid({"vendor_id": "Choose one of your vendors."})
    try:
        entry = clean_product_vendor(
            data, vendor_currency=vendor.currency, product_vendor_id=entry_id
        )
    except DomainValidationError as error:
        raise FormInvalid.from_domain(error) from None
    if entry.unit_cost.currency != vendor.currency:
        raise FormInvalid({"cost_currency": f"{vendor.name} bills in {vendor.currency}."})
    duplicate = uow.product_vendors.find(
        installation_id, entry.product_id, entry.variant_id, entry.vendor_id
    )
    if duplicate is not None and duplicate.id != entry_id:
        raise FormInvalid({"vendor_id": f"{vendor.name} is already listed for this product."})
    return entry


def save_product_vendor(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    data: Mapping[str, object],
    entry_id: int | None = None,
) -> ProductVendor:
    """Add or edit a product vendor.

    The first one of a product becomes its default; a new default replaces the old one.
    """
    refuse_control_characters(data)
    with uow_factory() as uow:
        if entry_id is not None and uow.product_vendors.get(installation_id, entry_id) is None:
            raise NotFound("This product vendor does not exist.")
        entry = _store(uow, installation_id, _clean(uow, installation_id, data, entry_id))
        uow.commit()
    return entry


def remove_product_vendor(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, entry_id: int
) -> None:
    """Remove an entry; if it was the default, the best remaining one (by priority) takes over."""
    with uow_factory() as uow:
        entry = uow.product_vendors.get(installation_id, entry_id)
        if entry is None:
            raise NotFound("This product vendor does not exist.")
        uow.product_vendors.remove(installation_id, entry_id)
        if entry.is_default:
            rest = uow.product_vendors.options_for_products(installation_id, [entry.product_id])
            if rest:
                best = min(rest, key=lambda o: (o.product_vendor.priority, o.vendor.name))
                best.product_vendor.is_default = True
                uow.product_vendors.update(installation_id, best.product_vendor)
        uow.commit()


def import_product_vendors_csv(
    uow_factory: UnitOfWorkFactory, api: SaleorApi, installation_id: InstallationId, text: str
) -> VendorImportReport:
    """Rows keyed by SKU (one variant each), resolved through Saleor 100 SKUs per query.

    Columns: sku, vendor_code, unit_cost, and optionally vendor_sku, priority, min_quantity,
    is_default. Unknown SKUs or vendor codes are reported row by row and nothing is written.
    """
    rows = read_csv_rows(text, IMPORT_COLUMNS)
    variants = api.variants_by_sku([row["sku"] for row in rows if row.get("sku")])
    report = VendorImportReport()
    with uow_factory() as uow:
        vendors = {vendor.code: vendor for vendor in uow.vendors.list(installation_id)}
        pending: list[ProductVendor] = []
        for number, row in enumerate(rows, start=2):
            variant = variants.get(row.get("sku", ""))
            vendor = vendors.get(row.get("vendor_code", "").upper())
            if variant is None:
                report.errors.append(
                    f"Row {number}: no product in Saleor has SKU {row.get('sku')!r}."
                )
                continue
            if vendor is None:
                report.errors.append(
                    f"Row {number}: no vendor has code {row.get('vendor_code')!r}."
                )
                continue
            data = dict(
                row,
                vendor_id=str(vendor.id),
                product_id=variant.product_id,
                variant_id=variant.variant_id,
            )
            try:
                pending.append(_clean(uow, installation_id, data, None))
            except FormInvalid as error:
                report.errors.extend(f"Row {number}: {k}: {v}" for k, v in error.errors.items())
        if report.errors:
            raise FormInvalid({"file": "Nothing was imported: fix these rows."}, rows=report.errors)
        for entry in pending:
            existing = uow.product_vendors.find(
                installation_id, entry.product_id, entry.variant_id, entry.vendor_id
            )
            if existing is not None:
                entry.id = existing.id
                report.updated += 1
            else:
                report.created += 1
            _store(uow, installation_id, entry)
        uow.commit()
    return report
