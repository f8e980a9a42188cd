"""The order page's "Purchase orders" widget over HTTP: lines, vendors, POs and their actions.

Data is arranged through the services; the order comes from the fake Saleor via refresh_order.
Every action answers with the whole widget and an outcome banner.
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import requests
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select, update

from app.adapters.db import tables
from app.adapters.saleor.parsing import parse_order
from app.adapters.task_queue import QueueUnavailable
from app.domain.orders import DropShipState
from app.domain.purchase_orders import POStatus
from app.domain.vendors import Vendor
from app.services import tasks
from app.services.orders import refresh_order, view_order
from app.services.product_vendors import save_product_vendor
from app.services.purchase_orders import list_purchase_orders
from app.services.vendors import save_vendor
from tests.builders import global_id, make_line, make_order
from tests.gate import approve_review, paid
from tests.servers.fake_saleor import FakeSaleor

ORDER_NUMBER = "1042"
UPDATED_AT = "2026-11-29T00:38:28.546601+00:00"


@dataclass
class Shop:
    fake: FakeSaleor
    live: object
    app: object
    installation_id: int
    order_id: str
    shirt_line: str  # Acme (default, email) or Bolt (manual)
    mug_line: str  # Bolt only
    acme: int
    bolt: int

    @property
    def uow_factory(self):
        return self.live.container.uow_factory


def _installation(live, api_url):
    with live.container.uow_factory() as uow:
        return uow.installations.get_active_by_api_url(api_url)


def _product_line(name: str, sku: str, quantity: int, product_id: str) -> dict:
    line = make_line(sku=sku, quantity=quantity, productName=name, variantName="M")
    line["variant"]["product"] = {"id": product_id, "name": name}
    return line


def _arrange_shop(
    fake, live, app, *, status="UNFULFILLED", extra_lines=(), ready_to_ship=True
) -> Shop:
    """Two vendors, their products, and an order stored from the fake Saleor. Ready to ship:
    charged and its risk review approved (it passes the gate to vendors); else as it arrives,
    authorised, not charged and not reviewed."""
    installation = _installation(live, fake.api_url)
    uow_factory = live.container.uow_factory
    acme = save_vendor(
        uow_factory,
        installation.id,
        {"name": "Acme", "code": "ACME", "currency": "USD", "emails_to": "orders@acme.test"},
    )
    bolt = save_vendor(
        uow_factory,
        installation.id,
        {"name": "Bolt Supply", "code": "BOLT", "currency": "USD", "integration": "manual"},
    )
    shirt, mug = global_id("Product", 501), global_id("Product", 502)
    for vendor, product, cost, default in (
        (acme, shirt, "12.50", True),
        (bolt, shirt, "14.00", False),
        (bolt, mug, "3.25", True),
    ):
        save_product_vendor(
            uow_factory,
            installation.id,
            {
                "vendor_id": vendor.id,
                "product_id": product,
                "unit_cost": cost,
                "is_default": default,
            },
        )
    lines = [
        _product_line("Polygon Shirt", "SHIRT-M", 2, shirt),
        _product_line("Dark Mug", "MUG-1", 1, mug),
        *extra_lines,
    ]
    order = make_order(
        number=ORDER_NUMBER,
        lines=lines,
        status=status,
        updatedAt=UPDATED_AT,
        authorizeStatus="FULL",
    )
    fake.add_order(paid(order) if ready_to_ship else order)
    refresh_order(uow_factory, live.container.saleor, installation, order["id"])
    if ready_to_ship:
        approve_review(uow_factory, installation.id, order["id"])
    return Shop(
        fake, live, app, installation.id, order["id"], lines[0]["id"], lines[1]["id"], acme.id,
        bolt.id,
    )  # fmt: skip


@pytest.fixture
def shop(installed) -> Shop:
    fake, live, app = installed
    return _arrange_shop(fake, live, app)


# --- helpers --------------------------------------------------------------------------------


def open_widget(shop: Shop, order_id: str | None = None, **token_claims) -> requests.Response:
    token = shop.fake.issue_dashboard_token(shop.app, email="staff@example.com", **token_claims)
    data = {
        "saleorApiUrl": shop.fake.api_url,
        "accessToken": token,
        "appId": shop.app.app_id,
        "orderId": shop.order_id if order_id is None else order_id,
    }
    return requests.post(f"{shop.live.url}/widgets/order", data=data, timeout=10)


def field(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no {name} field in the page"
    return html.unescape(match.group(1))


def act(shop: Shop, page: str, path: str, **fields: str) -> requests.Response:
    """Submit a widget form the way the page does: context, orderId and drawn_at from the page."""
    data = {name: field(page, name) for name in ("context", "orderId", "drawn_at")}
    data.update(fields)
    return requests.post(f"{shop.live.url}{path}", data=data, timeout=30)


def banner(page: str) -> str:
    match = re.search(r'<div id="outcome".*?</div>', page, re.S)
    assert match, "no outcome banner"
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(match.group(0))).split())


def line_block(page: str, line_id: str) -> str:
    match = re.search(rf'data-line-id="{re.escape(line_id)}">(.*?)</li>', page, re.S)
    assert match, f"line {line_id} not shown"
    return match.group(1)


def selected_vendor(page: str, line_id: str) -> str:
    block = line_block(page, line_id)
    match = re.search(r'<option value="([^"]*)"\s+selected', block)
    assert match, "no option selected"
    return match.group(1)


def po_statuses(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-po-number="([^"]+)" data-status="([^"]+)"', page))


def pos(shop: Shop):
    return list_purchase_orders(shop.uow_factory, shop.installation_id, shop.order_id)


def order_state(shop: Shop) -> DropShipState:
    view = view_order(shop.uow_factory, shop.installation_id, shop.order_id)
    assert view is not None
    return view.snapshot.state


def create_button_disabled(page: str) -> bool:
    match = re.search(r'<button type="submit" name="send" value="1"[^>]*>', page)
    assert match
    return "disabled" in match.group(0)


def pending_notes(shop: Shop) -> list[str]:
    """Notes Saleor has not accepted yet, oldest first."""
    notes = tables.order_notes
    with shop.live.container.engine.connect() as connection:
        return list(
            connection.execute(
                select(notes.c.text)
                .where(notes.c.saleor_order_id == shop.order_id, notes.c.sent_at.is_(None))
                .order_by(notes.c.id)
            ).scalars()
        )


def queued(shop: Shop, task: str) -> list[dict]:
    return [kwargs for name, kwargs in shop.live.container.task_queue.tasks if name == task]


# --- showing the order ----------------------------------------------------------------------


def test_widget_lists_lines_with_their_default_vendor_selected(shop):
    page = open_widget(shop)

    assert page.status_code == 200
    assert "Order #1042 · unfulfilled · 2 lines" in page.text
    assert '<span class="badge state-new" id="order-state"' in page.text
    assert "Polygon Shirt" in page.text and "SKU SHIRT-M · Qty 2" in page.text
    assert selected_vendor(page.text, shop.shirt_line) == str(shop.acme)
    assert selected_vendor(page.text, shop.mug_line) == str(shop.bolt)
    assert "Acme · 12.50 USD" in line_block(page.text, shop.shirt_line)
    assert "Bolt Supply · 14.00 USD" in line_block(page.text, shop.shirt_line)
    assert "Not drop-shipped" in line_block(page.text, shop.mug_line)
    assert field(page.text, "drawn_at") == UPDATED_AT
    assert not create_button_disabled(page.text)
    assert "No purchase orders yet." in page.text
    assert "accessToken" not in page.text and "Bearer" not in page.text


def test_unknown_order_says_to_wait(shop):
    page = open_widget(shop, order_id=global_id("Order", 999))

    assert page.status_code == 200
    assert "This order has not reached the app yet: wait a moment and reload." in page.text
    assert "Create PO(s)" not in page.text


def test_product_without_vendors_says_where_to_add_one(installed):
    fake, live, app = installed
    loose = _product_line("Loose Socks", "SOCK-1", 3, global_id("Product", 777))
    shop = _arrange_shop(fake, live, app, extra_lines=[loose])

    page = open_widget(shop)

    block = line_block(page.text, loose["id"])
    assert "No vendor: add one in the product's Vendors widget." in block
    assert "<select" not in block


# --- choosing vendors -----------------------------------------------------------------------


def test_changing_a_line_vendor_saves_it_and_redraws(shop):
    page = open_widget(shop).text

    answer = act(
        shop, page, "/widgets/order/lines/vendor", line_id=shop.shirt_line, vendor_id=str(shop.bolt)
    )

    assert answer.status_code == 200
    assert banner(answer.text) == "Vendor saved Polygon Shirt goes to Bolt Supply."
    assert selected_vendor(answer.text, shop.shirt_line) == str(shop.bolt)
    assert selected_vendor(open_widget(shop).text, shop.shirt_line) == str(shop.bolt)


def test_a_line_can_be_taken_out_of_drop_shipping(shop):
    page = open_widget(shop).text

    answer = act(shop, page, "/widgets/order/lines/vendor", line_id=shop.mug_line, vendor_id="none")

    assert banner(answer.text) == "Vendor saved Dark Mug is not drop-shipped."
    assert selected_vendor(answer.text, shop.mug_line) == "none"


def test_a_vendor_that_does_not_ship_the_product_is_refused(shop):
    page = open_widget(shop).text

    answer = act(
        shop, page, "/widgets/order/lines/vendor", line_id=shop.mug_line, vendor_id=str(shop.acme)
    )

    assert answer.status_code == 400
    assert banner(answer.text) == "Nothing was changed That vendor does not ship Dark Mug."
    assert selected_vendor(answer.text, shop.mug_line) == str(shop.bolt)


# --- creating POs ---------------------------------------------------------------------------


def test_create_and_send_makes_one_po_per_vendor(shop):
    page = open_widget(shop).text

    answer = act(shop, page, "/widgets/order/purchase-orders", send="1")

    assert answer.status_code == 200
    assert banner(answer.text) == (
        "2 PO(s) created 1042-1 (Acme), 1042-2 (Bolt Supply). Its POs are on their way."
    )
    assert po_statuses(answer.text) == {"1042-1": "created", "1042-2": "created"}
    assert [(po.number, po.vendor_name) for po in pos(shop)] == [
        ("1042-1", "Acme"),
        ("1042-2", "Bolt Supply"),
    ]
    assert order_state(shop) is DropShipState.IN_PROCESS
    assert '<span class="badge state-in_process" id="order-state"' in answer.text
    # Only the email vendor's PO is queued for sending; the write-back note is queued once
    acme_po = pos(shop)[0]
    assert [(k["po_id"], k["actor"]) for k in queued(shop, tasks.SEND_PURCHASE_ORDER)] == [
        (acme_po.id, "staff@example.com")
    ]
    assert queued(shop, tasks.WRITE_BACK_ORDER) == [
        {"installation_id": shop.installation_id, "order_id": shop.order_id}
    ]
    assert pending_notes(shop) == ["Drop-ship PO(s) created: 1042-1 (Acme), 1042-2 (Bolt Supply)."]
    # Lines now show their PO instead of a vendor select; nothing is left to order
    assert "On PO 1042-1" in line_block(answer.text, shop.shirt_line)
    assert "<select" not in line_block(answer.text, shop.shirt_line)
    assert create_button_disabled(answer.text)
    assert "Nothing left to order" in answer.text


def test_create_without_send_queues_no_send(shop):
    page = open_widget(shop).text

    answer = act(shop, page, "/widgets/order/purchase-orders", send="0")

    assert banner(answer.text) == "2 PO(s) created 1042-1 (Acme), 1042-2 (Bolt Supply)."
    assert queued(shop, tasks.SEND_PURCHASE_ORDER) == []
    assert len(queued(shop, tasks.WRITE_BACK_ORDER)) == 1


def test_double_submit_creates_no_second_po(shop):
    page = open_widget(shop).text
    act(shop, page, "/widgets/order/purchase-orders", send="1")

    again = act(shop, page, "/widgets/order/purchase-orders", send="1")

    assert again.status_code == 400
    assert banner(again.text) == (
        "Nothing was changed Every drop-shipped line is already on a purchase order."
    )
    assert [po.number for po in pos(shop)] == ["1042-1", "1042-2"]
    assert len(queued(shop, tasks.SEND_PURCHASE_ORDER)) == 1
    assert len(queued(shop, tasks.WRITE_BACK_ORDER)) == 1


def test_stale_form_is_refused_and_changes_nothing(shop):
    page = open_widget(shop).text
    # Saleor changed the order after the widget was drawn
    order = dict(shop.fake.store.get_order(shop.order_id), updatedAt="2026-11-30T09:00:00+00:00")
    with shop.uow_factory() as uow:
        uow.orders.save(shop.installation_id, parse_order(order))
        uow.commit()

    create = act(shop, page, "/widgets/order/purchase-orders", send="1")
    choose = act(
        shop, page, "/widgets/order/lines/vendor", line_id=shop.shirt_line, vendor_id=str(shop.bolt)
    )

    for answer in (create, choose):
        assert answer.status_code == 409
        assert banner(answer.text).startswith("Nothing was changed This order changed since")
        # the redrawn widget carries the new drawn_at, so the next try works
        assert field(answer.text, "drawn_at") == "2026-11-30T09:00:00+00:00"
    assert pos(shop) == []
    assert order_state(shop) is DropShipState.NEW
    assert selected_vendor(open_widget(shop).text, shop.shirt_line) == str(shop.acme)
    assert shop.live.container.task_queue.tasks == []


def test_vendor_without_email_is_refused_with_what_to_do(shop):
    with shop.uow_factory() as uow:
        broken = uow.vendors.add(
            shop.installation_id,
            Vendor(name="Mailless", code="MAILLESS", currency="USD", emails_to=()),
        )
        uow.commit()
    save_product_vendor(
        shop.uow_factory,
        shop.installation_id,
        {"vendor_id": broken.id, "product_id": global_id("Product", 502), "unit_cost": "2.00"},
    )
    page = open_widget(shop).text
    page = act(
        shop, page, "/widgets/order/lines/vendor", line_id=shop.mug_line, vendor_id=str(broken.id)
    ).text

    answer = act(shop, page, "/widgets/order/purchase-orders", send="1")

    assert answer.status_code == 400
    assert banner(answer.text) == (
        "Nothing was changed Mailless has no order email: add one on the Vendors page."
    )
    assert pos(shop) == []
    assert shop.live.container.task_queue.tasks == []


def test_cancelled_order_cannot_be_ordered(installed):
    fake, live, app = installed
    shop = _arrange_shop(fake, live, app, status="CANCELED")
    page = open_widget(shop).text
    assert create_button_disabled(page)
    assert "This order is canceled: no PO can be created." in page

    answer = act(shop, page, "/widgets/order/purchase-orders", send="1")

    assert answer.status_code == 400
    assert banner(answer.text) == (
        "Nothing was changed This order is canceled: no PO can be created."
    )
    assert pos(shop) == []


def test_order_with_no_vendor_chosen_has_nothing_to_order(shop):
    page = open_widget(shop).text
    for line in (shop.shirt_line, shop.mug_line):
        page = act(shop, page, "/widgets/order/lines/vendor", line_id=line, vendor_id="none").text

    assert create_button_disabled(page)
    assert "No line has a vendor: choose one above to order it." in page


# --- PO actions -----------------------------------------------------------------------------


def _created(shop: Shop, send: str = "0") -> str:
    return act(shop, open_widget(shop).text, "/widgets/order/purchase-orders", send=send).text


def test_actions_offered_follow_each_po_status(shop):
    page = _created(shop)
    acme_po, bolt_po = pos(shop)

    def actions_of(po_id: int) -> set[str]:
        return set(re.findall(rf"/widgets/order/purchase-orders/{po_id}/([a-z-]+)", page))

    assert actions_of(acme_po.id) == {
        "send", "mark-sent", "cancel", "file", "shipping-cost", "vendor-link"
    }  # fmt: skip
    assert actions_of(bolt_po.id) == {  # no Send
        "mark-sent", "cancel", "file", "shipping-cost", "vendor-link"
    }  # fmt: skip
    assert "History (1)" in page
    assert "staff@example.com · created: 1 line(s), 25.00 USD" in page


def test_send_queues_the_email_vendor_po(shop):
    page = _created(shop)
    acme_po = pos(shop)[0]

    answer = act(shop, page, f"/widgets/order/purchase-orders/{acme_po.id}/send")

    assert banner(answer.text) == "Sending PO 1042-1 is being sent to Acme."
    [send] = queued(shop, tasks.SEND_PURCHASE_ORDER)
    assert (send["po_id"], send["installation_id"]) == (acme_po.id, shop.installation_id)


def test_send_of_a_manual_vendor_po_says_what_to_do(shop):
    page = _created(shop)
    bolt_po = pos(shop)[1]

    answer = act(shop, page, f"/widgets/order/purchase-orders/{bolt_po.id}/send")

    assert answer.status_code == 400
    assert "Bolt Supply takes POs by hand: download the PO, send it, then mark it as sent." in (
        banner(answer.text)
    )
    assert queued(shop, tasks.SEND_PURCHASE_ORDER) == []


def test_mark_sent_records_how_and_when(shop):
    page = _created(shop)
    bolt_po = pos(shop)[1]

    answer = act(shop, page, f"/widgets/order/purchase-orders/{bolt_po.id}/mark-sent")

    assert answer.status_code == 200
    assert banner(answer.text) == "Marked as sent PO 1042-2 to Bolt Supply is marked as sent."
    assert po_statuses(answer.text)["1042-2"] == "sent"
    assert re.search(r"Sent by hand · \d\d \w{3} \d{4}, \d\d:\d\d UTC", answer.text)
    assert pos(shop)[1].status is POStatus.SENT
    assert (
        pending_notes(shop)[-1] == "PO 1042-2 marked as sent to Bolt Supply by staff@example.com."
    )
    # a sent manual PO offers neither Send nor Mark as sent any more
    assert f"/purchase-orders/{bolt_po.id}/mark-sent" not in answer.text
    assert f"/purchase-orders/{bolt_po.id}/send" not in answer.text


def test_cancel_requires_a_reason_and_then_frees_the_lines(shop):
    page = _created(shop)
    acme_po = pos(shop)[0]

    refused = act(shop, page, f"/widgets/order/purchase-orders/{acme_po.id}/cancel", reason="  ")

    assert refused.status_code == 400
    assert banner(refused.text) == "Nothing was changed Give a reason to cancel the PO."
    assert pos(shop)[0].status is POStatus.CREATED

    answer = act(
        shop, page, f"/widgets/order/purchase-orders/{acme_po.id}/cancel", reason="Out of stock"
    )

    assert answer.status_code == 200
    assert banner(answer.text) == (
        "PO cancelled PO 1042-1 to Acme is cancelled; its lines can be ordered again."
    )
    assert po_statuses(answer.text) == {"1042-1": "cancelled", "1042-2": "created"}
    assert "cancelled: Out of stock" in answer.text  # history
    assert selected_vendor(answer.text, shop.shirt_line) == str(shop.acme)  # select is back
    assert not create_button_disabled(answer.text)
    again = act(shop, answer.text, "/widgets/order/purchase-orders", send="0")
    assert banner(again.text) == "1 PO(s) created 1042-3 (Acme)."


@pytest.mark.parametrize(
    ("kind", "content_type", "start"),
    [
        pytest.param("pdf", "application/pdf", b"%PDF-", id="pdf_case"),
        pytest.param("csv", "text/csv", b"po_number,order_number,", id="csv_case"),
    ],
)
def test_download_returns_the_file(shop, kind, content_type, start):
    page = _created(shop)
    acme_po = pos(shop)[0]

    answer = act(shop, page, f"/widgets/order/purchase-orders/{acme_po.id}/file/{kind}")

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith(content_type)
    assert answer.headers["Content-Disposition"] == f'attachment; filename="PO-1042-1.{kind}"'
    assert answer.content.startswith(start)


def test_download_of_an_unknown_kind_redraws_the_widget(shop):
    page = _created(shop)
    acme_po = pos(shop)[0]

    answer = act(shop, page, f"/widgets/order/purchase-orders/{acme_po.id}/file/xlsx")

    assert answer.status_code == 400
    assert banner(answer.text) == "Nothing was changed Choose PDF, CSV or packing slip."


# --- order-level actions --------------------------------------------------------------------


def test_confirm_an_unconfirmed_order(installed):
    fake, live, app = installed
    shop = _arrange_shop(fake, live, app, status="UNCONFIRMED")
    page = open_widget(shop).text
    assert "Confirm order" in page

    answer = act(shop, page, "/widgets/order/confirm")

    assert answer.status_code == 200
    assert banner(answer.text) == "Order confirmed Saleor now shows it as unfulfilled."
    assert 'data-refresh-entity="1"' in answer.text
    assert "Confirm order" not in answer.text
    assert fake.store.get_order(shop.order_id)["status"] == "UNFULFILLED"


def test_complete_needs_a_reason_while_lines_are_unfulfilled(shop):
    page = _created(shop)
    assert "Complete order" in page
    notes_before = pending_notes(shop)

    refused = act(shop, page, "/widgets/order/complete", reason="")

    assert refused.status_code == 400
    assert "Not yet fulfilled: Polygon Shirt, Dark Mug." in banner(refused.text)
    assert order_state(shop) is DropShipState.IN_PROCESS
    assert pending_notes(shop) == notes_before

    answer = act(shop, page, "/widgets/order/complete", reason="Customer collected in store")

    note = "Drop-ship order complete (staff@example.com): Customer collected in store"
    assert banner(answer.text) == f"Order complete {note}"
    assert order_state(shop) is DropShipState.COMPLETE
    assert pending_notes(shop)[-1] == note
    assert "Complete order" not in answer.text


class BrokerDown:
    """A task queue whose broker refuses every task (as CeleryTaskQueue does when it is down)."""

    def enqueue(self, task: str, **arguments) -> None:
        raise QueueUnavailable("The task queue is unavailable: connection refused")


def test_complete_with_the_broker_down_keeps_the_note_for_the_sweep(shop):
    page = _created(shop)
    with shop.live.container.engine.begin() as connection:  # the earlier notes were written
        connection.execute(update(tables.order_notes).values(sent_at=datetime.now(UTC)))
    shop.live.container.task_queue = BrokerDown()

    answer = act(shop, page, "/widgets/order/complete", reason="Collected")

    assert answer.status_code == 200
    assert banner(answer.text) == (
        "Order complete Drop-ship order complete (staff@example.com): Collected"
    )
    assert order_state(shop) is DropShipState.COMPLETE
    assert pending_notes(shop) == ["Drop-ship order complete (staff@example.com): Collected"]


# --- who may see and act --------------------------------------------------------------------


@pytest.fixture
def other_shop(shop):
    with FakeSaleor() as other:
        other.rotate_key()  # fakes share one key per process; real Saleors each have their own
        other_app = other.install_app(shop.live.manifest_url)
        token = other.issue_dashboard_token(other_app)
        page = requests.post(
            f"{shop.live.url}/widgets/order",
            data={"saleorApiUrl": other.api_url, "accessToken": token, "orderId": shop.order_id},
            timeout=10,
        )
        yield page


def test_another_installation_cannot_see_or_act_on_the_first_shop_pos(shop, other_shop):
    _created(shop)
    acme_po, bolt_po = pos(shop)
    writes_before = list(shop.live.container.task_queue.tasks)

    # B's widget for A's order id shows nothing of A
    assert other_shop.status_code == 200
    assert "This order has not reached the app yet" in other_shop.text
    assert "1042" not in other_shop.text and "Acme" not in other_shop.text
    # B's context cannot act on A's POs or order
    context = field(other_shop.text, "context")
    base = f"{shop.live.url}/widgets/order/purchase-orders"
    form = {"context": context, "orderId": shop.order_id}
    answers = [
        requests.post(f"{base}/{acme_po.id}/cancel", data={**form, "reason": "x"}, timeout=10),
        requests.post(f"{base}/{bolt_po.id}/mark-sent", data=form, timeout=10),
        requests.post(f"{base}/{acme_po.id}/send", data=form, timeout=10),
        requests.post(f"{base}/{acme_po.id}/file/pdf", data=form, timeout=10),
        requests.post(f"{shop.live.url}/widgets/order/purchase-orders", data=form, timeout=10),
    ]
    assert [a.status_code for a in answers] == [404, 404, 404, 404, 404]
    assert all("%PDF" not in a.text and "1042-1" not in a.text for a in answers)
    assert [po.status for po in pos(shop)] == [POStatus.CREATED, POStatus.CREATED]
    assert shop.live.container.task_queue.tasks == writes_before


def test_expired_token_gets_the_401_page(shop):
    page = open_widget(shop, expires_in=-120)

    assert page.status_code == 401
    assert "expired" in page.text
    assert "user-email" not in page.text and "Polygon Shirt" not in page.text


def _resigned_context(shop: Shop, page: str, *, age: int = 0, permissions=None) -> str:
    """The page's context signed again as the app does, ``age`` seconds old (white-box)."""
    settings = shop.live.container.settings

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age

    serializer = URLSafeTimedSerializer(
        settings.secret_key, salt="dashboard-context", signer=Signer
    )
    data = serializer.loads(field(page, "context"))
    if permissions is not None:
        data["permissions"] = permissions
    return serializer.dumps(data)


