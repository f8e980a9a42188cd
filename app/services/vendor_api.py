"""The vendor API's use cases: a vendor's system reads its PO, acknowledges it line by line and
posts shipments, through the same services as the merchant and the vendor portal.

Every call is scoped to the caller's shop and vendor (another vendor's PO does not exist for
it). A request carrying the vendor's own id (``Idempotency-Key``) is answered once: its effect
and its answer are stored in one transaction, and the same id again gets the stored answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.errors import DomainValidationError, ErrorCode, RuleViolation
from app.domain.purchase_orders import PurchaseOrder
from app.domain.shipments import Shipment, ShipmentSource, shipped_quantities
from app.domain.vendor_api import (
    clean_acknowledgement_request,
    clean_shipment_request,
    relabel_line_errors,
)
from app.domain.vendor_api_keys import VendorCaller
from app.errors import AppError, NotFound, Permanent, Retryable
from app.services.ports import CarrierDetector, TaskQueue
from app.services.shipments import add_shipment
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services.vendor_answers import apply_vendor_answer
from app.services.vendor_api_ports import StoredAnswer

ANSWERS_KEPT = timedelta(days=30)  # a request id is remembered this long
_FIELD_NAMES = {"tracking": "tracking_numbers", "package": "lines"}


class IdempotencyConflict(Permanent):
    """The vendor's request id was used for another request."""

    code = ErrorCode.CONFLICT


@dataclass(frozen=True)
class VendorRequest:
    """What the web layer read: the vendor's request id (if any) and the request's hash."""

    idempotency_key: str | None
    fingerprint: str


@dataclass(frozen=True)
class ApiAnswer:
    status: int
    body: str  # JSON
    replayed: bool = False


def _po_document(po: PurchaseOrder, shipments: list[Shipment]) -> dict[str, Any]:
    shipped = shipped_quantities(shipments)
    lines = []
    for line in po.lines:
        answer = po.line_answers.get(line.order_line_id)
        lines.append(
            {
                "order_line_id": line.order_line_id,
                "sku": line.sku,
                "vendor_sku": line.vendor_sku,
                "product_name": line.product_name,
                "quantity": line.quantity,
                "shipped_quantity": shipped.get(line.order_line_id, 0),
                "answer": answer.answer.value if answer else None,
                "expected_date": (
                    answer.expected_date.isoformat() if answer and answer.expected_date else None
                ),
                "reason": answer.reason if answer and answer.reason else None,
            }
        )
    return {
        "po_number": po.number,
        "order_number": po.order_number,
        "status": po.status.value,
        "lines": lines,
        "shipments": [_shipment_document(shipment) for shipment in shipments],
    }


def _shipment_document(shipment: Shipment) -> dict[str, Any]:
    carrier = shipment.carrier
    return {
        "id": shipment.id,
        "carrier": {"code": carrier.code, "name": carrier.name} if carrier else None,
        "tracking_numbers": list(shipment.tracking_numbers),
        "lines": [
            {"order_line_id": line_id, "quantity": quantity}
            for line_id, quantity in shipment.quantities().items()
        ],
        "status": shipment.status.value,
        "source": shipment.source.value,
    }


def _find_po(uow: UnitOfWork, caller: VendorCaller, po_number: str, *, lock: bool) -> PurchaseOrder:
    """The caller's PO by its number: another vendor's or shop's PO is not found."""
    po = uow.purchase_orders.find_by_number(caller.installation_id, po_number[:100])
    if po is not None and lock and po.id is not None:
        po = uow.purchase_orders.get_for_update(caller.installation_id, po.id)
    if po is None or po.vendor_id != caller.vendor_id:
        raise NotFound(f"No purchase order {po_number[:100]} for this vendor.")
    return po


def _po_shipments(uow: UnitOfWork, caller: VendorCaller, po: PurchaseOrder) -> list[Shipment]:
    shipments = uow.shipments.list_for_order(caller.installation_id, po.saleor_order_id)
    return [shipment for shipment in shipments if shipment.purchase_order_id == po.id]


def api_purchase_order(
    uow_factory: UnitOfWorkFactory, caller: VendorCaller, po_number: str
) -> dict[str, Any]:
    """The PO as its vendor sees it: status, lines with shipped quantities and answers."""
    with uow_factory() as uow:
        po = _find_po(uow, caller, po_number, lock=False)
        return _po_document(po, _po_shipments(uow, caller, po))


