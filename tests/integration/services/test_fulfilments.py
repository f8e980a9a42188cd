"""Shipments written to the fake Saleor over HTTP, with Saleor's rules and errors."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from app.adapters.carriers import TrackingNumberCarriers
from app.adapters.saleor.documents import load_documents, load_schema
from app.adapters.saleor.gateway import SaleorHttpGateway
from app.adapters.saleor.parsing import parse_order
from app.domain.installations import Installation, SaleorApiUrl
from app.domain.orders import DropShipState
from app.domain.purchase_orders import POStatus
from app.domain.shipments import ShipmentStatus
from app.errors import Invalid
from app.services import tasks
from app.services.forms import FormInvalid
from app.services.lost_writes import queue_lost_writes
from app.services.orders import refresh_order, store_order_info
from app.services.ports import FulfilLine, SaleorUnavailable
from app.services.product_vendors import save_product_vendor
from app.services.purchase_orders import create_purchase_orders, list_purchase_orders
from app.services.reconcile import reconcile_fulfilments
from app.services.saleor_writes.fulfilment_changes import (
    cancel_in_saleor,
    update_tracking_in_saleor,
)
from app.services.saleor_writes.fulfilments import write_fulfilment
from app.services.shipment_imports import import_shipments_csv
from app.services.shipments import correct_tracking, list_shipments, record_shipment
from app.services.shop_settings import save_settings
from app.services.vendors import save_vendor
from tests.builders import make_line, make_order
from tests.conftest import ROOT, SCHEMA_PATH
from tests.fakes import BrokenTaskQueue, RecordingTaskQueue
from tests.gate import pass_the_gate
from tests.servers.fake_saleor.catalog import DEFAULT_WAREHOUSE

UPS = "1Z999AA10123456784"
USPS = "9400111899223397658533"
CARRIERS = TrackingNumberCarriers()

# Long enough for a call on a busy CI machine (2 s timed out once), short for the timeout tests.
SALEOR_TIMEOUT = 5.0


@dataclasses.dataclass
class Shop:
    uow_factory: object
    saleor: SaleorHttpGateway
    fake: object
    installation_id: int
    order: dict
    acme_po: object
    beta_po: object
    queue: RecordingTaskQueue

    @property
    def order_id(self):
        return self.order["id"]

    def line(self, index):
        return self.order["lines"][index]["id"]

    def write(self, shipment_id, final=False):
        return write_fulfilment(
            self.uow_factory,
            self.saleor,
            self.queue,
            installation_id=self.installation_id,
            shipment_id=shipment_id,
            final_attempt=final,
        )

    def ship(self, po, quantities, tracking=UPS, **kwargs):
        return record_shipment(
            self.uow_factory,
            self.queue,
            CARRIERS,
            self.installation_id,
            po.id,
            quantities=quantities,
            tracking=tracking,
            actor="merchant@shop.test",
            **kwargs,
        )

    def po(self, po):
        return next(
            p
            for p in list_purchase_orders(self.uow_factory, self.installation_id, self.order_id)
            if p.id == po.id
        )

    def state(self):
        with self.uow_factory() as uow:
            return uow.orders.get(self.installation_id, self.order_id).state


@pytest.fixture
def shop(uow_factory, fake_saleor):
    app = fake_saleor.add_app("Drop-ship", ["MANAGE_ORDERS", "MANAGE_PRODUCTS"], [])
    with uow_factory() as uow:
        installation = uow.installations.save(
            Installation(
                saleor_api_url=SaleorApiUrl(fake_saleor.api_url),
                app_id=app.app_id,
                token=app.token,
                jwks={},
            )
        )
        uow.commit()
    shop_id = installation.id
    order = make_order(
        number="2001",
        isPaid=True,
        chargeStatus="FULL",
        lines=[
            make_line(sku="SHIRT", quantity=3, allocations=[]),
            make_line(sku="MUG", quantity=1, allocations=[]),
        ],
    )
    fake_saleor.add_order(order)
    saleor = SaleorHttpGateway(
        schema=load_schema(SCHEMA_PATH),
        documents=load_documents(ROOT / "graphql"),
        subscriptions=load_documents(ROOT / "webhooks"),
        timeout=SALEOR_TIMEOUT,
        read_retries=1,
        backoff_seconds=0.01,
    )
    save_settings(uow_factory, shop_id, {"dropship_warehouse_id": DEFAULT_WAREHOUSE["id"]})
    acme = save_vendor(
        uow_factory,
        shop_id,
        {"name": "Acme", "code": "ACME", "currency": "USD", "emails_to": "a@acme.test"},
    )
    beta = save_vendor(
        uow_factory,
        shop_id,
        {"name": "Beta", "code": "BETA", "currency": "USD", "emails_to": "b@beta.test"},
    )
    for vendor, line in ((acme, order["lines"][0]), (beta, order["lines"][1])):
        save_product_vendor(
            uow_factory,
            shop_id,
            {
                "vendor_id": str(vendor.id),
                "product_id": line["variant"]["product"]["id"],
                "unit_cost": "5",
            },
        )
    with uow_factory() as uow:
        installation = uow.installations.get(shop_id)
    refresh_order(uow_factory, saleor, installation, order["id"])
    queue = RecordingTaskQueue()
    pass_the_gate(uow_factory, shop_id, order["id"])
    acme_po, beta_po = create_purchase_orders(
        uow_factory, queue, shop_id, order["id"], actor="m", send=False
    )
    return Shop(uow_factory, saleor, fake_saleor, shop_id, order, acme_po, beta_po, queue)


def _fulfilments(shop):
    fulfilments = shop.fake.order(shop.order_id).get("fulfillments") or []
    return [f for f in fulfilments if f["status"] != "CANCELED"]


def test_two_vendors_shipping_at_different_times_complete_the_order(shop):
    first = shop.ship(shop.acme_po, {shop.line(0): 3})
    assert shop.write(first.id) is ShipmentStatus.WRITTEN

    [fulfilment] = _fulfilments(shop)
    assert (fulfilment["trackingNumber"], fulfilment["notifyCustomer"]) == (UPS, True)
    assert shop.fake.order(shop.order_id)["status"] == "PARTIALLY_FULFILLED"
    assert shop.po(shop.acme_po).status is POStatus.SHIPPED
    assert shop.state() is DropShipState.IN_PROCESS

    second = shop.ship(shop.beta_po, {shop.line(1): 1}, tracking=USPS)
    assert shop.write(second.id) is ShipmentStatus.WRITTEN

    assert shop.fake.order(shop.order_id)["status"] == "FULFILLED"
    assert shop.po(shop.beta_po).status is POStatus.SHIPPED
    assert shop.state() is DropShipState.COMPLETE
    shipments = list_shipments(shop.uow_factory, shop.installation_id, shop.order_id)
    assert [(s.carrier.code, s.status) for s in shipments] == [
        ("ups", ShipmentStatus.WRITTEN),
        ("usps", ShipmentStatus.WRITTEN),
    ]


def test_partial_shipment_leaves_the_po_partially_shipped(shop):
    shipment = shop.ship(shop.acme_po, {shop.line(0): 2})

    shop.write(shipment.id)

    assert shop.po(shop.acme_po).status is POStatus.PARTIALLY_SHIPPED
    line = next(x for x in shop.fake.order(shop.order_id)["lines"] if x["id"] == shop.line(0))
    assert (line["quantityFulfilled"], line["quantityToFulfill"]) == (2, 1)
    with pytest.raises(Invalid, match="only 1 of 3 left"):
        shop.ship(shop.acme_po, {shop.line(0): 2})


def test_tracking_correction_updates_the_fulfilment(shop):
    shipment = shop.ship(shop.acme_po, {shop.line(0): 3})
    shop.write(shipment.id)

    correct_tracking(
        shop.uow_factory, shop.queue, CARRIERS, shop.installation_id, shipment.id, tracking=USPS
    )
    assert shop.queue.tasks[-1] == (
        tasks.UPDATE_TRACKING,
        {"installation_id": shop.installation_id, "shipment_id": shipment.id},
    )
    update_tracking_in_saleor(
        shop.uow_factory, shop.saleor, installation_id=shop.installation_id, shipment_id=shipment.id
    )

    assert [f["trackingNumber"] for f in _fulfilments(shop)] == [USPS]


def test_unpaid_order_is_refused_with_the_next_step_and_nothing_written(shop):
    shop.fake.store.orders[shop.order_id].update(isPaid=False, chargeStatus="NONE")
    shipment = shop.ship(shop.acme_po, {shop.line(0): 1})

    assert shop.write(shipment.id) is ShipmentStatus.NOT_WRITTEN

    [stored] = list_shipments(shop.uow_factory, shop.installation_id, shop.order_id)
    assert stored.failure_reason.startswith("Saleor refused: Cannot fulfill unpaid order.")
    assert "charge the order" in stored.failure_reason
    assert _fulfilments(shop) == []
    assert shop.po(shop.acme_po).status is POStatus.CREATED


def test_a_timeout_after_the_mutation_was_applied_makes_no_duplicate(shop):
    shipment = shop.ship(shop.acme_po, {shop.line(0): 3})
    shop.fake.delay_next_mutation(SALEOR_TIMEOUT + 1.0)

    with pytest.raises(SaleorUnavailable):
        shop.write(shipment.id)
    assert len(_fulfilments(shop)) == 1  # Saleor applied it; we did not hear back

    assert shop.write(shipment.id) is ShipmentStatus.WRITTEN

    [fulfilment] = _fulfilments(shop)
    [stored] = list_shipments(shop.uow_factory, shop.installation_id, shop.order_id)
    assert stored.fulfillment_ids == (fulfilment["id"],)
    assert stored.write_attempts == 2


def test_an_adopted_fulfilment_survives_a_late_read_of_the_order_from_before_it(shop):
    # given the only shipments of the order, Saleor applied each and answered too late
    first = shop.ship(shop.acme_po, {shop.line(0): 3})
    second = shop.ship(shop.beta_po, {shop.line(1): 1}, tracking=USPS)
    before = parse_order(shop.fake.order(shop.order_id))  # a read still on its way
    for shipment in (first, second):
        shop.fake.delay_next_mutation(SALEOR_TIMEOUT + 1.0)
        with pytest.raises(SaleorUnavailable):
            shop.write(shipment.id)
        assert shop.write(shipment.id) is ShipmentStatus.WRITTEN  # adopted on the retry
    assert shop.state() is DropShipState.COMPLETE

    # when the read from before the fulfilments is stored (a delivery processed late)
    with shop.uow_factory() as uow:
        order = store_order_info(uow, shop.installation_id, before)
        uow.commit()

    # then the stored order is still Saleor's latest: both lines fulfilled
    assert [line.quantity_fulfilled for line in order.info.lines] == [3, 1]


def test_a_package_without_lines_is_refused(shop):
    with pytest.raises(Invalid, match="at least one line in each of the 2 packages"):
        shop.ship(
            shop.acme_po, {shop.line(0): 3}, tracking=f"{UPS}, {USPS}", packages={shop.line(0): 1}
        )

    assert list_shipments(shop.uow_factory, shop.installation_id, shop.order_id) == []


def test_several_numbers_for_one_set_of_lines_are_joined_in_one_fulfilment(shop):
    shipment = shop.ship(shop.acme_po, {shop.line(0): 3}, tracking=f"{UPS} {USPS}")

    shop.write(shipment.id)

    assert [f["trackingNumber"] for f in _fulfilments(shop)] == [f"{UPS}, {USPS}"]


def test_notify_customer_follows_the_setting(shop):
    save_settings(shop.uow_factory, shop.installation_id, {"notify_customer": "0"})
    shipment = shop.ship(shop.acme_po, {shop.line(0): 3})

    shop.write(shipment.id)

    assert [f["notifyCustomer"] for f in _fulfilments(shop)] == [False]


def test_cancelled_shipment_cancels_the_fulfilment(shop):
    shipment = shop.ship(shop.acme_po, {shop.line(0): 3})
    shop.write(shipment.id)

    assert (
        cancel_in_saleor(
            shop.uow_factory,
            shop.saleor,
            shop.queue,
            installation_id=shop.installation_id,
            shipment_id=shipment.id,
        )
        is ShipmentStatus.CANCELLED
    )

    assert _fulfilments(shop) == []
    [stored] = list_shipments(shop.uow_factory, shop.installation_id, shop.order_id)
    assert stored.status is ShipmentStatus.CANCELLED


def test_fulfilment_made_by_hand_is_reconciled_into_the_po(shop):
    api = shop.saleor.api(shop.fake.api_url, _app_token(shop))  # someone fulfils the mug directly
    api.fulfil(
        shop.order_id,
        [FulfilLine(shop.line(1), 1, DEFAULT_WAREHOUSE["id"])],
        "HAND-123",
        notify_customer=False,
        allow_stock_to_be_exceeded=True,
    )
    with shop.uow_factory() as uow:
        installation = uow.installations.get(shop.installation_id)
    refresh_order(shop.uow_factory, shop.saleor, installation, shop.order_id)

    assert (
        reconcile_fulfilments(shop.uow_factory, shop.queue, shop.installation_id, shop.order_id)
        == 1
    )

    [stored] = list_shipments(shop.uow_factory, shop.installation_id, shop.order_id)
    assert (stored.purchase_order_id, stored.tracking_numbers, stored.source.value) == (
        shop.beta_po.id,
        ("HAND-123",),
        "saleor",
    )
    assert shop.po(shop.beta_po).status is POStatus.SHIPPED
    assert (
        reconcile_fulfilments(shop.uow_factory, shop.queue, shop.installation_id, shop.order_id)
        == 0
    )


def _app_token(shop):
    with shop.uow_factory() as uow:
        return uow.installations.get(shop.installation_id).token


def test_csv_import_of_many_rows_writes_every_shipment(shop):
    text = (
        "order,sku,quantity,carrier,tracking_number\n"
        + "2001,SHIRT,1,,1Z999AA10123456784\n" * 2
        + f"{shop.beta_po.number},MUG,1,usps,{USPS}\n"
    )

    report = import_shipments_csv(
        shop.uow_factory, shop.queue, CARRIERS, shop.installation_id, text, actor="m"
    )

    assert (report.rows, report.shipments) == (3, 2)
    writes = [kw["shipment_id"] for task, kw in shop.queue.tasks if task == tasks.WRITE_FULFILMENT]
    assert [shop.write(shipment_id) for shipment_id in writes] == [ShipmentStatus.WRITTEN] * 2
    assert sorted(f["trackingNumber"] for f in _fulfilments(shop)) == [UPS, USPS]
    assert shop.po(shop.acme_po).status is POStatus.PARTIALLY_SHIPPED


def test_csv_import_with_a_bad_row_records_nothing(shop):
    text = (
        "order,sku,quantity,tracking_number\n"
        "2001,SHIRT,1,1Z999AA10123456784\n9999,SHIRT,1,X1234\n2001,SHIRT,5,Z1234\n"
    )

    with pytest.raises(FormInvalid) as raised:
        import_shipments_csv(
            shop.uow_factory, shop.queue, CARRIERS, shop.installation_id, text, actor="m"
        )

    assert raised.value.rows == [
        "Row 3: no open PO for 9999 has SKU 'SHIRT'.",
        "Row 4: Blue Polygon Shirt: only 2 of 3 left to ship on PO 2001-1.",
    ]
    assert list_shipments(shop.uow_factory, shop.installation_id, shop.order_id) == []


def test_fulfilment_waiting_for_approval_is_approved_when_the_setting_says_so(shop):
    shop.fake.shop_settings["fulfillmentAutoApprove"] = False
    shipment = shop.ship(shop.acme_po, {shop.line(0): 3})

    assert shop.write(shipment.id) is ShipmentStatus.WRITTEN

    assert [f["status"] for f in _fulfilments(shop)] == ["FULFILLED"]


def test_fulfilment_stays_waiting_when_approval_is_off(shop):
    shop.fake.shop_settings["fulfillmentAutoApprove"] = False
    save_settings(shop.uow_factory, shop.installation_id, {"approve_fulfilments": "0"})
    shipment = shop.ship(shop.acme_po, {shop.line(0): 3})

    shop.write(shipment.id)

    assert [f["status"] for f in _fulfilments(shop)] == ["WAITING_FOR_APPROVAL"]


def test_skus_are_resolved_100_per_query(shop):
    for number in range(150):
        sku = f"BATCH-{number:03}"
        shop.fake.add_product(
            {
                "id": f"UHJvZHVjdDpiYXRjaC17{number}",
                "name": f"Batch {number}",
                "variants": [
                    {"id": f"UHJvZHVjdFZhcmlhbnQ6YmF0Y2g{number}", "sku": sku, "name": ""}
                ],
            }
        )
    shop.fake.requests.clear()
    api = shop.saleor.api(shop.fake.api_url, _app_token(shop))

    found = api.variants_by_sku([f"BATCH-{n:03}" for n in range(150)] + ["NOPE"])

    assert len(found) == 150 and "NOPE" not in found
    assert [call.operation_name for call in shop.fake.requests] == [
        "VariantsBySku",
        "VariantsBySku",
    ]


def test_cancelling_the_last_shipment_moves_the_po_and_order_back(shop):
    first = shop.ship(shop.acme_po, {shop.line(0): 3})
    second = shop.ship(shop.beta_po, {shop.line(1): 1}, tracking=USPS)
    shop.write(first.id)
    shop.write(second.id)
    assert shop.state() is DropShipState.COMPLETE

    cancel_in_saleor(
        shop.uow_factory,
        shop.saleor,
        shop.queue,
        installation_id=shop.installation_id,
        shipment_id=second.id,
    )

    assert shop.po(shop.beta_po).status is POStatus.CREATED
    assert [e.action for e in shop.po(shop.beta_po).events][-2:] == ["shipped", "back to created"]
    assert shop.po(shop.acme_po).status is POStatus.SHIPPED
    assert shop.state() is DropShipState.IN_PROCESS
    assert shop.fake.order(shop.order_id)["status"] == "PARTIALLY_FULFILLED"


def test_a_tracking_correction_queued_while_the_broker_is_down_is_swept_later(shop):
    shipment = shop.ship(shop.acme_po, {shop.line(0): 3})
    shop.write(shipment.id)

    # the broker is down: the correction is stored and the merchant gets no error
    correct_tracking(
        shop.uow_factory,
        BrokenTaskQueue(),
        CARRIERS,
        shop.installation_id,
        shipment.id,
        tracking=USPS,
    )
    queue = RecordingTaskQueue()
    queue_lost_writes(shop.uow_factory, queue, now=datetime.now(UTC) + timedelta(minutes=6))

    assert queue.tasks == [
        (
            tasks.UPDATE_TRACKING,
            {"installation_id": shop.installation_id, "shipment_id": shipment.id},
        )
    ]
