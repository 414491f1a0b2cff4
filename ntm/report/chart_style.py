"""What every chart of the report shares: the page's sizes, the greys and the accent, the
typeface, matplotlib's settings, how numbers are written on axes, and the drawing helpers.

Each chart (``ntm.report.charts``: the poverty trend; ``ntm.report.bar_charts``: a rate per
unit and the attainment of targets) takes a small frame that is already computed, its figures
exact integers (counts; rates in hundredths of a percent, as the report carries them), and
returns one SVG document as a string, sized for the text column of an A4 portrait page (16 cm
wide). Every number drawn is written by ``ntm.report.vi``, as in the text (3,04%, 1.234/2.000);
floats only place things. The text is written as ``<text>`` elements in the family "NTM Serif"
(the report's CSS supplies it) with the fallbacks "Liberation Serif", "Times New Roman" and
serif; matplotlib only measures it with whatever serif font it finds here.

Nothing global is touched: each chart is drawn on its own ``Figure`` with an SVG canvas (no
pyplot, no ``matplotlib.use``), under ``matplotlib.rc_context``, with the font manager's
"font not found" warnings held back while it draws. The output is deterministic: a fixed hash
salt for the SVG ids and no date in the metadata, so the same frame gives the same string.

matplotlib is imported by the functions that draw, not by these modules: it takes about a
second to import, and importing the report (``ntm.report``, the quarterly flow) should not pay
for it when nothing is drawn, e.g. when the latest version is reused.

Colours: black and greys, and one accent, a dark blue that prints as a dark grey.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from ntm.report import vi

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import Formatter
    from matplotlib.typing import RcKeyType


CM = 1 / 2.54
"""Inches in a centimetre."""
WIDTH_CM = 16.0
TREND_HEIGHT_CM = 8.0
MAX_HEIGHT_CM = 22.0
# Above this many units, the bars of a rate per unit stand in two columns side by side: a
# province's 69 communes in one column filled a page, which the chart then moved to whole,
# leaving the page before it nearly empty; in two, they take about half a page.
ONE_COLUMN_MAX = 40
TWO_COLUMN_HEIGHT_CM = 13.0
"""The tallest a bar chart grows: an A4 text column less room for its caption."""

BLACK = "#000000"
DARK = "#404040"
GREY = "#808080"
LIGHT = "#d9d9d9"
ACCENT = "#1f4e79"
"""Dark blue: about 28% luminance, so a dark grey in print, and white text on it stays legible."""

BASE_FONT_PT = 10.0
SMALL_FONT_PT = 9.0

FONT_FAMILIES = ["NTM Serif", "Liberation Serif", "Times New Roman"]

RC_PARAMS: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "ntm-charts",
    # The SVG names "serif" as rcParams["font.serif"] then the generic family, so this gives
    # font-family: 'NTM Serif', 'Liberation Serif', 'Times New Roman', serif.
    "font.family": ["serif"],
    "font.serif": FONT_FAMILIES,
    "font.size": BASE_FONT_PT,
    "text.parse_math": False,  # a "$" in a unit's name stays a "$"
    "axes.unicode_minus": False,
    "axes.edgecolor": DARK,
    "axes.labelcolor": BLACK,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.labelsize": BASE_FONT_PT,
    "xtick.color": DARK,
    "ytick.color": DARK,
    "xtick.labelcolor": BLACK,
    "ytick.labelcolor": BLACK,
    "xtick.labelsize": SMALL_FONT_PT,
    "ytick.labelsize": SMALL_FONT_PT,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "legend.frameon": False,
    "legend.fontsize": SMALL_FONT_PT,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


# --- numbers -------------------------------------------------------------------------------
# Every number drawn is written by ntm.report.vi from exact integers, as in the report's text:
# counts, rates in hundredths of a percent, tick positions in thousandths. Floats only place.

TICK_PLACES: Final = 3
"""Tick labels go down to thousandths. matplotlib puts ticks at multiples of 1, 2, 2.5 or 5
times a power of ten; the charts' smallest axes (a trend axis at least 0.115 high, a bar axis at
least 1 wide) make that step 0.02 or more, so 0.025 is the finest a tick can need."""


def position(value: int) -> float:
    """Where a value in hundredths of a percent goes on a percent axis: 304 -> 3.04."""
    return value / 100


def hundredths_column(frame: pl.DataFrame, column: str) -> list[int | None]:
    """An integer column of hundredths; a float column is refused, not rounded."""
    dtype = frame.schema[column]
    if not (dtype.is_integer() or dtype == pl.Null):
        raise TypeError(f"{column!r} holds hundredths of a percent as integers, not {dtype}")
    return [None if v is None else int(v) for v in frame[column].to_list()]


def _tick_value(x: float) -> int:
    """A tick's position in whole thousandths, without its float noise (0.30000000000000004)."""
    if not math.isfinite(x):
        raise ValueError(f"cannot format {x!r}")
    return round(x * 10**TICK_PLACES)


