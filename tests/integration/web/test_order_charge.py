"""The order widget's "Charge $XX.XX" over HTTP against the fake Saleor's transactions and the
payment app behind them (answering as recorded in ../shared/saleor/responses/payments/).

Tasks are recorded, not run: the widget's payment panel checks a charge in flight each time it is
read (as the page's script polls it), so every outcome lands through the widget alone. The
worker's follow-up, the beat sweep and the paid webhooks are in tests/e2e/test_charges.py.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from app.adapters.db import tables
from app.services import tasks
from app.services.charges import check_payment, void_authorisations
from app.services.orders import refresh_order
from tests.builders import make_line, make_order
from tests.servers.fake_saleor import FakeSaleor
from tests.servers.fake_saleor.transactions import NOT_DELIVERED, PaymentBehaviour
from tests.servers.live_app import start_live_app

pytest_plugins = ["tests.servers.smtp_fixtures"]

STAFF = "staff@example.com"


@dataclass
class Shop:
    fake: FakeSaleor
    live: object
    app: object
    installation_id: int
    order_id: str

    @property
    def uow_factory(self):
        return self.live.container.uow_factory


def _order(fake: FakeSaleor, live, app, total: float = 25.0, currency: str = "USD") -> Shop:
    with live.container.uow_factory() as uow:
        installation = uow.installations.get_active_by_api_url(fake.api_url)
    line = make_line(quantity=1, price=total)
    line["unitPrice"]["gross"]["currency"] = currency
    order = make_order(number="34", lines=[line])
    order["total"]["gross"]["currency"] = currency
    order["channel"] = {"slug": "default-channel", "currencyCode": currency, "name": "Default"}
    fake.add_order(order)
    refresh_order(live.container.uow_factory, live.container.saleor, installation, order["id"])
    return Shop(fake, live, app, installation.id, order["id"])


@pytest.fixture
def mailing_live_app(settings, engine, task_queue, smtp_server):
    """The app whose deployment mail server is the loopback SMTP server."""
    with_smtp = replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_security="none",
        smtp_sender="orders@shop.test",
        outbound_timeout_seconds=5.0,
    )
    live = start_live_app(with_smtp, engine=engine, task_queue=task_queue)
    yield live
    live.stop()


@pytest.fixture
def shop(fake_saleor, mailing_live_app) -> Shop:
    app = fake_saleor.install_app(mailing_live_app.manifest_url)
    return _order(fake_saleor, mailing_live_app, app)


# --- helpers --------------------------------------------------------------------------------


def open_widget(shop: Shop) -> str:
    token = shop.fake.issue_dashboard_token(shop.app, email=STAFF)
    data = {
        "saleorApiUrl": shop.fake.api_url,
        "accessToken": token,
        "appId": shop.app.app_id,
        "orderId": shop.order_id,
    }
    page = requests.post(f"{shop.live.url}/widgets/order", data=data, timeout=10)
    assert page.status_code == 200, page.text
    return page.text


def field(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no {name} field in the page"
    return html.unescape(match.group(1))


def post(shop: Shop, page: str, path: str, **fields: str) -> requests.Response:
    data = {"context": field(page, "context"), "orderId": shop.order_id, **fields}
    return requests.post(f"{shop.live.url}{path}", data=data, timeout=30)


def panel(shop: Shop, page: str) -> str:
    """The payment panel as the widget's script loads it."""
    response = post(shop, page, "/widgets/order/charge/panel")
    assert response.status_code == 200, response.text
    return response.text


