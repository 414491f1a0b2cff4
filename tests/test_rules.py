"""Every rule of validation_rules.toml, failing and passing, through ``evaluate`` on real bytes.

Workbooks are written by the project's own writer (``ntm.intake.workbook.write_submission``), so
each case is a file a district could send. With the default layout the header is on Excel row 3 and
the communes of district 441 (Vũ Quang) are on rows 4 to 13, in code order.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import tomllib
import unicodedata
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest

from ntm.intake.ingest import Evaluation, evaluate, ingest_files
from ntm.intake.workbook import Layout, write_submission
from ntm.reference import REFERENCE_DIR, Reference, load_reference
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from tests.helpers import HOUSEHOLD_RULES
from transforms.checks import rule_findings
from transforms.figures import format_whole_number
from transforms.findings import render
from transforms.registry import communes_of

REF = load_reference()
FMT = REF.format
LABELS = FMT.labels
FIGURES = FMT.figure_keys
KEYS = [c.key for c in FMT.columns]
UNIT, UNIT_NAME, PERIOD = "441", "Huyện Vũ Quang", "2024-Q4"
TODAY = date(2025, 1, 20)
NOW = datetime(2025, 1, 20, tzinfo=UTC)
COMMUNES = communes_of(
    REF.registry, UNIT, date(2024, 12, 31), REF.settings.communes_report_from
).select("commune_code", "commune_name")
CODES: list[str] = COMMUNES["commune_code"].to_list()
NAMES: list[str] = COMMUNES["commune_name"].to_list()
FIRST_ROW = 4  # Excel row of the first commune with the default layout
SHEET = FMT.figures_sheet
META_SHEET = FMT.metadata_sheet

_RULES = tomllib.loads((REFERENCE_DIR / "validation_rules.toml").read_text(encoding="utf-8"))
SEVERITY: dict[str, str] = {rule["id"]: rule["severity"] for rule in _RULES["rule"]}


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def row_of(index: int) -> int:
    return FIRST_ROW + index


# ------------------------------------------------------------------------------- files


def baseline() -> pl.DataFrame:
    """Figures for the 10 communes of 441 that pass every rule, different per commune."""
    rows = []
    for i, code in enumerate(CODES):
        row: dict[str, Any] = {
            "commune_code": code,
            "households": 1000 + 100 * i,
            "poor_start": 50 + i,
            "poor_exited": 10,
            "poor_returned": 1,
            "poor_new": 2,
            "near_poor_start": 60 + i,
            "near_poor_exited": 8,
            "near_poor_returned": 0,
            "near_poor_new": 3,
            "workers": 1800 + 150 * i,
            "workers_trained": 1300 + 100 * i,
            "workers_certified": 600 + 40 * i,
            "coop_members": 100 + 10 * i,
            "coop_members_women": 40 + 3 * i,
            "child_abuse_cases": 2,
            "child_abuse_supported": 1,
            "child_abuse_handled": 2,
        }
        row["poor_end"] = (
            row["poor_start"] - row["poor_exited"] + row["poor_returned"] + row["poor_new"]
        )
        row["near_poor_end"] = (
            row["near_poor_start"]
            - row["near_poor_exited"]
            + row["near_poor_returned"]
            + row["near_poor_new"]
        )
        rows.append(row)
    return pl.DataFrame(rows).select("commune_code", *[pl.col(f).cast(pl.Int64) for f in FIGURES])


def changed(figures: pl.DataFrame, index: int, **values: int | str | None) -> pl.DataFrame:
    """``figures`` with commune ``index``'s cells replaced; a text value makes its column text."""
    out = figures
    for key, value in values.items():
        as_text = isinstance(value, str) or out[key].dtype == pl.String
        dtype = pl.String if as_text else pl.Int64
        new = pl.lit(None if value is None else (str(value) if as_text else value), dtype)
        out = out.with_columns(
            pl.when(pl.col("commune_code") == CODES[index])
            .then(new)
            .otherwise(pl.col(key).cast(dtype))
            .alias(key)
        )
    return out


def recode(frame: pl.DataFrame, code: str, new_code: str) -> pl.DataFrame:
    """``frame`` with commune ``code`` written under ``new_code``."""
    return frame.with_columns(
        commune_code=pl.when(pl.col("commune_code") == code)
        .then(pl.lit(new_code))
        .otherwise(pl.col("commune_code"))
    )


def write(
    folder: Path,
    figures: pl.DataFrame | None = None,
    communes: pl.DataFrame | None = None,
    layout: Layout | None = None,
    period: str = PERIOD,
    name: str = "bieu.xlsx",
) -> Path:
    return write_submission(
        folder / name,
        FMT,
        UNIT,
        UNIT_NAME,
        period,
        COMMUNES if communes is None else communes,
        baseline() if figures is None else figures,
        prepared_on=date(2025, 1, 8),
        prepared_by="Nguyễn Văn An",
        layout=layout,
    )


def workbook(folder: Path, **options: Any) -> bytes:
    return write(folder, **options).read_bytes()


