"""What an amendment after a close changes: the figures, commune by commune, and the rates.

Pure: the signed rows of a closed period and its current rows in, the differences out.
"""

from __future__ import annotations

import polars as pl


def figure_changes(
    signed: pl.DataFrame, current: pl.DataFrame, figure_keys: list[str]
) -> pl.DataFrame:
    """Every figure of every commune whose value differs between the signed rows and the
    current ones (a commune present on one side only: every figure, the other side null).

    ``signed``, ``current``: commune_code and the figures. Columns out: commune_code, figure,
    old, new; in the order of the communes, then of ``figure_keys``.
    """
    order = {key: i for i, key in enumerate(figure_keys)}

    def long(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        return frame.select("commune_code", *figure_keys).unpivot(
            index="commune_code", variable_name="figure", value_name=name
        )

    return (
        long(signed, "old")
        .join(long(current, "new"), on=["commune_code", "figure"], how="full", coalesce=True)
        .filter(pl.col("old").ne_missing(pl.col("new")))
        .with_columns(order=pl.col("figure").replace_strict(order, return_dtype=pl.Int64))
        .sort("commune_code", "order")
        .drop("order")
        .cast({"old": pl.Int64, "new": pl.Int64})
    )


def rate_changes(signed: pl.DataFrame, current: pl.DataFrame, level: str) -> pl.DataFrame:
    """The indicators of ``level`` whose numerator or denominator moved.

    ``signed``, ``current``: compute_indicators rows. Columns out: unit_code, indicator,
    numerator_old, denominator_old, numerator_new, denominator_new.
    """
    keys = ["unit_code", "indicator"]

    def side(frame: pl.DataFrame, suffix: str) -> pl.DataFrame:
        return (
            frame.filter(pl.col("unit_level") == level)
            .select(
                *keys,
                pl.col("numerator").alias(f"numerator_{suffix}"),
                pl.col("denominator").alias(f"denominator_{suffix}"),
            )
            .unique(keys, keep="first")
        )

    both = side(signed, "old").join(side(current, "new"), on=keys, how="full", coalesce=True)
    return both.filter(
        pl.col("numerator_old").ne_missing(pl.col("numerator_new"))
        | pl.col("denominator_old").ne_missing(pl.col("denominator_new"))
    ).sort(keys)
