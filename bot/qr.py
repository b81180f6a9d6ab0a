"""The check-in QR code on the receipt: a PNG of the ``t.me`` deep link (segno)."""

from __future__ import annotations

import io

import segno

SCALE = 8  # pixels per module: sharp on a phone, easy for a counter's camera
BORDER = 4  # the quiet zone the QR standard asks for


def qr_png(data: str) -> bytes:
    """A PNG image of a QR code holding ``data`` (error correction M)."""
    code = segno.make(data, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=SCALE, border=BORDER)
    return out.getvalue()
