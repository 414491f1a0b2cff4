"""The form-HN template (``ntm template --form HN``): what a commune fills for a household review.

Every check reads the written file back, as a commune's copy of Excel and the department's
reader would: fastexcel for the values, the sheet XML for the drop-downs and the protection,
openpyxl for cell locks and to fill and save the template like a clerk.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import fastexcel
import openpyxl
import polars as pl
import pytest
from xlsxwriter.utility import xl_col_to_name

from ntm.intake.household_template import ROWS, TemplateError, write_household_template
from ntm.intake.households import screen_households
from ntm.intake.readers import read_file
from ntm.reference import Reference
from transforms.layout import extract_table, with_excel_rows
from transforms.registry import communes_of
from transforms.text import match_key

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
COMMUNE_2026 = "18073"  # Phường Thành Sen since 2025-07-01 (Phường Nam Hà before: a reused code)
DISTRICT_2024 = "436"  # Thành phố Hà Tĩnh, a reporting district until 2025-07-01
HEADER_EXCEL_ROW = 4


def write(tmp_path: Path, ref: Reference, unit: str, year: int, kind: str) -> Path:
    return write_household_template(
        tmp_path / f"hn-{unit}-{year}-{kind}.xlsx", ref, unit, year, kind
    )


Template = Callable[[str, int, str], Path]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Iterator[Template]:
    """The template of (unit, year, kind), written once for the module (writing one takes about
    a second: 5,000 prepared rows). Tests only read it: one that changes a file copies it first,
    and the module checks at its end that no written file was changed."""
    folder = tmp_path_factory.mktemp("hn-templates")
    written: dict[tuple[str, int, str], tuple[Path, str]] = {}

    def get(unit: str, year: int, kind: str) -> Path:
        key = (unit, year, kind)
        if key not in written:
            path = write(folder, ref, unit, year, kind)
            written[key] = (path, hashlib.sha256(path.read_bytes()).hexdigest())
        return written[key][0]

    yield get
    for path, digest in written.values():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{path.name} was changed"


def grid(path: Path, sheet: str) -> pl.DataFrame:
    """A sheet as text, columns c0, c1, ... (as the intake reader sees it)."""
    frame = (
        fastexcel.read_excel(path).load_sheet(sheet, header_row=None, dtypes="string").to_polars()
    )
    frame.columns = [f"c{i}" for i in range(frame.width)]
    return frame


def sheet_text(path: Path, sheet: str) -> str:
    return "\n".join(" ".join(cell for cell in row if cell) for row in grid(path, sheet).rows())


def sheet_xml(path: Path, sheet: str) -> ElementTree.Element:
    """The worksheet XML of the sheet named ``sheet``, found through the workbook's relations."""
    with zipfile.ZipFile(path) as archive:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        rid = next(
            s.get(f"{DOC_RELS}id") for s in book.iter(f"{MAIN}sheet") if s.get("name") == sheet
        )
        target = next(
            r.get("Target") for r in rels.iter(f"{RELS}Relationship") if r.get("Id") == rid
        )
        return ElementTree.fromstring(archive.read(f"xl/{target}"))


def validations(path: Path, sheet: str) -> dict[str, dict[str, str]]:
    """Column letter -> type, operator, formula1 and sqref of the validation covering it."""
    found = {}
    for entry in sheet_xml(path, sheet).iter(f"{MAIN}dataValidation"):
        sqref = entry.get("sqref", "")
        column = re.match(r"[A-Z]+", sqref)
        assert column is not None
        formula = entry.find(f"{MAIN}formula1")
        found[column.group(0)] = {
            "type": entry.get("type", ""),
            "operator": entry.get("operator", ""),
            "formula1": "" if formula is None else (formula.text or ""),
            "sqref": sqref,
        }
    return found


# ---------------------------------------------------------------------------- sheets, metadata


