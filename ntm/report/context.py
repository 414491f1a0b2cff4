"""The committee report's context: every figure and sentence, formatted, before any template.

Templates only place what is here (report_templates/ holds no arithmetic). Numbers come from
``ntm.indicators.PeriodTables``; they are formatted with ``ntm.report.vi``; sentences follow the
register of the department's action programme. What the template receives is typed: the
sections of ``ntm.report.sections``.

Every number and every word of a target comes from the period's criteria catalogue: the targets
it lists (their labels, what each judges), the poverty-fall band, the thresholds and milestones
with their status (official, provisional, pending) and source, the commune classes and the
report's subject and basis. Nothing here knows a programme: an official target prints as a
number, a provisional one is marked "(tạm tính)" and its source named, a pending one prints
"Chưa ban hành"; a period no catalogue covers gets its rates, trends and lists, and says that
nothing is judged.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.reference import Catalogue, Reference, ReportConfig
from ntm.reference.criteria import FallBand, Target, strongest_status
from ntm.report import charts, vi
from ntm.report.sections import (
    Appendix,
    Assessment,
    BelowTargetRow,
    Chart,
    Closing,
    CommuneLists,
    CommuneRow,
    DataSection,
    FlowRow,
    FollowupRow,
    Header,
    LabourSection,
    MissingRow,
    OffTrackRow,
    PeriodAmendment,
    PovertySection,
    PovertyYearRow,
    ProblemRow,
    Provenance,
    ProvenanceRow,
    RateRow,
    RateTable,
    Report,
    SocialSection,
    Sponsors,
    SubmissionRow,
    TargetRow,
    TargetsSection,
)
from ntm.report.sponsors import sponsor_section
from transforms.followup import STATUS_VI as FOLLOWUP_STATUS_VI
from transforms.followup import period_words
from transforms.periods import Period
from transforms.rates import hundredths
from transforms.registry import reporting_level, valid_on
from transforms.review import targets_by_commune

STATUS_VI = {"behind": "Chưa đạt", "on_track": "Đạt", "ahead": "Vượt"}
REJECT_KIND_VI = {"rejected": "Trả lại cả tệp", "quarantined": "Chưa nhận dòng xã"}
# What a target's cells say when it judges nothing this year.
PENDING_VI = "Chưa ban hành"
NOT_JUDGED_VI = "Chưa đánh giá"
NOT_YET_VI = "Chưa đến mốc"
PROVISIONAL_VI = "tạm tính"
# "{band}" in a target's label while the band is pending: the blank of a form.
BAND_BLANK = "..."
# Commune-level unit types in the order the report names them ("xã, phường, thị trấn").
UNIT_TYPES = ("xã", "phường", "thị trấn")
# The divided-unit footnote's marker, on each figure that rests on one.
DIVIDED_MARK = "(*)"

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
# The appendix's columns; a column whose indicator a commune-level target of the catalogue
# judges is headed with that target's id, "Nghèo đa chiều (T2)".
APPENDIX_RATES: Columns = (
    ("Tỷ lệ hộ nghèo", "poor_rate"),
    ("Nghèo đa chiều", "multidimensional_poverty_rate"),
    ("Lao động qua đào tạo", "trained_labour_rate"),
    ("Có bằng cấp, chứng chỉ", "certified_labour_rate"),
    ("Phụ nữ tham gia HTX", "women_coop_share"),
    ("Xử lý vụ xâm hại trẻ em", "child_abuse_handled_rate"),
)
# A commune-level target's bar in the attainment chart: its id, then these words for the
# indicator it judges (the catalogue's indicator name where there are none).
CHART_WORDS = {
    "multidimensional_poverty_rate": "Nghèo đa chiều",
    "trained_labour_rate": "Lao động qua đào tạo",
    "certified_labour_rate": "Lao động có bằng cấp, chứng chỉ",
    "women_coop_share": "Phụ nữ tham gia HTX",
    "child_abuse_handled_rate": "Xử lý vụ xâm hại trẻ em",
}
# The labour section's shares of communes, and the words of their targets.
LABOUR_SHARES = (
    ("communes_meeting_trained_labour", "chỉ tiêu tỷ lệ lao động qua đào tạo"),
    ("communes_meeting_certified_labour", "chỉ tiêu lao động có bằng cấp, chứng chỉ"),
)
# The indicator the labour chart draws; its threshold line is the lowest official or
# provisional commune threshold of the year.
LABOUR_CHART_INDICATOR = "trained_labour_rate"
# What the poverty trend follows when no target names it: the poor-household rate.

# A bar per unit reads well up to a few dozen: a province's districts (at most ~30), or its
# communes once they report directly (69 in Hà Tĩnh since 1 July 2025, drawn in smaller type);
# a national run's 700 bars would be an unreadable chart that takes matplotlib ~10 s to draw.
CHART_MAX_UNITS = 80


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
    """Every table the report quotes, with its rate in hundredths computed once, set-wise. The
    year-end series' rate is that of what the trend counts (``counted`` over households)."""
    return dataclasses.replace(
        tables,
        indicators=_rated(tables.indicators),
        changes=_rated(tables.changes, "counted", "households"),
        off_track=_rated(tables.off_track),
    )


def _ids(ids: list[str]) -> str:
    """Target ids as a sentence names them: "chỉ tiêu T1", "các chỉ tiêu T2, T3"."""
    return f"{'các chỉ tiêu' if len(ids) > 1 else 'chỉ tiêu'} {', '.join(ids)}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lowered(text: str) -> str:
    return text[:1].lower() + text[1:]


# --- what the period is judged against -----------------------------------------------------


@dataclass(frozen=True)
class _Milestone:
    """The next year a target has a threshold, when it has none in the report's year."""

    year: int
    value: int | None  # a province share's threshold (hundredths); None for commune targets
    status: str


