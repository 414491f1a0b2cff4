"""The programme's final review (BÁO CÁO TỔNG KẾT): every figure and sentence, formatted.

Built from ``ntm.indicators.programme.ProgrammeTables``: the programme's year-ends (and, while
it runs, its latest quarter), each judged by the quarterly report's own rules
(``ntm.report.context``), and every year judged again on the units of the last one. Every
sentence states a figure of the data or a word of the catalogue: what was achieved, what was
not, and for the next programme its targets as its catalogue has them (set, provisional or
not yet published). Nothing here knows a programme.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from ntm.indicators.programme import ProgrammeTables
from ntm.indicators.tables import PeriodTables
from ntm.reference import Catalogue, Reference, ReportConfig
from ntm.reference.criteria import Target, strongest_status
from ntm.report import vi
from ntm.report.context import (
    NOT_JUDGED_VI,
    NOT_YET_VI,
    PENDING_VI,
    PROVISIONAL_VI,
    _appendices,
    _capitalised,
    _Captions,
    _closing,
    _divided_footnote,
    _Judging,
    _judging,
    _poverty,
    _rated,
    _Units,
    _with_rates,
    document_header,
    flow_row,
    provenance_rows,
    target_rows,
)
from ntm.report.sections import (
    Chart,
    FlowRow,
    Header,
    MilestoneRow,
    NeverMetRow,
    PovertySection,
    Provenance,
    RateRow,
    RateTable,
    Review,
    ReviewAssessment,
    ReviewDataSection,
    ReviewTargetRow,
    ReviewTargets,
    SponsorMembers,
    Sponsors,
    TitledTable,
    YearDataRow,
    YearUnitsRow,
)
from ntm.report.sponsors import NO_SPONSOR, sponsor_members, sponsor_section, sponsors_of
from transforms import review

# The district tables of the years districts reported: (title, indicator).
DISTRICT_TABLES = (
    ("Tỷ lệ hộ nghèo", "poor_rate"),
    ("Tỷ lệ nghèo đa chiều (hộ nghèo và cận nghèo)", "multidimensional_poverty_rate"),
    ("Tỷ lệ lao động qua đào tạo", "trained_labour_rate"),
    ("Tỷ lệ lao động có bằng cấp, chứng chỉ", "certified_labour_rate"),
    ("Tỷ lệ phụ nữ tham gia HTX, tổ hợp tác, mô hình liên kết", "women_coop_share"),
    ("Tỷ lệ vụ trẻ em bị xâm hại được xử lý kịp thời", "child_abuse_handled_rate"),
    ("Tỷ lệ xã đạt tất cả tiêu chí của ngành", "communes_meeting_all_criteria"),
)
DISTRICT_TITLE = "{} cuối năm theo huyện, thị xã, thành phố (%)"


def programme_words(catalogue: Catalogue) -> str:
    """ "giai đoạn 2021 - 2025"."""
    return f"giai đoạn {catalogue.first_year} - {catalogue.last_year}"


def build_review(
    prog: ProgrammeTables,
    ref: Reference,
    config: ReportConfig,
    today: date,
    run_id: str,
    software: str,
) -> Review:
    catalogue = prog.catalogue
    words = programme_words(catalogue)
    names = ref.registry.select("unit_code", "unit_name").unique("unit_code", keep="last")
    name_of = dict(names.iter_rows())
    points = tuple(_with_rates(p) for p in prog.points)
    judgings = tuple(_judging(p, ref) for p in points)
    last = points[-1] if points else None
    captions = _Captions()
    poverty = PovertySection(
        sentence="Chưa có số liệu cuối năm nào của giai đoạn.", notes=(), footnotes=(),
        chart=Chart("", ""), count_header="", rate_header="", series=(), flows=(),
        districts=RateTable((), ()),
    )  # fmt: skip
    appendices: tuple[Any, ...] = ()
    if last is not None:
        units = _Units.of(last, ref)
        poverty = _poverty(
            last, judgings[-1], units, name_of, ref, captions, _divided_footnote(last, ref)
        )
        appendices = _appendices(last, judgings[-1], units, first=3)
    on_last = _rated(prog.on_last_units)
    if last is not None:  # codes are reused: name the communes as they were at the last point
        name_of |= dict(last.units.select("unit_code", "unit_name").iter_rows())
    sponsors = _sponsors(on_last, points, name_of)
    never_met: tuple[NeverMetRow, ...] = ()
    by_sponsor: tuple[SponsorMembers, ...] = ()
    if last is not None and not on_last.is_empty():
        standings = _standings(on_last)
        never_met = _never_met(standings, last, name_of)
        final = standings.filter(pl.col("year") == on_last["year"].max()).drop("year")
        by_sponsor = sponsor_members(final, last.roster, name_of)
    targets = _targets(prog, points, judgings)
    return Review(
        header=_header(config, catalogue, words, today),
        programme=words,
        data_section=_data_section(prog, name_of),
        targets=targets,
        poverty=poverty,
        poverty_flows=_flows_by_year(points),
        by_district=_by_district(points, name_of),
        assessment=_assessment(prog, judgings, targets, ref, never_met),
        sponsors=sponsors,
        closing=_closing(config),
        never_met=never_met,
        never_met_note=_never_met_note(points),
        by_sponsor=by_sponsor,
        appendices=appendices,
        provenance=_provenance(prog, name_of, today, run_id, software),
    )


def _header(config: ReportConfig, catalogue: Catalogue, words: str, today: date) -> Header:
    subject = catalogue.report.get("review_subject") or str(config.values["review_subject"])
    basis = catalogue.report.get("review_basis") or str(config.values["review_basis"])
    return document_header(
        config,
        config.text("review_title"),
        subject.replace("{programme}", words),
        basis.replace("{programme}", words),
        today,
    )


def _point_label(tables: PeriodTables, baseline: int | None) -> str:
    period = tables.period
    if period.quarter != 4:
        return _capitalised(vi.quarter(period.year, period.quarter))
    return f"{period.year} (gốc)" if period.year == baseline else str(period.year)


# --- I. the data ---------------------------------------------------------------------------


def _data_section(prog: ProgrammeTables, name_of: dict[str, str]) -> ReviewDataSection:
    q = prog.quarters
    if q.is_empty():
        return ReviewDataSection(
            summary=f"Chưa có kỳ báo cáo nào của {programme_words(prog.catalogue)} kết thúc.",
            rows=(),
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
    return ReviewDataSection(summary=summary, rows=rows, units=_units_by_year(q, name_of))


def _units_by_year(q: pl.DataFrame, name_of: dict[str, str]) -> tuple[YearUnitsRow, ...]:
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


# --- II. results, target by target ---------------------------------------------------------


def _baseline(points: tuple[PeriodTables, ...]) -> int | None:
    """The first year-end under the programme's poverty standard: the trend's base year at
    the last point."""
    if not points:
        return None
    trend = points[-1].trend.filter(pl.col("unit_level") == "province")
    return int(trend["base_year"][0]) if trend.height else None


def _targets(
    prog: ProgrammeTables, points: tuple[PeriodTables, ...], judgings: tuple[_Judging, ...]
) -> ReviewTargets:
    catalogue = prog.catalogue
    baseline = _baseline(points)
    columns = tuple(_point_label(p, baseline) for p in points)
    finals = {r.id: r for r in target_rows(points[-1], None, judgings[-1])} if points else {}
    rates = _trend_rates(points)
    judged = [review.targets_by_commune(p.indicators) for p in points]
    rows = []
    for target in catalogue.targets:
        cells = tuple(
            _cell(p, j, c, target, rates) for p, j, c in zip(points, judgings, judged, strict=True)
        )
        final = finals.get(target.id)
        if target.kind == "share":
            goal = _share_goal(catalogue, target.id, str(target.indicator))
        else:
            goal = final.target if final is not None else PENDING_VI
        status = final.status if final is not None else NOT_JUDGED_VI
        if target.kind == "poverty_fall" and final is not None and final.value != "-":
            status = f"{status} (bình quân {final.value})"
        label = judgings[-1].label(target) if judgings else target.label
        rows.append(ReviewTargetRow(target.id, label, cells, goal, status))
    milestones = _milestones(prog, points, judgings)
    return ReviewTargets(
        columns=columns,
        rows=tuple(rows),
        milestones=milestones,
        notes=_target_notes(prog, points, baseline),
    )


def _trend_rates(points: tuple[PeriodTables, ...]) -> dict[int, str]:
    """The province's year-end rate of the trend, by year, from the last point's series; a
    year measured with a new standard says so."""
    if not points:
        return {}
    changes = points[-1].changes.filter(pl.col("unit_level") == "province")
    return {
        r["year"]: vi.percent(r["rate"]) + (" (đổi chuẩn)" if r["method_break"] else "")
        for r in changes.iter_rows(named=True)
    }


def _cell(
    tables: PeriodTables,
    judging: _Judging,
    judged: pl.DataFrame,
    target: Target,
    rates: dict[int, str],
) -> str:
    """A target at one point: the trend's rate, communes meeting it (``judged``: each commune's
    standing on each target), or the province share."""
    period = tables.period
    if target.kind == "poverty_fall":
        return rates.get(period.year, "-") if period.quarter == 4 else "-"
    standing = judging.standing(target)
    if target.kind == "communes":
        if not standing.judged:
            return PENDING_VI if standing.status == "pending" else "-"
        rows = judged.filter(pl.col("target_id") == target.id)
        return f"{int(rows['met'].sum())}/{rows.height}" if rows.height else "-"
    if not judging.share_judged(str(target.indicator)):
        return "-"
    row = tables.indicators.filter(
        (pl.col("unit_level") == "province") & (pl.col("indicator") == target.indicator)
    )
    return vi.percent(row["rate"][0]) if row.height else "-"


def _share_goal(catalogue: Catalogue, target_id: str, indicator: str) -> str:
    """A share's milestones as the catalogue sets them: "70,00% năm 2023; 100,00% năm 2025"."""
    found = _share_thresholds(catalogue, target_id).filter(pl.col("indicator") == indicator)
    if found.is_empty():
        return NOT_YET_VI
    due = found.group_by("threshold", "status").agg(due=pl.col("year").min()).sort("due")
    parts = []
    for r in due.iter_rows(named=True):
        if r["threshold"] is None:
            parts.append(f"{PENDING_VI} (năm {r['due']})")
        else:
            marker = f" ({PROVISIONAL_VI})" if r["status"] == "provisional" else ""
            parts.append(f"{vi.percent(r['threshold'])} năm {r['due']}{marker}")
    return "; ".join(parts)