def edited(data: bytes, sheet: str, cells: dict[str, object]) -> bytes:
    """A workbook with some cells set as a clerk would in Excel (numbers stay numbers)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    for cell, value in cells.items():
        book[sheet][cell] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(
    figures: pl.DataFrame | None = None,
    communes: pl.DataFrame | None = None,
    unit: list[str] | None = None,
    period: list[str] | None = None,
    header: list[str] | None = None,
    total: list[str] | None = None,
    keys: list[str] = KEYS,
) -> str:
    """A CSV submission: unit_code, period, then the column keys; one row per commune."""
    rows = (COMMUNES if communes is None else communes).join(
        baseline() if figures is None else figures, on="commune_code", how="left"
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header or ["unit_code", "period", *keys])
    for i, row in enumerate(rows.select(keys).iter_rows()):
        writer.writerow([(unit or [UNIT] * rows.height)[i], (period or [PERIOD] * rows.height)[i],
                         *["" if v is None else v for v in row]])  # fmt: skip
    if total is not None:
        writer.writerow(total)
    return out.getvalue()


# ------------------------------------------------------------------------------- checks


@pytest.fixture(scope="module")
def warehouse() -> Iterator[Warehouse]:
    """A warehouse without history (evaluate only reads it)."""
    with Warehouse.open(":memory:") as opened:
        yield opened


def check(
    data: bytes, warehouse: Warehouse, name: str = "bieu.xlsx", ref: Reference = REF
) -> Evaluation:
    return evaluate(data, name, ref, warehouse, TODAY)


def rule_ids(evaluation: Evaluation) -> list[str]:
    return sorted(evaluation.findings["rule_id"].to_list())


def one(evaluation: Evaluation, rule_id: str) -> dict[str, Any]:
    """The only finding of ``rule_id``, checked for severity and a filled-in message."""
    found = evaluation.findings.filter(pl.col("rule_id") == rule_id)
    assert found.height == 1, evaluation.findings.select("rule_id", "excel_row", "value_found")
    finding = found.row(0, named=True)
    assert finding["severity"] == SEVERITY[rule_id]
    assert finding["problem"] and finding["fix"]
    assert finding["message"] == f"{finding['problem']} {finding['fix']}"
    assert "{" not in finding["message"]
    return finding


def where(finding: dict[str, Any]) -> tuple[object, ...]:
    return (finding["sheet"], finding["excel_row"], finding["column_label"], finding["value_found"])


def statuses(evaluation: Evaluation) -> dict[int, str]:
    return dict(evaluation.rows.select("excel_row", "row_status").iter_rows())


def all_accepted(rows: int = len(CODES), first: int = FIRST_ROW) -> dict[int, str]:
    return dict.fromkeys(range(first, first + rows), "accepted")


def assert_rejected_by(evaluation: Evaluation, rule_id: str) -> dict[str, Any]:
    finding = one(evaluation, rule_id)
    assert evaluation.rejected
    assert evaluation.findings.filter(pl.col("severity") == "file_error")["rule_id"].to_list() == [
        rule_id
    ]
    return finding


def assert_clean(evaluation: Evaluation, first: int = FIRST_ROW) -> None:
    assert rule_ids(evaluation) == []
    assert not evaluation.rejected
    assert statuses(evaluation) == all_accepted(first=first)


# ------------------------------------------------------------------------------- baseline


def test_every_rule_of_the_data_file_is_covered_here():
    # The household review's rules (form HN) are covered in test_households.py.
    assert set(SEVERITY) - HOUSEHOLD_RULES == COVERED
    assert {r.rule_id for r in REF.row_rules} == {
        r["id"] for r in _RULES["rule"] if r["kind"] == "row_check"
    }


def test_a_valid_workbook_is_accepted_as_written(tmp_path, warehouse):
    evaluation = check(workbook(tmp_path), warehouse)
    assert_clean(evaluation)
    assert evaluation.rows.select("commune_code", *FIGURES).equals(baseline())
    assert evaluation.rows["commune_name"].to_list() == NAMES
    meta = evaluation.metadata
    assert meta is not None
    assert (meta.unit_code, str(meta.period), meta.template_version) == (UNIT, PERIOD, "1")
    assert (meta.prepared_on, meta.prepared_by) == (date(2025, 1, 8), "Nguyễn Văn An")


@pytest.mark.parametrize("bom", [False, True], ids=["utf8", "utf8-bom"])
def test_a_valid_csv_is_accepted_as_written(warehouse, bom):
    data = ("\ufeff" if bom else "").encode() + csv_text().encode("utf-8")
    evaluation = check(data, warehouse, name="441.csv")
    assert_clean(evaluation, first=2)
    assert evaluation.rows.select("commune_code", *FIGURES).equals(baseline())
    assert evaluation.metadata is not None
    assert (evaluation.metadata.unit_code, str(evaluation.metadata.period)) == (UNIT, PERIOD)


# ------------------------------------------------------------------------------- file level


@pytest.mark.parametrize(
    ("name", "shown"),
    [("bieu.xls", ".xls"), ("bieu.pdf", ".pdf"), ("bieu.ods", ".ods"), ("bieu", "?")],
)
def test_file_type(tmp_path, warehouse, name, shown):
    evaluation = check(workbook(tmp_path), warehouse, name=name)
    finding = assert_rejected_by(evaluation, "file_type")
    assert finding["value_found"] == shown
    assert shown in finding["problem"]
    for accepted in (".xlsx", ".csv", ".xls"):  # says what is accepted, and what to do with .xls
        assert accepted in finding["fix"]
    assert evaluation.rows.is_empty()


def test_file_type_ignores_the_case_of_the_extension(tmp_path, warehouse):
    assert_clean(check(workbook(tmp_path), warehouse, name="BIEU.XLSX"))


def test_file_too_large(tmp_path, warehouse):
    data = workbook(tmp_path)
    small = dataclasses.replace(REF, limits=dataclasses.replace(REF.limits, max_file_bytes=1000))
    finding = assert_rejected_by(check(data, warehouse, ref=small), "file_too_large")
    assert finding["value_found"] == f"{len(data)} byte"
    exact = dataclasses.replace(
        REF, limits=dataclasses.replace(REF.limits, max_file_bytes=len(data))
    )
    assert_clean(check(data, warehouse, ref=exact))


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_file_unsafe_zip_bomb(warehouse):
    bomb = zip_of({"xl/worksheets/sheet1.xml": bytes(50 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    finding = assert_rejected_by(check(bomb, warehouse), "file_unsafe")
    assert finding["value_found"] == "50 MiB"


def test_file_unsafe_when_a_workbook_inflates_past_the_limit(tmp_path, warehouse):
    tight = dataclasses.replace(
        REF, limits=dataclasses.replace(REF.limits, max_uncompressed_bytes=1000)
    )
    assert_rejected_by(check(workbook(tmp_path), warehouse, ref=tight), "file_unsafe")


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def test_file_encrypted(warehouse):
    # An encrypted .xlsx is an OLE compound file holding an "EncryptedPackage" stream.
    data = OLE + "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le")
    assert_rejected_by(check(data + bytes(2048), warehouse), "file_encrypted")


@pytest.mark.parametrize(
    "data",
    [
        b"this is not a workbook at all" * 40,
        OLE + bytes(2048),  # a legacy .xls renamed to .xlsx
        zip_of({"notes.txt": b"hello"}),  # a zip, but not a workbook
        b"",
    ],
    ids=["garbage", "renamed-xls", "plain-zip", "empty"],
)
def test_file_unreadable(warehouse, data):
    finding = assert_rejected_by(check(data, warehouse), "file_unreadable")
    assert finding["detail"]
    assert finding["detail"] in finding["problem"]


def test_file_unreadable_truncated_workbook(tmp_path, warehouse):
    data = workbook(tmp_path)
    assert_rejected_by(check(data[: len(data) // 2], warehouse), "file_unreadable")


def test_file_unreadable_ragged_csv(warehouse):
    text = csv_text() + "441,2024-Q4,18313,x,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20\n"
    assert_rejected_by(check(text.encode(), warehouse, name="441.csv"), "file_unreadable")


def test_csv_encoding(warehouse):
    names = COMMUNES.with_columns(commune_name=pl.lit("Ân Phú"))  # encodable in cp1258
    data = csv_text(communes=names).encode("cp1258")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    finding = assert_rejected_by(check(data, warehouse, name="441.csv"), "csv_encoding")
    assert finding["detail"]


@pytest.mark.parametrize("omitted", [FMT.metadata_sheet, FMT.figures_sheet])
def test_sheet_missing(tmp_path, warehouse, omitted):
    evaluation = check(workbook(tmp_path, layout=Layout(omit_sheets=(omitted,))), warehouse)
    assert assert_rejected_by(evaluation, "sheet_missing")["expected"] == omitted


def test_sheet_missing_when_renamed_without_diacritics(tmp_path, warehouse):
    layout = Layout(sheet_names={FMT.figures_sheet: "Bieu 01"})
    evaluation = check(workbook(tmp_path, layout=layout), warehouse)
    assert assert_rejected_by(evaluation, "sheet_missing")["expected"] == FMT.figures_sheet


@pytest.mark.parametrize("key", ["unit_code", "period", "template_version"])
def test_metadata_missing(tmp_path, warehouse, key):
    layout = Layout(metadata_override={key: None})
    finding = assert_rejected_by(
        check(workbook(tmp_path, layout=layout), warehouse), "metadata_missing"
    )
    assert (finding["sheet"], finding["expected"], finding["value_found"]) == (
        META_SHEET, LABELS[key], None,
    )  # fmt: skip
    assert LABELS[key] in finding["problem"]


def test_metadata_optional_entries_may_be_blank(tmp_path, warehouse):
    blank = dict.fromkeys(("unit_name", "prepared_on", "prepared_by"))
    evaluation = check(workbook(tmp_path, layout=Layout(metadata_override=blank)), warehouse)
    assert_clean(evaluation)
    assert evaluation.metadata is not None
    assert (evaluation.metadata.prepared_on, evaluation.metadata.prepared_by) == (None, None)


def test_metadata_missing_in_csv(warehouse):
    text = csv_text(header=["unit", "period", *KEYS])
    evaluation = check(text.encode(), warehouse, name="441.csv")
    finding = assert_rejected_by(evaluation, "metadata_missing")
    assert finding["expected"] == "unit_code"


@pytest.mark.parametrize("version", ["2", "1.1", "v1"])
def test_metadata_invalid(tmp_path, warehouse, version):
    layout = Layout(metadata_override={"template_version": version})
    finding = assert_rejected_by(
        check(workbook(tmp_path, layout=layout), warehouse), "metadata_invalid"
    )
    assert (finding["sheet"], finding["value_found"], finding["expected"]) == (
        META_SHEET, version, LABELS["template_version"],
    )  # fmt: skip


@pytest.mark.parametrize("version", ["1", " 1 ", "1.0"])
def test_metadata_valid_template_versions(tmp_path, warehouse, version):
    layout = Layout(metadata_override={"template_version": version})
    assert_clean(check(workbook(tmp_path, layout=layout), warehouse))


def test_metadata_template_version_as_a_number(tmp_path, warehouse):
    data = edited(workbook(tmp_path, layout=Layout(protect=False)), META_SHEET, {"B6": 1})
    assert_clean(check(data, warehouse))
    data = edited(workbook(tmp_path, layout=Layout(protect=False)), META_SHEET, {"B6": 2})
    assert assert_rejected_by(check(data, warehouse), "metadata_invalid")["value_found"] == "2"


@pytest.mark.parametrize("unit", ["999", "18316", "44", "42"])
def test_unit_unknown(tmp_path, warehouse, unit):
    layout = Layout(metadata_override={"unit_code": unit})
    finding = assert_rejected_by(
        check(workbook(tmp_path, layout=layout), warehouse), "unit_unknown"
    )
    assert (finding["value_found"], finding["expected"]) == (unit, PERIOD)


def test_unit_code_as_a_number_or_with_blanks(tmp_path, warehouse):
    data = edited(workbook(tmp_path, layout=Layout(protect=False)), META_SHEET, {"B1": 441})
    assert_clean(check(data, warehouse))
    layout = Layout(metadata_override={"unit_code": " 441 "})
    assert_clean(check(workbook(tmp_path, layout=layout), warehouse))


@pytest.mark.parametrize("period", ["2024-Q5", "2024-Q0", "Q4/2024", "2024 Q4", "2024-4", "24-Q4"])
def test_period_invalid(tmp_path, warehouse, period):
    layout = Layout(metadata_override={"period": period})
    finding = assert_rejected_by(
        check(workbook(tmp_path, layout=layout), warehouse), "period_invalid"
    )
    assert (finding["sheet"], finding["value_found"]) == (META_SHEET, period)


@pytest.mark.parametrize("period", ["2024-q4", " 2024-Q4 "])
def test_period_written_loosely_is_read(tmp_path, warehouse, period):
    layout = Layout(metadata_override={"period": period})
    evaluation = check(workbook(tmp_path, layout=layout), warehouse)
    assert_clean(evaluation)
    assert evaluation.metadata is not None
    assert str(evaluation.metadata.period) == PERIOD


def test_period_future(tmp_path, warehouse):
    layout = Layout(metadata_override={"period": "2025-Q2"})
    finding = assert_rejected_by(
        check(workbook(tmp_path, layout=layout), warehouse), "period_future"
    )
    assert finding["value_found"] == "2025-Q2"
    # A future period is the one finding: whether 441 may report then is not asked.
    layout = Layout(metadata_override={"period": "2026-Q1"})
    evaluation = check(workbook(tmp_path, layout=layout), warehouse)
    assert one(evaluation, "period_future")["value_found"] == "2026-Q1"
    assert rule_ids(evaluation) == ["period_future"]


def test_the_current_quarter_is_not_in_the_future(tmp_path, warehouse):
    layout = Layout(metadata_override={"period": "2025-Q1"})
    assert_clean(check(workbook(tmp_path, layout=layout), warehouse))


@pytest.mark.parametrize("key", ["commune_code", "commune_name", "poor_new", "child_abuse_handled"])
def test_column_missing(tmp_path, warehouse, key):
    layout = Layout(column_order=[k for k in KEYS if k != key])
    finding = assert_rejected_by(
        check(workbook(tmp_path, layout=layout), warehouse), "column_missing"
    )
    assert (finding["sheet"], finding["expected"]) == (SHEET, LABELS[key])
    assert LABELS[key] in finding["problem"]


def test_column_missing_when_its_label_is_changed(tmp_path, warehouse):
    layout = Layout(labels={"households": "Số hộ"})
    evaluation = check(workbook(tmp_path, layout=layout), warehouse)
    assert assert_rejected_by(evaluation, "column_missing")["expected"] == LABELS["households"]
    assert one(evaluation, "extra_column")["value_found"] == "Số hộ"


def test_column_missing_in_csv(warehouse):
    text = csv_text(keys=[k for k in KEYS if k != "workers"])
    evaluation = check(text.encode(), warehouse, name="441.csv")
    assert assert_rejected_by(evaluation, "column_missing")["expected"] == LABELS["workers"]


def test_no_rows(tmp_path, warehouse):
    evaluation = check(workbook(tmp_path, communes=COMMUNES.head(0)), warehouse)
    assert assert_rejected_by(evaluation, "no_rows")["sheet"] == SHEET


def test_no_rows_when_the_first_row_is_empty(tmp_path, warehouse):
    blank = pl.DataFrame({"commune_code": [None], "commune_name": [None]}, schema=COMMUNES.schema)
    evaluation = check(workbook(tmp_path, communes=pl.concat([blank, COMMUNES])), warehouse)
    assert_rejected_by(evaluation, "no_rows")


TOTAL_ROW = FIRST_ROW + len(CODES)


def test_total_mismatch(tmp_path, warehouse):
    layout = Layout(total_row=True, total_override={"households": 14_499})
    evaluation = check(workbook(tmp_path, layout=layout), warehouse)
    finding = assert_rejected_by(evaluation, "total_mismatch")
    assert where(finding) == (SHEET, TOTAL_ROW, LABELS["households"], "14499")
    assert finding["expected"] == str(baseline()["households"].sum()) == "14500"


@pytest.mark.parametrize("households", [None, "14.500", "14 500"], ids=["number", "dots", "spaces"])
def test_a_total_row_that_adds_up_is_accepted_and_not_a_commune(tmp_path, warehouse, households):
    override = {} if households is None else {"households": households}
    layout = Layout(total_row=True, total_override=override)
    evaluation = check(workbook(tmp_path, layout=layout), warehouse)
    assert_clean(evaluation)
    assert evaluation.rows.height == len(CODES)


def test_a_total_over_a_bad_cell_is_left_to_the_cell_finding(tmp_path, warehouse):
    figures = changed(baseline(), 3, households="n/a")
    layout = Layout(total_row=True, total_override={"households": 1})
    evaluation = check(workbook(tmp_path, figures=figures, layout=layout), warehouse)
    assert rule_ids(evaluation) == ["figure_invalid"]
    assert not evaluation.rejected


@pytest.mark.parametrize("label", [nfd("tổng cộng"), "TỔNG CỘNG"], ids=["nfd-lower", "upper"])
def test_total_row_in_csv(warehouse, label):
    sums = baseline().select(FIGURES).sum().row(0)
    good = ["", "", label, "", *map(str, sums)]
    assert_clean(check(csv_text(total=good).encode(), warehouse, name="441.csv"), first=2)
    bad = [*good[:4], str(sums[0] + 1), *good[5:]]
    evaluation = check(csv_text(total=bad).encode(), warehouse, name="441.csv")
    finding = assert_rejected_by(evaluation, "total_mismatch")
    assert where(finding) == ("CSV", 2 + len(CODES), LABELS[FIGURES[0]], str(sums[0] + 1))


@pytest.mark.parametrize(
    ("key", "values", "found"),
    [
        ("period", [PERIOD] * 5 + ["2024-Q3"] * 5, f"{PERIOD}, 2024-Q3"),
        ("unit_code", [UNIT] * 9 + ["436"], f"{UNIT}, 436"),
    ],
)
def test_csv_inconsistent(warehouse, key, values, found):
    text = csv_text(**{"unit" if key == "unit_code" else "period": values})
    finding = assert_rejected_by(
        check(text.encode(), warehouse, name="441.csv"), "csv_inconsistent"
    )
    assert (finding["sheet"], finding["expected"], finding["value_found"]) == ("CSV", key, found)


def test_csv_values_equal_after_trimming_are_consistent(warehouse):
    text = csv_text(period=[PERIOD, f" {PERIOD} "] * 5)
    assert_clean(check(text.encode(), warehouse, name="441.csv"), first=2)


# ------------------------------------------------------------------------------- row level
# Row-level cases share a file where they can: each case sits on its own commune's row, so one
# evaluation checks several cases and that they do not disturb one another.


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rules")


def at(evaluation: Evaluation, rule_id: str, excel_row: int | None) -> dict[str, Any]:
    """The only finding of ``rule_id`` on ``excel_row``, checked like ``one``."""
    found = evaluation.findings.filter(
        (pl.col("rule_id") == rule_id)
        & (
            pl.col("excel_row").is_null()
            if excel_row is None
            else (pl.col("excel_row") == excel_row)
        )
    )
    assert found.height == 1, evaluation.findings.select("rule_id", "excel_row", "value_found")
    finding = found.row(0, named=True)
    assert finding["severity"] == SEVERITY[rule_id]
    assert finding["message"] == f"{finding['problem']} {finding['fix']}"
    assert "{" not in finding["message"]
    return finding


BAD_CODES = ["1831", "183130", "abcde", "18 313"]


@pytest.fixture(scope="module")
def bad_codes(folder: Path, warehouse: Warehouse) -> Evaluation:
    """Communes 0-3 written under codes that are not 5-digit codes."""
    communes, figures = COMMUNES, baseline()
    for index, code in enumerate(BAD_CODES):
        communes, figures = (
            recode(communes, CODES[index], code),
            recode(figures, CODES[index], code),
        )
    data = workbook(folder, communes=communes, figures=figures, name="bad_codes.xlsx")
    return check(data, warehouse)


@pytest.mark.parametrize(("index", "code"), list(enumerate(BAD_CODES)))
def test_commune_code_invalid(bad_codes, index, code):
    finding = at(bad_codes, "commune_code_invalid", row_of(index))
    assert where(finding) == (SHEET, row_of(index), LABELS["commune_code"], code)
    assert f"«{code}»" in finding["problem"]


def test_commune_code_invalid_quarantines_only_its_rows(bad_codes):
    assert rule_ids(bad_codes) == sorted(["commune_code_invalid"] * 4 + ["commune_missing"] * 4)
    missing = bad_codes.findings.filter(pl.col("rule_id") == "commune_missing")
    assert sorted(missing["value_found"].to_list()) == CODES[:4]
    assert statuses(bad_codes) == {**all_accepted(), **dict.fromkeys(range(4, 8), "quarantined")}
    assert not bad_codes.rejected


def test_commune_foreign(tmp_path, warehouse):
    communes = recode(COMMUNES, CODES[9], "18073")  # Phường Nam Hà, of district 436
    figures = recode(baseline(), CODES[9], "18073")
    evaluation = check(workbook(tmp_path, communes=communes, figures=figures), warehouse)
    finding = one(evaluation, "commune_foreign")
    assert where(finding) == (SHEET, row_of(9), LABELS["commune_code"], "18073")
    assert finding["expected"] == "31/12/2024"
    assert rule_ids(evaluation) == ["commune_foreign", "commune_missing"]
    assert one(evaluation, "commune_missing")["value_found"] == CODES[9]
    assert statuses(evaluation) == {**all_accepted(), row_of(9): "quarantined"}
    assert not evaluation.rejected


def test_commune_duplicate_quarantines_every_copy(tmp_path, warehouse):
    communes = pl.concat([COMMUNES, COMMUNES.slice(1, 1)])
    evaluation = check(workbook(tmp_path, communes=communes), warehouse)
    found = evaluation.findings.filter(pl.col("rule_id") == "commune_duplicate")
    assert found.select("excel_row", "value_found", "column_label", "severity").rows() == [
        (row_of(1), CODES[1], LABELS["commune_code"], "row_error"),
        (row_of(10), CODES[1], LABELS["commune_code"], "row_error"),
    ]
    assert rule_ids(evaluation) == ["commune_duplicate"] * 2
    assert statuses(evaluation) == {
        **all_accepted(11), row_of(1): "quarantined", row_of(10): "quarantined",
    }  # fmt: skip
    assert not evaluation.rejected


EMPTY = [None, "", "   "]
INVALID = ["12,5", "12.5", "-", "-3", "n/a", "1.35", "1.350 000", "1,350", "12a"]
WORKERS_COLUMN = chr(ord("A") + KEYS.index("workers"))


@pytest.fixture(scope="module")
def bad_cells(folder: Path, warehouse: Warehouse) -> Evaluation:
    """households empty on communes 0-2; workers invalid text on 0-8, a decimal number on 9."""
    figures = baseline()
    for index, value in enumerate(EMPTY):
        figures = changed(figures, index, households=value)
    for index, value in enumerate(INVALID):
        figures = changed(figures, index, workers=value)
    data = workbook(folder, figures=figures, layout=Layout(protect=False), name="cells.xlsx")
    return check(edited(data, SHEET, {f"{WORKERS_COLUMN}{row_of(9)}": 2550.5}), warehouse)


@pytest.mark.parametrize(
    ("index", "value"), list(enumerate(EMPTY)), ids=["blank", "text", "spaces"]
)
def test_figure_empty(bad_cells, index, value):
    finding = at(bad_cells, "figure_empty", row_of(index))
    assert where(finding)[:3] == (SHEET, row_of(index), LABELS["households"])
    assert finding["value_found"] in (None, "", "   ")


@pytest.mark.parametrize(("index", "value"), [*enumerate(INVALID), (9, "2550.5")])
def test_figure_invalid(bad_cells, index, value):
    finding = [
        f
        for f in bad_cells.findings.filter(pl.col("rule_id") == "figure_invalid").to_dicts()
        if f["excel_row"] == row_of(index)
    ]
    assert len(finding) == 1
    assert where(finding[0]) == (SHEET, row_of(index), LABELS["workers"], value)
    assert f"«{value}»" in finding[0]["problem"]
    assert finding[0]["severity"] == "row_error"


def test_bad_cells_quarantine_their_rows_and_are_never_read_as_numbers(bad_cells):
    assert rule_ids(bad_cells) == sorted(["figure_empty"] * 3 + ["figure_invalid"] * 10)
    assert statuses(bad_cells) == dict.fromkeys(range(4, 14), "quarantined")
    assert bad_cells.rows["workers"].to_list() == [None] * 10
    assert bad_cells.rows["households"].to_list()[:3] == [None] * 3
    assert not bad_cells.rejected


SEPARATED = ["1.350", "1 350", "1\u00a0350", "1350", " 1350 "]


def test_figures_written_as_text_or_numbers_are_read(tmp_path, warehouse):
    figures = baseline()
    for index, text in enumerate(SEPARATED):
        figures = changed(figures, index, households=text)
    data = workbook(tmp_path, figures=figures, layout=Layout(protect=False))
    # Cells retyped by a clerk: the code as a number, a whole number in a decimal cell.
    data = edited(data, SHEET, {"A4": int(CODES[0]), f"{WORKERS_COLUMN}{row_of(5)}": 2550.0})
    evaluation = check(data, warehouse)
    assert_clean(evaluation)
    assert evaluation.rows["households"].to_list()[:5] == [1350] * 5
    assert evaluation.rows["workers"][5] == 2550
    assert evaluation.rows["commune_code"].to_list() == CODES


def flat(index: int) -> pl.DataFrame:
    """Baseline commune ``index``'s figures on every commune (valid, and easy to mutate)."""
    row = baseline().row(index, named=True)
    return pl.DataFrame([{**row, "commune_code": code} for code in CODES]).select(
        "commune_code", *[pl.col(f).cast(pl.Int64) for f in FIGURES]
    )