@dataclass(frozen=True)
class _Standing:
    """A target in the report's year: the status of its thresholds (``official``,
    ``provisional``, ``pending``, or ``none`` without a threshold that year), their source,
    the province threshold of a share, and the next milestone when it has none this year."""

    status: str
    source: str
    value: int | None = None
    milestone: _Milestone | None = None

    @property
    def judged(self) -> bool:
        return self.status in ("official", "provisional")

    @property
    def marker(self) -> str:
        """What follows a provisional figure, " (tạm tính)"; nothing follows an official one."""
        return f" ({PROVISIONAL_VI})" if self.status == "provisional" else ""

    @property
    def outlook(self) -> str:
        """Its status, or for a target with no threshold this year that of its next one."""
        if self.status == "none" and self.milestone is not None:
            return self.milestone.status
        return self.status


@dataclass(frozen=True)
class _Judging:
    """The period's catalogue, whether it covers the period, and each target's standing."""

    catalogue: Catalogue
    covered: bool
    year: int
    programmes: tuple[str, ...]  # every catalogue's programme, for a period none covers
    standings: dict[str, _Standing]
    judged_indicators: frozenset[str]  # with an official or provisional commune threshold
    rate: str  # the rate the poverty trend follows, as a sentence names it ("tỷ lệ hộ nghèo")
    proposal: str  # the standing proposal of section III, the programme's own words

    @property
    def band(self) -> FallBand:
        return self.catalogue.fall_band

    @property
    def targets(self) -> tuple[Target, ...]:
        return self.catalogue.targets

    def standing(self, target: Target) -> _Standing:
        return self.standings[target.id]

    def ids(self, *statuses: str, kind: str | None = None) -> list[str]:
        return [
            t.id
            for t in self.targets
            if self.standings[t.id].status in statuses and kind in (None, t.kind)
        ]

    def all_official(self) -> bool:
        """Whether every target that has a threshold (now or later) has an official one."""
        return self.covered and all(
            s.outlook in ("official", "none") for s in self.standings.values()
        )

    def share_judged(self, share_id: str) -> bool:
        """Whether a share of communes counts anything this year: some indicator it is made
        of has an official or provisional commune threshold."""
        shares = self.catalogue.shares.filter(pl.col("id") == share_id)
        if shares.is_empty():
            return False
        of = set(shares["of"][0].to_list())
        return bool(self.judged_indicators if "all" in of else of & self.judged_indicators)

    def label(self, target: Target) -> str:
        """The target's words, with its band as the words of a target write it."""
        bounds = self.band.bounds
        band = vi.band(*bounds) if bounds is not None else BAND_BLANK
        return target.label.replace("{band}", band)

    def target_of(self, indicator: str) -> Target | None:
        """The commune-level target that judges ``indicator``, if the catalogue has one."""
        return next(
            (t for t in self.targets if t.kind == "communes" and t.indicator == indicator), None
        )


def _judging(tables: PeriodTables, ref: Reference) -> _Judging:
    catalogue, year = tables.catalogue, tables.period.year
    standings = {target.id: _standing(catalogue, target, year) for target in catalogue.targets}
    judged = catalogue.thresholds.filter(
        (pl.col("level") == "commune")
        & (pl.col("year") == year)
        & pl.col("status").is_in(["official", "provisional"])
        & pl.col("threshold").is_not_null()
    )
    return _Judging(
        catalogue=catalogue,
        covered=tables.covered,
        year=year,
        programmes=tuple(c.programme for c in ref.catalogues),
        standings=standings,
        judged_indicators=frozenset(judged["indicator"].to_list()),
        rate=_lowered(_followed(catalogue, ref.format.labels).short),
        proposal=catalogue.report.get("proposal") or str(ref.report.values["proposal"]),
    )


def _standing(catalogue: Catalogue, target: Target, year: int) -> _Standing:
    """Where ``target`` stands in ``year``: see ``_Standing``."""
    if target.kind == "poverty_fall":
        return _Standing(catalogue.fall_band.status, catalogue.fall_band.source)
    level = "commune" if target.kind == "communes" else "province"
    rows = catalogue.thresholds.filter(
        (pl.col("target") == target.id)
        & (pl.col("indicator") == target.indicator)
        & (pl.col("level") == level)
    ).sort("year")
    now = rows.filter(pl.col("year") == year)
    if now.is_empty():
        later = rows.filter(pl.col("year") > year)
        if later.is_empty():
            return _Standing("none", "")
        first = later.row(0, named=True)
        milestone = _Milestone(
            first["year"], first["threshold"] if level == "province" else None, first["status"]
        )
        return _Standing("none", first["source"], milestone=milestone)
    status = strongest_status(set(now["status"].to_list()))
    sources = now.filter(pl.col("status") == status)["source"].unique(maintain_order=True)
    value = now["threshold"][0] if level == "province" else None
    return _Standing(status, "; ".join(sources.to_list()), value)


# --- the report ----------------------------------------------------------------------------


class _Captions:
    """Numbers the charts in the order they are printed, counting only those that are."""

    def __init__(self) -> None:
        self.count = 0

    def chart(self, image: str, words: str) -> Chart:
        if not image:
            return Chart(image="", caption="")
        self.count += 1
        return Chart(image=image, caption=f"Biểu đồ {self.count}. {words}")


