"""Two Saleors install the same deployment: neither can read or change the other's data."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from app.adapters.db import tables
from app.adapters.saleor.parsing import parse_order
from tests.builders import make_order
from tests.servers.fake_saleor import FakeSaleor


@pytest.fixture
def two_shops(installed):
    fake_a, live, app_a = installed
    with FakeSaleor() as fake_b:
        fake_b.rotate_key()  # fakes share one key per process; real Saleors each have their own
        app_b = fake_b.install_app(live.manifest_url)
        yield (fake_a, app_a), (fake_b, app_b), live


def _store_order(live, api_url, order):
    with live.container.uow_factory() as uow:
        installation = uow.installations.get_active_by_api_url(api_url)
        uow.orders.save(installation.id, parse_order(order))
        uow.commit()


def test_shop_b_cannot_see_shop_a_order_in_its_widget(two_shops):
    (fake_a, app_a), (fake_b, app_b), live = two_shops
    order = make_order(number="5001")
    _store_order(live, fake_a.api_url, order)
    token_b = fake_b.issue_dashboard_token(app_b)

    response = requests.post(
        f"{live.url}/widgets/order",
        data={"saleorApiUrl": fake_b.api_url, "accessToken": token_b, "orderId": order["id"]},
        timeout=5,
    )

    assert response.status_code == 200
    assert "5001" not in response.text
    assert "has not reached the app yet" in response.text


def test_shop_b_token_presented_as_shop_a_is_refused(two_shops):
    (fake_a, app_a), (fake_b, app_b), live = two_shops
    token_b = fake_b.issue_dashboard_token(app_b)

    response = requests.post(
        f"{live.url}/widgets/order",
        data={"saleorApiUrl": fake_a.api_url, "accessToken": token_b, "orderId": "x"},
        timeout=5,
    )

    assert response.status_code == 401


def test_shop_b_cannot_put_a_delivery_into_shop_a_inbox(two_shops, engine):
    (fake_a, app_a), (fake_b, app_b), live = two_shops
    order = make_order()
    fake_b.add_order(order)
    delivery = fake_b.send_event(app_b, "ORDER_CREATED", order_id=order["id"])
    with engine.begin() as connection:
        connection.execute(tables.webhook_deliveries.delete())
    headers = dict(delivery.headers, **{"Saleor-Api-Url": fake_a.api_url})

    response = requests.post(delivery.target_url, data=delivery.body, headers=headers, timeout=5)

    assert response.status_code == 401
    with engine.connect() as connection:
        assert connection.execute(select(tables.webhook_deliveries)).all() == []


def test_each_shop_deliveries_land_in_its_own_installation(two_shops, engine):
    (fake_a, app_a), (fake_b, app_b), live = two_shops
    for fake, app in ((fake_a, app_a), (fake_b, app_b)):
        order = make_order()
        fake.add_order(order)
        fake.send_event(app, "ORDER_CREATED", order_id=order["id"])

    with engine.connect() as connection:
        rows = connection.execute(
            select(tables.installations.c.saleor_api_url, tables.webhook_deliveries.c.event).join(
                tables.webhook_deliveries
            )
        ).all()
    assert sorted(rows) == sorted(
        [(fake_a.api_url, "ORDER_CREATED"), (fake_b.api_url, "ORDER_CREATED")]
    )
