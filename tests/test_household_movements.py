"""Movements of the household lists, their reconciliation with the Q4 form, and the
deprivation profile (issue 19): ``household_tables`` and the columns ``ntm households`` gained.

Household rows are written straight into a warehouse (a household key is any opaque text
here): each case is a handful of households whose every movement is worked out by hand below.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import polars as pl
import pytest

from ntm import cli
from ntm.indicators.households import (
    CAUSES_SCHEMA,
    COUNTS_SCHEMA,
    DEPRIVATIONS_SCHEMA,
    GROUPS_SCHEMA,
    MOVEMENTS_SCHEMA,
    RECONCILIATION_SCHEMA,
    compared_review,
    household_tables,
    stored_reviews,
)
from ntm.intake.ingest import ingest_files
from ntm.intake.workbook import write_submission
from ntm.reference import load_reference
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from tests.helpers import NOW, district_communes, valid_figures
from transforms.households import MOVEMENTS, movement_differences, movement_identity

REF = load_reference()
PROVINCE = REF.settings.province_code
A, B = "18073", "18100"  # communes of district 436 to 2025-06-30, and of the province after
C = "18076"  # a commune of district 436 to 2025-06-30
DISTRICT = "436"
PERIODIC, BASELINE = "dinh-ky", "dau-ky"
CAUSES = [c.key for c in REF.households.causes]


@dataclass(frozen=True)
class Row:
    """One household row of a review: its key, commune and result, and what it is flagged."""

    key: str
    commune: str
    result: str  # poor, near_poor, not_poor
    members: int = 3
    deprivations: tuple[str, ...] = ()
    causes: tuple[str, ...] = ()
    ethnic_minority: bool = False
    merit_person: bool = False
    social_assistance: bool = False
    no_labour: bool = False
    quarantined: bool = False


def poor(key: str, commune: str = A, **flags: object) -> Row:
    return Row(key, commune, "poor", **flags)  # type: ignore[arg-type]


def near(key: str, commune: str = A, **flags: object) -> Row:
    return Row(key, commune, "near_poor", **flags)  # type: ignore[arg-type]


def out(key: str, commune: str = A, **flags: object) -> Row:
    return Row(key, commune, "not_poor", **flags)  # type: ignore[arg-type]


_IDS = itertools.count(1)


def store(warehouse: Warehouse, unit: str, year: int, kind: str, rows: list[Row]) -> None:
    """One accepted review of ``unit`` (version 1) under the standard the review takes."""
    standard = REF.review_standard(year, kind)
    assert standard is not None
    submission = next(_IDS)
    at = datetime(year + 1, 1, 10, tzinfo=UTC)
    accepted = sum(not r.quarantined for r in rows)
    warehouse.con.execute(
        "INSERT INTO household_submissions (submission_id, content_sha256, file_type, "
        "size_bytes, file_name, unit_code, review_year, review_kind, standard, version, status, "
        "received_at, ingested_at, rows_read, rows_accepted, rows_quarantined, file_errors, "
        "row_errors, warnings) VALUES (?, ?, 'csv', 1, ?, ?, ?, ?, ?, 1, 'accepted', ?, ?, ?, ?, "
        "?, 0, 0, 0)",
        [
            submission, f"sha-{submission}", f"{unit}-{year}-{kind}.csv", unit, year, kind,
            standard.id, at, at, len(rows), accepted, len(rows) - accepted,
        ],
    )  # fmt: skip
    frame = pl.DataFrame(
        {
            "submission_id": [submission] * len(rows),
            "excel_row": list(range(2, len(rows) + 2)),
            "row_status": ["quarantined" if r.quarantined else "accepted" for r in rows],
            "commune_code": [r.commune for r in rows],
            "household_key": [r.key for r in rows],
            "members": [r.members for r in rows],
            "deprivations": [list(r.deprivations) for r in rows],
            "result": [r.result for r in rows],
            "ethnic_minority": [r.ethnic_minority for r in rows],
            "merit_person": [r.merit_person for r in rows],
            "social_assistance": [r.social_assistance for r in rows],
            "no_labour": [r.no_labour for r in rows],
            "causes": [list(r.causes) for r in rows],
        },
        schema_overrides={"deprivations": pl.List(pl.String), "causes": pl.List(pl.String)},
    )
    warehouse.con.register("new_rows", frame)
    try:
        warehouse.con.execute(
            "INSERT INTO stg_households (submission_id, excel_row, row_status, commune_code, "
            "household_key, members, deprivations, deprivation_count, result, ethnic_minority, "
            "merit_person, social_assistance, no_labour, causes) SELECT submission_id, "
            "excel_row, row_status, commune_code, household_key, members, deprivations, "
            "len(deprivations), result, ethnic_minority, merit_person, social_assistance, "
            "no_labour, causes FROM new_rows"
        )
    finally:
        warehouse.con.unregister("new_rows")


@contextlib.contextmanager
def warehouse_with(*reviews: tuple[str, int, str, list[Row]]) -> Iterator[Warehouse]:
    with Warehouse.open(":memory:") as warehouse:
        for unit, year, kind, rows in reviews:
            store(warehouse, unit, year, kind, rows)
        yield warehouse


def by_unit(
    frame: pl.DataFrame, columns: tuple[str, ...] = MOVEMENTS
) -> dict[str, tuple[int, ...]]:
    return {r[0]: tuple(r[1:]) for r in frame.select("unit_code", *columns).rows()}


# ------------------------------------------------------------------------------- movements

# 2022 (an earlier review): R1 poor, R2 near-poor. 2023 (the previous one): E1, E2, S1, M1 poor
# in A; E3 near-poor in A, M2 near-poor in B; R1 not poor. 2024 (now): E1 not poor; E2 gone;
# E3 poor; S1 poor; M1 moved to B, still poor; M2 moved to A, now poor; R1 poor again; R2
# near-poor again; N1 (poor) and N2 (near-poor) new in B. S2 stays poor in C: no movement.
REVIEW_2022 = [poor("R1"), near("R2"), out("X1")]
REVIEW_2023 = [
    poor("E1"), poor("E2"), near("E3"), poor("S1"), poor("M1"), near("M2", B), out("R1"),
    poor("S2", C),
]  # fmt: skip
REVIEW_2024 = [
    out("E1"), poor("E3"), poor("S1"), poor("M1", B), poor("M2"), poor("R1"), near("R2"),
    poor("N1", B), near("N2", B), poor("S2", C),
]  # fmt: skip
# exited_poor, returned_poor, new_poor, exited_near_poor, returned_near_poor, new_near_poor
EXPECTED_2024 = {
    A: (2, 1, 2, 1, 1, 0),  # exited E1 (listed) and E2 (gone); R1 back; E3 and M2 new to poor
    B: (0, 0, 1, 1, 0, 1),  # N1 new; M2 left near-poor (counted where it was); N2 new
    C: (0, 0, 0, 0, 0, 0),  # a commune of the review without a movement has its row
    PROVINCE: (2, 1, 3, 2, 1, 1),
}


@pytest.fixture(scope="module")
def lists() -> Iterator[Warehouse]:
    with warehouse_with(
        (DISTRICT, 2022, PERIODIC, REVIEW_2022),
        (DISTRICT, 2023, PERIODIC, REVIEW_2023),
        (DISTRICT, 2024, PERIODIC, REVIEW_2024),
    ) as warehouse:
        yield warehouse


def test_movements_left_returned_new_and_moved(lists):
    tables = household_tables(lists, REF, 2024)
    assert tables.movements.schema == MOVEMENTS_SCHEMA
    assert by_unit(tables.movements) == EXPECTED_2024
    assert tables.movements["unit_level"].to_list() == ["commune"] * 3 + ["province"]
    review = tables.movements.select("kind", "standard", "compared_year", "compared_kind")
    assert set(review.rows()) == {(PERIODIC, "2022-2026", 2023, PERIODIC)}


def test_a_household_that_moved_and_stayed_poor_is_no_movement(lists):
    """M1: poor in A in 2023, poor in B in 2024: neither exited in A nor new in B, so the
    commune identities are off by it, the province's holds."""
    tables = household_tables(lists, REF, 2024)
    now = tables.counts.filter(pl.col("kind") == PERIODIC)
    then = household_tables(lists, REF, 2023).counts
    communes = [t.filter(pl.col("unit_level") == "commune") for t in (now, then, tables.movements)]
    off = movement_identity(*communes)
    assert off.select("unit_code", "class", "then", "now").rows() == [
        (A, "poor", 4, 4),  # 4 − 2 + 1 + 2 = 5: M1 left
        (B, "poor", 0, 2),  # 0 − 0 + 0 + 1 = 1: M1 came
    ]


