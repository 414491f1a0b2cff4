"""The follow-up list of a period (danh sách theo dõi, đôn đốc): the reporting units the
inspection committee chases because they sent nothing, sent late, had their file rejected or
left communes without accepted figures — and for how many periods in a row they have.

A unit is a code *and* the registry row's valid_from: codes are reused after the 2025
reorganisation, and a new unit under an old code does not inherit its predecessor's record.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from transforms.lists import units_late_or_incomplete
from transforms.periods import ROMAN, Period, quarter_words

STATUSES = ("not_received", "rejected", "late", "late_and_incomplete", "incomplete")
# What the "Tình trạng" column says to readers, one label per status.
STATUS_VI = {
    "not_received": "Chưa gửi báo cáo",
    "rejected": "Tệp bị trả lại",
    "late": "Gửi chậm hạn",
    "late_and_incomplete": "Gửi chậm, thiếu số liệu xã",
    "incomplete": "Thiếu số liệu xã",
}
# Why a commune of a unit that reported has no accepted row.
COMMUNE_REASON_VI = {"quarantined": "số liệu lỗi", "not_reported": "không có trong tệp"}
_DAY = "%d/%m/%Y"

FOLLOWUP_COLUMNS = (
    "unit_code", "unit_name", "status", "missing", "deadline", "first_received_at",
    "late_in_a_row", "since",
)  # fmt: skip


def period_words(period: pl.Expr) -> pl.Expr:
    """ "2023-Q4" -> "quý IV/2023": how a reader names a period in a cell."""
    roman = period.str.slice(6, 1).replace_strict(
        {str(k): v for k, v in ROMAN.items()}, default=None
    )
    return pl.concat_str(pl.lit("quý "), roman, pl.lit("/"), period.str.slice(0, 4))


def followup_title(period: Period) -> str:
    return f"Danh sách đơn vị chậm, thiếu báo cáo — {quarter_words(period.year, period.quarter)}"


def period_ordinal(period: pl.Expr) -> pl.Expr:
    """Quarters since year 0 of a ``YYYY-Qn`` column: consecutive periods differ by one."""
    return period.str.slice(0, 4).cast(pl.Int64) * 4 + period.str.slice(6, 1).cast(pl.Int64) - 1


def _ordinal(period: Period) -> int:
    return period.year * 4 + period.quarter - 1


def _period_text(ordinal: pl.Expr) -> pl.Expr:
    return pl.format("{}-Q{}", ordinal // 4, ordinal % 4 + 1)


def unit_statuses(completeness: pl.DataFrame, rejected: pl.DataFrame) -> pl.DataFrame:
    """Each expected unit's follow-up status in each period, null when it is not on the list.

    ``completeness``: rows of ``transforms.completeness.completeness`` for one or more periods,
    with a ``period`` column (and any others, kept). ``rejected``: period, unit_code,
    reject_reason — per unit-period at most one row, the latest rejected file that no accepted
    version followed. The status is ``lists.units_late_or_incomplete``'s reason, except that a
    unit with such a rejected file is "rejected" when it has no other reason to be listed
    (nothing accepted, or an accepted version that is on time and complete).
    Columns out: those of ``completeness``, reject_reason (null when none) and status.
    """
    reasons = units_late_or_incomplete(completeness).select("period", "unit_code", "reason")
    pending = rejected.select(
        "period", "unit_code", pl.col("reject_reason").fill_null("không rõ lý do")
    ).unique(["period", "unit_code"], keep="last")
    reason = pl.col("reason")
    return (
        completeness.join(reasons, on=["period", "unit_code"], how="left")
        .join(pending, on=["period", "unit_code"], how="left")
        .with_columns(
            status=pl.when(
                pl.col("reject_reason").is_not_null()
                & (reason.is_null() | (reason == "not_received"))
            )
            .then(pl.lit("rejected"))
            .otherwise(reason)
        )
        .drop("reason")
    )


def unit_runs(history: pl.DataFrame, period: Period) -> pl.DataFrame:
    """For each unit on the list in ``period``: how many periods in a row, ending there, it has
    been on the list, and the first period of that run.

    ``history``: period (``YYYY-Qn``), unit_code, valid_from, on_list — one row per period in
    which the unit was an expected reporting unit (more rows for a key are OR-ed, later
    periods ignored). A period missing from a unit's rows (it did not report then under that
    code and validity) ends its run, like a period it was not on the list.
    Columns out: unit_code, valid_from, late_in_a_row (Int64, at least 1), since (String).
    """
    unit = ["unit_code", "valid_from"]
    last = _ordinal(period)
    ordinal = period_ordinal(pl.col("period"))
    return (
        history.filter(ordinal <= last)
        .group_by([*unit, "period"])
        .agg(pl.col("on_list").any())
        .with_columns(ordinal=ordinal)
        .sort([*unit, "ordinal"], descending=[False, False, True])
        .with_columns(
            # Walking back from ``period``: the k-th row must be period - k and on the list.
            in_run=(pl.col("on_list") & (pl.col("ordinal") == last - pl.int_range(pl.len())))
            .cum_min()
            .over(unit)
        )
        .group_by(unit)
        .agg(late_in_a_row=pl.col("in_run").sum().cast(pl.Int64))
        .filter(pl.col("late_in_a_row") > 0)
        .with_columns(since=_period_text(last + 1 - pl.col("late_in_a_row")))
        .sort(unit)
    )


def _day(column: str, time_zone: str) -> pl.Expr:
    return pl.col(column).dt.convert_time_zone(time_zone).dt.strftime(_DAY)


def followup_list(
    statuses: pl.DataFrame,
    communes: pl.DataFrame,
    period: Period,
    deadline: date,
    time_zone: str,
) -> pl.DataFrame:
    """The follow-up list of ``period``: one row per unit on it, by unit code.

    ``statuses``: ``unit_statuses`` rows of ``period`` and of the periods before it (as far
    back as the runs should look), with valid_from. ``communes``: the communes of ``period``
    without an accepted row (``lists.communes_without_data``: reporting_unit, commune_code,
    commune_name, reason). ``deadline``: the period's last day for sending; ``time_zone``: the
    one arrival dates are read in.
    Columns out (``FOLLOWUP_COLUMNS``): unit_code, unit_name, status (one of ``STATUSES``),
    missing (what is missing, in Vietnamese), deadline (Date), first_received_at (Datetime in
    ``time_zone``, null when nothing was accepted), late_in_a_row (Int64, from 1) and since
    (the first period of that run, ``YYYY-Qn``).
    """
    runs = unit_runs(
        statuses.select(
            "period", "unit_code", "valid_from", on_list=pl.col("status").is_not_null()
        ),
        period,
    )
    names = (
        communes.sort("reporting_unit", "commune_code")
        .group_by("reporting_unit", maintain_order=True)
        .agg(
            pl.format(
                "{} ({})",
                pl.coalesce("commune_name", "commune_code"),
                pl.col("reason").replace_strict(COMMUNE_REASON_VI, default=pl.col("reason")),
            )
            .str.join(", ")
            .alias("commune_names")
        )
        .rename({"reporting_unit": "unit_code"})
    )
    status = pl.col("status")
    lacking = (pl.col("communes_expected") - pl.col("communes_accepted")).clip(lower_bound=0)
    counted = pl.format("Thiếu số liệu {}/{} xã", lacking, pl.col("communes_expected"))
    parts = [
        pl.when(status == "not_received").then(pl.lit("Toàn bộ báo cáo của kỳ")),
        pl.when(status.is_in(["late", "late_and_incomplete"])).then(
            pl.format(
                "Gửi chậm hạn (nhận ngày {}, hạn {})",
                pl.col("first_received_at").dt.convert_time_zone(time_zone).dt.strftime(_DAY),
                pl.lit(deadline.strftime(_DAY)),
            )
        ),
        pl.when(status.is_in(["incomplete", "late_and_incomplete"])).then(
            pl.when(pl.col("commune_names").is_null())
            .then(counted)
            .otherwise(pl.format("{}: {}", counted, pl.col("commune_names")))
        ),
        pl.when(pl.col("reject_reason").is_not_null()).then(
            pl.format("Tệp bị trả lại: {}", pl.col("reject_reason"))
        ),
    ]
    return (
        statuses.filter((pl.col("period") == str(period)) & status.is_not_null())
        .join(names, on="unit_code", how="left")
        .join(runs, on=["unit_code", "valid_from"], how="left")
        .select(
            "unit_code",
            "unit_name",
            "status",
            missing=pl.concat_str(parts, separator="; ", ignore_nulls=True),
            deadline=pl.lit(deadline, pl.Date),
            first_received_at=pl.col("first_received_at").dt.convert_time_zone(time_zone),
            late_in_a_row="late_in_a_row",
            since="since",
        )
        .sort("unit_code")
    )
