"""A period's tables are computed once, stored under the data dir and read back by the report."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import fastexcel
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ntm.indicators import mart
from ntm.indicators.tables import PeriodTables, period_tables
from ntm.intake.ingest import ingest_files
from ntm.reference import REFERENCE_DIR, Reference, load_reference
from ntm.report import generate_report
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms.periods import Period

NOW = datetime(2025, 1, 20, 3, tzinfo=UTC)
PERIOD = Period(2024, 4)


@pytest.fixture(scope="module")
def demo(demo_inbox_2024: Path) -> Path:
    """The session's demo inbox (2023-Q4 to 2024-Q4): its 2024-Q3 and 2024-Q4 files are read."""
    return demo_inbox_2024


def ingested(demo: Path, data_dir: DataDir, ref: Reference, units: tuple[str, ...]) -> None:
    """The 2024-Q3 and 2024-Q4 files of ``units`` ingested."""
    folders = [demo / str(Period(2024, 3)), demo / str(PERIOD)]
    files = [p for f in folders for p in sorted(f.iterdir()) if p.is_file() and p.name[:3] in units]
    ingest_files(files, data_dir, ref, now=NOW)


def stored(data_dir: DataDir, ref: Reference, *, store: bool = True) -> mart.StoredTables:
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        return mart.stored_tables(data_dir, warehouse, ref, PERIOD, store=store)


def test_tables_read_back_equal_the_computed_ones(demo, data_dir, ref):
    ingested(demo, data_dir, ref, ("441", "443"))
    first = stored(data_dir, ref)
    again = stored(data_dir, ref)
    assert again.key == first.key and again.folder == first.folder
    for name in mart.FRAMES:
        assert_frame_equal(getattr(again.tables, name), getattr(first.tables, name))
    assert again.tables.catalogue is first.tables.catalogue is ref.catalogue_for(2024)
    assert again.tables.covered and first.tables.covered
    assert data_dir.indicator_workbook(str(PERIOD)).samefile(first.workbook)


def test_stored_tables_are_read_not_computed_again(demo, data_dir, ref, monkeypatch):
    ingested(demo, data_dir, ref, ("441",))
    stored(data_dir, ref)
    calls: list[Period] = []

    def counted(warehouse, reference, period):
        calls.append(period)
        return period_tables(warehouse, reference, period)

    monkeypatch.setattr(mart, "period_tables", counted)
    stored(data_dir, ref)
    assert calls == []
    shutil.rmtree(data_dir.period_tables(str(PERIOD)))
    stored(data_dir, ref)
    assert calls == [PERIOD]


def test_a_new_submission_gives_a_new_key_and_the_old_tables_go(demo, data_dir, ref):
    ingested(demo, data_dir, ref, ("441",))
    before = stored(data_dir, ref)
    ingested(demo, data_dir, ref, ("443",))
    after = stored(data_dir, ref)
    assert after.key != before.key
    assert [p.name for p in data_dir.period_tables(str(PERIOD)).iterdir()] == [after.key]
    assert after.tables.indicators.height > before.tables.indicators.height


def test_reading_without_the_right_to_write_stores_nothing(demo, data_dir, ref):
    ingested(demo, data_dir, ref, ("441",))
    read_only = stored(data_dir, ref, store=False)
    assert read_only.folder is None
    assert not data_dir.period_tables(str(PERIOD)).exists()
    with pytest.raises(ValueError, match="not stored"):
        _ = read_only.workbook


