"""Files answered as downloads: the dashboard's iframe saves an ``attachment`` answer."""

from __future__ import annotations

import re

from flask import Response

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def attachment(filename: str, content_type: str, data: bytes | str) -> Response:
    """``data`` as a download named ``filename`` (anything but letters, digits and . _ -
    becomes _, so a PO number cannot break the header)."""
    safe_name = _UNSAFE.sub("_", filename)
    return Response(
        data,
        mimetype=content_type,
        headers={"Content-Disposition": f'attachment; filename="{safe_name}"'},
    )
