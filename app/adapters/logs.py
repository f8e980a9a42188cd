"""Logging: one JSON object per line in production, plain text in development.

Every line carries the shop's domain and, where they apply, the order, PO and delivery ids
(set per request and per task with ``log_context``). Secrets never reach a line: bearer
tokens and the values registered with ``never_log`` are masked by a filter on every handler.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

CONTEXT_FIELDS = ("shop", "order_id", "po_id", "delivery_id")
_context: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("log_context")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_secrets: set[str] = set()
# Vendor portal links carry their secret in the path (access logs, error lines): ADR 22.
_PORTAL_TOKEN = re.compile(r"(/portal/(?:v/)?)[A-Za-z0-9_-]{20,}")
MASK = "[redacted]"


@contextmanager
def log_context(**values: object) -> Iterator[None]:
    """Add ``shop``, ``order_id``, ``po_id`` or ``delivery_id`` to the lines logged inside."""
    current = dict(_context.get({}))
    current.update({k: str(v) for k, v in values.items() if v not in (None, "")})
    token = _context.set(current)
    try:
        yield
    finally:
        _context.reset(token)


def set_log_context(**values: object) -> None:
    """Start a request's or a task's context afresh (threads and workers are reused)."""
    _context.set({k: str(v) for k, v in values.items() if v not in (None, "")})


def shop_domain(api_url: str) -> str:
    """``shop.example.com`` for ``https://shop.example.com/graphql/``."""
    return api_url.split("://", 1)[-1].split("/", 1)[0]


def never_log(*values: str) -> None:
    """Mask these values (secret keys, passwords) wherever they would appear in a line."""
    _secrets.update(v for v in values if v and len(v) >= 6)


def redact(text: str) -> str:
    text = _BEARER.sub(lambda match: match.group(1) + MASK, text)
    text = _PORTAL_TOKEN.sub(lambda match: match.group(1) + MASK, text)
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class ContextFilter(logging.Filter):
    """Puts the context on each record and masks secrets in its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get({})
        for name in CONTEXT_FIELDS:
            setattr(record, name, context.get(name, ""))
        message = redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, "")
            if value:
                line[name] = value
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        context = " ".join(
            f"{name}={getattr(record, name)}"
            for name in CONTEXT_FIELDS
            if getattr(record, name, "")
        )
        text = super().format(record)
        return f"{text} [{context}]" if context else text


def configure_logging(level: str, *, json_lines: bool) -> None:
    """Root handler on stderr with the context filter; replaces earlier handlers."""
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        JsonFormatter()
        if json_lines
        else TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_dropship", False):
            root.removeHandler(existing)
    handler._dropship = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
