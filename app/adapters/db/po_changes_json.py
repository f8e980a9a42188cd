"""A PO's changes (``POChanges``) as stored JSON, and back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.adapters.saleor.parsing import address_json, parse_address
from app.domain.po_changes import LineChange, POChanges


def changes_json(changes: POChanges | None) -> dict[str, Any] | None:
    if changes is None:
        return None
    return {
        "old_ship_to": address_json(changes.old_ship_to) if changes.old_ship_to else None,
        "new_ship_to": address_json(changes.new_ship_to) if changes.new_ship_to else None,
        "lines": [
            {
                "order_line_id": line.order_line_id,
                "sku": line.sku,
                "product_name": line.product_name,
                "old_quantity": line.old_quantity,
                "new_quantity": line.new_quantity,
                "shipped": line.shipped,
            }
            for line in changes.lines
        ],
    }


def changes_from_json(data: Any) -> POChanges | None:
    if not isinstance(data, Mapping):
        return None
    lines = data.get("lines") or []
    return POChanges(
        old_ship_to=parse_address(data.get("old_ship_to")),
        new_ship_to=parse_address(data.get("new_ship_to")),
        lines=tuple(
            LineChange(
                order_line_id=str(line["order_line_id"]),
                sku=str(line["sku"]),
                product_name=str(line["product_name"]),
                old_quantity=int(line["old_quantity"]),
                new_quantity=int(line["new_quantity"]),
                shipped=int(line.get("shipped", 0)),
            )
            for line in lines
            if isinstance(line, Mapping)
        ),
    )
