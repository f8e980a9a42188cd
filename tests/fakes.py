"""In-memory stand-ins for ports, for tests that must not do I/O at that boundary."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Self

from app.adapters.saleor.parsing import parse_order, parse_webhook_payload
from app.domain.installations import Installation, InstallationId, InstallationStatus
from app.domain.orders import Order, OrderInfo
from app.domain.webhooks import DeliveryStatus, WebhookEvent, WebhookPayload
from app.services.ports import SaleorUnavailable, SignatureInvalid, UnknownSigningKey
from app.services.unit_of_work import Delivery


class FakeInstallations:
    def __init__(self) -> None:
        self.rows: dict[int, Installation] = {}
        self.jwks_fetched_at: dict[int, datetime] = {}

    def get(self, installation_id: InstallationId) -> Installation | None:
        return self.rows.get(installation_id)

    def get_active_by_api_url(self, api_url: str) -> Installation | None:
        for row in self.rows.values():
            if row.saleor_api_url == api_url and row.is_active:
                return row
        return None

    def save(self, installation: Installation) -> Installation:
        for row in self.rows.values():
            if row.saleor_api_url == installation.saleor_api_url:
                saved = replace(installation, id=row.id, status=InstallationStatus.ACTIVE)
                self.rows[row.id] = saved  # type: ignore[index]
                return saved
        new_id = InstallationId(len(self.rows) + 1)
        self.rows[new_id] = replace(installation, id=new_id)
        return self.rows[new_id]

    def update_jwks(self, installation_id: InstallationId, jwks: Mapping[str, Any]) -> None:
        self.rows[installation_id] = replace(self.rows[installation_id], jwks=dict(jwks))

    def claim_jwks_fetch(
        self, installation_id: InstallationId, now: datetime, interval_seconds: float
    ) -> bool:
        last = self.jwks_fetched_at.get(installation_id)
        if last is not None and (now - last).total_seconds() < interval_seconds:
            return False
        self.jwks_fetched_at[installation_id] = now
        return True

    def mark_removed(self, installation_id: InstallationId) -> None:
        self.rows[installation_id] = replace(
            self.rows[installation_id], status=InstallationStatus.REMOVED
        )


class FakeDeliveries:
    def __init__(self) -> None:
        self.rows: dict[int, Delivery] = {}

    def add(
        self,
        installation_id: InstallationId,
        event: WebhookEvent,
        body_sha256: str,
        payload_text: str,
        status: DeliveryStatus = DeliveryStatus.RECEIVED,
    ) -> tuple[int, bool]:
        existing = self.find(installation_id, event, body_sha256)
        if existing is not None:
            return existing.id, False
        new_id = len(self.rows) + 1
        self.rows[new_id] = Delivery(
            id=new_id,
            installation_id=installation_id,
            event=event,
            body_sha256=body_sha256,
            payload=json.loads(payload_text),
            status=status,
            received_at=datetime.now(UTC),
        )
        return new_id, True

    def get(self, delivery_id: int) -> Delivery | None:
        return self.rows.get(delivery_id)

    def find(
        self, installation_id: InstallationId, event: WebhookEvent, body_sha256: str
    ) -> Delivery | None:
        for row in self.rows.values():
            if (row.installation_id, row.event, row.body_sha256) == (
                installation_id,
                event,
                body_sha256,
            ):
                return row
        return None

    def set_status(
        self, delivery_id: int, status: DeliveryStatus, error: str | None = None
    ) -> bool:
        row = self.rows[delivery_id]
        if row.status is not DeliveryStatus.RECEIVED:
            return False
        self.rows[delivery_id] = replace(row, status=status, error=error, attempts=row.attempts + 1)
        return True

    def claim_waiting(self, claimed_at: datetime, handed_before: datetime, limit: int) -> list[int]:
        waiting = [
            row.id
            for row in sorted(self.rows.values(), key=lambda row: row.id)
            if row.status is DeliveryStatus.RECEIVED
            and (row.queued_at is None or row.queued_at < handed_before)
        ][:limit]
        for delivery_id in waiting:
            self.rows[delivery_id] = replace(self.rows[delivery_id], queued_at=claimed_at)
        return waiting

    def release_claim(self, delivery_ids, claimed_at: datetime) -> None:
        for delivery_id in delivery_ids:
            if self.rows[delivery_id].queued_at == claimed_at:
                self.rows[delivery_id] = replace(self.rows[delivery_id], queued_at=None)

    def list_for(self, installation_id: InstallationId) -> list[Delivery]:
        return [row for row in self.rows.values() if row.installation_id == installation_id]


class FakeOrders:
    def __init__(self) -> None:
        self.rows: dict[tuple[int, str], Order] = {}

    def get(self, installation_id: InstallationId, saleor_order_id: str) -> Order | None:
        found = self.rows.get((installation_id, saleor_order_id))
        return replace(found) if found is not None else None

    def save(self, installation_id: InstallationId, info: OrderInfo) -> None:
        stored = self.rows.get((installation_id, info.id))
        self.rows[(installation_id, info.id)] = (
            Order(info) if stored is None else replace(stored, info=info)
        )


class FakeEmptyCatalogue:
    """No vendors anywhere: every order line is "not drop-shipped"."""

    def options_for_products(self, installation_id: Any, product_ids: Any) -> list[Any]:
        return []


class FakePlans:
    def __init__(self) -> None:
        self.rows: dict[tuple[int, str], dict[str, Any]] = {}

    def choices(self, installation_id: int, saleor_order_id: str) -> dict[str, Any]:
        return dict(self.rows.get((installation_id, saleor_order_id), {}))

    def save_choices(self, installation_id: int, saleor_order_id: str, choices: Any) -> None:
        stored = self.rows.setdefault((installation_id, saleor_order_id), {})
        for choice in choices:
            stored[choice.order_line_id] = choice


class FakeShopSchemas:
    def __init__(self) -> None:
        self.rows: dict[int, Any] = {}

    def save(self, installation_id: InstallationId, schema: Any) -> None:
        from datetime import UTC, datetime

        from app.domain.shop_schemas import ShopSchemaRecord

        self.rows[installation_id] = ShopSchemaRecord(
            schema.saleor_version, schema.sha256, schema.problems, datetime.now(UTC)
        )

    def get(self, installation_id: InstallationId) -> Any:
        return self.rows.get(installation_id)


class FakePurchaseOrders:
    """An order without POs (ORDER_UPDATED compares them with the order: none to compare)."""

    def list_for_order(self, installation_id: Any, saleor_order_id: str) -> list[Any]:
        return []


class FakeUnitOfWork:
    """Shares its repositories across instances; ``commits`` counts commits."""

    def __init__(self) -> None:
        self.installations = FakeInstallations()
        self.deliveries = FakeDeliveries()
        self.orders = FakeOrders()
        self.product_vendors = FakeEmptyCatalogue()
        self.plans = FakePlans()
        self.shop_schemas = FakeShopSchemas()
        self.purchase_orders = FakePurchaseOrders()
        self.commits = 0
        self._callbacks: list[Callable[[], None]] = []

    def __call__(self) -> Self:
        return self

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.rollback()

    def commit(self) -> None:
        self.commits += 1
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def rollback(self) -> None:
        self._callbacks.clear()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)


class FakeInbox:
    """The DeliveryInbox port over a FakeUnitOfWork's repositories (no cache)."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def active_installation(self, api_url: str) -> Any:
        return self._uow.installations.get_active_by_api_url(api_url)

    def record(
        self,
        installation_id: InstallationId,
        event: WebhookEvent,
        body_sha256: str,
        payload_text: str,
    ) -> tuple[int, bool]:
        return self._uow.deliveries.add(installation_id, event, body_sha256, payload_text)


