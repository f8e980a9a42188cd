"""The PO email carries the PO's vendor portal link: where the default body puts it, appended
when the merchant's body template leaves it out, and never twice."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.adapters.documents import TemplateDocuments
from app.domain.vendors import Vendor
from app.services.channels import PORTAL_LINE, build_email
from tests.integration.test_documents import make_purchase_order
from tests.integration.test_packing_slips import SETTINGS

URL = "https://dropship.example/portal/" + "A" * 43
VENDOR = Vendor(name="Acme Supplies", code="ACME", currency="EUR", emails_to=("po@acme.test",))


def _email(settings=SETTINGS, portal_url=URL):
    return build_email(
        make_purchase_order(), VENDOR, settings, TemplateDocuments(), "s@shop.test", "<m@x>",
        portal_url=portal_url,
    )  # fmt: skip


def test_the_default_body_gives_the_link_before_the_sign_off():
    body = _email().text_body

    assert (
        "Confirm this order, report shipments and download it here (no login needed):\n"
        f"{URL}\n\nPlease reply to this email"
    ) in body
    assert body.count(URL) == 1


@pytest.mark.parametrize(
    ("template", "appended"),
    [
        pytest.param("Please ship {{ po.number }}.", True, id="left_out_case"),
        pytest.param("Ship it. Your page: {{ portal_url }}", False, id="placed_case"),
    ],
)
def test_a_merchant_template_gets_the_link_once(template, appended):
    body = _email(replace(SETTINGS, email_body_template=template)).text_body

    assert body.count(URL) == 1
    assert body.endswith(f"\n\n{PORTAL_LINE}{URL}\n") is appended


def test_without_a_link_the_email_says_nothing_of_a_portal():
    body = _email(portal_url="").text_body

    assert "/portal/" not in body and "no login" not in body
