"""Poverty trends (T1): year-end series, yearly falls, the average fall against the band,
the projection to the programme's end and the pace still needed; and year-to-date flows.

Rates stay fractions of integer counts throughout; a change between two rates is computed over
their common denominator, and rounded half up only by the caller's formatting.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import polars.selectors as cs

from transforms.rates import at_least, at_most, divide_half_up

FLOW_FIGURES = (
    "poor_start", "poor_exited", "poor_returned", "poor_new", "poor_end", "near_poor_start",
    "near_poor_exited", "near_poor_returned", "near_poor_new", "near_poor_end", "households",
)  # fmt: skip


@dataclass(frozen=True)
class Programme:
    """What T1 is judged against: the band (hundredths of pp a year; None while pending), the
    programme's years, the standards by year-end, and what the trend counts: the series
    columns summed into the rate's numerator (``poor``, or ``poor`` and ``near_poor``)."""

    first_year: int
    last_year: int
    fall_band: tuple[int, int] | None
    standards: pl.DataFrame  # name, first_year, last_year
    counts: tuple[str, ...] = ("poor",)

    @property
    def counted(self) -> pl.Expr:
        return pl.sum_horizontal(list(self.counts)).alias("counted")


def unit_keys(units: pl.DataFrame, reporting_level: str) -> pl.DataFrame:
    """Every commune of ``units`` with the units it rolls up into: commune_code, unit_code,
    unit_level (itself, its district while districts exist, the province)."""
    communes = units.filter(pl.col("unit_level") == "commune")
    province = units.filter(pl.col("unit_level") == "province")["unit_code"].first()
    parts = [
        communes.select(pl.col("unit_code").alias("commune_code"), "unit_code",
                        unit_level=pl.lit("commune")),
        communes.select(pl.col("unit_code").alias("commune_code"),
                        unit_code=pl.lit(province, pl.String), unit_level=pl.lit("province")),
    ]  # fmt: skip
    if reporting_level == "district":
        parts.append(
            communes.select(
                pl.col("unit_code").alias("commune_code"),
                pl.col("parent_code").alias("unit_code"),
                unit_level=pl.lit("district"),
            )
        )
    return pl.concat(parts)


def year_end_series(
    year_ends: pl.DataFrame, mapping: pl.DataFrame, keys: pl.DataFrame
) -> pl.DataFrame:
    """Σ poor, near-poor and households at each year-end, on today's units.

    ``year_ends``: accepted Q4 rows with year, commune_code (as reported then) and figures.
    ``mapping``: year, commune_code -> current_code (the crosswalk, so that a trend compares
    like with like across reorganisations). ``keys``: from ``unit_keys`` on today's units.
    """
    mapped = year_ends.join(mapping, on=["year", "commune_code"], how="inner").drop("commune_code")
    return (
        mapped.join(keys, left_on="current_code", right_on="commune_code", how="inner")
        .group_by("unit_level", "unit_code", "year")
        .agg(
            pl.col("poor_end").sum().alias("poor"),
            pl.col("near_poor_end").sum().alias("near_poor"),
            pl.col("households").sum(),
            pl.len().alias("communes"),
        )
        .sort("unit_level", "unit_code", "year")
    )


def bridge_series(
    year_ends: pl.DataFrame,
    baseline: pl.DataFrame,
    mapping: pl.DataFrame,
    keys: pl.DataFrame,
    year: int,
    standard: str,
) -> pl.DataFrame:
    """The year-end ``year`` measured again with ``standard``: the baseline review's poor and
    near-poor (``baseline``: commune_code, poor, near_poor) over that year-end's households
    (``year_ends``, the Q4 form), on today's units like ``year_end_series``, with ``standard``.

    A unit is in it only when every commune of its year-end has a baseline review: a province
    whose baseline lacks a commune has no bridge, and its first year under the new standard is
    not judged rather than judged on part of itself."""
    ends = year_ends.filter(pl.col("year") == year).select("year", "commune_code", "households")
    measured = ends.join(baseline.select("commune_code", "poor", "near_poor"), on="commune_code",
                         how="left")  # fmt: skip
    mapped = (
        measured.join(mapping, on=["year", "commune_code"], how="inner")
        .drop("commune_code")
        .join(keys, left_on="current_code", right_on="commune_code", how="inner")
    )
    return (
        mapped.group_by("unit_level", "unit_code", "year")
        .agg(
            pl.col("poor").sum(),
            pl.col("near_poor").sum(),
            pl.col("households").sum(),
            pl.len().alias("communes"),
            pl.col("poor").is_null().sum().alias("missing"),
        )
        .filter(pl.col("missing") == 0)
        .drop("missing")
        .with_columns(standard=pl.lit(standard))
        .sort("unit_level", "unit_code", "year")
    )