def build_report(
    tables: PeriodTables,
    followup: pl.DataFrame,
    last_year: pl.DataFrame | None,
    problems: pl.DataFrame,
    provenance: pl.DataFrame,
    ref: Reference,
    config: ReportConfig,
    today: date,
    run_id: str,
    software: str,
    amended: str = "",
    own_amendment: tuple[PeriodAmendment, ...] = (),
    amendments: tuple[PeriodAmendment, ...] = (),
) -> Report:
    """Everything the template shows, formatted. ``followup``: the units to follow up
    (``ntm.indicators.followup``). ``last_year``: the indicators of the same quarter a year
    earlier (for the "so với cùng kỳ" column), or None."""
    tables = _with_rates(tables)
    if last_year is not None:
        last_year = _rated(last_year)
    period = tables.period
    quarter = vi.quarter(period.year, period.quarter)
    names = ref.registry.select("unit_code", "unit_name").unique("unit_code", keep="last")
    name_of = dict(names.iter_rows())
    judging = _judging(tables, ref)
    units = _Units.of(tables, ref)
    # Commune by commune, the PDF stays readable (and its render bounded) up to a province's
    # size; above it, the lists are in the XLSX twin, which always has every commune.
    listed = units.communes <= int(config.values["pdf_max_communes"])
    divided = _divided_footnote(tables, ref)
    captions = _Captions()
    targets = _targets(tables, last_year, judging, captions)
    poverty = _poverty(tables, judging, units, name_of, ref, captions, divided)
    labour = _labour(tables, judging, units, name_of, captions)
    return Report(
        header=_header(config, judging, quarter, today),
        quarter=quarter,
        data_section=_data_section(tables, problems, name_of, units, listed),
        targets=targets,
        poverty=poverty,
        labour=labour,
        social=_social(tables, name_of),
        assessment=_assessment(tables, followup, name_of, judging),
        closing=_closing(config),
        commune_lists=_commune_lists(tables, listed, judging, units, divided),
        sponsors=_sponsors(tables, last_year, ref),
        appendices=_appendices(tables, judging, units) if listed else (),
        provenance=_provenance(tables, provenance, name_of, judging, today, run_id, software),
        amended=amended,
        own_amendment=own_amendment,
        amendments=amendments,
    )


def _sponsors(tables: PeriodTables, last_year: pl.DataFrame | None, ref: Reference) -> Sponsors:
    """The communes off target by sponsor, against the same quarter a year earlier; a commune
    formed since then (a new unit, even under a reused code) has nothing to compare with."""
    period = tables.period
    before = Period(period.year - 1, period.quarter)
    then = valid_on(ref.registry, before.last_day).select("unit_code", "valid_from")
    comparable = tables.units.join(then, on=["unit_code", "valid_from"], how="semi")
    return sponsor_section(
        tables.indicators,
        last_year,
        comparable.select("unit_code"),
        tables.roster,
        dict(tables.units.select("unit_code", "unit_name").iter_rows()),  # names of the day
        vi.quarter(before.year, before.quarter),
    )


def _header(config: ReportConfig, judging: _Judging, quarter: str, today: date) -> Header:
    """The subject and basis are the programme's (its catalogue's ``[report]``); a period no
    catalogue covers, or a catalogue without them, takes report.toml's generic words."""
    words = judging.catalogue.report if judging.covered else {}
    subject = words.get("subject") or str(config.values["subject"])
    basis = words.get("basis") or str(config.values["basis"])
    return document_header(
        config,
        config.text("title"),
        subject.replace("{quarter}", quarter),
        basis.replace("{quarter}", quarter),
        today,
    )


def document_header(
    config: ReportConfig, title: str, subject: str, basis: str, today: date
) -> Header:
    """The Party document's header blocks (report.toml) over a title, subject and basis."""
    return Header(
        superior_body=config.text("superior_body"),
        issuing_committee=config.text("issuing_committee"),
        party=config.text("party"),
        number_line=config.text("number_line"),
        place_date=f"{config.text('place')}, {vi.long_date(today)}",
        title=title,
        subject=subject,
        basis=basis,
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
    judging: _Judging,
    today: date,
    run_id: str,
    software: str,
) -> Provenance:
    rows = provenance_rows(provenance, name_of)
    programme = tables.catalogue.programme
    if not judging.covered:
        programme = (
            f"không có (năm {judging.year} ngoài các giai đoạn {', '.join(judging.programmes)}; "
            f"các chỉ số tính theo danh mục {programme})"
        )
    return Provenance(
        rows=rows,
        run_id=run_id,
        software=software,
        generated_on=vi.short_date(today),
        programme=programme,
    )


def provenance_rows(provenance: pl.DataFrame, name_of: dict[str, str]) -> tuple[ProvenanceRow, ...]:
    """One row per stored submission read (``period_provenance``); with a ``period`` column
    (a programme review reads several), each unit is prefixed by its period."""
    periods = "period" in provenance.columns
    return tuple(
        ProvenanceRow(
            unit=(f"{r['period']}: " if periods else "")
            + f"{r['unit_code']} {name_of.get(r['unit_code'], '')}",
            version=str(r["version"]),
            sha=r["content_sha256"][:16],
            file=r["file_name"],
            received=vi.short_date(r["received_at"].date()),
        )
        for r in provenance.iter_rows(named=True)
    )


# --- the units the report is about ---------------------------------------------------------


@dataclass(frozen=True)
class _Units:
    """The period's commune-level units, who reports, and how the report names them."""

    communes: int
    words: str  # "xã, phường, thị trấn": the types present, in the order the report names them
    breakdown: str  # "60 xã, 9 phường"
    direct: bool  # whether the communes report directly (no district level)
    since: date  # the day they started to
    province: str

    @staticmethod
    def of(tables: PeriodTables, ref: Reference) -> _Units:
        communes = tables.units.filter(pl.col("unit_level") == "commune")
        counts = dict(communes.group_by("unit_type").len().iter_rows())
        order = [t for t in UNIT_TYPES if t in counts] + sorted(set(counts) - set(UNIT_TYPES))
        since = ref.settings.communes_report_from
        province = tables.units.filter(pl.col("unit_level") == "province")["unit_name"]
        return _Units(
            communes=communes.height,
            words=", ".join(order) or "xã",
            breakdown=", ".join(f"{vi.count(counts[t])} {t}" for t in order),
            direct=reporting_level(tables.period.last_day, since) == "commune",
            since=since,
            province=str(province[0]) if province.len() else "",
        )


# --- I. data of the quarter ----------------------------------------------------------------


def _data_section(
    tables: PeriodTables,
    problems: pl.DataFrame,
    name_of: dict[str, str],
    units: _Units,
    listed: bool,
) -> DataSection:
    c = tables.completeness
    notes = _reporting_units(c, units, listed, tables.period.last_day)
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
        summary=_data_summary(c, units),
        notes=notes,
        rows=tuple(_submission_row(r) for r in shown.iter_rows(named=True)),
        problems=tuple(_problem_row(r, name_of) for r in problems.iter_rows(named=True)),
    )


