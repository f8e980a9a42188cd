"""What the vendor portal's pages show (ADR 22): a PO as its vendor sees it, and the vendor's
open POs. Read side only; the link behind the page is resolved by ``vendor_portal.open_portal``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from app.domain.orders import Address
from app.domain.po_list import POListFilter, POListQuery, POListRow
from app.domain.purchase_orders import AWAITING_SHIPMENT, POStatus, PurchaseOrder
from app.domain.shipments import Shipment, ShipmentStatus, shipped_quantities
from app.domain.vendor_answers import LineResponse
from app.domain.vendors import Vendor
from app.errors import NotFound
from app.services.unit_of_work import UnitOfWorkFactory
from app.services.vendor_portal import LINK_REFUSED, PortalAccess

OPEN_LIMIT = 200  # POs on a vendor's account page


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PortalLine:
    order_line_id: str
    sku: str
    vendor_sku: str
    name: str
    ordered: int
    shipped: int
    answer: LineResponse | None

    @property
    def left(self) -> int:
        return max(self.ordered - self.shipped, 0)


@dataclass(frozen=True)
class PortalShipment:
    tracking_numbers: tuple[str, ...]
    carrier: str
    items: tuple[tuple[int, str], ...]
    status: str
    created_at: datetime


@dataclass(frozen=True)
class PortalPage:
    shop_name: str
    merchant_email: str
    vendor_name: str
    po: PurchaseOrder
    lines: tuple[PortalLine, ...]
    shipments: tuple[PortalShipment, ...]
    show_prices: bool
    ship_to: tuple[str, ...]  # the address lines, ready to print
    notes: str  # the vendor's PO notes

    @property
    def can_answer(self) -> bool:
        return self.po.can_take_vendor_answer

    @property
    def can_ship(self) -> bool:
        return self.po.status in AWAITING_SHIPMENT and any(line.left for line in self.lines)

    @property
    def cancel_requested(self) -> bool:
        return self.po.status is POStatus.CANCEL_REQUESTED


def _line_name(product: str, variant: str) -> str:
    return f"{product} · {variant}" if variant else product


def _portal_shipment(shipment: Shipment, names: dict[str, str]) -> PortalShipment:
    items = tuple(
        (quantity, names.get(line_id, "?")) for line_id, quantity in shipment.quantities().items()
    )
    status = "cancelled" if shipment.status is ShipmentStatus.CANCELLED else "recorded"
    return PortalShipment(
        tracking_numbers=shipment.tracking_numbers,
        carrier=shipment.carrier.name if shipment.carrier else "",
        items=items,
        status=status,
        created_at=shipment.created_at or _now(),
    )


def portal_page(uow_factory: UnitOfWorkFactory, access: PortalAccess) -> PortalPage:
    """The PO as its vendor sees it: lines with what shipped and what the vendor answered,
    ship-to, notes, and the shipments entered so far."""
    assert access.po_id is not None
    with uow_factory() as uow:
        po = uow.purchase_orders.get(access.installation_id, access.po_id)
        if po is None:
            raise NotFound(LINK_REFUSED)
        vendor = uow.vendors.get(access.installation_id, po.vendor_id)
        settings = uow.settings.get(access.installation_id)
        shipments = [
            s
            for s in uow.shipments.list_for_order(access.installation_id, po.saleor_order_id)
            if s.purchase_order_id == po.id
        ]
    shipped = shipped_quantities(shipments)
    names = {
        line.order_line_id: _line_name(line.product_name, line.variant_name) for line in po.lines
    }
    lines = tuple(
        PortalLine(
            order_line_id=line.order_line_id,
            sku=line.sku,
            vendor_sku=line.vendor_sku,
            name=names[line.order_line_id],
            ordered=line.quantity,
            shipped=shipped.get(line.order_line_id, 0),
            answer=po.line_answers.get(line.order_line_id),
        )
        for line in po.lines
    )
    return PortalPage(
        shop_name=settings.shop_name or "Our shop",
        merchant_email=settings.merchant_email,
        vendor_name=po.vendor_name,
        po=po,
        lines=lines,
        shipments=tuple(_portal_shipment(s, names) for s in shipments),
        show_prices=_prices_visible(vendor),
        ship_to=address_lines(po.ship_to),
        notes=vendor.po_notes if vendor else "",
    )


def address_lines(address: Address) -> tuple[str, ...]:
    """The ship-to address as printed lines (empty parts left out)."""
    name = " ".join(p for p in (address.first_name, address.last_name) if p)
    city = " ".join(p for p in (address.postal_code, address.city) if p)
    region = ", ".join(p for p in (address.country_area, address.country_code) if p)
    phone = f"Phone {address.phone}" if address.phone else ""
    parts = (name, address.company_name, address.street_address_1, address.street_address_2)
    return tuple(p for p in (*parts, city, region, phone) if p)


def _prices_visible(vendor: Vendor | None) -> bool:
    return vendor.shipping.prices_visible if vendor else True


@dataclass(frozen=True)
class VendorAccount:
    shop_name: str
    vendor_name: str
    purchase_orders: tuple[POListRow, ...]


def vendor_account(uow_factory: UnitOfWorkFactory, access: PortalAccess) -> VendorAccount:
    """The vendor's POs of this shop it still has to ship (sent, acknowledged, partly shipped,
    or a cancellation to confirm), newest first."""
    statuses = frozenset(AWAITING_SHIPMENT | {POStatus.CANCEL_REQUESTED})
    query = POListQuery(POListFilter(statuses=statuses, vendor_id=access.vendor_id))
    with uow_factory() as uow:
        vendor = uow.vendors.get(access.installation_id, access.vendor_id)
        settings = uow.settings.get(access.installation_id)
        rows = tuple(uow.po_listing.rows(access.installation_id, query, _now(), OPEN_LIMIT))
    return VendorAccount(
        shop_name=settings.shop_name or "Our shop",
        vendor_name=vendor.name if vendor else "",
        purchase_orders=rows,
    )