# Every commune as baseline commune 2: households 1200, poor_end 45, near_poor_end 57,
# workers 2100, workers_trained 1500, coop_members 120, child_abuse_cases 2.
# (rule, failing change, column named, value found, expected, passing change)
ROW_RULES = [
    ("households_capacity", {"households": 101}, "households", "101", "102", {"households": 102}),
    ("poor_flow", {"poor_end": 46}, "poor_end", "46", "45", {"poor_exited": 11, "poor_end": 44}),
    ("near_poor_flow", {"near_poor_end": 50}, "near_poor_end", "50", "57",
     {"near_poor_new": 0, "near_poor_end": 54}),
    ("trained_within_workers", {"workers_trained": 2101}, "workers_trained", "2101", "2100",
     {"workers_trained": 2100}),
    ("certified_within_trained", {"workers_certified": 1501}, "workers_certified", "1501",
     "1500", {"workers_certified": 1500}),
    ("women_within_members", {"coop_members_women": 121}, "coop_members_women", "121", "120",
     {"coop_members_women": 120}),
    ("supported_within_cases", {"child_abuse_supported": 3}, "child_abuse_supported", "3", "2",
     {"child_abuse_supported": 2}),
    ("handled_within_cases", {"child_abuse_handled": 3}, "child_abuse_handled", "3", "2",
     {"child_abuse_handled": 2, "child_abuse_supported": 2}),
]  # fmt: skip


