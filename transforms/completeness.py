"""Reporting completeness for a period: who was expected, who sent what, and when."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl


def completeness(
    expected: pl.DataFrame, submitted: pl.DataFrame, deadline: datetime
) -> pl.DataFrame:
    """One row per expected reporting unit.

    ``expected``: unit_code, unit_name, communes_expected.
    ``submitted``: the current submission per unit: unit_code, version, first_received_at,
    rows_accepted, rows_quarantined. A unit is on time when its first accepted version arrived
    before ``deadline`` (an instant: the end of the deadline day, local time).
    Columns out: unit_code, unit_name, communes_expected, received, version, first_received_at,
    on_time, communes_accepted, communes_quarantined.
    """
    return (
        expected.join(submitted, on="unit_code", how="left")
        .select(
            "unit_code",
            "unit_name",
            "communes_expected",
            received=pl.col("version").is_not_null(),
            version=pl.col("version"),
            first_received_at=pl.col("first_received_at"),
            on_time=pl.when(pl.col("version").is_null())
            .then(None)
            .otherwise(
                pl.col("first_received_at").dt.convert_time_zone("UTC")
                < pl.lit(deadline.astimezone(UTC)).dt.convert_time_zone("UTC")
            ),
            communes_accepted=pl.col("rows_accepted").fill_null(0).cast(pl.Int64),
            communes_quarantined=pl.col("rows_quarantined").fill_null(0).cast(pl.Int64),
        )
        .sort("unit_code")
    )


def completeness_totals(table: pl.DataFrame) -> dict[str, int]:
    """Counts over ``completeness``'s table: units and communes expected, received, on time."""
    totals = table.select(
        units_expected=pl.len(),
        units_received=pl.col("received").sum(),
        units_on_time=pl.col("on_time").fill_null(False).sum(),
        units_late=(pl.col("on_time") == False).sum(),  # noqa: E712 (null is not late)
        communes_expected=pl.col("communes_expected").sum(),
        communes_accepted=pl.col("communes_accepted").sum(),
        communes_quarantined=pl.col("communes_quarantined").sum(),
    ).row(0, named=True)
    return {key: int(value or 0) for key, value in totals.items()}
