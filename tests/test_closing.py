"""Closing a period: signed figures stay signed, amendments are kept and reported, the archive
proves the signature, and reopening is a deliberate, audited act."""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import fastexcel
import polars as pl
import pytest

from ntm.cli import main
from ntm.demo import demo_figures, generate_demo
from ntm.intake.ingest import ingest_files
from ntm.intake.workbook import write_submission
from ntm.reference import Reference
from ntm.report import generate_report
from ntm.report.closing import close_period, verify_period
from ntm.report.render import pdf_text
from ntm.store.paths import DataDir
from transforms.amendments import figure_changes
from transforms.periods import Period
from transforms.registry import communes_of

PERIOD = Period(2024, 4)
NEXT = Period(2025, 1)
REPORTING = ("436", "441")
SIGNED_AT = datetime(2025, 1, 25, 3, tzinfo=UTC)
CLOSE = ["close", "--period", "2024-Q4", "--version", "1", "--by", "Nguyễn Văn A"]


def run(data_dir: DataDir, *args: str) -> int:
    return main(["--data-dir", str(data_dir.root), *args])


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> DataDir:
    """Two districts' 2024-Q4 and 2025-Q1, the 2024-Q4 report v1 signed and closed."""
    root = tmp_path_factory.mktemp("closing")
    data_dir = DataDir(root / "data")
    demo = root / "demo"
    generate_demo(demo, ref, first=PERIOD, last=NEXT, households=False)
    files = [p for p in sorted(demo.rglob("*.*")) if p.name[:3] in REPORTING]
    ingest_files(files, data_dir, ref, now=datetime(2025, 4, 20, tzinfo=UTC))
    generate_report(data_dir, ref, PERIOD, date(2025, 1, 20), run_id="closing")
    close_period(data_dir, ref, PERIOD, 1, "Nguyễn Văn A", "Số 12-BC/ĐU", SIGNED_AT)
    return data_dir


@pytest.fixture
def data_dir(tmp_path: Path, signed: DataDir) -> DataDir:
    copy = DataDir(tmp_path / "data")
    shutil.copytree(signed.root, copy.root)
    return copy