@pytest.fixture(scope="module")
def row_rules(folder: Path, warehouse: Warehouse) -> tuple[Evaluation, Evaluation]:
    """Rule k of ROW_RULES broken on commune k; then each just kept (at its boundary)."""
    failing, passing = flat(2), flat(2)
    for index, (_, fail, _, _, _, keep) in enumerate(ROW_RULES):
        failing = changed(failing, index, **fail)
        passing = changed(passing, index, **keep)
    return (
        check(workbook(folder, figures=failing, name="rules-fail.xlsx"), warehouse),
        check(workbook(folder, figures=passing, name="rules-pass.xlsx"), warehouse),
    )


@pytest.mark.parametrize(
    ("index", "rule_id", "column", "found", "expected"),
    [(i, r[0], r[2], r[3], r[4]) for i, r in enumerate(ROW_RULES)],
    ids=[r[0] for r in ROW_RULES],
)
def test_row_rule(row_rules, index, rule_id, column, found, expected):
    failing, passing = row_rules
    finding = at(failing, rule_id, row_of(index))
    assert where(finding) == (SHEET, row_of(index), LABELS[column], found)
    assert finding["expected"] == expected
    # The message writes the figures as Vietnamese does: 2101 -> "2.101".
    shown = [format_whole_number(int(text)) for text in (found, expected)]
    assert all(f"({text})" in finding["problem"] for text in shown)
    assert failing.findings.filter(pl.col("excel_row") == row_of(index)).height == 1
    assert statuses(failing)[row_of(index)] == "quarantined"
    assert statuses(passing)[row_of(index)] == "accepted"


