"""The committee report's context: every figure and sentence, formatted, before any template.

Templates only place what is here (report_templates/ holds no arithmetic). Numbers come from
``ntm.indicators.PeriodTables``; they are formatted with ``ntm.report.vi``; sentences follow the
register of the department's action programme. What the template receives is typed: the
sections of ``ntm.report.sections``.
"""

from __future__ import annotations

import base64
import dataclasses
from datetime import date
from typing import Any

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.reference import Reference, ReportConfig
from ntm.report import charts, vi
from ntm.report.sections import (
    Appendix,
    Assessment,
    BelowTargetRow,
    Closing,
    CommuneLists,
    CommuneRow,
    DataSection,
    FlowRow,
    Header,
    LabourSection,
    LateRow,
    MissingRow,
    OffTrackRow,
    PovertySection,
    PovertyYearRow,
    ProblemRow,
    Provenance,
    ProvenanceRow,
    RateRow,
    RateTable,
    Report,
    SocialSection,
    SubmissionRow,
    TargetRow,
)
from transforms.rates import hundredths

TIER_VI = {"ntm": "NTM", "advanced": "NTM nâng cao", "model": "NTM kiểu mẫu"}
STATUS_VI = {"behind": "Chưa đạt", "on_track": "Đạt", "ahead": "Vượt"}
TARGETS_VI = {
    "T1": "Tỷ lệ hộ nghèo giảm bình quân 0,6 - 1,0 điểm phần trăm/năm",
    "T2": "Xã NTM, NTM nâng cao có tỷ lệ nghèo đa chiều bằng hoặc dưới mức của vùng",
    "T3": "Xã đạt tỷ lệ lao động qua đào tạo (NTM ≥ 70%, nâng cao ≥ 75%)",
    "T4": "Xã đạt tỷ lệ lao động có bằng cấp, chứng chỉ (NTM ≥ 30%, nâng cao ≥ 35%)",
    "T5": "Tỷ lệ số xã đạt chỉ tiêu lao động qua đào tạo (70% đến hết 2023, 100% năm 2025)",
    "T6": "Xã có ít nhất 30% phụ nữ tham gia HTX, tổ hợp tác, mô hình liên kết",
    "T7": "Xã có 100% vụ trẻ em bị xâm hại được phát hiện, trợ giúp, xử lý kịp thời",
    "T8": "Tỷ lệ xã đạt tất cả tiêu chí của ngành (100% năm 2025)",
}
REJECT_KIND_VI = {"rejected": "Trả lại cả tệp", "quarantined": "Chưa nhận dòng xã"}
LATE_VI = {
    "not_received": "Chưa gửi báo cáo",
    "late": "Gửi chậm hạn",
    "incomplete": "Thiếu số liệu xã",
    "late_and_incomplete": "Gửi chậm, thiếu số liệu xã",
}

# Tables with a column per indicator: (header, indicator), headers and cells made from one list.
Columns = tuple[tuple[str, str], ...]
POVERTY_RATES: Columns = (
    ("Tỷ lệ hộ nghèo", "poor_rate"),
    ("Tỷ lệ hộ cận nghèo", "near_poor_rate"),
    ("Tỷ lệ nghèo đa chiều", "multidimensional_poverty_rate"),
)
LABOUR_RATES: Columns = (
    ("Tỷ lệ lao động qua đào tạo", "trained_labour_rate"),
    ("Tỷ lệ có bằng cấp, chứng chỉ", "certified_labour_rate"),
)
SOCIAL_RATES: Columns = (
    ("Tỷ lệ phụ nữ tham gia HTX, tổ hợp tác, mô hình liên kết", "women_coop_share"),
    ("Tỷ lệ vụ trẻ em bị xâm hại được xử lý kịp thời", "child_abuse_handled_rate"),
)
APPENDIX_RATES: Columns = (
    ("Tỷ lệ hộ nghèo", "poor_rate"),
    ("Nghèo đa chiều (T2)", "multidimensional_poverty_rate"),
    ("Lao động qua đào tạo (T3)", "trained_labour_rate"),
    ("Có bằng cấp, chứng chỉ (T4)", "certified_labour_rate"),
    ("Phụ nữ tham gia HTX (T6)", "women_coop_share"),
    ("Xử lý vụ xâm hại trẻ em (T7)", "child_abuse_handled_rate"),
)

