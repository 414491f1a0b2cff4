"""The fillable household-review workbook (form HN): ``ntm template --form HN``.

One file per reporting unit and review (a year and a kind, household-review-format.md). The
standard the review is done under decides the table's deprivation columns and every number the
instructions quote: income lines, score cut-offs, the rule and the points are read from the
reference data, never written here. Conventions and styles are the quarterly template's
(``ntm.intake.workbook``): labels locked, input cells unlocked, sheets protected without a
password, fixed document dates so that the same inputs give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_range_abs, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ntm.intake.workbook import FIXED_CREATED, Styles
from ntm.reference import Reference
from ntm.reference.households import HouseholdFormat, PovertyStandard, ReviewKind
from ntm.store.paths import atomic_path
from transforms.layout import Column
from transforms.registry import communes_of, find_reporting_unit

ROWS = 5000  # household rows pre-formatted, with their drop-downs and checks
HEADER_ROW = 3  # 0-based: two title lines, a blank line, then the one header row
MIN_MEMBERS = 1  # Số nhân khẩu is a whole number >= this
LAW = "Luật 91/2025/QH15"
# Excel-side guard against identification and phone numbers in a text cell: 9 or 12 digits,
# or 10 starting with 0, once blanks and dots are removed (the pipeline checks the exact
# patterns again). A dash is kept: a household code like 18100-0001 is not a number.
_ID_LIKE = 'NOT(AND(ISNUMBER(--{c}),OR(LEN({c})=9,LEN({c})=12,AND(LEN({c})=10,LEFT({c},1)="0"))))'
_STRIPPED = 'SUBSTITUTE(SUBSTITUTE({cell}," ",""),".","")'
_PERSONAL_MESSAGE = (
    f"Không ghi số CCCD, CMND, số định danh hay số điện thoại ({LAW}): tệp có ô như vậy bị "
    "trả lại toàn bộ."
)


class TemplateError(ValueError):
    """Why no template can be written for these arguments (English: the CLI prints it)."""


@dataclass(frozen=True)
class _Line:
    text: str
    number: str = ""  # column A: an item's number, or a commune code in the list
    style: str = "text"  # "title", "subtitle", "heading", "text" or "code"


def write_household_template(
    target: Path, ref: Reference, unit_code: str, year: int, kind: str
) -> Path:
    """Write the form-HN workbook of ``unit_code`` for the review of ``kind`` in ``year``.

    ``kind`` is a review kind's code (``dinh-ky``, ``dau-ky``). Raises TemplateError when the
    kind is unknown, when no standard reviewed on form HN applies, or when ``unit_code`` is not
    a reporting unit on 31 December of ``year``.
    """
    fmt = ref.households
    review = fmt.kind(kind)
    if review is None:
        codes = ", ".join(k.code for k in fmt.kinds)
        raise TemplateError(f"unknown review kind {kind!r}: use one of {codes}")
    standard = _standard(ref, year, review)
    day = date(year, 12, 31)
    direct = ref.settings.communes_report_from
    unit = find_reporting_unit(ref.registry, unit_code, day, direct)
    if unit is None:
        who = (
            f"from {direct} each commune reports for itself"
            if day >= direct
            else f"before {direct} districts report for their communes"
        )
        raise TemplateError(f"no reporting unit with code {unit_code} on {day} ({who})")
    communes = communes_of(ref.registry, unit_code, day, direct)
    if communes.is_empty():
        raise TemplateError(f"unit {unit_code} has no commune on {day}")
    unit_name = str(unit["unit_name"])
    columns = fmt.table_columns(standard.indicators)
    lines = _guide(fmt, standard, review, year, unit_code, unit_name, communes)
    with atomic_path(target) as temporary:
        workbook = xlsxwriter.Workbook(
            str(temporary),
            {"strings_to_numbers": False, "strings_to_formulas": False, "in_memory": True},
        )
        workbook.set_properties({"created": FIXED_CREATED, "author": "ntm"})
        styles = Styles(workbook)
        more = _More(workbook)
        guide = workbook.add_worksheet(fmt.instructions_sheet)
        commune_cells = _instructions(guide, lines, styles, more)
        values: dict[str, object] = {
            "form": fmt.form,
            "unit_code": unit_code,
            "unit_name": unit_name,
            "review_year": str(year),
            "review_kind": review.label,
            "standard": standard.id,
            "prepared_on": None,
            "prepared_by": None,
            "template_version": fmt.template_version,
        }
        _metadata(workbook.add_worksheet(fmt.metadata_sheet), fmt, values, styles)
        title = (
            f"DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO – RÀ SOÁT {review.label.upper()} NĂM {year}",
            f"{unit_name} (mã {unit_code}) – {standard.name}",
        )
        source = f"={quote_sheetname(fmt.instructions_sheet)}!{commune_cells}"
        sheet = workbook.add_worksheet(fmt.households_sheet)
        _households(sheet, fmt, columns, standard, title, source, styles, more)
        workbook.close()
    return target


def _standard(ref: Reference, year: int, review: ReviewKind) -> PovertyStandard:
    standard = ref.review_standard(year, review.code)
    if standard is None:
        if review.standard == "next":
            raise TemplateError(
                f"no {review.code} review in {year}: a baseline review needs a poverty standard "
                f"that comes into force in {year + 1}, and none does"
            )
        raise TemplateError(f"no poverty standard applies to {year}")
    if not standard.reviewable:
        raise TemplateError(
            f"households are not reviewed on form {ref.households.form} under the poverty "
            f"standard {standard.id} (the standard of a {review.code} review in {year})"
        )
    return standard


# ---------------------------------------------------------------------------- what it says


def _vnd(value: int) -> str:
    """1500000 -> "1.500.000" (Vietnamese grouping, as ``ntm.report.vi.count`` writes it)."""
    return f"{value:,}".replace(",", ".")


def _quoted(labels: list[str], last: str = ", ") -> str:
    """«a», «b»; with ``last`` " hoặc ": «a», «b» hoặc «c»."""
    quoted = [f"«{label}»" for label in labels]
    return last.join([", ".join(quoted[:-1]), quoted[-1]]) if len(quoted) > 1 else "".join(quoted)


def _provisional(standard: PovertyStandard, what: str, key: str | None = None) -> str:
    """The mark of a provisional value ``what``/``key``: ' (tạm thời: <its source>)', else ''."""
    found = standard.values.filter(pl.col("what") == what)
    if key is not None:
        found = found.filter(pl.col("key") == key)
    marks = found.filter(pl.col("status") == "provisional")["source"].unique(maintain_order=True)
    return f" (tạm thời: {'; '.join(marks)})" if marks.len() else ""


def _guide(
    fmt: HouseholdFormat,
    standard: PovertyStandard,
    review: ReviewKind,
    year: int,
    unit_code: str,
    unit_name: str,
    communes: pl.DataFrame,
) -> list[_Line]:
    """The «Hướng dẫn» sheet, line by line: every number comes from ``standard``."""
    label = fmt.labels
    areas = {a.code: a.label for a in fmt.areas}
    area_words = {code: text.lower() for code, text in areas.items()}
    results = {r.code: r.label for r in fmt.results}
    yes, no = fmt.flag_yes[0], fmt.flag_no[0]
    minimum = standard.poor_min_deprivations
    points = standard.points_per_indicator
    kind_words = review.label.lower()
    lines = [
        _Line("HƯỚNG DẪN ĐIỀN BIỂU MẪU HN – DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO", style="title"),
        _Line(
            f"{unit_name} (mã {unit_code}) – rà soát {kind_words} năm {year} – {standard.name}",
            style="subtitle",
        ),
        _Line(""),
        _Line("A. CÁCH ĐIỀN", style="heading"),
    ]
    if review.standard == "next":
        when = (
            f"Rà soát {kind_words} làm theo chuẩn nghèo {standard.id}, áp dụng từ năm "
            f"{standard.first_year}, trước khi chuẩn này có hiệu lực: kết quả cho biết số hộ "
            f"nghèo, hộ cận nghèo năm {year} theo chuẩn mới."
        )
    else:
        when = (
            f"Rà soát {kind_words} làm theo chuẩn nghèo đang áp dụng trong năm {year}; kết quả "
            f"có hiệu lực từ ngày 01/01/{year + 1}."
        )
    if standard.scores_income:
        income = (
            f"{_quoted([label['income_score']])}: điểm thu nhập của hộ, số nguyên từ 0 trở lên, "
            f"bắt buộc. {_quoted([label['income_below_line']])} không bắt buộc; nếu ghi thì phải "
            f"khớp với điểm B1 ({yes} khi điểm bằng hoặc dưới ngưỡng của khu vực, {no} khi trên "
            "ngưỡng; xem mục B)."
        )
    else:
        income = (
            f"Chuẩn nghèo {standard.id} chưa công bố ngưỡng điểm B1: "
            f"{_quoted([label['income_score']])} có thể để trống; "
            f"{_quoted([label['income_below_line']])} bắt buộc ghi cho mọi hộ: {yes} khi thu "
            f"nhập bình quân đầu người bằng hoặc dưới chuẩn thu nhập của khu vực, {no} khi trên "
            "chuẩn."
        )
    steps = [
        f"Mỗi tệp là kết quả một lần rà soát của một đơn vị báo cáo; tệp này dành cho "
        f"{unit_name}, rà soát {kind_words} năm {year}. {when} Không đổi tên, xóa hoặc sắp xếp "
        f"lại các trang tính «{fmt.metadata_sheet}» và «{fmt.households_sheet}»; không sửa, "
        "thêm hoặc xóa cột của dòng tiêu đề.",
        f"Trang «{fmt.metadata_sheet}»: mã và tên đơn vị, năm, loại rà soát, chuẩn nghèo và "
        f"phiên bản mẫu đã in sẵn, không sửa. Ghi {_quoted([label['prepared_on']])} "
        f"(dd/mm/yyyy) và {_quoted([label['prepared_by']])} (ghi chức danh là đủ).",
        f"Trang «{fmt.households_sheet}»: mỗi dòng là một hộ được rà soát, ghi liên tục từ dòng "
        "ngay dưới dòng tiêu đề; dòng trống đầu tiên là hết danh sách. Không ghi dòng tổng "
        f"cộng. Biểu mẫu có sẵn {_vnd(ROWS)} dòng.",
        f"{_quoted([label['commune_code']])}: chọn trong danh sách mã xã, phường nơi hộ cư trú "
        f"(các đơn vị có hiệu lực ngày 31/12/{year}, xem mục F).",
        f"{_quoted([label['household_code']])}: mã do xã đặt để quản lý hộ, mỗi hộ một mã, không "
        "trùng nhau trong tệp (xem mục E).",
        f"{_quoted([label['area']])}: chọn {_quoted(list(areas.values()), ' hoặc ')}; khu vực "
        "quyết định chuẩn thu nhập (và ngưỡng điểm B1) áp dụng cho hộ.",
        f"{_quoted([label['members']])}: số nguyên, từ {MIN_MEMBERS} trở lên.",
        income,
        f"Các cột thiếu hụt (mục C), đặc điểm hộ và nguyên nhân (mục D): chọn {yes} (có) hoặc "
        f"{no} (không) trong danh sách.",
        f"{_quoted([label['deprivation_points']])} (không bắt buộc): nếu ghi thì bằng {points} × "
        f"số chỉ số thiếu hụt ghi {yes}.",
        f"{_quoted([label['result']])}: chọn {_quoted(list(results.values()), ' hoặc ')} theo "
        "quy tắc ở mục B; Sở kiểm tra lại từng hộ theo quy tắc này.",
        "Gửi tệp .xlsx về Sở. Nếu cần sửa, gửi lại cả tệp: tệp gửi sau thay thế tệp gửi trước "
        "của cùng đơn vị, năm và loại rà soát; các lần gửi đều được lưu. Sở gửi lại bảng phản "
        "hồi ghi rõ từng lỗi (dòng, cột) và cách sửa.",
    ]
    lines += [_Line(text, f"{i}.") for i, text in enumerate(steps, start=1)]

    lines += [
        _Line(""),
        _Line(f"B. QUY TẮC PHÂN LOẠI THEO CHUẨN NGHÈO {standard.id}", style="heading"),
    ]
    income_lines = ", ".join(
        f"{_vnd(value)} ({area_words[area]}){_provisional(standard, 'income_line', area)}"
        for area, value in standard.income_lines.items()
    )
    rule_note = _provisional(standard, "rule")
    rule = [f"Chuẩn thu nhập (đồng/người/tháng): {income_lines}."]
    published = {a: v for a, v in standard.score_cutoffs.items() if v is not None}
    pending = [a for a in area_words if standard.score_cutoffs.get(a) is None]
    if published:
        cutoffs = ", ".join(
            f"≤ {v} ({area_words[a]}){_provisional(standard, 'score_cutoff', a)}"
            for a, v in published.items()
        )
        rule.append(f"Thu nhập bằng hoặc dưới chuẩn khi điểm B1 {cutoffs}.")
    if pending:
        sources = standard.values.filter(
            (pl.col("what") == "score_cutoff") & (pl.col("status") == "pending")
        )["source"].unique(maintain_order=True)
        why = f" ({'; '.join(sources)})" if sources.len() else ""
        rule.append(
            f"Chưa công bố ngưỡng điểm B1 cho khu vực {', '.join(area_words[a] for a in pending)}"
            f"{why}: "
            f"ghi {_quoted([label['income_below_line']])} cho mọi hộ; "
            f"{_quoted([label['income_score']])} có thể để trống."
        )
    rule += [
        f"«{results['poor']}»: thu nhập bằng hoặc dưới chuẩn và thiếu hụt từ {minimum} chỉ số "
        f"trở lên{rule_note}.",
        f"«{results['near_poor']}»: thu nhập bằng hoặc dưới chuẩn và thiếu hụt dưới {minimum} "
        f"chỉ số{rule_note}.",
        f"«{results['not_poor']}»: thu nhập trên chuẩn.",
        f"Điểm B2 = {points} × số chỉ số thiếu hụt{_provisional(standard, 'deprivation_points')}.",
        f"Căn cứ: {standard.source}.",
    ]
    lines += [_Line(text, "•") for text in rule]

    indicators = standard.indicators
    lines += [
        _Line(""),
        _Line(
            f"C. CÁC CHỈ SỐ THIẾU HỤT ({indicators.height} chỉ số; mỗi chỉ số một cột, ghi {yes} "
            "nếu hộ thiếu hụt)",
            style="heading",
        ),
    ]
    for i, row in enumerate(indicators.iter_rows(named=True), start=1):
        mark = " (tạm thời)" if row["status"] == "provisional" else ""
        lines.append(_Line(f"{row['label']} – chiều {row['dimension']}{mark}", f"{i}."))
    for status, source in indicators.select("status", "source").unique(maintain_order=True).rows():
        lead = "Các chỉ số (tạm thời) theo" if status == "provisional" else "Căn cứ"
        lines.append(_Line(f"{lead}: {source}.", "•"))

    flags = [c.label for c in fmt.columns if c.kind == "flag" and c.key != "income_below_line"]
    lines += [
        _Line(""),
        _Line("D. ĐẶC ĐIỂM HỘ VÀ NGUYÊN NHÂN NGHÈO", style="heading"),
        _Line(
            f"{_quoted(flags)}: ghi {yes} nếu hộ thuộc nhóm đó, {no} nếu không, cho mọi hộ.", "•"
        ),
        _Line(
            f"{_quoted([label['ethnic_minority']])} là thông tin nhạy cảm: chỉ ghi {yes} hoặc "
            f"{no}, không ghi tên dân tộc; Sở chỉ công bố số tổng hợp.",
            "•",
        ),
        _Line(
            f"Nguyên nhân nghèo: ghi {yes} cho mỗi nguyên nhân của hộ; hộ nghèo, hộ cận nghèo cần "
            f"ít nhất một nguyên nhân: {_quoted([c.label for c in fmt.causes])}.",
            "•",
        ),
        _Line(""),
        _Line(f"E. BẢO VỆ DỮ LIỆU CÁ NHÂN ({LAW})", style="heading"),
        _Line(
            "Không ghi họ tên, số định danh cá nhân (CCCD, CMND, số định danh), ngày sinh, số "
            "điện thoại hay địa chỉ vào bất kỳ cột hay ô nào, kể cả cột "
            f"{_quoted([label['village']])}. Tệp có cột hoặc ô chứa các thông tin này bị trả lại "
            "toàn bộ, không lưu dữ liệu nào.",
            "•",
        ),
        _Line(
            f"{_quoted([label['household_code']])} là mã riêng của xã, không phải số định danh hay "
            "số điện thoại. Tại Sở, mã hộ được đổi ngay thành một mã khóa một chiều không thể "
            "đảo ngược (để nhận ra cùng một hộ qua các năm); mã hộ gốc không được lưu và không "
            "xuất hiện trong phản hồi hay báo cáo nào.",
            "•",
        ),
        _Line(f"Số liệu từng hộ chỉ được dùng để tổng hợp, theo {LAW}.", "•"),
        _Line(""),
        _Line(
            f"F. CÁC XÃ, PHƯỜNG CỦA ĐƠN VỊ (danh sách chọn ở cột {_quoted([label['commune_code']])}"
            f"; hiệu lực ngày 31/12/{year})",
            style="heading",
        ),
    ]
    lines += [
        _Line(name, code, "code")
        for code, name in communes.select("commune_code", "commune_name").rows()
    ]
    return lines


# ---------------------------------------------------------------------------- the sheets


class _More:
    """The formats this workbook adds to the quarterly template's ``Styles``."""

    def __init__(self, workbook: Workbook) -> None:
        self.text = workbook.add_format({"border": 1, "locked": False, "num_format": "@"})
        self.flag = workbook.add_format({"border": 1, "locked": False, "align": "center"})
        self.subtitle = workbook.add_format({"italic": True})
        self.heading = workbook.add_format({"bold": True})
        self.number = workbook.add_format({"valign": "top", "align": "right"})
        self.code = workbook.add_format({"valign": "top", "num_format": "@"})


