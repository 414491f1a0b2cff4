"""The benchmark runs end to end at the tiny scale and prints the expected rows (no timings).

The tiny scale also runs the national code path on a synthetic country of 6 districts.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the whole benchmark, national code path included

EXPECTED_ROWS = (
    "| ingest+validate+store (2 files) |",
    "| ingest rows |",
    "| ingest + feedback workbooks (2 files) |",
    "| floor: fastexcel read, both sheets |",
    "| floor: DuckDB group-by |",
    "| floor total (read + group-by) |",
    "| baseline: pandas+openpyxl read |",
    "| baseline: pandas group-by |",
    "| baseline total (read + group-by) |",
    "| indicators: period_tables (one period) |",
    "| indicators: compute_indicators 200 communes × 2 q |",
    "| national: generate_demo (6 files) |",
    "| national ingest+validate+store (6 files) |",
    "| national floor total (read + group-by) |",
    "| national baseline total (read + group-by) |",
    "| ours / floor (ingest vs fastexcel read + DuckDB group-by) |",
    "| baseline / ours (pandas+openpyxl vs ingest) |",
    "| national ours / floor (ingest vs fastexcel read + DuckDB group-by) |",
    "| ingest ≤ 3× the fastexcel floor — national quarter |",
    "| ingest ≥ 20× faster than pandas+openpyxl — national quarter |",
    # the household review (bench.households): 3 province files, 6 of the synthetic country
    "| tiny census: ingest+validate+store (3 files) |",
    "| tiny census: floor total: read + DuckDB insert (3 files) |",
    "| tiny national: ingest + feedback workbooks (6 files) |",
    "| tiny national: household_counts level=province (`ntm households`) |",
    "| tiny national: `ntm households --level province` (whole command) |",
    "| ingest ≤ 1.5× the floor — tiny national |",
    # household_tables over five reviews of a 60-commune country, beside its floor
    "| tiny reviews: household_tables(warehouse, ref, 2026): movements, profile, reconciliation |",
    "| tiny reviews: floor: GROUP BY commune, result over 2026 |",
    "| tiny reviews: floor: GROUP BY review year, commune, result over 2025–2026 |",
    "| tiny reviews: household_tables / floor over the two compared reviews |",
)


def test_tiny_benchmark_prints_every_row(tmp_path: Path) -> None:
    out = tmp_path / "BENCH.md"
    out.write_text("# Notes\n\nkept\n\n<!-- bench:begin -->\nold\n<!-- bench:end -->\n\ntail\n")
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--scale", "tiny", "--runs", "1", "--no-report",
         "--out", str(out), "--cache", str(tmp_path / "cache")],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for row in EXPECTED_ROWS:
        assert row in done.stdout, row
    assert "21 rows; accepted" in done.stdout
    assert "60 rows; accepted" in done.stdout  # the synthetic country's 6 districts
    written = out.read_text(encoding="utf-8")
    assert written.startswith("# Notes\n\nkept\n") and written.endswith("\n\ntail\n")
    assert "\nold\n" not in written and "| ingest rows |" in written  # "household" has "old"
    assert "600 rows read, 600 accepted" in written and "300 rows read, 300 accepted" in written
    assert written.index("<!-- bench:end -->") < written.index("<!-- bench:households:begin -->")
    assert "household_tables(2026) gives what the generator knows" in written
    order = [
        written.index(marker)
        for marker in (
            "<!-- bench:households:begin -->",
            "<!-- bench:household-tables:begin -->",
            "<!-- bench:household-tables:end -->",
            "<!-- bench:households:end -->",
        )
    ]
    assert order == sorted(order)  # the household_tables block sits inside the household one
