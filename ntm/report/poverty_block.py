"""The poverty block both documents print: the rate the trend follows at each year-end, its
last change and average pace against the programme's band, the chart, the notes on the units
the years are summed onto, and the households' flows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.reference import Reference
from ntm.report import charts, vi
from ntm.report.document import Captions
from ntm.report.judging import Followed, Judging, Units, followed_rate
from ntm.report.poverty_notes import beyond_zero_sentence, bridge_notes
from ntm.report.sections import FlowRow, PovertySection, PovertyYearRow, RateTable
from ntm.report.words import (
    DIVIDED_MARK,
    PROVISIONAL_VI,
    STATUS_VI,
    lowered,
    signed_points,
    svg_uri,
    years_words,
)  # fmt: skip
from transforms.registry import valid_on


def poverty_section(
    tables: PeriodTables,
    judging: Judging,
    units: Units,
    ref: Reference,
    captions: Captions,
    flows: Flows,
    districts: RateTable,
) -> PovertySection:
    """The block over ``tables`` (with rates), with the flows and district rates the document
    shows under it."""
    divided = divided_footnote(tables, ref)
    rows = tables.changes.filter(pl.col("unit_level") == "province").sort("year", "bridge")
    # The year-ends as measured in their own year; a bridge row is the year-end before a new
    # standard measured again with it (the baseline review), shown beside its year.
    changes, bridge = rows.filter(~pl.col("bridge")), rows.filter(pl.col("bridge"))
    trend = tables.trend.filter(pl.col("unit_level") == "province")
    t = trend.row(0, named=True) if trend.height else None
    followed = followed_rate(tables.catalogue, ref.format.labels)
    # A single year-end is a number, not a trend: no chart.
    chart, words = (
        poverty_chart(changes, t, judging, followed, bridge) if changes.height > 1 else ("", "")
    )
    sentence = poverty_sentence(changes, t, judging, followed, bridge) if changes.height else ""
    beyond = beyond_zero_sentence(rows, t, judging, followed)
    return PovertySection(
        sentence=" ".join(part for part in (sentence, beyond) if part),
        notes=(
            *bridge_notes(tables, judging, followed, bridge),
            *trend_units(tables, ref, units, changes, marked=bool(divided)),
        ),
        footnotes=(divided,) if divided else (),
        chart=captions.chart(chart, words),
        count_header=followed.count_header,
        rate_header=followed.short,
        series=tuple(poverty_year_row(r) for r in rows.iter_rows(named=True)),
        flows_intro=flows.intro,
        flows_heading=flows.heading,
        flows_end=flows.end,
        flows=flows.rows,
        districts=districts,
    )


@dataclass(frozen=True)
class Flows:
    """The households' flows a document shows under its poverty block, and their words."""

    intro: str
    heading: str  # the first column's
    end: str  # "cuối kỳ", "cuối năm"
    rows: tuple[FlowRow, ...]


def poverty_year_row(r: dict[str, Any]) -> PovertyYearRow:
    """A row of ``PeriodTables.changes`` (with its rate): the province at the end of a year."""
    if r.get("bridge"):
        return PovertyYearRow(
            year=f"{r['year']} (chuẩn mới)",
            counted=vi.count(r["counted"]),
            households=vi.count(r["households"]),
            rate=vi.percent(r["rate"]),
            fall=f"mốc của chuẩn nghèo mới (rà soát đầu kỳ) cho năm {r['year'] + 1}",
        )
    return PovertyYearRow(
        year=str(r["year"]),
        counted=vi.count(r["counted"]),
        households=vi.count(r["households"]),
        rate=vi.percent(r["rate"]),
        fall=(signed_points(-r["fall"]) if r["fall"] is not None else "-")
        + (" (đổi chuẩn nghèo)" if r["method_break"] else ""),
    )


def band_judges(judging: Judging, year: int) -> tuple[int, int] | None:
    """The band a year-end's fall is judged against: the programme's, for its own years."""
    if not judging.covered or not judging.catalogue.covers(year):
        return None
    return judging.band.bounds


def fall_verdict(fall: int, band: tuple[int, int]) -> str:
    if fall <= 0:
        return "chưa đạt chỉ tiêu đề ra"
    if fall < band[0]:
        return f"thấp hơn mức giảm bình quân {vi.band(*band)} điểm phần trăm/năm của chỉ tiêu"
    if fall > band[1]:
        return "vượt chỉ tiêu đề ra"
    return "đạt chỉ tiêu đề ra"


def poverty_sentence(
    changes: pl.DataFrame,
    t: dict[str, Any] | None,
    judging: Judging,
    followed: Followed,
    bridge: pl.DataFrame | None = None,
) -> str:
    """The last year's change (against the band in the programme's years), then the average
    pace and where it leads, or the pace the band asks for."""
    sentence = last_change_sentence(changes, judging, followed, bridge)
    if t is not None and judging.covered:
        if t["average_fall"] is not None:
            sentence += pace_sentence(t, judging, followed)
        elif t["needed_fall"] is not None:
            sentence += needed_sentence(t, judging, followed)
    return sentence


