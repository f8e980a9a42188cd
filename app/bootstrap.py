"""Composition root: builds every adapter from Settings. Web, worker, CLI and tests use it."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache, cached_property
from pathlib import Path
from typing import Any, TypeVar

from celery import Celery
from sqlalchemy import Engine

from app.adapters import health, logs, metrics
from app.adapters.bounded_render import RenderBudget
from app.adapters.carriers import TrackingNumberCarriers
from app.adapters.charts import SvgCharts
from app.adapters.crypto import TokenCipher
from app.adapters.db.engine import build_engine, upgrade_database
from app.adapters.db.inbox import SqlDeliveryInbox
from app.adapters.db.installation_cache import InstallationCache
from app.adapters.db.rate_limits import SqlRateLimiter
from app.adapters.db.secrets import rotate_stored_secrets
from app.adapters.db.shop_schemas import ShopSchemaStore
from app.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from app.adapters.documents import TemplateDocuments
from app.adapters.email_smtp import SmtpMailer
from app.adapters.http_vendor import RequestsPoster
from app.adapters.saleor.documents import load_documents
from app.adapters.saleor.gateway import SaleorHttpGateway
from app.adapters.saleor.manifest import build_manifest
from app.adapters.saleor.parsing import manifest_subscriptions
from app.adapters.saleor.signatures import SaleorSignatureVerifier
from app.adapters.sftp import AsyncsshTransport
from app.adapters.stripe_billing import StripeBilling
from app.adapters.stripe_radar import StripeRadar
from app.adapters.task_queue import CeleryTaskQueue, QueueUnavailable, build_celery
from app.domain.billing import Module
from app.domain.billing_events import BillingCatalogue
from app.domain.vendor_http import EndpointPolicy
from app.domain.vendors import IntegrationKind
from app.domain.webhooks import WebhookSubscription
from app.services import tasks
from app.services.billing_ports import BillingConfig, BillingProvider
from app.services.channels import EmailChannel, MailDefaults
from app.services.dispatch import Channels
from app.services.edi_channel import EdiChannel
from app.services.edi_ports import SftpTransport
from app.services.http_channel import HttpChannel
from app.services.http_ports import HttpPoster
from app.services.ports import (
    CarrierDetector,
    DeliveryInbox,
    DocumentRenderer,
    Mailer,
    PurchaseOrderChannel,
    RadarReader,
    RateLimiter,
    SaleorGateway,
    SmtpSettings,
    TaskQueue,
)
from app.services.reports import ChartRenderer
from app.services.unit_of_work import UnitOfWork
from app.services.use_cases import USE_CASES
from app.services.vendor_portal import PortalConfig
from app.settings import Settings

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(eq=False)
class Container:
    settings: Settings
    engine: Engine
    cipher: TokenCipher
    uow_factory: Callable[[], UnitOfWork]
    saleor: SaleorGateway
    verifier: SaleorSignatureVerifier
    inbox: DeliveryInbox
    celery: Celery
    task_queue: TaskQueue
    mailer: Mailer
    documents: DocumentRenderer
    mail_defaults: MailDefaults
    carriers: CarrierDetector
    channels: Channels  # one PurchaseOrderChannel per vendor integration kind that sends
    radar: RadarReader  # Stripe Radar for the risk review (the shop's own restricted key)
    sftp: SftpTransport  # EDI vendors' SFTP servers
    billing: BillingProvider  # Stripe billing of tiers and add-on modules (issue 13)
    billing_config: BillingConfig
    portal: PortalConfig  # the vendor portal's link base and request limits (issue 15)
    charts: ChartRenderer = field(default_factory=SvgCharts)  # the Reports page's SVG charts
    # HTTP vendors (issue 15): what endpoints shops may enter, and how POs are posted to them.
    endpoint_policy: EndpointPolicy = field(default_factory=EndpointPolicy)
    http_poster: HttpPoster = field(default_factory=RequestsPoster)

    @cached_property
    def use_cases(self) -> UseCases:
        return UseCases(self)

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        """The vendor portal's and vendor API's request counters (in the app's database)."""
        return SqlRateLimiter(self.engine)

    # Operations the web and the CLI ask for without importing adapters (import-linter).
    def served_manifest(self) -> dict[str, Any]:
        """The manifest Saleor fetches, with absolute URLs (built once per process)."""
        settings = self.settings
        return _manifest(str(settings.manifest_path), str(settings.webhooks_dir), settings.app_url)

    def subscriptions(self) -> list[WebhookSubscription]:
        return manifest_subscriptions(self.served_manifest())

    def upgrade_database(self) -> None:
        upgrade_database(self.engine)

    def rotate_secrets(self) -> int:
        return rotate_stored_secrets(self.engine, self.cipher)

    def readiness_problems(self) -> dict[str, str]:
        """What is down: the database (or its migrations) and the broker, by name."""
        found = (
            ("database", health.database_problem(self.engine)),
            ("broker", health.broker_problem(self.celery)),
        )
        return {name: problem for name, problem in found if problem}

    def metrics_exposition(self) -> tuple[bytes, str]:
        engine = self.engine
        return metrics.exposition(self.settings.metrics_dir, lambda: health.inbox_backlog(engine))


def start_log_context(api_url: str, order_id: str = "") -> None:
    """A request's log lines name the shop (by its Saleor host) and the order."""
    logs.set_log_context(shop=logs.shop_domain(api_url) if api_url else "", order_id=order_id)


def count_delivery_received(event: str, outcome: str, seconds: float) -> None:
    metrics.delivery_received(event, outcome, seconds)


@cache
def _manifest(manifest_path: str, webhooks_dir: str, app_url: str) -> dict[str, Any]:
    return build_manifest(Path(manifest_path), Path(webhooks_dir), app_url)


# The ports a use case may take, by parameter name, and the container part that fills each.
PORT_PARTS = {
    "uow_factory": "uow_factory",
    "saleor": "saleor",
    "queue": "task_queue",
    "carriers": "carriers",
    "channels": "channels",
    "documents": "documents",
    "verifier": "verifier",
    "inbox": "inbox",
    "mailer": "mailer",
    "defaults": "mail_defaults",  # the deployment's SMTP server and Message-ID domain
    "radar": "radar",
    "sftp": "sftp",
    "charts": "charts",
    "billing": "billing",
    "billing_config": "billing_config",
    "endpoint_policy": "endpoint_policy",  # ALLOW_PRIVATE_HTTP_HOSTS, for the vendor form
    "portal": "portal",
    "rate_limiter": "rate_limiter",
}


class UseCases:
    """Every use case with its ports bound (cosmicpython's ``inject_dependencies``).

    ``container.use_cases.send_purchase_order(installation_id=..., po_id=..., actor=...)``: a
    view or a task passes ids and form values, by keyword; the ports come from the container,
    matched by parameter name (``PORT_PARTS``), when the use case is looked up (so a part the
    tests replace on a running app is the one used).
    """

    def __init__(self, container: Container) -> None:
        self._container = container

    def bind(self, service: Callable[..., T]) -> Callable[..., T]:
        ports = {
            name: getattr(self._container, PORT_PARTS[name]) for name in _port_parameters(service)
        }
        return functools.partial(service, **ports)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        service = USE_CASES.get(name)
        if service is None:
            raise AttributeError(f"no use case {name!r}")
        return self.bind(service)


@cache
def _port_parameters(service: Callable[..., Any]) -> tuple[str, ...]:
    return tuple(name for name in inspect.signature(service).parameters if name in PORT_PARTS)


def purchase_order_channels(
    mailer: Mailer,
    documents: DocumentRenderer,
    defaults: MailDefaults,
    edi: PurchaseOrderChannel | None = None,
    http: PurchaseOrderChannel | None = None,
) -> Channels:
    """The channel of each integration kind the app sends over (the vendor portal: later)."""
    channels: dict[IntegrationKind, PurchaseOrderChannel] = {
        IntegrationKind.EMAIL: EmailChannel(mailer, documents, defaults)
    }
    if edi is not None:
        channels[IntegrationKind.EDI] = edi
    if http is not None:
        channels[IntegrationKind.HTTP] = http
    return channels


def mail_defaults(settings: Settings) -> MailDefaults:
    """The deployment's SMTP server (SMTP_* variables), and APP_URL's host for Message-IDs."""
    smtp = None
    if settings.smtp_host:
        smtp = SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            username=settings.smtp_username,
            password=settings.smtp_password,
            security=settings.smtp_security,
            timeout_seconds=settings.outbound_timeout_seconds,
        )
    host = settings.app_url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
    return MailDefaults(smtp=smtp, message_domain=host)


