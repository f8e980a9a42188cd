"""An HTTP vendor end to end, through HTTP and a real Celery worker: "Create PO(s) & Send" makes
the worker POST the PO as signed JSON to the vendor's system on loopback, which checks the
signature; the PO shows sent by http."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import requests

from app.domain.vendor_http import EndpointPolicy
from app.services.dispatch import send_key
from app.services.product_vendors import save_product_vendor
from app.services.shop_settings import save_settings
from app.services.vendors import save_vendor
from tests.builders import make_line, make_order
from tests.e2e.conftest import open_widget, wait_until
from tests.gate import GO_AHEAD
from tests.servers.fake_saleor.catalog import DEFAULT_WAREHOUSE
from tests.servers.http_vendor import HttpVendorServer

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "docs" / "schemas" / "purchase-order.v1.json").read_text()
)


def _http_vendor(live, api_url, order, server):
    uow_factory = live.container.uow_factory
    with uow_factory() as uow:
        installation_id = uow.installations.get_active_by_api_url(api_url).id
    save_settings(uow_factory, installation_id, {"dropship_warehouse_id": DEFAULT_WAREHOUSE["id"]})
    acme = save_vendor(
        uow_factory,
        installation_id,
        {
            "name": "Acme Supply",
            "code": "ACME",
            "currency": "USD",
            "integration": "http",
            "http_url": server.url,
        },
        endpoint_policy=EndpointPolicy(private_hosts_allowed=True),
    )
    save_product_vendor(
        uow_factory,
        installation_id,
        {
            "vendor_id": str(acme.id),
            "product_id": order["lines"][0]["variant"]["product"]["id"],
            "unit_cost": "10.00",
            "vendor_sku": "ACME-SHIRT",
            "is_default": "1",
        },
    )
    server.secret = acme.http.signing_secret
    return installation_id


def test_create_and_send_posts_a_signed_po_to_the_vendors_system(e2e):
    fake, live, app = e2e
    order = make_order(
        number="7101",
        isPaid=True,
        chargeStatus="FULL",
        lines=[make_line(sku="SHIRT", quantity=2, allocations=[])],
    )
    fake.add_order(order)
    with HttpVendorServer() as server:
        installation_id = _http_vendor(live, fake.api_url, order, server)
        fake.send_event(app, "ORDER_CREATED", order_id=order["id"])
        page, fields = wait_until(
            lambda: (
                (found := open_widget(live, fake, app, order["id"]))
                and "Acme Supply" in found[0]
                and found
            ),
            what="the plan",
        )

        created = requests.post(
            f"{live.url}/widgets/order/purchase-orders",
            timeout=10,
            data={**fields, "send": "1", **GO_AHEAD},
        )
        assert created.status_code == 200, created.text
        [received] = wait_until(lambda: server.received, what="the POST to the vendor")

        def sent_po():
            with live.container.uow_factory() as uow:
                [po] = uow.purchase_orders.list_for_order(installation_id, order["id"])
            return po if po.status.value == "sent" else None

        po = wait_until(sent_po, what="the PO sent")
    assert received.verified
    document = received.document
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert (document["po_number"], document["order_number"], document["type"]) == (
        "7101-1",
        "7101",
        "purchase_order",
    )
    assert [(x["vendor_sku"], x["quantity"]) for x in document["lines"]] == [("ACME-SHIRT", 2)]
    assert po.sent_via == "http"
    assert received.headers["idempotency-key"] == f"po-{installation_id}-{po.id}-r1"
    assert send_key(installation_id, po) == f"po-{installation_id}-{po.id}-r2"  # next revision
