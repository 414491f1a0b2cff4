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
from transforms.registry import reporting_units


def deadline_instant(period: Period, ref: Reference) -> datetime:
    """The end of the deadline day, local time: a file is on time if it arrived before this."""
    day = period.deadline(ref.settings.deadline_days) + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(ref.settings.timezone))


def period_completeness(warehouse: Warehouse, period: Period, ref: Reference) -> pl.DataFrame:
    expected = reporting_units(ref.registry, period.last_day, ref.settings.communes_report_from)
    submitted = warehouse.submissions_for_period(str(period))
    return completeness(expected, submitted, deadline_instant(period, ref))


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