def billing_config(settings: Settings) -> BillingConfig:
    """The deployment's tiers and module prices (BILLING_* and STRIPE_* settings)."""
    tier_prices = {
        price_id: tier
        for tier, price_id in enumerate(settings.stripe_tier_price_ids, start=1)
        if price_id
    }
    module_prices = {Module.AUTOMATIC_ORDER_PROCESSING: settings.stripe_automation_price_id}
    return BillingConfig(
        stripe_enabled=bool(settings.stripe_secret_key),
        catalogue=BillingCatalogue(
            tier_prices=tier_prices,
            module_prices={m: p for m, p in module_prices.items() if p},
        ),
        tier_names=settings.billing_tier_names,
        tier_prices=settings.billing_tier_prices,
        module_price_labels={Module.AUTOMATIC_ORDER_PROCESSING: settings.automation_price_label},
        grace=timedelta(days=settings.billing_grace_days),
        app_url=settings.app_url,
    )


def _recheck_schema_later(task_queue: TaskQueue) -> Callable[[str], None]:
    """After Saleor refused a document as invalid, read its schema again in the worker."""

    def enqueue(api_url: str) -> None:
        try:
            task_queue.enqueue(tasks.RECHECK_SHOP_SCHEMA, api_url=api_url)
        except QueueUnavailable:
            logger.warning("could not queue a schema re-check for %s", api_url)

    return enqueue


