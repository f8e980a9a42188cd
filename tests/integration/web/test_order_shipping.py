"""The order widget's Shipping section over HTTP: add tracking, correct, write again, cancel.

Vendors, product vendors and POs are arranged through the services; the order comes from the
fake Saleor. The task queue records tasks; where a test needs the worker's outcome it runs the
fulfilment service itself against the fake Saleor, as the worker would.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest
import requests

from app.domain.orders import DropShipState
from app.domain.purchase_orders import POStatus
from app.domain.shipments import Shipment, ShipmentSource, ShipmentStatus
from app.services import tasks
from app.services.orders import refresh_order, view_order
from app.services.product_vendors import save_product_vendor
from app.services.purchase_orders import (
    cancel_purchase_order,
    create_purchase_orders,
    list_purchase_orders,
    mark_purchase_order_sent,
)
from app.services.saleor_writes.fulfilments import write_fulfilment
from app.services.shipments import list_shipments
from app.services.shop_settings import save_settings
from app.services.vendors import save_vendor
from tests.builders import global_id, make_line, make_order
from tests.gate import pass_the_gate
from tests.servers.fake_saleor import FakeSaleor
from tests.servers.fake_saleor.catalog import DEFAULT_WAREHOUSE

UPS = "1Z999AA10123456784"
UPS_2 = "1Z12345E6605272234"
USPS = "9400111899223397658533"
FEDEX = "986578788855"
UPS_URL = f"https://wwwapps.ups.com/WebTracking/track?track=yes&amp;trackNums={UPS}"
STAFF = "staff@example.com"
TIMES = "\u00d7"  # the multiplication sign of "2 x Sun Cap"


@dataclass
class Shop:
    fake: FakeSaleor
    live: object
    installation_id: int
    order_id: str
    shirt: str  # 3 on PO 1042-1 (Acme)
    cap: str  # 2 on PO 1042-1 (Acme)
    mug: str  # 1 on PO 1042-2 (Bolt Supply)
    acme_po: int
    bolt_po: int
    token: str

    @property
    def uow_factory(self):
        return self.live.container.uow_factory


def _line(name: str, sku: str, quantity: int, product_id: str) -> dict:
    """Drop-shipped: no stock allocated in Saleor (fulfilled from the drop-ship warehouse)."""
    line = make_line(sku=sku, quantity=quantity, productName=name, variantName="M", allocations=[])
    line["variant"]["product"] = {"id": product_id, "name": name}
    return line


def _arrange(fake, live, app, *, paid: bool = True) -> Shop:
    uow_factory = live.container.uow_factory
    with uow_factory() as uow:
        installation = uow.installations.get_active_by_api_url(fake.api_url)
    save_settings(uow_factory, installation.id, {"dropship_warehouse_id": DEFAULT_WAREHOUSE["id"]})
    acme = save_vendor(
        uow_factory,
        installation.id,
        {"name": "Acme", "code": "ACME", "currency": "USD", "emails_to": "po@acme.test"},
    )
    bolt = save_vendor(
        uow_factory,
        installation.id,
        {"name": "Bolt Supply", "code": "BOLT", "currency": "USD", "integration": "manual"},
    )
    shirt, cap, mug = (global_id("Product", pk) for pk in (501, 502, 503))
    for vendor, product, cost in ((acme, shirt, "12.50"), (acme, cap, "6.00"), (bolt, mug, "3.25")):
        save_product_vendor(
            uow_factory,
            installation.id,
            {"vendor_id": vendor.id, "product_id": product, "unit_cost": cost, "is_default": True},
        )
    lines = [
        _line("Polygon Shirt", "SHIRT-M", 3, shirt),
        _line("Sun Cap", "CAP-1", 2, cap),
        _line("Dark Mug", "MUG-1", 1, mug),
    ]
    payment = {"isPaid": True, "chargeStatus": "FULL"} if paid else {}
    order = make_order(number="1042", lines=lines, **payment)
    fake.add_order(order)
    refresh_order(uow_factory, live.container.saleor, installation, order["id"])
    queue = live.container.task_queue
    pass_the_gate(uow_factory, installation.id, order["id"])
    acme_po, bolt_po = create_purchase_orders(
        uow_factory, queue, installation.id, order["id"], actor=STAFF, send=False
    )
    for po in (acme_po, bolt_po):
        mark_purchase_order_sent(uow_factory, queue, installation.id, po.id, actor=STAFF)
    queue.tasks.clear()  # only what the shipping actions queue is of interest
    return Shop(
        fake, live, installation.id, order["id"], *(line["id"] for line in lines), acme_po.id,
        bolt_po.id, fake.issue_dashboard_token(app, email=STAFF),
    )  # fmt: skip


@pytest.fixture
def shop(installed) -> Shop:
    return _arrange(*installed)


# --- helpers --------------------------------------------------------------------------------


def open_widget(shop: Shop) -> str:
    data = {"saleorApiUrl": shop.fake.api_url, "accessToken": shop.token, "orderId": shop.order_id}
    answer = requests.post(f"{shop.live.url}/widgets/order", data=data, timeout=10)
    assert answer.status_code == 200
    return answer.text


def field(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no {name} field in the page"
    return html.unescape(match.group(1))


def post(shop: Shop, page: str, path: str, data: list[tuple[str, str]]) -> requests.Response:
    """A widget form as the page sends it: context, orderId and drawn_at from the page."""
    hidden = [(name, field(page, name)) for name in ("context", "orderId", "drawn_at")]
    return requests.post(f"{shop.live.url}{path}", data=hidden + data, timeout=30)


def add_tracking(
    shop: Shop,
    page: str,
    po_id: int,
    quantities: dict[str, str],
    tracking: str,
    carrier: str = "",
    packages: dict[str, str] | None = None,
) -> requests.Response:
    data = [("po_id", str(po_id)), ("tracking", tracking), ("carrier", carrier)]
    for line_id, quantity in quantities.items():
        data += [("line_id", line_id), ("quantity", quantity)]
        if packages is not None:
            data.append(("package", packages[line_id]))
    if packages is not None:
        data.append(("per_package", "1"))
    return post(shop, page, "/widgets/order/shipments", data)


def shipment_action(shop: Shop, page: str, shipment_id: int, action: str, **fields: str):
    path = f"/widgets/order/shipments/{shipment_id}/{action}"
    return post(shop, page, path, list(fields.items()))


def banner(page: str) -> str:
    match = re.search(r'<div id="outcome".*?</div>', page, re.S)
    assert match, "no outcome banner"
    return words(match.group(0))


def words(fragment: str) -> str:
    """The text a reader sees: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def shipping_card(page: str, po_number: str) -> str:
    match = re.search(
        rf'class="ow-card ow-shipping" data-po-number="{re.escape(po_number)}">(.*?)\n  </li>',
        page,
        re.S,
    )
    assert match, f"no shipping card for PO {po_number}"
    return match.group(1)


