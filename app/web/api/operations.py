"""For operators: readiness and Prometheus figures (liveness, /healthz, is in app_pages)."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from app.errors import NotFound, Unauthenticated
from app.web import container

blueprint = Blueprint("operations", __name__)


@blueprint.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Database reachable, migrations at head, broker reachable; 503 naming what is down."""
    problems = container().readiness_problems()
    if problems:
        return jsonify({"status": "unavailable", "problems": problems}), 503
    return jsonify({"status": "ready"})


@blueprint.get("/metrics")
def metrics_page() -> ResponseReturnValue:
    """Prometheus text format; off (404) unless METRICS_TOKEN is set, then a bearer token."""
    settings = container().settings
    if not settings.metrics_token:
        raise NotFound("Metrics are off: set METRICS_TOKEN.")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not hmac.compare_digest(given.encode(), settings.metrics_token.encode()):
        raise Unauthenticated("Metrics need the bearer token METRICS_TOKEN.")
    body, content_type = container().metrics_exposition()
    return Response(body, content_type=content_type)
