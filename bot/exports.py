"""Files the staff console sends and reads: the schedule as CSV and XLSX, utilisation as a PNG
chart, and an uploaded XLSX read as CSV text (the units import).

Pure builders from rows to bytes (like ``bot/ics.py``); no Telegram, no database.

The chart's Chinese labels need a CJK font. The project installs Debian's
``fonts-noto-cjk`` (``scripts/setup-system.sh``) and the chart looks the font up by
path (``CJK_FONT_PATHS``, or the ``BOT_CJK_FONT`` setting for other
systems) and registers it with matplotlib, so no text is ever drawn as empty boxes.
Without such a font the chart is refused (``FontMissing``) rather than sent with
missing glyphs.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import FontMissing, SheetUnreadable
from bot.read_models import ExportRow
from bot.rules.capacity import Availability
from bot.texts import staff as t

if TYPE_CHECKING:
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

CJK_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch, Fedora
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
)
# The family matplotlib knows each collection's Simplified Chinese face by.
_FAMILIES = {"NotoSansCJK": "Noto Sans CJK SC", "wqy-microhei": "WenQuanYi Micro Hei"}
CHART_WIDTH = 720  # pixels: a phone shows the PNG at about its own size
MIN_LABEL_PX = 14  # the smallest text height a phone user reads without zooming
_DPI = 100
_FONT_PT = 17  # ≈ 23 px em at 100 dpi: CJK glyphs ≈ 20 px tall
_TITLE_PT = 20
_HEAD_PX, _ROW_PX, _FOOT_PX = 110, 64, 24


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: str) -> bool:
    """Whether a spreadsheet would read this text as a formula (or a DDE payload)."""
    return value.startswith(FORMULA_STARTS)


def safe_text(value: str) -> str:
    """A text cell for CSV: one starting like a formula gets a leading apostrophe, so that
    Excel and LibreOffice show it as text (OWASP "CSV injection")."""
    return "'" + value if is_formula_like(value) else value


def _values(row: ExportRow) -> list[str | int]:
    return [row.code, row.day.isoformat(), row.session, row.unit, row.business, row.ordinal, row.applicant,
            row.review, row.reason, row.state, row.contact, row.phone, row.minutes]


def schedule_csv(rows: Sequence[ExportRow]) -> bytes:
    """The rows as CSV: UTF-8 with a BOM (so that Excel opens the Chinese correctly), every
    text cell safe from formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(t.EXPORT_HEADER)
    writer.writerows([safe_text(v) if isinstance(v, str) else v for v in _values(r)] for r in rows)
    return buffer.getvalue().encode("utf-8-sig")


_WIDTHS = (18, 12, 6, 30, 12, 6, 12, 10, 24, 10, 10, 14, 8)


def schedule_xlsx(rows: Sequence[ExportRow], title: str) -> bytes:
    """The rows as an XLSX workbook with one sheet, a bold header and frozen first row.

    Every text is written as a string cell (never a formula: openpyxl would otherwise
    store 「=HYPERLINK(…)」 as a live formula), marked quote-prefixed so that editing it
    in Excel keeps it text.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(t.EXPORT_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(_values(row), start=1):
            cell = sheet.cell(row=r, column=c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
                if is_formula_like(value):
                    cell.quotePrefix = True
    for n, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_as_csv(data: bytes) -> str:
    """The first sheet of an XLSX workbook as CSV text, row for row (so line numbers match).

    Empty cells become empty strings; whole numbers (a password Excel took for a
    number) lose the ``.0``; formulas are read as their text, never evaluated.
    """
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=False).worksheets[0]
        rows = [["" if v is None else _cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    except (BadZipFile, KeyError, OSError, ValueError, IndexError) as err:
        raise SheetUnreadable(str(type(err).__name__)) from None
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@lru_cache(maxsize=4)
def cjk_font(configured: str = "") -> tuple[str, str]:
    """(path, family) of the CJK font, registered with matplotlib; raises FontMissing.

    ``configured`` (the BOT_CJK_FONT setting) is tried before the known paths.
    """
    from matplotlib import font_manager

    candidates = [configured, *CJK_FONT_PATHS]
    for raw in candidates:
        if raw and Path(raw).is_file():
            font_manager.fontManager.addfont(raw)
            stem = Path(raw).stem
            family = next((f for key, f in _FAMILIES.items() if key in stem), None)
            if family is None:
                family = font_manager.FontProperties(fname=raw).get_name()
            return raw, family
    raise FontMissing("no CJK font found; install fonts-noto-cjk (scripts/setup-system.sh) or set BOT_CJK_FONT")


def utilisation_figure(cells: Sequence[Availability], font: str = "") -> Figure:
    """Booked vs capacity minutes per date × session, drawn for a phone screen.

    One horizontal bar per session, its label on the left in large type, the booked
    share on the right; the figure is ``CHART_WIDTH`` pixels wide (a phone shows it
    without scaling it down) and grows in height with the number of sessions, so the
    labels stay at least ``MIN_LABEL_PX`` pixels tall in the PNG.
    """
    from matplotlib.figure import Figure

    _, family = cjk_font(font)
    rows = max(len(cells), 1)
    height = _HEAD_PX + rows * _ROW_PX + _FOOT_PX
    figure = Figure(figsize=(CHART_WIDTH / _DPI, height / _DPI), dpi=_DPI)
    with _rc({"font.family": [family], "axes.unicode_minus": False, "font.size": _FONT_PT}):
        ax = figure.add_axes((0.30, _FOOT_PX / height, 0.52, rows * _ROW_PX / height))
        figure.suptitle(t.CHART_TITLE, fontsize=_TITLE_PT, x=0.04, ha="left", y=1 - 18 / height, va="top")
        figure.text(0.04, 1 - (18 + _TITLE_PT * 2) / height, t.CHART_LEGEND, fontsize=_FONT_PT - 2,
                    color="#555555", va="top")
        if cells:
            ys = list(range(len(cells)))[::-1]  # the first session on top
            capacity = [0 if a.closed else a.capacity for a in cells]
            used = [a.used for a in cells]
            ax.barh(ys, capacity, height=0.7, color="#d5e0ee")
            ax.barh(ys, used, height=0.7, color="#2f6db5")
            ax.set_yticks(ys, [t.chart_label(a) for a in cells], fontsize=_FONT_PT)
            top = max([*capacity, *used, 1])
            ax.set_xlim(0, top)
            for y, a in zip(ys, cells, strict=True):
                ax.text(top * 1.03, y, t.chart_value(a), va="center", ha="left", fontsize=_FONT_PT, clip_on=False)
        else:
            ax.text(0.5, 0.5, t.CHART_EMPTY, ha="center", va="center", transform=ax.transAxes, fontsize=_FONT_PT)
            ax.set_yticks([])
        ax.set_xticks([])
        ax.tick_params(axis="y", length=0, pad=8)
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
    return figure


def utilisation_png(cells: Sequence[Availability], font: str = "") -> bytes:
    """The phone-sized utilisation chart (``utilisation_figure``) as PNG bytes.

    Drawn on a pyplot-free Figure with the Agg canvas, so it is safe off the main
    thread (handlers render it with ``asyncio.to_thread``).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = utilisation_figure(cells, font)
    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=_DPI)
    return out.getvalue()


def _rc(params: dict[str, object]):  # type: ignore[no-untyped-def]
    from matplotlib import rc_context

    return rc_context(params)  # type: ignore[arg-type]
