"""The order widget while a PO send retries, fails, or is in flight (issue 7 item 4, 10 item 5)."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.bootstrap import purchase_order_channels
from app.domain.outbound import Channel, OutboundStatus, Subject
from app.domain.po_changes import LineChange, POChanges
from app.services import tasks
from app.services.channels import MailDefaults
from app.services.dispatch import dispatch_purchase_order
from app.services.outbound import (
    SALEOR_WRITE_POLICY,
    claim_outbound,
    outbound_failed,
    record_outbound,
)
from app.services.ports import MailRejected, MailUnavailable, SmtpSettings
from tests.fakes import FakeDocuments, FakeMailer, RecordingTaskQueue
from tests.integration.web.test_order_widget import (
    _created,
    act,
    banner,
    open_widget,
    pos,
    queued,
)
from tests.integration.web.test_order_widget import shop as shop  # the fixture

DEFAULTS = MailDefaults(
    smtp=SmtpSettings(host="127.0.0.1", port=2525, sender="o@shop.test", security="none"),
    message_domain="dropship.test",
)


class WorkerKilled(BaseException):
    """kill -9 in the middle of the SMTP conversation."""


def _dispatch(shop, po, mailer, token="task-1"):
    return dispatch_purchase_order(
        shop.live.container.uow_factory,
        purchase_order_channels(mailer, FakeDocuments(), DEFAULTS),
        RecordingTaskQueue(),
        installation_id=shop.installation_id,
        po_id=po.id,
        revision=0,
        actor="staff@example.com",
        claim_token=token,
        final_attempt=False,
    )


def _po_card(page: str, number: str) -> str:
    """The text of one PO's card (up to the next card)."""
    card = next(c for c in page.split('data-po-number="')[1:] if c.startswith(f'{number}"'))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", card)).split())


def test_a_send_retrying_shows_its_attempt_error_and_next_try(shop):
    _created(shop)
    acme_po = pos(shop)[0]
    mailer = FakeMailer()
    mailer.fail_with = MailUnavailable("Could not reach the SMTP server: connection refused.")
    with pytest.raises(MailUnavailable):
        _dispatch(shop, acme_po, mailer)

    card = _po_card(open_widget(shop).text, "1042-1")

    assert re.search(
        r"Sending, attempt 1 of 6, last error: Could not reach the SMTP server: connection "
        r"refused\., next try at \d\d \w{3} \d{4}, \d\d:\d\d UTC",
        card,
    ), card


def test_a_failed_send_shows_the_reason_and_a_retry_button(shop):
    _created(shop)
    acme_po = pos(shop)[0]
    mailer = FakeMailer()
    mailer.fail_with = MailRejected("The SMTP server refused po@acme.test: mailbox unavailable.")
    _dispatch(shop, acme_po, mailer)
    page = open_widget(shop).text

    card = _po_card(page, "1042-1")
    assert "Send failed: The SMTP server refused po@acme.test: mailbox unavailable." in card
    assert "Retry" in card and "Sending" not in card

    answer = act(shop, page, f"/widgets/order/purchase-orders/{acme_po.id}/send")

    assert answer.status_code == 200
    [send] = queued(shop, tasks.SEND_PURCHASE_ORDER)
    assert send["revision"] == 0  # the same revision, so the same Message-ID


def test_send_while_a_send_is_in_flight_says_so_and_queues_nothing(shop):
    page = _created(shop)
    acme_po = pos(shop)[0]
    mailer = FakeMailer()
    mailer.fail_with = WorkerKilled()
    with pytest.raises(WorkerKilled):
        _dispatch(shop, acme_po, mailer, token="dead-task")

    page = open_widget(shop).text
    assert re.search(
        r"Sending since \d\d \w{3} \d{4}, \d\d:\d\d UTC · attempt 1 of 6", _po_card(page, "1042-1")
    )
    answer = act(shop, page, f"/widgets/order/purchase-orders/{acme_po.id}/send")

    assert answer.status_code == 409
    assert re.search(r"PO 1042-1 is being sent now \(attempt 1 of 6, since ", banner(answer.text))
    assert queued(shop, tasks.SEND_PURCHASE_ORDER) == []


def _saleor_write(page: str) -> str:
    match = re.search(
        r'<li class="notice[^"]*" data-channel="saleor.write_back">(.*?)</li>', page, re.S
    )
    assert match, "no write-back shown"
    return match.group(1)


def _write_back_row(uow, shop):
    return record_outbound(
        uow,
        shop.installation_id,
        subject=Subject.ORDER,
        subject_id=shop.order_id,
        channel=Channel.SALEOR_WRITE_BACK,
        key="wb-widget-test",
        policy=SALEOR_WRITE_POLICY,
    )


