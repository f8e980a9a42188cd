"""The unit of work the services run in, and the repositories it exposes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from app.domain.automation import AutomationRules, HoldReason
from app.domain.billing import BillingAccount
from app.domain.installations import Installation, InstallationId, SaleorApiUrl
from app.domain.logos import Logo
from app.domain.orders import DropShipState, Order, OrderInfo
from app.domain.outbound import Channel, OutboundAttempt, OutboundStatus, Subject
from app.domain.payments import PaymentAction, PaymentAttempt
from app.domain.plans import LineChoice
from app.domain.po_list import POListPage, POListQuery, POListRow
from app.domain.portal_links import PortalLink, PortalLinkKind
from app.domain.purchase_orders import PurchaseOrder
from app.domain.reports import (
    OnTimeMonth,
    OrderMargin,
    ReportFigures,
    ReportQuery,
    VendorPerformance,
    WeekFigures,
)
from app.domain.risk.facts import PastOrder
from app.domain.risk.review import RiskReview
from app.domain.risk.scoring import RiskSettings
from app.domain.shipments import Shipment
from app.domain.shop_schemas import ShopSchema, ShopSchemaRecord
from app.domain.shop_settings import ShopSettings
from app.domain.vendors import ProductVendor, Vendor, VendorOption
from app.domain.webhooks import DeliveryStatus, WebhookEvent
from app.services.edi_ports import EdiRepository
from app.services.vendor_api_ports import VendorApiRepository


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
    queued_at: datetime | None = None


class InstallationRepository(Protocol):
    def get(self, installation_id: InstallationId) -> Installation | None: ...

    def get_active_by_api_url(self, api_url: str) -> Installation | None: ...

    def active_api_urls(self) -> list[SaleorApiUrl]: ...

    def save(self, installation: Installation) -> Installation: ...

    def update_jwks(self, installation_id: InstallationId, jwks: Mapping[str, Any]) -> None: ...

    def claim_jwks_fetch(
        self, installation_id: InstallationId, now: datetime, interval_seconds: float
    ) -> bool:
        """Atomically note a JWKS fetch now, unless one was noted in the last interval."""
        ...

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

    def set_status(
        self, delivery_id: int, status: DeliveryStatus, error: str | None = None
    ) -> bool:
        """Move a received delivery to ``status``; False if it had already left "received"."""
        ...

    def list_for(self, installation_id: InstallationId) -> list[Delivery]: ...

    def prune_payloads(self, received_before: datetime) -> int:
        """Empty the bodies of processed or skipped deliveries received before the cut-off."""
        ...

    def claim_waiting(self, claimed_at: datetime, handed_before: datetime, limit: int) -> list[int]:
        """Stamp up to ``limit`` received deliveries, never handed over or handed over before
        ``handed_before``, as handed over at ``claimed_at``; safe with several relays at once."""
        ...

    def release_claim(self, delivery_ids: Sequence[int], claimed_at: datetime) -> None:
        """Undo ``claim_waiting`` for deliveries that could not be handed over."""
        ...


class OrderRepository(Protocol):
    def get(self, installation_id: InstallationId, saleor_order_id: str) -> Order | None: ...

    def save(self, installation_id: InstallationId, info: OrderInfo) -> None:
        """Store what Saleor says about the order; the drop-ship state is left as it is."""
        ...

    def set_state(
        self,
        installation_id: InstallationId,
        saleor_order_id: str,
        state: DropShipState,
        note: str | None = None,
    ) -> None: ...


class SettingsRepository(Protocol):
    def get(self, installation_id: InstallationId) -> ShopSettings: ...

    def save(self, installation_id: InstallationId, settings: ShopSettings) -> None: ...


class LogoRepository(Protocol):
    def get(self, installation_id: InstallationId) -> Logo | None: ...

    def save(self, installation_id: InstallationId, logo: Logo) -> None: ...

    def remove(self, installation_id: InstallationId) -> None: ...


class VendorRepository(Protocol):
    def list(self, installation_id: InstallationId) -> list[Vendor]: ...

    def get(self, installation_id: InstallationId, vendor_id: int) -> Vendor | None: ...

    def get_by_code(self, installation_id: InstallationId, code: str) -> Vendor | None: ...

    def add(self, installation_id: InstallationId, vendor: Vendor) -> Vendor: ...

    def update(self, installation_id: InstallationId, vendor: Vendor) -> bool: ...

    def count(self, installation_id: InstallationId) -> int: ...


class ProductVendorRepository(Protocol):
    def options_for_products(
        self, installation_id: InstallationId, product_ids: Iterable[str]
    ) -> list[VendorOption]: ...

    def get(self, installation_id: InstallationId, entry_id: int) -> ProductVendor | None: ...

    def find(
        self,
        installation_id: InstallationId,
        product_id: str,
        variant_id: str | None,
        vendor_id: int,
    ) -> ProductVendor | None: ...

    def add(self, installation_id: InstallationId, entry: ProductVendor) -> ProductVendor: ...

    def update(self, installation_id: InstallationId, entry: ProductVendor) -> None: ...

    def remove(self, installation_id: InstallationId, entry_id: int) -> None: ...

    def clear_default(self, installation_id: InstallationId, product_id: str) -> None: ...

    def count(self, installation_id: InstallationId) -> int: ...


class PlanRepository(Protocol):
    def choices(
        self, installation_id: InstallationId, saleor_order_id: str
    ) -> dict[str, LineChoice]: ...

    def save_choices(
        self, installation_id: InstallationId, saleor_order_id: str, choices: Iterable[LineChoice]
    ) -> None: ...


class PurchaseOrderListing(Protocol):
    """The shop's PO list, filtered, sorted and keyset-paged by the storage."""

    def page(
        self, installation_id: InstallationId, query: POListQuery, now: datetime
    ) -> POListPage: ...

    def rows(
        self, installation_id: InstallationId, query: POListQuery, now: datetime, limit: int
    ) -> Iterator[POListRow]: ...