def correction(ref: Reference, folder: Path, poor_new_plus: int = 5) -> tuple[Path, str]:
    """441's 2024-Q4 again, one commune with more new poor households (its end follows)."""
    communes = communes_of(ref.registry, "441", PERIOD.last_day, ref.settings.communes_report_from)
    figures = demo_figures(ref, PERIOD, PERIOD).drop("period")
    figures = communes.select("commune_code").join(figures, on="commune_code", how="left")
    commune = str(figures["commune_code"][0])
    bump = pl.when(pl.col("commune_code") == commune).then(poor_new_plus).otherwise(0)
    figures = figures.with_columns(
        poor_new=pl.col("poor_new") + bump, poor_end=pl.col("poor_end") + bump
    )
    path = write_submission(
        folder / "sua-441.xlsx", ref.format, "441", "Huyện Vũ Quang", str(PERIOD),
        communes.select("commune_code", "commune_name"), figures,
    )  # fmt: skip
    stamp = datetime(2025, 2, 3, 2, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path, commune


def province_poor(output: str) -> str:
    rows = [line.split(",") for line in output.splitlines()]
    [row] = [r for r in rows if r[2:4] == ["province", "poor_rate"]]
    return ",".join(row[4:6])


def test_a_correction_after_the_close_leaves_the_signed_figures_and_moves_current(
    data_dir: DataDir, ref: Reference, capsys, tmp_path: Path
) -> None:
    assert run(data_dir, "indicators", "--period", "2024-Q4") == 0
    signed_before = capsys.readouterr()
    assert "closed with version 1 by Nguyễn Văn A" in signed_before.err

    path, _ = correction(ref, tmp_path)
    assert run(data_dir, "ingest", str(path)) == 0
    ingest = capsys.readouterr()
    assert "accepted" in ingest.out and "stored as an amendment" in ingest.err

    assert run(data_dir, "indicators", "--period", "2024-Q4") == 0
    signed_after = capsys.readouterr().out
    assert run(data_dir, "indicators", "--period", "2024-Q4", "--as-of", "current") == 0
    current = capsys.readouterr().out
    assert signed_after == signed_before.out  # the signed figures did not move
    numerator, denominator = province_poor(signed_after).split(",")
    assert province_poor(current) == f"{int(numerator) + 5},{denominator}"

    # The district is told, in Vietnamese, that the period is closed.
    [feedback] = data_dir.feedback.glob("2024-Q4/441_2024-Q4_v2_*.xlsx")
    sheet = fastexcel.read_excel(feedback).load_sheet(0, header_row=None, dtypes="string")
    summary = str(sheet.to_polars().row(1)[0])
    assert "Kỳ báo cáo này đã được chốt" in summary and "kỳ báo cáo tiếp theo" in summary


def test_reopen_needs_a_reason_and_the_report_needs_amended(data_dir: DataDir, capsys) -> None:
    with pytest.raises(SystemExit) as missing:
        run(data_dir, "reopen", "--period", "2024-Q4", "--by", "Nguyễn Văn B")
    assert missing.value.code == 2
    assert run(data_dir, "reopen", "--period", "2024-Q4", "--by", "B", "--reason", " ") == 2
    assert run(data_dir, "report", "--period", "2024-Q4") == 2
    assert "is closed" in capsys.readouterr().err
    assert run(data_dir, *CLOSE) == 2  # already closed
    assert "already closed" in capsys.readouterr().err

    assert run(data_dir, "summary", "--period", "2024-Q4") == 0
    assert "closed v1 by Nguyễn Văn A, 2025-01-25 03:00 UTC" in capsys.readouterr().out
    reason = "Huyện Vũ Quang báo cáo nhầm số hộ"
    assert run(data_dir, "reopen", "--period", "2024-Q4", "--by", "Lê C", "--reason", reason) == 0
    capsys.readouterr()
    assert run(data_dir, "summary", "--period", "2024-Q4") == 0
    assert "open (reopened by Lê C" in capsys.readouterr().out
    assert run(data_dir, "verify", "--period", "2024-Q4") == 2  # nothing signed to verify now
    capsys.readouterr()
    assert run(data_dir, "indicators", "--period", "2024-Q4") == 0
    assert "signed" not in capsys.readouterr().err  # open again: the current figures


def test_verify_passes_on_the_archive_and_names_a_tampered_file(
    data_dir: DataDir, ref: Reference, capsys
) -> None:
    assert run(data_dir, "verify", "--period", "2024-Q4") == 0
    archive = data_dir.root / "archive" / "2024-Q4" / "v1"
    assert sorted(p.name for p in archive.iterdir()) == [
        "figures.parquet", "indicators.parquet", "manifest.json", "signed.xlsx",
        "submissions.parquet",
    ]  # fmt: skip
    figures = archive / "figures.parquet"
    tampered = pl.read_parquet(figures).with_columns(pl.col("poor_end") + 1)
    tampered.write_parquet(figures)
    assert run(data_dir, "verify", "--period", "2024-Q4") != 0
    assert f"{figures}: sha256 differs" in capsys.readouterr().err


def test_verify_recomputes_the_figures_and_compares_them_with_the_signed_twin(
    data_dir: DataDir, ref: Reference
) -> None:
    """Even with a manifest rewritten to match, altered figures do not reproduce the twin."""
    import hashlib  # noqa: PLC0415
    import json  # noqa: PLC0415

    from ntm.store.warehouse import Warehouse  # noqa: PLC0415

    archive = data_dir.root / "archive" / "2024-Q4" / "v1"
    figures = archive / "figures.parquet"
    pl.read_parquet(figures).with_columns(pl.col("workers_trained") + 1).write_parquet(figures)
    manifest = json.loads((archive / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["figures.parquet"] = hashlib.sha256(figures.read_bytes()).hexdigest()
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (archive / "manifest.json").write_text(text, encoding="utf-8")
    sha = hashlib.sha256((archive / "manifest.json").read_bytes()).hexdigest()
    with Warehouse.open(data_dir.warehouse) as warehouse:
        warehouse.con.execute("UPDATE period_closures SET archive_sha256 = ?", [sha]).fetchall()
    problems, note = verify_period(data_dir, ref, PERIOD)
    assert note == "" and problems and all("signed.xlsx:" in p for p in problems)
    assert any("trained_labour_rate" in p for p in problems)


def test_figure_changes_list_each_moved_figure_with_old_and_new() -> None:
    signed = pl.DataFrame({"commune_code": ["a", "b"], "x": [1, 2], "y": [5, 6]})
    current = pl.DataFrame({"commune_code": ["a", "c"], "x": [1, 9], "y": [7, 9]})
    changes = figure_changes(signed, current, ["x", "y"])
    assert changes.rows() == [
        ("a", "y", 5, 7),
        ("b", "x", 2, None), ("b", "y", 6, None),  # no longer reported
        ("c", "x", None, 9), ("c", "y", None, 9),  # reported since
    ]  # fmt: skip


@pytest.mark.slow
def test_the_amended_version_and_the_next_report_say_what_moved(
    data_dir: DataDir, ref: Reference, tmp_path: Path
) -> None:
    before = generate_report(data_dir, ref, NEXT, date(2025, 4, 20))
    assert "ĐIỀU CHỈNH SỐ LIỆU" not in pdf_text(before.pdf)  # nothing amended: no section
    path, commune = correction(ref, tmp_path)
    ingest_files([path], data_dir, ref, now=datetime(2025, 2, 3, 3, tzinfo=UTC))
    amended = generate_report(data_dir, ref, PERIOD, date(2025, 2, 10), amended=True)
    assert amended.version == 2
    text = pdf_text(amended.pdf)
    words = " ".join(text.split()).replace("- ", "-")
    assert "BẢN ĐIỀU CHỈNH" in words
    assert "báo cáo Số 12-BC/ĐU (bản số 1), số liệu đã chốt ngày 25/01/2025" in words
    # Issued in 2026, an amended version of 2024-Q4 carries the bodies in force then.
    later = " ".join(pdf_text(
        generate_report(data_dir, ref, PERIOD, date(2026, 3, 2), amended=True).pdf
    ).split())  # fmt: skip
    assert "ĐẢNG ỦY SỞ NỘI VỤ" in later and "Lãnh đạo Sở Nội vụ;" in later
    assert "SỞ LAO ĐỘNG" not in later and "Sở LĐTBXH" not in later
    assert "ĐẢNG ỦY SỞ LAO ĐỘNG" in words  # the version of February 2025: as then
    following = generate_report(data_dir, ref, NEXT, date(2025, 4, 20))
    # Words as read: a line may break after a hyphen ("12-" / "BC/ĐU").
    text = " ".join(pdf_text(following.pdf).split()).replace("- ", "-")
    assert "IV. ĐIỀU CHỈNH SỐ LIỆU CÁC KỲ ĐÃ CHỐT" in text
    assert "Quý IV năm 2024 (số liệu đã chốt ngày 25/01/2025 theo báo cáo Số 12-BC/ĐU" in text
    assert f"({commune}) Số hộ nghèo cuối kỳ" in text  # the figure, then signed → amended
    row = text.split(f"({commune}) Số hộ nghèo cuối kỳ ")[1].split()[:2]
    assert int(row[1]) - int(row[0]) == 5
    # The province's poor rate, signed then amended, with its counts: five more poor households.
    counts = re.search(
        r"Tỷ lệ hộ nghèo [\d,]+% \(([\d.]+)/([\d.]+)\) [\d,]+% \(([\d.]+)/([\d.]+)\)", text
    )
    assert counts is not None
    old_poor, old_all, new_poor, new_all = (int(g.replace(".", "")) for g in counts.groups())
    assert (new_poor - old_poor, new_all) == (5, old_all)
