"""The first-run checklist's state on a real database: each shop counts only its own rows."""

from __future__ import annotations

from app.services.channels import MailDefaults
from app.services.first_run import MailServer, dismiss_first_run, first_run_checklist
from app.services.ports import SmtpSettings
from app.services.shop_settings import save_settings
from tests.integration.services.conftest import Catalogue

NO_DEFAULT = MailDefaults(smtp=None, message_domain="dropship.test")
DEPLOYMENT = MailDefaults(
    smtp=SmtpSettings(host="smtp.deployment.test", port=587, sender="o@deployment.test"),
    message_domain="dropship.test",
)


def test_another_shops_vendors_and_mail_server_do_not_count(uow_factory, shop, other_shop):
    Catalogue(uow_factory, other_shop)  # two vendors and three product vendors
    save_settings(
        uow_factory,
        other_shop,
        {"smtp_host": "smtp.other.test", "smtp_sender": "o@other.test", "merchant_email": "o@x.io"},
    )

    checklist = first_run_checklist(uow_factory, shop, NO_DEFAULT)

    assert (checklist.vendor_count, checklist.product_vendor_count) == (0, 0)
    assert checklist.mail_server is MailServer.NONE
    assert checklist.merchant_email == ""
    assert checklist.visible
    other = first_run_checklist(uow_factory, other_shop, NO_DEFAULT)
    assert (other.vendor_count, other.product_vendor_count) == (2, 3)
    assert other.mail_server is MailServer.OWN


def test_the_deployments_server_counts_and_dismissal_is_per_shop(uow_factory, shop, other_shop):
    dismiss_first_run(uow_factory, other_shop)

    mine = first_run_checklist(uow_factory, shop, DEPLOYMENT)
    theirs = first_run_checklist(uow_factory, other_shop, DEPLOYMENT)

    assert mine.mail_server is MailServer.DEPLOYMENT
    assert (mine.dismissed, mine.visible) == (False, True)
    assert (theirs.dismissed, theirs.visible) == (True, False)
