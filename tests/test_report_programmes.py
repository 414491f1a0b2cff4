"""Whole reports across programmes: the PDF's words follow the criteria catalogue, not the code.

Three renders: 2024-Q4 with a fixture catalogue whose numbers and words differ from the
shipped one; 2026-Q3, whose targets are pending or provisional and whose 69 communes and wards
report directly; and 2020-Q4, which no catalogue covers. Each renders a PDF (seconds): slow.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ntm.demo import generate_demo
from ntm.intake.ingest import ingest_files
from ntm.reference import REFERENCE_DIR, Reference, load_reference
from ntm.report import ReportOutcome, generate_report
from ntm.report.render import pdf_text
from ntm.store.paths import DataDir
from tests.helpers import normalised
from transforms.periods import Period

pytestmark = pytest.mark.slow


def squeezed(outcome: ReportOutcome) -> str:
    """The PDF's text without blanks: a phrase reads the same wherever a line wraps."""
    return re.sub(r"\s+", "", pdf_text(outcome.pdf))


def words(text: str) -> str:
    return re.sub(r"\s+", "", text)


def demo_data(root: Path, ref: Reference, periods: list[Period], now: datetime) -> DataDir:
    data_dir = DataDir(root / "data")
    for period in periods:
        generate_demo(data_dir.inbox, ref, first=period, last=period, households=False)
    outcomes = ingest_files([data_dir.inbox], data_dir, ref, now=now, feedback=False)
    assert {o.status for o in outcomes} == {"accepted"}
    return data_dir


# --- a fixture catalogue: other numbers and words, no code change ---------------------------

EDITS = [
    # T1: the band 0.6-1.0 becomes 0.8-1.2.
    ('low = "0.6"\nhigh = "1.0"', 'low = "0.8"\nhigh = "1.2"'),
    # T3: an NTM commune's threshold 70 becomes 72, in its words too.
    (
        'target = "T3"\nindicator = "trained_labour_rate"\nlevel = "commune"\n'
        'classes = ["ntm"]\nfrom_year = 2021\nto_year = 2025\nvalue = "70"',
        'target = "T3"\nindicator = "trained_labour_rate"\nlevel = "commune"\n'
        'classes = ["ntm"]\nfrom_year = 2021\nto_year = 2025\nvalue = "72"',
    ),
    ("(NTM ≥ 70%, nâng cao ≥ 75%)", "(NTM ≥ 72%, nâng cao ≥ 75%)"),
    # T6 renamed; a class relabelled.
    (
        'label = "Xã có ít nhất 30% phụ nữ tham gia HTX, tổ hợp tác, mô hình liên kết"',
        'label = "Xã có phụ nữ chiếm từ 30% thành viên HTX (tên mới)"',
    ),
    ('label = "NTM kiểu mẫu"', 'label = "Kiểu mẫu"'),
]


@pytest.fixture(scope="module")
def fixture_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    reference = tmp_path_factory.mktemp("reference") / "reference"
    shutil.copytree(REFERENCE_DIR, reference)
    path = reference / "criteria" / "2021-2025.toml"
    text = path.read_text(encoding="utf-8")
    for old, new in EDITS:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return load_reference(reference)


@pytest.fixture(scope="module")
def two_districts(
    tmp_path_factory: pytest.TempPathFactory, ref: Reference, demo_inbox_2024: Path
) -> DataDir:
    """Year-ends 2023 and 2024 of Thành phố Hà Tĩnh and Huyện Vũ Quang (2023-Q4 to 2024-Q4 of
    the demo, conftest.py)."""
    root = tmp_path_factory.mktemp("two")
    chosen = [
        p
        for p in sorted(demo_inbox_2024.rglob("*"))
        if p.is_file() and p.name[:3] in ("436", "441")
    ]
    data_dir = DataDir(root / "data")
    ingest_files(chosen, data_dir, ref, now=datetime(2025, 1, 20, 3, tzinfo=UTC), feedback=False)
    return data_dir


