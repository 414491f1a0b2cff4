"""II.1 The targets: one row per target of the catalogue, in its order, judged as its kind
says; which ones are provisional or not yet set; the attainment chart of commune targets."""

from __future__ import annotations

from typing import Any

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.reference.criteria import Target
from ntm.report import bar_charts, vi
from ntm.report.document import Captions
from ntm.report.judging import Judging, Standing, rate_of, value_row
from ntm.report.quarterly.sections import TargetRow, TargetsSection
from ntm.report.words import (
    NOT_JUDGED_VI,
    NOT_YET_VI,
    PENDING_VI,
    PROVISIONAL_VI,
    STATUS_VI,
    capitalised,
    signed_points,
    svg_uri,
    target_ids,
)  # fmt: skip

# A commune-level target's bar in the attainment chart: its id, then these words for the
# indicator it judges (the catalogue's indicator name where there are none).
CHART_WORDS = {
    "multidimensional_poverty_rate": "Nghèo đa chiều",
    "trained_labour_rate": "Lao động qua đào tạo",
    "certified_labour_rate": "Lao động có bằng cấp, chứng chỉ",
    "women_coop_share": "Phụ nữ tham gia HTX",
    "child_abuse_handled_rate": "Xử lý vụ xâm hại trẻ em",
}


def targets_section(
    tables: PeriodTables,
    last_year: pl.DataFrame | None,
    judging: Judging,
    captions: Captions,
) -> TargetsSection:
    """One row per target of the catalogue, in its order, judged as its kind says."""
    return TargetsSection(
        intro=uncovered(judging),
        rows=target_rows(tables, last_year, judging),
        notes=target_notes(judging),
        chart=captions.chart(
            attainment_chart(tables, judging), "Số xã đạt và chưa đạt từng chỉ tiêu cấp xã"
        ),
    )


def target_rows(
    tables: PeriodTables, last_year: pl.DataFrame | None, judging: Judging
) -> tuple[TargetRow, ...]:
    """Each target of the catalogue, in its order, judged as its kind says (``tables`` with
    rates, see ``with_rates``)."""
    ind = tables.indicators
    trend = tables.trend.filter(pl.col("unit_level") == "province")
    pace = trend.row(0, named=True) if trend.height else None
    rows = []
    for target in judging.targets:
        if target.kind == "poverty_fall":
            rows.append(pace_row(target, pace, judging))
        elif target.kind == "communes":
            rows.append(commune_count_row(ind, target, judging))
        else:
            rows.append(province_share_row(ind, last_year, target, judging))
    return tuple(rows)


def uncovered(judging: Judging) -> tuple[str, ...]:
    """For a period no programme covers: that nothing is judged, and why."""
    if judging.covered:
        return ()
    return (
        f"Năm {judging.year} không thuộc giai đoạn của chương trình nào có bộ tiêu chí (các "
        f"giai đoạn đã có bộ tiêu chí: {', '.join(judging.programmes)}), nên chưa có chỉ tiêu "
        f"để đánh giá: báo cáo nêu các tỷ lệ, xu hướng và danh sách theo số liệu, không đánh "
        f"giá đạt hay chưa đạt chỉ tiêu.",
    )


def target_notes(judging: Judging) -> tuple[str, ...]:
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
            f"{capitalised(target_ids(ids))} là mức {PROVISIONAL_VI}, chưa phải chỉ tiêu chính "
            f"thức của tỉnh; nguồn: {source}."
        )
    pending: dict[str, list[str]] = {}
    for target in judging.targets:
        standing = judging.standing(target)
        if standing.status == "pending":
            pending.setdefault(standing.source, []).append(target.id)
    if pending:
        grounds = "; ".join(f"{', '.join(ids)} theo {source}" for source, ids in pending.items())
        notes.append(f"Chưa ban hành mức chỉ tiêu năm {judging.year}, chưa đánh giá: {grounds}.")
    return (*notes, judged_by(judging))


def judged_by(judging: Judging) -> str:
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
            f"; danh sách xã chưa đạt theo {target_ids(communes)}"
            if communes
            else "; chưa có chỉ tiêu cấp xã nào được ban hành nên chưa lập danh sách xã chưa đạt"
        )
    else:
        sentence = (
            f"Năm {judging.year} chưa có chỉ tiêu nào được ban hành (chính thức hoặc "
            f"{PROVISIONAL_VI}), nên chưa đánh giá xã đạt, chưa đạt"
        )
    if pending:
        sentence += f"; {target_ids(pending)} chưa ban hành, chưa đánh giá"
    return sentence + "."


def not_yet(standing: Standing) -> tuple[str, str]:
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


def pace_row(target: Target, t: dict[str, Any] | None, judging: Judging) -> TargetRow:
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
    value = f"{vi.hundredths(average)} điểm %/năm" if average is not None else "-"
    if average is None and t is not None and t.get("base_rate") is not None:
        # One year-end under the programme: its rate is what the pace will start from.
        value = f"{vi.percent(t['base_rate'])} cuối năm {t['base_year']} (năm gốc)"
    return TargetRow(
        id=target.id,
        label=judging.label(target),
        value=value,
        target=vi.band(*bounds, least=2) + standing.marker if bounds is not None else PENDING_VI,
        status=status,
        change=change,
    )


