"""The first-run checklist on the app page, and the test PO a merchant sends to themself.

A test PO is the sample PO of the settings check, rendered with the shop's templates and sent
like a real one (build_email, the mailer, the shop's SMTP server or the deployment's), but to
the merchant's own address. It creates no PO, no outbound attempt and nothing in Saleor; only
the time it reached the mail server is kept, in the shop's settings.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from app.domain.installations import InstallationId
from app.domain.shop_settings import ShopSettings
from app.domain.vendors import FileFormat, IntegrationKind, Vendor
from app.errors import Invalid
from app.services.channels import MailDefaults, build_email, smtp_for
from app.services.forms import FormInvalid
from app.services.ports import (
    DocumentRenderer,
    Mailer,
    MailRejected,
    MailUnavailable,
    OutgoingEmail,
    SmtpSettings,
)
from app.services.shop_settings import sample_po
from app.services.unit_of_work import UnitOfWorkFactory

# The test is sent while the merchant waits (gunicorn stops a request at 30 s): each SMTP
# step gets at most this long, rather than the worker's 15 s.
TEST_SEND_TIMEOUT_SECONDS = 8.0
TEST_SUBJECT_PREFIX = "[TEST - not a real order]"
NO_MERCHANT_EMAIL = "Enter your Reply-to email in Settings first: the test PO is sent there."
TEST_NOTICE = (
    "This is a test purchase order sent from the Drop-ship app to check your mail server and "
    "templates. It is not a real order: nothing needs to be shipped.\n\n"
)
NO_MAIL_SERVER = (
    "No mail server is set up: enter your SMTP server in Settings (this deployment has none)."
)


class MailServer(StrEnum):
    """Which SMTP server POs go out through."""

    OWN = "own"
    DEPLOYMENT = "deployment"
    NONE = "none"


@dataclass(frozen=True)
class FirstRunChecklist:
    """What a new shop has set up so far; each step is done or not."""

    vendor_count: int
    product_vendor_count: int
    mail_server: MailServer
    merchant_email: str
    test_po_sent_at: str
    dismissed: bool

    @property
    def has_vendors(self) -> bool:
        return self.vendor_count > 0

    @property
    def has_product_vendors(self) -> bool:
        return self.product_vendor_count > 0

    @property
    def has_mail_server(self) -> bool:
        return self.mail_server is not MailServer.NONE

    @property
    def test_po_sent(self) -> bool:
        return bool(self.test_po_sent_at)

    @property
    def complete(self) -> bool:
        steps = (self.has_vendors, self.has_product_vendors, self.has_mail_server)
        return all(steps) and self.test_po_sent

    @property
    def visible(self) -> bool:
        """Shown on the app page until every step is done or the merchant dismisses it."""
        return not (self.complete or self.dismissed)


@dataclass(frozen=True)
class SampleSendResult:
    """The outcome of a test send: ``error`` is the mail server's reason when it failed."""

    to: str
    subject: str
    error: str = ""

    @property
    def sent(self) -> bool:
        return not self.error


def first_run_checklist(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, defaults: MailDefaults
) -> FirstRunChecklist:
    """Each step's state, read in one unit of work."""
    with uow_factory() as uow:
        vendors = uow.vendors.count(installation_id)
        product_vendors = uow.product_vendors.count(installation_id)
        settings = uow.settings.get(installation_id)
    return FirstRunChecklist(
        vendor_count=vendors,
        product_vendor_count=product_vendors,
        mail_server=_mail_server(settings, defaults),
        merchant_email=settings.merchant_email,
        test_po_sent_at=settings.test_po_sent_at,
        dismissed=settings.first_run_dismissed,
    )


def dismiss_first_run(uow_factory: UnitOfWorkFactory, installation_id: InstallationId) -> None:
    """The merchant hides the checklist for good."""
    with uow_factory() as uow:
        settings = uow.settings.get(installation_id)
        uow.settings.save(installation_id, replace(settings, first_run_dismissed=True))
        uow.commit()


