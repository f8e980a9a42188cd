"""SFTP over asyncssh, used synchronously (worker and web): one private event loop per session.

The server's host key is checked against the pinned SHA256 fingerprint during the handshake,
before the user authentication, so a server with another key never sees the password or a
signature made with the key. No ~/.ssh file (config, known_hosts, keys) and no agent is used.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import posixpath
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import asyncssh

from app.domain.edi.partners import SftpAccount
from app.services.edi_ports import (
    HostKeyChanged,
    HostKeyUnknown,
    SftpRefused,
    SftpSession,
    SftpUnavailable,
)

T = TypeVar("T")
_REGULAR = asyncssh.FILEXFER_TYPE_REGULAR


class _PinnedHostKey(asyncssh.SSHClient):
    """Accepts only the pinned key; remembers the presented one to report it."""

    def __init__(self, pinned: str) -> None:
        self.pinned = pinned
        self.presented = ""

    def validate_host_public_key(self, host: str, addr: str, port: int, key: Any) -> bool:
        self.presented = key.get_fingerprint("sha256")
        return bool(self.pinned) and hmac.compare_digest(self.presented, self.pinned)


def _path(folder: str, name: str) -> str:
    if "/" in name or name in ("", ".", ".."):
        raise SftpRefused(f"Not a file name: {name!r}.")
    return posixpath.join(folder, name)


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


class _LoopThread:
    """A private event loop in a thread of its own. The caller's thread may run a loop already
    (an async framework, Playwright's sync API in the tests), where ``run_until_complete`` on a
    second loop is refused."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="sftp", daemon=True)
        self._thread.start()

    def run_until_complete(self, awaitable: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(_awaited(awaitable), self.loop).result()

    def close(self) -> None:
        self.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


class _Session:
    def __init__(self, loop: _LoopThread, sftp: Any, timeout: float) -> None:
        self._loop = loop
        self._sftp = sftp
        self._timeout = timeout

    def _run(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        async def bounded() -> T:
            return await asyncio.wait_for(operation(), self._timeout)

        try:
            return self._loop.run_until_complete(bounded())
        except (asyncssh.SFTPNoSuchFile, asyncssh.SFTPPermissionDenied) as error:
            raise SftpRefused(f"{what}: {error.reason}") from None
        except asyncssh.SFTPError as error:
            raise SftpUnavailable(f"{what}: {error.reason}") from None
        except (OSError, TimeoutError, asyncssh.Error) as error:
            raise SftpUnavailable(f"{what}: {error or type(error).__name__}") from None

    def list_files(self, folder: str) -> list[str]:
        async def names() -> list[str]:
            entries = await self._sftp.readdir(folder)
            return [
                str(entry.filename)
                for entry in entries
                if entry.attrs.type == _REGULAR and not str(entry.filename).startswith(".")
            ]

        return self._run(f"listing {folder}", names)

    def read(self, folder: str, name: str, max_bytes: int) -> bytes:
        async def content() -> bytes:
            path = _path(folder, name)
            size = (await self._sftp.stat(path)).size or 0
            async with self._sftp.open(path, "rb") as file:  # more than max_bytes: refused
                return bytes(await file.read(min(size, max_bytes + 1)))

        return self._run(f"reading {name}", content)

    def upload(self, folder: str, name: str, data: bytes) -> None:
        final, temporary = _path(folder, name), _path(folder, f".{name}.part")

        async def put() -> None:
            if await self._sftp.exists(final):
                async with self._sftp.open(final, "rb") as file:
                    if await file.read(len(data) + 1) == data:
                        return  # uploaded by an attempt that died before recording it
            async with self._sftp.open(temporary, "wb") as file:
                await file.write(data)
            try:
                await self._sftp.posix_rename(temporary, final)
            except asyncssh.SFTPOpUnsupported:
                if await self._sftp.exists(final):
                    await self._sftp.remove(final)
                await self._sftp.rename(temporary, final)

        self._run(f"uploading {name} to {folder}", put)

    def move(self, folder: str, name: str, to_folder: str) -> None:
        async def move() -> None:
            target, stem, n = _path(to_folder, name), name, 1
            while await self._sftp.exists(target):
                n += 1
                target = _path(to_folder, f"{stem}.{n}")
            await self._sftp.rename(_path(folder, name), target)

        self._run(f"moving {name} to {to_folder}", move)

    def remove(self, folder: str, name: str) -> None:
        self._run(f"removing {name}", lambda: self._sftp.remove(_path(folder, name)))


class AsyncsshTransport:
    """Implements the SftpTransport port."""

    def __init__(self, timeout_seconds: float = 20.0, *, private_hosts_allowed: bool = False):
        self._timeout = timeout_seconds
        self._private_hosts_allowed = private_hosts_allowed

    def _address(self, account: SftpAccount) -> str:
        """The address to connect to; a host resolving to a private, loopback or link-local
        address is refused unless the deployment allows it (a shop cannot probe its network)."""
        if self._private_hosts_allowed:
            return account.host
        try:
            infos = socket.getaddrinfo(account.host, account.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise SftpUnavailable(f"The SFTP host {account.host} cannot be resolved.") from None
        addresses = [str(info[4][0]) for info in infos]
        if any(not ipaddress.ip_address(a.split("%", 1)[0]).is_global for a in addresses):
            raise SftpRefused(
                f"The SFTP host {account.host} resolves to a private, loopback or link-local "
                "address, which this app does not connect to."
            )
        return addresses[0]

    async def _open(self, account: SftpAccount, client: _PinnedHostKey) -> Any:
        keys = [asyncssh.import_private_key(account.private_key)] if account.private_key else None
        address = self._address(account)
        return await asyncio.wait_for(
            asyncssh.connect(
                address,
                account.port,
                username=account.username,
                password=account.password or None,
                client_keys=keys,
                known_hosts=([], [], []),
                client_factory=lambda: client,
                config=[],
                agent_path=None,
                preferred_auth="publickey,password" if keys else "password",
                connect_timeout=self._timeout,
                login_timeout=self._timeout,
            ),
            self._timeout,
        )

    def _refusal(self, client: _PinnedHostKey, account: SftpAccount, error: Exception) -> Exception:
        if isinstance(error, asyncssh.HostKeyNotVerifiable) and client.presented:
            if account.host_key_fingerprint:
                return HostKeyChanged(account.host_key_fingerprint, client.presented)
            return HostKeyUnknown(client.presented)
        if isinstance(error, asyncssh.PermissionDenied):
            return SftpRefused(
                f"The SFTP server refused the login of {account.username!r}: check the "
                "user name, password or key."
            )
        if isinstance(error, asyncssh.KeyImportError):
            return SftpRefused(f"The private key cannot be read: {error}")
        where = f"{account.host}:{account.port}"
        return SftpUnavailable(f"The SFTP server {where} cannot be reached: {error or 'timeout'}")

    @contextmanager
    def connect(self, account: SftpAccount) -> Iterator[SftpSession]:
        loop = _LoopThread()
        client = _PinnedHostKey(account.host_key_fingerprint)
        try:
            try:
                connection = loop.run_until_complete(self._open(account, client))
            except (OSError, TimeoutError, asyncssh.Error, asyncssh.KeyImportError) as error:
                raise self._refusal(client, account, error) from None
            try:
                try:
                    sftp = loop.run_until_complete(
                        asyncio.wait_for(connection.start_sftp_client(), self._timeout)
                    )
                except (OSError, TimeoutError, asyncssh.Error) as error:
                    raise SftpRefused(f"The server offers no SFTP: {error}") from None
                try:
                    yield _Session(loop, sftp, self._timeout)
                finally:
                    sftp.exit()
                    loop.run_until_complete(sftp.wait_closed())
            finally:
                connection.close()
                loop.run_until_complete(connection.wait_closed())
        finally:
            loop.close()

    def fetch_host_key(self, account: SftpAccount) -> str:
        """Handshake only: the key is refused on purpose, so no credential is ever sent."""
        unpinned = SftpAccount(account.host, account.port, account.username or "probe")
        loop = _LoopThread()
        client = _PinnedHostKey("")
        try:
            loop.run_until_complete(self._open(unpinned, client))
        except (OSError, TimeoutError, asyncssh.Error) as error:
            if client.presented:
                return client.presented
            raise self._refusal(client, unpinned, error) from None
        finally:
            loop.close()
        raise SftpRefused("The server accepted an unverified connection.")  # pragma: no cover
