"""Automation does each thing once (issue 13 item 4), whatever runs at the same moment: two
automatic runs, the merchant's own "Create PO(s)" click, a worker that died holding the lease,
repeated webhooks; it charges an authorised order once; it stops when the subscription lapsed.

The app and the fake Saleor on loopback, tasks recorded (not run), both databases."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from app.adapters.db import tables
from app.domain.automation import AutomationRules, StepKind
from app.domain.billing import BilledSubscription, BillingAccount, Module
from app.errors import NoOp
from app.services import automation
from app.services.billing import set_tier
from app.services.orders import refresh_order_by_id
from app.services.product_vendors import save_product_vendor
from app.services.purchase_orders import create_purchase_orders
from app.services.tasks import TaskName
from app.services.vendors import save_vendor
from tests.builders import make_line, make_order
from tests.servers.fake_saleor.transactions import PaymentBehaviour

PAID = {"isPaid": True, "chargeStatus": "FULL", "authorizeStatus": "FULL"}


@pytest.fixture
def shop(installed):
    """(fake Saleor, live app, installation id, Acme the email vendor) on tier 3."""
    fake, live, _ = installed
    uow_factory = live.container.uow_factory
    set_tier(uow_factory, fake.api_url.split("://", 1)[1].split("/", 1)[0], "3")
    with uow_factory() as uow:
        installation_id = uow.installations.get_active_by_api_url(fake.api_url).id
    acme = save_vendor(
        uow_factory,
        installation_id,
        {"name": "Acme Supply", "code": "ACME", "currency": "USD", "emails_to": "po@acme.test"},
    )
    return fake, live, installation_id, acme


def _order(shop, number: str, **changes) -> str:
    fake, live, installation_id, acme = shop
    order = make_order(number=number, lines=[make_line(sku=f"S-{number}", quantity=1)], **changes)
    save_product_vendor(
        live.container.uow_factory,
        installation_id,
        {
            "vendor_id": str(acme.id),
            "product_id": order["lines"][0]["variant"]["product"]["id"],
            "unit_cost": "5.00",
        },
    )
    fake.add_order(order)
    refresh_order_by_id(
        live.container.uow_factory, live.container.saleor, installation_id, order["id"]
    )
    return order["id"]


def _advance(live, installation_id, order_id):
    return live.container.use_cases.advance_order(
        installation_id=installation_id, order_id=order_id
    )


def _pos(live, order_id):
    with live.container.engine.connect() as connection:
        t = tables.purchase_orders
        return list(connection.execute(select(t).where(t.c.saleor_order_id == order_id)))


def _sends(task_queue, order_pos):
    ids = {po.id for po in order_pos}
    return [
        a for t, a in task_queue.tasks if t == TaskName.SEND_PURCHASE_ORDER and a["po_id"] in ids
    ]


def test_two_runs_at_the_same_moment_create_and_send_one_po(shop, task_queue):
    fake, live, installation_id, _ = shop
    order_id = _order(shop, "8101", **PAID)
    outcomes: list[object] = []

    def run() -> None:
        try:
            outcomes.append(_advance(live, installation_id, order_id).step)
        except automation.OrderBusy:
            outcomes.append("busy")

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _advance(live, installation_id, order_id)  # and once more, after them all

    pos = _pos(live, order_id)
    assert len(pos) == 1
    assert len(_sends(task_queue, pos)) == 1
    assert StepKind.CREATE_POS in outcomes


def test_the_merchants_click_first_leaves_nothing_for_automation_to_create(shop, task_queue):
    fake, live, installation_id, _ = shop
    order_id = _order(shop, "8102", **PAID)
    create_purchase_orders(
        live.container.uow_factory,
        live.container.task_queue,
        installation_id,
        order_id,
        actor="merchant@shop.test",
        send=True,
        go_ahead_reason="a regular customer: ship it now",  # past the gate on purpose
    )

    advanced = _advance(live, installation_id, order_id)

    pos = _pos(live, order_id)
    assert advanced.step is StepKind.WAIT  # the POs exist: waiting for tracking
    assert StepKind.CREATE_POS not in advanced.taken
    assert len(pos) == 1 and len(_sends(task_queue, pos)) == 1


def test_a_run_that_died_holding_the_lease_is_taken_over_after_it_expires(shop, task_queue):
    fake, live, installation_id, _ = shop
    order_id = _order(shop, "8103", **PAID)
    now = datetime.now(UTC)
    with live.container.uow_factory() as uow:
        assert uow.automation.claim(installation_id, order_id, now, now + timedelta(minutes=2))
        uow.commit()

    with pytest.raises(automation.OrderBusy):
        _advance(live, installation_id, order_id)
    with live.container.engine.begin() as connection:
        t = tables.automation_orders
        connection.execute(update(t).values(leased_until=now - timedelta(seconds=1)))
    advanced = _advance(live, installation_id, order_id)

    assert advanced.taken[-1] is StepKind.CREATE_POS
    assert len(_pos(live, order_id)) == 1


def test_an_authorised_order_is_charged_once_when_the_shop_chose_it(shop, task_queue):
    fake, live, installation_id, _ = shop
    order_id = _order(shop, "8104")
    transaction = fake.add_transaction(order_id, PaymentBehaviour.pending())
    refresh_order_by_id(
        live.container.uow_factory, live.container.saleor, installation_id, order_id
    )
    with live.container.uow_factory() as uow:
        uow.automation.save_rules(installation_id, AutomationRules(charge_automatically=True))
        uow.commit()

    first = _advance(live, installation_id, order_id)
    second = _advance(live, installation_id, order_id)

    assert StepKind.CHARGE in first.taken
    assert second.step is StepKind.HOLD and second.reasons[0].value == "charge_pending"
    assert len(fake.transaction_events(transaction, "CHARGE_REQUEST")) == 1
    assert _pos(live, order_id) == []  # not charged yet: nothing goes to the vendor


def test_without_automatic_charging_an_authorised_order_waits_for_the_merchant(shop):
    fake, live, installation_id, _ = shop
    order_id = _order(shop, "8105")
    transaction = fake.add_transaction(order_id, PaymentBehaviour.approve())
    refresh_order_by_id(
        live.container.uow_factory, live.container.saleor, installation_id, order_id
    )

    advanced = _advance(live, installation_id, order_id)

    assert advanced.step is StepKind.HOLD
    assert [r.value for r in advanced.reasons] == ["not_charged"]
    assert fake.transaction_events(transaction, "CHARGE_REQUEST") == []


@pytest.mark.parametrize(
    ("failed_days_ago", "runs"),
    [pytest.param(6, True, id="within_grace_case"), pytest.param(8, False, id="lapsed_case")],
)
def test_a_lapsed_subscription_stops_automation_after_the_grace_period(shop, failed_days_ago, runs):
    fake, live, installation_id, _ = shop
    order_id = _order(shop, "8106", **PAID)
    failed = datetime.now(UTC) - timedelta(days=failed_days_ago)
    billed = BilledSubscription(
        "sub_1",
        "past_due",
        modules=frozenset({Module.AUTOMATIC_ORDER_PROCESSING}),
        payment_failed_at=failed,
    )
    with live.container.uow_factory() as uow:
        uow.billing.save(installation_id, replace(BillingAccount(), subscriptions=(billed,)))
        uow.commit()

    if runs:
        assert _advance(live, installation_id, order_id).taken[-1] is StepKind.CREATE_POS
        assert len(_pos(live, order_id)) == 1
    else:
        with pytest.raises(NoOp):
            _advance(live, installation_id, order_id)
        assert _pos(live, order_id) == []


def test_hold_stops_automation_for_one_order_and_resume_lets_it_go_on(shop, task_queue):
    fake, live, installation_id, _ = shop
    order_id = _order(shop, "8107", **PAID)
    cases = live.container.use_cases

    cases.set_order_held(installation_id=installation_id, order_id=order_id, held=True, actor="m")
    held = _advance(live, installation_id, order_id)
    cases.set_order_held(installation_id=installation_id, order_id=order_id, held=False, actor="m")
    resumed = _advance(live, installation_id, order_id)

    assert held.step is StepKind.HOLD and [r.value for r in held.reasons] == ["held_by_merchant"]
    assert resumed.taken[-1] is StepKind.CREATE_POS, resumed
    assert (TaskName.ADVANCE_ORDER, {"installation_id": installation_id, "order_id": order_id}) in (
        task_queue.tasks
    )


def test_the_shop_pause_holds_every_order(shop):
    fake, live, installation_id, _ = shop
    order_id = _order(shop, "8108", **PAID)
    with live.container.uow_factory() as uow:
        uow.automation.save_rules(installation_id, AutomationRules(paused=True))
        uow.commit()

    advanced = _advance(live, installation_id, order_id)

    assert [r.value for r in advanced.reasons] == ["shop_paused"]
    assert _pos(live, order_id) == []