def last_change_sentence(
    changes: pl.DataFrame,
    judging: Judging,
    followed: Followed,
    bridge: pl.DataFrame | None = None,
) -> str:
    """How the rate moved from the year before to the last year, or its level with a single
    year. The first year of a new standard falls from the baseline review (``bridge``) when
    there is one: the same standard on both sides."""
    last = changes.row(-1, named=True)
    if changes.height <= 1 or last["fall"] is None:
        return f"{followed.name} toàn tỉnh cuối năm {last['year']} là {vi.percent(last['rate'])}."
    prev = changes.row(-2, named=True)
    prev_words = f"cuối năm {prev['year']}"
    if bridge is not None and bridge.height:
        b = bridge.row(0, named=True)
        if b["year"] == last["year"] - 1 and b["standard"] == last["standard"]:
            prev, prev_words = b, f"cuối năm {b['year']}, rà soát đầu kỳ theo chuẩn nghèo mới"
    if last["method_break"]:
        # Two standards measure different things: the two year-ends are not compared.
        return (
            f"{followed.name} toàn tỉnh cuối năm {last['year']} là {vi.percent(last['rate'])}, "
            f"tính theo chuẩn nghèo mới ({last['standard']}); cuối năm {prev['year']} là "
            f"{vi.percent(prev['rate'])} theo chuẩn nghèo trước đó, nên không so sánh."
        )
    if last["fall"] == 0:
        return (
            f"{followed.name} toàn tỉnh cuối năm {last['year']} là {vi.percent(last['rate'])}, "
            f"không đổi so với cuối năm {prev['year']}."
        )
    fell = last["fall"] > 0
    movement, direction = ("giảm", "xuống") if fell else ("tăng", "lên")
    band = band_judges(judging, last["year"])
    verdict = ""
    if band is not None:
        verdict = f", {fall_verdict(last['fall'], band)}"
        verdict += f" (chỉ tiêu {PROVISIONAL_VI})" if judging.band.status == "provisional" else ""
    return (
        f"{followed.name} toàn tỉnh {movement} từ {vi.percent(prev['rate'])} ({prev_words}) "
        f"{direction} {vi.percent(last['rate'])} (cuối năm {last['year']}), "
        f"{movement} {vi.points(last['fall'])}{verdict}."
    )


def pace_sentence(t: dict[str, Any], judging: Judging, followed: Followed) -> str:
    """The average yearly fall since the base year and, at that pace, the programme's end."""
    last_year = judging.catalogue.last_year
    movement = "giảm" if t["average_fall"] >= 0 else "tăng"
    sentence = (
        f" Bình quân từ cuối năm {t['base_year']} {movement} {vi.points(t['average_fall'])}/năm"
    )
    if t["status"] is not None:
        provisional = f" {PROVISIONAL_VI}" if judging.band.status == "provisional" else ""
        sentence += f" ({STATUS_VI[t['status']].lower()} so với chỉ tiêu{provisional})"
    if t["projected_rate"] is not None:
        sentence += (
            f"; nếu giữ tốc độ này, đến cuối năm {last_year} {lowered(followed.short)} còn "
            f"khoảng {vi.percent(max(t['projected_rate'], 0))}"
        )
        if t["needed_fall"] is not None:
            sentence += (
                f", cần giảm {vi.points(max(t['needed_fall'], 0))}/năm để đạt mức tối thiểu "
                f"của chỉ tiêu"
            )
    return sentence + "."


def needed_sentence(t: dict[str, Any], judging: Judging, followed: Followed) -> str:
    """Before a programme has two year-ends: the yearly fall its band asks for."""
    provisional = f" ({PROVISIONAL_VI})" if judging.band.status == "provisional" else ""
    return (
        f" Để đạt mức tối thiểu của chỉ tiêu{provisional}, {lowered(followed.short)} cần giảm "
        f"bình quân {vi.points(max(t['needed_fall'], 0))}/năm từ cuối năm {t['last_year']} "
        f"đến cuối năm {judging.catalogue.last_year}."
    )


def poverty_chart(
    changes: pl.DataFrame,
    t: dict[str, Any] | None,
    judging: Judging,
    followed: Followed,
    bridge: pl.DataFrame | None = None,
) -> tuple[str, str]:
    """The year-end rates (hundredths) with the band from the trend's base year to the
    programme's end, the projection and changes of standard; and the caption's words."""
    rated = changes.filter(pl.col("rate").is_not_null())
    years = [int(year) for year in rated["year"]]
    bounds = judging.band.bounds if judging.covered else None
    projection = None
    if judging.covered and t is not None and t["projected_rate"] is not None:
        projection = (judging.catalogue.last_year, max(t["projected_rate"], 0))
    band_from = t["base_year"] if t is not None and t["base_year"] in years else None
    if band_from is None:
        bounds = None
    options = charts.TrendOptions(
        rate_label=followed.short,
        provisional=judging.band.status == "provisional",
        band_from=band_from,
        until=judging.catalogue.last_year if bounds is not None else None,
        bridge=(int(bridge["year"][0]), int(bridge["rate"][0]))
        if bridge is not None and bridge.height and bridge["rate"][0] is not None
        else None,
    )
    breaks = [int(year) for year in changes.filter(pl.col("method_break"))["year"]]
    if options.bridge is not None:  # the new standard's first year-end: the line stands before it
        breaks.append(options.bridge[0] + 1)
    series = rated.select(pl.col("year").cast(pl.Int64), pl.col("rate").cast(pl.Int64))
    words = f"{followed.short} toàn tỉnh cuối các năm"
    if options.bridge is not None:
        words += f" (năm {options.bridge[0]} theo cả hai chuẩn nghèo)"
    if bounds is not None:
        words += " và mức giảm theo chỉ tiêu"
        words += f" ({PROVISIONAL_VI})" if options.provisional else ""
    return svg_uri(charts.poverty_trend_svg(series, bounds, projection, breaks, options)), words


