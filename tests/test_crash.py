"""kill -9 at each named point of ingest, of the report and of a close (``ntm.store.faults``):
nothing stored is lost or half-written, no partial report version is visible, a period is open
or closed and never half, and a rerun ends where an uninterrupted run ends.

Each test runs the real command in a subprocess with ``NTM_KILL_AT=<point>``: the process notes
the point in the marker file and SIGKILLs itself when it gets there, so the test knows where it
died instead of guessing from a delay.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import fastexcel
import pytest

from ntm.demo import generate_demo
from ntm.report.render import pdf_text
from ntm.store.faults import KILL_AT, MARKER, POINTS
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms.periods import Period

pytestmark = pytest.mark.slow  # ingests and renders in subprocesses, several times over

NTM = [sys.executable, "-m", "ntm.cli"]
PERIOD = "2024-Q4"
REPORT = ("report", "--period", PERIOD, "--today", "2025-01-20")
# The inbox holds 2024-Q3 then 2024-Q4: two waves, one transaction each. A point inside ingest
# is met first in the first wave; what it leaves is the warehouse as before that wave or after.
FIRST_WAVE = "2024-Q3"
INGEST_POINTS = {
    "store:after_raw_files": set(),  # inside the transaction: as before
    "store:after_raw_rows": set(),
    "store:before_commit": set(),
    "ingest:after_commit": {FIRST_WAVE},  # committed: as after the first wave
}
REPORT_POINTS = ("report:staged", "report:renamed")
CLOSE_POINTS = ("close:archived", "close:before_commit")
FILES = {".pdf", ".html", ".xlsx", ".csv"}  # the csv: the submissions it read

# What the warehouse holds, each row led by its period (null for a row of no submission), so
# that a state can be cut to the waves of some periods. Submission ids are left out: the next
# id is only decided at commit.
STATE = {
    "submissions": "SELECT period, unit_code, version, content_sha256, status, rows_read, "
    "rows_accepted, rows_quarantined FROM submissions",
    "raw_files": "SELECT s.period, r.content_sha256, r.size_bytes, sha256(r.content) "
    "FROM raw_files AS r LEFT JOIN submissions AS s USING (content_sha256)",
    "raw_rows": "SELECT s.period, s.unit_code, s.version, count(*) "
    "FROM raw_submission_rows AS r LEFT JOIN submissions AS s USING (submission_id) GROUP BY ALL",
    "staged_rows": "SELECT s.period, s.unit_code, s.version, f.row_status, count(*) "
    "FROM stg_commune_figures AS f LEFT JOIN submissions AS s USING (submission_id) GROUP BY ALL",
    "findings": "SELECT s.period, s.unit_code, s.version, f.excel_row, f.rule_id, f.column_label "
    "FROM findings AS f LEFT JOIN submissions AS s USING (submission_id)",
    "audit": "SELECT period, unit_code, commune_code, figure, old_value, new_value "
    "FROM audit_value_changes",
    "figures": "SELECT period, * EXCLUDE (submission_id, period) FROM accepted_commune_figures",
}
HALF_WRITTEN = (
    "SELECT count(*) FROM submissions s WHERE s.status <> 'rejected' AND s.rows_read <> "
    "(SELECT count(*) FROM stg_commune_figures f WHERE f.submission_id = s.submission_id)"
)


def ntm(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (KILL_AT, MARKER)}
    return subprocess.run(
        [*NTM, *args], env=env, capture_output=True, text=True, timeout=900, check=False
    )


def killed_at(point: str, marker: Path, *args: str) -> None:
    """Run ``ntm *args`` asking it to die at ``point``; it must die there, by SIGKILL."""
    env = {**os.environ, KILL_AT: point, MARKER: str(marker)}
    result = subprocess.run(
        [*NTM, *args], env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stderr)
    # The marker is written by the process itself just before it kills itself: it proves that
    # the kill landed at the named point, and only there.
    assert marker.read_text(encoding="utf-8").splitlines() == [point]


def stored(data_dir: DataDir) -> dict[str, list[tuple[object, ...]]]:
    """What the warehouse holds, in a form two runs can be compared by."""
    if not data_dir.warehouse.exists():
        return {name: [] for name in STATE}
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        sql = warehouse.con.sql
        assert sql(HALF_WRITTEN).fetchall() == [(0,)]  # no submission without all its rows
        return {name: sql(f"{query} ORDER BY ALL").fetchall() for name, query in STATE.items()}


def only(state: dict[str, list[tuple[object, ...]]], periods: set[str]):
    """The state as after the waves of ``periods`` only."""
    return {name: [row for row in rows if row[0] in periods] for name, rows in state.items()}


def feedback_files(data_dir: DataDir) -> list[str]:
    return sorted(str(p.relative_to(data_dir.feedback)) for p in data_dir.feedback.rglob("*"))


def index_rows(data_dir: DataDir) -> list[dict[str, str]]:
    index = data_dir.reports / "index.csv"
    if not index.exists():
        return []
    with index.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def visible_versions(data_dir: DataDir) -> list[int]:
    """The versions a reader finds, each checked complete; the index lists only these."""
    folder = data_dir.reports / PERIOD
    versions = sorted(int(p.name[1:]) for p in folder.glob("v*") if p.name[1:].isdigit())
    assert sorted(p.name for p in folder.glob("v*")) == sorted(f"v{v}" for v in versions)
    for version in versions:
        files = list((folder / f"v{version}").iterdir())
        assert {p.suffix for p in files} == FILES and len(files) == len(FILES), files
    for row in index_rows(data_dir):
        assert int(row["version"]) in versions, row
        assert (data_dir.reports / row["pdf"]).is_file(), row
    return versions


def hidden(data_dir: DataDir) -> list[str]:
    return sorted(p.name for p in (data_dir.reports / PERIOD).glob(".*"))


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory, ref) -> Path:
    folder = tmp_path_factory.mktemp("inbox")
    generate_demo(folder, ref, first=Period(2024, 3), last=Period(2024, 4), households=False)
    return folder


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, inbox: Path) -> DataDir:
    """The inbox ingested in one uninterrupted run."""
    data_dir = DataDir(tmp_path_factory.mktemp("ingested") / "data")
    result = ntm("ingest", str(inbox), "--data-dir", str(data_dir.root))
    assert result.returncode == 0, result.stdout + result.stderr
    return data_dir


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory, ingested: DataDir) -> DataDir:
    """Then the report rendered in one uninterrupted run."""
    data_dir = DataDir(tmp_path_factory.mktemp("reported") / "data")
    shutil.copytree(ingested.root, data_dir.root)
    result = ntm(*REPORT, "--data-dir", str(data_dir.root))
    assert result.returncode == 0, result.stderr
    assert visible_versions(data_dir) == [1]
    return data_dir


def test_every_kill_point_is_tested() -> None:
    # The household review's points (households:*) are tested in test_household_privacy.py.
    points = [p for p in POINTS if not p.startswith("households:")]
    assert sorted([*INGEST_POINTS, *REPORT_POINTS, *CLOSE_POINTS]) == sorted(points)


@pytest.mark.parametrize("point", INGEST_POINTS)
def test_kill_during_ingest(tmp_path: Path, inbox: Path, ingested: DataDir, point: str) -> None:
    data_dir = DataDir(tmp_path / "data")
    args = ("ingest", str(inbox), "--data-dir", str(data_dir.root))
    expected = stored(ingested)
    assert {row[0] for row in expected["submissions"]} == {FIRST_WAVE, PERIOD}

    killed_at(point, tmp_path / "killed-at.txt", *args)

    # The warehouse is as before the wave that was cut short, or as after it: never between.
    assert stored(data_dir) == only(expected, INGEST_POINTS[point])
    assert feedback_files(data_dir) == []  # a wave is answered once stored, not before
    result = ntm(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert stored(data_dir) == expected
    assert feedback_files(data_dir) == feedback_files(ingested)


def test_a_rerun_answers_the_files_of_a_wave_committed_before_the_kill(
    tmp_path: Path, inbox: Path, ingested: DataDir
) -> None:
    data_dir = DataDir(tmp_path / "data")
    args = ("ingest", str(inbox), "--data-dir", str(data_dir.root))
    killed_at("ingest:after_commit", tmp_path / "killed-at.txt", *args)
    assert ntm(*args).returncode == 0
    assert feedback_files(data_dir) == feedback_files(ingested)
    # Written again from what is stored, each says what the uninterrupted run's says.
    for name in (n for n in feedback_files(ingested) if n.endswith(".xlsx")):
        assert cells(data_dir.feedback / name) == cells(ingested.feedback / name), name


def cells(workbook: Path) -> list[tuple[object, ...]]:
    sheet = fastexcel.read_excel(workbook).load_sheet(0, header_row=None, dtypes="string")
    return sheet.to_polars().rows()


@pytest.mark.parametrize("point", REPORT_POINTS)
def test_kill_during_report(tmp_path: Path, ingested: DataDir, reported: DataDir, point: str):
    data_dir = DataDir(tmp_path / "data")
    shutil.copytree(ingested.root, data_dir.root)
    args = (*REPORT, "--data-dir", str(data_dir.root))
    before = stored(data_dir)

    killed_at(point, tmp_path / "killed-at.txt", *args)

    # No reader finds a version with files missing, and the index lists none it cannot find.
    assert stored(data_dir) == before  # the report only reads the warehouse
    assert index_rows(data_dir) == []  # the index is replaced last
    if point == "report:staged":
        assert visible_versions(data_dir) == []
        assert hidden(data_dir) != []  # the version waits in a hidden folder
    else:
        assert visible_versions(data_dir) == [1]  # complete, not yet in the index
        assert hidden(data_dir) == []

    result = ntm(*args)
    assert result.returncode == 0, result.stderr
    pdf = Path(result.stdout.splitlines()[0])
    versions = visible_versions(data_dir)
    assert hidden(data_dir) == []  # nothing half-done left behind
    [row] = index_rows(data_dir)
    [expected] = index_rows(reported)
    assert (row["period"], row["version"]) == (PERIOD, str(versions[-1]))
    assert row["input_snapshot"] == expected["input_snapshot"]
    assert data_dir.reports / row["pdf"] == pdf
    assert pdf_text(pdf) == pdf_text(reported.reports / expected["pdf"])


CLOSE = ("close", "--period", PERIOD, "--version", "1", "--by", "Trần Thị Kiểm")


def closes(data_dir: DataDir) -> list[tuple[object, ...]]:
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        sql = warehouse.con.sql
        return sql(
            "SELECT c.period, c.action, c.report_version, count(s.submission_id) "
            "FROM period_closures AS c LEFT JOIN closed_submissions AS s USING (closure_id) "
            "GROUP BY ALL ORDER BY ALL"
        ).fetchall()


@pytest.mark.parametrize("point", CLOSE_POINTS)
def test_kill_during_close(tmp_path: Path, reported: DataDir, point: str) -> None:
    data_dir = DataDir(tmp_path / "data")
    shutil.copytree(reported.root, data_dir.root)
    args = (*CLOSE, "--data-dir", str(data_dir.root))
    before = stored(data_dir)

    killed_at(point, tmp_path / "killed-at.txt", *args)

    # Open: no close recorded, not half of one (a close without its signed submissions).
    assert closes(data_dir) == []
    assert stored(data_dir) == before
    assert ntm("report", "--period", PERIOD, "--data-dir", str(data_dir.root)).returncode == 0
    result = ntm(*args)  # the close runs again from the start, over any archive left behind
    assert result.returncode == 0, result.stderr
    assert closes(data_dir) == [(PERIOD, "close", 1, 13)]
    assert ntm("verify", "--period", PERIOD, "--data-dir", str(data_dir.root)).returncode == 0
    assert not list((data_dir.root / "archive" / PERIOD).glob(".*"))  # no staging left
