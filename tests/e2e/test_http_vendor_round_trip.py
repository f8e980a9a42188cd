"""Issue 15's "done when" for vendors with systems, end to end: a vendor set to HTTP gets the PO
as signed JSON, and its system answers from that document alone (the PO number and the lines'
vendor SKUs) with its API key: it acknowledges the PO and posts a shipment, which the real
worker writes to the (fake) Saleor as a fulfilment and the merchant's widget shows."""

from __future__ import annotations

import requests

from app.domain.purchase_orders import POStatus
from app.domain.vendor_http import EndpointPolicy
from app.services.product_vendors import save_product_vendor
from app.services.shop_settings import save_settings
from app.services.vendor_api_keys import issue_vendor_api_key
from app.services.vendors import save_vendor
from tests.builders import make_line, make_order
from tests.e2e.conftest import open_widget, wait_until, worker_idle
from tests.gate import GO_AHEAD
from tests.servers.fake_saleor.catalog import DEFAULT_WAREHOUSE
from tests.servers.http_vendor import HttpVendorServer

UPS = "1Z999AA10123456784"


def _http_vendor_with_key(live, api_url, order, server):
    """Acme, an HTTP vendor whose system is ``server``, with an API key; (shop, key)."""
    uow_factory = live.container.uow_factory
    with uow_factory() as uow:
        shop = uow.installations.get_active_by_api_url(api_url).id
    save_settings(uow_factory, shop, {"dropship_warehouse_id": DEFAULT_WAREHOUSE["id"]})
    acme = save_vendor(
        uow_factory,
        shop,
        {
            "name": "Acme Supply",
            "code": "ACME",
            "currency": "USD",
            "integration": "http",
            "http_url": server.url,
        },
        endpoint_policy=EndpointPolicy(private_hosts_allowed=True),
    )
    for n, line in enumerate(order["lines"]):
        save_product_vendor(
            uow_factory,
            shop,
            {
                "vendor_id": str(acme.id),
                "product_id": line["variant"]["product"]["id"],
                "unit_cost": "10.00",
                "vendor_sku": f"ACME-{n}",
            },
        )
    server.secret = acme.http.signing_secret
    return shop, issue_vendor_api_key(uow_factory, shop, acme.id, actor="merchant").plaintext


def test_an_http_vendor_gets_the_signed_po_and_ships_it_back_with_its_key(e2e, engine, worker):
    fake, live, app = e2e
    order = make_order(
        number="7301",
        isPaid=True,
        chargeStatus="FULL",
        lines=[
            make_line(sku="LAMP", quantity=2, allocations=[]),
            make_line(sku="SHADE", quantity=1, allocations=[]),
        ],
    )
    fake.add_order(order)
    with HttpVendorServer() as server:
        shop, key = _http_vendor_with_key(live, fake.api_url, order, server)
        fake.send_event(app, "ORDER_CREATED", order_id=order["id"])
        fields = wait_until(
            lambda: (
                (found := open_widget(live, fake, app, order["id"]))
                and "Acme Supply" in found[0]
                and found[1]
            ),
            what="the plan",
        )
        created = requests.post(
            f"{live.url}/widgets/order/purchase-orders",
            data={**fields, "send": "1", **GO_AHEAD},
            timeout=10,
        )
        assert created.status_code == 200, created.text
        [received] = wait_until(lambda: server.received, what="the PO at the vendor's system")
    assert received.verified
    document = received.document
    api = f"{live.url}/api/vendor/v1/purchase-orders/{document['po_number']}"
    auth = {"Authorization": f"Bearer {key}"}

    acknowledged = requests.post(
        f"{api}/acknowledgement",
        headers=auth | {"Idempotency-Key": f"ack-{document['send_id']}"},
        json={"lines": []},  # every line confirmed
        timeout=10,
    )
    shipped = requests.post(
        f"{api}/shipments",
        headers=auth | {"Idempotency-Key": f"ship-{document['send_id']}"},
        json={
            "tracking_numbers": [UPS],
            "lines": [
                {"vendor_sku": line["vendor_sku"], "quantity": line["quantity"]}
                for line in document["lines"]
            ],
        },
        timeout=10,
    )

    assert acknowledged.status_code == 200, acknowledged.text
    assert shipped.status_code == 201, shipped.text
    wait_until(lambda: fake.order(order["id"])["status"] == "FULFILLED", what="fulfilled")
    wait_until(lambda: worker_idle(engine, worker), what="the worker idle")
    [fulfilment] = fake.order(order["id"])["fulfillments"]
    assert fulfilment["trackingNumber"] == UPS
    with live.container.uow_factory() as uow:
        [po] = uow.purchase_orders.list_for_order(shop, order["id"])
    assert po.status is POStatus.SHIPPED
    assert "acknowledged by vendor" in [event.action for event in po.events]
    widget = open_widget(live, fake, app, order["id"])[0]
    assert UPS in widget and "Acme Supply (vendor API)" in widget
