"""Reference data under data/reference/: loaded once, checked before anything uses it.

``load_reference`` reads every file of the folder (submission format, validation rules,
settings, admin-unit registry and crosswalk, criteria catalogues and roster, report
configuration) into one ``Reference``; it is the only place that reads ``NTM_REFERENCE_DIR``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import polars as pl

from ntm.reference.criteria import Catalogue, load_catalogues, load_roster
from ntm.reference.files import ReferenceError, read_toml
from ntm.reference.households import (
    HouseholdFormat,
    PovertyStandard,
    load_household_format,
    load_standards,
    standards_frame,
)
from ntm.reference.report_config import ReportConfig, load_report_config
from transforms.checks import RowRule, figure_keys
from transforms.layout import Column

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
SEVERITIES = ("file_error", "row_error", "warning")
# Rules that code raises by id: each must have its message in validation_rules.toml.
BUILTIN_RULES = (
    "file_type",
    "file_too_large",
    "file_unsafe",
    "file_encrypted",
    "file_unreadable",
    "sheet_missing",
    "metadata_missing",
    "metadata_invalid",
    "unit_unknown",
    "period_invalid",
    "period_future",
    "column_missing",
    "no_rows",
    "total_mismatch",
    "csv_inconsistent",
    "csv_encoding",
    "commune_code_invalid",
    "commune_foreign",
    "commune_duplicate",
    "figure_empty",
    "figure_invalid",
    "extra_sheet",
    "extra_column",
    "metadata_extra",
    "commune_name_mismatch",
    "commune_missing",
    # form HN (household-review-format.md)
    "personal_data_column",
    "personal_data_cell",
    "hn_sheet_missing",
    "hn_metadata_missing",
    "hn_unit_unknown",
    "hn_year_invalid",
    "hn_year_future",
    "hn_kind_unknown",
    "hn_standard_unknown",
    "hn_standard_mismatch",
    "hn_no_rows",
    "hn_commune_foreign",
    "hn_household_missing",
    "hn_household_duplicate",
    "hn_value_invalid",
    "hn_income_missing",
    "hn_income_disagree",
    "hn_points_mismatch",
    "hn_result_rule",
    "hn_cause_missing",
    "hn_form_mismatch",
)
# What a row rule may read besides the row's figures and their history: the households the
# commune's periodic review of the same year classified poor and near-poor (Q4 only).
REVIEW_COUNTS = ("review_poor", "review_near_poor")
CROSSWALK_SCHEMA = {
    "old_code": pl.String,
    "old_valid_from": pl.Date,
    "new_code": pl.String,
    "new_valid_from": pl.Date,
    "change_date": pl.Date,
    "relation": pl.String,
    "source": pl.String,
}
RELATIONS = ("same", "merged_into", "divided_default", "divided")
REGISTRY_SCHEMA = {
    "unit_code": pl.String,
    "unit_name": pl.String,
    "unit_type": pl.String,
    "unit_level": pl.String,
    "parent_code": pl.String,
    "valid_from": pl.Date,
    "valid_to": pl.Date,
    "source": pl.String,
}


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_uncompressed_bytes: int
    max_compression_ratio: int


@dataclass(frozen=True)
class SubmissionFormat:
    template_version: str
    accepted_extensions: tuple[str, ...]
    metadata_sheet: str
    figures_sheet: str
    instructions_sheet: str
    total_row_label: str
    csv_metadata_columns: tuple[str, ...]
    ignored_metadata_labels: tuple[str, ...]
    metadata: tuple[Column, ...]  # kind is "required" or "optional"
    columns: tuple[Column, ...]

    @property
    def labels(self) -> dict[str, str]:
        return {c.key: c.label for c in (*self.metadata, *self.columns)}

    @property
    def figure_keys(self) -> list[str]:
        return figure_keys(list(self.columns))


@dataclass(frozen=True)
class Settings:
    deadline_days: int
    communes_report_from: date
    province_code: str
    timezone: str


@dataclass(frozen=True)
class Reference:
    format: SubmissionFormat
    rules: pl.DataFrame  # rule_id, severity, kind, message, fix, column, check, expected
    row_rules: tuple[RowRule, ...]
    limits: Limits
    settings: Settings
    registry: pl.DataFrame
    crosswalk: pl.DataFrame  # old unit -> the unit that succeeded it, per reorganisation
    catalogues: tuple[Catalogue, ...]  # one per programme period, in order
    standards: tuple[PovertyStandard, ...]  # poverty standards, in order of their first year
    households: HouseholdFormat  # form HN
    roster: pl.DataFrame  # commune_code, valid_from, tier, target_year, sponsor
    report: ReportConfig
    root: Path  # the folder it was read from
    fingerprint: str  # sha256 of every file under ``root``: what was computed with which data

    def catalogue_for(self, year: int) -> Catalogue | None:
        """The catalogue of the programme period that contains ``year``, if any."""
        return next((c for c in self.catalogues if c.covers(year)), None)

    def catalogue_of(self, year: int) -> tuple[Catalogue, bool]:
        """What a period of ``year`` is computed with, and whether a programme covers it: its
        programme's catalogue, or the nearest programme's indicators with no target."""
        covering = self.catalogue_for(year)
        if covering is not None:
            return covering, True
        return self.nearest_catalogue(year).without_targets(), False

    def nearest_catalogue(self, year: int) -> Catalogue:
        """The catalogue whose programme period is nearest to ``year`` (the later on a tie)."""
        if not self.catalogues:
            raise ReferenceError(f"{self.root / 'criteria'}: no criteria catalogue")
        return min(
            self.catalogues,
            key=lambda c: (max(c.first_year - year, year - c.last_year, 0), -c.first_year),
        )

    def standard_of(self, year: int) -> PovertyStandard | None:
        """The poverty standard that measures the year-end of ``year`` (the one answer)."""
        return next((s for s in self.standards if s.measures(year)), None)

    def standard(self, standard_id: str) -> PovertyStandard | None:
        return next((s for s in self.standards if s.id == standard_id), None)

    def review_standard(self, year: int, kind: str) -> PovertyStandard | None:
        """The standard a review of ``kind`` in ``year`` is done under: the year's own for a
        periodic review; for a baseline (đầu kỳ), the next one, and only when it changes the
        standard the year after (None otherwise, and None when nobody publishes one)."""
        review_kind = self.households.kind(kind)
        if review_kind is None:
            return None
        current = self.standard_of(year)
        if review_kind.standard == "current":
            return current
        following = self.standard_of(year + 1)
        return following if following is not None and following != current else None

    def rule_ids(self, severity: str) -> list[str]:
        return self.rules.filter(pl.col("severity") == severity)["rule_id"].to_list()


@cache
def load_reference(directory: Path | None = None) -> Reference:
    """Load and check every reference file; a problem raises ReferenceError naming the file.

    Without ``directory``: ``$NTM_REFERENCE_DIR``, else the shipped ``data/reference/``. Cached,
    so a process reads the folder (and the environment) once.
    """
    root = directory or Path(os.environ.get("NTM_REFERENCE_DIR", REFERENCE_DIR))
    fmt = _load_format(root / "submission_format.toml")
    rules, row_rules, limits = _load_rules(root / "validation_rules.toml", fmt)
    settings = _load_settings(root / "settings.toml")
    registry = _load_registry(root / "admin_units.csv")
    crosswalk = _load_crosswalk(root / "unit_crosswalk.csv", registry)
    standards = load_standards(root)
    catalogues = load_catalogues(root, fmt.figure_keys, standards_frame(standards))
    roster = load_roster(root)
    _check_roster_classes(root / "commune_roster.csv", roster, catalogues)
    return Reference(
        format=fmt,
        rules=rules,
        row_rules=row_rules,
        limits=limits,
        settings=settings,
        registry=registry,
        crosswalk=crosswalk,
        catalogues=catalogues,
        standards=standards,
        households=load_household_format(root / "household_format.toml", standards),
        roster=roster,
        report=load_report_config(root),
        root=root,
        fingerprint=_fingerprint(root),
    )


def _fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(root).as_posix()}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _load_format(path: Path) -> SubmissionFormat:
    raw = read_toml(path)
    try:
        metadata = tuple(
            Column(m["key"], m["label"], "required" if m["required"] else "optional")
            for m in raw["metadata"]
        )
        columns = tuple(Column(c["key"], c["label"], c["kind"]) for c in raw["columns"])
        fmt = SubmissionFormat(
            template_version=str(raw["template_version"]),
            accepted_extensions=tuple(raw["accepted_extensions"]),
            metadata_sheet=str(raw["metadata_sheet"]),
            figures_sheet=str(raw["figures_sheet"]),
            instructions_sheet=str(raw["instructions_sheet"]),
            total_row_label=str(raw["total_row_label"]),
            csv_metadata_columns=tuple(raw["csv_metadata_columns"]),
            ignored_metadata_labels=tuple(raw.get("ignored_metadata_labels", ())),
            metadata=metadata,
            columns=columns,
        )
    except (KeyError, TypeError) as error:
        raise ReferenceError(f"{path}: missing or malformed entry {error}") from error
    keys = [c.key for c in columns]
    if len(set(keys)) != len(keys) or {"commune_code", "commune_name"} - set(keys):
        raise ReferenceError(f"{path}: column keys must be unique and include commune_code/name")
    if {c.kind for c in columns} - {"code", "text", "figure"}:
        raise ReferenceError(f"{path}: column kind must be code, text or figure")
    return fmt


def _load_rules(
    path: Path, fmt: SubmissionFormat
) -> tuple[pl.DataFrame, tuple[RowRule, ...], Limits]:
    raw = read_toml(path)
    entries = raw.get("rule", [])
    fields = ("rule_id", "severity", "kind", "message", "fix", "column", "check", "expected")
    try:
        rows = [
            {
                "rule_id": r["id"],
                "severity": r["severity"],
                "kind": r["kind"],
                "message": r["message"],
                "fix": r["fix"],
                "column": r.get("column"),
                "check": r.get("check"),
                "expected": r.get("expected"),
            }
            for r in entries
        ]
        limits_raw = raw["limits"]
        limits = Limits(**limits_raw)
    except (KeyError, TypeError) as error:
        raise ReferenceError(f"{path}: missing or malformed entry {error}") from error
    rules = pl.DataFrame(rows, schema=dict.fromkeys(fields, pl.String))
    problems: list[str] = []
    duplicated = rules.filter(pl.col("rule_id").is_duplicated())["rule_id"].unique().to_list()
    if duplicated:
        problems.append(f"rule ids defined twice: {duplicated}")
    bad_severity = rules.filter(~pl.col("severity").is_in(SEVERITIES))["rule_id"].to_list()
    if bad_severity:
        problems.append(f"severity must be one of {SEVERITIES}: {bad_severity}")
    missing = sorted(set(BUILTIN_RULES) - set(rules["rule_id"].to_list()))
    if missing:
        problems.append(f"no message for the built-in rules {missing}")
    figures = set(fmt.figure_keys)
    known = (
        figures
        | {f"prev_{f}" for f in figures}
        | {f"prev_year_q4_{f}" for f in figures}
        | set(REVIEW_COUNTS)
    )
    row_rules: list[RowRule] = []
    for rule in rules.filter(pl.col("kind") == "row_check").iter_rows(named=True):
        rule_problem = _row_rule_problem(rule, figures, known)
        if rule_problem:
            problems.append(f"rule {rule['rule_id']}: {rule_problem}")
        else:
            row_rules.append(
                RowRule(rule["rule_id"], rule["column"], rule["check"], rule["expected"])
            )
    if problems:
        raise ReferenceError(f"{path}: " + "; ".join(problems))
    return rules, tuple(row_rules), limits


def _row_rule_problem(rule: dict[str, str | None], figures: set[str], known: set[str]) -> str:
    if rule["column"] not in figures:
        return f"column {rule['column']!r} is not a figure of the format"
    probe = pl.DataFrame(schema=dict.fromkeys(sorted(known), pl.Int64))
    for name in ("check", "expected"):
        text = rule[name]
        if name == "check" and not text:
            return "a row_check needs a check"
        if not text:
            continue
        try:
            probe.select(pl.sql_expr(text))
        except Exception as error:  # Polars raises several types for a bad expression
            return f"{name} {text!r} does not evaluate over the figures: {error}"
    return ""


def _load_settings(path: Path) -> Settings:
    raw = read_toml(path)
    try:
        reporting = raw["reporting"]
        return Settings(
            deadline_days=int(reporting["deadline_days_after_quarter"]),
            communes_report_from=date.fromisoformat(reporting["communes_report_directly_from"]),
            province_code=str(reporting["province_code"]),
            timezone=str(reporting["timezone"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ReferenceError(f"{path}: missing or malformed entry {error}") from error


def _load_registry(path: Path) -> pl.DataFrame:
    try:
        registry = pl.read_csv(path, schema=REGISTRY_SCHEMA)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise ReferenceError(f"{path}: {error}") from error
    problems: list[str] = []
    if registry.filter(pl.struct("unit_code", "valid_from").is_duplicated()).height:
        problems.append("a (unit_code, valid_from) pair appears twice")
    overlapping = (
        registry.sort("unit_code", "valid_from")
        .with_columns(next_from=pl.col("valid_from").shift(-1).over("unit_code"))
        .filter(
            pl.col("next_from").is_not_null()
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") > pl.col("next_from")))
        )
    )
    if overlapping.height:
        problems.append(f"validity periods overlap for {overlapping['unit_code'].to_list()}")
    levels = set(registry["unit_level"].unique().to_list())
    if levels - {"province", "district", "commune"}:
        problems.append(f"unknown unit_level {sorted(levels)}")
    orphans = registry.filter(
        pl.col("parent_code").is_not_null()
        & ~pl.col("parent_code").is_in(registry["unit_code"].implode())
    )
    if orphans.height:
        problems.append(f"parents missing for {orphans['unit_code'].to_list()[:5]}")
    if problems:
        raise ReferenceError(f"{path}: " + "; ".join(problems))
    return registry


def _load_crosswalk(path: Path, registry: pl.DataFrame) -> pl.DataFrame:
    """The crosswalk; every unit it names must be a registry row (code and validity start)."""
    if not path.exists():
        return pl.DataFrame(schema=CROSSWALK_SCHEMA)
    try:
        crosswalk = pl.read_csv(path, schema=CROSSWALK_SCHEMA)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise ReferenceError(f"{path}: {error}") from error
    rows = registry.select("unit_code", "valid_from")
    unknown = pl.concat(
        [
            crosswalk.select(unit_code="old_code", valid_from="old_valid_from"),
            crosswalk.select(unit_code="new_code", valid_from="new_valid_from"),
        ]
    ).join(rows, on=["unit_code", "valid_from"], how="anti")
    if unknown.height:
        raise ReferenceError(f"{path}: units not in the registry: {unknown.head(5).rows()}")
    bad = crosswalk.filter(~pl.col("relation").is_in(RELATIONS).fill_null(False))
    if bad.height:
        raise ReferenceError(f"{path}: relation must be one of {RELATIONS}: {bad.head(3).rows()}")
    # Every old unit has exactly one successor its figures follow: the divided ones too (their
    # default); their other parts (``divided``) get none.
    followed = (
        crosswalk.filter(pl.col("relation") != "divided")
        .group_by("old_code", "old_valid_from", "change_date")
        .len()
        .filter(pl.col("len") != 1)
    )
    if followed.height:
        raise ReferenceError(f"{path}: more than one successor for {followed.head(3).rows()}")
    return crosswalk


def _check_roster_classes(
    path: Path, roster: pl.DataFrame, catalogues: tuple[Catalogue, ...]
) -> None:
    """Every class a roster row names must be one its programme's catalogue knows."""
    for catalogue in catalogues:
        missing = set(catalogue.class_columns) - set(roster.columns)
        if missing:
            raise ReferenceError(f"{path}: no column {sorted(missing)} ({catalogue.programme})")
        named = roster.select(catalogue.commune_class().alias("class")).drop_nulls()["class"]
        unknown = sorted(set(named.to_list()) - set(catalogue.classes["id"].to_list()))
        if unknown:
            raise ReferenceError(
                f"{path}: classes {unknown} are not classes of the {catalogue.programme} "
                f"catalogue {catalogue.classes['id'].to_list()}"
            )
