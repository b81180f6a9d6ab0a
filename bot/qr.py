"""The check-in QR code on the receipt: a PNG of the ``t.me`` deep link.

Every booking at the 09:00 rush gets one, so it must be cheap. The symbol comes from
zxing-cpp (the C++ ZXing, a kept library: encoding and error correction in ~0.05 ms
with the mask fixed, ``DATA_MASK``, against ~1 ms for the pure-Python segno); the
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
# The mask is fixed rather than chosen by scoring all eight candidates: the scoring was
# ~200 µs of ~250 at every 「确定」 of the rush, and any mask is a valid symbol. Our links
# are a fixed prefix and a random token, for which the scored choice bought nothing: of
# 150 such links, degraded (scaled, turned, blurred, noisy) until only half could be
# read, 75 read back with the scored mask and 78 with this one.
DATA_MASK = 2


def qr_png(data: str) -> bytes:
    """A PNG image of a QR code holding ``data`` (error correction M)."""
    code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level=ERROR_CORRECTION,
                                   data_mask=DATA_MASK)
    modules = code.to_image(scale=1, add_quiet_zones=False)
    size = modules.shape[0]
    raw = bytes(memoryview(modules))  # type: ignore[arg-type]  # it has the buffer protocol; its stub does not say
    return _png_of_rows([raw[y * size:(y + 1) * size] for y in range(size)], SCALE, BORDER)


def png_of(matrix: Sequence[Sequence[int]], scale: int, border: int) -> bytes:
    """A black-on-white 1-bit PNG of a module matrix (truthy: dark), ``scale`` pixels a module."""
    return _png_of_rows([bytes(0 if dark else 255 for dark in row) for row in matrix], scale, border)


def _png_of_rows(rows: list[bytes], scale: int, border: int) -> bytes:
    """The PNG of module rows given as bytes (0x00 dark, 0xff light).

    Each row of modules is ``scale`` identical rows of pixels: the first is written as
    it is, the others with PNG's "Up" filter (the difference from the row above, all
    zeros), so the compressor has almost nothing to look at (``_deflate``).
    """
    modules = len(rows[0]) + 2 * border
    width = modules * scale
    if scale == 8:  # one module is one byte of pixels
        white = b"\xff" * modules
        margin = b"\xff" * border
        lines = [margin + row + margin for row in rows]
    else:
        pad = "1" * (-width % 8)
        quiet = "1" * (border * scale)
        white = int("1" * width + pad, 2).to_bytes((width + 7) // 8, "big")
        lines = [int(quiet + "".join(("1" if light else "0") * scale for light in row) + quiet + pad,
                     2).to_bytes((width + 7) // 8, "big") for row in rows]
    same = b"\x02" + bytes(len(white))  # "Up" filter: the row above again
    margin_rows = [b"\x00" + white, *[same] * (border * scale - 1)]
    image = b"".join([*margin_rows, *(part for line in lines for part in (b"\x00" + line, *[same] * (scale - 1))),
                      *margin_rows])
    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", _deflate(image))
            + _chunk(b"IEND", b""))


def _deflate(image: bytes) -> bytes:
    """zlib data of the image: a quick level and the smallest hash table (``memLevel`` 1).

    Setting up zlib's default tables cost more than compressing a QR code's ~14 KB of
    filtered rows (~30 µs of ~35); with the smallest, ~20 µs for ~0.6 KB.
    """
    compressor = zlib.compressobj(2, zlib.DEFLATED, 15, 1)
    return compressor.compress(image) + compressor.flush()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