def test_expired_context_gets_the_401_page_and_changes_nothing(shop):
    page = open_widget(shop).text
    age = shop.live.container.settings.dashboard_context_ttl_seconds + 60

    answer = requests.post(
        f"{shop.live.url}/widgets/order/purchase-orders",
        data={
            "context": _resigned_context(shop, page, age=age),
            "orderId": shop.order_id,
            "send": "1",
        },
        timeout=10,
    )

    assert answer.status_code == 401
    assert "This page has been open too long: reload it." in answer.text
    assert pos(shop) == []


def test_context_without_manage_orders_gets_the_403_page(shop):
    page = open_widget(shop).text
    context = _resigned_context(shop, page, permissions=["MANAGE_PRODUCTS"])

    answer = requests.post(
        f"{shop.live.url}/widgets/order/purchase-orders",
        data={"context": context, "orderId": shop.order_id, "send": "1"},
        timeout=10,
    )

    assert answer.status_code == 403
    assert "You need the MANAGE_ORDERS permission for this action." in answer.text
    assert pos(shop) == []


def test_token_without_manage_orders_gets_the_403_page(shop):
    page = open_widget(shop, user_permissions=["MANAGE_PRODUCTS"])

    assert page.status_code == 403
    assert "MANAGE_ORDERS" in page.text and "Polygon Shirt" not in page.text


