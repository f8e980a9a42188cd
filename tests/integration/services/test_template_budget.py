"""Merchant templates run within a hard time and size budget, on save and when a PO is sent."""

from __future__ import annotations

import time

import pytest

from app.adapters.bounded_render import RenderBudget
from app.adapters.documents import TemplateDocuments
from app.bootstrap import purchase_order_channels
from app.services.dispatch import SendOutcome, dispatch_purchase_order
from app.services.forms import FormInvalid
from app.services.purchase_orders import create_purchase_orders, list_purchase_orders
from app.services.shop_settings import save_settings
from tests.fakes import FakeMailer, RecordingTaskQueue
from tests.integration.services.conftest import Catalogue
from tests.integration.services.test_dispatch import DEFAULTS

BUDGET = RenderBudget(seconds=1.0, max_bytes=200_000)
# Loops in C (sum over range) where no check between Jinja nodes could stop it.
TIGHT_LOOP = "{% for i in range(99999) %}{{ range(99999)|sum }}{% endfor %}"
# Cheap on a one-line sample PO, endless on a real large one.
LOOPS_ON_LARGE_POS = (
    "{% if lines|length > 100 %}" + TIGHT_LOOP + "{% endif %}<p>{{ po.number }}</p>"
)
SLACK_SECONDS = 1.5


def _send(catalogue, documents):
    po = create_purchase_orders(
        catalogue.uow_factory,
        RecordingTaskQueue(),
        catalogue.installation_id,
        catalogue.order_id,
        actor="staff@shop.test",
        send=True,
    )[0]
    mailer = FakeMailer()
    outcome = dispatch_purchase_order(
        catalogue.uow_factory,
        purchase_order_channels(mailer, documents, DEFAULTS),
        RecordingTaskQueue(),
        installation_id=catalogue.installation_id,
        po_id=po.id,
        revision=0,
        actor="staff@shop.test",
        claim_token="t",
        final_attempt=False,
    )
    [shown] = [
        p
        for p in list_purchase_orders(
            catalogue.uow_factory, catalogue.installation_id, catalogue.order_id
        )
        if p.id == po.id
    ]
    return outcome, shown, mailer


def test_poisoned_template_cannot_delay_another_shops_send_by_more_than_the_budget(
    uow_factory, shop, other_shop
):
    poisoned, healthy = Catalogue(uow_factory, shop), Catalogue(uow_factory, other_shop)
    # Saved by a version without the budget: the save check did not run.
    save_settings(uow_factory, shop, {"po_template_html": TIGHT_LOOP})
    documents = TemplateDocuments(budget=BUDGET)

    started = time.monotonic()
    poisoned_outcome, poisoned_po, poisoned_mail = _send(poisoned, documents)
    poisoned_seconds = time.monotonic() - started
    healthy_outcome, _, healthy_mail = _send(healthy, documents)

    assert poisoned_seconds < BUDGET.seconds + SLACK_SECONDS
    assert (poisoned_outcome, poisoned_mail.sent) == (SendOutcome.FAILED, [])
    assert poisoned_po.failure_reason == (
        "The PO document template is too slow: it did not finish within 1 s."
    )
    assert healthy_outcome is SendOutcome.SENT
    assert len(healthy_mail.sent) == 1


@pytest.mark.parametrize(
    ("field", "template", "message"),
    [
        pytest.param(
            "po_template_html",
            LOOPS_ON_LARGE_POS,
            "The PO document template is too slow: it did not finish within 1 s.",
            id="slow_only_on_a_large_po_case",
        ),
        pytest.param(
            "email_body_template",
            "{% for line in lines %}{{ 'x' * 5000 }}{% endfor %}",
            "The email body template is too large: its output or memory use is over the limit "
            "(195 KB of text).",
            id="output_too_large_case",
        ),
        pytest.param(
            "email_subject_template",
            "{{ 'x' * 10**10 }}",
            "The email subject template is too large: its output or memory use is over the "
            "limit (195 KB of text).",
            id="gigabytes_of_memory_case",
        ),
    ],
)
def test_save_refuses_a_template_over_the_budget_with_a_field_error(
    uow_factory, shop, field, template, message
):
    started = time.monotonic()
    with pytest.raises(FormInvalid) as refused:
        save_settings(uow_factory, shop, {field: template}, TemplateDocuments(budget=BUDGET))

    assert time.monotonic() - started < 3 * (BUDGET.seconds + SLACK_SECONDS)
    assert refused.value.errors == {field: message}
    with uow_factory() as uow:
        assert getattr(uow.settings.get(shop), field) in ("", None)
