"""Feedback rows of a whole wave in one query (issue 20): each file reads as it would alone, a
warning in a rejected file or on a refused row is told so, and only within its own file."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from ntm.intake.feedback import SEVERITY_VI, feedback_rows
from transforms.findings import FILE_ID

FINDINGS = [
    # file 1: rejected as a whole, with a warning
    (1, "a.xlsx", None, None, None, None, "file_error", "tệp sai"),
    (1, "a.xlsx", "Số liệu", 7, "Cột A", "9", "warning", "lạ"),
    # file 2: the same sheet and row as file 1's warning holds a row error here
    (2, "b.xlsx", "Số liệu", 7, "Cột B", "x", "row_error", "sai"),
    (2, "b.xlsx", "Số liệu", 7, "Cột A", "9", "warning", "lạ"),
    (2, "b.xlsx", "Số liệu", 8, "Cột A", "9", "warning", "lạ"),
    # file 3: a warning only
    (3, "c.csv", "CSV", 2, "Cột A", "9", "warning", "lạ"),
]


def frame(rows: Sequence[tuple[object, ...]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={FILE_ID: pl.Int64, "file_name": pl.String, "sheet": pl.String,
                "excel_row": pl.Int64, "column_label": pl.String, "value_found": pl.String,
                "severity": pl.String, "message": pl.String},
        orient="row",
    )  # fmt: skip


def severities(rows: Sequence[tuple[object, ...]]) -> list[object]:
    return [row[5] for row in rows]


def test_each_file_is_judged_within_itself() -> None:
    found = feedback_rows(frame(FINDINGS))
    assert severities(found[1]) == [SEVERITY_VI["file_error"], SEVERITY_VI["warning_file_refused"]]
    assert severities(found[2]) == [
        SEVERITY_VI["row_error"],
        SEVERITY_VI["warning_row_refused"],
        SEVERITY_VI["warning"],
    ]
    assert severities(found[3]) == [SEVERITY_VI["warning"]]


def test_a_wave_gives_what_each_file_gives_alone() -> None:
    together = feedback_rows(frame(FINDINGS))
    for file_id in (1, 2, 3):
        alone = feedback_rows(frame([r for r in FINDINGS if r[0] == file_id]))
        assert together[file_id] == alone[file_id]
    assert together[3] == [("c.csv", "CSV", 2, "Cột A", "9", SEVERITY_VI["warning"], "lạ")]


def test_a_wave_without_findings_has_no_rows() -> None:
    assert feedback_rows(frame([])) == {}
