"""The poverty chart: the year-end rates, the target band from the base year (stopping at
0%), the projection at the current pace and the changes of standard (see ``chart_style``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from ntm.report import vi
from ntm.report.chart_style import (
    ACCENT,
    BLACK,
    GREY,
    HALO,
    LIGHT,
    SMALL_FONT_PT,
    TREND_HEIGHT_CM,
    drawing,
    hundredths_column,
    new_axes,
    position,
    svg_text,
    tick_formatter,
    year_label,
)  # fmt: skip

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

__all__ = ["TrendOptions", "poverty_trend_svg"]


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
    bridge: tuple[int, int] | None = None
    """(year, rate): the year-end before a new standard measured again with it, drawn as an
    open point that the new standard's line starts from; None without one."""

    @property
    def points(self) -> list[float]:
        """The rates' heights on the axis."""
        return [position(rate) for rate in self.rates]


@dataclass(frozen=True)
class TrendOptions:
    """How the trend chart words and spans what it shows.

    ``rate_label`` names the rate (axis and legend); ``provisional`` marks the band's legend
    "(tạm tính)"; ``band_from`` is the year whose point the target pace starts from (the first
    year by default: the trend's base year); ``until`` draws the years up to it at least (the
    programme's last year, so the target pace shows even before there is a projection);
    ``bridge`` is a year-end measured again with the next standard (the overlap year): the
    pace starts from it when ``band_from`` is its year.
    """

    rate_label: str = "Tỷ lệ hộ nghèo"
    provisional: bool = False
    band_from: int | None = None
    until: int | None = None
    bridge: tuple[int, int] | None = None  # (year, rate): that year-end under the next standard


def _trend(
    series: pl.DataFrame,
    band: tuple[int, int] | None,
    projection: tuple[int, int] | None,
    breaks: list[int],
    options: TrendOptions,
) -> _Trend:
    ordered = series.sort("year")
    years = [int(y) for y in ordered["year"].to_list()]
    rates = [rate for rate in hundredths_column(ordered, "rate") if rate is not None]
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
    if options.bridge is not None and options.bridge[0] not in years:
        raise ValueError(f"the bridge {options.bridge[0]} is not a year of the series")
    return _Trend(
        years, rates, ordered_band, band_from, projection, break_xs, last_year,
        options.rate_label, options.provisional, options.bridge,
    )  # fmt: skip


def _label_point(ax: Axes, year: int, rate: int, **style: Any) -> None:
    """The rate (hundredths) written just above and to the right of its point."""
    ax.annotate(
        vi.percent(rate), (year, position(rate)), xytext=(4, 4), textcoords="offset points",
        ha="left", va="bottom", fontsize=SMALL_FONT_PT, zorder=5, **style,
    )  # fmt: skip


def band_edges(
    first_year: int, first_rate: float, last_year: int, low: float, high: float
) -> tuple[list[float], list[float], list[float]]:
    """The band's outline from ``first_rate`` in ``first_year``, falling ``low`` (its upper
    edge) and ``high`` (its lower edge) a year: x, upper and lower, never below 0, ending at
    ``last_year`` or where the upper edge reaches 0, whichever comes first. Straight edges, the
    lower one bent where it reaches 0: those x are the only ones needed."""
    zero = {fall: first_year + first_rate / fall if fall > 0 else math.inf for fall in (low, high)}
    end = min(float(last_year), zero[low])
    xs = sorted({float(first_year), end} | {x for x in (zero[high],) if first_year < x < end})
    upper = [max(first_rate - low * (x - first_year), 0.0) for x in xs]
    lower = [max(first_rate - high * (x - first_year), 0.0) for x in xs]
    return xs, upper, lower


