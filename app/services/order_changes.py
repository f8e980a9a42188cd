"""An order changed in Saleor after its POs were sent: flag the POs, then send the update.

On ``ORDER_UPDATED`` (after the new copy of the order is stored) every PO the vendor has and
still owes (sent, acknowledged, partly shipped) is compared with the order: a new ship-to, a
line's quantity changed, a line removed. The difference is kept on the PO ("changed since
sent"), in its history and noted on the Saleor order; the same difference twice is noted
once, and an order changed back clears the flag. "Send update" applies the change to the PO
and sends the amended PO as its next revision over the vendor's channel (email); vendors the
app cannot send an amendment to get it applied and are told by the merchant (ADR 21).
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.domain.errors import ErrorCode
from app.domain.installations import InstallationId
from app.domain.po_changes import diff_purchase_order
from app.domain.purchase_orders import PurchaseOrder
from app.domain.shipments import shipped_quantities
from app.domain.vendors import IntegrationKind
from app.errors import Invalid
from app.services.ports import TaskQueue
from app.services.purchase_orders import load_for_update, queue_send
from app.services.unit_of_work import UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back

SALEOR = "Saleor"


def flag_changed_purchase_orders(
    uow_factory: UnitOfWorkFactory, queue: TaskQueue, installation_id: InstallationId, order_id: str
) -> list[str]:
    """Compare each sent, open PO of the order with the stored order; flag (or clear) the
    ones that differ, in one transaction. Returns the numbers of the POs whose flag changed."""
    now = datetime.now(UTC)
    changed: list[str] = []
    with uow_factory() as uow:
        order = uow.orders.get(installation_id, order_id)
        if order is None or order.is_cancelled:
            return changed  # a cancellation has its own path (order_cancellations)
        listed = uow.purchase_orders.list_for_order(installation_id, order_id)
        if not any(po.is_compared_with_order for po in listed):
            return changed
        shipments = uow.shipments.list_for_order(installation_id, order_id)
        for candidate in listed:
            if not candidate.is_compared_with_order:
                continue
            po = load_for_update(uow, installation_id, candidate.id or 0)
            shipped = shipped_quantities(s for s in shipments if s.purchase_order_id == po.id)
            changes = diff_purchase_order(
                po.ship_to, po.sent_lines, order.info.shipping_address, order.info.lines, shipped
            )
            if not po.flag_changes(changes, actor=SALEOR, at=now):
                continue
            uow.purchase_orders.save(installation_id, po)
            queue_write_back(uow, queue, installation_id, order_id, _flag_note(po))
            changed.append(po.number)
        uow.commit()
    return changed


def _flag_note(po: PurchaseOrder) -> str:
    if po.changes is None:
        return f"Drop-ship: PO {po.number} to {po.vendor_name}: the order matches the PO again."
    text = f"Drop-ship: PO {po.number} to {po.vendor_name} changed since sent: "
    text += po.changes.summary() + "."
    if po.changes.blocked_lines:
        text += " Lines already shipped are not amended: settle them with the vendor."
    if po.can_send_update:
        text += " Send the update from the order's Drop-ship widget."
    return text


def send_purchase_order_update(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    po_id: int,
    *,
    actor: str,
) -> PurchaseOrder:
    """Apply the order's change to the PO (new ship-to and quantities; a removed line is
    cancelled on the PO; shipped lines are not touched) and send the amended PO as its next
    revision. Email vendors get it at once; the merchant sends it to the others by hand."""
    now = datetime.now(UTC)
    with uow_factory() as uow:
        po = load_for_update(uow, installation_id, po_id)
        vendor = uow.vendors.get(installation_id, po.vendor_id)
        applied = po.apply_changes(actor=actor, at=now)
        revision = po.amended_revision
        by_email = vendor is not None and vendor.integration is IntegrationKind.EMAIL
        if by_email:
            assert vendor is not None
            try:
                queue_send(uow, queue, installation_id, po, vendor, actor)
            except Invalid as in_flight:  # a send of this revision is under way: it reads
                if in_flight.code is not ErrorCode.CONFLICT:  # the amended PO
                    raise
            note = f"PO {po.number}: amended PO (revision {revision}) being sent to"
        else:
            po.record_amendment_by_hand(actor=actor, at=now)
            note = f"PO {po.number}: amended (revision {revision}); send it by hand to"
        uow.purchase_orders.save(installation_id, po)
        uow.purchase_orders.save_line_quantities(installation_id, po)
        note = f"Drop-ship: {note} {po.vendor_name}: {applied.summary()}."
        queue_write_back(uow, queue, installation_id, po.saleor_order_id, note)
        uow.commit()
    return po
