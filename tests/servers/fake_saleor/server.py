"""The HTTP side: routing and a werkzeug server on 127.0.0.1 in a background thread."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

Handler = Callable[[Request], Response]


class _QuietHandler(WSGIRequestHandler):
    """No per-request access log lines in the test output."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class Router:
    """Minimal WSGI app: exact (method, path) routes."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}

    def add(self, method: str, path: str, handler: Handler) -> None:
        """Register `handler` for `method path`."""
        self.routes[(method, path)] = handler

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            allowed = any(path == request.path for _, path in self.routes)
            status = 405 if allowed else 404
            response = Response(
                json.dumps({"detail": f"{status}"}), status=status, content_type="application/json"
            )
        else:
            response = handler(request)
        return response(environ, start_response)


def json_response(data: Any, status: int = 200) -> Response:
    """A JSON body with Content-Type application/json."""
    return Response(json.dumps(data), status=status, content_type="application/json")


class _Finished:
    """The response body, calling ``done`` once: when it is exhausted or closed. werkzeug's
    server skips ``close()`` when the client resets the connection while it drains the
    request's leftover bytes (Chromium after a form POST), which left the count up forever."""

    def __init__(self, body: Iterable[bytes], done: Any) -> None:
        self._body, self._iterator, self._done = body, iter(body), done
        self._finished = False

    def __iter__(self) -> _Finished:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._iterator)
        except StopIteration:
            self._finish()
            raise

    def close(self) -> None:
        try:
            if hasattr(self._body, "close"):
                self._body.close()
        finally:
            self._finish()

    def _finish(self) -> None:
        if not self._finished:
            self._finished = True
            self._done()


class _InFlight:
    """Counts the requests the wrapped WSGI app is serving, until their response is closed."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._count = 0
        self._idle = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with self._idle:
            self._count += 1
        try:
            body = self._app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _Finished(body, self._done)

    def _done(self) -> None:
        with self._idle:
            self._count -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._count == 0, timeout)


class BackgroundServer:
    """Serve a WSGI app on 127.0.0.1:<ephemeral> from a daemon thread."""

    def __init__(self, app: Any) -> None:
        self._app = _InFlight(app)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (only after start)."""
        if self._server is None:
            raise RuntimeError("server not started")
        return int(self._server.server_port)

    def start(self) -> None:
        """Bind and start serving."""
        self._server = make_server(
            "127.0.0.1", 0, self._app, threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            daemon=True,
            name="fake-saleor",
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, let the requests in progress finish, and close the socket.

        Request threads are daemons that shutdown() does not wait for: one still running after
        the test would use (and return) a database connection after the test's engine was
        disposed, leaving it open until the garbage collector finds it in a later test."""
        if self._server is None:
            return
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if not self._app.wait_idle(timeout=30):
            raise RuntimeError("requests still in progress 30 s after the server stopped")
        self._server.server_close()
        self._server, self._thread = None, None
