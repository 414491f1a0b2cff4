"""The report's charts as SVG documents: text kept as text, Vietnamese labels and numbers.

Each function takes a small frame that is already computed, its figures exact integers (counts;
rates in hundredths of a percent, as the report carries them), and returns one SVG document as
a string, sized for the text column of an A4 portrait page (16 cm wide). Every number drawn is
written by ``ntm.report.vi``, as in the text (3,04%, 1.234/2.000); floats only place things.
The text is written as ``<text>`` elements in the family "NTM Serif" (the report's CSS supplies
it) with the fallbacks "Liberation Serif", "Times New Roman" and serif; matplotlib only measures
it with whatever serif font it finds here.

Nothing global is touched: each chart is drawn on its own ``Figure`` with an SVG canvas (no
pyplot, no ``matplotlib.use``), under ``matplotlib.rc_context``, with the font manager's
"font not found" warnings held back while it draws. The output is deterministic: a fixed hash
salt for the SVG ids and no date in the metadata, so the same frame gives the same string.

matplotlib is imported by the functions that draw, not by this module: it takes about a second
to import, and importing the report (``ntm.report``, the quarterly flow) should not pay for it
when nothing is drawn, e.g. when the latest version is reused.

Colours: black and greys, and one accent, a dark blue that prints as a dark grey.
"""

from __future__ import annotations

import io
import logging
import math
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from ntm.report import vi
from transforms.rates import hundredths

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import Formatter
    from matplotlib.typing import RcKeyType

__all__ = ["TrendOptions", "attainment_svg", "poverty_trend_svg", "rates_by_unit_svg"]

CM = 1 / 2.54
"""Inches in a centimetre."""
WIDTH_CM = 16.0
TREND_HEIGHT_CM = 8.0
MAX_HEIGHT_CM = 22.0
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

_RC: dict[RcKeyType, Any] = {
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


def _position(value: int) -> float:
    """Where a value in hundredths of a percent goes on a percent axis: 304 -> 3.04."""
    return value / 100


def _hundredths_column(frame: pl.DataFrame, column: str) -> list[int | None]:
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


def _tick_formatter(suffix: str = "") -> Formatter:
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


_HALO: dict[str, Any] = {"boxstyle": "square,pad=0.12", "facecolor": "white", "edgecolor": "none"}
"""A white box behind a value label, so a line it sits on does not strike through it."""


def _year_label(x: float, pos: int | None = None) -> str:
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
def _chart() -> Iterator[None]:
    import matplotlib as mpl  # noqa: PLC0415 (see the module docstring)

    with _quiet_font_manager(), mpl.rc_context(_RC):
        yield


def _new_axes(height_cm: float, width_cm: float = WIDTH_CM) -> tuple[Figure, Axes]:
    from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=(width_cm * CM, height_cm * CM), layout="constrained")
    FigureCanvasSVG(figure)
    return figure, figure.add_subplot()


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def _bar_rows(count: int) -> tuple[float, float]:
    """(row pitch, font size) in points for ``count`` bars: 16 pt rows in 9 pt type for up to
    about 40, closer and smaller beyond so the chart stays under MAX_HEIGHT_CM (69 communes:
    9 pt rows, 6.8 pt type)."""
    room = MAX_HEIGHT_CM * CM * 72 - 60
    pitch = min(16.0, max(8.0, room / max(count, 1)))
    return pitch, min(SMALL_FONT_PT, max(6.0, pitch * 0.75))


def _bar_figure(count: int, pitch: float, extra_pt: float) -> tuple[Figure, Axes]:
    """A figure whose axes give each of ``count`` rows about ``pitch`` points."""
    height_pt = count * pitch + extra_pt
    return _new_axes(max(height_pt / 72 / CM, 4.0))


