"""Finding the table in a grid of text cells: header, columns, rows, total row, row numbers."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import polars as pl
import pytest

from transforms.layout import Column, Table, extract_table, with_excel_rows

SHEET = "Biểu 01"
TOTAL = "Tổng cộng"
COLUMNS = [
    Column("commune_code", "Mã xã", "code"),
    Column("commune_name", "Tên xã", "text"),
    Column("households", "Tổng số hộ dân cư", "figure"),
    Column("poor_end", "Số hộ nghèo cuối kỳ", "figure"),
]
HEADER = [c.label for c in COLUMNS]
ROW_A = ["18313", "Thị trấn Vũ Quang", "1000", "43"]
ROW_B = ["18316", "Xã Ân Phú", "1.100", "44"]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def grid(*rows: Sequence[str | None]) -> pl.DataFrame:
    """A sheet as the reader gives it: text cells named like fastexcel's, row numbers from 1."""
    width = max(len(r) for r in rows)
    cells = {f"__UNNAMED__{i}": [r[i] if i < len(r) else None for r in rows] for i in range(width)}
    return with_excel_rows(pl.DataFrame(cells, schema=dict.fromkeys(cells, pl.String)))


def extract(*rows: Sequence[str | None], ignored: frozenset[str] = frozenset()) -> Table:
    return extract_table(grid(*rows), COLUMNS, SHEET, TOTAL, ignored)


def records(frame: pl.DataFrame) -> list[dict[str, object]]:
    return frame.select(sorted(frame.columns)).to_dicts()


def as_rows(*rows: tuple[int, list[str]]) -> list[dict[str, object]]:
    keys = [c.key for c in COLUMNS]
    return [{"excel_row": n, **dict(zip(keys, values, strict=True))} for n, values in rows]


def rules(table: Table) -> list[str]:
    return table.findings["rule_id"].to_list()


def test_header_on_the_first_row():
    table = extract(HEADER, ROW_A, ROW_B)
    assert table.header_row == 1
    assert records(table.rows) == records(pl.DataFrame(as_rows((2, ROW_A), (3, ROW_B))))
    assert table.total.is_empty()
    assert rules(table) == []


def test_title_rows_above_the_header_are_skipped_and_rows_keep_excel_numbers():
    table = extract(
        ["BIỂU 01: SỐ LIỆU KỲ 2024-Q4"],
        [None, "Mã xã và Tên xã theo danh mục"],  # mentions labels, but is no header
        [None],
        HEADER,
        ROW_A,
        ROW_B,
    )
    assert table.header_row == 4
    assert table.rows["excel_row"].to_list() == [5, 6]
    assert table.rows["commune_code"].to_list() == ["18313", "18316"]
    assert rules(table) == []


def test_a_row_with_only_two_labels_is_not_the_header():
    partial = ["Mã xã", "Tên xã", None, None]  # two labels only: not enough for a header
    table = extract(partial, HEADER, ROW_A)
    assert table.header_row == 2
    assert table.rows["excel_row"].to_list() == [3]


def test_reordered_columns_are_mapped_by_label():
    order = [3, 0, 2, 1]
    table = extract([HEADER[i] for i in order], [ROW_A[i] for i in order])
    assert records(table.rows) == records(pl.DataFrame(as_rows((2, ROW_A))))
    assert rules(table) == []


def test_an_extra_column_is_ignored_with_a_warning_naming_it():
    table = extract([*HEADER[:2], "Ghi chú", *HEADER[2:]], [*ROW_A[:2], "mới sáp nhập", *ROW_A[2:]])
    assert set(table.rows.columns) == {"excel_row", *(c.key for c in COLUMNS)}
    assert records(table.rows) == records(pl.DataFrame(as_rows((2, ROW_A))))
    found = table.findings.row(0, named=True)
    assert table.findings.height == 1
    assert (found["rule_id"], found["value_found"], found["excel_row"], found["sheet"]) == (
        "extra_column",
        "Ghi chú",
        1,
        SHEET,
    )


def test_ignored_headers_are_not_extra_columns():
    table = extract(["unit_code", *HEADER], ["441", *ROW_A], ignored=frozenset({"unit_code"}))
    assert rules(table) == []
    assert "unit_code" not in table.rows.columns


def test_a_repeated_label_keeps_the_first_column():
    table = extract([*HEADER, "Tổng số hộ dân cư"], [*ROW_A, "9999"])
    assert table.rows["households"].to_list() == ["1000"]
    assert rules(table) == ["extra_column"]
    assert table.findings["value_found"].to_list() == ["Tổng số hộ dân cư"]