def test_a_failed_saleor_write_shows_a_retry_that_writes_again_with_the_same_key(shop):
    _created(shop)  # the PO note waits for a write-back
    uow_factory = shop.live.container.uow_factory
    with uow_factory() as uow:
        attempt = _write_back_row(uow, shop)
        claim_outbound(uow, shop.installation_id, attempt.idempotency_key, "t", SALEOR_WRITE_POLICY)
        outbound_failed(uow, shop.installation_id, attempt.idempotency_key, "Saleor said no.")
        uow.commit()
    writes_before = len(queued(shop, tasks.WRITE_BACK_ORDER))
    page = open_widget(shop).text
    shown = _saleor_write(page)
    assert "failed after attempt 1: Saleor said no." in shown and "Retry" in shown

    answer = act(shop, page, "/widgets/order/saleor-writes/retry", key=attempt.idempotency_key)

    assert answer.status_code == 200
    assert banner(answer.text) == "Trying again Saleor is being written to again."
    assert queued(shop, tasks.WRITE_BACK_ORDER)[writes_before:] == [
        {"installation_id": shop.installation_id, "order_id": shop.order_id}
    ]
    with uow_factory() as uow:
        again = uow.outbound.get_by_key(shop.installation_id, attempt.idempotency_key)
    assert (again.status, again.attempts) == (OutboundStatus.PENDING, 0)  # a fresh round
    assert 'data-channel="saleor.write_back"' not in answer.text  # pending, not yet tried


def test_a_write_that_did_not_fail_cannot_be_retried(shop):
    _created(shop)
    with shop.live.container.uow_factory() as uow:
        attempt = _write_back_row(uow, shop)
        uow.commit()
    writes_before = len(queued(shop, tasks.WRITE_BACK_ORDER))
    page = open_widget(shop).text

    answers = [
        act(shop, page, "/widgets/order/saleor-writes/retry", key=attempt.idempotency_key),
        act(shop, page, "/widgets/order/saleor-writes/retry", key="wb-not-ours"),
    ]

    assert [a.status_code for a in answers] == [400, 404]
    assert len(queued(shop, tasks.WRITE_BACK_ORDER)) == writes_before


def test_a_po_past_its_vendors_lead_time_says_how_late_it_is(shop):
    _created(shop)
    acme_po = pos(shop)[0]
    sent = datetime.now(UTC) - timedelta(days=10, hours=1)
    with shop.uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(shop.installation_id, acme_po.id)
        po.mark_sent(actor="staff", at=sent, via="email", lead_time_days=3)
        uow.purchase_orders.save(shop.installation_id, po)
        uow.commit()

    card = _po_card(open_widget(shop).text, "1042-1")

    assert "Late: 7 days past the vendor's lead time" in card
    page = open_widget(shop).text
    for other in pos(shop)[1:]:
        assert "Late:" not in _po_card(page, other.number)


def test_the_widget_shows_the_orders_drop_ship_margin(shop):
    _created(shop)
    margins = {}
    with shop.uow_factory() as uow:
        for po in uow.purchase_orders.list_for_order(shop.installation_id, shop.order_id):
            for line in po.lines:
                assert line.unit_price is not None  # the customer's price is kept on the PO
                revenue, cost = margins.get(po.currency, (0, 0))
                margins[po.currency] = (
                    revenue + line.unit_price.amount * line.quantity,
                    cost + line.unit_cost.amount * line.quantity,
                )
    page = open_widget(shop).text
    for currency, (revenue, cost) in margins.items():
        expected = f"= {revenue - cost:.2f} {currency}"
        assert expected in " ".join(re.sub(r"<[^>]+>", " ", page).split())


def _flag_moved(shop, po_id, *, shipped_line=None):
    """The order moved to a new street after the PO was sent (what ORDER_UPDATED records)."""
    now = datetime.now(UTC)
    with shop.uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(shop.installation_id, po_id)
        if po.can_mark_sent:
            po.mark_sent(actor="staff@example.com", at=now, via="email")
        moved = replace(po.ship_to, street_address_1="9 New Street")
        lines = ()
        if shipped_line is not None:
            line = po.lines[0]
            lines = (LineChange(line.order_line_id, line.sku, line.product_name, 2, 1, shipped=1),)
            moved = None
        po.flag_changes(
            POChanges(po.ship_to if moved else None, moved, lines), actor="Saleor", at=now
        )
        uow.purchase_orders.save(shop.installation_id, po)
        uow.commit()


def test_a_po_changed_since_sent_shows_the_difference_and_sends_the_update(shop):
    _created(shop)
    acme_po, bolt_po = pos(shop)
    _flag_moved(shop, acme_po.id)
    _flag_moved(shop, bolt_po.id)
    page = open_widget(shop).text

    card = _po_card(page, acme_po.number)
    assert "Changed since sent: the order changed in Saleor after this PO was sent." in card
    assert "Ship-to street: 1600 Amphitheatre Parkway → 9 New Street" in card
    assert "Send update" in card
    assert "Apply update (send it by hand)" in _po_card(page, bolt_po.number)  # a manual vendor

    answer = act(shop, page, f"/widgets/order/purchase-orders/{acme_po.id}/send-update")

    assert answer.status_code == 200, answer.text
    assert f"PO {acme_po.number} (amended — revision 2) is being sent to Acme." in banner(
        answer.text
    )
    assert [(q["po_id"], q["revision"]) for q in queued(shop, tasks.SEND_PURCHASE_ORDER)][-1] == (
        acme_po.id,
        1,
    )
    card = _po_card(answer.text, acme_po.number)
    assert "Changed since sent" not in card and "AMENDED — revision 2 (not sent yet)" in card


def test_a_shipped_line_change_is_shown_without_send_update(shop):
    _created(shop)
    acme_po = pos(shop)[0]
    _flag_moved(shop, acme_po.id, shipped_line=True)

    page = open_widget(shop).text

    card = _po_card(page, acme_po.number)
    assert "1 already shipped, not amended" in card
    assert "Lines already shipped are not amended: settle them with Acme" in card
    assert f"/widgets/order/purchase-orders/{acme_po.id}/send-update" not in page
