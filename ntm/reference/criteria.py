"""The criteria catalogue of each programme period, and the commune roster: loaded and checked.

A catalogue (data/reference/criteria/<period>.toml) declares the indicators, their thresholds by
level, tier and year, and the shares of communes meeting them. Loading expands thresholds to one
row per (indicator, level, tier, year) and refuses gaps, overlaps and unknown names.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ntm.reference.files import ReferenceError
from transforms.rates import parse_percent

LEVELS = ("commune", "district", "province")


@dataclass(frozen=True)
class Catalogue:
    programme: str
    first_year: int
    last_year: int
    fall_band: tuple[int, int]  # percentage points a year, in hundredths
    tiers: tuple[str, ...]
    rural_unit_types: tuple[str, ...]
    standards: pl.DataFrame  # name, first_year, last_year
    indicators: pl.DataFrame  # id, name, numerator (list), denominator, direction, levels, ...
    shares: pl.DataFrame  # id, name, of (list), levels (list)
    thresholds: pl.DataFrame  # target, indicator, level, tier, year, threshold, source

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year


def load_catalogues(root: Path, figure_keys: list[str]) -> tuple[Catalogue, ...]:
    """Every catalogue under ``root/criteria``; the figures they name must be ``figure_keys``."""
    regional = _regional(root / "regional_poverty_rates.csv")
    catalogues = tuple(
        _load(path, figure_keys, regional) for path in sorted((root / "criteria").glob("*.toml"))
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


def _load(path: Path, figure_keys: list[str], regional: pl.DataFrame) -> Catalogue:
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
        catalogue = _build(raw, figure_keys, regional)
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as error:
        raise ReferenceError(f"{path}: {error!r}") from error
    return catalogue


def _build(raw: dict[str, Any], figure_keys: list[str], regional: pl.DataFrame) -> Catalogue:
    figures = set(figure_keys)
    first, last = int(raw["first_year"]), int(raw["last_year"])
    tiers = tuple(raw["tiers"])
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
    known = set(indicators["id"]) | set(shares["id"])
    for row in shares.iter_rows(named=True):
        if set(row["of"]) - set(indicators["id"]) - {"all"}:
            raise ValueError(f"share {row['id']}: unknown indicators {row['of']}")
    rows: list[dict[str, Any]] = []
    for t in raw.get("threshold", []):
        if t["indicator"] not in known or t["level"] not in LEVELS:
            raise ValueError(f"threshold {t['target']}: unknown indicator or level {t}")
        tier_list = list(t.get("tiers", [None]))
        if set(tier_list) - {None, *tiers}:
            raise ValueError(f"threshold {t['target']}: unknown tier in {tier_list}")
        for year in range(int(t["from_year"]), int(t["to_year"]) + 1):
            if not first <= year <= last:
                raise ValueError(f"threshold {t['target']}: {year} is outside {first}-{last}")
            value, source = _threshold_value(str(t["value"]), year, regional, t["target"])
            rows.extend(
                {
                    "target": t["target"],
                    "indicator": t["indicator"],
                    "level": t["level"],
                    "tier": tier,
                    "year": year,
                    "threshold": value,
                    "source": source,
                }
                for tier in tier_list
            )
    thresholds = pl.DataFrame(
        rows,
        schema={
            "target": pl.String, "indicator": pl.String, "level": pl.String, "tier": pl.String,
            "year": pl.Int64, "threshold": pl.Int64, "source": pl.String,
        },
    )  # fmt: skip
    duplicated = thresholds.filter(pl.struct("indicator", "level", "tier", "year").is_duplicated())
    if duplicated.height:
        raise ValueError(f"thresholds overlap: {duplicated.head(3).to_dicts()}")
    _check_no_gaps(thresholds)
    standards = pl.DataFrame(raw["standard"]).select("name", "first_year", "last_year")
    low, high = (parse_percent(v) for v in raw["poverty_fall_band"])
    return Catalogue(
        programme=str(raw["programme"]),
        first_year=first,
        last_year=last,
        fall_band=(low, high),
        tiers=tiers,
        rural_unit_types=tuple(raw["rural_unit_types"]),
        standards=standards,
        indicators=indicators,
        shares=shares,
        thresholds=thresholds,
    )


def _threshold_value(text: str, year: int, regional: pl.DataFrame, target: str) -> tuple[int, str]:
    if text != "regional":
        return parse_percent(text), target
    # The regional rate of a review year is published in the following February: until then
    # the latest published year stands in, and the source says so.
    published = regional.filter(pl.col("review_year") <= year).sort("review_year")
    if published.is_empty():
        raise ValueError(f"threshold {target}: no regional poverty rate for {year} or before")
    latest = published.row(-1, named=True)
    note = "" if latest["review_year"] == year else f" (chưa công bố năm {year}, dùng năm "
    note += f"{latest['review_year']})" if note else ""
    return int(latest["threshold"]), f"{latest['source']}{note}"


def _check_no_gaps(thresholds: pl.DataFrame) -> None:
    """A commune-level threshold must cover every tier it names in every year of its range."""
    commune = thresholds.filter(pl.col("level") == "commune")
    spans = commune.group_by("target", "indicator").agg(
        pl.col("tier").unique().sort(), pl.col("year").min().alias("first"),
        pl.col("year").max().alias("last"), pl.len().alias("n"),
    )  # fmt: skip
    for row in spans.iter_rows(named=True):
        expected = len(row["tier"]) * (row["last"] - row["first"] + 1)
        if row["n"] != expected:
            raise ValueError(
                f"target {row['target']} ({row['indicator']}): thresholds missing for some tier "
                f"or year between {row['first']} and {row['last']}"
            )


ROSTER_SCHEMA = {
    "commune_code": pl.String,
    "valid_from": pl.Date,
    "tier": pl.String,
    "target_year": pl.Int64,
    "sponsor": pl.String,
}


def load_roster(root: Path) -> pl.DataFrame:
    """Each commune's tier, the year it reaches (or aims to reach) it, and its sponsor."""
    path = root / "commune_roster.csv"
    try:
        return pl.read_csv(path, schema=ROSTER_SCHEMA)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise ReferenceError(f"{path}: {error}") from error