def _draw_target_band(ax: Axes, trend: _Trend) -> Artist | None:
    """The target pace: the wedge from the base year's point between falling the band's two
    bounds a year; it stops at 0 (a rate cannot fall below it): each edge ends where it reaches
    0, the wedge where the slower fall does. Its legend entry, or None without a band or a
    year after."""
    from matplotlib.colors import to_rgba  # noqa: PLC0415 (see the module docstring)
    from matplotlib.patches import Patch  # noqa: PLC0415

    first_year, last_year = trend.band_from, trend.last_year
    first_rate = trend.points[trend.years.index(first_year)]
    if trend.bridge is not None and trend.bridge[0] == first_year:
        first_rate = position(trend.bridge[1])  # the pace falls from the new standard's point
    if trend.band is None or last_year <= first_year:
        return None
    low, high = (position(bound) for bound in trend.band)
    xs, upper, lower = band_edges(first_year, first_rate, last_year, low, high)
    fill, edge = to_rgba(ACCENT, 0.14), to_rgba(ACCENT, 0.5)
    ax.fill_between(xs, lower, upper, facecolor=fill, linewidth=0, zorder=1)
    ax.plot(xs, upper, color=edge, linewidth=0.5, zorder=1)
    # The lower edge ends where it reaches 0: from there the band's floor is the axis.
    falling = [i for i in range(len(xs)) if i == 0 or lower[i - 1] > 0]
    ax.plot([xs[i] for i in falling], [lower[i] for i in falling], color=edge, linewidth=0.5,
            zorder=1)  # fmt: skip
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
        _label_point(ax, year, rate, bbox={**HALO, "alpha": 0.8})
    return Line2D([], [], label=f"{trend.rate_label} cuối năm", **style)


def _draw_bridge(ax: Axes, trend: _Trend) -> Artist | None:
    """The overlap year measured with the next standard: an open diamond, labelled, joined to
    the next year-end (which the new standard measures); its legend entry."""
    from matplotlib.lines import Line2D  # noqa: PLC0415 (see the module docstring)

    if trend.bridge is None:
        return None
    year, rate = trend.bridge
    marker: dict[str, Any] = {
        "marker": "D", "markersize": 4.5, "markerfacecolor": "white", "markeredgecolor": BLACK,
        "markeredgewidth": 1.1,
    }  # fmt: skip
    if year + 1 in trend.years:
        after = trend.points[trend.years.index(year + 1)]
        ax.plot([year, year + 1], [position(rate), after], color=BLACK, linewidth=1.4, zorder=4)
    ax.plot([year], [position(rate)], linestyle="none", zorder=5, **marker)
    _label_point(ax, year, rate, bbox={**HALO, "alpha": 0.8})
    return Line2D([], [], color=BLACK, linewidth=1.4, **marker,
                  label=f"Cuối năm {year} theo chuẩn nghèo mới (rà soát đầu kỳ)")  # fmt: skip


def _draw_projection(ax: Axes, trend: _Trend) -> Artist | None:
    """The projection, dashed from the last point to an open, labelled point; its legend entry."""
    from matplotlib.lines import Line2D  # noqa: PLC0415 (see the module docstring)

    if trend.projection is None:
        return None
    p_year, p_rate = trend.projection
    line: dict[str, Any] = {"color": ACCENT, "linewidth": 1.2, "linestyle": (0, (4, 2.5))}
    ax.plot([trend.years[-1], p_year], [trend.points[-1], position(p_rate)], zorder=3, **line)
    ax.plot(
        [p_year], [position(p_rate)], marker="o", markersize=4.5, markerfacecolor="white",
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
    projected = position(trend.projection[1]) if trend.projection else 0.0
    bridged = position(trend.bridge[1]) if trend.bridge else 0.0
    top = max([*trend.points, trend.points[0], projected, bridged, 0.1])
    ax.set_ylim(0, top * 1.15)
    ax.set_xlim(first_year - 0.4, last_year + 0.6)
    if last_year - first_year <= 16:
        ax.xaxis.set_major_locator(FixedLocator(list(range(first_year, last_year + 1))))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(year_label))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(tick_formatter())
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
    with drawing():
        figure, ax = new_axes(TREND_HEIGHT_CM)
        target = _draw_target_band(ax, trend)
        handles = [_draw_series(ax, trend), _draw_bridge(ax, trend), target]
        handles += [_draw_projection(ax, trend), _draw_breaks(ax, trend.break_xs)]
        _trend_axes(ax, trend)
        figure.legend(
            handles=[h for h in handles if h is not None], loc="outside upper center", ncols=2
        )
        return svg_text(figure)
