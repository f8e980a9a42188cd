from types import SimpleNamespace

import pytest

from app.errors import NoOp, Permanent, Retryable
from app.jobs.runner import is_final_attempt, run


class FakeTask:
    """A bound Celery task's request and retry, recorded."""

    def __init__(self, retries=0, max_retries=3):
        self.request = SimpleNamespace(retries=retries)
        self.max_retries = max_retries
        self.countdowns = []

    def retry(self, countdown):
        self.countdowns.append(countdown)
        return RuntimeError("retry")


def _raise(error):
    def call():
        raise error

    return call


def test_outcome_of_a_successful_call():
    assert run(FakeTask(), lambda: "sent", what="x") == "sent"


def test_no_op_and_permanent_errors_end_the_task():
    assert run(FakeTask(), _raise(NoOp("already sent")), what="x") == "skipped"
    assert run(FakeTask(), _raise(Permanent("refused")), what="x") == "failed"


@pytest.mark.parametrize(("retries", "countdown"), [(0, 5), (3, 40), (10, 600)])
def test_temporary_errors_retry_with_capped_backoff(retries, countdown):
    task = FakeTask(retries=retries)

    with pytest.raises(RuntimeError, match="retry"):
        run(task, _raise(Retryable("down")), what="x")

    assert task.countdowns == [countdown]


def test_final_attempt():
    assert is_final_attempt(FakeTask(retries=3, max_retries=3))
    assert not is_final_attempt(FakeTask(retries=2, max_retries=3))


def test_app_task_converts_ids_sorts_errors_and_counts_the_outcome():
    from celery import Celery

    from app.domain.installations import InstallationId
    from app.jobs.runner import AppTask

    counted, seen = [], []
    celery = Celery("runner-test", broker="memory://")
    celery.conf.task_always_eager = True

    @celery.task(base=AppTask, bind=True, name="runner_test_task", count_outcome=counted.append)
    def task(self, installation_id, po_id, fail=False):
        seen.append((installation_id, type(installation_id), self.claim_token != ""))
        if fail:
            raise Permanent("refused")
        return "sent"

    assert task.apply(kwargs={"installation_id": "7", "po_id": 3}).get() == "sent"
    assert task.apply(kwargs={"installation_id": 7, "po_id": 3, "fail": True}).get() == "failed"

    assert counted == ["sent", "failed"]
    assert seen == [(InstallationId(7), int, True), (InstallationId(7), int, True)]
