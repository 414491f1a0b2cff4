"""The household review in the quarterly report (issue 19): in Q4 the section "Kết quả rà soát
hộ nghèo, hộ cận nghèo" (the counts under each standard reviewed that year, the reconciliation
with the quarterly form, the movements counted from the lists, the deprivation profile, the
causes and the policy groups); in Q1-Q3 one paragraph citing the latest review.

Counts of the province are printed whole; a count within a commune's profile of 1-4 households
reads "< 5" (``words.small_count``). Movements and year-end counts per commune are the figures
the commune itself typed on its form, and are printed whole where they are compared with it.
"""

from __future__ import annotations

import dataclasses

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.reference import Reference
from ntm.report import bar_charts, vi
from ntm.report.document import Captions
from ntm.report.quarterly.sections import (
    HouseholdSection,
    MismatchRow,
    MovementRow,
    ProfileRow,
    ReviewCountRow,
)
from ntm.report.sections import Chart
from ntm.report.words import capitalised, lowered, small_count, svg_uri
from transforms.rates import hundredths

CLASSES = (("poor", "Hộ nghèo"), ("near_poor", "Hộ cận nghèo"))
GROUPS = {
    "merit_person": "Hộ có người có công với cách mạng",
    "social_assistance": "Hộ có đối tượng bảo trợ xã hội",
    "no_labour": "Hộ không có khả năng lao động",
}
FIGURES = {
    "poor_end": "Số hộ nghèo cuối năm",
    "near_poor_end": "Số hộ cận nghèo cuối năm",
    "poor_exited": "Số hộ thoát nghèo",
    "poor_returned": "Số hộ tái nghèo",
    "poor_new": "Số hộ nghèo phát sinh",
    "near_poor_exited": "Số hộ thoát cận nghèo",
    "near_poor_returned": "Số hộ tái cận nghèo",
    "near_poor_new": "Số hộ cận nghèo phát sinh",
}
TOP = 3  # the most common deprivations named per commune and in the proposals


def household_section(
    tables: PeriodTables, ref: Reference, name_of: dict[str, str], captions: Captions
) -> HouseholdSection:
    """The Q4 section, or in Q1-Q3 the paragraph citing the latest review."""
    year = tables.review_year
    counts = tables.household_counts.filter(pl.col("unit_level") == "province")
    if counts.is_empty():
        return _empty((f"Chưa có kết quả rà soát hộ nghèo, hộ cận nghèo năm {year}.",))
    kind = "dinh-ky" if (counts["kind"] == "dinh-ky").any() else str(counts["kind"][0])
    ranked = ranked_deprivations(tables, ref, kind)
    if tables.period.quarter != 4:
        return _empty((citation(tables, ref, kind, ranked),))
    reconciliation_intro, mismatches = reconciliation(tables, name_of)
    movements_intro, moved = movements(tables, ref)
    both = counts["kind"].n_unique() > 1  # 2026: the profile says which review it is of
    profiled = f"{review_words(ref, kind) if both else 'rà soát'} năm {year}"
    return HouseholdSection(
        full=True,
        sentences=(
            *(
                count_sentence(r, ref, year)
                for r in counts.sort("kind", descending=True).iter_rows(named=True)
            ),
            *profile_sentences(tables, ranked, profiled if both else ""),
        ),
        counts=tuple(
            count_row(r, ref) for r in counts.sort("kind", descending=True).iter_rows(named=True)
        ),
        reconciliation_intro=reconciliation_intro,
        reconciliation=mismatches,
        reconciliation_note=(
            f"Kết quả đối chiếu danh sách rà soát với báo cáo quý IV của các xã: tại mục I "
            f"({vi.count(len({r.commune for r in mismatches}))} xã có số liệu khác)."
            if mismatches
            else f"Danh sách rà soát khớp với báo cáo quý IV năm {year} của các xã (mục I)."
        ),
        movements_intro=movements_intro,
        movements=moved,
        chart=captions.chart(
            profile_chart(ranked),
            f"Tỷ lệ hộ nghèo, hộ cận nghèo thiếu hụt từng chỉ số ({profiled})",
        ),
        profile_intro=f"Nguyên nhân nghèo và nhóm đối tượng chính sách ({profiled}):",
        causes=cause_rows(tables, ref, kind),
        groups=group_rows(tables, kind),
        communes_title="",  # numbered once the appendices before it are (``numbered``)
        communes_intro=(
            "Ba chỉ số thiếu hụt phổ biến nhất của hộ nghèo, hộ cận nghèo theo xã (số hộ; "
            "dưới 5 hộ ghi “< 5”):"
        ),
        communes=commune_rows(tables, ref, kind, name_of),
    )


