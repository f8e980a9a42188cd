"""The shop's logo for packing slips: PNG or JPEG only, told by its bytes (never by the
file name or the browser's content type), with bounded size and dimensions."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from app.domain.errors import DomainValidationError

MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_SIDE = 2000
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (baseline, progressive, ...): they carry the dimensions.
_JPEG_FRAMES = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD})
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


@dataclass(frozen=True)
class Logo:
    content_type: str
    data: bytes
    width: int
    height: int


def clean_logo(data: bytes) -> Logo:
    """A checked logo, or a field error on ``logo`` saying what is wrong with the file."""
    if not data:
        raise _invalid("Choose a PNG or JPEG file.")
    if len(data) > MAX_LOGO_BYTES:
        raise _invalid(f"The logo is over {MAX_LOGO_BYTES // 1024} KB: use a smaller file.")
    if data.startswith(_PNG_SIGNATURE):
        content_type, size = "image/png", _png_size(data)
    elif data.startswith(b"\xff\xd8\xff"):
        content_type, size = "image/jpeg", _jpeg_size(data)
    else:
        raise _invalid("The logo must be a PNG or JPEG image.")
    if size is None:
        raise _invalid("The logo file is damaged: its size cannot be read.")
    width, height = size
    if not (0 < width <= MAX_LOGO_SIDE and 0 < height <= MAX_LOGO_SIDE):
        raise _invalid(
            f"The logo is {width} x {height} pixels: use at most {MAX_LOGO_SIDE} on each side."
        )
    return Logo(content_type, data, width, height)


def _png_size(data: bytes) -> tuple[int, int] | None:
    """From the IHDR chunk, which must come first."""
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walk the segments up to the first start-of-frame marker."""
    index = 2
    while index + 4 <= len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        if marker in _JPEG_STANDALONE:
            index += 2
            continue
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if length < 2:
            return None
        if marker in _JPEG_FRAMES:
            if index + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return int(width), int(height)
        if marker in (0xD9, 0xDA):  # end of image or start of scan before any frame
            return None
        index += 2 + length
    return None


def _invalid(message: str) -> DomainValidationError:
    return DomainValidationError({"logo": message})
