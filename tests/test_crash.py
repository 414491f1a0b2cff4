"""kill -9 in the middle of ingest and of render: nothing stored is lost or half-written, and a
rerun ends where an uninterrupted run ends."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ntm.intake.demo import generate_demo
from ntm.report.render import pdf_text
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms.periods import Period

NTM = [sys.executable, "-m", "ntm.cli"]


def ntm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*NTM, *args], capture_output=True, text=True, check=False)


def killed_after(seconds: float, *args: str) -> None:
    process = subprocess.Popen([*NTM, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    process.send_signal(signal.SIGKILL)
    process.wait()


def stored(data_dir: DataDir) -> dict[str, object]:
    """What the warehouse holds, in a form two runs can be compared by."""
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        sql = warehouse.con.sql
        half_written = sql(
            "SELECT count(*) FROM submissions s WHERE s.status <> 'rejected' AND s.rows_read <> "
            "(SELECT count(*) FROM stg_commune_figures f WHERE f.submission_id = s.submission_id)"
        ).fetchall()[0][0]
        return {
            "half_written": half_written,
            "submissions": sql(
                "SELECT unit_code, period, version, content_sha256, status FROM submissions "
                "ORDER BY ALL"
            ).fetchall(),
            "figures": sql(
                "SELECT * EXCLUDE (submission_id) FROM accepted_commune_figures ORDER BY ALL"
            ).fetchall(),
        }


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory, ref) -> Path:
    folder = tmp_path_factory.mktemp("inbox")
    generate_demo(folder, ref, first=Period(2024, 3), last=Period(2024, 4))
    return folder


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory, inbox: Path) -> DataDir:
    data_dir = DataDir(tmp_path_factory.mktemp("reference") / "data")
    assert ntm("ingest", str(inbox), "--data-dir", str(data_dir.root)).returncode == 0
    result = ntm("report", "--period", "2024-Q4", "--today", "2025-01-20", "--data-dir",
                 str(data_dir.root))  # fmt: skip
    assert result.returncode == 0, result.stderr
    return data_dir


@pytest.mark.parametrize("delay", [2.5, 4.0])
def test_kill_during_ingest(tmp_path, inbox, uninterrupted, delay):
    data_dir = DataDir(tmp_path / "data")
    killed_after(delay, "ingest", str(inbox), "--data-dir", str(data_dir.root))
    if data_dir.warehouse.exists():
        assert stored(data_dir)["half_written"] == 0
    assert ntm("ingest", str(inbox), "--data-dir", str(data_dir.root)).returncode == 0
    assert stored(data_dir) == stored(uninterrupted)


def test_kill_during_render(tmp_path, inbox, uninterrupted):
    data_dir = DataDir(tmp_path / "data")
    assert ntm("ingest", str(inbox), "--data-dir", str(data_dir.root)).returncode == 0
    args = ("report", "--period", "2024-Q4", "--today", "2025-01-20", "--data-dir",
            str(data_dir.root))  # fmt: skip
    killed_after(6.0, *args)
    reports = data_dir.reports / "2024-Q4"
    # No reader finds a version with files missing, and the index lists none.
    for version in reports.glob("v*"):
        assert {p.suffix for p in version.iterdir()} == {".pdf", ".html", ".xlsx"}
    assert not list(reports.glob("v*/*.tmp")) and not list(reports.glob("v*/.*"))
    result = ntm(*args)
    assert result.returncode == 0, result.stderr
    pdf = Path(result.stdout.splitlines()[0])
    expected = next((uninterrupted.reports / "2024-Q4").glob("v1/*.pdf"))
    assert pdf_text(pdf) == pdf_text(expected)
