"""What Saleor learns from the app: order notes, the PO summary, "In Process" and "Complete"."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from app.domain.installations import InstallationId
from app.domain.outbound import Channel, OutboundAttempt, Subject
from app.domain.purchase_orders import PurchaseOrder
from app.errors import NoOp, NotFound, Permanent, Retryable
from app.services.outbound import (
    SALEOR_WRITE_POLICY,
    claim_outbound,
    latest_outbound,
    outbound_failed,
    outbound_retrying,
    outbound_sent,
    record_outbound,
)
from app.services.ports import SaleorGateway, TaskQueue
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back_after_commit

SUMMARY_KEY = "dropship.purchase_orders"
STATE_KEY = "dropship.state"
# the id of the last write-back Saleor applied (private metadata), read back before a retry
WRITE_BACK_KEY = "dropship.write_back"


def summary(pos: list[PurchaseOrder]) -> str:
    """Compact JSON of the order's POs: number, vendor, status (private metadata)."""
    return json.dumps(
        [{"number": po.number, "vendor": po.vendor_name, "status": po.status.value} for po in pos],
        separators=(",", ":"),
    )


def _open_write_back(
    uow: UnitOfWork, installation_id: InstallationId, order_id: str
) -> OutboundAttempt | None:
    """The write-back still open for the order (a retry), or a new one carrying every note no
    write-back carries yet; None when nothing waits."""
    existing = latest_outbound(
        uow, installation_id, Subject.ORDER, [order_id], Channel.SALEOR_WRITE_BACK
    ).get(order_id)
    if existing is not None and existing.is_open:
        return existing
    attempt = record_outbound(
        uow,
        installation_id,
        subject=Subject.ORDER,
        subject_id=order_id,
        channel=Channel.SALEOR_WRITE_BACK,
        key=f"wb-{uuid.uuid4().hex}",
        policy=SALEOR_WRITE_POLICY,
    )
    return attempt if uow.notes.attach_unsent(installation_id, order_id, attempt.id) else None


def write_back_order(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    queue: TaskQueue,
    *,
    installation_id: InstallationId,
    order_id: str,
    claim_token: str = "",
) -> int:
    """One Saleor call: the waiting notes (joined), the PO summary and the drop-ship state.

    The notes stay unsent until Saleor accepts them. The write-back id travels in the order's
    private metadata; a retry first reads it back, so a write Saleor applied before a timeout
    is not made twice. Returns how many notes were written.
    """
    with uow_factory() as uow:
        installation = uow.installations.get(installation_id)
        if installation is None or not installation.is_active:
            raise NoOp("The app was removed from this Saleor.")
        if uow.orders.get(installation_id, order_id) is None:
            raise NotFound(f"Order {order_id} is unknown.")
        opened = _open_write_back(uow, installation_id, order_id)
        if opened is None:
            raise NoOp(f"Nothing waits to be written for order {order_id}.")
        attempt = claim_outbound(
            uow,
            installation_id,
            opened.idempotency_key,
            claim_token or uuid.uuid4().hex,
            SALEOR_WRITE_POLICY,
        )
        if attempt is None:
            raise NoOp(f"The write-back for order {order_id} is in flight in another task.")
        notes = uow.notes.carried_by(installation_id, attempt.id)
        # the state is read after the notes: a change commits its state with its note, so the
        # state written is never older than the notes carried ("complete" with "In Process")
        snapshot = uow.orders.get(installation_id, order_id)
        assert snapshot is not None
        pos = uow.purchase_orders.list_for_order(installation_id, order_id)
        uow.commit()
    api = saleor.api(installation.saleor_api_url, installation.token)
    key = attempt.idempotency_key
    try:
        if attempt.attempts == 1 or api.fetch_private_metafield(order_id, WRITE_BACK_KEY) != key:
            api.write_back(
                order_id,
                "\n".join(notes),
                {SUMMARY_KEY: summary(pos), WRITE_BACK_KEY: key},
                {STATE_KEY: snapshot.state.label},
            )
    except Retryable as error:
        outbound_retrying(uow_factory, installation_id, attempt, error.message, SALEOR_WRITE_POLICY)
        raise
    except Permanent as error:
        with uow_factory() as uow:
            outbound_failed(uow, installation_id, key, error.message)
            uow.commit()
        raise
    with uow_factory() as uow:
        outbound_sent(uow, installation_id, key)
        uow.notes.mark_sent(installation_id, attempt.id, datetime.now(UTC))
        if uow.notes.unsent(installation_id, order_id):  # added while this one was in flight
            queue_write_back_after_commit(uow, queue, installation_id, order_id)
        uow.commit()
    return len(notes)
