"""Bar charts: a rate per unit (districts, or communes in two columns) and the attainment of
commune targets (see ``chart_style``)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from ntm.report import vi
from ntm.report.chart_style import (
    ACCENT,
    BASE_FONT_PT,
    BLACK,
    CM,
    GREY,
    HALO,
    LIGHT,
    MAX_HEIGHT_CM,
    ONE_COLUMN_MAX,
    SMALL_FONT_PT,
    TWO_COLUMN_HEIGHT_CM,
    WIDTH_CM,
    bar_figure,
    bar_rows,
    drawing,
    hundredths_column,
    position,
    svg_text,
    tick_formatter,
)  # fmt: skip
from transforms.rates import hundredths

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["attainment_svg", "rates_by_unit_svg"]


# --- 2. a rate per unit --------------------------------------------------------------------


def _draw_unit_bars(ax: Axes, values: list[int | None], font: float) -> None:
    """A grey bar per unit from the top, its rate written at its end ("-" and no bar for none)."""
    rows = list(range(len(values)))
    positions = [0.0 if value is None else position(value) for value in values]
    ax.barh(rows, positions, height=0.68, color=GREY, zorder=2)
    for row, value, at in zip(rows, values, positions, strict=True):
        ax.annotate(
            vi.percent(value), (at, row), xytext=(2.5, 0), textcoords="offset points",
            ha="left", va="center", fontsize=font, bbox=HALO, zorder=4,
        )  # fmt: skip


def _draw_threshold(ax: Axes, threshold: int, provisional: bool) -> None:
    """A dashed line at the threshold (hundredths) with "Chỉ tiêu 70%" above the axes
    ("Chỉ tiêu 70% (tạm tính)" for a provisional one)."""
    x = position(threshold)
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
    number of units: 13 districts at 9 pt in one column; above ``ONE_COLUMN_MAX`` units (69
    communes), two columns, the first half of the units on the left.
    """
    from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415 (see the module docstring)

    names = [str(n) for n in frame["unit_name"].to_list()]
    values = hundredths_column(frame, "value")
    count = len(names)
    if not count:
        raise ValueError("the frame has no unit")
    columns = 1 if count <= ONE_COLUMN_MAX else 2
    rows = -(-count // columns)
    pitch, font = bar_rows(rows, MAX_HEIGHT_CM if columns == 1 else TWO_COLUMN_HEIGHT_CM)
    known = [position(v) for v in values if v is not None]
    top = max([*known, position(threshold) if threshold is not None else 0.0, 0.0])

    with drawing():
        height_cm = max((rows * pitch + 64) / 72 / CM, 4.0)
        figure = Figure(figsize=(WIDTH_CM * CM, height_cm * CM), layout="constrained")
        FigureCanvasSVG(figure)
        panels = figure.subplots(1, columns, squeeze=False)[0]
        for number, ax in enumerate(panels):
            start = number * rows
            shown = names[start : start + rows]
            _draw_unit_bars(ax, values[start : start + rows], font)
            ax.set_yticks(range(len(shown)), shown, fontsize=font)
            ax.set_ylim(rows - 0.5, -0.5)  # first unit at the top, both columns aligned
            ax.tick_params(axis="y", length=0)
            ax.spines["left"].set_visible(False)
            ax.set_xlim(0, 100 if 50 < top <= 100 else max(top * 1.1, 1.0))
            ax.xaxis.set_major_locator(MaxNLocator(nbins=6 if columns == 1 else 4,
                                                   steps=[1, 2, 2.5, 5, 10]))  # fmt: skip
            ax.xaxis.set_major_formatter(tick_formatter())
            ax.grid(axis="x", color=LIGHT, linewidth=0.5)
            ax.set_axisbelow(True)
            ax.set_xlabel(value_label, fontsize=BASE_FONT_PT if columns == 1 else SMALL_FONT_PT)
            if threshold is not None:
                _draw_threshold(ax, threshold, provisional)
        return svg_text(figure)


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

    with drawing():
        figure, ax = bar_figure(len(bars), pitch, extra_pt=70)
        _draw_attainment_bars(ax, bars)
        for row, bar in enumerate(bars):
            _label_attainment(ax, row, bar)
        ax.set_yticks(range(len(bars)), wrapped)
        ax.set_ylim(len(bars) - 0.5, -0.5)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_locator(FixedLocator([0, 25, 50, 75, 100]))
        ax.xaxis.set_major_formatter(tick_formatter(suffix="%"))
        figure.legend(
            handles=[Patch(color=ACCENT, label="Đạt"), Patch(color=LIGHT, label="Chưa đạt")],
            loc="outside upper left",
            ncols=2,
        )
        return svg_text(figure)
