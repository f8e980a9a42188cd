"""Celery tasks: ids in, one service call, Retryable -> retry with backoff, Permanent -> failed."""
