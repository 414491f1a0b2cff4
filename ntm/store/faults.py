"""Named kill points, so that crash tests stop a process exactly where they claim to.

A test sets ``NTM_KILL_AT`` to a point's name (and ``NTM_KILL_MARKER`` to a file): when the
process reaches ``kill_point(name)``, it appends the name to the marker file, then kills itself
with SIGKILL, as an operator's ``kill -9`` or a power cut would. Unset, a point costs one
dictionary lookup. The points, in the order a run meets them, are listed in ``POINTS``.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

KILL_AT = "NTM_KILL_AT"
MARKER = "NTM_KILL_MARKER"
POINTS = (
    # ntm.store.warehouse.Warehouse.store, inside the transaction of one wave
    "store:after_raw_files",
    "store:after_raw_rows",  # raw rows written, staging rows not yet
    "store:before_commit",
    # ntm.intake.ingest, after a wave's commit, before its feedback workbooks
    "ingest:after_commit",
    # ntm.store.warehouse.Warehouse.store_households, inside the transaction of one wave
    "households:after_submissions",  # submissions written, household rows not yet
    "households:before_commit",
    # ntm.intake.households, after a wave's commit, before its feedback workbooks
    "households:after_commit",
    # ntm.report.versions.generate_report
    "report:staged",  # every file of the version written in its hidden folder
    "report:renamed",  # v<N>/ in place, index.csv not yet rewritten
    # ntm.report.closing.close_period
    "close:archived",  # archive/<period>/v<N>/ in place, no close recorded yet
    "close:before_commit",  # inside the transaction that records the close
)


def kill_point(name: str) -> None:
    """Die here, at once and without cleanup, when a test asked for this point."""
    if os.environ.get(KILL_AT) != name:
        return
    if name not in POINTS:
        raise ValueError(f"unknown kill point {name!r}")
    marker = os.environ.get(MARKER)
    if marker:
        with Path(marker).open("a", encoding="utf-8") as handle:
            handle.write(name + "\n")
    os.kill(os.getpid(), signal.SIGKILL)
