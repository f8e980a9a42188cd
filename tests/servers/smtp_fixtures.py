"""Pytest fixtures: ``pytest_plugins = ["tests.servers.smtp_fixtures"]``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.smtp import SmtpServer


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A started loopback SMTP server that captures messages, stopped after the test."""
    with SmtpServer() as server:
        yield server
