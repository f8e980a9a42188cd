"""The settings page: shop name, reply-to, PO numbering, SMTP server and templates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal

from app.domain.errors import DomainValidationError
from app.domain.installations import InstallationId
from app.domain.money import Money
from app.domain.orders import Address
from app.domain.purchase_orders import DEFAULT_NUMBER_PATTERN, POLine, PurchaseOrder, po_number
from app.domain.shop_settings import ShopSettings, clean_settings
from app.errors import Invalid
from app.services.forms import FormInvalid, refuse_control_characters
from app.services.ports import DocumentContext, DocumentRenderer
from app.services.unit_of_work import UnitOfWorkFactory


def get_settings(uow_factory: UnitOfWorkFactory, installation_id: InstallationId) -> ShopSettings:
    with uow_factory() as uow:
        return uow.settings.get(installation_id)


SAMPLE_LARGE_LINES = 200
SAMPLE_SHIP_TO = Address(
    first_name="Ada",
    last_name="Lovelace-Byron",
    company_name="Analytical Engines LLC",
    street_address_1="1600 Amphitheatre Parkway",
    street_address_2="Building 4, Floor 2",
    city="MOUNTAIN VIEW",
    postal_code="94043",
    country_code="US",
    country_area="CA",
    phone="+16502530000",
)
TEMPLATE_FIELDS = ("email_subject_template", "email_body_template", "po_template_html")


def sample_po(
    number_pattern: str = DEFAULT_NUMBER_PATTERN,
    vendor_name: str = "Sample Vendor Supplies & Co.",
    currency: str = "USD",
    *,
    order_number: str = "1042",
    sequence: int = 1,
    lines: int = 1,
    revision: int = 0,
) -> PurchaseOrder:
    """A made-up PO shaped like real ones (never stored): numbers, names and addresses of
    realistic length, for checking templates and for test sends."""
    return PurchaseOrder(
        number=po_number(number_pattern, order_number, sequence),
        sequence=sequence,
        saleor_order_id="sample",
        order_number=order_number,
        vendor_id=0,
        vendor_name=vendor_name,
        currency=currency,
        customer_email="customer.with.a.long.address@example.com",
        ship_to=SAMPLE_SHIP_TO,
        lines=[
            POLine(
                f"line-{n}",
                f"SKU-{n:05d}",
                f"V-{n:05d}",
                f"Sample product with a longer name {n}",
                "M / Cotton",
                n % 9 + 1,
                Money(Decimal("12.50") + n, currency),
            )
            for n in range(lines)
        ],
        created_at=datetime.now(UTC),
        revision=revision,
    )


def sample_purchase_orders() -> list[PurchaseOrder]:
    """What the save check renders: a small PO, a resent one, and a large one (200 lines)."""
    return [
        sample_po(),
        sample_po(order_number="987654", sequence=12, lines=7, revision=3),
        sample_po(order_number="100042", sequence=2, lines=SAMPLE_LARGE_LINES),
    ]


def check_templates(documents: DocumentRenderer, settings: ShopSettings) -> None:
    """Render the merchant's templates with realistic sample POs (a large one too), each within
    the render budget, so an error or a template too slow or too large shows on save, next to
    its field, rather than when a PO is sent. The small sample also goes through to the PDF."""
    context = DocumentContext(
        shop_name=settings.shop_name or "Our shop",
        merchant_email=settings.merchant_email or "shop@example.com",
        vendor_code="SAMPLE",
        template_html=settings.po_template_html or None,
    )
    try:
        for index, po in enumerate(sample_purchase_orders()):
            if settings.po_template_html and index == 0:
                documents.purchase_order_pdf(po, context)
            elif settings.po_template_html:
                documents.purchase_order_html(po, context)
            if settings.email_subject_template or settings.email_body_template or index == 0:
                documents.purchase_order_email(
                    po,
                    context,
                    settings.email_subject_template or None,
                    settings.email_body_template or None,
                )
    except Invalid as error:
        raise FormInvalid({error.field or "po_template_html": error.message}) from None


def save_settings(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    data: Mapping[str, str],
    documents: DocumentRenderer | None = None,
) -> ShopSettings:
    """Validate and store; the SMTP password is encrypted at rest and kept when left empty.
    With ``documents``, the merchant's templates must render."""
    refuse_control_characters(
        {k: v for k, v in data.items() if k != "smtp_password"}, multiline=TEMPLATE_FIELDS
    )
    with uow_factory() as uow:
        try:
            settings = clean_settings(data, uow.settings.get(installation_id))
        except DomainValidationError as error:
            raise FormInvalid.from_domain(error) from None
        if documents is not None:
            check_templates(documents, settings)
        uow.settings.save(installation_id, settings)
        uow.commit()
    return settings