# --- 1. poverty trend ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Trend:
    """What the trend chart shows: values in hundredths (for labels), years sorted."""

    years: list[int]
    rates: list[int]
    """The year-end rates, in hundredths of a percent."""
    band: tuple[int, int] | None
    """The target fall, in hundredths of a percentage point a year: the lower bound first;
    None while no band is set."""
    band_from: int
    """The year whose point the target pace starts from: one of ``years``."""
    projection: tuple[int, int] | None
    """(year, rate in hundredths) at the current pace."""
    break_xs: list[float]
    """Where a change of poverty standard stands: half-way before the year it took effect."""
    last_year: int
    """The last year drawn: the projection's, or ``until``, if later than the series'."""
    rate_label: str
    """What the rate is: "Tỷ lệ hộ nghèo", "Tỷ lệ nghèo đa chiều"."""
    provisional: bool
    """Whether the band is a provisional figure, said in its legend."""

    @property
    def points(self) -> list[float]:
        """The rates' heights on the axis."""
        return [_position(rate) for rate in self.rates]


@dataclass(frozen=True)
class TrendOptions:
    """How the trend chart words and spans what it shows.

    ``rate_label`` names the rate (axis and legend); ``provisional`` marks the band's legend
    "(tạm tính)"; ``band_from`` is the year whose point the target pace starts from (the first
    year by default: the trend's base year); ``until`` draws the years up to it at least (the
    programme's last year, so the target pace shows even before there is a projection).
    """

    rate_label: str = "Tỷ lệ hộ nghèo"
    provisional: bool = False
    band_from: int | None = None
    until: int | None = None


def _trend(
    series: pl.DataFrame,
    band: tuple[int, int] | None,
    projection: tuple[int, int] | None,
    breaks: list[int],
    options: TrendOptions,
) -> _Trend:
    ordered = series.sort("year")
    years = [int(y) for y in ordered["year"].to_list()]
    rates = [rate for rate in _hundredths_column(ordered, "rate") if rate is not None]
    if not years:
        raise ValueError("the series has no year")
    if len(rates) != len(years):
        raise ValueError("the series has a year without a rate")
    band_from = years[0] if options.band_from is None else options.band_from
    if band_from not in years:
        raise ValueError(f"the target pace starts from {band_from}, a year not in the series")
    ends = [years[-1]] + ([projection[0]] if projection else [])
    last_year = max(ends + ([options.until] if options.until is not None else []))
    break_xs = sorted(b - 0.5 for b in set(breaks) if years[0] < b <= last_year)
    ordered_band = None if band is None else (min(band), max(band))
    return _Trend(
        years, rates, ordered_band, band_from, projection, break_xs, last_year,
        options.rate_label, options.provisional,
    )  # fmt: skip


def _label_point(ax: Axes, year: int, rate: int, **style: Any) -> None:
    """The rate (hundredths) written just above and to the right of its point."""
    ax.annotate(
        vi.percent(rate), (year, _position(rate)), xytext=(4, 4), textcoords="offset points",
        ha="left", va="bottom", fontsize=SMALL_FONT_PT, zorder=5, **style,
    )  # fmt: skip


def _draw_target_band(ax: Axes, trend: _Trend) -> Artist | None:
    """The target pace: the wedge from the base year's point between falling the band's two
    bounds a year, never below 0; its legend entry, or None without a band or a year after."""
    from matplotlib.colors import to_rgba  # noqa: PLC0415 (see the module docstring)
    from matplotlib.patches import Patch  # noqa: PLC0415

    first_year, last_year = trend.band_from, trend.last_year
    first_rate = trend.points[trend.years.index(first_year)]
    if trend.band is None or last_year <= first_year:
        return None
    low, high = (_position(bound) for bound in trend.band)
    # Straight edges, bent where they reach 0: those x are the only ones needed.
    kinks = {first_year + first_rate / fall for fall in (low, high) if fall > 0}
    xs = sorted(
        {float(first_year), float(last_year)} | {x for x in kinks if first_year < x < last_year}
    )
    upper = [max(first_rate - low * (x - first_year), 0.0) for x in xs]
    lower = [max(first_rate - high * (x - first_year), 0.0) for x in xs]
    fill, edge = to_rgba(ACCENT, 0.14), to_rgba(ACCENT, 0.5)
    ax.fill_between(xs, lower, upper, facecolor=fill, linewidth=0, zorder=1)
    for bound in (upper, lower):
        ax.plot(xs, bound, color=edge, linewidth=0.5, zorder=1)
    low_text, high_text = (vi.hundredths(bound, least=1) for bound in trend.band)
    label = f"Mục tiêu giảm {low_text}–{high_text} điểm %/năm"
    label += " (tạm tính)" if trend.provisional else ""
    return Patch(facecolor=fill, edgecolor=edge, linewidth=0.5, label=label)


