"""The programme's final review: milestones, the never-met list, sponsors, the golden text of a
review of 2021-2025 on a small fixture, and a review of 2026-2030 whose targets are pending."""

from __future__ import annotations

import os
import re
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from ntm.cli import main
from ntm.demo import generate_demo
from ntm.intake.ingest import ingest_files
from ntm.reference import Reference
from ntm.report import generate_review
from ntm.report.render import pdf_text
from ntm.report.sponsors import NO_SPONSOR, sponsor_section
from ntm.store.paths import DataDir
from tests.helpers import NOW, normalised
from transforms import review
from transforms.periods import Period
from transforms.registry import successors

GOLDEN = Path(__file__).with_name("golden") / "review_2021-2025.txt"
REVIEW_DAY = date(2026, 1, 20)
# Two districts (and, from July 2025, the communes formed from their communes) report.
REPORTING = ("436", "441")


def share_rows(values: dict[int, tuple[int, int]], indicator: str) -> list[dict[str, object]]:
    return [
        {"year": year, "indicator": indicator, "numerator": n, "denominator": d}
        for year, (n, d) in values.items()
    ]


def test_milestones_are_reached_on_time_late_or_never() -> None:
    shares = pl.DataFrame(
        share_rows({2021: (50, 100), 2022: (71, 100), 2023: (80, 100), 2025: (99, 100)}, "a")
        + share_rows({2021: (10, 100), 2023: (69, 100), 2024: (70, 100), 2025: (100, 100)}, "b")
    )
    thresholds = pl.DataFrame(
        [
            {"target": "T5", "indicator": i, "year": y, "threshold": t, "status": "official"}
            for i in ("a", "b")
            for y, t in ((2023, 7000), (2024, 7000), (2025, 10000))
        ]
    )
    found = review.milestones(shares, thresholds)
    rows = {(r["indicator"], r["threshold"]): r for r in found.iter_rows(named=True)}
    # a: 70% due 2023, reached 2022 (early counts); 100% due 2025, never (99/100 is short).
    assert (rows["a", 7000]["due"], rows["a", 7000]["reached"], rows["a", 7000]["on_time"]) == (
        2023, 2022, True,
    )  # fmt: skip
    assert rows["a", 10000]["reached"] is None and rows["a", 10000]["on_time"] is None
    # b: 69,00% at 2023 misses 70% exactly; reached in 2024, a year late; 100% on time.
    assert (rows["b", 7000]["reached"], rows["b", 7000]["on_time"]) == (2024, False)
    assert (rows["b", 10000]["reached"], rows["b", 10000]["on_time"]) == (2025, True)


def test_a_pending_milestone_is_not_a_milestone() -> None:
    shares = pl.DataFrame(share_rows({2026: (1, 2)}, "a"))
    thresholds = pl.DataFrame(
        {"target": ["T8"], "indicator": ["a"], "year": [2030], "threshold": [None],
         "status": ["pending"]},
        schema_overrides={"threshold": pl.Int64},
    )  # fmt: skip
    assert review.milestones(shares, thresholds).is_empty()


