"""An order cancelled in Saleor: what becomes of its purchase orders.

- not sent yet (created, send failed): cancelled, their lines released;
- sent and not shipped (sent, acknowledged): "cancellation requested"; email and HTTP vendors
  get a cancellation notice (the PO's next revision, marked CANCELLED, through the PO send
  machinery: claims, retries, one idempotency key per revision); the merchant tells the others
  and marks it confirmed; either way the PO holds its lines until the cancellation is confirmed;
- shipped, even partly: left as they are and flagged: a return may be needed.

Each step is in the PO's history and noted on the Saleor order. Safe to run again: a PO
already handled is not handled twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.domain.errors import ErrorCode
from app.domain.installations import InstallationId
from app.domain.purchase_orders import POStatus
from app.domain.vendors import IntegrationKind
from app.errors import Invalid
from app.services.ports import TaskQueue
from app.services.purchase_orders import load_for_update, queue_send
from app.services.unit_of_work import UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back

SALEOR = "Saleor"
_NOTICE = {IntegrationKind.EMAIL: "notice emailed", IntegrationKind.HTTP: "notice posted"}
CANCELLED_IN_SALEOR = "The order was cancelled in Saleor."


@dataclass
class CancellationOutcome:
    cancelled: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)


def cancel_order_purchase_orders(
    uow_factory: UnitOfWorkFactory, queue: TaskQueue, installation_id: InstallationId, order_id: str
) -> CancellationOutcome:
    """Apply the order's cancellation to each of its POs, in one transaction."""
    outcome = CancellationOutcome()
    now = datetime.now(UTC)
    with uow_factory() as uow:
        for listed in uow.purchase_orders.list_for_order(installation_id, order_id):
            po = uow.purchase_orders.get_for_update(installation_id, listed.id or 0)
            assert po is not None
            vendor = uow.vendors.get(installation_id, po.vendor_id)
            vendor_name = vendor.name if vendor else po.vendor_name
            if po.status in (POStatus.CREATED, POStatus.SEND_FAILED):
                po.cancel(actor=SALEOR, at=now, reason=CANCELLED_IN_SALEOR)
                note = f"PO {po.number} to {vendor_name} cancelled: it had not been sent."
                outcome.cancelled.append(po.number)
            elif po.can_request_cancellation:
                po.request_cancellation(actor=SALEOR, at=now, reason=CANCELLED_IN_SALEOR)
                if vendor is not None and vendor.integration.sends_cancellations:
                    try:
                        queue_send(uow, queue, installation_id, po, vendor, SALEOR)
                    except Invalid as in_flight:  # a send of this revision is under way: it
                        if in_flight.code is not ErrorCode.CONFLICT:  # reads the new status
                            raise
                    note = (
                        f"PO {po.number}: cancellation requested from {vendor_name}"
                        f" ({_NOTICE[vendor.integration]}); the PO stays open until they confirm."
                    )
                else:
                    note = (
                        f"PO {po.number}: tell {vendor_name} the order was cancelled, then mark"
                        " the PO's cancellation as confirmed in Drop-ship."
                    )
                outcome.requested.append(po.number)
            elif po.flag_shipped_before_cancel(actor=SALEOR, at=now):
                note = (
                    f"PO {po.number} to {vendor_name} had shipped before the order was"
                    " cancelled: a return may be needed."
                )
                outcome.flagged.append(po.number)
            else:
                continue  # cancelled, or its cancellation already requested
            uow.purchase_orders.save(installation_id, po)
            queue_write_back(uow, queue, installation_id, order_id, f"Drop-ship: {note}")
        uow.commit()
    return outcome


def confirm_po_cancellation(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    po_id: int,
    *,
    actor: str,
) -> str:
    """The vendor confirmed the cancellation (the merchant says so): the PO is cancelled and
    its lines released. Returns the PO number."""
    with uow_factory() as uow:
        po = load_for_update(uow, installation_id, po_id)
        po.confirm_cancellation(actor=actor, at=datetime.now(UTC), detail=f"by {actor}")
        uow.purchase_orders.save(installation_id, po)
        note = f"Drop-ship: PO {po.number} to {po.vendor_name}: cancellation confirmed by {actor}."
        queue_write_back(uow, queue, installation_id, po.saleor_order_id, note)
        uow.commit()
    return po.number
