"""Which origins may frame the app's pages: the installed shops' dashboards.

Saleor's dashboard frames the app page and POSTs each widget's form into its iframe, so the
frame's parent is the dashboard. Its origin is known two ways: the origin of each active
installation's API URL (Saleor Cloud and the standard deployment serve the dashboard from the
API's host) and, for a request whose dashboard token or signed context was verified, the
dashboard origin that request carries (the widget form's ``Origin`` header on the first POST,
then the ``dashboardOrigin`` field the app's own forms carry along). The app page's data-free
shell also names its ``Referer`` (see ``_shell_referrer_origin``).
"""

from __future__ import annotations

import re

from flask import g, request

from app.errors import Retryable
from app.web import use_cases

# The one parser of a dashboard origin in the web layer: scheme, host name or bracketed IPv6
# address, optional port; no path, no user info.
_ORIGIN = re.compile(
    r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:\d{1,5})?$"
)


def is_origin(value: str) -> bool:
    """``value`` is exactly an origin such as ``https://shop.example.com:9000``."""
    return bool(_ORIGIN.match(value))


def carried_origin() -> str:
    """The dashboard origin a widget request carries: its ``dashboardOrigin`` field (the app's
    own forms), else the ``Origin`` header of the dashboard's first POST; never the app's own."""
    own = request.host_url.rstrip("/")
    for value in (request.form.get("dashboardOrigin", ""), request.origin or ""):
        value = value.strip()
        if is_origin(value) and value != own:
            return value
    return ""


def origin_of(url: str) -> str | None:
    """``https://shop.example.com/graphql/`` → ``https://shop.example.com``."""
    match = re.match(r"^(https?://[^/?#\s]+)", url)
    return match.group(1) if match and is_origin(match.group(1)) else None


def _verified_request_origin() -> str | None:
    """The dashboard origin this request carries, only once its user was verified."""
    if g.get("dashboard_user") is None:
        return None
    return carried_origin() or None


def framing_origins() -> list[str]:
    """Origins allowed in ``frame-ancestors`` for a dashboard page, sorted, without repeats."""
    try:
        api_urls = use_cases().active_api_urls()
    except Retryable:  # the database is down: the page is an error page anyway
        api_urls = []
    origins = {origin for url in api_urls if (origin := origin_of(url))}
    carried = _verified_request_origin() or _shell_referrer_origin()
    if carried:
        origins.add(carried)
    return sorted(origins)


def _shell_referrer_origin() -> str | None:
    """The app page's shell (``GET /app``) is framed by a dashboard the app cannot know yet: the
    frame's ``Referer`` (origin only, the browser's default policy) names it. The shell holds no
    data; it gets a token only from that parent over AppBridge, and every page with data is then
    fetched with the signed context, so a foreign parent gains nothing from framing it."""
    if request.method != "GET" or request.path != "/app" or not request.referrer:
        return None
    return origin_of(request.referrer)
