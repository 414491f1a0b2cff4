"""Poverty standards and the household review format (form HN): loaded and checked.

A standard (data/reference/poverty_standards/<id>.toml) is one answer for the whole product:
which year-ends it measures (trends, the catalogues' breaks) and how a household is classified
under it (income lines, score cut-offs, deprivation indicators, the rule). Every value carries
a status and a source; a pending value has none. The format (household_format.toml) holds the
labels staff see, the kinds of review, the accepted spellings and the personal-data patterns.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ntm.reference.files import ReferenceError, read_toml
from transforms.layout import Column

STATUSES = ("official", "provisional", "pending")
AREAS = ("rural", "urban")
KINDS = ("dinh-ky", "dau-ky")
# A standard lasts until the next one starts; the last one has no end.
OPEN_END = 9999
VALUE_SCHEMA = {
    "what": pl.String,  # income_line, score_cutoff, rule, deprivation_points, indicator
    "key": pl.String,  # the area, the indicator id, or empty
    "value": pl.Int64,  # null while pending (and for an indicator)
    "status": pl.String,
    "source": pl.String,
}


@dataclass(frozen=True)
class PovertyStandard:
    id: str
    name: str
    first_year: int
    last_year: int  # the year before the next standard starts (OPEN_END for the last)
    reviewable: bool  # households are reviewed on form HN under it
    status: str
    source: str
    income_lines: dict[str, int]  # area -> VND per person per month
    score_cutoffs: dict[str, int | None]  # area -> cut-off of score B1; None while pending
    poor_min_deprivations: int | None
    points_per_indicator: int | None
    indicators: pl.DataFrame  # id, label, dimension, status, source (in the file's order)
    values: pl.DataFrame  # VALUE_SCHEMA: every value with its status and source

    @property
    def scores_income(self) -> bool:
        """Whether the review scores income (B1) against a published cut-off in every area."""
        return bool(self.score_cutoffs) and all(v is not None for v in self.score_cutoffs.values())

    @property
    def indicator_ids(self) -> list[str]:
        return self.indicators["id"].to_list()

    def measures(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year


@dataclass(frozen=True)
class Choice:
    """A closed list staff pick from: its code, the label written, and what may be typed."""

    code: str
    label: str
    typed: tuple[str, ...]


@dataclass(frozen=True)
class ReviewKind(Choice):
    standard: str  # "current" (the standard of the review year) or "next" (a baseline)


@dataclass(frozen=True)
class HouseholdFormat:
    form: str
    template_version: str
    metadata_sheet: str
    households_sheet: str
    instructions_sheet: str
    csv_metadata_columns: tuple[str, ...]
    csv_marker: str
    form_label: str
    metadata: tuple[Column, ...]  # kind is "required" or "optional"
    columns: tuple[Column, ...]  # fixed columns; deprivations go after income_below_line
    required: frozenset[str]  # column keys that must be present
    causes: tuple[Column, ...]
    kinds: tuple[ReviewKind, ...]
    areas: tuple[Choice, ...]
    results: tuple[Choice, ...]
    flag_yes: tuple[str, ...]
    flag_no: tuple[str, ...]
    personal_header_words: tuple[str, ...]
    id_number_pattern: str
    phone_pattern: str

    def table_columns(self, indicators: pl.DataFrame) -> list[Column]:
        """The household table's columns under a standard with these ``indicators``."""
        flags = [Column(i, label, "flag") for i, label in indicators.select("id", "label").rows()]
        at = next(i for i, c in enumerate(self.columns) if c.key == "income_below_line") + 1
        return [*self.columns[:at], *flags, *self.columns[at:], *self.causes]

    def kind(self, code: str) -> ReviewKind | None:
        return next((k for k in self.kinds if k.code == code), None)

    @property
    def labels(self) -> dict[str, str]:
        return {c.key: c.label for c in (*self.metadata, *self.columns, *self.causes)}


