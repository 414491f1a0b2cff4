"""The pure steps of ingest (``ntm.intake.steps``) on tiny inputs, and that they stay pure.

End to end, ``test_batches.py`` proves that the steps together store what one file at a time
stores; here each step is pinned on its own.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import polars as pl

from ntm.intake import steps
from ntm.intake.steps import (
    Arrival,
    FileOutcome,
    Screened,
    cut_waves,
    dedupe,
    feedback_answer,
    file_outcome,
    select_units,
    to_store,
    with_versions,
)
from tests.helpers import FORBIDDEN_CALLS, called
from transforms.findings import FILE_ID

WHEN = datetime(2025, 1, 10, 2, 0, tzinfo=UTC)
# What only the driver (ingest.py) may do: touch the warehouse, the disk or the kill points.
SIDE_EFFECTS = FORBIDDEN_CALLS | {
    "store", "known_files", "previous_figures", "kill_point", "write_feedback", "read_file",
    "mkdir", "stat", "unlink", "rename", "replace", "utime",
}  # fmt: skip


def arrival(file_id: int, content: str | None = None) -> Arrival:
    sha = (content or f"c{file_id}").ljust(64, "0")
    return Arrival(file_id, Path(f"in/f{file_id}.xlsx"), b"bytes", sha, WHEN)


def screened(metadata: list[tuple[int, str, str]], checked: list[int]) -> Screened:
    """A screened chunk with only what the file-level steps read: metadata and row files."""
    meta = pl.DataFrame(
        metadata, schema={FILE_ID: pl.Int64, "unit_code": pl.String, "period": pl.String},
        orient="row",
    )  # fmt: skip
    rows = pl.DataFrame({FILE_ID: checked}, schema={FILE_ID: pl.Int64})
    return Screened(cast(Any, None), meta, pl.DataFrame(), rows, pl.DataFrame())


def test_steps_have_no_side_effects():
    tree = ast.parse(Path(steps.__file__).read_text(encoding="utf-8"))
    assert called(tree) & SIDE_EFFECTS == set()
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert names & {"Warehouse", "kill_point", "write_feedback", "read_file"} == set()


def test_dedupe_takes_out_what_was_stored_before_unless_it_was_rejected():
    stored = {"unit_code": "436", "period": "2024-Q4", "version": 2, "status": "accepted"}
    known = {
        arrival(0).sha256: stored,
        arrival(1).sha256: {**stored, "status": "rejected", "version": None},
    }
    fresh, unchanged = dedupe([arrival(0), arrival(1), arrival(2)], known)
    assert [a.file_id for a in fresh] == [1, 2]
    assert unchanged == {
        0: FileOutcome(Path("in/f0.xlsx"), "436", "2024-Q4", "unchanged", version=2)
    }


def test_select_units_skips_the_other_units_and_files_without_a_unit():
    chunk = screened([(0, "436", "2024-Q4"), (1, "437", "2024-Q4")], [0, 1])
    files = [arrival(0), arrival(1), arrival(2)]
    assert select_units(files, chunk, None) == (files, {})
    kept, skipped = select_units(files, chunk, frozenset({"436"}))
    assert [a.file_id for a in kept] == [0]
    assert skipped == {
        1: FileOutcome(Path("in/f1.xlsx"), "437", "2024-Q4", "skipped"),
        2: FileOutcome(Path("in/f2.xlsx"), None, None, "skipped"),
    }


def test_a_wave_ends_before_a_next_version_another_period_or_the_same_bytes():
    chunk = screened(
        [(0, "436", "2024-Q3"), (1, "437", "2024-Q3"), (2, "436", "2024-Q3"),
         (3, "438", "2024-Q4"), (5, "439", "2024-Q4"), (6, "440", "2024-Q4")],
        [0, 1, 2, 3, 5],
    )  # fmt: skip
    # 4 has no metadata (rejected while reading), 6 no rows to check: neither ends a wave.
    files = [arrival(i) for i in range(7)] + [arrival(7, content="c5")]
    waves = [[a.file_id for a in wave] for wave in cut_waves(files, chunk)]
    assert waves == [[0, 1], [2], [3, 4, 5, 6], [7]]


def test_the_same_rejected_bytes_are_checked_again_but_stored_once():
    summary = pl.DataFrame(
        {FILE_ID: [0, 1, 2], "status": ["rejected", "rejected", "accepted"]},
        schema_overrides={FILE_ID: pl.Int64},
    )
    known = {arrival(1).sha256: {"status": "rejected"}, arrival(2).sha256: {"status": "x"}}
    stored = to_store(summary, [arrival(0), arrival(1), arrival(2)], known)
    assert stored.select(FILE_ID, "arrival").rows() == [(0, 1), (2, 2)]


def test_versions_are_joined_by_arrival_and_null_when_nothing_was_stored():
    summary = pl.DataFrame({FILE_ID: [0, 1]}, schema={FILE_ID: pl.Int64})
    stored = pl.DataFrame({FILE_ID: [1], "arrival": [1]}, schema_overrides={FILE_ID: pl.Int64})
    ids = pl.DataFrame({"submission_id": [7], "version": [3], "arrival": [1]})
    assert with_versions(summary, stored, ids)["version"].to_list() == [None, 3]
    assert with_versions(summary, stored, None)["version"].to_list() == [None, None]


def summary_row(**changes: Any) -> dict[str, Any]:
    row = {
        "unit_code": "436", "unit_name": "Thành phố Hà Tĩnh", "period": "2024-Q4",
        "status": "accepted_with_issues", "reject_reason": None, "version": 2,
        "rows_checked": 10, "rows_quarantined": 1, "file_errors": 0, "row_errors": 1,
        "warnings": 2,
    }  # fmt: skip
    return {**row, **changes}


def test_feedback_of_an_accepted_file_is_named_by_unit_period_and_version():
    target, text = feedback_answer(arrival(0), summary_row(), Path("fb"))
    assert target == Path("fb/2024-Q4/436_2024-Q4_v2_phan-hoi.xlsx")
    assert text == (
        "Tệp f0.xlsx (Thành phố Hà Tĩnh, kỳ 2024-Q4): ĐÃ NHẬN (lần gửi thứ 2): 9/10 dòng xã "
        "được nhận, 1 dòng chưa được nhận do có lỗi. Có 1 lỗi, 2 lưu ý."
    )


def test_feedback_of_a_rejected_file_is_named_by_file_and_content():
    row = summary_row(unit_code=None, period=None, status="rejected", version=None, file_errors=1)
    target, text = feedback_answer(arrival(0, content="abcdef12"), row, Path("fb"))
    assert target == Path("fb/khong-ro-ky/f0_abcdef12_tra-lai.xlsx")
    assert text.startswith("Tệp f0.xlsx (đơn vị chưa rõ): BỊ TRẢ LẠI")
    assert text.endswith("Có 2 lỗi, 2 lưu ý.")


def test_a_file_outcome_counts_row_errors_and_warnings_as_issues():
    outcome = file_outcome(Path("in/f0.xlsx"), summary_row(), Path("fb/x.xlsx"))
    assert (outcome.issues, outcome.quarantined, outcome.version) == (3, 1, 2)
    assert outcome.line() == "in/f0.xlsx\t436 2024-Q4\taccepted with 3 issues"
