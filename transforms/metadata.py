"""Checks on a submission's metadata: who reports, for which period, on which template."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from transforms.findings import findings_frame
from transforms.periods import Period
from transforms.registry import find_reporting_unit


@dataclass(frozen=True)
class Metadata:
    unit_code: str | None
    unit_name: str | None
    period: Period | None
    prepared_on: date | None
    prepared_by: str | None
    template_version: str | None


_WHOLE_FLOAT = re.compile(r"^(\d+)\.0+$")


def clean_code(text: str | None) -> str | None:
    """A GSO code as typed: trimmed; a number cell read back as ``441.0`` becomes ``441``."""
    if text is None or not text.strip():
        return None
    stripped = text.strip()
    whole = _WHOLE_FLOAT.match(stripped)
    return whole.group(1) if whole else stripped


def parse_date(text: str | None) -> date | None:
    """An Excel date cell (read back as ISO text) or a typed ``dd/mm/yyyy``; else None."""
    if text is None:
        return None
    stripped = text.strip()
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(stripped, pattern).date()
        except ValueError:
            continue
    return None


def check_metadata(
    values: dict[str, str | None],
    labels: dict[str, str],
    required: list[str],
    template_version: str,
    registry: pl.DataFrame,
    today: date,
    communes_report_from: date,
    sheet: str,
) -> tuple[Metadata, pl.DataFrame]:
    """Parse and check the metadata ``values`` (key -> text as found).

    ``labels`` maps keys to the labels staff see; ``required`` lists keys that must be present.
    Returns the metadata and file-level findings (an empty frame when all is well).
    """
    problems: list[dict[str, object]] = []

    def problem(rule: str, key: str, value: str | None = None, expected: str | None = None) -> None:
        problems.append(
            {
                "sheet": sheet,
                "column_label": labels.get(key, key),
                "value_found": value,
                "rule_id": rule,
                "expected": expected if expected is not None else labels.get(key, key),
            }
        )

    def text(key: str) -> str | None:
        value = values.get(key)
        return value.strip() if value is not None and value.strip() else None

    for key in required:
        if text(key) is None:
            problem("metadata_missing", key)

    version = clean_code(text("template_version"))
    if version is not None and version != template_version:
        problem("metadata_invalid", "template_version", version)

    period_text = text("period")
    period = Period.parse(period_text) if period_text else None
    if period_text is not None and period is None:
        problem("period_invalid", "period", period_text, "")
    if period is not None and period.first_day > today:
        problem("period_future", "period", period_text, "")

    unit_code = clean_code(text("unit_code"))
    unit_name = text("unit_name")
    if unit_code is not None and period is not None and period.first_day <= today:
        unit = find_reporting_unit(registry, unit_code, period.last_day, communes_report_from)
        if unit is None:
            problem("unit_unknown", "unit_code", unit_code, str(period))
        else:
            unit_name = str(unit["unit_name"])

    metadata = Metadata(
        unit_code=unit_code,
        unit_name=unit_name,
        period=period,
        prepared_on=parse_date(values.get("prepared_on")),
        prepared_by=text("prepared_by"),
        template_version=version,
    )
    return metadata, findings_frame(problems)