def reconciliation(
    tables: PeriodTables, name_of: dict[str, str]
) -> tuple[str, tuple[MismatchRow, ...]]:
    """The periodic review against the communes' Q4 forms: year-end counts (from the lists
    and from the form's ``poor_end``, ``near_poor_end``) and the movements the form typed."""
    lists = tables.household_counts.filter(
        (pl.col("unit_level") == "commune") & (pl.col("kind") == "dinh-ky")
    ).select("unit_code", poor_end="poor", near_poor_end="near_poor")
    if lists.is_empty():
        return "", ()
    forms = tables.flows.filter(pl.col("unit_level") == "commune").select(
        "unit_code", "poor_end", "near_poor_end"
    )
    ends = (
        lists.unpivot(index="unit_code", variable_name="figure", value_name="review")
        .join(
            forms.unpivot(index="unit_code", variable_name="figure", value_name="form"),
            on=["unit_code", "figure"],
            how="inner",
        )
        .filter(pl.col("review") != pl.col("form"))
    )
    found = pl.concat(
        [ends, tables.household_reconciliation.select("unit_code", "figure", "review", "form")],
        how="vertical_relaxed",
    ).sort("unit_code", pl.col("figure").replace_strict(
        {f: n for n, f in enumerate(FIGURES)}, default=len(FIGURES)))  # fmt: skip
    rows = tuple(
        MismatchRow(
            commune=f"{name_of.get(r['unit_code'], r['unit_code'])} ({r['unit_code']})",
            figure=FIGURES.get(r["figure"], r["figure"]),
            review=vi.count(r["review"]),
            form=vi.count(r["form"]),
        )
        for r in found.iter_rows(named=True)
    )
    communes = found["unit_code"].n_unique()
    if not rows:
        return (
            f"Đối chiếu với báo cáo quý IV năm {tables.review_year}: số hộ nghèo, cận nghèo "
            f"cuối năm và số hộ thoát nghèo, tái nghèo, phát sinh theo danh sách rà soát khớp "
            f"với báo cáo của các xã.",
            (),
        )
    return (
        f"Đối chiếu với báo cáo quý IV năm {tables.review_year}: {vi.count(communes)} xã có số "
        f"liệu theo danh sách rà soát khác với số liệu đã báo cáo; đề nghị các xã rà soát lại:",
        rows,
    )


def movements(tables: PeriodTables, ref: Reference) -> tuple[str, tuple[MovementRow, ...]]:
    """The province's poor and near-poor from the review compared with, counted household by
    household from the lists: then − exited + returned + new = now."""
    moved = tables.household_movements.filter(
        (pl.col("unit_level") == "province") & (pl.col("kind") == "dinh-ky")
    )
    counts = tables.household_counts.filter(
        (pl.col("unit_level") == "province") & (pl.col("kind") == "dinh-ky")
    )
    if moved.is_empty() or counts.is_empty():
        return (
            f"Chưa có kết quả rà soát năm {tables.review_year - 1} theo cùng chuẩn nghèo để tính "
            f"biến động theo danh sách hộ.",
            (),
        )
    m, c = moved.row(0, named=True), counts.row(0, named=True)
    rows = []
    for key, label in CLASSES:
        now = int(c[key])
        exited, returned, new = (int(m[f"{move}_{key}"] or 0)
                                 for move in ("exited", "returned", "new"))  # fmt: skip
        rows.append(
            MovementRow(label, vi.count(now - returned - new + exited), vi.count(exited),
                        vi.count(returned), vi.count(new), vi.count(now))
        )  # fmt: skip
    compared = f"{review_words(ref, str(m['compared_kind']))} năm {m['compared_year']}"
    return (
        f"Biến động hộ nghèo, hộ cận nghèo theo danh sách hộ (so sánh từng hộ với kết quả "
        f"{compared}):",
        tuple(rows),
    )


def numbered(section: HouseholdSection, number: int, listed: bool) -> HouseholdSection:
    """The section with its appendix of communes numbered ``number``; none when the PDF does
    not list communes one by one (a national run: the XLSX twin has them)."""
    if not listed:
        return dataclasses.replace(section, communes=())
    return dataclasses.replace(
        section,
        communes_title=(
            f"Phụ lục {number}. Các chỉ số thiếu hụt phổ biến nhất của hộ nghèo, hộ cận nghèo "
            f"theo xã"
        ),
    )


