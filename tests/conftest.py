"""Shared fixtures: the reference data, a data dir per test, the demo of 2023-Q4 to 2024-Q4
written and ingested once per session (per pytest-xdist worker), one Prefect backend per session.

Plain helpers and constants are in ``tests/helpers.py``; test modules import them from there.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from ntm.demo import generate_demo
from ntm.intake.ingest import ingest_files
from ntm.reference import Reference, load_reference
from ntm.store.paths import DataDir
from tests.helpers import NOW
from transforms.periods import Period

_PREFECT_HOME = "_ntm_prefect_home"

# No property test may pass or fail on the machine's speed: no per-example deadline, and no
# health check that times data generation. Tests keep their own max_examples.
settings.register_profile("ntm", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ntm")


def pytest_configure(config: pytest.Config) -> None:
    """Prefect settings for the whole run, set before anything imports Prefect (it reads them
    once, on import): no analytics, and a PREFECT_HOME of this run's own, so that a test never
    reads or writes the developer's profiles, database or settings (subprocesses inherit it)."""
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    home = tempfile.mkdtemp(prefix="ntm-tests-prefect-home-")
    setattr(config, _PREFECT_HOME, home)
    os.environ["PREFECT_HOME"] = home


def pytest_unconfigure(config: pytest.Config) -> None:
    home = getattr(config, _PREFECT_HOME, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def ref() -> Reference:
    return load_reference()


@pytest.fixture
def data_dir(tmp_path: Path) -> DataDir:
    return DataDir(tmp_path / "data")


# The shared demo's range. generate_demo's files depend on the range asked for (formats and
# arrival times are drawn along it), so a module may use these fixtures only where it asked for
# exactly this range without household reviews.
DEMO_2024 = (Period(2023, 4), Period(2024, 4))


def _listing(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file under ``folder``: its modification time and a hash of its bytes."""
    return {
        str(path.relative_to(folder)): (
            path.stat().st_mtime_ns,
            hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="session")
def demo_inbox_2024(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Iterator[Path]:
    """``generate_demo`` of 2023-Q4 through 2024-Q4 without household reviews, written once per
    session: 13 districts' quarterly files under ``<period>/``. Tests read it and never change
    it (checked when the session ends); one that changes files copies them first."""
    folder = tmp_path_factory.mktemp("demo-2024") / "inbox"
    generate_demo(folder, ref, first=DEMO_2024[0], last=DEMO_2024[1], households=False)
    written = _listing(folder)
    yield folder
    assert _listing(folder) == written, "a test changed the shared demo inbox"


@pytest.fixture(scope="session")
def _demo_warehouse_2024(
    tmp_path_factory: pytest.TempPathFactory, ref: Reference, demo_inbox_2024: Path
) -> DataDir:
    """Every file of ``demo_inbox_2024`` ingested at ``helpers.NOW``, once per session; tests
    get a copy of it (``demo_data_2024``), never this one."""
    data_dir = DataDir(tmp_path_factory.mktemp("demo-2024-warehouse") / "data")
    outcomes = ingest_files([demo_inbox_2024], data_dir, ref, now=NOW, feedback=False)
    assert {o.status for o in outcomes} == {"accepted"}
    return data_dir


@pytest.fixture(scope="module")
def demo_data_2024(
    tmp_path_factory: pytest.TempPathFactory, _demo_warehouse_2024: DataDir
) -> DataDir:
    """A data dir of the module's own holding the demo of 2023-Q4 to 2024-Q4, every unit's file
    accepted (``_demo_warehouse_2024`` copied): the module's tests may read and write it."""
    copy = DataDir(tmp_path_factory.mktemp("demo-2024-data") / "data")
    shutil.copytree(_demo_warehouse_2024.root, copy.root)
    return copy


@pytest.fixture(scope="session")
def prefect_backend() -> Iterator[None]:
    """One temporary Prefect server and database for every test of the session that runs a
    flow (starting one takes 20-40 s on a small machine)."""
    assert os.environ["PREFECT_HOME"], "set in pytest_configure"
    from prefect.testing.utilities import prefect_test_harness  # noqa: PLC0415 (after HOME)

    with prefect_test_harness(server_startup_timeout=180):
        yield
