"""Webhook ingest: verify, record once in the inbox, answer in milliseconds.

Saleor's deliveries are the app's hottest path, so ``WebhookIngress`` (a WSGI middleware
installed by ``create_app``) answers ``POST /api/webhooks/<event>`` before Flask builds its
request context, runs its hooks and wraps the answer (ADR 18). It does what a view would do
through the same ``receive_webhook`` below, and answers with the same bodies, status codes and
security headers as every other Flask answer. Anything else under the prefix (an unknown event,
another method, a form body) goes on to the Flask view, which calls ``receive_webhook`` too.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import IO, TYPE_CHECKING, Any

from flask import Blueprint, Flask, current_app, request
from flask import Response as FlaskResponse
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import InternalServerError
from werkzeug.wsgi import get_content_length, get_input_stream

from app.bootstrap import Container, count_delivery_received, start_log_context
from app.domain.webhooks import WebhookEvent
from app.errors import AppError, NotFound, TooLarge
from app.services.deliveries import IngestOutcome, IngestResult, WebhookRequest
from app.web import (
    UNFRAMED_POST_HEADERS,
    WEBHOOK_PREFIX,
    container,
    error_body,
    http_status,
    log_app_error,
)
from app.web.forms import FORM_MIMETYPES

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)
blueprint = Blueprint("webhooks", __name__)

_EVENTS_BY_SLUG = {event.slug: event for event in WebhookEvent}
# The answer of each outcome, serialised once.
_ANSWERS = {
    outcome: json.dumps({"success": True, "outcome": outcome.value}).encode()
    for outcome in IngestOutcome
}


def receive_webhook(
    parts: Container,
    event: WebhookEvent,
    header: Callable[[str], str],
    content_length: int | None,
    stream: IO[bytes],
) -> IngestOutcome:
    """Bound the body, hand the request to ``ingest_webhook``, count it (raises AppError)."""
    limit = parts.settings.max_webhook_body_bytes
    if content_length is not None and content_length > limit:
        raise TooLarge(f"The body is larger than {limit} bytes.")
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise TooLarge(f"The body is larger than {limit} bytes.")
    started, outcome = time.perf_counter(), "error"
    try:
        result: IngestResult = parts.use_cases.ingest_webhook(
            request=WebhookRequest(
                endpoint_event=event,
                api_url=header("Saleor-Api-Url"),
                event_header=header("Saleor-Event"),
                signature=header("Saleor-Signature"),
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
    return result.outcome


@blueprint.post("/api/webhooks/<slug>")
def receive(slug: str) -> ResponseReturnValue:
    """What the ingress passes on: an unknown event (404), a form body."""
    event = _EVENTS_BY_SLUG.get(slug)
    if event is None:
        raise NotFound(f"No webhook endpoint {slug!r}.")
    outcome = receive_webhook(
        container(),
        event,
        lambda name: request.headers.get(name, ""),
        request.content_length,
        request.stream,
    )
    return current_app.response_class(_ANSWERS[outcome], mimetype="application/json")


def _answer_headers(body: bytes) -> list[tuple[str, str]]:
    return [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        *UNFRAMED_POST_HEADERS,
    ]


_ANSWER_HEADERS = {outcome: _answer_headers(body) for outcome, body in _ANSWERS.items()}


def _environ_header(environ: WSGIEnvironment) -> Callable[[str], str]:
    def header(name: str) -> str:
        return str(environ.get("HTTP_" + name.upper().replace("-", "_"), ""))

    return header


class WebhookIngress:
    """WSGI middleware: Saleor's deliveries answered without Flask's request machinery."""

    def __init__(self, flask_app: Flask, wrapped: WSGIApplication) -> None:
        self._flask = flask_app
        self._wrapped = wrapped
        self._events = {f"{WEBHOOK_PREFIX}{slug}": event for slug, event in _EVENTS_BY_SLUG.items()}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        event = self._events.get(environ.get("PATH_INFO", ""))
        if (
            event is None
            or environ.get("REQUEST_METHOD") != "POST"
            or environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower() in FORM_MIMETYPES
        ):
            return self._wrapped(environ, start_response)
        header = _environ_header(environ)
        start_log_context(header("Saleor-Api-Url"))
        try:
            outcome = receive_webhook(
                self._flask.extensions["container"],
                event,
                header,
                get_content_length(environ),
                get_input_stream(environ),  # read up to the webhook limit only
            )
        except AppError as error:
            status = http_status(error)
            log_app_error("POST", environ["PATH_INFO"], status, error)
            return self._error(
                environ,
                start_response,
                status,
                error_body(error.message, error.code.value, error.field),
            )
        except Exception:  # the boundary Flask would be: log it, answer 500
            logger.exception("Exception on %s [POST]", environ["PATH_INFO"])
            failure = InternalServerError()
            return self._error(
                environ,
                start_response,
                500,
                error_body(str(failure.description), "internal_server_error"),
            )
        start_response("200 OK", list(_ANSWER_HEADERS[outcome]))  # a server may extend it
        return [_ANSWERS[outcome]]

    def _error(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        status: int,
        body: dict[str, Any],
    ) -> Iterable[bytes]:
        """The rare answer, built as Flask's JSON provider builds it."""
        response: FlaskResponse = self._flask.json.response(body)  # type: ignore[assignment]
        response.status_code = status
        for name, value in UNFRAMED_POST_HEADERS:
            response.headers[name] = value
        return response(environ, start_response)