class Reports(Protocol):
    """The Reports page's figures, aggregated by the storage."""

    def figures(
        self, installation_id: InstallationId, query: ReportQuery, now: datetime
    ) -> ReportFigures:
        """The vendor table, the weeks and the on-time months, the range's POs summed once."""
        ...

    def vendor_performance(
        self, installation_id: InstallationId, query: ReportQuery, now: datetime
    ) -> list[VendorPerformance]: ...

    def order_margins(
        self, installation_id: InstallationId, query: ReportQuery, limit: int | None
    ) -> Iterator[OrderMargin]: ...

    def order_margin(self, installation_id: InstallationId, order_id: str) -> list[OrderMargin]: ...

    def weeks(self, installation_id: InstallationId, query: ReportQuery) -> list[WeekFigures]: ...

    def on_time_by_month(
        self, installation_id: InstallationId, query: ReportQuery, now: datetime
    ) -> list[OnTimeMonth]: ...


class PurchaseOrderRepository(Protocol):
    def add(self, installation_id: InstallationId, po: PurchaseOrder) -> PurchaseOrder: ...

    def save(self, installation_id: InstallationId, po: PurchaseOrder) -> None: ...

    def save_line_quantities(self, installation_id: InstallationId, po: PurchaseOrder) -> None: ...

    def get(self, installation_id: InstallationId, po_id: int) -> PurchaseOrder | None: ...

    def get_for_update(
        self, installation_id: InstallationId, po_id: int
    ) -> PurchaseOrder | None: ...

    def list_for_order(
        self, installation_id: InstallationId, saleor_order_id: str
    ) -> list[PurchaseOrder]: ...

    def quantity_on_open_pos(
        self, installation_id: InstallationId, saleor_order_id: str
    ) -> dict[str, int]: ...

    def find_by_number(
        self, installation_id: InstallationId, number: str
    ) -> PurchaseOrder | None: ...

    def list_by_order_number(
        self, installation_id: InstallationId, order_number: str
    ) -> list[PurchaseOrder]: ...

    def next_sequence(self, installation_id: InstallationId, saleor_order_id: str) -> int: ...

    def awaiting_vendor(
        self,
        installation_id: InstallationId,
        sent_before: datetime,
        due_before: datetime,
        limit: int,
    ) -> list[PurchaseOrder]:
        """POs the vendor owes a shipment, sent before ``sent_before`` or due before
        ``due_before`` (reminder candidates), oldest first."""
        ...


class ShipmentRepository(Protocol):
    def add(self, installation_id: InstallationId, shipment: Shipment) -> Shipment: ...

    def save(self, installation_id: InstallationId, shipment: Shipment) -> None: ...

    def get(self, installation_id: InstallationId, shipment_id: int) -> Shipment | None: ...

    def list_for_order(
        self, installation_id: InstallationId, saleor_order_id: str
    ) -> list[Shipment]: ...

    def lost_writes(
        self, now: datetime, grace: timedelta, stale_after: timedelta
    ) -> list[tuple[InstallationId, int]]: ...