def _standard_of(year: pl.Expr, standards: pl.DataFrame) -> pl.Expr:
    expr = pl.lit(None, pl.String)
    for row in standards.iter_rows(named=True):
        inside = (year >= row["first_year"]) & (year <= row["last_year"])
        expr = pl.when(inside).then(pl.lit(row["name"])).otherwise(expr)
    return expr


def with_standards(series: pl.DataFrame, standards: pl.DataFrame) -> pl.LazyFrame:
    """``series`` with ``standard`` (the standard that measured each year-end) and ``bridge``.

    A year-end is measured with the standard of its year, unless the row names another: a
    bridge row is the same year-end measured again with the next standard (the baseline review
    of the year before a new standard, domain.md §8), so that the first year of the new
    standard has a year-end to fall from. A series without a ``standard`` column has none."""
    named = pl.col("standard") if "standard" in series.columns else pl.lit(None, pl.String)
    by_year = _standard_of(pl.col("year"), standards)
    return series.lazy().with_columns(
        standard=pl.coalesce(named, by_year), bridge=named.is_not_null() & (named != by_year)
    )


def yearly_changes(series: pl.DataFrame, programme: Programme) -> pl.DataFrame:
    """Each year-end with its fall since the previous one, in hundredths of a percentage point
    (positive = the rate fell), of the rate the programme's trend counts (``counted`` over
    households).

    A year-end falls from the year before measured with the same standard when there is one (a
    bridge row, see ``with_standards``); else from the year before as it was measured, and a
    fall across a change of poverty standard is marked ``method_break`` (and not counted in
    averages). A bridge row has no fall: it opens its standard's series (``method_break``)."""
    over = ("unit_level", "unit_code")
    rows = (
        with_standards(series, programme.standards)
        .with_columns(programme.counted)
        .sort(*over, "year", "bridge")
    )
    same = pl.col("year").shift(1).over(*over, "standard") == pl.col("year") - 1
    regular = rows.filter(~pl.col("bridge")).with_columns(
        pl.col("year", "counted", "households", "standard").shift(1).over(over).name.prefix("any_")
    )
    joined = rows.join(
        regular.select(*over, "year", pl.col("^any_.*$")), on=[*over, "year"], how="left"
    ).with_columns(
        pl.col("year", "counted", "households")
        .shift(1)
        .over(*over, "standard")
        .name.prefix("same_")
    )
    use_same = same
    use_any = ~pl.col("bridge") & (pl.col("any_year") == pl.col("year") - 1)
    p0 = pl.when(use_same).then(pl.col("same_counted")).when(use_any).then(pl.col("any_counted"))
    h0 = (
        pl.when(use_same)
        .then(pl.col("same_households"))
        .when(use_any)
        .then(pl.col("any_households"))
    )
    p1, h1 = pl.col("counted"), pl.col("households")
    return (
        joined.with_columns(
            fall=divide_half_up(
                (p0.cast(pl.Int128) * h1 - p1.cast(pl.Int128) * h0) * 10_000, h0 * h1
            ),
            method_break=pl.when(use_same)
            .then(False)
            .when(use_any)
            .then(pl.col("any_standard") != pl.col("standard"))
            .when(pl.col("bridge"))
            .then(True)
            .otherwise(pl.col("any_standard") != pl.col("standard")),
            previous_year=pl.when(use_same).then(pl.col("same_year")).otherwise(pl.col("any_year")),
        )
        .drop(cs.starts_with("any_", "same_"))
        .sort(*over, "year", "bridge")
        .collect(engine="in-memory")
    )


