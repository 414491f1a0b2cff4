"""II. Every target at each point of the programme (the baseline year marked "(gốc)"), its
target and final verdict by the quarterly report's own rules, and the year each milestone of a
share target was reached."""

from __future__ import annotations

import polars as pl

from ntm.indicators.programme import ProgrammeTables
from ntm.indicators.tables import PeriodTables
from ntm.reference import Catalogue
from ntm.reference.criteria import Target, strongest_status
from ntm.report import vi
from ntm.report.judging import Judging
from ntm.report.quarterly.targets import target_rows
from ntm.report.review.sections import MilestoneRow, ReviewTargetRow, ReviewTargets
from ntm.report.words import (
    NOT_JUDGED_VI,
    NOT_YET_VI,
    PENDING_VI,
    PROVISIONAL_VI,
    capitalised,
    lowered,
    programme_words,
    sources_words,
)  # fmt: skip
from transforms.review import milestones

MILESTONES_INTRO = "Các mốc của chỉ tiêu theo tỷ lệ xã:"


def point_label(tables: PeriodTables, baseline: int | None) -> str:
    """A point's column: "2022 (gốc)" for the baseline year, "Quý III năm 2026" while running."""
    period = tables.period
    if period.quarter != 4:
        return capitalised(vi.quarter(period.year, period.quarter))
    return f"{period.year} (gốc)" if period.year == baseline else str(period.year)


def baseline_year(points: tuple[PeriodTables, ...]) -> int | None:
    """The first year-end under the programme's poverty standard: the trend's base year at
    the last point."""
    if not points:
        return None
    trend = points[-1].trend.filter(pl.col("unit_level") == "province")
    return int(trend["base_year"][0]) if trend.height else None


def targets_section(
    prog: ProgrammeTables, points: tuple[PeriodTables, ...], judgings: tuple[Judging, ...]
) -> ReviewTargets:
    catalogue = prog.catalogue
    baseline = baseline_year(points)
    columns = tuple(point_label(p, baseline) for p in points)
    finals = {r.id: r for r in target_rows(points[-1], None, judgings[-1])} if points else {}
    rates = trend_rates(points)
    rows = []
    for target in catalogue.targets:
        cells = tuple(
            point_cell(p, j, target, rates) for p, j in zip(points, judgings, strict=True)
        )
        final = finals.get(target.id)
        if target.kind == "share":
            goal = share_goal(catalogue, target.id, str(target.indicator))
        else:
            goal = final.target if final is not None else PENDING_VI
        status = final.status if final is not None else NOT_JUDGED_VI
        if target.kind == "poverty_fall" and final is not None and final.value != "-":
            status = f"{status} (bình quân {final.value})"
        label = judgings[-1].label(target) if judgings else target.label
        rows.append(ReviewTargetRow(target.id, label, cells, goal, status))
    milestones = milestone_rows(prog, points, judgings)
    return ReviewTargets(
        columns=columns,
        rows=tuple(rows),
        milestones_intro=MILESTONES_INTRO,
        milestones=milestones,
        notes=target_notes(prog, points, baseline),
    )


def trend_rates(points: tuple[PeriodTables, ...]) -> dict[int, str]:
    """The province's year-end rate of the trend, by year, from the last point's series; a
    year measured with a new standard says so."""
    if not points:
        return {}
    changes = points[-1].changes.filter((pl.col("unit_level") == "province") & ~pl.col("bridge"))
    return {
        r["year"]: vi.percent(r["rate"]) + (" (đổi chuẩn)" if r["method_break"] else "")
        for r in changes.iter_rows(named=True)
    }


def point_cell(
    tables: PeriodTables,
    judging: Judging,
    target: Target,
    rates: dict[int, str],
) -> str:
    """A target at one point: the trend's rate, communes meeting it, or the province share."""
    period = tables.period
    if target.kind == "poverty_fall":
        return rates.get(period.year, "-") if period.quarter == 4 else "-"
    standing = judging.standing(target)
    if target.kind == "communes":
        if not standing.judged:
            return PENDING_VI if standing.status == "pending" else "-"
        met, judged = judging.met(target.id)
        return f"{met}/{judged}" if judged else "-"
    if not judging.share_judged(str(target.indicator)):
        return "-"
    row = tables.indicators.filter(
        (pl.col("unit_level") == "province") & (pl.col("indicator") == target.indicator)
    )
    return vi.percent(row["rate"][0]) if row.height else "-"


def share_goal(catalogue: Catalogue, target_id: str, indicator: str) -> str:
    """A share's milestones as the catalogue sets them: "70,00% năm 2023; 100,00% năm 2025"."""
    found = share_thresholds(catalogue, target_id).filter(pl.col("indicator") == indicator)
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


def share_thresholds(catalogue: Catalogue, target_id: str) -> pl.DataFrame:
    return catalogue.thresholds.filter(
        (pl.col("target") == target_id) & (pl.col("level") == "province")
    )


def milestone_rows(
    prog: ProgrammeTables, points: tuple[PeriodTables, ...], judgings: tuple[Judging, ...]
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
    found = milestones(shares, thresholds)
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


def target_notes(
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
            f"Năm gốc: cuối năm {baseline}, năm đầu tiên tính theo {lowered(name)}; các "
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
        status, source = over_programme(catalogue, target)
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


def over_programme(catalogue: Catalogue, target: Target) -> tuple[str, str]:
    """A target's status over all the programme's years (``strongest_status`` of its
    thresholds, the band's for the poverty fall; ``none`` without any) and its sources."""
    if target.kind == "poverty_fall":
        return catalogue.fall_band.status, catalogue.fall_band.source
    found = catalogue.thresholds.filter(pl.col("target") == target.id)
    return strongest_status(set(found["status"].to_list())), sources_words(
        found["source"].to_list()
    )
