"""Questions about the admin-unit registry, which keeps every unit with its validity period.

A code alone does not identify a unit (codes are reused after reorganisations); a code on a
given day does. Validity is half-open: a row is valid from ``valid_from`` up to, not
including, ``valid_to`` (null while it still is), so a successor's valid_from equals its
predecessor's valid_to.
"""

from __future__ import annotations

from datetime import date

import polars as pl


def valid_on_expr(day: pl.Expr | date) -> pl.Expr:
    """True for registry rows valid on ``day`` (a date, or a date column of each row)."""
    return (pl.col("valid_from") <= day) & (
        pl.col("valid_to").is_null() | (pl.col("valid_to") > day)
    )


def valid_on(registry: pl.DataFrame, day: date) -> pl.DataFrame:
    """The units that exist on ``day``."""
    return registry.filter(valid_on_expr(day))


def reporting_level_expr(day: str, communes_report_from: date) -> pl.Expr:
    """``reporting_level`` of each row's date column ``day``."""
    return (
        pl.when(pl.col(day) >= communes_report_from)
        .then(pl.lit("commune"))
        .otherwise(pl.lit("district"))
    )


def reporting_level(day: date, communes_report_from: date) -> str:
    """Which level sends submissions for a period ending on ``day``."""
    return "commune" if day >= communes_report_from else "district"


def reporting_units(registry: pl.DataFrame, day: date, communes_report_from: date) -> pl.DataFrame:
    """The units expected to report for a period ending on ``day``, with their commune counts.

    Columns: unit_code, unit_name, communes_expected.
    """
    units = valid_on(registry, day)
    level = reporting_level(day, communes_report_from)
    communes = units.filter(pl.col("unit_level") == "commune")
    if level == "commune":
        return communes.select("unit_code", "unit_name", communes_expected=pl.lit(1, pl.Int64))
    counts = communes.group_by("parent_code").agg(communes_expected=pl.len().cast(pl.Int64))
    return (
        units.filter(pl.col("unit_level") == "district")
        .join(counts, left_on="unit_code", right_on="parent_code", how="left")
        .select("unit_code", "unit_name", pl.col("communes_expected").fill_null(0))
        .sort("unit_code")
    )


def communes_of(
    registry: pl.DataFrame, unit_code: str, day: date, communes_report_from: date
) -> pl.DataFrame:
    """The commune-level units a reporting unit answers for on ``day``: its rows in a file.

    Columns: commune_code, commune_name, unit_type, valid_from.
    """
    units = valid_on(registry, day).filter(pl.col("unit_level") == "commune")
    if reporting_level(day, communes_report_from) == "commune":
        mine = units.filter(pl.col("unit_code") == unit_code)
    else:
        mine = units.filter(pl.col("parent_code") == unit_code)
    return mine.select(
        pl.col("unit_code").alias("commune_code"),
        pl.col("unit_name").alias("commune_name"),
        "unit_type",
        "valid_from",
    ).sort("commune_code")


def expected_communes(
    registry: pl.DataFrame, units: pl.DataFrame, day: date, communes_report_from: date
) -> pl.DataFrame:
    """``communes_of`` for many reporting units at once.

    ``units`` has unit_code and any other columns (a file_id, say), which are kept; one row
    per unit and commune, with commune_code, commune_name, unit_type and valid_from.
    """
    communes = valid_on(registry, day).filter(pl.col("unit_level") == "commune")
    by = "unit_code" if reporting_level(day, communes_report_from) == "commune" else "parent_code"
    return units.join(
        communes.select(
            pl.col(by).alias("unit_code"),
            pl.col("unit_code").alias("commune_code"),
            pl.col("unit_name").alias("commune_name"),
            "unit_type",
            "valid_from",
        ),
        on="unit_code",
    )


def find_reporting_unit(
    registry: pl.DataFrame, unit_code: str, day: date, communes_report_from: date
) -> dict[str, object] | None:
    """The registry row of the unit that may report under ``unit_code`` for a period ending on
    ``day``, or None when no unit of the reporting level has that code then."""
    level = reporting_level(day, communes_report_from)
    found = valid_on(registry, day).filter(
        (pl.col("unit_code") == unit_code) & (pl.col("unit_level") == level)
    )
    return found.row(0, named=True) if found.height else None


def successors(
    registry: pl.DataFrame, crosswalk: pl.DataFrame, start: date, end: date
) -> pl.DataFrame:
    """Where each commune-level unit valid on ``start`` stands on ``end``.

    ``crosswalk``: old_code, old_valid_from, new_code, new_valid_from, change_date, relation.
    Units are followed through every change dated after ``start`` up to ``end``; a unit still
    valid on ``end`` maps to itself; one whose successor is not known is left out. A divided
    unit's figures cannot be split: all of them follow its default successor (relation
    ``divided_default``; the other parts, ``divided``, get none), and ``divided`` says so.
    Columns out: commune_code (on ``start``), current_code (on ``end``), divided.
    """
    units = valid_on(registry, start).filter(pl.col("unit_level") == "commune")
    current = units.select(
        pl.col("unit_code").alias("commune_code"),
        pl.col("unit_code").alias("code"),
        pl.col("valid_from").alias("since"),
        divided=pl.lit(False),
    )
    changes = crosswalk.filter(
        (pl.col("change_date") > start)
        & (pl.col("change_date") <= end)
        & (pl.col("relation") != "divided")
    )
    for change_date in sorted(set(changes["change_date"].to_list())):
        step = changes.filter(pl.col("change_date") == change_date)
        current = current.join(
            step.select("old_code", "old_valid_from", "new_code", "new_valid_from", "relation"),
            left_on=["code", "since"],
            right_on=["old_code", "old_valid_from"],
            how="left",
        ).select(
            "commune_code",
            code=pl.coalesce("new_code", "code"),
            since=pl.coalesce("new_valid_from", "since"),
            divided=pl.col("divided") | (pl.col("relation") == "divided_default").fill_null(False),
        )
    valid_then = valid_on(registry, end).select(
        pl.col("unit_code").alias("code"), pl.col("valid_from").alias("since")
    )
    return current.join(valid_then, on=["code", "since"], how="semi").select(
        "commune_code", "divided", current_code="code"
    )
