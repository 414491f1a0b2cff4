"""Form HN, the household review: every rule of it, versions, the reconciliation with the Q4
form both ways, ``ntm households``.

Files are small and hand-readable: a CSV's first household is on line 2 (the header is line 1),
a workbook's on the row below its header (the header below the title rows). Most checks share
one ingest (a module fixture) and look up their own row.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import os
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import fastexcel
import openpyxl
import polars as pl
import pytest

from ntm import cli
from ntm.intake.ingest import ingest_files
from ntm.intake.steps import FileOutcome
from ntm.intake.workbook import write_submission
from ntm.reference import REFERENCE_DIR, load_reference
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from tests.helpers import HOUSEHOLD_RULES, district_communes, valid_figures
from transforms.layout import Column

REF = load_reference()
FMT = REF.households
# Review years must not be in the future: a 2025 or 2026 review is sent in December 2026.
NOW_HN = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)
NOW_2027 = datetime(2027, 1, 20, 3, 0, tzinfo=UTC)  # 2026-Q4 has ended
COMMUNE = "18073"  # Phường Thành Sen on 31/12/2025 and 31/12/2026 (Phường Nam Hà of 436 before)
OTHER_COMMUNE = "18100"  # Phường Trần Phú since 2025-07-01 (Xã Thạch Hạ of 436 before)
DISTRICT_2024 = "436"  # Thành phố Hà Tĩnh, a reporting district until 2025-07-01
FOREIGN_2024 = "18316"  # a commune of district 441 (Vũ Quang) in 2024
CURRENT, NEXT = "2022-2026", "2027-2030"
PERIODIC, BASELINE = "Định kỳ", "Đầu kỳ"

_RULES = tomllib.loads((REFERENCE_DIR / "validation_rules.toml").read_text(encoding="utf-8"))
HN_RULE_IDS = {
    r["id"]
    for r in _RULES["rule"]
    if r["id"].startswith(("hn_", "personal_data_"))
    or r["id"] in ("poor_end_vs_review", "near_poor_end_vs_review")
}


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def columns(standard: str) -> list[Column]:
    found = REF.standard(standard)
    assert found is not None
    return FMT.table_columns(found.indicators)


def layout_of(standard: str) -> str:
    """The columns a file under ``standard`` has (2022-2026's for a standard that is unknown)."""
    found = REF.standard(standard)
    return standard if found is not None and found.reviewable else CURRENT


# ------------------------------------------------------------------------------- households


def household(code: object, **cells: object) -> dict[str, object]:
    """A rural near-poor household of 18073 that passes every check: B1 132 ≤ 140, deprived in
    employment and latrine (2 indicators), short of capital. Flags not named are 0."""
    return {
        "commune_code": COMMUNE, "household_code": code, "village": "Tổ 1", "area": "Nông thôn",
        "members": 4, "income_score": 132, "employment": 1, "latrine": 1,
        "result": "Hộ cận nghèo", "cause_capital": 1, **cells,
    }  # fmt: skip


def poor(code: str, **cells: object) -> dict[str, object]:
    """Deprived in 3 indicators (employment, latrine, health_insurance): poor."""
    return household(code, **{"health_insurance": 1, "result": "Hộ nghèo", **cells})


def not_poor(code: str, **cells: object) -> dict[str, object]:
    return household(code, **{"income_score": 180, "result": "Không nghèo", **cells})


def baseline_row(code: str, **cells: object) -> dict[str, object]:
    """A household of a 2027-2030 review: no score, «Thu nhập dưới chuẩn» typed instead."""
    return household(code, **{"income_score": None, "income_below_line": 1, **cells})


def typed(column: Column, row: dict[str, object]) -> object:
    """A cell as the clerk typed it: flags not named are 0, other cells not named are empty."""
    value = row.get(column.key)
    if value is None and column.kind == "flag" and column.key != "income_below_line":
        return 0
    return value


_ARRIVALS = itertools.count()


def arrived(path: Path) -> Path:
    """Files arrive in the order the test wrote them (ingest takes them by modification time)."""
    stamp = datetime(2026, 12, 1, tzinfo=UTC).timestamp() + 60 * next(_ARRIVALS)
    os.utime(path, (stamp, stamp))
    return path


def write_csv(
    path: Path,
    rows: Sequence[dict[str, object]],
    *,
    unit: str = COMMUNE,
    year: object = 2025,
    kind: str = PERIODIC,
    standard: str = CURRENT,
    drop: Sequence[str] = (),
    extra: Sequence[str] = (),
) -> Path:
    """A household CSV: the metadata columns (a row may override them), then the table keys of
    the standard's columns but ``drop``, then ``extra`` columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = [c for c in columns(layout_of(standard)) if c.key not in drop]
    meta = {"unit_code": unit, "review_year": year, "review_kind": kind, "standard": standard}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*meta, *(c.key for c in table), *extra])
        for row in rows:
            cells = [row.get(k, v) for k, v in meta.items()]
            cells += [typed(c, row) for c in table] + [row.get(k) for k in extra]
            writer.writerow(["" if v is None else v for v in cells])
    return arrived(path)


def metadata_lines(unit: str, year: object, kind: str, standard: str) -> dict[str, object]:
    return {
        "Biểu mẫu": "HN", "Mã đơn vị báo cáo": unit, "Tên đơn vị báo cáo": "Phường Thành Sen",
        "Năm rà soát": year, "Loại rà soát": kind, "Chuẩn nghèo": standard,
        "Ngày lập": date(2025, 12, 20), "Người lập": "Công chức văn hóa - xã hội",
        "Phiên bản mẫu": "HN-1",
    }  # fmt: skip


def write_xlsx(
    path: Path,
    rows: Sequence[dict[str, object]],
    *,
    unit: str = COMMUNE,
    year: object = 2025,
    kind: str = PERIODIC,
    standard: str = CURRENT,
    meta: dict[str, object] | None = None,
    drop_meta: Sequence[str] = (),
    titles: int = 2,
    sheet: str = FMT.households_sheet,
) -> Path:
    """A household workbook: «Thông tin» (labels in A, values in B), then the table sheet with
    ``titles`` title rows above the header row of the standard's labels."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = metadata_lines(unit, year, kind, standard) | (meta or {})
    book = openpyxl.Workbook()
    info = book.active
    assert info is not None
    info.title = FMT.metadata_sheet
    for number, (label, value) in enumerate(
        [(k, v) for k, v in lines.items() if k not in drop_meta], start=1
    ):
        info.cell(number, 1, label)
        info.cell(number, 2, value)
    table = book.create_sheet(sheet)
    if titles:
        table.cell(1, 1, "DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO")
    header = titles + 1
    layout = columns(layout_of(standard))
    for position, column in enumerate(layout, start=1):
        table.cell(header, position, column.label)
    for number, row in enumerate(rows, start=header + 1):
        for position, column in enumerate(layout, start=1):
            table.cell(number, position, typed(column, row))
    book.save(path)
    return arrived(path)


def write_q4(
    path: Path,
    unit: str,
    period: str,
    poor_end: int | None = None,
    near_poor_end: int | None = None,
) -> tuple[Path, pl.DataFrame]:
    """A quarterly form 01 that passes every rule; for a single commune, its year-end counts
    set to ``poor_end`` and ``near_poor_end`` (the start counts moved to keep the identity)."""
    year = int(period[:4])
    communes = district_communes(REF, unit, date(year, 12, 31))
    figures = valid_figures(communes)
    if poor_end is not None:
        # valid_figures: exited 10 + i, returned 1, new 2; exited 8, returned 0, new 3.
        figures = figures.with_columns(
            poor_start=pl.lit(poor_end + 7, pl.Int64),
            near_poor_start=pl.lit((near_poor_end or 0) + 5, pl.Int64),
        ).with_columns(
            poor_end=pl.col("poor_start") - pl.col("poor_exited") + 3,
            near_poor_end=pl.col("near_poor_start") - 5,
        )
    name = {COMMUNE: "Phường Thành Sen", DISTRICT_2024: "Thành phố Hà Tĩnh"}[unit]
    path.parent.mkdir(parents=True, exist_ok=True)
    written = write_submission(path, REF.format, unit, name, period, communes, figures)
    return arrived(written), figures


# ------------------------------------------------------------------------------- reading back


def ingest(paths: Sequence[Path], data_dir: DataDir, now: datetime = NOW_HN) -> dict[str, Any]:
    """Outcomes by file name."""
    return {o.path.name: o for o in ingest_files(list(paths), data_dir, REF, now=now)}


def query(data_dir: DataDir, sql: str, **params: object) -> list[dict[str, Any]]:
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        frame: pl.DataFrame = warehouse.con.sql(sql, params=params or None).pl()
    return frame.to_dicts()


def findings_of(data_dir: DataDir, file_name: str) -> list[dict[str, Any]]:
    return query(
        data_dir,
        "SELECT sheet, excel_row, column_label, value_found, rule_id, severity, message "
        "FROM household_findings WHERE file_name = $name "
        "ORDER BY excel_row NULLS FIRST, rule_id, message",
        name=file_name,
    )


def rows_of(data_dir: DataDir, file_name: str) -> dict[int, dict[str, Any]]:
    """The stored household rows of a file, by excel_row."""
    found = query(
        data_dir,
        "SELECT h.* FROM stg_households AS h JOIN household_submissions AS s "
        "USING (submission_id) WHERE s.file_name = $name ORDER BY excel_row",
        name=file_name,
    )
    return {row["excel_row"]: row for row in found}


def one(findings: list[dict[str, Any]], rule_id: str, row: int | None = None) -> dict[str, Any]:
    found = [
        f for f in findings if f["rule_id"] == rule_id and (row is None or f["excel_row"] == row)
    ]
    assert len(found) == 1, (rule_id, row, findings)
    return found[0]


def feedback_cells(path: Path) -> list[tuple[str | None, ...]]:
    sheet = fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string")
    return sheet.to_polars().rows()


def feedback_findings(path: Path) -> list[tuple[str | None, ...]]:
    """The finding lines of a feedback workbook: file, sheet, row, column, value, severity,
    message (below the title, the summary and the header row)."""
    return feedback_cells(path)[4:]


def cli_run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


def message_starts(finding: dict[str, Any], text: str) -> None:
    assert finding["message"].startswith(text), (finding["message"], text)


# ------------------------------------------------------------------------------- coverage

COVERED = {
    "personal_data_column", "personal_data_cell", "hn_sheet_missing", "hn_metadata_missing",
    "hn_unit_unknown", "hn_year_invalid", "hn_year_future", "hn_kind_unknown",
    "hn_standard_unknown", "hn_standard_mismatch", "hn_no_rows", "hn_commune_foreign",
    "hn_household_missing", "hn_household_duplicate", "hn_value_invalid", "hn_income_missing",
    "hn_income_disagree", "hn_points_mismatch", "hn_result_rule", "hn_cause_missing",
    "hn_form_mismatch", "poor_end_vs_review", "near_poor_end_vs_review",
}  # fmt: skip


def test_every_household_rule_is_covered():
    assert HN_RULE_IDS == HOUSEHOLD_RULES == COVERED


# ------------------------------------------------------------------------------- file level


@dataclass(frozen=True)
class Refusal:
    name: str  # the file's name
    rule_id: str
    message: str  # the start of the finding's message, which is also the reason printed
    found: str  # unit and review as the ingest line prints them
    sheet: str | None


REFUSALS = [
    Refusal("chuan-la.csv", "hn_standard_unknown",
            "Chuẩn nghèo «2020-2025» không có trong danh mục của Sở (2022-2026, 2027-2030).",
            "18073 2025 dinh-ky", "CSV"),
    Refusal("dinh-ky-2026-chuan-moi.csv", "hn_standard_mismatch",
            "năm 2026 phải theo chuẩn nghèo 2022-2026, nhưng tệp ghi «2027-2030».",
            "18073 2026 dinh-ky", "CSV"),
    Refusal("dau-ky-2025.csv", "hn_standard_mismatch",
            "năm 2025 phải theo chuẩn nghèo (không có chuẩn nghèo nào), nhưng tệp ghi "
            "«2022-2026».", "18073 2025 dau-ky", "CSV"),
    Refusal("loai-la.csv", "hn_kind_unknown", "Loại rà soát «Bất thường» không hợp lệ.",
            "18073 ?", "CSV"),
    Refusal("nam-sai.csv", "hn_year_invalid", "Năm rà soát «20x5» không hợp lệ.", "18073 ?",
            "CSV"),
    Refusal("nam-sau.csv", "hn_year_future", "Năm rà soát 2027 chưa bắt đầu.",
            "18073 2027 dinh-ky", "CSV"),
    Refusal("huyen-2025.csv", "hn_unit_unknown",
            "Mã đơn vị báo cáo «436» không có trong danh mục đơn vị hành chính ngày 31/12/2025.",
            "436 2025 dinh-ky", "CSV"),
    Refusal("xa-2024.csv", "hn_unit_unknown",
            "Mã đơn vị báo cáo «18073» không có trong danh mục đơn vị hành chính ngày "
            "31/12/2024.", "18073 2024 dinh-ky", "CSV"),
    Refusal("thieu-cot.csv", "column_missing",
            "Thiếu cột «Thiếu hụt việc làm» trong dòng tiêu đề của biểu.",
            "18073 2025 dinh-ky", "CSV"),
    Refusal("hai-nam.csv", "csv_inconsistent",
            "Cột review_year có nhiều giá trị khác nhau trong cùng một tệp (2025, 2026).",
            "18073 2025 dinh-ky", "CSV"),
    Refusal("ho-ten.csv", "personal_data_column",
            "Tệp có cột «ho_ten» chứa thông tin cá nhân (họ tên); tệp bị trả lại",
            "18073 2025 dinh-ky", "CSV"),
    Refusal("so-dien-thoai.csv", "personal_data_cell",
            "Dòng 3, cột «village» có ô chứa số định danh hoặc số điện thoại",  # its CSV header
            "18073 2025 dinh-ky", "CSV"),
    Refusal("thieu-loai.xlsx", "hn_metadata_missing",
            "Thiếu thông tin «Loại rà soát» trong trang «Thông tin».", "18073 ?", "Thông tin"),
    Refusal("phien-ban.xlsx", "metadata_invalid",
            "Giá trị «HN-2» của mục «Phiên bản mẫu» không hợp lệ.", "18073 2025 dinh-ky",
            "Thông tin"),
    Refusal("thieu-trang.xlsx", "hn_sheet_missing", "Thiếu trang tính «Danh sách hộ».", "? ?",
            None),
    Refusal("khong-co-ho.xlsx", "hn_no_rows", "Danh sách không có hộ nào.",
            "18073 2025 dinh-ky", "Danh sách hộ"),
]  # fmt: skip
# Where a personal-data refusal says the data is (the reason printed).
PERSONAL_WHERE = {"ho-ten.csv": "column «ho_ten»", "so-dien-thoai.csv": "row 3"}


def write_refusals(folder: Path) -> list[Path]:
    one_row = [household("TC-001")]
    csvs = {
        "chuan-la.csv": {"standard": "2020-2025"},
        "dinh-ky-2026-chuan-moi.csv": {"year": 2026, "standard": NEXT},
        "dau-ky-2025.csv": {"kind": BASELINE},
        "loai-la.csv": {"kind": "Bất thường"},
        "nam-sai.csv": {"year": "20x5"},
        "nam-sau.csv": {"year": 2027},
        "huyen-2025.csv": {"unit": DISTRICT_2024},
        "xa-2024.csv": {"year": 2024},
        "thieu-cot.csv": {"drop": ["employment"]},
    }
    paths = [write_csv(folder / name, one_row, **options) for name, options in csvs.items()]  # type: ignore[arg-type]
    paths.append(
        write_csv(
            folder / "hai-nam.csv", [household("TC-001"), household("TC-002", review_year=2026)]
        )
    )
    paths.append(
        write_csv(
            folder / "ho-ten.csv", [household("TC-001", ho_ten="Nguyễn Văn Bình")], extra=["ho_ten"]
        )
    )
    paths.append(
        write_csv(
            folder / "so-dien-thoai.csv",
            [household("TC-001"), household("TC-002", village="Thôn 3 - 0912 345 678")],
        )
    )
    paths.append(write_xlsx(folder / "thieu-loai.xlsx", one_row, drop_meta=["Loại rà soát"]))
    paths.append(write_xlsx(folder / "phien-ban.xlsx", one_row, meta={"Phiên bản mẫu": "HN-2"}))
    paths.append(write_xlsx(folder / "thieu-trang.xlsx", one_row, sheet="Danh sach"))
    paths.append(write_xlsx(folder / "khong-co-ho.xlsx", []))
    return paths


@pytest.fixture(scope="module")
def refusals(tmp_path_factory: pytest.TempPathFactory) -> tuple[DataDir, dict[str, Any]]:
    """Every file that is to be refused, ingested in one run (one wave of refused files)."""
    root = tmp_path_factory.mktemp("refusals")
    data_dir = DataDir(root / "data")
    outcomes = ingest(write_refusals(root / "inbox"), data_dir)
    assert {o.status for o in outcomes.values()} == {"rejected"}
    return data_dir, outcomes


def said(text: str) -> str:
    """A message without case: a CSV's metadata value is quoted upper-cased (a bug of its own,
    test_a_csv_metadata_value_is_quoted_as_typed)."""
    return text.casefold()


@pytest.mark.parametrize("case", REFUSALS, ids=[r.name for r in REFUSALS])
def test_a_file_level_error_refuses_the_whole_file(refusals, case):
    data_dir, outcomes = refusals
    outcome = outcomes[case.name]
    reason = PERSONAL_WHERE.get(case.name)
    assert outcome.status == "rejected"
    assert outcome.version is None
    line = outcome.line()
    assert line.startswith(f"{outcome.path}\t{case.found}\trejected: ")
    if reason is not None:
        assert line.endswith(f"\trejected: personal data ({reason})")
    else:
        assert said(line.split("\trejected: ")[1]).endswith(said(case.message))
    finding = one(findings_of(data_dir, case.name), case.rule_id)
    assert said(case.message) in said(finding["message"])
    assert finding["severity"] == "file_error"
    assert finding["sheet"] == case.sheet
    if case.rule_id == "personal_data_column":
        assert finding["excel_row"] == 1  # the CSV's header line
    elif case.rule_id == "personal_data_cell":
        assert finding["excel_row"] == 3
    else:
        assert finding["excel_row"] is None  # about the file, not a row
    # Refused: the attempt is on record, no household of it is.
    [submission] = query(
        data_dir,
        "SELECT status, version, rows_accepted, rows_quarantined, file_errors "
        "FROM household_submissions WHERE file_name = $name",
        name=case.name,
    )
    assert submission["status"] == "rejected"
    assert submission["version"] is None
    assert (submission["rows_accepted"], submission["rows_quarantined"]) == (0, 0)
    assert submission["file_errors"] >= 1
    assert rows_of(data_dir, case.name) == {}
    # The feedback says so, with the same message.
    assert outcome.feedback is not None
    assert outcome.feedback.name.endswith("_tra-lai.xlsx")
    cells = feedback_cells(outcome.feedback)
    assert "BỊ TRẢ LẠI" in str(cells[1][0])
    assert any(
        said(case.message) in said(str(line[6])) for line in feedback_findings(outcome.feedback)
    )


def test_refused_reviews_store_nothing_of_their_rows(refusals):
    data_dir, _ = refusals
    assert query(data_dir, "SELECT count(*) AS n FROM stg_households") == [{"n": 0}]
    assert query(data_dir, "SELECT count(*) AS n FROM household_submissions") == [
        {"n": len(REFUSALS)}
    ]
    assert query(data_dir, "SELECT count(*) AS n FROM raw_files") == [{"n": 0}]


def test_a_run_of_refused_household_files_only_answers_them(tmp_path, data_dir):
    path = write_csv(tmp_path / "nam-sau.csv", [household("TC-001")], year=2027)
    code, out, err = cli_run("ingest", str(path), "--data-dir", str(data_dir.root))
    assert (code, err) == (3, "")
    assert out == f"{path}\t18073 2027 dinh-ky\trejected: Năm rà soát 2027 chưa bắt đầu.\n"
    assert [f["rule_id"] for f in findings_of(data_dir, path.name)] == ["hn_year_future"]


@pytest.mark.parametrize(
    ("name", "rule_id", "typed"),
    [("loai-la.csv", "hn_kind_unknown", "Bất thường"), ("nam-sai.csv", "hn_year_invalid", "20x5")],
    ids=["kind", "year"],
)
def test_a_csv_metadata_value_is_quoted_as_typed(refusals, name, rule_id, typed):
    data_dir, outcomes = refusals
    finding = one(findings_of(data_dir, name), rule_id)
    assert finding["value_found"] == typed
    assert f"«{typed}»" in finding["message"]
    assert f"«{typed}»" in outcomes[name].line()


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("dinh-ky-2026-chuan-moi.csv", "Rà soát định kỳ năm 2026 phải theo chuẩn nghèo 2022-2026"),
        ("dau-ky-2025.csv", "Rà soát đầu kỳ năm 2025 phải theo chuẩn nghèo"),
    ],
    ids=["dinh-ky", "dau-ky"],
)
def test_a_standard_mismatch_names_the_kind_in_vietnamese(refusals, name, words):
    data_dir, _ = refusals
    message_starts(one(findings_of(data_dir, name), "hn_standard_mismatch"), words)