def standing(rows: list[tuple[int, str, str, bool | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "year": [r[0] for r in rows],
            "unit_level": ["commune"] * len(rows),
            "unit_code": [r[1] for r in rows],
            "target_id": [r[2] for r in rows],
            "attained": [r[3] for r in rows],
        },
        schema_overrides={"attained": pl.Boolean},
    )


def test_the_never_met_list_names_targets_judged_and_never_met() -> None:
    frame = standing(
        [
            (2022, "A", "T3", False), (2023, "A", "T3", False), (2024, "A", "T3", None),
            (2022, "A", "T4", False), (2023, "A", "T4", True),
            (2022, "B", "T3", True), (2023, "B", "T3", False),
            # T7 judges two rates: one met, one not, is not met.
            (2022, "B", "T7", True), (2022, "B", "T7", False),
        ]
    )  # fmt: skip
    standings = pl.concat(
        [
            review.targets_by_commune(group).with_columns(year=pl.lit(year, pl.Int64))
            for (year,), group in frame.group_by("year")
        ]
    )
    never = review.never_met(standings)
    assert never.select("unit_code", "target_id", "years").rows() == [
        ("A", "T3", 2),  # a year not judged (None) is not a year missed
        ("B", "T7", 1),
    ]


def indicator_rows(rows: list[tuple[str, str, bool]]) -> pl.DataFrame:
    return standing([(2025, code, target, met) for code, target, met in rows]).drop("year")


def test_sponsors_group_the_communes_off_track_with_the_change_since_last_year() -> None:
    now = indicator_rows(
        [("A", "T3", False), ("A", "T4", True), ("B", "T3", True), ("C", "T6", False),
         ("D", "T3", False), ("E", "T3", True)]
    )  # fmt: skip
    # A missed T7 a year earlier and is not judged on it now: that is no recovery.
    before = indicator_rows(
        [("A", "T3", True), ("A", "T4", False), ("A", "T7", False), ("C", "T6", False)]
    )
    roster = pl.DataFrame(
        {
            "commune_code": ["A", "B", "C", "D", "E"],
            "sponsor": ["Văn phòng Sở", "Văn phòng Sở", None, "Phòng Người có công", ""],
        }
    )
    names = {"A": "Xã An", "C": "Xã Cẩm", "D": "Xã Đông"}
    now, before = review.targets_by_commune(now), review.targets_by_commune(before)
    section = sponsor_section(
        now, before, pl.DataFrame({"unit_code": ["A", "C"]}), roster, names, "quý IV năm 2024"
    )
    tables = {t.sponsor: t for t in section.tables}
    assert list(tables) == ["Phòng Người có công", "Văn phòng Sở", NO_SPONSOR]
    office = tables["Văn phòng Sở"]
    assert office.summary.startswith("Đỡ đầu 2 xã; 1 xã chưa đạt")
    assert [(r.commune, r.missed, r.change) for r in office.rows] == [
        ("A Xã An", "T3", "T3 chuyển từ đạt sang chưa đạt; T4 đạt trở lại")
    ]
    # A blank sponsor and a missing one are the same: no sponsor.
    none = tables[NO_SPONSOR]
    assert none.summary.startswith("2 xã chưa có đơn vị đỡ đầu; 1 xã chưa đạt")
    # A sponsor counts every commune it sponsors, judged this period or not.
    roster = pl.concat([roster, pl.DataFrame({"commune_code": ["F"], "sponsor": ["Văn phòng Sở"]})])
    section = sponsor_section(now, before, pl.DataFrame({"unit_code": ["A"]}), roster, names, "-")
    office = next(t for t in section.tables if t.sponsor == "Văn phòng Sở")
    assert office.summary.startswith("Đỡ đầu 3 xã (2 xã được đánh giá kỳ này); 1 xã chưa đạt")
    assert [(r.commune, r.change) for r in none.rows] == [("C Xã Cẩm", "không đổi")]
    # D has no figures of its own a year earlier (a commune formed since).
    assert [r.change for r in tables["Phòng Người có công"].rows] == [
        "chưa có số liệu quý IV năm 2024"
    ]
    assert section.off_track and "5 xã được đánh giá, 3 xã chưa đạt" in section.intro


def test_onto_units_sums_complete_units_and_leaves_out_partial_ones() -> None:
    figures = pl.DataFrame({"commune_code": ["a", "b", "c"], "x": [1, 2, 4], "y": [10, 20, 40]})
    mapping = pl.DataFrame(
        {"commune_code": ["a", "b", "c", "d"], "current_code": ["N1", "N1", "N2", "N2"]}
    )
    summed = review.onto_units(figures, mapping, ["x", "y"])
    assert summed.rows() == [("N1", 3, 30)]  # N2 lacks d: not judged on half of itself


def test_review_of_an_unknown_programme_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["--data-dir", str(tmp_path), "review", "--programme", "1999-2000"]) == 2
    assert "known: 2021-2025, 2026-2030" in capsys.readouterr().err


# --- end to end ----------------------------------------------------------------------------


def _reporting_files(ref: Reference, folder: Path) -> list[Path]:
    """The files of the two districts, and from July 2025 of the communes formed from theirs."""
    old = ref.registry.filter(
        (pl.col("unit_level") == "commune") & pl.col("parent_code").is_in(REPORTING)
    )
    mapping = successors(ref.registry, ref.crosswalk, date(2024, 12, 31), date(2025, 12, 31))
    today = mapping.join(
        old.select(pl.col("unit_code").alias("commune_code")), on="commune_code", how="semi"
    )["current_code"].unique()
    wanted = set(REPORTING) | set(today.to_list())
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and p.name.split("_")[0] in wanted]