def shipment_block(page: str, shipment_id: int) -> str:
    match = re.search(rf'data-shipment-id="{shipment_id}".*?\n      </li>', page, re.S)
    assert match, f"shipment {shipment_id} not shown"
    return match.group(0)


def quantity_defaults(card: str) -> dict[str, str]:
    """line id -> the quantity the Add tracking form proposes."""
    return dict(
        re.findall(
            r'name="line_id" value="([^"]+)">.*?name="quantity"[^>]*?value="(\d*)"', card, re.S
        )
    )


def shipments(shop: Shop) -> list[Shipment]:
    return list_shipments(shop.uow_factory, shop.installation_id, shop.order_id)


def queued(shop: Shop, task: str) -> list[dict]:
    return [kwargs for name, kwargs in shop.live.container.task_queue.tasks if name == task]


def run_worker(shop: Shop, shipment_id: int) -> ShipmentStatus:
    """What write_fulfilment_task does with the queued shipment, against the fake Saleor."""
    return write_fulfilment(
        shop.uow_factory,
        shop.live.container.saleor,
        shop.live.container.task_queue,
        installation_id=shop.installation_id,
        shipment_id=shipment_id,
        final_attempt=True,
    )


def statuses(shop: Shop) -> dict[str, POStatus]:
    pos = list_purchase_orders(shop.uow_factory, shop.installation_id, shop.order_id)
    return {po.number: po.status for po in pos}