def test_row_rules_quarantine_only_the_failing_rows(row_rules):
    failing, passing = row_rules
    assert rule_ids(failing) == sorted(r[0] for r in ROW_RULES)
    broken = range(FIRST_ROW, FIRST_ROW + len(ROW_RULES))
    assert statuses(failing) == {**all_accepted(), **dict.fromkeys(broken, "quarantined")}
    assert not failing.rejected
    assert_clean(passing)


# ------------------------------------------------------------------------------- warnings


def test_extra_sheet(tmp_path, warehouse):
    evaluation = check(workbook(tmp_path, layout=Layout(extra_sheet="Ghi chú")), warehouse)
    finding = one(evaluation, "extra_sheet")
    assert (finding["sheet"], finding["value_found"]) == ("Ghi chú", "Ghi chú")
    assert rule_ids(evaluation) == ["extra_sheet"]
    assert statuses(evaluation) == all_accepted()


def test_the_instructions_sheet_is_optional_and_no_extra_sheet(tmp_path, warehouse):
    layout = Layout(omit_sheets=(FMT.instructions_sheet,))
    assert_clean(check(workbook(tmp_path, layout=layout), warehouse))


def test_extra_column(tmp_path, warehouse):
    layout = Layout(extra_columns={"Ghi chú": ["mới sáp nhập"] * len(CODES)})
    evaluation = check(workbook(tmp_path, layout=layout), warehouse)
    finding = one(evaluation, "extra_column")
    assert where(finding) == (SHEET, FIRST_ROW - 1, "Ghi chú", "Ghi chú")
    assert rule_ids(evaluation) == ["extra_column"]
    assert statuses(evaluation) == all_accepted()
    assert evaluation.rows.select("commune_code", *FIGURES).equals(baseline())


