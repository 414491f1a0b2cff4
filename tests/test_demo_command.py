"""What ``ntm demo`` adds around the flow (issue 20): the programme's final review rendered once,
by the first demo after the programme ended, and Prefect's temporary server started early,
only where one will be needed. The generator and the flow are stubbed: test_flows.py runs the
flow, test_review.py renders the review."""

from __future__ import annotations

import argparse
import gc
import sys
import types
import weakref
from pathlib import Path
from typing import Any

import pytest

import ntm.demo
import ntm.report
from flows import server
from flows.memory import give_back_memory
from ntm.cli import intake
from ntm.cli.common import EXIT_OK
from ntm.reference import Reference
from ntm.report.versions import INDEX_COLUMNS
from ntm.store.paths import DataDir
from transforms.periods import Period

THROUGH = Period(2026, 3)  # the 2021-2025 programme has ended


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The demo with nothing generated, a flow that succeeds and a review that records itself."""
    rendered: list[str] = []

    class Review:
        version, pages = 1, 20
        pdf = Path("reports/2021-2025/v1/bao-cao-tong-ket_2021-2025_v1.pdf")

    def review(data_dir: DataDir, ref: Reference, catalogue: Any, today: Any) -> Review:
        rendered.append(catalogue.programme)
        return Review()

    monkeypatch.setattr(ntm.demo, "generate_demo", lambda inbox, ref, last: [])
    monkeypatch.setattr(intake, "run_flow", lambda *args, **kwargs: EXIT_OK)
    monkeypatch.setattr(server, "start_server_early", lambda: lambda: None)
    monkeypatch.setattr(ntm.report, "generate_review", review)
    return rendered


def demo(data_dir: DataDir, ref: Reference) -> int:
    return intake.demo(argparse.Namespace(messy=None, through=THROUGH), data_dir, ref)


def test_the_first_demo_after_a_programme_ended_renders_its_review(
    stubbed: list[str], data_dir: DataDir, ref: Reference, capsys: pytest.CaptureFixture[str]
) -> None:
    assert demo(data_dir, ref) == EXIT_OK
    assert stubbed == ["2021-2025"]
    assert "review 2021-2025 v1 (20 pages)" in capsys.readouterr().out


def test_a_demo_run_again_prints_the_review_it_has(
    stubbed: list[str], data_dir: DataDir, ref: Reference, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir.reports.mkdir(parents=True)
    row = {
        "period": "2021-2025", "version": "3", "created_at": "2026-12-01T00:00:00+00:00",
        "input_snapshot": "x", "pages": "21", "pdf": "2021-2025/v3/bao-cao-tong-ket.pdf",
        "tables_key": "",
    }  # fmt: skip
    (data_dir.reports / "index.csv").write_text(
        ",".join(INDEX_COLUMNS) + "\n" + ",".join(row[c] for c in INDEX_COLUMNS) + "\n",
        encoding="utf-8",
    )
    assert demo(data_dir, ref) == EXIT_OK
    assert stubbed == []
    out = capsys.readouterr().out
    assert f"review 2021-2025 v3 (21 pages): {data_dir.reports / row['pdf']}" in out
    assert "ntm review --programme 2021-2025" in out


@pytest.mark.parametrize("configured", [True, False])
def test_a_temporary_server_is_started_only_where_none_is_configured(
    configured: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.settings import (  # noqa: PLC0415 (see test_flows)
        PREFECT_API_URL,
        PREFECT_SERVER_EPHEMERAL_ENABLED,
        temporary_settings,
    )

    started: list[bool] = []

    class Server:  # stands in for Prefect's SubprocessASGIServer (seconds to import, a process)
        def start(self) -> None:
            started.append(True)

    stand_in = types.ModuleType("prefect.server.api.server")
    stand_in.SubprocessASGIServer = Server  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "prefect.server.api.server", stand_in)
    url = {PREFECT_API_URL: "http://127.0.0.1:9/api"} if configured else {}
    # The thread's body, in this thread: Prefect's settings are per context.
    with temporary_settings(
        updates={PREFECT_SERVER_EPHEMERAL_ENABLED: True, **url},
        restore_defaults=set() if configured else {PREFECT_API_URL},
    ):
        server._start_temporary_server()
    assert started == ([] if configured else [True])


def test_memory_given_back_between_tasks_collects_cyclic_garbage() -> None:
    class Node:
        other: Any = None

    first, second = Node(), Node()
    first.other, second.other = second, first
    alive = weakref.ref(first)
    del first, second
    gc.disable()  # only give_back_memory may collect the cycle
    try:
        assert alive() is not None
        give_back_memory()
        assert alive() is None
    finally:
        gc.enable()
