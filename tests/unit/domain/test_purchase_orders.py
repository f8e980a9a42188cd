from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.adapters.saleor.parsing import parse_order
from app.domain.errors import RuleViolation
from app.domain.money import Money
from app.domain.orders import Address, Order
from app.domain.plans import ChosenBy, LineChoice, build_plan
from app.domain.purchase_orders import (
    OrderFacts,
    POStatus,
    can_transition,
    draft_purchase_orders,
    po_number,
)
from app.domain.vendors import IntegrationKind, ProductVendor, Vendor, VendorOption

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
ACME = Vendor(name="Acme", code="ACME", currency="USD", emails_to=("po@acme.test",), id=1)
BETA = Vendor(name="Beta", code="BETA", currency="USD", integration=IntegrationKind.MANUAL, id=2)
ADDRESS = Address(first_name="Ada", city="MOUNTAIN VIEW", country_code="US")
FACTS = OrderFacts("UNFULFILLED", ADDRESS, "ada@example.com")


def _line(line_id, product_id, quantity, sku):
    return {
        "id": line_id,
        "productName": f"Product {product_id}",
        "variantName": "M",
        "productSku": sku,
        "quantity": quantity,
        "quantityFulfilled": 0,
        "variant": {"id": f"var-{product_id}", "sku": sku, "product": {"id": product_id}},
    }


def _entry(vendor, product_id, cost, default=False, vendor_sku=""):
    pv = ProductVendor(
        vendor_id=vendor.id,
        product_id=product_id,
        unit_cost=Money(Decimal(cost), vendor.currency),
        vendor_sku=vendor_sku,
        is_default=default,
    )
    return VendorOption(pv, vendor)


ORDER = Order(
    parse_order(
        {
            "id": "O1",
            "number": "1042",
            "status": "UNFULFILLED",
            "lines": [
                _line("L1", "P1", 2, "SKU-1"),
                _line("L2", "P2", 1, "SKU-2"),
                _line("L3", "P3", 4, "SKU-3"),
            ],
        }
    )
)
CATALOGUE = [
    _entry(ACME, "P1", "10.00", default=True, vendor_sku="A-1"),
    _entry(BETA, "P1", "9.00"),
    _entry(BETA, "P2", "25.50", default=True),
]


def _draft(plan, on_open=None, next_sequence=1, facts=FACTS):
    entries = {
        (line.order_line_id, o.vendor_id): o.product_vendor
        for line in plan.lines
        for o in line.options
    }
    return draft_purchase_orders(
        plan,
        facts,
        {1: ACME, 2: BETA},
        entries,
        on_open or {},
        next_sequence,
        created_at=NOW,
        actor="staff@shop.test",
    )


def test_plan_gives_defaults_and_marks_lines_without_vendor():
    plan = build_plan(ORDER, CATALOGUE)

    assert [(line.order_line_id, line.vendor_id) for line in plan.lines] == [
        ("L1", 1),
        ("L2", 2),
        ("L3", None),
    ]
    assert [len(line.options) for line in plan.lines] == [2, 1, 0]


def test_plan_keeps_the_merchants_choice_and_is_stable():
    previous = {
        "L1": LineChoice("L1", 2, ChosenBy.MERCHANT),
        "L2": LineChoice("L2", None, ChosenBy.DEFAULT),
    }

    plan = build_plan(ORDER, CATALOGUE, previous)

    assert [line.vendor_id for line in plan.lines] == [2, 2, None]
    assert build_plan(ORDER, CATALOGUE, {c.order_line_id: c for c in plan.choices}) == plan


def test_one_po_per_vendor_with_numbers_costs_and_ship_to():
    pos = _draft(build_plan(ORDER, CATALOGUE))

    assert [(po.number, po.vendor_name, po.sequence) for po in pos] == [
        ("1042-1", "Acme", 1),
        ("1042-2", "Beta", 2),
    ]
    acme, beta = pos
    assert [(line.vendor_sku, line.sku, line.quantity) for line in acme.lines] == [
        ("A-1", "SKU-1", 2)
    ]
    assert acme.total == Money(Decimal("20.00"), "USD")
    assert beta.lines[0].vendor_sku == "SKU-2"
    assert acme.ship_to == ADDRESS and acme.customer_email == "ada@example.com"
    assert [(e.actor, e.action) for e in acme.events] == [("staff@shop.test", "created")]


def test_quantities_already_on_open_pos_are_not_ordered_again():
    pos = _draft(build_plan(ORDER, CATALOGUE), on_open={"L1": 1, "L2": 1}, next_sequence=3)

    assert [(po.number, [(x.order_line_id, x.quantity) for x in po.lines]) for po in pos] == [
        ("1042-3", [("L1", 1)])
    ]


def test_nothing_left_to_order_is_refused_with_a_message():
    with pytest.raises(RuleViolation, match="already on a purchase order"):
        _draft(build_plan(ORDER, CATALOGUE), on_open={"L1": 2, "L2": 1})