def test_an_unknown_standard_is_the_one_finding(refusals):
    data_dir, _ = refusals
    assert [f["rule_id"] for f in findings_of(data_dir, "chuan-la.csv")] == ["hn_standard_unknown"]


# ------------------------------------------------------------------------------- row level

# One periodic 2025 review of 18073 (CSV, so excel_row = 2 + index), one row per case.
ROWS = {
    "valid": household("HH-001"),
    "foreign": household("HH-002", commune_code=OTHER_COMMUNE),
    "malformed": household("HH-003", commune_code="1807"),
    "no_code": household(""),
    "dup_a": household("HH-DUP"),
    "dup_b": household(" HH-DUP "),  # the same code with blanks around it
    "dup_c": household("HH-DUP"),
    "bad_flag": household("HH-004", ethnic_minority="y"),
    "bad_indicator": household("HH-005", employment="y"),
    "bad_area": household("HH-006", area="Miền núi"),
    "bad_result": household("HH-007", result="Nghèo đói"),
    "no_members": household("HH-008", members=0),
    "half_member": household("HH-009", members="2,5"),
    "points_wrong": household("HH-010", deprivation_points=30),
    "points_right": household("HH-011", deprivation_points=20),
    "income_disagree": household(
        "HH-012", income_score=150, income_below_line=1, result="Không nghèo"
    ),
    "income_agree": household("HH-013", income_score=132, income_below_line=1),
    "no_score": household("HH-014", income_score=None, income_below_line=1),
    "wrong_result": household("HH-015", result="Hộ nghèo"),
    "wrong_urban": poor("HH-016", area="Thành thị", income_score=170, result="Không nghèo"),
    "urban_near": household("HH-017", area="Thành thị", income_score=170),
    "above_line": household("HH-018", income_score=150),
    "typed_flags": household(
        "HH-019",
        employment="x",
        latrine="có",
        nutrition="không",
        telecom="",
        ethnic_minority=nfd("Có"),
        merit_person="X",
        cause_capital="CÓ",
        cause_land=nfd("không"),
    ),
    "no_cause": poor("HH-020", cause_capital=0),
}
ROW = {name: 2 + index for index, name in enumerate(ROWS)}
# A baseline 2026 review under 2027-2030 (no score cut-off).
BASELINE_ROWS = {
    "valid": baseline_row("BL-001", waste=1, result="Hộ nghèo"),
    "no_income": baseline_row("BL-002", income_below_line=None),
    "wrong_result": baseline_row("BL-003", waste=1, result="Hộ cận nghèo"),
    "score_only": baseline_row("BL-004", income_score=100, income_below_line=None),
    "above_line": baseline_row("BL-005", income_below_line=0, result="Không nghèo"),
}
BASELINE_ROW = {name: 2 + index for index, name in enumerate(BASELINE_ROWS)}
PERIODIC_FILE, BASELINE_FILE = "ra-soat-2025.csv", "dau-ky-2026.csv"


