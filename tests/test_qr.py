"""The receipt's check-in QR code: our fast PNG shows exactly the modules segno draws."""

from __future__ import annotations

import io

import numpy as np
import segno
from matplotlib import image

from bot.qr import BORDER, MASK, SCALE, qr_png


def _dark(png: bytes) -> np.ndarray:
    pixels = image.imread(io.BytesIO(png), format="png")
    return (pixels if pixels.ndim == 2 else pixels[..., 0]) < 0.5


def test_the_png_is_segnos_own_rendering_pixel_for_pixel() -> None:
    data = "https://t.me/ChaoyangPermitBot?start=ci_0123456789abcdef0123456789abcdef"
    reference = io.BytesIO()
    segno.make(data, error="m", micro=False, mask=MASK).save(reference, kind="png", scale=SCALE, border=BORDER)
    ours = _dark(qr_png(data))
    assert ours.shape == (360, 360)
    assert np.array_equal(ours, _dark(reference.getvalue()))
    assert ours[:BORDER * SCALE].sum() == 0 and ours[BORDER * SCALE:BORDER * SCALE + 7 * SCALE, BORDER * SCALE].all()


def test_any_scale_draws_the_same_modules() -> None:
    from bot.qr import png_of

    matrix = segno.make("x", error="m", micro=False, mask=MASK).matrix
    big, small = _dark(png_of(matrix, 8, 4)), _dark(png_of(matrix, 3, 4))
    assert np.array_equal(big[::8, ::8], small[::3, ::3])
