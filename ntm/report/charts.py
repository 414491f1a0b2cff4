"""The report's charts as SVG documents: text kept as text, Vietnamese labels and numbers.

Each function takes a small frame that is already computed and rounded for display, and returns
one SVG document as a string, sized for the text column of an A4 portrait page (16 cm wide).
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
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import Formatter
    from matplotlib.typing import RcKeyType

__all__ = [
    "attainment_svg",
    "format_number",
    "format_percent",
    "poverty_trend_svg",
    "rates_by_unit_svg",
]

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

PERCENT_DECIMALS = 2
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


def format_number(value: float, decimals: int = 0, *, trim: bool = False) -> str:
    """A number the Vietnamese way: thousands dot, decimal comma, ``decimals`` places.

    1234567 -> "1.234.567"; 3.04 with 2 -> "3,04"; 0.6 with 1 -> "0,6"; -1234.5 with 1 ->
    "-1.234,5". ``trim`` drops trailing zeros (70.0 with 2 -> "70"). A value that rounds to zero
    has no sign. No locale is involved.
    """
    if decimals < 0:
        raise ValueError(f"decimals must be >= 0, not {decimals}")
    if not math.isfinite(value):
        raise ValueError(f"cannot format {value!r}")
    text = f"{abs(value):,.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    negative = value < 0 and text.strip("0.,") != ""
    text = text.translate(str.maketrans(",.", ".,"))
    return f"-{text}" if negative else text


def format_percent(value: float, decimals: int = PERCENT_DECIMALS, *, trim: bool = False) -> str:
    """``format_number`` with a percent sign, no space: 3.79 -> "3,79%"."""
    return f"{format_number(value, decimals, trim=trim)}%"


def _decimals_for(values: Sequence[float], most: int = 3) -> int:
    """The fewest decimals (up to ``most``) that show every value exactly, for tick labels."""
    for decimals in range(most + 1):
        if all(abs(round(v, decimals) - v) < 1e-9 for v in values):
            return decimals
    return most


def _tick_formatter(suffix: str = "") -> Formatter:
    """Tick labels with Vietnamese separators and the same number of decimals on one axis.

    The class is defined here, not at module level, because its base is matplotlib's.
    """
    from matplotlib.ticker import Formatter  # noqa: PLC0415 (see the module docstring)

    class TickFormatter(Formatter):
        decimals = 0

        def set_locs(self, locs: list[float]) -> None:
            super().set_locs(locs)
            self.decimals = _decimals_for(list(locs))

        def __call__(self, x: float, pos: int | None = None) -> str:
            return format_number(x, self.decimals) + suffix

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


def _label_point(ax: Axes, year: float, rate: float, **style: Any) -> None:
    """The rate written just above and to the right of its point."""
    ax.annotate(
        format_percent(rate), (year, rate), xytext=(4, 4), textcoords="offset points",
        ha="left", va="bottom", fontsize=SMALL_FONT_PT, zorder=5, **style,
    )  # fmt: skip


def poverty_trend_svg(
    series: pl.DataFrame,
    band: tuple[float, float],
    projection: tuple[int, float] | None,
    breaks: list[int],
) -> str:
    """The year-end poor-household rate as a line with its values, against the target pace.

    ``series``: year (int), rate (float, percent, rounded for display), one row a year.
    ``band``: the target fall in percentage points a year, e.g. (0.6, 1.0), drawn as a wedge
    from the first point. ``projection``: (year, rate) drawn dashed from the last point.
    ``breaks``: years whose rate is on a new poverty standard; a dotted line stands between the
    year before and that year, and the line is not drawn across it (the rates do not compare).
    """
    from matplotlib.colors import to_rgba  # noqa: PLC0415 (see the module docstring)
    from matplotlib.lines import Line2D  # noqa: PLC0415
    from matplotlib.patches import Patch  # noqa: PLC0415
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator  # noqa: PLC0415

    ordered = series.sort("year")
    years = [int(y) for y in ordered["year"].to_list()]
    rates = [float(r) for r in ordered["rate"].to_list()]
    if not years:
        raise ValueError("the series has no year")
    low, high = sorted(band)
    first_year, first_rate = years[0], rates[0]
    last_year = max([years[-1]] + ([projection[0]] if projection else []))
    break_xs = sorted(b - 0.5 for b in set(breaks) if first_year < b <= last_year)

    with _chart():
        figure, ax = _new_axes(TREND_HEIGHT_CM)
        handles: list[Any] = []

        # Target pace: the wedge between falling `low` and `high` points a year, never below 0.
        if last_year > first_year:
            # Straight edges, bent where they reach 0: those x are the only ones needed.
            kinks = {first_year + first_rate / fall for fall in (low, high) if fall > 0}
            xs = sorted(
                {float(first_year), float(last_year)}
                | {x for x in kinks if first_year < x < last_year}
            )
            upper = [max(first_rate - low * (x - first_year), 0.0) for x in xs]
            lower = [max(first_rate - high * (x - first_year), 0.0) for x in xs]
            fill, edge = to_rgba(ACCENT, 0.14), to_rgba(ACCENT, 0.5)
            ax.fill_between(xs, lower, upper, facecolor=fill, linewidth=0, zorder=1)
            for bound in (upper, lower):
                ax.plot(xs, bound, color=edge, linewidth=0.5, zorder=1)
            handles.append(
                Patch(
                    facecolor=fill,
                    edgecolor=edge,
                    linewidth=0.5,
                    label=f"Mục tiêu giảm {format_number(low, 1)}–{format_number(high, 1)}"
                    " điểm %/năm",
                )
            )

        # The series, in runs that do not cross a change of standard.
        runs: list[list[int]] = [[0]]
        for i in range(1, len(years)):
            if any(years[i - 1] < x < years[i] for x in break_xs):
                runs.append([i])
            else:
                runs[-1].append(i)
        series_style: dict[str, Any] = {
            "color": BLACK, "linewidth": 1.4, "marker": "o", "markersize": 4,
        }  # fmt: skip
        for run in runs:
            ax.plot([years[i] for i in run], [rates[i] for i in run], zorder=4, **series_style)
        handles.insert(0, Line2D([], [], label="Tỷ lệ hộ nghèo cuối năm", **series_style))
        for year, rate in zip(years, rates, strict=True):
            _label_point(ax, year, rate, bbox={**_HALO, "alpha": 0.8})

        if projection is not None:
            p_year, p_rate = projection
            ax.plot(
                [years[-1], p_year],
                [rates[-1], p_rate],
                color=ACCENT,
                linewidth=1.2,
                linestyle=(0, (4, 2.5)),
                zorder=3,
            )
            ax.plot(
                [p_year],
                [p_rate],
                marker="o",
                markersize=4.5,
                markerfacecolor="white",
                markeredgecolor=ACCENT,
                markeredgewidth=1.2,
                linestyle="none",
                zorder=4,
            )
            _label_point(ax, p_year, p_rate, color=ACCENT)
            handles.append(
                Line2D(
                    [],
                    [],
                    color=ACCENT,
                    linewidth=1.2,
                    linestyle=(0, (4, 2.5)),
                    marker="o",
                    markersize=4.5,
                    markerfacecolor="white",
                    label="Dự báo",
                )
            )

        for x in break_xs:
            ax.axvline(x, color=GREY, linewidth=1.0, linestyle=(0, (1, 2)), zorder=2)
        if break_xs:
            handles.append(
                Line2D(
                    [],
                    [],
                    color=GREY,
                    linewidth=1.0,
                    linestyle=(0, (1, 2)),
                    label="Đổi chuẩn nghèo",
                )
            )

        top = max([*rates, first_rate, projection[1] if projection else 0.0, 0.1])
        ax.set_ylim(0, top * 1.15)
        ax.set_xlim(first_year - 0.4, last_year + 0.6)
        span = last_year - first_year
        if span <= 16:
            ax.xaxis.set_major_locator(FixedLocator(list(range(first_year, last_year + 1))))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(_year_label))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        ax.yaxis.set_major_formatter(_tick_formatter())
        ax.grid(axis="y", color=LIGHT, linewidth=0.5)
        ax.set_axisbelow(True)
        ax.set_xlabel("Năm")
        ax.set_ylabel("Tỷ lệ hộ nghèo (%)")
        figure.legend(handles=handles, loc="outside upper center", ncols=2)
        return _svg(figure)


# --- 2. a rate per unit --------------------------------------------------------------------


def rates_by_unit_svg(frame: pl.DataFrame, value_label: str, threshold: float | None) -> str:
    """One horizontal bar per unit, in the frame's order from the top, with its value.

    ``frame``: unit_name (str), value (float, percent; a null draws no bar and "-", the way
    ntm.report.vi writes a missing figure).
    ``value_label`` names the axis; ``threshold`` draws a dashed line "Chỉ tiêu 70%".
    Grows with the number of units: 13 districts at 9 pt, 69 communes in smaller type.
    """
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415 (see the module docstring)

    names = [str(n) for n in frame["unit_name"].to_list()]
    values: list[float | None] = [None if v is None else float(v) for v in frame["value"].to_list()]
    count = len(names)
    if not count:
        raise ValueError("the frame has no unit")
    pitch, font = _bar_rows(count)
    known = [v for v in values if v is not None]
    top = max([*known, threshold if threshold is not None else 0.0, 0.0])

    with _chart():
        figure, ax = _bar_figure(count, pitch, extra_pt=64)
        rows = list(range(count))
        ax.barh(rows, [v or 0.0 for v in values], height=0.68, color=GREY, zorder=2)
        for row, value in zip(rows, values, strict=True):
            ax.annotate(
                "-" if value is None else format_percent(value),
                (value or 0.0, row),
                xytext=(2.5, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=font,
                bbox=_HALO,
                zorder=4,
            )
        ax.set_yticks(rows, names, fontsize=font)
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
            ax.axvline(threshold, color=ACCENT, linewidth=1.1, linestyle=(0, (4, 2.5)), zorder=3)
            ax.text(
                threshold,
                1.0,
                f"Chỉ tiêu {format_percent(threshold, trim=True)}",
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                color=ACCENT,
                fontsize=SMALL_FONT_PT,
            )
        return _svg(figure)


# --- 3. attainment of targets --------------------------------------------------------------


def attainment_svg(frame: pl.DataFrame) -> str:
    """For each target a 100% bar split into "Đạt" and "Chưa đạt", with share and counts.

    ``frame``: label (str), met (int), total (int), one row a target, drawn from the top.
    """
    from matplotlib.patches import Patch  # noqa: PLC0415 (see the module docstring)
    from matplotlib.ticker import FixedLocator  # noqa: PLC0415

    labels = [str(s) for s in frame["label"].to_list()]
    mets = [int(m) for m in frame["met"].to_list()]
    totals = [int(t) for t in frame["total"].to_list()]
    for label, met, total in zip(labels, mets, totals, strict=True):
        if not 0 <= met <= total:
            raise ValueError(f"{label!r}: met {met} is not within 0..{total}")
    count = len(labels)
    if not count:
        raise ValueError("the frame has no target")
    wrapped = [textwrap.fill(label, 40) for label in labels]
    lines = max((w.count("\n") + 1 for w in wrapped), default=1)
    pitch = max(20.0, 12.0 * lines + 6)

    with _chart():
        figure, ax = _bar_figure(count, pitch, extra_pt=70)
        rows = list(range(count))
        shares = [
            met / total * 100 if total else 0.0 for met, total in zip(mets, totals, strict=True)
        ]
        ax.barh(rows, shares, height=0.62, color=ACCENT, zorder=2)
        ax.barh(
            rows,
            [100 - s if t else 0.0 for s, t in zip(shares, totals, strict=True)],
            left=shares,
            height=0.62,
            color=LIGHT,
            zorder=2,
        )
        for row, share, met, total in zip(rows, shares, mets, totals, strict=True):
            text = format_percent(share) if total else "-"
            inside = total > 0 and share >= 16
            ax.annotate(
                text,
                (share, row),
                xytext=(-3, 0) if inside else (3, 0),
                textcoords="offset points",
                ha="right" if inside else "left",
                va="center",
                color="white" if inside else BLACK,
                fontsize=SMALL_FONT_PT,
                zorder=3,
            )
            ax.annotate(
                f"{format_number(met)}/{format_number(total)}",
                (100, row),
                xytext=(4, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=SMALL_FONT_PT,
            )
        ax.set_yticks(rows, wrapped)
        ax.set_ylim(count - 0.5, -0.5)
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