def _share_thresholds(catalogue: Catalogue, target_id: str) -> pl.DataFrame:
    return catalogue.thresholds.filter(
        (pl.col("target") == target_id) & (pl.col("level") == "province")
    )


def _milestones(
    prog: ProgrammeTables, points: tuple[PeriodTables, ...], judgings: tuple[_Judging, ...]
) -> tuple[MilestoneRow, ...]:
    """Each milestone of each share target: reached on time, late, or not (yet)."""
    catalogue = prog.catalogue
    names = dict(catalogue.shares.select("id", "name").iter_rows())
    share_ids = list(names)
    shares = pl.concat(
        [
            p.indicators.filter(pl.col("unit_level") == "province")
            .select("indicator", "numerator", "denominator")
            .filter(pl.col("indicator").is_in([i for i in share_ids if j.share_judged(i)]))
            .with_columns(year=pl.lit(p.period.year, pl.Int64))
            for p, j in zip(points, judgings, strict=True)
            if p.period.quarter == 4
        ]
        or [pl.DataFrame(schema={"indicator": pl.String, "numerator": pl.Int64,
                                 "denominator": pl.Int64, "year": pl.Int64})]
    )  # fmt: skip
    share_targets = [t.id for t in catalogue.targets if t.kind == "share"]
    thresholds = catalogue.thresholds.filter(
        pl.col("target").is_in(share_targets) & (pl.col("level") == "province")
    )
    last_year = max((p.period.year for p in points if p.period.quarter == 4), default=0)
    found = review.milestones(shares, thresholds)
    rows = []
    for r in found.iter_rows(named=True):
        marker = f" ({PROVISIONAL_VI})" if r["status"] == "provisional" else ""
        if r["reached"] is None:
            reached = "Chưa đạt"
            verdict = "Chưa đến hạn" if r["due"] > last_year else "Không đạt"
        else:
            reached = f"Năm {r['reached']}"
            verdict = "Đạt đúng hạn" if r["on_time"] else f"Đạt muộn {r['reached'] - r['due']} năm"
        rows.append(
            MilestoneRow(
                target=f"{r['target']}: {names.get(r['indicator'], r['indicator'])}",
                milestone=f"{vi.percent(r['threshold'])} năm {r['due']}{marker}",
                reached=reached,
                verdict=verdict,
            )
        )
    return tuple(rows)


