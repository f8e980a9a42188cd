"""The app's copy of a Saleor order, as last read from Saleor."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class DropShipState(StrEnum):
    """Where the order stands for the merchant (Saleor has no such status: kept in metadata)."""

    NEW = "new"
    IN_PROCESS = "in_process"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return {"new": "New", "in_process": "In Process", "complete": "Complete"}[self.value]


@dataclass(frozen=True)
class OrderSnapshot:
    """An order as Saleor returned it; later issues plan purchase orders from it."""

    saleor_order_id: str
    number: str
    status: str
    data: Mapping[str, Any]
    state: DropShipState = DropShipState.NEW
    state_note: str | None = None

    @classmethod
    def from_saleor(cls, order: Mapping[str, Any]) -> OrderSnapshot:
        return cls(
            saleor_order_id=str(order["id"]),
            number=str(order.get("number", "")),
            status=str(order.get("status", "")),
            data=order,
        )

    @property
    def line_count(self) -> int:
        lines = self.data.get("lines") or []
        return len(lines)

    @property
    def updated_at(self) -> str:
        return str(self.data.get("updatedAt") or "")

    @property
    def shipping_address(self) -> Mapping[str, Any] | None:
        address = self.data.get("shippingAddress")
        return address if isinstance(address, Mapping) else None

    @property
    def customer_email(self) -> str:
        return str(self.data.get("userEmail") or "")
