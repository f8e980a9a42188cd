"""The unit of work the services run in, and the repositories it exposes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from app.domain.installations import Installation, InstallationId
from app.domain.orders import OrderSnapshot
from app.domain.webhooks import DeliveryStatus, WebhookEvent


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery as recorded in the inbox."""

    id: int
    installation_id: InstallationId
    event: WebhookEvent
    body_sha256: str
    payload: Mapping[str, Any]
    status: DeliveryStatus
    received_at: datetime
    attempts: int = 0
    error: str | None = None


class InstallationRepository(Protocol):
    def get(self, installation_id: InstallationId) -> Installation | None: ...

    def get_active_by_api_url(self, api_url: str) -> Installation | None: ...

    def save(self, installation: Installation) -> Installation: ...

    def update_jwks(self, installation_id: InstallationId, jwks: Mapping[str, Any]) -> None: ...

    def mark_removed(self, installation_id: InstallationId) -> None: ...


class DeliveryRepository(Protocol):
    def add(
        self,
        installation_id: InstallationId,
        event: WebhookEvent,
        body_sha256: str,
        payload_text: str,
        status: DeliveryStatus = DeliveryStatus.RECEIVED,
    ) -> tuple[int, bool]:
        """Record a delivery once; returns its id and whether this call created it."""
        ...

    def get(self, delivery_id: int) -> Delivery | None: ...

    def find(
        self, installation_id: InstallationId, event: WebhookEvent, body_sha256: str
    ) -> Delivery | None: ...

    def set_status(
        self, delivery_id: int, status: DeliveryStatus, error: str | None = None
    ) -> None: ...

    def list_for(self, installation_id: InstallationId) -> list[Delivery]: ...


class OrderRepository(Protocol):
    def get(
        self, installation_id: InstallationId, saleor_order_id: str
    ) -> OrderSnapshot | None: ...

    def save(self, installation_id: InstallationId, snapshot: OrderSnapshot) -> None: ...


class UnitOfWork(Protocol):
    """A transaction: commit or roll back together; callbacks run only after a commit."""

    installations: InstallationRepository
    deliveries: DeliveryRepository
    orders: OrderRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def after_commit(self, callback: Callable[[], None]) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
