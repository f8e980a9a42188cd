"""Issue 15's vendor API, end to end: the vendor's system posts a shipment with its API key, two
tracking numbers in two packages; the real worker writes two fulfilments to the (fake) Saleor
and the merchant's order widget shows the vendor's shipment. A replay of the same request id
ships nothing more. Through HTTP and a real Celery worker (the catalogue arranged with the
services, as the vendor pages store it)."""

from __future__ import annotations

import requests
from sqlalchemy import select

from app.adapters.db import tables
from app.services.product_vendors import save_product_vendor
from app.services.shop_settings import save_settings
from app.services.vendor_api_keys import issue_vendor_api_key
from app.services.vendors import save_vendor
from tests.builders import make_line, make_order
from tests.e2e.conftest import open_widget, wait_until, worker_idle
from tests.gate import GO_AHEAD
from tests.servers.fake_saleor.catalog import DEFAULT_WAREHOUSE

UPS = "1Z999AA10123456784"
USPS = "9400111899223397658533"


def _arrange(live, api_url, order) -> str:
    """One vendor for both lines, with an API key; returns the key."""
    uow_factory = live.container.uow_factory
    with uow_factory() as uow:
        shop = uow.installations.get_active_by_api_url(api_url).id
    save_settings(uow_factory, shop, {"dropship_warehouse_id": DEFAULT_WAREHOUSE["id"]})
    data = {"name": "Acme Supply", "code": "ACME", "currency": "USD", "integration": "manual"}
    vendor = save_vendor(uow_factory, shop, data)
    for line in order["lines"]:
        product = {"vendor_id": str(vendor.id), "product_id": line["variant"]["product"]["id"]}
        save_product_vendor(uow_factory, shop, product | {"unit_cost": "7"})
    return issue_vendor_api_key(uow_factory, shop, vendor.id, actor="merchant").plaintext


def _po_number(engine):
    with engine.connect() as connection:
        return connection.execute(select(tables.purchase_orders.c.number)).scalar_one_or_none()


def test_a_vendor_posts_a_shipment_with_its_key_and_saleor_gets_the_fulfilments(
    e2e, engine, worker
):
    fake, live, app = e2e
    order = make_order(
        number="3101",
        isPaid=True,
        chargeStatus="FULL",
        lines=[
            make_line(sku="LAMP", quantity=2, allocations=[]),
            make_line(sku="SHADE", quantity=1, allocations=[]),
        ],
    )
    fake.add_order(order)
    key = _arrange(live, fake.api_url, order)
    fake.send_event(app, "ORDER_CREATED", order_id=order["id"])
    wait_until(lambda: _plan_ready(engine), what="the plan")
    fields = open_widget(live, fake, app, order["id"])[1]
    created = requests.post(
        f"{live.url}/widgets/order/purchase-orders",
        data={**fields, "send": "0", **GO_AHEAD},
        timeout=10,
    )
    assert created.status_code == 200, created.text
    number = _po_number(engine)

    def post_shipment():
        return requests.post(
            f"{live.url}/api/vendor/v1/purchase-orders/{number}/shipments",
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "acme-ship-3101"},
            json={
                "tracking_numbers": [UPS, USPS],
                "lines": [
                    {"sku": "LAMP", "quantity": 2, "package": 1},
                    {"sku": "SHADE", "quantity": 1, "package": 2},
                ],
            },
            timeout=10,
        )

    shipped = post_shipment()

    assert shipped.status_code == 201, shipped.text
    wait_until(lambda: fake.order(order["id"])["status"] == "FULFILLED", what="fulfilled")
    fulfilments = fake.order(order["id"])["fulfillments"]
    assert sorted(f["trackingNumber"] for f in fulfilments) == sorted([UPS, USPS])

    replayed = post_shipment()

    assert replayed.status_code == 201
    assert replayed.json() == shipped.json()
    assert replayed.headers["Idempotent-Replayed"] == "true"
    wait_until(lambda: worker_idle(engine, worker), what="the worker idle")
    assert len(fake.order(order["id"])["fulfillments"]) == 2
    widget = open_widget(live, fake, app, order["id"])[0]
    assert UPS in widget and USPS in widget
    assert "Acme Supply (vendor API)" in widget


def _plan_ready(engine):
    with engine.connect() as connection:
        return connection.execute(select(tables.plan_lines)).first() is not None
