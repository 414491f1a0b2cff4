"""The criteria catalogue of each programme period, and the commune roster: loaded and checked.

A catalogue (data/reference/criteria/<programme>.toml) declares the indicators, the targets the
report judges (their words and which indicator each judges), the poverty-fall band, the
poverty standards by year-end, the commune classes thresholds are keyed by, and the thresholds
by level, class and year, each with a status (official, provisional, pending) and a source.
Loading expands thresholds to one row per (indicator, level, class, year) and refuses gaps,
overlaps, unknown names and a threshold without a status or a source.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ntm.reference.files import ReferenceError, read_toml
from transforms.rates import parse_percent

LEVELS = ("commune", "district", "province")
STATUSES = ("official", "provisional", "pending")
TARGET_KINDS = ("poverty_fall", "communes", "share")
THRESHOLD_SCHEMA = {
    "target": pl.String,
    "indicator": pl.String,
    "level": pl.String,
    "commune_class": pl.String,
    "year": pl.Int64,
    "threshold": pl.Int64,  # hundredths of a percent; null while pending
    "status": pl.String,
    "source": pl.String,
}


@dataclass(frozen=True)
class FallBand:
    """T1: the poor-household rate falls on average within [low, high] percentage points a year
    (hundredths); both null while the band is pending."""

    low: int | None
    high: int | None
    status: str
    source: str

    @property
    def bounds(self) -> tuple[int, int] | None:
        return None if self.low is None or self.high is None else (self.low, self.high)


@dataclass(frozen=True)
class Target:
    """A target the report judges: its words, and what judges it.

    ``kind``: ``poverty_fall`` (the band), ``communes`` (communes attaining a commune-level
    threshold of ``indicator``) or ``share`` (a district/province share of communes).
    ``label`` may hold ``{band}``, filled with the band as the report prints it.
    """

    id: str
    kind: str
    label: str
    indicator: str | None


@dataclass(frozen=True)
class Bridge:
    """Where the year-end before a new poverty standard is measured again with it (domain.md
    §8): the household review of ``kind`` ("dau-ky", the baseline review) of ``year``, under
    the standard ``standard`` (its id). The trend's first year under that standard falls from
    this year-end; a unit without it is not judged that year."""

    year: int
    kind: str
    standard: str
    source: str


@dataclass(frozen=True)
class Catalogue:
    programme: str
    first_year: int
    last_year: int
    fall_band: FallBand
    class_columns: tuple[str, ...]  # roster columns whose values, joined by "/", name a class
    class_heading: str  # what the report calls a class in a table's header
    trend: str  # the indicator the year-end poverty trend follows (see ``_trend``)
    classes: pl.DataFrame  # id, label: in the order the catalogue lists them
    rural_unit_types: tuple[str, ...]
    standards: pl.DataFrame  # id, name, first_year, last_year (poverty_standards/)
    indicators: pl.DataFrame  # id, name, numerator (list), denominator, direction, levels, ...
    shares: pl.DataFrame  # id, name, of (list), levels (list)
    thresholds: pl.DataFrame  # THRESHOLD_SCHEMA
    targets: tuple[Target, ...]
    report: dict[str, str]  # subject, basis: the words of this programme's report
    bridge: Bridge | None = None  # the baseline review the trend crosses a new standard with

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    def target(self, target_id: str) -> Target | None:
        return next((t for t in self.targets if t.id == target_id), None)

    def class_label(self, class_id: str | None) -> str:
        labels = dict(self.classes.select("id", "label").iter_rows())
        return str(labels.get(class_id, "")) if class_id else ""

    def commune_class(self) -> pl.Expr:
        """A commune's class from its roster row: null when a part of it is missing."""
        return pl.concat_str([pl.col(c).cast(pl.String) for c in self.class_columns], separator="/")

    def standing(self, year: int) -> pl.DataFrame:
        """Each target's standing in ``year``: target, label, status, source. status is that
        of its thresholds that year (``pending`` when all are, ``provisional`` when any is,
        else ``official``), the band's for ``poverty_fall``, or ``none`` without a threshold
        that year (a milestone of a later year)."""
        rows = []
        for target in self.targets:
            if target.kind == "poverty_fall":
                status, source = self.fall_band.status, self.fall_band.source
            else:
                found = self.thresholds.filter(
                    (pl.col("target") == target.id) & (pl.col("year") == year)
                )
                status = strongest_status(set(found["status"].to_list()))
                source = "; ".join(sorted(set(found["source"].to_list())))
            rows.append((target.id, target.label, status, source))
        return pl.DataFrame(
            rows, schema=["target", "label", "status", "source"], orient="row"
        ).cast(pl.String)

    def standard_of(self, year: int) -> dict[str, Any] | None:
        """The poverty standard a year-end of ``year`` is measured with (name, first_year,
        last_year), if the catalogue names one."""
        covering = self.standards.filter(
            (pl.col("first_year") <= year) & (pl.col("last_year") >= year)
        )
        return covering.row(0, named=True) if covering.height else None

    @property
    def trend_target(self) -> Target | None:
        """The target that judges the poverty trend (the band), if the catalogue has one."""
        return next((t for t in self.targets if t.kind == "poverty_fall"), None)

    def trend_indicator(self) -> dict[str, Any]:
        """The indicator row (id, name, numerator, ...) the poverty trend follows."""
        return self.indicators.filter(pl.col("id") == self.trend).row(0, named=True)

    def trend_counts(self) -> tuple[str, ...]:
        """The year-end series columns the trend sums into its rate's numerator."""
        return tuple(TREND_SERIES[figure] for figure in self.trend_indicator()["numerator"])

    def without_targets(self) -> Catalogue:
        """The same indicators and standards with no threshold, band or target: what a period
        that no catalogue covers is computed with (rates, trends and lists, nothing judged)."""
        return Catalogue(
            programme=self.programme,
            first_year=self.first_year,
            last_year=self.last_year,
            fall_band=FallBand(None, None, "pending", ""),
            class_columns=self.class_columns,
            class_heading=self.class_heading,
            trend=self.trend,
            classes=self.classes,
            rural_unit_types=self.rural_unit_types,
            standards=self.standards,
            indicators=self.indicators,
            shares=self.shares,
            thresholds=self.thresholds.clear(),
            targets=(),
            report={},
        )