def test_the_province_adds_up(lists):
    """X now = X then − exited + returned + new, for the province, both classes."""
    now = household_tables(lists, REF, 2024)
    then = household_tables(lists, REF, 2023)
    province = [
        t.filter(pl.col("unit_level") == "province")
        for t in (now.counts, then.counts, now.movements)
    ]
    assert province[0].select("poor", "near_poor").row(0) == (7, 2)
    assert province[1].select("poor", "near_poor").row(0) == (5, 2)
    assert movement_identity(*province).is_empty()


def test_returned_needs_an_earlier_review_of_the_same_standard(lists):
    """2023 against 2022: R1 was poor in 2022 and is not in 2023 (exited); no earlier review
    than 2022 is stored, so nobody can have returned."""
    tables = household_tables(lists, REF, 2023)
    assert by_unit(tables.movements.filter(pl.col("unit_level") == "province")) == {
        PROVINCE: (1, 0, 5, 1, 0, 2)  # R1 out; E1 E2 S1 M1 S2 new; R2 out; E3 M2 new
    }


def test_no_previous_review_gives_no_movements(lists):
    tables = household_tables(lists, REF, 2022)
    assert tables.counts.height == 2  # the commune A and the province
    assert tables.movements.is_empty()
    assert tables.movements.schema == MOVEMENTS_SCHEMA


