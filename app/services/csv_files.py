"""CSV files merchants upload (vendors, product vendors, shipments): reading them into rows.

Writing CSV with formula cells neutralised is ``app.domain.spreadsheets.csv_text``; row errors
are capped by ``app.services.forms.capped``.
"""

from __future__ import annotations

import csv
import io

from app.services.forms import FormInvalid


def read_csv_rows(text: str, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows as dicts keyed by lower-case header; a missing column fails the whole file."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [column for column in required if column not in headers]
    if missing:
        raise FormInvalid({"file": f"The CSV needs the column(s): {', '.join(missing)}."})
    rows = []
    for raw in reader:
        rows.append({(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()})
    if not rows:
        raise FormInvalid({"file": "The CSV has no rows."})
    return rows
