"""The review's XLSX twin: what the PDF prints, as tables staff can sort and filter, with the
exact figures behind them (every year judged on the units of the last one)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import polars.selectors as cs

from ntm.indicators.exports import write_sheets
from ntm.indicators.programme import ProgrammeTables
from ntm.report.review.sections import Review
from ntm.report.sections import RateTable
from transforms.indicators import format_indicators


def write_review_workbook(target: Path, prog: ProgrammeTables, review: Review) -> Path:
    columns = review.targets.columns
    targets = pl.DataFrame(
        [
            {"Mã": r.id, "Chỉ tiêu": r.label, **dict(zip(columns, r.cells, strict=True)),
             "Mục tiêu": r.target, "Đánh giá": r.status}
            for r in review.targets.rows
        ]
    )  # fmt: skip
    yearly = [
        format_indicators(group.drop("year", "period"), str(period))
        for (period,), group in prog.on_last_units.group_by("period", maintain_order=True)
    ]
    sponsors = [(t.sponsor, r) for t in review.by_sponsor for r in t.rows]
    sheets = {
        "Chỉ tiêu theo năm": targets,
        "Mốc": _table(review.targets.milestones, ("Chỉ tiêu", "Mốc", "Năm đạt", "Đánh giá")),
        "Theo xã hiện nay": pl.concat(yearly) if yearly else pl.DataFrame(),
        "Xã chưa năm nào đạt": _table(
            review.never_met, ("Xã", "Đơn vị đỡ đầu", "Chỉ tiêu chưa năm nào đạt")
        ),
        "Theo đơn vị đỡ đầu": pl.DataFrame(
            [(sponsor, *dataclasses.astuple(r)) for sponsor, r in sponsors],
            schema=["Đơn vị đỡ đầu", "Xã", "Chỉ tiêu chưa đạt", "Chỉ tiêu đã đạt"],
            orient="row",
        ),
        "Rà soát hộ - số hộ": _rates(review.households.counts, "Số hộ"),
        "Rà soát hộ - thiếu hụt": _rates(review.households.profile, "Chỉ số"),
        "Cơ sở số liệu": _naive(prog.quarters),
        "Nguồn số liệu": _naive(prog.provenance),
    }
    return write_sheets(target, sheets)


def _table(rows: Sequence[Any], headings: tuple[str, ...]) -> pl.DataFrame:
    """Rows of one section type (a dataclass of texts), one column per field, headed in the
    order of its fields."""
    return pl.DataFrame(
        [dataclasses.astuple(row) for row in rows], schema=list(headings), orient="row"
    )


def _rates(table: RateTable, heading: str) -> pl.DataFrame:
    """A table of the review, as printed: its first column, then one per year."""
    return pl.DataFrame(
        [(row.unit, *row.cells) for row in table.rows],
        schema=[heading, *table.columns],
        orient="row",
    )


def _naive(frame: pl.DataFrame) -> pl.DataFrame:
    """Instants as the wall-clock time they were stored in: a cell has no time zone."""
    return frame.with_columns(cs.datetime(time_zone="*").dt.replace_time_zone(None))