def _series_runs(years: list[int], break_xs: list[float]) -> list[list[int]]:
    """The series' indices in runs that do not cross a change of standard."""
    runs: list[list[int]] = [[0]]
    for i in range(1, len(years)):
        if any(years[i - 1] < x < years[i] for x in break_xs):
            runs.append([i])
        else:
            runs[-1].append(i)
    return runs


def _draw_series(ax: Axes, trend: _Trend) -> Artist:
    """The rates as lines between the changes of standard, each point labelled; its legend
    entry."""
    from matplotlib.lines import Line2D  # noqa: PLC0415 (see the module docstring)

    style: dict[str, Any] = {"color": BLACK, "linewidth": 1.4, "marker": "o", "markersize": 4}
    years, points = trend.years, trend.points
    for run in _series_runs(years, trend.break_xs):
        ax.plot([years[i] for i in run], [points[i] for i in run], zorder=4, **style)
    for year, rate in zip(years, trend.rates, strict=True):
        _label_point(ax, year, rate, bbox={**_HALO, "alpha": 0.8})
    return Line2D([], [], label=f"{trend.rate_label} cuối năm", **style)


def _draw_projection(ax: Axes, trend: _Trend) -> Artist | None:
    """The projection, dashed from the last point to an open, labelled point; its legend entry."""
    from matplotlib.lines import Line2D  # noqa: PLC0415 (see the module docstring)

    if trend.projection is None:
        return None
    p_year, p_rate = trend.projection
    line: dict[str, Any] = {"color": ACCENT, "linewidth": 1.2, "linestyle": (0, (4, 2.5))}
    ax.plot([trend.years[-1], p_year], [trend.points[-1], _position(p_rate)], zorder=3, **line)
    ax.plot(
        [p_year], [_position(p_rate)], marker="o", markersize=4.5, markerfacecolor="white",
        markeredgecolor=ACCENT, markeredgewidth=1.2, linestyle="none", zorder=4,
    )  # fmt: skip
    _label_point(ax, p_year, p_rate, color=ACCENT)
    return Line2D(
        [], [], marker="o", markersize=4.5, markerfacecolor="white", label="Dự báo", **line
    )


def _draw_breaks(ax: Axes, break_xs: list[float]) -> Artist | None:
    """A dotted vertical line at each change of standard; their legend entry."""
    from matplotlib.lines import Line2D  # noqa: PLC0415 (see the module docstring)

    line: dict[str, Any] = {"color": GREY, "linewidth": 1.0, "linestyle": (0, (1, 2))}
    for x in break_xs:
        ax.axvline(x, zorder=2, **line)
    return Line2D([], [], label="Đổi chuẩn nghèo", **line) if break_xs else None


