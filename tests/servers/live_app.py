"""The app itself, served over real HTTP on 127.0.0.1 so the fake Saleor can install and call it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from app import create_app
from app.bootstrap import Container, build_container
from app.settings import Settings
from tests.servers.fake_saleor.server import BackgroundServer


class _Deferred:
    """A WSGI app filled in after the port is known (APP_URL must contain it)."""

    app: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self.app(environ, start_response)  # type: ignore[no-any-return]


@dataclass
class LiveApp:
    url: str
    flask: Flask
    container: Container
    server: BackgroundServer

    @property
    def manifest_url(self) -> str:
        return f"{self.url}/api/manifest"

    def stop(self) -> None:
        self.server.stop()


def start_live_app(settings: Settings, **overrides: Any) -> LiveApp:
    deferred = _Deferred()
    server = BackgroundServer(deferred)
    server.start()
    url = f"http://127.0.0.1:{server.port}"
    settings = _with_app_url(settings, url)
    container = build_container(settings, **overrides)
    flask_app = create_app(container=container)
    deferred.app = flask_app
    return LiveApp(url=url, flask=flask_app, container=container, server=server)


def _with_app_url(settings: Settings, url: str) -> Settings:
    from dataclasses import replace

    return replace(settings, app_url=url)