Action = Callable[[UnitOfWork, PurchaseOrder], tuple[int, dict[str, Any]]]


def _answer_once(
    uow_factory: UnitOfWorkFactory,
    caller: VendorCaller,
    po_number: str,
    request: VendorRequest,
    action: Action,
) -> ApiAnswer:
    """Run ``action`` on the locked PO and store its answer under the request id, in one
    transaction. Two requests with one id at once: the second's insert fails, its effect is
    rolled back, and it is answered from the first's stored answer."""
    for attempt in range(2):
        try:
            with uow_factory() as uow:
                po = _find_po(uow, caller, po_number, lock=True)
                key = request.idempotency_key
                stored = key and uow.vendor_api.stored_answer(
                    caller.installation_id, caller.vendor_id, key
                )
                if stored:
                    return _replay(stored, request.fingerprint)
                status, document = action(uow, po)
                answer = StoredAnswer(request.fingerprint, status, json.dumps(document))
                if key:
                    now = datetime.now(UTC)
                    uow.vendor_api.store_answer(
                        caller.installation_id, caller.vendor_id, key, answer, now
                    )
                uow.commit()
                return ApiAnswer(answer.status, answer.body)
        except Retryable as error:
            if error.code is not ErrorCode.CONFLICT or attempt or not request.idempotency_key:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _replay(stored: StoredAnswer, fingerprint: str) -> ApiAnswer:
    if stored.fingerprint != fingerprint:
        raise IdempotencyConflict(
            "This Idempotency-Key was used for another request: use a new key for a new request."
        )
    return ApiAnswer(stored.status, stored.body, replayed=True)


def _api_fields(error: AppError) -> DomainValidationError:
    """A rule's refusal as the API's field errors (its form field names differ)."""
    field = _FIELD_NAMES.get(error.field or "", error.field or "")
    return DomainValidationError({field: error.message} if field else {"request": error.message})


def api_acknowledge_purchase_order(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    caller: VendorCaller,
    po_number: str,
    body: Mapping[str, Any],
    request: VendorRequest,
) -> ApiAnswer:
    """The vendor's answer per line (lines it does not name are confirmed); 200 with the PO."""

    def action(uow: UnitOfWork, po: PurchaseOrder) -> tuple[int, dict[str, Any]]:
        answers, paths = clean_acknowledgement_request(po, body)
        try:
            apply_vendor_answer(
                uow,
                queue,
                caller.installation_id,
                po,
                answers,
                actor=f"{po.vendor_name} (vendor API)",
                confirm_the_rest=True,
                now=datetime.now(UTC),
            )
        except DomainValidationError as error:
            raise DomainValidationError(relabel_line_errors(error.errors, paths)) from None
        return 200, _po_document(po, _po_shipments(uow, caller, po))

    return _answer_once(uow_factory, caller, po_number, request, action)


def api_post_shipment(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    carriers: CarrierDetector,
    caller: VendorCaller,
    po_number: str,
    body: Mapping[str, Any],
    request: VendorRequest,
) -> ApiAnswer:
    """A shipment the vendor posts: stored as a vendor shipment and written to Saleor as
    fulfilment(s) by the worker; 201 with the shipment and the PO."""

    def action(uow: UnitOfWork, po: PurchaseOrder) -> tuple[int, dict[str, Any]]:
        wanted = clean_shipment_request(po, body)
        try:
            shipment = add_shipment(
                uow,
                queue,
                carriers,
                caller.installation_id,
                po,
                quantities=wanted.quantities,
                tracking=wanted.tracking_numbers,
                carrier_code=wanted.carrier,
                source=ShipmentSource.VENDOR,
                actor=f"{po.vendor_name} (vendor API)",
                packages=wanted.packages,
            )
        except RuleViolation as error:
            raise _api_fields(error) from None
        document = _po_document(po, _po_shipments(uow, caller, po))
        return 201, {"shipment": _shipment_document(shipment), "purchase_order": document}

    return _answer_once(uow_factory, caller, po_number, request, action)


def prune_vendor_api_answers(uow_factory: UnitOfWorkFactory) -> int:
    """Forget request ids older than ``ANSWERS_KEPT`` (rides on the daily run)."""
    with uow_factory() as uow:
        pruned = uow.vendor_api.prune_answers(datetime.now(UTC) - ANSWERS_KEPT)
        uow.commit()
    return pruned
