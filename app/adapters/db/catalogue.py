"""Repositories for settings, vendors, product vendors and plan choices."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select, update

from app.adapters.crypto import TokenCipher
from app.adapters.db import tables
from app.adapters.db.repositories import insert_ignoring_conflicts
from app.domain.installations import InstallationId
from app.domain.logos import Logo
from app.domain.money import Money
from app.domain.plans import ChosenBy, LineChoice
from app.domain.shop_settings import ShopSettings
from app.domain.vendor_http import HttpEndpoint
from app.domain.vendor_shipping import (
    CarrierAccount,
    DocumentSet,
    ServiceMapping,
    VendorShipping,
)
from app.domain.vendors import (
    FileFormat,
    IntegrationKind,
    ProductVendor,
    Vendor,
    VendorOption,
)


class SqlSettingsRepository:
    def __init__(self, connection: Connection, cipher: TokenCipher) -> None:
        self._connection = connection
        self._cipher = cipher

    def get(self, installation_id: InstallationId) -> ShopSettings:
        table = tables.installation_settings
        row = self._connection.execute(
            select(table).where(table.c.installation_id == installation_id)
        ).first()
        if row is None:
            return ShopSettings()
        known = {k: v for k, v in row.values.items() if k in ShopSettings.__dataclass_fields__}
        password = (
            self._cipher.decrypt(row.smtp_password_encrypted) if row.smtp_password_encrypted else ""
        )
        return ShopSettings(**known, smtp_password=password)

    def save(self, installation_id: InstallationId, settings: ShopSettings) -> None:
        table = tables.installation_settings
        values = {
            "values": settings.public_values(),
            "smtp_password_encrypted": (
                self._cipher.encrypt(settings.smtp_password) if settings.smtp_password else None
            ),
            "updated_at": datetime.now(UTC),
        }
        updated = self._connection.execute(
            update(table).where(table.c.installation_id == installation_id).values(**values)
        )
        if updated.rowcount == 0:
            self._connection.execute(
                insert(table).values(installation_id=installation_id, **values)
            )


def _vendor(row: Any, cipher: TokenCipher) -> Vendor:
    return Vendor(
        id=row.id,
        name=row.name,
        code=row.code,
        currency=row.currency,
        integration=IntegrationKind(row.integration),
        emails_to=tuple(row.emails_to),
        emails_cc=tuple(row.emails_cc),
        file_format=FileFormat(row.file_format),
        lead_time_days=row.lead_time_days,
        po_notes=row.po_notes,
        active=row.active,
        shipping=_shipping(row, cipher),
        http=HttpEndpoint(
            url=row.http_url,
            signing_secret=(
                cipher.decrypt(row.http_secret_encrypted) if row.http_secret_encrypted else ""
            ),
            timeout_seconds=row.http_timeout_seconds,
        ),
    )


def _shipping(row: Any, cipher: TokenCipher) -> VendorShipping:
    """The vendor's document and shipping options; carrier accounts are stored encrypted."""
    accounts: list[list[str]] = (
        json.loads(cipher.decrypt(row.carrier_accounts_encrypted))
        if row.carrier_accounts_encrypted
        else []
    )
    return VendorShipping(
        documents=DocumentSet(row.documents),
        show_prices=row.show_prices,
        file_name_pattern=row.file_name_pattern,
        service_map=tuple(ServiceMapping(*entry) for entry in row.service_map),
        carrier_accounts=tuple(CarrierAccount(*entry) for entry in accounts),
    )


def _vendor_values(vendor: Vendor, cipher: TokenCipher) -> dict[str, Any]:
    values = asdict(vendor)
    values.pop("id")
    values.pop("shipping")
    values.pop("http")
    values["integration"] = vendor.integration.value
    values["file_format"] = vendor.file_format.value
    values["emails_to"] = list(vendor.emails_to)
    values["emails_cc"] = list(vendor.emails_cc)
    shipping = vendor.shipping
    accounts = [[a.carrier, a.account_number] for a in shipping.carrier_accounts]
    return values | {
        "documents": shipping.documents.value,
        "show_prices": shipping.show_prices,
        "file_name_pattern": shipping.file_name_pattern,
        "service_map": [[m.shop_method, m.carrier, m.service_code] for m in shipping.service_map],
        "carrier_accounts_encrypted": cipher.encrypt(json.dumps(accounts)) if accounts else None,
        "http_url": vendor.http.url,
        "http_timeout_seconds": vendor.http.timeout_seconds,
        "http_secret_encrypted": (
            cipher.encrypt(vendor.http.signing_secret) if vendor.http.signing_secret else None
        ),
    }


