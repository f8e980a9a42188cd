"""What Saleor learns from the app: order notes, the PO summary, "In Process" and "Complete"."""

from __future__ import annotations

import json

from app.domain.installations import InstallationId
from app.domain.purchase_orders import PurchaseOrder
from app.errors import NoOp, NotFound, Retryable
from app.services.orders import load_plan, store_order_info
from app.services.ports import SaleorGateway, TaskQueue
from app.services.unit_of_work import UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back

SUMMARY_KEY = "dropship.purchase_orders"
STATE_KEY = "dropship.state"


def summary(pos: list[PurchaseOrder]) -> str:
    """Compact JSON of the order's POs: number, vendor, status (private metadata)."""
    return json.dumps(
        [{"number": po.number, "vendor": po.vendor_name, "status": po.status.value} for po in pos],
        separators=(",", ":"),
    )


def write_back_order(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    *,
    installation_id: InstallationId,
    order_id: str,
) -> int:
    """One Saleor call: the waiting notes (joined), the PO summary and the drop-ship state.

    Returns how many notes were written. If Saleor cannot be reached the notes go back on the
    order for the retry. The app's own write echoes back as ORDER_UPDATED/METADATA events,
    which ingest skips by ``issuingPrincipal``.
    """
    with uow_factory() as uow:
        installation = uow.installations.get(installation_id)
        if installation is None or not installation.is_active:
            raise NoOp("The app was removed from this Saleor.")
        snapshot = uow.orders.get(installation_id, order_id)
        if snapshot is None:
            raise NotFound(f"Order {order_id} is unknown.")
        notes = uow.orders.take_pending_notes(installation_id, order_id)
        pos = uow.purchase_orders.list_for_order(installation_id, order_id)
        uow.commit()
    if not notes:
        raise NoOp(f"Nothing waits to be written for order {order_id}.")
    try:
        saleor.api(installation.saleor_api_url, installation.token).write_back(
            order_id,
            "\n".join(notes),
            {SUMMARY_KEY: summary(pos)},
            {STATE_KEY: snapshot.state.label},
        )
    except Retryable:
        with uow_factory() as uow:
            for note in notes:
                uow.orders.add_pending_note(installation_id, order_id, note)
            uow.commit()
        raise
    return len(notes)


def confirm_order(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    installation_id: InstallationId,
    order_id: str,
) -> str:
    """Confirm an UNCONFIRMED order in Saleor from the widget; returns its new status.

    The app's copy is updated from the order the mutation returns (its own ORDER_CONFIRMED
    event is skipped at ingest). A refusal is a SaleorMutationFailed (HTTP 502).
    """
    with uow_factory() as uow:
        installation = uow.installations.get(installation_id)
        order = uow.orders.get(installation_id, order_id)
    if installation is None or order is None:
        raise NotFound("This order has not reached the app yet.")
    order.ensure_confirmable()
    info = saleor.api(installation.saleor_api_url, installation.token).confirm_order(order_id)
    if info is None:
        raise NotFound(f"Saleor has no order {order_id}.")
    with uow_factory() as uow:
        store_order_info(uow, installation_id, info)
        uow.commit()
    return info.status


def complete_order(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    order_id: str,
    *,
    actor: str,
    reason: str = "",
) -> str:
    """ "Complete" only when every drop-shipped line is fulfilled, or with an explicit reason.

    Returns the note, which is also queued for Saleor.
    """
    with uow_factory() as uow:
        order = uow.orders.get(installation_id, order_id)
        if order is None:
            raise NotFound("This order has not reached the app yet.")
        plan = load_plan(uow, installation_id, order)
        order.complete(plan.drop_shipped_line_ids, reason=reason)
        note = f"Drop-ship order complete ({actor})" + (
            f": {order.state_note}" if order.state_note else "."
        )
        uow.orders.set_state(installation_id, order_id, order.state, order.state_note)
        queue_write_back(uow, queue, installation_id, order_id, note)
        uow.commit()
    return note
