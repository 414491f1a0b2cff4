"""The committee report's context: every figure and sentence, formatted, before any template.

Templates only place what is here (report_templates/ holds no arithmetic). Numbers come from
``ntm.indicators.PeriodTables``; they are formatted with ``ntm.report.vi``; sentences follow the
register of the department's action programme.
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
) -> dict[str, Any]:
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
    header = {
        "superior_body": config.text("superior_body"),
        "issuing_committee": config.text("issuing_committee"),
        "party": config.text("party"),
        "number_line": config.text("number_line"),
        "place_date": f"{config.text('place')}, {vi.long_date(today)}",
        "title": config.text("title"),
        "subject": config.text("subject", quarter=quarter),
        "basis": config.text("basis", quarter=quarter),
    }
    return {
        "header": header,
        "quarter": quarter,
        "data_section": _data_section(tables, problems, name_of),
        "targets": _targets(tables, last_year, band),
        "attainment_chart": _attainment_chart(tables),
        "poverty": _poverty(tables, band, name_of),
        "labour": _labour(tables, name_of),
        "social": _social(tables, name_of),
        "assessment": _assessment(tables, name_of),
        "appendices": _appendices(tables) if listed else [],
        "commune_lists": _commune_lists(tables, listed),
        "provenance": {
            "rows": [
                {
                    "unit": f"{r['unit_code']} {name_of.get(r['unit_code'], '')}",
                    "version": str(r["version"]),
                    "sha": r["content_sha256"][:16],
                    "file": r["file_name"],
                    "received": vi.short_date(r["received_at"].date()),
                }
                for r in provenance.iter_rows(named=True)
            ],
            "run_id": run_id,
            "software": software,
            "generated_on": vi.short_date(today),
            "programme": tables.catalogue.programme,
        },
        "closing": {
            "recipients": list(config.values["recipients"]),
            "on_behalf": config.text("signature_on_behalf"),
            "title": config.text("signature_title"),
            "name": config.text("signature_name"),
        },
    }


def _data_section(
    tables: PeriodTables, problems: pl.DataFrame, name_of: dict[str, str]
) -> dict[str, Any]:
    c = tables.completeness
    rows = [
        {
            "unit": r["unit_name"],
            "expected": vi.count(r["communes_expected"]),
            "accepted": vi.count(r["communes_accepted"]),
            "quarantined": vi.count(r["communes_quarantined"]),
            "received": vi.short_date(r["first_received_at"].date())
            if r["first_received_at"] is not None
            else "-",
            "timeliness": "Chưa gửi"
            if not r["received"]
            else ("Đúng hạn" if r["on_time"] else "Chậm hạn"),
            "version": str(r["version"]) if r["version"] is not None else "-",
        }
        for r in c.iter_rows(named=True)
    ]
    received = int(c["received"].sum())
    on_time = int(c["on_time"].fill_null(False).sum())
    accepted = int(c["communes_accepted"].sum())
    expected = int(c["communes_expected"].sum())
    summary = (
        f"Đã nhận báo cáo của {received}/{c.height} đơn vị ({on_time} đơn vị đúng hạn, "
        f"{received - on_time} đơn vị chậm hạn); {vi.count(accepted)}/{vi.count(expected)} xã, "
        f"phường, thị trấn có số liệu hợp lệ."
    )
    problem_rows = [
        {
            "unit": name_of.get(r["unit_code"] or "", r["unit_code"] or "-"),
            "file": r["file_name"],
            "kind": REJECT_KIND_VI[r["kind"]],
            "commune": f"{r['commune_code']} {name_of.get(r['commune_code'], '')}".strip()
            if r["commune_code"]
            else "-",
            "reason": r["reason"] or "",
        }
        for r in problems.iter_rows(named=True)
    ]
    return {"summary": summary, "rows": rows, "problems": problem_rows}


def _targets(
    tables: PeriodTables, last_year: pl.DataFrame | None, band: tuple[int, int]
) -> list[dict[str, str]]:
    ind = tables.indicators
    trend = tables.trend.filter(pl.col("unit_level") == "province")
    out: list[dict[str, str]] = []
    if trend.height:
        t = trend.row(0, named=True)
        out.append(
            {
                "id": "T1",
                "label": TARGETS_VI["T1"],
                "value": f"{vi.hundredths(t['average_fall'])} điểm %/năm"
                if t["average_fall"] is not None
                else "-",
                "target": f"{vi.hundredths(band[0])} - {vi.hundredths(band[1])}",
                "status": STATUS_VI.get(t["status"] or "", "Chưa đủ số liệu"),
                "change": f"từ cuối năm {t['base_year']} đến cuối năm {t['last_year']}",
            }
        )

    def commune_count(indicator: str, target: str) -> None:
        rows = ind.filter(
            (pl.col("unit_level") == "commune")
            & (pl.col("indicator") == indicator)
            & pl.col("attained").is_not_null()
        )
        met = int(rows["attained"].sum())
        status = "Đạt" if met == rows.height and rows.height else "Chưa đạt"
        if not rows.height:
            status = "Không có xã thuộc diện"
        out.append(
            {
                "id": target,
                "label": TARGETS_VI[target],
                "value": f"{met}/{rows.height} xã",
                "target": "100% số xã",
                "status": status,
                "change": "",
            }
        )

    def province_share(indicator: str, target: str) -> None:
        row = _value(ind, "province", None, indicator)
        before = _value(last_year, "province", None, indicator) if last_year is not None else {}
        now, then = _rate(row), _rate(before)
        change = "-" if now is None or then is None else _signed_points(now - then)
        out.append(
            {
                "id": target,
                "label": TARGETS_VI[target],
                "value": f"{vi.percent(now)} ({row.get('numerator', 0)}/"
                f"{row.get('denominator', 0)} xã)",
                "target": vi.percent(row.get("threshold"))
                if row.get("threshold")
                else "Chưa đến mốc",
                "status": "-"
                if row.get("attained") is None
                else ("Đạt" if row["attained"] else "Chưa đạt"),
                "change": change,
            }
        )

    commune_count("multidimensional_poverty_rate", "T2")
    commune_count("trained_labour_rate", "T3")
    commune_count("certified_labour_rate", "T4")
    province_share("communes_meeting_trained_labour", "T5")
    commune_count("women_coop_share", "T6")
    commune_count("child_abuse_handled_rate", "T7")
    province_share("communes_meeting_all_criteria", "T8")
    return out


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


def _poverty(
    tables: PeriodTables, band: tuple[int, int], name_of: dict[str, str]
) -> dict[str, Any]:
    changes = tables.changes.filter(pl.col("unit_level") == "province").sort("year")
    series = [
        {
            "year": str(r["year"]),
            "poor": vi.count(r["poor"]),
            "households": vi.count(r["households"]),
            "rate": vi.percent(r["rate"]),
            "fall": (_signed_points(-r["fall"]) if r["fall"] is not None else "-")
            + (" (đổi chuẩn nghèo)" if r["method_break"] else ""),
        }
        for r in changes.iter_rows(named=True)
    ]
    trend = tables.trend.filter(pl.col("unit_level") == "province")
    sentence = ""
    chart = ""
    if changes.height:
        last = changes.row(-1, named=True)
        last_rate = last["rate"]
        if changes.height > 1 and last["fall"] is not None:
            prev = changes.row(-2, named=True)
            prev_rate = prev["rate"]
            movement = "giảm" if last["fall"] > 0 else "tăng"
            sentence = (
                f"Tỷ lệ hộ nghèo toàn tỉnh {movement} từ {vi.percent(prev_rate)} (cuối năm "
                f"{prev['year']}) xuống {vi.percent(last_rate)} (cuối năm {last['year']}), "
                f"{movement} {vi.points(last['fall'])}, {_verdict(last['fall'], band)}."
            )
            if movement == "tăng":
                sentence = sentence.replace(" xuống ", " lên ")
        t = trend.row(0, named=True) if trend.height else None
        if t and t["average_fall"] is not None:
            sentence += (
                f" Bình quân từ cuối năm {t['base_year']} giảm {vi.points(t['average_fall'])}/năm"
                f" ({STATUS_VI[t['status']].lower()} so với chỉ tiêu)"
            )
            if t["projected_rate"] is not None:
                sentence += (
                    f"; nếu giữ tốc độ này, đến cuối năm {tables.catalogue.last_year} tỷ lệ hộ "
                    f"nghèo còn khoảng {vi.percent(max(t['projected_rate'], 0))}, cần giảm "
                    f"{vi.points(max(t['needed_fall'], 0))}/năm để đạt mức tối thiểu của chỉ tiêu"
                )
            sentence += "."
        rated = ((int(r["year"]), r["rate"]) for r in changes.iter_rows(named=True))
        rates = [(year, rate) for year, rate in rated if rate is not None]
        projection = None
        if t and t["projected_rate"] is not None:
            projection = (tables.catalogue.last_year, max(t["projected_rate"], 0) / 100)
        breaks = [int(r["year"]) for r in changes.iter_rows(named=True) if r["method_break"]]
        chart = _svg_uri(
            charts.poverty_trend_svg(
                pl.DataFrame({"year": [y for y, _ in rates], "rate": [v / 100 for _, v in rates]}),
                (band[0] / 100, band[1] / 100),
                projection,
                breaks,
            )
        )
    flows = tables.flows
    districts = _by_district(
        tables,
        ["poor_rate", "near_poor_rate", "multidimensional_poverty_rate"],
        name_of,
    )
    flow_rows = [
        {
            "unit": name_of.get(r["unit_code"], r["unit_code"]),
            **{
                k: vi.count(r[k])
                for k in (
                    "poor_start",
                    "poor_exited",
                    "poor_returned",
                    "poor_new",
                    "poor_end",
                    "near_poor_start",
                    "near_poor_end",
                )
            },
        }
        for r in flows.filter(pl.col("unit_level") != "commune")
        .sort(pl.col("unit_level") == "province", "unit_code")
        .iter_rows(named=True)
    ]
    return {
        "sentence": sentence,
        "series": series,
        "chart": chart,
        "flows": flow_rows,
        "districts": districts,
    }


def _by_district(
    tables: PeriodTables, indicators: list[str], name_of: dict[str, str]
) -> list[dict[str, Any]]:
    """One row per district (or, after districts are abolished, the province alone).

    The rates are looked up in one pass over the frame, not with a filter per cell.
    """
    ind = tables.indicators.filter(pl.col("unit_level") != "commune")
    rates: dict[tuple[str, str], int | None] = {}
    for code, indicator, rate in ind.select("unit_code", "indicator", "rate").iter_rows():
        rates.setdefault((code, indicator), rate)  # the first row, as ``_value`` would take
    codes = ind.sort(pl.col("unit_level") == "province", "unit_code")["unit_code"]
    return [
        {
            "unit": name_of.get(code, code),
            "cells": [vi.percent(rates.get((code, indicator))) for indicator in indicators],
        }
        for code in codes.unique(maintain_order=True)
    ]


def _labour(tables: PeriodTables, name_of: dict[str, str]) -> dict[str, Any]:
    ind = tables.indicators
    trained = _value(ind, "province", None, "trained_labour_rate")
    certified = _value(ind, "province", None, "certified_labour_rate")
    share = _value(ind, "province", None, "communes_meeting_trained_labour")
    share_c = _value(ind, "province", None, "communes_meeting_certified_labour")
    sentence = (
        f"Tỷ lệ lao động có việc làm qua đào tạo toàn tỉnh đạt {vi.percent(_rate(trained))}, "
        f"trong đó có bằng cấp, chứng chỉ {vi.percent(_rate(certified))}. Có "
        f"{share.get('numerator', 0)}/{share.get('denominator', 0)} xã "
        f"({vi.percent(_rate(share))}) đạt chỉ tiêu tỷ lệ lao động qua đào tạo và "
        f"{share_c.get('numerator', 0)}/{share_c.get('denominator', 0)} xã "
        f"({vi.percent(_rate(share_c))}) đạt chỉ tiêu lao động có bằng cấp, chứng chỉ."
    )
    districts = tables.indicators.filter(
        (pl.col("unit_level") == "district") & (pl.col("indicator") == "trained_labour_rate")
    )
    chart = ""
    if 0 < districts.height <= CHART_MAX_UNITS:
        chart = _svg_uri(
            charts.rates_by_unit_svg(
                districts.select(
                    unit_name=pl.col("unit_name"),
                    value=pl.col("rate") / 100,
                ),
                "Tỷ lệ lao động qua đào tạo (%)",
                70.0,
            )
        )
    below = tables.off_track.filter(
        pl.col("indicator").is_in(["trained_labour_rate", "certified_labour_rate"])
    )
    below_rows = [
        {
            "commune": f"{r['unit_name']} ({r['unit_code']})",
            "indicator": "Qua đào tạo"
            if r["indicator"] == "trained_labour_rate"
            else "Bằng cấp, chứng chỉ",
            "value": vi.percent(_rate(r)),
            "target": vi.percent(r["threshold"]),
        }
        for r in below.iter_rows(named=True)
    ]
    return {
        "sentence": sentence,
        "chart": chart,
        "districts": _by_district(
            tables, ["trained_labour_rate", "certified_labour_rate"], name_of
        ),
        "below": below_rows,
    }


def _social(tables: PeriodTables, name_of: dict[str, str]) -> dict[str, Any]:
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
    return {
        "sentence": (
            f"Tỷ lệ phụ nữ tham gia hợp tác xã, tổ hợp tác, mô hình liên kết toàn tỉnh đạt "
            f"{vi.percent(_rate(women))} ({vi.count(women.get('numerator'))}/"
            f"{vi.count(women.get('denominator'))} thành viên). {child}"
        ),
        "districts": _by_district(
            tables, ["women_coop_share", "child_abuse_handled_rate"], name_of
        ),
    }


def _assessment(tables: PeriodTables, name_of: dict[str, str]) -> dict[str, Any]:
    rising = tables.off_track.filter(pl.col("reason") == "poverty_rising")
    below = tables.off_track.filter(pl.col("reason") == "below_target")
    per_commune = (
        below.group_by("unit_code", "unit_name")
        .agg(pl.col("target_id").unique().sort().str.join(", ").alias("targets"))
        .sort("unit_code")
    )
    off_rows = [
        {"commune": f"{r['unit_name']} ({r['unit_code']})", "targets": r["targets"]}
        for r in per_commune.iter_rows(named=True)
    ] + [
        {"commune": f"{r['unit_name']} ({r['unit_code']})", "targets": "Tỷ lệ hộ nghèo tăng"}
        for r in rising.iter_rows(named=True)
    ]
    late_rows = [
        {"unit": r["unit_name"], "reason": LATE_VI[r["reason"]]}
        for r in tables.late_or_incomplete.iter_rows(named=True)
    ]
    missing_rows = [
        {
            "commune": f"{r['commune_name']} ({r['commune_code']})",
            "unit": name_of.get(r["reporting_unit"], r["reporting_unit"]),
            "reason": "Số liệu chưa hợp lệ" if r["reason"] == "quarantined" else "Chưa báo cáo",
        }
        for r in tables.without_data.iter_rows(named=True)
    ]
    sentences = []
    if per_commune.height:
        sentences.append(
            f"Còn {per_commune.height} xã chưa đạt một hoặc một số chỉ tiêu của ngành (chi tiết "
            f"tại phụ lục); đề nghị các chi bộ, phòng chuyên môn được phân công đỡ đầu phối hợp "
            f"với địa phương có giải pháp cụ thể, tập trung hỗ trợ các xã này."
        )
    if rising.height:
        sentences.append(
            f"Có {rising.height} xã có tỷ lệ hộ nghèo tăng so với cuối năm trước; cần rà soát "
            f"nguyên nhân tái nghèo, phát sinh nghèo và có biện pháp hỗ trợ kịp thời."
        )
    if late_rows or missing_rows:
        sentences.append(
            "Đề nghị Ủy ban Kiểm tra Đảng ủy đôn đốc các đơn vị chậm gửi báo cáo, số liệu "
            "chưa đầy đủ hoặc chưa hợp lệ hoàn thành trước kỳ báo cáo sau."
        )
    sentences.append(
        "Tiếp tục đẩy mạnh đào tạo nghề, giải quyết việc làm; thực hiện có hiệu quả Chương "
        "trình mục tiêu quốc gia giảm nghèo bền vững; tăng cường công tác kiểm tra, giám sát "
        "việc thực hiện các tiêu chí nông thôn mới thuộc lĩnh vực của ngành."
    )
    return {"sentences": sentences, "off_track": off_rows, "late": late_rows,
            "missing": missing_rows}  # fmt: skip


def _commune_lists(tables: PeriodTables, listed: bool) -> dict[str, Any]:
    """Whether the PDF lists communes one by one, and if not, where the lists are."""
    communes = tables.units.filter(pl.col("unit_level") == "commune").height
    note = (
        f"Báo cáo này bao gồm {vi.count(communes)} xã, phường, thị trấn: danh sách từng xã chưa "
        f"đạt chỉ tiêu và số liệu chi tiết của từng xã không in trong báo cáo mà có trong tệp "
        f"Excel kèm theo (trang tính “Chỉ tiêu” và “Xã chưa đạt”)."
    )
    return {"listed": listed, "note": "" if listed else note}


def _appendices(tables: PeriodTables) -> list[dict[str, Any]]:
    """One table per reporting district (or one for the province once communes report
    directly): every commune with its rates, √ or × where a target applies."""
    wanted = [
        "poor_rate", "multidimensional_poverty_rate", "trained_labour_rate",
        "certified_labour_rate", "women_coop_share", "child_abuse_handled_rate",
    ]  # fmt: skip
    communes = tables.indicators.filter(
        (pl.col("unit_level") == "commune") & pl.col("indicator").is_in(wanted)
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
    table = table.join(parents, on="parent_code", how="left").sort("parent_code", "unit_code")
    groups: list[dict[str, Any]] = []
    for (parent_name,), group in table.group_by("parent_name", maintain_order=True):
        rows = []
        for r in group.iter_rows(named=True):
            cells = []
            for indicator in wanted:
                shown = r.get(indicator)
                if shown is None:
                    cells.append("-")
                    continue
                mark = {True: " √", False: " ×"}.get(shown["attained"], "")
                cells.append(vi.percent(shown["rate"]) + mark)
            rows.append(
                {
                    "code": r["unit_code"],
                    "name": r["unit_name"],
                    "tier": TIER_VI.get(r["tier"] or "", ""),
                    "cells": cells,
                }
            )
        # A district that sent nothing usable is listed in section III, not as a page of dashes.
        if any(cell != "-" for row in rows for cell in row["cells"]):
            groups.append({"unit": str(parent_name), "rows": rows})
    return groups
