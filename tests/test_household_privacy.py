"""Form HN and personal data: a file carrying a name, an identification or phone number, a
birth date or an address is refused whole and the value is kept nowhere; household codes never
reach the data dir (only their keyed hashes do); the household key is private; a crash during a
household ingest leaves all of a wave or none of it.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import io
import itertools
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import polars as pl
import pytest

from ntm import cli
from ntm.intake.ingest import ingest_files
from ntm.intake.workbook import write_submission
from ntm.reference import load_reference
from ntm.report.render import pdf_text
from ntm.store.faults import KILL_AT, MARKER, POINTS
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from tests.helpers import NOW, district_communes, valid_figures
from transforms.layout import Column

REF = load_reference()
FMT = REF.households
NOW_HN = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)  # a 2025 or 2026 review is not in the future
COMMUNE = "18073"  # Phường Thành Sen, a commune-level unit on 31/12/2025 and 31/12/2026
CURRENT, NEXT = "2022-2026", "2027-2030"
TITLE_ROWS = 2  # a workbook's header is on row 3, its first household on row 4
FIRST = TITLE_ROWS + 2


def columns(standard: str = CURRENT) -> list[Column]:
    found = REF.standard(standard)
    assert found is not None
    return FMT.table_columns(found.indicators)


def household(code: object, **cells: object) -> dict[str, object]:
    """A rural near-poor household of 18073 that passes every check (B1 132 ≤ 140, deprived in
    employment and latrine, short of capital); flags not named are 0."""
    return {
        "commune_code": COMMUNE, "household_code": code, "village": "Tổ 1", "area": "Nông thôn",
        "members": 4, "income_score": 132, "employment": 1, "latrine": 1,
        "result": "Hộ cận nghèo", "cause_capital": 1, **cells,
    }  # fmt: skip


def typed(column: Column, row: dict[str, object]) -> object:
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
    year: int = 2025,
    kind: str = "Định kỳ",
    standard: str = CURRENT,
    extra: Sequence[str] = (),
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = columns(standard)
    meta = [COMMUNE, year, kind, standard]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["unit_code", "review_year", "review_kind", "standard", *(c.key for c in table), *extra]
        )
        for row in rows:
            cells = [*meta, *(typed(c, row) for c in table), *(row.get(k) for k in extra)]
            writer.writerow(["" if v is None else v for v in cells])
    return arrived(path)


METADATA = {
    "Biểu mẫu": "HN", "Mã đơn vị báo cáo": COMMUNE, "Tên đơn vị báo cáo": "Phường Thành Sen",
    "Năm rà soát": "2025", "Loại rà soát": "Định kỳ", "Chuẩn nghèo": CURRENT,
    "Ngày lập": date(2025, 12, 20), "Người lập": "Công chức văn hóa - xã hội",
    "Phiên bản mẫu": "HN-1",
}  # fmt: skip
META_ROW = {label: number for number, label in enumerate(METADATA, start=1)}


def write_xlsx(
    path: Path,
    rows: Sequence[dict[str, object]],
    *,
    extra: Sequence[tuple[str, str]] = (),
    meta: dict[str, object] | None = None,
    lines: Sequence[tuple[object, object]] = (),
) -> Path:
    """A household workbook: «Thông tin» (``meta`` replacing values, ``lines`` added below),
    two title rows, the header of 2022-2026's labels then ``extra`` (label, key) columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    info = book.active
    assert info is not None
    info.title = FMT.metadata_sheet
    for number, (label, value) in enumerate([*(METADATA | (meta or {})).items(), *lines], start=1):
        info.cell(number, 1, label)
        info.cell(number, 2, value)
    table = book.create_sheet(FMT.households_sheet)
    table.cell(1, 1, "DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO")
    layout = [(c.label, c) for c in columns()]
    header = [label for label, _ in layout] + [label for label, _ in extra]
    for position, label in enumerate(header, start=1):
        table.cell(TITLE_ROWS + 1, position, label)
    for number, row in enumerate(rows, start=FIRST):
        values = [typed(c, row) for _, c in layout] + [row.get(key) for _, key in extra]
        for position, value in enumerate(values, start=1):
            table.cell(number, position, value)
    book.save(path)
    return arrived(path)


def ingest(paths: Sequence[Path], data_dir: DataDir, now: datetime = NOW_HN) -> dict[str, Any]:
    return {o.path.name: o for o in ingest_files(list(paths), data_dir, REF, now=now)}


