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
from app.services.forms import FormInvalid
from app.services.ports import DocumentContext, DocumentRenderer
from app.services.unit_of_work import UnitOfWorkFactory


def get_settings(uow_factory: UnitOfWorkFactory, installation_id: InstallationId) -> ShopSettings:
    with uow_factory() as uow:
        return uow.settings.get(installation_id)


def sample_po(
    number_pattern: str = DEFAULT_NUMBER_PATTERN,
    vendor_name: str = "Sample Vendor",
    currency: str = "USD",
) -> PurchaseOrder:
    """A made-up PO for order 1042 (never stored): for checking templates and test sends."""
    cost = Money(Decimal("12.50"), currency)
    return PurchaseOrder(
        number=po_number(number_pattern, "1042", 1),
        sequence=1,
        saleor_order_id="sample",
        order_number="1042",
        vendor_id=0,
        vendor_name=vendor_name,
        currency=currency,
        customer_email="customer@example.com",
        ship_to=Address(
            first_name="Ada",
            last_name="Lovelace",
            street_address_1="12 St James's Square",
            city="LONDON",
            postal_code="SW1Y 4JH",
            country_code="GB",
        ),
        lines=[POLine("line", "SKU-1", "V-1", "Sample product", "M", 2, cost)],
        created_at=datetime.now(UTC),
    )


def check_templates(documents: DocumentRenderer, settings: ShopSettings) -> None:
    """Render the merchant's templates once with a sample PO, so an error shows on save,
    next to its field, rather than when a PO is sent."""
    context = DocumentContext(
        shop_name=settings.shop_name or "Our shop",
        merchant_email=settings.merchant_email or "shop@example.com",
        vendor_code="SAMPLE",
        template_html=settings.po_template_html or None,
    )
    try:
        if settings.po_template_html:
            documents.purchase_order_pdf(sample_po(), context)
        documents.purchase_order_email(
            sample_po(),
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
