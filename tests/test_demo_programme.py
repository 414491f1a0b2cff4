"""The demo over the 2021-2025 programme: 2021 counted under the old poverty standard, 2022
re-assessed under the new one, and the rules that compare with history across that change of
standard (the ingest tests write and ingest four quarters of two districts: about 2 s); the
demo roster's sponsors as the action programme assigns them."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ntm.demo import DEMO_FIRST, DEMO_LAST, demo_figures, generate_demo
from ntm.intake.ingest import ingest_files
from ntm.intake.workbook import write_submission
from ntm.reference import Reference
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from tests.helpers import NOW, district_communes
from transforms.periods import Period

# Hương Sơn and Vũ Quang: mountain districts, whose poor rates move most at the re-assessment.
UNITS = ("439", "441")
TAMPERED = "441"  # its 2023-Q1 file starts its first commune's year one poor household off


@pytest.fixture(scope="module")
def figures(ref: Reference) -> pl.DataFrame:
    return demo_figures(ref, DEMO_FIRST, DEMO_LAST)


def totals(figures: pl.DataFrame, period: str) -> dict[str, int]:
    return (
        figures.filter(pl.col("period") == period)
        .drop("period", "commune_code")
        .sum()
        .row(0, named=True)
    )


def test_the_demo_covers_the_programme_from_2021():
    assert Period(2021, 1) == DEMO_FIRST


def test_2021_is_counted_under_the_old_standard_so_the_series_breaks(figures):
    end_2021, start_2022, end_2022 = (
        totals(figures, "2021-Q4"),
        totals(figures, "2022-Q1"),
        totals(figures, "2022-Q4"),
    )
    for count in ("poor", "near_poor"):
        rate_2021 = end_2021[f"{count}_end"] / end_2021["households"]
        assert rate_2021 < end_2022[f"{count}_end"] / end_2022["households"], count
        # 2022 starts from the re-assessment under the new standard, not from 2021's end.
        assert start_2022[f"{count}_start"] > end_2021[f"{count}_end"], count
    assert 0.015 < end_2021["poor_end"] / end_2021["households"] < 0.03


def test_2021_has_every_quarter_of_every_commune(figures):
    year = figures.filter(pl.col("period").str.starts_with("2021"))
    assert year.group_by("period").len().sort("period").rows() == [
        (f"2021-Q{q}", 216) for q in range(1, 5)
    ]
    assert year.null_count().sum_horizontal().item() == 0


def test_2021_rows_pass_every_rule_of_one_row(figures, ref):
    year = figures.filter(pl.col("period").str.starts_with("2021"))
    # Rules that read the commune's history or its household review are not of one row.
    one_row = [r for r in ref.row_rules if "prev_" not in r.check and "review_" not in r.check]
    assert {"poor_flow", "near_poor_flow"} <= {rule.rule_id for rule in one_row}
    for rule in one_row:
        failing = year.filter(pl.sql_expr(rule.check).not_())
        assert failing.is_empty(), (rule.rule_id, failing.head(3))
    # Starts hold for the whole year, as a year-end review fixes them.
    assert (
        year.group_by("commune_code").agg(pl.col("poor_start").n_unique())["poor_start"].max() == 1
    )


def test_households_and_labour_run_on_from_2021_into_2022(figures):
    pair = figures.filter(pl.col("period").is_in(["2021-Q4", "2022-Q1"]))
    change = (
        pair.sort("period")
        .group_by("commune_code")
        .agg(
            (pl.col(c).last() / pl.col(c).first() - 1).abs().alias(c)
            for c in ("households", "workers")
        )
    )
    assert change["households"].max() < 0.01
    assert change["workers"].max() < 0.01


def test_figures_from_2022_do_not_depend_on_asking_for_2021(ref, figures):
    from_2022 = demo_figures(ref, Period(2022, 1), DEMO_LAST)
    assert from_2022["period"].min() == "2022-Q1"
    assert_frame_equal(figures.filter(pl.col("period") >= "2022-Q1"), from_2022)
    assert_frame_equal(
        demo_figures(ref, Period(2021, 3), Period(2022, 2)),
        figures.filter(pl.col("period").is_between(pl.lit("2021-Q3"), pl.lit("2022-Q2"))),
    )


def test_files_from_2022_do_not_depend_on_asking_for_2021(tmp_path, ref):
    def written(first: Period) -> dict[str, tuple[bytes, float]]:
        folder = tmp_path / str(first)
        paths = generate_demo(folder, ref, first=first, last=Period(2022, 1))
        return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime) for p in paths}

    with_2021, from_2022 = written(Period(2021, 4)), written(Period(2022, 1))
    assert len(with_2021) == 2 * len(from_2022) == 26
    assert {k: v for k, v in with_2021.items() if k.startswith("2022-Q1")} == from_2022


def test_the_department_sponsors_the_communes_the_action_programme_names(ref):
    # Action programme III.3: the communes reaching NTM in 2022 and 2023, every advanced and
    # every model commune; the other NTM communes have no sponsor.
    named = (pl.col("tier") != "ntm") | pl.col("target_year").is_in([2022, 2023])
    roster = ref.roster.with_columns(named=named)
    assert roster["named"].null_count() == 0
    assert roster.filter("named")["sponsor"].null_count() == 0
    unnamed = roster.filter(~pl.col("named"))
    assert unnamed.height > 0 and unnamed["sponsor"].is_null().all()
    assert roster.filter(pl.col("valid_from") == date(2025, 7, 1))["named"].n_unique() == 2


# ---------------------------------------------------------------------------- ingest


def _tampered(folder: Path, ref: Reference) -> Path:
    """TAMPERED's 2023-Q1 with its first commune starting one poor household off (one more
    exited, so the row's own rules still hold): a mismatch inside one standard."""
    communes = district_communes(ref, TAMPERED)
    figures = demo_figures(ref, Period(2023, 1), Period(2023, 1)).drop("period")
    figures = communes.select("commune_code").join(figures, on="commune_code", how="left")
    first = pl.int_range(pl.len()) == 0
    figures = figures.with_columns(
        poor_start=pl.col("poor_start") + first.cast(pl.Int64),
        poor_exited=pl.col("poor_exited") + first.cast(pl.Int64),
    )
    path = write_submission(folder / f"{TAMPERED}_2023-Q1.xlsx", ref.format, TAMPERED,
                            "Huyện Vũ Quang", "2023-Q1", communes, figures)  # fmt: skip
    stamp = datetime(2023, 4, 10, 2, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> DataDir:
    """2021-Q4 and 2022-Q1 (across the change of standard), 2022-Q4 and 2023-Q1 (inside the
    new one) of UNITS, TAMPERED's 2023-Q1 with a start count off."""
    root = tmp_path_factory.mktemp("programme")
    demo = root / "demo"
    generate_demo(demo, ref, first=Period(2021, 4), last=Period(2022, 1))
    generate_demo(demo, ref, first=Period(2022, 4), last=Period(2023, 1))
    chosen = [
        p
        for p in sorted(demo.rglob("*"))
        if p.is_file() and p.name[:3] in UNITS and p.stem != f"{TAMPERED}_2023-Q1"
    ]
    assert len(chosen) == 4 * len(UNITS) - 1
    data_dir = DataDir(root / "data")
    outcomes = ingest_files([*chosen, _tampered(root, ref)], data_dir, ref, now=NOW)
    assert {o.status for o in outcomes} <= {"accepted", "accepted_with_issues"}
    assert len(outcomes) == 4 * len(UNITS)
    return data_dir


def findings(data_dir: DataDir) -> pl.DataFrame:
    """period, unit_code, rule_id, value_found of every finding stored."""
    with Warehouse.open(data_dir.warehouse) as warehouse:
        found: pl.DataFrame = warehouse.con.sql(
            "SELECT s.period, s.unit_code, f.rule_id, f.value_found "
            "FROM findings AS f JOIN submissions AS s USING (submission_id)"
        ).pl()
    return found


def test_the_start_of_2022_is_a_reassessment_not_a_mismatch(ingested):
    # Without the change of standard, every commune's start counts would mismatch, and the
    # poorest communes' rates would jump by more than 5 points from 2021-Q4.
    found = findings(ingested)
    assert found.filter(pl.col("period") == "2022-Q1").is_empty(), found
    assert found.filter(pl.col("period") == "2021-Q4").is_empty(), found


def test_a_start_count_off_inside_one_standard_still_warns(ingested, figures, ref):
    first = district_communes(ref, TAMPERED)["commune_code"][0]
    start = figures.filter((pl.col("period") == "2023-Q1") & (pl.col("commune_code") == first))
    found = findings(ingested).filter(pl.col("period").is_in(["2022-Q4", "2023-Q1"]))
    assert found.rows() == [
        ("2023-Q1", TAMPERED, "poor_start_mismatch", str(start["poor_start"].item() + 1))
    ]
