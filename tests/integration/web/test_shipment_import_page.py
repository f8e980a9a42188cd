"""The app page's shipment import over HTTP, signed in with the fake Saleor's dashboard tokens.

POs are arranged through the services (order 1042: PO 1042-1 from Acme with the shirt and the
cap, PO 1042-2 from Bolt Supply with the mug). Every row is recorded, or none.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest
import requests

from app.domain.shipments import Shipment, ShipmentSource, ShipmentStatus
from app.services import tasks
from app.services.orders import refresh_order
from app.services.product_vendors import save_product_vendor
from app.services.purchase_orders import create_purchase_orders
from app.services.shipments import list_shipments
from app.services.vendors import save_vendor
from tests.builders import global_id, make_line, make_order
from tests.gate import pass_the_gate
from tests.servers.fake_saleor import FakeSaleor

UPS = "1Z999AA10123456784"
USPS = "9400111899223397658533"
STAFF = "staff@example.com"
HEADER = "order,sku,quantity,carrier,tracking_number\n"


@dataclass
class Shop:
    fake: FakeSaleor
    live: object
    installation_id: int
    order_id: str
    shirt: str
    cap: str
    mug: str
    context: str


def _context(fake, live, app, **token_claims) -> str:
    token = fake.issue_dashboard_token(app, **token_claims)
    session = requests.post(
        f"{live.url}/app/session", json={"token": token, "saleorApiUrl": fake.api_url}, timeout=5
    )
    assert session.status_code == 200
    return session.json()["context"]


@pytest.fixture
def shop(installed) -> Shop:
    fake, live, app = installed
    uow_factory = live.container.uow_factory
    with uow_factory() as uow:
        installation = uow.installations.get_active_by_api_url(fake.api_url)
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
    lines = []
    for vendor, name, sku, quantity, pk in (
        (acme, "Polygon Shirt", "SHIRT-M", 3, 501),
        (acme, "Sun Cap", "CAP-1", 2, 502),
        (bolt, "Dark Mug", "MUG-1", 1, 503),
    ):
        product = global_id("Product", pk)
        save_product_vendor(
            uow_factory,
            installation.id,
            {"vendor_id": vendor.id, "product_id": product, "unit_cost": "5", "is_default": True},
        )
        line = make_line(sku=sku, quantity=quantity, productName=name)
        line["variant"]["product"] = {"id": product, "name": name}
        lines.append(line)
    order = make_order(number="1042", lines=lines)
    fake.add_order(order)
    refresh_order(uow_factory, live.container.saleor, installation, order["id"])
    pass_the_gate(uow_factory, installation.id, order["id"])
    create_purchase_orders(
        uow_factory,
        live.container.task_queue,
        installation.id,
        order["id"],
        actor=STAFF,
        send=False,
    )
    live.container.task_queue.tasks.clear()
    return Shop(
        fake, live, installation.id, order["id"], *(line["id"] for line in lines),
        _context(fake, live, app, email=STAFF),
    )  # fmt: skip


def _get(shop: Shop, path: str, context: str | None = None) -> requests.Response:
    headers = {"X-Dashboard-Context": context or shop.context}
    return requests.get(f"{shop.live.url}{path}", headers=headers, timeout=5)


def _import(shop: Shop, text: str = "", files=None, context: str | None = None):
    return requests.post(
        f"{shop.live.url}/app/shipments/import",
        headers={"X-Dashboard-Context": context or shop.context},
        data={"text": text},
        files=files,
        timeout=10,
    )


def _text(page: str, element_id: str) -> str:
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"no #{element_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(2))).split())


def _row_errors(page: str) -> list[str]:
    return [html.unescape(row) for row in re.findall(r"<li>(.*?)</li>", page)]


def _shipments(shop: Shop) -> list[Shipment]:
    return list_shipments(shop.live.container.uow_factory, shop.installation_id, shop.order_id)


def _writes(shop: Shop) -> list[dict]:
    queue = shop.live.container.task_queue
    return [kwargs for name, kwargs in queue.tasks if name == tasks.WRITE_FULFILMENT]


def test_the_page_explains_the_columns_and_offers_an_example(shop):
    page = _get(shop, "/app/shipments/import")

    assert page.status_code == 200
    assert "<code>order</code> (the order number or the PO number)" in page.text
    assert 'id="example-csv" data-nav href="/app/shipments/import/example.csv"' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert '<a data-nav href="/app/shipments/import" aria-current="page">Shipments</a>' in page.text
    assert _text(page.text, "user-email") == STAFF
    assert 'id="notice"' not in page.text and 'id="import-error"' not in page.text


def test_the_example_csv_downloads_and_imports_as_it_is(shop):
    example = _get(shop, "/app/shipments/import/example.csv")

    assert example.status_code == 200
    assert example.headers["Content-Type"].startswith("text/csv")
    assert example.headers["Content-Disposition"] == (
        'attachment; filename="shipments-example.csv"'
    )
    assert example.text.splitlines()[0] == HEADER.strip()
    # the example names order 1042 and PO 1042-2, as the shop here has them
    answer = _import(shop, example.text)
    assert _text(answer.text, "notice") == (
        "2 shipments recorded from 2 rows; they are being written to Saleor."
    )


def test_pasted_rows_record_shipments_and_queue_their_writes(shop):
    text = HEADER + (
        f"1042,SHIRT-M,2,,{UPS}\n"  # order number: found on PO 1042-1
        f"1042-1,CAP-1,1,,{UPS}\n"  # same PO and number: the same shipment
        f"1042-2,MUG-1,1,dhl,{USPS}\n"  # PO number, carrier chosen
    )

    answer = _import(shop, text)

    assert answer.status_code == 200
    notice = "2 shipments recorded from 3 rows; they are being written to Saleor."
    assert _text(answer.text, "notice") == notice
    assert 'data-notify="success"' in answer.text
    first, second = _shipments(shop)
    assert (first.quantities(), first.tracking_numbers) == ({shop.shirt: 2, shop.cap: 1}, (UPS,))
    assert (first.carrier.code, second.carrier.code) == ("ups", "dhl")
    assert second.quantities() == {shop.mug: 1}
    assert {s.source for s in (first, second)} == {ShipmentSource.IMPORT}
    assert {s.created_by for s in (first, second)} == {STAFF}
    assert {s.status for s in (first, second)} == {ShipmentStatus.PENDING}
    assert _writes(shop) == [
        {"installation_id": shop.installation_id, "shipment_id": first.id},
        {"installation_id": shop.installation_id, "shipment_id": second.id},
    ]


def test_an_uploaded_file_is_imported(shop):
    data = (HEADER + f"1042-2,MUG-1,1,,{USPS}\n").encode("utf-8-sig")

    answer = _import(shop, files={"file": ("shipments.csv", data, "text/csv")})

    assert _text(answer.text, "notice") == (
        "1 shipment recorded from 1 row; it is being written to Saleor."
    )
    [shipment] = _shipments(shop)
    assert shipment.carrier.code == "usps"


def test_any_bad_row_imports_nothing_and_lists_every_error(shop):
    text = HEADER + (
        f"1042,SHIRT-M,2,,{UPS}\n"  # fine on its own
        f"1042,SHIRT-M,2,,{USPS}\n"  # 2 + 2 is more than the 3 ordered
        f"9999,SHIRT-M,1,,{UPS}\n"
        f"1042,CAP-1,many,,{UPS}\n"
        f",MUG-1,1,,{USPS}\n"
        "1042-2,MUG-1,1,,\n"
    )

    answer = _import(shop, text)

    assert answer.status_code == 400
    assert "Nothing was imported: fix these rows." in _text(answer.text, "import-error")
    assert _row_errors(answer.text) == [
        "Row 4: no open PO for 9999 has SKU 'SHIRT-M'.",
        "Row 5: quantity must be a whole number above 0.",
        "Row 6: give the order or PO number.",
        "Row 3: Polygon Shirt: only 1 of 3 left to ship on PO 1042-1.",
        "Row 7: Enter the tracking number.",
    ]
    assert f"1042,SHIRT-M,2,,{USPS}" in answer.text  # the pasted rows are kept
    assert _shipments(shop) == []
    assert shop.live.container.task_queue.tasks == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "Choose a CSV file or paste its rows.", id="empty_case"),
        pytest.param(
            "order,sku,quantity\n1042,SHIRT-M,1\n",
            "The CSV needs the column(s): tracking_number.",
            id="missing_column_case",
        ),
        pytest.param(HEADER, "The CSV has no rows.", id="header_only_case"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(shop, text, message):
    answer = _import(shop, text)

    assert answer.status_code == 400
    assert _text(answer.text, "file-error") == message
    assert _shipments(shop) == []


def test_another_installation_cannot_import_onto_the_first_shop_pos(shop):
    with FakeSaleor() as other:
        other.rotate_key()  # fakes share one key per process; real Saleors each have their own
        other_app = other.install_app(shop.live.manifest_url)
        context = _context(other, shop.live, other_app)

        answer = _import(shop, HEADER + f"1042-1,SHIRT-M,1,,{UPS}\n", context=context)

    assert answer.status_code == 400
    assert _row_errors(answer.text) == ["Row 2: no open PO for 1042-1 has SKU 'SHIRT-M'."]
    assert _shipments(shop) == []
    assert shop.live.container.task_queue.tasks == []


def test_without_a_signed_context_nothing_is_imported(shop):
    answer = requests.post(
        f"{shop.live.url}/app/shipments/import",
        data={"text": HEADER + f"1042-1,SHIRT-M,1,,{UPS}\n"},
        timeout=5,
    )

    assert answer.status_code == 401
    assert _shipments(shop) == []
