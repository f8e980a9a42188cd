from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.domain.errors import RuleViolation
from app.domain.money import Money
from app.domain.orders import Address
from app.domain.purchase_orders import POLine, POStatus, PurchaseOrder
from app.domain.shipments import (
    FulfilmentRequest,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    clean_shipment_lines,
    clean_tracking_numbers,
    fulfilment_requests,
    po_status_after_shipping,
    shipped_quantities,
)

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def _po(status=POStatus.SENT):
    cost = Money(Decimal("1"), "USD")
    return PurchaseOrder(
        number="1042-1",
        sequence=1,
        saleor_order_id="O",
        order_number="1042",
        vendor_id=1,
        vendor_name="Acme",
        currency="USD",
        ship_to=Address(),
        customer_email="",
        status=status,
        lines=[
            POLine("L1", "S1", "V1", "Shirt", "M", 3, cost),
            POLine("L2", "S2", "V2", "Mug", "", 1, cost),
        ],
    )


def _shipment(lines, numbers=("1Z1",), split=False, status=ShipmentStatus.WRITTEN):
    return Shipment(1, "O", tuple(numbers), lines, split_by_package=split, status=status)


def test_never_more_than_ordered_minus_shipped():
    with pytest.raises(RuleViolation, match="only 1 of 3 left"):
        clean_shipment_lines(_po(), {"L1": 2}, {"L1": 2})

    assert clean_shipment_lines(_po(), {"L1": 1, "L2": 0}, {"L1": 2}) == [ShipmentLine("L1", 1)]


@pytest.mark.parametrize(
    ("requested", "message"),
    [
        pytest.param({"L9": 1}, "not on PO", id="other_line_case"),
        pytest.param({"L1": -1}, "negative", id="negative_case"),
        pytest.param({"L1": 0}, "at least one line", id="nothing_case"),
    ],
)
def test_bad_quantities_are_refused(requested, message):
    with pytest.raises(RuleViolation, match=message):
        clean_shipment_lines(_po(), requested, {})


def test_cancelled_po_ships_nothing():
    with pytest.raises(RuleViolation, match="cancelled"):
        clean_shipment_lines(_po(POStatus.CANCELLED), {"L1": 1}, {})


def test_tracking_numbers_are_normalised_and_checked():
    assert clean_tracking_numbers("1z999aa1, 1Z999AA1; 94001") == ("1Z999AA1", "94001")
    assert clean_tracking_numbers("1z999aa10123456784, 9400111899223397658533") == (
        "1Z999AA10123456784",
        "9400111899223397658533",
    )
    with pytest.raises(RuleViolation):
        clean_tracking_numbers("abc")
    with pytest.raises(RuleViolation):
        clean_tracking_numbers("1Z999/AA1")


def test_several_numbers_without_packages_make_one_fulfilment():
    shipment = _shipment([ShipmentLine("L1", 2), ShipmentLine("L2", 1)], numbers=("1ZA", "1ZB"))

    assert fulfilment_requests(shipment) == [FulfilmentRequest("1ZA, 1ZB", (("L1", 2), ("L2", 1)))]


def test_one_fulfilment_per_package_when_split():
    shipment = _shipment(
        [ShipmentLine("L1", 2, package=0), ShipmentLine("L2", 1, package=1)],
        numbers=("1ZA", "1ZB"),
        split=True,
    )

    assert fulfilment_requests(shipment) == [
        FulfilmentRequest("1ZA", (("L1", 2),)),
        FulfilmentRequest("1ZB", (("L2", 1),)),
    ]


def test_po_status_follows_shipped_quantities_and_cancelled_shipments_do_not_count():
    written = _shipment([ShipmentLine("L1", 3)])
    cancelled = _shipment([ShipmentLine("L2", 1)], status=ShipmentStatus.CANCELLED)
    shipped = shipped_quantities([written, cancelled])

    assert shipped == {"L1": 3}
    assert po_status_after_shipping(_po(), shipped) is POStatus.PARTIALLY_SHIPPED
    assert po_status_after_shipping(_po(), {"L1": 3, "L2": 1}) is POStatus.SHIPPED
    assert po_status_after_shipping(_po(), {}) is None
    assert po_status_after_shipping(_po(POStatus.CANCELLED), {"L1": 3, "L2": 1}) is None
