"""Blind drop-shipping on the real database: POs take the customer's service and a ship-by
date from the vendor's handling days and the shop's holidays; logos stay with their shop;
a vendor CSV import keeps the vendor's document options."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.logos import clean_logo
from app.domain.vendor_shipping import DocumentSet
from app.services.forms import FormInvalid
from app.services.packing_slip_settings import (
    get_packing_slip_settings,
    remove_logo,
    save_logo,
    save_packing_slip_settings,
)
from app.services.purchase_orders import create_purchase_orders
from app.services.vendors import get_vendor, import_vendors_csv, save_vendor
from tests.fakes import FakeDocuments, RecordingTaskQueue
from tests.integration.test_documents import PNG

STAFF = "staff@shop.test"


def test_pos_carry_the_requested_service_and_a_ship_by_date_past_weekend_and_holiday(catalogue):
    save_packing_slip_settings(
        catalogue.uow_factory, FakeDocuments(), catalogue.installation_id,
        {"holidays": "2026-12-07"},
    )  # fmt: skip
    data = {"name": "Acme Supply", "code": "ACME", "currency": "USD", "emails_to": "po@acme.test"}
    save_vendor(
        catalogue.uow_factory, catalogue.installation_id, {**data, "lead_time_days": "2"},
        catalogue.acme.id,
    )  # fmt: skip
    catalogue.order.update(
        shippingMethodName="Express Courier",
        created="2026-12-04T18:30:00+00:00",  # a Friday
    )
    catalogue.store_order(catalogue.order)

    acme, beta = create_purchase_orders(
        catalogue.uow_factory, RecordingTaskQueue(), catalogue.installation_id,
        catalogue.order_id, actor=STAFF, send=False,
    )  # fmt: skip

    # Friday + 2 business days: Monday 7 is a holiday, so Tuesday 8, then Wednesday 9
    assert (acme.requested_service, acme.ship_by) == ("Express Courier", date(2026, 12, 9))
    assert (beta.requested_service, beta.ship_by) == ("Express Courier", date(2026, 12, 4))
    with catalogue.uow_factory() as uow:
        stored = uow.purchase_orders.get(catalogue.installation_id, acme.id)
    assert (stored.requested_service, stored.ship_by) == ("Express Courier", date(2026, 12, 9))


def test_each_shop_sees_only_its_own_logo(uow_factory, shop, other_shop):
    save_logo(uow_factory, shop, PNG)

    assert get_packing_slip_settings(uow_factory, shop).logo == clean_logo(PNG)
    assert get_packing_slip_settings(uow_factory, other_shop).logo is None
    remove_logo(uow_factory, other_shop)
    assert get_packing_slip_settings(uow_factory, shop).logo is not None
    remove_logo(uow_factory, shop)
    assert get_packing_slip_settings(uow_factory, shop).logo is None


def test_a_vendor_csv_import_keeps_the_document_and_shipping_options(catalogue):
    form = {
        "name": "Acme Supply", "code": "ACME", "currency": "USD", "emails_to": "po@acme.test",
        "documents": "po_and_slip", "show_prices": "0", "carrier_accounts": "UPS = 1234X5",
    }  # fmt: skip
    save_vendor(catalogue.uow_factory, catalogue.installation_id, form, catalogue.acme.id)

    import_vendors_csv(
        catalogue.uow_factory,
        catalogue.installation_id,
        "code,name,currency,emails_to\nACME,Acme Renamed,USD,po@acme.test\n",
    )

    vendor = get_vendor(catalogue.uow_factory, catalogue.installation_id, catalogue.acme.id)
    assert vendor.name == "Acme Renamed"
    assert vendor.shipping.documents is DocumentSet.PO_AND_SLIP
    assert not vendor.shipping.show_prices
    assert vendor.shipping.carrier_accounts[0].account_number == "1234X5"


@pytest.mark.parametrize("field", ["service_map", "carrier_accounts"])
def test_shipping_texts_with_control_characters_are_refused(catalogue, field):
    form = {"name": "Acme Supply", "code": "ACME", "currency": "USD", "emails_to": "po@acme.test"}
    with pytest.raises(FormInvalid) as refused:
        save_vendor(
            catalogue.uow_factory, catalogue.installation_id,
            {**form, field: "UPS = 12\x0034"}, catalogue.acme.id,
        )  # fmt: skip
    assert field in refused.value.errors
    vendor = get_vendor(catalogue.uow_factory, catalogue.installation_id, catalogue.acme.id)
    assert vendor.shipping.carrier_accounts == () and vendor.shipping.service_map == ()
