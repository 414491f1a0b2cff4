"""The admin-unit registry across its three structures (2020, 2025-01-01, 2025-07-01) and the
crosswalk from old units to the units that succeeded them, every row from a package: on
2025-01-01 from vietnam-provinces' kept codes and names, else from the former names in
vietnamadminunits' dataset.db; on 2025-07-01 from vietnamadminunits' conversion table, which
marks two old units as divided (``divided_default`` and ``divided`` rows). No row is assumed."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import unicodedata
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
RELATIONS = {"same", "merged_into", "divided_default", "divided"}
DIVIDED = "divided"
DIVIDED_DEFAULT = "divided_default"
# Old units divided on 2025-07-01 → (default successor, the other new units that got a part).
DIVIDED_UNITS = {"18082": ("18073", {"18652"}), "18796": ("18823", {"18754", "18832"})}
# Rows ending on 2025-01-01 that vietnam-provinces does not map: the unit of the same district
# whose former names (wardAlias in vietnamadminunits==1.0.4's dataset.db) list the old name.
FORMER_NAMES = {
    "18193": ("Xã Sơn Bình", "18178", "Xã Châu Bình", "xasonbinh"),
    "18205": ("Xã Sơn Long", "18202", "Xã Mỹ Long", "xasonlong"),
    "18214": ("Xã Sơn Hàm", "18223", "Xã Hàm Trường", "xasonham"),
    "18472": ("Xã Trung Lộc", "18484", "Thị trấn Đồng Lộc", "xatrungloc"),
    "18535": ("Xã Phú Phong", "18496", "Thị trấn Hương Khê", "xaphuphong"),
}
FORMER_NAME_SOURCE = "vietnamadminunits==1.0.4: dataset.db former name ("
# The package's dataset.db, where the build's throwaway environment has it (see the script).
DATASET_DB = Path("/tmp/vau-1.0.4/lib")
DATASET_DB_SHA256 = "147cbbf81c8964bb594e1dda7ebab5649bce21efbfd6cb508cab7fefca62257d"
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
    # One row per old row, but for the parts of a divided unit (next tests); a successor is of
    # the old row's level.
    primary = crosswalk.filter(pl.col("relation") != DIVIDED)
    assert not primary.select("old_code", "old_valid_from").is_duplicated().any()
    assert (old["unit_level"] == new["unit_level"]).all()


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


def test_every_commune_row_ending_on_a_change_date_has_exactly_one_row_not_divided(ref, crosswalk):
    ending = ending_communes(ref)
    assert ending.height == 44 + 210
    # Commune rows end on change dates only.
    communes = ref.registry.filter(pl.col("unit_level") == "commune")
    assert set(communes["valid_to"].drop_nulls().to_list()) == set(CHANGE_DATES)
    matched = ending.join(
        crosswalk.filter(pl.col("relation") != DIVIDED),
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


def test_divided_units_have_several_parts_and_exactly_one_default(crosswalk):
    parts = crosswalk.filter(pl.col("relation").is_in([DIVIDED, DIVIDED_DEFAULT]))
    found = {}
    for (code, since), group in parts.group_by("old_code", "old_valid_from"):
        # Nothing else maps a divided row: its rows are its parts.
        everything = crosswalk.filter(
            (pl.col("old_code") == code) & (pl.col("old_valid_from") == since)
        )
        assert everything.height == group.height >= 2
        assert not group["new_code"].is_duplicated().any()
        assert group["change_date"].n_unique() == 1
        defaults = group.filter(pl.col("relation") == DIVIDED_DEFAULT)["new_code"].to_list()
        assert len(defaults) == 1
        others = set(group.filter(pl.col("relation") == DIVIDED)["new_code"].to_list())
        found[code] = (defaults[0], others)
    assert found == DIVIDED_UNITS
    # Every row mapped more than once is a divided unit.
    repeated = crosswalk.filter(pl.struct("old_code", "old_valid_from").is_duplicated())
    assert set(repeated["old_code"].to_list()) == set(DIVIDED_UNITS)


def test_the_loaded_crosswalk_is_the_file(ref, crosswalk):
    assert ref.crosswalk.height == crosswalk.height
    assert ref.crosswalk.equals(crosswalk)
    assert set(ref.crosswalk["relation"].to_list()) == RELATIONS


@pytest.mark.parametrize(
    ("change_date", "counts"),
    [
        (date(2025, 1, 1), {"same": 32, "merged_into": 12}),
        (date(2025, 7, 1), {"same": 2, "merged_into": 206, DIVIDED_DEFAULT: 2, DIVIDED: 3}),
    ],
)
def test_commune_rows_per_relation(ref, crosswalk, change_date, counts):
    communes = crosswalk.filter(
        (pl.col("change_date") == change_date) & (pl.col("old_code").str.len_chars() == 5)
    )
    assert dict(communes.group_by("relation").len().iter_rows()) == counts


def test_no_row_is_assumed_and_every_row_names_its_package(crosswalk):
    for column in ("relation", "source"):
        assert not crosswalk[column].str.to_lowercase().str.contains("assum").any()
    packages = r"^(vietnam-provinces==(0\.6\.0|2025\.10\.1)|vietnamadminunits==1\.0\.4): "
    assert crosswalk["source"].str.contains(packages).all()


def test_the_former_name_rows_are_as_the_package_says(ref, crosswalk):
    rows = crosswalk.filter(pl.col("source").str.starts_with(FORMER_NAME_SOURCE))
    january = date(2025, 1, 1)
    assert set(rows.filter(pl.col("change_date") == january)["old_code"].to_list()) == set(
        FORMER_NAMES
    )
    for old_code, (old_name, new_code, new_name, alias) in FORMER_NAMES.items():
        row = rows.filter(pl.col("old_code") == old_code).row(0, named=True)
        assert (row["new_code"], row["change_date"], row["relation"]) == (
            new_code, january, "merged_into",
        )  # fmt: skip
        assert row["source"] == (
            f"{FORMER_NAME_SOURCE}{new_code} {new_name} lists {alias}; vietnam-provinces==0.6.0 "
            "has neither its code nor its name)"
        )
        assert name_on(ref, old_code, LAST_2020_DAY) == old_name
        assert name_on(ref, new_code, january) == new_name
        # The successor is a unit of the same district, in force until the districts went.
        old = valid_on(ref.registry, LAST_2020_DAY).filter(pl.col("unit_code") == old_code)
        new = valid_on(ref.registry, january).filter(pl.col("unit_code") == new_code)
        assert old["parent_code"].to_list() == new["parent_code"].to_list()
        assert new["valid_from"].to_list() == [row["new_valid_from"]]
        assert new["valid_to"].to_list() == [date(2025, 7, 1)]
    # Where vietnam-provinces also maps a unit whose name dataset.db lists, they agree.
    agreeing = crosswalk.filter(pl.col("source").str.ends_with("dataset.db former name agrees)"))
    assert sorted(agreeing.select("old_code", "new_code").rows()) == [
        ("18077", "18077"), ("18094", "18094"), ("18178", "18178"), ("18202", "18202"),
        ("18223", "18223"),
    ]  # fmt: skip


def slug(name: str) -> str:
    """vietnamadminunits' key of a name: no diacritics (đ → d), lower case, letters and digits."""
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed.lower() if c.isascii() and c.isalnum())