def _data_summary(c: pl.DataFrame, units: _Units) -> str:
    received = int(c["received"].sum())
    on_time = int(c["on_time"].fill_null(False).sum())
    accepted = int(c["communes_accepted"].sum())
    expected = int(c["communes_expected"].sum())
    return (
        f"Đã nhận báo cáo của {received}/{c.height} đơn vị ({on_time} đơn vị đúng hạn, "
        f"{received - on_time} đơn vị chậm hạn); {vi.count(accepted)}/{vi.count(expected)} "
        f"{units.words} có số liệu hợp lệ."
    )


def _reporting_units(
    c: pl.DataFrame, units: _Units, listed: bool, day: date | None = None
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
    tables: PeriodTables,
    last_year: pl.DataFrame | None,
    judging: _Judging,
    captions: _Captions,
) -> TargetsSection:
    """One row per target of the catalogue, in its order, judged as its kind says."""
    return TargetsSection(
        intro=_uncovered(judging),
        rows=target_rows(tables, last_year, judging),
        notes=_target_notes(judging),
        chart=captions.chart(
            _attainment_chart(tables, judging), "Số xã đạt và chưa đạt từng chỉ tiêu cấp xã"
        ),
    )


def target_rows(
    tables: PeriodTables, last_year: pl.DataFrame | None, judging: _Judging
) -> tuple[TargetRow, ...]:
    """Each target of the catalogue, in its order, judged as its kind says (``tables`` with
    rates, see ``with_rates``)."""
    ind = tables.indicators
    trend = tables.trend.filter(pl.col("unit_level") == "province")
    pace = trend.row(0, named=True) if trend.height else None
    rows = []
    for target in judging.targets:
        if target.kind == "poverty_fall":
            rows.append(_pace_row(target, pace, judging))
        elif target.kind == "communes":
            rows.append(_commune_count_row(ind, target, judging))
        else:
            rows.append(_province_share_row(ind, last_year, target, judging))
    return tuple(rows)


def _uncovered(judging: _Judging) -> tuple[str, ...]:
    """For a period no programme covers: that nothing is judged, and why."""
    if judging.covered:
        return ()
    return (
        f"Năm {judging.year} không thuộc giai đoạn của chương trình nào có bộ tiêu chí (các "
        f"giai đoạn đã có bộ tiêu chí: {', '.join(judging.programmes)}), nên chưa có chỉ tiêu "
        f"để đánh giá: báo cáo nêu các tỷ lệ, xu hướng và danh sách theo số liệu, không đánh "
        f"giá đạt hay chưa đạt chỉ tiêu.",
    )


def _target_notes(judging: _Judging) -> tuple[str, ...]:
    """Which targets are provisional (and whose figure stands in), which are not yet set, and
    which ones the counts and lists judge by; nothing when every target is official."""
    if not judging.covered or judging.all_official():
        return ()
    notes = []
    provisional: dict[str, list[str]] = {}
    for target in judging.targets:
        standing = judging.standing(target)
        if standing.outlook == "provisional":
            provisional.setdefault(standing.source, []).append(target.id)
    for source, ids in provisional.items():
        notes.append(
            f"{_capitalised(_ids(ids))} là mức {PROVISIONAL_VI}, chưa phải chỉ tiêu chính thức "
            f"của tỉnh; nguồn: {source}."
        )
    pending: dict[str, list[str]] = {}
    for target in judging.targets:
        standing = judging.standing(target)
        if standing.status == "pending":
            pending.setdefault(standing.source, []).append(target.id)
    if pending:
        grounds = "; ".join(f"{', '.join(ids)} theo {source}" for source, ids in pending.items())
        notes.append(f"Chưa ban hành mức chỉ tiêu năm {judging.year}, chưa đánh giá: {grounds}.")
    return (*notes, _judged_by(judging))


def _judged_by(judging: _Judging) -> str:
    """Which targets the counts of communes meeting a target and the lists of those that miss
    one use: only official and provisional ones (a pending one judges nothing)."""
    if not judging.covered:
        return (
            f"Năm {judging.year} chưa có chỉ tiêu để đánh giá: danh sách dưới đây chỉ gồm các "
            f"xã có {judging.rate} tăng so với cuối năm trước (nếu có)."
        )
    official, provisional = judging.ids("official"), judging.ids("provisional")
    pending = judging.ids("pending")
    used = [f"{', '.join(official)} (chính thức)"] if official else []
    used += [f"{', '.join(provisional)} ({PROVISIONAL_VI})"] if provisional else []
    communes = judging.ids("official", "provisional", kind="communes")
    if used:
        many = len(official) + len(provisional) > 1
        sentence = (
            f"Kết quả đạt, chưa đạt chỉ tính theo {'các chỉ tiêu' if many else 'chỉ tiêu'} "
            f"{' và '.join(used)}"
        )
        sentence += (
            f"; danh sách xã chưa đạt theo {_ids(communes)}"
            if communes
            else "; chưa có chỉ tiêu cấp xã nào được ban hành nên chưa lập danh sách xã chưa đạt"
        )
    else:
        sentence = (
            f"Năm {judging.year} chưa có chỉ tiêu nào được ban hành (chính thức hoặc "
            f"{PROVISIONAL_VI}), nên chưa đánh giá xã đạt, chưa đạt"
        )
    if pending:
        sentence += f"; {_ids(pending)} chưa ban hành, chưa đánh giá"
    return sentence + "."


def _not_yet(standing: _Standing) -> tuple[str, str]:
    """The target and verdict cells of a target with no threshold this year: "Chưa đến mốc";
    when its next milestone is not an official one, that milestone, marked, and the verdict
    "Chưa đến mốc"."""
    milestone = standing.milestone
    if milestone is None or milestone.status == "official":
        return NOT_YET_VI, "-"
    if milestone.status == "pending":
        return f"{PENDING_VI} (năm {milestone.year})", NOT_YET_VI
    if milestone.value is None:
        return f"Từ năm {milestone.year} ({PROVISIONAL_VI})", NOT_YET_VI
    return f"{vi.percent(milestone.value)} năm {milestone.year} ({PROVISIONAL_VI})", NOT_YET_VI


