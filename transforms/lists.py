"""The lists the committee acts on: communes off track, communes without usable data, and
units late or incomplete — each row with the reason it is on the list."""

from __future__ import annotations

import polars as pl


def communes_off_track(
    indicators: pl.DataFrame,
    changes: pl.DataFrame,
    year: int,
    trend: tuple[str, str | None] = ("poor_rate", "T1"),
) -> pl.DataFrame:
    """Communes that miss a threshold, or whose poverty rate rose at the latest year-end (of
    ``year`` or before).

    ``indicators``: exact commune rows (unit_code, unit_name, indicator, numerator,
    denominator, threshold, target_id, attained); a pending threshold judges nothing, so only
    official and provisional ones put a commune here. ``changes``: yearly_changes rows (the
    rate the trend counts). ``trend``: the indicator the trend follows and its target, if any.
    Columns out: unit_code, unit_name, reason ("below_target" or "poverty_rising"),
    indicator, target_id, numerator, denominator, threshold, fall.
    """
    missed = indicators.filter(
        (pl.col("unit_level") == "commune") & (pl.col("attained") == False)  # noqa: E712
    ).select(
        "unit_code",
        "unit_name",
        reason=pl.lit("below_target"),
        indicator="indicator",
        target_id="target_id",
        numerator="numerator",
        denominator="denominator",
        threshold="threshold",
        fall=pl.lit(None, pl.Int64),
    )
    names = indicators.select("unit_code", "unit_name").unique("unit_code")
    # The latest year-end of the period's year or before: in Q1-Q3, the previous year's.
    latest = changes.filter(pl.col("year") <= year)["year"].max()
    rising = (
        changes.filter(
            (pl.col("unit_level") == "commune")
            & (pl.col("year") == pl.lit(latest, pl.Int64))
            & (pl.col("fall") < 0)
            # Across a change of poverty standard the two rates are not comparable.
            & ~pl.col("method_break").fill_null(False)
        )
        .join(names, on="unit_code", how="left")
        .select(
            "unit_code",
            "unit_name",
            reason=pl.lit("poverty_rising"),
            indicator=pl.lit(trend[0]),
            target_id=pl.lit(trend[1], pl.String),
            numerator="counted",
            denominator="households",
            threshold=pl.lit(None, pl.Int64),
            fall="fall",
        )
    )
    return pl.concat([missed, rising], how="vertical_relaxed").sort("unit_code", "reason")


def communes_without_data(
    expected: pl.DataFrame, accepted: pl.DataFrame, quarantined: pl.DataFrame
) -> pl.DataFrame:
    """Communes of the period with no accepted row: quarantined (with the rules they broke)
    or not reported at all.

    ``expected``: commune_code, commune_name, reporting_unit. ``accepted``: commune_code.
    ``quarantined``: commune_code, rule_id (one row per finding).
    """
    missing = expected.join(accepted, on="commune_code", how="anti")
    rules = quarantined.group_by("commune_code").agg(
        pl.col("rule_id").unique().sort().str.join(", ").alias("rules")
    )
    return (
        missing.join(rules, on="commune_code", how="left")
        .with_columns(
            reason=pl.when(pl.col("rules").is_null())
            .then(pl.lit("not_reported"))
            .otherwise(pl.lit("quarantined"))
        )
        .sort("reporting_unit", "commune_code")
    )


def units_late_or_incomplete(completeness: pl.DataFrame) -> pl.DataFrame:
    """Reporting units that sent nothing, sent late, or left communes without accepted rows.

    ``completeness``: the table of transforms.completeness.completeness.
    """
    return (
        completeness.with_columns(
            reason=pl.when(~pl.col("received"))
            .then(pl.lit("not_received"))
            .when(pl.col("on_time") == False)  # noqa: E712 (null is not late)
            .then(
                pl.when(pl.col("communes_accepted") < pl.col("communes_expected"))
                .then(pl.lit("late_and_incomplete"))
                .otherwise(pl.lit("late"))
            )
            .when(pl.col("communes_accepted") < pl.col("communes_expected"))
            .then(pl.lit("incomplete"))
        )
        .filter(pl.col("reason").is_not_null())
        .sort("unit_code")
    )
