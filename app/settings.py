"""Settings read from the environment: the only module that reads ``os.environ``."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me"


class ConfigurationError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to start, validated once at start-up."""

    app_url: str
    database_url: str
    celery_broker_url: str
    secret_key: str
    allowed_saleor_api_urls: re.Pattern[str]
    environment: str = "development"
    celery_always_eager: bool = False
    max_webhook_body_bytes: int = 1_048_576
    outbound_timeout_seconds: float = 10.0
    saleor_read_retries: int = 3
    saleor_retry_backoff_seconds: float = 0.5
    dashboard_context_ttl_seconds: int = 900
    dashboard_token_leeway_seconds: int = 30
    jwks_refetch_interval_seconds: float = 60.0
    template_render_seconds: float = 2.0
    template_max_bytes: int = 1_048_576
    template_memory_bytes: int = 268_435_456
    allow_private_smtp_hosts: bool = False
    allow_private_sftp_hosts: bool = False
    allow_private_http_hosts: bool = False  # HTTP vendors' endpoints (and plain http to them)
    inbox_relay_in_worker: bool = True
    delivery_payload_retention_days: int = 30
    graphql_dir: Path = PROJECT_ROOT / "graphql"
    webhooks_dir: Path = PROJECT_ROOT / "webhooks"
    manifest_path: Path = PROJECT_ROOT / "manifest.json"
    dashboard_dir: Path = PROJECT_ROOT / "dashboard_extension"
    log_level: str = "INFO"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_security: str = "starttls"
    smtp_sender: str = ""
    metrics_token: str = field(default="", repr=False)
    metrics_dir: Path | None = None
    stripe_timeout_seconds: float = 5.0  # Radar reads in the risk review: never long
    stripe_api_base: str = ""  # empty: Stripe itself (tests: localstripe on loopback)
    # Billing of tiers and add-on modules (issue 13); no secret key: the operator sets them.
    stripe_secret_key: str = field(default="", repr=False)
    stripe_webhook_secret: str = field(default="", repr=False)
    stripe_webhook_tolerance_seconds: int = 300
    billing_tier_names: tuple[str, ...] = ("Starter", "Growth", "Professional", "Enterprise")
    billing_tier_prices: tuple[str, ...] = ("", "", "", "")  # shown as given, e.g. "$49 / month"
    stripe_tier_price_ids: tuple[str, ...] = ("", "", "", "")
    stripe_automation_price_id: str = ""
    automation_price_label: str = ""
    billing_grace_days: int = 7
    # The vendor API (issue 15): requests per key and minute, failed logins per address and
    # minute, the largest body read, and the OpenAPI description it serves.
    vendor_api_requests_per_minute: int = 120
    vendor_api_auth_failures_per_minute: int = 20
    vendor_api_max_body_bytes: int = 65_536
    vendor_api_openapi_path: Path = PROJECT_ROOT / "docs" / "schemas" / "vendor-api.openapi.json"
    # The vendor portal (issue 15): requests per link and per client address in each window.
    portal_requests_per_token: int = 120
    portal_requests_per_address: int = 600
    portal_rate_window_seconds: int = 600
    # Reverse proxies in front that append to X-Forwarded-For (0: use the socket's address).
    trusted_proxy_count: int = 0

    @property
    def is_development(self) -> bool:
        return self.environment in {"development", "test"}

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """SECRET_KEY as a comma-separated list: the first encrypts and signs, all decrypt."""
        return tuple(key.strip() for key in self.secret_key.split(",") if key.strip())


def _bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigurationError(f"{name} must be true or false, got {raw!r}")


def _whole_number(name: str, raw: str) -> int:
    if not (raw.strip().isascii() and raw.strip().isdigit()):
        raise ConfigurationError(f"{name} must be a whole number (0 or more), got {raw!r}")
    return int(raw.strip())


def _positive_number(name: str, raw: str, kind: type[int] | type[float]) -> int | float:
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be greater than zero, got {raw!r}")
    return value


def _url(name: str, raw: str) -> str:
    if not re.match(r"^https?://[^/\s]+", raw):
        raise ConfigurationError(f"{name} must be an absolute http(s) URL, got {raw!r}")
    return raw.rstrip("/")


