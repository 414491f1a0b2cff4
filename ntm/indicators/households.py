"""``ntm households``: a household review's counts per commune or for the province, beside
the Q4 quarterly form's year-end counts (interfaces.md, "Household review").

Counts come from the current version of each unit's review (accepted rows only); a higher
level is the sum of its communes. The deprivation columns are the indicators of the review's
standard, in the standard's order.
"""

from __future__ import annotations

import polars as pl

from ntm.reference import Reference
from ntm.store.warehouse import Warehouse

COLUMNS = (
    "year", "kind", "standard", "unit_code", "unit_level", "households", "poor", "near_poor",
    "poor_members", "near_poor_members", "form_poor", "form_near_poor",
)  # fmt: skip
COUNTS = ("households", "poor", "near_poor", "poor_members", "near_poor_members")


def household_counts(
    warehouse: Warehouse, ref: Reference, year: int, kind: str, level: str
) -> pl.DataFrame:
    """One row per commune (``level`` commune) or one for the province, in ``COLUMNS`` order,
    then ``deprived_<indicator>`` per indicator of the review's standard."""
    standard = ref.review_standard(year, kind)
    indicators = standard.indicator_ids if standard is not None else []
    counts = warehouse.frame("household_counts", year=year, kind=kind)
    deprived = warehouse.frame("household_deprivations", year=year, kind=kind)
    if kind == "dinh-ky":
        form = warehouse.frame("q4_form_totals", period=f"{year}-Q4")
    else:
        form = pl.DataFrame(
            schema={"unit_code": pl.String, "form_poor": pl.Int64, "form_near_poor": pl.Int64}
        )
    wide = (
        deprived.pivot(on="indicator", index="unit_code", values="deprived")
        if deprived.height
        else pl.DataFrame(schema={"unit_code": pl.String})
    )
    flags = [f"deprived_{i}" for i in indicators]
    communes = (
        counts.join(wide, on="unit_code", how="left")
        .join(form, on="unit_code", how="left")
        .with_columns(
            *[
                (pl.col(i) if i in wide.columns else pl.lit(None, pl.Int64))
                .fill_null(0)
                .cast(pl.Int64)
                .alias(f"deprived_{i}")
                for i in indicators
            ]
        )
        .with_columns(
            year=pl.lit(year, pl.Int64),
            kind=pl.lit(kind),
            unit_level=pl.lit("commune"),
        )
    )
    if level == "province":
        province = communes.select(
            pl.lit(year, pl.Int64).alias("year"),
            pl.lit(kind).alias("kind"),
            pl.col("standard").unique().sort().str.join("+").alias("standard"),
            pl.lit(ref.settings.province_code).alias("unit_code"),
            pl.lit("province").alias("unit_level"),
            *[pl.col(c).sum() for c in (*COUNTS, *flags)],
        ).with_columns(
            form_poor=pl.lit(form["form_poor"].sum() if form.height else None, pl.Int64),
            form_near_poor=pl.lit(form["form_near_poor"].sum() if form.height else None, pl.Int64),
        )
        communes = province if communes.height else communes.clear()
    return communes.select(*COLUMNS, *flags)