def _empty(sentences: tuple[str, ...]) -> HouseholdSection:
    return HouseholdSection(
        full=False, sentences=sentences, counts=(), reconciliation_intro="", reconciliation=(),
        reconciliation_note="", movements_intro="", movements=(), chart=Chart("", ""),
        profile_intro="", causes=(), groups=(), communes_title="", communes_intro="",
        communes=(),
    )  # fmt: skip


def review_words(ref: Reference, kind: str) -> str:
    """ "rà soát định kỳ", "rà soát đầu kỳ"."""
    found = ref.households.kind(kind)
    return f"rà soát {lowered(found.label) if found is not None else kind}"


def standard_words(ref: Reference, standard_id: str) -> str:
    standard = ref.standard(standard_id)
    return lowered(standard.name) if standard is not None else standard_id


def count_sentence(r: dict[str, object], ref: Reference, year: int) -> str:
    kind, standard = str(r["kind"]), str(r["standard"])
    return (
        f"Kết quả {review_words(ref, kind)} năm {year} theo {standard_words(ref, standard)}: "
        f"{vi.count(_int(r['poor']))} hộ nghèo ({vi.count(_int(r['poor_members']))} nhân khẩu) "
        f"và {vi.count(_int(r['near_poor']))} hộ cận nghèo "
        f"({vi.count(_int(r['near_poor_members']))} nhân khẩu), trong "
        f"{vi.count(_int(r['households']))} hộ được rà soát."
    )


def count_row(r: dict[str, object], ref: Reference) -> ReviewCountRow:
    households = _int(r["households"])
    return ReviewCountRow(
        review=capitalised(review_words(ref, str(r["kind"]))),
        standard=capitalised(standard_words(ref, str(r["standard"]))),
        households=vi.count(households),
        poor=vi.count(_int(r["poor"])),
        near_poor=vi.count(_int(r["near_poor"])),
        poor_members=vi.count(_int(r["poor_members"])),
        near_poor_members=vi.count(_int(r["near_poor_members"])),
    )


def _int(value: object) -> int:
    return int(value) if isinstance(value, int) else 0


def ranked_deprivations(tables: PeriodTables, ref: Reference, kind: str) -> pl.DataFrame:
    """The province's indicators of the review ``kind``, poor and near-poor together, most
    common first: indicator, label, deprived, households (of the two classes), share."""
    rows = tables.household_deprivations.filter(
        (pl.col("unit_level") == "province") & (pl.col("kind") == kind)
    )
    if rows.is_empty():
        return pl.DataFrame(schema={"indicator": pl.String, "label": pl.String,
                                    "deprived": pl.Int64, "households": pl.Int64,
                                    "share": pl.Int64})  # fmt: skip
    standard = ref.standard(str(rows["standard"][0]))
    labels = dict(standard.indicators.select("id", "label").iter_rows()) if standard else {}
    order = {i: n for n, i in enumerate(labels)}
    return (
        rows.group_by("indicator")
        .agg(deprived=pl.col("deprived").sum(), households=pl.col("households_in_class").sum())
        .with_columns(
            label=pl.col("indicator").replace_strict(labels, default=pl.col("indicator")),
            share=hundredths(pl.col("deprived"), pl.col("households")),
            order=pl.col("indicator").replace_strict(order, default=len(order)),
        )
        .sort(pl.col("deprived"), pl.col("order"), descending=[True, False])
        .select("indicator", "label", "deprived", "households", "share")
    )


def top_words(ranked: pl.DataFrame) -> str:
    """ "A (1.234 hộ, 12,34%), B (...), C (...)": the most common deprivations."""
    return ", ".join(
        f"{lowered(r['label'])} ({vi.count(r['deprived'])} hộ, {vi.percent(r['share'])})"
        for r in ranked.filter(pl.col("deprived") > 0).head(TOP).iter_rows(named=True)
    )


def citation(tables: PeriodTables, ref: Reference, kind: str, ranked: pl.DataFrame) -> str:
    """Q1-Q3: the latest review in one paragraph."""
    r = tables.household_counts.filter(
        (pl.col("unit_level") == "province") & (pl.col("kind") == kind)
    ).row(0, named=True)
    sentence = (
        f"Theo kết quả {review_words(ref, kind)} cuối năm {tables.review_year} "
        f"({standard_words(ref, str(r['standard']))}), toàn tỉnh có {vi.count(r['poor'])} hộ "
        f"nghèo và {vi.count(r['near_poor'])} hộ cận nghèo"
    )
    top = top_words(ranked)
    return sentence + (f"; các chỉ số thiếu hụt phổ biến nhất: {top}." if top else ".")


