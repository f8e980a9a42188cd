"""docs/vendor-api.md is what vendors build against: its Python example accepts what the app
sends and refuses a tampered or stale request, and its JSON example is valid under the schema."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import jsonschema

from app.domain.vendor_po_json import signed_headers

DOCS = Path(__file__).parents[2] / "docs"
# The section for vendors receiving POs (the inbound API's section has examples of its own).
TEXT = (DOCS / "vendor-api.md").read_text().split("## Receiving purchase orders", 1)[1]
TEXT = TEXT.split("\n## ", 1)[0]
SCHEMA = json.loads((DOCS / "schemas" / "purchase-order.v1.json").read_text())


def _block(language: str) -> str:
    [block] = re.findall(rf"```{language}\n(.*?)```", TEXT, flags=re.DOTALL)
    return block


def test_the_documented_check_accepts_the_apps_signature_and_nothing_else():
    namespace: dict[str, object] = {}
    exec(compile(_block("python"), "vendor-api.md", "exec"), namespace)
    is_from_the_shop = namespace["is_from_the_shop"]
    body = b'{"version":"1","po_number":"1042-1"}'
    now = int(time.time())
    headers = {k.lower(): v for k, v in signed_headers("dsk_s", now, body, "k").items()}

    assert is_from_the_shop("dsk_s", headers, body)
    assert not is_from_the_shop("dsk_s", headers, body.replace(b"1042", b"1043"))
    assert not is_from_the_shop("dsk_other", headers, body)
    stale = headers | {"x-dropship-timestamp": str(now - 301)}
    stale["x-dropship-signature"] = signed_headers("dsk_s", now - 301, body, "k")[
        "X-Dropship-Signature"
    ]
    assert not is_from_the_shop("dsk_s", stale, body)


def test_the_documented_example_is_valid_under_the_schema():
    example = json.loads(_block("json"))

    jsonschema.Draft202012Validator(SCHEMA).validate(example)
    assert example["send_id"] in TEXT.split("```json")[0]  # the same key as the request shown