class OutboundRepository(Protocol):
    """Every outbound write, one row per idempotency key (see app/domain/outbound.py)."""

    def record(
        self,
        installation_id: InstallationId,
        *,
        subject: Subject,
        subject_id: str,
        channel: str,
        key: str,
        max_attempts: int,
        now: datetime,
    ) -> OutboundAttempt: ...

    def get_by_key(self, installation_id: InstallationId, key: str) -> OutboundAttempt | None: ...

    def claim(
        self,
        installation_id: InstallationId,
        key: str,
        token: str,
        now: datetime,
        stale_after: timedelta,
    ) -> OutboundAttempt | None: ...

    def reopen(self, installation_id: InstallationId, key: str) -> None: ...

    def retry_later(
        self, installation_id: InstallationId, key: str, error: str, next_try_at: datetime | None
    ) -> None: ...

    def finish(
        self,
        installation_id: InstallationId,
        key: str,
        status: OutboundStatus,
        now: datetime,
        error: str | None = None,
    ) -> None: ...

    def latest(
        self,
        installation_id: InstallationId,
        subject: Subject,
        subject_ids: Iterable[str],
        channel: str | None = None,
    ) -> list[OutboundAttempt]: ...

    def lost_sends(
        self, now: datetime, grace: timedelta, stale_after: timedelta
    ) -> list[tuple[InstallationId, str]]: ...

    def lost_saleor_changes(
        self, now: datetime, grace: timedelta, stale_after: timedelta
    ) -> list[tuple[InstallationId, Channel, str]]: ...


class NoteRepository(Protocol):
    """Insert-only notes for the Saleor order."""

    def add(
        self, installation_id: InstallationId, saleor_order_id: str, text: str, now: datetime
    ) -> None: ...

    def attach_unsent(
        self, installation_id: InstallationId, saleor_order_id: str, outbound_id: int
    ) -> int: ...

    def carried_by(self, installation_id: InstallationId, outbound_id: int) -> list[str]: ...

    def mark_sent(
        self, installation_id: InstallationId, outbound_id: int, now: datetime
    ) -> None: ...

    def unsent(self, installation_id: InstallationId, saleor_order_id: str) -> list[str]: ...

    def orders_waiting(
        self, now: datetime, grace: timedelta
    ) -> list[tuple[InstallationId, str]]: ...


class ShopSchemaRepository(Protocol):
    def save(self, installation_id: InstallationId, schema: ShopSchema) -> None: ...

    def get(self, installation_id: InstallationId) -> ShopSchemaRecord | None: ...


class RiskReviewRepository(Protocol):
    def save(self, installation_id: InstallationId, review: RiskReview, order: PastOrder) -> None:
        """Store the computed review and the order's history facts; a decision stays."""
        ...

    def get(self, installation_id: InstallationId, order_id: str) -> RiskReview | None: ...

    def history(self, installation_id: InstallationId, limit: int) -> list[PastOrder]: ...

    def mark_changed(
        self, installation_id: InstallationId, order_id: str, digest: str, at: datetime
    ) -> bool:
        """A decided review whose order's inputs now differ: note when, once."""
        ...

    def orders_without_review(
        self, now: datetime, grace: timedelta, lookback: timedelta, limit: int
    ) -> list[tuple[InstallationId, str]]:
        """Every active shop's open orders stored a while ago and still without a review."""
        ...

    def decide(self, installation_id: InstallationId, review: RiskReview) -> bool:
        """Record the review's decision unless one is recorded; False when one was."""
        ...


class RiskSettingsRepository(Protocol):
    def get(self, installation_id: InstallationId) -> RiskSettings: ...

    def save(self, installation_id: InstallationId, settings: RiskSettings) -> None: ...

    def stripe_key(self, installation_id: InstallationId) -> str: ...

    def set_stripe_key(self, installation_id: InstallationId, key: str) -> None: ...