def _target_notes(
    prog: ProgrammeTables,
    points: tuple[PeriodTables, ...],
    baseline: int | None,
) -> tuple[str, ...]:
    catalogue = prog.catalogue
    notes = []
    if not points:
        return (f"Chưa có kỳ báo cáo nào của {programme_words(catalogue)} kết thúc.",)
    last = points[-1].period
    if last.quarter != 4:
        notes.append(
            f"Chương trình chưa kết thúc: cột cuối là số liệu {vi.quarter(last.year, last.quarter)}"
            f", kỳ báo cáo gần nhất đã kết thúc."
        )
    standard = catalogue.standard_of(baseline) if baseline is not None else None
    if standard is not None and catalogue.standards.height > 1:
        name = str(standard["name"])
        notes.append(
            f"Năm gốc: cuối năm {baseline}, năm đầu tiên tính theo {_lowered_first(name)}; các "
            f"năm trước đó tính theo chuẩn nghèo cũ, không so sánh trực tiếp."
        )
    province = [t.id for t in catalogue.targets if t.kind != "communes"]
    notes.append(
        f"Cột theo năm: tỷ lệ toàn tỉnh ({', '.join(province)}) hoặc số xã đạt/số xã được đánh "
        f"giá (chỉ tiêu cấp xã), theo đơn vị hành chính của từng năm."
    )
    pending: dict[str, list[str]] = {}
    provisional: dict[str, list[str]] = {}
    for target in catalogue.targets:
        status, source = _over_programme(catalogue, target)
        if status == "pending":
            pending.setdefault(source, []).append(target.id)
        elif status == "provisional":
            provisional.setdefault(source, []).append(target.id)
    for source, ids in pending.items():
        notes.append(f"Chưa ban hành mức chỉ tiêu, chưa đánh giá: {', '.join(ids)} ({source}).")
    for source, ids in provisional.items():
        notes.append(
            f"Mức {PROVISIONAL_VI}, chưa phải chỉ tiêu chính thức của tỉnh: {', '.join(ids)} "
            f"(nguồn: {source})."
        )
    return tuple(notes)


