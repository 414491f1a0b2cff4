"""Everything computed for one period, from the warehouse and the reference data.

This is the one place that gathers the inputs of ``transforms`` (figures, registry, roster,
catalogue, crosswalk, history); the CLI, the exports and the report read its tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from ntm.indicators.completeness import period_completeness
from ntm.reference import Catalogue, Reference
from ntm.store.warehouse import Warehouse
from transforms import lists, trends
from transforms.indicators import CriteriaFrames, compute_indicators
from transforms.periods import Period
from transforms.registry import expected_communes, reporting_level, successors, valid_on


@dataclass(frozen=True)
class PeriodTables:
    period: Period
    catalogue: Catalogue
    indicators: pl.DataFrame  # exact, see transforms.indicators.compute_indicators
    changes: pl.DataFrame  # year-end series with yearly falls, on today's units
    trend: pl.DataFrame  # T1 per unit: average fall, status, projection, pace needed
    flows: pl.DataFrame  # year-to-date poverty movements per unit
    completeness: pl.DataFrame
    off_track: pl.DataFrame
    without_data: pl.DataFrame
    late_or_incomplete: pl.DataFrame
    units: pl.DataFrame  # the registry valid on the period's last day
    roster: pl.DataFrame  # commune_code, tier, ... of the communes in ``units``


@dataclass(frozen=True)
class _Basis:
    """What every table of a period is computed from."""

    catalogue: Catalogue
    level: str  # who reports: "district" or "commune"
    units: pl.DataFrame
    roster: pl.DataFrame
    figures: pl.DataFrame
    indicators: pl.DataFrame


def _basis(warehouse: Warehouse, ref: Reference, period: Period) -> _Basis:
    day = period.last_day
    level = reporting_level(day, ref.settings.communes_report_from)
    catalogue = ref.catalogue_for(period.year)
    if catalogue is None:
        raise LookupError(f"no criteria catalogue covers {period.year}")
    units = valid_on(ref.registry, day)
    roster = ref.roster.join(
        units.select(pl.col("unit_code").alias("commune_code"), "valid_from"),
        on=["commune_code", "valid_from"],
        how="inner",
    )
    figures = warehouse.frame("accepted_figures", period=str(period))
    criteria = CriteriaFrames(
        indicators=catalogue.indicators,
        shares=catalogue.shares,
        thresholds=catalogue.thresholds,
        rural_unit_types=catalogue.rural_unit_types,
    )
    indicators = compute_indicators(figures, units, roster, criteria, period.year, level)
    return _Basis(catalogue, level, units, roster, figures, indicators)


def period_indicators(warehouse: Warehouse, ref: Reference, period: Period) -> pl.DataFrame:
    """Only the indicators of a period (exact), without trends, lists or completeness."""
    return _basis(warehouse, ref, period).indicators


def period_tables(warehouse: Warehouse, ref: Reference, period: Period) -> PeriodTables:
    day = period.last_day
    basis = _basis(warehouse, ref, period)
    catalogue, level, units, roster = basis.catalogue, basis.level, basis.units, basis.roster
    figures, indicators = basis.figures, basis.indicators

    keys = trends.unit_keys(units, level)
    year_ends = warehouse.frame("year_end_figures", period=str(period))
    years = sorted(set(year_ends["year"].to_list()))
    mapping = pl.concat(
        [
            successors(ref.registry, ref.crosswalk, date(year, 12, 31), day).with_columns(
                year=pl.lit(year, pl.Int64)
            )
            for year in years
        ]
    ) if years else pl.DataFrame(schema={"commune_code": pl.String, "current_code": pl.String,
                                         "year": pl.Int64})  # fmt: skip
    series = trends.year_end_series(year_ends, mapping, keys)
    programme = trends.Programme(catalogue.last_year, catalogue.fall_band, catalogue.standards)
    changes = trends.yearly_changes(series, programme)
    trend = trends.trend_summary(series, programme)
    flows = trends.poverty_flows(figures, keys)

    completeness = period_completeness(warehouse, period, ref)
    expected = expected_communes(
        ref.registry, completeness.select("unit_code"), day, ref.settings.communes_report_from
    ).rename({"unit_code": "reporting_unit"})
    quarantined = warehouse.frame("quarantined_rows", period=str(period))
    return PeriodTables(
        period=period,
        catalogue=catalogue,
        indicators=indicators,
        changes=changes,
        trend=trend,
        flows=flows,
        completeness=completeness,
        off_track=lists.communes_off_track(indicators, changes, period.year),
        without_data=lists.communes_without_data(
            expected.select("commune_code", "commune_name", "reporting_unit"),
            figures.select("commune_code"),
            quarantined,
        ),
        late_or_incomplete=lists.units_late_or_incomplete(completeness),
        units=units,
        roster=roster,
    )
