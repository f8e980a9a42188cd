"""Each shop's own schema: read by introspection at install, documents checked against it,
re-read when the Saleor version changes or Saleor refuses a document as invalid."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from app.adapters.db import tables
from app.services import tasks
from app.services.ports import SaleorIncompatible
from app.services.shop_schemas import recheck_shop_schema
from tests.builders import make_order
from tests.html import text
from tests.servers.fake_saleor import FakeSaleor, InstallFailed, schema_without

# every document that selects the OrderFields fragment lacks it
MISSING = tuple(
    f"graphql/{name}.graphql: Cannot query field 'userEmail' on type 'Order'."
    for name in (
        "fulfillment_approve",
        "fulfillment_cancel",
        "order_cancel",
        "order_confirm",
        "order_details",
        "order_fulfill",
        "order_payments",
        "order_risk",
    )
)
ORDER_DETAILS_MISSING = MISSING[4]
LISTED = "; ".join(MISSING[:5]) + "; …"  # a message names the first five


@pytest.fixture(scope="module")
def schema_without_user_email():
    return schema_without("Order", "userEmail")


def _installation_schemas(engine):
    with engine.connect() as connection:
        return connection.execute(select(tables.installation_schemas)).all()


def test_install_stores_the_shops_schema_and_saleor_version(installed, engine):
    fake, live, app = installed

    [row] = _installation_schemas(engine)

    assert (row.saleor_version, row.problems) == ("3.23.28", [])
    introspections = [c for c in fake.requests if c.operation_name == "ShopSchema"]
    assert len(introspections) == 1 and "__schema" in introspections[0].query
    assert set(introspections[0].response["data"]) == {"shop", "__schema"}


def test_a_saleor_lacking_a_field_the_app_uses_refuses_the_install_naming_it(
    live_app, engine, schema_without_user_email
):
    with FakeSaleor(schema=schema_without_user_email) as fake:
        with pytest.raises(InstallFailed) as refused:
            fake.install_app(live_app.manifest_url)

        assert str(refused.value) == f"This Saleor (3.23.28) lacks what the app needs: {LISTED}"
        assert [c.operation_name for c in fake.requests] == ["ShopSchema"]
    with engine.connect() as connection:
        assert connection.execute(select(tables.installations)).all() == []
    assert _installation_schemas(engine) == []


def test_a_new_saleor_version_is_read_again_and_its_gap_stops_the_document(
    installed, engine, schema_without_user_email
):
    fake, live, app = installed
    parts = live.container
    with parts.uow_factory() as uow:
        shop = uow.installations.get_active_by_api_url(fake.api_url)
    unchanged = recheck_shop_schema(parts.uow_factory, parts.saleor, shop.id)
    fake.use_schema(schema_without_user_email, "3.24.0")

    record = recheck_shop_schema(parts.uow_factory, parts.saleor, shop.id)

    assert unchanged.saleor_version == "3.23.28" and unchanged.problems == ()
    assert (record.saleor_version, record.problems) == ("3.24.0", MISSING)
    order = make_order(number="77")
    fake.add_order(order)
    with pytest.raises(SaleorIncompatible) as stopped:
        parts.saleor.api(fake.api_url, shop.token).fetch_order(order["id"])
    assert str(stopped.value) == ORDER_DETAILS_MISSING
    assert not [c for c in fake.requests if c.operation_name == "OrderDetails"]
    assert [c.operation_name for c in fake.requests].count("ShopSchema") == 2
    token = fake.issue_dashboard_token(app)
    context = requests.post(
        f"{live.url}/app/session", json={"token": token, "saleorApiUrl": fake.api_url}, timeout=5
    ).json()["context"]
    page = requests.get(
        f"{live.url}/app/vendors", headers={"X-Dashboard-Context": context}, timeout=5
    )
    assert text(page.text, "schema-problems") == (
        "This Saleor (3.24.0) lacks what the app needs; these requests are not sent: "
        + " ".join(MISSING)
    )


def test_a_validation_error_from_saleor_queues_a_schema_check(
    installed, task_queue, schema_without_user_email
):
    fake, live, app = installed
    fake.use_schema(schema_without_user_email, "3.23.28")  # changed without a new version
    order = make_order(number="78")
    fake.add_order(order)

    with pytest.raises(Exception) as refused:
        live.container.saleor.api(fake.api_url, app.token).fetch_order(order["id"])

    assert "userEmail" in str(refused.value)
    assert task_queue.tasks == [(tasks.RECHECK_SHOP_SCHEMA, {"api_url": fake.api_url})]
