"""I. The data of the quarter: what was received, when, from whom, and what was refused."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.report import vi
from ntm.report.judging import Units
from ntm.report.quarterly.sections import DataSection, ProblemRow, SubmissionRow

REJECT_KIND_VI = {"rejected": "Trả lại cả tệp", "quarantined": "Chưa nhận dòng xã"}
PROBLEMS_INTRO = "Số liệu bị trả lại hoặc chưa được nhận trong kỳ:"
NO_PROBLEMS = "Trong kỳ không có tệp bị trả lại hay dòng số liệu chưa được nhận."


def data_section(
    tables: PeriodTables,
    problems: pl.DataFrame,
    name_of: dict[str, str],
    units: Units,
    listed: bool,
) -> DataSection:
    c = tables.completeness
    notes = reporting_units(c, units, listed, tables.period.last_day)
    shown = c
    if units.direct:
        # Seventy rows of "1 1 0 on time" hide the few that matter: list only those.
        complete = (
            pl.col("received")
            & pl.col("on_time").fill_null(False)
            & (pl.col("communes_accepted") == pl.col("communes_expected"))
        )
        shown = c.filter(~complete)
        rest = c.height - shown.height
        if rest:
            notes += (
                f"{rest}/{c.height} đơn vị đã gửi báo cáo đúng hạn, đủ số liệu hợp lệ; bảng dưới "
                "đây chỉ liệt kê các đơn vị gửi chậm, thiếu số liệu hoặc chưa gửi."
                if shown.height
                else f"Cả {c.height} đơn vị đã gửi báo cáo đúng hạn, đủ số liệu hợp lệ.",
            )
    return DataSection(
        summary=data_summary(c, units),
        notes=notes,
        rows=tuple(submission_row(r) for r in shown.iter_rows(named=True)),
        problems_intro=PROBLEMS_INTRO if problems.height else NO_PROBLEMS,
        problems=tuple(problem_row(r, name_of) for r in problems.iter_rows(named=True)),
    )


def data_summary(c: pl.DataFrame, units: Units) -> str:
    received = int(c["received"].sum())
    on_time = int(c["on_time"].fill_null(False).sum())
    accepted = int(c["communes_accepted"].sum())
    expected = int(c["communes_expected"].sum())
    return (
        f"Đã nhận báo cáo của {received}/{c.height} đơn vị ({on_time} đơn vị đúng hạn, "
        f"{received - on_time} đơn vị chậm hạn); {vi.count(accepted)}/{vi.count(expected)} "
        f"{units.words} có số liệu hợp lệ."
    )


def reporting_units(
    c: pl.DataFrame, units: Units, listed: bool, day: date | None = None
) -> tuple[str, ...]:
    """Once communes report directly: who the reporting units are, and that the appendices
    are per commune. Before the registry's first day (``day``, the period's last, has no
    unit): that there is none."""
    if not units.communes and day is not None:
        return (
            f"Danh mục đơn vị hành chính không có xã, phường, thị trấn nào có hiệu lực ngày "
            f"{vi.short_date(day)}: kỳ này không có đơn vị báo cáo và không có số liệu.",
        )
    if not units.direct:
        return ()
    sentence = (
        f"Từ ngày {vi.short_date(units.since)}, đơn vị hành chính cấp huyện kết thúc hoạt "
        f"động, các {units.words} báo cáo trực tiếp: đơn vị báo cáo của kỳ này là "
        f"{vi.count(c.height)} {units.words} ({units.breakdown})"
    )
    if listed:
        sentence += f"; số liệu chi tiết tại phụ lục được lập theo từng {units.words}"
    return (sentence + ".",)


def submission_row(r: dict[str, Any]) -> SubmissionRow:
    """A row of ``PeriodTables.completeness``."""
    return SubmissionRow(
        unit=r["unit_name"],
        expected=vi.count(r["communes_expected"]),
        accepted=vi.count(r["communes_accepted"]),
        quarantined=vi.count(r["communes_quarantined"]),
        received=vi.short_date(r["first_received_at"].date())
        if r["first_received_at"] is not None
        else "-",
        timeliness="Chưa gửi"
        if not r["received"]
        else ("Đúng hạn" if r["on_time"] else "Chậm hạn"),
        version=str(r["version"]) if r["version"] is not None else "-",
    )


def problem_row(r: dict[str, Any], name_of: dict[str, str]) -> ProblemRow:
    """A row of the period's problems: a file returned whole or a commune's row not taken."""
    return ProblemRow(
        unit=name_of.get(r["unit_code"] or "", r["unit_code"] or "-"),
        file=r["file_name"],
        kind=REJECT_KIND_VI[r["kind"]],
        commune=f"{r['commune_code']} {name_of.get(r['commune_code'], '')}".strip()
        if r["commune_code"]
        else "-",
        reason=r["reason"] or "",
    )