def profile_sentences(tables: PeriodTables, ranked: pl.DataFrame, named: str) -> tuple[str, ...]:
    sentences, top, which = [], top_words(ranked), f" ({named})" if named else ""
    if top:
        sentences.append(
            f"Các chỉ số thiếu hụt phổ biến nhất của hộ nghèo, hộ cận nghèo{which}: {top}."
        )
    ethnic = tables.household_counts.filter(
        (pl.col("unit_level") == "province") & (pl.col("kind") == "dinh-ky")
    )
    if ethnic.height:
        r = ethnic.row(0, named=True)
        sentences.append(
            f"Trong đó hộ dân tộc thiểu số: {vi.count(r['ethnic_minority_poor'])} hộ nghèo, "
            f"{vi.count(r['ethnic_minority_near_poor'])} hộ cận nghèo (số theo xã tại tệp Excel "
            f"kèm theo)."
        )
    return tuple(sentences)


def proposal(tables: PeriodTables, ref: Reference) -> str:
    """Section III: the deprivations that reach most households, with their counts; "" when
    the period has no review to draw them from."""
    counts = tables.household_counts.filter(pl.col("unit_level") == "province")
    if counts.is_empty():
        return ""
    kind = "dinh-ky" if (counts["kind"] == "dinh-ky").any() else str(counts["kind"][0])
    top = top_words(ranked_deprivations(tables, ref, kind))
    if not top:
        return ""
    return (
        f"Ưu tiên các chính sách hỗ trợ giảm nghèo theo các chỉ số thiếu hụt ảnh hưởng đến nhiều "
        f"hộ nhất (rà soát năm {tables.review_year}): {top}."
    )


def profile_chart(ranked: pl.DataFrame) -> str:
    if ranked.is_empty():
        return ""
    frame = ranked.select(unit_name="label", value="share")
    return svg_uri(bar_charts.rates_by_unit_svg(frame, "Tỷ lệ hộ thiếu hụt (%)", None))


def cause_rows(tables: PeriodTables, ref: Reference, kind: str) -> tuple[ProfileRow, ...]:
    labels = {c.key: c.label for c in ref.households.causes}
    found = _by_class(tables.household_causes, kind, "cause")
    return tuple(
        ProfileRow(label, vi.count(found.get((key, "poor"), 0)),
                   vi.count(found.get((key, "near_poor"), 0)))
        for key, label in labels.items()
    )  # fmt: skip


def group_rows(tables: PeriodTables, kind: str) -> tuple[ProfileRow, ...]:
    found = _by_class(tables.household_groups, kind, "group")
    return tuple(
        ProfileRow(label, vi.count(found.get((key, "poor"), 0)),
                   vi.count(found.get((key, "near_poor"), 0)))
        for key, label in GROUPS.items()
    )  # fmt: skip


def _by_class(frame: pl.DataFrame, kind: str, column: str) -> dict[tuple[str, str], int]:
    province = frame.filter((pl.col("unit_level") == "province") & (pl.col("kind") == kind))
    return {(r[column], r["class"]): r["households"] for r in province.iter_rows(named=True)}


def commune_rows(
    tables: PeriodTables, ref: Reference, kind: str, name_of: dict[str, str]
) -> tuple[ProfileRow, ...]:
    """Each commune's three most common deprivations, for poor and near-poor households."""
    rows = tables.household_deprivations.filter(
        (pl.col("unit_level") == "commune") & (pl.col("kind") == kind) & (pl.col("deprived") > 0)
    )
    if rows.is_empty():
        return ()
    standard = ref.standard(str(rows["standard"][0]))
    labels = dict(standard.indicators.select("id", "label").iter_rows()) if standard else {}
    top = (
        rows.sort("deprived", "indicator", descending=[True, False])
        .group_by("unit_code", "class", maintain_order=True)
        .head(TOP)
        .with_columns(label=pl.col("indicator").replace_strict(labels, default=pl.col("indicator")))
    )
    words: dict[tuple[str, str], list[str]] = {}
    for r in top.iter_rows(named=True):
        words.setdefault((r["unit_code"], r["class"]), []).append(
            f"{capitalised(str(r['label']).removeprefix('Thiếu hụt '))} "
            f"({small_count(r['deprived'])})"
        )
    codes = sorted({code for code, _ in words})
    return tuple(
        ProfileRow(
            f"{name_of.get(code, code)} ({code})",
            "; ".join(words.get((code, "poor"), ["-"])),
            "; ".join(words.get((code, "near_poor"), ["-"])),
        )
        for code in codes
    )