# A bar per district reads well up to a few dozen (a province has at most ~30 districts); a
# national run's 700 bars would be an unreadable chart that takes matplotlib ~10 s to draw.
CHART_MAX_UNITS = 60


def _svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _value(frame: pl.DataFrame, level: str, code: str | None, indicator: str) -> dict[str, Any]:
    """One exact indicator row as a dict, or an empty dict."""
    wanted = (pl.col("unit_level") == level) & (pl.col("indicator") == indicator)
    if code is not None:
        wanted &= pl.col("unit_code") == code
    found = frame.filter(wanted)
    return found.row(0, named=True) if found.height else {}


def _rate(row: dict[str, Any]) -> int | None:
    """The row's rate in hundredths (precomputed by ``_with_rates``), or None."""
    return row.get("rate") if row else None


def _rated(
    frame: pl.DataFrame, numerator: str = "numerator", denominator: str = "denominator"
) -> pl.DataFrame:
    """``frame`` with ``rate``: numerator / denominator in hundredths of a percent."""
    return frame.with_columns(rate=hundredths(pl.col(numerator), pl.col(denominator)))


def _with_rates(tables: PeriodTables) -> PeriodTables:
    """Every table the report quotes, with its rate in hundredths computed once, set-wise."""
    return dataclasses.replace(
        tables,
        indicators=_rated(tables.indicators),
        changes=_rated(tables.changes, "poor", "households"),
        off_track=_rated(tables.off_track),
    )


def _verdict(fall: int | None, band: tuple[int, int]) -> str:
    if fall is None:
        return ""
    if fall <= 0:
        return "chưa đạt chỉ tiêu đề ra"
    if fall < band[0]:
        return "thấp hơn mức giảm bình quân 0,6 - 1,0 điểm phần trăm/năm của chỉ tiêu"
    if fall > band[1]:
        return "vượt chỉ tiêu đề ra"
    return "đạt chỉ tiêu đề ra"


def build_report(
    tables: PeriodTables,
    last_year: pl.DataFrame | None,
    problems: pl.DataFrame,
    provenance: pl.DataFrame,
    ref: Reference,
    config: ReportConfig,
    today: date,
    run_id: str,
    software: str,
) -> Report:
    """Everything the template shows, formatted. ``last_year``: the indicators of the same
    quarter a year earlier (for the "so với cùng kỳ" column), or None."""
    tables = _with_rates(tables)
    if last_year is not None:
        last_year = _rated(last_year)
    period = tables.period
    quarter = vi.quarter(period.year, period.quarter)
    names = ref.registry.select("unit_code", "unit_name").unique("unit_code", keep="last")
    name_of = dict(names.iter_rows())
    band = tables.catalogue.fall_band
    # Commune by commune, the PDF stays readable (and its render bounded) up to a province's
    # size; above it, the lists are in the XLSX twin, which always has every commune.
    communes = tables.units.filter(pl.col("unit_level") == "commune").height
    listed = communes <= int(config.values["pdf_max_communes"])
    return Report(
        header=_header(config, quarter, today),
        quarter=quarter,
        data_section=_data_section(tables, problems, name_of),
        targets=_targets(tables, last_year, band),
        attainment_chart=_attainment_chart(tables),
        poverty=_poverty(tables, band, name_of),
        labour=_labour(tables, name_of),
        social=_social(tables, name_of),
        assessment=_assessment(tables, name_of),
        closing=_closing(config),
        commune_lists=_commune_lists(tables, listed),
        appendices=_appendices(tables) if listed else (),
        provenance=_provenance(tables, provenance, name_of, today, run_id, software),
    )


