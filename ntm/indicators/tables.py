"""Everything computed for one period, from the warehouse and the reference data.

This is the one place that gathers the inputs of ``transforms`` (figures, registry, roster,
catalogue, crosswalk, history); the CLI, the exports and the report read its tables.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

import polars as pl

from ntm.indicators.completeness import period_completeness
from ntm.indicators.followup import followup_table
from ntm.indicators.households import household_tables
from ntm.reference import Catalogue, Reference
from ntm.store.warehouse import Warehouse
from transforms import lists, trends
from transforms.indicators import CriteriaFrames, compute_indicators
from transforms.periods import Period
from transforms.registry import expected_communes, reporting_level, successors, valid_on


@dataclass(frozen=True)
class PeriodTables:
    period: Period
    catalogue: Catalogue  # the programme's; without targets when none covers the period
    covered: bool  # whether a catalogue covers the period's year
    indicators: pl.DataFrame  # exact, see transforms.indicators.compute_indicators
    changes: pl.DataFrame  # year-end series with yearly falls, on today's units
    trend: pl.DataFrame  # T1 per unit: average fall, status, projection, pace needed
    flows: pl.DataFrame  # year-to-date poverty movements per unit
    completeness: pl.DataFrame
    off_track: pl.DataFrame
    without_data: pl.DataFrame
    late_or_incomplete: pl.DataFrame
    units: pl.DataFrame  # the registry valid on the period's last day
    roster: pl.DataFrame  # commune_code, commune_class, sponsor, ... of the communes in ``units``
    divided: pl.DataFrame  # unit_code: today's units whose history sums a divided predecessor
    followup: pl.DataFrame  # the units to follow up, see ntm.indicators.followup.followup_table
    # The household review the period reports on (``review_year``: its own year in Q4, the year
    # before in Q1-Q3), as ``ntm.indicators.households.HouseholdTables`` has it: stored with the
    # rest, so that a report never recomputes them.
    household_counts: pl.DataFrame
    household_movements: pl.DataFrame
    household_reconciliation: pl.DataFrame
    household_deprivations: pl.DataFrame
    household_causes: pl.DataFrame
    household_groups: pl.DataFrame

    @property
    def review_year(self) -> int:
        """The household review a report of the period cites: the period's year-end review in
        Q4, the year before's in Q1-Q3 (the year's review is done at its end)."""
        return self.period.year if self.period.quarter == 4 else self.period.year - 1


@dataclass(frozen=True)
class _Basis:
    """What every table of a period is computed from."""

    catalogue: Catalogue
    covered: bool
    level: str  # who reports: "district" or "commune"
    units: pl.DataFrame
    roster: pl.DataFrame
    figures: pl.DataFrame
    indicators: pl.DataFrame


def _basis(warehouse: Warehouse, ref: Reference, period: Period) -> _Basis:
    return _basis_of(warehouse.frame("accepted_figures", period=str(period)), ref, period)


def _basis_of(figures: pl.DataFrame, ref: Reference, period: Period) -> _Basis:
    day = period.last_day
    level = reporting_level(day, ref.settings.communes_report_from)
    # A period no programme covers still gets its rates, trends and lists.
    catalogue, covered = ref.catalogue_of(period.year)
    units = valid_on(ref.registry, day)
    roster = roster_of(ref, units, catalogue)
    indicators = compute_indicators(
        figures, units, roster, criteria_of(catalogue), period.year, level
    )
    return _Basis(catalogue, covered, level, units, roster, figures, indicators)


def roster_of(ref: Reference, units: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """The roster rows of the communes in ``units`` (code and validity), with their class."""
    return ref.roster.join(
        units.select(pl.col("unit_code").alias("commune_code"), "valid_from"),
        on=["commune_code", "valid_from"],
        how="inner",
    ).with_columns(commune_class=catalogue.commune_class())


def criteria_of(catalogue: Catalogue) -> CriteriaFrames:
    return CriteriaFrames(
        indicators=catalogue.indicators,
        shares=catalogue.shares,
        thresholds=catalogue.thresholds,
        rural_unit_types=catalogue.rural_unit_types,
    )


def period_indicators(warehouse: Warehouse, ref: Reference, period: Period) -> pl.DataFrame:
    """Only the indicators of a period (exact), without trends, lists or completeness."""
    return _basis(warehouse, ref, period).indicators


def indicators_of(figures: pl.DataFrame, ref: Reference, period: Period) -> pl.DataFrame:
    """The indicators of a period computed from given commune rows (commune_code and the
    figures, as ``accepted_figures``): the signed rows of a closed period, or its archive's."""
    return _basis_of(figures, ref, period).indicators


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
                                         "divided": pl.Boolean, "year": pl.Int64})  # fmt: skip
    series = trends.year_end_series(year_ends, mapping, keys)
    bridge = catalogue.bridge if basis.covered else None
    if bridge is not None and bridge.year in years:
        standard = catalogue.standards.filter(pl.col("id") == bridge.standard)["name"][0]
        baseline = warehouse.frame("household_counts", year=bridge.year, kind=bridge.kind)
        baseline = baseline.filter(pl.col("standard") == bridge.standard).rename(
            {"unit_code": "commune_code"}
        )
        series = pl.concat(
            [
                series,
                trends.bridge_series(year_ends, baseline, mapping, keys, bridge.year, standard),
            ],
            how="diagonal",
        )
    # A period no programme covers has no programme year-end to start from or to project to.
    programme = trends.Programme(
        first_year=catalogue.first_year if basis.covered else 0,
        last_year=catalogue.last_year if basis.covered else period.year,
        fall_band=catalogue.fall_band.bounds,
        standards=catalogue.standards,
        counts=catalogue.trend_counts(),
    )
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
        off_track=lists.communes_off_track(
            indicators, changes, period.year, (catalogue.trend, _trend_target_id(catalogue))
        ),
        without_data=lists.communes_without_data(
            expected.select("commune_code", "commune_name", "reporting_unit"),
            figures.select("commune_code"),
            quarantined,
        ),
        late_or_incomplete=lists.units_late_or_incomplete(completeness),
        units=units,
        roster=roster,
        covered=basis.covered,
        divided=mapping.filter(pl.col("divided"))
        .select(unit_code="current_code")
        .unique()
        .sort("unit_code"),
        # Stored with the rest: the flow's list and the report's read the same rows, computed
        # once (its runs look back over every earlier period, which the tables' key covers).
        followup=followup_table(warehouse, ref, period),
        **household_frames(warehouse, ref, period.year if period.quarter == 4 else period.year - 1),
    )


def household_frames(warehouse: Warehouse, ref: Reference, year: int) -> dict[str, pl.DataFrame]:
    """The frames of ``household_tables`` for ``year`` under PeriodTables' field names."""
    found = household_tables(warehouse, ref, year)
    return {
        f"household_{field.name}": getattr(found, field.name)
        for field in dataclasses.fields(found)
        if field.name != "year"
    }


def unjudged_targets(tables: PeriodTables) -> list[str]:
    """One line (English, for operators' logs) per target the period is not judged against,
    or not against an official figure: no programme covers the year, a pending or
    provisional target."""
    year = tables.period.year
    if not tables.covered:
        return [f"no criteria catalogue covers {year}: rates only, no target judged"]
    standing = tables.catalogue.standing(year).filter(
        pl.col("status").is_in(["pending", "provisional"])
    )
    return [f"{r['target']} {r['status']} ({r['source']})" for r in standing.iter_rows(named=True)]


def _trend_target_id(catalogue: Catalogue) -> str | None:
    target = catalogue.trend_target
    return target.id if target is not None else None