def test_refresh_reads_the_order_from_saleor_and_stores_it(shop):
    page = open_widget(shop).text
    assert 'title="Status in Saleor">Saleor: Unfulfilled<' in page
    # changed in Saleor directly: no webhook reaches the app
    with shop.fake.store.lock:
        stored = shop.fake.store.get_order(shop.order_id)
        stored["status"], stored["updatedAt"] = "CANCELED", "2026-11-30T09:00:00+00:00"
    assert "Saleor: Unfulfilled<" in open_widget(shop).text  # the app's copy is older

    answer = act(shop, page, "/widgets/order/refresh")

    assert answer.status_code == 200
    assert 'title="Status in Saleor">Saleor: Canceled<' in answer.text
    assert "This order is canceled: no PO can be created." in answer.text
    assert field(answer.text, "drawn_at") == "2026-11-30T09:00:00+00:00"
    view = view_order(shop.uow_factory, shop.installation_id, shop.order_id)
    assert (view.snapshot.status, view.snapshot.updated_at) == (
        "CANCELED",
        "2026-11-30T09:00:00+00:00",
    )
    assert [c.operation_name for c in shop.fake.requests][-1] == "OrderDetails"


def test_refresh_when_saleor_cannot_be_reached_keeps_the_copy_and_says_so(shop):
    page = open_widget(shop).text
    shop.fake.fail_next_graphql(503, count=10)

    answer = act(shop, page, "/widgets/order/refresh")

    assert answer.status_code == 503
    assert banner(answer.text).startswith("Nothing was changed")
    assert "Saleor: Unfulfilled<" in answer.text


def test_a_confirmation_saleor_refuses_answers_502_with_saleors_message(installed):
    fake, live, app = installed
    shop = _arrange_shop(fake, live, app, status="UNCONFIRMED")
    page = open_widget(shop).text
    with fake.store.lock:  # confirmed in the dashboard; the app has not heard yet
        fake.store.get_order(shop.order_id)["status"] = "UNFULFILLED"

    answer = act(shop, page, "/widgets/order/confirm")

    assert answer.status_code == 502
    assert banner(answer.text) == (
        "Nothing was changed Saleor refused OrderConfirm: Provided order id belongs to an order "
        "with status different than unconfirmed."
    )
    view = view_order(shop.uow_factory, shop.installation_id, shop.order_id)
    assert view.snapshot.status == "UNCONFIRMED"  # nothing stored from a refusal