def build_context(
    tables: PeriodTables,
    last_year: pl.DataFrame | None,
    problems: pl.DataFrame,
    provenance: pl.DataFrame,
    ref: Reference,
    config: ReportConfig,
    today: date,
    run_id: str,
    software: str,
) -> dict[str, object]:
    """The template's names: the sections of ``build_report``, each a typed dataclass."""
    report = build_report(
        tables, last_year, problems, provenance, ref, config, today, run_id, software
    )
    return report.template_names()


def _header(config: ReportConfig, quarter: str, today: date) -> Header:
    return Header(
        superior_body=config.text("superior_body"),
        issuing_committee=config.text("issuing_committee"),
        party=config.text("party"),
        number_line=config.text("number_line"),
        place_date=f"{config.text('place')}, {vi.long_date(today)}",
        title=config.text("title"),
        subject=config.text("subject", quarter=quarter),
        basis=config.text("basis", quarter=quarter),
    )


def _closing(config: ReportConfig) -> Closing:
    return Closing(
        recipients=tuple(config.values["recipients"]),
        on_behalf=config.text("signature_on_behalf"),
        title=config.text("signature_title"),
        name=config.text("signature_name"),
    )


def _provenance(
    tables: PeriodTables,
    provenance: pl.DataFrame,
    name_of: dict[str, str],
    today: date,
    run_id: str,
    software: str,
) -> Provenance:
    rows = tuple(
        ProvenanceRow(
            unit=f"{r['unit_code']} {name_of.get(r['unit_code'], '')}",
            version=str(r["version"]),
            sha=r["content_sha256"][:16],
            file=r["file_name"],
            received=vi.short_date(r["received_at"].date()),
        )
        for r in provenance.iter_rows(named=True)
    )
    return Provenance(
        rows=rows,
        run_id=run_id,
        software=software,
        generated_on=vi.short_date(today),
        programme=tables.catalogue.programme,
    )


# --- I. data of the quarter ----------------------------------------------------------------


def _data_section(
    tables: PeriodTables, problems: pl.DataFrame, name_of: dict[str, str]
) -> DataSection:
    c = tables.completeness
    return DataSection(
        summary=_data_summary(c),
        rows=tuple(_submission_row(r) for r in c.iter_rows(named=True)),
        problems=tuple(_problem_row(r, name_of) for r in problems.iter_rows(named=True)),
    )


def _data_summary(c: pl.DataFrame) -> str:
    received = int(c["received"].sum())
    on_time = int(c["on_time"].fill_null(False).sum())
    accepted = int(c["communes_accepted"].sum())
    expected = int(c["communes_expected"].sum())
    return (
        f"Đã nhận báo cáo của {received}/{c.height} đơn vị ({on_time} đơn vị đúng hạn, "
        f"{received - on_time} đơn vị chậm hạn); {vi.count(accepted)}/{vi.count(expected)} xã, "
        f"phường, thị trấn có số liệu hợp lệ."
    )


def _submission_row(r: dict[str, Any]) -> SubmissionRow:
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


def _problem_row(r: dict[str, Any], name_of: dict[str, str]) -> ProblemRow:
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


# --- II.1 targets --------------------------------------------------------------------------


def _targets(
    tables: PeriodTables, last_year: pl.DataFrame | None, band: tuple[int, int]
) -> tuple[TargetRow, ...]:
    ind = tables.indicators
    trend = tables.trend.filter(pl.col("unit_level") == "province")
    pace = (_pace_row(trend.row(0, named=True), band),) if trend.height else ()
    return (
        *pace,
        _commune_count_row(ind, "multidimensional_poverty_rate", "T2"),
        _commune_count_row(ind, "trained_labour_rate", "T3"),
        _commune_count_row(ind, "certified_labour_rate", "T4"),
        _province_share_row(ind, last_year, "communes_meeting_trained_labour", "T5"),
        _commune_count_row(ind, "women_coop_share", "T6"),
        _commune_count_row(ind, "child_abuse_handled_rate", "T7"),
        _province_share_row(ind, last_year, "communes_meeting_all_criteria", "T8"),
    )