@dataclass(frozen=True)
class Checked:
    data_dir: DataDir
    outcomes: dict[str, FileOutcome]
    findings: list[dict[str, Any]]
    rows: dict[int, dict[str, Any]]
    baseline_findings: list[dict[str, Any]]
    baseline_rows: dict[int, dict[str, Any]]


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Checked:
    root = tmp_path_factory.mktemp("rows")
    data_dir = DataDir(root / "data")
    periodic = write_csv(root / PERIODIC_FILE, list(ROWS.values()))
    baseline = write_csv(
        root / BASELINE_FILE, list(BASELINE_ROWS.values()), year=2026, kind=BASELINE, standard=NEXT
    )
    outcomes = ingest([periodic, baseline], data_dir)
    return Checked(
        data_dir,
        outcomes,
        findings_of(data_dir, PERIODIC_FILE),
        rows_of(data_dir, PERIODIC_FILE),
        findings_of(data_dir, BASELINE_FILE),
        rows_of(data_dir, BASELINE_FILE),
    )


def status(checked: Checked, name: str) -> str:
    return str(checked.rows[ROW[name]]["row_status"])


def test_the_review_is_stored_with_its_quarantined_rows(checked):
    outcome = checked.outcomes[PERIODIC_FILE]
    quarantined = [n for n in ROWS if status(checked, n) == "quarantined"]
    assert sorted(quarantined) == sorted(
        [
            "foreign", "malformed", "no_code", "dup_a", "dup_b", "dup_c", "bad_flag",
            "bad_indicator", "bad_area", "bad_result", "no_members", "half_member",
            "points_wrong", "income_disagree", "no_score", "wrong_result", "wrong_urban",
            "above_line",
        ]
    )  # fmt: skip
    assert (outcome.status, outcome.version, outcome.quarantined) == (
        "accepted_with_issues", 1, len(quarantined),
    )  # fmt: skip
    assert outcome.line() == (
        f"{outcome.path}\t18073 2025 dinh-ky\taccepted with {len(checked.findings)} issues"
    )
    assert len(checked.rows) == len(ROWS)  # every row checked is on record, with its status
    assert outcome.feedback == (
        checked.data_dir.feedback
        / "ho-ngheo"
        / "2025-dinh-ky"
        / "18073_2025-dinh-ky_v1_phan-hoi.xlsx"
    )


