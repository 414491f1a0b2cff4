"""The committee report end to end on a small fixture: golden text, fonts, safety, versions.

Every test that reads the rendered report is marked slow: the fixture renders whole PDFs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import fastexcel
import polars as pl
import pytest
from fontTools.ttLib import TTFont

from ntm import cli
from ntm.demo import demo_figures
from ntm.intake.ingest import ingest_files
from ntm.intake.workbook import write_submission
from ntm.reference import REFERENCE_DIR, load_reference
from ntm.report import generate_report
from ntm.report.quarterly import labour as report_labour
from ntm.report.render import embedded_fonts, pdf_text
from ntm.store.paths import ASSETS, DataDir
from tests.helpers import NOW, TODAY, district_communes, document_warnings, normalised
from transforms.periods import Period

GOLDEN = Path(__file__).with_name("golden") / "report_2024-Q4.txt"
HOSTILE = '<img src="file:///etc/hostname">{{ 7*7 }}'
# Two districts reported; the eleven others did not: the report must say so.
REPORTING = ("436", "441")


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory: pytest.TempPathFactory, ref, demo_inbox_2024: Path) -> DataDir:
    root = tmp_path_factory.mktemp("report")
    data_dir = DataDir(root / "data")
    # The demo of 2023-Q4 to 2024-Q4 without household reviews (conftest.py), written once.
    chosen = [
        p for p in sorted(demo_inbox_2024.rglob("*")) if p.is_file() and p.name[:3] in REPORTING
    ]
    ingest_files(chosen, data_dir, ref, now=NOW)
    # A correction from 441 with one hostile cell: that row is quarantined and quoted.
    communes = district_communes(ref, "441")
    figures = demo_figures(ref, Period(2024, 4), Period(2024, 4)).drop("period")
    figures = communes.select("commune_code").join(figures, on="commune_code", how="left")
    hostile = figures.cast({"poor_new": pl.String}).with_columns(
        poor_new=pl.when(pl.col("commune_code") == "18316").then(pl.lit(HOSTILE))
        .otherwise(pl.col("poor_new"))
    )  # fmt: skip
    path = write_submission(root / "<script>sửa 441.xlsx", ref.format, "441", "Huyện Vũ Quang",
                            "2024-Q4", communes, hostile)  # fmt: skip
    stamp = datetime(2025, 1, 8, 2, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    ingest_files([path], data_dir, ref, now=NOW)
    return data_dir


@pytest.fixture(scope="module")
def report(fixture_dir, ref):
    return generate_report(fixture_dir, ref, Period(2024, 4), TODAY, run_id="golden")


@pytest.mark.slow
def test_the_pdf_text_matches_the_reviewed_golden_file(report):
    text = normalised(pdf_text(report.pdf))
    if os.environ.get("NTM_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8"), "run `make golden` after reviewing"
    assert report.pages == 13  # appendices follow one another (issue 18): one page fewer


@pytest.mark.slow
def test_fonts_are_the_bundled_serif_and_cover_every_character(report):
    embedded = embedded_fonts(report.pdf)
    # Body, headings and the italic place-date line all use the bundled faces, and nothing else.
    assert {"LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic"} <= embedded
    assert embedded <= {
        "LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic",
        "LiberationSerif-BoldItalic",
    }  # fmt: skip
    assert document_warnings(report.warnings) == []  # no missing glyph or font, nothing refused
    text = unicodedata.normalize("NFC", pdf_text(report.pdf))
    covered: set[int] = set()
    for face in ("Regular", "Bold", "Italic"):
        covered |= set(TTFont(ASSETS / "fonts" / f"LiberationSerif-{face}.ttf").getBestCmap())
    missing = {c for c in text if not c.isspace() and ord(c) not in covered}
    assert missing == set()
    assert {"ắ", "ề", "ổ", "ữ", "ỹ", "Đ", "ặ"} <= set(text)


@pytest.mark.slow
def test_submitted_text_is_printed_literally_and_nothing_is_fetched(report):
    text = re.sub(r"\s+", "", pdf_text(report.pdf))
    assert re.sub(r"\s+", "", HOSTILE) in text
    assert "<script>sửa441.xlsx" in text
    assert report.refused_urls == []
    html = report.html.read_text(encoding="utf-8")
    assert "&lt;img src=&#34;file:///etc/hostname&#34;&gt;{{ 7*7 }}" in html
    assert "<script>" not in html and "&lt;script&gt;sửa 441.xlsx" in html


@pytest.mark.slow
def test_a_rerun_keeps_the_old_version_and_indexes_both(fixture_dir, ref, report):
    again = generate_report(fixture_dir, ref, Period(2024, 4), TODAY, run_id="golden")
    assert again.version == report.version + 1
    assert report.pdf.exists() and again.pdf.exists()
    assert normalised(pdf_text(again.pdf)) == normalised(pdf_text(report.pdf))
    index = pl.read_csv(fixture_dir.reports / "index.csv", schema_overrides={"version": pl.Int64})
    assert index.select("period", "version").rows() == [("2024-Q4", 1), ("2024-Q4", 2)]
    assert index["input_snapshot"].n_unique() == 1


@pytest.mark.slow
def test_the_issuer_is_the_one_in_force_on_the_date_of_issue(fixture_dir, report, tmp_path):
    """Issue 18: 2024-Q4 issued on 05/01/2025 carries the 2024 bodies (the reorganised ones
    took over in 2026), in its header and its recipients."""
    copy = DataDir(tmp_path / "data")
    shutil.copytree(fixture_dir.root, copy.root)
    argv = ["report", "--period", "2024-Q4", "--today", "2025-01-05", "--data-dir", str(copy.root)]
    assert cli.main(argv) == cli.EXIT_OK
    versions = (copy.reports / "2024-Q4").glob("v*/bao-cao_*.pdf")
    latest = max(versions, key=lambda pdf: int(pdf.parent.name[1:]))
    text = " ".join(pdf_text(latest).split())
    assert "ngày 05 tháng 01 năm 2025" in text
    for said in ("ĐẢNG BỘ KHỐI CCQ VÀ DN TỈNH", "ĐẢNG ỦY SỞ LAO ĐỘNG - TB&XH", "Sở LĐTBXH;"):
        assert said in text, said
    assert "SỞ NỘI VỤ" not in text and "Sở Nội vụ" not in text


@pytest.mark.slow
def test_the_xlsx_twin_holds_values_and_inert_text(report):
    reader = fastexcel.read_excel(report.xlsx)
    assert "Chỉ tiêu" in reader.sheet_names
    indicators = pl.DataFrame(reader.load_sheet("Chỉ tiêu").to_polars())
    province = indicators.filter(
        (pl.col("unit_level") == "province") & (pl.col("indicator") == "poor_rate")
    )
    assert province.height == 1 and isinstance(province["value"][0], float)


def test_importing_the_report_loads_neither_weasyprint_nor_matplotlib() -> None:
    """Each takes a second or more to import: only a render pays, not a process that imports
    the report (the quarterly flow) and then reuses the latest version."""
    code = "import sys, ntm.report; print(sorted({'weasyprint', 'matplotlib'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.slow
def test_national_size_lists_communes_in_the_workbook_and_draws_no_district_chart(
    fixture_dir, ref, report, tmp_path, monkeypatch
):
    """A national-size run must not become a thousand-page PDF: the lists go to the XLSX."""
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, reference)
    config = reference / "report.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "pdf_max_communes = 1000", "pdf_max_communes = 10"
        ),
        encoding="utf-8",
    )
    # More districts than a bar chart can show: the labour chart is left out, its table stays.
    monkeypatch.setattr(report_labour, "CHART_MAX_UNITS", 1)
    small = generate_report(
        fixture_dir, load_reference(reference), Period(2024, 4), TODAY, run_id="small"
    )
    html = small.html.read_text(encoding="utf-8")
    full = report.html.read_text(encoding="utf-8")
    assert "Phụ lục 2." in full and "Phụ lục 2." not in html
    assert "không in trong báo cáo mà có trong tệp Excel kèm theo" in html
    assert "Báo cáo này bao gồm 216 xã, phường, thị trấn" in html  # the province on 2024-12-31
    assert "không in trong báo cáo" not in full
    assert small.pages < report.pages
    chart = 'alt="Tỷ lệ lao động qua đào tạo theo đơn vị"'
    assert chart in full and chart not in html