def _pace_row(t: dict[str, Any], band: tuple[int, int]) -> TargetRow:
    """T1: the province's average yearly fall of the poor-household rate, against the band."""
    return TargetRow(
        id="T1",
        label=TARGETS_VI["T1"],
        value=f"{vi.hundredths(t['average_fall'])} điểm %/năm"
        if t["average_fall"] is not None
        else "-",
        target=f"{vi.hundredths(band[0])} - {vi.hundredths(band[1])}",
        status=STATUS_VI.get(t["status"] or "", "Chưa đủ số liệu"),
        change=f"từ cuối năm {t['base_year']} đến cuối năm {t['last_year']}",
    )


def _commune_count_row(ind: pl.DataFrame, indicator: str, target: str) -> TargetRow:
    """A commune-level target: how many of the communes it applies to meet it."""
    rows = ind.filter(
        (pl.col("unit_level") == "commune")
        & (pl.col("indicator") == indicator)
        & pl.col("attained").is_not_null()
    )
    met = int(rows["attained"].sum())
    status = "Đạt" if met == rows.height and rows.height else "Chưa đạt"
    if not rows.height:
        status = "Không có xã thuộc diện"
    return TargetRow(
        id=target,
        label=TARGETS_VI[target],
        value=f"{met}/{rows.height} xã",
        target="100% số xã",
        status=status,
        change="",
    )


def _province_share_row(
    ind: pl.DataFrame, last_year: pl.DataFrame | None, indicator: str, target: str
) -> TargetRow:
    """A province-level share of communes, against its milestone and the same quarter last year."""
    row = _value(ind, "province", None, indicator)
    before = _value(last_year, "province", None, indicator) if last_year is not None else {}
    now, then = _rate(row), _rate(before)
    return TargetRow(
        id=target,
        label=TARGETS_VI[target],
        value=f"{vi.percent(now)} ({row.get('numerator', 0)}/{row.get('denominator', 0)} xã)",
        target=vi.percent(row.get("threshold")) if row.get("threshold") else "Chưa đến mốc",
        status="-" if row.get("attained") is None else ("Đạt" if row["attained"] else "Chưa đạt"),
        change="-" if now is None or then is None else _signed_points(now - then),
    )


def _attainment_chart(tables: PeriodTables) -> str:
    """Shares of rural communes meeting each commune-level target (T2, T3, T4, T6, T7)."""
    labels = {
        "multidimensional_poverty_rate": "T2 Nghèo đa chiều",
        "trained_labour_rate": "T3 Lao động qua đào tạo",
        "certified_labour_rate": "T4 Lao động có bằng cấp, chứng chỉ",
        "women_coop_share": "T6 Phụ nữ tham gia HTX",
        "child_abuse_handled_rate": "T7 Xử lý vụ xâm hại trẻ em",
    }
    assessed = tables.indicators.filter(
        (pl.col("unit_level") == "commune")
        & pl.col("indicator").is_in(list(labels))
        & pl.col("attained").is_not_null()
    )
    if assessed.is_empty():
        return ""
    frame = (
        assessed.group_by("indicator")
        .agg(met=pl.col("attained").sum().cast(pl.Int64), total=pl.len().cast(pl.Int64))
        .with_columns(
            order=pl.col("indicator").replace_strict({k: i for i, k in enumerate(labels)}),
            label=pl.col("indicator").replace_strict(labels),
        )
        .sort("order")
    )
    return _svg_uri(charts.attainment_svg(frame.select("label", "met", "total")))


def _signed_points(value: int) -> str:
    if value == 0:
        return "không đổi"
    return f"{'tăng' if value > 0 else 'giảm'} {vi.points(value)}"


# --- II.2 poverty --------------------------------------------------------------------------