def test_the_feedback_lists_every_finding_with_its_row(checked):
    outcome = checked.outcomes[PERIODIC_FILE]
    lines = feedback_findings(outcome.feedback)
    assert sorted((line[2], line[3], line[6]) for line in lines) == sorted(
        (
            None if f["excel_row"] is None else str(f["excel_row"]),
            f["column_label"],
            f["message"],
        )
        for f in checked.findings
    )
    summary = feedback_cells(outcome.feedback)[1][0]
    assert summary is not None
    assert summary.startswith("Tệp ra-soat-2025.csv (Phường Thành Sen, rà soát định kỳ năm 2025)")
    assert f"{len(ROWS) - outcome.quarantined}/{len(ROWS)} hộ được nhận" in summary


def test_a_valid_row_is_accepted_with_no_finding(checked):
    assert status(checked, "valid") == "accepted"
    assert [f for f in checked.findings if f["excel_row"] == ROW["valid"]] == []
    stored = checked.rows[ROW["valid"]]
    assert (stored["commune_code"], stored["area"], stored["members"], stored["result"]) == (
        COMMUNE, "rural", 4, "near_poor",
    )  # fmt: skip
    assert (stored["income_score"], stored["below_line"], stored["deprivation_count"]) == (
        132, True, 2,
    )  # fmt: skip
    assert stored["deprivations"] == ["employment", "latrine"]
    assert stored["causes"] == ["cause_capital"]


