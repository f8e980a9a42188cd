"""Purchase orders from the merchant's side: create, send, resend, mark sent, cancel."""

from __future__ import annotations

from datetime import UTC, datetime

from app.domain.gate import (
    HoldReason,
    PaymentState,
    confirm_go_ahead,
    reasons_to_hold,
)
from app.domain.installations import InstallationId
from app.domain.money import Money, MoneyError, parse_amount
from app.domain.orders import Order
from app.domain.outbound import OutboundAttempt, OutboundStatus
from app.domain.purchase_orders import OrderFacts, PurchaseOrder, draft_purchase_orders
from app.domain.vendor_shipping import VendorShipping
from app.domain.vendors import Vendor
from app.errors import ErrorCode, Invalid, NotFound
from app.services import tasks
from app.services.charges import latest_charge
from app.services.dispatch import record_send
from app.services.document_sets import PO_DOCUMENT, SLIP_DOCUMENT, po_context, slip_context
from app.services.forms import refuse_control_characters
from app.services.orders import check_not_stale, load_plan
from app.services.ports import DocumentRenderer, TaskQueue
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back


def _now() -> datetime:
    return datetime.now(UTC)


def list_purchase_orders(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, order_id: str
) -> list[PurchaseOrder]:
    with uow_factory() as uow:
        return uow.purchase_orders.list_for_order(installation_id, order_id)


def order_hold_reasons(
    uow: UnitOfWork, installation_id: InstallationId, order: Order
) -> tuple[HoldReason, ...]:
    """The gate to vendors for one order (app/domain/gate.py), from its stored review, the
    app's copy of the Saleor order and the app's latest charge attempt."""
    info = order.info
    payment = PaymentState(
        is_paid=info.is_paid,
        charge_status=info.charge_status,
        authorize_status=info.authorize_status,
        total=info.total,
        latest_charge=latest_charge(uow, installation_id, order.saleor_order_id),
    )
    review = uow.risk_reviews.get(installation_id, order.saleor_order_id)
    return reasons_to_hold(review, payment)


def hold_reasons(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, order_id: str
) -> tuple[HoldReason, ...]:
    """Why the order should not go to vendors yet (empty: approved and paid, or unknown)."""
    with uow_factory() as uow:
        order = uow.orders.get(installation_id, order_id)
        return () if order is None else order_hold_reasons(uow, installation_id, order)


def create_purchase_orders(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    order_id: str,
    *,
    actor: str,
    send: bool,
    drawn_at: str | None = None,
    go_ahead_reason: str | None = None,
) -> list[PurchaseOrder]:
    """One PO per vendor for every drop-shipped quantity not yet on an open PO, in one transaction.

    The gate to vendors: an order whose risk review is not approved, or that is not charged in
    full, is refused (``OrderOnHold``, with each reason) unless the merchant goes ahead on
    purpose with ``go_ahead_reason``; who, when and why are then kept in each PO's history and
    the order's note in Saleor. The database refuses a second open PO for the same vendor and
    order, and a line on two open POs, so double clicks and concurrent requests cannot create
    duplicates. With ``send``, email vendors' POs are queued for sending after the commit;
    manual vendors' POs wait for the merchant. The order becomes "In Process".
    """
    if go_ahead_reason:
        refuse_control_characters({"go_ahead_reason": go_ahead_reason})
    with uow_factory() as uow:
        order = uow.orders.get(installation_id, order_id)
        if order is None:
            raise NotFound("This order has not reached the app yet: wait a moment and reload.")
        check_not_stale(order, drawn_at)
        plan = load_plan(uow, installation_id, order)
        vendors = {vendor.id or 0: vendor for vendor in uow.vendors.list(installation_id)}
        entries = {
            (line.order_line_id, option.vendor_id): option.product_vendor
            for line in plan.lines
            for option in line.options
        }
        info = order.info
        facts = OrderFacts(
            order.status,
            info.shipping_address,
            info.customer_email,
            requested_service=info.shipping_method_name,
            ordered_on=info.created_at.date() if info.created_at else None,
        )
        settings = uow.settings.get(installation_id)
        drafts = draft_purchase_orders(
            plan,
            facts,
            vendors,
            entries,
            uow.purchase_orders.quantity_on_open_pos(installation_id, order_id),
            uow.purchase_orders.next_sequence(installation_id, order_id),
            settings.po_number_pattern,
            created_at=_now(),
            actor=actor,
            holidays=settings.holiday_dates,
        )
        # the gate, once there is something to send (a second click says "already on a PO")
        go_ahead = _pass_the_gate(uow, installation_id, order, drafts, actor, go_ahead_reason)
        created = [uow.purchase_orders.add(installation_id, po) for po in drafts]
        if order.start_processing():
            uow.orders.set_state(installation_id, order_id, order.state, order.state_note)
        numbers = ", ".join(f"{po.number} ({po.vendor_name})" for po in created)
        note = f"Drop-ship PO(s) created: {numbers}."
        if go_ahead:
            note += f" {go_ahead}"
        queue_write_back(uow, queue, installation_id, order_id, note)
        if send:
            for po in created:
                if vendors[po.vendor_id].integration.sends_automatically:
                    queue_send(uow, queue, installation_id, po, vendors[po.vendor_id], actor)
        uow.commit()
    return created


