from decimal import Decimal

import pytest

from app.domain.errors import DomainValidationError
from app.domain.money import Money
from app.domain.vendors import (
    IntegrationKind,
    LineNeed,
    ProductVendor,
    Vendor,
    VendorOption,
    choose_default_vendor,
    clean_product_vendor,
    clean_vendor,
    options_for,
)

VALID = {"name": "Acme Supply", "code": "acme", "currency": "usd", "emails_to": "po@acme.test"}


def test_clean_vendor_normalises_fields():
    vendor = clean_vendor({**VALID, "emails_cc": "a@acme.test; b@acme.test", "lead_time_days": "3"})

    assert (vendor.code, vendor.currency, vendor.integration) == (
        "ACME",
        "USD",
        IntegrationKind.EMAIL,
    )
    assert vendor.emails_to == ("po@acme.test",)
    assert vendor.emails_cc == ("a@acme.test", "b@acme.test")
    assert vendor.lead_time_days == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"name": " "}, "name", id="blank_name_case"),
        pytest.param({"code": "a b"}, "code", id="bad_code_case"),
        pytest.param({"currency": "dollars"}, "currency", id="bad_currency_case"),
        pytest.param({"emails_to": ""}, "emails_to", id="email_vendor_without_email_case"),
        pytest.param({"emails_to": "not-an-email"}, "emails_to", id="bad_email_case"),
        pytest.param({"integration": "fax"}, "integration", id="unknown_integration_case"),
        pytest.param({"file_format": "docx"}, "file_format", id="bad_format_case"),
        pytest.param({"lead_time_days": "-1"}, "lead_time_days", id="negative_lead_time_case"),
    ],
)
def test_clean_vendor_reports_the_bad_field(changes, field):
    with pytest.raises(DomainValidationError) as raised:
        clean_vendor({**VALID, **changes})

    assert set(raised.value.errors) == {field}


def test_http_vendor_is_available_needs_no_email_and_gets_cancellation_notices():
    vendor = clean_vendor({**VALID, "integration": "http", "emails_to": ""})

    assert vendor.integration is IntegrationKind.HTTP
    assert vendor.integration.sends_automatically and vendor.integration.sends_cancellations
    assert not IntegrationKind.EDI.sends_cancellations
    assert not IntegrationKind.MANUAL.sends_cancellations


def test_manual_vendor_needs_no_email():
    assert clean_vendor({**VALID, "integration": "manual", "emails_to": ""}).emails_to == ()


def test_clean_product_vendor_defaults_currency_and_checks_numbers():
    entry = clean_product_vendor(
        {"vendor_id": "3", "product_id": "UHJvZHVjdDox", "unit_cost": "12.5"}, vendor_currency="EUR"
    )

    assert entry.unit_cost == Money(Decimal("12.5"), "EUR")
    assert (entry.priority, entry.min_quantity, entry.variant_id) == (100, 1, None)
    with pytest.raises(DomainValidationError) as raised:
        clean_product_vendor(
            {"vendor_id": "x", "product_id": "", "unit_cost": "-1", "priority": "0"},
            vendor_currency="EUR",
        )
    assert set(raised.value.errors) == {"vendor_id", "product_id", "unit_cost", "priority"}


def _option(
    vendor_id, *, default=False, priority=100, min_quantity=1, active=True, variant=None, name=None
):
    vendor = Vendor(
        name=name or f"V{vendor_id}",
        code=f"V{vendor_id}",
        currency="USD",
        id=vendor_id,
        active=active,
    )
    entry = ProductVendor(
        vendor_id=vendor_id,
        product_id="P",
        variant_id=variant,
        unit_cost=Money(Decimal("1"), "USD"),
        priority=priority,
        min_quantity=min_quantity,
        is_default=default,
    )
    return VendorOption(entry, vendor)


LINE = LineNeed(product_id="P", variant_id="V-M", quantity=2)


def test_default_flag_wins_over_priority():
    chosen = choose_default_vendor(
        LINE, [_option(1, priority=1), _option(2, default=True, priority=50)]
    )

    assert chosen.vendor_id == 2


def test_priority_decides_without_default():
    chosen = choose_default_vendor(LINE, [_option(1, priority=20), _option(2, priority=10)])

    assert chosen.vendor_id == 2


def test_inactive_default_and_unmet_minimum_are_skipped():
    options = [
        _option(1, default=True, active=False),
        _option(2, priority=1, min_quantity=5),
        _option(3, priority=9),
    ]

    assert choose_default_vendor(LINE, options).vendor_id == 3


def test_no_vendor_when_none_qualifies():
    assert choose_default_vendor(LINE, [_option(1, min_quantity=3)]) is None
    assert choose_default_vendor(LINE, []) is None


def test_variant_entry_replaces_the_product_wide_entry_of_the_same_vendor():
    options = options_for(
        LINE,
        [_option(1, priority=50), _option(1, priority=5, variant="V-M"), _option(2, variant="V-L")],
    )

    assert [(o.vendor_id, o.product_vendor.variant_id) for o in options] == [(1, "V-M")]
