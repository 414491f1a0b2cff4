"""What the commands write on standard output, where scripts read it: one line per file
whatever the file's name, a reader that stops early, the summary after ``ntm run``."""

from __future__ import annotations

import os
import shutil
import sys
import types
from pathlib import Path
from typing import Any

import fastexcel
import polars as pl
import pytest

from ntm import cli
from ntm.intake.steps import FileOutcome
from ntm.intake.workbook import write_submission
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse, WarehouseBusyError
from tests.helpers import district_communes, valid_figures
from transforms.text import escaped

# ------------------------------------------------------------------ a reader that stops early


@pytest.mark.parametrize("line_buffered", [True, False], ids=["while-printing", "at-the-end"])
def test_a_reader_that_stops_early_ends_the_command_quietly(
    tmp_path, monkeypatch, capsys, line_buffered
):
    # Standard output is a pipe whose reader has gone, as in `ntm summary | head -1`: the
    # first write fails (line-buffered, as a handler's print meets it), or the last flush.
    reader, writer = os.pipe()
    os.close(reader)
    buffering = 1 if line_buffered else -1
    closed = open(writer, "w", buffering=buffering, encoding="utf-8")  # noqa: SIM115, PTH123
    monkeypatch.setattr(sys, "stdout", closed)
    try:
        status = cli.main(["summary", "--data-dir", str(tmp_path / "data")])
    finally:
        closed.close()  # what was left to write went to /dev/null: closing raises nothing
    assert status == cli.EXIT_OUTPUT_CLOSED == 141  # 128 + SIGPIPE, as a shell reports `cat`
    assert capsys.readouterr().err == ""  # no traceback, no "internal error"
    assert not DataDir(tmp_path / "data").internal_errors_log.exists()


# ------------------------------------------------------------------ the summary of ntm run


def test_run_prints_the_summary_the_flow_read_without_opening_the_warehouse_again(
    tmp_path, monkeypatch, capsys
):
    summary = ["period     units on time late  communes quarant.  state",
               "2026-Q3    69/69       69    0    69/69           0  open"]  # fmt: skip
    calls: list[dict[str, Any]] = []

    def quarterly_report(**parameters: Any) -> dict[str, Any]:
        calls.append(parameters)
        report = {"version": 2, "pages": 9, "pdf": "reports/2026-Q3/v2/bao-cao_2026-Q3_v2.pdf"}
        return {"period": "2026-Q3", "files": 0, "report": report, "summary": summary}

    # The flow as it returns once the run let go of the data dir; by then a second run holds
    # the warehouse (two `ntm run --force` two seconds apart).
    flow_module = types.ModuleType("flows.quarterly")
    monkeypatch.setattr(flow_module, "quarterly_report", quarterly_report, raising=False)
    monkeypatch.setitem(sys.modules, "flows.quarterly", flow_module)

    def held_by_the_next_run(*args: Any, **kwargs: Any) -> None:
        raise WarehouseBusyError("Could not set lock on file: Conflicting lock is held")

    monkeypatch.setattr(Warehouse, "open", held_by_the_next_run)
    # As run_flow would set them (it only sets what is unset): undone after the test.
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

    data = tmp_path / "data"
    status = cli.main(["run", "--period", "2026-Q3", "--force", "--data-dir", str(data)])
    out, err = capsys.readouterr()
    assert (status, err) == (cli.EXIT_OK, "")
    assert out.splitlines() == [
        *summary, "report v2 (9 pages): reports/2026-Q3/v2/bao-cao_2026-Q3_v2.pdf",
    ]  # fmt: skip
    assert [(c["period"], c["force"], c["data_dir"]) for c in calls] == [
        ("2026-Q3", True, str(data.resolve()))
    ]