def test_a_commune_not_of_the_unit_on_31_december(checked):
    finding = one(checked.findings, "hn_commune_foreign", ROW["foreign"])
    assert (finding["column_label"], finding["value_found"]) == ("Mã xã", OTHER_COMMUNE)
    message_starts(finding, "Xã mã «18100» không thuộc đơn vị báo cáo vào ngày 31/12/2025.")
    assert finding["severity"] == "row_error"
    assert status(checked, "foreign") == "quarantined"


def test_a_malformed_commune_code(checked):
    finding = one(checked.findings, "commune_code_invalid", ROW["malformed"])
    assert (finding["column_label"], finding["value_found"]) == ("Mã xã", "1807")
    message_starts(finding, "Mã xã «1807» không phải mã 5 chữ số.")
    assert status(checked, "malformed") == "quarantined"


def test_a_missing_household_code(checked):
    finding = one(checked.findings, "hn_household_missing", ROW["no_code"])
    assert finding["column_label"] == "Mã hộ"
    message_starts(finding, "Dòng không có mã hộ.")
    assert status(checked, "no_code") == "quarantined"


def test_the_same_household_code_twice_quarantines_every_such_row(checked):
    rows = [ROW["dup_a"], ROW["dup_b"], ROW["dup_c"]]
    for row in rows:
        finding = one(checked.findings, "hn_household_duplicate", row)
        assert finding["column_label"] == "Mã hộ"
        assert finding["value_found"] is None
        named = finding["message"].split("trùng với mã hộ ở dòng ")[1].split(";")[0]
        assert sorted(int(n) for n in named.split(", ")) == [r for r in rows if r != row]
        message_starts(finding, "Mã hộ ở dòng này trùng với mã hộ ở dòng ")
        assert checked.rows[row]["row_status"] == "quarantined"
    # The code itself is never quoted.
    assert not any("DUP" in str(value) for f in checked.findings for value in f.values())


def test_a_duplicate_names_the_other_rows_in_order(checked):
    rows = [ROW["dup_a"], ROW["dup_b"], ROW["dup_c"]]
    for row in rows:
        others = ", ".join(str(r) for r in rows if r != row)
        message_starts(
            one(checked.findings, "hn_household_duplicate", row),
            f"Mã hộ ở dòng này trùng với mã hộ ở dòng {others};",
        )


@pytest.mark.parametrize(
    ("case", "column", "value", "detail"),
    [
        ("bad_flag", "Dân tộc thiểu số", "y", "ghi 1 (có) hoặc 0 (không)"),
        ("bad_indicator", "Thiếu hụt việc làm", "y", "ghi 1 (có) hoặc 0 (không)"),
        ("bad_area", "Khu vực", "Miền núi", "chọn Nông thôn hoặc Thành thị"),
        (
            "bad_result", "Kết quả phân loại", "Nghèo đói",
            "chọn Hộ nghèo, Hộ cận nghèo hoặc Không nghèo",
        ),
        ("no_members", "Số nhân khẩu", "0", "số nhân khẩu ít nhất là 1"),
    ],
    ids=["bad_flag", "bad_indicator", "bad_area", "bad_result", "no_members"],
)  # fmt: skip
def test_a_bad_value_is_a_row_error(checked, case, column, value, detail):
    finding = one(checked.findings, "hn_value_invalid", ROW[case])
    message_starts(finding, f"«{value}» không hợp lệ ({detail}).")
    assert (finding["value_found"], finding["severity"]) == (value, "row_error")
    assert status(checked, case) == "quarantined"
    assert finding["column_label"] == column


def test_members_not_a_whole_number(checked):
    finding = one(checked.findings, "figure_invalid", ROW["half_member"])
    assert (finding["column_label"], finding["value_found"]) == ("Số nhân khẩu", "2,5")
    message_starts(finding, "«2,5» không phải số nguyên không âm.")
    assert status(checked, "half_member") == "quarantined"


def test_score_b2_must_be_ten_times_the_flags(checked):
    finding = one(checked.findings, "hn_points_mismatch", ROW["points_wrong"])
    assert (finding["column_label"], finding["value_found"]) == ("Điểm B2", "30")
    message_starts(finding, "Điểm B2 ghi 30 nhưng hộ thiếu hụt 2 chỉ số: điểm B2 phải là 20.")
    assert status(checked, "points_wrong") == "quarantined"
    assert status(checked, "points_right") == "accepted"


def test_score_b1_and_the_income_flag_must_agree(checked):
    finding = one(checked.findings, "hn_income_disagree", ROW["income_disagree"])
    assert (finding["column_label"], finding["value_found"]) == ("Thu nhập dưới chuẩn", "1")
    message_starts(
        finding,
        "Điểm B1 và «Thu nhập dưới chuẩn» mâu thuẫn: điểm B1 150 > 140 nhưng ghi thu nhập "
        "dưới chuẩn.",
    )
    assert status(checked, "income_disagree") == "quarantined"
    assert status(checked, "income_agree") == "accepted"


def test_score_b1_is_required_under_2022_2026(checked):
    finding = one(checked.findings, "hn_income_missing", ROW["no_score"])
    assert finding["column_label"] == "Điểm B1"
    message_starts(
        finding, "Thiếu thông tin thu nhập: chuẩn nghèo này chấm điểm B1, ô điểm B1 để trống."
    )
    assert status(checked, "no_score") == "quarantined"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "wrong_result",
            "Kết quả phân loại «Hộ nghèo» không đúng quy tắc: điểm B1 132 ≤ 140 và thiếu hụt 2 "
            "chỉ số: hộ cận nghèo.",
        ),
        (
            "wrong_urban",
            "Kết quả phân loại «Không nghèo» không đúng quy tắc: điểm B1 170 ≤ 175 và thiếu hụt "
            "3 chỉ số: hộ nghèo.",
        ),
        (
            "above_line",
            "Kết quả phân loại «Hộ cận nghèo» không đúng quy tắc: điểm B1 150 > 140: không nghèo.",
        ),
    ],
    ids=["rural", "urban", "above-line"],
)
def test_a_result_against_the_rule_says_what_the_rule_gives(checked, case, message):
    finding = one(checked.findings, "hn_result_rule", ROW[case])
    assert finding["column_label"] == "Kết quả phân loại"
    message_starts(finding, message)
    assert status(checked, case) == "quarantined"


