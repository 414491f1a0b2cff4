"""Ingest end to end: versions, audit, atomicity, templates, feedback, exit codes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tracemalloc
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import fastexcel
import openpyxl
import polars as pl
import pytest

from ntm import cli
from ntm.indicators.completeness import period_completeness
from ntm.intake.feedback import HOUSEHOLD_SEVERITY_VI, SEVERITY_VI, write_feedback
from ntm.intake.ingest import ingest_files
from ntm.intake.workbook import write_submission
from ntm.reference import Reference
from ntm.store.warehouse import Warehouse
from tests.helpers import NOW, counts, district_communes, valid_figures
from transforms.periods import Period


def write_file(
    folder: Path, ref: Reference, figures: pl.DataFrame, name: str = "441.xlsx",
    unit: str = "441", period: str = "2024-Q4", arrived: datetime | None = None,
) -> Path:  # fmt: skip
    communes = district_communes(ref, unit)
    path = write_submission(folder / name, ref.format, unit, "Huyện Vũ Quang", period, communes,
                            figures)  # fmt: skip
    stamp = (arrived or datetime(2025, 1, 5, 2, 0, tzinfo=UTC)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_a_valid_file_is_stored_as_version_one(tmp_path, data_dir, ref):
    path = write_file(tmp_path, ref, valid_figures(district_communes(ref)))
    [outcome] = ingest_files([path], data_dir, ref, now=NOW)
    assert (outcome.status, outcome.unit_code, outcome.period, outcome.version) == (
        "accepted", "441", "2024-Q4", 1,
    )  # fmt: skip
    assert outcome.line().endswith("\t441 2024-Q4\taccepted")
    assert counts(data_dir) == {
        "raw_files": 1, "submissions": 1, "raw_submission_rows": 10, "stg_commune_figures": 10,
        "findings": 0, "audit_value_changes": 0,
    }  # fmt: skip


def test_resubmission_unchanged_then_new_version_with_audit(tmp_path, data_dir, ref):
    figures = valid_figures(district_communes(ref))
    first = write_file(tmp_path, ref, figures, name="v1.xlsx")
    ingest_files([first], data_dir, ref, now=NOW)
    before = counts(data_dir)

    [again] = ingest_files([first], data_dir, ref, now=NOW)
    assert again.status == "unchanged"
    assert again.line().endswith("unchanged (already ingested)")
    assert counts(data_dir) == before

    corrected = figures.with_columns(
        households=pl.when(pl.col("commune_code") == "18316")
        .then(pl.col("households") + 7)
        .otherwise(pl.col("households"))
    )
    second = write_file(tmp_path, ref, corrected, name="v2.xlsx")
    [outcome] = ingest_files([second], data_dir, ref, now=NOW)
    assert (outcome.status, outcome.version) == ("accepted", 2)
    with Warehouse.open(data_dir.warehouse) as warehouse:
        audit = warehouse.con.sql(
            "SELECT commune_code, figure, old_value, new_value FROM audit_value_changes"
        ).fetchall()
        current = warehouse.con.sql(
            "SELECT households FROM accepted_commune_figures WHERE commune_code = '18316'"
        ).fetchall()
        kept = warehouse.con.sql("SELECT count(*) FROM stg_commune_figures").fetchall()
    old = int(figures.filter(pl.col("commune_code") == "18316")["households"][0])
    assert audit == [("18316", "households", old, old + 7)]
    assert current == [(old + 7,)]  # the new version is what every query reads
    assert kept == [(20,)]  # the old version stays on record


def test_a_crash_in_the_middle_of_a_file_leaves_the_warehouse_unchanged(
    tmp_path, data_dir, ref, monkeypatch
):
    good = write_file(tmp_path, ref, valid_figures(district_communes(ref)), name="a.xlsx")
    ingest_files([good], data_dir, ref, now=NOW)
    before = counts(data_dir)
    changed = valid_figures(district_communes(ref)).with_columns(workers=pl.col("workers") + 1)
    second = write_file(tmp_path, ref, changed, name="b.xlsx")

    original = Warehouse.run

    def crash_after_raw_rows(self, name, **params):
        if name == "insert_stg_rows":
            raise KeyboardInterrupt("killed half-way through the file")
        return original(self, name, **params)

    monkeypatch.setattr(Warehouse, "run", crash_after_raw_rows)
    with pytest.raises(KeyboardInterrupt):
        ingest_files([second], data_dir, ref, now=NOW)
    monkeypatch.undo()
    assert counts(data_dir) == before
    [outcome] = ingest_files([second], data_dir, ref, now=NOW)
    assert (outcome.status, outcome.version) == ("accepted", 2)


def test_a_quarantined_row_is_kept_out_and_the_rest_stored(tmp_path, data_dir, ref):
    figures = valid_figures(district_communes(ref)).with_columns(
        workers_certified=pl.when(pl.col("commune_code") == "18319")
        .then(pl.col("workers_trained") + 1)
        .otherwise(pl.col("workers_certified"))
    )
    path = write_file(tmp_path, ref, figures)
    [outcome] = ingest_files([path], data_dir, ref, now=NOW)
    assert (outcome.status, outcome.quarantined, outcome.issues) == ("accepted_with_issues", 1, 1)
    with Warehouse.open(data_dir.warehouse) as warehouse:
        accepted = warehouse.con.sql(
            "SELECT count(*), count(*) FILTER (commune_code = '18319') "
            "FROM accepted_commune_figures"
        ).fetchall()
    assert accepted == [(9, 0)]


def test_feedback_workbook_names_file_row_column_and_value(tmp_path, data_dir, ref):
    figures = valid_figures(district_communes(ref)).cast({"poor_new": pl.String})
    figures = figures.with_columns(
        poor_new=pl.when(pl.col("commune_code") == "18316").then(pl.lit("12,5"))
        .otherwise(pl.col("poor_new"))
    )  # fmt: skip
    path = write_file(tmp_path, ref, figures, name="huyen-vu-quang.xlsx")
    [outcome] = ingest_files([path], data_dir, ref, now=NOW)
    assert outcome.feedback is not None and outcome.feedback.exists()
    sheet = fastexcel.read_excel(outcome.feedback).load_sheet(0, header_row=3, dtypes="string")
    table = pl.DataFrame(sheet.to_polars())
    summary = fastexcel.read_excel(outcome.feedback).load_sheet(0, header_row=None, n_rows=2)
    assert "Huyện Vũ Quang" in str(pl.DataFrame(summary.to_polars()).row(1)[0])
    row = table.row(0, named=True)
    # 18316 is the second commune: header on row 3, so Excel shows it on row 5.
    assert (row["Tệp"], row["Trang tính"], row["Dòng"], row["Giá trị trong tệp"]) == (
        "huyen-vu-quang.xlsx", "Biểu 01", "5", "12,5",
    )  # fmt: skip
    assert row["Cột"] == "Số hộ nghèo phát sinh"
    assert "không phải số nguyên không âm" in row["Nội dung và cách sửa"]


def feedback_severities(path: Path) -> list[str]:
    """The «Mức độ» column of a feedback workbook, row by row."""
    sheet = fastexcel.read_excel(path).load_sheet(0, header_row=3, dtypes="string")
    return [str(v) for v in pl.DataFrame(sheet.to_polars())["Mức độ"].to_list()]


def findings_of(*found: tuple[int | None, str]) -> pl.DataFrame:
    """Rendered findings of one file: (Excel row, severity) each."""
    return pl.DataFrame(
        {
            "file_name": ["bieu.xlsx"] * len(found),
            "sheet": ["Biểu 01"] * len(found),
            "excel_row": [row for row, _ in found],
            "column_label": ["Tổng số hộ"] * len(found),
            "value_found": ["1211"] * len(found),
            "severity": [severity for _, severity in found],
            "message": ["…"] * len(found),
        },
        schema_overrides={"excel_row": pl.Int64},
    )


@pytest.mark.parametrize(
    ("severities", "row_word"),
    [(SEVERITY_VI, "dòng xã"), (HOUSEHOLD_SEVERITY_VI, "hộ này")],
    ids=["form-01", "form-HN"],
)
def test_a_warning_on_a_row_not_received_does_not_say_it_was(tmp_path, severities, row_word):
    # Row 5 has a row error (quarantined) and a warning; row 6 only a warning; then a warning
    # about the whole file.
    found = findings_of((5, "row_error"), (5, "warning"), (6, "warning"), (None, "warning"))
    path = write_feedback(tmp_path / "phan-hoi.xlsx", "Tệp bieu.xlsx", found, severities=severities)
    error, refused, kept, whole_file = feedback_severities(path)
    assert error == severities["row_error"]
    assert refused == f"Lưu ý: {row_word} chưa được nhận vì có lỗi dòng"
    assert kept == whole_file == severities["warning"]
    assert kept.endswith("vẫn được nhận")


def test_a_warning_in_a_rejected_file_does_not_say_its_figures_were_received(tmp_path):
    found = findings_of((None, "file_error"), (None, "warning"), (7, "warning"))
    path = write_feedback(tmp_path / "tra-lai.xlsx", "Tệp bieu.xlsx", found)
    labels = feedback_severities(path)
    assert labels[1:] == ["Lưu ý: tệp bị trả lại, chưa nhận số liệu nào"] * 2
    assert not any("vẫn được nhận" in label for label in labels)


def test_template_filled_with_valid_numbers_ingests_cleanly(tmp_path, data_dir, ref, capsys):
    template = tmp_path / "mau_441_2024-Q4.xlsx"
    code = cli.main(["template", "--unit", "441", "--period", "2024-Q4", "--output",
                     str(template), "--data-dir", str(data_dir.root)])  # fmt: skip
    assert code == 0 and capsys.readouterr().out.strip() == str(template)

    workbook = openpyxl.load_workbook(template)
    figures_sheet = workbook["Biểu 01"]
    assert figures_sheet.protection.sheet  # communes locked
    assert figures_sheet["A4"].protection.locked and not figures_sheet["C4"].protection.locked
    assert figures_sheet["A4"].value == "18313"
    validations = figures_sheet.data_validations.dataValidation
    assert {v.type for v in validations} == {"whole", "custom"}
    assert workbook["Thông tin"]["B6"].value == "1"  # template version stamped
    assert "Hướng dẫn" in workbook.sheetnames

    figures = valid_figures(district_communes(ref))
    keys = [c.key for c in ref.format.columns]
    for offset, row in enumerate(figures.iter_rows(named=True)):
        for column, key in enumerate(keys):
            if key not in ("commune_code", "commune_name"):
                figures_sheet.cell(row=4 + offset, column=column + 1, value=row[key])
    workbook["Thông tin"]["B4"] = datetime(2025, 1, 6)
    workbook["Thông tin"]["B5"] = "Nguyễn Thị Hoa"
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)

    [outcome] = ingest_files([filled], data_dir, ref, now=NOW)
    assert (outcome.status, outcome.issues, outcome.version) == ("accepted", 0, 1)
    with Warehouse.open(data_dir.warehouse) as warehouse:
        stored = warehouse.con.sql("SELECT prepared_on, prepared_by FROM submissions").fetchall()
    assert stored == [(date(2025, 1, 6), "Nguyễn Thị Hoa")]


def test_template_for_an_unknown_unit_is_a_usage_error(tmp_path, capsys):
    code = cli.main(["template", "--unit", "999", "--period", "2024-Q4", "--output",
                     str(tmp_path / "x.xlsx"), "--data-dir", str(tmp_path)])  # fmt: skip
    assert code == 2
    assert "no reporting unit with code 999" in capsys.readouterr().err


def test_exit_codes(tmp_path, data_dir, ref, capsys):
    good = write_file(tmp_path, ref, valid_figures(district_communes(ref)))
    args = ["--data-dir", str(data_dir.root)]
    assert cli.main(["ingest", str(good), *args]) == 0
    bad = tmp_path / "notes.pdf"
    bad.write_bytes(b"%PDF-1.4")
    assert cli.main(["ingest", str(bad), *args]) == 3
    out = capsys.readouterr().out
    assert "notes.pdf\t? ?\trejected: Loại tệp «.pdf» không được chấp nhận." in out
    assert cli.main(["ingest", str(tmp_path / "missing.xlsx"), *args]) == 2
    with pytest.raises(SystemExit) as usage:
        cli.main(["template", "--unit", "441", "--period", "2024-5", "--output", "x", *args])
    assert usage.value.code == 2


def test_completeness_counts_late_and_missing_units(tmp_path, data_dir, ref):
    figures = valid_figures(district_communes(ref))
    arrived = datetime(2025, 1, 10, 16, 59, tzinfo=UTC)  # 23:59 in Hà Tĩnh, the last minute
    on_time = write_file(tmp_path, ref, figures, arrived=arrived)
    ingest_files([on_time], data_dir, ref, now=NOW)
    communes = district_communes(ref, "440")
    late = write_submission(tmp_path / "440.xlsx", ref.format, "440", "Huyện Đức Thọ", "2024-Q4",
                            communes, valid_figures(communes))  # fmt: skip
    # 00:30 on 11 January in Hà Tĩnh is after the deadline (10 days after 31 December).
    stamp = datetime(2025, 1, 10, 17, 30, tzinfo=UTC).timestamp()
    os.utime(late, (stamp, stamp))
    ingest_files([late], data_dir, ref, now=NOW)
    with Warehouse.open(data_dir.warehouse) as warehouse:
        table = period_completeness(warehouse, Period(2024, 4), ref)
    rows = {r["unit_code"]: r for r in table.iter_rows(named=True)}
    assert table.height == 13
    assert (rows["441"]["on_time"], rows["440"]["on_time"], rows["436"]["on_time"]) == (
        True, False, None,
    )  # fmt: skip
    assert (rows["441"]["communes_accepted"], rows["441"]["communes_expected"]) == (10, 10)
    assert rows["436"]["received"] is False


def test_a_warehouse_held_by_another_process_gives_a_clear_message(tmp_path, data_dir, ref, capsys):
    path = write_file(tmp_path, ref, valid_figures(district_communes(ref)))
    data_dir.warehouse.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WAREHOUSE, str(data_dir.warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        code = cli.main(["ingest", str(path), "--data-dir", str(data_dir.root)])
    finally:
        holder.kill()
        holder.communicate()
    assert code == 1
    assert "is in use by another process" in capsys.readouterr().err
    assert cli.main(["ingest", str(path), "--data-dir", str(data_dir.root)]) == 0


# Holds the warehouse open until its stdin closes (or it is killed).
HOLD_WAREHOUSE = """
import sys, duckdb
connection = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.mark.slow  # inflates ~100 MiB under tracemalloc (rejection alone: test_rules, fast)
def test_a_workbook_that_inflates_to_a_gigabyte_is_rejected_with_bounded_memory(
    tmp_path, data_dir, ref
):
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        chunk = bytes(1 << 20)
        for _ in range(1024):
            member.write(chunk)
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(buffer.getvalue())
    assert bomb.stat().st_size < 2 * 1024 * 1024

    tracemalloc.start()
    [outcome] = ingest_files([bomb], data_dir, ref, now=NOW)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert outcome.status == "rejected"
    assert outcome.reason is not None and outcome.reason.startswith("Tệp giải nén ra dung lượng")
    assert peak < 64 * 1024 * 1024