class SqlVendorRepository:
    def __init__(self, connection: Connection, cipher: TokenCipher) -> None:
        self._connection = connection
        self._cipher = cipher

    def list(self, installation_id: InstallationId) -> list[Vendor]:
        table = tables.vendors
        rows = self._connection.execute(
            select(table).where(table.c.installation_id == installation_id).order_by(table.c.name)
        )
        return [_vendor(row, self._cipher) for row in rows]

    def get(self, installation_id: InstallationId, vendor_id: int) -> Vendor | None:
        table = tables.vendors
        row = self._connection.execute(
            select(table).where(table.c.installation_id == installation_id, table.c.id == vendor_id)
        ).first()
        return None if row is None else _vendor(row, self._cipher)

    def get_by_code(self, installation_id: InstallationId, code: str) -> Vendor | None:
        table = tables.vendors
        row = self._connection.execute(
            select(table).where(table.c.installation_id == installation_id, table.c.code == code)
        ).first()
        return None if row is None else _vendor(row, self._cipher)

    def add(self, installation_id: InstallationId, vendor: Vendor) -> Vendor:
        table = tables.vendors
        vendor_id = self._connection.execute(
            insert(table)
            .values(installation_id=installation_id, **_vendor_values(vendor, self._cipher))
            .returning(table.c.id)
        ).scalar_one()
        vendor.id = int(vendor_id)
        return vendor

    def update(self, installation_id: InstallationId, vendor: Vendor) -> bool:
        table = tables.vendors
        result = self._connection.execute(
            update(table)
            .where(table.c.installation_id == installation_id, table.c.id == vendor.id)
            .values(**_vendor_values(vendor, self._cipher))
        )
        return result.rowcount == 1

    def count(self, installation_id: InstallationId) -> int:
        return _count(self._connection, tables.vendors, installation_id)


def _count(connection: Connection, table: Table, installation_id: InstallationId) -> int:
    mine = table.c.installation_id == installation_id
    return int(connection.execute(select(func.count()).select_from(table).where(mine)).scalar_one())


def _product_vendor(row: Any) -> ProductVendor:
    return ProductVendor(
        id=row.id,
        vendor_id=row.vendor_id,
        product_id=row.product_id,
        variant_id=row.variant_id or None,
        vendor_sku=row.vendor_sku,
        unit_cost=Money(Decimal(row.unit_cost), row.cost_currency),
        priority=row.priority,
        min_quantity=row.min_quantity,
        is_default=row.is_default,
    )


def _product_vendor_values(entry: ProductVendor) -> dict[str, Any]:
    return {
        "vendor_id": entry.vendor_id,
        "product_id": entry.product_id,
        "variant_id": entry.variant_id or "",
        "vendor_sku": entry.vendor_sku,
        "unit_cost": entry.unit_cost.amount,
        "cost_currency": entry.unit_cost.currency,
        "priority": entry.priority,
        "min_quantity": entry.min_quantity,
        "is_default": entry.is_default,
    }


