"""The log of EDI documents exchanged with a vendor (both directions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Direction(StrEnum):
    OUT = "out"  # from the shop to the vendor
    IN = "in"  # from the vendor to the shop


class DocumentStatus(StrEnum):
    PENDING = "pending"  # written, not uploaded yet (or the upload is being retried)
    SENT = "sent"  # uploaded to the vendor's inbound folder
    ACKNOWLEDGED = "acknowledged"  # an 850 the vendor's 997 accepted
    REJECTED = "rejected"  # an 850 the vendor's 997 rejected
    APPLIED = "applied"  # an inbound document applied to its PO
    IGNORED = "ignored"  # an inbound document that changed nothing (with the reason)
    QUARANTINED = "quarantined"  # an inbound file that did not parse or apply


KIND_LABELS = {
    "850": "Purchase order",
    "997": "Functional acknowledgement",
    "855": "PO acknowledgement",
    "856": "Ship notice",
    "810": "Invoice",
    "?": "Unreadable file",
}


@dataclass
class EdiDocument:
    vendor_id: int
    direction: Direction
    kind: str  # "850", "997", "855", "856", "810", "?" (unreadable)
    status: DocumentStatus
    filename: str
    content_sha256: str
    raw: str
    created_at: datetime
    control_number: int | None = None
    purchase_order_id: int | None = None
    po_number: str = ""
    send_key: str | None = None  # the outbound attempt's idempotency key (an 850's send)
    error: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)
