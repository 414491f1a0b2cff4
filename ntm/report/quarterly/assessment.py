"""III. Assessment and proposals: the communes off track, the units to follow up and the
communes without data, and the proposals built from them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.report.judging import Judging
from ntm.report.quarterly.sections import Assessment, FollowupRow, MissingRow, OffTrackRow
from ntm.report.quarterly.targets import judged_by
from ntm.report.words import DIVIDED_MARK, capitalised
from transforms.followup import STATUS_VI as FOLLOWUP_STATUS_VI
from transforms.followup import period_words

LATE_INTRO = (
    "Danh sách đơn vị cần đôn đốc (chậm gửi, không gửi, tệp bị trả lại hoặc thiếu số liệu xã):"
)
MISSING_INTRO = "Các xã chưa có số liệu hợp lệ trong kỳ:"


def marked(tables: PeriodTables, codes: Iterable[str]) -> set[str]:
    """The codes whose year-end history sums a divided unit (see ``divided_footnote``)."""
    return set(codes) & set(tables.divided["unit_code"].to_list())


def assessment_section(
    tables: PeriodTables,
    followup: pl.DataFrame,
    name_of: dict[str, str],
    judging: Judging,
    household_proposal: str = "",
) -> Assessment:
    """``household_proposal``: the deprivations that reach most households, from the latest
    household review ("" without one), proposed before the programme's standing words."""
    rising = tables.off_track.filter(pl.col("reason") == "poverty_rising")
    below = tables.off_track.filter(pl.col("reason") == "below_target")
    per_commune = (
        below.group_by("unit_code", "unit_name")
        .agg(pl.col("target_id").unique().sort().str.join(", ").alias("targets"))
        .sort("unit_code")
    )
    divided = marked(tables, rising["unit_code"].to_list())
    # The communes below a target are listed by sponsor (``quarterly.appendices``); these rose.
    off_track = tuple(
        OffTrackRow(
            commune=f"{r['unit_name']} ({r['unit_code']})",
            targets=f"{capitalised(judging.rate)} tăng"
            + (f" {DIVIDED_MARK}" if r["unit_code"] in divided else ""),
        )
        for r in rising.iter_rows(named=True)
    )
    late = tuple(
        FollowupRow(
            unit=f"{r['unit_code']} {r['unit_name']}",
            status=FOLLOWUP_STATUS_VI[r["status"]],
            missing=r["missing"],
            in_a_row=str(r["late_in_a_row"]),
            since=r["since_words"],
        )
        for r in followup.with_columns(since_words=period_words(pl.col("since"))).iter_rows(
            named=True
        )
    )
    missing = tuple(missing_row(r, name_of) for r in tables.without_data.iter_rows(named=True))
    basis = "" if judging.all_official() else judged_by(judging)
    return Assessment(
        sentences=assessment_sentences(
            per_commune.height,
            rising.height,
            bool(late or missing),
            judging,
            basis,
            household_proposal,
        ),
        off_track=off_track,
        late_intro=LATE_INTRO,
        late=late,
        missing_intro=MISSING_INTRO,
        missing=missing,
    )


def missing_row(r: dict[str, Any], name_of: dict[str, str]) -> MissingRow:
    """A row of ``PeriodTables.without_data``."""
    return MissingRow(
        commune=f"{r['commune_name']} ({r['commune_code']})",
        unit=name_of.get(r["reporting_unit"], r["reporting_unit"]),
        reason="Số liệu chưa hợp lệ" if r["reason"] == "quarantined" else "Chưa báo cáo",
    )


def assessment_sentences(
    below: int,
    rising: int,
    late_or_missing: bool,
    judging: Judging,
    basis: str = "",
    household_proposal: str = "",
) -> tuple[str, ...]:
    """The proposals: for ``below`` communes off target (and ``basis``, the targets they are
    judged by when not all are official), ``rising`` communes whose poverty rate rose, units
    late or communes without data, and the standing one."""
    sentences = []
    if below:
        sentences.append(
            f"Còn {below} xã chưa đạt một hoặc một số chỉ tiêu của ngành (chi tiết "
            f"tại phụ lục); đề nghị các chi bộ, phòng chuyên môn được phân công đỡ đầu phối hợp "
            f"với địa phương có giải pháp cụ thể, tập trung hỗ trợ các xã này."
        )
        if basis:
            sentences.append(basis)
    if rising:
        sentences.append(
            f"Có {rising} xã có {judging.rate} tăng so với cuối năm trước; cần rà soát "
            f"nguyên nhân tái nghèo, phát sinh nghèo và có biện pháp hỗ trợ kịp thời."
        )
    if late_or_missing:
        sentences.append(
            "Đề nghị Ủy ban Kiểm tra Đảng ủy đôn đốc các đơn vị chậm gửi báo cáo, số liệu "
            "chưa đầy đủ hoặc chưa hợp lệ hoàn thành trước kỳ báo cáo sau."
        )
    if household_proposal:
        sentences.append(household_proposal)
    sentences.append(judging.proposal)
    return tuple(sentences)
