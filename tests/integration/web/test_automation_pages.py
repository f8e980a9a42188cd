"""Automation's pages over HTTP: Settings -> Automation only with the module, the "Needs
attention" tab, and the widget's hold reasons with "Hold" / "Resume"."""

from __future__ import annotations

import requests

from app.domain.automation import AutomationRules
from app.services.billing import set_tier
from app.services.orders import refresh_order_by_id
from tests.builders import make_line, make_order
from tests.e2e.conftest import open_widget
from tests.html import element, text


def _context(fake, live, app) -> str:
    token = fake.issue_dashboard_token(app)
    return requests.post(
        f"{live.url}/app/session", json={"token": token, "saleorApiUrl": fake.api_url}, timeout=5
    ).json()["context"]


def _installation(live, fake):
    with live.container.uow_factory() as uow:
        return uow.installations.get_active_by_api_url(fake.api_url).id


def _tier(live, fake, tier: str) -> None:
    set_tier(live.container.uow_factory, fake.api_url.split("://", 1)[1].split("/", 1)[0], tier)


def _get(live, context, path):
    return requests.get(f"{live.url}{path}", headers={"X-Dashboard-Context": context}, timeout=5)


def _save(live, context, **form):
    return requests.post(
        f"{live.url}/app/settings/automation",
        headers={"X-Dashboard-Context": context},
        data=form,
        timeout=5,
    )


def test_the_automation_settings_show_only_with_the_module(installed):
    fake, live, app = installed
    context = _context(fake, live, app)

    without = _get(live, context, "/app/settings").text
    refused = _save(live, context, hold_minutes="30")
    _tier(live, fake, "3")
    with_module = _get(live, context, "/app/settings").text

    assert 'id="automation-form"' not in without
    assert refused.status_code == 403
    rules = live.container.use_cases.get_automation_rules(installation_id=_installation(live, fake))
    assert rules.hold_minutes == 0
    assert element(with_module, "automation-hold_minutes")["value"] == "0"


def test_save_the_automation_rules(installed):
    fake, live, app = installed
    _tier(live, fake, "4")
    context = _context(fake, live, app)

    saved = _save(live, context, charge_automatically="1", hold_minutes="30", max_total="750.00")
    bad = _save(live, context, hold_minutes="99999")

    assert saved.status_code == 200
    assert "Automation saved." in saved.text
    assert element(saved.text, "automation-charge").get("checked") is not None
    rules = live.container.use_cases.get_automation_rules(installation_id=_installation(live, fake))
    assert (rules.charge_automatically, rules.hold_minutes, str(rules.max_total)) == (
        True,
        30,
        "750.00",
    )
    assert bad.status_code == 400
    assert "0 to 10080 minutes" in bad.text
    again = live.container.use_cases.get_automation_rules(installation_id=_installation(live, fake))
    assert again.hold_minutes == 30


def test_a_held_order_is_listed_and_its_widget_says_why_with_hold_and_resume(installed):
    fake, live, app = installed
    _tier(live, fake, "3")
    installation_id = _installation(live, fake)
    order = make_order(number="9301", lines=[make_line()], customerNote="Gift wrap please")
    fake.add_order(order)
    uow_factory, saleor = live.container.uow_factory, live.container.saleor
    refresh_order_by_id(uow_factory, saleor, installation_id, order["id"])
    with uow_factory() as uow:
        uow.automation.save_rules(installation_id, AutomationRules())
        uow.commit()
    live.container.use_cases.advance_order(installation_id=installation_id, order_id=order["id"])
    context = _context(fake, live, app)

    attention = _get(live, context, "/app/attention").text
    page, fields = open_widget(live, fake, app, order["id"])
    held = requests.post(f"{live.url}/widgets/order/automation/hold", data=fields, timeout=10)
    resumed = requests.post(f"{live.url}/widgets/order/automation/resume", data=fields, timeout=10)

    reasons = text(attention, "held-9301")
    assert "The customer left a note." in reasons and "A line has no vendor." in reasons
    assert "The customer left a note." in text(page, "automation-reasons")
    assert text(page, "automation-toggle") == "Hold"
    assert text(held.text, "automation-toggle") == "Resume"
    assert "Held by hand" in text(held.text, "automation-reasons")
    assert text(resumed.text, "automation-toggle") == "Hold"


def test_a_shop_without_the_module_sees_no_automation_panel(installed):
    fake, live, app = installed
    order = make_order(number="9302", lines=[make_line()])
    fake.add_order(order)
    refresh_order_by_id(
        live.container.uow_factory, live.container.saleor, _installation(live, fake), order["id"]
    )

    page, _ = open_widget(live, fake, app, order["id"])

    assert 'id="automation"' not in page
