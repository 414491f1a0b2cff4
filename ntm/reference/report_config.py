"""Who issues the committee report and who receives it: data/reference/report.toml.

The issuer is dated data (domain.md §7): the Party bodies were reorganised in 2025, so a report
carries the names of the issuer in force on its date of issue, not today's. Each ``[[issuer]]``
holds the superior body, the issuing committee, its short name, the signature block and the
recipients, from its ``valid_from``; a later entry replaces an earlier one from its own date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ntm.reference.files import ReferenceError, read_toml

ISSUER_TEXTS = (
    "superior_body", "issuing_committee", "committee_short", "signature_on_behalf",
    "signature_title", "signature_name",
)  # fmt: skip
ISSUER_KEYS = {"valid_from", "status", "source", "recipients", *ISSUER_TEXTS}
ISSUER_STATUSES = ("confirmed", "to_confirm")


@dataclass(frozen=True)
class Issuer:
    """Who issues a report from ``valid_from`` on, and who receives it."""

    valid_from: date
    status: str  # "confirmed", or "to_confirm" while the department has not confirmed it
    superior_body: str
    issuing_committee: str
    committee_short: str
    signature_on_behalf: str
    signature_title: str
    signature_name: str
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class ReportConfig:
    values: dict[str, Any]
    issuers: tuple[Issuer, ...] = ()  # by valid_from

    def text(self, key: str, **fields: str) -> str:
        return str(self.values[key]).format(**fields)

    def issuer_on(self, day: date) -> Issuer:
        """The issuer in force on ``day`` (a report's date of issue); before the first entry's
        date, the first entry (a report is never issued without a header)."""
        current = self.issuers[0]
        for issuer in self.issuers:
            if issuer.valid_from <= day:
                current = issuer
        return current


def load_report_config(root: Path) -> ReportConfig:
    path = root / "report.toml"
    values = read_toml(path)
    entries = values.pop("issuer", None)
    if not isinstance(entries, list) or not entries:
        raise ReferenceError(f"{path}: needs at least one [[issuer]] with its valid_from")
    stray = sorted(set(values) & ISSUER_KEYS)
    if stray:
        raise ReferenceError(f"{path}: {', '.join(stray)} belong in an [[issuer]] entry")
    issuers = tuple(sorted((_issuer(path, entry) for entry in entries), key=lambda i: i.valid_from))
    days = [issuer.valid_from for issuer in issuers]
    if len(set(days)) != len(days):
        raise ReferenceError(f"{path}: two [[issuer]] entries start on the same day")
    return ReportConfig(values, issuers)


def _issuer(path: Path, entry: dict[str, Any]) -> Issuer:
    missing = sorted(ISSUER_KEYS - {"source"} - set(entry))
    unknown = sorted(set(entry) - ISSUER_KEYS)
    if missing or unknown:
        raise ReferenceError(
            f"{path}: [[issuer]] {entry.get('valid_from', '?')}: "
            + "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(unknown)}" if unknown else "",
                )
                if part
            )
        )
    if not isinstance(entry["valid_from"], date):
        raise ReferenceError(f"{path}: [[issuer]] valid_from must be a date (2026-01-01)")
    if entry["status"] not in ISSUER_STATUSES:
        raise ReferenceError(
            f"{path}: [[issuer]] {entry['valid_from']}: status must be one of "
            f"{', '.join(ISSUER_STATUSES)}"
        )
    recipients = entry["recipients"]
    texts = [entry[key] for key in ISSUER_TEXTS]
    if not all(isinstance(text, str) and text.strip() for text in texts) or not (
        isinstance(recipients, list) and recipients and all(isinstance(r, str) for r in recipients)
    ):
        raise ReferenceError(
            f"{path}: [[issuer]] {entry['valid_from']}: every name must be a non-empty text "
            "and recipients a list of texts"
        )
    return Issuer(
        valid_from=entry["valid_from"],
        status=entry["status"],
        superior_body=entry["superior_body"],
        issuing_committee=entry["issuing_committee"],
        committee_short=entry["committee_short"],
        signature_on_behalf=entry["signature_on_behalf"],
        signature_title=entry["signature_title"],
        signature_name=entry["signature_name"],
        recipients=tuple(recipients),
    )