# --- what the section shows -----------------------------------------------------------------


def test_each_sent_po_offers_add_tracking_with_what_is_left(shop):
    page = open_widget(shop)

    acme, bolt = shipping_card(page, "1042-1"), shipping_card(page, "1042-2")
    assert "Acme · 0 of 5 shipped" in words(acme)
    assert quantity_defaults(acme) == {shop.shirt: "3", shop.cap: "2"}
    assert quantity_defaults(bolt) == {shop.mug: "1"}
    assert "Polygon Shirt · M (3 of 3 left)" in words(acme)
    assert 'action="/widgets/order/shipments' in acme
    assert f'name="po_id" value="{shop.acme_po}"' in acme
    # one line: no package choice; two lines: one package select per line and the mode checkbox
    assert 'name="per_package"' in acme and acme.count('name="package"') == 2
    assert 'name="per_package"' not in bolt and 'name="package"' not in bolt
    carriers = re.findall(r'<option value="([a-z0-9]*)"', acme.split('name="carrier"')[1])
    assert carriers == ["", "ups", "usps", "fedex", "dhl", "ontrac", "amazon", "s10", "other"]
    assert '<option value="">Detect from number</option>' in acme
    # every form carries the signed context, the order and when it was drawn
    form = acme.split('class="ow-ship"')[1]
    for name in ("context", "orderId", "drawn_at"):
        assert f'name="{name}"' in form


def test_order_without_pos_has_nothing_to_ship(installed):
    fake, live, app = installed
    shop = _arrange(fake, live, app)
    for po_id in (shop.acme_po, shop.bolt_po):
        cancel_purchase_order(
            shop.uow_factory,
            live.container.task_queue,
            shop.installation_id,
            po_id,
            actor=STAFF,
            reason="Wrong vendor",
        )

    page = open_widget(shop)

    assert 'id="nothing-to-ship"' in page
    assert 'class="ow-card ow-shipping"' not in page


# --- adding tracking ------------------------------------------------------------------------


def test_add_tracking_records_part_of_a_po_and_queues_the_write(shop):
    page = open_widget(shop)

    answer = add_tracking(shop, page, shop.acme_po, {shop.shirt: "1", shop.cap: "0"}, UPS)

    assert answer.status_code == 200
    assert banner(answer.text) == (
        f"Tracking added 1 item(s) with tracking {UPS} (UPS): being written to Saleor."
    )
    [shipment] = shipments(shop)
    assert shipment.purchase_order_id == shop.acme_po
    assert shipment.quantities() == {shop.shirt: 1}
    assert shipment.tracking_numbers == (UPS,)
    assert (shipment.carrier.code, shipment.carrier.name) == ("ups", "UPS")
    assert (shipment.source, shipment.created_by) == (ShipmentSource.MERCHANT, STAFF)
    assert shipment.status is ShipmentStatus.PENDING
    assert queued(shop, tasks.WRITE_FULFILMENT) == [
        {"installation_id": shop.installation_id, "shipment_id": shipment.id}
    ]
    # Listed under its PO: a UPS link, pending, who and where from; the form proposes the rest
    block = shipment_block(answer.text, shipment.id)
    assert f'<a href="{UPS_URL}" target="_blank" rel="noopener noreferrer"' in block
    assert 'class="badge shipment-pending shipment-status">Pending<' in block
    assert f"UPS Pending {UPS} 1 {TIMES} Polygon Shirt · M Merchant · {STAFF} ·" in words(block)
    card = shipping_card(answer.text, "1042-1")
    assert "Acme · 1 of 5 shipped" in words(card)
    assert quantity_defaults(card) == {shop.shirt: "2", shop.cap: "2"}
    assert "Write again" not in block  # only for shipments Saleor refused


