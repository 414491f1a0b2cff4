"""Reporting completeness per period, as operators read it after an ingest."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from ntm.reference import Reference
from ntm.store.closures import PeriodState, period_states
from ntm.store.warehouse import Warehouse
from transforms.completeness import completeness, completeness_totals
from transforms.periods import Period
from transforms.registry import reporting_level, reporting_units, valid_on


def deadline_instant(period: Period, ref: Reference) -> datetime:
    """The end of the deadline day, local time: a file is on time if it arrived before this."""
    day = period.deadline(ref.settings.deadline_days) + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(ref.settings.timezone))


def period_completeness(warehouse: Warehouse, period: Period, ref: Reference) -> pl.DataFrame:
    """``transforms.completeness.completeness`` of one period."""
    submitted = unit_submissions(warehouse, period, period)
    return completeness_of(ref, period, submitted).drop("period", "valid_from")


def periods_completeness(
    warehouse: Warehouse, ref: Reference, periods: list[Period]
) -> pl.DataFrame:
    """The completeness of each of ``periods`` (consecutive, at least one), from one query."""
    submitted = unit_submissions(warehouse, periods[0], periods[-1])
    return pl.concat([completeness_of(ref, p, submitted) for p in periods])


def unit_submissions(warehouse: Warehouse, first: Period | None, last: Period) -> pl.DataFrame:
    """period, unit_code, version, rows_accepted, rows_quarantined, first_received_at of the
    current submission of each unit-period from ``first`` (None: the earliest) to ``last``."""
    return warehouse.frame("unit_submissions", first=str(first or ""), last=str(last))


def completeness_of(ref: Reference, period: Period, submitted: pl.DataFrame) -> pl.DataFrame:
    """``completeness`` of one period from ``unit_submissions`` rows of any periods, with the
    period and each unit's registry valid_from (a reused code is another unit)."""
    day, direct = period.last_day, ref.settings.communes_report_from
    identity = (
        valid_on(ref.registry, day)
        .filter(pl.col("unit_level") == reporting_level(day, direct))
        .select("unit_code", "valid_from")
    )
    return (
        completeness(
            reporting_units(ref.registry, day, direct),
            submitted.filter(pl.col("period") == str(period)).drop("period"),
            deadline_instant(period, ref),
        )
        .join(identity, on="unit_code", how="left")
        .with_columns(period=pl.lit(str(period)))
    )


def summary_lines(warehouse: Warehouse, ref: Reference, periods: list[Period]) -> list[str]:
    """Per period: completeness, and whether it is open or closed (by whom, when, which
    version; a reopened period says by whom and why)."""
    header = (
        f"{'period':<8} {'units':>7} {'on time':>7} {'late':>4} {'communes':>9} {'quarant.':>8}"
        f"  state"
    )
    lines = [header]
    states = period_states(warehouse)
    for period in periods:
        totals = completeness_totals(period_completeness(warehouse, period, ref))
        lines.append(
            f"{period!s:<8} {totals['units_received']:>3}/{totals['units_expected']:<3} "
            f"{totals['units_on_time']:>7} {totals['units_late']:>4} "
            f"{totals['communes_accepted']:>4}/{totals['communes_expected']:<4} "
            f"{totals['communes_quarantined']:>8}  {_state(states.get(str(period)))}"
        )
    return lines


def _state(state: PeriodState | None) -> str:
    if state is None:
        return "open"
    when = state.recorded_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if state.closed:
        return f"closed v{state.report_version} by {state.by_name}, {when}"
    return f"open (reopened by {state.by_name}, {when}: {state.note})"


def stored_periods(warehouse: Warehouse) -> list[Period]:
    return [p for (text,) in warehouse.run("periods_received") if (p := Period.parse(text))]
