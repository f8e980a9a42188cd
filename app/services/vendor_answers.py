"""The vendor answers a PO (vendor portal, vendor API): per line confirmed, backordered or
cancelled. One entry point, so every source records the same history and Saleor note."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from app.domain.installations import InstallationId
from app.domain.purchase_orders import POStatus, PurchaseOrder
from app.domain.vendor_answers import clean_line_responses
from app.errors import NotFound
from app.services.ports import TaskQueue
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back


def answer_purchase_order(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    po_id: int,
    lines: Mapping[str, Mapping[str, object]],
    *,
    actor: str,
    confirm_the_rest: bool = True,
    today: date | None = None,
) -> PurchaseOrder:
    """Record the vendor's answer; the same answer again changes nothing (no second history
    entry or note), so a vendor's retry is harmless. Raises ``DomainValidationError`` per
    field, ``RuleViolation`` when the PO takes no answer now, ``NotFound``."""
    now = datetime.now(UTC)
    with uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(installation_id, po_id)
        if po is None:
            raise NotFound("This purchase order does not exist.")
        apply_vendor_answer(
            uow,
            queue,
            installation_id,
            po,
            lines,
            actor=actor,
            confirm_the_rest=confirm_the_rest,
            now=now,
            today=today,
        )
        uow.commit()
    return po


def apply_vendor_answer(
    uow: UnitOfWork,
    queue: TaskQueue,
    installation_id: InstallationId,
    po: PurchaseOrder,
    lines: Mapping[str, Mapping[str, object]],
    *,
    actor: str,
    confirm_the_rest: bool,
    now: datetime,
    today: date | None = None,
) -> bool:
    """``answer_purchase_order`` inside the caller's transaction (``po`` locked by it);
    whether anything changed."""
    responses = clean_line_responses(
        [line.order_line_id for line in po.lines],
        lines,
        today=today or now.date(),
        confirm_the_rest=confirm_the_rest,
    )
    unchanged = all(po.line_answers.get(r.order_line_id) == r for r in responses)
    if unchanged and po.status is not POStatus.SENT and po.can_take_vendor_answer:
        return False
    detail = po.record_vendor_answer(responses, actor=actor, at=now)
    uow.purchase_orders.save(installation_id, po)
    note = f"PO {po.number} ({po.vendor_name}) answered by the vendor: {detail}."
    queue_write_back(uow, queue, installation_id, po.saleor_order_id, note)
    return True
