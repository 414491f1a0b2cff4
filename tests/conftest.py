"""Shared fixtures: the reference data, a data dir per test, valid figures for a district."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from ntm.reference import Reference, load_reference
from ntm.store.paths import DataDir
from transforms.registry import communes_of

# "Now" for ingest tests: after every demo period, so none is in the future.
NOW = datetime(2025, 1, 20, 3, 0, tzinfo=UTC)
TODAY = date(2025, 1, 20)


@pytest.fixture(scope="session")
def ref() -> Reference:
    return load_reference()


@pytest.fixture
def data_dir(tmp_path: Path) -> DataDir:
    return DataDir(tmp_path / "data")


def district_communes(ref: Reference, unit: str = "441", day: date = date(2024, 12, 31)):
    return communes_of(ref.registry, unit, day, ref.settings.communes_report_from)


def valid_figures(communes: pl.DataFrame) -> pl.DataFrame:
    """Figures that pass every rule, different per commune, computed from the row index."""
    i = pl.int_range(pl.len(), dtype=pl.Int64)
    return (
        communes.select("commune_code")
        .with_columns(
            households=1000 + 100 * i,
            poor_start=50 + i,
            poor_exited=10 + i,
            poor_returned=pl.lit(1, pl.Int64),
            poor_new=pl.lit(2, pl.Int64),
            near_poor_start=60 + i,
            near_poor_exited=pl.lit(8, pl.Int64),
            near_poor_returned=pl.lit(0, pl.Int64),
            near_poor_new=pl.lit(3, pl.Int64),
            workers=1800 + 150 * i,
            workers_trained=1300 + 100 * i,
            workers_certified=600 + 40 * i,
            coop_members=100 + 10 * i,
            coop_members_women=40 + 3 * i,
            child_abuse_cases=i % 3,
            child_abuse_supported=i % 3,
            child_abuse_handled=i % 2 * (i % 3),
        )
        .with_columns(
            poor_end=pl.col("poor_start")
            - pl.col("poor_exited")
            + pl.col("poor_returned")
            + pl.col("poor_new"),
            near_poor_end=pl.col("near_poor_start")
            - pl.col("near_poor_exited")
            + pl.col("near_poor_returned")
            + pl.col("near_poor_new"),
        )
    )
