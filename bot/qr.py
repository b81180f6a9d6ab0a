"""The check-in QR code on the receipt: a PNG of the ``t.me`` deep link (segno).

Every booking at the 09:00 rush gets one, so it must be cheap: segno's own choice
of mask (scoring all eight) and its PNG writer cost ~22 ms of the event loop per
code. Any of the eight masks is valid and read by every scanner, so the mask is
fixed, and the 1-bit PNG is written here directly from the module matrix (at 8
pixels a module, one module is one byte): ~1.5 ms.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

import segno

SCALE = 8  # pixels per module: sharp on a phone, easy for a counter's camera
BORDER = 4  # the quiet zone the QR standard asks for
MASK = 0


def qr_png(data: str) -> bytes:
    """A PNG image of a QR code holding ``data`` (error correction M)."""
    code = segno.make(data, error="m", micro=False, mask=MASK)
    return png_of(code.matrix, SCALE, BORDER)


def png_of(matrix: Sequence[Sequence[int]], scale: int, border: int) -> bytes:
    """A black-on-white 1-bit PNG of a module matrix (truthy: dark), ``scale`` pixels a module."""
    modules = len(matrix[0]) + 2 * border
    width = modules * scale
    if scale == 8:  # one module is one byte of pixels
        white = b"\x00" + b"\xff" * modules  # filter byte 0, then the pixels
        margin = b"\xff" * border
        lines = [b"\x00" + margin + bytes(0 if dark else 255 for dark in row) + margin for row in matrix]
    else:
        pad = "1" * (-width % 8)
        quiet = "1" * (border * scale)
        white = b"\x00" + int("1" * width + pad, 2).to_bytes((width + 7) // 8, "big")
        lines = [b"\x00" + int(quiet + "".join(("0" if dark else "1") * scale for dark in row) + quiet + pad,
                                2).to_bytes((width + 7) // 8, "big") for row in matrix]
    image = b"".join([white] * (border * scale) + [line for line in lines for _ in range(scale)]
                     + [white] * (border * scale))
    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(image, 6))
            + _chunk(b"IEND", b""))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
