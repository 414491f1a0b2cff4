"""The Prefect flow around ingest, run for real on a temporary Prefect backend."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ntm.workbook import write_submission
from tests.conftest import district_communes, valid_figures


@pytest.fixture(scope="session")
def prefect_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.testing.utilities import prefect_test_harness  # noqa: PLC0415 (after HOME)

    with prefect_test_harness(server_startup_timeout=60):
        yield


def test_ingest_flow_stores_the_inbox(prefect_backend, tmp_path: Path, ref) -> None:
    from flows.ingest import ingest_inbox  # noqa: PLC0415 (Prefect settings are read at import)

    data = tmp_path / "data"
    inbox = data / "inbox"
    communes = district_communes(ref)
    path = write_submission(inbox / "441.xlsx", ref.format, "441", "Huyện Vũ Quang", "2024-Q4",
                            communes, valid_figures(communes))  # fmt: skip
    stamp = datetime(2025, 1, 5, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    shutil.copy(path, inbox / "copy-of-441.xlsx")

    assert ingest_inbox(str(data)) == {"accepted": 1, "unchanged": 1}
    assert ingest_inbox(str(data)) == {"unchanged": 2}
