"""Composition root: builds every adapter from Settings. Web, worker, CLI and tests use it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import Celery
from sqlalchemy import Engine

from app.adapters.bounded_render import RenderBudget
from app.adapters.carriers import TrackingNumberCarriers
from app.adapters.crypto import TokenCipher
from app.adapters.db.engine import build_engine
from app.adapters.db.installation_cache import InstallationCache
from app.adapters.db.shop_schemas import ShopSchemaStore
from app.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from app.adapters.documents import TemplateDocuments
from app.adapters.email_smtp import SmtpMailer
from app.adapters.saleor.documents import load_documents
from app.adapters.saleor.gateway import SaleorHttpGateway
from app.adapters.saleor.signatures import SaleorSignatureVerifier
from app.adapters.task_queue import CeleryTaskQueue, QueueUnavailable, build_celery
from app.domain.vendors import IntegrationKind
from app.services import tasks
from app.services.channels import EmailChannel, MailDefaults
from app.services.dispatch import Channels
from app.services.ports import (
    CarrierDetector,
    DocumentRenderer,
    Mailer,
    SaleorGateway,
    SmtpSettings,
    TaskQueue,
)
from app.services.unit_of_work import UnitOfWork
from app.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    engine: Engine
    cipher: TokenCipher
    uow_factory: Callable[[], UnitOfWork]
    saleor: SaleorGateway
    verifier: SaleorSignatureVerifier
    celery: Celery
    task_queue: TaskQueue
    mailer: Mailer
    documents: DocumentRenderer
    mail_defaults: MailDefaults
    carriers: CarrierDetector
    channels: Channels  # one PurchaseOrderChannel per vendor integration kind that sends


def purchase_order_channels(
    mailer: Mailer, documents: DocumentRenderer, defaults: MailDefaults
) -> Channels:
    """The channel of each integration kind the app sends over (EDI, HTTP, portal: later)."""
    return {IntegrationKind.EMAIL: EmailChannel(mailer, documents, defaults)}


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
    }
    unknown = set(overrides) - set(parts) - {"channels"}
    if unknown:
        raise TypeError(f"unknown container parts: {sorted(unknown)}")
    parts.update(overrides)
    if "channels" not in parts:  # built from the (possibly overridden) mailer and documents
        parts["channels"] = purchase_order_channels(
            parts["mailer"], parts["documents"], parts["mail_defaults"]
        )
    return Container(**parts)
