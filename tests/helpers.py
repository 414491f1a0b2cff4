"""Plain helpers and constants shared by test modules (fixtures live in ``conftest.py``).

Test modules import from here, never from one another nor from ``conftest``.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from datetime import UTC, date, datetime

import polars as pl

from ntm.reference import Reference
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms.registry import communes_of

# "Now" for ingest tests: after every demo period, so none is in the future.
NOW = datetime(2025, 1, 20, 3, 0, tzinfo=UTC)
TODAY = date(2025, 1, 20)

# The warehouse's tables, as counted by ``counts``.
TABLES = (
    "raw_files", "submissions", "raw_submission_rows", "stg_commune_figures", "findings",
    "audit_value_changes",
)  # fmt: skip

# The rules of the household review (form HN) in validation_rules.toml, covered by
# test_households.py (test_rules.py covers the quarterly form's).
HOUSEHOLD_RULES = frozenset(
    {
        "personal_data_column", "personal_data_cell", "hn_sheet_missing", "hn_metadata_missing",
        "hn_unit_unknown", "hn_year_invalid", "hn_year_future", "hn_kind_unknown",
        "hn_standard_unknown", "hn_standard_mismatch", "hn_no_rows", "hn_commune_foreign",
        "hn_household_missing", "hn_household_duplicate", "hn_value_invalid",
        "hn_income_missing", "hn_income_disagree", "hn_points_mismatch", "hn_result_rule",
        "hn_cause_missing", "hn_form_mismatch", "poor_end_vs_review", "near_poor_end_vs_review",
    }
)  # fmt: skip

# What WeasyPrint logs about the machine rather than the document: without the optional
# libharfbuzz-subset0 it subsets fonts with fontTools and says so once per font. A test of a
# render asserts on the other messages only, so that it passes with or without that library.
MACHINE_NOTICES = ("Using fontTools instead of HarfBuzz-Subset",)


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


def counts(data_dir: DataDir) -> dict[str, int]:
    """Rows per warehouse table."""
    with Warehouse.open(data_dir.warehouse) as warehouse:
        return {t: warehouse.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                for t in TABLES}  # fmt: skip


def document_warnings(warnings: list[str]) -> list[str]:
    """A render's warnings without the notices about the machine (``MACHINE_NOTICES``)."""
    return [w for w in warnings if not any(notice in w for notice in MACHINE_NOTICES)]


# Calls that read or write files, open databases, or read the clock.
FORBIDDEN_CALLS = {
    "open", "read_text", "write_text", "read_bytes", "write_bytes", "read_csv", "scan_csv",
    "read_excel", "write_csv", "write_excel", "read_parquet", "write_parquet", "connect",
    "now", "today", "utcnow",
}  # fmt: skip


def called(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                names.add(node.func.attr)
    return names


def normalised(text: str) -> str:
    """What a golden file compares: NFC, blanks collapsed per line, no empty lines."""
    lines = (
        re.sub(r"\s+", " ", line).strip()
        for line in unicodedata.normalize("NFC", text).splitlines()
    )
    return "\n".join(line for line in lines if line) + "\n"
