"""Indicators and attainment for one period at commune, district and province level.

Every rate is Σ numerator / Σ denominator of the accepted commune rows below it, never a mean of
rates; values are integers until ``format_indicators`` rounds them half up for display.
Attainment compares the exact fraction with the threshold that applies to the unit's level, the
commune's tier and type, and the period's year.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from transforms.rates import at_least, at_most, format_hundredths, hundredths

LEVEL_ORDER = {"province": 0, "district": 1, "commune": 2}


@dataclass(frozen=True)
class CriteriaFrames:
    """The parts of a criteria catalogue the computation needs (see ntm/criteria.py)."""

    indicators: pl.DataFrame  # id, numerator (list), denominator, direction, levels, zero_den.
    shares: pl.DataFrame  # id, of (list), levels (list)
    thresholds: pl.DataFrame  # target, indicator, level, tier, year, threshold (hundredths)
    rural_unit_types: tuple[str, ...]


def commune_values(figures: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """One row per commune and indicator: commune_code, indicator, numerator, denominator."""
    parts = [
        figures.select(
            "commune_code",
            indicator=pl.lit(row["id"]),
            numerator=pl.sum_horizontal(row["numerator"]).cast(pl.Int64),
            denominator=pl.col(row["denominator"]).cast(pl.Int64),
        )
        for row in indicators.iter_rows(named=True)
    ]
    return pl.concat(parts) if parts else pl.DataFrame()


def _rules(criteria: CriteriaFrames) -> pl.DataFrame:
    """Direction and zero-denominator rule of every indicator and share (shares: higher)."""
    return pl.concat(
        [
            criteria.indicators.select(
                pl.col("id").alias("indicator"), "direction", "zero_denominator"
            ),
            criteria.shares.select(
                pl.col("id").alias("indicator"),
                direction=pl.lit("higher"),
                zero_denominator=pl.lit("not_assessed"),
            ),
        ]
    )


def _attainment(frame: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    """Add ``attained`` from numerator, denominator and threshold (null where none applies)."""
    joined = frame.join(rules, on="indicator", how="left")
    num, den, threshold = pl.col("numerator"), pl.col("denominator"), pl.col("threshold")
    compared = (
        pl.when(pl.col("direction") == "lower")
        .then(at_most(num, den, threshold))
        .otherwise(at_least(num, den, threshold))
    )
    return joined.with_columns(
        attained=pl.when(threshold.is_null())
        .then(None)
        .when(den == 0)
        .then(pl.when(pl.col("zero_denominator") == "met").then(True).otherwise(None))
        .otherwise(compared)
    ).drop("direction", "zero_denominator")


def compute_indicators(
    figures: pl.DataFrame,
    units: pl.DataFrame,
    roster: pl.DataFrame,
    criteria: CriteriaFrames,
    year: int,
    reporting_level: str,
) -> pl.DataFrame:
    """All indicators of one period.

    ``figures``: accepted commune rows (commune_code and the figures). ``units``: the registry
    valid on the period's last day (unit_code, unit_name, unit_type, unit_level, parent_code).
    ``roster``: commune_code, tier. ``reporting_level``: "district" while districts report,
    "commune" after (then there is no district level).
    Columns out: unit_code, unit_name, unit_level, indicator, numerator, denominator,
    threshold, target_id, attained (exact; format with ``format_indicators``).
    """
    communes = units.filter(pl.col("unit_level") == "commune").select(
        pl.col("unit_code").alias("commune_code"), "unit_name", "unit_type", "parent_code"
    )
    values = commune_values(figures, criteria.indicators).join(
        communes, on="commune_code", how="inner"
    )
    thresholds = criteria.thresholds.filter(pl.col("year") == year)
    rural = pl.col("unit_type").is_in(list(criteria.rural_unit_types))
    commune_rows = (
        values.join(roster.select("commune_code", "tier"), on="commune_code", how="left")
        .join(
            thresholds.filter(pl.col("level") == "commune").select(
                "indicator", "tier", "threshold", pl.col("target").alias("target_id")
            ),
            on=["indicator", "tier"],
            how="left",
        )
        .with_columns(
            threshold=pl.when(rural).then(pl.col("threshold")),
            target_id=pl.when(rural).then(pl.col("target_id")),
        )
    )
    rules = _rules(criteria)
    commune_rows = _attainment(commune_rows, rules)
    levels = ["province"] + (["district"] if reporting_level == "district" else [])
    aggregates = [
        _aggregate(values, commune_rows, units, level, criteria, thresholds, rules)
        for level in levels
    ]
    commune_out = commune_rows.select(
        pl.col("commune_code").alias("unit_code"),
        "unit_name",
        unit_level=pl.lit("commune"),
        indicator="indicator",
        numerator="numerator",
        denominator="denominator",
        threshold="threshold",
        target_id="target_id",
        attained="attained",
    )
    order = {name: i for i, name in enumerate([*criteria.indicators["id"], *criteria.shares["id"]])}
    return pl.concat([*aggregates, commune_out], how="vertical_relaxed").sort(
        pl.col("unit_level").replace_strict(LEVEL_ORDER),
        "unit_code",
        pl.col("indicator").replace_strict(order, default=len(order)),
    )


def _aggregate(
    values: pl.DataFrame,
    commune_rows: pl.DataFrame,
    units: pl.DataFrame,
    level: str,
    criteria: CriteriaFrames,
    thresholds: pl.DataFrame,
    rules: pl.DataFrame,
) -> pl.DataFrame:
    """Σ numerator / Σ denominator per district or for the province, and the commune shares."""
    if level == "province":
        key = pl.lit(units.filter(pl.col("unit_level") == "province")["unit_code"][0])
    else:
        key = pl.col("parent_code")
    wanted = criteria.indicators.filter(pl.col("levels").list.contains(level))["id"]
    sums = (
        values.filter(pl.col("indicator").is_in(wanted.implode()))
        .with_columns(unit_code=key)
        .group_by("unit_code", "indicator")
        .agg(pl.col("numerator").sum(), pl.col("denominator").sum())
    )
    shares = _shares(commune_rows, criteria, key, level)
    rows = pl.concat([sums, shares], how="diagonal_relaxed").join(
        thresholds.filter(pl.col("level") == level).select(
            "indicator", "threshold", pl.col("target").alias("target_id")
        ),
        on="indicator",
        how="left",
    )
    rows = _attainment(rows, rules)
    names = units.select("unit_code", "unit_name")
    return rows.join(names, on="unit_code", how="left").select(
        "unit_code",
        "unit_name",
        unit_level=pl.lit(level),
        indicator="indicator",
        numerator=pl.col("numerator").cast(pl.Int64),
        denominator=pl.col("denominator").cast(pl.Int64),
        threshold="threshold",
        target_id="target_id",
        attained="attained",
    )


def _shares(
    commune_rows: pl.DataFrame, criteria: CriteriaFrames, key: pl.Expr, level: str
) -> pl.DataFrame:
    """For each share: rural communes meeting its thresholds over rural communes reported."""
    rural = commune_rows.filter(pl.col("unit_type").is_in(list(criteria.rural_unit_types)))
    parts = []
    for share in criteria.shares.filter(pl.col("levels").list.contains(level)).iter_rows(
        named=True
    ):
        judged = rural if "all" in share["of"] else rural.filter(
            pl.col("indicator").is_in(share["of"])
        )  # fmt: skip
        # A commune meets a share when none of its applicable thresholds is missed; one with
        # no threshold assessed for the share's indicators does not meet it.
        per_commune = judged.group_by("commune_code", "parent_code").agg(
            meets=(pl.col("attained") == False).not_().all()  # noqa: E712 (null is not missed)
            & pl.col("attained").is_not_null().any()
        )
        parts.append(
            per_commune.with_columns(unit_code=key)
            .group_by("unit_code")
            .agg(
                numerator=pl.col("meets").sum().cast(pl.Int64),
                denominator=pl.len().cast(pl.Int64),
            )
            .with_columns(indicator=pl.lit(share["id"]))
        )
    return pl.concat(parts) if parts else pl.DataFrame()


def format_indicators(frame: pl.DataFrame, period: str) -> pl.DataFrame:
    """The columns of interfaces.md, values rounded half up to 2 decimals with a dot."""
    return frame.select(
        period=pl.lit(period),
        unit_code="unit_code",
        unit_level="unit_level",
        indicator="indicator",
        numerator="numerator",
        denominator="denominator",
        value=format_hundredths(hundredths(pl.col("numerator"), pl.col("denominator"))),
        target=format_hundredths(pl.col("threshold")),
        attained=pl.col("attained"),
    )