def test_the_previous_review_missing_is_no_comparison_with_an_older_one():
    with warehouse_with(
        (DISTRICT, 2022, PERIODIC, REVIEW_2022), (DISTRICT, 2024, PERIODIC, REVIEW_2024)
    ) as warehouse:
        assert household_tables(warehouse, REF, 2024).movements.is_empty()


def test_a_year_without_a_review_gives_empty_frames_with_their_columns():
    with warehouse_with((DISTRICT, 2023, PERIODIC, REVIEW_2023)) as warehouse:
        tables = household_tables(warehouse, REF, 2024)
    schemas = {
        "counts": COUNTS_SCHEMA, "movements": MOVEMENTS_SCHEMA,
        "reconciliation": RECONCILIATION_SCHEMA, "deprivations": DEPRIVATIONS_SCHEMA,
        "causes": CAUSES_SCHEMA, "groups": GROUPS_SCHEMA,
    }  # fmt: skip
    for name, schema in schemas.items():
        frame = getattr(tables, name)
        assert (frame.height, frame.schema) == (0, schema), name


# 2024 under the old communes of district 436; 2025 under the communes of 1 July 2025. 18070
# (Phường Trần Phú until 2025) and 18076 became part of 18073 (Phường Thành Sen); 18088 and
# the old 18100 (Xã Thạch Hạ) part of 18100 (Phường Trần Phú since 2025-07-01).
MERGE_2024 = [
    poor("H1", "18070"), poor("H2", "18076"), near("H3", "18088"), poor("H4", B),
    out("H6", "18076"),
]  # fmt: skip
MERGE_2025 = [poor("H2", A), out("H3", B), poor("H5", A), near("H6", A)]


