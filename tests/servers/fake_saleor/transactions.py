"""Payment transactions on orders, and the payment app behind each one.

Recorded from Saleor 3.23.28 (../shared/saleor/responses/payments/): ``transactionRequestAction``
answers at once with only a ``*_REQUEST`` event; Saleor's Celery then calls the payment app that
owns the transaction and stores its answer a moment later as a ``*_SUCCESS`` / ``*_FAILURE``
event. Here a timer thread plays that part, per transaction as the test chose:

- ``approve`` / ``decline(message)``: the app's answer (the decline keeps its message, created
  by the app); a success moves the amounts and sends ORDER_PAID, ORDER_FULLY_PAID, ORDER_UPDATED;
- ``pending``: the app answers a pspReference only (amount moves to chargePending);
- ``timeout`` / ``http500``: Saleor writes CHARGE_FAILURE "Failed to delivery request." itself
  (no creator) after ``delay`` (18 s and about 310 s in the recordings);
- ``http500_then_approve``: the retry after ``delay`` succeeds (10 s in the recording);
- ``no_app``: a transaction staff created: MISSING_TRANSACTION_ACTION_REQUEST_WEBHOOK, and the
  CHARGE_REQUEST and CHARGE_FAILURE events stay.

Nothing guards against charging twice (two requests both charge: OVERCHARGED) and an amount
above the authorisation is cut down, as in Saleor.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .data import DataStore, to_global_id
from .events import EmittedEvent
from .models import ADMIN_USER
from .orders import money, now_iso, order_total

STUB_APP: dict[str, Any] = {
    "__typename": "App",
    "id": to_global_id("App", 9001),
    "name": "Stub payments",
}
NO_HANDLER = "No app or plugin is configured to handle payment action requests."
NOT_DELIVERED = "Failed to delivery request."


@dataclass(frozen=True)
class PaymentBehaviour:
    """How the payment app behind a transaction answers (see the module docstring)."""

    kind: str
    message: str = ""
    delay: float = 0.05

    @classmethod
    def approve(cls, message: str = "Charged by stub", delay: float = 0.05) -> PaymentBehaviour:
        return cls("approve", message, delay)

    @classmethod
    def decline(
        cls, message: str = "Card declined: insufficient funds", delay: float = 0.05
    ) -> PaymentBehaviour:
        return cls("decline", message, delay)

    @classmethod
    def pending(cls, delay: float = 0.05) -> PaymentBehaviour:
        return cls("pending", "", delay)

    @classmethod
    def timeout(cls, delay: float = 0.5) -> PaymentBehaviour:
        return cls("timeout", NOT_DELIVERED, delay)

    @classmethod
    def http500(cls, delay: float = 1.0) -> PaymentBehaviour:
        return cls("http500", NOT_DELIVERED, delay)

    @classmethod
    def http500_then_approve(cls, delay: float = 1.0) -> PaymentBehaviour:
        return cls("approve", "Stub: charged", delay)

    @classmethod
    def no_app(cls) -> PaymentBehaviour:
        return cls("no_app")


def _event(
    store: DataStore,
    kind: str,
    amount: dict[str, Any],
    message: str = "",
    psp: str = "",
    created_by: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "__typename": "TransactionEvent",
        "id": to_global_id("TransactionEvent", store.next_pk("TransactionEvent")),
        "createdAt": now_iso(),
        "type": kind,
        "amount": dict(amount),
        "message": message,
        "pspReference": psp,
        "createdBy": copy.deepcopy(created_by),
        "externalUrl": "",
    }


def _amount(transaction: dict[str, Any], key: str) -> float:
    return float((transaction.get(key) or {}).get("amount") or 0)


def _set(order: dict[str, Any], transaction: dict[str, Any], key: str, value: float) -> None:
    transaction[key] = money(order, round(value, 4))


def recompute_order(order: dict[str, Any]) -> None:
    """Order totals and statuses from its transactions (as Saleor's updates_amounts_for_order)."""
    transactions = order.get("transactions") or []
    charged = sum(_amount(t, "chargedAmount") for t in transactions)
    authorized = sum(_amount(t, "authorizedAmount") for t in transactions)
    total = order_total(order)
    if charged <= 0:
        charge_status = "NONE"
    elif charged < total:
        charge_status = "PARTIAL"
    elif charged == total:
        charge_status = "FULL"
    else:
        charge_status = "OVERCHARGED"
    covered = authorized + charged
    authorize_status = "NONE" if covered <= 0 else ("FULL" if covered >= total else "PARTIAL")
    order.update(
        totalCharged=money(order, charged),
        totalAuthorized=money(order, authorized),
        chargeStatus=charge_status,
        authorizeStatus=authorize_status,
        isPaid=total > 0 and charged >= total,
        updatedAt=now_iso(),
    )


def _order_event(store: DataStore, order: dict[str, Any], kind: str, **fields: Any) -> None:
    """An OrderEvent written by Saleor's worker (no user, no app)."""
    order.setdefault("events", []).append(
        {
            "__typename": "OrderEvent",
            "id": to_global_id("OrderEvent", store.next_pk("OrderEvent")),
            "date": now_iso(),
            "type": kind,
            "user": None,
            "app": None,
            "message": None,
            "orderNumber": order.get("number"),
            **fields,
        }
    )


def find_transaction(
    store: DataStore, transaction_id: str
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(order, transaction) for a TransactionItem id."""
    with store.lock:
        for order in store.orders.values():
            for transaction in order.get("transactions") or []:
                if transaction.get("id") == transaction_id:
                    return order, transaction
    return None


class PaymentApps:
    """The payment apps behind the transactions and the worker storing their answers."""

    def __init__(self, store: DataStore, publish: Callable[[list[EmittedEvent]], None]) -> None:
        self._store, self._publish = store, publish
        self.behaviours: dict[str, PaymentBehaviour] = {}
        # What the payment apps were asked: (transaction id, action, amount), in order.
        self.requests: list[tuple[str, str, float]] = []
        self._timers: list[threading.Timer] = []
        self._lock = threading.Lock()

    def behaviour(self, transaction_id: str) -> PaymentBehaviour:
        return self.behaviours.get(transaction_id, PaymentBehaviour.approve())

    def schedule(self, transaction_id: str, action: str, amount: float, request_id: str) -> None:
        """Call the payment app in the background, like Saleor's Celery task."""
        behaviour = self.behaviour(transaction_id)
        self.requests.append((transaction_id, action, amount))
        timer = threading.Timer(
            behaviour.delay, self._answer, (transaction_id, action, amount, request_id, behaviour)
        )
        timer.daemon = True
        with self._lock:
            self._timers.append(timer)
        timer.start()

    def stop(self) -> None:
        with self._lock:
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()
            timer.join(timeout=2)

    def wait(self, timeout: float = 10.0) -> None:
        """Block until every payment app answer scheduled so far was stored."""
        with self._lock:
            timers = list(self._timers)
        for timer in timers:
            timer.join(timeout=timeout)

    # the payment app's answer, stored by "Saleor" -------------------------------------------
    def _answer(
        self,
        transaction_id: str,
        action: str,
        amount: float,
        request_id: str,
        behaviour: PaymentBehaviour,
    ) -> None:
        store = self._store
        emitted: list[tuple[str, dict[str, Any]]] = []
        with store.lock:
            found = find_transaction(store, transaction_id)
            if found is None:
                return
            order, transaction = found
            request = next((e for e in transaction["events"] if e.get("id") == request_id), {})
            value = money(order, amount)
            if behaviour.kind in ("timeout", "http500"):
                transaction["events"].insert(
                    0, _event(store, f"{action}_FAILURE", value, NOT_DELIVERED)
                )
            else:
                psp = f"stub-{action.lower()}-{uuid.uuid4().hex[:12]}"
                request["pspReference"] = psp
                if behaviour.kind == "decline":
                    transaction["events"].insert(
                        0,
                        _event(store, f"{action}_FAILURE", value, behaviour.message, psp, STUB_APP),
                    )
                elif behaviour.kind == "pending":
                    self._move(order, transaction, action, amount, pending=True)
                else:
                    transaction["events"].insert(
                        0,
                        _event(store, f"{action}_SUCCESS", value, behaviour.message, psp, STUB_APP),
                    )
                    emitted = self._move(order, transaction, action, amount)
            transaction["modifiedAt"] = now_iso()
            snapshots = [(event, copy.deepcopy(order)) for event, order in emitted]
        self._emit(snapshots)

    def _move(
        self,
        order: dict[str, Any],
        transaction: dict[str, Any],
        action: str,
        amount: float,
        pending: bool = False,
    ) -> list[tuple[str, dict[str, Any]]]:
        """Move the amounts of a successful (or pending) answer; the order events it causes."""
        authorized = _amount(transaction, "authorizedAmount")
        _set(order, transaction, "authorizedAmount", max(authorized - amount, 0))
        if action == "CANCEL":
            _set(
                order,
                transaction,
                "canceledAmount",
                _amount(transaction, "canceledAmount") + amount,
            )
            recompute_order(order)
            return [("ORDER_UPDATED", order)]
        key = "chargePendingAmount" if pending else "chargedAmount"
        _set(order, transaction, key, _amount(transaction, key) + amount)
        recompute_order(order)
        if pending or amount <= 0:
            return []
        emitted = [("ORDER_PAID", order)]
        if order.get("isPaid"):
            _order_event(self._store, order, "ORDER_FULLY_PAID")
            emitted.append(("ORDER_FULLY_PAID", order))
        emitted.append(("ORDER_UPDATED", order))
        return emitted

    def _emit(self, snapshots: list[tuple[str, dict[str, Any]]]) -> None:
        issued_at = now_iso()
        self._publish(
            [EmittedEvent(event, None, order, {}, issued_at) for event, order in snapshots]
        )

    def settle_pending(self, transaction_id: str, success: bool = True, message: str = "") -> None:
        """The payment app reports the end of a pending charge (transactionEventReport)."""
        store = self._store
        with store.lock:
            found = find_transaction(store, transaction_id)
            assert found is not None, transaction_id
            order, transaction = found
            pending = _amount(transaction, "chargePendingAmount")
            _set(order, transaction, "chargePendingAmount", 0)
            value = money(order, pending)
            psp = f"stub-charge-{uuid.uuid4().hex[:12]}"
            emitted: list[tuple[str, dict[str, Any]]] = []
            if success:
                transaction["events"].insert(
                    0, _event(store, "CHARGE_SUCCESS", value, message, psp, STUB_APP)
                )
                _set(
                    order,
                    transaction,
                    "chargedAmount",
                    _amount(transaction, "chargedAmount") + pending,
                )
                recompute_order(order)
                emitted = [("ORDER_PAID", order)]
                if order.get("isPaid"):
                    _order_event(store, order, "ORDER_FULLY_PAID")
                    emitted.append(("ORDER_FULLY_PAID", order))
            else:
                transaction["events"].insert(
                    0, _event(store, "CHARGE_FAILURE", value, message, psp, STUB_APP)
                )
                _set(
                    order,
                    transaction,
                    "authorizedAmount",
                    _amount(transaction, "authorizedAmount") + pending,
                )
                recompute_order(order)
            snapshots = [(event, copy.deepcopy(order)) for event, order in emitted]
        self._emit(snapshots)


class TransactionControls:
    """FakeSaleor's test-data API for payments (needs `store` and `payments`)."""

    store: DataStore
    payments: PaymentApps

    def add_transaction(
        self,
        order_id: str,
        behaviour: PaymentBehaviour | None = None,
        *,
        authorized: float | None = None,
        charged: float = 0.0,
        actions: tuple[str, ...] = ("CANCEL", "CHARGE"),
        name: str = "Stub card",
        psp_reference: str | None = None,
    ) -> str:
        """An authorised transaction on the order (the order total unless `authorized` says);
        `behaviour` is how its payment app answers (approve by default). Returns its id."""
        behaviour = behaviour or PaymentBehaviour.approve()
        store = self.store
        with store.lock:
            order = store.orders[order_id]
            pk = uuid.uuid4()
            amount = order_total(order) if authorized is None else authorized
            creator = dict(ADMIN_USER) if behaviour.kind == "no_app" else dict(STUB_APP)
            zero = money(order, 0)
            transaction = {
                "__typename": "TransactionItem",
                "id": to_global_id("TransactionItem", pk),
                "token": str(pk),
                "createdAt": now_iso(),
                "modifiedAt": now_iso(),
                "name": name,
                "message": "",
                "pspReference": psp_reference or f"auth-{pk.hex[:8]}",
                "actions": list(actions),
                "authorizedAmount": money(order, amount),
                "authorizePendingAmount": zero,
                "chargedAmount": money(order, charged),
                "chargePendingAmount": zero,
                "refundedAmount": zero,
                "refundPendingAmount": zero,
                "canceledAmount": zero,
                "cancelPendingAmount": zero,
                "events": [
                    _event(
                        store,
                        "AUTHORIZATION_SUCCESS",
                        money(order, amount),
                        "Manual adjustment of the transaction.",
                        created_by=creator,
                    )
                ],
                "createdBy": creator,
                "externalUrl": "",
                "metadata": [],
                "privateMetadata": [],
            }
            order.setdefault("transactions", []).append(transaction)
            recompute_order(order)
            self.payments.behaviours[transaction["id"]] = behaviour
            return str(transaction["id"])

    def transaction(self, transaction_id: str) -> dict[str, Any]:
        """A copy of the stored transaction (events newest first, amounts)."""
        found = find_transaction(self.store, transaction_id)
        assert found is not None, transaction_id
        with self.store.lock:
            return copy.deepcopy(found[1])

    def transaction_events(self, transaction_id: str, kind: str) -> list[dict[str, Any]]:
        """The transaction's events of one type, newest first."""
        return [e for e in self.transaction(transaction_id)["events"] if e["type"] == kind]

    def settle_pending(self, transaction_id: str, success: bool = True, message: str = "") -> None:
        """A pending charge ends (the payment app reports it later)."""
        self.payments.settle_pending(transaction_id, success, message)

    def wait_for_payments(self, timeout: float = 10.0) -> None:
        """Block until every payment app answer scheduled so far was stored."""
        self.payments.wait(timeout)