def _over_programme(catalogue: Catalogue, target: Target) -> tuple[str, str]:
    """A target's status over all the programme's years (``strongest_status`` of its
    thresholds, the band's for the poverty fall; ``none`` without any) and its sources."""
    if target.kind == "poverty_fall":
        return catalogue.fall_band.status, catalogue.fall_band.source
    found = catalogue.thresholds.filter(pl.col("target") == target.id)
    return strongest_status(set(found["status"].to_list())), _sources(found["source"].to_list())


def _sources(sources: list[str]) -> str:
    """Each document once, in the order first named (a year's source may name several)."""
    parts = [part.strip() for source in sources for part in source.split(";")]
    return "; ".join(dict.fromkeys(part for part in parts if part))


def _lowered_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _flows_by_year(points: tuple[PeriodTables, ...]) -> tuple[FlowRow, ...]:
    """The province's poor and near-poor households, start to end of each year."""
    rows = []
    for p in points:
        province = p.flows.filter(pl.col("unit_level") == "province")
        if province.is_empty():
            continue
        r = province.row(0, named=True)
        label = (
            f"Năm {p.period.year}"
            if p.period.quarter == 4
            else _capitalised(vi.quarter(p.period.year, p.period.quarter))
        )
        rows.append(flow_row(label, r))
    return tuple(rows)


def _by_district(
    points: tuple[PeriodTables, ...], name_of: dict[str, str]
) -> tuple[TitledTable, ...]:
    """The years districts reported: one table per indicator, a district per row, a year per
    column (the province last)."""
    years = [p for p in points if p.period.quarter == 4 and _has_districts(p)]
    if not years:
        return ()
    frame = pl.concat(
        [
            p.indicators.filter(pl.col("unit_level") != "commune")
            .select("unit_code", "unit_level", "indicator", "rate")
            .with_columns(year=pl.lit(p.period.year, pl.Int64))
            for p in years
        ]
    )
    tables = []
    for title, indicator in DISTRICT_TABLES:
        rows = frame.filter(pl.col("indicator") == indicator)
        if rows.is_empty():
            continue
        rates = {(r["unit_code"], r["year"]): r["rate"] for r in rows.iter_rows(named=True)}
        codes = rows.sort(pl.col("unit_level") == "province", "unit_code")["unit_code"]
        tables.append(
            TitledTable(
                title=DISTRICT_TITLE.format(title),
                table=RateTable(
                    columns=tuple(str(p.period.year) for p in years),
                    rows=tuple(
                        RateRow(
                            unit=name_of.get(code, code),
                            cells=tuple(
                                vi.percent(rates.get((code, p.period.year))) for p in years
                            ),
                        )
                        for code in codes.unique(maintain_order=True)
                    ),
                ),
            )
        )
    return tuple(tables)


