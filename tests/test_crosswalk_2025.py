"""The crosswalk across the 1 July 2025 reform, as committed: built from the conversion table
of ``vietnamadminunits==1.0.4`` (``converter_2025.json``), with no assumed successor (nor any in
the whole file), and the two old units that were divided marked part by part; figures mapped
across the reform keep the province total."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from ntm.reference import Reference
from transforms.registry import successors, valid_on

CHANGE = date(2025, 7, 1)
LAST_OLD_DAY = date(2025, 6, 30)
TABLE_SOURCE = "vietnamadminunits==1.0.4: "
# Old unit → (default successor, the other new units that got a part), with their names.
DIVIDED = {
    "18082": ("18073", {"18652"}),
    "18796": ("18823", {"18754", "18832"}),
}
NAMES = {
    "18082": "Phường Đại Nài",
    "18796": "Xã Kỳ Lợi",
    "18073": "Phường Thành Sen",
    "18652": "Phường Hà Huy Tập",
    "18823": "Phường Vũng Áng",
    "18754": "Phường Sông Trí",
    "18832": "Phường Hoành Sơn",
}


def communes_on(ref: Reference, day: date) -> pl.DataFrame:
    return valid_on(ref.registry, day).filter(pl.col("unit_level") == "commune")


@pytest.fixture(scope="module")
def rows(ref: Reference) -> pl.DataFrame:
    """The commune-level crosswalk rows of 2025-07-01."""
    return ref.crosswalk.filter(
        (pl.col("change_date") == CHANGE) & (pl.col("old_code").str.len_chars() == 5)
    )


def test_every_unit_of_june_2025_maps_to_a_unit_of_july_2025(ref, rows):
    before = communes_on(ref, LAST_OLD_DAY).select("unit_code", "valid_from")
    assert before.height == 210
    after = communes_on(ref, CHANGE).select("unit_code", "valid_from")
    assert after.height == 69
    mapped = before.join(
        rows,
        left_on=["unit_code", "valid_from"],
        right_on=["old_code", "old_valid_from"],
        how="left",
    )
    assert mapped["new_code"].null_count() == 0
    # Every successor is a commune-level row valid on 2025-07-01.
    successors = mapped.select(unit_code="new_code", valid_from="new_valid_from")
    assert successors.join(after, on=["unit_code", "valid_from"], how="anti").is_empty()
    # And the crosswalk of that day holds nothing but those old rows.
    assert rows.join(
        before,
        left_on=["old_code", "old_valid_from"],
        right_on=["unit_code", "valid_from"],
        how="anti",
    ).is_empty()


def test_no_row_is_assumed(ref, rows):
    # Not on 2025-07-01, nor on any other date or level: the whole file.
    whole = ref.crosswalk
    assert whole.height > rows.height
    for column in ("relation", "source"):
        assert not whole[column].str.to_lowercase().str.contains("assum").any()
    assert set(whole["relation"].to_list()) == {"same", "merged_into", "divided", "divided_default"}
    assert rows["source"].str.starts_with(TABLE_SOURCE).all()
    assert set(rows["relation"].to_list()) == {"same", "merged_into", "divided", "divided_default"}


def test_exactly_the_two_divided_units_are_marked_part_by_part(ref, rows):
    parts = rows.filter(pl.col("relation").is_in(["divided", "divided_default"]))
    assert parts["old_code"].value_counts().sort("old_code").rows() == [("18082", 2), ("18796", 3)]
    for old, (default, others) in DIVIDED.items():
        mine = parts.filter(pl.col("old_code") == old)
        defaults = mine.filter(pl.col("relation") == "divided_default")["new_code"].to_list()
        assert defaults == [default]
        assert set(mine.filter(pl.col("relation") == "divided")["new_code"].to_list()) == others
        assert mine["source"].str.contains(f"default successor {default}").all()
        # An old unit that was divided has no other row.
        assert rows.filter(pl.col("old_code") == old).height == mine.height
    names = dict(
        valid_on(ref.registry, LAST_OLD_DAY)
        .filter(pl.col("unit_code").is_in(list(DIVIDED)))
        .select("unit_code", "unit_name")
        .iter_rows()
    )
    names |= dict(
        communes_on(ref, CHANGE)
        .filter(pl.col("unit_code").is_in(list(NAMES)))
        .select("unit_code", "unit_name")
        .iter_rows()
    )
    assert names == NAMES


def test_leaving_out_the_divided_parts_leaves_one_successor_per_old_row(rows):
    primary = rows.filter(pl.col("relation") != "divided")
    assert primary.height == 210
    assert not primary.select("old_code", "old_valid_from").is_duplicated().any()
    # 207 folded whole, 1 (18448 Xã Bình Lộc) through a former name, 2 default successors.
    counts = dict(primary.group_by("relation").len().iter_rows())
    assert counts == {"same": 2, "merged_into": 206, "divided_default": 2}


def test_every_new_unit_has_predecessors_valid_the_day_before(ref, rows):
    after = communes_on(ref, CHANGE)
    received = rows.group_by("new_code", "new_valid_from").len()
    joined = after.join(
        received,
        left_on=["unit_code", "valid_from"],
        right_on=["new_code", "new_valid_from"],
        how="left",
    )
    assert joined["len"].null_count() == 0
    assert joined.height == 69
    before = communes_on(ref, LAST_OLD_DAY).select("unit_code", "valid_from")
    predecessors = rows.select(unit_code="old_code", valid_from="old_valid_from")
    assert predecessors.join(before, on=["unit_code", "valid_from"], how="anti").is_empty()


def test_same_only_where_the_unit_went_alone_into_its_own_code(rows):
    same = rows.filter(pl.col("relation") == "same")
    assert (same["old_code"] == same["new_code"]).all()
    into = rows.group_by("new_code").len()
    alone = same.join(into, on="new_code")
    assert (alone["len"] == 1).all()


def test_province_totals_are_equal_on_both_sides_of_the_switch(ref, rows):
    # A distinct figure per unit valid on 2025-06-30 (households, say), mapped to the units of
    # 2025-07-01: nothing lost, nothing counted twice.
    before = (
        communes_on(ref, LAST_OLD_DAY)
        .sort("unit_code")
        .select(commune_code="unit_code", households=1_000 + pl.int_range(pl.len()) * 7)
    )
    assert before.height == 210
    assert before["households"].n_unique() == 210
    mapped = successors(ref.registry, ref.crosswalk, LAST_OLD_DAY, CHANGE)
    assert mapped.height == 210
    assert not mapped["commune_code"].is_duplicated().any()
    joined = before.join(mapped, on="commune_code", how="left")
    assert joined["current_code"].null_count() == 0
    after = joined.group_by("current_code").agg(pl.col("households").sum())
    assert set(after["current_code"].to_list()) == set(communes_on(ref, CHANGE)["unit_code"])
    assert after.height == 69
    assert after["households"].sum() == before["households"].sum()
    # Each new unit gets its predecessors' figures by the crosswalk rows that are not `divided`:
    # a divided unit's whole figure at its default successor, none at its other parts.
    expected = (
        rows.filter(pl.col("relation") != "divided")
        .join(before, left_on="old_code", right_on="commune_code")
        .group_by(current_code="new_code")
        .agg(pl.col("households").sum())
    )
    assert dict(after.iter_rows()) == dict(expected.iter_rows())
    # Exactly the divided units, at their default successors, are flagged.
    flagged = joined.filter(pl.col("divided")).select("commune_code", "current_code")
    assert sorted(flagged.rows()) == sorted((old, default) for old, (default, _) in DIVIDED.items())
