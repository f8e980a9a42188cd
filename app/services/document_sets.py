"""Which documents a vendor gets with a PO, built as the vendor's options say (blind shipping).

One place builds the PO's document context (shipping instructions, prices shown or hidden) and
the packing slip's, for the email channel, the widget's downloads and the template check.
"""

from __future__ import annotations

from app.domain.logos import Logo
from app.domain.purchase_orders import POStatus, PurchaseOrder
from app.domain.shop_settings import ShopSettings
from app.domain.vendor_shipping import VendorShipping, shipping_instructions
from app.domain.vendors import Vendor
from app.services.ports import Attachment, DocumentContext, DocumentRenderer, SlipContext

PO_DOCUMENT = "PO"
SLIP_DOCUMENT = "PackingSlip"


def po_context(
    po: PurchaseOrder, vendor: Vendor | None, settings: ShopSettings, merchant_email: str = ""
) -> DocumentContext:
    """The PO's documents: the shop, the vendor's notes, how to ship, and whether prices show."""
    shipping = vendor.shipping if vendor else VendorShipping()
    return DocumentContext(
        shop_name=settings.shop_name or "Our shop",
        merchant_email=settings.merchant_email or merchant_email,
        vendor_code=vendor.code if vendor else "",
        po_notes=vendor.po_notes if vendor else "",
        template_html=settings.po_template_html or None,
        shipping=shipping_instructions(po.requested_service, po.ship_by, shipping),
        show_prices=shipping.prices_visible,
    )


def slip_context(settings: ShopSettings, logo: Logo | None) -> SlipContext:
    return SlipContext(
        shop_name=settings.shop_name or "Our shop",
        return_address=settings.return_address,
        message_template=settings.slip_message_template or None,
        logo=logo,
    )


def vendor_attachments(
    po: PurchaseOrder,
    vendor: Vendor,
    settings: ShopSettings,
    logo: Logo | None,
    documents: DocumentRenderer,
    context: DocumentContext,
) -> tuple[Attachment, ...]:
    """The PO (PDF and/or CSV, as the vendor's file format says) unless the vendor takes the
    packing slip only, and the packing slip when the vendor's options ask for it; each under
    the vendor's own file name."""
    shipping = vendor.shipping
    attachments = []
    cancelled = po.status is POStatus.CANCEL_REQUESTED  # the notice: no slip, names say so

    marked = "-CANCELLED" if cancelled else ""
    if po.is_amended:
        marked = f"-AMENDED-r{po.amended_revision}"

    def name(document: str, extension: str) -> str:
        named = shipping.file_name(document, po.number, po.order_number, extension)
        if not marked:
            return named
        stem, dot, suffix = named.rpartition(".")
        return f"{stem}{marked}{dot}{suffix}" if dot else f"{named}{marked}"

    if shipping.documents.has_po and vendor.file_format.wants_pdf:
        pdf = documents.purchase_order_pdf(po, context)
        attachments.append(Attachment(name(PO_DOCUMENT, "pdf"), "application/pdf", pdf))
    if shipping.documents.has_po and vendor.file_format.wants_csv:
        csv_bytes = documents.purchase_order_csv(po, context)
        attachments.append(Attachment(name(PO_DOCUMENT, "csv"), "text/csv", csv_bytes))
    if shipping.documents.has_slip and not cancelled:
        slip = documents.packing_slip_pdf(po, slip_context(settings, logo))
        attachments.append(Attachment(name(SLIP_DOCUMENT, "pdf"), "application/pdf", slip))
    return tuple(attachments)