def test_an_urban_household_is_held_to_the_urban_cut_off(checked):
    # 170 is above the rural cut-off (140) but not the urban one (175): near-poor is right.
    assert status(checked, "urban_near") == "accepted"
    stored = checked.rows[ROW["urban_near"]]
    assert (stored["area"], stored["below_line"], stored["result"]) == ("urban", True, "near_poor")


def test_flags_typed_as_x_co_khong_or_empty_are_read(checked):
    assert status(checked, "typed_flags") == "accepted"
    assert [f for f in checked.findings if f["excel_row"] == ROW["typed_flags"]] == []
    stored = checked.rows[ROW["typed_flags"]]
    assert stored["deprivations"] == ["employment", "latrine"]
    assert (stored["ethnic_minority"], stored["merit_person"]) == (True, True)
    assert stored["causes"] == ["cause_capital"]


def test_a_poor_household_without_a_cause_is_a_warning_and_kept(checked):
    finding = one(checked.findings, "hn_cause_missing", ROW["no_cause"])
    assert finding["severity"] == "warning"
    message_starts(finding, "Hộ nghèo chưa ghi nguyên nhân nghèo nào.")
    assert status(checked, "no_cause") == "accepted"
    assert checked.rows[ROW["no_cause"]]["result"] == "poor"


def test_the_2027_2030_standard_needs_the_income_flag(checked):
    finding = one(checked.baseline_findings, "hn_income_missing", BASELINE_ROW["no_income"])
    assert finding["column_label"] == "Thu nhập dưới chuẩn"
    message_starts(
        finding,
        "Thiếu thông tin thu nhập: chuẩn nghèo này chưa có ngưỡng điểm B1, phải ghi «Thu nhập "
        "dưới chuẩn» (1 hoặc 0).",
    )
    assert checked.baseline_rows[BASELINE_ROW["no_income"]]["row_status"] == "quarantined"


def test_the_2027_2030_rule_is_worded_by_income_not_score(checked):
    finding = one(checked.baseline_findings, "hn_result_rule", BASELINE_ROW["wrong_result"])
    message_starts(
        finding,
        "Kết quả phân loại «Hộ cận nghèo» không đúng quy tắc: thu nhập dưới chuẩn và thiếu hụt "
        "3 chỉ số: hộ nghèo.",
    )
    rows = checked.baseline_rows
    assert rows[BASELINE_ROW["wrong_result"]]["row_status"] == "quarantined"
    assert rows[BASELINE_ROW["valid"]]["row_status"] == "accepted"
    assert rows[BASELINE_ROW["valid"]]["deprivations"] == ["employment", "latrine", "waste"]
    assert rows[BASELINE_ROW["above_line"]]["row_status"] == "accepted"
    outcome = checked.outcomes[BASELINE_FILE]
    assert outcome.line().startswith(f"{outcome.path}\t18073 2026 dau-ky\taccepted with ")


def test_a_score_does_not_replace_the_income_flag_under_2027_2030(checked):
    finding = one(checked.baseline_findings, "hn_income_missing", BASELINE_ROW["score_only"])
    assert finding["column_label"] == "Thu nhập dưới chuẩn"
    assert checked.baseline_rows[BASELINE_ROW["score_only"]]["row_status"] == "quarantined"


def test_a_workbook_names_the_sheet_row_below_its_title_rows(tmp_path, data_dir):
    rows = [
        household("WB-001"),
        household("WB-002", members=0),
        household("WB-003", result="Hộ nghèo"),
    ]
    path = write_xlsx(tmp_path / "ra-soat.xlsx", rows, titles=3)  # header on row 4
    outcome = ingest([path], data_dir)["ra-soat.xlsx"]
    assert (outcome.status, outcome.quarantined) == ("accepted_with_issues", 2)
    found = findings_of(data_dir, path.name)
    assert [(f["sheet"], f["excel_row"], f["rule_id"]) for f in found] == [
        ("Danh sách hộ", 6, "hn_value_invalid"),
        ("Danh sách hộ", 7, "hn_result_rule"),
    ]
    assert sorted(rows_of(data_dir, path.name)) == [5, 6, 7]


# ------------------------------------------------------------------------------- versions


def test_the_same_file_twice_is_unchanged_and_a_correction_is_version_two(tmp_path, data_dir):
    first = write_csv(tmp_path / "v1.csv", [household("HH-001"), poor("HH-002")])
    assert ingest([first], data_dir)["v1.csv"].version == 1
    [again] = ingest_files([first], data_dir, REF, now=NOW_HN)
    assert again.status == "unchanged"
    assert again.line() == f"{first}\t18073 2025 dinh-ky\tunchanged (already ingested)"

    corrected = write_csv(tmp_path / "v2.csv", [household("HH-001"), household("HH-002")])
    outcome = ingest([corrected], data_dir)["v2.csv"]
    assert (outcome.status, outcome.version) == ("accepted", 2)
    assert outcome.feedback is not None
    assert outcome.feedback.name == "18073_2025-dinh-ky_v2_phan-hoi.xlsx"
    on_record = query(
        data_dir,
        "SELECT file_name, version, status FROM household_submissions ORDER BY submission_id",
    )
    assert on_record == [
        {"file_name": "v1.csv", "version": 1, "status": "accepted"},
        {"file_name": "v2.csv", "version": 2, "status": "accepted"},
    ]
    assert query(data_dir, "SELECT count(*) AS n FROM stg_households") == [{"n": 4}]
    current = query(data_dir, "SELECT result, count(*) AS n FROM accepted_households GROUP BY ALL")
    assert current == [{"result": "near_poor", "n": 2}]  # version 2 is what counts


def test_a_baseline_and_a_periodic_review_of_one_year_are_separate(tmp_path, data_dir):
    periodic = write_csv(tmp_path / "dinh-ky.csv", [household("HH-001")], year=2026)
    baseline = write_csv(
        tmp_path / "dau-ky.csv", [baseline_row("HH-001")], year=2026, kind=BASELINE, standard=NEXT
    )
    outcomes = ingest([periodic, baseline], data_dir)
    assert [(o.period, o.version) for o in outcomes.values()] == [
        ("2026 dinh-ky", 1),
        ("2026 dau-ky", 1),
    ]
    assert query(
        data_dir,
        "SELECT review_kind, standard, version FROM household_submissions ORDER BY ALL",
    ) == [
        {"review_kind": "dau-ky", "standard": NEXT, "version": 1},
        {"review_kind": "dinh-ky", "standard": CURRENT, "version": 1},
    ]


def test_ntm_ingest_prints_a_line_per_household_file_and_exits_3_on_quarantine(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    inbox = tmp_path / "inbox"
    clean = write_csv(inbox / "sach.csv", [household("HH-001")], year=2026)
    flawed = write_csv(inbox / "loi.csv", [household("HH-001", members=0)])
    code, out, err = cli_run("ingest", str(inbox), "--data-dir", str(data_dir.root))
    assert (code, err) == (3, "")
    assert out.splitlines() == [
        f"{clean}\t18073 2026 dinh-ky\taccepted",
        f"{flawed}\t18073 2025 dinh-ky\taccepted with 1 issues",
    ]
    folder = data_dir.feedback / "ho-ngheo"
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*.xlsx")) == [
        "2025-dinh-ky/18073_2025-dinh-ky_v1_phan-hoi.xlsx",
        "2026-dinh-ky/18073_2026-dinh-ky_v1_phan-hoi.xlsx",
    ]