def test_the_former_names_are_in_the_packages_dataset_db(ref):
    # Read from the package itself, where the build's environment is at hand.
    found = sorted(DATASET_DB.glob("python3*/site-packages/vietnamadminunits/data/dataset.db"))
    if not found:
        pytest.skip("vietnamadminunits==1.0.4 not installed in /tmp/vau-1.0.4")
    assert hashlib.sha256(found[0].read_bytes()).hexdigest() == DATASET_DB_SHA256
    db = sqlite3.connect(f"file:{found[0]}?mode=ro&immutable=1", uri=True)
    try:
        legacy = db.execute(
            "select districtCode, wardCode, ward, wardAlias from admin_units_legacy"
            " where provinceKey = 'tinhhatinh'"
        ).fetchall()
    finally:
        db.close()
    for old_code, (old_name, new_code, new_name, alias) in FORMER_NAMES.items():
        assert slug(old_name) == alias
        district = valid_on(ref.registry, LAST_2020_DAY).filter(pl.col("unit_code") == old_code)
        hosts = [
            (district_code, code, name)
            for district_code, code, name, aliases in legacy
            if aliases and alias in json.loads(aliases)
        ]
        # Exactly one unit lists the old name, and it is the successor, in the same district.
        assert hosts == [(district["parent_code"][0], new_code, new_name)]


def test_18073_resolves_as_before(ref, crosswalk):
    # The 2020 ward 18073 (Phường Nam Hà) went into the new 18073 (Phường Thành Sen), by the
    # package's kept code, not by assumption.
    row = crosswalk.filter(pl.col("old_code") == "18073")
    assert row.select("new_code", "new_valid_from", "relation").rows() == [
        ("18073", date(2025, 7, 1), "merged_into")
    ]
    mapped = successors(ref.registry, ref.crosswalk, LAST_2020_DAY, Q3_2025)
    nam_ha = mapped.filter(pl.col("commune_code") == "18073")
    assert nam_ha.select("current_code", "divided").rows() == [("18073", False)]


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
    # A divided unit counts once, whole, at its default successor, and says so.
    flagged = mapped.filter(pl.col("divided")).select("commune_code", "current_code")
    assert sorted(flagged.rows()) == sorted(
        (old, default) for old, (default, _) in DIVIDED_UNITS.items()
    )


def test_every_2024_commune_reaches_a_2025_q1_commune(ref):
    mapped = successors(ref.registry, ref.crosswalk, LAST_2020_DAY, Q1_2025)
    assert mapped.height == 216
    q1 = valid_on(ref.registry, Q1_2025).filter(pl.col("unit_level") == "commune")
    assert set(mapped["current_code"].to_list()) <= set(q1["unit_code"].to_list())
    # Xã Bình Lộc appears only from 2025-01-01 (the 0.6.0 data): no 2024 commune went into it.
    assert set(q1["unit_code"].to_list()) - set(mapped["current_code"].to_list()) == {"18448"}
    # The units vietnam-provinces does not map reach their former-name successors.
    resolved = mapped.filter(pl.col("commune_code").is_in(list(FORMER_NAMES)))
    assert dict(resolved.select("commune_code", "current_code").iter_rows()) == {
        old: new for old, (_, new, _, _) in FORMER_NAMES.items()
    }
    assert not mapped["divided"].any()  # no unit was divided on 2025-01-01
    # From 2025 Q1 on, every commune, Bình Lộc included, reaches one of the 69 units.
    onward = successors(ref.registry, ref.crosswalk, Q1_2025, Q3_2025)
    assert onward.height == 210
    assert onward["current_code"].n_unique() == 69