def test_the_workbook_has_the_three_sheets_and_the_metadata_of_the_review(template, ref):
    path = template(COMMUNE_2026, 2026, "dinh-ky")
    fmt = ref.households
    assert fastexcel.read_excel(path).sheet_names == ["Hướng dẫn", "Thông tin", "Danh sách hộ"]
    assert [fmt.instructions_sheet, fmt.metadata_sheet, fmt.households_sheet] == [
        "Hướng dẫn",
        "Thông tin",
        "Danh sách hộ",
    ]
    rows = grid(path, fmt.metadata_sheet).rows()
    # Labels exactly as household_format.toml has them, in column A; values in column B.
    assert [label for label, _ in rows] == [c.label for c in fmt.metadata]
    assert dict(rows) == {
        "Biểu mẫu": "HN",
        "Mã đơn vị báo cáo": COMMUNE_2026,
        "Tên đơn vị báo cáo": "Phường Thành Sen",
        "Năm rà soát": "2026",
        "Loại rà soát": "Định kỳ",
        "Chuẩn nghèo": "2022-2026",
        "Ngày lập": None,
        "Người lập": None,
        "Phiên bản mẫu": "HN-1",
    }


def test_a_baseline_review_names_the_next_standard(template, ref):
    path = template(COMMUNE_2026, 2026, "dau-ky")
    values = dict(grid(path, "Thông tin").rows())
    assert values["Loại rà soát"] == "Đầu kỳ"
    assert values["Chuẩn nghèo"] == "2027-2030"
    titles = sheet_text(path, "Danh sách hộ")
    assert "DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO – RÀ SOÁT ĐẦU KỲ NĂM 2026" in titles
    assert ref.standard("2027-2030").name in titles


# ---------------------------------------------------------------------------- the household table


THE_2022_2026_INDICATORS = [
    "employment", "dependants", "nutrition", "health_insurance", "adult_education",
    "child_schooling", "housing_quality", "housing_area", "drinking_water", "latrine", "telecom",
    "information_access",
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "standard_id", "indicators"),
    [
        ("dinh-ky", "2022-2026", THE_2022_2026_INDICATORS),
        (
            "dau-ky",
            "2027-2030",
            [i for i in THE_2022_2026_INDICATORS if i != "information_access"]
            + ["digital_services", "internet", "waste"],
        ),
    ],
)
def test_the_header_row_is_the_table_columns_of_the_standard(
    template, ref, kind, standard_id, indicators
):
    path = template(COMMUNE_2026, 2026, kind)
    standard = ref.review_standard(2026, kind)
    assert standard.id == standard_id
    assert sorted(standard.indicator_ids) == sorted(indicators)
    columns = ref.households.table_columns(standard.indicators)
    rows = grid(path, "Danh sách hộ").rows()
    assert rows[0][0].startswith("DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO – RÀ SOÁT")
    assert all(cell is None for cell in rows[2])
    header = list(rows[HEADER_EXCEL_ROW - 1])
    assert header == [c.label for c in columns]
    fixed = len(ref.households.columns) + len(ref.households.causes)
    assert len(header) == fixed + len(indicators)
    labels = dict(standard.indicators.select("id", "label").rows())
    flags = header[header.index("Thu nhập dưới chuẩn") + 1 : header.index("Điểm B2")]
    assert flags == [labels[i] for i in standard.indicator_ids]
    assert len(rows) == HEADER_EXCEL_ROW  # no household row is pre-filled


