from app.adapters.task_queue import build_celery


def test_every_task_has_a_soft_then_a_hard_time_limit_and_is_acked_on_timeout():
    conf = build_celery("memory://").conf

    assert 0 < conf.task_soft_time_limit < conf.task_time_limit <= 300
    assert conf.task_acks_on_failure_or_timeout is True
