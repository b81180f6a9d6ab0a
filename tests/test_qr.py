"""The receipt's check-in QR code: our fast PNG shows exactly the modules zxing-cpp encodes, and reads back."""

from __future__ import annotations

import io

import numpy as np
import zxingcpp
from matplotlib import image

from bot.qr import BORDER, DATA_MASK, SCALE, png_of, qr_png
from tests.support.checkin import decode_qr

LINK = "https://t.me/ChaoyangPermitBot?start=ci_0123456789abcdef0123456789abcdef"


def _dark(png: bytes) -> np.ndarray:
    pixels = image.imread(io.BytesIO(png), format="png")
    return (pixels if pixels.ndim == 2 else pixels[..., 0]) < 0.5


def test_the_png_is_zxings_own_rendering_pixel_for_pixel_and_reads_back() -> None:
    ours = _dark(qr_png(LINK))
    code = zxingcpp.create_barcode(LINK, zxingcpp.BarcodeFormat.QRCode, ec_level="M", data_mask=DATA_MASK)
    reference = np.asarray(code.to_image(scale=SCALE, add_quiet_zones=True)) < 128
    assert ours.shape == reference.shape == (37 * SCALE + 2 * BORDER * SCALE,) * 2  # version 5: 37 modules
    assert np.array_equal(ours, reference)
    assert ours[:BORDER * SCALE].sum() == 0 and ours[BORDER * SCALE:BORDER * SCALE + 7 * SCALE, BORDER * SCALE].all()
    assert decode_qr(qr_png(LINK)) == LINK


def test_the_mask_is_the_fixed_one_whatever_the_link() -> None:
    """Every code uses ``DATA_MASK``, also for a link whose scored mask would be another one."""
    link = "https://t.me/ChaoyangPermitBot?start=ci_" + "0" * 32

    def modules(**options: object) -> np.ndarray:
        code = zxingcpp.create_barcode(link, zxingcpp.BarcodeFormat.QRCode, ec_level="M", **options)
        return np.asarray(code.to_image(scale=SCALE, add_quiet_zones=True)) < 128

    assert not np.array_equal(modules(), modules(data_mask=DATA_MASK))  # the scoring would choose otherwise
    assert np.array_equal(_dark(qr_png(link)), modules(data_mask=DATA_MASK))
    assert decode_qr(qr_png(link)) == link


def test_any_scale_draws_the_same_modules() -> None:
    modules = np.asarray(zxingcpp.create_barcode("x", zxingcpp.BarcodeFormat.QRCode).to_image(
        scale=1, add_quiet_zones=False)) < 128
    big, small = _dark(png_of(modules.tolist(), 8, 4)), _dark(png_of(modules.tolist(), 3, 4))
    assert np.array_equal(big[::8, ::8], small[::3, ::3])
    assert np.array_equal(big[32:-32:8, 32:-32:8], modules)