# ------------------------------------------------------------------------------- reconciliation


def review(folder: Path, name: str, poor_count: int, near_count: int, year: int = 2025) -> Path:
    rows = [poor(f"P-{i}") for i in range(poor_count)]
    rows += [household(f"N-{i}") for i in range(near_count)] + [not_poor("K-1")]
    return write_csv(folder / name, rows, year=year)


def test_a_review_equal_to_the_q4_form_gives_no_mismatch(tmp_path, data_dir):
    q4, _ = write_q4(tmp_path / "q4.xlsx", COMMUNE, "2025-Q4", poor_end=5, near_poor_end=2)
    assert ingest([q4], data_dir)["q4.xlsx"].status == "accepted"
    outcome = ingest([review(tmp_path, "hn.csv", 5, 2)], data_dir)["hn.csv"]
    assert outcome.status == "accepted"
    assert findings_of(data_dir, "hn.csv") == []


def test_a_review_that_differs_from_the_q4_form_names_both_figures(tmp_path, data_dir):
    q4, _ = write_q4(tmp_path / "q4.xlsx", COMMUNE, "2025-Q4", poor_end=5, near_poor_end=2)
    ingest([q4], data_dir)
    outcome = ingest([review(tmp_path, "hn.csv", 3, 4)], data_dir)["hn.csv"]
    assert (outcome.status, outcome.issues, outcome.quarantined) == ("accepted_with_issues", 2, 0)
    found = findings_of(data_dir, "hn.csv")
    messages = sorted(f["message"].split(". ")[0] for f in found)
    assert messages == [
        "Xã mã 18073: danh sách rà soát có 3 hộ nghèo, nhưng biểu 01 quý IV cùng năm ghi 5 hộ "
        "nghèo",
        "Xã mã 18073: danh sách rà soát có 4 hộ cận nghèo, nhưng biểu 01 quý IV cùng năm ghi 2 "
        "hộ cận nghèo",
    ]
    assert {(f["rule_id"], f["severity"], f["excel_row"]) for f in found} == {
        ("hn_form_mismatch", "warning", None)
    }
    sent = [line[6] for line in feedback_findings(outcome.feedback)]
    assert sorted(m.split(". ")[0] for m in sent if m) == messages
    # Warnings only: every household counts.
    assert query(data_dir, "SELECT count(*) AS n FROM accepted_households") == [{"n": 8}]


def test_a_q4_form_after_the_review_carries_the_mismatch(tmp_path, data_dir):
    """One run, the review first: the form is checked against the stored review."""
    hn = review(tmp_path, "hn.csv", 3, 2)
    q4, _ = write_q4(tmp_path / "q4.xlsx", COMMUNE, "2025-Q4", poor_end=5, near_poor_end=4)
    outcomes = ingest([hn, q4], data_dir)
    assert outcomes["hn.csv"].status == "accepted"  # no Q4 form yet when it was checked
    outcome = outcomes["q4.xlsx"]
    assert (outcome.status, outcome.issues) == ("accepted_with_issues", 2)
    found = query(
        data_dir,
        "SELECT excel_row, column_label, value_found, rule_id, severity, message FROM findings "
        "ORDER BY rule_id DESC",
    )
    assert [(f["rule_id"], f["excel_row"], f["column_label"], f["value_found"]) for f in found] == [
        ("poor_end_vs_review", 4, "Số hộ nghèo cuối kỳ", "5"),
        ("near_poor_end_vs_review", 4, "Số hộ cận nghèo cuối kỳ", "4"),
    ]
    assert {f["severity"] for f in found} == {"warning"}
    message_starts(
        found[0],
        "Số hộ nghèo cuối kỳ (5) khác số hộ nghèo trong danh sách rà soát định kỳ cùng năm (3 hộ).",
    )
    message_starts(
        found[1],
        "Số hộ cận nghèo cuối kỳ (4) khác số hộ cận nghèo trong danh sách rà soát định kỳ cùng "
        "năm (2 hộ).",
    )
    assert outcome.feedback is not None
    sent = [(line[2], line[6]) for line in feedback_findings(outcome.feedback)]
    assert sorted(sent) == sorted(("4", f["message"]) for f in found)


# ------------------------------------------------------------------------------- ntm households

HEADER = (
    "year,kind,standard,unit_code,unit_level,households,poor,near_poor,poor_members,"
    "near_poor_members,form_poor,form_near_poor"
)


@dataclass(frozen=True)
class Counted:
    data_dir: DataDir
    outcomes: dict[str, FileOutcome]
    q4_2024: pl.DataFrame  # the district's Q4 2024 figures


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> Counted:
    """Reviews of 2024 (a district's), 2026 (periodic, two communes) and the 2026 baseline,
    with the Q4 forms of 2024 (the district) and 2026 (18073 only), ingested in January 2027."""
    root = tmp_path_factory.mktemp("counted")
    data_dir = DataDir(root / "data")
    q4_2026, _ = write_q4(root / "q4-2026.xlsx", COMMUNE, "2026-Q4", poor_end=5, near_poor_end=2)
    q4_2024, figures_2024 = write_q4(root / "q4-2024.xlsx", DISTRICT_2024, "2024-Q4")
    periodic = write_csv(
        root / "18073-2026.csv",
        [
            poor("P-1", members=4), poor("P-2", members=5), poor("P-3", members=6, telecom=1),
            household("N-1", members=3), household("N-2", members=2, latrine=0, nutrition=1),
            not_poor("K-1", members=7, housing_area=1),
            # quarantined (B2 wrong): absent from every count, its deprivations too
            poor("Q-1", members=9, child_schooling=1, deprivation_points=10),
        ],
        year=2026,
    )  # fmt: skip
    other = write_csv(
        root / "18100-2026.csv",
        [poor("P-1", commune_code=OTHER_COMMUNE), not_poor("K-1", commune_code=OTHER_COMMUNE)],
        unit=OTHER_COMMUNE,
        year=2026,
    )
    baseline = write_csv(
        root / "18073-2026-dau-ky.csv",
        [
            baseline_row("P-1", waste=1, result="Hộ nghèo", members=4),
            baseline_row("P-2", internet=1, result="Hộ nghèo", members=3),
            baseline_row("N-1", members=2),
        ],
        year=2026,
        kind=BASELINE,
        standard=NEXT,
    )
    district = write_csv(
        root / "436-2024.csv",
        [
            poor("A-1", commune_code="18070"), household("A-2", commune_code="18070"),
            poor("B-1", commune_code=COMMUNE), poor("B-2", commune_code=COMMUNE),
            not_poor("C-1", commune_code=OTHER_COMMUNE),
            household("F-1", commune_code=FOREIGN_2024),  # quarantined: not of 436
        ],
        unit=DISTRICT_2024,
        year=2024,
    )  # fmt: skip
    outcomes = ingest([q4_2026, q4_2024, periodic, other, baseline, district], data_dir, NOW_2027)
    return Counted(data_dir, outcomes, figures_2024)


