"""One writer per data dir: an advisory lock held for the whole of a command or flow run.

DuckDB already refuses a second writer on the warehouse, but reports and feedback files live
beside it; the lock makes "never two writers" hold for the whole data dir, across the CLI and
Prefect runs alike. The lock is released by the kernel when the process dies, even by kill -9.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ntm.store.paths import DataDir


class DataDirBusyError(Exception):
    """Another process holds the data dir."""


@contextmanager
def data_dir_lock(data_dir: DataDir, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the data dir's lock; wait up to ``wait_seconds`` for it, then give up."""
    data_dir.root.mkdir(parents=True, exist_ok=True)
    path = data_dir.lock
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(handle, 64, 0).decode(errors="replace").strip()
                    raise DataDirBusyError(
                        f"another ntm process ({holder or 'unknown pid'}) is writing to "
                        f"{data_dir.root}; try again when it has finished"
                    ) from None
                time.sleep(0.2)
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"pid {os.getpid()}".encode(), 0)
        yield
    finally:
        os.close(handle)
