"""What the services need from the outside world, as Protocols, and the errors they may raise."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from app.domain.installations import Installation, InstallationId
from app.domain.logos import Logo
from app.domain.orders import Fulfilment, OrderInfo
from app.domain.payments import OrderPayments, PaymentAction, Transaction
from app.domain.products import ProductInfo
from app.domain.purchase_orders import PurchaseOrder
from app.domain.risk.facts import RiskFacts
from app.domain.risk.signals import RadarResult
from app.domain.shop_schemas import ShopSchema
from app.domain.shop_settings import ShopSettings
from app.domain.vendor_shipping import ShippingInstructions
from app.domain.vendors import Vendor
from app.domain.webhooks import WebhookEvent, WebhookPayload
from app.errors import ErrorCode, Permanent, Retryable


class SaleorUnavailable(Retryable):
    """Saleor could not be reached, timed out, or answered 5xx."""


class SaleorRefused(Permanent):
    """Saleor answered, but refused: GraphQL errors such as PermissionDenied (HTTP 502)."""

    code = ErrorCode.SALEOR_REFUSED

    def __init__(self, message: str, *, codes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.codes = codes


class SaleorMutationFailed(Permanent):
    """A mutation ran and returned business errors in its ``errors`` list (HTTP 502)."""

    code = ErrorCode.SALEOR_REFUSED

    def __init__(self, message: str, *, errors: tuple[Mapping[str, Any], ...]) -> None:
        super().__init__(message)
        self.errors = errors


class SaleorIncompatible(Permanent):
    """The shop's Saleor schema lacks a type or field one of the app's documents uses."""


class SignatureInvalid(Exception):
    """The signature does not verify against the given keys (or names an unknown key)."""


class UnknownSigningKey(SignatureInvalid):
    """The signature names a key id the given keys do not hold (Saleor may have rotated)."""


@dataclass(frozen=True)
class VariantRef:
    variant_id: str
    sku: str
    product_id: str
    product_name: str
    variant_name: str = ""


@dataclass(frozen=True)
class FulfilLine:
    order_line_id: str
    quantity: int
    warehouse_id: str


@dataclass(frozen=True)
class Fulfilled:
    """What orderFulfill answers: the new fulfilments and the order as Saleor has it now."""

    fulfilments: list[Fulfilment]
    order: OrderInfo | None


class SaleorApi(Protocol):
    """Calls to one Saleor, authenticated with the app's token."""

    def fetch_app_id(self) -> str: ...

    def fetch_order(self, order_id: str) -> OrderInfo | None: ...

    def fetch_risk_facts(self, order_id: str) -> RiskFacts | None:
        """The order as the risk review reads it (graphql/order_risk.graphql), with how many
        orders Saleor holds under the customer's email; None when Saleor has no such order."""
        ...

    def variants_by_sku(self, skus: list[str]) -> dict[str, VariantRef]:
        """At most 100 SKUs per call; unknown SKUs are missing from the answer."""
        ...

    def fetch_product(self, product_id: str) -> ProductInfo | None: ...

    def write_back(
        self,
        order_id: str,
        note: str,
        private_metadata: Mapping[str, str],
        metadata: Mapping[str, str],
    ) -> None: ...

    def fetch_private_metafield(self, object_id: str, key: str) -> str | None:
        """One private metadata value of an order (read back before retrying a write-back)."""
        ...

    def confirm_order(self, order_id: str) -> OrderInfo | None:
        """The order as confirmed; raises SaleorMutationFailed if Saleor refuses."""
        ...

    def cancel_order(self, order_id: str) -> OrderInfo | None:
        """The order as cancelled; raises SaleorMutationFailed if Saleor refuses."""
        ...

    def fulfil(
        self,
        order_id: str,
        lines: list[FulfilLine],
        tracking_number: str,
        *,
        notify_customer: bool,
        allow_stock_to_be_exceeded: bool,
    ) -> Fulfilled: ...

    def fetch_fulfilments(self, order_id: str) -> list[Fulfilment]: ...

    def update_tracking(
        self, fulfilment_id: str, tracking_number: str, notify_customer: bool
    ) -> None: ...

    def cancel_fulfilment(self, fulfilment_id: str, warehouse_id: str) -> OrderInfo | None:
        """The order as Saleor has it after the cancellation."""
        ...

    def approve_fulfilment(self, fulfilment_id: str, notify_customer: bool) -> OrderInfo | None:
        """The order as Saleor has it after the approval."""
        ...

    def fetch_order_payments(self, order_id: str) -> OrderPayments | None:
        """The order's totals and payment transactions (None: no such order)."""
        ...

    def request_transaction_action(
        self, transaction_id: str, action: PaymentAction, amount: Decimal | None
    ) -> Transaction | None:
        """``transactionRequestAction``: the transaction with only the new request event;
        raises SaleorMutationFailed (e.g. MISSING_TRANSACTION_ACTION_REQUEST_WEBHOOK)."""
        ...

    def warehouses(self) -> list[tuple[str, str]]:
        """(id, name) of the shop's warehouses."""
        ...

    def webhook_queries(self) -> dict[str, tuple[str, str]]:
        """The webhooks Saleor holds for this app: name -> (webhook id, subscription query)."""
        ...

    def update_webhook_query(self, webhook_id: str, query: str) -> None:
        """Replace one of the app's own webhooks' subscription query."""
        ...

    def create_webhook(
        self, *, name: str, target_url: str, query: str, async_events: list[str]
    ) -> None: ...

    def fetch_saleor_version(self) -> str:
        """``shop { version }``: the Saleor release the shop runs."""
        ...


