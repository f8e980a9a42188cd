"""The relay's messages are the ones ``send_task`` sends, on the file broker and on Redis.

The relay builds Celery's message once per batch and publishes the others itself (ADR 18); a
worker must see exactly what ``send_task`` would have sent but the task id and the argument.
Each test uses a queue of its own, so no running worker takes its messages.
"""

from __future__ import annotations

import uuid

import pytest

from app.adapters.task_queue import CeleryTaskQueue, build_celery
from app.services.tasks import TaskName
from tests.conftest import REDIS_URL

BROKERS = ["file"] + (["redis"] if REDIS_URL else [])
PER_MESSAGE_HEADERS = {"id", "root_id", "argsrepr"}


@pytest.fixture(params=BROKERS)
def celery(request, tmp_path):
    url = REDIS_URL if request.param == "redis" else f"sqla+sqlite:///{tmp_path}/broker.sqlite"
    celery = build_celery(url)
    celery.conf.task_default_queue = f"relay-shape-{uuid.uuid4().hex[:8]}"
    yield celery
    with celery.connection_for_write() as connection:
        connection.SimpleQueue(celery.conf.task_default_queue).queue.delete()
    celery.close()


def _messages(celery, count):
    with celery.connection_for_read() as connection:
        queue = connection.SimpleQueue(celery.conf.task_default_queue)
        found = []
        for _ in range(count):
            message = queue.get(timeout=5)
            message.ack()
            found.append(message)
        queue.close()
        return found


def test_relay_messages_match_send_task_but_for_the_id_and_the_argument(celery):
    CeleryTaskQueue(celery).enqueue_deliveries([7, 8])
    celery.send_task(TaskName.PROCESS_DELIVERY.value, args=[9])

    first, second, reference = _messages(celery, 3)

    for message, delivery_id in ((first, 7), (second, 8)):
        assert message.decode() == [[delivery_id], {}, reference.decode()[2]]
        assert message.content_type == reference.content_type == "application/json"
        assert message.headers["argsrepr"] == repr([delivery_id])
        assert message.headers["id"] == message.headers["root_id"]
        assert message.properties["correlation_id"] == message.headers["id"]
        assert {k: v for k, v in message.headers.items() if k not in PER_MESSAGE_HEADERS} == {
            k: v for k, v in reference.headers.items() if k not in PER_MESSAGE_HEADERS
        }
        assert message.delivery_info["routing_key"] == reference.delivery_info["routing_key"]
        assert set(message.properties) == set(reference.properties)
        assert message.properties["delivery_mode"] == reference.properties["delivery_mode"]
    assert len({first.headers["id"], second.headers["id"], reference.headers["id"]}) == 3


def test_no_deliveries_publish_nothing(celery):
    CeleryTaskQueue(celery).enqueue_deliveries([])
    celery.send_task(TaskName.PROCESS_DELIVERY.value, args=[9])

    [only] = _messages(celery, 1)

    assert only.decode()[0] == [9]


def test_the_queue_says_how_many_tasks_wait(celery):
    """What the sweeps ask before looking for lost work (app/services/sweeps.py)."""
    queue = CeleryTaskQueue(celery)
    for _ in range(3):
        queue.enqueue(TaskName.QUEUE_LOST_WRITES.value)
    assert queue.waiting() == 3
    _messages(celery, 2)
    assert queue.waiting() == 1
