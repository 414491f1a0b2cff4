"""What moved in closed periods since they were signed, as the report prints it.

A report rendered over a closed period (``--amended``) is headed "BẢN ĐIỀU CHỈNH" and lists what
changed since the signed version; every later report lists, in its section "Điều chỉnh số liệu
các kỳ đã chốt", each earlier closed period whose stored figures differ from the signed ones
(until the period is reopened and closed again with a version that reads them).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import polars as pl

from ntm.indicators.tables import period_indicators
from ntm.reference import Reference
from ntm.report import vi
from ntm.report.sections import FigureChangeRow, PeriodAmendment, RateChangeRow
from ntm.report.words import capitalised
from ntm.store.closures import PeriodState, period_states, signed_indicators
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms.amendments import figure_changes, rate_changes
from transforms.periods import Period
from transforms.rates import hundredths
from transforms.registry import valid_on

UNCHANGED = "Bản điều chỉnh không làm thay đổi số liệu nào."
RATES_INTRO = "Ảnh hưởng đến các tỷ lệ toàn tỉnh:"


def amendment_of(
    data_dir: DataDir, warehouse: Warehouse, ref: Reference, period: Period, state: PeriodState
) -> PeriodAmendment | None:
    """What changed in a closed period since it was signed (the signed indicators are those
    archived at the close); None when nothing did."""
    units = warehouse.frame("amended_units", period=str(period))
    if units.is_empty():
        return None
    signed = warehouse.frame("signed_figures", period=str(period))
    current = warehouse.frame("accepted_figures", period=str(period))
    keys = list(ref.format.figure_keys)
    changed = figure_changes(signed, current, keys)
    rates = rate_changes(
        signed_indicators(data_dir, state), period_indicators(warehouse, ref, period), "province"
    )
    names = dict(
        valid_on(ref.registry, period.last_day).select("unit_code", "unit_name").iter_rows()
    )
    catalogue = ref.catalogue_of(period.year)[0]
    # Rates and the shares of communes meeting a target: both move with a figure.
    indicator_names = dict(catalogue.indicators.select("id", "name").iter_rows()) | dict(
        catalogue.shares.select("id", "name").iter_rows()
    )
    labels = ref.format.labels
    signed_on = vi.short_date(local_day(state.recorded_at, ref))
    units_words = "; ".join(
        f"{names.get(r['unit_code'], r['unit_code'])}: "
        + (
            f"bản gửi lần {r['current_version']} thay thế bản gửi lần {r['signed_version']}"
            if r["signed_version"] is not None
            else f"bản gửi lần {r['current_version']} (chưa có khi chốt)"
        )
        + f", nhận ngày {vi.short_date(local_day(r['received_at'], ref))}"
        for r in units.iter_rows(named=True)
    )
    return PeriodAmendment(
        title=(
            f"{capitalised(vi.quarter(period.year, period.quarter))} (số liệu đã chốt ngày "
            f"{signed_on} theo {signed_words(state)})"
        ),
        figures=tuple(
            FigureChangeRow(
                commune=f"{names.get(r['commune_code'], '')} ({r['commune_code']})",
                figure=labels.get(r["figure"], r["figure"]),
                old=vi.count(r["old"]) if r["old"] is not None else "-",
                new=vi.count(r["new"]) if r["new"] is not None else "-",
            )
            for r in changed.iter_rows(named=True)
        ),
        rates=tuple(
            RateChangeRow(
                indicator=indicator_names.get(r["indicator"], r["indicator"]),
                old=_rate(r["old"], r["numerator_old"], r["denominator_old"]),
                new=_rate(r["new"], r["numerator_new"], r["denominator_new"]),
            )
            for r in rates.with_columns(
                old=hundredths(pl.col("numerator_old"), pl.col("denominator_old")),
                new=hundredths(pl.col("numerator_new"), pl.col("denominator_new")),
            ).iter_rows(named=True)
            if r["indicator"] in indicator_names
        ),
        units_sentence=f"Đơn vị gửi điều chỉnh: {units_words}.",
        unchanged=UNCHANGED,
        rates_intro=RATES_INTRO,
    )


def earlier_amendments(
    data_dir: DataDir, warehouse: Warehouse, ref: Reference, period: Period
) -> tuple[PeriodAmendment, ...]:
    """Each closed period before ``period`` whose stored figures moved since it was signed."""
    found = []
    for text, state in sorted(period_states(warehouse).items()):  # a handful of quarters
        closed = Period.parse(text)
        if closed is None or closed >= period or not state.closed:
            continue
        amendment = amendment_of(data_dir, warehouse, ref, closed, state)
        if amendment is not None:
            found.append(amendment)
    return tuple(found)


def _rate(value: int | None, numerator: int | None, denominator: int | None) -> str:
    """ "2,40% (9.259/385.720)": the counts show a move too small for two decimals."""
    if numerator is None or denominator is None:
        return "-"
    return f"{vi.percent(value)} ({vi.count(numerator)}/{vi.count(denominator)})"


def local_day(instant: datetime, ref: Reference) -> date:
    """The day of ``instant`` in the province (a close at 23:00 UTC is the next day there)."""
    return instant.astimezone(ZoneInfo(ref.settings.timezone)).date()


def signed_words(state: PeriodState) -> str:
    """The signed report as the committee cites it: its number when the close's note gave one
    ("báo cáo Số 12-BC/ĐU (bản số 2)"), and the version of it that was signed."""
    version = f"bản số {state.report_version}"
    return f"báo cáo {state.note} ({version})" if state.note else f"báo cáo {version}"
