"""A real Prefect server, work pool, deployment from prefect.yaml and worker: an operator's
ad-hoc run of a fixture period ends with the PDF and the artifacts. Everything started here is
stopped here."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ntm.demo import generate_demo
from ntm.store.paths import DataDir
from transforms.periods import Period

ROOT = Path(__file__).resolve().parents[1]
PREFECT = str(ROOT / ".venv" / "bin" / "prefect")

pytestmark = pytest.mark.slow  # a Prefect server, a worker and a flow run in subprocesses


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate what this test started, and make sure it is gone."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    if not Path(PREFECT).exists():
        pytest.skip("the prefect command is not in .venv")
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path_factory.mktemp("prefect-server-home")),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    log = (tmp_path_factory.mktemp("logs") / "server.log").open("w")
    process = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{port}/api/health", 180)
        yield env
    finally:
        stop(process)
        log.close()


def prefect(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [PREFECT, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"prefect {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_an_adhoc_deployment_run_produces_the_report(server, tmp_path, ref):
    data_dir = DataDir(tmp_path / "data")
    generate_demo(
        data_dir.inbox, ref, first=Period(2024, 4), last=Period(2024, 4), households=False
    )
    prefect(server, "work-pool", "create", "ntm-process", "--type", "process", "--overwrite")
    prefect(server, "--no-prompt", "deploy", "--all")
    worker = subprocess.Popen(
        [PREFECT, "worker", "start", "--pool", "ntm-process"],
        env=server, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        parameters = {"period": "2024-Q4", "data_dir": str(data_dir.root), "today": "2025-01-20"}
        args = [f"--param={key}={value}" for key, value in parameters.items()]
        output = prefect(
            server, "deployment", "run", "quarterly-report/quarterly-adhoc", *args, "--watch",
            timeout=600,
        )  # fmt: skip
    finally:
        stop(worker)
    assert "Completed" in output
    pdfs = list((data_dir.reports / "2024-Q4").glob("v*/*.pdf"))
    assert len(pdfs) == 1
    request = urllib.request.Request(
        server["PREFECT_API_URL"] + "/artifacts/filter",
        data=json.dumps({}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        keys = {artifact["key"] for artifact in json.load(response)}
    assert {"quarterly-summary", "findings-per-unit", "report-pdf"} <= keys
    shutil.rmtree(data_dir.root)
