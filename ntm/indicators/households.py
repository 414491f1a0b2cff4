"""The household reviews of a year (form HN): counts, movements of the lists, the deprivation
profile, and ``ntm households`` (interfaces.md, "Household review").

Everything comes from the current version of each unit's review (accepted rows only); the
province is the sum of its communes. ``household_tables`` gives the long frames a period's
tables and the report read; ``household_counts`` the wide table ``ntm households`` prints.

Movements compare, by household key across the whole province, a review with the previous one
under the same standard (``compared_review``): a household that moved between communes and
stayed in its class is no movement. A flow out of a class (``exited_X``) is counted in the
commune the household was listed in then, on today's map of communes (the registry's
crosswalk: an old commune's households count in the commune that succeeded it, a divided one's
in its default successor); a flow into a class (``returned_X``, ``new_X``) in the commune it is
listed in now. So ``X now = X then − exited + returned + new`` holds for the province; for a
commune it is off by the households that moved in or out of it and stayed in the class.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from ntm.reference import Reference
from ntm.reference.households import KINDS
from ntm.store.warehouse import Warehouse
from transforms.households import (
    CLASSES,
    GROUPS,
    MOVEMENTS,
    class_profile,
    counts_with_ethnicity,
    movement_differences,
    with_province,
)
from transforms.registry import successors

COLUMNS = (
    "year", "kind", "standard", "unit_code", "unit_level", "households", "poor", "near_poor",
    "poor_members", "near_poor_members", "form_poor", "form_near_poor",
)  # fmt: skip
COUNTS = ("households", "poor", "near_poor", "poor_members", "near_poor_members")
ETHNIC = tuple(f"ethnic_minority_{c}" for c in CLASSES)
PERIODIC = "dinh-ky"

_S, _I = pl.String, pl.Int64
COUNTS_SCHEMA = pl.Schema({
    "kind": _S, "standard": _S, "unit_code": _S, "unit_level": _S,
    **dict.fromkeys((*COUNTS, *ETHNIC), _I),
})  # fmt: skip
MOVEMENTS_SCHEMA = pl.Schema({
    "kind": _S, "standard": _S, "unit_code": _S, "unit_level": _S,
    **dict.fromkeys(MOVEMENTS, _I), "compared_year": _I, "compared_kind": _S,
})  # fmt: skip
RECONCILIATION_SCHEMA = pl.Schema({"unit_code": _S, "figure": _S, "review": _I, "form": _I})
DEPRIVATIONS_SCHEMA = pl.Schema({
    "kind": _S, "standard": _S, "unit_code": _S, "unit_level": _S, "class": _S, "indicator": _S,
    "households_in_class": _I, "deprived": _I,
})  # fmt: skip
CAUSES_SCHEMA = pl.Schema({
    "kind": _S, "unit_code": _S, "unit_level": _S, "class": _S, "cause": _S, "households": _I,
})  # fmt: skip
GROUPS_SCHEMA = pl.Schema({
    "kind": _S, "unit_code": _S, "unit_level": _S, "class": _S, "group": _S, "households": _I,
})  # fmt: skip


@dataclass(frozen=True)
class HouseholdTables:
    """A year's household reviews (every kind reviewed that year: the periodic ``dinh-ky``
    and, where stored, the baseline ``dau-ky``), as long frames. Counts are Int64 households;
    ``unit_level`` is ``commune`` (one row per commune of the review) or ``province`` (the
    province code, the sum of the communes). Shares are computed by the reader, Σ/Σ. A year
    without a review gives every frame empty, with these columns. ``year``: the review year.

    - ``counts``: kind, standard, unit_code, unit_level, households, poor, near_poor,
      poor_members, near_poor_members, ethnic_minority_poor, ethnic_minority_near_poor (the
      poor and near-poor households of an ethnic minority).
    - ``movements``: kind, standard, unit_code, unit_level, exited_poor, returned_poor,
      new_poor, exited_near_poor, returned_near_poor, new_near_poor, compared_year,
      compared_kind (the review compared with; see the module's docstring for how a household
      is counted and in which commune). No rows for a kind with no earlier review to compare
      with (``compared_review``). A commune with exits only (no review this year) has a row.
    - ``reconciliation``: unit_code, figure (the Q4 form's ``poor_exited``, ``poor_returned``,
      ``poor_new``, ``near_poor_exited``, ``near_poor_returned``, ``near_poor_new``), review
      (the movement counted from the lists), form (the figure of the year's Q4 form): the
      differences only, per commune of the periodic review that has both.
    - ``deprivations``: kind, standard, unit_code, unit_level, class (``poor`` or
      ``near_poor``), indicator (the standard's ids, in its order), households_in_class,
      deprived (households of the class deprived in the indicator); every unit × class ×
      indicator, zeros included.
    - ``causes``: kind, unit_code, unit_level, class, cause (the format's keys, e.g.
      ``cause_land``, in its order), households (of the class with that cause).
    - ``groups``: kind, unit_code, unit_level, class, group (``merit_person``,
      ``social_assistance``, ``no_labour``), households (of the class in that group).
    """

    year: int
    counts: pl.DataFrame
    movements: pl.DataFrame
    reconciliation: pl.DataFrame
    deprivations: pl.DataFrame
    causes: pl.DataFrame
    groups: pl.DataFrame


def stored_reviews(warehouse: Warehouse, years: list[int]) -> pl.DataFrame:
    """review_year, review_kind, standard, households of the reviews stored for ``years``."""
    return warehouse.frame("household_reviews", years=years)


def compared_review(
    ref: Reference, year: int, kind: str, stored: pl.DataFrame
) -> tuple[int, str] | None:
    """The review the movements of ``year``'s ``kind`` review are counted against: the
    previous review under the same standard (the periodic review of the year before; in the
    first year of a standard, the baseline review of the year before), when ``stored`` (see
    ``stored_reviews``) holds it. None otherwise: no movements."""
    standard = ref.review_standard(year, kind)
    if standard is None:
        return None
    for candidate in KINDS:  # periodic first
        earlier = ref.review_standard(year - 1, candidate)
        if earlier is not None and earlier.id == standard.id:
            held = stored.filter(
                (pl.col("review_year") == year - 1) & (pl.col("review_kind") == candidate)
            )
            return (year - 1, candidate) if held.height else None
    return None


def household_tables(warehouse: Warehouse, ref: Reference, year: int) -> HouseholdTables:
    """Every review of ``year`` stored in ``warehouse`` (see ``HouseholdTables``)."""
    stored = stored_reviews(warehouse, [year - 1, year])
    kinds = [
        k
        for k in KINDS
        if stored.filter((pl.col("review_year") == year) & (pl.col("review_kind") == k)).height
    ]
    reviews = [_review_tables(warehouse, ref, year, kind, stored) for kind in kinds]
    return HouseholdTables(
        year=year,
        counts=_stacked([r.counts for r in reviews], COUNTS_SCHEMA),
        movements=_stacked([r.movements for r in reviews], MOVEMENTS_SCHEMA),
        reconciliation=_stacked([r.reconciliation for r in reviews], RECONCILIATION_SCHEMA),
        deprivations=_stacked([r.deprivations for r in reviews], DEPRIVATIONS_SCHEMA),
        causes=_stacked([r.causes for r in reviews], CAUSES_SCHEMA),
        groups=_stacked([r.groups for r in reviews], GROUPS_SCHEMA),
    )


def _stacked(frames: list[pl.DataFrame], schema: pl.Schema) -> pl.DataFrame:
    empty = pl.DataFrame(schema=schema)
    return pl.concat([empty, *(f.select(*schema).cast(schema) for f in frames)])


def _review_tables(
    warehouse: Warehouse, ref: Reference, year: int, kind: str, stored: pl.DataFrame
) -> HouseholdTables:
    """The tables of one review (``year``, ``kind``), communes and province."""
    standard = ref.review_standard(year, kind)
    indicators = standard.indicator_ids if standard is not None else []
    standard_id = standard.id if standard is not None else ""
    province = ref.settings.province_code
    counts = warehouse.frame("household_counts", year=year, kind=kind)
    profile = warehouse.frame("household_profile", year=year, kind=kind)
    items = warehouse.frame("household_profile_items", year=year, kind=kind)
    review = pl.lit(kind).alias("kind"), pl.lit(standard_id).alias("standard")

    communes = counts_with_ethnicity(counts, profile)
    count_table = with_province(
        communes.with_columns(review[0]), ["kind", "standard"], [*COUNTS, *ETHNIC], province
    )
    deprived, causes, groups = class_profile(
        counts, profile, items, indicators, [c.key for c in ref.households.causes]
    )
    deprived = with_province(
        deprived.with_columns(*review),
        ["kind", "standard", "class", "indicator"],
        ["households_in_class", "deprived"],
        province,
    )
    causes = with_province(
        causes.with_columns(review[0]), ["kind", "class", "cause"], ["households"], province
    )
    groups = with_province(
        groups.with_columns(review[0]), ["kind", "class", "group"], ["households"], province
    )

    compared = compared_review(ref, year, kind, stored) if counts.height else None
    movements = pl.DataFrame(schema=MOVEMENTS_SCHEMA)
    reconciliation = pl.DataFrame(schema=RECONCILIATION_SCHEMA)
    if compared is not None and standard is not None:
        flows = _movements(warehouse, ref, year, kind, standard_id, compared)
        movements = with_province(
            flows.with_columns(
                *review,
                compared_year=pl.lit(compared[0], pl.Int64),
                compared_kind=pl.lit(compared[1]),
            ),
            ["kind", "standard", "compared_year", "compared_kind"],
            list(MOVEMENTS),
            province,
        )
        if kind == PERIODIC:
            form = warehouse.frame("q4_form_movements", period=f"{year}-Q4")
            reconciliation = movement_differences(flows, form, counts)
    return HouseholdTables(
        year=year,
        counts=count_table,
        movements=movements,
        reconciliation=reconciliation,
        deprivations=deprived,
        causes=causes,
        groups=groups,
    )


def _movements(
    warehouse: Warehouse,
    ref: Reference,
    year: int,
    kind: str,
    standard: str,
    compared: tuple[int, str],
) -> pl.DataFrame:
    """unit_code and ``MOVEMENTS`` per commune (household_movements.sql), the earlier review's
    communes placed on the map of 31 December of ``year``."""
    today = successors(ref.registry, ref.crosswalk, date(compared[0], 12, 31), date(year, 12, 31))
    return warehouse.frame(
        "household_movements",
        year=year,
        kind=kind,
        compared_year=compared[0],
        compared_kind=compared[1],
        standard=standard,
        from_codes=today["commune_code"].to_list(),
        to_codes=today["current_code"].to_list(),
    )


def household_counts(
    warehouse: Warehouse, ref: Reference, year: int, kind: str, level: str
) -> pl.DataFrame:
    """What ``ntm households`` prints: one row per commune (``level`` commune) or one for the
    province, in ``COLUMNS`` order, then ``deprived_<indicator>`` per indicator of the review's
    standard (poor and near-poor households), the ``MOVEMENTS`` (null when there is no earlier
    review to compare with), ``ethnic_minority_poor``, ``ethnic_minority_near_poor``, the
    ``GROUPS`` and ``cause_<id>`` per cause of the format (poor and near-poor households)."""
    standard = ref.review_standard(year, kind)
    indicators = standard.indicator_ids if standard is not None else []
    cause_keys = [c.key for c in ref.households.causes]
    stored = stored_reviews(warehouse, [year - 1, year])
    tables = _review_tables(warehouse, ref, year, kind, stored)
    counts = tables.counts.filter(pl.col("unit_level") == "commune")
    if kind == PERIODIC:
        form = warehouse.frame("q4_form_totals", period=f"{year}-Q4")
    else:
        form = pl.DataFrame(schema={"unit_code": _S, "form_poor": _I, "form_near_poor": _I})
    flags = [f"deprived_{i}" for i in indicators]
    profile = [*ETHNIC, *GROUPS, *cause_keys]
    at = pl.col("unit_level") == ("province" if level == "province" else "commune")

    deprived = (
        tables.deprivations.filter(at)
        .group_by("unit_code", "indicator")
        .agg(pl.col("deprived").sum())
        .with_columns(pl.format("deprived_{}", "indicator").alias("column"))
        .pivot(on="column", index="unit_code", values="deprived")
    )
    causes = (
        tables.causes.filter(at)
        .group_by("unit_code", "cause")
        .agg(pl.col("households").sum())
        .pivot(on="cause", index="unit_code", values="households")
    )
    groups = (
        tables.groups.filter(at)
        .group_by("unit_code", "group")
        .agg(pl.col("households").sum())
        .pivot(on="group", index="unit_code", values="households")
    )
    ethnic = tables.counts.filter(at).select("unit_code", *ETHNIC)
    movements = tables.movements.filter(at).select("unit_code", *MOVEMENTS)
    if level == "province":
        units = counts.select(
            pl.lit(year, pl.Int64).alias("year"),
            pl.lit(kind).alias("kind"),
            pl.col("standard").unique().sort().str.join("+").alias("standard"),
            pl.lit(ref.settings.province_code).alias("unit_code"),
            pl.lit("province").alias("unit_level"),
            *[pl.col(c).sum() for c in COUNTS],
        ).with_columns(
            form_poor=pl.lit(form["form_poor"].sum() if form.height else None, _I),
            form_near_poor=pl.lit(form["form_near_poor"].sum() if form.height else None, _I),
        )
        units = units if counts.height else units.clear()
    else:
        units = counts.join(form, on="unit_code", how="left").with_columns(
            year=pl.lit(year, pl.Int64)
        )
    table = units.drop(ETHNIC, strict=False)
    for frame in (deprived, movements, ethnic, groups, causes):
        table = table.join(frame, on="unit_code", how="left") if frame.height else table
    return table.select(
        *COLUMNS,
        *[_count(table, c, fill=True) for c in flags],
        *[_count(table, c, fill=False) for c in MOVEMENTS],
        *[_count(table, c, fill=True) for c in profile],
    )


def _count(table: pl.DataFrame, column: str, *, fill: bool) -> pl.Expr:
    """``column`` of ``table`` as Int64 (0 for a missing value when ``fill``, else null)."""
    value = pl.col(column) if column in table.columns else pl.lit(None, _I)
    return (value.fill_null(0) if fill else value).cast(_I).alias(column)