def panel_when(shop: Shop, page: str, outcome: str, timeout: float = 10.0) -> str:
    """Poll the panel (as the script does) until it shows ``outcome``."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        text = panel(shop, page)
        if f'data-outcome="{outcome}"' in text or time.monotonic() > deadline:
            return text
        time.sleep(0.1)


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def banner(page: str) -> str:
    match = re.search(r'<div id="outcome".*?</div>', page, re.S)
    assert match, "no outcome banner"
    return text_of(match.group(0))


def charge(shop: Shop, page: str) -> requests.Response:
    return post(shop, page, "/widgets/order/charge")


def attempts(shop: Shop) -> list:
    t = tables.payment_attempts
    with shop.live.container.engine.connect() as connection:
        return list(connection.execute(select(t).order_by(t.c.id)))


def charge_requests(shop: Shop, transaction_id: str) -> list[dict]:
    return shop.fake.transaction_events(transaction_id, "CHARGE_REQUEST")


def notes(shop: Shop) -> list[str]:
    t = tables.order_notes
    with shop.live.container.engine.connect() as connection:
        return list(
            connection.execute(
                select(t.c.text).where(t.c.saleor_order_id == shop.order_id).order_by(t.c.id)
            ).scalars()
        )


# --- before a charge ------------------------------------------------------------------------


def test_the_widget_offers_to_charge_what_is_authorised_and_not_yet_charged(shop):
    shop.fake.add_transaction(shop.order_id, authorized=25.0)
    page = open_widget(shop)

    assert 'id="charge"' in page and "/widgets/order/charge/panel" in page
    shown = panel(shop, page)
    assert "Charge $25.00" in text_of(shown)
    assert 'data-in-flight="0"' in shown


def test_the_amount_is_in_the_orders_currency(fake_saleor, mailing_live_app):
    app = fake_saleor.install_app(mailing_live_app.manifest_url)
    shop = _order(fake_saleor, mailing_live_app, app, total=1234.5, currency="EUR")
    shop.fake.add_transaction(shop.order_id)

    assert "Charge €1,234.50" in text_of(panel(shop, open_widget(shop)))


def test_an_order_already_charged_shows_paid_instead_of_the_button(shop):
    shop.fake.add_transaction(shop.order_id, authorized=0.0, charged=25.0)

    shown = panel(shop, open_widget(shop))

    assert 'id="charge-paid"' in shown and "Paid" in text_of(shown)
    assert 'id="charge-button"' not in shown


# --- outcomes -------------------------------------------------------------------------------


def test_approved_shows_the_amount_and_time_and_notes_it_on_the_order(shop):
    transaction = shop.fake.add_transaction(shop.order_id, PaymentBehaviour.approve())
    page = open_widget(shop)

    answer = charge(shop, page)

    assert answer.status_code == 200, answer.text
    assert "Charge requested" in banner(answer.text)
    assert shop.live.container.task_queue.tasks[-1][0] == tasks.TaskName.FOLLOW_PAYMENT
    shown = panel_when(shop, answer.text, "approved")
    assert "Charged $25.00" in text_of(shown) and STAFF in text_of(shown)
    assert 'id="charge-paid"' in shown
    saved = shop.fake.transaction(transaction)
    assert saved["chargedAmount"]["amount"] == 25.0
    assert len(charge_requests(shop, transaction)) == 1
    [note] = [n for n in notes(shop) if "charged" in n]
    assert "charged $25.00" in note and STAFF in note
    [row] = attempts(shop)
    assert (row.status, row.requested_by, float(row.amount)) == ("approved", STAFF, 25.0)
    assert row.finished_at is not None


def test_declined_shows_the_reason_the_customer_and_a_ready_email(shop, smtp_server):
    shop.fake.add_transaction(
        shop.order_id, PaymentBehaviour.decline("Card declined: insufficient funds")
    )
    page = charge(shop, open_widget(shop)).text

    shown = panel_when(shop, page, "declined")

    words = text_of(shown)
    assert "Declined" in words and "Card declined: insufficient funds" in words
    assert "ada.buyer@example.com" in words
    assert field(shown, "subject") == "Your order #34: please update your payment method"
    assert "$25.00" in re.search(r"<textarea[^>]*>(.*?)</textarea>", shown, re.S).group(1)
    assert 'id="charge-button"' in shown  # charge again once the customer updated it
    assert any("declined" in n and "insufficient funds" in n for n in notes(shop))

    sent = post(
        shop,
        page,
        "/widgets/order/charge/email",
        attempt_id=field(shown, "attempt_id"),
        to="ada.buyer@example.com",
        subject="Order #34: your card",
        body="Hello Ada,\r\nplease update your card.\r\n",
    )

    assert sent.status_code == 200, sent.text
    assert "Email sent" in banner(sent.text)
    [message] = smtp_server.messages
    assert message.rcpt_tos == ("ada.buyer@example.com",)
    assert message.message["Subject"] == "Order #34: your card"
    assert "please update your card." in message.message.get_content()
    assert "Email sent to ada.buyer@example.com" in text_of(panel(shop, page))


def test_a_failure_saleor_wrote_itself_is_the_payment_app_not_answering(shop):
    shop.fake.add_transaction(shop.order_id, PaymentBehaviour.timeout(delay=0.3))
    page = charge(shop, open_widget(shop)).text

    shown = panel_when(shop, page, "no_answer")

    words = text_of(shown)
    assert "The payment app did not answer" in words and NOT_DELIVERED in words
    assert "Declined" not in words and 'name="subject"' not in shown
    assert attempts(shop)[0].status == "no_answer"


def test_pending_shows_since_when_and_lands_when_the_payment_app_reports(shop):
    transaction = shop.fake.add_transaction(shop.order_id, PaymentBehaviour.pending())
    page = charge(shop, open_widget(shop)).text
    shop.fake.wait_for_payments()

    shown = panel(shop, page)

    assert 'data-in-flight="1"' in shown
    assert "Charge pending since" in text_of(shown)
    assert 'id="charge-button"' not in shown
    shop.fake.settle_pending(transaction, success=True, message="Settled")
    assert "Charged $25.00" in text_of(panel_when(shop, page, "approved"))


def test_a_500_then_a_successful_retry_is_pending_then_approved(shop):
    shop.fake.add_transaction(shop.order_id, PaymentBehaviour.http500_then_approve(delay=0.8))
    page = charge(shop, open_widget(shop)).text

    assert 'data-outcome="pending"' in panel(shop, page)
    assert 'data-outcome="approved"' in panel_when(shop, page, "approved")


@pytest.mark.parametrize(
    ("arrange", "reason"),
    [
        pytest.param(lambda fake, order: None, "no payment transaction", id="no_transaction"),
        pytest.param(
            lambda fake, order: fake.add_transaction(order, actions=("REFUND",)),
            "offers a charge",
            id="no_charge_action",
        ),
    ],
)
def test_no_gateway_says_how_to_set_one_up(shop, arrange, reason):
    arrange(shop.fake, shop.order_id)
    page = open_widget(shop)

    shown = panel(shop, page)
    answer = charge(shop, page)

    words = text_of(shown)
    assert "No payment gateway is set up for this order's channel (Default)" in words
    assert reason in words and "install a payment app" in words
    assert 'data-dashboard-path="/apps/"' in shown
    assert 'id="charge-button"' not in shown
    assert "No payment gateway" in banner(answer.text)
    assert attempts(shop)[0].status == "no_gateway"


def test_no_app_behind_the_transaction_is_no_gateway(shop):
    transaction = shop.fake.add_transaction(shop.order_id, PaymentBehaviour.no_app())
    page = open_widget(shop)

    answer = charge(shop, page)

    assert "MISSING_TRANSACTION_ACTION_REQUEST_WEBHOOK" in banner(answer.text)
    shown = panel(shop, page)
    assert "No payment gateway is set up" in text_of(shown)
    assert attempts(shop)[0].status == "no_gateway"
    # Saleor keeps the request and its own failure, and nothing else happens
    assert [e["type"] for e in shop.fake.transaction(transaction)["events"]][:2] == [
        "CHARGE_FAILURE",
        "CHARGE_REQUEST",
    ]


# --- never twice ----------------------------------------------------------------------------


def test_a_second_click_while_pending_is_refused_and_asks_saleor_nothing(shop):
    transaction = shop.fake.add_transaction(shop.order_id, PaymentBehaviour.pending())
    page = open_widget(shop)

    first = charge(shop, page)
    second = charge(shop, page)

    assert first.status_code == 200
    assert second.status_code == 409
    assert "already under way" in banner(second.text)
    assert len(charge_requests(shop, transaction)) == 1
    assert [row.status for row in attempts(shop)] == ["pending"]


def test_a_click_after_the_charge_landed_charges_nothing_more(shop):
    transaction = shop.fake.add_transaction(shop.order_id)
    page = open_widget(shop)
    charge(shop, page)
    panel_when(shop, page, "approved")

    again = charge(shop, page)

    assert "Nothing to charge" in banner(again.text)
    assert len(charge_requests(shop, transaction)) == 1
    assert shop.fake.order(shop.order_id)["chargeStatus"] == "FULL"


def test_the_amount_is_read_again_right_before_the_request(shop):
    """A partial charge made elsewhere since the widget was drawn: only the rest is asked."""
    transaction = shop.fake.add_transaction(shop.order_id)
    page = open_widget(shop)
    assert "Charge $25.00" in text_of(panel(shop, page))
    with shop.fake.store.lock:  # a capture of 10.00 made in another tool meanwhile
        stored = shop.fake.store.payments
        from tests.servers.fake_saleor.transactions import find_transaction

        order, item = find_transaction(shop.fake.store, transaction)
        stored._move(order, item, "CHARGE", 10.0)

    charge(shop, page)

    [request] = charge_requests(shop, transaction)
    assert request["amount"]["amount"] == 15.0
    assert float(attempts(shop)[0].amount) == 15.0


def test_a_timeout_after_saleor_took_the_request_is_not_asked_again(shop):
    """Saleor applied the request but answered too late: the follow-up finds the request in the
    transaction's events and waits for its result instead of charging again."""
    transaction = shop.fake.add_transaction(shop.order_id)
    page = open_widget(shop)
    timeout = shop.live.container.settings.outbound_timeout_seconds
    shop.fake.delay_next_mutation(timeout + 1)

    answer = charge(shop, page)

    assert "Charge requested" in banner(answer.text)
    assert attempts(shop)[0].status == "unknown"
    status = check_payment(
        shop.uow_factory,
        shop.live.container.saleor,
        shop.live.container.task_queue,
        shop.installation_id,
        attempts(shop)[0].id,
    )
    assert status.value in ("pending", "approved")
    panel_when(shop, page, "approved")
    assert len(charge_requests(shop, transaction)) == 1
    assert shop.fake.transaction(transaction)["chargedAmount"]["amount"] == 25.0


