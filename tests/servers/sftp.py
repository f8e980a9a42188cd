"""A loopback SFTP server (asyncssh in a thread) with one vendor account over a temp folder.

``SftpServer(root)`` serves ``root`` (chrooted) to user ``vendor`` with password ``secret``,
or with a key: ``authorize(public_key_text)``. ``fingerprint`` is its host key's SHA256
fingerprint; ``new_host_key()`` swaps the key (a changed or impostor server). ``stop()``
leaves the port closed: the server is unreachable. ``logins`` counts successful logins and
``passwords_seen`` every password a client offered (to prove none was sent before the host
key check).
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import asyncssh

HOST = "127.0.0.1"
USER = "vendor"
PASSWORD = "secret"
FOLDERS = ("inbound", "outbound", "archive", "quarantine")


class _Server(asyncssh.SSHServer):
    def __init__(self, owner: SftpServer) -> None:
        self._owner = owner

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        self._owner.passwords_seen.append(password)
        ok = username == USER and password == PASSWORD
        self._owner.logins += ok
        return ok

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: Any) -> bool:
        ok = username == USER and any(key == allowed for allowed in self._owner.authorized)
        return ok

    def auth_completed(self) -> None:
        pass


class SftpServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        for folder in FOLDERS:
            (root / folder).mkdir(parents=True, exist_ok=True)
        self.port = 0
        self.logins = 0
        self.passwords_seen: list[str] = []
        self.authorized: list[Any] = []
        self._host_key = asyncssh.generate_private_key("ssh-ed25519")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._acceptor: Any = None
        self._thread.start()

    @property
    def fingerprint(self) -> str:
        return str(self._host_key.get_fingerprint("sha256"))

    def authorize(self, public_key_text: str) -> None:
        self.authorized.append(asyncssh.import_public_key(public_key_text))

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    def start(self) -> SftpServer:
        root = str(self.root)

        def sftp_factory(channel: Any) -> asyncssh.SFTPServer:
            return asyncssh.SFTPServer(channel, chroot=root)

        async def listen() -> Any:
            return await asyncssh.listen(
                HOST,
                self.port,
                server_host_keys=[self._host_key],
                server_factory=lambda: _Server(self),
                sftp_factory=sftp_factory,
                allow_scp=False,
            )

        self._acceptor = self._call(listen())
        self.port = self._acceptor.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if self._acceptor is None:
            return
        acceptor, self._acceptor = self._acceptor, None

        async def close() -> None:
            # Python 3.11's asyncio.Server fails (TypeError in _wakeup) when a connection ends
            # after the server closed: wait for the clients to be gone first.
            server = getattr(acceptor, "_server", None)
            for _ in range(250):
                if not getattr(server, "_active_count", 0):
                    break
                await asyncio.sleep(0.02)
            acceptor.close()
            await acceptor.wait_closed()

        self._call(close())

    def new_host_key(self) -> None:
        """Restart on the same port with another host key."""
        self.stop()
        self._host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.start()

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> SftpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def files(self, folder: str) -> list[str]:
        return sorted(p.name for p in (self.root / folder).iterdir())

    def put(self, folder: str, name: str, text: str) -> None:
        (self.root / folder / name).write_text(text)


def account_for(server: SftpServer, *, pinned: bool = True, **changes: object) -> Any:
    """The vendor account on ``server`` as the app stores it (host key pinned by default)."""
    from app.domain.edi.partners import SftpAccount

    values: dict[str, object] = {
        "host": HOST,
        "port": server.port,
        "username": USER,
        "password": PASSWORD,
        "host_key_fingerprint": server.fingerprint if pinned else "",
        "timeout_seconds": 5.0,
    }
    values.update(changes)
    return SftpAccount(**values)  # type: ignore[arg-type]