class FakeSaleorApi:
    def __init__(self, gateway: FakeSaleorGateway, api_url: str, token: str) -> None:
        self._gateway = gateway
        self._api_url = api_url
        self._token = token

    def fetch_app_id(self) -> str:
        from app.services.ports import SaleorRefused

        self._gateway.calls.append(("fetch_app_id", self._api_url))
        if self._token not in self._gateway.valid_tokens:
            raise SaleorRefused("PermissionDenied", codes=("PermissionDenied",))
        return self._gateway.valid_tokens[self._token]

    def fetch_order(self, order_id: str) -> OrderInfo | None:
        self._gateway.calls.append(("fetch_order", order_id))
        if self._gateway.unavailable:
            raise SaleorUnavailable("Saleor answered HTTP 502")
        order = self._gateway.orders.get(order_id)
        return parse_order(order) if order is not None else None

    def variants_by_sku(self, skus: list[str]) -> dict[str, Any]:
        self._gateway.calls.append(("variants_by_sku", ",".join(skus)))
        return {sku: ref for sku, ref in self._gateway.variants.items() if sku in skus}

    def fetch_product(self, product_id: str) -> None:
        self._gateway.calls.append(("fetch_product", product_id))
        return None

    def write_back(
        self, order_id: str, note: str, private: Mapping[str, str], public: Mapping[str, str]
    ) -> None:
        self._gateway.calls.append(("write_back", order_id))
        if self._gateway.write_back_error is not None:
            raise self._gateway.write_back_error
        self._gateway.write_backs.append((order_id, note, dict(private), dict(public)))

    def fetch_private_metafield(self, object_id: str, key: str) -> str | None:
        self._gateway.calls.append(("fetch_private_metafield", object_id))
        for written_id, _, private, _ in reversed(self._gateway.write_backs):
            if written_id == object_id and key in private:
                return private[key]
        return None

    def confirm_order(self, order_id: str) -> OrderInfo | None:
        self._gateway.calls.append(("confirm_order", order_id))
        order = self._gateway.orders.get(order_id)
        return parse_order({**order, "status": "UNFULFILLED"}) if order is not None else None