def test_a_commune_formed_in_2025_takes_its_old_communes_exits():
    with warehouse_with(
        (DISTRICT, 2024, PERIODIC, MERGE_2024),
        (A, 2025, PERIODIC, [r for r in MERGE_2025 if r.commune == A]),
        (B, 2025, PERIODIC, [r for r in MERGE_2025 if r.commune == B]),
    ) as warehouse:
        tables = household_tables(warehouse, REF, 2025)
        then = household_tables(warehouse, REF, 2024).counts
    assert by_unit(tables.movements) == {
        A: (1, 0, 1, 0, 0, 1),  # H1 (of 18070) gone; H2 (of 18076) still poor; H5, H6 new
        B: (1, 0, 0, 1, 0, 0),  # H4 (of the old 18100) gone; H3 (of 18088) not poor now
        PROVINCE: (2, 0, 1, 1, 0, 1),
    }
    # On today's map, every commune adds up: nobody moved but by the merge.
    on_today = (
        then.filter(pl.col("unit_level") == "commune")
        .with_columns(unit_code=pl.col("unit_code").replace({"18070": A, "18076": A, "18088": B}))
        .group_by("unit_code")
        .agg(pl.col("poor", "near_poor").sum())
    )
    now = tables.counts.filter(pl.col("unit_level") == "commune")
    communes = tables.movements.filter(pl.col("unit_level") == "commune")
    assert movement_identity(now, on_today, communes).is_empty()


# The bridge across 2027: the 2026 periodic review (2022-2026) and the 2026 baseline review
# (2027-2030); the 2027 periodic review (2027-2030) is compared with the baseline.
BASELINE_2026 = [poor("B1"), near("B2"), out("B4")]
PERIODIC_2026 = [near("B1"), near("B2"), poor("B4")]
PERIODIC_2027 = [near("B1"), near("B2"), poor("B3"), poor("B4")]


@pytest.fixture(scope="module")
def bridge() -> Iterator[Warehouse]:
    with warehouse_with(
        (A, 2026, PERIODIC, PERIODIC_2026),
        (A, 2026, BASELINE, BASELINE_2026),
        (A, 2027, PERIODIC, PERIODIC_2027),
    ) as warehouse:
        yield warehouse


def test_the_first_year_of_a_standard_is_compared_with_the_baseline_review(bridge):
    """B1: poor in the baseline, near-poor in 2027: it exits poor, and is new to near-poor
    (its near-poor periodic 2026 row is under the other standard). B4: poor in the 2026
    periodic review but not in the baseline: new."""
    tables = household_tables(bridge, REF, 2027)
    assert set(tables.movements.select("standard", "compared_year", "compared_kind").rows()) == {
        ("2027-2030", 2026, BASELINE)
    }
    assert by_unit(tables.movements) == {
        A: (1, 0, 2, 0, 0, 1),
        PROVINCE: (1, 0, 2, 0, 0, 1),
    }


def test_a_baseline_review_has_no_earlier_review_to_compare_with(bridge):
    tables = household_tables(bridge, REF, 2026)
    assert tables.counts.filter(pl.col("unit_level") == "province").select(
        "kind", "standard", "poor", "near_poor"
    ).rows() == [(PERIODIC, "2022-2026", 1, 2), (BASELINE, "2027-2030", 1, 1)]
    assert tables.movements.is_empty()  # nor the periodic review: no 2025 review is stored


def test_compared_review_follows_the_standards(bridge):
    stored = stored_reviews(bridge, [2025, 2026, 2027])
    assert compared_review(REF, 2027, PERIODIC, stored) == (2026, BASELINE)
    assert compared_review(REF, 2026, BASELINE, stored) is None
    assert compared_review(REF, 2026, PERIODIC, stored) is None  # 2025 is not stored
    full = pl.DataFrame({"review_year": [2025], "review_kind": [PERIODIC]})
    assert compared_review(REF, 2026, PERIODIC, full) == (2025, PERIODIC)


# ------------------------------------------------------------------------------- profile

