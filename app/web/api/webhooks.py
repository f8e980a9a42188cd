"""Webhook ingest: verify, record once in the inbox, answer in milliseconds."""

from __future__ import annotations

import json
import time

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue

from app.bootstrap import count_delivery_received
from app.domain.webhooks import WebhookEvent
from app.errors import AppError, NotFound, TooLarge
from app.services.deliveries import IngestOutcome, WebhookRequest
from app.web import container

blueprint = Blueprint("webhooks", __name__)

_EVENTS_BY_SLUG = {event.slug: event for event in WebhookEvent}
# The answer of each outcome, serialised once.
_ANSWERS = {
    outcome: json.dumps({"success": True, "outcome": outcome.value}).encode()
    for outcome in IngestOutcome
}


@blueprint.post("/api/webhooks/<slug>")
def receive(slug: str) -> ResponseReturnValue:
    event = _EVENTS_BY_SLUG.get(slug)
    if event is None:
        raise NotFound(f"No webhook endpoint {slug!r}.")
    parts = container()
    limit = parts.settings.max_webhook_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge(f"The body is larger than {limit} bytes.")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise TooLarge(f"The body is larger than {limit} bytes.")
    started, outcome = time.perf_counter(), "error"
    try:
        result = parts.use_cases.ingest_webhook(
            request=WebhookRequest(
                endpoint_event=event,
                api_url=request.headers.get("Saleor-Api-Url", ""),
                event_header=request.headers.get("Saleor-Event", ""),
                signature=request.headers.get("Saleor-Signature", ""),
                body=body,
            ),
            jwks_refetch_seconds=parts.settings.jwks_refetch_interval_seconds,
        )
        outcome = result.outcome.value
    except AppError as error:
        outcome = error.code.value
        raise
    finally:
        count_delivery_received(event.value, outcome, time.perf_counter() - started)
    return current_app.response_class(_ANSWERS[result.outcome], mimetype="application/json")