def test_drop_downs_and_whole_numbers_cover_the_data_rows(template, ref):
    path = template(COMMUNE_2026, 2026, "dau-ky")
    columns = ref.households.table_columns(ref.review_standard(2026, "dau-ky").indicators)
    letter = {c.key: xl_col_to_name(i) for i, c in enumerate(columns)}
    found = validations(path, "Danh sách hộ")
    first, last = HEADER_EXCEL_ROW + 1, HEADER_EXCEL_ROW + ROWS
    for column in columns:
        assert (
            found[letter[column.key]]["sqref"]
            == f"{letter[column.key]}{first}:{letter[column.key]}{last}"
        )
    flags = [c.key for c in columns if c.kind == "flag"]
    assert len(flags) == 14 + 1 + 4 + 7  # indicators, income_below_line, groups, causes
    for key in flags:
        assert found[letter[key]]["type"] == "list", key
        assert found[letter[key]]["formula1"] == '"1,0"', key
    assert found[letter["area"]]["formula1"] == '"Nông thôn,Thành thị"'
    assert found[letter["result"]]["formula1"] == '"Hộ nghèo,Hộ cận nghèo,Không nghèo"'
    for key, least in (("members", "1"), ("income_score", "0"), ("deprivation_points", "0")):
        assert found[letter[key]]["type"] == "whole", key
        assert found[letter[key]]["operator"] == "greaterThanOrEqual", key
        assert found[letter[key]]["formula1"] == least, key
    assert found[letter["commune_code"]]["type"] == "list"
    assert found[letter["commune_code"]]["formula1"].startswith("'Hướng dẫn'!$A$")
    # Text cells refuse what looks like an identification or a phone number.
    for key in ("household_code", "village"):
        assert found[letter[key]]["type"] == "custom"
        assert "LEN(" in found[letter[key]]["formula1"]


def test_sheets_are_protected_headers_locked_and_data_cells_open(template, ref):
    path = template(COMMUNE_2026, 2026, "dinh-ky")
    for sheet in ("Thông tin", "Danh sách hộ", "Hướng dẫn"):
        protection = sheet_xml(path, sheet).find(f"{MAIN}sheetProtection")
        assert protection is not None, sheet
        assert protection.get("password") is None  # no password, as the quarterly template
    with zipfile.ZipFile(path) as archive:
        assert b"<dataValidation " in archive.read("xl/worksheets/sheet3.xml")
        assert b"<sheetProtection" in archive.read("xl/worksheets/sheet3.xml")
    book = openpyxl.load_workbook(path)
    table = book["Danh sách hộ"]
    width = len(ref.households.table_columns(ref.review_standard(2026, "dinh-ky").indicators))
    assert table.protection.sheet
    assert table.freeze_panes == f"C{HEADER_EXCEL_ROW + 1}"
    for column in range(1, width + 1):
        assert table.cell(HEADER_EXCEL_ROW, column).protection.locked
        assert not table.cell(HEADER_EXCEL_ROW + 1, column).protection.locked
        assert not table.cell(HEADER_EXCEL_ROW + ROWS, column).protection.locked
    assert table.cell(1, 1).protection.locked
    assert table.cell(HEADER_EXCEL_ROW + 1, 1).number_format == "@"  # Mã xã is text
    meta = book["Thông tin"]
    assert meta.protection.sheet
    open_values = {
        meta.cell(row, 1).value
        for row in range(1, len(ref.households.metadata) + 1)
        if not meta.cell(row, 2).protection.locked
    }
    assert open_values == {"Ngày lập", "Người lập"}


def test_the_commune_drop_down_lists_the_communes_of_a_2024_district(template, ref):
    path = template(DISTRICT_2024, 2024, "dinh-ky")
    expected = communes_of(
        ref.registry, DISTRICT_2024, date(2024, 12, 31), ref.settings.communes_report_from
    )
    assert expected.height > 1
    source = validations(path, "Danh sách hộ")["A"]["formula1"]
    match = re.fullmatch(r"'Hướng dẫn'!\$A\$(\d+):\$A\$(\d+)", source)
    assert match is not None, source
    start, end = int(match.group(1)), int(match.group(2))
    listed = grid(path, "Hướng dẫn").slice(start - 1, end - start + 1)
    assert listed.rows() == expected.select("commune_code", "commune_name").rows()
    assert dict(grid(path, "Thông tin").rows())["Tên đơn vị báo cáo"] == "Thành phố Hà Tĩnh"


def test_a_2026_commune_lists_itself_under_its_current_name(template, ref):
    path = template(COMMUNE_2026, 2026, "dinh-ky")
    source = validations(path, "Danh sách hộ")["A"]["formula1"]
    row = int(re.findall(r"\d+", source)[0])
    assert grid(path, "Hướng dẫn").row(row - 1) == (COMMUNE_2026, "Phường Thành Sen")
    assert source.endswith(f"$A${row}")