PROFILE = [
    poor("P1", deprivations=("employment", "latrine", "telecom"), causes=("cause_land",),
         ethnic_minority=True, merit_person=True),
    poor("P2", deprivations=("employment", "nutrition", "latrine"),
         causes=("cause_land", "cause_illness"), no_labour=True),
    near("N1", deprivations=("latrine",), causes=("cause_capital",), ethnic_minority=True,
         social_assistance=True),
    near("N2", B, deprivations=("employment", "housing_area"), causes=("cause_land",),
         ethnic_minority=True, no_labour=True),
    out("K1", deprivations=("employment",), causes=("cause_land",), ethnic_minority=True,
        merit_person=True),
    poor("Q1", deprivations=("employment", "latrine", "telecom"), causes=("cause_skills",),
         ethnic_minority=True, quarantined=True),
]  # fmt: skip


@pytest.fixture(scope="module")
def profile() -> Iterator[Warehouse]:
    with warehouse_with((DISTRICT, 2024, PERIODIC, PROFILE)) as warehouse:
        yield warehouse


def nonzero(frame: pl.DataFrame, item: str, value: str) -> dict[tuple[str, str, str], int]:
    return {
        (u, c, i): v for u, c, i, v in frame.select("unit_code", "class", item, value).rows() if v
    }


def test_counts_carry_the_ethnic_minority_households(profile):
    counts = household_tables(profile, REF, 2024).counts
    assert counts.schema == COUNTS_SCHEMA
    assert counts.select(
        "unit_code", "unit_level", "households", "poor", "near_poor", "ethnic_minority_poor",
        "ethnic_minority_near_poor",
    ).rows() == [
        (A, "commune", 4, 2, 1, 1, 1),  # K1 is not poor; Q1 is quarantined
        (B, "commune", 1, 0, 1, 0, 1),
        (PROVINCE, "province", 5, 2, 2, 1, 2),
    ]  # fmt: skip


def test_deprivations_per_class_for_every_indicator(profile):
    deprivations = household_tables(profile, REF, 2024).deprivations
    indicators = REF.standard("2022-2026").indicator_ids  # type: ignore[union-attr]
    assert deprivations.schema == DEPRIVATIONS_SCHEMA
    # every unit × class × indicator, in the standard's order
    assert deprivations.height == 3 * 2 * len(indicators)
    assert (
        deprivations.filter((pl.col("unit_code") == A) & (pl.col("class") == "poor"))[
            "indicator"
        ].to_list()
        == indicators
    )
    assert nonzero(deprivations, "indicator", "deprived") == {
        (A, "poor", "employment"): 2, (A, "poor", "latrine"): 2, (A, "poor", "telecom"): 1,
        (A, "poor", "nutrition"): 1, (A, "near_poor", "latrine"): 1,
        (B, "near_poor", "employment"): 1, (B, "near_poor", "housing_area"): 1,
        (PROVINCE, "poor", "employment"): 2, (PROVINCE, "poor", "latrine"): 2,
        (PROVINCE, "poor", "telecom"): 1, (PROVINCE, "poor", "nutrition"): 1,
        (PROVINCE, "near_poor", "latrine"): 1, (PROVINCE, "near_poor", "employment"): 1,
        (PROVINCE, "near_poor", "housing_area"): 1,
    }  # fmt: skip
    in_class = deprivations.select("unit_code", "class", "households_in_class").unique()
    assert set(in_class.rows()) == {
        (A, "poor", 2), (A, "near_poor", 1), (B, "poor", 0), (B, "near_poor", 1),
        (PROVINCE, "poor", 2), (PROVINCE, "near_poor", 2),
    }  # fmt: skip