class RadarReader(Protocol):
    """Stripe Radar's view of a PaymentIntent, read with the shop's restricted key. Never
    raises: an outage or a refused key is a RadarResult that says so."""

    def read(self, api_key: str, payment_intent: str) -> RadarResult: ...


class CarrierDetector(Protocol):
    def detect(self, tracking_number: str) -> Any:
        """The Carrier for a tracking number, or None when no known format matches."""
        ...

    def by_code(self, code: str, tracking_number: str) -> Any:
        """The Carrier the merchant chose (an override), with its tracking link if known."""
        ...


class SaleorGateway(Protocol):
    """Opens a SaleorApi for an installation; fetches public keys."""

    def api(self, api_url: str, token: str) -> SaleorApi: ...

    def fetch_jwks(self, api_url: str) -> dict[str, Any]: ...

    def parse_webhook(self, payload: Mapping[str, Any]) -> WebhookPayload:
        """The parts of a webhook body the app acts on (Saleor's JSON stays in the adapter)."""
        ...

    def read_schema(self, api_url: str, token: str) -> ShopSchema:
        """Introspect the Saleor (one request) and check every document against its schema."""
        ...

    def forget_schema(self, api_url: str) -> None:
        """Drop what the gateway cached about a Saleor's stored schema (after storing anew)."""
        ...


class SignatureVerifier(Protocol):
    """Checks Saleor's detached JWS webhook signatures."""

    def verify_webhook(self, signature: str, body: bytes, jwks: Mapping[str, Any]) -> None: ...


class DeliveryInbox(Protocol):
    """The webhook request's storage, without a unit of work (its hot path, ADR 8).

    ``active_installation`` may answer from a per-process cache that changes of installations
    in this process clear at once (another process sees them within seconds); ``record`` stores
    one received delivery in its own transaction, or finds the same one recorded before.
    """

    def active_installation(self, api_url: str) -> Installation | None: ...

    def record(
        self,
        installation_id: InstallationId,
        event: WebhookEvent,
        body_sha256: str,
        payload_text: str,
    ) -> tuple[int, bool]: ...


@dataclass(frozen=True)
class DashboardClaims:
    """The verified claims of a dashboard user's token."""

    email: str
    user_id: str
    app_id: str
    issuer: str
    permissions: frozenset[str]


class DashboardTokenVerifier(Protocol):
    """Checks a dashboard JWT's signature and expiry; raises SignatureInvalid or Unauthenticated."""

    def verify_dashboard_token(self, token: str, jwks: Mapping[str, Any]) -> DashboardClaims: ...