def query(data_dir: DataDir, sql: str, **params: object) -> list[dict[str, Any]]:
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        frame: pl.DataFrame = warehouse.con.sql(sql, params=params or None).pl()
    return frame.to_dicts()


def cli_run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------------------- scanning


def flattened(value: object) -> Iterator[str]:
    if value is None:
        return
    if isinstance(value, list | tuple | set):
        for item in value:
            yield from flattened(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from flattened(item)
    elif isinstance(value, bytes | bytearray):
        yield bytes(value).decode("utf-8", errors="replace")
        yield bytes(value).hex()
    else:
        yield str(value)


def warehouse_values(path: Path) -> list[str]:
    """Every cell of every table and view of a DuckDB file, list columns unnested."""
    found: list[str] = []
    with duckdb.connect(str(path), read_only=True) as con:
        relations = con.sql(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database()"
        ).fetchall()
        assert len(relations) > 5, relations
        for schema, name in relations:
            found.append(name)
            for row in con.sql(f'SELECT * FROM "{schema}"."{name}"').fetchall():
                found.extend(flattened(row))
    return found


def workbook_values(path: Path) -> list[str]:
    """Every cell of every sheet of a workbook, and the sheets' names."""
    book = openpyxl.load_workbook(path)
    found: list[str] = []
    for sheet in book.worksheets:
        found.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            found.extend(flattened(row))
    return found


def readable(path: Path) -> str:
    """A file's content as text: a warehouse's cells, a workbook's or a Parquet table's cells, a
    PDF's text (all of them compress what they hold), else its bytes."""
    if path.suffix == ".duckdb":
        return "\n".join(warehouse_values(path))
    if path.suffix == ".xlsx":
        return "\n".join(workbook_values(path))
    if path.suffix == ".parquet":
        table = pl.read_parquet(path)
        return "\n".join([*table.columns, *flattened(table.rows())])
    if path.suffix == ".pdf":
        return pdf_text(path)
    return path.read_bytes().decode("utf-8", errors="replace")


def data_dir_texts(data_dir: DataDir) -> dict[Path, str]:
    """Every file under the data dir but the inbox, with its path, as text."""
    found = {}
    for path in sorted(p for p in data_dir.root.rglob("*") if p.is_file()):
        if data_dir.inbox in path.parents:
            continue
        found[path] = str(path.relative_to(data_dir.root)) + "\n" + readable(path)
    return found


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def assert_absent(secrets: Sequence[str], values: Sequence[str]) -> None:
    """No value holds a secret, as typed or (a number) with its digit groups joined."""
    for secret in secrets:
        for value in values:
            assert secret not in value, value
            if secret.isdigit():
                assert secret not in digits(value), value


# ------------------------------------------------------------------------------- refusals


@dataclass(frozen=True)
class Personal:
    name: str  # the file's name
    where: str  # what «rejected: personal data (…)» names
    rule_id: str
    sheet: str
    row: int  # the finding's excel_row: the header row for a column, the cell's row otherwise
    secrets: tuple[str, ...]  # the personal value as typed, and as it might be written again
    unit: str = COMMUNE

    @property
    def codes(self) -> list[str]:
        """Its households' codes (``write_personal``)."""
        prefix = PREFIX[self.name]
        return [f"{prefix}-01", f"{prefix}-02"]


NAME, ID, PHONE = "Nguyễn Văn Bình", "001 234 567 890", "0912 345 678"
# Each file its own number, so that one file's leak is not taken for another's.
META_ID, MAKER_PHONE, LABEL_PHONE = "036 187 654 321", "0983 111 222", "0904 555 666"
UNIT_PHONE = "0915 777 888"
ADDRESS = "Số 5 ngõ 12 đường Phan Đình Phùng"
SHEET = FMT.households_sheet
CASES = [
    Personal("ho-ten.xlsx", "column «Họ tên chủ hộ»", "personal_data_column", SHEET, 3, (NAME,)),
    Personal("ho-ten.csv", "column «ho_ten»", "personal_data_column", "CSV", 1, ("Trần Thị Hoa",)),
    Personal("cccd-cot.xlsx", "column «Số CCCD»", "personal_data_column", SHEET, 3,
             ("042198765432",)),
    Personal("cccd-o.xlsx", "row 5", "personal_data_cell", SHEET, 5, (ID, digits(ID))),
    Personal("cccd-so.xlsx", "row 4", "personal_data_cell", SHEET, 4, ("123456789012",)),
    Personal("cmnd-o.csv", "row 3", "personal_data_cell", "CSV", 3, ("183.456.789", "183456789")),
    Personal("ngay-sinh.xlsx", "column «Ngày sinh chủ hộ»", "personal_data_column", SHEET, 3,
             ("1961-03-12", "12/03/1961")),
    Personal("ngay-sinh.csv", "column «ngay_sinh»", "personal_data_column", "CSV", 1,
             ("12/03/1961",)),
    Personal("dien-thoai-o.xlsx", "row 4", "personal_data_cell", SHEET, 4, (PHONE, digits(PHONE))),
    Personal("dien-thoai-cot.csv", "column «so_dien_thoai»", "personal_data_column", "CSV", 1,
             ("0987654321",)),
    Personal("dia-chi.xlsx", "column «Địa chỉ»", "personal_data_column", SHEET, 3,
             (ADDRESS,)),
    Personal("thong-tin-nguoi-lap.xlsx", f"row {META_ROW['Người lập']}", "personal_data_cell",
             FMT.metadata_sheet, META_ROW["Người lập"], (MAKER_PHONE, digits(MAKER_PHONE))),
    Personal("thong-tin-ghi-chu.xlsx", "row 10", "personal_data_cell", FMT.metadata_sheet, 10,
             (META_ID, digits(META_ID))),
    Personal("thong-tin-nhan.xlsx", "row 10", "personal_data_cell", FMT.metadata_sheet, 10,
             (LABEL_PHONE, digits(LABEL_PHONE))),
    # An unknown unit code: the typed unit name is all the feedback has to name the unit by.
    Personal("thong-tin-ten-don-vi.xlsx", f"row {META_ROW['Tên đơn vị báo cáo']}",
             "personal_data_cell", FMT.metadata_sheet, META_ROW["Tên đơn vị báo cáo"],
             (UNIT_PHONE, digits(UNIT_PHONE)), unit="99999"),
]  # fmt: skip
# The household codes of each file start with its own prefix.
PREFIX = {case.name: f"P{chr(ord('A') + i)}" for i, case in enumerate(CASES)}
BY_NAME = {case.name: case for case in CASES}


def write_personal(folder: Path) -> list[Path]:
    def rows(
        name: str, key: str = "", value: object = None, at: int = 0
    ) -> list[dict[str, object]]:
        found = [household(code) for code in BY_NAME[name].codes]
        if key:
            found[at] = {**found[at], key: value}
        return found

    xlsx = {
        "ho-ten.xlsx": {"rows": rows("ho-ten.xlsx", "name", NAME),
                        "extra": [("Họ tên chủ hộ", "name")]},
        "cccd-cot.xlsx": {"rows": rows("cccd-cot.xlsx", "id", "042198765432"),
                          "extra": [("Số CCCD", "id")]},
        "cccd-o.xlsx": {"rows": rows("cccd-o.xlsx", "village", ID, at=1)},
        "cccd-so.xlsx": {"rows": rows("cccd-so.xlsx", "village", 123456789012)},  # a number cell
        "ngay-sinh.xlsx": {"rows": rows("ngay-sinh.xlsx", "born", date(1961, 3, 12)),
                           "extra": [("Ngày sinh chủ hộ", "born")]},
        "dien-thoai-o.xlsx": {"rows": rows("dien-thoai-o.xlsx", "village", f"Thôn 3 - {PHONE}")},
        "dia-chi.xlsx": {"rows": rows("dia-chi.xlsx", "address", ADDRESS),
                         "extra": [("Địa chỉ", "address")]},
        "thong-tin-nguoi-lap.xlsx": {"rows": rows("thong-tin-nguoi-lap.xlsx"),
                                     "meta": {"Người lập": f"Cán bộ LĐTBXH {MAKER_PHONE}"}},
        "thong-tin-ghi-chu.xlsx": {"rows": rows("thong-tin-ghi-chu.xlsx"),
                                   "lines": [("Ghi chú", f"CCCD người lập {META_ID}")]},
        "thong-tin-nhan.xlsx": {"rows": rows("thong-tin-nhan.xlsx"),
                                "lines": [(f"Liên hệ {LABEL_PHONE}", None)]},
        "thong-tin-ten-don-vi.xlsx": {
            "rows": rows("thong-tin-ten-don-vi.xlsx"),
            "meta": {"Mã đơn vị báo cáo": "99999", "Tên đơn vị báo cáo": f"UBND xã {UNIT_PHONE}"},
        },
    }  # fmt: skip
    csvs = {
        "ho-ten.csv": {"rows": rows("ho-ten.csv", "ho_ten", "Trần Thị Hoa"), "extra": ["ho_ten"]},
        "cmnd-o.csv": {"rows": rows("cmnd-o.csv", "village", "CMND 183.456.789", at=1)},
        "ngay-sinh.csv": {"rows": rows("ngay-sinh.csv", "ngay_sinh", "12/03/1961"),
                          "extra": ["ngay_sinh"]},
        "dien-thoai-cot.csv": {"rows": rows("dien-thoai-cot.csv", "so_dien_thoai", "0987654321"),
                               "extra": ["so_dien_thoai"]},
    }  # fmt: skip
    written = [write_xlsx(folder / name, **options) for name, options in xlsx.items()]  # type: ignore[arg-type]
    written += [write_csv(folder / name, **options) for name, options in csvs.items()]  # type: ignore[arg-type]
    assert sorted(p.name for p in written) == sorted(BY_NAME)
    return written


@dataclass(frozen=True)
class Refused:
    data_dir: DataDir
    outcomes: dict[str, Any]
    warehouse: list[str]  # every cell of every table and view of the warehouse


@pytest.fixture(scope="module")
def refused(tmp_path_factory: pytest.TempPathFactory) -> Refused:
    root = tmp_path_factory.mktemp("personal")
    data_dir = DataDir(root / "data")
    paths = write_personal(data_dir.inbox)
    outcomes = ingest(paths, data_dir)
    return Refused(data_dir, outcomes, warehouse_values(data_dir.warehouse))


def personal_findings(refused: Refused, name: str) -> list[dict[str, Any]]:
    return query(
        refused.data_dir,
        "SELECT sheet, excel_row, column_label, value_found, rule_id, message "
        "FROM household_findings WHERE file_name = $name AND rule_id LIKE 'personal_data_%' "
        "ORDER BY excel_row",
        name=name,
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_personal_data_refuses_the_whole_file(refused, case):
    outcome = refused.outcomes[case.name]
    assert outcome.line() == (
        f"{outcome.path}\t{case.unit} 2025 dinh-ky\trejected: personal data ({case.where})"
    )
    found = personal_findings(refused, case.name)
    first = found[0]
    assert (first["rule_id"], first["sheet"], first["excel_row"]) == (
        case.rule_id, case.sheet, case.row,
    )  # fmt: skip
    if case.rule_id == "personal_data_column":
        label = case.where.removeprefix("column «").removesuffix("»")
        assert first["message"].startswith(f"Tệp có cột «{label}» chứa thông tin cá nhân (")
    else:
        assert first["value_found"] is None
        assert first["message"].startswith(
            f"Dòng {case.row}, cột «{first['column_label']}» có ô chứa số định danh hoặc số "
            "điện thoại; tệp bị trả lại, không lưu dữ liệu nào."
        )
    [submission] = query(
        refused.data_dir,
        "SELECT submission_id, status, version, rows_accepted, reject_reason "
        "FROM household_submissions WHERE file_name = $name",
        name=case.name,
    )
    assert (submission["status"], submission["version"], submission["rows_accepted"]) == (
        "rejected", None, 0,
    )  # fmt: skip
    assert submission["reject_reason"] == f"personal data ({case.where})"
    assert query(
        refused.data_dir,
        "SELECT count(*) AS n FROM stg_households WHERE submission_id = $id",
        id=submission["submission_id"],
    ) == [{"n": 0}]
    assert outcome.feedback is not None and outcome.feedback.name.endswith("_tra-lai.xlsx")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_refused_value_is_not_in_the_feedback(refused, case):
    cells = workbook_values(refused.outcomes[case.name].feedback)
    assert any(case.where.removeprefix("column ") in c or "số định danh" in c for c in cells)
    assert_absent(case.secrets, cells)
    assert_absent(case.codes, cells)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_refused_value_is_not_in_the_warehouse(refused, case):
    assert_absent(case.secrets, refused.warehouse)
    assert_absent(case.codes, refused.warehouse)


def test_a_refused_file_stores_no_household(refused):
    assert query(refused.data_dir, "SELECT count(*) AS n FROM stg_households") == [{"n": 0}]
    rejected = query(
        refused.data_dir,
        "SELECT count(*) AS n FROM household_submissions WHERE status = 'rejected'",
    )
    assert rejected == [{"n": len(CASES)}]


@pytest.mark.parametrize(
    "village", ["Xóm 2 0912345678", "Tổ 3 001234567890"], ids=["phone", "cccd"]
)
def test_a_number_after_a_village_number_is_still_found(tmp_path, data_dir, village):
    path = write_xlsx(tmp_path / "ra-soat.xlsx", [household("HH-001", village=village)])
    [outcome] = ingest_files([path], data_dir, REF, now=NOW_HN)
    assert outcome.line().endswith(f"\trejected: personal data (row {FIRST})")
    assert_absent([village.split()[-1]], warehouse_values(data_dir.warehouse))


# ------------------------------------------------------------------------------- false positives

LOOK_ALIKES = [
    household("18073-00012"),  # commune code and a sequence: 10 digits joined, not a phone
    household("1807300012"),  # 10 digits starting with 1: neither an ID nor a phone
    household("HN-2025-0001", village="Tổ 12"),
    household("TS-0004", income_score=140, deprivation_points=20),
    household("TS-0005", members=12, village="Khối 7, tổ 3"),
]


def test_codes_scores_and_dates_are_not_personal_data_in_a_csv(tmp_path, data_dir):
    path = write_csv(tmp_path / "ra-soat.csv", LOOK_ALIKES)
    [outcome] = ingest_files([path], data_dir, REF, now=NOW_HN)
    assert outcome.line() == f"{path}\t18073 2025 dinh-ky\taccepted"
    assert query(data_dir, "SELECT count(*) AS n FROM accepted_households") == [
        {"n": len(LOOK_ALIKES)}
    ]


@pytest.mark.parametrize(
    "prepared_on", [date(2025, 12, 20), "20/12/2025", "2025-12-20"], ids=["date", "dmy", "iso"]
)
def test_codes_scores_and_dates_are_not_personal_data_in_a_workbook(tmp_path, prepared_on):
    data_dir = DataDir(tmp_path / "data")
    rows = [*LOOK_ALIKES, household(1807300013)]  # a code typed as a number
    path = write_xlsx(tmp_path / "ra-soat.xlsx", rows, meta={"Ngày lập": prepared_on})
    [outcome] = ingest_files([path], data_dir, REF, now=NOW_HN)
    assert outcome.line() == f"{path}\t18073 2025 dinh-ky\taccepted"
    [stored] = query(data_dir, "SELECT prepared_on, rows_accepted FROM household_submissions")
    assert stored == {"prepared_on": date(2025, 12, 20), "rows_accepted": len(rows)}


# ------------------------------------------------------------------------------- nothing kept

CODES_2025 = ["TSX-0001", "TSX-0002", "TSX-0003", "TSX-0004", "TSX-0004", "ts-0005", "18073-00012"]
CODES_2026 = ["TSX-0001", "TSX-0002", "TSX-0006"]
CODES_BASELINE = ["TSX-0001", "TSX-0007"]
CODES_REFUSED = ["TSX-0101", "TSX-0102"]
CODES_WORKBOOK = ["TP-0001", "TP-0002"]  # Phường Trần Phú's 2025 review, a workbook
ALL_CODES = sorted({*CODES_2025, *CODES_2026, *CODES_BASELINE, *CODES_REFUSED, *CODES_WORKBOOK})


@dataclass(frozen=True)
class Scanned:
    data_dir: DataDir
    files: list[Path]  # the household files ingested
    printed: str  # everything ntm printed, ingest and households
    texts: dict[Path, str]  # every file under the data dir but the inbox, as text


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """Three reviews and a refused workbook ingested with ``ntm ingest``, then every
    ``ntm households`` view of them printed."""
    data_dir = DataDir(tmp_path_factory.mktemp("scanned") / "data")
    inbox = data_dir.inbox
    poor = {"health_insurance": 1, "result": "Hộ nghèo"}
    files = [
        write_csv(
            inbox / "2025.csv",
            [
                household(CODES_2025[0], **poor),
                household(CODES_2025[1]),
                household(CODES_2025[2], income_score=170, result="Không nghèo"),
                household(CODES_2025[3]),
                household(CODES_2025[4]),  # duplicates: quarantined
                household(CODES_2025[5], members=0),  # quarantined
                household(CODES_2025[6]),
            ],
        ),
        write_csv(inbox / "2026.csv", [household(c) for c in CODES_2026], year=2026),
        write_csv(
            inbox / "dau-ky-2026.csv",
            [household(c, income_score=None, income_below_line=1) for c in CODES_BASELINE],
            year=2026,
            kind="Đầu kỳ",
            standard=NEXT,
        ),
        write_xlsx(
            inbox / "18100-2025.xlsx",
            [household(c, commune_code="18100") for c in CODES_WORKBOOK],
            meta={"Mã đơn vị báo cáo": "18100", "Tên đơn vị báo cáo": "Phường Trần Phú"},
        ),
        write_xlsx(
            inbox / "co-ho-ten.xlsx",
            [household(c, name=NAME) for c in CODES_REFUSED],
            extra=[("Họ và tên chủ hộ", "name")],
        ),
    ]
    code, out, err = cli_run("ingest", str(inbox), "--data-dir", str(data_dir.root))
    assert code == 3, (out, err)  # a refused file and quarantined rows
    printed = [out, err]
    for args in (
        ("--year", "2025"),
        ("--year", "2026"),
        ("--year", "2026", "--kind", "dau-ky"),
        ("--year", "2025", "--level", "province", "--format", "json"),
    ):
        code, out, err = cli_run("households", *args, "--data-dir", str(data_dir.root))
        assert code == 0, err
        printed += [out, err]
    return Scanned(data_dir, files, "\n".join(printed), data_dir_texts(data_dir))


def test_what_was_scanned(scanned):
    names = {p.relative_to(scanned.data_dir.root).parts[0] for p in scanned.texts}
    assert {"warehouse", "feedback", "household.key"} <= names
    assert len([p for p in scanned.texts if p.suffix == ".xlsx"]) == len(scanned.files)
    assert "2025,dinh-ky,2022-2026,18073" in scanned.printed  # the reviews were counted
    assert "2025,dinh-ky,2022-2026,18100" in scanned.printed


@pytest.mark.parametrize("code", ALL_CODES)
def test_no_household_code_is_kept_anywhere_in_the_data_dir(scanned, code):
    for path, text in scanned.texts.items():
        assert code.upper() not in text.upper(), path
    assert code.upper() not in scanned.printed.upper()


def test_household_files_keep_no_bytes_only_their_sha256(scanned):
    sha256s = sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in scanned.files)
    stored = query(
        scanned.data_dir, "SELECT content_sha256 FROM household_submissions ORDER BY ALL"
    )
    assert sorted(r["content_sha256"] for r in stored) == sha256s
    assert query(scanned.data_dir, "SELECT count(*) AS n FROM raw_files") == [{"n": 0}]


def test_the_same_household_has_the_same_key_in_every_review(scanned):
    key = bytes.fromhex(scanned.data_dir.household_key.read_text(encoding="ascii").strip())
    found = query(
        scanned.data_dir,
        "SELECT s.file_name, h.excel_row, h.household_key FROM stg_households AS h "
        "JOIN household_submissions AS s USING (submission_id) ORDER BY ALL",
    )
    by_row = {(r["file_name"], r["excel_row"]): r["household_key"] for r in found}
    expected = hmac.new(key, b"TSX-0001", hashlib.sha256).hexdigest()
    # TSX-0001 is the first household (line 2) of each review: 2025, 2026 and the baseline.
    assert by_row[("2025.csv", 2)] == by_row[("2026.csv", 2)] == by_row[("dau-ky-2026.csv", 2)]
    assert by_row[("2025.csv", 2)] == expected
    assert by_row[("2026.csv", 3)] == hmac.new(key, b"TSX-0002", hashlib.sha256).hexdigest()
    assert len(set(by_row.values())) == len(set(ALL_CODES) - set(CODES_REFUSED))


@pytest.mark.slow
def test_no_household_code_is_left_by_the_whole_job_its_report_or_the_close(scanned, tmp_path):
    """The same files through ``ntm run`` (Prefect, its logs, the stored period tables, the
    report's PDF, HTML and XLSX), then ``ntm close`` (the archive of what was signed): every cell
    and every text under the data dir, read as above."""
    data_dir = DataDir(tmp_path / "data")
    data_dir.inbox.mkdir(parents=True)
    for path in scanned.files:
        (data_dir.inbox / path.name).write_bytes(path.read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "ntm.cli", "run", "--period", "2025-Q4",
         "--data-dir", str(data_dir.root)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    code, out, err = cli_run("close", "--period", "2025-Q4", "--version", "1", "--by", "Thư ký",
                             "--data-dir", str(data_dir.root))  # fmt: skip
    assert code == 0, err
    texts = data_dir_texts(data_dir)
    left = {p.relative_to(data_dir.root).parts[0] for p in texts}
    assert {"warehouse", "indicators", "reports", "logs", "archive", "feedback"} <= left, left
    assert any(p.suffix == ".parquet" for p in texts) and any(p.suffix == ".pdf" for p in texts)
    report = next(text for p, text in texts.items() if p.suffix == ".pdf")
    assert "Kết quả rà soát hộ nghèo, hộ cận nghèo" in report  # the households were reported
    printed = "\n".join([done.stdout, done.stderr, out, err]).upper()
    for secret in [*ALL_CODES, NAME]:
        for path, text in texts.items():
            assert secret.upper() not in text.upper(), path
        assert secret.upper() not in printed


# ------------------------------------------------------------------------------- the key


def test_the_key_file_is_private_and_never_printed(scanned):
    path = scanned.data_dir.household_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="ascii")
    assert len(text.strip()) == 64 and int(text, 16) >= 0  # 32 random bytes, as hex
    secret = bytes.fromhex(text.strip())
    assert text.strip() not in scanned.printed.lower()
    for other in scanned.data_dir.root.rglob("*"):
        if other.is_file() and other != path:
            data = other.read_bytes()
            assert secret not in data, other
            assert text.strip().encode() not in data.lower(), other
    for other, content in scanned.texts.items():
        if other != path:
            assert text.strip() not in content.lower(), other


def write_q4(folder: Path) -> Path:
    communes = district_communes(REF)  # district 441 in 2024
    path = write_submission(
        folder / "441.xlsx", REF.format, "441", "Huyện Vũ Quang", "2024-Q4", communes,
        valid_figures(communes),
    )  # fmt: skip
    return arrived(path)


def test_only_a_household_ingest_makes_the_key(tmp_path, data_dir):
    [quarterly] = ingest_files([write_q4(tmp_path)], data_dir, REF, now=NOW)
    assert quarterly.status == "accepted"
    assert data_dir.warehouse.exists()
    assert not data_dir.household_key.exists()  # a data dir of quarterly files has no key
    review = write_csv(tmp_path / "ra-soat.csv", [household("HH-001")])
    assert ingest([review], data_dir)["ra-soat.csv"].status == "accepted"
    assert stat.S_IMODE(data_dir.household_key.stat().st_mode) == 0o600


def stored_counts(data_dir: DataDir) -> dict[str, int]:
    tables = ("household_submissions", "stg_households", "household_findings")
    return {t: query(data_dir, f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in tables}


@pytest.fixture
def with_rows(tmp_path: Path, data_dir: DataDir) -> tuple[DataDir, Path]:
    """A data dir holding one review's rows, and the next review waiting in another folder."""
    first = write_csv(tmp_path / "first" / "2025.csv", [household("HH-001")])
    assert ingest([first], data_dir)["2025.csv"].status == "accepted"
    return data_dir, write_csv(tmp_path / "next" / "2026.csv", [household("HH-001")], year=2026)


def test_a_missing_key_stops_household_ingest(with_rows):
    data_dir, following = with_rows
    before = stored_counts(data_dir)
    data_dir.household_key.unlink()
    code, out, err = cli_run("ingest", str(following), "--data-dir", str(data_dir.root))
    assert code != 0
    assert out == ""
    assert "household.key" in err and "missing" in err
    assert "Traceback" not in err
    assert stored_counts(data_dir) == before
    assert not data_dir.household_key.exists()  # no new key behind the operator's back
    assert not (data_dir.feedback / "ho-ngheo" / "2026-dinh-ky").exists()


def test_a_different_key_is_refused(with_rows):
    data_dir, following = with_rows
    before = stored_counts(data_dir)
    other = hashlib.sha256(b"another key").hexdigest() + "\n"
    data_dir.household_key.write_text(other, encoding="ascii")
    code, out, err = cli_run("ingest", str(following), "--data-dir", str(data_dir.root))
    assert code != 0
    assert out == ""
    assert "household.key" in err and "is not the key" in err
    assert stored_counts(data_dir) == before
    assert data_dir.household_key.read_text(encoding="ascii") == other


# ------------------------------------------------------------------------------- crashes

NTM = [sys.executable, "-m", "ntm.cli"]
# test_crash.py tests the quarterly form's kill points; these are the household review's.
HOUSEHOLD_POINTS = {
    "households:after_submissions": False,  # inside the transaction: nothing stored
    "households:before_commit": False,
    "households:after_commit": True,  # committed: all of it stored
}
STATE = {
    "submissions": "SELECT unit_code, review_year, review_kind, standard, version, status, "
    "content_sha256, rows_read, rows_accepted, rows_quarantined, file_errors, row_errors, "
    "warnings FROM household_submissions",
    "rows": "SELECT excel_row, row_status, commune_code, household_key IS NOT NULL, result, "
    "members, deprivations, causes FROM stg_households",
    "findings": "SELECT excel_row, rule_id, column_label, message FROM household_findings",
    "key_check": "SELECT count(*) FROM household_key_check",
}
NOTHING: dict[str, list[tuple[object, ...]]] = {
    "submissions": [], "rows": [], "findings": [], "key_check": [(0,)],
}  # fmt: skip


def test_every_household_kill_point_is_tested() -> None:
    assert sorted(HOUSEHOLD_POINTS) == sorted(p for p in POINTS if p.startswith("households:"))


def ntm(*args: str, kill_at: str | None = None, marker: Path | None = None):
    env = {k: v for k, v in os.environ.items() if k not in (KILL_AT, MARKER)}
    if kill_at is not None:
        env |= {KILL_AT: kill_at, MARKER: str(marker)}
    return subprocess.run(
        [*NTM, *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def state(data_dir: DataDir) -> dict[str, list[tuple[object, ...]]]:
    if not data_dir.warehouse.exists():
        return NOTHING
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        sql = warehouse.con.sql
        return {name: sql(f"{q} ORDER BY ALL").fetchall() for name, q in STATE.items()}


def feedback_cells(path: Path) -> list[tuple[object, ...]]:
    return list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))


def feedback_files(data_dir: DataDir) -> list[str]:
    return sorted(str(p.relative_to(data_dir.feedback)) for p in data_dir.feedback.rglob("*.xlsx"))


@pytest.fixture(scope="module")
def crash_inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crash-inbox")
    rows = [
        household("CR-001"),
        household("CR-002", health_insurance=1, result="Hộ nghèo"),
        household("CR-003", members=0),  # quarantined
        household("CR-004", health_insurance=1, result="Hộ nghèo", cause_capital=0),  # warning
    ]
    write_csv(folder / "ra-soat.csv", rows)
    return folder


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, crash_inbox: Path):
    """The inbox ingested in one uninterrupted run: its state, counts and feedback."""
    data_dir = DataDir(tmp_path_factory.mktemp("clean") / "data")
    result = ntm("ingest", str(crash_inbox), "--data-dir", str(data_dir.root))
    assert result.returncode == 3, result.stdout + result.stderr  # one row quarantined
    counts = ntm("households", "--year", "2025", "--data-dir", str(data_dir.root))
    assert counts.returncode == 0, counts.stderr
    assert counts.stdout.count("\n") == 2  # the header and 18073
    return state(data_dir), counts.stdout, feedback_files(data_dir), data_dir


def kill(point: str, tmp_path: Path, crash_inbox: Path, data_dir: DataDir) -> None:
    marker = tmp_path / "killed-at.txt"
    result = ntm("ingest", str(crash_inbox), "--data-dir", str(data_dir.root), kill_at=point,
                 marker=marker)  # fmt: skip
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stderr)
    assert marker.read_text(encoding="utf-8").splitlines() == [point]