def test_the_key_covers_the_reference_data(tmp_path, demo, data_dir, ref):
    ingested(demo, data_dir, ref, ("441",))
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, copy)
    same = load_reference(copy)
    roster = copy / "commune_roster.csv"
    roster.write_text(roster.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = load_reference.__wrapped__(copy)
    assert same.fingerprint == ref.fingerprint
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        keys = {mart.tables_key(warehouse, r, PERIOD) for r in (ref, same, changed)}
    assert len(keys) == 2


def test_a_half_written_folder_is_never_read(demo, data_dir, ref):
    ingested(demo, data_dir, ref, ("441",))
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        key = mart.tables_key(warehouse, ref, PERIOD)
    partial = data_dir.period_tables(str(PERIOD)) / f".{key}.partial"
    partial.mkdir(parents=True)
    (partial / "indicators.parquet").write_bytes(b"half")
    result = stored(data_dir, ref)
    assert result.folder is not None and result.folder.name == key
    assert not partial.exists()
    assert result.tables.indicators.height > 0


def test_every_frame_of_the_tables_is_stored():
    restored = {f.name for f in dataclasses.fields(PeriodTables)} - set(mart.FRAMES)
    assert restored == {"period", "catalogue", "covered"}
    assert {"indicators", "changes", "trend", "roster", "divided"} <= set(mart.FRAMES)


@pytest.mark.slow
def test_the_report_reads_the_stored_tables_and_links_their_workbook(
    demo, data_dir, ref, monkeypatch
):
    ingested(demo, data_dir, ref, ("441",))
    first = stored(data_dir, ref)
    calls: list[Period] = []

    def counted(warehouse, reference, period):
        calls.append(period)
        return period_tables(warehouse, reference, period)

    monkeypatch.setattr(mart, "period_tables", counted)
    outcome = generate_report(data_dir, ref, PERIOD, date(2025, 1, 20), run_id="mart")
    assert calls == []
    assert outcome.xlsx.samefile(first.workbook)
    assert outcome.xlsx.read_bytes() == data_dir.indicator_workbook(str(PERIOD)).read_bytes()


@pytest.mark.slow
def test_a_report_is_reused_only_while_its_inputs_and_reference_data_hold(
    tmp_path, demo, data_dir, ref
):
    ingested(demo, data_dir, ref, ("441",))
    first = generate_report(data_dir, ref, PERIOD, date(2025, 1, 20), reuse_if_unchanged=True)
    again = generate_report(data_dir, ref, PERIOD, date(2025, 1, 20), reuse_if_unchanged=True)
    assert (first.version, again.version, again.reused) == (1, 1, True)
    # A threshold published (here: any change of the reference data) gives a new version.
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, copy)
    roster = copy / "commune_roster.csv"
    roster.write_text(roster.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = load_reference.__wrapped__(copy)
    after = generate_report(data_dir, changed, PERIOD, date(2025, 1, 20), reuse_if_unchanged=True)
    assert (after.version, after.reused) == (2, False)


def test_a_rebuilt_warehouse_never_reads_the_tables_of_the_old_one(demo, data_dir, ref):
    ingested(demo, data_dir, ref, ("441",))
    before = stored(data_dir, ref)
    shutil.rmtree(data_dir.warehouse.parent)  # submission ids start again from 1
    ingested(demo, data_dir, ref, ("443",))
    after = stored(data_dir, ref)
    assert after.key != before.key
    districts = set(after.tables.indicators.filter(pl.col("unit_level") == "district")["unit_code"])
    assert districts == {"443"}


def test_indicators_xlsx_copies_the_stored_workbook_or_writes_one(demo, data_dir, ref, tmp_path):
    from ntm import cli  # noqa: PLC0415

    ingested(demo, data_dir, ref, ("441",))
    args = ["indicators", "--period", str(PERIOD), "--data-dir", str(data_dir.root)]
    fresh = tmp_path / "fresh.xlsx"
    assert cli.main([*args, "--xlsx", str(fresh)]) == cli.EXIT_OK
    assert not data_dir.period_tables(str(PERIOD)).exists()  # read-only: nothing stored
    first = stored(data_dir, ref)
    copied = tmp_path / "copied.xlsx"
    assert cli.main([*args, "--xlsx", str(copied)]) == cli.EXIT_OK
    assert copied.read_bytes() == first.workbook.read_bytes()
    assert not copied.samefile(first.workbook)  # staff may edit their copy
    sheets = fastexcel.read_excel(fresh).sheet_names
    assert "Chỉ tiêu" in sheets and sheets == fastexcel.read_excel(copied).sheet_names
