"""The quarterly flow run for real on a temporary Prefect backend: report, artifacts, reuse,
alerts, and a second writer waiting for the first."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ntm.intake.demo import generate_demo
from ntm.store.paths import DataDir
from tests.test_ingest import counts
from transforms.periods import Period

HOLD_LOCK = """
import sys, time
from pathlib import Path
from ntm.store.lock import data_dir_lock
from ntm.store.paths import DataDir
with data_dir_lock(DataDir(Path(sys.argv[1]))):
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


@pytest.fixture(scope="session")
def prefect_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    from prefect.testing.utilities import prefect_test_harness  # noqa: PLC0415 (after HOME)

    with prefect_test_harness(server_startup_timeout=120):
        yield


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
    assert (result["files"], report["version"], report["new"]) == (13, 1, True)
    assert Path(report["pdf"]).exists() and report["pages"] > 10
    assert (demo_inbox.root / "indicators" / "chi-tieu_2024-Q4.xlsx").exists()

    with get_client(sync_client=True) as client:
        keys = {artifact.key for artifact in client.read_artifacts()}
    assert {"quarterly-summary", "findings-per-unit", "report-pdf"} <= keys

    # Nothing changed: the latest version is reused; --force renders a new one.
    again = quarterly_report(period="2024-Q4", data_dir=str(demo_inbox.root), today="2025-01-20")
    assert (again["report"]["version"], again["report"]["new"]) == (1, False)
    forced = quarterly_report(
        period="2024-Q4", data_dir=str(demo_inbox.root), today="2025-01-20", force=True
    )
    assert forced["report"]["version"] == 2


def test_a_failed_run_leaves_an_alert(prefect_backend, demo_inbox):
    from flows.quarterly import quarterly_report  # noqa: PLC0415

    with pytest.raises(LookupError, match="no criteria catalogue covers 2019"):
        quarterly_report(period="2019-Q4", data_dir=str(demo_inbox.root), today="2025-01-20")
    alerts = list((demo_inbox.root / "alerts").glob("*.json"))
    assert len(alerts) == 1
    assert "no criteria catalogue covers 2019" in alerts[0].read_text(encoding="utf-8")


def test_a_second_run_waits_for_the_first_writer(prefect_backend, demo_inbox):
    from flows.quarterly import quarterly_report  # noqa: PLC0415

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(demo_inbox.root), "4"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    started = datetime.now(UTC)
    result = quarterly_report(period="2024-Q4", data_dir=str(demo_inbox.root), today="2025-01-20")
    holder.wait(timeout=30)
    waited = (datetime.now(UTC) - started).total_seconds()
    assert waited >= 2  # it could not start before the holder let go
    assert result["report"]["version"] == 1
    assert counts(demo_inbox)["submissions"] == 13