@pytest.mark.slow
@pytest.mark.parametrize("point", HOUSEHOLD_POINTS)
def test_kill_during_household_ingest(tmp_path, crash_inbox, clean, point):
    expected, counts, answered, clean_dir = clean
    assert expected["rows"] and expected["findings"] and expected["key_check"] == [(1,)]
    data_dir = DataDir(tmp_path / "data")
    kill(point, tmp_path, crash_inbox, data_dir)

    # All of the file or nothing of it: never its submission without its rows.
    assert state(data_dir) == (expected if HOUSEHOLD_POINTS[point] else NOTHING)
    assert feedback_files(data_dir) == []  # answered once stored, and it died before
    rerun = ntm("ingest", str(crash_inbox), "--data-dir", str(data_dir.root))
    assert rerun.returncode == (0 if HOUSEHOLD_POINTS[point] else 3), rerun.stderr
    assert state(data_dir) == expected
    again = ntm("households", "--year", "2025", "--data-dir", str(data_dir.root))
    assert (again.returncode, again.stdout) == (0, counts)
    # Answered by the rerun (from what is stored, when the kill came after the commit), each
    # workbook says what the uninterrupted run's says.
    assert feedback_files(data_dir) == answered
    for name in answered:
        assert feedback_cells(data_dir.feedback / name) == feedback_cells(
            clean_dir.feedback / name
        ), name