def test_a_fixture_catalogue_changes_the_pdf_text(
    two_districts: DataDir, fixture_catalogue: Reference
) -> None:
    report = generate_report(
        two_districts, fixture_catalogue, Period(2024, 4), date(2025, 1, 20), run_id="fixture"
    )
    assert report.warnings == []
    text = squeezed(report)
    for said in (
        "Tỷ lệ hộ nghèo giảm bình quân 0,8 - 1,2 điểm phần trăm/năm",  # T1's label
        "0,80 - 1,20",  # its target cell
        "thấp hơn mức giảm bình quân 0,8 - 1,2 điểm phần trăm/năm của chỉ tiêu",
        "Mục tiêu giảm 0,8–1,2 điểm %/năm",  # the trend chart's legend
        "Chỉ tiêu 72%",  # the labour chart's line
        "Xã đạt tỷ lệ lao động qua đào tạo (NTM ≥ 72%, nâng cao ≥ 75%)",
        "Qua đào tạo 70,59% 72,00%",  # Xã Thạch Hạ, which met 70%, misses 72%
        "Xã có phụ nữ chiếm từ 30% thành viên HTX (tên mới)",
        "Kiểu mẫu",
    ):
        assert words(said) in text, said
    for gone in (
        "0,6 - 1,0",
        "0,60 - 1,00",
        "Chỉ tiêu 70%",
        "Xã có ít nhất 30% phụ nữ",
        "NTM kiểu mẫu",
    ):
        assert words(gone) not in text, gone


# --- today: 2026-2030, 69 communes and wards reporting directly ------------------------------