def _instructions(sheet: Worksheet, lines: list[_Line], styles: Styles, more: _More) -> str:
    """Write the lines; return the absolute range of the commune codes (the drop-down's list)."""
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 110)
    text_style = {
        "title": styles.title,
        "subtitle": more.subtitle,
        "heading": more.heading,
        "text": styles.wrap,
        "code": styles.wrap,
    }
    codes = []
    for row, line in enumerate(lines):
        if line.style in ("title", "subtitle", "heading"):
            sheet.write_string(row, 0, line.text, text_style[line.style])
            continue
        if line.number:
            sheet.write_string(
                row, 0, line.number, more.code if line.style == "code" else more.number
            )
        if line.text:
            sheet.write_string(row, 1, line.text, text_style[line.style])
        if line.style == "code":
            codes.append(row)
    sheet.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
    return str(xl_range_abs(codes[0], 0, codes[-1], 0))


def _metadata(
    sheet: Worksheet, fmt: HouseholdFormat, values: dict[str, object], styles: Styles
) -> None:
    """Labels in column A, values in B; only Ngày lập and Người lập are open (as the quarterly
    template's ``_metadata``, which takes a SubmissionFormat)."""
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 36)
    editable = {"prepared_on", "prepared_by"}
    for row, column in enumerate(fmt.metadata):
        sheet.write_string(row, 0, column.label, styles.header)
        value = values.get(column.key)
        if value is None:
            style = styles.date if column.key == "prepared_on" else styles.input_text
            sheet.write_blank(row, 1, None, style if column.key in editable else styles.locked)
        else:
            sheet.write_string(row, 1, str(value), styles.locked)
    sheet.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})