def test_metadata_extra(tmp_path, warehouse):
    layout = Layout(labels={"prepared_by": "Người ký"})
    evaluation = check(workbook(tmp_path, layout=layout), warehouse)
    finding = one(evaluation, "metadata_extra")
    assert (finding["sheet"], finding["excel_row"], finding["value_found"]) == (
        META_SHEET, 5, "Người ký",
    )  # fmt: skip
    assert rule_ids(evaluation) == ["metadata_extra"]
    assert statuses(evaluation) == all_accepted()


def renamed(names: dict[int, str | None]) -> pl.DataFrame:
    return COMMUNES.with_columns(
        commune_name=pl.Series([names.get(i, n) for i, n in enumerate(NAMES)], dtype=pl.String)
    )


def test_commune_name_mismatch(tmp_path, warehouse):
    evaluation = check(workbook(tmp_path, communes=renamed({1: "Xã Ân Phú Mới"})), warehouse)
    finding = one(evaluation, "commune_name_mismatch")
    assert where(finding) == (SHEET, row_of(1), LABELS["commune_name"], "Xã Ân Phú Mới")
    assert finding["expected"] == NAMES[1] == "Xã Ân Phú"
    assert rule_ids(evaluation) == ["commune_name_mismatch"]
    assert statuses(evaluation) == all_accepted()


def test_commune_names_that_are_no_mismatch(tmp_path, warehouse):
    names = {
        0: "Vũ Quang",  # "Thị trấn Vũ Quang" without its prefix
        1: "Ân Phú",  # "Xã Ân Phú" without its prefix
        2: nfd("Xã Đức Giang"),
        3: nfd("Đức Lĩnh"),
        4: "XÃ THỌ ĐIỀN",
        5: "  xã  đức   hương ",
        6: None,  # informational: a blank name is no mismatch
    }
    assert [NAMES[i] for i in (0, 2, 4, 5)] == [
        "Thị trấn Vũ Quang", "Xã Đức Giang", "Xã Thọ Điền", "Xã Đức Hương",
    ]  # fmt: skip
    assert_clean(check(workbook(tmp_path, communes=renamed(names)), warehouse))


def test_commune_missing(tmp_path, warehouse):
    communes = COMMUNES.filter(pl.col("commune_code") != CODES[7])
    evaluation = check(workbook(tmp_path, communes=communes), warehouse)
    finding = one(evaluation, "commune_missing")
    assert where(finding) == (SHEET, None, LABELS["commune_code"], CODES[7])
    assert finding["expected"] == NAMES[7]
    assert NAMES[7] in finding["problem"]
    assert rule_ids(evaluation) == ["commune_missing"]
    assert statuses(evaluation) == all_accepted(len(CODES) - 1)
    assert not evaluation.rejected