def test_causes_and_policy_groups_per_class(profile):
    tables = household_tables(profile, REF, 2024)
    assert tables.causes.schema == CAUSES_SCHEMA
    assert tables.causes.filter(pl.col("unit_code") == PROVINCE)["cause"].to_list() == CAUSES * 2
    assert nonzero(tables.causes, "cause", "households") == {
        (A, "poor", "cause_land"): 2, (A, "poor", "cause_illness"): 1,
        (A, "near_poor", "cause_capital"): 1, (B, "near_poor", "cause_land"): 1,
        (PROVINCE, "poor", "cause_land"): 2, (PROVINCE, "poor", "cause_illness"): 1,
        (PROVINCE, "near_poor", "cause_capital"): 1, (PROVINCE, "near_poor", "cause_land"): 1,
    }  # fmt: skip
    assert tables.groups.schema == GROUPS_SCHEMA
    assert tables.groups.filter(pl.col("unit_code") == A)["group"].to_list() == [
        "merit_person", "social_assistance", "no_labour",
    ] * 2  # fmt: skip
    assert nonzero(tables.groups, "group", "households") == {
        (A, "poor", "merit_person"): 1, (A, "poor", "no_labour"): 1,
        (A, "near_poor", "social_assistance"): 1, (B, "near_poor", "no_labour"): 1,
        (PROVINCE, "poor", "merit_person"): 1, (PROVINCE, "poor", "no_labour"): 1,
        (PROVINCE, "near_poor", "social_assistance"): 1, (PROVINCE, "near_poor", "no_labour"): 1,
    }  # fmt: skip


# ------------------------------------------------------------------------------- the Q4 form


def test_movement_differences_name_the_form_figure_and_both_values():
    movements = pl.DataFrame(
        {"unit_code": [A, B, "18088"], **{m: [1, 2, 3] for m in MOVEMENTS}}
    ).with_columns(new_poor=pl.Series([5, 2, 9]))
    form = pl.DataFrame(
        {
            "unit_code": [A, B, "18088"],
            "poor_exited": [1, 2, 0], "poor_returned": [1, None, 0], "poor_new": [4, 2, 0],
            "near_poor_exited": [1, 2, 0], "near_poor_returned": [1, 2, 0],
            "near_poor_new": [1, 7, 0],
        }
    )  # fmt: skip
    reviewed = pl.DataFrame({"unit_code": [A, B]})  # 18088 has no review: not compared
    found = movement_differences(movements, form, reviewed)
    assert found.rows() == [(A, "poor_new", 5, 4), (B, "near_poor_new", 2, 7)]


@dataclass(frozen=True)
class WithForm:
    data_dir: DataDir


def q4_form(root, figures_of: dict[str, dict[str, int]]):
    """The 2024 Q4 form of district 436, every commune valid; ``figures_of`` sets a commune's
    movements (its end counts follow)."""
    communes = district_communes(REF, DISTRICT, date(2024, 12, 31))
    figures = valid_figures(communes)
    for commune, values in figures_of.items():
        figures = figures.with_columns(
            [
                pl.when(pl.col("commune_code") == commune)
                .then(pl.lit(v, pl.Int64))
                .otherwise(pl.col(k))
                .alias(k)
                for k, v in values.items()
            ]
        )
    figures = figures.with_columns(
        poor_end=pl.col("poor_start") - pl.col("poor_exited") + pl.col("poor_returned")
        + pl.col("poor_new"),
        near_poor_end=pl.col("near_poor_start") - pl.col("near_poor_exited")
        + pl.col("near_poor_returned") + pl.col("near_poor_new"),
    )  # fmt: skip
    return write_submission(
        root / "q4-2024.xlsx", REF.format, DISTRICT, "Thành phố Hà Tĩnh", "2024-Q4", communes,
        figures,
    )  # fmt: skip


FORM_2024 = {
    # EXPECTED_2024 as the form's figures, but A's poor_new typed 3 (the lists give 2)
    A: {"poor_exited": 2, "poor_returned": 1, "poor_new": 3, "near_poor_exited": 1,
        "near_poor_returned": 1, "near_poor_new": 0},
    B: {"poor_exited": 0, "poor_returned": 0, "poor_new": 1, "near_poor_exited": 1,
        "near_poor_returned": 0, "near_poor_new": 1},
    C: dict.fromkeys(("poor_exited", "poor_returned", "poor_new", "near_poor_exited",
                      "near_poor_returned", "near_poor_new"), 0),
}  # fmt: skip


