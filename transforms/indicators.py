"""Indicators and attainment for one period at commune, district and province level.

Every rate is Σ numerator / Σ denominator of the accepted commune rows below it, never a mean of
rates; values are integers until ``format_indicators`` rounds them half up for display.
Attainment compares the exact fraction with the threshold that applies to the unit's level, the
commune's class and type, and the period's year. A threshold's status (official, provisional,
pending) travels with it; a pending threshold has no value, so nothing is judged against it.

What was not judged is not counted: a share of communes none of whose indicators has an
official or provisional commune threshold in the year (``_Share.counted``) has no numerator and
no value, and its status is ``pending``; its denominator, the rural communes reported, stays.

The work is done on one row per commune, with columns named after each indicator of the
catalogue (``numerator_col``, ``denominator_col``, ``threshold_col``, ``target_col`` and
``attained_col``, e.g. ``poor_rate__numerator``) and after each share (``share_col``: the
commune meets it); districts and the province are sums of those rows. Only the output has one
row per unit and indicator.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import polars as pl

from transforms.rates import at_least, at_most, format_hundredths, hundredths

# The exact output of ``compute_indicators``, one row per unit and indicator.
INDICATOR_COLUMNS = {
    "unit_code": pl.String,
    "unit_name": pl.String,
    "unit_level": pl.String,
    "indicator": pl.String,
    "numerator": pl.Int64,
    "denominator": pl.Int64,
    "threshold": pl.Int64,
    "target_id": pl.String,
    "attained": pl.Boolean,
    "target_status": pl.String,
}


def numerator_col(indicator_id: str) -> str:
    """The column of an indicator's numerator (the sum of its numerator figures)."""
    return f"{indicator_id}__numerator"


def denominator_col(indicator_id: str) -> str:
    """The column of an indicator's denominator."""
    return f"{indicator_id}__denominator"


def threshold_col(indicator_id: str) -> str:
    """The column of the threshold that applies to a commune (hundredths; null if none)."""
    return f"{indicator_id}__threshold"


def target_col(indicator_id: str) -> str:
    """The column of the target the applicable threshold belongs to (null if none)."""
    return f"{indicator_id}__target"


def status_col(indicator_id: str) -> str:
    """The column of the status of the applicable threshold (official, provisional, pending)."""
    return f"{indicator_id}__status"


def attained_col(indicator_id: str) -> str:
    """The column of whether a commune attains the indicator (null if not assessed)."""
    return f"{indicator_id}__attained"


def share_col(share_id: str) -> str:
    """The column of whether a commune meets a share; summed, the rural communes meeting it."""
    return f"{share_id}__share"


def assessed_col(share_id: str) -> str:
    """The column of whether a rural commune was judged on any indicator of a share."""
    return f"{share_id}__assessed"


@dataclass(frozen=True)
class CriteriaFrames:
    """The parts of a criteria catalogue the computation needs (see ntm/criteria.py)."""

    indicators: pl.DataFrame  # id, numerator (list), denominator, direction, levels, zero_den.
    shares: pl.DataFrame  # id, of (list), levels (list)
    thresholds: pl.DataFrame  # target, indicator, level, commune_class, year, threshold, status
    rural_unit_types: tuple[str, ...]