def _poverty(
    tables: PeriodTables, band: tuple[int, int], name_of: dict[str, str]
) -> PovertySection:
    changes = tables.changes.filter(pl.col("unit_level") == "province").sort("year")
    trend = tables.trend.filter(pl.col("unit_level") == "province")
    t = trend.row(0, named=True) if trend.height else None
    last_year = tables.catalogue.last_year
    return PovertySection(
        sentence=_poverty_sentence(changes, t, band, last_year) if changes.height else "",
        chart=_poverty_chart(changes, t, band, last_year) if changes.height else "",
        series=tuple(_poverty_year_row(r) for r in changes.iter_rows(named=True)),
        flows=_flow_rows(tables.flows, name_of),
        districts=_by_district(tables, POVERTY_RATES, name_of),
    )


def _poverty_year_row(r: dict[str, Any]) -> PovertyYearRow:
    """A row of ``PeriodTables.changes`` (with its rate): the province at the end of a year."""
    return PovertyYearRow(
        year=str(r["year"]),
        poor=vi.count(r["poor"]),
        households=vi.count(r["households"]),
        rate=vi.percent(r["rate"]),
        fall=(_signed_points(-r["fall"]) if r["fall"] is not None else "-")
        + (" (đổi chuẩn nghèo)" if r["method_break"] else ""),
    )


def _poverty_sentence(
    changes: pl.DataFrame, t: dict[str, Any] | None, band: tuple[int, int], last_year: int
) -> str:
    """The last year's change against the band, then the average pace and where it leads."""
    sentence = _last_change_sentence(changes, band)
    if t is not None and t["average_fall"] is not None:
        sentence += _pace_sentence(t, last_year)
    return sentence


def _last_change_sentence(changes: pl.DataFrame, band: tuple[int, int]) -> str:
    """How the rate moved from the year before to the last year ("" with a single year)."""
    last = changes.row(-1, named=True)
    if changes.height <= 1 or last["fall"] is None:
        return ""
    prev = changes.row(-2, named=True)
    movement = "giảm" if last["fall"] > 0 else "tăng"
    sentence = (
        f"Tỷ lệ hộ nghèo toàn tỉnh {movement} từ {vi.percent(prev['rate'])} (cuối năm "
        f"{prev['year']}) xuống {vi.percent(last['rate'])} (cuối năm {last['year']}), "
        f"{movement} {vi.points(last['fall'])}, {_verdict(last['fall'], band)}."
    )
    return sentence.replace(" xuống ", " lên ") if movement == "tăng" else sentence


def _pace_sentence(t: dict[str, Any], last_year: int) -> str:
    """The average yearly fall since the base year and, at that pace, the programme's end."""
    sentence = (
        f" Bình quân từ cuối năm {t['base_year']} giảm {vi.points(t['average_fall'])}/năm"
        f" ({STATUS_VI[t['status']].lower()} so với chỉ tiêu)"
    )
    if t["projected_rate"] is not None:
        sentence += (
            f"; nếu giữ tốc độ này, đến cuối năm {last_year} tỷ lệ hộ "
            f"nghèo còn khoảng {vi.percent(max(t['projected_rate'], 0))}, cần giảm "
            f"{vi.points(max(t['needed_fall'], 0))}/năm để đạt mức tối thiểu của chỉ tiêu"
        )
    return sentence + "."


def _poverty_chart(
    changes: pl.DataFrame, t: dict[str, Any] | None, band: tuple[int, int], last_year: int
) -> str:
    """The year-end rates (hundredths) with the band, the projection and changes of standard."""
    rated = changes.filter(pl.col("rate").is_not_null())
    projection = None
    if t is not None and t["projected_rate"] is not None:
        projection = (last_year, max(t["projected_rate"], 0))
    breaks = [int(year) for year in changes.filter(pl.col("method_break"))["year"]]
    series = rated.select(pl.col("year").cast(pl.Int64), pl.col("rate").cast(pl.Int64))
    return _svg_uri(charts.poverty_trend_svg(series, band, projection, breaks))