class PaymentAttemptRepository(Protocol):
    """Charges and voids the app asked for; at most one in flight per order and action."""

    def start(
        self,
        installation_id: InstallationId,
        order_id: str,
        action: PaymentAction,
        requested_by: str,
        now: datetime,
    ) -> PaymentAttempt | None:
        """A new in-flight attempt, or None when one is in flight already."""
        ...

    def in_flight(
        self, installation_id: InstallationId, order_id: str, action: PaymentAction
    ) -> PaymentAttempt | None: ...

    def get(self, installation_id: InstallationId, attempt_id: int) -> PaymentAttempt | None: ...

    def list_for_order(
        self, installation_id: InstallationId, order_id: str
    ) -> list[PaymentAttempt]: ...

    def all_in_flight(self, limit: int = 500) -> list[tuple[InstallationId, int]]: ...

    def update(
        self,
        installation_id: InstallationId,
        attempt_id: int,
        *,
        only_in_flight: bool = True,
        requested_before: datetime | None = None,
        **values: Any,
    ) -> bool:
        """Only while in flight (by default) and, with ``requested_before``, only if its
        request is older; whether a row changed."""
        ...


class BillingRepository(Protocol):
    """Each shop's tier and modules, and the Stripe events processed (by event id)."""

    def get(
        self, installation_id: InstallationId, *, for_update: bool = False
    ) -> BillingAccount: ...

    def save(self, installation_id: InstallationId, account: BillingAccount) -> None: ...

    def installation_for_customer(self, customer_id: str) -> InstallationId | None: ...

    def with_subscriptions(self) -> list[tuple[InstallationId, BillingAccount]]: ...

    def record_event(
        self, event_id: str, kind: str, installation_id: InstallationId | None, now: datetime
    ) -> bool:
        """Note a Stripe event as processed; False when it was already (a replay or retry)."""
        ...


class AutomationOrderState(Protocol):
    order_id: str
    step: str
    reasons: tuple[HoldReason, ...]
    held_by_merchant: bool
    next_check_at: datetime | None
    updated_at: datetime


class AutomationRepository(Protocol):
    """Each shop's automation rules and each order's automatic state."""

    def rules(self, installation_id: InstallationId) -> AutomationRules: ...

    def save_rules(self, installation_id: InstallationId, rules: AutomationRules) -> None: ...

    def get(
        self, installation_id: InstallationId, order_id: str
    ) -> AutomationOrderState | None: ...

    def claim(
        self, installation_id: InstallationId, order_id: str, now: datetime, until: datetime
    ) -> bool:
        """Lease the order to this run unless another run holds an unexpired lease."""
        ...

    def record(
        self,
        installation_id: InstallationId,
        order_id: str,
        *,
        step: str,
        reasons: tuple[HoldReason, ...],
        next_check_at: datetime | None,
        now: datetime,
    ) -> None: ...

    def set_held(
        self, installation_id: InstallationId, order_id: str, held: bool, now: datetime
    ) -> None: ...

    def due(self, now: datetime, limit: int = 500) -> list[tuple[InstallationId, str]]: ...

    def needs_attention(
        self, installation_id: InstallationId, limit: int = 200
    ) -> list[tuple[AutomationOrderState, str]]: ...


class PortalLinkRepository(Protocol):
    """Vendor portal links (ADR 22): found by token hash; the token kept encrypted."""

    def add(self, installation_id: InstallationId, link: PortalLink, token: str) -> PortalLink: ...

    def find(self, token_hash: str) -> tuple[InstallationId, PortalLink] | None: ...

    def usable(
        self,
        installation_id: InstallationId,
        kind: PortalLinkKind,
        *,
        subject_ids: Iterable[int],
        now: datetime,
    ) -> dict[int, tuple[PortalLink, str]]: ...

    def revoke(
        self, installation_id: InstallationId, kind: PortalLinkKind, subject_id: int, now: datetime
    ) -> int: ...


class UnitOfWork(Protocol):
    """A transaction: commit or roll back together; callbacks run only after a commit."""

    installations: InstallationRepository
    deliveries: DeliveryRepository
    orders: OrderRepository
    settings: SettingsRepository
    logos: LogoRepository
    vendors: VendorRepository
    product_vendors: ProductVendorRepository
    plans: PlanRepository
    purchase_orders: PurchaseOrderRepository
    po_listing: PurchaseOrderListing
    reports: Reports
    shipments: ShipmentRepository
    outbound: OutboundRepository
    notes: NoteRepository
    shop_schemas: ShopSchemaRepository
    risk_reviews: RiskReviewRepository
    risk_settings: RiskSettingsRepository
    payments: PaymentAttemptRepository
    edi: EdiRepository
    billing: BillingRepository
    automation: AutomationRepository
    vendor_api: VendorApiRepository
    portal_links: PortalLinkRepository

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