def _has_districts(tables: PeriodTables) -> bool:
    return not tables.indicators.filter(pl.col("unit_level") == "district").is_empty()


# --- III. assessment -----------------------------------------------------------------------


def _assessment(
    prog: ProgrammeTables,
    judgings: tuple[_Judging, ...],
    targets: ReviewTargets,
    ref: Reference,
    never_met: tuple[NeverMetRow, ...],
) -> ReviewAssessment:
    achieved: list[str] = []
    not_achieved: list[str] = []
    final_column = targets.columns[-1] if targets.columns else ""
    kinds = {t.id: t.kind for t in prog.catalogue.targets}
    for row in targets.rows:
        figure = row.cells[-1] if row.cells else "-"
        if kinds.get(row.id) == "communes" and "/" in figure:
            figure = f"{figure} xã đạt"
        if kinds.get(row.id) == "poverty_fall":
            # Judged on the average yearly fall (in its status), not on the last rate.
            sentence = f"{row.id} – {row.label}: {_lowered_first(row.status)}."
            (achieved if row.status.startswith(("Đạt", "Vượt")) else not_achieved).append(sentence)
            continue
        if row.status.startswith(("Đạt", "Vượt")):
            achieved.append(
                f"{row.id} – {row.label}: {_lowered_first(row.status)}; kết quả "
                f"{final_column}: {figure}."
            )
        elif row.status.startswith("Chưa đạt"):
            not_achieved.append(
                f"{row.id} – {row.label}: chưa đạt; kết quả {final_column}: {figure}, "
                f"mục tiêu: {row.target}."
            )
    for m in targets.milestones:
        if m.verdict.startswith("Đạt muộn"):
            not_achieved.append(
                f"{m.target}: mốc {m.milestone} đạt muộn ({_lowered_first(m.reached)})."
            )
        elif m.verdict == "Không đạt":
            not_achieved.append(f"{m.target}: mốc {m.milestone} không đạt.")
    if never_met:
        not_achieved.append(
            f"{len(never_met)} xã chưa năm nào đạt ít nhất một chỉ tiêu được đánh giá (Phụ lục 1)."
        )
    if not achieved:
        achieved.append("Chưa có chỉ tiêu nào được đánh giá là đạt.")
    if not not_achieved:
        not_achieved.append("Không có chỉ tiêu nào được đánh giá là chưa đạt.")
    return ReviewAssessment(
        achieved=tuple(achieved),
        not_achieved=tuple(not_achieved),
        proposals=_proposals(prog.catalogue, ref, judgings),
    )


def _proposals(
    catalogue: Catalogue, ref: Reference, judgings: tuple[_Judging, ...]
) -> tuple[str, ...]:
    """The next programme's targets as its catalogue has them, then its standing proposal; a
    programme with no successor in the reference data says so."""
    following = ref.catalogue_for(catalogue.last_year + 1)
    if following is None:
        return (
            f"Chưa có bộ tiêu chí của giai đoạn sau năm {catalogue.last_year} trong dữ liệu "
            f"tham chiếu; các đề xuất cho giai đoạn sau sẽ lập khi bộ tiêu chí được ban hành.",
            judgings[-1].proposal if judgings else str(ref.report.values["proposal"]),
        )
    words = programme_words(following)
    sentences = [f"Các chỉ tiêu của {words} theo bộ tiêu chí hiện hành:"]
    bounds = following.fall_band.bounds
    band = vi.band(*bounds) if bounds is not None else "..."
    for target in following.targets:
        sentences.append(
            f"- {target.id}: {target.label.replace('{band}', band)}: "
            f"{_programme_goal(following, target)}."
        )
    sentences.append(following.report.get("proposal") or str(ref.report.values["proposal"]))
    return tuple(sentences)


