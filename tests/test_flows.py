"""The quarterly flow run for real on a temporary Prefect backend: report, artifacts, reuse,
alerts, and a second writer waiting for the first.

The backend is the session's one ``prefect_test_harness`` (``prefect_backend`` in conftest)."""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ntm.demo import generate_demo
from ntm.intake.ingest import ingest_files
from ntm.reference import REFERENCE_DIR, ReferenceError, load_reference
from ntm.store.paths import DataDir
from tests.helpers import counts
from transforms.periods import Period

pytestmark = pytest.mark.slow  # a Prefect server for the session, a report per run

# Holds the data dir's lock until told to let go on stdin; says what it saw of the data dir
# just before letting go.
HOLD_LOCK = """
import sys
from pathlib import Path
from ntm.store.lock import data_dir_lock
from ntm.store.paths import DataDir
data_dir = DataDir(Path(sys.argv[1]))
with data_dir_lock(data_dir):
    print("holding", flush=True)
    sys.stdin.readline()
    print("warehouse" if data_dir.warehouse.exists() else "no warehouse", flush=True)
print("released", flush=True)
"""


@pytest.fixture
def demo_inbox(tmp_path: Path, ref) -> DataDir:
    data_dir = DataDir(tmp_path / "data")
    generate_demo(data_dir.inbox, ref, first=Period(2024, 4), last=Period(2024, 4))
    return data_dir


def test_the_quarterly_flow_ingests_reports_and_publishes(prefect_backend, demo_inbox):
    from prefect.client.orchestration import get_client  # noqa: PLC0415

    from flows.quarterly import quarterly_report  # noqa: PLC0415 (Prefect settings first)

    result = quarterly_report(period="2024-Q4", data_dir=str(demo_inbox.root), today="2025-01-20")
    report = result["report"]
    # The 13 quarterly files of 2024-Q4 and the 13 district household reviews of 2024.
    assert (result["files"], report["version"], report["new"]) == (26, 1, True)
    assert Path(report["pdf"]).exists() and report["pages"] > 10
    assert (demo_inbox.root / "indicators" / "chi-tieu_2024-Q4.xlsx").exists()

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts()
    keys = {artifact.key for artifact in artifacts}
    assert {"quarterly-summary", "findings-per-unit", "report-pdf", "followup-list"} <= keys
    summary = next(a for a in artifacts if a.key == "quarterly-summary")
    assert "rà soát hộ nghèo, hộ cận nghèo (biểu HN)" in str(summary.data)
    assert "436 2024 dinh-ky" in str(summary.data)
    # Every district sent its 2024-Q4 file: nobody to follow up, and the workbook says so.
    assert result["followup"]["rows"] == []
    assert Path(result["followup"]["workbook"]).exists()
    # The completeness `ntm run` prints, read by the run itself (13 of 13 districts).
    assert [line.split()[:2] for line in result["summary"][1:]] == [["2024-Q4", "13/13"]]

    # Nothing changed: the latest version is reused; --force renders a new one.
    again = quarterly_report(period="2024-Q4", data_dir=str(demo_inbox.root), today="2025-01-20")
    assert (again["report"]["version"], again["report"]["new"]) == (1, False)
    forced = quarterly_report(
        period="2024-Q4", data_dir=str(demo_inbox.root), today="2025-01-20", force=True
    )
    assert forced["report"]["version"] == 2


def test_a_period_without_targets_runs_and_leaves_a_warning(prefect_backend, demo_inbox):
    from flows.quarterly import quarterly_report  # noqa: PLC0415

    result = quarterly_report(period="2019-Q4", data_dir=str(demo_inbox.root), today="2025-01-20")
    assert Path(result["report"]["pdf"]).exists()
    assert result["unjudged_targets"] == [
        "no criteria catalogue covers 2019: rates only, no target judged"
    ]
    alerts = list((demo_inbox.root / "alerts").glob("*.json"))
    assert [a.name.rsplit("-", 1)[-1] for a in alerts] == ["warning.json"]
    alert = json.loads(alerts[0].read_text(encoding="utf-8"))
    assert alert["level"] == "warning" and "no criteria catalogue covers 2019" in alert["message"]


