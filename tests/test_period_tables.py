"""Indicators and trends end to end on demo data, through the reorganisations of 2025.

The tests on the demo data dir are marked slow: it holds three year-ends of the whole province."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from ntm import cli
from ntm.demo import generate_demo
from ntm.indicators import period_tables
from ntm.intake.ingest import ingest_files
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms.periods import Period
from transforms.registry import valid_on

LATER = datetime(2026, 2, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory, ref) -> DataDir:
    """Year-ends 2023 and 2024 (13 districts) and 2025 (69 communes report directly)."""
    data_dir = DataDir(tmp_path_factory.mktemp("tables") / "data")
    for year in (2023, 2024, 2025):
        generate_demo(
            data_dir.inbox, ref, first=Period(year, 4), last=Period(year, 4), households=False
        )
    outcomes = ingest_files([data_dir.inbox], data_dir, ref, now=LATER, feedback=False)
    assert {o.status for o in outcomes} == {"accepted"}
    return data_dir


def test_the_reused_code_18073_names_two_units(ref):
    def name_on(day: date) -> str:
        found = valid_on(ref.registry, day).filter(pl.col("unit_code") == "18073")
        return str(found["unit_name"].item())

    assert name_on(date(2024, 12, 31)) == "Phường Nam Hà"
    assert name_on(date(2025, 7, 1)) == "Phường Thành Sen"


@pytest.mark.slow
def test_indicators_csv_has_the_interface_columns_in_order(demo_dir, capsys):
    code = cli.main(["indicators", "--period", "2024-Q4", "--level", "province", "--format",
                     "csv", "--data-dir", str(demo_dir.root)])  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[0] == (
        "period,unit_code,unit_level,indicator,numerator,denominator,value,target,attained,"
        "target_status"
    )
    assert lines[1].startswith("2024-Q4,42,province,poor_rate,")
    indicators = {line.split(",")[3] for line in lines[1:]}
    assert {
        "poor_rate", "near_poor_rate", "multidimensional_poverty_rate", "trained_labour_rate",
        "certified_labour_rate", "women_coop_share", "child_abuse_handled_rate",
        "communes_meeting_trained_labour", "communes_meeting_certified_labour",
    } <= indicators  # fmt: skip


@pytest.mark.slow
def test_the_json_format_carries_the_same_rows(demo_dir, capsys):
    cli.main(["indicators", "--period", "2024-Q4", "--level", "district", "--format", "json",
              "--data-dir", str(demo_dir.root)])  # fmt: skip
    rows = pl.read_json(capsys.readouterr().out.encode())
    assert rows.columns[:3] == ["period", "unit_code", "unit_level"]
    assert set(rows["unit_level"]) == {"district"} and rows["unit_code"].n_unique() == 13


@pytest.mark.slow
def test_2025_is_computed_on_communes_and_the_trend_follows_the_crosswalk(demo_dir, ref):
    with Warehouse.open(demo_dir.warehouse, read_only=True) as warehouse:
        tables = period_tables(warehouse, ref, Period(2025, 4))
        before = period_tables(warehouse, ref, Period(2024, 4))
    levels = set(tables.indicators["unit_level"])
    assert levels == {"province", "commune"}  # no districts after 2025-07-01
    assert tables.indicators.filter(pl.col("unit_level") == "commune")["unit_code"].n_unique() == 69

    province = tables.changes.filter(pl.col("unit_level") == "province").sort("year")
    assert province["year"].to_list() == [2023, 2024, 2025]
    # The province's year-ends on today's units equal the sums reported at the time.
    then = before.indicators.filter(
        (pl.col("unit_level") == "province") & (pl.col("indicator") == "poor_rate")
    )
    assert province.filter(pl.col("year") == 2024).select("poor", "households").row(
        0
    ) == then.select("numerator", "denominator").row(0)
    # Thành Sen (18073 from 2025-07-01) has a history: the communes it succeeded.
    thanh_sen = tables.changes.filter(
        (pl.col("unit_level") == "commune") & (pl.col("unit_code") == "18073")
    )
    assert thanh_sen["year"].to_list() == [2023, 2024, 2025]
    nam_ha_2024 = before.indicators.filter(
        (pl.col("unit_code") == "18073") & (pl.col("indicator") == "poor_rate")
    )["denominator"].item()
    assert thanh_sen.filter(pl.col("year") == 2024)["households"].item() > nam_ha_2024
    trend = tables.trend.filter(pl.col("unit_level") == "province").row(0, named=True)
    assert (trend["base_year"], trend["last_year"]) == (2023, 2025)
    assert trend["status"] in {"behind", "on_track", "ahead"}
