"""TemplateDocuments: PO PDF (WeasyPrint, read back with pypdf), CSV and email texts."""

from __future__ import annotations

import base64
import io
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from app.adapters.documents import TemplateDocuments
from app.adapters.saleor.parsing import parse_address
from app.domain.po_changes import LineChange, POChanges
from app.domain.purchase_orders import POStatus
from app.errors import Invalid
from app.services.ports import DocumentContext
from tests.builders import make_address, make_po_line, make_purchase_order

pytest_plugins = ["tests.servers.smtp_fixtures"]

CSV_HEADER = (
    "po_number,order_number,vendor_sku,sku,product,variant,quantity,unit_cost,line_total,"
    "currency,ship_to_name,ship_to_company,ship_to_street1,ship_to_street2,ship_to_city,"
    "ship_to_postal_code,ship_to_country_area,ship_to_country,ship_to_phone,requested_service,"
    "ship_by,carrier,carrier_service_code,carrier_account"
)
SHIP_TO_CELLS = (
    "Ada Lovelace,Analytical Engines LLC,1600 Amphitheatre Parkway,,MOUNTAIN VIEW,94043,CA,US,"
    "'+16502530000,,,,,"  # then no shipping instructions
)
# A 1x1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def make_context(**changes: Any) -> DocumentContext:
    context = {
        "shop_name": "Polygon Shop",
        "merchant_email": "merchant@shop.example",
        "vendor_code": "ACME",
        "po_notes": "Deliver on weekdays only.",
    }
    return DocumentContext(**{**context, **changes})


def pdf_text(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]


@pytest.fixture
def documents() -> TemplateDocuments:
    return TemplateDocuments()


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback port that records whether anyone connected."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.setblocking(False)
        yield server


def test_pdf_shows_the_purchase_order(documents):
    pdf = documents.purchase_order_pdf(make_purchase_order(), make_context())

    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert text[0] == "Purchase order 21-1"
    for expected in (
        "PO number 21-1",
        "Date 2026-11-29",
        "Order number 21",
        "Acme Supplies",
        "Vendor code ACME",
        "Ada Lovelace",
        "Analytical Engines LLC",
        "1600 Amphitheatre Parkway",
        "94043 MOUNTAIN VIEW",
        "CA, US",
        "Phone +16502530000",
        "ada.buyer@example.com",
        "ACME-100 SKU-SHIRT-M Blue Polygon Shirt — M 3 12.50 37.50",
        "ACME-200 SKU-MUG Mug 1 1,234.50 1,234.50",
        "Total EUR 1,272.00",
        "Deliver on weekdays only.",
        "Questions about this order? Write to merchant@shop.example and quote PO 21-1.",
    ):
        assert expected in text


def test_pdf_prints_markup_in_values_as_text(documents):
    lines = [make_po_line("SKU-1", "<b>V&1</b>", "Shirt <script>x</script>", "", 1, "1")]

    pdf = documents.purchase_order_pdf(make_purchase_order(lines), make_context())

    assert "<b>V&1</b> SKU-1 Shirt <script>x</script> 1 1.00 1.00" in pdf_text(pdf)


def test_pdf_of_many_lines_runs_over_pages_with_every_line(documents):
    lines = [make_po_line(f"SKU-{n}", f"V-{n}", "Shirt", "", n, "2") for n in range(1, 81)]

    pdf = documents.purchase_order_pdf(make_purchase_order(lines), make_context())

    text = pdf_text(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) > 1
    assert [line for line in text if line.startswith("V-")] == [
        f"V-{n} SKU-{n} Shirt {n} 2.00 {2 * n}.00" for n in range(1, 81)
    ]
    assert "Total EUR 6,480.00" in text


def test_pdf_uses_the_merchants_template(documents):
    template = (
        "<p>Order {{ po.number }} for {{ vendor.name }} ({{ vendor.code }})</p>"
        "{% for line in lines %}<p>{{ line.vendor_sku }} x{{ line.quantity }}</p>{% endfor %}"
        "<p>{{ ship_to.city }} {{ po.total }} {{ po.currency }}</p>"
    )

    pdf = documents.purchase_order_pdf(make_purchase_order(), make_context(template_html=template))

    assert pdf_text(pdf) == [
        "Order 21-1 for Acme Supplies (ACME)",
        "ACME-100 x3",
        "ACME-200 x1",
        "MOUNTAIN VIEW 1,272.00 EUR",
    ]