def strongest_status(statuses: set[str]) -> str:
    """A target's status from those of its thresholds in a year: provisional when any stands
    in, else official when any is, else pending; ``none`` without a threshold. (The loader
    refuses a commune target half pending in a year, so a mix never hides a pending class.)"""
    return next((s for s in ("provisional", "official", "pending") if s in statuses), "none")


def load_catalogues(
    root: Path, figure_keys: list[str], standards: pl.DataFrame
) -> tuple[Catalogue, ...]:
    """Every catalogue under ``root/criteria``; the figures they name must be ``figure_keys``.

    ``standards`` (id, name, first_year, last_year) are the poverty standards of
    ``root/poverty_standards``: every catalogue measures year-ends with the same ones.
    """
    regional = _regional(root / "regional_poverty_rates.csv")
    catalogues = tuple(
        _load(path, figure_keys, regional, standards)
        for path in sorted((root / "criteria").glob("*.toml"))
    )
    for earlier, later in itertools.pairwise(catalogues):
        if later.first_year <= earlier.last_year:
            raise ReferenceError(
                f"programme periods {earlier.programme} and {later.programme} overlap"
            )
    return catalogues


def _regional(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, schema_overrides={"rate": pl.String, "review_year": pl.Int64})
    except (OSError, pl.exceptions.PolarsError) as error:
        raise ReferenceError(f"{path}: {error}") from error
    return frame.with_columns(
        threshold=pl.col("rate").map_elements(parse_percent, return_dtype=pl.Int64)
    )


def _load(
    path: Path, figure_keys: list[str], regional: pl.DataFrame, standards: pl.DataFrame
) -> Catalogue:
    raw = read_toml(path)  # a decoding error names the line and column
    if "standard" in raw:
        raise ReferenceError(
            f"{path}: [[standard]] belongs in poverty_standards/ (one source for every programme)"
        )
    try:
        return _build(raw, figure_keys, regional, standards)
    except (KeyError, TypeError, ValueError) as error:
        raise ReferenceError(f"{path}: {error!r}") from error