# ---------------------------------------------------------------------------- instructions


def test_the_2022_2026_instructions_quote_its_lines_and_cut_offs(template, ref):
    text = sheet_text(template(COMMUNE_2026, 2026, "dinh-ky"), "Hướng dẫn")
    assert "1.500.000 (nông thôn), 2.000.000 (thành thị)" in text
    assert "điểm B1 ≤ 140 (nông thôn), ≤ 175 (thành thị)" in text
    assert "thiếu hụt từ 3 chỉ số trở lên" in text
    assert "thiếu hụt dưới 3 chỉ số" in text
    assert "Điểm B2 = 10 × số chỉ số thiếu hụt" in text
    assert "Thiếu hụt phương tiện tiếp cận thông tin – chiều thông tin" in text
    assert "(tạm thời)" not in text
    assert "chưa công bố" not in text.lower()
    assert "có hiệu lực từ ngày 01/01/2027" in text


def test_the_2027_2030_instructions_say_no_cut_off_is_published(template, ref):
    text = sheet_text(template(COMMUNE_2026, 2026, "dau-ky"), "Hướng dẫn")
    assert "2.200.000 (nông thôn), 2.800.000 (thành thị)" in text
    assert "Chuẩn nghèo 2027-2030 chưa công bố ngưỡng điểm B1" in text
    assert "«Thu nhập dưới chuẩn» bắt buộc" in text
    assert "140" not in text
    assert "1.500.000" not in text
    assert "Thiếu hụt sử dụng dịch vụ số – chiều thông tin (tạm thời)" in text
    assert "Thiếu hụt xử lý rác thải sinh hoạt" in text
    assert "Thiếu hụt phương tiện tiếp cận thông tin" not in text
    assert "Báo chí về dự thảo Nghị định 351/2025/NĐ-CP" in text  # the provisional source
    assert "14 chỉ số" in text


def test_the_instructions_state_the_personal_data_rule_and_the_flags(template, ref):
    text = sheet_text(template(COMMUNE_2026, 2026, "dinh-ky"), "Hướng dẫn")
    for words in (
        "họ tên",
        "CCCD",
        "CMND",
        "số định danh",
        "ngày sinh",
        "số điện thoại",
        "địa chỉ",
    ):
        assert words in text, words
    assert "bị trả lại toàn bộ" in text
    assert "không thể đảo ngược" in text
    assert "Luật 91/2025/QH15" in text
    for column in (*ref.households.causes, *ref.households.columns):
        if column.kind == "flag":
            assert f"«{column.label}»" in text, column.key


def test_every_number_of_the_rule_comes_from_the_standard(tmp_path, ref):
    """Change the 2022-2026 standard's values: the sentences follow, nothing stays behind."""
    current = ref.standard("2022-2026")
    changed = dataclasses.replace(
        current,
        income_lines={"rural": 1_234_000, "urban": 2_345_000},
        score_cutoffs={"rural": 111, "urban": None},
        poor_min_deprivations=4,
        points_per_indicator=7,
    )
    other = dataclasses.replace(
        ref, standards=tuple(changed if s.id == current.id else s for s in ref.standards)
    )
    text = sheet_text(write(tmp_path, other, COMMUNE_2026, 2026, "dinh-ky"), "Hướng dẫn")
    assert "1.234.000 (nông thôn), 2.345.000 (thành thị)" in text
    assert "điểm B1 ≤ 111 (nông thôn)" in text
    assert "Chưa công bố ngưỡng điểm B1 cho khu vực thành thị" in text
    assert "«Thu nhập dưới chuẩn» bắt buộc" in text
    assert "từ 4 chỉ số trở lên" in text
    assert "dưới 4 chỉ số" in text
    assert "7 × số chỉ số thiếu hụt" in text
    for old in ("1.500.000", "2.000.000", "140", "175", "3 chỉ số", "10 ×"):
        assert old not in text, old


# ---------------------------------------------------------------------------- refused arguments


