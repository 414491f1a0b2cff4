"""The messy demo set: every mistake a clerk makes gets a finding, nothing crashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from ntm import cli
from ntm.intake.demo import generate_demo, generate_messy
from ntm.intake.ingest import ingest_files
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from tests.conftest import NOW
from transforms.periods import Period


@pytest.fixture(scope="module")
def messy_run(tmp_path_factory: pytest.TempPathFactory, ref):
    root = tmp_path_factory.mktemp("messy")
    data_dir = DataDir(root / "data")
    generate_demo(data_dir.inbox, ref, first=Period(2024, 3), last=Period(2024, 4))
    ingest_files([data_dir.inbox], data_dir, ref, now=NOW)
    messy = root / "messy"
    written = generate_messy(messy, ref)
    return data_dir, messy, written


def test_ingesting_the_messy_set_exits_3_without_a_traceback(messy_run, capsys):
    data_dir, messy, written = messy_run
    code = cli.main(["ingest", str(messy), "--data-dir", str(data_dir.root)])
    captured = capsys.readouterr()
    assert code == 3
    assert captured.err == ""
    lines = captured.out.splitlines()
    picked = [p for p in written if p.suffix in (".xlsx", ".csv")]
    assert len(lines) == len(picked)
    verdicts = {Path(line.split("\t")[0]).name: line.split("\t")[2] for line in lines}
    assert verdicts["01_text_numbers.xlsx"] == "accepted"
    assert verdicts["03_total_mismatch.xlsx"].startswith("rejected: Dòng «Tổng cộng»")
    assert verdicts["05_missing_sheet.xlsx"] == "rejected: Thiếu trang tính «Biểu 01»."
    assert verdicts["11c_encrypted.xlsx"].startswith("rejected: Tệp được đặt mật khẩu")
    assert verdicts["06_bad_cells.xlsx"] == "accepted with 5 issues"

    with Warehouse.open(data_dir.warehouse) as warehouse:
        row_findings = warehouse.con.sql(
            "SELECT file_name, excel_row, column_label, rule_id FROM findings "
            "WHERE severity = 'row_error'"
        ).pl()
        rejected = warehouse.con.sql(
            "SELECT s.file_name, count(f.rule_id) AS n FROM submissions s "
            "LEFT JOIN findings f USING (submission_id) WHERE s.status = 'rejected' "
            "GROUP BY ALL"
        ).fetchall()
        text_numbers = warehouse.con.sql(
            "SELECT count(*) FROM accepted_commune_figures a JOIN current_submissions s "
            "USING (submission_id) WHERE s.file_name = '01_text_numbers.xlsx'"
        ).fetchall()
    # Every row-level error names the row as Excel shows it and the column.
    assert row_findings.height >= 10
    assert row_findings["excel_row"].null_count() == 0
    assert row_findings["column_label"].null_count() == 0
    # Every rejected file says why.
    assert len(rejected) >= 9 and all(n >= 1 for _, n in rejected)
    # Text numbers with Vietnamese separators were read as whole numbers and stored.
    assert text_numbers[0][0] > 0


def test_files_of_other_types_are_rejected_when_named(messy_run, ref):
    data_dir, messy, _ = messy_run
    [outcome] = ingest_files([messy / "14_legacy.xls"], data_dir, ref, now=NOW)
    assert outcome.status == "rejected"
    assert outcome.reason == "Loại tệp «.xls» không được chấp nhận."
