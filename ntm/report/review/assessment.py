"""III. The review's assessment: what was achieved and what was not, each with its figure; who
must act (the sponsors); and for the next programme its targets as its catalogue has them."""

from __future__ import annotations

import polars as pl

from ntm.indicators.programme import ProgrammeTables
from ntm.indicators.tables import PeriodTables
from ntm.reference import Catalogue, Reference
from ntm.reference.criteria import Target
from ntm.report import vi
from ntm.report.judging import Judging
from ntm.report.review.never_met import point_words
from ntm.report.review.sections import NeverMetRow, ReviewAssessment, ReviewTargets
from ntm.report.review.targets import over_programme, share_goal
from ntm.report.sections import Sponsors
from ntm.report.sponsors import sponsor_section
from ntm.report.words import PROVISIONAL_VI, lowered, programme_words


def assessment_section(
    prog: ProgrammeTables,
    judgings: tuple[Judging, ...],
    targets: ReviewTargets,
    ref: Reference,
    never_met: tuple[NeverMetRow, ...],
    household_proposal: str = "",
) -> ReviewAssessment:
    """``household_proposal``: the deprivations that reach most households in the last
    review, proposed first ("" without one)."""
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
            sentence = f"{row.id} – {row.label}: {lowered(row.status)}."
            (achieved if row.status.startswith(("Đạt", "Vượt")) else not_achieved).append(sentence)
            continue
        if row.status.startswith(("Đạt", "Vượt")):
            achieved.append(
                f"{row.id} – {row.label}: {lowered(row.status)}; kết quả {final_column}: {figure}."
            )
        elif row.status.startswith("Chưa đạt"):
            not_achieved.append(
                f"{row.id} – {row.label}: chưa đạt; kết quả {final_column}: {figure}, "
                f"mục tiêu: {row.target}."
            )
    for m in targets.milestones:
        if m.verdict.startswith("Đạt muộn"):
            not_achieved.append(f"{m.target}: mốc {m.milestone} đạt muộn ({lowered(m.reached)}).")
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
        proposals=(
            *((household_proposal,) if household_proposal else ()),
            *proposals(prog.catalogue, ref, judgings),
        ),
    )


def proposals(
    catalogue: Catalogue, ref: Reference, judgings: tuple[Judging, ...]
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
            f"{programme_goal(following, target)}."
        )
    sentences.append(following.report.get("proposal") or str(ref.report.values["proposal"]))
    return tuple(sentences)


def programme_goal(catalogue: Catalogue, target: Target) -> str:
    """Where a target of a programme stands over its years, in the words of its status."""
    if target.kind == "share":
        return "mức " + share_goal(catalogue, target.id, str(target.indicator))
    status, source = over_programme(catalogue, target)
    if status == "pending":
        return f"chưa ban hành mức chỉ tiêu (căn cứ: {source})"
    if status == "provisional":
        return f"mức {PROVISIONAL_VI} (nguồn: {source})"
    if status == "official":
        return f"mức chính thức (căn cứ: {source})"
    return "chưa có mức chỉ tiêu"


# --- who must act --------------------------------------------------------------------------


def last_points(on_last: pl.DataFrame) -> tuple[int | None, int | None]:
    years = sorted(set(on_last["year"].to_list())) if "year" in on_last.columns else []
    if not years:
        return None, None
    return years[-1], (years[-2] if len(years) > 1 else None)


def sponsors_section(
    on_last: pl.DataFrame,
    standings: pl.DataFrame,
    points: tuple[PeriodTables, ...],
    name_of: dict[str, str],
) -> Sponsors:
    """Who must act at the last point, against the point before, on the last point's units
    (``standings``: each commune's standing at every point, ``standings_of``)."""
    last, before = last_points(on_last)
    roster = (
        points[-1].roster
        if points
        else pl.DataFrame(schema={"commune_code": pl.String, "sponsor": pl.String})
    )
    now = standings.filter(pl.col("year") == last).drop("year")
    earlier = (
        standings.filter(pl.col("year") == before).drop("year") if before is not None else None
    )
    labels = {p.period.year: point_words(p) for p in points}
    return sponsor_section(
        now,
        earlier,
        on_last.filter(pl.col("year") == last).select("unit_code").unique(),
        roster,
        name_of,
        labels.get(before, "kỳ trước") if before is not None else "kỳ trước",
    )