class FakeSaleorGateway:
    """Records every outbound call; answers from dictionaries."""

    def __init__(self, jwks: Mapping[str, Any] | None = None) -> None:
        self.calls: list[tuple[str, str]] = []
        self.valid_tokens: dict[str, str] = {}
        self.orders: dict[str, Mapping[str, Any]] = {}
        self.jwks: Mapping[str, Any] = jwks or {"keys": [{"kid": "k1"}]}
        self.unavailable = False
        self.variants: dict[str, Any] = {}
        self.write_backs: list[tuple[str, str, dict[str, str], dict[str, str]]] = []
        self.write_back_error: Exception | None = None
        self.saleor_version = "3.23.28"
        self.schema_problems: tuple[str, ...] = ()

    def api(self, api_url: str, token: str) -> FakeSaleorApi:
        return FakeSaleorApi(self, api_url, token)

    def parse_webhook(self, payload: Mapping[str, Any]) -> WebhookPayload:
        return parse_webhook_payload(payload)

    def read_schema(self, api_url: str, token: str) -> Any:
        from app.domain.shop_schemas import ShopSchema

        self.calls.append(("read_schema", api_url))
        if self.unavailable:
            raise SaleorUnavailable("Saleor answered HTTP 502")
        return ShopSchema(self.saleor_version, "sha-" + self.saleor_version, self.schema_problems)

    def forget_schema(self, api_url: str) -> None:
        self.calls.append(("forget_schema", api_url))

    def fetch_jwks(self, api_url: str) -> dict[str, Any]:
        self.calls.append(("fetch_jwks", api_url))
        if self.unavailable:
            raise SaleorUnavailable("JWKS unavailable")
        return dict(self.jwks)


class FakeVerifier:
    """Accepts a signature equal to ``"<kid>:" + body`` when the JWKS holds that kid."""

    def verify_webhook(self, signature: str, body: bytes, jwks: Mapping[str, Any]) -> None:
        kids = {key.get("kid") for key in jwks.get("keys", [])}
        kid, _, signed = signature.partition(":")
        if kid not in kids:
            raise UnknownSigningKey(f"unknown key id {kid!r}")
        if signed.encode() != body:
            raise SignatureInvalid("bad signature")


class RecordingTaskQueue:
    """Records what would be sent to the worker."""

    def __init__(self) -> None:
        self.deliveries: list[int] = []
        self.tasks: list[tuple[str, dict[str, Any]]] = []
        self.backlog: int | None = None  # what the broker says is waiting (None: cannot say)

    def enqueue_delivery(self, delivery_id: int) -> None:
        self.deliveries.append(delivery_id)

    def enqueue_deliveries(self, delivery_ids: Any) -> None:
        self.deliveries.extend(delivery_ids)

    def enqueue(self, task: str, **arguments: Any) -> None:
        self.tasks.append((task, arguments))

    def waiting(self) -> int | None:
        return self.backlog


class InlineTaskQueue:
    """Runs the task's service straight away, in the caller's thread."""

    def __init__(self, run: Callable[[int], object]) -> None:
        self._run = run
        self.deliveries: list[int] = []

    def enqueue_delivery(self, delivery_id: int) -> None:
        self.deliveries.append(delivery_id)
        self._run(delivery_id)

    def enqueue_deliveries(self, delivery_ids: Any) -> None:
        for delivery_id in delivery_ids:
            self.enqueue_delivery(delivery_id)


class BrokenTaskQueue:
    """A broker that is down."""

    def enqueue_delivery(self, delivery_id: int) -> None:
        self.enqueue_deliveries([delivery_id])

    def enqueue_deliveries(self, delivery_ids: Any) -> None:
        from app.adapters.task_queue import QueueUnavailable

        raise QueueUnavailable("The task queue is unavailable: connection refused")

    def enqueue(self, task: str, **arguments: Any) -> None:
        from app.adapters.task_queue import QueueUnavailable

        raise QueueUnavailable("The task queue is unavailable: connection refused")

    def waiting(self) -> int | None:
        return None


class FakeMailer:
    """Records sent emails; ``fail_with`` makes the next sends raise that error."""

    def __init__(self) -> None:
        self.sent: list[tuple[Any, Any]] = []
        self.fail_with: Exception | None = None

    def send(self, email: Any, smtp: Any) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((email, smtp))


class FakeDocuments:
    """Renders POs as short byte strings naming the PO, so tests can tell them apart."""

    def purchase_order_pdf(self, po: Any, context: Any) -> bytes:
        return f"%PDF {po.number} {context.vendor_code}".encode()

    def purchase_order_html(self, po: Any, context: Any) -> str:
        return f"<p>{po.number} {context.vendor_code}</p>"

    def purchase_order_csv(self, po: Any, context: Any = None) -> bytes:
        return f"po_number\n{po.number}\n".encode()

    def packing_slip_pdf(self, po: Any, context: Any) -> bytes:
        return f"%PDF slip {po.number} {context.shop_name}".encode()

    def packing_slip_message(self, po: Any, context: Any) -> str:
        return f"Thanks from {context.shop_name}"

    def purchase_order_email(
        self, po: Any, context: Any, subject_template: Any, body_template: Any
    ) -> tuple[str, str]:
        return f"Purchase order {po.number} from {context.shop_name}", f"Please ship {po.number}."