def test_pdf_template_loads_data_uris_but_fetches_no_url(documents, listener):
    port = listener.getsockname()[1]
    data_uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    template = (
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">'
        f"<style>@import url(http://127.0.0.1:{port}/import.css);</style>"
        f'<img src="http://127.0.0.1:{port}/logo.png"><img src="file:///etc/hostname">'
        f'<img src="{data_uri}"><p>PO {{{{ po.number }}}}</p>'
    )

    pdf = documents.purchase_order_pdf(make_purchase_order(), make_context(template_html=template))

    with pytest.raises(BlockingIOError):
        listener.accept()
    assert pdf_text(pdf) == ["PO 21-1"]
    [page] = PdfReader(io.BytesIO(pdf)).pages
    assert len(page.images) == 1


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "<p>\n{{ ''.__class__.__mro__ }}</p>",
            "The PO document template failed on line 2: "
            "access to attribute '__class__' of 'str' object is unsafe.",
        ),
        (
            "{{ cycler.__init__.__globals__ }}",
            "The PO document template failed on line 1: "
            "access to attribute '__init__' of 'type' object is unsafe.",
        ),
        (
            "{{ lines.append(1) }}",
            "The PO document template failed on line 1: "
            "access to attribute 'append' of 'list' object is unsafe.",
        ),
        (
            "{% for n in range(10**9) %}{% endfor %}",
            "The PO document template failed on line 1: "
            "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).",
        ),
    ],
    ids=["mro_case", "globals_case", "mutation_case", "huge_range_case"],
)
def test_pdf_template_escaping_the_sandbox_is_invalid(documents, template, message):
    with pytest.raises(Invalid) as raised:
        documents.purchase_order_pdf(make_purchase_order(), make_context(template_html=template))

    assert raised.value.message == message


def test_template_sees_no_python_internals(documents):
    template = "[{{ ''.__class__ }}][{{ po.__class__ }}][{{ po.number.__class__ }}]"

    subject, body = documents.purchase_order_email(
        make_purchase_order(), make_context(), None, template
    )

    assert body == "[][][]\n"


def test_pdf_template_syntax_error_is_invalid_naming_the_line(documents):
    template = "<h1>{{ po.number }}</h1>\n{% if %}\n<p>never</p>"

    with pytest.raises(Invalid) as raised:
        documents.purchase_order_pdf(make_purchase_order(), make_context(template_html=template))

    assert raised.value.message == (
        "The PO document template has an error on line 2: "
        "Expected an expression, got 'end of statement block'."
    )
    assert raised.value.field == "po_template_html"


def test_csv_has_a_header_and_one_row_per_line(documents):
    csv_bytes = documents.purchase_order_csv(make_purchase_order())

    assert csv_bytes.decode("utf-8").split("\r\n") == [
        CSV_HEADER,
        f"21-1,21,ACME-100,SKU-SHIRT-M,Blue Polygon Shirt,M,3,12.50,37.50,EUR,{SHIP_TO_CELLS}",
        f"21-1,21,ACME-200,SKU-MUG,Mug,,1,1234.50,1234.50,EUR,{SHIP_TO_CELLS}",
        "",
    ]


def test_csv_quotes_commas_and_keeps_utf8(documents):
    lines = [make_po_line("SKU-1", "V-1", 'Hemd "Müller", blau', "XL", 2, "0.125")]
    po = make_purchase_order(
        lines, ship_to=parse_address(make_address(city="Köln", streetAddress2=None))
    )

    rows = documents.purchase_order_csv(po).decode("utf-8").split("\r\n")

    assert rows[1] == (
        '21-1,21,V-1,SKU-1,"Hemd ""Müller"", blau",XL,2,0.13,0.25,EUR,Ada Lovelace,'
        "Analytical Engines LLC,1600 Amphitheatre Parkway,,Köln,94043,CA,US,'+16502530000,,,,,"
    )


def test_csv_neutralises_formulas(documents):
    lines = [make_po_line("+SKU", "@SUM(A1:A9)", '=HYPERLINK("http://evil")', "-1", 1, "5")]
    po = make_purchase_order(
        lines, ship_to=parse_address(make_address(companyName="=cmd|' /C calc'!A0"))
    )

    rows = documents.purchase_order_csv(po).decode("utf-8").split("\r\n")

    assert rows[1] == (
        '21-1,21,\'@SUM(A1:A9),\'+SKU,"\'=HYPERLINK(""http://evil"")",\'-1,1,5.00,5.00,EUR,'
        "Ada Lovelace,'=cmd|' /C calc'!A0,1600 Amphitheatre Parkway,,MOUNTAIN VIEW,94043,CA,US,"
        "'+16502530000,,,,,"
    )


