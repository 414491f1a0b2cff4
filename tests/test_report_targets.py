"""The report's targets come from the criteria catalogue: words, numbers, status and source.

Fast tests of ``ntm.report.quarterly`` (and what it shares with the review) on tiny frames: no
warehouse, no WeasyPrint. The slow
renders of whole reports (a fixture catalogue, 2026 with pending and provisional targets, a
year no catalogue covers) are in ``tests/test_report_programmes.py``.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import polars as pl
import pytest

from ntm.indicators import exports, households
from ntm.indicators.tables import PeriodTables
from ntm.reference import Catalogue, Reference
from ntm.reference.criteria import FallBand
from ntm.report import appendix_tables, district_rates, document, poverty_block, poverty_notes
from ntm.report import judging as judging_mod
from ntm.report import words as report_words
from ntm.report.quarterly import appendices as q_appendices
from ntm.report.quarterly import assessment as q_assessment
from ntm.report.quarterly import data_basis, labour, quarter_header, social
from ntm.report.quarterly import poverty as q_poverty
from ntm.report.quarterly import targets as q_targets
from ntm.report.quarterly.sections import TargetRow
from transforms.followup import FOLLOWUP_COLUMNS
from transforms.indicators import INDICATOR_COLUMNS
from transforms.periods import Period
from transforms.registry import valid_on

INDICATOR_SCHEMA = INDICATOR_COLUMNS
CHANGES_SCHEMA = {
    "unit_level": pl.String,
    "unit_code": pl.String,
    "year": pl.Int64,
    "poor": pl.Int64,
    "near_poor": pl.Int64,
    "households": pl.Int64,
    "counted": pl.Int64,
    "fall": pl.Int64,
    "method_break": pl.Boolean,
}
TREND_SCHEMA = {
    "unit_level": pl.String,
    "unit_code": pl.String,
    "base_year": pl.Int64,
    "last_year": pl.Int64,
    "base_rate": pl.Int64,
    "last_rate": pl.Int64,
    "average_fall": pl.Int64,
    "status": pl.String,
    "projected_rate": pl.Int64,
    "needed_fall": pl.Int64,
}
OFF_TRACK_SCHEMA = {
    "unit_code": pl.String,
    "unit_name": pl.String,
    "reason": pl.String,
    "indicator": pl.String,
    "target_id": pl.String,
    "numerator": pl.Int64,
    "denominator": pl.Int64,
    "threshold": pl.Int64,
    "fall": pl.Int64,
}


def frame(rows: list[dict[str, Any]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def commune(code: str, indicator: str, num: int, den: int, attained: bool | None) -> dict[str, Any]:
    return {
        "unit_code": code, "unit_name": f"Xã {code}", "unit_level": "commune",
        "indicator": indicator, "numerator": num, "denominator": den, "threshold": 7000,
        "target_id": "T3", "attained": attained, "target_status": "official",
    }  # fmt: skip


def province(indicator: str, num: int, den: int, **extra: Any) -> dict[str, Any]:
    row = {
        "unit_code": "42", "unit_name": "Tỉnh Hà Tĩnh", "unit_level": "province",
        "indicator": indicator, "numerator": num, "denominator": den, "threshold": None,
        "target_id": None, "attained": None, "target_status": None,
    }  # fmt: skip
    return row | extra


def tables_for(
    ref: Reference,
    period: Period,
    *,
    catalogue: Catalogue | None = None,
    indicators: list[dict[str, Any]] | None = None,
    changes: list[dict[str, Any]] | None = None,
    trend: list[dict[str, Any]] | None = None,
    off_track: list[dict[str, Any]] | None = None,
    divided: list[str] | None = None,
) -> PeriodTables:
    """A period's tables with only what a test gives; its catalogue as ``period_tables``
    picks it (the nearest one without targets for a year none covers)."""
    covering, covered = ref.catalogue_of(period.year)
    chosen = catalogue or covering
    units = valid_on(ref.registry, period.last_day)
    empty = pl.DataFrame()
    return PeriodTables(
        period=period,
        catalogue=chosen,
        covered=covered,
        indicators=frame(indicators or [], INDICATOR_SCHEMA),
        changes=frame(changes or [], CHANGES_SCHEMA),
        trend=frame(trend or [], TREND_SCHEMA),
        flows=empty,
        completeness=empty,
        off_track=frame(off_track or [], OFF_TRACK_SCHEMA),
        without_data=empty,
        late_or_incomplete=empty,
        followup=empty,
        household_counts=pl.DataFrame(schema=households.COUNTS_SCHEMA),
        household_movements=pl.DataFrame(schema=households.MOVEMENTS_SCHEMA),
        household_reconciliation=pl.DataFrame(schema=households.RECONCILIATION_SCHEMA),
        household_deprivations=pl.DataFrame(schema=households.DEPRIVATIONS_SCHEMA),
        household_causes=pl.DataFrame(schema=households.CAUSES_SCHEMA),
        household_groups=pl.DataFrame(schema=households.GROUPS_SCHEMA),
        units=units,
        roster=pl.DataFrame(schema={"commune_code": pl.String, "commune_class": pl.String}),
        divided=pl.DataFrame({"unit_code": divided or []}, schema={"unit_code": pl.String}),
    )


def target_rows(tables: PeriodTables, ref: Reference) -> dict[str, TargetRow]:
    rated = judging_mod.with_rates(tables)
    section = q_targets.targets_section(
        rated, None, judging_mod.judging_of(rated, ref), document.Captions()
    )
    return {row.id: row for row in section.rows}


def notes(tables: PeriodTables, ref: Reference) -> tuple[str, ...]:
    return q_targets.target_notes(judging_mod.judging_of(tables, ref))


def with_band(catalogue: Catalogue, band: FallBand) -> Catalogue:
    return dataclasses.replace(catalogue, fall_band=band)


PACE_2024 = {
    "unit_level": "province", "unit_code": "42", "base_year": 2022, "last_year": 2024,
    "base_rate": 379, "last_rate": 240, "average_fall": 70, "status": "on_track",
    "projected_rate": 170, "needed_fall": 50,
}  # fmt: skip


# --- targets of 2021-2025: as the programme's catalogue words them -------------------------


def test_the_rows_are_the_catalogues_targets_in_its_order_with_its_words(ref: Reference) -> None:
    tables = tables_for(ref, Period(2024, 4), trend=[PACE_2024])
    rows = target_rows(tables, ref)
    catalogue = tables.catalogue
    assert list(rows) == [t.id for t in catalogue.targets]
    for target in catalogue.targets:
        assert rows[target.id].label == target.label.replace("{band}", "0,6 - 1,0")
    assert rows["T1"].target == "0,60 - 1,00"
    assert rows["T1"].status == "Đạt"
    assert rows["T8"].target == "Chưa đến mốc" and rows["T8"].status == "-"
    # Every target official: no marker, no note.
    assert not any("tạm tính" in row.target for row in rows.values())
    assert notes(tables, ref) == ()


def test_another_band_and_label_change_the_words_with_no_code_change(ref: Reference) -> None:
    catalogue = ref.catalogue_for(2024)
    assert catalogue is not None
    t1 = dataclasses.replace(catalogue.targets[0], label="Hộ nghèo giảm {band} điểm %/năm")
    changed = dataclasses.replace(
        with_band(catalogue, FallBand(80, 120, "official", "NQ thử")),
        targets=(t1, *catalogue.targets[1:]),
    )
    rows = target_rows(tables_for(ref, Period(2024, 4), catalogue=changed, trend=[PACE_2024]), ref)
    assert rows["T1"].label == "Hộ nghèo giảm 0,8 - 1,2 điểm %/năm"
    assert rows["T1"].target == "0,80 - 1,20"
    assert rows["T1"].status == "Đạt"  # the status is the trend's, judged by the same band


def test_a_commune_target_counts_the_communes_it_judges(ref: Reference) -> None:
    indicators = [
        commune("18100", "trained_labour_rate", 75, 100, True),
        commune("18103", "trained_labour_rate", 65, 100, False),
        commune("18070", "trained_labour_rate", 90, 100, None),  # a ward: not judged
    ]
    rows = target_rows(tables_for(ref, Period(2024, 4), indicators=indicators), ref)
    assert (rows["T3"].value, rows["T3"].target, rows["T3"].status) == (
        "1/2 xã", "100% số xã", "Chưa đạt",
    )  # fmt: skip


# --- 2026-2030: pending and provisional targets --------------------------------------------


def test_2026_prints_pending_and_provisional_targets_with_their_source(ref: Reference) -> None:
    pace = PACE_2024 | {
        "base_year": 2025, "last_year": 2025, "average_fall": None, "status": None,
        "projected_rate": None, "needed_fall": 100,
    }  # fmt: skip
    indicators = [province("communes_meeting_all_criteria", 0, 60)]
    tables = tables_for(ref, Period(2026, 3), trend=[pace], indicators=indicators)
    rows = target_rows(tables, ref)
    assert rows["T1"].label == "Tỷ lệ nghèo đa chiều giảm bình quân 1,0 - 1,5 điểm phần trăm/năm"
    assert rows["T1"].target == "1,00 - 1,50 (tạm tính)"
    assert rows["T1"].status == "Chưa đủ số liệu" and rows["T1"].change == "cuối năm 2025"
    for pending in ("T2", "T3", "T4", "T6", "T7"):
        assert (rows[pending].value, rows[pending].target, rows[pending].status) == (
            "-", "Chưa ban hành", "Chưa đánh giá",
        )  # fmt: skip
    # The 2030 milestone is the national figure: shown, marked; nothing counted meanwhile.
    assert (rows["T8"].value, rows["T8"].target, rows["T8"].status) == (
        "-", "65,00% năm 2030 (tạm tính)", "Chưa đến mốc",
    )  # fmt: skip
    said = notes(tables, ref)
    assert said[0] == (
        "Các chỉ tiêu T1, T8 là mức tạm tính, chưa phải chỉ tiêu chính thức của tỉnh; nguồn: "
        "tạm tính theo chỉ tiêu quốc gia, NQ 257/2025/QH15 (11/12/2025)."
    )
    assert said[1].startswith("Chưa ban hành mức chỉ tiêu năm 2026, chưa đánh giá: T2 theo QĐ")
    assert "T3, T4 theo QĐ 51/2025/QĐ-TTg (29/12/2025), Tiêu chí 4" in said[1]
    assert said[2] == (
        "Kết quả đạt, chưa đạt chỉ tính theo chỉ tiêu T1 (tạm tính); chưa có chỉ tiêu cấp xã "
        "nào được ban hành nên chưa lập danh sách xã chưa đạt; các chỉ tiêu T2, T3, T4, T6, T7 "
        "chưa ban hành, chưa đánh giá."
    )


def test_a_target_without_a_verdict_still_shows_the_figure_behind_it(ref: Reference) -> None:
    """Issue 18: what was measured is shown; "-" only where no figure exists."""
    unjudged = {"threshold": None, "target_id": None, "attained": None, "target_status": None}
    indicators = [
        province("trained_labour_rate", 7892, 10000),
        commune("18001", "trained_labour_rate", 70, 100, None) | unjudged,
        commune("18002", "trained_labour_rate", 80, 100, None) | unjudged,
        commune("18001", "certified_labour_rate", 30, 100, None) | unjudged,
        province("communes_meeting_all_criteria", None, 2),  # type: ignore[arg-type]
    ]
    pace = PACE_2024 | {
        "base_year": 2025, "last_year": 2025, "base_rate": 435, "average_fall": None,
        "status": None, "projected_rate": None, "needed_fall": 100,
    }  # fmt: skip
    tables = tables_for(ref, Period(2026, 3), trend=[pace], indicators=indicators)
    rows = target_rows(tables, ref)
    # A commune target no threshold judges yet: the province's rate and who reported.
    assert rows["T3"].value == "78,92% toàn tỉnh; 2 xã có số liệu"
    assert rows["T3"].status == "Chưa đánh giá"
    assert rows["T4"].value == "1 xã có số liệu"  # no province row: the count alone
    # A share of all criteria with none set: the communes that reported what it is made of.
    assert rows["T8"].value == "2 xã có số liệu"
    # One year-end under the programme: the rate the pace will start from.
    assert rows["T1"].value == "4,35% cuối năm 2025 (năm gốc)"
    # Nothing measured at all: "-".
    assert rows["T6"].value == "-"


def test_the_band_beyond_zero_is_said_in_one_sentence(ref: Reference) -> None:
    """Issue 18: a band whose fall exceeds what is left says so (the chart stops at 0%)."""
    changes = frame(
        [{"unit_level": "province", "unit_code": "42", "year": 2025, "poor": 1, "near_poor": 1,
          "households": 1, "counted": 435, "fall": None, "method_break": False}],
        CHANGES_SCHEMA,
    ).with_columns(rate=pl.lit(435, pl.Int64))  # fmt: skip
    tables = judging_mod.with_rates(tables_for(ref, Period(2026, 3)))
    judging = judging_mod.judging_of(tables, ref)
    followed = judging_mod.followed_rate(tables.catalogue, ref.format.labels)
    pace = {"base_year": 2025}
    said = poverty_notes.beyond_zero_sentence(changes, pace, judging, followed)
    assert said == (
        "Mức giảm 1,0 - 1,5 điểm phần trăm/năm của chỉ tiêu (tạm tính) vượt tỷ lệ nghèo đa "
        "chiều còn lại (4,35% cuối năm 2025): giảm 1,50 điểm phần trăm/năm thì đến cuối năm "
        "2028 tỷ lệ nghèo đa chiều đã về 0%, giảm 1,00 điểm phần trăm/năm thì đến cuối năm "
        "2030 (giai đoạn kết thúc năm 2030); vùng mục tiêu trên biểu đồ dừng ở mức 0%."
    )
    # With more left than the band can take by 2030, nothing to say.
    plenty = changes.with_columns(rate=pl.lit(900, pl.Int64))
    assert poverty_notes.beyond_zero_sentence(plenty, pace, judging, followed) == ""
    # Only the faster fall reaches 0: the slower one is not named.
    some = changes.with_columns(rate=pl.lit(600, pl.Int64))
    said = poverty_notes.beyond_zero_sentence(some, pace, judging, followed)
    assert "đến cuối năm 2029 tỷ lệ nghèo đa chiều đã về 0% (giai đoạn" in said
    assert "1,00 điểm" not in said.split("còn lại")[1]


def test_a_pending_band_leaves_a_blank_and_judges_nothing(ref: Reference) -> None:
    catalogue = ref.catalogue_for(2026)
    assert catalogue is not None
    pending = with_band(catalogue, FallBand(None, None, "pending", "chương trình của tỉnh"))
    rows = target_rows(tables_for(ref, Period(2026, 3), catalogue=pending), ref)
    assert rows["T1"].label == "Tỷ lệ nghèo đa chiều giảm bình quân ... điểm phần trăm/năm"
    assert (rows["T1"].target, rows["T1"].status) == ("Chưa ban hành", "Chưa đánh giá")


def test_no_catalogue_no_targets_and_the_report_says_so(ref: Reference) -> None:
    tables = tables_for(ref, Period(2020, 4))
    assert not tables.covered and tables.catalogue.targets == ()
    judging = judging_mod.judging_of(tables, ref)
    section = q_targets.targets_section(
        judging_mod.with_rates(tables), None, judging, document.Captions()
    )
    assert section.rows == ()
    assert section.intro == (
        "Năm 2020 không thuộc giai đoạn của chương trình nào có bộ tiêu chí (các giai đoạn đã "
        "có bộ tiêu chí: 2021-2025, 2026-2030), nên chưa có chỉ tiêu để đánh giá: báo cáo nêu "
        "các tỷ lệ, xu hướng và danh sách theo số liệu, không đánh giá đạt hay chưa đạt chỉ "
        "tiêu.",
    )
    header = quarter_header(ref.report, judging, "quý IV năm 2020", date(2021, 1, 20))
    assert header.subject == (
        "Tình hình thực hiện các tiêu chí nông thôn mới thuộc lĩnh vực của ngành quý IV năm 2020"
    )
    assert "04-NQ/TU" not in header.basis  # the 2021-2025 programme's words are its own
    assert appendix_tables.appendix_header(
        "Nghèo đa chiều", "multidimensional_poverty_rate", judging
    ) == ("Nghèo đa chiều")
    assert labour.chart_threshold(judging, "trained_labour_rate") == (None, False)


def test_the_subject_and_basis_are_the_programmes(ref: Reference) -> None:
    for year, words in ((2024, "04-NQ/TU"), (2026, "257/2025/QH15")):
        judging = judging_mod.judging_of(tables_for(ref, Period(year, 4)), ref)
        header = quarter_header(ref.report, judging, f"quý IV năm {year}", date(year, 12, 31))
        assert words in header.basis and header.subject.endswith(f"quý IV năm {year}")


# --- what the poverty section follows, and the labour chart's line --------------------------


def test_the_poverty_trend_follows_the_rate_the_band_judges(ref: Reference) -> None:
    labels = ref.format.labels
    followed = {
        year: judging_mod.followed_rate(tables_for(ref, Period(year, 4)).catalogue, labels)
        for year in (2020, 2024, 2026)
    }
    assert (followed[2024].short, followed[2024].count_header) == ("Tỷ lệ hộ nghèo", "Số hộ nghèo")
    assert (followed[2026].short, followed[2026].count_header) == (
        "Tỷ lệ nghèo đa chiều", "Số hộ nghèo và cận nghèo",
    )  # fmt: skip
    assert followed[2026].name == "Tỷ lệ nghèo đa chiều (hộ nghèo và cận nghèo)"
    assert followed[2020].short == "Tỷ lệ hộ nghèo"  # no band: the poor-household rate


def change(year: int, counted: int, households: int, fall: int | None) -> dict[str, Any]:
    return {
        "unit_level": "province", "unit_code": "42", "year": year, "poor": counted,
        "near_poor": 0, "households": households, "counted": counted, "fall": fall,
        "method_break": False,
    }  # fmt: skip


def test_a_fall_is_judged_against_the_band_of_its_own_programme_only(ref: Reference) -> None:
    changes = [change(2024, 544, 10000, None), change(2025, 435, 10000, 109)]
    said = {}
    for year in (2025, 2026):
        tables = judging_mod.with_rates(tables_for(ref, Period(year, 4), changes=changes))
        followed = judging_mod.followed_rate(tables.catalogue, ref.format.labels)
        judging = judging_mod.judging_of(tables, ref)
        said[year] = poverty_block.last_change_sentence(tables.changes, judging, followed)
    # 2025 is judged by the band of 2021-2025 (0,6 - 1,0): a fall of 1,09 is above it.
    assert said[2025] == (
        "Tỷ lệ hộ nghèo toàn tỉnh giảm từ 5,44% (cuối năm 2024) xuống 4,35% (cuối năm 2025), "
        "giảm 1,09 điểm phần trăm, vượt chỉ tiêu đề ra."
    )
    # The band of 2026-2030 does not judge the fall of 2025; the rate is the one it follows.
    assert said[2026] == (
        "Tỷ lệ nghèo đa chiều (hộ nghèo và cận nghèo) toàn tỉnh giảm từ 5,44% (cuối năm 2024) "
        "xuống 4,35% (cuối năm 2025), giảm 1,09 điểm phần trăm."
    )


def test_the_labour_chart_line_is_the_lowest_official_or_provisional_threshold(
    ref: Reference,
) -> None:
    judging = judging_mod.judging_of(tables_for(ref, Period(2024, 4)), ref)
    assert labour.chart_threshold(judging, "trained_labour_rate") == (7000, False)
    judging = judging_mod.judging_of(tables_for(ref, Period(2026, 3)), ref)
    assert labour.chart_threshold(judging, "trained_labour_rate") == (None, False)
    catalogue = ref.catalogue_for(2026)
    assert catalogue is not None
    provisional = catalogue.thresholds.with_columns(
        threshold=pl.when(pl.col("indicator") == "trained_labour_rate")
        .then(pl.col("commune_class").str.head(1).cast(pl.Int64) * 100 + 6000)
        .otherwise(pl.col("threshold")),
        status=pl.when(pl.col("indicator") == "trained_labour_rate")
        .then(pl.lit("provisional"))
        .otherwise(pl.col("status")),
    )
    changed = dataclasses.replace(catalogue, thresholds=provisional)
    judging = judging_mod.judging_of(tables_for(ref, Period(2026, 3), catalogue=changed), ref)
    assert labour.chart_threshold(judging, "trained_labour_rate") == (6100, True)


# --- 69 communes and wards, today's units, divided units ------------------------------------


def test_the_reporting_units_since_communes_report_directly(ref: Reference) -> None:
    today = judging_mod.Units.of(tables_for(ref, Period(2026, 3)), ref)
    assert (today.communes, today.words, today.breakdown, today.direct) == (
        69, "xã, phường", "60 xã, 9 phường", True,
    )  # fmt: skip
    completeness = pl.DataFrame({"unit_code": [str(i) for i in range(69)]})
    assert data_basis.reporting_units(completeness, today, listed=True) == (
        "Từ ngày 01/07/2025, đơn vị hành chính cấp huyện kết thúc hoạt động, các xã, phường "
        "báo cáo trực tiếp: đơn vị báo cáo của kỳ này là 69 xã, phường (60 xã, 9 phường); số "
        "liệu chi tiết tại phụ lục được lập theo từng xã, phường.",
    )
    assert appendix_tables.appendix_title("Tỉnh Hà Tĩnh", today) == (
        "Số liệu từng xã, phường của Tỉnh Hà Tĩnh"
    )
    before = judging_mod.Units.of(tables_for(ref, Period(2024, 4)), ref)
    assert (before.communes, before.words, before.direct) == (216, "xã, phường, thị trấn", False)
    assert data_basis.reporting_units(completeness, before, listed=True) == ()
    assert appendix_tables.appendix_title("Huyện Vũ Quang", before) == "Huyện Vũ Quang"


def test_a_trend_on_todays_units_says_so_and_footnotes_the_divided_units(ref: Reference) -> None:
    changes = [change(2024, 20985, 385720, None), change(2025, 16839, 386902, 109)]
    tables = tables_for(ref, Period(2026, 3), changes=changes, divided=["18073", "18823"])
    units = judging_mod.Units.of(tables, ref)
    footnote = poverty_block.divided_footnote(tables, ref)
    assert footnote == (
        "(*) Phường Đại Nài và Xã Kỳ Lợi (đơn vị cũ) được chia cho nhiều đơn vị mới từ ngày "
        "01/07/2025; số liệu của mỗi đơn vị này không thể tách theo từng phần đã chia nên được "
        "tính trọn vào đơn vị kế thừa mặc định: Phường Đại Nài vào Phường Thành Sen, Xã Kỳ Lợi "
        "vào Phường Vũng Áng."
    )
    said = poverty_block.trend_units(tables, ref, units, tables.changes, marked=True)
    assert said == (
        "Số liệu cuối năm 2024 được tính lại theo 69 xã, phường hiện nay (*): số liệu của mỗi "
        "đơn vị cũ được cộng vào đơn vị kế thừa theo các lần sắp xếp đơn vị hành chính, để so "
        "sánh trên cùng địa bàn.",
    )
    # On the units of its own year-ends, a trend needs neither.
    same = tables_for(ref, Period(2024, 4), changes=[change(2023, 1, 2, None)])
    assert poverty_block.trend_units(same, ref, units, same.changes, marked=False) == ()
    assert poverty_block.divided_footnote(same, ref) == ""


def test_a_commune_whose_rise_rests_on_a_divided_unit_is_marked(ref: Reference) -> None:
    rising = {
        "unit_code": "18073", "unit_name": "Phường Thành Sen", "reason": "poverty_rising",
        "indicator": "poor_rate", "target_id": "T1", "numerator": 10, "denominator": 1000,
        "threshold": None, "fall": -5,
    }  # fmt: skip
    tables = tables_for(ref, Period(2026, 4), off_track=[rising], divided=["18073"])
    missing = {
        "commune_code": pl.String, "commune_name": pl.String, "reporting_unit": pl.String,
        "reason": pl.String,
    }  # fmt: skip
    tables = dataclasses.replace(
        tables,
        late_or_incomplete=pl.DataFrame(schema={"unit_name": pl.String, "reason": pl.String}),
        without_data=pl.DataFrame(schema=missing),
    )
    judging = judging_mod.judging_of(tables, ref)
    units = judging_mod.Units.of(tables, ref)
    followup = pl.DataFrame(schema={c: pl.String for c in FOLLOWUP_COLUMNS})
    assessment = q_assessment.assessment_section(tables, followup, {}, judging)
    # The trend of 2026-2030 follows the multidimensional rate: the list names that rate.
    assert [row.targets for row in assessment.off_track] == ["Tỷ lệ nghèo đa chiều tăng (*)"]
    footnote = poverty_block.divided_footnote(tables, ref)
    lists = q_appendices.commune_lists(tables, True, judging, units, footnote)
    assert lists.footnotes == (footnote,) and "Phường Thành Sen" in footnote
    assert lists.basis[0].startswith("Kết quả đạt, chưa đạt chỉ tính theo")
    assert q_appendices.commune_lists(tables, True, judging, units, "").footnotes == ()


def test_class_labels_and_appendix_headers_are_the_catalogues(ref: Reference) -> None:
    for year, label in ((2024, "NTM nâng cao"), (2026, "Nhóm 2 - NTM hiện đại")):
        tables = tables_for(ref, Period(year, 4))
        judging = judging_mod.judging_of(tables, ref)
        row = {"unit_code": "1", "unit_name": "Xã A", "poor_rate": None}
        row["commune_class"] = "advanced" if year == 2024 else "2/modern"
        shown = appendix_tables.commune_row(row, ["poor_rate"], tables.catalogue)
        assert shown.commune_class == label
        assert appendix_tables.appendix_header(
            "Lao động qua đào tạo", "trained_labour_rate", judging
        ) == ("Lao động qua đào tạo (T3)")


@pytest.mark.parametrize(
    ("years", "words"),
    [
        ([2024], "năm 2024"),
        ([2022, 2023, 2024], "các năm 2022 - 2024"),
        ([2020, 2022], "các năm 2020, 2022"),
    ],
)
def test_years_are_named_as_a_span_or_a_list(years: list[int], words: str) -> None:
    assert report_words.years_words(years) == words


@pytest.mark.parametrize(
    "columns",
    [q_poverty.POVERTY_RATES, labour.LABOUR_RATES, social.SOCIAL_RATES],
    ids=["poverty", "labour", "social"],
)
def test_a_rate_table_has_a_cell_under_each_header_in_its_order(ref, columns):
    rows = [
        {"unit_code": code, "unit_name": code, "unit_level": level, "indicator": indicator,
         "numerator": 1 + i + offset, "denominator": 100, "threshold": None, "target_id": None,
         "attained": None, "target_status": None}
        for offset, (code, level) in enumerate((("441", "district"), ("42", "province")))
        for i, (_, indicator) in enumerate(columns)
    ]  # fmt: skip
    tables = judging_mod.with_rates(tables_for(ref, Period(2024, 4), indicators=rows))
    table = district_rates.by_district(tables, columns, {"441": "Huyện Vũ Quang", "42": "Tỉnh"})
    assert table.columns == tuple(header for header, _ in columns)
    # Column i holds the indicator of header i: 1 + i hundredths of a percent in 441.
    assert [row.unit for row in table.rows] == ["Huyện Vũ Quang", "Tỉnh"]
    assert table.rows[0].cells == tuple(f"{i + 1},00%" for i in range(len(columns)))
    assert table.rows[1].cells == tuple(f"{i + 2},00%" for i in range(len(columns)))


def test_a_count_of_one_to_four_households_below_the_province_reads_less_than_five() -> None:
    """Issue 19: a commune's profile never tells a household apart."""
    assert [report_words.small_count(n) for n in (None, 0, 1, 4, 5, 1234)] == [
        "-", "0", "< 5", "< 5", "5", "1.234",
    ]  # fmt: skip
    frame = pl.DataFrame(
        {"unit_level": ["commune", "commune", "commune", "province"], "deprived": [0, 3, 7, 3]}
    )
    masked = exports.small_counts(frame, ["deprived"])
    assert masked["deprived"].to_list() == ["0", "< 5", "7", "3"]  # the province: whole


