"""The review's XLSX twin: what the PDF prints, as tables staff can sort and filter, with the
exact figures behind them (every year judged on the units of the last one)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import xlsxwriter

from ntm.indicators.exports import neutralise
from ntm.indicators.programme import ProgrammeTables
from ntm.report.sections import Review
from ntm.store.paths import atomic_path
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
    milestones = pl.DataFrame(
        {
            "Chỉ tiêu": [m.target for m in review.targets.milestones],
            "Mốc": [m.milestone for m in review.targets.milestones],
            "Năm đạt": [m.reached for m in review.targets.milestones],
            "Đánh giá": [m.verdict for m in review.targets.milestones],
        }
    )
    yearly = [
        format_indicators(group.drop("year", "period"), str(period))
        for (period,), group in prog.on_last_units.group_by("period", maintain_order=True)
    ] if "unit_code" in prog.on_last_units.columns else []  # fmt: skip
    never_met = pl.DataFrame(
        {
            "Xã": [r.commune for r in review.never_met],
            "Đơn vị đỡ đầu": [r.sponsor for r in review.never_met],
            "Chỉ tiêu chưa năm nào đạt": [r.targets for r in review.never_met],
        }
    )
    by_sponsor = pl.DataFrame(
        {
            "Đơn vị đỡ đầu": [t.sponsor for t in review.by_sponsor for _ in t.rows],
            "Xã": [r.commune for t in review.by_sponsor for r in t.rows],
            "Chỉ tiêu chưa đạt": [r.missed for t in review.by_sponsor for r in t.rows],
            "Chỉ tiêu đã đạt": [r.met for t in review.by_sponsor for r in t.rows],
        }
    )
    sheets = {
        "Chỉ tiêu theo năm": targets,
        "Mốc": milestones,
        "Theo xã hiện nay": pl.concat(yearly) if yearly else pl.DataFrame(),
        "Xã chưa năm nào đạt": never_met,
        "Theo đơn vị đỡ đầu": by_sponsor,
        "Cơ sở số liệu": prog.quarters.with_columns(
            pl.col(c).dt.replace_time_zone(None)
            for c, dtype in prog.quarters.schema.items()
            if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
        ),
        "Nguồn số liệu": prog.provenance.with_columns(
            pl.col(c).dt.replace_time_zone(None)
            for c, dtype in prog.provenance.schema.items()
            if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
        ),
    }
    with (
        atomic_path(target) as temporary,
        xlsxwriter.Workbook(str(temporary), {"strings_to_formulas": False}) as workbook,
    ):
        for name, frame in sheets.items():
            neutralise(frame).write_excel(workbook, worksheet=name, autofit=True)
    return target
