"""The messy demo set: every mistake a clerk makes gets a finding, nothing crashes.

The set is one table (``MESSY_CASES``): each case's file, its mistake and what ``ntm ingest``
prints for it. The files, README.txt and the expectations checked here all come from it.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from ntm import cli
from ntm.demo import DEMO_LAST, MESSY_CASES, generate_demo, generate_messy
from ntm.demo.messy import MessyCase
from ntm.intake.ingest import ingest_files
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from tests.helpers import NOW
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


@pytest.fixture(scope="module")
def ingested(messy_run) -> tuple[int, str, str]:
    """``ntm ingest`` of the messy folder: exit code, stdout, stderr."""
    data_dir, messy, _ = messy_run
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["ingest", str(messy), "--data-dir", str(data_dir.root)])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def verdicts(ingested) -> dict[str, str]:
    """What ``ntm ingest`` printed for each file, by file name."""
    _, out, _ = ingested
    lines = [line.split("\t") for line in out.splitlines()]
    return {Path(path).name: verdict for path, _, verdict in lines}


def test_ingesting_the_messy_set_exits_3_without_a_traceback(messy_run, ingested, verdicts):
    data_dir, _, written = messy_run
    code, out, err = ingested
    assert code == 3
    assert err == ""
    lines = out.splitlines()
    picked = [p for p in written if p.suffix in (".xlsx", ".csv")]
    assert len(lines) == len(picked)
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


def test_the_table_is_the_messy_set(messy_run):
    _, messy, written = messy_run
    assert [p.name for p in written] == [case.name for case in MESSY_CASES]
    assert sorted(p.name for p in messy.iterdir()) == sorted(
        [case.name for case in MESSY_CASES] + ["README.txt"]
    )
    # The folder's README.txt lists every case with its mistake and its expected outcome.
    readme = (messy / "README.txt").read_text(encoding="utf-8")
    flat = " ".join(readme.split())
    for case in MESSY_CASES:
        assert f"{case.name} {' '.join(case.mistake.split())}" in flat
        assert f"-> {' '.join(case.outcome(DEMO_LAST).split())}" in flat


@pytest.mark.parametrize("case", MESSY_CASES, ids=lambda case: case.name)
def test_each_case_gets_its_expected_outcome(case: MessyCase, messy_run, verdicts, ref):
    data_dir, messy, _ = messy_run
    if case.in_folder:
        verdict = verdicts[case.name]
        with Warehouse.open(data_dir.warehouse) as warehouse:
            ((quarantined,),) = warehouse.con.execute(
                "SELECT coalesce(sum(rows_quarantined), 0) FROM submissions WHERE file_name = ?",
                [case.name],
            ).fetchall()
    else:
        assert case.name not in verdicts  # not picked when its folder is ingested
        [outcome] = ingest_files([messy / case.name], data_dir, ref, now=NOW)
        verdict, quarantined = outcome.line().split("\t")[2], outcome.quarantined
    assert case.matches(verdict, DEMO_LAST), (case.verdict(DEMO_LAST), verdict)
    assert quarantined == case.quarantined


def test_files_of_other_types_are_rejected_when_named(messy_run, ref):
    data_dir, messy, _ = messy_run
    [outcome] = ingest_files([messy / "14_legacy.xls"], data_dir, ref, now=NOW)
    assert outcome.status == "rejected"
    assert outcome.reason == "Loại tệp «.xls» không được chấp nhận."


def test_a_prefix_expectation_matches_only_its_prefix():
    case = MESSY_CASES[0]
    exact = MessyCase("x.xlsx", "", case.build, "accepted")
    prefix = MessyCase("x.xlsx", "", case.build, "rejected: Dòng …")
    assert exact.matches("accepted", DEMO_LAST)
    assert not exact.matches("accepted with 1 issues", DEMO_LAST)
    assert prefix.matches("rejected: Dòng «Tổng cộng» ghi 3", DEMO_LAST)
    assert not prefix.matches("rejected: Thiếu", DEMO_LAST)