def _pattern(name: str, raw: str) -> re.Pattern[str]:
    try:
        return re.compile(raw)
    except re.error as error:
        raise ConfigurationError(f"{name} is not a valid regular expression: {error}") from None


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    environment = env.get("APP_ENV", "development")
    if environment not in {"development", "test", "production"}:
        raise ConfigurationError(
            f"APP_ENV must be development, test or production, got {environment!r}"
        )
    development = environment != "production"

    secret_key = env.get("SECRET_KEY", "")
    if not secret_key:
        if not development:
            raise ConfigurationError("SECRET_KEY is required when APP_ENV=production")
        secret_key = DEVELOPMENT_SECRET_KEY
    elif any(len(key.strip()) < 16 for key in secret_key.split(",")):
        raise ConfigurationError(
            "SECRET_KEY must be at least 16 characters long (each key of a comma-separated list)"
        )

    allowed = env.get("ALLOWED_SALEOR_API_URLS", "")
    if not allowed:
        if not development:
            raise ConfigurationError("ALLOWED_SALEOR_API_URLS is required when APP_ENV=production")
        allowed = r"https?://(localhost|127\.0\.0\.1)(:\d+)?/graphql/"

    var_dir = Path(env.get("APP_VAR_DIR", str(DEFAULT_VAR_DIR)))
    database_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'dropship.sqlite'}"
    if "://" not in database_url:
        raise ConfigurationError(f"DATABASE_URL must be a database URL, got {database_url!r}")
    broker_url = env.get("CELERY_BROKER_URL") or f"sqla+sqlite:///{var_dir / 'celery.sqlite'}"
    if "://" not in broker_url:
        raise ConfigurationError(f"CELERY_BROKER_URL must be a broker URL, got {broker_url!r}")

    optional: dict[str, object] = _metrics(env)
    if "MAX_WEBHOOK_BODY_BYTES" in env:
        optional["max_webhook_body_bytes"] = _positive_number(
            "MAX_WEBHOOK_BODY_BYTES", env["MAX_WEBHOOK_BODY_BYTES"], int
        )
    if "OUTBOUND_TIMEOUT_SECONDS" in env:
        optional["outbound_timeout_seconds"] = _positive_number(
            "OUTBOUND_TIMEOUT_SECONDS", env["OUTBOUND_TIMEOUT_SECONDS"], float
        )
    if "DASHBOARD_CONTEXT_TTL_SECONDS" in env:
        optional["dashboard_context_ttl_seconds"] = _positive_number(
            "DASHBOARD_CONTEXT_TTL_SECONDS", env["DASHBOARD_CONTEXT_TTL_SECONDS"], int
        )
    if "JWKS_REFETCH_INTERVAL_SECONDS" in env:
        optional["jwks_refetch_interval_seconds"] = _positive_number(
            "JWKS_REFETCH_INTERVAL_SECONDS", env["JWKS_REFETCH_INTERVAL_SECONDS"], float
        )
    for name, kind in (
        ("TEMPLATE_RENDER_SECONDS", float),
        ("TEMPLATE_MAX_BYTES", int),
        ("TEMPLATE_MEMORY_BYTES", int),
        ("DELIVERY_PAYLOAD_RETENTION_DAYS", int),
        ("STRIPE_TIMEOUT_SECONDS", float),
        ("VENDOR_API_REQUESTS_PER_MINUTE", int),
        ("VENDOR_API_AUTH_FAILURES_PER_MINUTE", int),
        ("VENDOR_API_MAX_BODY_BYTES", int),
        ("PORTAL_REQUESTS_PER_TOKEN", int),
        ("PORTAL_REQUESTS_PER_ADDRESS", int),
        ("PORTAL_RATE_WINDOW_SECONDS", int),
    ):
        if name in env:
            optional[name.lower()] = _positive_number(name, env[name], kind)
    if "TRUSTED_PROXY_COUNT" in env:
        optional["trusted_proxy_count"] = _whole_number(
            "TRUSTED_PROXY_COUNT", env["TRUSTED_PROXY_COUNT"]
        )
    log_level = env.get("LOG_LEVEL", "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigurationError(
            f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}"
        )

    optional.update(_smtp_defaults(env))
    optional.update(_billing(env))
    if env.get("STRIPE_API_BASE"):
        optional["stripe_api_base"] = _url("STRIPE_API_BASE", env["STRIPE_API_BASE"])
    return Settings(
        app_url=_url("APP_URL", env.get("APP_URL", "http://localhost:8000")),
        database_url=database_url,
        celery_broker_url=broker_url,
        secret_key=secret_key,
        allowed_saleor_api_urls=_pattern("ALLOWED_SALEOR_API_URLS", allowed),
        environment=environment,
        celery_always_eager=_bool("CELERY_ALWAYS_EAGER", env.get("CELERY_ALWAYS_EAGER", "")),
        allow_private_smtp_hosts=_bool(
            "ALLOW_PRIVATE_SMTP_HOSTS", env.get("ALLOW_PRIVATE_SMTP_HOSTS", "")
        ),
        allow_private_sftp_hosts=_bool(
            "ALLOW_PRIVATE_SFTP_HOSTS", env.get("ALLOW_PRIVATE_SFTP_HOSTS", "")
        ),
        allow_private_http_hosts=_bool(
            "ALLOW_PRIVATE_HTTP_HOSTS", env.get("ALLOW_PRIVATE_HTTP_HOSTS", "")
        ),
        inbox_relay_in_worker=_bool(
            "INBOX_RELAY_IN_WORKER", env.get("INBOX_RELAY_IN_WORKER", "true")
        ),
        log_level=log_level,
        **optional,  # type: ignore[arg-type]
    )