def _trend_axes(ax: Axes, trend: _Trend) -> None:
    """Limits, a tick a year (up to 16 years), percent ticks, grid and axis titles."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator  # noqa: PLC0415

    first_year, last_year = trend.years[0], trend.last_year
    projected = _position(trend.projection[1]) if trend.projection else 0.0
    top = max([*trend.points, trend.points[0], projected, 0.1])
    ax.set_ylim(0, top * 1.15)
    ax.set_xlim(first_year - 0.4, last_year + 0.6)
    if last_year - first_year <= 16:
        ax.xaxis.set_major_locator(FixedLocator(list(range(first_year, last_year + 1))))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(_year_label))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(_tick_formatter())
    ax.grid(axis="y", color=LIGHT, linewidth=0.5)
    ax.set_axisbelow(True)
    ax.set_xlabel("Năm")
    ax.set_ylabel(f"{trend.rate_label} (%)")


def poverty_trend_svg(
    series: pl.DataFrame,
    band: tuple[int, int] | None,
    projection: tuple[int, int] | None,
    breaks: list[int],
    options: TrendOptions | None = None,
) -> str:
    """The year-end poverty rate as a line with its values, against the target pace.

    ``series``: year (int), rate (int, hundredths of a percent: 379 is 3,79%), one row a year.
    ``band``: the target fall in hundredths of a percentage point a year, e.g. (60, 100), drawn
    as a wedge from the base year's point; None (a band not yet set) draws none.
    ``projection``: (year, rate in hundredths) drawn dashed from the last point. ``breaks``:
    years whose rate is on a new poverty standard; a dotted line stands between the year before
    and that year, and the line is not drawn across it (the rates do not compare). ``options``:
    the rate's name, the band's status, where the pace starts and how far the chart runs.
    """
    trend = _trend(series, band, projection, breaks, options or TrendOptions())
    with _chart():
        figure, ax = _new_axes(TREND_HEIGHT_CM)
        target = _draw_target_band(ax, trend)
        handles = [_draw_series(ax, trend), target]
        handles += [_draw_projection(ax, trend), _draw_breaks(ax, trend.break_xs)]
        _trend_axes(ax, trend)
        figure.legend(
            handles=[h for h in handles if h is not None], loc="outside upper center", ncols=2
        )
        return _svg(figure)


# --- 2. a rate per unit --------------------------------------------------------------------


def _draw_unit_bars(ax: Axes, values: list[int | None], font: float) -> None:
    """A grey bar per unit from the top, its rate written at its end ("-" and no bar for none)."""
    rows = list(range(len(values)))
    positions = [0.0 if value is None else _position(value) for value in values]
    ax.barh(rows, positions, height=0.68, color=GREY, zorder=2)
    for row, value, position in zip(rows, values, positions, strict=True):
        ax.annotate(
            vi.percent(value), (position, row), xytext=(2.5, 0), textcoords="offset points",
            ha="left", va="center", fontsize=font, bbox=_HALO, zorder=4,
        )  # fmt: skip


def _draw_threshold(ax: Axes, threshold: int, provisional: bool) -> None:
    """A dashed line at the threshold (hundredths) with "Chỉ tiêu 70%" above the axes
    ("Chỉ tiêu 70% (tạm tính)" for a provisional one)."""
    x = _position(threshold)
    ax.axvline(x, color=ACCENT, linewidth=1.1, linestyle=(0, (4, 2.5)), zorder=3)
    marker = " (tạm tính)" if provisional else ""
    ax.text(
        x, 1.0, f"Chỉ tiêu {vi.percent(threshold, least=0)}{marker}",
        transform=ax.get_xaxis_transform(), ha="center", va="bottom", color=ACCENT,
        fontsize=SMALL_FONT_PT,
    )  # fmt: skip


def rates_by_unit_svg(
    frame: pl.DataFrame, value_label: str, threshold: int | None, *, provisional: bool = False
) -> str:
    """One horizontal bar per unit, in the frame's order from the top, with its value.

    ``frame``: unit_name (str), value (int, hundredths of a percent; a null draws no bar and
    "-", the way ntm.report.vi writes a missing figure).
    ``value_label`` names the axis; ``threshold`` (hundredths) draws a dashed line
    "Chỉ tiêu 70%", marked "(tạm tính)" when ``provisional``; None draws none. Grows with the
    number of units: 13 districts at 9 pt, 69 communes in smaller type.
    """
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415 (see the module docstring)

    names = [str(n) for n in frame["unit_name"].to_list()]
    values = _hundredths_column(frame, "value")
    count = len(names)
    if not count:
        raise ValueError("the frame has no unit")
    pitch, font = _bar_rows(count)
    known = [_position(v) for v in values if v is not None]
    top = max([*known, _position(threshold) if threshold is not None else 0.0, 0.0])

    with _chart():
        figure, ax = _bar_figure(count, pitch, extra_pt=64)
        _draw_unit_bars(ax, values, font)
        ax.set_yticks(range(count), names, fontsize=font)
        ax.set_ylim(count - 0.5, -0.5)  # first unit at the top
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.set_xlim(0, 100 if 50 < top <= 100 else max(top * 1.1, 1.0))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(_tick_formatter())
        ax.grid(axis="x", color=LIGHT, linewidth=0.5)
        ax.set_axisbelow(True)
        ax.set_xlabel(value_label)
        if threshold is not None:
            _draw_threshold(ax, threshold, provisional)
        return _svg(figure)


# --- 3. attainment of targets --------------------------------------------------------------


@dataclass(frozen=True)
class _Attainment:
    """A target's bar: its label, communes meeting it out of those it applies to, and the
    share, exact (hundredths, None for no commune) for its label and a float for its length."""

    label: str
    met: int
    total: int
    share: int | None

    @property
    def length(self) -> float:
        return self.met / self.total * 100 if self.total else 0.0


def _attainments(frame: pl.DataFrame) -> list[_Attainment]:
    """The frame's targets, checked; each share rounded half up, as the report's rates are."""
    shares = frame.select(share=hundredths(pl.col("met"), pl.col("total")))["share"]
    bars = [
        _Attainment(str(label), int(met), int(total), share)
        for label, met, total, share in zip(
            frame["label"], frame["met"], frame["total"], shares, strict=True
        )
    ]
    for bar in bars:
        if not 0 <= bar.met <= bar.total:
            raise ValueError(f"{bar.label!r}: met {bar.met} is not within 0..{bar.total}")
    if not bars:
        raise ValueError("the frame has no target")
    return bars


def _draw_attainment_bars(ax: Axes, bars: list[_Attainment]) -> None:
    """The met part of each 100% bar in the accent, the rest light grey."""
    rows = list(range(len(bars)))
    lengths = [bar.length for bar in bars]
    ax.barh(rows, lengths, height=0.62, color=ACCENT, zorder=2)
    ax.barh(
        rows,
        [100 - length if bar.total else 0.0 for length, bar in zip(lengths, bars, strict=True)],
        left=lengths,
        height=0.62,
        color=LIGHT,
        zorder=2,
    )


def _label_attainment(ax: Axes, row: int, bar: _Attainment) -> None:
    """The share, inside the bar's end in white when there is room, and "met/total" after 100%."""
    inside = bar.total > 0 and bar.length >= 16
    ax.annotate(
        vi.percent(bar.share), (bar.length, row), xytext=(-3, 0) if inside else (3, 0),
        textcoords="offset points", ha="right" if inside else "left", va="center",
        color="white" if inside else BLACK, fontsize=SMALL_FONT_PT, zorder=3,
    )  # fmt: skip
    ax.annotate(
        f"{vi.count(bar.met)}/{vi.count(bar.total)}", (100, row), xytext=(4, 0),
        textcoords="offset points", ha="left", va="center", fontsize=SMALL_FONT_PT,
    )  # fmt: skip