@pytest.mark.parametrize(
    ("unit", "year", "kind", "says"),
    [
        (COMMUNE_2026, 2026, "xyz", "unknown review kind 'xyz'"),
        # 2021's periodic review is under 2016-2020, which is not reviewed on form HN.
        (
            DISTRICT_2024,
            2021,
            "dinh-ky",
            "not reviewed on form HN under the poverty standard 2016-2020",
        ),
        # 2025 and 2026 share a standard: no baseline in 2025; none follows 2027-2030 yet.
        (DISTRICT_2024, 2024, "dau-ky", "no dau-ky review in 2024"),
        (COMMUNE_2026, 2027, "dau-ky", "no dau-ky review in 2027"),
        ("99999", 2026, "dinh-ky", "no reporting unit with code 99999 on 2026-12-31"),
        # Districts were abolished on 2025-07-01; before it, a commune did not report itself.
        (DISTRICT_2024, 2026, "dinh-ky", "no reporting unit with code 436 on 2026-12-31"),
        (COMMUNE_2026, 2024, "dinh-ky", "before 2025-07-01 districts report for their communes"),
        (DISTRICT_2024, 1990, "dinh-ky", "no poverty standard applies to 1990"),
    ],
)
def test_refused_arguments_raise_a_template_error_and_write_nothing(
    tmp_path, ref, unit, year, kind, says
):
    target = tmp_path / "hn.xlsx"
    with pytest.raises(TemplateError, match=re.escape(says)):
        write_household_template(target, ref, unit, year, kind)
    assert list(tmp_path.iterdir()) == []
    assert issubclass(TemplateError, ValueError)


def test_the_2021_baseline_review_is_under_the_2022_2026_standard(template, ref):
    """A baseline review at the end of 2021 is the one that prepared the 2022-2026 standard."""
    assert ref.review_standard(2021, "dau-ky").id == "2022-2026"
    path = template(DISTRICT_2024, 2021, "dau-ky")
    assert dict(grid(path, "Thông tin").rows())["Chuẩn nghèo"] == "2022-2026"


# ---------------------------------------------------------------------------- filled by a clerk


HOUSEHOLDS = [
    {"commune_code": COMMUNE_2026, "household_code": "TS-001", "village": "Tổ 3",
     "area": "Thành thị", "members": 4, "income_score": 150, "income_below_line": 1,
     "employment": 1, "health_insurance": 1, "latrine": 1, "deprivation_points": 30,
     "result": "Hộ nghèo", "cause_capital": 1},
    {"commune_code": COMMUNE_2026, "household_code": "TS-002", "village": "Tổ 5",
     "area": "Thành thị", "members": 2, "income_score": 190, "income_below_line": 0,
     "result": "Không nghèo"},
]  # fmt: skip


def fill(path: Path, ref: Reference, year: int, kind: str) -> Path:
    """What a clerk does: date and sign the metadata, type two households, save."""
    standard = ref.review_standard(year, kind)
    assert standard is not None
    columns = ref.households.table_columns(standard.indicators)
    book = openpyxl.load_workbook(path)
    meta = book["Thông tin"]
    rows = {meta.cell(row, 1).value: row for row in range(1, meta.max_row + 1)}
    meta.cell(rows["Ngày lập"], 2).value = date(year, 12, 20)
    meta.cell(rows["Người lập"], 2).value = "Công chức văn hóa - xã hội"
    table = book["Danh sách hộ"]
    for offset, household in enumerate(HOUSEHOLDS):
        for position, column in enumerate(columns, start=1):
            value = household.get(column.key, 0 if column.kind == "flag" else None)
            table.cell(HEADER_EXCEL_ROW + 1 + offset, position).value = value
    book.save(path)
    return path