@pytest.mark.parametrize(
    ("number", "carrier", "code", "name", "link"),
    [
        pytest.param(
            USPS, "", "usps", "USPS",
            f"https://tools.usps.com/go/TrackConfirmAction?tLabels={USPS}", id="usps_detected_case",
        ),
        pytest.param(
            FEDEX, "", "fedex", "FedEx",
            f"https://www.fedex.com/apps/fedextrack/?tracknumbers={FEDEX}",
            id="fedex_detected_case",
        ),
        pytest.param(
            UPS, "dhl", "dhl", "DHL",
            f"https://www.dhl.com/en/express/tracking.html?AWB={UPS}", id="dhl_override_case",
        ),
        pytest.param("ABC-12345", "", None, "Carrier not recognised", None, id="unknown_case"),
    ],
)  # fmt: skip
def test_carrier_is_detected_from_the_number_unless_chosen(shop, number, carrier, code, name, link):
    page = open_widget(shop)

    answer = add_tracking(shop, page, shop.bolt_po, {shop.mug: "1"}, number, carrier)

    assert answer.status_code == 200
    [shipment] = shipments(shop)
    assert (shipment.carrier.code if shipment.carrier else None) == code
    block = shipment_block(answer.text, shipment.id)
    assert name in words(block)
    if link:
        assert f'<a href="{html.escape(link)}"' in block
    else:
        assert (
            "<a href" not in block and f'<span class="ow-tracking-number">{number}</span>' in block
        )


def test_more_than_is_left_is_refused_and_nothing_is_stored(shop):
    page = add_tracking(shop, open_widget(shop), shop.acme_po, {shop.shirt: "2"}, UPS).text
    before = shipments(shop)

    answer = add_tracking(shop, page, shop.acme_po, {shop.shirt: "2", shop.cap: "1"}, UPS_2)

    assert answer.status_code == 400
    assert banner(answer.text) == (
        "Nothing was changed Polygon Shirt: only 1 of 3 left to ship on PO 1042-1."
    )
    assert shipments(shop) == before
    assert len(queued(shop, tasks.WRITE_FULFILMENT)) == 1
    # the form comes back open, as the merchant filled it
    card = shipping_card(answer.text, "1042-1")
    assert '<details class="ow-add-tracking" open>' in card
    assert f'value="{UPS_2}"' in card
    assert quantity_defaults(card) == {shop.shirt: "2", shop.cap: "1"}


