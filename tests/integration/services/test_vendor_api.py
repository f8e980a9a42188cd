"""The vendor API's services on a real database: the same request id sent by several threads
at once ships once; keys are found only while active and only with their secret."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from app.adapters.carriers import TrackingNumberCarriers
from app.domain.vendor_api_keys import VendorCaller
from app.errors import NotFound, Retryable
from app.services.purchase_orders import create_purchase_orders, list_purchase_orders
from app.services.shipments import list_shipments
from app.services.vendor_api import VendorRequest, api_post_shipment, prune_vendor_api_answers
from app.services.vendor_api_keys import (
    authenticate_vendor,
    issue_vendor_api_key,
    revoke_vendor_api_key,
    vendor_api_key,
)
from app.services.vendor_api_ports import StoredAnswer
from tests.fakes import RecordingTaskQueue

BODY = {"tracking_numbers": ["1Z999AA10123456784"], "lines": [{"sku": "SKU-1", "quantity": 2}]}


def _acme_po(catalogue):
    create_purchase_orders(
        catalogue.uow_factory,
        RecordingTaskQueue(),
        catalogue.installation_id,
        catalogue.order_id,
        actor="staff",
        send=False,
    )
    pos = list_purchase_orders(catalogue.uow_factory, catalogue.installation_id, catalogue.order_id)
    return next(po for po in pos if po.vendor_name == "Acme Supply")


def test_one_request_id_sent_by_four_threads_at_once_ships_once(catalogue):
    po = _acme_po(catalogue)
    caller = VendorCaller(catalogue.installation_id, catalogue.acme.id, "0123456789ab")
    request = VendorRequest("shipment-1", "f" * 64)
    start = threading.Barrier(4)
    answers, outages = [], []

    def post():
        start.wait()
        try:
            answers.append(
                api_post_shipment(
                    catalogue.uow_factory,
                    RecordingTaskQueue(),
                    TrackingNumberCarriers(),
                    caller,
                    po.number,
                    BODY,
                    request,
                )
            )
        except Retryable as error:  # SQLite's lock, or "retry": never a second shipment
            outages.append(error)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    shipments = list_shipments(catalogue.uow_factory, catalogue.installation_id, po.saleor_order_id)
    assert len(shipments) == 1
    assert answers and len(answers) + len(outages) == 4
    assert {(a.status, a.body) for a in answers} == {(answers[0].status, answers[0].body)}
    assert [a.replayed for a in answers].count(False) == 1


def test_a_key_authenticates_its_vendor_until_revoked(catalogue):
    shop, acme = catalogue.installation_id, catalogue.acme.id
    issued = issue_vendor_api_key(catalogue.uow_factory, shop, acme, actor="staff")
    key_id = issued.key.key_id

    assert authenticate_vendor(catalogue.uow_factory, issued.plaintext) == VendorCaller(
        shop, acme, key_id
    )
    assert authenticate_vendor(catalogue.uow_factory, issued.plaintext[:-1] + "#") is None
    assert revoke_vendor_api_key(catalogue.uow_factory, shop, acme)
    assert authenticate_vendor(catalogue.uow_factory, issued.plaintext) is None
    assert not revoke_vendor_api_key(catalogue.uow_factory, shop, acme)


def test_request_ids_are_forgotten_after_30_days(catalogue):
    shop, acme = catalogue.installation_id, catalogue.acme.id
    now = datetime.now(UTC)
    with catalogue.uow_factory() as uow:
        for key, age in (("old", 31), ("recent", 29)):
            answer = StoredAnswer("f" * 64, 201, "{}")
            uow.vendor_api.store_answer(shop, acme, key, answer, now - timedelta(days=age))
        uow.commit()

    assert prune_vendor_api_answers(catalogue.uow_factory) == 1
    with catalogue.uow_factory() as uow:
        assert uow.vendor_api.stored_answer(shop, acme, "old") is None
        assert uow.vendor_api.stored_answer(shop, acme, "recent") == StoredAnswer(
            "f" * 64, 201, "{}"
        )


def test_no_key_is_issued_or_revoked_for_another_shops_vendor(catalogue, other_shop):
    acme = catalogue.acme.id

    with pytest.raises(NotFound):
        issue_vendor_api_key(catalogue.uow_factory, other_shop, acme, actor="staff")
    issue_vendor_api_key(catalogue.uow_factory, catalogue.installation_id, acme, actor="staff")
    with pytest.raises(NotFound):
        revoke_vendor_api_key(catalogue.uow_factory, other_shop, acme)
    assert vendor_api_key(catalogue.uow_factory, other_shop, acme) is None
    assert vendor_api_key(catalogue.uow_factory, catalogue.installation_id, acme) is not None
