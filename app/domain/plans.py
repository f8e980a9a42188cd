"""The drop-ship plan of an order: which vendor ships each line (or that it is not drop-shipped)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.domain.orders import OrderSnapshot
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

    def line(self, order_line_id: str) -> PlanLine | None:
        return next((line for line in self.lines if line.order_line_id == order_line_id), None)

    @property
    def choices(self) -> list[LineChoice]:
        return [LineChoice(x.order_line_id, x.vendor_id, x.chosen_by) for x in self.lines]


def _line_fields(line: Mapping[str, Any]) -> dict[str, Any]:
    variant = line.get("variant") or {}
    product = variant.get("product") or {}
    return {
        "order_line_id": str(line["id"]),
        "product_id": product.get("id"),
        "variant_id": variant.get("id") or line.get("productVariantId"),
        "sku": str(line.get("productSku") or variant.get("sku") or ""),
        "product_name": str(line.get("productName") or product.get("name") or ""),
        "variant_name": str(line.get("variantName") or ""),
        "quantity": int(line.get("quantity") or 0),
        "quantity_fulfilled": int(line.get("quantityFulfilled") or 0),
    }


def build_plan(
    order: OrderSnapshot,
    product_vendors: Iterable[VendorOption],
    previous: Mapping[str, LineChoice] | None = None,
) -> DropShipPlan:
    """Give each line its default vendor, keeping what the merchant chose before.

    Running it again on the same order gives the same plan: it is safe for every order event.
    """
    catalogue = list(product_vendors)
    previous = previous or {}
    lines = []
    for raw in order.data.get("lines") or []:
        fields = _line_fields(raw)
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
