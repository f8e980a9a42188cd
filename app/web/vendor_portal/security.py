"""What every portal answer carries, and the form token that ties a POST to its link.

The pages are opened from an email, never framed, and carry a secret in their URL: no framing,
a strict CSP (no script at all, styles from our own origin), no Referer, nothing cached.
A POST must carry the form token of the page it came from (an HMAC over the link's hash with
the app's secret key, valid a day), and must not come from another site (Origin when the
browser names one, Sec-Fetch-Site).
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.domain.portal_links import token_hash
from app.errors import NotAllowed

PREFIX = "/portal/"
FORM_TOKEN_MAX_AGE = 24 * 3600
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}
FORM_REFUSED = (
    "This form has expired or did not come from this page: reload the page and try again."
)


def add_portal_headers(response: Response) -> Response:
    """Set on every answer under /portal/ (pages, files, errors, unknown paths)."""
    if request.path.startswith(PREFIX):
        for name, value in HEADERS.items():
            response.headers[name] = value
    return response


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.secret_key or "",
        salt="vendor-portal-form",
        signer_kwargs={"digest_method": hashlib.sha256},
    )


def form_token(token: str) -> str:
    """The hidden field of every form on the page of ``token``."""
    return _serializer().dumps(token_hash(token)[:32])


def check_form(token: str, app_url: str) -> None:
    """Refuse (403) a POST without this link's form token or from another origin."""
    # With "Referrer-Policy: no-referrer" browsers send "Origin: null" for our own forms; the
    # fetch metadata still says where a post came from.
    origin = request.headers.get("Origin", "null")
    ours = (_origin(app_url), request.host_url.rstrip("/"), "null")
    if origin not in ours or request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise NotAllowed(FORM_REFUSED)
    posted = request.form.get("form_token", "")
    try:
        bound = _serializer().loads(posted, max_age=FORM_TOKEN_MAX_AGE)
    except BadSignature:
        raise NotAllowed(FORM_REFUSED) from None
    if bound != token_hash(token)[:32]:
        raise NotAllowed(FORM_REFUSED)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