def test_email_defaults(documents):
    subject, body = documents.purchase_order_email(
        make_purchase_order(), make_context(), None, None
    )

    assert subject == "Purchase order 21-1 from Polygon Shop"
    assert body == (
        "Hello Acme Supplies,\n"
        "\n"
        "please ship purchase order 21-1 (our order 21, 2026-11-29).\n"
        "\n"
        "Ship to:\n"
        "  Ada Lovelace\n"
        "  Analytical Engines LLC\n"
        "  1600 Amphitheatre Parkway\n"
        "  94043 MOUNTAIN VIEW\n"
        "  CA, US\n"
        "  Phone +16502530000\n"
        "\n"
        "Shipping:\n"
        "  Service the customer chose: not given\n"
        "\n"
        "Lines:\n"
        "  3 x ACME-100  Blue Polygon Shirt — M  at 12.50 = 37.50 EUR\n"
        "  1 x ACME-200  Mug  at 1,234.50 = 1,234.50 EUR\n"
        "\n"
        "Total: 1,272.00 EUR\n"
        "\n"
        "Notes:\n"
        "Deliver on weekdays only.\n"
        "\n"
        "Please reply to this email with any questions about this order.\n"
        "\n"
        "Polygon Shop\n"
        "merchant@shop.example\n"
    )


def test_email_default_body_leaves_out_empty_notes(documents):
    subject, body = documents.purchase_order_email(
        make_purchase_order(), make_context(po_notes=""), None, None
    )

    assert "Notes:" not in body
    assert "Total: 1,272.00 EUR\n\nPlease reply" in body


def test_email_custom_templates_are_plain_text_and_the_subject_one_line(documents):
    subject_template = "PO {{ po.number }}\n\t for {{ vendor.name }} & co  "
    body_template = "{% for line in lines %}{{ line.name }} <{{ line.vendor_sku }}>\n{% endfor %}"
    lines = [make_po_line("SKU-1", "V&1", "Shirt", "L", 1, "1")]

    subject, body = documents.purchase_order_email(
        make_purchase_order(lines), make_context(), subject_template, body_template
    )

    assert subject == "PO 21-1 for Acme Supplies & co"
    assert body == "Shirt — L <V&1>\n"


def test_email_template_error_is_invalid_naming_template_and_line(documents):
    with pytest.raises(Invalid) as raised:
        documents.purchase_order_email(
            make_purchase_order(), make_context(), "PO {{ po.number }", None
        )

    assert raised.value.message == (
        "The email subject template has an error on line 1: unexpected '}'."
    )
    assert raised.value.field == "email_subject_template"


def test_email_template_runtime_error_names_the_line(documents):
    with pytest.raises(Invalid) as raised:
        documents.purchase_order_email(
            make_purchase_order(), make_context(), None, "Hello\n\n{{ po.revision // 0 }}"
        )

    assert raised.value.message == (
        "The email body template failed on line 3: integer division or modulo by zero."
    )
    assert raised.value.field == "email_body_template"


def _amended_po():
    """Revision 2: moved to a new street, the mug removed, the shirt 3 → 4 (ADR 21)."""
    old = parse_address(make_address())
    new = parse_address(make_address(streetAddress1="9 New Street"))
    po = make_purchase_order(status=POStatus.SENT, revision=1)
    po.changes = POChanges(
        old,
        new,
        (
            LineChange("line-SKU-SHIRT-M", "SKU-SHIRT-M", "Blue Polygon Shirt", 3, 4),
            LineChange("line-SKU-MUG", "SKU-MUG", "Mug", 1, 0),
        ),
    )
    po.apply_changes(actor="staff", at=datetime(2026, 12, 1, tzinfo=UTC))
    return po


def test_csv_of_an_amended_po_says_what_changed_on_each_row(documents):
    rows = documents.purchase_order_csv(_amended_po()).decode("utf-8").split("\r\n")

    assert rows[0] == f"{CSV_HEADER},change"
    assert rows[1].startswith("21-1,21,ACME-100,SKU-SHIRT-M,Blue Polygon Shirt,M,4,12.50,50.00,")
    assert rows[1].endswith(",AMENDED — revision 2; ship-to changed; quantity 3 → 4")
    assert rows[2].endswith(",AMENDED — revision 2; ship-to changed; removed (was 1)")
    assert ",Mug,,0,1234.50,0.00," in rows[2]


def test_csv_of_a_po_never_amended_has_no_change_column(documents):
    header = documents.purchase_order_csv(make_purchase_order()).decode("utf-8").split("\r\n")[0]

    assert header == CSV_HEADER


def test_pdf_of_an_amended_po_marks_the_changed_fields(documents):
    html = documents.purchase_order_html(_amended_po(), make_context())

    assert "Purchase order 21-1: AMENDED — revision 2</h1>" in html
    assert '<div class="amended" id="amendment">' in html
    assert "<li>Ship-to street: 1600 Amphitheatre Parkway → 9 New Street</li>" in html
    assert 'class="changed" id="ship-to-changed"' in html
    assert '<td class="num changed">4<br><small>quantity 3 → 4</small></td>' in html
    assert '<tr class="removed">' in html
    plain = documents.purchase_order_html(make_purchase_order(), make_context())
    assert "AMENDED" not in plain and 'class="changed"' not in plain
