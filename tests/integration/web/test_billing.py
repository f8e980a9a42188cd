"""Tiers and add-on modules over HTTP: the "Add-on modules" section, Stripe Checkout and the
portal against the Stripe fake, and Stripe's signed webhooks (forged, replayed, late, out of
order, a failed invoice and its grace period, the lapse notice by email)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import requests

from app.domain.billing import Module
from app.services.billing import is_module_active
from tests.html import element, text
from tests.servers.live_app import start_live_app
from tests.servers.smtp import HOST as SMTP_HOST
from tests.servers.stripe_billing import SECRET_KEY, WEBHOOK_SECRET, StripeBillingFake

pytest_plugins = ["tests.servers.smtp_fixtures"]
PRICE = "price_automation_monthly"
DAY = 86400


@pytest.fixture
def stripe_fake():
    with StripeBillingFake() as fake:
        yield fake


@pytest.fixture
def shop(fake_saleor, settings, engine, task_queue, stripe_fake, smtp_server):
    """(live app, signed context, installation id) for a shop on a deployment billing through
    the Stripe fake, with its merchant email going to the loopback SMTP server."""
    billed = replace(
        settings,
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stripe_fake.url,
        stripe_automation_price_id=PRICE,
        automation_price_label="$29 / month",
        smtp_host=SMTP_HOST,
        smtp_port=smtp_server.port,
        smtp_security="none",
        smtp_sender="app@dropship.test",
    )
    live = start_live_app(billed, engine=engine, task_queue=task_queue)
    app = fake_saleor.install_app(live.manifest_url)
    stripe_fake.webhook_url = f"{live.url}/api/stripe/webhook"
    token = fake_saleor.issue_dashboard_token(app)
    context = requests.post(
        f"{live.url}/app/session",
        json={"token": token, "saleorApiUrl": fake_saleor.api_url},
        timeout=5,
    ).json()["context"]
    with live.container.uow_factory() as uow:
        installation_id = uow.installations.get_active_by_api_url(fake_saleor.api_url).id
        uow.settings.save(
            installation_id,
            replace(uow.settings.get(installation_id), merchant_email="owner@shop.test"),
        )
        uow.commit()
    yield live, context, installation_id
    live.stop()


def _page(live, context):
    return requests.get(
        f"{live.url}/app/settings", headers={"X-Dashboard-Context": context}, timeout=5
    ).text


def _active(live, installation_id) -> bool:
    return is_module_active(
        live.container.uow_factory,
        live.container.billing_config,
        installation_id,
        Module.AUTOMATIC_ORDER_PROCESSING,
    )


def _buy(live, context, stripe_fake, **complete):
    answer = requests.post(
        f"{live.url}/app/settings/modules/checkout",
        headers={"X-Dashboard-Context": context},
        data={"module": "automatic_order_processing"},
        timeout=5,
    )
    assert answer.status_code == 200
    (session_id,) = stripe_fake.sessions
    assert element(answer.text, "stripe-link")["text"].strip().startswith("Continue to Stripe")
    return stripe_fake.complete_checkout(session_id, **complete)


def test_a_shop_without_the_module_sees_it_available_with_its_price(shop):
    live, context, installation_id = shop

    page = _page(live, context)

    assert element(page, "module-automatic_order_processing")["data-state"] == "available"
    assert "$29 / month" in text(page, "module-automatic_order_processing")
    assert "tier 1" in text(page, "billing-tier")
    assert not _active(live, installation_id)


def test_add_opens_a_subscription_checkout_for_this_installation(shop, stripe_fake):
    live, context, installation_id = shop

    answer = requests.post(
        f"{live.url}/app/settings/modules/checkout",
        headers={"X-Dashboard-Context": context},
        data={"module": "automatic_order_processing"},
        timeout=5,
    )

    (session,) = stripe_fake.sessions.values()
    assert session["mode"] == "subscription"
    assert session["client_reference_id"] == str(installation_id)
    assert session["line_items"] == {"0": {"price": PRICE, "quantity": "1"}}
    assert session["subscription_data"]["metadata"] == {
        "installation_id": str(installation_id),
        "module": "automatic_order_processing",
    }
    link = element(answer.text, "stripe-link")
    assert session["url"] in answer.text
    assert link["text"].strip().startswith("Continue to Stripe Checkout")
    assert not _active(live, installation_id)  # nothing is on before Stripe says it is paid


def test_a_paid_checkout_turns_the_module_on_and_offers_the_portal(shop, stripe_fake):
    live, context, installation_id = shop

    subscription = _buy(live, context, stripe_fake)

    assert _active(live, installation_id)
    page = _page(live, context)
    assert element(page, "module-automatic_order_processing")["data-state"] == "active"
    portal = requests.post(
        f"{live.url}/app/settings/modules/portal",
        headers={"X-Dashboard-Context": context},
        timeout=5,
    )
    assert portal.status_code == 200
    (opened,) = stripe_fake.portals
    assert opened["customer"] == subscription["customer"]
    assert opened["url"] in portal.text


def test_forged_and_late_events_are_refused_and_change_nothing(shop, stripe_fake):
    live, context, installation_id = shop
    cancelled = {**_buy(live, context, stripe_fake), "status": "canceled"}

    forged = stripe_fake.post_event(
        "customer.subscription.deleted", cancelled, secret="whsec_someone_else"
    )
    late = stripe_fake.post_event(
        "customer.subscription.deleted", cancelled, signed_at=int(time.time()) - 301
    )
    unsigned = requests.post(stripe_fake.webhook_url, data=b"{}", timeout=5)

    assert (forged.status_code, late.status_code, unsigned.status_code) == (401, 401, 401)
    assert _active(live, installation_id)


def test_a_replayed_event_is_processed_once(shop, stripe_fake):
    live, context, installation_id = shop
    subscription = _buy(live, context, stripe_fake)
    deleted = {**subscription, "status": "canceled"}
    first = stripe_fake.post_event("customer.subscription.deleted", deleted, event_id="evt_del")
    assert not _active(live, installation_id)
    # The shop buys again; an old copy of the deletion (same event id) must not undo it.
    stripe_fake.sessions.clear()
    _buy(live, context, stripe_fake)

    replay = stripe_fake.post_event("customer.subscription.deleted", deleted, event_id="evt_del")

    assert first.json()["outcome"] == "applied"
    assert replay.json()["outcome"] == "duplicate"
    assert _active(live, installation_id)


def test_an_older_subscription_event_arriving_late_does_not_undo_a_newer_one(shop, stripe_fake):
    live, context, installation_id = shop
    subscription = _buy(live, context, stripe_fake, created=int(time.time()) - 60)
    stripe_fake.post_event("customer.subscription.deleted", {**subscription, "status": "canceled"})

    stale = stripe_fake.post_event(
        "customer.subscription.updated", subscription, created=int(time.time()) - 30
    )

    assert stale.json()["outcome"] == "applied"
    assert not _active(live, installation_id)


def test_a_failed_invoice_keeps_the_module_for_the_grace_period(shop, stripe_fake):
    live, context, installation_id = shop
    subscription = _buy(live, context, stripe_fake, created=int(time.time()) - 3 * DAY)

    stripe_fake.post_event(
        "invoice.payment_failed",
        stripe_fake.invoice(subscription),
        created=int(time.time()) - 2 * DAY,
    )

    assert _active(live, installation_id)
    state = element(_page(live, context), "module-automatic_order_processing")
    assert state["data-state"] == "grace"
    ends = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%d")
    assert f"active until {ends}" in " ".join(state["text"].split())


def test_after_the_grace_period_the_module_stops_and_the_merchant_is_told_once(
    shop, stripe_fake, smtp_server
):
    live, context, installation_id = shop
    subscription = _buy(live, context, stripe_fake, created=int(time.time()) - 9 * DAY)
    stripe_fake.post_event(
        "invoice.payment_failed",
        stripe_fake.invoice(subscription),
        created=int(time.time()) - 8 * DAY,
    )
    stripe_fake.post_event(
        "customer.subscription.updated",
        {**subscription, "status": "past_due"},
        created=int(time.time()) - 8 * DAY + 60,
    )

    told = live.container.use_cases.notify_lapsed_modules()
    told_again = live.container.use_cases.notify_lapsed_modules()

    assert not _active(live, installation_id)
    page = _page(live, context)
    assert element(page, "module-automatic_order_processing")["data-state"] == "lapsed"
    assert "grace period ended" in text(page, "module-automatic_order_processing")
    assert (told, told_again) == (1, 0)
    (message,) = smtp_server.messages
    assert message.rcpt_tos == ("owner@shop.test",)
    assert "Automatic order processing stopped" in message.message["Subject"]


def test_paying_again_after_a_lapse_turns_the_module_back_on(shop, stripe_fake):
    live, context, installation_id = shop
    subscription = _buy(live, context, stripe_fake, created=int(time.time()) - 9 * DAY)
    stripe_fake.post_event(
        "invoice.payment_failed",
        stripe_fake.invoice(subscription),
        created=int(time.time()) - 8 * DAY,
    )
    assert not _active(live, installation_id)

    stripe_fake.post_event("customer.subscription.updated", {**subscription, "status": "active"})

    assert _active(live, installation_id)


def test_an_event_for_another_deployments_customer_is_ignored(shop, stripe_fake):
    live, context, installation_id = shop
    other = {
        "id": "sub_elsewhere",
        "customer": "cus_elsewhere",
        "status": "active",
        "metadata": {},
        "items": {"data": [{"price": {"id": PRICE}}]},
    }

    answer = stripe_fake.post_event("customer.subscription.created", other)

    assert answer.json()["outcome"] == "ignored"
    assert not _active(live, installation_id)


def test_a_shop_cannot_buy_what_it_already_has(shop, stripe_fake):
    live, context, installation_id = shop
    _buy(live, context, stripe_fake)
    stripe_fake.sessions.clear()

    answer = requests.post(
        f"{live.url}/app/settings/modules/checkout",
        headers={"X-Dashboard-Context": context},
        data={"module": "automatic_order_processing"},
        timeout=5,
    )

    assert answer.status_code == 400
    assert stripe_fake.sessions == {}
    assert "already on for this shop" in answer.text


def _cli(live, *args: str):
    return live.flask.test_cli_runner().invoke(args=list(args))


def test_the_operator_sets_the_tier_and_modules_from_the_command_line(installed):
    fake, live, _ = installed
    domain = fake.api_url.split("://", 1)[1].split("/", 1)[0]
    with live.container.uow_factory() as uow:
        installation_id = uow.installations.get_active_by_api_url(fake.api_url).id

    enabled = _cli(live, "enable-module", domain, "automatic_order_processing")
    on_by_module = _active(live, installation_id)
    disabled = _cli(live, "disable-module", domain, "automatic_order_processing")
    off = _active(live, installation_id)
    tier = _cli(live, "set-plan", domain, "3")

    assert enabled.exit_code == 0, enabled.output
    assert enabled.output == f"{domain}: automatic_order_processing enabled\n"
    assert (on_by_module, off) == (True, False)
    assert disabled.exit_code == 0
    assert tier.output == f"{domain}: tier 3\n"
    assert _active(live, installation_id)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("set-plan", "shop.unknown.test", "3"), "No installed shop", id="shop_case"),
        pytest.param(("set-plan", "{domain}", "7"), "from 1 to 4", id="tier_case"),
        pytest.param(("enable-module", "{domain}", "nope"), "Unknown module", id="module_case"),
    ],
)
def test_the_command_line_refuses_what_it_cannot_do(installed, args, message):
    fake, live, _ = installed
    domain = fake.api_url.split("://", 1)[1].split("/", 1)[0]

    result = _cli(live, *(arg.format(domain=domain) for arg in args))

    assert result.exit_code == 1
    assert message in result.output
    with live.container.uow_factory() as uow:
        installation_id = uow.installations.get_active_by_api_url(fake.api_url).id
        assert uow.billing.get(installation_id).tier == 1


def test_a_deployment_without_stripe_offers_no_add_button(installed):
    fake, live, app = installed
    token = fake.issue_dashboard_token(app)
    context = requests.post(
        f"{live.url}/app/session", json={"token": token, "saleorApiUrl": fake.api_url}, timeout=5
    ).json()["context"]

    page = _page(live, context)
    answer = requests.post(
        f"{live.url}/app/settings/modules/checkout",
        headers={"X-Dashboard-Context": context},
        data={"module": "automatic_order_processing"},
        timeout=5,
    )

    assert '<button type="submit">Add</button>' not in page
    assert element(page, "module-automatic_order_processing")["data-state"] == "available"
    assert answer.status_code == 400


def test_a_deployment_without_stripe_refuses_every_stripe_event(installed):
    fake, live, _ = installed
    with live.container.uow_factory() as uow:
        installation_id = uow.installations.get_active_by_api_url(fake.api_url).id
    stripe = StripeBillingFake(webhook_url=f"{live.url}/api/stripe/webhook")
    subscription = {
        "id": "sub_1",
        "customer": "cus_1",
        "status": "active",
        "metadata": {"installation_id": str(installation_id)},
        "items": {"data": [{"price": {"id": PRICE}}]},
    }

    answer = stripe.post_event("customer.subscription.created", subscription, secret="")

    assert answer.status_code == 401
    assert not _active(live, installation_id)
