"""The shop's PO list: one page of it, its CSV export, and bulk actions on chosen POs.

Bulk actions run the same services as the order widget's buttons, one PO per transaction: each
PO is changed whole or not at all, and the answer says which were and why the others were not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from app.domain.errors import DomainValidationError, Permanent
from app.domain.installations import InstallationId
from app.domain.po_list import EXPORT_LIMIT, MAX_BULK, POListPage, POListQuery
from app.domain.spreadsheets import csv_text
from app.domain.vendors import Vendor
from app.errors import NoOp
from app.services import purchase_orders
from app.services.ports import TaskQueue
from app.services.unit_of_work import UnitOfWorkFactory


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class POListView:
    query: POListQuery
    page: POListPage
    vendors: list[Vendor]
    now: datetime


def purchase_order_list(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, query: POListQuery
) -> POListView:
    """One page of the list, with the shop's vendors for the vendor filter."""
    now = _now()
    with uow_factory() as uow:
        page = uow.po_listing.page(installation_id, query, now)
        vendors = uow.vendors.list(installation_id)
    return POListView(query, page, vendors, now)


EXPORT_PAGE_SIZE = 1_000  # rows per statement while exporting

EXPORT_HEADER = (
    "po_number",
    "order_number",
    "vendor",
    "status",
    "lines",
    "total",
    "currency",
    "created_at",
    "sent_at",
    "due_at",
    "days_late",
)


def _moment(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def export_purchase_orders_csv(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, query: POListQuery
) -> str:
    """Every PO the filters match (sorted as shown, at most EXPORT_LIMIT), formula-safe."""
    now = _now()
    query = POListQuery(query.filter, query.sort, None, EXPORT_PAGE_SIZE)
    with uow_factory() as uow:
        rows = [
            (
                row.number,
                row.order_number,
                row.vendor_name,
                row.status.label,
                row.line_count,
                row.total,
                row.currency,
                _moment(row.created_at),
                _moment(row.sent_at),
                _moment(row.due_at),
                row.days_late(now),
            )
            for row in uow.po_listing.rows(installation_id, query, now, EXPORT_LIMIT)
        ]
    return csv_text(EXPORT_HEADER, rows)


class BulkAction(StrEnum):
    RESEND = "resend"
    MARK_SENT = "mark_sent"
    CANCEL = "cancel"

    @property
    def label(self) -> str:
        return {"resend": "Resend", "mark_sent": "Mark as sent", "cancel": "Cancel"}[self.value]

    @property
    def done(self) -> str:
        return {"resend": "queued to send again", "mark_sent": "marked as sent"}.get(
            self.value, "cancelled"
        )


@dataclass(frozen=True)
class BulkOutcome:
    action: BulkAction
    done: list[str] = field(default_factory=list)  # PO numbers
    refused: list[str] = field(default_factory=list)  # "why" per PO


def parse_bulk(action: str, po_ids: Sequence[str], reason: str) -> tuple[BulkAction, list[int]]:
    """The action and the chosen POs' ids, checked (a cancel needs a reason)."""
    errors: dict[str, str] = {}
    try:
        chosen = BulkAction(action)
    except ValueError:
        errors["bulk_action"] = "Choose Resend, Mark as sent or Cancel."
        chosen = BulkAction.RESEND
    ids: list[int] = []
    for raw in po_ids:
        if not raw.isdigit() or not 0 < int(raw) < 2**31:
            errors["po"] = "Choose purchase orders from the list."
            break
        if int(raw) not in ids:
            ids.append(int(raw))
    if not ids and "po" not in errors:
        errors["po"] = "Choose at least one purchase order."
    if len(ids) > MAX_BULK:
        errors["po"] = f"Choose at most {MAX_BULK} purchase orders at a time."
    if chosen is BulkAction.CANCEL and not reason.strip():
        errors["reason"] = "Give a reason to cancel the POs (the vendor and the order see it)."
    if len(reason) > 500:
        errors["reason"] = "Use at most 500 characters."
    if errors:
        raise DomainValidationError(errors)
    return chosen, ids


def bulk_purchase_orders(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    action: BulkAction,
    po_ids: Sequence[int],
    *,
    actor: str,
    reason: str = "",
) -> BulkOutcome:
    """Apply ``action`` to each PO on its own; a refusal for one does not stop the others,
    an outage stops the action (the POs done so far stay done, the answer is a 503)."""
    outcome = BulkOutcome(action)
    for po_id in po_ids:
        try:
            if action is BulkAction.RESEND:
                po = purchase_orders.send_purchase_order(
                    uow_factory, queue, installation_id, po_id, actor=actor
                )
            elif action is BulkAction.MARK_SENT:
                po = purchase_orders.mark_purchase_order_sent(
                    uow_factory, queue, installation_id, po_id, actor=actor
                )
            else:
                po = purchase_orders.cancel_purchase_order(
                    uow_factory, queue, installation_id, po_id, actor=actor, reason=reason
                )
        except (Permanent, NoOp) as error:  # an outage (Retryable) stops the whole action
            outcome.refused.append(error.message)
            continue
        outcome.done.append(po.number)
    return outcome