def _pass_the_gate(
    uow: UnitOfWork,
    installation_id: InstallationId,
    order: Order,
    drafts: list[PurchaseOrder],
    actor: str,
    go_ahead_reason: str | None,
) -> str:
    """Refuse a held order without a reason (``OrderOnHold``); with one, record it in each
    draft's history and return the sentence for the order's note ("" when nothing held it)."""
    held = order_hold_reasons(uow, installation_id, order)
    go_ahead = confirm_go_ahead(held, actor, go_ahead_reason)
    if go_ahead:
        for po in drafts:
            po.record_go_ahead(actor=actor, at=_now(), note=go_ahead)
    return go_ahead


def queue_send(
    uow: UnitOfWork,
    queue: TaskQueue,
    installation_id: InstallationId,
    po: PurchaseOrder,
    vendor: Vendor,
    actor: str,
) -> None:
    """Record the send (outbound row) in this transaction, queue its task after the commit.

    A send of this revision still in flight is not queued twice: the merchant is told so."""
    attempt = record_send(uow, installation_id, po, vendor.integration.value)
    if attempt.is_open and attempt.attempts > 0:
        raise Invalid(_in_flight_message(po, attempt), code=ErrorCode.CONFLICT)
    if attempt.status is OutboundStatus.FAILED:  # "Retry" after the retries ran out
        uow.outbound.reopen(installation_id, attempt.idempotency_key)
    arguments = {
        "installation_id": installation_id,
        "po_id": po.id,
        "revision": po.revision,
        "actor": actor,
    }
    uow.after_commit(lambda: queue.enqueue(tasks.SEND_PURCHASE_ORDER, **arguments))


def _in_flight_message(po: PurchaseOrder, attempt: OutboundAttempt) -> str:
    since = attempt.sending_since
    if since is not None:
        return (
            f"PO {po.number} is being sent now (attempt {attempt.attempts} of "
            f"{attempt.max_attempts}, since {since:%H:%M:%S} UTC): wait for the outcome."
        )
    retry = attempt.retry_at
    at = f" at {retry:%H:%M:%S} UTC" if retry else ""
    return (
        f"PO {po.number} is already being sent: attempt {attempt.attempts} of "
        f"{attempt.max_attempts} failed ({attempt.last_error}); the next try is{at}."
    )


def load_for_update(uow: UnitOfWork, installation_id: InstallationId, po_id: int) -> PurchaseOrder:
    po = uow.purchase_orders.get_for_update(installation_id, po_id)
    if po is None:
        raise NotFound("This purchase order does not exist.")
    return po