def load_standards(root: Path) -> tuple[PovertyStandard, ...]:
    """Every standard under ``root/poverty_standards``, in order of their first year."""
    raws = []
    for path in sorted((root / "poverty_standards").glob("*.toml")):
        raw = read_toml(path)
        try:
            raws.append((int(raw["first_year"]), path, raw))
        except (KeyError, TypeError, ValueError) as error:
            raise ReferenceError(f"{path}: missing or malformed first_year {error!r}") from error
    raws.sort(key=lambda item: item[0])
    if not raws:
        raise ReferenceError(f"{root / 'poverty_standards'}: no poverty standard")
    ends = [first - 1 for first, _, _ in raws[1:]] + [OPEN_END]
    standards = []
    for (first, path, raw), last in zip(raws, ends, strict=True):
        try:
            standards.append(_standard(raw, first, last, path))
        except (KeyError, TypeError, ValueError) as error:
            raise ReferenceError(f"{path}: {error!r}") from error
    for earlier, later in itertools.pairwise(standards):
        if earlier.first_year == later.first_year:
            raise ReferenceError(f"standards {earlier.id} and {later.id} start in the same year")
    ids = [s.id for s in standards]
    if len(set(ids)) != len(ids):
        raise ReferenceError(f"{root / 'poverty_standards'}: a standard id appears twice {ids}")
    return tuple(standards)


def standards_frame(standards: tuple[PovertyStandard, ...]) -> pl.DataFrame:
    """id, name, first_year, last_year: what the catalogues' trends read."""
    return pl.DataFrame(
        [(s.id, s.name, s.first_year, s.last_year) for s in standards],
        schema={"id": pl.String, "name": pl.String, "first_year": pl.Int64, "last_year": pl.Int64},
        orient="row",
    )


def _status_source(entry: dict[str, Any], what: str, has_value: bool) -> tuple[str, str]:
    status, source = entry.get("status"), entry.get("source")
    if status not in STATUSES:
        raise ValueError(f"{what}: status must be one of {STATUSES}, not {status!r}")
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"{what}: a source (the document and its date) is required")
    if (status == "pending") == has_value:
        raise ValueError(f"{what}: a pending value has no value; any other status needs one")
    return str(status), source


def _by_area(
    entries: list[dict[str, Any]], what: str, values: list[tuple[Any, ...]]
) -> dict[str, int | None]:
    found: dict[str, int | None] = {}
    for entry in entries:
        area = entry["area"]
        if area not in AREAS or area in found:
            raise ValueError(f"{what}: area must be one of {AREAS}, once each, not {area!r}")
        status, source = _status_source(entry, f"{what} {area}", "value" in entry)
        value = int(entry["value"]) if "value" in entry else None
        if value is not None and value < 0:
            raise ValueError(f"{what} {area}: a negative value")
        found[area] = value
        values.append((what, area, value, status, source))
    if found and set(found) != set(AREAS):
        raise ValueError(f"{what}: one entry per area {AREAS}")
    return found


def _standard(raw: dict[str, Any], first: int, last: int, path: Path) -> PovertyStandard:
    standard_id = str(raw["id"])
    if path.stem != standard_id:
        raise ValueError(f"the file is named {path.stem!r} but its id is {standard_id!r}")
    status, source = _status_source(raw, "standard", True)
    values: list[tuple[Any, ...]] = []
    lines = _by_area(raw.get("income_line", []), "income_line", values)
    if set(lines) != set(AREAS) or any(v is None for v in lines.values()):
        raise ValueError("income_line: a published line per area is required")
    cutoffs = _by_area(raw.get("score_cutoff", []), "score_cutoff", values)
    reviewable = bool(raw["reviewable"])
    indicators = pl.DataFrame(
        [
            {
                "id": str(i["id"]),
                "label": str(i["label"]),
                "dimension": str(i["dimension"]),
                "status": _status_source(i, f"indicator {i.get('id')}", True)[0],
                "source": str(i["source"]),
            }
            for i in raw.get("indicator", [])
        ],
        schema=dict.fromkeys(("id", "label", "dimension", "status", "source"), pl.String),
    )
    values += [
        ("indicator", i, None, s, src)
        for i, s, src in indicators.select("id", "status", "source").rows()
    ]
    if indicators["id"].is_duplicated().any():
        raise ValueError("an indicator id appears twice")
    bad_ids = [i for i in indicators["id"] if not re.fullmatch(r"[a-z][a-z_]*", i)]
    if bad_ids:
        raise ValueError(f"indicator ids are lower-case words joined by _: {bad_ids}")
    poor_min = points = None
    if reviewable:
        if indicators.is_empty():
            raise ValueError("a reviewable standard lists its deprivation indicators")
        rule = raw["rule"]
        rule_status = _status_source(rule, "rule", True)
        poor_min = int(rule["poor_min_deprivations"])
        values.append(("rule", "poor_min_deprivations", poor_min, *rule_status))
        points_raw = raw["deprivation_points"]
        points_status = _status_source(points_raw, "deprivation_points", True)
        points = int(points_raw["per_indicator"])
        values.append(("deprivation_points", "per_indicator", points, *points_status))
        if not 1 <= poor_min <= indicators.height:
            raise ValueError("rule: poor_min_deprivations must be between 1 and the indicators")
    return PovertyStandard(
        id=standard_id,
        name=str(raw["name"]),
        first_year=first,
        last_year=last,
        reviewable=reviewable,
        status=status,
        source=source,
        income_lines={k: int(v or 0) for k, v in lines.items()},
        score_cutoffs=cutoffs,
        poor_min_deprivations=poor_min,
        points_per_indicator=points,
        indicators=indicators,
        values=pl.DataFrame(values, schema=VALUE_SCHEMA, orient="row"),
    )