# ------------------------------------------------------------------------------- history
# History warnings compare with 441's accepted 2024-Q3 (the previous period) and 2023-Q4 (the
# previous year end). Every commune there is baseline commune 1: households 1100,
# poor_start 51, poor_end 44, near_poor_start 61, near_poor_end 56; 2023-Q4 ended at 51 and 61.


def year_end(figures: pl.DataFrame) -> pl.DataFrame:
    """Previous-year Q4 figures whose end counts are ``figures``' start counts."""
    return figures.with_columns(
        poor_end=pl.col("poor_start"),
        poor_start=pl.col("poor_start") + 5,
        poor_exited=pl.lit(5, pl.Int64),
        poor_returned=pl.lit(0, pl.Int64),
        poor_new=pl.lit(0, pl.Int64),
        near_poor_end=pl.col("near_poor_start"),
        near_poor_exited=pl.lit(0, pl.Int64),
        near_poor_returned=pl.lit(0, pl.Int64),
        near_poor_new=pl.lit(0, pl.Int64),
    )


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> DataDir:
    """A data dir holding 441's accepted 2023-Q4 and 2024-Q3."""
    folder = tmp_path_factory.mktemp("history")
    data_dir = DataDir(folder / "dd")
    files = [
        write(folder, figures=year_end(flat(1)), period="2023-Q4", name="2023-Q4.xlsx"),
        write(folder, figures=flat(1), period="2024-Q3", name="2024-Q3.xlsx"),
    ]
    outcomes = ingest_files(files, data_dir, REF, now=NOW)
    assert sorted((o.period, o.status) for o in outcomes) == [
        ("2023-Q4", "accepted"), ("2024-Q3", "accepted"),
    ]  # fmt: skip
    return data_dir


def check_with_history(data: bytes, history: DataDir, name: str = "bieu.xlsx") -> Evaluation:
    with Warehouse.open(history.warehouse) as stored:
        return check(data, stored, name=name)


def test_figures_in_line_with_history_raise_no_warning(tmp_path, history):
    assert_clean(check_with_history(workbook(tmp_path, figures=flat(1)), history))


# (rule, failing change, column named, value found, expected, passing change)
HISTORY_RULES = [
    ("poor_rate_jump", {"poor_new": 62, "poor_end": 104}, "poor_end", "104", "44",
     {"poor_new": 57, "poor_end": 99}),  # 55 of 1100 households: exactly 5 points
    ("near_poor_rate_jump", {"near_poor_new": 63, "near_poor_end": 116}, "near_poor_end", "116",
     "56", {"near_poor_new": 58, "near_poor_end": 111}),
    ("households_jump", {"households": 1211}, "households", "1211", "1100", {"households": 1210}),
    ("households_jump", {"households": 989}, "households", "989", "1100", {"households": 990}),
    ("poor_start_mismatch", {"poor_start": 52, "poor_exited": 11}, "poor_start", "52", "51",
     {"poor_start": 51, "poor_exited": 9, "poor_end": 45}),
    ("near_poor_start_mismatch", {"near_poor_start": 62, "near_poor_exited": 9},
     "near_poor_start", "62", "61", {"near_poor_exited": 7, "near_poor_end": 57}),
]  # fmt: skip


@pytest.fixture(scope="module")
def history_cases(
    folder: Path, history: DataDir, warehouse: Warehouse
) -> tuple[Evaluation, Evaluation, Evaluation]:
    """Change k of HISTORY_RULES on commune k: against history, without it; then kept inside."""
    failing, passing = flat(1), flat(1)
    for index, (_, fail, _, _, _, keep) in enumerate(HISTORY_RULES):
        failing = changed(failing, index, **fail)
        passing = changed(passing, index, **keep)
    failing_data = workbook(folder, figures=failing, name="history-fail.xlsx")
    passing_data = workbook(folder, figures=passing, name="history-pass.xlsx")
    return (
        check_with_history(failing_data, history),
        check(failing_data, warehouse),
        check_with_history(passing_data, history),
    )


@pytest.mark.parametrize(
    ("index", "rule_id", "column", "found", "expected"),
    [(i, r[0], r[2], r[3], r[4]) for i, r in enumerate(HISTORY_RULES)],
    ids=[f"{r[0]}-{r[3]}" for r in HISTORY_RULES],
)
def test_history_warning(history_cases, index, rule_id, column, found, expected):
    with_history, _, passing = history_cases
    finding = at(with_history, rule_id, row_of(index))
    assert where(finding) == (SHEET, row_of(index), LABELS[column], found)
    assert finding["expected"] == expected
    assert with_history.findings.filter(pl.col("excel_row") == row_of(index)).height == 1
    assert passing.findings.filter(pl.col("excel_row") == row_of(index)).is_empty()


def test_history_figures_in_messages_are_grouped_as_vietnamese_writes_them(history_cases):
    with_history, _, _ = history_cases
    # Commune 2 declares 1211 households against 1100 stored for the period before.
    finding = at(with_history, "households_jump", row_of(2))
    assert "(kỳ trước 1.100, kỳ này 1.211)" in finding["problem"]
    assert "1.100" in finding["message"]
    assert (finding["expected"], finding["value_found"]) == ("1100", "1211")  # stored as digits


def test_only_row_checks_have_their_figures_grouped():
    rules = pl.DataFrame(
        {
            "rule_id": ["households_jump", "commune_foreign"],
            "severity": ["warning", "row_error"],
            "kind": ["row_check", "builtin"],
            "message": ["kỳ trước {expected}, kỳ này {value}.", "Xã mã «{value}» ({expected})."],
            "fix": ["", ""],
        }
    )
    findings = pl.DataFrame(
        {
            "rule_id": ["households_jump", "commune_foreign"],
            "value_found": ["1790", "18316"],
            "expected": ["-1234567", "2024"],
            "detail": [None, None],
            "excel_row": [4, 5],
            "column_label": ["a", "b"],
        }
    )
    problems = dict(render(findings, rules).select("rule_id", "problem").iter_rows())
    assert problems == {
        "households_jump": "kỳ trước -1.234.567, kỳ này 1.790.",
        "commune_foreign": "Xã mã «18316» (2024).",  # a code and a year: quoted as found
    }


def test_history_warnings_keep_the_rows_and_need_history(history_cases):
    with_history, without_history, passing = history_cases
    assert rule_ids(with_history) == sorted(r[0] for r in HISTORY_RULES)
    assert statuses(with_history) == all_accepted()  # a warning keeps the row
    assert not with_history.rejected
    assert_clean(without_history)  # nothing to compare with: no warning
    assert_clean(passing)  # just inside the thresholds