def send_purchase_order(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    po_id: int,
    *,
    actor: str,
) -> PurchaseOrder:
    """Queue (re)sending by the vendor's channel; the PO itself is never duplicated."""
    with uow_factory() as uow:
        po = load_for_update(uow, installation_id, po_id)
        vendor = uow.vendors.get(installation_id, po.vendor_id)
        po.ensure_sendable()
        if vendor is None or not vendor.integration.sends_automatically:
            raise Invalid(
                f"{po.vendor_name} takes POs by hand: download the PO, send it,"
                " then mark it as sent."
            )
        queue_send(uow, queue, installation_id, po, vendor, actor)
        uow.commit()
    return po


def mark_purchase_order_sent(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    po_id: int,
    *,
    actor: str,
) -> PurchaseOrder:
    """The merchant sent the PO outside the app (manual vendors)."""
    with uow_factory() as uow:
        po = load_for_update(uow, installation_id, po_id)
        vendor = uow.vendors.get(installation_id, po.vendor_id)
        lead_time = vendor.lead_time_days if vendor else 0
        po.mark_sent_by_hand(actor=actor, at=_now(), lead_time_days=lead_time)
        uow.purchase_orders.save(installation_id, po)
        note = f"PO {po.number} marked as sent to {po.vendor_name} by {actor}."
        queue_write_back(uow, queue, installation_id, po.saleor_order_id, note)
        uow.commit()
    return po


def cancel_purchase_order(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    po_id: int,
    *,
    actor: str,
    reason: str,
) -> PurchaseOrder:
    """Cancel with a reason; its lines become free for a new PO."""
    with uow_factory() as uow:
        po = load_for_update(uow, installation_id, po_id)
        po.cancel(actor=actor, at=_now(), reason=reason)
        uow.purchase_orders.save(installation_id, po)
        note = f"PO {po.number} to {po.vendor_name} cancelled by {actor}: {reason.strip()}"
        queue_write_back(uow, queue, installation_id, po.saleor_order_id, note)
        uow.commit()
    return po


def purchase_order_file(
    uow_factory: UnitOfWorkFactory,
    documents: DocumentRenderer,
    installation_id: InstallationId,
    po_id: int,
    kind: str,
) -> tuple[str, str, bytes]:
    """The PO as a download: (filename, content type, bytes) for ``kind`` "pdf", "csv" or
    "slip" (the packing slip), as the vendor receives it (prices hidden if the vendor's
    options hide them, the vendor's file names)."""
    if kind not in ("pdf", "csv", "slip"):
        raise Invalid("Choose PDF, CSV or packing slip.")
    with uow_factory() as uow:
        po = uow.purchase_orders.get(installation_id, po_id)
        if po is None:
            raise NotFound("This purchase order does not exist.")
        vendor = uow.vendors.get(installation_id, po.vendor_id)
        settings = uow.settings.get(installation_id)
        logo = uow.logos.get(installation_id) if kind == "slip" else None
    shipping = vendor.shipping if vendor else VendorShipping()

    def name(document: str, extension: str) -> str:
        return shipping.file_name(document, po.number, po.order_number, extension)

    if kind == "slip":
        slip = documents.packing_slip_pdf(po, slip_context(settings, logo))
        return name(SLIP_DOCUMENT, "pdf"), "application/pdf", slip
    context = po_context(po, vendor, settings)
    if kind == "csv":
        return name(PO_DOCUMENT, "csv"), "text/csv", documents.purchase_order_csv(po, context)
    return name(PO_DOCUMENT, "pdf"), "application/pdf", documents.purchase_order_pdf(po, context)


def set_shipping_cost(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    po_id: int,
    amount: str,
    *,
    actor: str,
) -> PurchaseOrder:
    """The vendor's shipping charge for the PO, in the PO's currency, kept for margins (an
    empty amount clears it)."""
    with uow_factory() as uow:
        po = load_for_update(uow, installation_id, po_id)
        cost = None
        if amount.strip():
            try:
                cost = Money(parse_amount(amount), po.currency)
            except MoneyError:
                raise Invalid("Enter the shipping cost as an amount, such as 7.50.") from None
        po.set_shipping_cost(cost, actor=actor, at=_now())
        uow.purchase_orders.save(installation_id, po)
        uow.commit()
    return po