def trend_summary(series: pl.DataFrame, programme: Programme) -> pl.DataFrame:
    """Per unit: baseline and latest year-end, the average yearly fall since the baseline, its
    status against the band, the projected rate at the programme's end and the yearly fall
    still needed to average the band's lower bound. Values in hundredths (% or pp a year), of
    the rate the programme's trend counts; status and pace needed are null without a band.

    The baseline is the first year-end measured with the same poverty standard as the latest,
    and not before the year-end that opens the programme (the one before its first year): in
    the first year of a new standard, the bridge row of the year before when there is one
    (``with_standards``), else that first year itself (no average yet).
    """
    end = programme.last_year
    with_standard = (
        with_standards(series, programme.standards)
        .filter(pl.col("year") >= programme.first_year - 1)
        .with_columns(programme.counted)
    )
    # The latest year-end as measured in its own year; a bridge row (that year-end measured
    # again with the next standard) can only be a base.
    latest = (
        with_standard.filter(~pl.col("bridge"))
        .sort("year")
        .group_by("unit_level", "unit_code")
        .last()
    )
    base = (
        with_standard.join(
            latest.select("unit_level", "unit_code", pl.col("standard").alias("latest_standard")),
            on=["unit_level", "unit_code"],
        )
        .filter(pl.col("standard") == pl.col("latest_standard"))
        .sort("year")
        .group_by("unit_level", "unit_code")
        .first()
    )
    both = base.select(
        "unit_level", "unit_code", pl.col("year").alias("base_year"),
        pl.col("counted").alias("pb"), pl.col("households").alias("hb"),
    ).join(
        latest.select("unit_level", "unit_code", pl.col("year").alias("last_year"),
                      pl.col("counted").alias("pl_"), pl.col("households").alias("hl")),
        on=["unit_level", "unit_code"],
    )  # fmt: skip
    pb, hb = pl.col("pb").cast(pl.Int128), pl.col("hb").cast(pl.Int128)
    p_l, h_l = pl.col("pl_").cast(pl.Int128), pl.col("hl").cast(pl.Int128)
    years = (pl.col("last_year") - pl.col("base_year")).cast(pl.Int128)
    remaining = (end - pl.col("last_year")).cast(pl.Int128)
    drop = pb * h_l - p_l * hb  # (rate_base - rate_last) * hb * hl
    # Average fall in pp a year: drop / (hb * hl * years) * 100.
    average = divide_half_up(drop * 10_000, hb * h_l * years)
    projected = divide_half_up((p_l * hb * years - drop * remaining) * 10_000, hb * h_l * years)
    has_average = pl.col("last_year") > pl.col("base_year")
    if programme.fall_band is None:
        status, needed = pl.lit(None, pl.String), pl.lit(None, pl.Int64)
    else:
        low, high = programme.fall_band
        status = (
            pl.when(~has_average)
            .then(None)
            .when(~at_least(drop, hb * h_l * years, pl.lit(low)))
            .then(pl.lit("behind"))
            .when(at_most(drop, hb * h_l * years, pl.lit(high)))
            .then(pl.lit("on_track"))
            .otherwise(pl.lit("ahead"))
        )
        needed = divide_half_up(
            (p_l * hb - pb * h_l) * 10_000 + low * (end - pl.col("base_year")) * hb * h_l,
            hb * h_l * remaining,
        )
    return (
        both.select(
            "unit_level",
            "unit_code",
            "base_year",
            "last_year",
            base_rate=divide_half_up(pb * 10_000, hb),
            last_rate=divide_half_up(p_l * 10_000, h_l),
            average_fall=pl.when(has_average).then(average),
            status=status,
            projected_rate=pl.when(has_average & (remaining > 0)).then(projected),
            needed_fall=pl.when(remaining > 0).then(needed),
        )
        .sort("unit_level", "unit_code")
        .collect(engine="in-memory")
    )


def poverty_flows(figures: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """Year-to-date movements (start -> exited / returned / new -> end) summed per unit."""
    return (
        figures.join(keys, on="commune_code", how="inner")
        .group_by("unit_level", "unit_code")
        .agg(pl.col(list(FLOW_FIGURES)).sum())
        .sort("unit_level", "unit_code")
    )