@pytest.fixture(scope="module")
def programme_dir(tmp_path_factory: pytest.TempPathFactory, ref) -> DataDir:
    root = tmp_path_factory.mktemp("review")
    data_dir = DataDir(root / "data")
    demo = root / "demo"
    for year in range(2021, 2026):
        generate_demo(demo, ref, first=Period(year, 4), last=Period(year, 4), households=False)
    ingest_files(_reporting_files(ref, demo), data_dir, ref, now=NOW.replace(year=2026))
    return data_dir


@pytest.mark.slow
def test_the_review_text_matches_the_reviewed_golden_file(programme_dir, ref) -> None:
    catalogue = next(c for c in ref.catalogues if c.programme == "2021-2025")
    outcome = generate_review(programme_dir, ref, catalogue, REVIEW_DAY, run_id="golden")
    text = normalised(pdf_text(outcome.pdf))
    if os.environ.get("NTM_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8"), "run `make golden` after reviewing"
    # The index lists the review like a report; its twins are there.
    index = pl.read_csv(programme_dir.reports / "index.csv", infer_schema=False)
    assert index.filter(pl.col("period") == "2021-2025")["version"].to_list() == ["1"]
    assert outcome.html.exists() and outcome.xlsx.exists()
    # What the golden file must keep saying, whatever else changes in it.
    words = " ".join(text.split())
    assert "BÁO CÁO TỔNG KẾT" in words and "2022 (gốc)" in words
    assert "3,06% (đổi chuẩn)" in words  # 2021 under the old standard, 2022 under the new one
    assert "Phụ lục 1. Các xã chưa năm nào đạt chỉ tiêu".upper() in words
    # The XLSX twin holds the same table as the PDF.
    targets = pl.read_excel(outcome.xlsx, sheet_name="Chỉ tiêu theo năm")
    assert targets.columns[2:7] == ["2021", "2022 (gốc)", "2023", "2024", "2025"]
    t1 = targets.row(0, named=True)
    assert (t1["Mã"], t1["2022 (gốc)"], t1["2025"]) == ("T1", "3,06% (đổi chuẩn)", "1,74%")
    milestones = pl.read_excel(outcome.xlsx, sheet_name="Mốc")
    assert milestones["Đánh giá"].to_list().count("Đạt muộn 1 năm") == 1
    assert milestones.height == 5  # T5: two milestones for each of its two shares; T8: one


@pytest.mark.slow
def test_a_review_of_2026_2030_on_partial_data_says_what_is_pending(tmp_path: Path, ref) -> None:
    data_dir = DataDir(tmp_path / "data")
    demo = tmp_path / "demo"
    generate_demo(demo, ref, first=Period(2026, 3), last=Period(2026, 3), households=False)
    ingest_files(
        sorted(demo.rglob("*.*"))[:10], data_dir, ref, now=NOW.replace(year=2026, month=11)
    )
    catalogue = next(c for c in ref.catalogues if c.programme == "2026-2030")
    outcome = generate_review(data_dir, ref, catalogue, date(2026, 11, 30))
    text = normalised(pdf_text(outcome.pdf))
    assert "Quý III năm 2026" in text  # the latest ended quarter stands in for a year-end
    assert "Chương trình chưa kết thúc" in text
    pending = [line for line in text.splitlines() if line.startswith("Chưa ban hành mức chỉ")]
    assert [line.split(": ")[1].split(" (")[0] for line in pending] == ["T2", "T3, T4", "T6", "T7"]
    assert "tạm tính" in text  # T1's band and T8's 65% are the national figures
    assert "Chưa có bộ tiêu chí của giai đoạn sau năm 2030" in text


@pytest.mark.slow
def test_ntm_review_prints_the_pdf_with_its_pages_then_its_twins(
    programme_dir, capsys, tmp_path: Path
) -> None:
    data_dir = DataDir(tmp_path / "data")  # a copy: the golden test counts the versions
    shutil.copytree(programme_dir.root, data_dir.root)
    argv = ["review", "--programme", "2021-2025", "--today", "2026-01-20"]
    assert main([*argv, "--data-dir", str(data_dir.root)]) == 0
    first, html, xlsx = capsys.readouterr().out.splitlines()
    found = re.fullmatch(r"report \((\d+) pages\): (.+\.pdf)", first)
    assert found is not None and int(found.group(1)) > 5
    pdf = Path(found.group(2))
    assert pdf.parent.parent.name == "2021-2025" and pdf.exists()
    assert (Path(html), Path(xlsx)) == (pdf.with_suffix(".html"), pdf.with_suffix(".xlsx"))