@pytest.fixture(scope="module")
def with_form(tmp_path_factory: pytest.TempPathFactory) -> WithForm:
    root = tmp_path_factory.mktemp("movements")
    data_dir = DataDir(root / "data")
    [outcome] = ingest_files([q4_form(root, FORM_2024)], data_dir, REF, now=NOW)
    assert outcome.status in ("accepted", "accepted_with_issues")
    with Warehouse.open(data_dir.warehouse) as warehouse:
        store(warehouse, DISTRICT, 2022, PERIODIC, REVIEW_2022)
        store(warehouse, DISTRICT, 2023, PERIODIC, REVIEW_2023)
        store(warehouse, DISTRICT, 2024, PERIODIC, REVIEW_2024)
    return WithForm(data_dir)


def test_a_difference_with_the_q4_form_is_a_reconciliation_row(with_form):
    with Warehouse.open(with_form.data_dir.warehouse, read_only=True) as warehouse:
        tables = household_tables(warehouse, REF, 2024)
    assert tables.reconciliation.schema == RECONCILIATION_SCHEMA
    # The form's other communes have no review: they are not compared.
    assert tables.reconciliation.rows() == [(A, "poor_new", 2, 3)]


# ------------------------------------------------------------------------------- the CLI


def households_cli(data_dir: DataDir, *args: str) -> list[dict[str, str]]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli.main(["households", *args, "--data-dir", str(data_dir.root)])
    assert (code, stderr.getvalue()) == (0, "")
    return list(csv.DictReader(io.StringIO(stdout.getvalue())))


def test_ntm_households_prints_the_movements_and_the_profile(with_form):
    rows = households_cli(with_form.data_dir, "--year", "2024")
    found = {r["unit_code"]: r for r in rows}
    assert list(found) == [A, C, B]
    for unit in (A, B, C):
        assert tuple(int(found[unit][m]) for m in MOVEMENTS) == EXPECTED_2024[unit]
    [province] = households_cli(with_form.data_dir, "--year", "2024", "--level", "province")
    assert tuple(int(province[m]) for m in MOVEMENTS) == EXPECTED_2024[PROVINCE]
    header = list(rows[0])
    at = header.index("exited_poor")
    assert header[at - 1] == "deprived_information_access"  # the standard's last indicator
    assert header[at:] == [
        *MOVEMENTS, "ethnic_minority_poor", "ethnic_minority_near_poor", "merit_person",
        "social_assistance", "no_labour", *CAUSES,
    ]  # fmt: skip


def test_ntm_households_leaves_the_movements_empty_without_an_earlier_review(with_form):
    [province] = households_cli(with_form.data_dir, "--year", "2022", "--level", "province")
    assert [province[m] for m in MOVEMENTS] == [""] * 6
    assert (province["poor"], province["near_poor"]) == ("1", "1")


def test_ntm_households_profile_columns_count_poor_and_near_poor(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    with Warehouse.open(data_dir.warehouse) as warehouse:
        store(warehouse, DISTRICT, 2024, PERIODIC, PROFILE)
    rows = {r["unit_code"]: r for r in households_cli(data_dir, "--year", "2024")}
    columns = (
        "ethnic_minority_poor", "ethnic_minority_near_poor", "merit_person", "social_assistance",
        "no_labour", "cause_land", "cause_capital", "cause_illness", "cause_skills",
    )  # fmt: skip
    assert {u: tuple(int(r[c]) for c in columns) for u, r in rows.items()} == {
        A: (1, 1, 1, 1, 1, 2, 1, 1, 0),  # K1 (not poor) and Q1 (quarantined) count nowhere
        B: (0, 1, 0, 0, 1, 1, 0, 0, 0),
    }
    assert [rows[A][m] for m in MOVEMENTS] == [""] * 6
