"""Issue 4's "done when": for a two-vendor order, the merchant enters one vendor's tracking number
in the widget and Saleor's order becomes partially fulfilled with that number and a customer
notification; the second vendor's shipment arrives by CSV import and the order becomes
fulfilled and "Complete". Through HTTP and a real Celery worker only (the catalogue is arranged
with the services, as the vendor pages store it)."""

from __future__ import annotations

import requests
from sqlalchemy import select

from app.adapters.db import tables
from app.services.product_vendors import save_product_vendor
from app.services.shop_settings import save_settings
from app.services.vendors import save_vendor
from tests.builders import make_line, make_order
from tests.e2e.conftest import open_widget, wait_until
from tests.gate import GO_AHEAD
from tests.servers.fake_saleor.catalog import DEFAULT_WAREHOUSE

UPS = "1Z999AA10123456784"
USPS = "9400111899223397658533"


def _arrange(live, api_url, order):
    uow_factory = live.container.uow_factory
    with uow_factory() as uow:
        shop = uow.installations.get_active_by_api_url(api_url).id
    save_settings(uow_factory, shop, {"dropship_warehouse_id": DEFAULT_WAREHOUSE["id"]})
    for code, line in (("ACME", order["lines"][0]), ("BETA", order["lines"][1])):
        vendor = save_vendor(
            uow_factory,
            shop,
            {
                "name": f"{code.title()} Supply",
                "code": code,
                "currency": "USD",
                "integration": "manual",
            },
        )
        save_product_vendor(
            uow_factory,
            shop,
            {
                "vendor_id": str(vendor.id),
                "product_id": line["variant"]["product"]["id"],
                "unit_cost": "7",
            },
        )


def _pos(engine):
    with engine.connect() as connection:
        return connection.execute(
            select(
                tables.purchase_orders.c.id,
                tables.purchase_orders.c.number,
                tables.purchase_orders.c.status,
            ).order_by(tables.purchase_orders.c.sequence)
        ).all()


def _state(engine):
    with engine.connect() as connection:
        return connection.execute(select(tables.orders.c.dropship_state)).scalar_one()


def test_tracking_from_the_widget_then_a_csv_import_completes_the_order(e2e, engine):
    fake, live, app = e2e
    order = make_order(
        number="3001",
        isPaid=True,
        chargeStatus="FULL",
        lines=[
            make_line(sku="LAMP", quantity=2, allocations=[]),
            make_line(sku="SHADE", quantity=1, allocations=[]),
        ],
    )
    fake.add_order(order)
    _arrange(live, fake.api_url, order)
    fake.send_event(app, "ORDER_CREATED", order_id=order["id"])
    wait_until(lambda: _state(engine) if _plan_ready(engine) else None, what="the plan")

    fields = open_widget(live, fake, app, order["id"])[1]
    created = requests.post(
        f"{live.url}/widgets/order/purchase-orders",
        data={**fields, "send": "0", **GO_AHEAD},  # paid, its review not approved: confirmed
        timeout=10,
    )
    assert created.status_code == 200, created.text
    (acme_id, acme_number, _), (_, beta_number, _) = _pos(engine)

    shipped = requests.post(
        f"{live.url}/widgets/order/shipments",
        timeout=10,
        data={
            **open_widget(live, fake, app, order["id"])[1],
            "po_id": str(acme_id),
            "line_id": order["lines"][0]["id"],
            "quantity": "2",
            "tracking": UPS,
            "carrier": "",
        },
    )
    assert shipped.status_code == 200, shipped.text
    wait_until(
        lambda: fake.order(order["id"])["status"] == "PARTIALLY_FULFILLED",
        what="partial fulfilment",
    )
    [fulfilment] = fake.order(order["id"])["fulfillments"]
    assert (fulfilment["trackingNumber"], fulfilment["notifyCustomer"]) == (UPS, True)
    wait_until(
        lambda: [row.status for row in _pos(engine)] == ["shipped", "created"], what="PO 1 shipped"
    )

    session = requests.post(
        f"{live.url}/app/session",
        timeout=10,
        json={
            "token": fake.issue_dashboard_token(app),
            "saleorApiUrl": fake.api_url,
        },
    ).json()
    imported = requests.post(
        f"{live.url}/app/shipments/import",
        timeout=10,
        headers={"X-Dashboard-Context": session["context"]},
        data={
            "text": f"order,sku,quantity,carrier,tracking_number\n{beta_number},SHADE,1,,{USPS}\n"
        },
    )
    assert imported.status_code == 200, imported.text

    wait_until(lambda: fake.order(order["id"])["status"] == "FULFILLED", what="fulfilled")
    wait_until(lambda: _state(engine) == "complete", what="Complete")
    assert sorted(f["trackingNumber"] for f in fake.order(order["id"])["fulfillments"]) == [
        UPS,
        USPS,
    ]
    assert [row.status for row in _pos(engine)] == ["shipped", "shipped"]
    metadata = wait_until(
        lambda: (
            (m := {x["key"]: x["value"] for x in fake.order(order["id"])["metadata"]}).get(
                "dropship.state"
            )
            == "Complete"
            and m
        ),
        what="Complete written back to Saleor",
    )
    assert metadata["dropship.state"] == "Complete"
    assert acme_number == "3001-1"


def _plan_ready(engine):
    with engine.connect() as connection:
        return connection.execute(select(tables.plan_lines)).first() is not None