def commune_count_row(ind: pl.DataFrame, target: Target, judging: Judging) -> TargetRow:
    """A commune-level target: how many of the communes it applies to meet it."""
    standing = judging.standing(target)
    if not standing.judged:
        cell, verdict = (
            (PENDING_VI, NOT_JUDGED_VI) if standing.status == "pending" else not_yet(standing)
        )
        return TargetRow(
            id=target.id, label=judging.label(target),
            value=measured_words(ind, str(target.indicator)), target=cell, status=verdict,
            change="",
        )  # fmt: skip
    # A commune meets a target when it meets every threshold of it (T7 judges two rates).
    met, judged = judging.met(target.id)
    status = "Đạt" if met == judged and judged else "Chưa đạt"
    if not judged:
        status = "Không có xã thuộc diện"
    return TargetRow(
        id=target.id,
        label=judging.label(target),
        value=f"{met}/{judged} xã",
        target="100% số xã" + standing.marker,
        status=status,
        change="",
    )


def province_share_row(
    ind: pl.DataFrame, last_year: pl.DataFrame | None, target: Target, judging: Judging
) -> TargetRow:
    """A province-level share of communes, against its milestone and the same quarter last year
    ("-" while no commune threshold it is made of is set: it would count nothing)."""
    standing, indicator = judging.standing(target), str(target.indicator)
    verdict: str | None = None  # None: the share's attainment says
    if standing.status == "pending":
        cell, verdict = PENDING_VI, NOT_JUDGED_VI
    elif standing.status == "none" or standing.value is None:
        cell, verdict = not_yet(standing)
    else:
        cell = vi.percent(standing.value) + standing.marker
    if not judging.share_judged(indicator):
        return TargetRow(
            id=target.id, label=judging.label(target), value=unjudged_share_words(ind, judging,
            indicator), target=cell, status=verdict or NOT_JUDGED_VI, change="-",
        )  # fmt: skip
    row = value_row(ind, "province", None, indicator)
    before = value_row(last_year, "province", None, indicator) if last_year is not None else {}
    now, then = rate_of(row), rate_of(before)
    if verdict is None:
        verdict = "-" if row.get("attained") is None else ("Đạt" if row["attained"] else "Chưa đạt")
    return TargetRow(
        id=target.id,
        label=judging.label(target),
        value=f"{vi.percent(now)} ({row.get('numerator', 0)}/{row.get('denominator', 0)} xã)",
        target=cell,
        status=verdict,
        change="-" if now is None or then is None else signed_points(now - then),
    )


def reported_words(ind: pl.DataFrame, indicators: list[str]) -> str:
    """What a target that judges nothing this year still shows: the communes that reported
    the figures behind it ("69 xã có số liệu"); "-" when none did."""
    reported = ind.filter(
        (pl.col("unit_level") == "commune")
        & pl.col("indicator").is_in(indicators)
        & pl.col("rate").is_not_null()
    )["unit_code"].n_unique()
    return f"{vi.count(reported)} xã có số liệu" if reported else "-"


def measured_words(ind: pl.DataFrame, indicator: str) -> str:
    """A commune target that judges nothing this year: the province's rate of its indicator
    and the communes that reported it, "78,92% toàn tỉnh; 69 xã có số liệu"."""
    reported = reported_words(ind, [indicator])
    rate = rate_of(value_row(ind, "province", None, indicator))
    return f"{vi.percent(rate)} toàn tỉnh; {reported}" if rate is not None else reported


def unjudged_share_words(ind: pl.DataFrame, judging: Judging, share_id: str) -> str:
    """A share of communes that counts nothing this year (no commune threshold): the
    province's rate of the one indicator it is made of, "78,92% toàn tỉnh"; for a share of
    several, the communes that reported them."""
    shares = judging.catalogue.shares.filter(pl.col("id") == share_id)
    of = [str(i) for i in shares["of"][0].to_list()] if shares.height else []
    if len(of) == 1 and of[0] != "all":
        rate = rate_of(value_row(ind, "province", None, of[0]))
        return f"{vi.percent(rate)} toàn tỉnh" if rate is not None else "-"
    if of == ["all"] or "all" in of:
        of = [t.indicator for t in judging.targets if t.kind == "communes" and t.indicator]
    return reported_words(ind, of)


def attainment_chart(tables: PeriodTables, judging: Judging) -> str:
    """Shares of rural communes meeting each commune-level target the year judges ("" when
    none does), in the catalogue's order."""
    names = dict(judging.catalogue.indicators.select("id", "name").iter_rows())
    labels = {}
    for target in judging.targets:
        if target.kind != "communes" or target.indicator is None:
            continue
        words = CHART_WORDS.get(target.indicator, names.get(target.indicator, target.indicator))
        labels[target.id] = f"{target.id} {words}{judging.standing(target).marker}"
    assessed = judging.communes.filter(pl.col("target_id").is_in(list(labels)))
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
    return svg_uri(bar_charts.attainment_svg(frame.select("label", "met", "total")))