class TaskQueue(Protocol):
    """Hands work to the background worker."""

    def enqueue_delivery(self, delivery_id: int) -> None: ...

    def enqueue_deliveries(self, delivery_ids: Sequence[int]) -> None:
        """Hand recorded deliveries to the worker, one task each, over one broker connection."""
        ...

    def enqueue(self, task: str, **arguments: Any) -> None:
        """Queue one of the tasks named in ``app.services.tasks`` with JSON arguments."""
        ...

    def waiting(self) -> int | None:
        """How many tasks wait in the broker for a worker (None: the broker cannot say)."""
        ...


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class OutgoingEmail:
    """A message ready to send; ``message_id`` is stable per PO revision (``<...@...>``)."""

    sender: str
    to: tuple[str, ...]
    subject: str
    text_body: str
    message_id: str
    cc: tuple[str, ...] = ()
    reply_to: str | None = None
    html_body: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send mail; ``security`` is "starttls", "ssl" or "none"."""

    host: str
    port: int
    sender: str
    username: str = ""
    password: str = field(default="", repr=False)
    security: str = "starttls"
    timeout_seconds: float = 15.0


class MailUnavailable(Retryable):
    """The mail server could not be reached, timed out, or answered 4xx: try again later."""


class MailRejected(Permanent):
    """The mail server refused the message or our credentials (5xx): retrying will not help."""


class Mailer(Protocol):
    def send(self, email: OutgoingEmail, smtp: SmtpSettings) -> None: ...


@dataclass(frozen=True)
class PurchaseOrderMessage:
    """One PO revision to send; ``idempotency_key`` is the same on every retry of it."""

    installation_id: int
    po: PurchaseOrder
    vendor: Vendor
    settings: ShopSettings
    idempotency_key: str
    logo: Logo | None = None  # the shop's, for the packing slip
    portal_url: str = ""  # the PO's vendor portal link (email), "" when none


class PurchaseOrderChannel(Protocol):
    """Sends POs to vendors of one integration kind (email now; EDI, HTTP, portal next).

    ``send`` raises a ``Retryable`` for an outage (the task retries with the same key) and a
    ``Permanent`` for a refusal (the PO shows "send failed" with the message)."""

    via: str  # how the PO history and the order note name it: "email"

    def send(self, message: PurchaseOrderMessage) -> None: ...


@dataclass(frozen=True)
class DocumentContext:
    """What a PO document shows besides the PO: who orders, and the merchant's own texts."""

    shop_name: str
    merchant_email: str
    vendor_code: str
    po_notes: str = ""
    template_html: str | None = None
    shipping: ShippingInstructions | None = None
    show_prices: bool = True  # False: no cost, total or price anywhere in the PO's files
    portal_url: str = ""  # the PO's vendor portal link, for the email ({{ portal_url }})


@dataclass(frozen=True)
class SlipContext:
    """What a packing slip shows besides the PO: the shop, never the vendor."""

    shop_name: str
    return_address: str = ""
    message_template: str | None = None  # the merchant's; None: the built-in message
    logo: Logo | None = None


class DocumentRenderer(Protocol):
    """Renders POs as files and emails from (possibly merchant-edited) templates."""

    def purchase_order_pdf(self, po: Any, context: DocumentContext) -> bytes: ...

    def purchase_order_html(self, po: Any, context: DocumentContext) -> str:
        """The PO document's HTML only (what the PDF is made from)."""
        ...

    def purchase_order_csv(self, po: Any, context: DocumentContext | None = None) -> bytes:
        """One row per line; shipping instructions, and no costs when prices are hidden."""
        ...

    def purchase_order_email(
        self,
        po: Any,
        context: DocumentContext,
        subject_template: str | None,
        body_template: str | None,
    ) -> tuple[str, str]: ...

    def packing_slip_pdf(self, po: Any, context: SlipContext) -> bytes:
        """The price-free packing slip in the shop's name, with the PO number's barcode."""
        ...

    def packing_slip_message(self, po: Any, context: SlipContext) -> str:
        """The slip's message to the customer (the merchant's template, within the budget)."""
        ...


class RateLimiter(Protocol):
    """Counts requests per key in fixed windows, across every web process."""

    def allow(self, key: str, limit: int, window_seconds: int) -> bool:
        """Count one request for ``key``; False once the window holds more than ``limit``."""
        ...

    def prune(self, older_than_seconds: int) -> int:
        """Forget windows that ended long ago; returns how many were removed."""
        ...