def _pace_row(target: Target, t: dict[str, Any] | None, judging: _Judging) -> TargetRow:
    """The band target: the province's average yearly fall of the rate the trend follows."""
    band, standing = judging.band, judging.standing(target)
    bounds = band.bounds
    average = t["average_fall"] if t is not None else None
    if bounds is None:
        status = NOT_JUDGED_VI
    else:
        status = STATUS_VI.get((t or {}).get("status") or "", "Chưa đủ số liệu")
    change = ""
    if t is not None:
        change = f"cuối năm {t['last_year']}"
        if t["base_year"] != t["last_year"]:
            change = f"từ cuối năm {t['base_year']} đến {change}"
    return TargetRow(
        id=target.id,
        label=judging.label(target),
        value=f"{vi.hundredths(average)} điểm %/năm" if average is not None else "-",
        target=vi.band(*bounds, least=2) + standing.marker if bounds is not None else PENDING_VI,
        status=status,
        change=change,
    )


def _commune_count_row(ind: pl.DataFrame, target: Target, judging: _Judging) -> TargetRow:
    """A commune-level target: how many of the communes it applies to meet it."""
    standing = judging.standing(target)
    if not standing.judged:
        cell, verdict = (
            (PENDING_VI, NOT_JUDGED_VI) if standing.status == "pending" else _not_yet(standing)
        )
        return TargetRow(
            id=target.id, label=judging.label(target), value="-", target=cell, status=verdict,
            change="",
        )  # fmt: skip
    # A commune meets a target when it meets every threshold of it (T7 judges two rates).
    rows = targets_by_commune(ind).filter(pl.col("target_id") == target.id)
    met = int(rows["met"].sum())
    status = "Đạt" if met == rows.height and rows.height else "Chưa đạt"
    if not rows.height:
        status = "Không có xã thuộc diện"
    return TargetRow(
        id=target.id,
        label=judging.label(target),
        value=f"{met}/{rows.height} xã",
        target="100% số xã" + standing.marker,
        status=status,
        change="",
    )


def _province_share_row(
    ind: pl.DataFrame, last_year: pl.DataFrame | None, target: Target, judging: _Judging
) -> TargetRow:
    """A province-level share of communes, against its milestone and the same quarter last year
    ("-" while no commune threshold it is made of is set: it would count nothing)."""
    standing, indicator = judging.standing(target), str(target.indicator)
    verdict: str | None = None  # None: the share's attainment says
    if standing.status == "pending":
        cell, verdict = PENDING_VI, NOT_JUDGED_VI
    elif standing.status == "none" or standing.value is None:
        cell, verdict = _not_yet(standing)
    else:
        cell = vi.percent(standing.value) + standing.marker
    if not judging.share_judged(indicator):
        return TargetRow(
            id=target.id, label=judging.label(target), value="-", target=cell,
            status=verdict or NOT_JUDGED_VI, change="-",
        )  # fmt: skip
    row = _value(ind, "province", None, indicator)
    before = _value(last_year, "province", None, indicator) if last_year is not None else {}
    now, then = _rate(row), _rate(before)
    if verdict is None:
        verdict = "-" if row.get("attained") is None else ("Đạt" if row["attained"] else "Chưa đạt")
    return TargetRow(
        id=target.id,
        label=judging.label(target),
        value=f"{vi.percent(now)} ({row.get('numerator', 0)}/{row.get('denominator', 0)} xã)",
        target=cell,
        status=verdict,
        change="-" if now is None or then is None else _signed_points(now - then),
    )


def _attainment_chart(tables: PeriodTables, judging: _Judging) -> str:
    """Shares of rural communes meeting each commune-level target the year judges ("" when
    none does), in the catalogue's order."""
    names = dict(judging.catalogue.indicators.select("id", "name").iter_rows())
    labels = {}
    for target in judging.targets:
        if target.kind != "communes" or target.indicator is None:
            continue
        words = CHART_WORDS.get(target.indicator, names.get(target.indicator, target.indicator))
        labels[target.id] = f"{target.id} {words}{judging.standing(target).marker}"
    assessed = targets_by_commune(tables.indicators).filter(pl.col("target_id").is_in(list(labels)))
    if assessed.is_empty():
        return ""
    frame = (
        assessed.group_by("target_id")
        .agg(met=pl.col("met").sum().cast(pl.Int64), total=pl.len().cast(pl.Int64))
        .with_columns(
            order=pl.col("target_id").replace_strict({k: i for i, k in enumerate(labels)}),
            label=pl.col("target_id").replace_strict(labels),
        )
        .sort("order")
    )
    return _svg_uri(charts.attainment_svg(frame.select("label", "met", "total")))


def _signed_points(value: int) -> str:
    if value == 0:
        return "không đổi"
    return f"{'tăng' if value > 0 else 'giảm'} {vi.points(value)}"


# --- II.2 poverty --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Followed:
    """The rate the poverty trend follows: the indicator the band judges, in its words."""

    name: str  # the catalogue's name: "Tỷ lệ nghèo đa chiều (hộ nghèo và cận nghèo)"
    short: str  # without its gloss: "Tỷ lệ nghèo đa chiều"
    count_header: str  # "Số hộ nghèo", "Số hộ nghèo và cận nghèo"


def _followed(catalogue: Catalogue, labels: dict[str, str]) -> _Followed:
    """The indicator the poverty trend follows (``Catalogue.trend``), in its words."""
    row = catalogue.trend_indicator()
    name = str(row["name"])
    figures = list(row["numerator"])
    return _Followed(name, name.split(" (", maxsplit=1)[0], _count_header(figures, labels))


