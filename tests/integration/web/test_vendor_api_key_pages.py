"""The vendor page's API key over HTTP: created and rotated (shown once), revoked; the key the
page shows is the one the vendor API takes."""

from __future__ import annotations

import html
import re

import requests

from app.services.vendors import save_vendor

API = "/api/vendor/v1/purchase-orders/NO-SUCH-PO"


def _context(fake, live, app) -> str:
    token = fake.issue_dashboard_token(app, email="merchant@shop.example")
    session = requests.post(
        f"{live.url}/app/session", json={"token": token, "saleorApiUrl": fake.api_url}, timeout=5
    )
    assert session.status_code == 200
    return session.json()["context"]


def _vendor(live, fake):
    with live.container.uow_factory() as uow:
        shop = uow.installations.get_active_by_api_url(fake.api_url).id
    data = {"name": "Acme Supply", "code": "ACME", "currency": "USD", "integration": "manual"}
    return save_vendor(live.container.uow_factory, shop, data)


def _page(live, context, path, method="get"):
    answer = getattr(requests, method)(
        f"{live.url}{path}", headers={"X-Dashboard-Context": context}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer


def _shown_key(page) -> str | None:
    found = re.search(r'<code id="api-key-plaintext">([^<]+)</code>', page.text)
    return html.unescape(found.group(1)) if found else None


def _api_status(live, key) -> int:
    headers = {"Authorization": f"Bearer {key}"}
    return requests.get(f"{live.url}{API}", headers=headers, timeout=5).status_code


def test_a_key_is_shown_once_rotated_and_revoked_from_the_vendor_page(installed):
    fake, live, app = installed
    vendor = _vendor(live, fake)
    context = _context(fake, live, app)
    edit = f"/app/vendors/{vendor.id}"

    before = _page(live, context, edit)
    created = _page(live, context, f"{edit}/api-key", "post")
    again = _page(live, context, edit)
    rotated = _page(live, context, f"{edit}/api-key", "post")

    first, second = _shown_key(created), _shown_key(rotated)
    assert 'id="create-api-key"' in before.text
    assert first is not None and second is not None and first != second
    assert _shown_key(again) is None  # shown once: never again
    assert f"dsk_{first.split('_')[1]}_…" in again.text
    assert created.headers["Cache-Control"] == "no-store"
    # The vendor API knows the key (the PO is not found, but the key was taken)...
    assert (_api_status(live, first), _api_status(live, second)) == (401, 404)

    revoked = _page(live, context, f"{edit}/api-key/revoke", "post")

    assert "The API key was revoked" in revoked.text
    assert 'id="create-api-key"' in revoked.text
    assert _api_status(live, second) == 401
