"""CSV files the app writes: spreadsheets run a cell starting with = + - @ (or a tab or CR
before one) as a formula, so every CSV goes through ``csv_cell``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """The cell's text, prefixed with a quote when a spreadsheet would run it as a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(
    header: Sequence[str], rows: Iterable[Sequence[object]], lineterminator: str = "\r\n"
) -> str:
    """A whole CSV file with every cell (header included) passed through ``csv_cell``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow([csv_cell(name) for name in header])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return out.getvalue()
