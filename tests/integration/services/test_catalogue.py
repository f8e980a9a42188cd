import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.adapters.db import tables
from app.errors import NotFound
from app.services.forms import FormInvalid
from app.services.ports import VariantRef
from app.services.product_vendors import (
    import_product_vendors_csv,
    list_product_vendors,
    remove_product_vendor,
    save_product_vendor,
)
from app.services.vendors import (
    export_vendors_csv,
    import_vendors_csv,
    save_vendor,
    set_vendor_active,
)
from tests.fakes import FakeSaleorGateway


def _count(engine, table):
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def _defaults(uow_factory, shop, product_id):
    return [
        (o.vendor.code, o.product_vendor.is_default)
        for o in list_product_vendors(uow_factory, shop, product_id)
    ]


def test_vendor_codes_are_unique_per_shop_only(uow_factory, shop, other_shop):
    data = {"name": "Acme", "code": "ACME", "currency": "USD", "emails_to": "po@acme.test"}
    save_vendor(uow_factory, shop, data)

    with pytest.raises(FormInvalid) as raised:
        save_vendor(uow_factory, shop, dict(data, name="Acme 2"))
    assert raised.value.errors == {"code": "Acme already uses the code ACME."}
    assert save_vendor(uow_factory, other_shop, data).code == "ACME"


def test_vendor_of_another_shop_cannot_be_changed(uow_factory, shop, other_shop):
    vendor = save_vendor(
        uow_factory,
        shop,
        {"name": "Acme", "code": "ACME", "currency": "USD", "emails_to": "a@b.co"},
    )

    with pytest.raises(NotFound):
        set_vendor_active(uow_factory, other_shop, vendor.id, False)
    with pytest.raises(NotFound):
        save_vendor(
            uow_factory,
            other_shop,
            {"name": "X", "code": "X", "currency": "USD", "emails_to": "a@b.co"},
            vendor.id,
        )


def test_first_product_vendor_is_the_default_and_a_new_default_replaces_it(catalogue):
    shop, product = catalogue.installation_id, catalogue.product1

    assert _defaults(catalogue.uow_factory, shop, product) == [("ACME", True), ("BETA", False)]
    beta_entry = next(
        o
        for o in list_product_vendors(catalogue.uow_factory, shop, product)
        if o.vendor.code == "BETA"
    )
    save_product_vendor(
        catalogue.uow_factory,
        shop,
        {
            "vendor_id": str(catalogue.beta.id),
            "product_id": product,
            "unit_cost": "9.50",
            "is_default": "on",
        },
        beta_entry.product_vendor.id,
    )

    assert _defaults(catalogue.uow_factory, shop, product) == [("ACME", False), ("BETA", True)]


def test_removing_the_default_promotes_the_best_remaining(catalogue):
    shop, product = catalogue.installation_id, catalogue.product1
    acme = next(
        o
        for o in list_product_vendors(catalogue.uow_factory, shop, product)
        if o.vendor.code == "ACME"
    )

    remove_product_vendor(catalogue.uow_factory, shop, acme.product_vendor.id)

    assert _defaults(catalogue.uow_factory, shop, product) == [("BETA", True)]


def test_the_database_keeps_one_default_per_product(catalogue, engine):
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            tables.product_vendors.update()
            .where(tables.product_vendors.c.product_id == catalogue.product1)
            .values(is_default=True)
        )


def test_same_vendor_twice_for_a_product_is_refused(catalogue):
    with pytest.raises(FormInvalid) as raised:
        catalogue.add(catalogue.acme.id, catalogue.product1, "11.00")

    assert raised.value.errors == {"vendor_id": "Acme Supply is already listed for this product."}


def test_vendor_csv_round_trip_and_all_or_nothing(uow_factory, shop, engine):
    header = "code,name,currency,emails_to\n"
    good = header + "ACME,Acme,USD,po@acme.test\nBETA,Beta,EUR,po@beta.test\n"
    report = import_vendors_csv(uow_factory, shop, good)
    assert (report.created, report.updated) == (2, 0)

    bad = header + "ACME,Acme Renamed,USD,po@acme.test\nGAMMA,,USD,x\nACME,Again,USD,a@b.co\n"
    with pytest.raises(FormInvalid) as raised:
        import_vendors_csv(uow_factory, shop, bad)

    assert raised.value.rows == [
        "Row 3: name: Enter the vendor's name.",
        "Row 3: emails_to: Not an email address: x.",
        "Row 4: code ACME is also on row 2.",
    ]
    assert export_vendors_csv(uow_factory, shop).splitlines() == [
        "code,name,currency,integration,emails_to,emails_cc,file_format,lead_time_days,po_notes,active",
        "ACME,Acme,USD,email,po@acme.test,,pdf,0,,yes",
        "BETA,Beta,EUR,email,po@beta.test,,pdf,0,,yes",
    ]


def test_product_vendor_csv_is_all_or_nothing_and_reports_unknown_rows(catalogue, engine):
    gateway = FakeSaleorGateway()
    for number in range(150):
        sku = f"SKU-{number:03}"
        gateway.variants[sku] = VariantRef(
            f"var-{number}", sku, f"prod-{number}", f"Product {number}"
        )
    saleor = gateway.api("https://shop.example.com/graphql/", "t")
    before = _count(engine, tables.product_vendors)
    rows = "".join(f"SKU-{n:03},ACME,{n}.50\n" for n in range(150))

    bad = "sku,vendor_code,unit_cost\n" + rows + "NOPE-1,ACME,1\nSKU-001,NOBODY,1\n"
    with pytest.raises(FormInvalid) as raised:
        import_product_vendors_csv(catalogue.uow_factory, saleor, catalogue.installation_id, bad)
    assert raised.value.rows == [
        "Row 152: no product in Saleor has SKU 'NOPE-1'.",
        "Row 153: no vendor has code 'NOBODY'.",
    ]
    assert _count(engine, tables.product_vendors) == before

    report = import_product_vendors_csv(
        catalogue.uow_factory,
        saleor,
        catalogue.installation_id,
        "sku,vendor_code,unit_cost\n" + rows,
    )
    assert (report.created, report.updated) == (150, 0)
    assert _count(engine, tables.product_vendors) == before + 150
