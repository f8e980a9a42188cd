"""Packing slips and blind shipping with the real renderer (WeasyPrint), read back from the PDF:
text with pypdf, the PO number's barcode decoded from the bars drawn on the page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from app.adapters.documents import TemplateDocuments
from app.domain.logos import clean_logo
from app.domain.shop_settings import ShopSettings
from app.domain.vendor_shipping import CarrierAccount, DocumentSet, ServiceMapping, VendorShipping
from app.domain.vendors import FileFormat, Vendor
from app.errors import Invalid
from app.services.channels import build_email
from app.services.document_sets import po_context
from app.services.ports import SlipContext
from tests.code128 import bars_in_pdf, decode_code128_bars
from tests.integration.test_documents import PNG, make_purchase_order

SETTINGS = ShopSettings(
    shop_name="Polygon Shop",
    merchant_email="merchant@shop.example",
    return_address="Polygon Shop Returns\n9 Dock Road\nLeeds LS1 4AP",
    slip_message_template="Dear {{ customer.first_name }}, thanks for order {{ po.order_number }}!",
)
# Every amount the sample PO carries, as any document could print it.
AMOUNTS = ("12.50", "37.50", "1,234.50", "1234.50", "1,272.00", "1272.00", "EUR")


def _pdf_text(data: bytes) -> str:
    """The text of every page, whitespace (and where the layout wrapped) made single spaces."""
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages
    )


def _vendor(**shipping: object) -> Vendor:
    return Vendor(
        "Acme Supplies",
        "ACME",
        "EUR",
        emails_to=("po@acme.example",),
        file_format=FileFormat.BOTH,
        po_notes="Deliver on weekdays only.",
        shipping=VendorShipping(**shipping),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("number", ["21-1", "PO-000123/7", "987654-12"])
def test_the_slip_carries_the_shop_the_customer_and_a_scannable_po_barcode(number):
    po = make_purchase_order(number=number)
    context = SlipContext(
        SETTINGS.shop_name, SETTINGS.return_address, SETTINGS.slip_message_template,
        clean_logo(PNG),
    )  # fmt: skip

    pdf = TemplateDocuments().packing_slip_pdf(po, context)

    assert decode_code128_bars(bars_in_pdf(pdf)) == number
    text = _pdf_text(pdf)
    for expected in (
        "Polygon Shop", "Packing slip", f"PO {number}", "Order number 21", "Ada Lovelace",
        "MOUNTAIN VIEW", "Polygon Shop Returns", "9 Dock Road", "Blue Polygon Shirt — M",
        "SKU-SHIRT-M 3", "Mug SKU-MUG 1", "Dear Ada, thanks for order 21!",
    ):  # fmt: skip
        assert expected in text, expected
    for hidden in (*AMOUNTS, "Acme", "ACME-100", "Deliver on weekdays"):
        assert hidden not in text, hidden
    [page] = PdfReader(io.BytesIO(pdf)).pages
    assert list(page.images), "the logo is drawn"


def test_a_slow_or_broken_message_template_is_refused_like_the_po_template():
    po = make_purchase_order()
    documents = TemplateDocuments()

    with pytest.raises(Invalid) as broken:
        documents.packing_slip_message(po, SlipContext("Shop", message_template="{{ 1 / 0 }}"))
    assert broken.value.field == "slip_message_template"
    with pytest.raises(Invalid) as slow:
        loop = "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}"
        documents.packing_slip_message(po, SlipContext("Shop", message_template=loop))
    assert "too slow" in slow.value.message


def test_a_packing_slip_only_vendor_gets_no_price_anywhere():
    po = make_purchase_order(requested_service="Express", ship_by=date(2026, 12, 2))
    vendor = _vendor(documents=DocumentSet.SLIP)

    email = build_email(po, vendor, SETTINGS, TemplateDocuments(), "shop@example.com", "<m@x>")

    assert [a.filename for a in email.attachments] == ["PackingSlip-21-1.pdf"]
    texts = [email.subject, email.text_body, _pdf_text(email.attachments[0].data)]
    for text in texts:
        for amount in AMOUNTS:
            assert amount not in text, (amount, text)
    assert "Ship by: 2026-12-02" in email.text_body
    assert "3 x ACME-100  Blue Polygon Shirt — M" in email.text_body


def test_hidden_prices_leave_no_amount_in_the_po_pdf_csv_or_email():
    po = make_purchase_order(requested_service="Express")
    vendor = _vendor(documents=DocumentSet.PO_AND_SLIP, show_prices=False)

    email = build_email(po, vendor, SETTINGS, TemplateDocuments(), "shop@example.com", "<m@x>")

    by_name = {a.filename: a.data for a in email.attachments}
    assert sorted(by_name) == ["PO-21-1.csv", "PO-21-1.pdf", "PackingSlip-21-1.pdf"]
    csv_text = by_name["PO-21-1.csv"].decode()
    assert "unit_cost" not in csv_text and "line_total" not in csv_text
    for text in (email.text_body, _pdf_text(by_name["PO-21-1.pdf"]), csv_text):
        for amount in AMOUNTS[:-1]:
            assert amount not in text, (amount, text)


def test_the_po_says_which_service_by_when_and_on_whose_account():
    po = make_purchase_order(requested_service="Express", ship_by=date(2026, 12, 2))
    vendor = _vendor(
        service_map=(ServiceMapping("Express", "UPS", "01"),),
        carrier_accounts=(CarrierAccount("UPS", "1234X5"),),
        file_name_pattern="ACME_{po}_{document}",
    )
    documents = TemplateDocuments()

    email = build_email(po, vendor, SETTINGS, documents, "shop@example.com", "<m@x>")

    by_name = {a.filename: a.data for a in email.attachments}
    assert sorted(by_name) == ["ACME_21-1_PO.csv", "ACME_21-1_PO.pdf"]
    pdf_text = _pdf_text(by_name["ACME_21-1_PO.pdf"])
    for expected in (
        "Service the customer chose Express", "Your service code UPS 01", "Ship by 2026-12-02",
        "Ship on our UPS account 1234X5", "1,234.50",
    ):  # fmt: skip
        assert expected in pdf_text, expected
    for expected in ("Ship by: 2026-12-02", "Your service code: UPS 01", "Ship on our UPS account"):
        assert expected in email.text_body
    header, first = by_name["ACME_21-1_PO.csv"].decode().splitlines()[:2]
    assert header.endswith("requested_service,ship_by,carrier,carrier_service_code,carrier_account")
    assert first.endswith("Express,2026-12-02,UPS,01,1234X5")
    assert po_context(po, vendor, SETTINGS).show_prices