def _metrics(env: Mapping[str, str]) -> dict[str, object]:
    """METRICS_TOKEN turns /metrics on; PROMETHEUS_MULTIPROC_DIR adds up every process."""
    values: dict[str, object] = {}
    token = env.get("METRICS_TOKEN", "")
    if token and len(token) < 16:
        raise ConfigurationError("METRICS_TOKEN must be at least 16 characters long")
    values["metrics_token"] = token
    directory = env.get("PROMETHEUS_MULTIPROC_DIR", "")
    if directory:
        if not Path(directory).is_dir():
            raise ConfigurationError(f"PROMETHEUS_MULTIPROC_DIR: no directory at {directory}")
        values["metrics_dir"] = Path(directory)
    return values


def _smtp_defaults(env: Mapping[str, str]) -> dict[str, object]:
    """SMTP_* give a single-shop deployment a mail server; shops can set their own."""
    values: dict[str, object] = {}
    if not env.get("SMTP_HOST"):
        return values
    values["smtp_host"] = env["SMTP_HOST"]
    values["smtp_port"] = _positive_number("SMTP_PORT", env.get("SMTP_PORT", "587"), int)
    values["smtp_username"] = env.get("SMTP_USERNAME", "")
    values["smtp_password"] = env.get("SMTP_PASSWORD", "")
    security = env.get("SMTP_SECURITY", "starttls").lower()
    if security not in {"starttls", "ssl", "none"}:
        raise ConfigurationError(f"SMTP_SECURITY must be starttls, ssl or none, got {security!r}")
    values["smtp_security"] = security
    sender = env.get("SMTP_SENDER", "")
    if "@" not in sender:
        raise ConfigurationError("SMTP_SENDER must be the From address when SMTP_HOST is set")
    values["smtp_sender"] = sender
    return values


def _four(name: str, raw: str) -> tuple[str, ...]:
    values = tuple(part.strip() for part in raw.split(","))
    if len(values) != 4 or any(len(value) > 200 for value in values):
        raise ConfigurationError(f"{name} must be four comma-separated values (tiers 1 to 4)")
    return values


def _billing(env: Mapping[str, str]) -> dict[str, object]:
    """STRIPE_SECRET_KEY turns billing through Stripe on; it then needs the webhook secret."""
    values: dict[str, object] = {}
    key = env.get("STRIPE_SECRET_KEY", "")
    if key:
        if not key.startswith(("sk_", "rk_")):
            raise ConfigurationError("STRIPE_SECRET_KEY must be a Stripe secret key (sk_...)")
        if not env.get("STRIPE_WEBHOOK_SECRET", "").startswith("whsec_"):
            raise ConfigurationError(
                "STRIPE_WEBHOOK_SECRET (whsec_...) is required when STRIPE_SECRET_KEY is set"
            )
        values["stripe_secret_key"] = key
        values["stripe_webhook_secret"] = env["STRIPE_WEBHOOK_SECRET"]
    for name in ("BILLING_TIER_NAMES", "BILLING_TIER_PRICES", "STRIPE_TIER_PRICE_IDS"):
        if name in env:
            values[name.lower()] = _four(name, env[name])
    for name in ("STRIPE_AUTOMATION_PRICE_ID", "AUTOMATION_PRICE_LABEL"):
        if name in env:
            values[name.lower()] = env[name].strip()[:200]
    for name in ("STRIPE_WEBHOOK_TOLERANCE_SECONDS", "BILLING_GRACE_DAYS"):
        if name in env:
            values[name.lower()] = _positive_number(name, env[name], int)
    return values
