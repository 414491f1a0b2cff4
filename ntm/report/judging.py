"""What a point of a report is judged against, and on which units.

Every number and every word of a target comes from the period's criteria catalogue: the targets
it lists (their labels, what each judges), the poverty-fall band, the thresholds and milestones
with their status (official, provisional, pending) and source, the commune classes. Nothing
here knows a programme: an official target prints as a number, a provisional one is marked
"(tạm tính)" and its source named, a pending one prints "Chưa ban hành"; a period no catalogue
covers gets its rates, trends and lists, and says that nothing is judged.

``Judging`` is computed once per point (a quarter, or a year-end of a programme review), with
each commune's standing on each target, and read by every section after.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.reference import Catalogue, Reference
from ntm.reference.criteria import FallBand, Target, strongest_status
from ntm.report import vi
from ntm.report.words import BAND_BLANK, UNIT_TYPES, lowered, provisional_marker
from transforms.rates import hundredths
from transforms.registry import reporting_level
from transforms.review import targets_by_commune


def rated(
    frame: pl.DataFrame, numerator: str = "numerator", denominator: str = "denominator"
) -> pl.DataFrame:
    """``frame`` with ``rate``: numerator / denominator in hundredths of a percent."""
    return frame.with_columns(rate=hundredths(pl.col(numerator), pl.col(denominator)))


def with_rates(tables: PeriodTables) -> PeriodTables:
    """Every table the report quotes, with its rate in hundredths computed once, set-wise. The
    year-end series' rate is that of what the trend counts (``counted`` over households)."""
    return dataclasses.replace(
        tables,
        indicators=rated(tables.indicators),
        changes=rated(tables.changes, "counted", "households"),
        off_track=rated(tables.off_track),
    )


def value_row(frame: pl.DataFrame, level: str, code: str | None, indicator: str) -> dict[str, Any]:
    """One exact indicator row as a dict, or an empty dict."""
    wanted = (pl.col("unit_level") == level) & (pl.col("indicator") == indicator)
    if code is not None:
        wanted &= pl.col("unit_code") == code
    found = frame.filter(wanted)
    return found.row(0, named=True) if found.height else {}


def rate_of(row: dict[str, Any]) -> int | None:
    """The row's rate in hundredths (precomputed by ``with_rates``), or None."""
    return row.get("rate") if row else None


@dataclass(frozen=True)
class Milestone:
    """The next year a target has a threshold, when it has none in the report's year."""

    year: int
    value: int | None  # a province share's threshold (hundredths); None for commune targets
    status: str


@dataclass(frozen=True)
class Standing:
    """A target in the report's year: the status of its thresholds (``official``,
    ``provisional``, ``pending``, or ``none`` without a threshold that year), their source,
    the province threshold of a share, and the next milestone when it has none this year."""

    status: str
    source: str
    value: int | None = None
    milestone: Milestone | None = None

    @property
    def judged(self) -> bool:
        return self.status in ("official", "provisional")

    @property
    def marker(self) -> str:
        """What follows a provisional figure, " (tạm tính)"; nothing follows an official one."""
        return provisional_marker(self.status)

    @property
    def outlook(self) -> str:
        """Its status, or for a target with no threshold this year that of its next one."""
        if self.status == "none" and self.milestone is not None:
            return self.milestone.status
        return self.status


@dataclass(frozen=True)
class Judging:
    """The period's catalogue, whether it covers the period, each target's standing, and each
    commune's standing on each commune target (``communes``: unit_code, target_id, met)."""

    catalogue: Catalogue
    covered: bool
    year: int
    programmes: tuple[str, ...]  # every catalogue's programme, for a period none covers
    standings: dict[str, Standing]
    judged_indicators: frozenset[str]  # with an official or provisional commune threshold
    rate: str  # the rate the poverty trend follows, as a sentence names it ("tỷ lệ hộ nghèo")
    proposal: str  # the standing proposal of section III, the programme's own words
    communes: pl.DataFrame

    @property
    def band(self) -> FallBand:
        return self.catalogue.fall_band

    @property
    def targets(self) -> tuple[Target, ...]:
        return self.catalogue.targets

    def standing(self, target: Target) -> Standing:
        return self.standings[target.id]

    def ids(self, *statuses: str, kind: str | None = None) -> list[str]:
        return [
            t.id
            for t in self.targets
            if self.standings[t.id].status in statuses and kind in (None, t.kind)
        ]

    def all_official(self) -> bool:
        """Whether every target that has a threshold (now or later) has an official one."""
        return self.covered and all(
            s.outlook in ("official", "none") for s in self.standings.values()
        )

    def share_judged(self, share_id: str) -> bool:
        """Whether a share of communes counts anything this year: some indicator it is made
        of has an official or provisional commune threshold."""
        shares = self.catalogue.shares.filter(pl.col("id") == share_id)
        if shares.is_empty():
            return False
        of = set(shares["of"][0].to_list())
        return bool(self.judged_indicators if "all" in of else of & self.judged_indicators)

    def label(self, target: Target) -> str:
        """The target's words, with its band as the words of a target write it."""
        bounds = self.band.bounds
        band = vi.band(*bounds) if bounds is not None else BAND_BLANK
        return target.label.replace("{band}", band)

    def target_of(self, indicator: str) -> Target | None:
        """The commune-level target that judges ``indicator``, if the catalogue has one."""
        return next(
            (t for t in self.targets if t.kind == "communes" and t.indicator == indicator), None
        )

    def met(self, target_id: str) -> tuple[int, int]:
        """(communes meeting ``target_id``, communes judged on it)."""
        rows = self.communes.filter(pl.col("target_id") == target_id)
        return int(rows["met"].sum()), rows.height


