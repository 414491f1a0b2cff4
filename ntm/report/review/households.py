"""II.4 of the review: how the household reviews' deprivation profile changed over the
programme (the periodic review of each year-end, poor and near-poor together), from the
household tables stored with each year-end's tables."""

from __future__ import annotations

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.reference import Reference
from ntm.report import vi
from ntm.report.review.sections import ReviewHouseholds
from ntm.report.sections import RateRow, RateTable
from ntm.report.words import lowered
from transforms.rates import hundredths

PERIODIC = "dinh-ky"


def profile_over_time(points: tuple[PeriodTables, ...], ref: Reference) -> ReviewHouseholds:
    """The share of poor and near-poor households deprived in each indicator, per year-end
    reviewed, and the counts of each review; what moved most, in one sentence."""
    frames = [
        p.household_deprivations.filter(
            (pl.col("unit_level") == "province") & (pl.col("kind") == PERIODIC)
        ).with_columns(year=pl.lit(p.period.year, pl.Int64))
        for p in points
        if p.period.quarter == 4
    ]
    rows = pl.concat([f for f in frames if f.height]) if any(f.height for f in frames) else None
    if rows is None:
        return ReviewHouseholds(
            sentence="Chưa có kết quả rà soát hộ nghèo, hộ cận nghèo theo danh sách hộ trong "
            "giai đoạn.",
            counts=RateTable((), ()),
            profile=RateTable((), ()),
        )
    shares = (
        rows.group_by("year", "standard", "indicator")
        .agg(deprived=pl.col("deprived").sum(), households=pl.col("households_in_class").sum())
        .with_columns(share=hundredths(pl.col("deprived"), pl.col("households")))
    )
    years = sorted(set(shares["year"].to_list()))
    labels: dict[str, str] = {}
    for standard_id in shares["standard"].unique(maintain_order=True).to_list():
        standard = ref.standard(str(standard_id))
        if standard is not None:
            labels |= dict(standard.indicators.select("id", "label").iter_rows())
    found = {(r["indicator"], r["year"]): r["share"] for r in shares.iter_rows(named=True)}
    indicators = [i for i in labels if any((i, y) in found for y in years)]
    profile = RateTable(
        columns=tuple(str(y) for y in years),
        rows=tuple(
            RateRow(labels[i], tuple(vi.percent(found.get((i, y))) for y in years))
            for i in indicators
        ),
    )
    counts = _counts(points, years)
    return ReviewHouseholds(
        sentence=_sentence(found, labels, indicators, years), counts=counts, profile=profile
    )


def _counts(points: tuple[PeriodTables, ...], years: list[int]) -> RateTable:
    found = {}
    for p in points:
        c = p.household_counts.filter(
            (pl.col("unit_level") == "province") & (pl.col("kind") == PERIODIC)
        )
        if p.period.quarter == 4 and c.height:
            found[p.period.year] = c.row(0, named=True)
    return RateTable(
        columns=tuple(str(y) for y in years),
        rows=tuple(
            RateRow(label, tuple(vi.count(found[y][key]) if y in found else "-" for y in years))
            for key, label in (("poor", "Hộ nghèo"), ("near_poor", "Hộ cận nghèo"))
        ),
    )


def _sentence(
    found: dict[tuple[str, int], int | None],
    labels: dict[str, str],
    indicators: list[str],
    years: list[int],
) -> str:
    """The indicators whose share fell most and the one that fell least (or rose), first year
    to last, where both were measured."""
    first, last = years[0], years[-1]
    if first == last:
        return f"Kết quả rà soát năm {first}: tỷ lệ hộ nghèo, hộ cận nghèo thiếu hụt từng chỉ số."
    moved = [
        (i, found[(i, first)], found[(i, last)])
        for i in indicators
        if found.get((i, first)) is not None and found.get((i, last)) is not None
    ]
    ordered = sorted(moved, key=lambda m: (int(m[2] or 0) - int(m[1] or 0), m[0]))

    def words(m: tuple[str, int | None, int | None]) -> str:
        return f"{lowered(labels[m[0]])} ({vi.percent(m[1])} → {vi.percent(m[2])})"

    if not ordered:
        return f"Tỷ lệ hộ nghèo, hộ cận nghèo thiếu hụt từng chỉ số, các năm {first} - {last}."
    most = ", ".join(words(m) for m in ordered[:2])
    least = ordered[-1]
    rose = int(least[2] or 0) > int(least[1] or 0)
    return (
        f"Từ năm {first} đến năm {last}, trong số hộ nghèo và hộ cận nghèo, tỷ lệ thiếu hụt "
        f"giảm nhiều nhất ở {most}; {'tăng' if rose else 'giảm ít nhất'} ở {words(least)}."
    )
