"""A programme's final review: its results over the years, on the units of its last year.

Pure: frames in, frames out. The year-ends of a programme were reported on the structures of
their day (216 communes in 2021-2024, 69 units from July 2025); the review follows each commune
of its last year back through the crosswalk, summing the figures of its predecessors (rates are
Σ numerator / Σ denominator, so a sum of parts is exact), and judges every year on the same
units. A unit some of whose predecessors have no accepted figures that year is left out of that
year rather than judged on a part of itself.
"""

from __future__ import annotations

import polars as pl

from transforms.rates import at_least


def onto_units(
    figures: pl.DataFrame, mapping: pl.DataFrame, figure_keys: list[str]
) -> pl.DataFrame:
    """The figures of one year-end summed onto the units they fold into.

    ``figures``: commune_code and the figures (accepted rows). ``mapping``: commune_code (then)
    and current_code (the unit it folds into), one row per unit that existed then. Columns out:
    commune_code (the current unit) and the summed figures, for current units all of whose
    predecessors have figures.
    """
    parts = mapping.select("commune_code", "current_code").join(
        figures.select("commune_code", *figure_keys), on="commune_code", how="left"
    )
    complete = parts.group_by("current_code").agg(
        complete=pl.col(figure_keys[0]).is_not_null().all()
    )
    return (
        parts.join(complete.filter(pl.col("complete")), on="current_code", how="semi")
        .group_by("current_code")
        .agg(pl.col(key).sum().cast(pl.Int64) for key in figure_keys)
        .rename({"current_code": "commune_code"})
        .sort("commune_code")
    )


def milestones(shares: pl.DataFrame, thresholds: pl.DataFrame) -> pl.DataFrame:
    """When each milestone of a share target was reached, if ever.

    ``shares``: year, indicator, numerator, denominator (the province's share at each
    year-end). ``thresholds``: target, indicator, year, threshold (hundredths), status, of the
    province level. A milestone is a threshold value and the first year it applies (70% from
    2023: reach 70% by the end of 2023); it is reached the first year-end whose share is at
    least the value, before or after that year. Columns out: target, indicator, threshold,
    due (year), status, reached (year or null), on_time (null when not reached).
    """
    due = (
        thresholds.filter(pl.col("threshold").is_not_null())
        .group_by("target", "indicator", "threshold", "status")
        .agg(due=pl.col("year").min())
    )
    reached = (
        due.join(shares, on="indicator", how="inner")
        .filter(at_least(pl.col("numerator"), pl.col("denominator"), pl.col("threshold")))
        .group_by("target", "indicator", "threshold")
        .agg(reached=pl.col("year").min())
    )
    return (
        due.join(reached, on=["target", "indicator", "threshold"], how="left")
        .with_columns(on_time=pl.col("reached") <= pl.col("due"))
        .select("target", "indicator", "threshold", "due", "status", "reached", "on_time")
        .sort("target", "indicator", "due")
    )


def targets_by_commune(indicators: pl.DataFrame) -> pl.DataFrame:
    """Each commune's standing on each commune target it was judged on.

    ``indicators``: commune rows of compute_indicators (unit_code, target_id, attained). A
    commune meets a target only when it attains every threshold of it (T7 judges two rates).
    Columns out: unit_code, target_id, met.
    """
    return (
        indicators.filter(
            (pl.col("unit_level") == "commune")
            & pl.col("target_id").is_not_null()
            & pl.col("attained").is_not_null()
        )
        .group_by("unit_code", "target_id")
        .agg(met=pl.col("attained").all())
        .sort("unit_code", "target_id")
    )


def never_met(standings: pl.DataFrame) -> pl.DataFrame:
    """Communes that were judged on a target at some year-end and never met it.

    ``standings``: year, unit_code, target_id, met (targets_by_commune of each year). Columns
    out: unit_code, target_id, years (how many year-ends it was judged on), last_year.
    """
    return (
        standings.group_by("unit_code", "target_id")
        .agg(
            ever=pl.col("met").any(),
            years=pl.len().cast(pl.Int64),
            last_year=pl.col("year").max(),
        )
        .filter(~pl.col("ever"))
        .drop("ever")
        .sort("unit_code", "target_id")
    )


def missed_change(
    now: pl.DataFrame, before: pl.DataFrame, comparable: pl.DataFrame
) -> pl.DataFrame:
    """The targets each commune misses now, and what changed since an earlier period.

    ``now``, ``before``: targets_by_commune of the two periods. ``comparable``: unit_code of
    the communes whose earlier figures are their own (the same unit then; a commune formed
    since has none). A target changed only when it was judged both times: newly missed (met
    then, missed now) or recovered (missed then, met now). Columns out: unit_code, missed
    (list, sorted), newly_missed, recovered (lists, null when not comparable), comparable.
    """
    keys = ["unit_code", "target_id"]
    missed_now = (
        now.filter(~pl.col("met")).group_by("unit_code").agg(missed=pl.col("target_id").sort())
    )
    pairs = now.join(before, on=keys, how="inner", suffix="_before")
    newly = (
        pairs.filter(~pl.col("met") & pl.col("met_before"))
        .group_by("unit_code")
        .agg(newly_missed=pl.col("target_id").sort())
    )
    recovered = (
        pairs.filter(pl.col("met") & ~pl.col("met_before"))
        .group_by("unit_code")
        .agg(recovered=pl.col("target_id").sort())
    )
    judged_before = before.select("unit_code").unique()["unit_code"].implode()
    codes = comparable.select("unit_code").unique()["unit_code"].implode()
    empty = pl.lit([], pl.List(pl.String))
    return (
        missed_now.join(newly, on="unit_code", how="left")
        .join(recovered, on="unit_code", how="left")
        .with_columns(
            comparable=pl.col("unit_code").is_in(codes) & pl.col("unit_code").is_in(judged_before)
        )
        .with_columns(
            newly_missed=pl.when("comparable").then(pl.col("newly_missed").fill_null(empty)),
            recovered=pl.when("comparable").then(pl.col("recovered").fill_null(empty)),
        )
        .select("unit_code", "missed", "newly_missed", "recovered", "comparable")
        .sort("unit_code")
    )
