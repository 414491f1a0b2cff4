"""The admin-unit registry across its three structures (2020, 2025-01-01, 2025-07-01) and the
crosswalk from old units to the units that succeeded them (from the packages where they show
it, else a provisional successor flagged ``assumed_merged_into``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from ntm.reference import CROSSWALK_SCHEMA, Reference, load_reference
from transforms.registry import communes_of, reporting_units, successors, valid_on

CROSSWALK = Path(__file__).resolve().parent.parent / "data" / "reference" / "unit_crosswalk.csv"

LAST_2020_DAY = date(2024, 12, 31)
Q1_2025 = date(2025, 3, 31)
Q3_2025 = date(2025, 9, 30)
CHANGE_DATES = (date(2025, 1, 1), date(2025, 7, 1))
RELATIONS = {"same", "merged_into", "assumed_merged_into"}
ASSUMED = "assumed_merged_into"
# Old rows whose former district has no new unit with a mapped predecessor (on 2025-01-01 every
# other commune of Can Lộc and of Hương Khê continued unchanged): the rule falls back to the
# nearest unit still under that district.
FALLBACKS = {("18472", date(2025, 1, 1)): "443", ("18535", date(2025, 1, 1)): "444"}
LOC_HA_COMMUNES = {
    "18409": "Xã Tân Lộc",
    "18412": "Xã Hồng Lộc",
    "18421": "Xã Thịnh Lộc",
    "18430": "Xã Bình An",
    "18457": "Xã Ích Hậu",
    "18493": "Xã Phù Lưu",
    "18568": "Thị trấn Lộc Hà",
    "18577": "Xã Thạch Mỹ",
    "18580": "Xã Thạch Kim",
    "18583": "Xã Thạch Châu",
    "18670": "Xã Mai Phụ",
}


@pytest.fixture(scope="module")
def crosswalk() -> pl.DataFrame:
    return pl.read_csv(CROSSWALK, schema=CROSSWALK_SCHEMA)


def units(ref: Reference, day: date) -> pl.DataFrame:
    return reporting_units(ref.registry, day, ref.settings.communes_report_from)


def name_on(ref: Reference, code: str, day: date) -> str:
    found = valid_on(ref.registry, day).filter(pl.col("unit_code") == code)
    assert found.height == 1
    return str(found["unit_name"][0])


def test_the_registry_loads_with_its_checks():
    assert load_reference().registry.height > 230


def test_a_reused_code_names_different_units_on_different_days(ref):
    assert name_on(ref, "18073", LAST_2020_DAY) == "Phường Nam Hà"
    assert name_on(ref, "18073", date(2025, 6, 30)) == "Phường Nam Hà"
    assert name_on(ref, "18073", date(2025, 7, 1)) == "Phường Thành Sen"


def test_districts_report_until_july_2025_and_loc_ha_stops_in_january(ref):
    before = units(ref, LAST_2020_DAY)
    assert before.height == 13
    assert "448" in before["unit_code"].to_list()
    after = units(ref, Q1_2025)
    assert after.height == 12
    assert "448" not in after["unit_code"].to_list()


def test_communes_report_directly_from_july_2025(ref):
    direct = units(ref, Q3_2025)
    assert direct.height == 69
    assert set(direct["communes_expected"].to_list()) == {1}
    assert all(len(code) == 5 for code in direct["unit_code"].to_list())


def test_thach_ha_answers_for_loc_has_former_communes_in_2025(ref):
    direct = ref.settings.communes_report_from
    q1 = communes_of(ref.registry, "445", Q1_2025, direct)
    names = dict(zip(q1["commune_code"].to_list(), q1["commune_name"].to_list(), strict=True))
    assert LOC_HA_COMMUNES.items() <= names.items()
    assert communes_of(ref.registry, "448", Q1_2025, direct).is_empty()
    # In 2024 they were Lộc Hà's.
    q4 = communes_of(ref.registry, "448", LAST_2020_DAY, direct)
    assert set(LOC_HA_COMMUNES) <= set(q4["commune_code"].to_list())


@pytest.mark.parametrize(
    ("day", "districts", "communes", "types"),
    [
        (LAST_2020_DAY, 13, 216, {"xã": 182, "phường": 21, "thị trấn": 13}),
        (Q1_2025, 12, 210, {"xã": 171, "phường": 25, "thị trấn": 14}),
        (Q3_2025, 0, 69, {"xã": 60, "phường": 9}),
    ],
)
def test_counts_per_structure(ref, day, districts, communes, types):
    on = valid_on(ref.registry, day)
    assert on.filter(pl.col("unit_level") == "district").height == districts
    level = on.filter(pl.col("unit_level") == "commune")
    assert level.height == communes
    assert dict(level.group_by("unit_type").len().iter_rows()) == types
    assert on.filter(pl.col("unit_level") == "province").height == 1


def test_every_commune_has_a_parent_row_valid_on_the_same_day(ref):
    for day in (date(2020, 1, 1), LAST_2020_DAY, date(2025, 1, 1), Q1_2025, Q3_2025):
        on = valid_on(ref.registry, day)
        parents = set(on["unit_code"].to_list())
        communes = on.filter(pl.col("unit_level") == "commune")
        assert set(communes["parent_code"].to_list()) <= parents
        expected_parent = {"42"} if day >= date(2025, 7, 1) else parents - {"42"}
        assert set(communes["parent_code"].to_list()) <= expected_parent


def test_unchanged_units_keep_one_row(ref):
    # Vũ Quang's communes did not change on 2025-01-01: one row each until the districts went.
    rows = ref.registry.filter(pl.col("parent_code") == "441")
    assert rows["valid_from"].unique().to_list() == [date(2020, 1, 1)]
    assert rows["valid_to"].unique().to_list() == [date(2025, 7, 1)]
    assert ref.registry.filter(pl.col("unit_code") == "445").height == 1


def test_the_crosswalk_points_at_existing_rows_and_its_dates_line_up(ref, crosswalk):
    registry = ref.registry.select("unit_code", "unit_level", "valid_from", "valid_to", "unit_name")
    old = crosswalk.join(
        registry,
        left_on=["old_code", "old_valid_from"],
        right_on=["unit_code", "valid_from"],
        how="left",
    )
    assert old["valid_to"].null_count() == 0
    assert (old["valid_to"] == old["change_date"]).all()
    new = crosswalk.join(
        registry,
        left_on=["new_code", "new_valid_from"],
        right_on=["unit_code", "valid_from"],
        how="left",
    )
    assert new["unit_level"].null_count() == 0
    # The successor exists on the change date.
    assert (new["new_valid_from"] <= new["change_date"]).all()
    assert (new["valid_to"].is_null() | (new["valid_to"] > new["change_date"])).all()
    assert set(crosswalk["relation"].to_list()) <= RELATIONS
    assert set(crosswalk["change_date"].to_list()) == {date(2025, 1, 1), date(2025, 7, 1)}
    assert not crosswalk.select("old_code", "old_valid_from").is_duplicated().any()


def test_crosswalk_samples(crosswalk):
    def successor(code: str, since: date) -> tuple[str, str]:
        row = crosswalk.filter((pl.col("old_code") == code) & (pl.col("old_valid_from") == since))
        assert row.height == 1
        return str(row["new_code"][0]), str(row["relation"][0])

    assert successor("448", date(2020, 1, 1)) == ("445", "merged_into")
    # A chain: Tân Lộc moves to Thạch Hà, then becomes part of Xã Hồng Lộc (which kept its code).
    assert successor("18409", date(2020, 1, 1)) == ("18409", "same")
    assert successor("18409", date(2025, 1, 1)) == ("18409", "merged_into")
    # Phường Trần Phú merged into the ward that kept Thạch Linh's code and took its name.
    assert successor("18070", date(2020, 1, 1)) == ("18094", "merged_into")
    # A xã becoming a phường continues as the same unit.
    assert successor("18088", date(2020, 1, 1)) == ("18088", "same")
    assert successor("18073", date(2020, 1, 1)) == ("18073", "merged_into")


def ending_communes(ref: Reference) -> pl.DataFrame:
    return ref.registry.filter(
        (pl.col("unit_level") == "commune") & pl.col("valid_to").is_in(CHANGE_DATES)
    ).select("unit_code", "valid_from", "valid_to", "parent_code")


def test_every_commune_row_ending_on_a_change_date_has_exactly_one_crosswalk_row(ref, crosswalk):
    ending = ending_communes(ref)
    assert ending.height == 44 + 210
    # Commune rows end on change dates only.
    communes = ref.registry.filter(pl.col("unit_level") == "commune")
    assert set(communes["valid_to"].drop_nulls().to_list()) == set(CHANGE_DATES)
    matched = ending.join(
        crosswalk,
        left_on=["unit_code", "valid_from"],
        right_on=["old_code", "old_valid_from"],
        how="left",
    )
    assert matched.height == ending.height  # no old row twice
    assert matched["new_code"].null_count() == 0
    assert (matched["change_date"] == matched["valid_to"]).all()
    # And the crosswalk holds nothing else but district 448.
    others = crosswalk.join(
        ending,
        left_on=["old_code", "old_valid_from"],
        right_on=["unit_code", "valid_from"],
        how="anti",
    )
    assert others.select("old_code", "new_code").rows() == [("448", "445")]


def test_the_loaded_crosswalk_is_the_file(ref, crosswalk):
    assert ref.crosswalk.height == crosswalk.height
    assert set(ref.crosswalk["relation"].to_list()) == RELATIONS


@pytest.mark.parametrize(
    ("change_date", "counts"),
    [
        (date(2025, 1, 1), {"same": 32, "merged_into": 7, ASSUMED: 5}),
        (date(2025, 7, 1), {"merged_into": 91, ASSUMED: 119}),
    ],
)
def test_commune_rows_per_relation(ref, crosswalk, change_date, counts):
    communes = crosswalk.filter(
        (pl.col("change_date") == change_date) & (pl.col("old_code").str.len_chars() == 5)
    )
    assert dict(communes.group_by("relation").len().iter_rows()) == counts


def test_assumed_rows_say_so_in_their_source(crosswalk):
    assumed = crosswalk.filter(pl.col("relation") == ASSUMED)
    assert assumed["source"].str.starts_with("assumed: nearest ").all()
    assert assumed["source"].str.ends_with("(no official table offline)").all()
    others = crosswalk.filter(pl.col("relation") != ASSUMED)
    assert not others["source"].str.contains("assumed").any()


def test_an_assumed_successor_shares_the_former_district(ref, crosswalk):
    registry = ref.registry.select("unit_code", "valid_from", "parent_code")
    rows = crosswalk.join(
        registry.rename({"parent_code": "old_parent"}),
        left_on=["old_code", "old_valid_from"],
        right_on=["unit_code", "valid_from"],
    ).join(
        registry.rename({"parent_code": "new_parent"}),
        left_on=["new_code", "new_valid_from"],
        right_on=["unit_code", "valid_from"],
    )
    mapped = rows.filter(pl.col("relation") != ASSUMED)
    fallbacks = {}
    for row in rows.filter(pl.col("relation") == ASSUMED).iter_rows(named=True):
        key = (row["old_code"], row["change_date"])
        district = row["old_parent"]
        if key in FALLBACKS:
            fallbacks[key] = district
            # The nearest unit still under the same district on the change date.
            assert row["new_parent"] == district
            assert row["new_valid_from"] < row["change_date"]
            assert f"still under district {district} on " in row["source"]
            continue
        assert row["source"] == (
            f"assumed: nearest kept code in former district {district} (no official table offline)"
        )
        # The units with a mapped predecessor from that district; the successor is the nearest.
        candidates = mapped.filter(
            (pl.col("change_date") == row["change_date"]) & (pl.col("old_parent") == district)
        )["new_code"].unique()
        assert row["new_code"] in candidates.to_list()
        target = int(row["old_code"])
        nearest = min(candidates.to_list(), key=lambda code: (abs(int(code) - target), int(code)))
        assert row["new_code"] == nearest
    assert fallbacks == FALLBACKS


def test_the_name_hints_of_2025_01_01_against_the_rule(crosswalk):
    def successor(code: str) -> str:
        row = crosswalk.filter(
            (pl.col("old_code") == code) & (pl.col("change_date") == date(2025, 1, 1))
        )
        assert row["relation"].to_list() == [ASSUMED]
        return str(row["new_code"][0])

    assert successor("18193") == "18202"  # Sơn Bình: the name hints at 18178 Xã Châu Bình
    assert successor("18205") == "18202"  # Sơn Long → Xã Mỹ Long, as the name hints
    assert successor("18214") == "18223"  # Sơn Hàm → Xã Hàm Trường, as the name hints


def test_18073_resolves_as_before(ref, crosswalk):
    # The 2020 ward 18073 (Phường Nam Hà) went into the new 18073 (Phường Thành Sen), by the
    # package's kept code, not by assumption.
    row = crosswalk.filter(pl.col("old_code") == "18073")
    assert row.select("new_code", "new_valid_from", "relation").rows() == [
        ("18073", date(2025, 7, 1), "merged_into")
    ]
    mapped = successors(ref.registry, ref.crosswalk, LAST_2020_DAY, Q3_2025)
    assert mapped.filter(pl.col("commune_code") == "18073")["current_code"].to_list() == ["18073"]


def test_every_2024_commune_reaches_one_of_the_69_units(ref):
    mapped = successors(ref.registry, ref.crosswalk, LAST_2020_DAY, Q3_2025)
    assert mapped.height == 216
    assert mapped["current_code"].null_count() == 0
    assert not mapped["commune_code"].is_duplicated().any()
    now = set(units(ref, Q3_2025)["unit_code"].to_list())
    assert len(now) == 69
    assert set(mapped["current_code"].to_list()) <= now
    # Every 2025-07-01 unit receives at least one 2024 commune: none lacks a predecessor.
    without_predecessor: set[str] = set()
    assert now - set(mapped["current_code"].to_list()) == without_predecessor


def test_every_2024_commune_reaches_a_2025_q1_commune(ref):
    mapped = successors(ref.registry, ref.crosswalk, LAST_2020_DAY, Q1_2025)
    assert mapped.height == 216
    q1 = valid_on(ref.registry, Q1_2025).filter(pl.col("unit_level") == "commune")
    assert set(mapped["current_code"].to_list()) <= set(q1["unit_code"].to_list())
    # Xã Bình Lộc appears only from 2025-01-01 (the 0.6.0 data): no 2024 commune went into it.
    assert set(q1["unit_code"].to_list()) - set(mapped["current_code"].to_list()) == {"18448"}
    # From 2025 Q1 on, every commune, Bình Lộc included, reaches one of the 69 units.
    onward = successors(ref.registry, ref.crosswalk, Q1_2025, Q3_2025)
    assert onward.height == 210
    assert onward["current_code"].n_unique() == 69