def _count_header(figures: list[str], labels: dict[str, str]) -> str:
    """The households a trend counts, from the submission form's labels of its figures:
    "Số hộ nghèo cuối kỳ" and "Số hộ cận nghèo cuối kỳ" -> "Số hộ nghèo và cận nghèo"."""
    words = [labels.get(figure, figure) for figure in figures]
    prefix, suffix = "Số hộ ", " cuối kỳ"
    if all(w.startswith(prefix) for w in words):
        return prefix + " và ".join(w.removeprefix(prefix).removesuffix(suffix) for w in words)
    return " + ".join(words)


def _poverty(
    tables: PeriodTables,
    judging: _Judging,
    units: _Units,
    name_of: dict[str, str],
    ref: Reference,
    captions: _Captions,
    divided: str,
) -> PovertySection:
    changes = tables.changes.filter(pl.col("unit_level") == "province").sort("year")
    trend = tables.trend.filter(pl.col("unit_level") == "province")
    t = trend.row(0, named=True) if trend.height else None
    followed = _followed(tables.catalogue, ref.format.labels)
    # A single year-end is a number, not a trend: no chart.
    chart, words = _poverty_chart(changes, t, judging, followed) if changes.height > 1 else ("", "")
    return PovertySection(
        sentence=_poverty_sentence(changes, t, judging, followed) if changes.height else "",
        notes=_trend_units(tables, ref, units, changes, marked=bool(divided)),
        footnotes=(divided,) if divided else (),
        chart=captions.chart(chart, words),
        count_header=followed.count_header,
        rate_header=followed.short,
        series=tuple(_poverty_year_row(r) for r in changes.iter_rows(named=True)),
        flows=_flow_rows(tables.flows, name_of),
        districts=_by_district(tables, POVERTY_RATES, name_of),
    )


def _poverty_year_row(r: dict[str, Any]) -> PovertyYearRow:
    """A row of ``PeriodTables.changes`` (with its rate): the province at the end of a year."""
    return PovertyYearRow(
        year=str(r["year"]),
        counted=vi.count(r["counted"]),
        households=vi.count(r["households"]),
        rate=vi.percent(r["rate"]),
        fall=(_signed_points(-r["fall"]) if r["fall"] is not None else "-")
        + (" (đổi chuẩn nghèo)" if r["method_break"] else ""),
    )


def _band_judges(judging: _Judging, year: int) -> tuple[int, int] | None:
    """The band a year-end's fall is judged against: the programme's, for its own years."""
    if not judging.covered or not judging.catalogue.covers(year):
        return None
    return judging.band.bounds


def _verdict(fall: int, band: tuple[int, int]) -> str:
    if fall <= 0:
        return "chưa đạt chỉ tiêu đề ra"
    if fall < band[0]:
        return f"thấp hơn mức giảm bình quân {vi.band(*band)} điểm phần trăm/năm của chỉ tiêu"
    if fall > band[1]:
        return "vượt chỉ tiêu đề ra"
    return "đạt chỉ tiêu đề ra"


def _poverty_sentence(
    changes: pl.DataFrame, t: dict[str, Any] | None, judging: _Judging, followed: _Followed
) -> str:
    """The last year's change (against the band in the programme's years), then the average
    pace and where it leads, or the pace the band asks for."""
    sentence = _last_change_sentence(changes, judging, followed)
    if t is not None and judging.covered:
        if t["average_fall"] is not None:
            sentence += _pace_sentence(t, judging, followed)
        elif t["needed_fall"] is not None:
            sentence += _needed_sentence(t, judging, followed)
    return sentence


def _last_change_sentence(changes: pl.DataFrame, judging: _Judging, followed: _Followed) -> str:
    """How the rate moved from the year before to the last year, or its level with a single
    year."""
    last = changes.row(-1, named=True)
    if changes.height <= 1 or last["fall"] is None:
        return f"{followed.name} toàn tỉnh cuối năm {last['year']} là {vi.percent(last['rate'])}."
    prev = changes.row(-2, named=True)
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
    band = _band_judges(judging, last["year"])
    verdict = ""
    if band is not None:
        verdict = f", {_verdict(last['fall'], band)}"
        verdict += f" (chỉ tiêu {PROVISIONAL_VI})" if judging.band.status == "provisional" else ""
    return (
        f"{followed.name} toàn tỉnh {movement} từ {vi.percent(prev['rate'])} (cuối năm "
        f"{prev['year']}) {direction} {vi.percent(last['rate'])} (cuối năm {last['year']}), "
        f"{movement} {vi.points(last['fall'])}{verdict}."
    )


def _pace_sentence(t: dict[str, Any], judging: _Judging, followed: _Followed) -> str:
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
            f"; nếu giữ tốc độ này, đến cuối năm {last_year} {_lowered(followed.short)} còn "
            f"khoảng {vi.percent(max(t['projected_rate'], 0))}"
        )
        if t["needed_fall"] is not None:
            sentence += (
                f", cần giảm {vi.points(max(t['needed_fall'], 0))}/năm để đạt mức tối thiểu "
                f"của chỉ tiêu"
            )
    return sentence + "."


def _needed_sentence(t: dict[str, Any], judging: _Judging, followed: _Followed) -> str:
    """Before a programme has two year-ends: the yearly fall its band asks for."""
    provisional = f" ({PROVISIONAL_VI})" if judging.band.status == "provisional" else ""
    return (
        f" Để đạt mức tối thiểu của chỉ tiêu{provisional}, {_lowered(followed.short)} cần giảm "
        f"bình quân {vi.points(max(t['needed_fall'], 0))}/năm từ cuối năm {t['last_year']} "
        f"đến cuối năm {judging.catalogue.last_year}."
    )


def _poverty_chart(
    changes: pl.DataFrame, t: dict[str, Any] | None, judging: _Judging, followed: _Followed
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
    )
    breaks = [int(year) for year in changes.filter(pl.col("method_break"))["year"]]
    series = rated.select(pl.col("year").cast(pl.Int64), pl.col("rate").cast(pl.Int64))
    words = f"{followed.short} toàn tỉnh cuối các năm"
    if bounds is not None:
        words += " và mức giảm theo chỉ tiêu"
        words += f" ({PROVISIONAL_VI})" if options.provisional else ""
    return _svg_uri(charts.poverty_trend_svg(series, bounds, projection, breaks, options)), words