# Column widths by kind of column.
_WIDTHS = {
    "code": 9,
    "household_code": 12,
    "text": 18,
    "area": 12,
    "count": 10,
    "score": 9,
    "flag": 11,
    "result": 15,
}


def _households(
    sheet: Worksheet,
    fmt: HouseholdFormat,
    columns: list[Column],
    standard: PovertyStandard,
    title: tuple[str, str],
    commune_source: str,
    styles: Styles,
    more: _More,
) -> None:
    sheet.write_string(0, 0, title[0], styles.title)
    sheet.write_string(1, 0, title[1], more.subtitle)
    first, last = HEADER_ROW + 1, HEADER_ROW + ROWS
    cell_style = {
        "code": more.text,
        "household_code": more.text,
        "count": styles.input,
        "score": styles.input,
        "flag": more.flag,
    }
    for position, column in enumerate(columns):
        sheet.write_string(HEADER_ROW, position, column.label, styles.header)
        sheet.set_column(position, position, _WIDTHS.get(column.kind, 12))
        style = cell_style.get(column.kind, styles.input_text)
        for row in range(first, last + 1):
            sheet.write_blank(row, position, None, style)
        _validate(sheet, fmt, standard, column, position, first, last, commune_source)
    sheet.set_row(HEADER_ROW, 96)
    sheet.freeze_panes(first, 2)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.repeat_rows(HEADER_ROW)
    sheet.fit_to_pages(1, 0)
    sheet.protect(
        "",
        {
            "select_locked_cells": True,
            "select_unlocked_cells": True,
            "format_columns": True,
            "format_rows": True,
        },
    )