def test_order_without_any_vendor_is_refused():
    plan = build_plan(ORDER, [])

    with pytest.raises(RuleViolation, match="No line of this order has a vendor"):
        _draft(plan)


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        pytest.param(
            OrderFacts("CANCELED", ADDRESS, ""), "cancelled|canceled", id="cancelled_case"
        ),
        pytest.param(
            OrderFacts("UNFULFILLED", None, ""), "no shipping address", id="no_address_case"
        ),
    ],
)
def test_orders_that_cannot_be_shipped_are_refused(facts, message):
    with pytest.raises(RuleViolation, match=message):
        _draft(build_plan(ORDER, CATALOGUE), facts=facts)


def test_vendor_without_email_is_refused():
    no_email = Vendor(name="Acme", code="ACME", currency="USD", id=1)
    plan = build_plan(ORDER, CATALOGUE)
    entries = {
        (line.order_line_id, o.vendor_id): o.product_vendor
        for line in plan.lines
        for o in line.options
    }

    with pytest.raises(RuleViolation, match="has no order email"):
        draft_purchase_orders(plan, FACTS, {1: no_email, 2: BETA}, entries, {}, 1)


def test_lifecycle_records_who_and_what():
    po = _draft(build_plan(ORDER, CATALOGUE))[0]

    po.record_send_failure(actor="automation", at=NOW, reason="SMTP timeout")
    assert (po.status, po.failure_reason) == (POStatus.SEND_FAILED, "SMTP timeout")
    po.mark_sent(actor="automation", at=NOW, via="email")
    po.mark_sent(actor="staff@shop.test", at=NOW, via="email")
    po.record_send_failure(actor="automation", at=NOW, reason="refused")

    assert (po.status, po.revision, po.failure_reason) == (POStatus.SENT, 2, None)
    assert [e.action for e in po.events] == [
        "created",
        "send failed",
        "sent",
        "resent",
        "resend failed",
    ]
    po.acknowledge(actor="vendor", at=NOW)
    with pytest.raises(RuleViolation):
        po.mark_sent(actor="x", at=NOW, via="email")


def test_cancel_needs_a_reason_and_is_final():
    po = _draft(build_plan(ORDER, CATALOGUE))[0]

    with pytest.raises(RuleViolation, match="reason"):
        po.cancel(actor="x", at=NOW, reason=" ")
    po.cancel(actor="x", at=NOW, reason="customer changed mind")
    assert po.status is POStatus.CANCELLED and not po.status.is_open
    with pytest.raises(RuleViolation):
        po.mark_sent(actor="x", at=NOW, via="manual")


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (POStatus.CREATED, POStatus.SHIPPED, False),
        (POStatus.SENT, POStatus.ACKNOWLEDGED, True),
        (POStatus.SHIPPED, POStatus.CANCELLED, False),
        (POStatus.PARTIALLY_SHIPPED, POStatus.SHIPPED, True),
        (POStatus.CANCELLED, POStatus.SENT, False),
    ],
)
def test_allowed_transitions(current, target, allowed):
    assert can_transition(current, target) is allowed


def test_number_pattern():
    assert po_number("{order}-{n}", "1042", 2) == "1042-2"
    assert po_number("PO-{order}/{n}", "7", 1) == "PO-7/1"


def test_a_sent_po_is_resent_not_marked_as_sent_again():
    po = _draft(build_plan(ORDER, CATALOGUE))[0]
    po.mark_sent_by_hand(actor="staff@shop.test", at=NOW)
    assert (po.status, po.sent_via, po.revision) == (POStatus.SENT, "manual", 1)

    assert not po.can_mark_sent
    with pytest.raises(RuleViolation, match="cannot be marked as sent"):
        po.mark_sent_by_hand(actor="staff@shop.test", at=NOW)
    assert (po.revision, [e.action for e in po.events]) == (1, ["created", "sent"])
    assert po.can_resend(sends_automatically=True)
    assert not po.can_resend(sends_automatically=False)


@pytest.mark.parametrize("status_case", list(POStatus))
def test_the_offered_actions_are_the_ones_the_lifecycle_allows(status_case):
    po = _draft(build_plan(ORDER, CATALOGUE))[0]
    po.status = status_case

    def allowed(action):
        try:
            action()
        except RuleViolation:
            return False
        return True

    marked = _draft(build_plan(ORDER, CATALOGUE))[0]
    marked.status = status_case
    assert po.can_mark_sent == allowed(lambda: marked.mark_sent_by_hand(actor="x", at=NOW))
    cancelled = _draft(build_plan(ORDER, CATALOGUE))[0]
    cancelled.status = status_case
    assert po.can_cancel == allowed(lambda: cancelled.cancel(actor="x", at=NOW, reason="r"))
    sendable = allowed(po.ensure_sendable)
    assert po.can_send(True) or po.can_resend(True) or not sendable
    assert not (po.can_send(True) and po.can_resend(True))
    assert not po.can_send(False) and not po.can_resend(False)
