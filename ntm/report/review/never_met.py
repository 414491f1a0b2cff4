"""Appendix 1 of the review: the communes of the last point judged on a target at some point
and never meeting it, with their sponsor and the number of years judged."""

from __future__ import annotations

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.report import vi
from ntm.report.review.sections import NeverMetRow
from ntm.report.sponsors import NO_SPONSOR, sponsors_of
from transforms.review import never_met, targets_by_commune

NEVER_MET_EMPTY = "Không có xã nào chưa năm nào đạt chỉ tiêu được đánh giá."


def standings_of(on_last: pl.DataFrame) -> pl.DataFrame:
    """year, unit_code, target_id, met: each commune of the last point at every point, computed
    once for the sponsors, the never-met list and the communes by sponsor."""
    if on_last.is_empty():
        return pl.DataFrame(
            schema={"unit_code": pl.String, "target_id": pl.String, "met": pl.Boolean,
                    "year": pl.Int64}
        )  # fmt: skip
    return pl.concat(
        [
            targets_by_commune(group).with_columns(year=pl.lit(year, pl.Int64))
            for (year,), group in on_last.group_by("year")
        ]
    )


def never_met_rows(
    standings: pl.DataFrame, last: PeriodTables, name_of: dict[str, str]
) -> tuple[NeverMetRow, ...]:
    never = never_met(standings)
    sponsors = sponsors_of(last.roster).rename({"commune_code": "unit_code"})
    per_commune = (
        never.group_by("unit_code")
        .agg(
            targets=pl.concat_str(
                pl.col("target_id"), pl.lit(" ("), pl.col("years"), pl.lit(" năm)")
            )
            .sort()
            .str.join(", ")
        )
        .join(sponsors, on="unit_code", how="left")
        .sort("unit_code")
    )
    return tuple(
        NeverMetRow(
            commune=f"{r['unit_code']} {name_of.get(r['unit_code'], '')}",
            sponsor=r["sponsor"] or NO_SPONSOR,
            targets=r["targets"],
        )
        for r in per_commune.iter_rows(named=True)
    )


def point_words(tables: PeriodTables) -> str:
    """A point as a sentence names it: "cuối năm 2025", "quý III năm 2026"."""
    period = tables.period
    if period.quarter == 4:
        return f"cuối năm {period.year}"
    return vi.quarter(period.year, period.quarter)


def never_met_note(points: tuple[PeriodTables, ...]) -> str:
    if not points:
        return "Chưa có kỳ nào để đánh giá."
    last = points[-1]
    return (
        f"Các xã theo đơn vị hành chính {point_words(last)}; số liệu các năm trước được cộng "
        f"từ các xã cũ hợp thành theo bảng chuyển đổi đơn vị hành chính (xã có xã cũ hợp "
        f"thành thiếu số liệu năm nào thì không đánh giá năm đó). Trong ngoặc: số năm được "
        f"đánh giá theo chỉ tiêu đó."
    )
