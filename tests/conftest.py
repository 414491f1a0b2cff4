"""Shared fixtures: the reference data, a data dir per test, one Prefect backend per session.

Plain helpers and constants are in ``tests/helpers.py``; test modules import them from there.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from ntm.reference import Reference, load_reference
from ntm.store.paths import DataDir

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


@pytest.fixture(scope="session")
def prefect_backend() -> Iterator[None]:
    """One temporary Prefect server and database for every test of the session that runs a
    flow (starting one takes 20-40 s on a small machine)."""
    assert os.environ["PREFECT_HOME"], "set in pytest_configure"
    from prefect.testing.utilities import prefect_test_harness  # noqa: PLC0415 (after HOME)

    with prefect_test_harness(server_startup_timeout=180):
        yield