@pytest.mark.parametrize(
    ("quantities", "tracking", "carrier", "message"),
    [
        pytest.param(
            {"shirt": "two"}, UPS, "",
            "Enter each quantity as a whole number (0 for a line that did not ship).",
            id="quantity_not_a_number_case",
        ),
        pytest.param(
            {"shirt": "-1"}, UPS, "",
            "Enter each quantity as a whole number (0 for a line that did not ship).",
            id="negative_quantity_case",
        ),
        pytest.param(
            {"shirt": "0", "cap": ""}, UPS, "",
            "Enter the quantity shipped for at least one line.", id="nothing_shipped_case",
        ),
        pytest.param({"shirt": "1"}, "  ", "", "Enter the tracking number.", id="no_number_case"),
        pytest.param(
            {"shirt": "1"}, "1Z<b>", "", "'1Z<B>' does not look like a tracking number.",
            id="bad_number_case",
        ),
        pytest.param(
            {"shirt": "1"}, UPS, "royalmail", "Choose one of the listed carriers.",
            id="unknown_carrier_case",
        ),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_the_reason(shop, quantities, tracking, carrier, message):
    page = open_widget(shop)
    lines = {getattr(shop, name): quantity for name, quantity in quantities.items()}

    answer = add_tracking(shop, page, shop.acme_po, lines, tracking, carrier)

    assert answer.status_code == 400
    assert banner(answer.text) == f"Nothing was changed {message}"
    assert shipments(shop) == []
    assert shop.live.container.task_queue.tasks == []


def test_a_line_of_another_po_is_refused(shop):
    page = open_widget(shop)

    answer = add_tracking(shop, page, shop.acme_po, {shop.mug: "1"}, UPS)

    assert answer.status_code == 400
    assert banner(answer.text) == "Nothing was changed That line is not on PO 1042-1."
    assert shipments(shop) == []


@pytest.mark.parametrize(
    ("po_id", "message"),
    [
        pytest.param("999999", "This purchase order does not exist.", id="unknown_po_case"),
        pytest.param("1 OR 1=1", "This record does not exist.", id="not_an_id_case"),
    ],
)
def test_an_unknown_po_is_not_found(shop, po_id, message):
    page = open_widget(shop)
    data = [("po_id", po_id), ("line_id", shop.shirt), ("quantity", "1"), ("tracking", UPS)]

    answer = post(shop, page, "/widgets/order/shipments", data)

    assert answer.status_code == 404
    assert banner(answer.text) == f"Nothing was changed {message}"
    assert shipments(shop) == []


def test_several_numbers_one_package_each(shop):
    page = open_widget(shop)

    answer = add_tracking(
        shop,
        page,
        shop.acme_po,
        {shop.shirt: "3", shop.cap: "2"},
        f"{UPS}, {UPS_2}",
        packages={shop.shirt: "0", shop.cap: "1"},
    )

    assert answer.status_code == 200
    assert banner(answer.text) == (
        f"Tracking added 5 item(s) with tracking {UPS}, {UPS_2} (UPS): being written to Saleor."
    )
    [shipment] = shipments(shop)
    assert shipment.split_by_package is True
    assert shipment.tracking_numbers == (UPS, UPS_2)
    assert {line.order_line_id: line.package for line in shipment.lines} == {
        shop.shirt: 0,
        shop.cap: 1,
    }
    assert [kw["shipment_id"] for kw in queued(shop, tasks.WRITE_FULFILMENT)] == [shipment.id]
    # one parcel per number, each with its own link and its own lines
    parcels = re.findall(r'<div class="ow-parcel small">(.*?)</div>', answer.text, re.S)
    assert [words(parcel) for parcel in parcels] == [
        f"{UPS} 3 {TIMES} Polygon Shirt · M",
        f"{UPS_2} 2 {TIMES} Sun Cap · M",
    ]
    assert f"trackNums={UPS_2}" in answer.text
    # everything shipped: the PO takes no more tracking
    assert "Add tracking…" not in shipping_card(answer.text, "1042-1")


@pytest.mark.parametrize(
    ("packages", "message"),
    [
        pytest.param(
            {"shirt": "0", "cap": "2"},
            "You entered 2 tracking numbers: choose package 1 to 2 for each line.",
            id="package_without_number_case",
        ),
        pytest.param(
            {"shirt": "0", "cap": "0"},
            "Put at least one line in each of the 2 packages, or enter fewer numbers.",
            id="number_without_package_case",
        ),
    ],
)
def test_packages_must_match_the_numbers(shop, packages, message):
    page = open_widget(shop)
    chosen = {getattr(shop, name): index for name, index in packages.items()}

    answer = add_tracking(
        shop, page, shop.acme_po, {shop.shirt: "1", shop.cap: "1"}, f"{UPS}, {UPS_2}",
        packages=chosen,
    )  # fmt: skip

    assert answer.status_code == 400
    assert banner(answer.text) == f"Nothing was changed {message}"
    assert shipments(shop) == []
    assert 'name="per_package" value="1" checked' in answer.text


def test_several_numbers_without_packages_make_one_shipment(shop):
    page = open_widget(shop)

    add_tracking(shop, page, shop.acme_po, {shop.shirt: "1", shop.cap: "1"}, f"{UPS} {UPS_2}")

    [shipment] = shipments(shop)
    assert shipment.split_by_package is False
    assert shipment.tracking_numbers == (UPS, UPS_2)


# --- correcting, writing again, cancelling --------------------------------------------------


def _recorded(shop: Shop, tracking: str = UPS, quantity: str = "1") -> tuple[str, Shipment]:
    page = add_tracking(shop, open_widget(shop), shop.acme_po, {shop.shirt: quantity}, tracking)
    assert page.status_code == 200
    return page.text, shipments(shop)[-1]


def test_correct_tracking_of_a_pending_shipment(shop):
    page, shipment = _recorded(shop)
    assert f'value="{UPS}"' in shipment_block(page, shipment.id)  # prefilled
    assert '<option value="ups" selected>' in shipment_block(page, shipment.id)

    answer = shipment_action(shop, page, shipment.id, "tracking", tracking=FEDEX, carrier="")

    assert answer.status_code == 200
    assert banner(answer.text) == (
        f"Tracking corrected Now tracking {FEDEX} (FedEx). It goes to Saleor with the new number."
    )
    [stored] = shipments(shop)
    assert (stored.tracking_numbers, stored.carrier.code) == ((FEDEX,), "fedex")
    assert "fedextrack" in shipment_block(answer.text, shipment.id)
    assert len(queued(shop, tasks.WRITE_FULFILMENT)) == 1  # the queued write takes the new number
    assert queued(shop, tasks.UPDATE_TRACKING) == []


def test_correct_tracking_of_a_written_shipment_updates_saleor(shop):
    page, shipment = _recorded(shop)
    assert run_worker(shop, shipment.id) is ShipmentStatus.WRITTEN

    answer = shipment_action(shop, page, shipment.id, "tracking", tracking=UPS_2, carrier="dhl")

    assert banner(answer.text) == (
        f"Tracking corrected Now tracking {UPS_2} (DHL). Saleor is being updated."
    )
    assert shipments(shop)[0].carrier.code == "dhl"
    assert queued(shop, tasks.UPDATE_TRACKING) == [
        {"installation_id": shop.installation_id, "shipment_id": shipment.id}
    ]


def test_a_bad_correction_changes_nothing_and_keeps_the_input(shop):
    page, shipment = _recorded(shop)

    answer = shipment_action(shop, page, shipment.id, "tracking", tracking="no!", carrier="")

    assert answer.status_code == 400
    assert banner(answer.text) == "Nothing was changed 'NO!' does not look like a tracking number."
    assert shipments(shop)[0].tracking_numbers == (UPS,)
    block = shipment_block(answer.text, shipment.id)
    assert '<details class="ow-correct" open>' in block and 'value="no!"' in block


def test_write_again_is_offered_only_for_a_shipment_saleor_refused(installed):
    shop = _arrange(*installed, paid=False)  # Saleor fulfils only paid orders
    page, shipment = _recorded(shop)
    assert f"/shipments/{shipment.id}/retry" not in page
    refused = shipment_action(shop, page, shipment.id, "retry")
    assert refused.status_code == 400
    assert banner(refused.text) == (
        "Nothing was changed Only a shipment Saleor refused can be written again."
    )
    assert len(queued(shop, tasks.WRITE_FULFILMENT)) == 1

    # the worker runs: Saleor refuses, the widget says why and what to do
    assert run_worker(shop, shipment.id) is ShipmentStatus.NOT_WRITTEN
    page = post(shop, page, "/widgets/order/refresh", []).text
    block = shipment_block(page, shipment.id)
    assert 'class="badge shipment-not_written shipment-status">Not written<' in block
    [reason] = [words(m) for m in re.findall(r'ow-not-written">(.*?)</div>', block, re.S)]
    assert reason.startswith("Saleor refused: Cannot fulfill unpaid order.")  # the reason
    assert (  # and the next step
        "Saleor fulfils only paid orders: charge the order (or allow unpaid fulfilment in "
        "Saleor's order settings), then write the shipment again."
    ) in reason
    assert f"/shipments/{shipment.id}/retry" in block

    answer = shipment_action(shop, page, shipment.id, "retry")

    assert answer.status_code == 200
    assert banner(answer.text) == (
        f"Writing again The shipment with tracking {UPS} (UPS) is being written to Saleor again."
    )
    assert shipments(shop)[0].status is ShipmentStatus.PENDING
    assert [kw["shipment_id"] for kw in queued(shop, tasks.WRITE_FULFILMENT)] == [
        shipment.id,
        shipment.id,
    ]
    assert "Pending" in words(shipment_block(answer.text, shipment.id))


def test_correcting_a_refused_shipment_writes_it_again(installed):
    shop = _arrange(*installed, paid=False)
    page, shipment = _recorded(shop)
    run_worker(shop, shipment.id)

    answer = shipment_action(shop, page, shipment.id, "tracking", tracking=UPS_2, carrier="")

    assert banner(answer.text) == (
        f"Tracking corrected Now tracking {UPS_2} (UPS). It goes to Saleor with the new number."
    )
    [stored] = shipments(shop)
    assert (stored.tracking_numbers, stored.status) == ((UPS_2,), ShipmentStatus.PENDING)
    assert [kw["shipment_id"] for kw in queued(shop, tasks.WRITE_FULFILMENT)] == [
        shipment.id,
        shipment.id,
    ]


def test_cancel_a_pending_shipment_frees_its_quantities(shop):
    page, shipment = _recorded(shop, quantity="3")

    answer = shipment_action(shop, page, shipment.id, "cancel")

    assert answer.status_code == 200
    assert banner(answer.text) == (
        f"Shipment cancelled Shipment {UPS} is cancelled: its quantities can be shipped again."
    )
    assert shipments(shop)[0].status is ShipmentStatus.CANCELLED
    block = shipment_block(answer.text, shipment.id)
    assert ">Cancelled<" in block
    assert "/cancel" not in block and "/tracking" not in block and "/retry" not in block
    assert quantity_defaults(shipping_card(answer.text, "1042-1"))[shop.shirt] == "3"
    assert queued(shop, tasks.CANCEL_SHIPMENT) == []
    again = shipment_action(shop, page, shipment.id, "cancel")
    assert banner(again.text) == "Nothing was changed This shipment is already cancelled."


def test_cancel_a_written_shipment_cancels_it_in_saleor(shop):
    page, shipment = _recorded(shop)
    run_worker(shop, shipment.id)

    answer = shipment_action(shop, page, shipment.id, "cancel")

    assert answer.status_code == 200
    assert banner(answer.text) == (
        f"Cancelling shipment Its fulfilment in Saleor is being cancelled ({UPS}); "
        "refresh to follow it."
    )
    assert queued(shop, tasks.CANCEL_SHIPMENT) == [
        {"installation_id": shop.installation_id, "shipment_id": shipment.id}
    ]


# --- the worker's progress, seen on Refresh -------------------------------------------------


def test_refresh_shows_written_shipments_po_progress_and_the_completed_order(shop):
    page, first = _recorded(shop, quantity="2")
    run_worker(shop, first.id)

    page = post(shop, page, "/widgets/order/refresh", []).text

    assert "Written to Saleor" in words(shipment_block(page, first.id))
    assert re.search(r'data-po-number="1042-1" data-status="partially_shipped"', page)
    assert "Partially shipped" in words(shipping_card(page, "1042-1"))
    assert statuses(shop) == {"1042-1": POStatus.PARTIALLY_SHIPPED, "1042-2": POStatus.SENT}

    # the rest of both POs ships
    page = add_tracking(shop, page, shop.acme_po, {shop.shirt: "1", shop.cap: "2"}, UPS_2).text
    page = add_tracking(shop, page, shop.bolt_po, {shop.mug: "1"}, USPS).text
    for shipment in shipments(shop)[1:]:
        assert run_worker(shop, shipment.id) is ShipmentStatus.WRITTEN

    page = post(shop, page, "/widgets/order/refresh", []).text

    assert statuses(shop) == {"1042-1": POStatus.SHIPPED, "1042-2": POStatus.SHIPPED}
    assert [words(m) for m in re.findall(r'class="badge po-shipped [\w-]+">(\w+)<', page)] == [
        "Shipped"
    ] * 4  # the PO list and the shipping section
    assert '<span class="badge state-complete" id="order-state"' in page
    view = view_order(shop.uow_factory, shop.installation_id, shop.order_id)
    assert view.snapshot.state is DropShipState.COMPLETE
    assert "Add tracking…" not in page


# --- who may see and act --------------------------------------------------------------------


def test_another_installation_cannot_see_or_act_on_the_first_shop_shipments(shop):
    page, shipment = _recorded(shop)
    tasks_before = list(shop.live.container.task_queue.tasks)
    with FakeSaleor() as other:
        other.rotate_key()  # fakes share one key per process; real Saleors each have their own
        other_app = other.install_app(shop.live.manifest_url)
        data = {
            "saleorApiUrl": other.api_url,
            "accessToken": other.issue_dashboard_token(other_app),
            "orderId": shop.order_id,
        }
        theirs = requests.post(f"{shop.live.url}/widgets/order", data=data, timeout=10)

    # B's widget for A's order shows nothing of A
    assert theirs.status_code == 200
    assert UPS not in theirs.text and "1042" not in theirs.text
    # B's context can act on none of A's POs or shipments
    form = {"context": field(theirs.text, "context"), "orderId": shop.order_id}
    base = f"{shop.live.url}/widgets/order"
    answers = [
        requests.post(
            f"{base}/shipments",
            data={
                **form,
                "po_id": shop.acme_po,
                "line_id": shop.cap,
                "quantity": "1",
                "tracking": UPS_2,
            },
            timeout=10,
        ),
        requests.post(
            f"{base}/shipments/{shipment.id}/tracking",
            data={**form, "tracking": FEDEX},
            timeout=10,
        ),
        requests.post(f"{base}/shipments/{shipment.id}/retry", data=form, timeout=10),
        requests.post(f"{base}/shipments/{shipment.id}/cancel", data=form, timeout=10),
    ]
    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    assert all(UPS not in answer.text for answer in answers)
    [stored] = shipments(shop)
    assert (stored.tracking_numbers, stored.status) == ((UPS,), ShipmentStatus.PENDING)
    assert shop.live.container.task_queue.tasks == tasks_before
    assert UPS in open_widget(shop)  # A still sees its own


def test_after_the_apps_own_fulfilments_the_widget_shows_saleors_status(shop):
    """Saleor's FULFILLMENT_CREATED caused by the app is skipped at ingest, so the copy of the
    order comes from what orderFulfill answered (no Refresh, no webhook)."""
    page = open_widget(shop)
    assert 'title="Status in Saleor">Saleor: Unfulfilled<' in page
    page = add_tracking(shop, page, shop.acme_po, {shop.shirt: "3", shop.cap: "2"}, UPS).text
    page = add_tracking(shop, page, shop.bolt_po, {shop.mug: "1"}, USPS).text
    for shipment in shipments(shop):
        assert run_worker(shop, shipment.id) is ShipmentStatus.WRITTEN
    calls = [call.operation_name for call in shop.fake.requests]
    assert "OrderDetails" not in calls[calls.index("OrderFulfill") :]  # read from the answers

    page = open_widget(shop)

    assert shop.fake.store.get_order(shop.order_id)["status"] == "FULFILLED"
    assert 'title="Status in Saleor">Saleor: Fulfilled<' in page
    assert "Order #1042 · fulfilled · 3 lines" in page
    assert '<span class="badge state-complete" id="order-state"' in page