def send_test_po(
    uow_factory: UnitOfWorkFactory,
    mailer: Mailer,
    documents: DocumentRenderer,
    defaults: MailDefaults,
    installation_id: InstallationId,
) -> SampleSendResult:
    """Email a sample PO to the merchant's Reply-to address, through the real PO mail path.

    Refused (FormInvalid) without a merchant email or a mail server, or when the shop's
    templates do not render; a mail failure is an outcome with the server's reason.
    """
    with uow_factory() as uow:
        settings = uow.settings.get(installation_id)
        vendors = uow.vendors.list(installation_id)
    smtp = _usable_smtp(settings, defaults)
    email = _test_email(settings, _sample_vendor(vendors, settings), documents, smtp, defaults)
    try:
        mailer.send(email, smtp)
    except (MailRejected, MailUnavailable) as error:
        return SampleSendResult(settings.merchant_email, email.subject, _reason(error.message))
    with uow_factory() as uow:
        current = uow.settings.get(installation_id)
        sent_at = datetime.now(UTC).isoformat(timespec="seconds")
        uow.settings.save(installation_id, replace(current, test_po_sent_at=sent_at))
        uow.commit()
    return SampleSendResult(settings.merchant_email, email.subject)


def _reason(message: str) -> str:
    """The mailer's words for a PO send, told for a test: nothing retries it, and the
    recipient is the merchant, not a vendor."""
    message = message.replace("; it will be tried again.", ".")
    return message.replace("check the vendor's email addresses", "check your Reply-to email")


def _mail_server(settings: ShopSettings, defaults: MailDefaults) -> MailServer:
    if settings.has_own_smtp:
        return MailServer.OWN
    return MailServer.NONE if defaults.smtp is None else MailServer.DEPLOYMENT


def _usable_smtp(settings: ShopSettings, defaults: MailDefaults) -> SmtpSettings:
    errors = {}
    if not settings.merchant_email:
        errors["merchant_email"] = NO_MERCHANT_EMAIL
    smtp = smtp_for(settings, defaults)
    if smtp is None:
        errors["smtp_host"] = NO_MAIL_SERVER
    if errors:
        raise FormInvalid(errors, "The test PO cannot be sent yet.")
    assert smtp is not None
    return replace(smtp, timeout_seconds=min(smtp.timeout_seconds, TEST_SEND_TIMEOUT_SECONDS))


def _sample_vendor(vendors: list[Vendor], settings: ShopSettings) -> Vendor:
    """The first active email vendor as the merchant set it up (its files and notes), or a
    sample one; either way the mail goes to the merchant only."""
    own = next((v for v in vendors if v.active and v.integration is IntegrationKind.EMAIL), None)
    if own is None:
        return Vendor("Sample Vendor", "SAMPLE", "USD", emails_to=(settings.merchant_email,))
    file_format = own.file_format if own.file_format.wants_pdf else FileFormat.BOTH
    return replace(own, emails_to=(settings.merchant_email,), emails_cc=(), file_format=file_format)


def _test_email(
    settings: ShopSettings,
    vendor: Vendor,
    documents: DocumentRenderer,
    smtp: SmtpSettings,
    defaults: MailDefaults,
) -> OutgoingEmail:
    po = sample_po(settings.po_number_pattern, vendor.name, vendor.currency)
    message_id = f"<test-po-{uuid.uuid4().hex}@{defaults.message_domain}>"
    try:
        email = build_email(po, vendor, settings, documents, smtp.sender, message_id)
    except Invalid as error:  # the shop's template does not render
        raise FormInvalid({error.field or "po_template_html": error.message}) from None
    return replace(
        email,
        subject=f"{TEST_SUBJECT_PREFIX} {email.subject}",
        text_body=TEST_NOTICE + email.text_body,
    )
