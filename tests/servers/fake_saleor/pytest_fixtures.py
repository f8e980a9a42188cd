"""Pytest fixtures: `pytest_plugins = ["tests.servers.fake_saleor.pytest_fixtures"]`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .fake import FakeSaleor


@pytest.fixture
def fake_saleor() -> Iterator[FakeSaleor]:
    """A started FakeSaleor with fast retries, stopped after the test."""
    with FakeSaleor(retry_delays=(0.01, 0.02, 0.04, 0.08, 0.16)) as saleor:
        yield saleor
