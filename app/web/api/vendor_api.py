"""The vendor API, /api/vendor/v1/: a vendor's system reads its POs, acknowledges them and posts
shipments with its API key (docs/vendor-api.md, "Posting back to the shop").

JSON only; bodies bounded; ``Authorization: Bearer dsk_…``; every refusal is
``{"error": {"code", "message", "fields"?}}``. The OpenAPI description is served as stored in
the repository (docs/schemas/vendor-api.openapi.json) and checked by the tests.
"""

from __future__ import annotations

import json
import time
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, g, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from app.domain.errors import DomainValidationError, ErrorCode, RuleViolation
from app.domain.vendor_answers import is_clean_text
from app.domain.vendor_api import clean_idempotency_key, request_fingerprint
from app.domain.vendor_api_keys import VendorCaller
from app.errors import AppError, Retryable
from app.services.vendor_api import ApiAnswer, IdempotencyConflict, VendorRequest
from app.web import container, log_app_error, use_cases

blueprint = Blueprint("vendor_api", __name__, url_prefix="/api/vendor/v1")
WINDOW_SECONDS = 60
_PUBLIC = {"vendor_api.openapi"}


class ApiRefused(Exception):
    """A refusal with the API's own status and code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields, self.headers = fields, headers or {}


def _error(refusal: ApiRefused) -> ResponseReturnValue:
    error: dict[str, Any] = {"code": refusal.code, "message": refusal.message}
    if refusal.fields:
        error["fields"] = refusal.fields
    response = Response(json.dumps({"error": error}), refusal.status, refusal.headers)
    response.mimetype = "application/json"
    return response


@blueprint.errorhandler(ApiRefused)
def _refused(refusal: ApiRefused) -> ResponseReturnValue:
    return _error(refusal)


@blueprint.errorhandler(AppError)
def _app_error(error: AppError) -> ResponseReturnValue:
    """Refusals of the services: bad fields 422, a PO in the wrong state or a reused request
    id 409, not found 404; only an unavailable database or broker is a 5xx (503)."""
    if isinstance(error, DomainValidationError):
        refusal = ApiRefused(422, "invalid_fields", "Some fields are invalid.", error.errors)
    elif isinstance(error, IdempotencyConflict):
        refusal = ApiRefused(409, "idempotency_key_reused", error.message)
    elif isinstance(error, RuleViolation):
        refusal = ApiRefused(409, str(error.code), error.message)
    elif error.code is ErrorCode.CONFLICT:
        refusal = ApiRefused(409, "concurrent_request", error.message)
    elif isinstance(error, Retryable):
        refusal = ApiRefused(503, "unavailable", error.message, headers={"Retry-After": "5"})
    elif error.code is ErrorCode.NOT_FOUND:
        refusal = ApiRefused(404, "not_found", error.message)
    else:
        refusal = ApiRefused(422, str(error.code), error.message)
    log_app_error(request.method, request.path, refusal.status, error)
    return _error(refusal)


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 400
    code = "body_too_large" if status == 413 else error.name.lower().replace(" ", "_")
    return _error(ApiRefused(status, code, error.description or error.name))


def _retry_after() -> dict[str, str]:
    return {"Retry-After": str(WINDOW_SECONDS - int(time.time()) % WINDOW_SECONDS)}


def _limit(key: str, limit: int) -> None:
    if not container().rate_limiter.allow(key, limit, WINDOW_SECONDS):
        message = "Too many requests: wait for the time Retry-After gives."
        raise ApiRefused(429, "rate_limited", message, headers=_retry_after())


@blueprint.before_request
def _authenticate() -> None:
    """The key, then its rate limit: a missing, malformed, unknown or revoked key gets one
    answer (and counts against the address's failed logins)."""
    if request.endpoint in _PUBLIC:
        return
    settings = container().settings
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    caller = None
    if scheme.lower() == "bearer" and presented:
        caller = use_cases().authenticate_vendor(presented=presented.strip())
    if caller is None:
        _limit(
            f"vendor-api-auth:{request.remote_addr}", settings.vendor_api_auth_failures_per_minute
        )
        raise ApiRefused(
            401,
            "unauthenticated",
            "Send a valid API key: Authorization: Bearer dsk_…",
            headers={"WWW-Authenticate": 'Bearer realm="vendor-api"'},
        )
    _limit(f"vendor-api:{caller.key_id}", settings.vendor_api_requests_per_minute)
    g.vendor_caller = caller


def _caller() -> VendorCaller:
    return g.vendor_caller  # type: ignore[no-any-return]


def _po_number(po_number: str) -> str:
    if len(po_number) > 100 or not is_clean_text(po_number):
        raise ApiRefused(404, "not_found", "No such purchase order for this vendor.")
    return po_number


def _body() -> dict[str, Any]:
    if request.mimetype != "application/json":
        raise ApiRefused(
            415, "unsupported_media_type", "Send JSON (Content-Type: application/json)."
        )
    limit = container().settings.vendor_api_max_body_bytes
    data = b"" if (request.content_length or 0) > limit else request.stream.read(limit + 1)
    if len(data) > limit or (request.content_length or 0) > limit:
        raise ApiRefused(413, "body_too_large", f"The body is over {limit} bytes.")
    try:
        body = json.loads(data)
    except ValueError:  # bad JSON or bad UTF-8
        raise ApiRefused(400, "invalid_json", "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiRefused(
            422, "invalid_fields", "Send a JSON object.", {"body": "Must be an object."}
        )
    return body


def _vendor_request(body: dict[str, Any]) -> VendorRequest:
    """The vendor's own id for the request: the Idempotency-Key header, else the body's "id"."""
    header = request.headers.get("Idempotency-Key")
    given = body.get("id")
    if header is not None:
        key = clean_idempotency_key(header)
        field = "Idempotency-Key"
    elif given is not None:
        key = clean_idempotency_key(given) if isinstance(given, str) else None
        field = "id"
    else:
        key, field = None, ""
    if field and key is None:
        message = "Must be 1 to 200 visible ASCII characters."
        raise ApiRefused(422, "invalid_fields", "The request id is invalid.", {field: message})
    if header is not None and given is not None and given != key:
        message = "Differs from the Idempotency-Key header: send one or make them equal."
        raise ApiRefused(422, "invalid_fields", "Two request ids.", {"id": message})
    content = {name: value for name, value in body.items() if name != "id"}  # same either way
    return VendorRequest(key, request_fingerprint(request.method, request.path, content))


def _answer(answer: ApiAnswer) -> ResponseReturnValue:
    response = Response(answer.body, answer.status, mimetype="application/json")
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@blueprint.get("/purchase-orders/<po_number>")
def purchase_order(po_number: str) -> ResponseReturnValue:
    document = use_cases().api_purchase_order(caller=_caller(), po_number=_po_number(po_number))
    return Response(json.dumps(document), 200, mimetype="application/json")


@blueprint.post("/purchase-orders/<po_number>/acknowledgement")
def acknowledgement(po_number: str) -> ResponseReturnValue:
    body = _body()
    answer = use_cases().api_acknowledge_purchase_order(
        caller=_caller(), po_number=_po_number(po_number), body=body, request=_vendor_request(body)
    )
    return _answer(answer)


@blueprint.post("/purchase-orders/<po_number>/shipments")
def shipments(po_number: str) -> ResponseReturnValue:
    body = _body()
    answer = use_cases().api_post_shipment(
        caller=_caller(), po_number=_po_number(po_number), body=body, request=_vendor_request(body)
    )
    return _answer(answer)


@cache
def _openapi(path: Path) -> bytes:
    return path.read_bytes()


@blueprint.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3.1 description of this API (public: it holds no shop's data)."""
    return Response(
        _openapi(container().settings.vendor_api_openapi_path), 200, mimetype="application/json"
    )