def _build(
    raw: dict[str, Any], figure_keys: list[str], regional: pl.DataFrame, standards: pl.DataFrame
) -> Catalogue:
    first, last = int(raw["first_year"]), int(raw["last_year"])
    indicators = _indicators(raw, set(figure_keys))
    shares = _shares(raw, indicators)
    classes = pl.DataFrame(
        [{"id": str(c["id"]), "label": str(c["label"])} for c in raw["class"]],
        schema={"id": pl.String, "label": pl.String},
    )
    known = set(indicators["id"]) | set(shares["id"])
    thresholds = _thresholds(raw, known, classes["id"].to_list(), (first, last), regional)
    targets = _targets(raw, set(indicators["id"]), set(shares["id"]))
    return Catalogue(
        programme=str(raw["programme"]),
        first_year=first,
        last_year=last,
        fall_band=_fall_band(raw["poverty_fall"]),
        class_columns=tuple(raw["commune_class"]),
        class_heading=str(raw["class_heading"]),
        trend=_trend(targets, indicators),
        classes=classes,
        rural_unit_types=tuple(raw["rural_unit_types"]),
        standards=standards,
        indicators=indicators,
        shares=shares,
        thresholds=thresholds,
        targets=targets,
        report={k: str(v) for k, v in raw.get("report", {}).items()},
        bridge=_bridge(raw.get("bridge"), standards, (first, last)),
    )


def _bridge(
    raw: dict[str, Any] | None, standards: pl.DataFrame, years: tuple[int, int]
) -> Bridge | None:
    """``[bridge]``: the standard the year-end before it is measured again with, and by which
    review. Its year is the year before the standard's first (poverty_standards/), so that
    moving the break moves the bridge with it; it must fall within the programme's years."""
    if raw is None:
        return None
    unknown = set(raw) - {"kind", "standard", "source"}
    if unknown:
        raise ValueError(f"[bridge]: unknown keys {sorted(unknown)}")
    starts = dict(standards.select("id", "first_year").iter_rows())
    standard = str(raw["standard"])
    if standard not in starts:
        raise ValueError(f"[bridge]: unknown poverty standard {standard}")
    bridge = Bridge(int(starts[standard]) - 1, str(raw["kind"]), standard, str(raw["source"]))
    if bridge.kind != "dau-ky":
        raise ValueError(f"[bridge]: kind must be the baseline review dau-ky, not {bridge.kind}")
    if not bridge.source.strip():
        raise ValueError("[bridge]: source must name where the baseline comes from")
    # A break moved outside the programme's years: its trend never crosses it.
    return bridge if years[0] - 1 <= bridge.year < years[1] else None


def _indicators(raw: dict[str, Any], figures: set[str]) -> pl.DataFrame:
    indicators = pl.DataFrame(
        [
            {
                "id": i["id"],
                "name": i["name"],
                "numerator": list(i["numerator"]),
                "denominator": i["denominator"],
                "direction": i["direction"],
                "levels": list(i["levels"]),
                "zero_denominator": i.get("zero_denominator", "not_assessed"),
            }
            for i in raw["indicator"]
        ]
    )
    for row in indicators.iter_rows(named=True):
        unknown = set(row["numerator"]) | {row["denominator"]}
        if unknown - figures:
            raise ValueError(f"indicator {row['id']}: unknown figures {sorted(unknown - figures)}")
        if row["direction"] not in ("higher", "lower") or set(row["levels"]) - set(LEVELS):
            raise ValueError(f"indicator {row['id']}: bad direction or levels")
    return indicators


def _shares(raw: dict[str, Any], indicators: pl.DataFrame) -> pl.DataFrame:
    shares = pl.DataFrame(
        [
            {"id": s["id"], "name": s["name"], "of": list(s["of"]), "levels": list(s["levels"])}
            for s in raw.get("share", [])
        ],
        schema={
            "id": pl.String, "name": pl.String, "of": pl.List(pl.String),
            "levels": pl.List(pl.String),
        },
    )  # fmt: skip
    for row in shares.iter_rows(named=True):
        if set(row["of"]) - set(indicators["id"]) - {"all"}:
            raise ValueError(f"share {row['id']}: unknown indicators {row['of']}")
    return shares