def _flow_rows(flows: pl.DataFrame, name_of: dict[str, str]) -> tuple[FlowRow, ...]:
    """Poor and near-poor households by district, then the province."""
    ordered = flows.filter(pl.col("unit_level") != "commune").sort(
        pl.col("unit_level") == "province", "unit_code"
    )
    return tuple(
        FlowRow(
            unit=name_of.get(r["unit_code"], r["unit_code"]),
            poor_start=vi.count(r["poor_start"]),
            poor_exited=vi.count(r["poor_exited"]),
            poor_returned=vi.count(r["poor_returned"]),
            poor_new=vi.count(r["poor_new"]),
            poor_end=vi.count(r["poor_end"]),
            near_poor_start=vi.count(r["near_poor_start"]),
            near_poor_end=vi.count(r["near_poor_end"]),
        )
        for r in ordered.iter_rows(named=True)
    )


def _by_district(tables: PeriodTables, columns: Columns, name_of: dict[str, str]) -> RateTable:
    """One row per district (or, after districts are abolished, the province alone), one
    column per (header, indicator) of ``columns``.

    The rates are looked up in one pass over the frame, not with a filter per cell.
    """
    ind = tables.indicators.filter(pl.col("unit_level") != "commune")
    rates: dict[tuple[str, str], int | None] = {}
    for code, indicator, rate in ind.select("unit_code", "indicator", "rate").iter_rows():
        rates.setdefault((code, indicator), rate)  # the first row, as ``_value`` would take
    codes = ind.sort(pl.col("unit_level") == "province", "unit_code")["unit_code"]
    rows = tuple(
        RateRow(
            unit=name_of.get(code, code),
            cells=tuple(vi.percent(rates.get((code, indicator))) for _, indicator in columns),
        )
        for code in codes.unique(maintain_order=True)
    )
    return RateTable(columns=tuple(header for header, _ in columns), rows=rows)


# --- II.3 labour, II.4 gender and children -------------------------------------------------


def _labour(tables: PeriodTables, name_of: dict[str, str]) -> LabourSection:
    below = tables.off_track.filter(
        pl.col("indicator").is_in(["trained_labour_rate", "certified_labour_rate"])
    )
    return LabourSection(
        sentence=_labour_sentence(tables.indicators),
        chart=_labour_chart(tables),
        districts=_by_district(tables, LABOUR_RATES, name_of),
        below=tuple(_below_target_row(r) for r in below.iter_rows(named=True)),
    )


def _labour_sentence(ind: pl.DataFrame) -> str:
    trained = _value(ind, "province", None, "trained_labour_rate")
    certified = _value(ind, "province", None, "certified_labour_rate")
    share = _value(ind, "province", None, "communes_meeting_trained_labour")
    share_c = _value(ind, "province", None, "communes_meeting_certified_labour")
    return (
        f"Tỷ lệ lao động có việc làm qua đào tạo toàn tỉnh đạt {vi.percent(_rate(trained))}, "
        f"trong đó có bằng cấp, chứng chỉ {vi.percent(_rate(certified))}. Có "
        f"{share.get('numerator', 0)}/{share.get('denominator', 0)} xã "
        f"({vi.percent(_rate(share))}) đạt chỉ tiêu tỷ lệ lao động qua đào tạo và "
        f"{share_c.get('numerator', 0)}/{share_c.get('denominator', 0)} xã "
        f"({vi.percent(_rate(share_c))}) đạt chỉ tiêu lao động có bằng cấp, chứng chỉ."
    )


def _labour_chart(tables: PeriodTables) -> str:
    """The trained-labour rate by district ("" for none, or too many to read as bars)."""
    districts = tables.indicators.filter(
        (pl.col("unit_level") == "district") & (pl.col("indicator") == "trained_labour_rate")
    )
    if not 0 < districts.height <= CHART_MAX_UNITS:
        return ""
    return _svg_uri(
        charts.rates_by_unit_svg(
            districts.select("unit_name", value=pl.col("rate")),
            "Tỷ lệ lao động qua đào tạo (%)",
            7000,
        )
    )


def _below_target_row(r: dict[str, Any]) -> BelowTargetRow:
    """A row of ``PeriodTables.off_track`` for a labour indicator."""
    return BelowTargetRow(
        commune=f"{r['unit_name']} ({r['unit_code']})",
        indicator="Qua đào tạo"
        if r["indicator"] == "trained_labour_rate"
        else "Bằng cấp, chứng chỉ",
        value=vi.percent(_rate(r)),
        target=vi.percent(r["threshold"]),
    )


