"""The drop-ship plan of an order: which vendor ships each line (or that it is not drop-shipped)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.domain.money import Money
from app.domain.orders import Order, OrderLine
from app.domain.vendors import LineNeed, VendorOption, choose_default_vendor, options_for


class ChosenBy(StrEnum):
    DEFAULT = "default"
    MERCHANT = "merchant"


@dataclass(frozen=True)
class LineChoice:
    """The stored decision for one order line; ``vendor_id`` None means not drop-shipped."""

    order_line_id: str
    vendor_id: int | None
    chosen_by: ChosenBy


@dataclass(frozen=True)
class PlanLine:
    order_line_id: str
    product_id: str | None
    variant_id: str | None
    sku: str
    product_name: str
    variant_name: str
    quantity: int
    quantity_fulfilled: int
    vendor_id: int | None
    chosen_by: ChosenBy
    options: tuple[VendorOption, ...] = ()
    unit_price: Money | None = None  # what the customer pays for one (Saleor's line price)

    @property
    def is_drop_shipped(self) -> bool:
        return self.vendor_id is not None

    @property
    def need(self) -> LineNeed:
        return LineNeed(self.product_id, self.variant_id, self.quantity)


@dataclass(frozen=True)
class DropShipPlan:
    saleor_order_id: str
    order_number: str
    lines: tuple[PlanLine, ...]

    @property
    def drop_shipped_line_ids(self) -> set[str]:
        """The lines a vendor ships: what "every drop-shipped line is fulfilled" is about."""
        return {line.order_line_id for line in self.lines if line.is_drop_shipped}

    def line(self, order_line_id: str) -> PlanLine | None:
        return next((line for line in self.lines if line.order_line_id == order_line_id), None)

    @property
    def choices(self) -> list[LineChoice]:
        return [LineChoice(x.order_line_id, x.vendor_id, x.chosen_by) for x in self.lines]


def _line_fields(line: OrderLine) -> dict[str, Any]:
    return {
        "order_line_id": line.id,
        "product_id": line.product_id,
        "variant_id": line.variant_id,
        "sku": line.sku,
        "product_name": line.product_name,
        "variant_name": line.variant_name,
        "quantity": line.quantity,
        "quantity_fulfilled": line.quantity_fulfilled,
        "unit_price": line.unit_price,
    }


def build_plan(
    order: Order,
    product_vendors: Iterable[VendorOption],
    previous: Mapping[str, LineChoice] | None = None,
) -> DropShipPlan:
    """Give each line its default vendor, keeping what the merchant chose before.

    Running it again on the same order gives the same plan: it is safe for every order event.
    """
    catalogue = list(product_vendors)
    previous = previous or {}
    lines = []
    for order_line in order.info.lines:
        fields = _line_fields(order_line)
        need = LineNeed(fields["product_id"], fields["variant_id"], fields["quantity"])
        options = tuple(options_for(need, catalogue))
        earlier = previous.get(fields["order_line_id"])
        if earlier is not None and earlier.chosen_by is ChosenBy.MERCHANT:
            vendor_id, chosen_by = earlier.vendor_id, ChosenBy.MERCHANT
        else:
            default = choose_default_vendor(need, options)
            vendor_id, chosen_by = (default.vendor_id if default else None), ChosenBy.DEFAULT
        lines.append(PlanLine(**fields, vendor_id=vendor_id, chosen_by=chosen_by, options=options))
    return DropShipPlan(order.saleor_order_id, order.number, tuple(lines))