@dataclass(frozen=True)
class _Share:
    """A share judged on at least one indicator."""

    id: str
    levels: list[str]
    meets: pl.Expr  # whether a commune meets it, on the commune frame
    assessed: pl.Expr  # whether a commune was judged on any of its indicators
    counted: bool  # whether any of its indicators has a commune threshold with a value this year


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
    ``roster``: commune_code, commune_class. ``reporting_level``: "district" while districts report,
    "commune" after (then there is no district level).
    Columns out: unit_code, unit_name, unit_level, indicator, numerator, denominator,
    threshold, target_id, attained, target_status (exact; format with ``format_indicators``).
    """
    _check_unique_ids(criteria)
    if units.filter(pl.col("unit_level") == "province").is_empty():
        return pl.DataFrame(schema=INDICATOR_COLUMNS)  # no unit registered for the period: nothing
    indicators = criteria.indicators.rows(named=True)  # the catalogue: a few rows
    shares = _shares(criteria, indicators, _judged_indicators(criteria.thresholds, year))
    thresholds = criteria.thresholds.lazy().filter(pl.col("year") == year)
    communes = _commune_frame(figures, units, roster, criteria, indicators, shares, thresholds)
    levels = ["province"] + (["district"] if reporting_level == "district" else [])
    totals = _totals(communes, units, indicators, shares, levels)
    aggregates = _aggregates(totals, levels, units, criteria, indicators, shares, thresholds)
    return pl.concat(
        [aggregates, _commune_rows(communes, indicators)], how="vertical_relaxed"
    ).collect(engine="in-memory")


def _check_unique_ids(criteria: CriteriaFrames) -> None:
    """Columns are named after the ids: an id given twice would name two columns alike."""
    for kind, frame in (("indicator", criteria.indicators), ("share", criteria.shares)):
        repeated = sorted(i for i, n in Counter(frame["id"].to_list()).items() if n > 1)
        if repeated:
            raise ValueError(f"{kind} ids given more than once: {repeated}")


def _attained(
    num: pl.Expr,
    den: pl.Expr,
    threshold: pl.Expr,
    lower: pl.Expr | bool,
    met_if_none: pl.Expr | bool,
) -> pl.Expr:
    """Whether a rate meets its threshold (at most it when ``lower``, else at least it): null
    where no threshold applies; with a zero denominator, met if ``met_if_none``, else null.
    ``lower`` and ``met_if_none`` are columns, or constants when known for the whole column."""
    if isinstance(lower, bool):
        compared = (at_most if lower else at_least)(num, den, threshold)
    else:
        compared = (
            pl.when(lower)
            .then(at_most(num, den, threshold))
            .otherwise(at_least(num, den, threshold))
        )
    if isinstance(met_if_none, bool):
        none = pl.lit(True if met_if_none else None, pl.Boolean)
    else:
        none = pl.when(met_if_none).then(True).otherwise(None)
    return pl.when(threshold.is_null()).then(None).when(den == 0).then(none).otherwise(compared)


def _judged_indicators(thresholds: pl.DataFrame, year: int) -> set[str]:
    """The indicators with an official or provisional commune threshold (a value) in ``year``:
    those a commune can be judged on that year."""
    judged = thresholds.filter(
        (pl.col("level") == "commune")
        & (pl.col("year") == year)
        & pl.col("status").is_in(["official", "provisional"])
        & pl.col("threshold").is_not_null()
    )
    return set(judged["indicator"].to_list())


def _shares(
    criteria: CriteriaFrames, indicators: list[dict[str, Any]], judged_ids: set[str]
) -> list[_Share]:
    """The shares judged on at least one indicator ("all": every indicator).

    A commune meets a share when none of the thresholds that apply to it among the share's
    indicators is missed; one with no threshold assessed for them does not meet it. Only rural
    communes count (see ``compute_indicators``). A share is counted only when one of its
    indicators is in ``judged_ids`` (see ``_judged_indicators``): else no commune could meet it.
    """
    found = []
    for share in criteria.shares.iter_rows(named=True):
        of = [
            indicator["id"]
            for indicator in indicators
            if "all" in share["of"] or indicator["id"] in share["of"]
        ]
        if of:
            judged = [pl.col(attained_col(id_)) for id_ in of]
            missed = pl.any_horizontal(a.not_().fill_null(False) for a in judged)
            assessed = pl.any_horizontal(a.is_not_null() for a in judged)
            counted = bool(judged_ids.intersection(of))
            found.append(
                _Share(share["id"], share["levels"], ~missed & assessed, assessed, counted)
            )
    return found


def _commune_frame(
    figures: pl.DataFrame,
    units: pl.DataFrame,
    roster: pl.DataFrame,
    criteria: CriteriaFrames,
    indicators: list[dict[str, Any]],
    shares: list[_Share],
    thresholds: pl.LazyFrame,
) -> pl.DataFrame:
    """One row per reported commune of ``units``, sorted by code: commune_code, unit_name,
    parent_code, rural, then per indicator its numerator, denominator, threshold, target, status
    and attained columns, and per share its share and assessed columns (see ``numerator_col``
    and the others). Thresholds (those of the commune's class) apply to rural communes only."""
    communes = (
        units.lazy()
        .filter(pl.col("unit_level") == "commune")
        .select(pl.col("unit_code").alias("commune_code"), "unit_name", "unit_type", "parent_code")
    )
    rural = pl.col("unit_type").is_in(list(criteria.rural_unit_types))
    values: list[pl.Expr] = []
    for indicator in indicators:
        id_ = indicator["id"]
        values += [
            pl.sum_horizontal(indicator["numerator"]).cast(pl.Int64).alias(numerator_col(id_)),
            pl.col(indicator["denominator"]).cast(pl.Int64).alias(denominator_col(id_)),
            pl.col(threshold_col(id_), target_col(id_), status_col(id_)),
        ]
    return (
        figures.lazy()
        .join(communes, on="commune_code", how="inner")
        .join(roster.lazy().select("commune_code", "commune_class"), on="commune_code", how="left")
        .with_columns(rural.alias("rural"))
        # No threshold for urban communes.
        .with_columns(commune_class=pl.when("rural").then("commune_class"))
        .join(_class_thresholds(thresholds, indicators), on="commune_class", how="left")
        .sort("commune_code")
        .select("commune_code", "unit_name", "parent_code", "rural", *values)
        .with_columns(_commune_attained(indicators))
        .with_columns(share.meets.alias(share_col(share.id)) for share in shares)
        .with_columns(
            (share.assessed & pl.col("rural")).alias(assessed_col(share.id)) for share in shares
        )
        .collect(engine="in-memory")
    )


def _class_thresholds(thresholds: pl.LazyFrame, indicators: list[dict[str, Any]]) -> pl.LazyFrame:
    """One row per commune class: the threshold, target and status columns of each indicator at
    commune level (null where none applies)."""
    at_commune = thresholds.filter(
        (pl.col("level") == "commune") & pl.col("commune_class").is_not_null()
    )
    return at_commune.group_by("commune_class").agg(
        pl.col(value).filter(pl.col("indicator") == indicator["id"]).first().alias(name)
        for indicator in indicators
        for value, name in (
            ("threshold", threshold_col(indicator["id"])),
            ("target", target_col(indicator["id"])),
            ("status", status_col(indicator["id"])),
        )
    )


def _commune_attained(indicators: list[dict[str, Any]]) -> list[pl.Expr]:
    """The attained column of each indicator, on the commune frame."""
    return [
        _attained(
            pl.col(numerator_col(indicator["id"])),
            pl.col(denominator_col(indicator["id"])),
            pl.col(threshold_col(indicator["id"])),
            indicator["direction"] == "lower",
            indicator["zero_denominator"] == "met",
        ).alias(attained_col(indicator["id"]))
        for indicator in indicators
    ]


def _commune_rows(communes: pl.DataFrame, indicators: list[dict[str, Any]]) -> pl.LazyFrame:
    """The output rows of the communes: commune by commune, in the catalogue's order."""
    count = len(indicators)
    return (
        pl.concat(
            communes.lazy().select(
                pl.col("commune_code").alias("unit_code"),
                "unit_name",
                unit_level=pl.lit("commune"),
                indicator=pl.lit(indicator["id"], pl.String),
                numerator=numerator_col(indicator["id"]),
                denominator=denominator_col(indicator["id"]),
                threshold=threshold_col(indicator["id"]),
                target_id=target_col(indicator["id"]),
                attained=attained_col(indicator["id"]),
                target_status=status_col(indicator["id"]),
                position=pl.int_range(pl.len()) * count + order,
            )
            for order, indicator in enumerate(indicators)
        )
        .sort("position")
        .select(*INDICATOR_COLUMNS)
    )


def _totals(
    communes: pl.DataFrame,
    units: pl.DataFrame,
    indicators: list[dict[str, Any]],
    shares: list[_Share],
    levels: list[str],
) -> pl.LazyFrame:
    """One row per unit of ``levels`` with a reported commune: unit_code, unit_level, rank (of
    the level), the sums of the numerator and denominator columns, the rural communes meeting
    each share (in its share column) and the rural communes reported (``rural``)."""
    by_district = (
        communes.lazy()
        .group_by("parent_code")
        .agg(
            *(
                pl.col(numerator_col(indicator["id"]), denominator_col(indicator["id"])).sum()
                for indicator in indicators
            ),
            *((pl.col(share_col(share.id)) & pl.col("rural")).sum() for share in shares),
            *(pl.col(assessed_col(share.id)).sum() for share in shares),
            pl.col("rural").sum(),  # rural communes reported
        )
        .collect(engine="in-memory")
        .lazy()
    )
    province = units.filter(pl.col("unit_level") == "province")["unit_code"][0]
    totals = [
        by_district.with_columns(unit_code=pl.lit(province))
        .group_by("unit_code")  # by a column: no row at all when no commune reported
        .agg(pl.exclude("parent_code").sum()),
        by_district.rename({"parent_code": "unit_code"}),
    ]
    return pl.concat(
        [
            frame.with_columns(unit_level=pl.lit(level), rank=pl.lit(rank))
            for rank, (level, frame) in enumerate(zip(levels, totals, strict=False))
        ],
        how="diagonal",
    )


def _aggregates(
    totals: pl.LazyFrame,
    levels: list[str],
    units: pl.DataFrame,
    criteria: CriteriaFrames,
    indicators: list[dict[str, Any]],
    shares: list[_Share],
    thresholds: pl.LazyFrame,
) -> pl.LazyFrame:
    """The output rows of the province and the districts from their totals (see ``_totals``):
    Σ numerator / Σ denominator, and for each share the rural communes meeting it over the
    rural communes reported (no row for a unit without any). A share not counted this year
    (``_Share.counted``) keeps its denominator, has a null numerator and is ``pending``."""
    parts = _aggregate_parts(totals, levels, units, indicators, shares)
    if not parts:
        return pl.LazyFrame(schema=INDICATOR_COLUMNS)
    slots = len(indicators) + len(shares)
    return (
        pl.concat(parts, how="diagonal_relaxed")
        .join(
            thresholds.select(
                "indicator",
                pl.col("level").alias("unit_level"),
                "threshold",
                pl.col("target").alias("target_id"),
                pl.col("status").alias("target_status"),
            ),
            on=["indicator", "unit_level"],
            how="left",
        )
        .join(_rules(criteria), on="indicator", how="left")
        .with_columns(
            # What was not judged is not counted: no commune threshold to count against.
            numerator=pl.when(pl.col("counted").eq(False))
            .then(None)
            .otherwise(pl.col("numerator"))
            .cast(pl.Int64),
            denominator=pl.col("denominator").cast(pl.Int64),
            target_status=pl.when(pl.col("counted").eq(False))
            .then(pl.lit("pending"))
            .otherwise(pl.col("target_status")),
            position=pl.col("row") * slots + pl.col("slot"),
        )
        .with_columns(
            # A share none of whose communes was judged (its thresholds pending) is not judged.
            attained=pl.when(pl.col("assessed") == 0)
            .then(None)
            .otherwise(
                _attained(
                    pl.col("numerator"),
                    pl.col("denominator"),
                    pl.col("threshold"),
                    pl.col("direction") == "lower",
                    pl.col("zero_denominator") == "met",
                )
            )
        )
        .sort("position")
        .select(*INDICATOR_COLUMNS)
    )


def _aggregate_parts(
    totals: pl.LazyFrame,
    levels: list[str],
    units: pl.DataFrame,
    indicators: list[dict[str, Any]],
    shares: list[_Share],
) -> list[pl.LazyFrame]:
    """One frame per indicator and per share, over the units of the levels it is reported at:
    unit_code, unit_name, unit_level, row (of the unit), slot (of the indicator or share),
    indicator, numerator, denominator, assessed (shares only: communes judged) and counted
    (shares only: see ``_Share.counted``)."""
    named = (
        totals.join(units.lazy().select("unit_code", "unit_name"), on="unit_code", how="left")
        .sort("rank", "unit_code")
        .with_columns(row=pl.int_range(pl.len()))
    )

    def at(wanted: list[str]) -> pl.Expr:
        return pl.col("unit_level").is_in([level for level in levels if level in wanted])

    return [
        named.filter(at(indicator["levels"])).select(
            "unit_code", "unit_name", "unit_level", "row", slot=pl.lit(slot),
            indicator=pl.lit(indicator["id"]), numerator=numerator_col(indicator["id"]),
            denominator=denominator_col(indicator["id"]),
        )
        for slot, indicator in enumerate(indicators)
    ] + [
        named.filter(at(share.levels) & (pl.col("rural") > 0)).select(
            "unit_code", "unit_name", "unit_level", "row", slot=pl.lit(len(indicators) + slot),
            indicator=pl.lit(share.id), numerator=share_col(share.id), denominator="rural",
            assessed=assessed_col(share.id), counted=pl.lit(share.counted),
        )
        for slot, share in enumerate(shares)
    ]  # fmt: skip


def _rules(criteria: CriteriaFrames) -> pl.LazyFrame:
    """How each indicator and share is judged: indicator, direction, zero_denominator (a share
    is higher-better and not assessed without rural communes)."""
    return pl.concat(
        [
            criteria.indicators.lazy().select(
                pl.col("id").alias("indicator"), "direction", "zero_denominator"
            ),
            criteria.shares.lazy().select(
                pl.col("id").alias("indicator"),
                direction=pl.lit("higher"),
                zero_denominator=pl.lit("not_assessed"),
            ),
        ]
    )


def format_indicators(frame: pl.DataFrame, period: str) -> pl.DataFrame:
    """The columns of interfaces.md, values rounded half up to 2 decimals with a dot, then
    ``target_status``: official, provisional, pending, or empty when no target applies."""
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
        target_status=pl.col("target_status"),
    )