def households_cli(counted: Counted, *args: str) -> str:
    code, out, err = cli_run("households", *args, "--data-dir", str(counted.data_dir.root))
    assert (code, err) == (0, "")
    return out


def deprived(standard: str) -> list[str]:
    found = REF.standard(standard)
    assert found is not None
    return [f"deprived_{i}" for i in found.indicator_ids]


# After the deprived_ columns: the movements, then the profile (interfaces.md, "Movements").
MOVEMENT_COLUMNS = [
    "exited_poor", "returned_poor", "new_poor",
    "exited_near_poor", "returned_near_poor", "new_near_poor",
]  # fmt: skip
PROFILE_COLUMNS = [
    "ethnic_minority_poor", "ethnic_minority_near_poor", "merit_person", "social_assistance",
    "no_labour", *(c.key for c in FMT.causes),
]  # fmt: skip


def header_of(standard: str) -> list[str]:
    return [*HEADER.split(","), *deprived(standard), *MOVEMENT_COLUMNS, *PROFILE_COLUMNS]


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_counted_files_are_stored_as_expected(counted):
    statuses = {name: (o.status, o.quarantined) for name, o in counted.outcomes.items()}
    assert statuses["18073-2026.csv"] == ("accepted_with_issues", 1)
    assert statuses["18100-2026.csv"] == ("accepted", 0)  # no Q4 form of 18100
    assert statuses["18073-2026-dau-ky.csv"] == ("accepted", 0)
    assert statuses["436-2024.csv"][1] == 1


def test_households_csv_has_the_columns_of_the_interface_in_order(counted):
    out = households_cli(counted, "--year", "2026")
    header = out.splitlines()[0].split(",")
    assert header == header_of(CURRENT)
    rows = csv_rows(out)
    assert [r["unit_code"] for r in rows] == [COMMUNE, OTHER_COMMUNE]
    mine = rows[0]
    assert {k: mine[k] for k in HEADER.split(",")} == {
        "year": "2026", "kind": "dinh-ky", "standard": CURRENT, "unit_code": COMMUNE,
        "unit_level": "commune", "households": "6", "poor": "3", "near_poor": "2",
        "poor_members": "15", "near_poor_members": "5", "form_poor": "5", "form_near_poor": "2",
    }  # fmt: skip
    deprivation = {k: int(v) for k, v in mine.items() if k.startswith("deprived_")}
    assert deprivation == {
        **dict.fromkeys(deprived(CURRENT), 0),
        "deprived_employment": 5,
        "deprived_latrine": 4,
        "deprived_health_insurance": 3,
        "deprived_telecom": 1,
        "deprived_nutrition": 1,
    }  # fmt: skip  (not poor K-1's housing_area and quarantined Q-1's child_schooling: 0)
    assert [mine[c] for c in MOVEMENT_COLUMNS] == [""] * 6  # no 2025 review to compare with
    profile = {c: int(mine[c]) for c in PROFILE_COLUMNS}
    assert profile == {**dict.fromkeys(PROFILE_COLUMNS, 0), "cause_capital": 5}
    other = rows[1]
    assert (other["households"], other["poor"], other["near_poor"]) == ("2", "1", "0")
    assert (other["form_poor"], other["form_near_poor"]) == ("", "")  # no Q4 form


def test_households_province_level_sums_the_communes(counted):
    [row] = csv_rows(households_cli(counted, "--year", "2026", "--level", "province"))
    assert {k: row[k] for k in HEADER.split(",")} == {
        "year": "2026", "kind": "dinh-ky", "standard": CURRENT, "unit_code": "42",
        "unit_level": "province", "households": "8", "poor": "4", "near_poor": "2",
        "poor_members": "19", "near_poor_members": "5", "form_poor": "5", "form_near_poor": "2",
    }  # fmt: skip
    assert (row["deprived_employment"], row["deprived_health_insurance"]) == ("6", "4")


def test_households_json_says_the_same(counted):
    as_csv = csv_rows(households_cli(counted, "--year", "2026"))
    as_json = json.loads(households_cli(counted, "--year", "2026", "--format", "json"))
    assert [list(r) for r in as_json] == [list(r) for r in as_csv]
    for row, text in zip(as_json, as_csv, strict=True):
        assert {k: "" if v is None else str(v) for k, v in row.items()} == text
    assert as_json[1]["form_poor"] is None


def test_households_of_a_baseline_review_have_no_form_counts(counted):
    out = households_cli(counted, "--year", "2026", "--kind", "dau-ky")
    assert out.splitlines()[0].split(",") == header_of(NEXT)
    [row] = csv_rows(out)
    assert (row["kind"], row["standard"], row["unit_code"]) == ("dau-ky", NEXT, COMMUNE)
    assert (row["households"], row["poor"], row["near_poor"]) == ("3", "2", "1")
    # A Q4 2026 form of 18073 is stored, but it is the periodic review's counterpart.
    assert (row["form_poor"], row["form_near_poor"]) == ("", "")
    assert (row["deprived_waste"], row["deprived_internet"], row["deprived_latrine"]) == (
        "1", "1", "3",
    )  # fmt: skip


def test_a_district_file_of_2024_is_counted_per_commune(counted):
    findings = findings_of(counted.data_dir, "436-2024.csv")
    foreign = one(findings, "hn_commune_foreign", 7)
    assert foreign["value_found"] == FOREIGN_2024
    message_starts(
        foreign, f"Xã mã «{FOREIGN_2024}» không thuộc đơn vị báo cáo vào ngày 31/12/2024."
    )
    rows = csv_rows(households_cli(counted, "--year", "2024"))
    figures = {r["commune_code"]: r for r in counted.q4_2024.iter_rows(named=True)}
    found = {
        r["unit_code"]: (
            r["households"],
            r["poor"],
            r["near_poor"],
            r["form_poor"],
            r["form_near_poor"],
        )
        for r in rows
    }
    form = {c: (str(figures[c]["poor_end"]), str(figures[c]["near_poor_end"])) for c in figures}
    assert found == {
        "18070": ("2", "1", "1", *form["18070"]),
        COMMUNE: ("2", "2", "0", *form[COMMUNE]),
        OTHER_COMMUNE: ("1", "0", "0", *form[OTHER_COMMUNE]),
    }
    assert {r["unit_level"] for r in rows} == {"commune"}
    [province] = csv_rows(households_cli(counted, "--year", "2024", "--level", "province"))
    assert (province["households"], province["poor"], province["near_poor"]) == ("5", "3", "1")


def test_a_year_with_no_review_prints_the_header_only(counted):
    out = households_cli(counted, "--year", "2025")
    assert out.splitlines() == [",".join(header_of(CURRENT))]