def _social(tables: PeriodTables, name_of: dict[str, str]) -> SocialSection:
    ind = tables.indicators
    women = _value(ind, "province", None, "women_coop_share")
    cases = _value(ind, "province", None, "child_abuse_handled_rate")
    supported = _value(ind, "province", None, "child_abuse_supported_rate")
    child = (
        "Trong kỳ không phát hiện vụ việc trẻ em bị xâm hại."
        if not cases.get("denominator")
        else (
            f"Phát hiện {cases['denominator']} vụ trẻ em bị xâm hại; {supported['numerator']} vụ "
            f"được trợ giúp ({vi.percent(_rate(supported))}), {cases['numerator']} vụ được xử lý "
            f"kịp thời ({vi.percent(_rate(cases))})."
        )
    )
    return SocialSection(
        sentence=(
            f"Tỷ lệ phụ nữ tham gia hợp tác xã, tổ hợp tác, mô hình liên kết toàn tỉnh đạt "
            f"{vi.percent(_rate(women))} ({vi.count(women.get('numerator'))}/"
            f"{vi.count(women.get('denominator'))} thành viên). {child}"
        ),
        districts=_by_district(tables, SOCIAL_RATES, name_of),
    )


# --- III. assessment, appendices -----------------------------------------------------------


def _assessment(tables: PeriodTables, name_of: dict[str, str]) -> Assessment:
    rising = tables.off_track.filter(pl.col("reason") == "poverty_rising")
    below = tables.off_track.filter(pl.col("reason") == "below_target")
    per_commune = (
        below.group_by("unit_code", "unit_name")
        .agg(pl.col("target_id").unique().sort().str.join(", ").alias("targets"))
        .sort("unit_code")
    )
    off_track = tuple(
        OffTrackRow(commune=f"{r['unit_name']} ({r['unit_code']})", targets=r["targets"])
        for r in per_commune.iter_rows(named=True)
    ) + tuple(
        OffTrackRow(commune=f"{r['unit_name']} ({r['unit_code']})", targets="Tỷ lệ hộ nghèo tăng")
        for r in rising.iter_rows(named=True)
    )
    late = tuple(
        LateRow(unit=r["unit_name"], reason=LATE_VI[r["reason"]])
        for r in tables.late_or_incomplete.iter_rows(named=True)
    )
    missing = tuple(_missing_row(r, name_of) for r in tables.without_data.iter_rows(named=True))
    return Assessment(
        sentences=_assessment_sentences(per_commune.height, rising.height, bool(late or missing)),
        off_track=off_track,
        late=late,
        missing=missing,
    )


def _missing_row(r: dict[str, Any], name_of: dict[str, str]) -> MissingRow:
    """A row of ``PeriodTables.without_data``."""
    return MissingRow(
        commune=f"{r['commune_name']} ({r['commune_code']})",
        unit=name_of.get(r["reporting_unit"], r["reporting_unit"]),
        reason="Số liệu chưa hợp lệ" if r["reason"] == "quarantined" else "Chưa báo cáo",
    )