# ------------------------------------------------------------------ file names


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("bieu_441.xlsx", "bieu_441.xlsx"),
        ("Vũ Quang – quý 4.xlsx", "Vũ Quang – quý 4.xlsx"),
        (os.fsdecode(b"lat\xe9n.xlsx"), r"lat\xe9n.xlsx"),  # Windows-1258 é, from a zip
        ("a\tb.csv", r"a\tb.csv"),
        ("x\ny.csv", r"x\ny.csv"),
        ("c\rd.csv", r"c\rd.csv"),
        ("e\x1b[31m.csv", r"e\x1b[31m.csv"),
        ("f\u2028g.csv", r"f\u2028g.csv"),
        ("back\\slash.csv", r"back\\slash.csv"),  # so that an escape is never ambiguous
    ],
)
def test_a_file_name_is_escaped_to_one_printable_line(name, shown):
    assert escaped(name) == shown
    shown.encode("utf-8")  # no surrogate left: it prints and stores anywhere


def test_the_ingest_line_keeps_its_three_fields_whatever_the_name_and_reason():
    outcome = FileOutcome(Path("in/a\tb.csv"), None, None, "rejected", "«x\ny» không hợp lệ")
    assert outcome.line() == "in/a\\tb.csv\t? ?\trejected: «x\\ny» không hợp lệ"


def test_every_file_of_a_folder_gets_its_line_whatever_its_name(tmp_path, ref, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    communes = district_communes(ref)
    write_submission(inbox / "441.xlsx", ref.format, "441", "Huyện Vũ Quang", "2024-Q4",
                     communes, valid_figures(communes))  # fmt: skip
    # Another district's good workbook under a name that is not UTF-8 (é in Windows-1258).
    others = district_communes(ref, "440")
    written = write_submission(tmp_path / "440.xlsx", ref.format, "440", "Huyện Đức Thọ",
                               "2024-Q4", others, valid_figures(others))  # fmt: skip
    shutil.copyfile(written, os.fsencode(inbox) + b"/lat\xe9n.xlsx")
    (inbox / "a\tb.csv").write_text("không phải biểu báo cáo\n", encoding="utf-8")
    (inbox / "x\ny.csv").write_text("cũng không phải\n", encoding="utf-8")
    data_dir = DataDir(tmp_path / "data")

    status = cli.main(["ingest", str(inbox), "--data-dir", str(data_dir.root)])

    out, err = capsys.readouterr()
    assert (status, err) == (cli.EXIT_FINDINGS, "")  # two files rejected, nothing internal
    lines = {line.split("\t")[0]: line.split("\t")[1:] for line in out.splitlines()}
    assert len(out.splitlines()) == len(lines) == 4
    assert lines[f"{inbox}/441.xlsx"] == ["441 2024-Q4", "accepted"]
    assert lines[f"{inbox}/lat\\xe9n.xlsx"] == ["440 2024-Q4", "accepted"]
    for name in ("a\\tb.csv", "x\\ny.csv"):
        found, verdict = lines[f"{inbox}/{name}"]
        assert found == "? ?" and verdict.startswith("rejected: ")

    # Stored, answered and named under the same escaped name.
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        stored = warehouse.con.sql("SELECT file_name FROM submissions ORDER BY 1").fetchall()
    assert [name for (name,) in stored] == ["441.xlsx", "a\\tb.csv", "lat\\xe9n.xlsx", "x\\ny.csv"]
    answered = sorted(p.name for p in data_dir.feedback.rglob("*.xlsx"))
    assert [n.rsplit("_", 2)[0] for n in answered if n.endswith("_tra-lai.xlsx")] == [
        "a\\tb", "x\\ny",
    ]  # fmt: skip
    feedback = data_dir.feedback / "2024-Q4" / "440_2024-Q4_v1_phan-hoi.xlsx"
    first = fastexcel.read_excel(feedback).load_sheet(0, header_row=None, n_rows=2)
    assert str(pl.DataFrame(first.to_polars()).row(1)[0]).startswith("Tệp lat\\xe9n.xlsx (")
