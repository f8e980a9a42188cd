"""POs to HTTP vendors: the JSON document, signed, POSTed to the vendor's endpoint.

Every attempt of one revision carries the same ``Idempotency-Key`` (the send's key) and a fresh
timestamp and signature. 2xx: sent. 5xx, 408, 425, 429, timeouts and connection errors: tried
again with the dispatch's backoff. Any other answer (4xx, a redirect): "send failed" with the
status and the start of the vendor's answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from app.domain.vendor_po_json import encode_document, purchase_order_document, signed_headers
from app.domain.vendor_shipping import ShippingInstructions
from app.services.channels import SendRefused
from app.services.document_sets import po_context
from app.services.http_ports import HttpAnswer, HttpPoster, VendorUnavailable
from app.services.outbound import RETRY_PROMISE
from app.services.ports import PurchaseOrderMessage

USER_AGENT = "Saleor-Dropship/1 (purchase orders; see docs/vendor-api.md)"
RETRIED_STATUSES = frozenset({408, 425, 429})
MAX_EXCERPT = 200
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]+")


def answer_excerpt(body: bytes, secrets: tuple[str, ...] = ()) -> str:
    """The start of the vendor's answer as one printable line (at most ``MAX_EXCERPT``
    characters); anything equal to one of ``secrets`` is blanked out."""
    text = body.decode("utf-8", errors="replace")
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    text = " ".join(_UNPRINTABLE.sub(" ", text).split())
    return text if len(text) <= MAX_EXCERPT else text[: MAX_EXCERPT - 1].rstrip() + "…"


def _said(answer: HttpAnswer, secrets: tuple[str, ...]) -> str:
    excerpt = answer_excerpt(answer.body, secrets)
    return f": {excerpt}" if excerpt else ""


def check_answer(answer: HttpAnswer, secrets: tuple[str, ...] = ()) -> None:
    """Sort the vendor's answer: return for 2xx, raise ``VendorUnavailable`` (retry) or
    ``SendRefused`` (send failed) with what the vendor said."""
    status = answer.status
    if 200 <= status < 300:
        return
    if status >= 500 or status in RETRIED_STATUSES:
        raise VendorUnavailable(
            f"The vendor's endpoint answered HTTP {status}{_said(answer, secrets)}{RETRY_PROMISE}"
        )
    if 300 <= status < 400:
        where = answer_excerpt(answer.location.encode(), secrets)
        raise SendRefused(
            f"The vendor's endpoint answered HTTP {status}, a redirect"
            f"{' to ' + where if where else ''}, which is not followed: enter the final URL on"
            " the vendor page, then resend."
        )
    raise SendRefused(
        f"The vendor's endpoint refused the PO with HTTP {status}{_said(answer, secrets)}"
    )


class HttpChannel:
    """Implements PurchaseOrderChannel for HTTP vendors."""

    via = "http"

    def __init__(
        self, poster: HttpPoster, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._poster = poster
        self._clock = clock

    def body(self, message: PurchaseOrderMessage, sent_at: datetime) -> bytes:
        """The JSON document of the revision being sent, as the bytes that are signed."""
        po, vendor = message.po, message.vendor
        context = po_context(po, vendor, message.settings)
        document = purchase_order_document(
            po,
            send_id=message.idempotency_key,
            vendor_code=vendor.code,
            buyer_name=context.shop_name,
            buyer_email=context.merchant_email,
            notes=context.po_notes,
            shipping=context.shipping or ShippingInstructions(po.requested_service, po.ship_by),
            show_prices=context.show_prices,
            sent_at=sent_at,
        )
        return encode_document(document)

    def send(self, message: PurchaseOrderMessage) -> None:
        """Raises ``SendRefused``/``VendorRefused`` (send failed) or ``VendorUnavailable``."""
        endpoint = message.vendor.http
        if not endpoint.is_set_up:
            raise SendRefused(
                "This vendor's endpoint URL is not set up: enter it on the vendor page, then"
                " resend."
            )
        now = self._clock()
        body = self.body(message, now)
        secret = endpoint.signing_secret
        headers = signed_headers(secret, int(now.timestamp()), body, message.idempotency_key)
        headers["User-Agent"] = USER_AGENT
        answer = self._poster.post(endpoint.url, body, headers, endpoint.timeout_seconds)
        check_answer(answer, (secret, headers["X-Dropship-Signature"]))
