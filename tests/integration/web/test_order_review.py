"""The risk review in the order widget over HTTP: the verdict with its reasons and settings,
Approve (orderConfirm reaches the fake Saleor) and Reject (orderCancel and a note), each with
its confirmation and recorded with the staff user and time; and the Settings page section."""

from __future__ import annotations

import re

import pytest
import requests

from app.domain.risk.scoring import Decision
from app.services import tasks
from app.services.risk_reviews import risk_review
from tests.builders import make_address, make_line
from tests.integration.web.test_order_widget import (
    Shop,
    _arrange_shop,
    act,
    banner,
    field,
    open_widget,
    pending_notes,
    queued,
)
from tests.integration.web.test_settings_page import staff as staff  # the fixture
from tests.servers.fake_saleor import FakeSaleor

STAFF = "staff@example.com"


def _review(shop: Shop):
    return shop.live.container.use_cases.review_order_risk(
        installation_id=shop.installation_id, order_id=shop.order_id
    )


def _risky_shop(installed, status: str = "UNFULFILLED") -> Shop:
    """The widget's usual order, made risky: shipped to a PO box in another country, with a
    high quantity, as a guest."""
    fake, live, app = installed
    shop = _arrange_shop(
        fake,
        live,
        app,
        status=status,
        extra_lines=[make_line(sku="BULK", quantity=25)],
        ready_to_ship=False,
    )
    with fake.store.lock:
        order = fake.store.get_order(shop.order_id)
        order["shippingAddress"] = make_address(
            companyName="",
            streetAddress1="PO Box 4411",
            country={"code": "CA"},
            postalCode="H2X 1Y4",
        )
        order["billingAddress"] = make_address(companyName="")
        order["user"] = None
    _review(shop)
    return shop


def review_block(page: str) -> str:
    match = re.search(r'<section class="ow-review" id="risk-review".*?</section>', page, re.S)
    assert match, "no risk review in the widget"
    return match.group(0)


def words(html_text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html_text).split())


def reasons(page: str) -> list[tuple[str, str]]:
    return re.findall(r'data-reason="([^"]+)" data-weight="(\d+)"', review_block(page))


def test_the_widget_leads_with_the_verdict_its_reasons_and_the_settings(installed):
    shop = _risky_shop(installed)

    page = open_widget(shop).text

    block = review_block(page)
    assert page.index('id="risk-review"') < page.index("<h2>Lines</h2>")
    assert 'data-verdict="high"' in block and 'data-score="65"' in block
    assert reasons(page) == [
        ("country_mismatch", "25"),
        ("po_box", "15"),
        ("high_quantity", "15"),
        ("guest_checkout", "10"),
    ]
    text = words(block)
    assert "High risk Score 65 / 100" in text
    assert (
        "+25 Billing country (US) differs from shipping country (CA). "
        "(Billing and shipping countries differ)"
    ) in text
    assert "+15 High quantity of one variant: 25 of Blue Polygon Shirt M." in text
    assert "Settings used: review from 30, high from 60;" in text
    assert "Approve…" in text and "Reject…" in text


def test_an_order_not_reviewed_yet_says_so_and_can_be_queued(installed):
    fake, live, app = installed
    shop = _arrange_shop(fake, live, app, ready_to_ship=False)

    page = open_widget(shop).text

    assert "Not reviewed yet" in words(review_block(page))
    answer = act(shop, page, "/widgets/order/review/run")
    assert banner(answer.text) == "Review queued Refresh in a moment to see the new verdict."
    assert queued(shop, tasks.REVIEW_ORDER_RISK) == [
        {"installation_id": shop.installation_id, "order_id": shop.order_id}
    ]


def test_approve_needs_the_confirmation_then_confirms_the_order_in_saleor(installed):
    shop = _risky_shop(installed, status="UNCONFIRMED")
    page = open_widget(shop).text
    assert "approve it and confirm it in Saleor" in words(review_block(page))

    refused = act(shop, page, "/widgets/order/review/approve")
    assert refused.status_code == 400
    assert banner(refused.text) == "Nothing was changed Tick the box to confirm."
    assert shop.fake.store.get_order(shop.order_id)["status"] == "UNCONFIRMED"

    answer = act(shop, page, "/widgets/order/review/approve", confirm="1")

    assert answer.status_code == 200
    assert banner(answer.text) == (
        "Order approved Review done; Saleor shows the order as unfulfilled."
    )
    assert shop.fake.store.get_order(shop.order_id)["status"] == "UNFULFILLED"
    events = [e["type"] for e in shop.fake.store.get_order(shop.order_id).get("events") or []]
    assert events.count("CONFIRMED") == 1
    decided = risk_review(shop.uow_factory, shop.installation_id, shop.order_id)
    assert decided.decision is Decision.APPROVED and decided.decided_by == STAFF
    assert decided.decided_at is not None
    decision = words(re.search(r'<p id="risk-decision".*?</p>', answer.text, re.S).group(0))
    assert decision.startswith(f"Approved by {STAFF}, ")
    assert pending_notes(shop) == [f"Risk review approved by {STAFF} (score 65, high risk)."]

    again = act(shop, page, "/widgets/order/review/approve", confirm="1")  # a second tab
    assert again.status_code == 400
    assert banner(again.text) == f"Nothing was changed This order was already approved by {STAFF}."
    assert events.count("CONFIRMED") == 1