def _programme_goal(catalogue: Catalogue, target: Target) -> str:
    """Where a target of a programme stands over its years, in the words of its status."""
    if target.kind == "share":
        return "mức " + _share_goal(catalogue, target.id, str(target.indicator))
    status, source = _over_programme(catalogue, target)
    if status == "pending":
        return f"chưa ban hành mức chỉ tiêu (căn cứ: {source})"
    if status == "provisional":
        return f"mức {PROVISIONAL_VI} (nguồn: {source})"
    if status == "official":
        return f"mức chính thức (căn cứ: {source})"
    return "chưa có mức chỉ tiêu"


# --- who must act --------------------------------------------------------------------------


def _last_points(on_last: pl.DataFrame) -> tuple[int | None, int | None]:
    years = sorted(set(on_last["year"].to_list())) if "year" in on_last.columns else []
    if not years:
        return None, None
    return years[-1], (years[-2] if len(years) > 1 else None)


def _sponsors(
    on_last: pl.DataFrame,
    points: tuple[PeriodTables, ...],
    name_of: dict[str, str],
) -> Sponsors:
    last, before = _last_points(on_last)
    roster = (
        points[-1].roster
        if points
        else pl.DataFrame(schema={"commune_code": pl.String, "sponsor": pl.String})
    )
    now = on_last.filter(pl.col("year") == last) if last is not None else on_last.clear()
    earlier = on_last.filter(pl.col("year") == before) if before is not None else None
    labels = {p.period.year: _point_words(p) for p in points}
    return sponsor_section(
        now,
        earlier,
        now.select("unit_code").unique(),
        roster,
        name_of,
        labels.get(before, "kỳ trước") if before is not None else "kỳ trước",
    )


def _point_words(tables: PeriodTables) -> str:
    period = tables.period
    if period.quarter == 4:
        return f"cuối năm {period.year}"
    return vi.quarter(period.year, period.quarter)


def _standings(on_last: pl.DataFrame) -> pl.DataFrame:
    """year, unit_code, target_id, met: each commune of the last point at every point."""
    return pl.concat(
        [
            review.targets_by_commune(group).with_columns(year=pl.lit(year, pl.Int64))
            for (year,), group in on_last.group_by("year")
        ]
    )


def _never_met(
    standings: pl.DataFrame, last: PeriodTables, name_of: dict[str, str]
) -> tuple[NeverMetRow, ...]:
    never = review.never_met(standings)
    sponsors = sponsors_of(last.roster).rename({"commune_code": "unit_code"})
    per_commune = (
        never.group_by("unit_code")
        .agg(
            targets=pl.concat_str(
                pl.col("target_id"), pl.lit(" ("), pl.col("years"), pl.lit(" năm)")
            )
            .sort()
            .str.join(", ")
        )
        .join(sponsors, on="unit_code", how="left")
        .sort("unit_code")
    )
    return tuple(
        NeverMetRow(
            commune=f"{r['unit_code']} {name_of.get(r['unit_code'], '')}",
            sponsor=r["sponsor"] or NO_SPONSOR,
            targets=r["targets"],
        )
        for r in per_commune.iter_rows(named=True)
    )


def _never_met_note(points: tuple[PeriodTables, ...]) -> str:
    if not points:
        return "Chưa có kỳ nào để đánh giá."
    last = points[-1]
    return (
        f"Các xã theo đơn vị hành chính {_point_words(last)}; số liệu các năm trước được cộng "
        f"từ các xã cũ hợp thành theo bảng chuyển đổi đơn vị hành chính (xã có xã cũ hợp "
        f"thành thiếu số liệu năm nào thì không đánh giá năm đó). Trong ngoặc: số năm được "
        f"đánh giá theo chỉ tiêu đó."
    )


# --- provenance ----------------------------------------------------------------------------


def _provenance(
    prog: ProgrammeTables, name_of: dict[str, str], today: date, run_id: str, software: str
) -> Provenance:
    rows = provenance_rows(prog.provenance.sort("period", "unit_code"), name_of)
    return Provenance(
        rows=rows,
        run_id=run_id,
        software=software,
        generated_on=vi.short_date(today),
        programme=prog.catalogue.programme,
    )
