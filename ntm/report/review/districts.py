"""II.3 The years districts reported: one table per indicator, a district per row, a year per
column (the province last)."""

from __future__ import annotations

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.report import vi
from ntm.report.review.sections import TitledTable
from ntm.report.sections import RateRow, RateTable

# The district tables of the years districts reported: (title, indicator).
DISTRICT_TABLES = (
    ("Tỷ lệ hộ nghèo", "poor_rate"),
    ("Tỷ lệ nghèo đa chiều (hộ nghèo và cận nghèo)", "multidimensional_poverty_rate"),
    ("Tỷ lệ lao động qua đào tạo", "trained_labour_rate"),
    ("Tỷ lệ lao động có bằng cấp, chứng chỉ", "certified_labour_rate"),
    ("Tỷ lệ phụ nữ tham gia HTX, tổ hợp tác, mô hình liên kết", "women_coop_share"),
    ("Tỷ lệ vụ trẻ em bị xâm hại được xử lý kịp thời", "child_abuse_handled_rate"),
    ("Tỷ lệ xã đạt tất cả tiêu chí của ngành", "communes_meeting_all_criteria"),
)
DISTRICT_TITLE = "{} cuối năm theo huyện, thị xã, thành phố (%)"


def by_district(
    points: tuple[PeriodTables, ...], name_of: dict[str, str]
) -> tuple[TitledTable, ...]:
    """The years districts reported: one table per indicator, a district per row, a year per
    column (the province last)."""
    years = [p for p in points if p.period.quarter == 4 and has_districts(p)]
    if not years:
        return ()
    frame = pl.concat(
        [
            p.indicators.filter(pl.col("unit_level") != "commune")
            .select("unit_code", "unit_level", "indicator", "rate")
            .with_columns(year=pl.lit(p.period.year, pl.Int64))
            for p in years
        ]
    )
    tables = []
    for title, indicator in DISTRICT_TABLES:
        rows = frame.filter(pl.col("indicator") == indicator)
        if rows.is_empty():
            continue
        rates = {(r["unit_code"], r["year"]): r["rate"] for r in rows.iter_rows(named=True)}
        codes = rows.sort(pl.col("unit_level") == "province", "unit_code")["unit_code"]
        tables.append(
            TitledTable(
                lead_in=DISTRICT_TITLE.format(title) + ":",
                table=RateTable(
                    columns=tuple(str(p.period.year) for p in years),
                    rows=tuple(
                        RateRow(
                            unit=name_of.get(code, code),
                            cells=tuple(
                                vi.percent(rates.get((code, p.period.year))) for p in years
                            ),
                        )
                        for code in codes.unique(maintain_order=True)
                    ),
                ),
            )
        )
    return tuple(tables)


def has_districts(tables: PeriodTables) -> bool:
    return not tables.indicators.filter(pl.col("unit_level") == "district").is_empty()
