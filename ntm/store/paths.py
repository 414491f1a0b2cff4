"""The data dir: every path one deployment reads or writes, named in one place.

Two data dirs never touch each other (interfaces.md). Reference data is not here: it ships with
the code under data/reference/.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# The report's templates and the only assets a render may load (fonts, CSS).
TEMPLATES = Path(__file__).resolve().parents[2] / "report_templates"
ASSETS = TEMPLATES / "assets"


@dataclass(frozen=True)
class DataDir:
    root: Path

    @classmethod
    def resolve(cls, given: str | Path | None) -> DataDir:
        return cls(Path(given or os.environ.get("NTM_DATA_DIR") or "data").resolve())

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "ntm.duckdb"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def indicators(self) -> Path:
        """The staff workbooks ``chi-tieu_<period>.xlsx`` and the stored period tables."""
        return self.root / "indicators"

    def indicator_workbook(self, period: str) -> Path:
        return self.indicators / f"chi-tieu_{period}.xlsx"

    def archive(self, period: str, version: int) -> Path:
        """What the signed version ``version`` of ``period`` read, written when it is closed."""
        return self.root / "archive" / period / f"v{version}"

    def followup_workbook(self, period: str) -> Path:
        """The inspection committee's list of units to follow up for ``period``."""
        return self.root / "followup" / f"theo-doi_{period}.xlsx"

    def period_tables(self, period: str) -> Path:
        """One folder per input key under it: the tables the flow computed for ``period``."""
        return self.indicators / "tables" / period

    @property
    def alerts(self) -> Path:
        return self.root / "alerts"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run_log(self) -> Path:
        """Every line the flow logs when run from the command line, tracebacks included."""
        return self.logs / "runs.log"

    @property
    def internal_errors_log(self) -> Path:
        return self.logs / "internal-errors.log"

    @property
    def lock(self) -> Path:
        return self.root / ".ntm.lock"

    @property
    def household_key(self) -> Path:
        """The secret that turns household codes into keys: back it up with the warehouse."""
        return self.root / "household.key"


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` that replaces it only once the writer has finished.

    A reader never sees a half-written file: it sees the old one or the new one.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent
    )
    os.close(handle)
    temporary = Path(name)
    # mkstemp creates 0600; reports and feedback are read by other staff accounts.
    temporary.chmod(0o644)
    try:
        yield temporary
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
