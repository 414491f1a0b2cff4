"""Who must act: the communes that miss a target, grouped by the department unit that sponsors
them (đơn vị đỡ đầu, the action programme's III.3), with what changed since a year earlier.

Used by the quarterly report (this quarter against the same quarter a year earlier) and by the
programme review (the last year-end against the one before, on the same units).
"""

from __future__ import annotations

import polars as pl

from ntm.report.sections import (
    MemberRow,
    SponsorMembers,
    SponsorRow,
    Sponsors,
    SponsorTable,
)
from transforms.review import missed_change

NO_SPONSOR = "Xã chưa có đơn vị đỡ đầu"


def sponsor_section(
    now: pl.DataFrame,
    before: pl.DataFrame | None,
    comparable: pl.DataFrame,
    roster: pl.DataFrame,
    name_of: dict[str, str],
    compared_with: str,
) -> Sponsors:
    """``now``, ``before``: each commune's standing on each target (``targets_by_commune``) at
    the two points, computed once by the caller (``before`` None: nothing to compare with).
    ``comparable``: unit_code of the communes whose earlier figures are their own. ``roster``:
    commune_code, sponsor of the period's communes. ``compared_with``: the earlier period as
    the text names it ("quý IV năm 2023")."""
    standing_now = now
    standing_before = before if before is not None else now.clear()
    change = missed_change(standing_now, standing_before, comparable)
    judged = standing_now.select(pl.col("unit_code").alias("commune_code")).unique()
    sponsored = sponsors_of(roster).with_columns(
        judged=pl.col("commune_code").is_in(judged["commune_code"].implode())
    )
    rows = (
        sponsored.join(change, left_on="commune_code", right_on="unit_code", how="inner")
        .with_columns(
            missed_text=pl.col("missed").list.join(", "),
            change_text=_change_text(compared_with),
        )
        .sort("commune_code")
    )
    tables = []
    groups = _groups(sponsored)
    for sponsor, members in groups:
        mine = rows.filter(pl.col("sponsor") == sponsor)
        tables.append(
            SponsorTable(
                sponsor=sponsor or NO_SPONSOR,
                summary=_summary(
                    sponsor, members.height, int(members["judged"].sum()), mine.height
                ),
                rows=tuple(
                    SponsorRow(
                        commune=f"{r['commune_code']} {name_of.get(r['commune_code'], '')}",
                        missed=r["missed_text"],
                        change=r["change_text"],
                    )
                    for r in mine.iter_rows(named=True)
                ),
            )
        )
    return Sponsors(
        intro=_intro(judged.height, rows.height, sum(1 for sponsor, _ in groups if sponsor)),
        notes=(
            "Chỉ tiêu chưa đạt: các chỉ tiêu cấp xã có mức chính thức hoặc tạm tính mà xã chưa "
            f"đạt; cột so sánh đối chiếu với {compared_with} trên cùng đơn vị hành chính.",
        ),
        tables=tuple(tables),
        off_track=rows.height > 0,
    )


def sponsor_members(
    standing: pl.DataFrame, roster: pl.DataFrame, name_of: dict[str, str]
) -> tuple[SponsorMembers, ...]:
    """Every commune of the roster by sponsor, with the targets it met and missed
    (``standing``: targets_by_commune rows)."""
    per_commune = standing.group_by("unit_code").agg(
        met=pl.col("target_id").filter(pl.col("met")).sort().str.join(", "),
        missed=pl.col("target_id").filter(~pl.col("met")).sort().str.join(", "),
    )
    sponsored = sponsors_of(roster).join(
        per_commune, left_on="commune_code", right_on="unit_code", how="left"
    )
    return tuple(
        SponsorMembers(
            sponsor=sponsor or NO_SPONSOR,
            summary=f"{members.height} xã",
            rows=tuple(
                MemberRow(
                    commune=f"{r['commune_code']} {name_of.get(r['commune_code'], '')}",
                    missed=r["missed"] or "-",
                    met=r["met"] or "-",
                )
                for r in members.sort("commune_code").iter_rows(named=True)
            ),
        )
        for sponsor, members in _groups(sponsored)
    )


def sponsors_of(roster: pl.DataFrame) -> pl.DataFrame:
    """commune_code, sponsor of a roster; "" for a commune without one (missing or blank)."""
    return roster.select("commune_code", sponsor=pl.col("sponsor").fill_null("").str.strip_chars())


def _groups(sponsored: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    """The communes of each sponsor (by name), then those without one ("")."""
    sponsors = sorted(s for s in set(sponsored["sponsor"].to_list()) if s)
    groups = [(s, sponsored.filter(pl.col("sponsor") == s)) for s in [*sponsors, ""]]
    return [(sponsor, members) for sponsor, members in groups if members.height]


def _change_text(compared_with: str) -> pl.Expr:
    newly = pl.col("newly_missed").list.join(", ")
    recovered = pl.col("recovered").list.join(", ")
    parts = pl.concat_str(
        pl.when(newly != "").then(newly + pl.lit(" chuyển từ đạt sang chưa đạt")),
        pl.when(recovered != "").then(recovered + pl.lit(" đạt trở lại")),
        separator="; ",
        ignore_nulls=True,
    )
    return (
        pl.when(~pl.col("comparable"))
        .then(pl.lit(f"chưa có số liệu {compared_with}"))
        .when(parts == "")
        .then(pl.lit("không đổi"))
        .otherwise(parts.str.slice(0, 1).str.to_uppercase() + parts.str.slice(1))
    )


def _summary(sponsor: str, members: int, judged: int, off_track: int) -> str:
    communes = f"{members} xã" if sponsor else f"{members} xã chưa có đơn vị đỡ đầu"
    head = f"Đỡ đầu {communes}" if sponsor else communes[0].upper() + communes[1:]
    if judged < members:
        head += f" ({judged} xã được đánh giá kỳ này)"
    if not judged:
        return f"{head}."
    if not off_track:
        return f"{head}; tất cả đều đạt các chỉ tiêu được đánh giá."
    return f"{head}; {off_track} xã chưa đạt ít nhất một chỉ tiêu:"


def _intro(judged: int, off_track: int, sponsors: int) -> str:
    if not judged:
        return (
            "Kỳ này chưa có xã nào được đánh giá theo chỉ tiêu cấp xã (chưa ban hành mức chỉ "
            "tiêu hoặc chưa có số liệu), nên chưa lập danh sách theo đơn vị đỡ đầu."
        )
    return (
        f"Trong {judged} xã được đánh giá, {off_track} xã chưa đạt ít nhất một chỉ tiêu; "
        f"danh sách theo {sponsors} đơn vị đỡ đầu của Sở và các xã chưa có đơn vị đỡ đầu:"
    )