def _assessment_sentences(below: int, rising: int, late_or_missing: bool) -> tuple[str, ...]:
    """The proposals: for ``below`` communes off target, ``rising`` communes whose poverty rate
    rose, units late or communes without data, and the standing one."""
    sentences = []
    if below:
        sentences.append(
            f"Còn {below} xã chưa đạt một hoặc một số chỉ tiêu của ngành (chi tiết "
            f"tại phụ lục); đề nghị các chi bộ, phòng chuyên môn được phân công đỡ đầu phối hợp "
            f"với địa phương có giải pháp cụ thể, tập trung hỗ trợ các xã này."
        )
    if rising:
        sentences.append(
            f"Có {rising} xã có tỷ lệ hộ nghèo tăng so với cuối năm trước; cần rà soát "
            f"nguyên nhân tái nghèo, phát sinh nghèo và có biện pháp hỗ trợ kịp thời."
        )
    if late_or_missing:
        sentences.append(
            "Đề nghị Ủy ban Kiểm tra Đảng ủy đôn đốc các đơn vị chậm gửi báo cáo, số liệu "
            "chưa đầy đủ hoặc chưa hợp lệ hoàn thành trước kỳ báo cáo sau."
        )
    sentences.append(
        "Tiếp tục đẩy mạnh đào tạo nghề, giải quyết việc làm; thực hiện có hiệu quả Chương "
        "trình mục tiêu quốc gia giảm nghèo bền vững; tăng cường công tác kiểm tra, giám sát "
        "việc thực hiện các tiêu chí nông thôn mới thuộc lĩnh vực của ngành."
    )
    return tuple(sentences)


def _commune_lists(tables: PeriodTables, listed: bool) -> CommuneLists:
    """Whether the PDF lists communes one by one, and if not, where the lists are."""
    communes = tables.units.filter(pl.col("unit_level") == "commune").height
    note = (
        f"Báo cáo này bao gồm {vi.count(communes)} xã, phường, thị trấn: danh sách từng xã chưa "
        f"đạt chỉ tiêu và số liệu chi tiết của từng xã không in trong báo cáo mà có trong tệp "
        f"Excel kèm theo (trang tính “Chỉ tiêu” và “Xã chưa đạt”)."
    )
    return CommuneLists(listed=listed, note="" if listed else note)


def _appendices(tables: PeriodTables) -> tuple[Appendix, ...]:
    """One table per reporting district (or one for the province once communes report
    directly): every commune with its rates, √ or × where a target applies."""
    headers = tuple(header for header, _ in APPENDIX_RATES)
    indicators = [indicator for _, indicator in APPENDIX_RATES]
    groups = []
    for (parent_name,), group in _appendix_frame(tables, indicators).group_by(
        "parent_name", maintain_order=True
    ):
        rows = tuple(_commune_row(r, indicators) for r in group.iter_rows(named=True))
        # A district that sent nothing usable is listed in section III, not as a page of dashes.
        if any(cell != "-" for row in rows for cell in row.cells):
            groups.append(Appendix(unit=str(parent_name), columns=headers, rows=rows))
    return tuple(groups)


def _appendix_frame(tables: PeriodTables, indicators: list[str]) -> pl.DataFrame:
    """Every commune, its tier, its district's name, and per indicator a struct of its rate
    and whether it is attained; sorted by district, then commune."""
    communes = tables.indicators.filter(
        (pl.col("unit_level") == "commune") & pl.col("indicator").is_in(indicators)
    ).with_columns(shown=pl.struct("rate", "attained"))
    wide = communes.pivot(on="indicator", index="unit_code", values="shown")
    units = tables.units.filter(pl.col("unit_level") == "commune").select(
        "unit_code", "unit_name", "parent_code"
    )
    table = units.join(wide, on="unit_code", how="left").join(
        tables.roster.select(pl.col("commune_code").alias("unit_code"), "tier"),
        on="unit_code",
        how="left",
    )
    parents = tables.units.filter(pl.col("unit_level") != "commune").select(
        pl.col("unit_code").alias("parent_code"), pl.col("unit_name").alias("parent_name")
    )
    return table.join(parents, on="parent_code", how="left").sort("parent_code", "unit_code")


def _commune_row(r: dict[str, Any], indicators: list[str]) -> CommuneRow:
    """A row of ``_appendix_frame``: the rate per indicator, marked √ or × where it applies."""
    cells = []
    for indicator in indicators:
        shown = r.get(indicator)
        if shown is None:
            cells.append("-")
            continue
        mark = {True: " √", False: " ×"}.get(shown["attained"], "")
        cells.append(vi.percent(shown["rate"]) + mark)
    return CommuneRow(
        code=r["unit_code"],
        name=r["unit_name"],
        tier=TIER_VI.get(r["tier"] or "", ""),
        cells=tuple(cells),
    )