@pytest.fixture(scope="module")
def report_2026(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> ReportOutcome:
    root = tmp_path_factory.mktemp("today")
    periods = [Period(2024, 4), Period(2025, 4), Period(2026, 3)]
    data_dir = demo_data(root, ref, periods, datetime(2026, 12, 1, tzinfo=UTC))
    return generate_report(data_dir, ref, Period(2026, 3), date(2026, 11, 5), run_id="today")


def test_2026_says_which_targets_are_pending_and_which_provisional(
    report_2026: ReportOutcome,
) -> None:
    assert report_2026.warnings == []
    text = squeezed(report_2026)
    for said in (
        "Kết quả thực hiện các tiêu chí nông thôn mới giai đoạn 2026 - 2030",  # the subject
        "Tỷ lệ nghèo đa chiều giảm bình quân 1,0 - 1,5 điểm phần trăm/năm",
        "1,00 - 1,50 (tạm tính)",
        "Chưa ban hành",
        "Chưa đánh giá",
        "65,00% năm 2030 (tạm tính)",
        "Các chỉ tiêu T1, T8 là mức tạm tính, chưa phải chỉ tiêu chính thức của tỉnh; nguồn: "
        "tạm tính theo chỉ tiêu quốc gia, NQ 257/2025/QH15",
        "Chưa ban hành mức chỉ tiêu năm 2026, chưa đánh giá: T2 theo QĐ 51/2025/QĐ-TTg",
        "Kết quả đạt, chưa đạt chỉ tính theo chỉ tiêu T1 (tạm tính); chưa có chỉ tiêu cấp xã "
        "nào được ban hành nên chưa lập danh sách xã chưa đạt; các chỉ tiêu T2, T3, T4, T6, T7 "
        "chưa ban hành, chưa đánh giá.",
        "Mục tiêu giảm 1,0–1,5 điểm %/năm (tạm tính)",
        # No commune-level target is judged: no list pretends every commune passed.
        "Không có xã nào có tỷ lệ nghèo đa chiều tăng so với cuối năm trước.",
    ):
        assert words(said) in text, said
    assert words("Không có xã nào chưa đạt chỉ tiêu.") not in text
    # Nothing is judged against a pending threshold: no tick, no cross (but in the legend of
    # the provenance block), no threshold line.
    assert text.count("√") == text.count("×") == 1
    assert words("Chỉ tiêu 7") not in text


def test_2026_is_issued_by_the_reorganised_bodies_and_shows_what_it_measured(
    report_2026: ReportOutcome,
) -> None:
    """Issue 18: the issuer in force in 2026; no target band below 0%; measured figures shown
    where nothing is judged yet."""
    text = squeezed(report_2026)
    for said in ("ĐẢNG BỘ UBND TỈNH HÀ TĨNH", "ĐẢNG ỦY SỞ NỘI VỤ", "Đảng ủy UBND tỉnh;",
                 "Lãnh đạo Sở Nội vụ;"):  # fmt: skip
        assert words(said) in text, said
    for gone in ("KHỐI CCQ", "SỞ LAO ĐỘNG", "Sở LĐTBXH"):
        assert words(gone) not in text, gone
    assert words("vùng mục tiêu trên biểu đồ dừng ở mức 0%.") in text
    assert words("xã có số liệu") in text


def test_2026_reports_on_the_69_communes_and_wards_and_todays_units(
    report_2026: ReportOutcome,
) -> None:
    text = squeezed(report_2026)
    for said in (
        "69/69 xã, phường có số liệu hợp lệ",
        "đơn vị báo cáo của kỳ này là 69 xã, phường (60 xã, 9 phường)",
        "số liệu chi tiết tại phụ lục được lập theo từng xã, phường",
        "PHỤ LỤC 2. SỐ LIỆU TỪNG XÃ, PHƯỜNG CỦA TỈNH HÀ TĨNH",
        "Biểu đồ 2. Tỷ lệ lao động có việc làm qua đào tạo theo xã, phường",
        # The trend follows the multidimensional rate, on today's units.
        "Tỷ lệ nghèo đa chiều (hộ nghèo và cận nghèo) toàn tỉnh giảm từ",
        "Số hộ nghèo và cận nghèo",
        "Số liệu cuối năm 2024 được tính lại theo 69 xã, phường hiện nay (*)",
        "(*) Phường Đại Nài và Xã Kỳ Lợi (đơn vị cũ) được chia cho nhiều đơn vị mới từ ngày "
        "01/07/2025; số liệu của mỗi đơn vị này không thể tách theo từng phần đã chia nên được "
        "tính trọn vào đơn vị kế thừa mặc định",
        "Nhóm 2 - NTM",  # the 2026-2030 classes
        "Nhóm - chuẩn",  # and what the programme calls them
        "Chương trình 2026-2030",
    ):
        assert words(said) in text, said
    assert "PHỤLỤC3." not in text  # one appendix: every commune, not one per district
    # Section I lists only the units that sent late, incompletely or not at all.
    assert words("đơn vị đã gửi báo cáo đúng hạn, đủ số liệu hợp lệ") in text


# --- a year no catalogue covers ------------------------------------------------------------


def test_a_year_no_catalogue_covers_gets_its_rates_and_says_nothing_is_judged(
    tmp_path: Path, ref: Reference
) -> None:
    # The registry begins on 1 January 2020: 2019 has no unit; 2020 precedes every programme.
    data_dir = demo_data(tmp_path, ref, [Period(2020, 4)], datetime(2021, 2, 1, tzinfo=UTC))
    report = generate_report(data_dir, ref, Period(2020, 4), date(2021, 1, 20), run_id="2020")
    assert report.warnings == []
    text = squeezed(report)
    for said in (
        "Tình hình thực hiện các tiêu chí nông thôn mới thuộc lĩnh vực của ngành quý IV năm 2020",
        "Năm 2020 không thuộc giai đoạn của chương trình nào có bộ tiêu chí (các giai đoạn đã "
        "có bộ tiêu chí: 2021-2025, 2026-2030), nên chưa có chỉ tiêu để đánh giá",
        "Tỷ lệ hộ nghèo toàn tỉnh cuối năm 2020 là",
        "216/216 xã, phường, thị trấn có số liệu hợp lệ",
        "Năm 2020 chưa có chỉ tiêu để đánh giá",
        "Không có xã nào có tỷ lệ hộ nghèo tăng so với cuối năm trước.",
        "PHỤ LỤC 2. THÀNH PHỐ HÀ TĨNH",
    ):
        assert words(said) in text, said
    assert text.count("√") == text.count("×") == 1  # the legend's only
    assert words("Chỉ tiêu 7") not in text and "Chỉtiêuđềra" not in text
    assert words("04-NQ/TU") not in text
    # 2019 precedes the registry as well: a report that says so, not a failure.
    before = generate_report(data_dir, ref, Period(2019, 4), date(2020, 1, 20), run_id="2019")
    text = squeezed(before)
    for said in (
        "Danh mục đơn vị hành chính không có xã, phường, thị trấn nào có hiệu lực ngày 31/12/2019",
        "Năm 2019 không thuộc giai đoạn của chương trình nào có bộ tiêu chí",
    ):
        assert words(said) in text, said


@pytest.fixture(scope="module")
def report_2026_q4(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> ReportOutcome:
    """The end-2026 report: the periodic review under 2022-2026 and the baseline review under
    2027-2030 both arrived (issue 19, the bridge)."""
    root = tmp_path_factory.mktemp("bridge")
    data_dir = DataDir(root / "data")
    generate_demo(data_dir.inbox, ref, first=Period(2025, 4), last=Period(2025, 4),
                  households=False)  # fmt: skip
    generate_demo(data_dir.inbox, ref, first=Period(2026, 4), last=Period(2026, 4))
    ingest_files([data_dir.inbox], data_dir, ref, now=datetime(2027, 1, 25, tzinfo=UTC),
                 feedback=False)  # fmt: skip
    return generate_report(data_dir, ref, Period(2026, 4), date(2027, 1, 25), run_id="bridge")


def test_2026_q4_shows_the_year_end_under_both_standards(report_2026_q4: ReportOutcome) -> None:
    text = squeezed(report_2026_q4)
    for said in (
        "2026 (chuẩn mới)",
        "mốc của chuẩn nghèo mới (rà soát đầu kỳ) cho năm 2027",
        "năm 2026 có số liệu theo cả hai chuẩn nghèo, và mức giảm năm 2027 được tính từ mốc "
        "này, cùng một chuẩn.",
        "Cuối năm 2026 theo chuẩn nghèo mới (rà soát đầu kỳ)",  # the chart's legend
        "(năm 2026 theo cả hai chuẩn nghèo)",  # its caption
        # two reviews that year: the profile says which one it is of
        "thiếu hụt phổ biến nhất của hộ nghèo, hộ cận nghèo (rà soát định kỳ năm 2026):",
        "Tỷ lệ hộ nghèo, hộ cận nghèo thiếu hụt từng chỉ số (rà soát định kỳ năm 2026)",
    ):
        assert words(said) in text, said


HOUSEHOLD_GOLDEN = Path(__file__).with_name("golden") / "households_2025-Q4.txt"


@pytest.fixture(scope="module")
def report_2025_q4(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> ReportOutcome:
    """The end-2025 report over the demo's 2022-2025 household reviews (issue 19)."""
    root = tmp_path_factory.mktemp("households")
    data_dir = DataDir(root / "data")
    generate_demo(data_dir.inbox, ref, first=Period(2022, 4), last=Period(2025, 4))
    ingest_files([data_dir.inbox], data_dir, ref, now=datetime(2026, 2, 1, tzinfo=UTC),
                 feedback=False)  # fmt: skip
    return generate_report(data_dir, ref, Period(2025, 4), date(2026, 2, 2), run_id="hh")


def household_section(outcome: ReportOutcome) -> str:
    """The Q4 section's text (I's reconciliation lead-in is checked apart), as read."""
    text = normalised(pdf_text(outcome.pdf))
    start = text.index("5. Kết quả rà soát hộ nghèo, hộ cận nghèo")
    return text[start : text.index("III. ĐÁNH GIÁ CHUNG VÀ ĐỀ XUẤT", start)]


def test_the_q4_household_section_matches_the_reviewed_golden_file(
    report_2025_q4: ReportOutcome,
) -> None:
    section = household_section(report_2025_q4)
    if os.environ.get("NTM_UPDATE_GOLDEN") == "1":
        HOUSEHOLD_GOLDEN.write_text(section, encoding="utf-8")
    assert section == HOUSEHOLD_GOLDEN.read_text(encoding="utf-8"), "run `make golden`"
    text = squeezed(report_2025_q4)
    # The reconciliation is listed with the data basis (I), with both figures.
    assert text.index(words("Đối chiếu với báo cáo quý IV năm 2025")) < text.index(
        words("II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU")
    )
    # Section III names the deprivations that reach most households, with their counts.
    assert words("Ưu tiên các chính sách hỗ trợ giảm nghèo theo các chỉ số thiếu hụt") in text