def judging_of(tables: PeriodTables, ref: Reference) -> Judging:
    """``tables`` with rates (``with_rates``) judged by their catalogue."""
    catalogue, year = tables.catalogue, tables.period.year
    standings = {target.id: standing_of(catalogue, target, year) for target in catalogue.targets}
    judged = catalogue.thresholds.filter(
        (pl.col("level") == "commune")
        & (pl.col("year") == year)
        & pl.col("status").is_in(["official", "provisional"])
        & pl.col("threshold").is_not_null()
    )
    return Judging(
        catalogue=catalogue,
        covered=tables.covered,
        year=year,
        programmes=tuple(c.programme for c in ref.catalogues),
        standings=standings,
        judged_indicators=frozenset(judged["indicator"].to_list()),
        rate=lowered(followed_rate(catalogue, ref.format.labels).short),
        proposal=catalogue.report.get("proposal") or str(ref.report.values["proposal"]),
        communes=targets_by_commune(tables.indicators),
    )


def standing_of(catalogue: Catalogue, target: Target, year: int) -> Standing:
    """Where ``target`` stands in ``year``: see ``Standing``."""
    if target.kind == "poverty_fall":
        return Standing(catalogue.fall_band.status, catalogue.fall_band.source)
    level = "commune" if target.kind == "communes" else "province"
    rows = catalogue.thresholds.filter(
        (pl.col("target") == target.id)
        & (pl.col("indicator") == target.indicator)
        & (pl.col("level") == level)
    ).sort("year")
    now = rows.filter(pl.col("year") == year)
    if now.is_empty():
        later = rows.filter(pl.col("year") > year)
        if later.is_empty():
            return Standing("none", "")
        first = later.row(0, named=True)
        milestone = Milestone(
            first["year"], first["threshold"] if level == "province" else None, first["status"]
        )
        return Standing("none", first["source"], milestone=milestone)
    status = strongest_status(set(now["status"].to_list()))
    sources = now.filter(pl.col("status") == status)["source"].unique(maintain_order=True)
    value = now["threshold"][0] if level == "province" else None
    return Standing(status, "; ".join(sources.to_list()), value)


@dataclass(frozen=True)
class Followed:
    """The rate the poverty trend follows: the indicator the band judges, in its words."""

    name: str  # the catalogue's name: "Tỷ lệ nghèo đa chiều (hộ nghèo và cận nghèo)"
    short: str  # without its gloss: "Tỷ lệ nghèo đa chiều"
    count_header: str  # "Số hộ nghèo", "Số hộ nghèo và cận nghèo"


def followed_rate(catalogue: Catalogue, labels: dict[str, str]) -> Followed:
    """The indicator the poverty trend follows (``Catalogue.trend``), in its words."""
    row = catalogue.trend_indicator()
    name = str(row["name"])
    figures = list(row["numerator"])
    return Followed(name, name.split(" (", maxsplit=1)[0], count_header(figures, labels))


def count_header(figures: list[str], labels: dict[str, str]) -> str:
    """The households a trend counts, from the submission form's labels of its figures:
    "Số hộ nghèo cuối kỳ" and "Số hộ cận nghèo cuối kỳ" -> "Số hộ nghèo và cận nghèo"."""
    words = [labels.get(figure, figure) for figure in figures]
    prefix, suffix = "Số hộ ", " cuối kỳ"
    if all(w.startswith(prefix) for w in words):
        return prefix + " và ".join(w.removeprefix(prefix).removesuffix(suffix) for w in words)
    return " + ".join(words)


@dataclass(frozen=True)
class Units:
    """The period's commune-level units, who reports, and how the report names them."""

    communes: int
    words: str  # "xã, phường, thị trấn": the types present, in the order the report names them
    breakdown: str  # "60 xã, 9 phường"
    direct: bool  # whether the communes report directly (no district level)
    since: date  # the day they started to
    province: str

    @staticmethod
    def of(tables: PeriodTables, ref: Reference) -> Units:
        communes = tables.units.filter(pl.col("unit_level") == "commune")
        counts = dict(communes.group_by("unit_type").len().iter_rows())
        order = [t for t in UNIT_TYPES if t in counts] + sorted(set(counts) - set(UNIT_TYPES))
        since = ref.settings.communes_report_from
        province = tables.units.filter(pl.col("unit_level") == "province")["unit_name"]
        return Units(
            communes=communes.height,
            words=", ".join(order) or "xã",
            breakdown=", ".join(f"{vi.count(counts[t])} {t}" for t in order),
            direct=reporting_level(tables.period.last_day, since) == "commune",
            since=since,
            province=str(province[0]) if province.len() else "",
        )
