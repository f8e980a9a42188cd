"""An order changed in Saleor after its PO was sent: what differs between the PO and the order.

The PO is what the vendor has (its ship-to and lines as last sent); the order is Saleor's
latest copy. The difference is computed against the PO, not against the previous copy of the
order, so the same ``ORDER_UPDATED`` twice gives the same difference, and a change that goes
back to the PO's values gives none. Lines added to the order are not a PO change: they are
new lines to route. A line that already shipped (even partly) is shown, never amended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

from app.domain.orders import Address, OrderLine

ADDRESS_LABELS = {
    "first_name": "first name",
    "last_name": "last name",
    "company_name": "company",
    "street_address_1": "street",
    "street_address_2": "street (2nd line)",
    "city": "city",
    "postal_code": "postal code",
    "country_code": "country",
    "country_area": "region",
    "phone": "phone",
}


@dataclass(frozen=True)
class LineChange:
    """One PO line whose quantity changed in the order (``new_quantity`` 0: removed)."""

    order_line_id: str
    sku: str
    product_name: str
    old_quantity: int
    new_quantity: int
    shipped: int = 0  # already shipped by the vendor on this PO: not amended

    @property
    def removed(self) -> bool:
        return self.new_quantity == 0

    @property
    def blocked(self) -> bool:
        """Shipments exist for the line: what shipped is not amended."""
        return self.shipped > 0

    def describe(self) -> str:
        if self.removed:
            text = f"{self.product_name} ({self.sku}): removed (was {self.old_quantity})"
        else:
            text = f"{self.product_name} ({self.sku}): {self.old_quantity} → {self.new_quantity}"
        if self.blocked:
            text += f"; {self.shipped} already shipped, not amended"
        return text


@dataclass(frozen=True)
class POChanges:
    """What the order says now that the PO does not (``new_ship_to`` None: same address)."""

    old_ship_to: Address | None = None
    new_ship_to: Address | None = None
    lines: tuple[LineChange, ...] = ()

    @property
    def address_changed(self) -> bool:
        return self.new_ship_to is not None

    @property
    def is_empty(self) -> bool:
        return not self.address_changed and not self.lines

    @property
    def changed_address_fields(self) -> tuple[str, ...]:
        """The address fields that differ (names as on ``Address``)."""
        if self.old_ship_to is None or self.new_ship_to is None:
            return ()
        return tuple(
            item.name
            for item in fields(Address)
            if getattr(self.old_ship_to, item.name) != getattr(self.new_ship_to, item.name)
        )

    @property
    def blocked_lines(self) -> tuple[LineChange, ...]:
        return tuple(line for line in self.lines if line.blocked)

    def applicable(self) -> POChanges:
        """The part an amended PO can carry: the address and the lines not shipped yet."""
        return POChanges(
            self.old_ship_to,
            self.new_ship_to,
            tuple(line for line in self.lines if not line.blocked),
        )

    def blocked(self) -> POChanges:
        """The part that stays for the merchant to settle with the vendor."""
        return POChanges(lines=self.blocked_lines)

    def line(self, order_line_id: str) -> LineChange | None:
        return next((c for c in self.lines if c.order_line_id == order_line_id), None)

    def describe(self) -> list[str]:
        """One short sentence per change, old → new."""
        described = []
        if self.old_ship_to is not None and self.new_ship_to is not None:
            for name in self.changed_address_fields:
                old = getattr(self.old_ship_to, name) or "(empty)"
                new = getattr(self.new_ship_to, name) or "(empty)"
                described.append(f"Ship-to {ADDRESS_LABELS[name]}: {old} → {new}")
        described.extend(line.describe() for line in self.lines)
        return described

    def summary(self) -> str:
        return "; ".join(self.describe())


@dataclass(frozen=True)
class SentLine:
    """A PO line as the vendor has it (quantity 0: cancelled on the PO by an amendment)."""

    order_line_id: str
    sku: str
    product_name: str
    quantity: int


def diff_purchase_order(
    ship_to: Address,
    lines: Sequence[SentLine],
    order_ship_to: Address | None,
    order_lines: Sequence[OrderLine],
    shipped: Mapping[str, int],
) -> POChanges:
    """The order's changes that touch this PO: its ship-to, and each PO line's quantity
    (a line gone from the order is removed). An order without a shipping address is not a
    change (the vendor keeps the last one); new order lines are not this PO's business."""
    new_ship_to = order_ship_to if order_ship_to is not None and order_ship_to != ship_to else None
    quantities = {line.id: line.quantity for line in order_lines}
    changed = []
    for line in lines:
        if line.quantity <= 0:
            continue  # cancelled on the PO already
        quantity = max(quantities.get(line.order_line_id, 0), 0)
        if quantity != line.quantity:
            changed.append(
                LineChange(
                    order_line_id=line.order_line_id,
                    sku=line.sku,
                    product_name=line.product_name,
                    old_quantity=line.quantity,
                    new_quantity=quantity,
                    shipped=max(shipped.get(line.order_line_id, 0), 0),
                )
            )
    return POChanges(ship_to if new_ship_to else None, new_ship_to, tuple(changed))