def _years(years: list[int]) -> str:
    """Years as a sentence names them: "năm 2024", "các năm 2022 - 2024", "các năm 2020, 2022"."""
    if len(years) == 1:
        return f"năm {years[0]}"
    if years == list(range(years[0], years[-1] + 1)):
        return f"các năm {years[0]} - {years[-1]}"
    return f"các năm {', '.join(str(y) for y in years)}"


def _commune_keys(frame: pl.DataFrame) -> set[tuple[str, date]]:
    communes = frame.filter(pl.col("unit_level") == "commune")
    return set(communes.select("unit_code", "valid_from").iter_rows())


def _trend_units(
    tables: PeriodTables, ref: Reference, units: _Units, changes: pl.DataFrame, marked: bool
) -> tuple[str, ...]:
    """That the year-ends measured on other units are summed onto today's: which years."""
    today = _commune_keys(tables.units)
    remapped = [
        int(year)
        for year in changes["year"].to_list()
        if _commune_keys(valid_on(ref.registry, date(int(year), 12, 31))) != today
    ]
    if not remapped:
        return ()
    mark = f" {DIVIDED_MARK}" if marked else ""
    return (
        f"Số liệu cuối {_years(remapped)} được tính lại theo {vi.count(units.communes)} "
        f"{units.words} hiện nay{mark}: số liệu của mỗi đơn vị cũ được cộng vào đơn vị kế thừa "
        f"theo các lần sắp xếp đơn vị hành chính, để so sánh trên cùng địa bàn.",
    )


def _divided_footnote(tables: PeriodTables, ref: Reference) -> str:
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


def _flow_rows(flows: pl.DataFrame, name_of: dict[str, str]) -> tuple[FlowRow, ...]:
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


def _labour(
    tables: PeriodTables,
    judging: _Judging,
    units: _Units,
    name_of: dict[str, str],
    captions: _Captions,
) -> LabourSection:
    below = tables.off_track.filter(
        pl.col("indicator").is_in(["trained_labour_rate", "certified_labour_rate"])
    )
    chart, words = _labour_chart(tables, judging, units)
    return LabourSection(
        sentence=_labour_sentence(tables.indicators, judging),
        chart=captions.chart(chart, words),
        districts=_by_district(tables, LABOUR_RATES, name_of),
        below=tuple(_below_target_row(r) for r in below.iter_rows(named=True)),
    )


def _labour_sentence(ind: pl.DataFrame, judging: _Judging) -> str:
    """The province's rates, then the communes meeting each labour target the year judges,
    or that it judges none."""
    trained = _value(ind, "province", None, "trained_labour_rate")
    certified = _value(ind, "province", None, "certified_labour_rate")
    sentence = (
        f"Tỷ lệ lao động có việc làm qua đào tạo toàn tỉnh đạt {vi.percent(_rate(trained))}, "
        f"trong đó có bằng cấp, chứng chỉ {vi.percent(_rate(certified))}."
    )
    met, unset = [], []
    for share_id, words in LABOUR_SHARES:
        share = _value(ind, "province", None, share_id)
        if share and judging.share_judged(share_id):
            met.append(
                f"{share.get('numerator', 0)}/{share.get('denominator', 0)} xã "
                f"({vi.percent(_rate(share))}) đạt {words}"
            )
        else:
            unset.append(words)
    if met:
        sentence += f" Có {' và '.join(met)}."
    if unset:
        sentence += (
            f" {_capitalised(' và '.join(unset))} chưa có mức áp dụng cho năm {judging.year} "
            f"nên chưa đánh giá số xã đạt."
        )
    return sentence


def _chart_threshold(judging: _Judging, indicator: str) -> tuple[int | None, bool]:
    """The lowest official or provisional commune threshold of ``indicator`` in the year, and
    whether it is provisional; (None, False) when there is none."""
    found = judging.catalogue.thresholds.filter(
        (pl.col("indicator") == indicator)
        & (pl.col("level") == "commune")
        & (pl.col("year") == judging.year)
        & pl.col("status").is_in(["official", "provisional"])
        & pl.col("threshold").is_not_null()
    ).sort("threshold", "status")
    if found.is_empty():
        return None, False
    row = found.row(0, named=True)
    return int(row["threshold"]), row["status"] == "provisional"


def _labour_chart(tables: PeriodTables, judging: _Judging, units: _Units) -> tuple[str, str]:
    """The trained-labour rate by district, or by commune once communes report directly ("" for
    none, or too many to read as bars), with the caption's words."""
    level = "commune" if units.direct else "district"
    rows = tables.indicators.filter(
        (pl.col("unit_level") == level) & (pl.col("indicator") == LABOUR_CHART_INDICATOR)
    )
    if not 0 < rows.height <= CHART_MAX_UNITS:
        return "", ""
    threshold, provisional = _chart_threshold(judging, LABOUR_CHART_INDICATOR)
    svg = charts.rates_by_unit_svg(
        rows.select("unit_name", value=pl.col("rate")),
        "Tỷ lệ lao động qua đào tạo (%)",
        threshold,
        provisional=provisional,
    )
    per = units.words if units.direct else "đơn vị"
    return _svg_uri(svg), f"Tỷ lệ lao động có việc làm qua đào tạo theo {per}"


