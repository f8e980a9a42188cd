"""Gunicorn's access log with the vendor portal's link secrets masked (``/portal/<token>``
becomes ``/portal/[redacted]``) in every atom a log format may use: the request line, path,
query, Referer, and the request's headers and environment (ADR 22)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from app.adapters.logs import redact


class RedactingAccessLogger(Logger):  # type: ignore[misc]
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}
