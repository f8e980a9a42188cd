"""Read a Code 128 barcode back from a PDF: the bars WeasyPrint drew (filled black rectangles
in the page's content stream) become bar and space widths, decoded with the symbol table of
ISO/IEC 15417 written out below (not the generating library's), checksum checked."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.generic import ContentStream

# Bar/space widths (in modules) of symbol values 0..105, from ISO/IEC 15417 table 1.
_TABLE = """
212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232
122132 122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122
321221 312212 322112 322211 212123 212321 232121 111323 131123 131321 112313 132113 132311
211313 231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 231131 213113
213311 213131 311123 311321 331121 312113 312311 332111 314111 221411 431111 111224 111422
121124 121421 141122 141221 112214 112412 122114 122411 142112 142211 241211 221114 413111
241112 134111 111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 214121
412121 111143 111341 131141 114113 114311 411113 411311 113141 114131 311141 411131 211412
211214 211232
"""
_WIDTHS = _TABLE.split()
_SYMBOLS = {widths: value for value, widths in enumerate(_WIDTHS)}
_STOP = "2331112"
_START_A, _START_B, _START_C = 103, 104, 105
_CODE_C, _CODE_B, _CODE_A = 99, 100, 101


def bars_in_pdf(pdf: bytes, page: int = 0) -> list[tuple[float, float, float]]:
    """(x, width, height) of the black filled rectangles on a page, in user-space units of
    the content stream (WeasyPrint draws each SVG bar as ``x y w h re f`` in black)."""
    reader = PdfReader(io.BytesIO(pdf))
    content = ContentStream(reader.pages[page].get_contents(), reader)
    bars = []
    fill: tuple[float, ...] = (0.0, 0.0, 0.0)
    pending: tuple[float, float, float] | None = None
    for operands, operator in content.operations:
        if operator == b"rg":
            fill = tuple(float(v) for v in operands)
        elif operator == b"re":
            x, _y, w, h = (float(v) for v in operands)
            pending = (x, abs(w), abs(h))
        elif operator in (b"f", b"f*") and pending is not None:
            if fill == (0.0, 0.0, 0.0):
                bars.append(pending)
            pending = None
    return bars


def decode_code128_bars(bars: list[tuple[float, float, float]]) -> str:
    """Decode the tallest group of equally high bars (the barcode) into its text."""
    height = max(h for _x, _w, h in bars)
    code = sorted((x, w) for x, w, h in bars if abs(h - height) < 0.01)
    module = min(w for _x, w in code)
    widths: list[int] = []
    for index, (x, w) in enumerate(code):
        if index:
            previous_x, previous_w = code[index - 1]
            widths.append(round((x - previous_x - previous_w) / module))
        widths.append(round(w / module))
    return decode_code128_widths(widths)


def decode_code128_widths(widths: list[int]) -> str:
    """Text from alternating bar/space widths (start with a bar, end with the stop pattern)."""
    if "".join(map(str, widths[-7:])) != _STOP:
        raise ValueError("no stop pattern")
    body = widths[:-7]
    if len(body) % 6:
        raise ValueError("not a whole number of symbols")
    values = []
    for start in range(0, len(body), 6):
        key = "".join(map(str, body[start : start + 6]))
        if key not in _SYMBOLS:
            raise ValueError(f"unknown symbol {key}")
        values.append(_SYMBOLS[key])
    *data, check = values
    if sum(v * max(i, 1) for i, v in enumerate(data)) % 103 != check:
        raise ValueError("checksum mismatch")
    return _text(data)


def _text(values: list[int]) -> str:
    start, *rest = values
    codes = {_START_A: "A", _START_B: "B", _START_C: "C"}
    if start not in codes:
        raise ValueError("no start symbol")
    charset, out = codes[start], []
    for value in rest:
        if charset == "C" and value < 100:
            out.append(f"{value:02d}")
        elif value == _CODE_C:
            charset = "C"
        elif value == _CODE_B and charset != "B":
            charset = "B"
        elif value == _CODE_A and charset != "A":
            charset = "A"
        elif charset == "B":
            out.append(chr(value + 32))
        elif charset == "A":
            out.append(chr(value + 32) if value < 64 else chr(value - 64))
        else:
            raise ValueError(f"symbol {value} not handled")
    return "".join(out)
