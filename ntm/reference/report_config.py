"""Who issues the committee report and who receives it: data/reference/report.toml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ntm.reference.files import read_toml


@dataclass(frozen=True)
class ReportConfig:
    values: dict[str, Any]

    def text(self, key: str, **fields: str) -> str:
        return str(self.values[key]).format(**fields)


def load_report_config(root: Path) -> ReportConfig:
    return ReportConfig(read_toml(root / "report.toml"))
