"""The app page's Purchase orders tab over HTTP, signed in with real dashboard tokens of the
fake Saleor: filters, search, paging, bulk actions with their confirmation, CSV, PDF."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from app.domain.installations import Installation, SaleorApiUrl
from app.domain.po_list import PAGE_SIZE
from app.domain.purchase_orders import POStatus
from app.services.vendors import save_vendor
from tests.builders import make_po_line, make_purchase_order
from tests.html import element, text
from tests.integration.web.test_vendor_pages import _get, _installation_id, _post
from tests.integration.web.test_vendor_pages import staff as staff  # the fixture

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _seed(live, fake, count=3, vendor_name="Acme Supply", code="ACME", integration="email"):
    installation_id = _installation_id(live, fake)
    uow_factory = live.container.uow_factory
    vendor = save_vendor(
        uow_factory,
        installation_id,
        {
            "name": vendor_name,
            "code": code,
            "currency": "EUR",
            "integration": integration,
            "emails_to": "po@acme.test" if integration == "email" else "",
            "lead_time_days": "2",
        },
    )
    created = []
    with uow_factory() as uow:
        for n in range(1, count + 1):
            po = make_purchase_order(
                number=f"{code}-{n}",
                order_number=str(100 + n),
                saleor_order_id=f"T3JkZXI6{code}{n}",
                vendor_id=vendor.id,
                vendor_name=vendor.name,
                created_at=START + timedelta(hours=n),
                lines=[make_po_line(f"{code}-SKU-{n}", f"V{n}", "Shirt", "M", 1, "5.00")],
            )
            created.append(uow.purchase_orders.add(installation_id, po))
        uow.commit()
    return created


def _numbers(page: str) -> list[str]:
    return re.findall(r'<tr id="po-row-\d+" data-number="([^"]+)"', page)


def test_the_tab_lists_the_shops_pos_newest_first_with_links_to_their_orders(staff):
    fake, live, context = staff
    _seed(live, fake)
    answer = _get(live, context, "/app/purchase-orders")
    assert answer.status_code == 200
    assert _numbers(answer.text) == ["ACME-3", "ACME-2", "ACME-1"]
    assert 'data-dashboard-path="/orders/T3JkZXI6ACME3"' in answer.text
    assert 'aria-current="page">Purchase orders' in answer.text


def test_filters_and_search_travel_as_query_parameters(staff):
    fake, live, context = staff
    _seed(live, fake)
    _seed(live, fake, count=2, vendor_name="Beta Goods", code="BETA", integration="manual")
    found = _get(live, context, "/app/purchase-orders?q=BETA-SKU-2")
    assert _numbers(found.text) == ["BETA-2"]
    by_order = _get(live, context, "/app/purchase-orders?q=%23101")
    assert sorted(_numbers(by_order.text)) == ["ACME-1", "BETA-1"]
    none = _get(live, context, "/app/purchase-orders?status=shipped")
    assert "No purchase order matches these filters." in none.text


def test_bad_filters_answer_400_with_the_fields_message(staff):
    fake, live, context = staff
    answer = _get(live, context, "/app/purchase-orders?from=yesterday&status=lost&after=%%%")
    assert answer.status_code == 400
    assert "Use a date like 2026-12-01." in answer.text
    assert "Choose a status from the list." in answer.text
    assert "This page link is not valid." in answer.text


def test_the_next_page_link_carries_the_filters_and_a_cursor(staff):
    fake, live, context = staff
    _seed(live, fake, count=PAGE_SIZE + 1)
    first = _get(live, context, "/app/purchase-orders?sort=oldest")
    assert len(_numbers(first.text)) == PAGE_SIZE
    href = element(first.text, "next-page")["href"]
    assert "sort=oldest" in href and "after=" in href
    second = _get(live, context, href)
    assert _numbers(second.text) == [f"ACME-{PAGE_SIZE + 1}"]
    assert "next-page" not in second.text
    assert element(second.text, "first-page")["href"] == "/app/purchase-orders?sort=oldest"


def test_a_bulk_action_asks_first_then_changes_each_po(staff):
    fake, live, context = staff
    pos = _seed(live, fake, count=2, integration="manual", code="MAN", vendor_name="By Hand")
    chosen = {"bulk_action": "mark_sent", "po": [str(po.id) for po in pos]}
    asked = _post(live, context, "/app/purchase-orders/bulk", chosen)
    assert asked.status_code == 200
    assert "Mark as sent 2 POs?" in text(asked.text, "bulk-confirm")
    with live.container.uow_factory() as uow:
        assert uow.purchase_orders.get(_installation_id(live, fake), pos[0].id).status is (
            POStatus.CREATED
        )
    done = _post(live, context, "/app/purchase-orders/bulk", {**chosen, "confirm": "1"})
    assert "2 POs marked as sent" in done.text
    with live.container.uow_factory() as uow:
        statuses = {
            uow.purchase_orders.get(_installation_id(live, fake), po.id).status for po in pos
        }
    assert statuses == {POStatus.SENT}


def _other_shops_po(live) -> tuple[int, int]:
    """(installation id, PO id) of a PO of another shop in the same database."""
    uow_factory = live.container.uow_factory
    with uow_factory() as uow:
        other = uow.installations.save(
            Installation(
                saleor_api_url=SaleorApiUrl("https://other.example.com/graphql/"),
                app_id="QXBwOjk=",
                token="t",
                jwks={},
            )
        )
        uow.commit()
    vendor = save_vendor(
        uow_factory,
        other.id,
        {"name": "Theirs", "code": "T", "currency": "EUR", "emails_to": "t@t.test"},
    )
    with uow_factory() as uow:
        po = uow.purchase_orders.add(other.id, make_purchase_order(vendor_id=vendor.id))
        uow.commit()
    return other.id, po.id


def test_a_bulk_cancel_needs_a_reason_and_never_touches_another_shops_po(staff):
    fake, live, context = staff
    pos = _seed(live, fake, count=1)
    other_shop, theirs = _other_shops_po(live)
    no_reason = _post(
        live, context, "/app/purchase-orders/bulk", {"bulk_action": "cancel", "po": str(pos[0].id)}
    )
    assert no_reason.status_code == 400
    assert "Give a reason to cancel" in no_reason.text
    answer = _post(
        live,
        context,
        "/app/purchase-orders/bulk",
        {
            "bulk_action": "cancel",
            "po": [str(pos[0].id), str(theirs)],
            "reason": "x",
            "confirm": "1",
        },
    )
    assert "1 PO cancelled" in answer.text
    assert "This purchase order does not exist." in text(answer.text, "bulk-refused")
    with live.container.uow_factory() as uow:
        assert uow.purchase_orders.get(other_shop, theirs).status is POStatus.CREATED


def test_the_export_is_the_filtered_list_as_csv(staff):
    fake, live, context = staff
    _seed(live, fake, count=3)
    answer = _get(live, context, "/app/purchase-orders/export?sort=oldest&q=ACME-2")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == 'attachment; filename="purchase-orders.csv"'
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(row["po_number"], row["total"], row["vendor"]) for row in rows] == [
        ("ACME-2", "5.00", "Acme Supply")
    ]


def test_a_pos_pdf_downloads_from_its_row(staff):
    fake, live, context = staff
    pos = _seed(live, fake, count=1)
    answer = _post(live, context, f"/app/purchase-orders/{pos[0].id}/pdf")
    assert answer.status_code == 200
    assert answer.content.startswith(b"%PDF")
    assert answer.headers["Content-Disposition"] == 'attachment; filename="PO-ACME-1.pdf"'


def test_without_the_dashboards_context_the_list_is_refused(staff):
    fake, live, _ = staff
    _seed(live, fake, count=1)
    for path in ("/app/purchase-orders", "/app/purchase-orders/export"):
        assert _get(live, "forged", path).status_code == 401
    assert _post(live, "forged", "/app/purchase-orders/bulk", {}).status_code == 401