def test_approve_of_a_confirmed_order_only_marks_the_review_done(installed):
    shop = _risky_shop(installed)
    page = open_widget(shop).text

    answer = act(shop, page, "/widgets/order/review/approve", confirm="1")

    assert answer.status_code == 200
    events = [e["type"] for e in shop.fake.store.get_order(shop.order_id).get("events") or []]
    assert "CONFIRMED" not in events
    assert 'data-decision="approved"' in answer.text
    assert "Approve…" not in answer.text


def test_approve_of_an_order_confirmed_meanwhile_in_the_dashboard_does_not_confirm_it(installed):
    shop = _risky_shop(installed, status="UNCONFIRMED")
    page = open_widget(shop).text
    with shop.fake.store.lock:  # confirmed in the dashboard; the app has not heard yet
        shop.fake.store.get_order(shop.order_id)["status"] = "UNFULFILLED"

    answer = act(shop, page, "/widgets/order/review/approve", confirm="1")

    assert answer.status_code == 200
    assert banner(answer.text) == (
        "Order approved Review done; Saleor shows the order as unfulfilled."
    )
    assert 'data-decision="approved"' in answer.text


def test_review_actions_need_the_signed_context(installed):
    shop = _risky_shop(installed)
    data = {"orderId": shop.order_id, "confirm": "1", "reason": "x"}

    answers = [
        requests.post(f"{shop.live.url}/widgets/order/review/{action}", data=data, timeout=10)
        for action in ("approve", "reject", "run")
    ]
    settings = requests.post(f"{shop.live.url}/app/settings/risk", data={}, timeout=10)

    assert [a.status_code for a in answers] == [401, 401, 401]
    assert settings.status_code == 401
    assert risk_review(shop.uow_factory, shop.installation_id, shop.order_id).decision is None
    assert shop.fake.store.get_order(shop.order_id)["status"] == "UNFULFILLED"


def test_reject_cancels_the_order_in_saleor_with_a_note(installed):
    shop = _risky_shop(installed)
    page = open_widget(shop).text

    no_reason = act(shop, page, "/widgets/order/review/reject", confirm="1", reason=" ")
    assert no_reason.status_code == 400
    assert "Say why the order is rejected" in banner(no_reason.text)
    unconfirmed = act(shop, page, "/widgets/order/review/reject", reason="Stolen card")
    assert banner(unconfirmed.text) == "Nothing was changed Tick the box to confirm."
    assert shop.fake.store.get_order(shop.order_id)["status"] == "UNFULFILLED"

    answer = act(
        shop, page, "/widgets/order/review/reject", confirm="1", reason="Stolen card, says the bank"
    )

    assert answer.status_code == 200
    assert banner(answer.text) == (
        "Order rejected It is cancelled in Saleor, with your reason in its notes."
    )
    assert shop.fake.store.get_order(shop.order_id)["status"] == "CANCELED"
    assert "Saleor: Canceled" in answer.text
    note = (
        f"Risk review: rejected by {STAFF} (score 65, high risk): Stolen card, says the bank. "
        "Order cancelled; payment: no authorisation left to void."
    )
    assert pending_notes(shop) == [note]
    shop.live.container.use_cases.write_back_order(
        installation_id=shop.installation_id, order_id=shop.order_id
    )
    events = shop.fake.store.get_order(shop.order_id).get("events") or []
    assert [e["message"] for e in events if e["type"] == "NOTE_ADDED"] == [note]
    assert [e["type"] for e in events].count("CANCELED") == 1
    decided = risk_review(shop.uow_factory, shop.installation_id, shop.order_id)
    assert decided.decision is Decision.REJECTED
    assert decided.decision_note == "Stolen card, says the bank"


def test_reject_voids_the_authorisation_before_cancelling(installed):
    shop = _risky_shop(installed)
    transaction = shop.fake.add_transaction(shop.order_id)
    page = open_widget(shop).text

    answer = act(shop, page, "/widgets/order/review/reject", confirm="1", reason="Stolen card")

    assert answer.status_code == 200, answer.text
    assert len(shop.fake.transaction_events(transaction, "CANCEL_REQUEST")) == 1
    assert shop.fake.store.get_order(shop.order_id)["status"] == "CANCELED"
    [note] = [n for n in pending_notes(shop) if n.startswith("Risk review")]
    assert note.endswith(
        ("payment: void of the authorisation requested.", "payment: authorisation voided.")
    )