def _validate(
    sheet: Worksheet,
    fmt: HouseholdFormat,
    standard: PovertyStandard,
    column: Column,
    position: int,
    first: int,
    last: int,
    commune_source: str,
) -> None:
    """Excel data validation of one column (the pipeline checks everything again on arrival)."""
    yes, no = fmt.flag_yes[0], fmt.flag_no[0]
    pending = f"Chuẩn nghèo {standard.id} chưa có ngưỡng điểm B1"
    if column.kind in ("code", "area", "result", "flag"):
        lists: dict[str, tuple[object, str]] = {
            "code": (
                commune_source,
                "Chọn mã xã, phường trong danh sách (trang hướng dẫn, mục F).",
            ),
            "area": ([a.label for a in fmt.areas], "Chọn khu vực trong danh sách."),
            "result": ([r.label for r in fmt.results], "Chọn kết quả phân loại trong danh sách."),
            "flag": ([yes, no], f"Ghi {yes} (có) hoặc {no} (không)."),
        }
        source, message = lists[column.kind]
        options: dict[str, object] = {"validate": "list", "source": source}
    elif column.kind in ("count", "score"):
        least = MIN_MEMBERS if column.kind == "count" else 0
        options = {"validate": "integer", "criteria": ">=", "value": least}
        message = f"Ghi số nguyên từ {least} trở lên."
    elif column.kind in ("household_code", "text"):
        cell = _STRIPPED.format(cell=xl_rowcol_to_cell(first, position))
        options = {"validate": "custom", "value": f"={_ID_LIKE.format(c=cell)}"}
        message = _PERSONAL_MESSAGE
    else:
        return
    prompts = {
        "household_code": (
            "Mã hộ của xã",
            "Mã do xã đặt cho hộ; không dùng số định danh, số điện thoại.",
        ),
    }
    if not standard.scores_income:
        prompts["income_score"] = ("Không bắt buộc", f"{pending}: có thể để trống.")
        prompts["income_below_line"] = (
            "Bắt buộc",
            f"{pending}: ghi {yes} nếu thu nhập bằng hoặc dưới chuẩn, {no} nếu trên chuẩn.",
        )
    if column.key in prompts:
        title, prompt = prompts[column.key]
        options |= {"input_title": title, "input_message": prompt}
    options |= {"error_title": "Giá trị không hợp lệ", "error_message": message}
    sheet.data_validation(first, position, last, position, options)
