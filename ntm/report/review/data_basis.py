"""I. The review's data basis: per year, the quarters, submissions due, on time, late, missing,
files rejected and commune rows quarantined, and which units were late or missing."""

from __future__ import annotations

import polars as pl

from ntm.indicators.programme import ProgrammeTables
from ntm.report import vi
from ntm.report.review.sections import ReviewDataSection, YearDataRow, YearUnitsRow
from ntm.report.words import programme_words

UNITS_INTRO = "Các đơn vị gửi báo cáo chậm hạn hoặc không gửi, theo năm (trong ngoặc: số kỳ):"


def data_section(prog: ProgrammeTables, name_of: dict[str, str]) -> ReviewDataSection:
    q = prog.quarters
    if q.is_empty():
        return ReviewDataSection(
            summary=f"Chưa có kỳ báo cáo nào của {programme_words(prog.catalogue)} kết thúc.",
            rows=(),
            units_intro=UNITS_INTRO,
            units=(),
        )
    problems = prog.problems.with_columns(year=pl.col("period").str.slice(0, 4).cast(pl.Int64))
    per_year = (
        q.group_by("year")
        .agg(
            quarters=pl.col("period").n_unique(),
            expected=pl.len(),
            on_time=pl.col("on_time").fill_null(False).sum(),
            late=(pl.col("on_time") == False).sum(),  # noqa: E712 (null is not late)
            missing=(~pl.col("received")).sum(),
        )
        .join(
            problems.group_by("year").agg(
                rejected=pl.col("files_rejected").sum(),
                quarantined=pl.col("rows_quarantined").sum(),
            ),
            on="year",
            how="left",
        )
        .sort("year")
    )
    rows = tuple(
        YearDataRow(
            year=str(r["year"]),
            quarters=str(r["quarters"]),
            expected=vi.count(r["expected"]),
            on_time=vi.count(r["on_time"]),
            late=vi.count(r["late"]),
            missing=vi.count(r["missing"]),
            rejected=vi.count(r["rejected"] or 0),
            quarantined=vi.count(r["quarantined"] or 0),
        )
        for r in per_year.iter_rows(named=True)
    )
    total = per_year.select(pl.exclude("year").sum()).row(0, named=True)
    summary = (
        f"Trong {vi.count(total['quarters'])} kỳ báo cáo đã kết thúc của "
        f"{programme_words(prog.catalogue)}, các đơn vị phải gửi {vi.count(total['expected'])} "
        f"lượt báo cáo: {vi.count(total['on_time'])} lượt đúng hạn, {vi.count(total['late'])} "
        f"lượt chậm hạn, {vi.count(total['missing'])} lượt không gửi; "
        f"{vi.count(total['rejected'] or 0)} tệp bị trả lại và "
        f"{vi.count(total['quarantined'] or 0)} dòng số liệu xã chưa được nhận."
    )
    return ReviewDataSection(
        summary=summary, rows=rows, units_intro=UNITS_INTRO, units=units_by_year(q, name_of)
    )


def units_by_year(q: pl.DataFrame, name_of: dict[str, str]) -> tuple[YearUnitsRow, ...]:
    """Per year, the units that sent late or not at all, each with its number of quarters."""
    flagged = q.with_columns(
        kind=pl.when(~pl.col("received"))
        .then(pl.lit("missing"))
        .when(pl.col("on_time") == False)  # noqa: E712
        .then(pl.lit("late"))
    ).filter(pl.col("kind").is_not_null())
    counted = (
        flagged.group_by("year", "kind", "unit_code")
        .agg(times=pl.len())
        .with_columns(
            text=pl.col("unit_code").replace_strict(name_of, default=pl.col("unit_code"))
            + pl.lit(" (")
            + pl.col("times").cast(pl.String)
            + pl.lit(" kỳ)")
        )
        .sort("year", "kind", "unit_code")
        .group_by("year", "kind", maintain_order=True)
        .agg(pl.col("text").str.join(", "))
    )
    lists = {(r["year"], r["kind"]): r["text"] for r in counted.iter_rows(named=True)}
    return tuple(
        YearUnitsRow(
            year=str(year),
            late=lists.get((year, "late"), "Không có"),
            missing=lists.get((year, "missing"), "Không có"),
        )
        for year in sorted(set(q["year"].to_list()))
    )