def _tick_decimals(ticks: Sequence[int]) -> int:
    """The fewest decimals that show every tick (in thousandths) exactly."""
    for decimals in range(TICK_PLACES):
        if all(tick % 10 ** (TICK_PLACES - decimals) == 0 for tick in ticks):
            return decimals
    return TICK_PLACES


def _tick_label(x: float, decimals: int, suffix: str = "") -> str:
    """A tick at ``x`` written by ``vi.decimal`` with ``decimals`` places: 0.5 -> "0,5"."""
    return vi.decimal(_tick_value(x), TICK_PLACES, suffix, least=decimals)


def tick_formatter(suffix: str = "") -> Formatter:
    """Tick labels with Vietnamese separators and the same number of decimals on one axis.

    The class is defined here, not at module level, because its base is matplotlib's.
    """
    from matplotlib.ticker import Formatter  # noqa: PLC0415 (see the module docstring)

    class TickFormatter(Formatter):
        decimals = 0

        def set_locs(self, locs: list[float]) -> None:
            super().set_locs(locs)
            self.decimals = _tick_decimals([_tick_value(x) for x in locs])

        def __call__(self, x: float, pos: int | None = None) -> str:
            return _tick_label(x, self.decimals, suffix)

    return TickFormatter()


HALO: dict[str, Any] = {"boxstyle": "square,pad=0.12", "facecolor": "white", "edgecolor": "none"}
"""A white box behind a value label, so a line it sits on does not strike through it."""


def year_label(x: float, pos: int | None = None) -> str:
    return str(round(x))


# --- drawing -------------------------------------------------------------------------------


@contextmanager
def _quiet_font_manager() -> Iterator[None]:
    """Hold back "findfont: Font family 'NTM Serif' not found." while a chart draws.

    The family is the report's own, unknown to matplotlib by design; it measures the text with
    the fallback. Sets the logger's level for the duration, so not for concurrent threads.
    """
    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def drawing() -> Iterator[None]:
    import matplotlib as mpl  # noqa: PLC0415 (see the module docstring)

    with _quiet_font_manager(), mpl.rc_context(RC_PARAMS):
        yield


def new_axes(height_cm: float, width_cm: float = WIDTH_CM) -> tuple[Figure, Axes]:
    from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=(width_cm * CM, height_cm * CM), layout="constrained")
    FigureCanvasSVG(figure)
    return figure, figure.add_subplot()


def svg_text(figure: Figure) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def bar_rows(count: int, height_cm: float = MAX_HEIGHT_CM) -> tuple[float, float]:
    """(row pitch, font size) in points for ``count`` bars: 16 pt rows in 9 pt type for up to
    about 40, closer and smaller beyond so the chart stays under MAX_HEIGHT_CM (69 communes:
    9 pt rows, 6.8 pt type)."""
    room = height_cm * CM * 72 - 60
    pitch = min(16.0, max(8.0, room / max(count, 1)))
    return pitch, min(SMALL_FONT_PT, max(6.0, pitch * 0.75))


def bar_figure(count: int, pitch: float, extra_pt: float) -> tuple[Figure, Axes]:
    """A figure whose axes give each of ``count`` rows about ``pitch`` points."""
    height_pt = count * pitch + extra_pt
    return new_axes(max(height_pt / 72 / CM, 4.0))
