"""Repositories and the unit of work on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.adapters.crypto import TokenCipher
from app.adapters.db import tables
from app.adapters.db.engine import build_engine
from app.adapters.db.unit_of_work import SqlAlchemyUnitOfWork, StorageUnavailable
from app.adapters.saleor.parsing import parse_order
from app.domain.installations import Installation, InstallationStatus, SaleorApiUrl
from app.domain.webhooks import DeliveryStatus, WebhookEvent

CIPHER = TokenCipher("test-secret-key-0123456789")


def _uow(engine):
    return SqlAlchemyUnitOfWork(engine, CIPHER)


def _install(engine, api_url="https://a.example.com/graphql/", app_id="QXBwOjE=", token="token-a"):
    with _uow(engine) as uow:
        installation = uow.installations.save(
            Installation(
                saleor_api_url=SaleorApiUrl(api_url), app_id=app_id, token=token, jwks={"keys": []}
            )
        )
        uow.commit()
    return installation


def test_token_is_encrypted_at_rest_and_decrypted_on_read(engine):
    installation = _install(engine, token="secret-app-token")

    with engine.connect() as connection:
        stored = connection.execute(select(tables.installations.c.token_encrypted)).scalar_one()
    assert "secret-app-token" not in stored
    with _uow(engine) as uow:
        assert uow.installations.get(installation.id).token == "secret-app-token"


def test_reinstall_replaces_credentials_in_the_same_row(engine):
    first = _install(engine, app_id="QXBwOjE=", token="one")
    with _uow(engine) as uow:
        uow.installations.mark_removed(first.id)
        uow.commit()

    second = _install(engine, app_id="QXBwOjI=", token="two")

    assert second.id == first.id
    assert (second.app_id, second.token, second.status) == (
        "QXBwOjI=",
        "two",
        InstallationStatus.ACTIVE,
    )
    with engine.connect() as connection:
        assert connection.execute(select(tables.installations)).all().__len__() == 1


def test_removed_installation_is_not_found_by_api_url(engine):
    installation = _install(engine)
    with _uow(engine) as uow:
        uow.installations.mark_removed(installation.id)
        uow.commit()

    with _uow(engine) as uow:
        assert uow.installations.get_active_by_api_url("https://a.example.com/graphql/") is None
        assert uow.installations.get(installation.id).status is InstallationStatus.REMOVED


def test_delivery_is_unique_per_installation_event_and_body(engine):
    installation = _install(engine)
    with _uow(engine) as uow:
        first = uow.deliveries.add(
            installation.id, WebhookEvent.ORDER_CREATED, "ab" * 32, '{"a": 1}'
        )
        again = uow.deliveries.add(
            installation.id, WebhookEvent.ORDER_CREATED, "ab" * 32, '{"a": 1}'
        )
        other_event = uow.deliveries.add(
            installation.id, WebhookEvent.ORDER_CONFIRMED, "ab" * 32, '{"a": 1}'
        )
        uow.commit()

    assert first[1] is True and again == (first[0], False)
    assert other_event[1] is True and other_event[0] != first[0]


def test_uncommitted_work_is_rolled_back(engine):
    installation = _install(engine)
    with _uow(engine) as uow:
        uow.deliveries.add(installation.id, WebhookEvent.ORDER_CREATED, "cd" * 32, "{}")

    with _uow(engine) as uow:
        assert uow.deliveries.list_for(installation.id) == []


def test_after_commit_callbacks_run_only_after_commit(engine):
    ran: list[str] = []
    with _uow(engine) as uow:
        uow.after_commit(lambda: ran.append("rolled back"))
    with _uow(engine) as uow:
        uow.after_commit(lambda: ran.append("committed"))
        assert ran == []
        uow.commit()

    assert ran == ["committed"]


def test_status_change_is_recorded_with_attempts(engine):
    installation = _install(engine)
    with _uow(engine) as uow:
        delivery_id, _ = uow.deliveries.add(
            installation.id, WebhookEvent.ORDER_CREATED, "ef" * 32, '{"x": 1}'
        )
        uow.deliveries.set_status(delivery_id, DeliveryStatus.FAILED, "Saleor refused")
        uow.commit()

    with _uow(engine) as uow:
        delivery = uow.deliveries.get(delivery_id)
    assert (delivery.status, delivery.error, delivery.attempts, delivery.payload) == (
        DeliveryStatus.FAILED,
        "Saleor refused",
        1,
        {"x": 1},
    )


def test_order_snapshot_upsert_keeps_one_row(engine):
    installation = _install(engine)
    for status in ("UNCONFIRMED", "UNFULFILLED"):
        with _uow(engine) as uow:
            uow.orders.save(
                installation.id,
                parse_order({"id": "T3JkZXI6MQ==", "number": "21", "status": status}),
            )
            uow.commit()

    with _uow(engine) as uow:
        assert uow.orders.get(installation.id, "T3JkZXI6MQ==").status == "UNFULFILLED"
    with engine.connect() as connection:
        assert len(connection.execute(select(tables.orders)).all()) == 1


@pytest.mark.parametrize("later_case", ["older_answer_case", "newer_answer_case"])
def test_an_answer_older_than_the_stored_order_does_not_replace_it(engine, later_case):
    # given two workers' answers about one order: Saleor's later one (both POs fulfilled) stored
    installation = _install(engine)
    answers = {
        "FULFILLED": "2026-11-29T00:40:00.000002+00:00",
        "PARTIALLY_FULFILLED": "2026-11-29T00:40:00.000001+00:00",
    }
    first, second = (
        ("FULFILLED", "PARTIALLY_FULFILLED")
        if later_case == "older_answer_case"
        else ("PARTIALLY_FULFILLED", "FULFILLED")
    )
    for status in (first, second):
        # when each answer is stored in the order the workers commit
        with _uow(engine) as uow:
            uow.orders.save(
                installation.id,
                parse_order(
                    {
                        "id": "T3JkZXI6MQ==",
                        "number": "21",
                        "status": status,
                        "updatedAt": answers[status],
                    }
                ),
            )
            uow.commit()

    # then the copy is Saleor's latest, whichever worker committed last
    with _uow(engine) as uow:
        order = uow.orders.get(installation.id, "T3JkZXI6MQ==")
    assert (order.status, order.updated_at) == ("FULFILLED", answers["FULFILLED"])


def test_second_installation_cannot_read_or_change_the_firsts_data(engine):
    shop_a = _install(engine, api_url="https://a.example.com/graphql/", app_id="QXBwOjE=")
    shop_b = _install(engine, api_url="https://b.example.com/graphql/", app_id="QXBwOjI=")
    order = parse_order({"id": "T3JkZXI6MQ==", "number": "21", "status": "UNFULFILLED"})
    with _uow(engine) as uow:
        uow.orders.save(shop_a.id, order)
        uow.deliveries.add(shop_a.id, WebhookEvent.ORDER_CREATED, "aa" * 32, "{}")
        uow.commit()

    with _uow(engine) as uow:
        assert uow.orders.get(shop_b.id, order.id) is None
        assert uow.deliveries.list_for(shop_b.id) == []
        uow.orders.save(
            shop_b.id, parse_order({"id": order.id, "number": "99", "status": "CANCELED"})
        )
        uow.commit()

    with _uow(engine) as uow:
        assert uow.orders.get(shop_a.id, order.id).status == "UNFULFILLED"
        assert uow.orders.get(shop_b.id, order.id).status == "CANCELED"


def test_unreachable_database_is_storage_unavailable(tmp_path, database_url):
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path}/missing-dir/x.sqlite"
        broken = build_engine(url)
        (tmp_path / "missing-dir").rmdir()
    else:
        broken = build_engine("postgresql://nobody@127.0.0.1:1/none")

    with pytest.raises(StorageUnavailable), _uow(broken) as uow:
        uow.installations.get_active_by_api_url("https://a.example.com/graphql/")


def test_cached_lookup_sees_removal_committed_in_this_process(engine):
    from app.adapters.db.installation_cache import InstallationCache

    cache = InstallationCache(ttl_seconds=60)
    installation = _install(engine)
    with SqlAlchemyUnitOfWork(engine, CIPHER, cache) as uow:
        assert uow.installations.get_active_by_api_url(installation.saleor_api_url) is not None
    with SqlAlchemyUnitOfWork(engine, CIPHER, cache) as uow:
        uow.installations.mark_removed(installation.id)
        uow.commit()

    with SqlAlchemyUnitOfWork(engine, CIPHER, cache) as uow:
        assert uow.installations.get_active_by_api_url(installation.saleor_api_url) is None


def test_cached_lookup_answers_without_the_database(engine):
    from app.adapters.db.installation_cache import InstallationCache

    cache = InstallationCache(ttl_seconds=60)
    installation = _install(engine)
    with SqlAlchemyUnitOfWork(engine, CIPHER, cache) as uow:
        uow.installations.get_active_by_api_url(installation.saleor_api_url)
    with engine.begin() as connection:  # another process removes it behind this one's back
        connection.execute(tables.installations.update().values(status="removed"))

    with SqlAlchemyUnitOfWork(engine, CIPHER, cache) as uow:
        cached = uow.installations.get_active_by_api_url(installation.saleor_api_url)
    assert cached is not None and cached.id == installation.id
