"""PO PDF rendering benchmark: the default template through WeasyPrint, per PO size.

    .venv/bin/python bench/pdf_render.py [--runs 20] [--sizes 1 10 100] [--merchant] [--slip]

For each size it builds a PO of that many lines, renders it once to warm up (fonts, template
compilation), then renders it ``--runs`` times and prints the median, min and max seconds per PO.
Target: a median under 0.3 s per PO. ``--merchant`` passes the default template's source as a
merchant template, so the Jinja render runs in the bounded child process (WeasyPrint stays in
this process). ``--slip`` measures the packing slip instead (logo, Code 128 barcode, the
built-in message or, with ``--merchant``, the same message as a merchant template).
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import statistics
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.adapters.documents import (  # noqa: E402
    PO_HTML,
    SLIP_MESSAGE,
    TEMPLATES_DIR,
    TemplateDocuments,
)
from app.adapters.saleor.parsing import parse_address  # noqa: E402
from app.domain.logos import Logo  # noqa: E402
from app.domain.money import Money  # noqa: E402
from app.domain.orders import Address  # noqa: E402
from app.domain.purchase_orders import POLine, PurchaseOrder  # noqa: E402
from app.services.ports import DocumentContext, SlipContext  # noqa: E402

TARGET_SECONDS = 0.3
SHIP_TO = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "companyName": "Analytical Engines LLC",
    "streetAddress1": "1600 Amphitheatre Parkway",
    "streetAddress2": "Building 4",
    "city": "MOUNTAIN VIEW",
    "postalCode": "94043",
    "country": {"code": "US"},
    "countryArea": "CA",
    "phone": "+16502530000",
}
CONTEXT = DocumentContext(
    shop_name="Polygon Shop",
    merchant_email="merchant@shop.example",
    vendor_code="ACME",
    po_notes="Deliver on weekdays only.\nCall the customer before delivery.",
)


def make_po(size: int) -> PurchaseOrder:
    lines = [
        POLine(
            order_line_id=f"line-{n}",
            sku=f"SKU-{n:05d}",
            vendor_sku=f"ACME-{n:05d}",
            product_name=f"Blue Polygon Shirt {n}",
            variant_name="M / Cotton",
            quantity=n % 7 + 1,
            unit_cost=Money(Decimal("12.3456"), "EUR"),
        )
        for n in range(size)
    ]
    return PurchaseOrder(
        number="1042-1",
        sequence=1,
        saleor_order_id="T3JkZXI6MTA0Mg==",
        order_number="1042",
        vendor_id=1,
        vendor_name="Acme Supplies",
        currency="EUR",
        ship_to=parse_address(SHIP_TO) or Address(),
        customer_email="ada.buyer@example.com",
        lines=lines,
        created_at=datetime(2026, 11, 29, tzinfo=UTC),
    )


# A 1x1 PNG: the slip embeds the shop's logo as a data: URI.
LOGO = Logo(
    "image/png",
    base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    ),
    1,
    1,
)
SLIP = SlipContext("Polygon Shop", "Polygon Shop Returns\n9 Dock Road\nLeeds", None, LOGO)


def measure(
    documents: TemplateDocuments,
    size: int,
    runs: int,
    context: DocumentContext,
    slip: SlipContext | None = None,
) -> list[float]:
    po = make_po(size)

    def render() -> bytes:
        if slip is not None:
            return documents.packing_slip_pdf(po, slip)
        return documents.purchase_order_pdf(po, context)

    render()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        render()
        timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--merchant", action="store_true", help="render as a merchant template")
    parser.add_argument("--slip", action="store_true", help="measure the packing slip")
    args = parser.parse_args()
    documents = TemplateDocuments()
    context = CONTEXT
    slip = SLIP if args.slip else None
    if args.merchant:
        source = (TEMPLATES_DIR / PO_HTML).read_text(encoding="utf-8")
        context = dataclasses.replace(CONTEXT, template_html=source)
        message = (TEMPLATES_DIR / SLIP_MESSAGE).read_text(encoding="utf-8")
        slip = dataclasses.replace(SLIP, message_template=message) if slip else None
    print(f"{'lines':>6} {'median s':>9} {'min s':>7} {'max s':>7}  target {TARGET_SECONDS} s")
    for size in args.sizes:
        timings = measure(documents, size, args.runs, context, slip)
        median = statistics.median(timings)
        verdict = "met" if median < TARGET_SECONDS else "NOT met"
        print(
            f"{size:>6} {median:>9.3f} {min(timings):>7.3f} {max(timings):>7.3f}  {verdict}",
            flush=True,
        )


if __name__ == "__main__":
    main()
