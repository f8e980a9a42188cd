"""Vendors: create, edit, deactivate; import and export as CSV (all or nothing)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace

from app.domain.errors import DomainValidationError
from app.domain.installations import InstallationId
from app.domain.spreadsheets import csv_text
from app.domain.vendor_http import (
    SECRET_PREFIX,
    EndpointPolicy,
    HttpEndpoint,
    clean_http_endpoint,
)
from app.domain.vendor_shipping import VendorShipping, clean_vendor_shipping
from app.domain.vendors import IntegrationKind, Vendor, VendorImportReport, clean_vendor
from app.errors import NotFound
from app.services.csv_files import read_csv_rows
from app.services.forms import FormInvalid, refuse_control_characters
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

STRICT = EndpointPolicy()  # public https hosts only (ALLOW_PRIVATE_HTTP_HOSTS unset)
VENDOR_COLUMNS = (
    "code",
    "name",
    "currency",
    "integration",
    "emails_to",
    "emails_cc",
    "file_format",
    "lead_time_days",
    "po_notes",
    "active",
)


def list_vendors(uow_factory: UnitOfWorkFactory, installation_id: InstallationId) -> list[Vendor]:
    with uow_factory() as uow:
        return uow.vendors.list(installation_id)


def get_vendor(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, vendor_id: int
) -> Vendor:
    with uow_factory() as uow:
        vendor = uow.vendors.get(installation_id, vendor_id)
    if vendor is None:
        raise NotFound("This vendor does not exist.")
    return vendor


def new_signing_secret() -> str:
    """A fresh per-vendor secret for signing POs (256 random bits)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _with_secret(vendor: Vendor) -> Vendor:
    """HTTP vendors get a signing secret as soon as they are HTTP vendors."""
    if vendor.integration is IntegrationKind.HTTP and not vendor.http.signing_secret:
        vendor.http = replace(vendor.http, signing_secret=new_signing_secret())
    return vendor


def _save(uow: UnitOfWork, installation_id: InstallationId, vendor: Vendor) -> Vendor:
    same_code = uow.vendors.get_by_code(installation_id, vendor.code)
    if same_code is not None and same_code.id != vendor.id:
        raise FormInvalid({"code": f"{same_code.name} already uses the code {vendor.code}."})
    if vendor.id is None:
        return uow.vendors.add(installation_id, vendor)
    if not uow.vendors.update(installation_id, vendor):
        raise NotFound("This vendor does not exist.")
    return vendor


def save_vendor(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    data: Mapping[str, object],
    vendor_id: int | None = None,
    endpoint_policy: EndpointPolicy = STRICT,
) -> Vendor:
    """Create a vendor, or edit one; codes are unique per shop. Document and shipping options
    the form leaves out stay as they are (carrier accounts are encrypted at rest). An HTTP
    vendor needs its endpoint URL (https, a public host unless the deployment allows private
    ones) and gets a signing secret, kept across edits and encrypted at rest."""
    refuse_control_characters(data, multiline=("po_notes", "service_map", "carrier_accounts"))
    with uow_factory() as uow:
        current = uow.vendors.get(installation_id, vendor_id) if vendor_id else None
        errors: dict[str, str] = {}
        vendor = None
        try:
            vendor = clean_vendor(data, vendor_id)
        except DomainValidationError as error:
            errors.update(error.errors)
        try:
            shipping = clean_vendor_shipping(
                data, current.shipping if current else VendorShipping()
            )
        except DomainValidationError as error:
            errors.update(error.errors)
        http = current.http if current else HttpEndpoint()
        if vendor is not None and vendor.integration is IntegrationKind.HTTP:
            try:
                http = clean_http_endpoint(data, http, endpoint_policy)
            except DomainValidationError as error:
                errors.update(error.errors)
        if errors or vendor is None:
            raise FormInvalid(errors)
        vendor.shipping, vendor.http = shipping, http
        saved = _save(uow, installation_id, _with_secret(vendor))
        uow.commit()
    return saved


def rotate_vendor_signing_secret(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, vendor_id: int
) -> Vendor:
    """A new signing secret for an HTTP vendor (the old one stops working at once: the vendor
    must be given the new one)."""
    with uow_factory() as uow:
        vendor = uow.vendors.get(installation_id, vendor_id)
        if vendor is None:
            raise NotFound("This vendor does not exist.")
        if vendor.integration is not IntegrationKind.HTTP:
            raise FormInvalid({"http_secret": "Only HTTP vendors have a signing secret."})
        vendor.http = replace(vendor.http, signing_secret=new_signing_secret())
        uow.vendors.update(installation_id, vendor)
        uow.commit()
    return vendor


def set_vendor_active(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, vendor_id: int, active: bool
) -> Vendor:
    """Deactivated vendors keep their history but are never chosen for new order lines."""
    with uow_factory() as uow:
        vendor = uow.vendors.get(installation_id, vendor_id)
        if vendor is None:
            raise NotFound("This vendor does not exist.")
        vendor.active = active
        uow.vendors.update(installation_id, vendor)
        uow.commit()
    return vendor


def export_vendors_csv(uow_factory: UnitOfWorkFactory, installation_id: InstallationId) -> str:
    """Every vendor as CSV, formula cells neutralised (a name like ``=HYPERLINK(..)``)."""
    rows = [
        [
            vendor.code,
            vendor.name,
            vendor.currency,
            vendor.integration.value,
            ", ".join(vendor.emails_to),
            ", ".join(vendor.emails_cc),
            vendor.file_format.value,
            vendor.lead_time_days,
            vendor.po_notes,
            "yes" if vendor.active else "no",
        ]
        for vendor in list_vendors(uow_factory, installation_id)
    ]
    return csv_text(VENDOR_COLUMNS, rows, lineterminator="\n")


def import_vendors_csv(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, text: str
) -> VendorImportReport:
    """Create or update vendors by code. Any bad row: nothing is written, every error reported."""
    rows = read_csv_rows(text, ("code", "name", "currency"))
    report = VendorImportReport()
    cleaned: list[Vendor] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        try:
            vendor = clean_vendor(row)
        except DomainValidationError as error:
            report.errors.extend(
                f"Row {number}: {field}: {msg}" for field, msg in error.errors.items()
            )
            continue
        if vendor.code in seen:
            report.errors.append(
                f"Row {number}: code {vendor.code} is also on row {seen[vendor.code]}."
            )
            continue
        seen[vendor.code] = number
        cleaned.append(vendor)
    if report.errors:
        raise FormInvalid({"file": "Nothing was imported: fix these rows."}, rows=report.errors)
    with uow_factory() as uow:
        for vendor in cleaned:
            existing = uow.vendors.get_by_code(installation_id, vendor.code)
            if existing is None:
                uow.vendors.add(installation_id, _with_secret(vendor))
                report.created += 1
            else:  # options the CSV does not carry (documents, the HTTP endpoint) stay
                vendor.id, vendor.shipping = existing.id, existing.shipping
                vendor.http = existing.http
                uow.vendors.update(installation_id, _with_secret(vendor))
                report.updated += 1
        uow.commit()
    return report