def attainment_svg(frame: pl.DataFrame) -> str:
    """For each target a 100% bar split into "Đạt" and "Chưa đạt", with share and counts.

    ``frame``: label (str), met (int), total (int), one row a target, drawn from the top.
    """
    from matplotlib.patches import Patch  # noqa: PLC0415 (see the module docstring)
    from matplotlib.ticker import FixedLocator  # noqa: PLC0415

    bars = _attainments(frame)
    wrapped = [textwrap.fill(bar.label, 40) for bar in bars]
    lines = max((w.count("\n") + 1 for w in wrapped), default=1)
    pitch = max(20.0, 12.0 * lines + 6)

    with _chart():
        figure, ax = _bar_figure(len(bars), pitch, extra_pt=70)
        _draw_attainment_bars(ax, bars)
        for row, bar in enumerate(bars):
            _label_attainment(ax, row, bar)
        ax.set_yticks(range(len(bars)), wrapped)
        ax.set_ylim(len(bars) - 0.5, -0.5)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_locator(FixedLocator([0, 25, 50, 75, 100]))
        ax.xaxis.set_major_formatter(_tick_formatter(suffix="%"))
        figure.legend(
            handles=[Patch(color=ACCENT, label="Đạt"), Patch(color=LIGHT, label="Chưa đạt")],
            loc="outside upper left",
            ncols=2,
        )
        return _svg(figure)