def test_without_a_stored_year_end_the_start_counts_are_not_checked(tmp_path, history):
    # 2025-Q1 follows 2024-Q3 (same figures); 2024-Q4, its year end, is not stored.
    figures = changed(flat(1), 0, poor_start=99, poor_exited=58)  # poor_end stays 44
    evaluation = check_with_history(workbook(tmp_path, figures=figures, period="2025-Q1"), history)
    assert_clean(evaluation)
    # The same start count in 2024-Q4, whose year end 2023-Q4 is stored, is a mismatch.
    evaluation = check_with_history(workbook(tmp_path, figures=figures), history)
    assert where(one(evaluation, "poor_start_mismatch")) == (
        SHEET, row_of(0), LABELS["poor_start"], "99",
    )  # fmt: skip


def test_history_applies_to_csv_files_too(history):
    figures = changed(flat(1), 3, households=1211)
    evaluation = check_with_history(csv_text(figures=figures).encode(), history, name="441.csv")
    assert where(one(evaluation, "households_jump")) == ("CSV", 5, LABELS["households"], "1211")


# ------------------------------------------------------------------------------- layouts


def test_nfd_and_upper_case_sheet_names_and_labels_are_accepted(tmp_path, warehouse):
    layout = Layout(
        sheet_names={
            FMT.figures_sheet: nfd(FMT.figures_sheet.upper()),
            FMT.metadata_sheet: nfd(FMT.metadata_sheet),
        },
        labels={key: nfd(label) if i % 2 else label.upper() for i, (key, label)
                in enumerate(LABELS.items())},
    )  # fmt: skip
    data = workbook(tmp_path, layout=layout)
    evaluation = check(data, warehouse)
    assert_clean(evaluation)
    assert evaluation.rows.select("commune_code", *FIGURES).equals(baseline())
    bad = check(
        workbook(tmp_path, layout=layout, figures=changed(baseline(), 0, workers="x")), warehouse
    )
    assert one(bad, "figure_invalid")["column_label"] == LABELS["workers"]


def test_reordered_columns_are_read_by_label(tmp_path, warehouse):
    layout = Layout(column_order=list(reversed(KEYS)))
    evaluation = check(workbook(tmp_path, layout=layout), warehouse)
    assert_clean(evaluation)
    assert evaluation.rows.select("commune_code", *FIGURES).equals(baseline())


def test_reordered_and_extra_columns_with_a_total_row(tmp_path, warehouse):
    order = ["commune_name", *reversed(FIGURES), "commune_code"]
    layout = Layout(column_order=order, extra_columns={"Ghi chú": ["x"] * 10}, total_row=True)
    evaluation = check(workbook(tmp_path, layout=layout), warehouse)
    assert rule_ids(evaluation) == ["extra_column"]
    assert statuses(evaluation) == all_accepted()
    assert evaluation.rows.select("commune_code", *FIGURES).equals(baseline())


@pytest.mark.parametrize("title_rows", [0, 1, 5])
def test_title_rows_shift_the_excel_rows(tmp_path, warehouse, title_rows):
    figures = changed(baseline(), 3, poor_new="2,0")
    evaluation = check(
        workbook(tmp_path, figures=figures, layout=Layout(title_rows=title_rows)), warehouse
    )
    first = title_rows + 2
    finding = one(evaluation, "figure_invalid")
    assert where(finding) == (SHEET, first + 3, LABELS["poor_new"], "2,0")
    assert statuses(evaluation) == {**all_accepted(first=first), first + 3: "quarantined"}


COVERED = {
    "file_type", "file_too_large", "file_unsafe", "file_encrypted", "file_unreadable",
    "sheet_missing", "metadata_missing", "metadata_invalid", "unit_unknown", "period_invalid",
    "period_future", "column_missing", "no_rows", "total_mismatch", "csv_inconsistent",
    "csv_encoding", "commune_code_invalid", "commune_foreign", "commune_duplicate",
    "figure_empty", "figure_invalid", *(r[0] for r in ROW_RULES), "extra_sheet", "extra_column",
    "metadata_extra", "commune_name_mismatch", "commune_missing", *(r[0] for r in HISTORY_RULES),
}  # fmt: skip


# ------------------------------------------------------------------------------- known bugs


def test_an_empty_figures_sheet_is_column_missing(warehouse):
    book = openpyxl.Workbook()
    book.active.title = META_SHEET
    for row, (label, value) in enumerate(
        [
            (LABELS["unit_code"], UNIT),
            (LABELS["period"], PERIOD),
            (LABELS["template_version"], "1"),
        ],
        start=1,
    ):
        book.active.cell(row, 1).value = label
        book.active.cell(row, 2).value = value
    book.create_sheet(SHEET)
    out = io.BytesIO()
    book.save(out)
    evaluation = check(out.getvalue(), warehouse)
    assert evaluation.rejected
    assert set(rule_ids(evaluation)) == {"column_missing"}


def test_an_excel_error_cell_is_an_invalid_figure_naming_the_error(tmp_path, warehouse):
    data = workbook(tmp_path, layout=Layout(protect=False))
    book = openpyxl.load_workbook(io.BytesIO(data))
    cell = book[SHEET][f"{WORKERS_COLUMN}{row_of(2)}"]
    cell.value, cell.data_type = "#DIV/0!", "e"
    out = io.BytesIO()
    book.save(out)
    evaluation = check(out.getvalue(), warehouse)
    assert statuses(evaluation)[row_of(2)] == "quarantined"  # holds today
    finding = one(evaluation, "figure_invalid")
    assert where(finding) == (SHEET, row_of(2), LABELS["workers"], "#DIV/0!")


def test_rate_rules_do_not_overflow_on_large_accepted_figures():
    figures = flat(1).with_columns(households=pl.lit(1_500_000_000, pl.Int64))
    typed = figures.with_columns(
        excel_row=pl.int_range(FIRST_ROW, FIRST_ROW + len(CODES), dtype=pl.Int64),
        commune_name=pl.lit(None, pl.String),
    )
    history = figures.select(
        "commune_code",
        *[pl.col(f).alias(f"prev_{f}") for f in FIGURES],
        *[pl.col(f).alias(f"prev_year_q4_{f}") for f in FIGURES],
    ).with_columns(prev_year_q4_poor_end=pl.col("prev_poor_start"),
                   prev_year_q4_near_poor_end=pl.col("prev_near_poor_start"))  # fmt: skip
    found = rule_findings(typed.with_columns(file_id=0), history, list(REF.row_rules), LABELS)
    assert found["rule_id"].to_list() == []  # the same figures as the previous period