@pytest.fixture(scope="module")
def filled(
    tmp_path_factory: pytest.TempPathFactory, ref: Reference, template: Template
) -> Callable[[str], Path]:
    """The 2026 template of COMMUNE_2026 of a kind, filled by a clerk (``fill``) once for the
    module: a copy of the written one (openpyxl takes seconds to load and save it)."""
    folder = tmp_path_factory.mktemp("hn-filled")
    done: dict[str, Path] = {}

    def get(kind: str) -> Path:
        if kind not in done:
            copy = shutil.copy(template(COMMUNE_2026, 2026, kind), folder / f"{kind}.xlsx")
            done[kind] = fill(Path(copy), ref, 2026, kind)
        return done[kind]

    return get


def test_a_filled_and_saved_template_reads_as_the_spec_says(filled, ref):
    path = filled("dinh-ky")
    fmt = ref.households
    columns = fmt.table_columns(ref.review_standard(2026, "dinh-ky").indicators)
    # The metadata: every label found in column A as the reader matches it.
    by_label = {match_key(c.label): c.key for c in fmt.metadata}
    metadata = {
        by_label[match_key(label)]: value for label, value in grid(path, "Thông tin").rows()
    }
    assert set(metadata) == {c.key for c in fmt.metadata}
    assert metadata["form"] == fmt.form
    assert metadata["prepared_by"] == "Công chức văn hóa - xã hội"
    # The table: the header found below the titles, every column, two rows, then the end.
    table = with_excel_rows(grid(path, "Danh sách hộ"))
    found = extract_table(table, columns, "Danh sách hộ", ref.format.total_row_label)
    assert found.header_row == HEADER_EXCEL_ROW
    assert found.findings.is_empty()
    assert found.rows["excel_row"].to_list() == [HEADER_EXCEL_ROW + 1, HEADER_EXCEL_ROW + 2]
    assert found.rows["household_code"].to_list() == ["TS-001", "TS-002"]
    assert found.rows["commune_code"].to_list() == [COMMUNE_2026, COMMUNE_2026]
    assert found.rows["result"].to_list() == ["Hộ nghèo", "Không nghèo"]
    assert found.rows["employment"].to_list() == ["1", "0"]


@pytest.mark.parametrize("kind", ["dinh-ky", "dau-ky"])
def test_a_filled_template_passes_the_file_checks_of_form_hn(filled, ref, kind):
    """The intake's own reading and file-level checks (sheets, metadata, standard, unit,
    columns, personal data) find nothing in a filled template."""
    path = filled(kind)
    read = read_file(path.read_bytes(), ".xlsx", ref.format, ref.limits, ref.households)
    assert read.findings == []
    screen = screen_households([(1, read)], ref, date(2027, 1, 20))
    assert screen.findings.is_empty(), screen.findings.to_dicts()
    assert screen.rows.height == len(HOUSEHOLDS)
    assert screen.by_file[1]["standard"] == ref.review_standard(2026, kind).id


def test_nothing_in_the_template_looks_like_personal_data(template, ref):
    """The department's own checks would not refuse its blank template: no header holds a
    personal-data word, no cell an identification or a phone number."""
    fmt = ref.households
    words = [match_key(w) for w in fmt.personal_header_words]
    for kind in ("dinh-ky", "dau-ky"):
        path = template(COMMUNE_2026, 2026, kind)
        header = grid(path, fmt.households_sheet).row(HEADER_EXCEL_ROW - 1)
        for label in header:
            for word in words:
                assert not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", match_key(label)), label
        for sheet in fastexcel.read_excel(path).sheet_names:
            for row in grid(path, sheet).rows():
                for cell in row:
                    # Digit groups typed with blanks, dots or dashes count as one number.
                    joined = re.sub(r"(?<=\d)[\s.\-](?=\d)", "", cell or "")
                    for number in re.findall(r"\+?\d+", joined):
                        assert not re.search(fmt.id_number_pattern, number), cell
                        assert not re.search(fmt.phone_pattern, number), cell


def test_the_same_arguments_give_the_same_bytes(tmp_path, ref, template):
    first = template(DISTRICT_2024, 2024, "dinh-ky").read_bytes()  # written by its own call
    second = write(tmp_path, ref, DISTRICT_2024, 2024, "dinh-ky").read_bytes()
    assert first == second
