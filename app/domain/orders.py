"""The app's copy of a Saleor order, as last read from Saleor."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OrderSnapshot:
    """An order as Saleor returned it; later issues plan purchase orders from it."""

    saleor_order_id: str
    number: str
    status: str
    data: Mapping[str, Any]

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
