"""Service tests on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.adapters.crypto import TokenCipher
from app.adapters.db import tables
from app.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from app.adapters.saleor.parsing import parse_order
from app.domain.installations import Installation, SaleorApiUrl
from app.services.orders import store_order_info
from app.services.product_vendors import save_product_vendor
from app.services.vendors import save_vendor
from tests.builders import make_line, make_order
from tests.gate import approve_review, paid

CIPHER = TokenCipher("test-secret-key-0123456789")


@pytest.fixture
def uow_factory(engine):
    return lambda: SqlAlchemyUnitOfWork(engine, CIPHER)


def _install(uow_factory, api_url):
    with uow_factory() as uow:
        installation = uow.installations.save(
            Installation(
                saleor_api_url=SaleorApiUrl(api_url), app_id="QXBwOjE=", token="t", jwks={}
            )
        )
        uow.commit()
    return installation.id


@pytest.fixture
def shop(uow_factory):
    return _install(uow_factory, "https://shop.example.com/graphql/")


@pytest.fixture
def other_shop(uow_factory):
    return _install(uow_factory, "https://other.example.com/graphql/")


class Catalogue:
    """Two vendors (Acme by email, Beta by hand) and an order of three lines, paid in full and
    its risk review approved (it passes the gate to vendors: tests/gate.py)."""

    def __init__(self, uow_factory, installation_id):
        self.uow_factory = uow_factory
        self.installation_id = installation_id
        self.acme = save_vendor(
            uow_factory,
            installation_id,
            {"name": "Acme Supply", "code": "ACME", "currency": "USD", "emails_to": "po@acme.test"},
        )
        self.beta = save_vendor(
            uow_factory,
            installation_id,
            {"name": "Beta Parts", "code": "BETA", "currency": "USD", "integration": "manual"},
        )
        self.order = paid(
            make_order(
                number="1042",
                lines=[
                    make_line(sku="SKU-1", quantity=2, price=45.0),
                    make_line(sku="SKU-2", quantity=1, price=90.0),
                    make_line(sku="SKU-3", quantity=3, price=5.0),
                ],
            )
        )
        line1, line2, _ = self.order["lines"]
        self.product1 = line1["variant"]["product"]["id"]
        self.product2 = line2["variant"]["product"]["id"]
        self.add(self.acme.id, self.product1, "10.00", vendor_sku="A-1")
        self.add(self.beta.id, self.product1, "9.50")
        self.add(self.beta.id, self.product2, "30.00")
        self.store_order(self.order)
        approve_review(uow_factory, installation_id, self.order_id)

    def add(self, vendor_id, product_id, cost, **extra):
        data = {"vendor_id": str(vendor_id), "product_id": product_id, "unit_cost": cost, **extra}
        return save_product_vendor(self.uow_factory, self.installation_id, data)

    def store_order(self, order):
        with self.uow_factory() as uow:
            store_order_info(uow, self.installation_id, parse_order(order))
            uow.commit()

    @property
    def order_id(self):
        return self.order["id"]

    def line_id(self, index):
        return self.order["lines"][index]["id"]


@pytest.fixture
def catalogue(uow_factory, shop):
    return Catalogue(uow_factory, shop)


def pending_notes(engine, order_id):
    """The notes Saleor has not accepted yet, oldest first."""
    notes = tables.order_notes
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(notes.c.text)
                .where(notes.c.saleor_order_id == order_id, notes.c.sent_at.is_(None))
                .order_by(notes.c.id)
            ).scalars()
        )
