"""The SFTP adapter against a real asyncssh server on loopback."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import asyncssh
import pytest

from app.adapters.sftp import AsyncsshTransport
from app.services.edi_ports import HostKeyChanged, HostKeyUnknown, SftpRefused, SftpUnavailable
from tests.servers.sftp import account_for

TRANSPORT = AsyncsshTransport(timeout_seconds=5, private_hosts_allowed=True)


def _login(account, transport=TRANSPORT):
    with transport.connect(account):
        pass


def test_upload_is_atomic_and_a_retry_of_the_same_bytes_is_a_no_op(sftp_server):
    with TRANSPORT.connect(account_for(sftp_server)) as session:
        session.upload("/inbound", "PO-1.x12", b"ISA...")
        session.upload("/inbound", "PO-1.x12", b"ISA...")
        assert session.list_files("/inbound") == ["PO-1.x12"]
        assert session.read("/inbound", "PO-1.x12", 100) == b"ISA..."
    assert sftp_server.files("inbound") == ["PO-1.x12"]  # no temporary file left


def test_it_works_from_a_thread_that_already_runs_an_event_loop(sftp_server):
    """A caller inside a running loop (an async framework; Playwright's sync API in this very
    suite) must not get "Cannot run the event loop while another loop is running"."""

    async def from_inside_a_loop():
        with TRANSPORT.connect(account_for(sftp_server)) as session:
            session.upload("/inbound", "L.x12", b"L")
        return TRANSPORT.fetch_host_key(account_for(sftp_server, pinned=False))

    # in a thread of its own: this test's thread may run Playwright's loop already
    with ThreadPoolExecutor(max_workers=1) as thread:
        fingerprint = thread.submit(asyncio.run, from_inside_a_loop()).result(timeout=30)

    assert fingerprint == sftp_server.fingerprint
    assert sftp_server.files("inbound") == ["L.x12"]


def test_list_read_move_and_remove(sftp_server):
    sftp_server.put("outbound", "a.edi", "A")
    sftp_server.put("outbound", ".partial", "hidden")
    sftp_server.put("archive", "a.edi", "old")
    with TRANSPORT.connect(account_for(sftp_server)) as session:
        assert session.list_files("/outbound") == ["a.edi"]
        session.move("/outbound", "a.edi", "/archive")
        session.remove("/outbound", ".partial")
    assert sftp_server.files("archive") == ["a.edi", "a.edi.2"]
    assert sftp_server.files("outbound") == []


def test_key_authentication(sftp_server):
    key = asyncssh.generate_private_key("ssh-ed25519")
    sftp_server.authorize(key.export_public_key().decode())
    private = key.export_private_key().decode()
    with TRANSPORT.connect(account_for(sftp_server, password="", private_key=private)) as session:
        session.upload("/inbound", "k.x12", b"k")
    assert sftp_server.files("inbound") == ["k.x12"]


def test_first_connect_shows_the_fingerprint_and_sends_no_password(sftp_server):
    assert TRANSPORT.fetch_host_key(account_for(sftp_server, pinned=False)) == (
        sftp_server.fingerprint
    )
    with pytest.raises(HostKeyUnknown) as unknown:
        _login(account_for(sftp_server, pinned=False))
    assert unknown.value.fingerprint == sftp_server.fingerprint
    assert sftp_server.passwords_seen == []


def test_a_changed_host_key_is_refused_before_the_login(sftp_server):
    account = account_for(sftp_server)
    sftp_server.new_host_key()
    with pytest.raises(HostKeyChanged, match="host key changed") as changed:
        _login(account)
    assert changed.value.presented == sftp_server.fingerprint
    assert sftp_server.passwords_seen == []


def test_a_wrong_password_is_refused_and_a_stopped_server_is_unavailable(sftp_server):
    with pytest.raises(SftpRefused, match="refused the login"):
        _login(account_for(sftp_server, password="wrong"))
    account = account_for(sftp_server)
    sftp_server.stop()
    with pytest.raises(SftpUnavailable, match="cannot be reached"), TRANSPORT.connect(account):
        pass


def test_a_missing_folder_is_a_refusal(sftp_server):
    with TRANSPORT.connect(account_for(sftp_server)) as session:
        refusal = pytest.raises(SftpRefused, match="listing /nowhere")
        with refusal:
            session.list_files("/nowhere")


def test_a_private_or_loopback_host_is_refused_by_default(sftp_server):
    with pytest.raises(SftpRefused, match="private, loopback or link-local"):
        _login(account_for(sftp_server), AsyncsshTransport(timeout_seconds=5))
    assert sftp_server.passwords_seen == []