def test_a_failed_run_leaves_an_alert(prefect_backend, demo_inbox, tmp_path, monkeypatch):
    """A real failure: a reference file that does not parse; the alert names it and its line."""
    import flows.quarterly  # noqa: PLC0415

    broken = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, broken)
    settings = broken / "settings.toml"
    settings.write_text(settings.read_text(encoding="utf-8") + "timezone = = 7\n", "utf-8")
    monkeypatch.setattr(flows.quarterly, "load_reference", lambda: load_reference(broken))
    with pytest.raises(ReferenceError, match=r"settings\.toml: .*line \d+"):
        flows.quarterly.quarterly_report(
            period="2024-Q4", data_dir=str(demo_inbox.root), today="2025-01-20"
        )
    alerts = list((demo_inbox.root / "alerts").glob("*.json"))
    assert [a.name.rsplit("-", 1)[-1] for a in alerts] == ["error.json"]
    alert = json.loads(alerts[0].read_text(encoding="utf-8"))
    assert alert["level"] == "error" and f"{settings}:" in alert["message"]
    assert "line" in alert["message"]


def test_a_second_run_waits_for_the_first_writer(prefect_backend, demo_inbox):
    from flows.quarterly import quarterly_report  # noqa: PLC0415

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(demo_inbox.root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    refused: list[int] = []
    real_flock = fcntl.flock

    def flock(fd: int, operation: int) -> Any:
        """flock for ``data_dir_lock``: the first time the run is refused, the holder lets go."""
        try:
            return real_flock(fd, operation)
        except BlockingIOError:
            if not refused:
                assert holder.stdin is not None
                holder.stdin.write("let go\n")
                holder.stdin.flush()
            refused.append(fd)
            raise

    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(fcntl, "flock", flock)
            result = quarterly_report(
                period="2024-Q4", data_dir=str(demo_inbox.root), today="2025-01-20"
            )
        seen = holder.communicate(timeout=60)[0].split()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    # The run asked for the lock while the holder had it, and was refused: it could not start
    # before the holder let go; by then it had written nothing. Then it waited, and ran.
    assert refused
    assert seen == ["no", "warehouse", "released"]
    assert holder.returncode == 0
    assert result["report"]["version"] == 1
    assert counts(demo_inbox)["submissions"] == 13


def test_the_programme_review_flow_renders_a_version_and_publishes_it(
    prefect_backend, demo_inbox, ref
):
    from prefect.client.orchestration import get_client  # noqa: PLC0415

    from flows.review import programme_review  # noqa: PLC0415 (Prefect settings first)

    ingest_files([demo_inbox.inbox], demo_inbox, ref)
    result = programme_review(
        programme="2021-2025", data_dir=str(demo_inbox.root), today="2025-01-20"
    )
    assert result["version"] == 1 and Path(result["pdf"]).exists()
    assert "2021-2025" in result["pdf"] and result["pages"] >= 5
    with get_client(sync_client=True) as client:
        keys = {artifact.key for artifact in client.read_artifacts()}
    assert {"programme-review", "programme-review-pdf"} <= keys


def test_a_closed_period_keeps_its_signed_report_unless_amended(prefect_backend, demo_inbox, ref):
    from flows.quarterly import quarterly_report  # noqa: PLC0415 (Prefect settings first)
    from ntm.report.closing import close_period  # noqa: PLC0415
    from ntm.report.versions import PeriodNotClosedError  # noqa: PLC0415

    first = quarterly_report(period="2024-Q4", data_dir=str(demo_inbox.root), today="2025-01-20")
    with pytest.raises(PeriodNotClosedError):  # nothing signed yet: nothing to amend
        quarterly_report(period="2024-Q4", data_dir=str(demo_inbox.root), amended=True)
    close_period(demo_inbox, ref, Period(2024, 4), 1, "Nguyễn Văn A", None, datetime.now(UTC))
    # The schedule's run (and a forced one) leaves the signed version as it is.
    again = quarterly_report(
        period="2024-Q4", data_dir=str(demo_inbox.root), today="2025-01-21", force=True
    )
    assert again["report"] == {**first["report"], "new": False, "closed": True}
    assert again["closed"] and not first["closed"]
    amended = quarterly_report(
        period="2024-Q4", data_dir=str(demo_inbox.root), today="2025-01-21", amended=True
    )
    assert (amended["report"]["version"], amended["report"]["new"]) == (2, True)
