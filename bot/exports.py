"""Files the staff console sends: the schedule as CSV and XLSX, utilisation as a PNG chart.

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

from bot.errors import FontMissing
from bot.read_models import ExportRow
from bot.rules.capacity import Availability
from bot.texts import staff as t

log = logging.getLogger(__name__)

CJK_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch, Fedora
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
)
# The family matplotlib knows each collection's Simplified Chinese face by.
_FAMILIES = {"NotoSansCJK": "Noto Sans CJK SC", "wqy-microhei": "WenQuanYi Micro Hei"}
CHART_SIZE = (1000, 560)  # pixels of the PNG
_DPI = 100


def _values(row: ExportRow) -> list[str | int]:
    return [row.code, row.day.isoformat(), row.session, row.unit, row.items, row.minutes, row.state,
            row.contact, row.phone_masked, row.applicants]


def schedule_csv(rows: Sequence[ExportRow]) -> bytes:
    """The rows as CSV: UTF-8 with a BOM (so that Excel opens the Chinese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(t.EXPORT_HEADER)
    writer.writerows(_values(r) for r in rows)
    return buffer.getvalue().encode("utf-8-sig")


def schedule_xlsx(rows: Sequence[ExportRow], title: str) -> bytes:
    """The rows as an XLSX workbook with one sheet, a bold header and frozen first row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(t.EXPORT_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(_values(row))
    for letter, width in zip("ABCDEFGHIJ", (18, 12, 8, 30, 28, 8, 10, 12, 14, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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


def utilisation_png(cells: Sequence[Availability], font: str = "") -> bytes:
    """Booked vs capacity minutes per date × session as a PNG bar chart (Chinese labels).

    Drawn on a pyplot-free Figure with the Agg canvas, so it is safe off the main
    thread (handlers render it with ``asyncio.to_thread``).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    _, family = cjk_font(font)
    width, height = CHART_SIZE
    figure = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI)
    FigureCanvasAgg(figure)
    with _rc({"font.family": [family], "axes.unicode_minus": False}):
        ax = figure.add_subplot()
        if cells:
            xs = list(range(len(cells)))
            capacity = [0 if a.closed else a.capacity for a in cells]
            used = [a.used for a in cells]
            ax.bar([x - 0.2 for x in xs], capacity, width=0.4, label=t.CHART_CAPACITY, color="#c9d6e8")
            ax.bar([x + 0.2 for x in xs], used, width=0.4, label=t.CHART_BOOKED, color="#2f6db5")
            for x, a in zip(xs, cells, strict=True):
                if not a.closed and a.capacity:
                    ax.annotate(f"{round(100 * a.used / a.capacity)}%", (x + 0.2, a.used),
                                ha="center", va="bottom", fontsize=9)
            ax.set_xticks(xs, [t.chart_label(a) for a in cells], fontsize=9)
            ax.set_ylim(0, max([*capacity, *used, 1]) * 1.2)  # headroom for the legend
            ax.legend(loc="upper left", ncol=2)
        else:
            ax.text(0.5, 0.5, t.CHART_EMPTY, ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
        ax.set_title(t.CHART_TITLE)
        ax.set_ylabel("分钟")
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=_DPI)
    return out.getvalue()


def _rc(params: dict[str, object]):  # type: ignore[no-untyped-def]
    from matplotlib import rc_context

    return rc_context(params)  # type: ignore[arg-type]