def _status_and_source(entry: dict[str, Any], what: str) -> tuple[str, str]:
    status, source = entry.get("status"), entry.get("source")
    if status not in STATUSES:
        raise ValueError(f"{what}: status must be one of {STATUSES}, not {status!r}")
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"{what}: a source (the document and its date) is required")
    has_value = any(k in entry for k in ("value", "low", "high"))
    if (status == "pending") == has_value:
        raise ValueError(f"{what}: a pending target has no value; any other status needs one")
    return status, source


def _fall_band(raw: dict[str, Any]) -> FallBand:
    status, source = _status_and_source(raw, "poverty_fall")
    if status == "pending":
        return FallBand(None, None, status, source)
    low, high = parse_percent(str(raw["low"])), parse_percent(str(raw["high"]))
    if low > high:
        raise ValueError("poverty_fall: low is above high")
    return FallBand(low, high, status, source)


def _thresholds(
    raw: dict[str, Any],
    known: set[str],
    classes: list[str],
    years: tuple[int, int],
    regional: pl.DataFrame,
) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for t in raw.get("threshold", []):
        what = f"threshold {t.get('target')} ({t.get('indicator')})"
        if t["indicator"] not in known or t["level"] not in LEVELS:
            raise ValueError(f"{what}: unknown indicator or level {t['level']!r}")
        status, source = _status_and_source(t, what)
        applies: list[str | None] = [None]
        if t["level"] == "commune":
            applies = [str(c) for c in t.get("classes", classes)]
            if set(applies) - set(classes):
                raise ValueError(f"{what}: unknown class in {applies}")
        for year in range(int(t["from_year"]), int(t["to_year"]) + 1):
            if not years[0] <= year <= years[1]:
                raise ValueError(f"{what}: {year} is outside {years[0]}-{years[1]}")
            value, quoted, stand_in = _threshold_value(t.get("value"), year, regional, what)
            rows.extend(
                {
                    "target": t["target"],
                    "indicator": t["indicator"],
                    "level": t["level"],
                    "commune_class": commune_class,
                    "year": year,
                    "threshold": value,
                    # An earlier year's published rate standing in is not the year's figure.
                    "status": "provisional" if stand_in and status == "official" else status,
                    "source": f"{source}; {quoted}" if quoted else source,
                }
                for commune_class in applies
            )
    thresholds = pl.DataFrame(rows, schema=THRESHOLD_SCHEMA)
    keys = ("indicator", "level", "commune_class", "year")
    duplicated = thresholds.filter(pl.struct(*keys).is_duplicated())
    if duplicated.height:
        raise ValueError(f"thresholds overlap: {duplicated.head(3).to_dicts()}")
    _check_no_gaps(thresholds)
    _check_filled_together(thresholds)
    return thresholds


def _threshold_value(
    text: object, year: int, regional: pl.DataFrame, what: str
) -> tuple[int | None, str, bool]:
    """The threshold in hundredths (null while pending), for the regional rate where it was
    published, and whether an earlier year's rate stands in for one not yet published."""
    if text is None:
        return None, "", False
    if text != "regional":
        return parse_percent(str(text)), "", False
    # The regional rate of a review year is published in the following February: until then
    # the latest published year stands in, and the source says so.
    published = regional.filter(pl.col("review_year") <= year).sort("review_year")
    if published.is_empty():
        raise ValueError(f"{what}: no regional poverty rate for {year} or before")
    latest = published.row(-1, named=True)
    note = "" if latest["review_year"] == year else f" (chưa công bố năm {year}, dùng năm "
    note += f"{latest['review_year']})" if note else ""
    return int(latest["threshold"]), f"{latest['source']}{note}", bool(note)