def commune_keys(frame: pl.DataFrame) -> set[tuple[str, date]]:
    communes = frame.filter(pl.col("unit_level") == "commune")
    return set(communes.select("unit_code", "valid_from").iter_rows())


def trend_units(
    tables: PeriodTables, ref: Reference, units: Units, changes: pl.DataFrame, marked: bool
) -> tuple[str, ...]:
    """That the year-ends measured on other units are summed onto today's: which years."""
    today = commune_keys(tables.units)
    remapped = [
        int(year)
        for year in changes["year"].to_list()
        if commune_keys(valid_on(ref.registry, date(int(year), 12, 31))) != today
    ]
    if not remapped:
        return ()
    mark = f" {DIVIDED_MARK}" if marked else ""
    return (
        f"Số liệu cuối {years_words(remapped)} được tính lại theo {vi.count(units.communes)} "
        f"{units.words} hiện nay{mark}: số liệu của mỗi đơn vị cũ được cộng vào đơn vị kế thừa "
        f"theo các lần sắp xếp đơn vị hành chính, để so sánh trên cùng địa bàn.",
    )


def divided_footnote(tables: PeriodTables, ref: Reference) -> str:
    """For a trend whose history sums a divided unit: that its figures are counted whole in
    its default successor and cannot be split ("" when no unit of the report's is one)."""
    if tables.divided.is_empty():
        return ""
    today = tables.units.filter(pl.col("unit_level") == "commune").select(
        new_code="unit_code", new_valid_from="valid_from", new_name="unit_name"
    )
    crosswalk = ref.crosswalk
    if "relation" not in crosswalk.columns:
        crosswalk = crosswalk.with_columns(relation=pl.lit(None, pl.String))
    old = ref.registry.select(
        old_code="unit_code", old_valid_from="valid_from", old_name="unit_name"
    )
    parts = (
        crosswalk.filter(
            (pl.col("relation") == "divided_default")
            & pl.col("new_code").is_in(tables.divided["unit_code"].to_list())
        )
        .join(today, on=["new_code", "new_valid_from"], how="inner")
        .join(old, on=["old_code", "old_valid_from"], how="left")
        .sort("change_date", "new_code")
    )
    if parts.is_empty():
        names = ", ".join(
            today.filter(pl.col("new_code").is_in(tables.divided["unit_code"].to_list()))[
                "new_name"
            ].to_list()
        )
        return (
            f"{DIVIDED_MARK} Số liệu các năm trước của {names} gồm trọn số liệu của đơn vị cũ "
            f"bị chia cho nhiều đơn vị mới (đơn vị kế thừa mặc định), không thể tách theo từng "
            f"phần đã chia."
        )
    days = ", ".join(vi.short_date(day) for day in parts["change_date"].unique(maintain_order=True))
    olds = " và ".join(str(name) for name in parts["old_name"].to_list())
    each = ", ".join(f"{r['old_name']} vào {r['new_name']}" for r in parts.iter_rows(named=True))
    return (
        f"{DIVIDED_MARK} {olds} (đơn vị cũ) được chia cho nhiều đơn vị mới từ ngày {days}; số "
        f"liệu của mỗi đơn vị này không thể tách theo từng phần đã chia nên được tính trọn vào "
        f"đơn vị kế thừa mặc định: {each}."
    )


def flow_rows(flows: pl.DataFrame, name_of: dict[str, str]) -> tuple[FlowRow, ...]:
    """Poor and near-poor households by district, then the province."""
    ordered = flows.filter(pl.col("unit_level") != "commune").sort(
        pl.col("unit_level") == "province", "unit_code"
    )
    return tuple(
        flow_row(name_of.get(r["unit_code"], r["unit_code"]), r)
        for r in ordered.iter_rows(named=True)
    )


def flow_row(label: str, r: dict[str, Any]) -> FlowRow:
    """A row of ``PeriodTables.flows`` under ``label``."""
    return FlowRow(
        unit=label,
        poor_start=vi.count(r["poor_start"]),
        poor_exited=vi.count(r["poor_exited"]),
        poor_returned=vi.count(r["poor_returned"]),
        poor_new=vi.count(r["poor_new"]),
        poor_end=vi.count(r["poor_end"]),
        near_poor_start=vi.count(r["near_poor_start"]),
        near_poor_end=vi.count(r["near_poor_end"]),
    )
