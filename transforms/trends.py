"""Poverty trends (T1): year-end series, yearly falls, the average fall against the band,
the projection to the programme's end and the pace still needed; and year-to-date flows.

Rates stay fractions of integer counts throughout; a change between two rates is computed over
their common denominator, and rounded half up only by the caller's formatting.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

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


def _standard_of(year: pl.Expr, standards: pl.DataFrame) -> pl.Expr:
    expr = pl.lit(None, pl.String)
    for row in standards.iter_rows(named=True):
        inside = (year >= row["first_year"]) & (year <= row["last_year"])
        expr = pl.when(inside).then(pl.lit(row["name"])).otherwise(expr)
    return expr


def yearly_changes(series: pl.DataFrame, programme: Programme) -> pl.DataFrame:
    """Each year-end with its fall since the previous one, in hundredths of a percentage point
    (positive = the rate fell), of the rate the programme's trend counts (``counted`` over
    households). A fall across a change of poverty standard is marked ``method_break`` and not
    counted in averages."""
    over = ("unit_level", "unit_code")
    p0, h0 = pl.col("previous_counted"), pl.col("previous_households")
    p1, h1 = pl.col("counted"), pl.col("households")
    return (
        series.lazy()
        .with_columns(programme.counted)
        .sort(*over, "year")
        .with_columns(standard=_standard_of(pl.col("year"), programme.standards))
        .with_columns(  # the previous year-end of the same unit
            pl.col("year").shift(1).over(over).alias("previous_year"),
            pl.col("counted", "households", "standard")
            .shift(1)
            .over(over)
            .name.prefix("previous_"),
        )
        .with_columns(
            fall=divide_half_up(
                (p0.cast(pl.Int128) * h1 - p1.cast(pl.Int128) * h0) * 10_000, h0 * h1
            ),
            method_break=pl.col("standard") != pl.col("previous_standard"),
        )
        .with_columns(
            fall=pl.when(pl.col("previous_year") == pl.col("year") - 1).then(pl.col("fall"))
        )
        .drop("previous_counted", "previous_households", "previous_standard")
        .collect(engine="in-memory")
    )


def trend_summary(series: pl.DataFrame, programme: Programme) -> pl.DataFrame:
    """Per unit: baseline and latest year-end, the average yearly fall since the baseline, its
    status against the band, the projected rate at the programme's end and the yearly fall
    still needed to average the band's lower bound. Values in hundredths (% or pp a year), of
    the rate the programme's trend counts; status and pace needed are null without a band.

    The baseline is the first year-end measured with the same poverty standard as the latest,
    and not before the year-end that opens the programme (the one before its first year).
    """
    end = programme.last_year
    with_standard = (
        series.lazy()
        .filter(pl.col("year") >= programme.first_year - 1)
        .with_columns(programme.counted, standard=_standard_of(pl.col("year"), programme.standards))
    )
    latest = with_standard.sort("year").group_by("unit_level", "unit_code").last()
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
