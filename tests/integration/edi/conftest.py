"""EDI tests: a real SFTP server on loopback with a vendor account over a temp folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.sftp import SftpServer


@pytest.fixture
def sftp_server(tmp_path: Path) -> Iterator[SftpServer]:
    with SftpServer(tmp_path / "sftp") as server:
        yield server