def test_without_a_baseline_review_the_report_says_2027_cannot_be_judged(ref: Reference) -> None:
    """Issue 19: never compared across standards; the report says why not."""
    row = {"poor": 1, "near_poor": 1, "households": 100, "counted": 2, "fall": None,
           "method_break": False, "standard": "cũ", "bridge": False}  # fmt: skip
    schema = CHANGES_SCHEMA | {"standard": pl.String, "bridge": pl.Boolean}
    rows = [
        row | {"unit_level": "province", "unit_code": "42", "year": 2026},
        row | {"unit_level": "commune", "unit_code": "18073", "year": 2026},
        row | {"unit_level": "commune", "unit_code": "18100", "year": 2026},
        row | {"unit_level": "commune", "unit_code": "18073", "year": 2026, "bridge": True,
               "standard": "mới"},
    ]  # fmt: skip
    tables = tables_for(ref, Period(2026, 4))
    tables = dataclasses.replace(tables, changes=frame(rows, schema))
    judging = judging_mod.judging_of(tables, ref)
    followed = judging_mod.followed_rate(tables.catalogue, ref.format.labels)
    bridge = tables.changes.filter(pl.col("bridge") & (pl.col("unit_level") == "province"))
    notes = poverty_notes.bridge_notes(tables, judging, followed, bridge)
    assert notes[0].startswith("Chưa có kết quả rà soát đầu kỳ theo chuẩn nghèo mới cuối năm 2026")
    assert (
        "năm 2027 chưa đánh giá được theo chỉ tiêu (không so sánh giữa hai chuẩn nghèo)"
        in (notes[0])
    )
    assert notes[1].startswith("1/2 xã chưa có kết quả rà soát đầu kỳ: ")
    assert notes[1].endswith("; năm 2027 các xã này chưa đánh giá được mức giảm.")
    # Before the bridge year (2025-Q4) nothing is said.
    before = dataclasses.replace(tables_for(ref, Period(2025, 4)), changes=frame(
        [r | {"year": 2025} for r in rows[:1]], schema))  # fmt: skip
    assert poverty_notes.bridge_notes(before, judging, followed, bridge.clear()) == ()