def _choices(entries: list[dict[str, Any]], what: str) -> tuple[Choice, ...]:
    return tuple(
        Choice(str(e["code"]), str(e["label"]), tuple(str(t) for t in e["typed"])) for e in entries
    )


def load_household_format(path: Path, standards: tuple[PovertyStandard, ...]) -> HouseholdFormat:
    raw = read_toml(path)
    try:
        personal = raw["personal_data"]
        fmt = HouseholdFormat(
            form=str(raw["form"]),
            template_version=str(raw["template_version"]),
            metadata_sheet=str(raw["metadata_sheet"]),
            households_sheet=str(raw["households_sheet"]),
            instructions_sheet=str(raw["instructions_sheet"]),
            csv_metadata_columns=tuple(raw["csv_metadata_columns"]),
            csv_marker=str(raw["csv_marker"]),
            form_label=str(raw["form_line"]["label"]),
            metadata=tuple(
                Column(m["key"], m["label"], "required" if m["required"] else "optional")
                for m in raw["metadata"]
            ),
            columns=tuple(Column(c["key"], c["label"], c["kind"]) for c in raw["columns"]),
            required=frozenset(c["key"] for c in raw["columns"] if c["required"]),
            causes=tuple(Column(c["key"], c["label"], "flag") for c in raw["cause"]),
            kinds=tuple(
                ReviewKind(str(k["code"]), str(k["label"]), tuple(k["typed"]), str(k["standard"]))
                for k in raw["kind"]
            ),
            areas=_choices(raw["area"], "area"),
            results=_choices(raw["result"], "result"),
            flag_yes=tuple(str(v) for v in raw["flags"]["yes"]),
            flag_no=tuple(str(v) for v in raw["flags"]["no"]),
            personal_header_words=tuple(str(w) for w in personal["header_words"]),
            id_number_pattern=str(personal["id_number"]),
            phone_pattern=str(personal["phone_number"]),
        )
        re.compile(fmt.id_number_pattern)
        re.compile(fmt.phone_pattern)
    except (KeyError, TypeError, re.error) as error:
        raise ReferenceError(f"{path}: missing or malformed entry {error!r}") from error
    problems = []
    if sorted(k.code for k in fmt.kinds) != sorted(KINDS) or {k.standard for k in fmt.kinds} != {
        "current",
        "next",
    }:
        problems.append(f"kinds must be {KINDS}, one current and one next")
    if sorted(a.code for a in fmt.areas) != sorted(AREAS):
        problems.append(f"areas must be {AREAS}")
    if sorted(r.code for r in fmt.results) != sorted(("poor", "near_poor", "not_poor")):
        problems.append("results must be poor, near_poor and not_poor")
    if set(fmt.flag_yes) & set(fmt.flag_no):
        problems.append("a flag spelling is both yes and no")
    keys = [c.key for c in (*fmt.columns, *fmt.causes)]
    for standard in standards:
        clash = set(keys) & set(standard.indicator_ids)
        if clash:
            problems.append(f"indicators of {standard.id} reuse column keys {sorted(clash)}")
    if len(set(keys)) != len(keys) or "income_below_line" not in keys:
        problems.append("column keys must be unique and include income_below_line")
    kinds = {c.kind for c in fmt.columns}
    if kinds - {"code", "household_code", "text", "area", "count", "score", "flag", "result"}:
        problems.append(f"unknown column kinds {sorted(kinds)}")
    if problems:
        raise ReferenceError(f"{path}: " + "; ".join(problems))
    return fmt