# --- void before a rejection ----------------------------------------------------------------


def test_void_cancels_the_authorisation_once(shop):
    transaction = shop.fake.add_transaction(shop.order_id)
    container = shop.live.container

    def void():
        return void_authorisations(
            shop.uow_factory,
            container.saleor,
            container.task_queue,
            shop.installation_id,
            shop.order_id,
            STAFF,
        )

    first = void()
    again = void()  # while the first is in flight: the same attempt, nothing asked
    shop.fake.wait_for_payments()
    check_payment(
        shop.uow_factory, container.saleor, container.task_queue, shop.installation_id, first.id
    )
    after = void()  # nothing authorised is left

    assert again.id == first.id
    assert after.status.value == "nothing_to_do"
    assert len(shop.fake.transaction_events(transaction, "CANCEL_REQUEST")) == 1
    saved = shop.fake.transaction(transaction)
    assert (saved["authorizedAmount"]["amount"], saved["canceledAmount"]["amount"]) == (0.0, 25.0)
    assert [row.status for row in attempts(shop)] == ["approved", "nothing_to_do"]
    assert any("voided" in n for n in notes(shop))


def test_a_request_saleor_never_took_is_asked_again_after_reading_its_events(shop):
    """The gateway timed out before Saleor applied anything: once the resend delay has passed,
    the follow-up reads the transaction, finds no request of this attempt, and asks again."""
    transaction = shop.fake.add_transaction(shop.order_id)
    page = open_widget(shop)
    shop.fake.stall_next_operation("TransactionRequestAction", 0.1)  # 504, unexecuted
    container = shop.live.container

    def check():
        return check_payment(
            shop.uow_factory,
            container.saleor,
            container.task_queue,
            shop.installation_id,
            attempts(shop)[0].id,
        )

    # the panel is not read here: only the follow-up decides
    answer = charge(shop, page)
    assert "Charge requested" in banner(answer.text)
    assert attempts(shop)[0].status == "unknown"
    assert charge_requests(shop, transaction) == []
    assert check().value == "unknown"  # too early to ask again
    assert charge_requests(shop, transaction) == []
    t = tables.payment_attempts
    with container.engine.begin() as connection:
        row = attempts(shop)[0]
        connection.execute(
            t.update()
            .where(t.c.id == row.id)
            .values(requested_at=row.requested_at - timedelta(seconds=31))
        )

    # two followers at once (the worker's poll, the beat, an open widget): one asks again
    barrier, results = threading.Barrier(2), []

    def follow():
        barrier.wait()
        results.append(check().value)

    followers = [threading.Thread(target=follow) for _ in range(2)]
    for follower in followers:
        follower.start()
    for follower in followers:
        follower.join(timeout=30)
    assert "pending" in results and len(results) == 2
    shop.fake.wait_for_payments()
    assert check().value == "approved"
    assert len(charge_requests(shop, transaction)) == 1
    assert shop.fake.order(shop.order_id)["chargeStatus"] == "FULL"
