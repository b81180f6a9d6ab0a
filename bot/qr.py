"""The check-in QR code on the receipt: a PNG of the ``t.me`` deep link.

Every booking at the 09:00 rush gets one, so it must be cheap. The symbol comes from
zxing-cpp (the C++ ZXing, a kept library: encoding, error correction and the choice
of mask in ~0.1 ms, against ~1 ms for the pure-Python segno with a fixed mask); the
1-bit PNG is written here from its modules. At 8 pixels a module one module is one
byte of a 1-bit image row, and zxing-cpp hands each module over as a byte that is
already 0x00 (dark) or 0xff (light): the rows need no per-pixel work at all.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

import zxingcpp

SCALE = 8  # pixels per module: sharp on a phone, easy for a counter's camera
BORDER = 4  # the quiet zone the QR standard asks for
ERROR_CORRECTION = "M"


def qr_png(data: str) -> bytes:
    """A PNG image of a QR code holding ``data`` (error correction M)."""
    code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level=ERROR_CORRECTION)
    modules = code.to_image(scale=1, add_quiet_zones=False)
    size = modules.shape[0]
    raw = bytes(memoryview(modules))  # type: ignore[arg-type]  # it has the buffer protocol; its stub does not say
    return _png_of_rows([raw[y * size:(y + 1) * size] for y in range(size)], SCALE, BORDER)


def png_of(matrix: Sequence[Sequence[int]], scale: int, border: int) -> bytes:
    """A black-on-white 1-bit PNG of a module matrix (truthy: dark), ``scale`` pixels a module."""
    return _png_of_rows([bytes(0 if dark else 255 for dark in row) for row in matrix], scale, border)


def _png_of_rows(rows: list[bytes], scale: int, border: int) -> bytes:
    """The PNG of module rows given as bytes (0x00 dark, 0xff light)."""
    modules = len(rows[0]) + 2 * border
    width = modules * scale
    if scale == 8:  # one module is one byte of pixels
        white = b"\x00" + b"\xff" * modules  # filter byte 0, then the pixels
        margin = b"\xff" * border
        lines = [b"\x00" + margin + row + margin for row in rows]
    else:
        pad = "1" * (-width % 8)
        quiet = "1" * (border * scale)
        white = b"\x00" + int("1" * width + pad, 2).to_bytes((width + 7) // 8, "big")
        lines = [b"\x00" + int(quiet + "".join(("1" if light else "0") * scale for light in row) + quiet + pad,
                                2).to_bytes((width + 7) // 8, "big") for row in rows]
    image = b"".join([white] * (border * scale) + [line for line in lines for _ in range(scale)]
                     + [white] * (border * scale))
    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(image, 6))
            + _chunk(b"IEND", b""))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