def test_a_cancellation_saleor_refuses_records_nothing_and_says_why(installed):
    shop = _risky_shop(installed)
    page = open_widget(shop).text
    with shop.fake.store.lock:  # shipped meanwhile: Saleor refuses to cancel
        shop.fake.store.get_order(shop.order_id)["fulfillments"] = [
            {
                "id": "RnVsZmlsbG1lbnQ6MQ==",
                "status": "FULFILLED",
                "trackingNumber": "",
                "warehouse": None,
                "lines": [],
            }
        ]

    answer = act(shop, page, "/widgets/order/review/reject", confirm="1", reason="Fraud")

    assert answer.status_code == 502
    assert "This order can't be canceled." in banner(answer.text)
    assert risk_review(shop.uow_factory, shop.installation_id, shop.order_id).decision is None
    assert pending_notes(shop) == []
    assert "Reject…" in answer.text  # the merchant may try again
    assert re.search(
        r"Cancelling the order in Saleor \(risk review: Reject\):\s+failed after attempt 1: "
        r"Saleor refused OrderCancel: This order can&#39;t be canceled.",
        answer.text,
    )
    with shop.fake.store.lock:  # the fulfilment was cancelled: Reject again goes through
        shop.fake.store.get_order(shop.order_id)["fulfillments"][0]["status"] = "CANCELED"
    again = act(shop, page, "/widgets/order/review/reject", confirm="1", reason="Fraud")
    assert again.status_code == 200, banner(again.text)
    assert shop.fake.store.get_order(shop.order_id)["status"] == "CANCELED"
    assert "Cancelling the order in Saleor" not in again.text
    events = shop.fake.store.get_order(shop.order_id).get("events") or []
    assert [e["type"] for e in events].count("CANCELED") == 1


def test_another_shop_cannot_decide_this_shops_review(installed):
    shop = _risky_shop(installed)
    with FakeSaleor() as other:
        other.rotate_key()  # fakes share one key per process; real Saleors each have their own
        other_app = other.install_app(shop.live.manifest_url)
        token = other.issue_dashboard_token(other_app)
        page = requests.post(
            f"{shop.live.url}/widgets/order",
            data={"saleorApiUrl": other.api_url, "accessToken": token, "orderId": shop.order_id},
            timeout=10,
        ).text
        form = {"context": field(page, "context"), "orderId": shop.order_id, "confirm": "1"}
        answers = [
            requests.post(f"{shop.live.url}/widgets/order/review/{action}", data=data, timeout=10)
            for action, data in (("approve", form), ("reject", {**form, "reason": "x"}))
        ]

    assert 'id="risk-review"' not in page
    assert [a.status_code for a in answers] == [404, 404]
    assert shop.fake.store.get_order(shop.order_id)["status"] == "UNFULFILLED"
    assert risk_review(shop.uow_factory, shop.installation_id, shop.order_id).decision is None


# --- Settings page -------------------------------------------------------------------------


def _settings_post(live, context, **form: str) -> requests.Response:
    return requests.post(
        f"{live.url}/app/settings/risk",
        headers={"X-Dashboard-Context": context},
        data=form,
        timeout=10,
    )


def test_settings_section_saves_weights_and_keeps_the_stripe_key_write_only(staff):
    live, context, installation_id = staff
    page = requests.get(
        f"{live.url}/app/settings", headers={"X-Dashboard-Context": context}, timeout=10
    ).text
    assert 'id="risk-review"' in page and "No key is stored." in page

    saved = _settings_post(
        live, context, weight_po_box="40", high_threshold="70", stripe_key="rk_test_51Secret"
    )

    assert saved.status_code == 200
    assert "Risk review settings saved." in saved.text
    assert 'id="stripe-key-stored"' in saved.text
    assert "rk_test_51Secret" not in saved.text
    assert re.search(r'name="weight_po_box" type="number" value="40"', saved.text)
    view = live.container.use_cases.get_risk_settings(installation_id=installation_id)
    assert view.settings.weight_po_box == 40 and view.settings.high_threshold == 70


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"weight_po_box": "101"}, "weight_po_box", "a whole number from 0 to 100"),
        ({"review_threshold": "80", "high_threshold": "50"}, "high_threshold", "must be above"),
        ({"stripe_key": "pk_live_abc"}, "stripe_key", "Paste a restricted key"),
    ],
)
def test_settings_section_refuses_out_of_bounds_values(staff, form, field, message):
    live, context, installation_id = staff

    refused = _settings_post(live, context, **form)

    assert refused.status_code == 400
    assert re.search(rf'id="{field}-error"|id="risk-{field}-error"', refused.text)
    assert message in refused.text
    view = live.container.use_cases.get_risk_settings(installation_id=installation_id)
    assert view.settings.weight_po_box == 15 and not view.stripe_key_stored