class SqlProductVendorRepository:
    def __init__(self, connection: Connection, cipher: TokenCipher) -> None:
        self._connection = connection
        self._cipher = cipher

    def options_for_products(
        self, installation_id: InstallationId, product_ids: Iterable[str]
    ) -> list[VendorOption]:
        """Every product vendor of these products, with its vendor, in one query."""
        entries, vendors = tables.product_vendors, tables.vendors
        ids = sorted(set(product_ids))
        if not ids:
            return []
        rows = self._connection.execute(
            select(entries, vendors)
            .join(vendors, vendors.c.id == entries.c.vendor_id)
            .where(entries.c.installation_id == installation_id, entries.c.product_id.in_(ids))
            .order_by(entries.c.id)
        ).mappings()
        options = []
        for row in rows:
            entry_row = {c.name: row[entries.c[c.name]] for c in entries.columns}
            vendor_row = {c.name: row[vendors.c[c.name]] for c in vendors.columns}
            options.append(
                VendorOption(
                    product_vendor=_product_vendor(_Row(entry_row)),
                    vendor=_vendor(_Row(vendor_row), self._cipher),
                )
            )
        return options

    def get(self, installation_id: InstallationId, entry_id: int) -> ProductVendor | None:
        table = tables.product_vendors
        row = self._connection.execute(
            select(table).where(table.c.installation_id == installation_id, table.c.id == entry_id)
        ).first()
        return None if row is None else _product_vendor(row)

    def find(
        self,
        installation_id: InstallationId,
        product_id: str,
        variant_id: str | None,
        vendor_id: int,
    ) -> ProductVendor | None:
        table = tables.product_vendors
        row = self._connection.execute(
            select(table).where(
                table.c.installation_id == installation_id,
                table.c.product_id == product_id,
                table.c.variant_id == (variant_id or ""),
                table.c.vendor_id == vendor_id,
            )
        ).first()
        return None if row is None else _product_vendor(row)

    def add(self, installation_id: InstallationId, entry: ProductVendor) -> ProductVendor:
        table = tables.product_vendors
        entry.id = int(
            self._connection.execute(
                insert(table)
                .values(installation_id=installation_id, **_product_vendor_values(entry))
                .returning(table.c.id)
            ).scalar_one()
        )
        return entry

    def update(self, installation_id: InstallationId, entry: ProductVendor) -> None:
        table = tables.product_vendors
        self._connection.execute(
            update(table)
            .where(table.c.installation_id == installation_id, table.c.id == entry.id)
            .values(**_product_vendor_values(entry))
        )

    def remove(self, installation_id: InstallationId, entry_id: int) -> None:
        table = tables.product_vendors
        self._connection.execute(
            delete(table).where(table.c.installation_id == installation_id, table.c.id == entry_id)
        )

    def clear_default(self, installation_id: InstallationId, product_id: str) -> None:
        table = tables.product_vendors
        self._connection.execute(
            update(table)
            .where(table.c.installation_id == installation_id, table.c.product_id == product_id)
            .values(is_default=False)
        )

    def count(self, installation_id: InstallationId) -> int:
        return _count(self._connection, tables.product_vendors, installation_id)


class _Row:
    """Attribute access over a dict, so joined rows reuse the single-table mappers."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


class SqlPlanRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def choices(
        self, installation_id: InstallationId, saleor_order_id: str
    ) -> dict[str, LineChoice]:
        table = tables.plan_lines
        rows = self._connection.execute(
            select(table).where(
                table.c.installation_id == installation_id,
                table.c.saleor_order_id == saleor_order_id,
            )
        )
        return {
            row.order_line_id: LineChoice(row.order_line_id, row.vendor_id, ChosenBy(row.chosen_by))
            for row in rows
        }

    def save_choices(
        self, installation_id: InstallationId, saleor_order_id: str, choices: Iterable[LineChoice]
    ) -> None:
        table = tables.plan_lines
        existing = self.choices(installation_id, saleor_order_id)
        for choice in choices:
            values = {"vendor_id": choice.vendor_id, "chosen_by": choice.chosen_by.value}
            if choice.order_line_id in existing:
                if existing[choice.order_line_id] != choice:
                    self._connection.execute(
                        update(table)
                        .where(
                            table.c.installation_id == installation_id,
                            table.c.order_line_id == choice.order_line_id,
                        )
                        .values(**values)
                    )
            else:  # a concurrent refresh may insert the same line: the first one wins
                self._connection.execute(
                    insert_ignoring_conflicts(self._connection, table).values(
                        installation_id=installation_id,
                        saleor_order_id=saleor_order_id,
                        order_line_id=choice.order_line_id,
                        **values,
                    )
                )


class SqlLogoRepository:
    """The shop's packing-slip logo, one per installation."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, installation_id: InstallationId) -> Logo | None:
        table = tables.shop_logos
        row = self._connection.execute(
            select(table).where(table.c.installation_id == installation_id)
        ).first()
        if row is None:
            return None
        return Logo(row.content_type, bytes(row.data), row.width, row.height)

    def save(self, installation_id: InstallationId, logo: Logo) -> None:
        table = tables.shop_logos
        values = {
            "content_type": logo.content_type,
            "data": logo.data,
            "width": logo.width,
            "height": logo.height,
            "updated_at": datetime.now(UTC),
        }
        mine = table.c.installation_id == installation_id
        if self._connection.execute(update(table).where(mine).values(**values)).rowcount == 0:
            self._connection.execute(
                insert(table).values(installation_id=installation_id, **values)
            )

    def remove(self, installation_id: InstallationId) -> None:
        table = tables.shop_logos
        self._connection.execute(delete(table).where(table.c.installation_id == installation_id))