def build_container(settings: Settings, **overrides: Any) -> Container:
    """Wire the adapters; keyword overrides replace any of them (tests pass fakes)."""
    engine = overrides.pop("engine", None) or build_engine(settings.database_url)
    cipher = TokenCipher(settings.secret_key)
    installation_cache = InstallationCache(ttl_seconds=5.0)
    celery = overrides.pop("celery", None) or build_celery(
        settings.celery_broker_url, always_eager=settings.celery_always_eager
    )
    task_queue = overrides.pop("task_queue", None) or CeleryTaskQueue(celery)
    parts: dict[str, Any] = {
        "settings": settings,
        "engine": engine,
        "cipher": cipher,
        "uow_factory": lambda: SqlAlchemyUnitOfWork(engine, cipher, installation_cache),
        "saleor": SaleorHttpGateway(
            documents=load_documents(settings.graphql_dir),
            subscriptions=load_documents(settings.webhooks_dir),
            timeout=settings.outbound_timeout_seconds,
            read_retries=settings.saleor_read_retries,
            backoff_seconds=settings.saleor_retry_backoff_seconds,
            schema_store=ShopSchemaStore(engine),
            on_validation_error=_recheck_schema_later(task_queue),
        ),
        "verifier": SaleorSignatureVerifier(settings.dashboard_token_leeway_seconds),
        "inbox": SqlDeliveryInbox(engine, cipher, installation_cache),
        "celery": celery,
        "task_queue": task_queue,
        "mailer": SmtpMailer(
            private_hosts_allowed=settings.allow_private_smtp_hosts,
            trusted_hosts=frozenset({settings.smtp_host} - {""}),
        ),
        "documents": TemplateDocuments(
            budget=RenderBudget(
                seconds=settings.template_render_seconds,
                max_bytes=settings.template_max_bytes,
                memory_bytes=settings.template_memory_bytes,
            )
        ),
        "mail_defaults": mail_defaults(settings),
        "carriers": TrackingNumberCarriers(),
        "radar": StripeRadar(
            timeout_seconds=settings.stripe_timeout_seconds, api_base=settings.stripe_api_base
        ),
        "billing": StripeBilling(
            secret_key=settings.stripe_secret_key,
            webhook_secret=settings.stripe_webhook_secret,
            tolerance_seconds=settings.stripe_webhook_tolerance_seconds,
            timeout_seconds=settings.outbound_timeout_seconds,
            api_base=settings.stripe_api_base,
        ),
        "billing_config": billing_config(settings),
        "portal": PortalConfig(
            app_url=settings.app_url,
            requests_per_token=settings.portal_requests_per_token,
            requests_per_address=settings.portal_requests_per_address,
            window_seconds=settings.portal_rate_window_seconds,
        ),
        "sftp": AsyncsshTransport(
            timeout_seconds=settings.outbound_timeout_seconds,
            private_hosts_allowed=settings.allow_private_sftp_hosts,
        ),
        "endpoint_policy": EndpointPolicy(settings.allow_private_http_hosts),
        "http_poster": RequestsPoster(private_hosts_allowed=settings.allow_private_http_hosts),
    }
    unknown = set(overrides) - set(parts) - {"channels"}
    if unknown:
        raise TypeError(f"unknown container parts: {sorted(unknown)}")
    parts.update(overrides)
    if "channels" not in parts:  # built from the (possibly overridden) mailer and documents
        parts["channels"] = purchase_order_channels(
            parts["mailer"],
            parts["documents"],
            parts["mail_defaults"],
            edi=EdiChannel(parts["uow_factory"], parts["sftp"]),
            http=HttpChannel(parts["http_poster"]),
        )
    return Container(**parts)
