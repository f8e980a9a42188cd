"""The app itself, served over real HTTP on 127.0.0.1 so the fake Saleor can install and call it."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from app import create_app
from app.bootstrap import Container, build_container
from app.settings import Settings
from tests.servers.fake_saleor.server import BackgroundServer


class _Deferred:
    """A WSGI app filled in after the port is known (APP_URL must contain it); counts the
    requests being answered, so stopping waits for those a page's script started."""

    app: Any = None

    def __init__(self) -> None:
        self._running = 0
        self._idle = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with self._idle:
            self._running += 1
        try:
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> None:
        with self._idle:
            self._idle.wait_for(lambda: self._running == 0, timeout=timeout)


@dataclass
class LiveApp:
    url: str
    flask: Flask
    container: Container
    server: BackgroundServer
    deferred: _Deferred | None = None

    @property
    def manifest_url(self) -> str:
        return f"{self.url}/api/manifest"

    def stop(self) -> None:
        self.server.stop()
        if self.deferred is not None:  # requests in flight finish with the database still there
            self.deferred.wait_idle(timeout=10)


def start_live_app(settings: Settings, **overrides: Any) -> LiveApp:
    deferred = _Deferred()
    server = BackgroundServer(deferred)
    server.start()
    url = f"http://127.0.0.1:{server.port}"
    settings = _with_app_url(settings, url)
    container = build_container(settings, **overrides)
    flask_app = create_app(container=container)
    deferred.app = flask_app
    return LiveApp(url=url, flask=flask_app, container=container, server=server, deferred=deferred)


def _with_app_url(settings: Settings, url: str) -> Settings:
    from dataclasses import replace

    return replace(settings, app_url=url)