def _check_filled_together(thresholds: pl.DataFrame) -> None:
    """A commune target is filled in for every class of a year at once: a year where some
    classes are pending and others are not would judge part of the communes and count the
    rest as missing it."""
    mixed = (
        thresholds.filter(pl.col("level") == "commune")
        .group_by("target", "indicator", "year")
        .agg((pl.col("status") == "pending").n_unique().alias("kinds"))
        .filter(pl.col("kinds") > 1)
        .sort("target", "year")
    )
    if mixed.height:
        first = mixed.row(0, named=True)
        raise ValueError(
            f"target {first['target']} ({first['indicator']}) {first['year']}: some classes are "
            "pending and others are not; give every class its value at once"
        )


def _check_no_gaps(thresholds: pl.DataFrame) -> None:
    """A commune-level threshold must cover every class it names in every year of its range."""
    commune = thresholds.filter(pl.col("level") == "commune")
    spans = commune.group_by("target", "indicator").agg(
        pl.col("commune_class").unique().sort(), pl.col("year").min().alias("first"),
        pl.col("year").max().alias("last"), pl.len().alias("n"),
    )  # fmt: skip
    for row in spans.iter_rows(named=True):
        expected = len(row["commune_class"]) * (row["last"] - row["first"] + 1)
        if row["n"] != expected:
            raise ValueError(
                f"target {row['target']} ({row['indicator']}): thresholds missing for some "
                f"class or year between {row['first']} and {row['last']}"
            )


# The year-end poverty trend can follow a rate over households of these figures only: the
# series of ntm/store/sql/year_end_figures.sql sums them under these names.
TREND_SERIES = {"poor_end": "poor", "near_poor_end": "near_poor"}


def _trend(targets: tuple[Target, ...], indicators: pl.DataFrame) -> str:
    """The indicator the poverty trend follows: the one the band's target names, else the
    poor-household rate (poor_end over households)."""
    band = next((t for t in targets if t.kind == "poverty_fall"), None)
    if band is not None and band.indicator:
        what, found = f"target {band.id}", indicators.filter(pl.col("id") == band.indicator)
    else:
        what, found = (
            "the poverty trend",
            indicators.filter(
                (pl.col("numerator").list.join("+") == "poor_end")
                & (pl.col("denominator") == "households")
            ),
        )
    if found.is_empty():
        name = band.indicator if band is not None and band.indicator else "poor_end/households"
        raise ValueError(f"{what}: unknown indicator {name!r}")
    row = found.row(0, named=True)
    if row["denominator"] != "households" or set(row["numerator"]) - set(TREND_SERIES):
        raise ValueError(
            f"{what}: a poverty trend follows a rate of {sorted(TREND_SERIES)} over "
            f"households, not {row['id']!r}"
        )
    return str(row["id"])


def _targets(raw: dict[str, Any], indicators: set[str], shares: set[str]) -> tuple[Target, ...]:
    targets = tuple(
        Target(str(t["id"]), str(t["kind"]), str(t["label"]), t.get("indicator"))
        for t in raw["target"]
    )
    for target in targets:
        if target.kind not in TARGET_KINDS:
            raise ValueError(f"target {target.id}: kind must be one of {TARGET_KINDS}")
        judged_by = {"communes": indicators, "share": shares}.get(target.kind)
        if judged_by is not None and target.indicator not in judged_by:
            raise ValueError(f"target {target.id}: unknown indicator {target.indicator!r}")
    ids = [t.id for t in targets]
    if len(set(ids)) != len(ids):
        raise ValueError(f"target ids given more than once: {ids}")
    return targets


ROSTER_SCHEMA = {
    "commune_code": pl.String,
    "valid_from": pl.Date,
    "tier": pl.String,
    "target_year": pl.Int64,
    "sponsor": pl.String,
    "group": pl.String,
    "standard": pl.String,
}


def load_roster(root: Path) -> pl.DataFrame:
    """Each commune's class columns (2021-2025: tier; 2026-2030: group and target standard),
    the year it reaches (or aims to reach) its standing, and its sponsor."""
    path = root / "commune_roster.csv"
    try:
        return pl.read_csv(path, schema=ROSTER_SCHEMA)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise ReferenceError(f"{path}: {error}") from error
