"""Everything a programme's final review reads: each year-end's tables, every year judged again
on the units of the last one, and the reporting record of every quarter.

The review's points are the programme's year-ends that have ended (the fourth quarters), and,
while the programme still runs, its latest ended quarter: a review of 2026-2030 written in
November 2026 stands on the third quarter of 2026.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from ntm.indicators.completeness import periods_completeness
from ntm.indicators.mart import stored_tables
from ntm.indicators.tables import PeriodTables, criteria_of, roster_of
from ntm.reference import Catalogue, Reference
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms import review
from transforms.indicators import INDICATOR_COLUMNS, compute_indicators
from transforms.periods import Period, last_ended_quarter, periods_between
from transforms.registry import successors, valid_on


@dataclass(frozen=True)
class ProgrammeTables:
    catalogue: Catalogue
    points: tuple[PeriodTables, ...]  # each year-end (Q4) that has ended, then the latest quarter
    on_last_units: pl.DataFrame  # year, period + compute_indicators rows on the last point's units
    quarters: pl.DataFrame  # year, period + completeness of every ended quarter of the programme
    problems: pl.DataFrame  # period, files_rejected, rows_quarantined
    provenance: pl.DataFrame  # period + period_provenance of every point

    @property
    def last(self) -> PeriodTables | None:
        return self.points[-1] if self.points else None


def review_points(catalogue: Catalogue, today: date) -> list[Period]:
    """The year-ends of the programme that have ended, and its latest ended quarter when the
    programme still runs and that quarter is not a year-end."""
    ended = last_ended_quarter(today)
    points = [Period(y, 4) for y in range(catalogue.first_year, catalogue.last_year + 1)]
    points = [p for p in points if p <= ended]
    if catalogue.first_year <= ended.year <= catalogue.last_year and ended.quarter != 4:
        points.append(ended)
    return points


def programme_tables(
    data_dir: DataDir,
    warehouse: Warehouse,
    ref: Reference,
    catalogue: Catalogue,
    today: date,
    *,
    store: bool,
) -> ProgrammeTables:
    """The review's inputs; each point's tables come from (and, with ``store``, go to) the
    stored tables the quarterly reports use."""
    points = review_points(catalogue, today)
    tables = tuple(stored_tables(data_dir, warehouse, ref, p, store=store).tables for p in points)
    quarters = periods_between(Period(catalogue.first_year, 1), points[-1]) if points else []
    completeness = (
        [periods_completeness(warehouse, ref, quarters).with_columns(year=_year_of_period)]
        if quarters
        else []
    )
    first, last = (str(quarters[0]), str(quarters[-1])) if quarters else ("", "")
    provenance = [
        warehouse.frame("period_provenance", period=str(p)).with_columns(period=pl.lit(str(p)))
        for p in points
    ] or [  # no point yet: the same columns, no row
        warehouse.frame("period_provenance", period="").with_columns(period=pl.lit("-"))
    ]
    return ProgrammeTables(
        catalogue=catalogue,
        points=tables,
        on_last_units=_on_last_units(warehouse, ref, catalogue, points),
        quarters=pl.concat(completeness, how="vertical_relaxed") if completeness
        else pl.DataFrame(schema={"year": pl.Int64, "period": pl.String}),
        problems=warehouse.frame("programme_problems", first=first, last=last),
        provenance=pl.concat(provenance, how="vertical_relaxed"),
    )  # fmt: skip


_year_of_period = pl.col("period").str.slice(0, 4).cast(pl.Int64)


def _on_last_units(
    warehouse: Warehouse, ref: Reference, catalogue: Catalogue, points: list[Period]
) -> pl.DataFrame:
    """Every point judged on the communes of the last one (history through the crosswalk),
    each year against its own thresholds."""
    if not points:
        return pl.DataFrame(schema=INDICATOR_COLUMNS | {"year": pl.Int64, "period": pl.String})
    day = points[-1].last_day
    units = valid_on(ref.registry, day)
    roster = roster_of(ref, units, catalogue)
    criteria = criteria_of(catalogue)
    keys = list(ref.format.figure_keys)
    frames = []
    for point in points:  # a handful of year-ends, each one set-based computation
        mapping = successors(ref.registry, ref.crosswalk, point.last_day, day)
        figures = review.onto_units(
            warehouse.frame("accepted_figures", period=str(point)), mapping, keys
        )
        rows = compute_indicators(figures, units, roster, criteria, point.year, "commune")
        frames.append(
            rows.filter(pl.col("unit_level") == "commune").with_columns(
                year=pl.lit(point.year, pl.Int64), period=pl.lit(str(point))
            )
        )
    return pl.concat(frames, how="vertical_relaxed")
