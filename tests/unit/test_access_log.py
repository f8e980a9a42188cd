"""The access log masks vendor portal tokens in the request line, path, query and Referer."""

from __future__ import annotations

from types import SimpleNamespace

from gunicorn.config import Config

from app.adapters.access_log import RedactingAccessLogger
from app.adapters.logs import redact

TOKEN = "Ab_-0123456789abcdefghijklmnopqrstuvwxyzABC"


def test_portal_tokens_are_masked_in_every_line_that_could_carry_them():
    assert redact(f"GET /portal/{TOKEN}/po.pdf") == "GET /portal/[redacted]/po.pdf"
    assert redact(f"GET /portal/v/{TOKEN}/po/7") == "GET /portal/v/[redacted]/po/7"
    assert redact("GET /app/vendors/7") == "GET /app/vendors/7"


def test_gunicorn_access_atoms_are_masked():
    logger = RedactingAccessLogger(Config())
    request = SimpleNamespace(headers=[("REFERER", f"https://x/portal/{TOKEN}")])
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/portal/{TOKEN}/confirm",
        "PATH_INFO": f"/portal/{TOKEN}/confirm",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://x/portal/{TOKEN}",
    }
    response = SimpleNamespace(status="303 See Other", response_length=0, sent=0, headers=[])

    atoms = logger.atoms(response, request, environ, SimpleNamespace(seconds=0, microseconds=1))

    assert TOKEN not in repr(atoms)
    assert atoms["U"] == "/portal/[redacted]/confirm"