def _below_target_row(r: dict[str, Any]) -> BelowTargetRow:
    """A row of ``PeriodTables.off_track`` for a labour indicator."""
    marker = f" ({PROVISIONAL_VI})" if r.get("target_status") == "provisional" else ""
    return BelowTargetRow(
        commune=f"{r['unit_name']} ({r['unit_code']})",
        indicator="Qua đào tạo"
        if r["indicator"] == "trained_labour_rate"
        else "Bằng cấp, chứng chỉ",
        value=vi.percent(_rate(r)),
        target=vi.percent(r["threshold"]) + marker,
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


def _marked(tables: PeriodTables, codes: Iterable[str]) -> set[str]:
    """The codes whose year-end history sums a divided unit (see ``_divided_footnote``)."""
    return set(codes) & set(tables.divided["unit_code"].to_list())


def _assessment(
    tables: PeriodTables, followup: pl.DataFrame, name_of: dict[str, str], judging: _Judging
) -> Assessment:
    rising = tables.off_track.filter(pl.col("reason") == "poverty_rising")
    below = tables.off_track.filter(pl.col("reason") == "below_target")
    per_commune = (
        below.group_by("unit_code", "unit_name")
        .agg(pl.col("target_id").unique().sort().str.join(", ").alias("targets"))
        .sort("unit_code")
    )
    divided = _marked(tables, rising["unit_code"].to_list())
    # The communes below a target are listed by sponsor (``_sponsors``); these rose.
    off_track = tuple(
        OffTrackRow(
            commune=f"{r['unit_name']} ({r['unit_code']})",
            targets=f"{_capitalised(judging.rate)} tăng"
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
    missing = tuple(_missing_row(r, name_of) for r in tables.without_data.iter_rows(named=True))
    basis = "" if judging.all_official() else _judged_by(judging)
    return Assessment(
        sentences=_assessment_sentences(
            per_commune.height, rising.height, bool(late or missing), judging, basis
        ),
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


def _assessment_sentences(
    below: int, rising: int, late_or_missing: bool, judging: _Judging, basis: str = ""
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
    sentences.append(judging.proposal)
    return tuple(sentences)


def _commune_lists(
    tables: PeriodTables, listed: bool, judging: _Judging, units: _Units, divided: str
) -> CommuneLists:
    """Whether the PDF lists communes one by one, and if not, where the lists are; which
    targets the lists judge by (when not all are official), and the divided-unit footnote
    when a row listed is marked with it."""
    note = (
        f"Báo cáo này bao gồm {vi.count(units.communes)} {units.words}: danh sách từng xã chưa "
        f"đạt chỉ tiêu và số liệu chi tiết của từng xã không in trong báo cáo mà có trong tệp "
        f"Excel kèm theo (trang tính “Chỉ tiêu” và “Xã chưa đạt”)."
    )
    rising = tables.off_track.filter(pl.col("reason") == "poverty_rising")
    marked = listed and bool(divided) and bool(_marked(tables, rising["unit_code"].to_list()))
    return CommuneLists(
        listed=listed,
        note="" if listed else note,
        basis=() if judging.all_official() else (_judged_by(judging),),
        empty="Không có xã nào chưa đạt chỉ tiêu."
        if judging.ids("official", "provisional", kind="communes")
        else f"Không có xã nào có {judging.rate} tăng so với cuối năm trước.",
        footnotes=(divided,) if marked else (),
    )


def _appendix_title(group: str, units: _Units) -> str:
    """A district's name, or once communes report directly, that every commune is listed."""
    if units.direct:
        return f"Số liệu từng {units.words} của {units.province}"
    return group


def _appendices(
    tables: PeriodTables, judging: _Judging, units: _Units, first: int = 2
) -> tuple[Appendix, ...]:
    """One table per reporting district (or one for the province once communes report
    directly): every commune with its class and rates, √ or × where a target applies;
    numbered from ``first`` (in the quarterly report, Phụ lục 1 lists the communes off
    track)."""
    headers = tuple(
        _appendix_header(header, indicator, judging) for header, indicator in APPENDIX_RATES
    )
    indicators = [indicator for _, indicator in APPENDIX_RATES]
    groups: list[Appendix] = []
    for (parent_name,), group in _appendix_frame(tables, indicators).group_by(
        "parent_name", maintain_order=True
    ):
        rows = tuple(
            _commune_row(r, indicators, judging.catalogue) for r in group.iter_rows(named=True)
        )
        # A district that sent nothing usable is listed in section III, not as a page of dashes.
        if any(cell != "-" for row in rows for cell in row.cells):
            groups.append(
                Appendix(
                    number=str(len(groups) + first),
                    title=_appendix_title(str(parent_name), units),
                    communes=_capitalised(units.words),
                    class_heading=tables.catalogue.class_heading,
                    columns=headers,
                    rows=rows,
                )
            )
    return tuple(groups)


def _appendix_header(header: str, indicator: str, judging: _Judging) -> str:
    """A column's header with the id of the catalogue's target that judges it, if any:
    "Nghèo đa chiều (T2)"."""
    target = judging.target_of(indicator)
    return f"{header} ({target.id})" if target is not None else header


def _appendix_frame(tables: PeriodTables, indicators: list[str]) -> pl.DataFrame:
    """Every commune, its class, its district's name, and per indicator a struct of its rate
    and whether it is attained; sorted by district, then commune."""
    communes = tables.indicators.filter(
        (pl.col("unit_level") == "commune") & pl.col("indicator").is_in(indicators)
    ).with_columns(shown=pl.struct("rate", "attained"))
    wide = communes.pivot(on="indicator", index="unit_code", values="shown")
    units = tables.units.filter(pl.col("unit_level") == "commune").select(
        "unit_code", "unit_name", "parent_code"
    )
    table = units.join(wide, on="unit_code", how="left").join(
        tables.roster.select(pl.col("commune_code").alias("unit_code"), "commune_class"),
        on="unit_code",
        how="left",
    )
    parents = tables.units.filter(pl.col("unit_level") != "commune").select(
        pl.col("unit_code").alias("parent_code"), pl.col("unit_name").alias("parent_name")
    )
    return table.join(parents, on="parent_code", how="left").sort("parent_code", "unit_code")


def _commune_row(r: dict[str, Any], indicators: list[str], catalogue: Catalogue) -> CommuneRow:
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
        commune_class=catalogue.class_label(r["commune_class"]),
        cells=tuple(cells),
    )