@pytest.mark.parametrize(
    "header",
    [
        [nfd(label) for label in HEADER],
        [label.upper() for label in HEADER],
        [nfd(label.upper()) for label in HEADER],
        [f"  {label.replace(' ', '   ')}\n" for label in HEADER],  # stray blanks, a line break
        [c.key for c in COLUMNS],  # CSV files use keys
    ],
    ids=["nfd", "upper", "nfd-upper", "blanks", "keys"],
)
def test_labels_match_whatever_their_normalisation_case_or_blanks(header):
    table = extract(header, ROW_A)
    assert table.header_row == 1
    assert records(table.rows) == records(pl.DataFrame(as_rows((2, ROW_A))))
    assert rules(table) == []


@pytest.mark.parametrize("missing", range(len(COLUMNS)))
def test_a_missing_column_is_named_by_its_label(missing):
    keep = [i for i in range(len(COLUMNS)) if i != missing]
    table = extract([HEADER[i] for i in keep], [ROW_A[i] for i in keep])
    assert table.header_row == 1
    assert rules(table) == ["column_missing"]
    found = table.findings.row(0, named=True)
    assert (found["expected"], found["sheet"]) == (COLUMNS[missing].label, SHEET)
    assert COLUMNS[missing].key not in table.rows.columns


def test_without_a_header_every_column_is_missing():
    table = extract(["Danh sách"], ROW_A, ROW_B)
    assert table.header_row is None
    assert table.rows.is_empty()
    assert rules(table) == ["column_missing"] * len(COLUMNS)
    assert table.findings["expected"].to_list() == HEADER


def test_rows_end_at_the_first_empty_row():
    table = extract(HEADER, ROW_A, [None, None, None, None], ROW_B)
    assert table.rows["excel_row"].to_list() == [2]
    assert table.total.is_empty()


def test_a_row_of_blanks_is_an_empty_row():
    table = extract(HEADER, ROW_A, ["", "  ", "\t", " "], ROW_B)
    assert table.rows["excel_row"].to_list() == [2]


def test_a_row_with_only_an_unknown_cell_filled_is_an_empty_row():
    table = extract(
        [*HEADER, "Ghi chú"], [*ROW_A, None], [None, None, None, None, "ghi chú"], ROW_B
    )
    assert table.rows["excel_row"].to_list() == [2]


def test_a_row_with_any_known_cell_filled_is_a_row():
    partly = [None, None, "5", None]
    table = extract(HEADER, ROW_A, partly, ROW_B)
    assert table.rows["excel_row"].to_list() == [2, 3, 4]
    assert table.rows["households"].to_list() == ["1000", "5", "1.100"]


def test_rows_run_to_the_end_of_the_sheet():
    table = extract(HEADER, ROW_A, ROW_B)
    assert table.rows["excel_row"].to_list() == [2, 3]


def test_a_header_and_nothing_else_gives_no_rows():
    table = extract(["Biểu 01"], HEADER)
    assert table.header_row == 2
    assert table.rows.is_empty()
    assert rules(table) == []


@pytest.mark.parametrize(
    "label",
    ["Tổng cộng", nfd("Tổng cộng"), "tổng cộng", "TỔNG CỘNG", nfd("TỔNG CỘNG"), "  Tổng  cộng "],
    ids=["nfc", "nfd", "lower", "upper", "nfd-upper", "blanks"],
)
def test_the_total_row_is_split_off(label):
    total = [label, None, "2100", "87"]
    table = extract(["Biểu 01"], HEADER, ROW_A, ROW_B, total, ["ghi chú dưới bảng"])
    assert table.rows["excel_row"].to_list() == [3, 4]
    assert table.total["excel_row"].to_list() == [5]
    assert table.total["households"].to_list() == ["2100"]
    assert table.total["poor_end"].to_list() == ["87"]


def test_a_total_after_an_empty_row_is_not_the_total():
    table = extract(HEADER, ROW_A, [None], ["Tổng cộng", None, "1000", "43"])
    assert table.rows["excel_row"].to_list() == [2]
    assert table.total.is_empty()


def test_total_in_another_column_than_the_code_is_not_a_total_row():
    table = extract(HEADER, ROW_A, [None, "Tổng cộng", "1000", "43"])
    assert table.total.is_empty()
    assert table.rows["excel_row"].to_list() == [2, 3]


def test_excel_rows_can_start_elsewhere():
    frame = pl.DataFrame({"a": ["x", "y"]})
    assert with_excel_rows(frame)["excel_row"].to_list() == [1, 2]
    assert with_excel_rows(frame, first_row=5)["excel_row"].to_list() == [5, 6]
    assert with_excel_rows(frame).schema["excel_row"] == pl.Int64


def test_an_empty_sheet_has_every_column_missing():
    empty = with_excel_rows(pl.DataFrame())
    table = extract_table(empty, COLUMNS, SHEET, TOTAL)
    assert table.header_row is None
    assert rules(table) == ["column_missing"] * len(COLUMNS)
