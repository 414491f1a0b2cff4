"""The demo's household reviews (form HN), consistent with its Q4 forms.

One review per year and kind (household-review-format.md): the periodic review (``dinh-ky``) of
every year from 2022 whose Q4 the demo covers, and the baseline review (``dau-ky``) of a year
whose next year brings a new poverty standard (2026, under 2027-2030). ``simulate_reviews``
runs the household lists (``ntm.demo.household_lists``) year by year and turns each review into
the rows of its files, with the two mismatches planted on purpose (``PLANTED_MISMATCHES``):
every other commune's count of poor and near-poor households in a periodic review is its Q4
``poor_end`` and ``near_poor_end``. ``ntm.demo.inbox`` writes the files.

Everything follows from the seed, and a year's households do not depend on the range asked:
the simulation always starts from the end-2021 re-assessment, one random stream per year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from ntm.demo.household_draws import NEAR, OTHER_WEIGHT, OUT, POOR, WEIGHTS
from ntm.demo.household_lists import FIRST_REVIEW_YEAR, HouseholdSimulation
from ntm.demo.simulate import DEMO_SEED
from ntm.reference import Reference
from ntm.reference.households import HouseholdFormat, PovertyStandard
from transforms.layout import Column
from transforms.periods import Period
from transforms.registry import valid_on

PERIODIC, BASELINE = "dinh-ky", "dau-ky"


@dataclass(frozen=True)
class Review:
    """A review: a year and a kind (``dinh-ky`` periodic, ``dau-ky`` baseline)."""

    year: int
    kind: str

    @property
    def folder(self) -> str:
        return f"{self.year}-{self.kind}"

    def file_name(self, unit_code: str, suffix: str) -> str:
        return f"HN_{unit_code}_{self.year}_{self.kind}{suffix}"


@dataclass(frozen=True)
class PlantedMismatch:
    """A commune whose periodic review counts ``offset`` more (or fewer) households in
    ``count`` (poor or near_poor) than its Q4 form's ``<count>_end``: planted on purpose."""

    year: int
    commune_code: str
    count: str  # "poor" or "near_poor"
    offset: int
    # When its file arrives: after the Q4 form's deadline (so after the form, unless the form
    # is late: the review's feedback names the mismatch) or on the first day (before the form:
    # the quarterly report names it).
    after_q4: bool


# The only two communes whose review disagrees with their Q4 form (every other commune's
# counts are the form's): Xã Hà Linh (Hương Khê) three poor households too many, Phường Nam
# Hồng Lĩnh two near-poor households too few, both in the 2025 periodic review; one file comes
# after its Q4 form, the other before, so that both sides of the reconciliation show.
PLANTED_MISMATCHES = (
    PlantedMismatch(2025, "18502", "poor", +3, after_q4=True),
    PlantedMismatch(2025, "18118", "near_poor", -2, after_q4=False),
)


@dataclass(frozen=True)
class Mismatch:
    """A planted mismatch as the files have it: both figures."""

    planted: PlantedMismatch
    unit_code: str
    commune_name: str
    in_review: int  # households the review classifies so
    in_form: int  # the Q4 form's poor_end or near_poor_end

    def line(self, fmt: HouseholdFormat) -> str:
        result = {r.code: r.label for r in fmt.results}[self.planted.count]
        kind = fmt.kind(PERIODIC)
        return (
            f"unit {self.unit_code}, commune {self.planted.commune_code} ({self.commune_name}), "
            f"{self.planted.year} {kind.label if kind else PERIODIC}: {result} "
            f"{self.in_review} in the review, {self.in_form} in the {self.planted.year}-Q4 form "
            f"({self.planted.count}_end)"
        )


@dataclass(frozen=True)
class SimulatedReview:
    """A review as the files will have it."""

    standard: PovertyStandard
    rows: pl.DataFrame  # file order, with internal columns (_status, _before, _pool, ...)
    form: pl.DataFrame | None = None  # periodic: commune_code, poor_end, near_poor_end (Q4)


def _plant(
    frame: pl.DataFrame, ref: Reference, standard: PovertyStandard, year: int
) -> pl.DataFrame:
    """The periodic review of ``year`` with ``PLANTED_MISMATCHES`` in it: households reviewed on
    request (not poor, no flow) become poor or near-poor, or listed ones become not poor."""
    fmt = ref.households
    results = {r.code: r.label for r in fmt.results}
    label = {POOR: results["poor"], NEAR: results["near_poor"], OUT: results["not_poor"]}
    status_of = {"poor": POOR, "near_poor": NEAR}
    indicators = standard.indicator_ids
    poor_min = int(standard.poor_min_deprivations or 1)
    cutoffs = standard.score_cutoffs
    urban = next(a.label for a in fmt.areas if a.code == "urban")
    cutoff = (
        pl.when(pl.col("area") == urban).then(cutoffs.get("urban")).otherwise(cutoffs.get("rural"))
    )
    # Deprived in the most common indicators (poor) or in none (near-poor).
    worst = sorted(indicators, key=lambda i: -WEIGHTS.get(i, OTHER_WEIGHT))[:poor_min]
    for planted in (p for p in PLANTED_MISMATCHES if p.year == year):
        here = pl.col("commune_code") == planted.commune_code
        if planted.offset > 0:
            source = here & (pl.col("_status") == OUT) & (pl.col("_before") == OUT)
            target = status_of[planted.count]
        else:
            source = here & (pl.col("_status") == status_of[planted.count])
            target = OUT
        chosen = source & (source.cast(pl.Int64).cum_sum() <= abs(planted.offset))
        below = int(target != OUT)
        changed: dict[str, Any] = {
            "_status": pl.lit(target),
            "result": pl.lit(label[target]),
            "income_below_line": pl.lit(below),
            **{c.key: pl.lit(int(below and c.key == "cause_capital")) for c in fmt.causes},
        }
        if standard.scores_income:
            changed["income_score"] = cutoff - 15 if below else cutoff + 12
        if target != OUT:
            changed |= {i: pl.lit(int(target == POOR and i in worst)) for i in indicators}
        frame = frame.with_columns(
            pl.when(chosen).then(value).otherwise(pl.col(key)).cast(frame.schema[key]).alias(key)
            for key, value in changed.items()
        )
    points = int(standard.points_per_indicator or 0)
    return frame.with_columns(
        deprivation_points=pl.sum_horizontal(indicators).cast(pl.Int64) * points
    )


def simulate_reviews(
    ref: Reference, years: Sequence[int], seed: int
) -> dict[Review, SimulatedReview]:
    """The reviews of ``years``: the periodic one, and a baseline one where the year after
    brings a new standard. The simulation runs from its start to the last year asked."""
    if not years:
        return {}
    simulation = HouseholdSimulation(ref, max(years), seed)
    reviews: dict[Review, SimulatedReview] = {}
    for year in range(FIRST_REVIEW_YEAR, max(years) + 1):
        standard = ref.review_standard(year, PERIODIC)
        if standard is None or not standard.reviewable:
            raise ValueError(f"no poverty standard reviewed on form HN measures {year}")
        structure = simulation.structure(year)
        simulated = simulation.step(year, structure)
        following = ref.review_standard(year, BASELINE)
        following = following if following is not None and following.reviewable else None
        if year not in years and following is None:
            continue
        periodic = simulation.periodic(year, standard, structure, simulated)
        if following is not None:
            # Asked for or not: the households it brings in take codes before next year's.
            rows = simulation.baseline(year, following, periodic, structure)
            if year in years:
                reviews[Review(year, BASELINE)] = SimulatedReview(following, rows)
        if year in years:
            reviews[Review(year, PERIODIC)] = SimulatedReview(
                standard,
                _plant(periodic, ref, standard, year),
                simulation.form(year, structure),
            )
    return dict(sorted(reviews.items(), key=lambda item: (item[0].year, item[0].kind != PERIODIC)))


def review_years(first: Period, last: Period) -> list[int]:
    """The years whose reviews the demo writes for first..last: those whose Q4 it covers."""
    return [y for y in range(FIRST_REVIEW_YEAR, last.year + 1) if first <= Period(y, 4) <= last]


def household_reviews(
    ref: Reference, first: Period, last: Period, seed: int = DEMO_SEED
) -> dict[Review, pl.DataFrame]:
    """Every review the demo writes for first..last, in file order: unit_code, unit_name, then
    the household table's columns (every optional one: a file may leave some out)."""
    return {
        review: simulated.rows.select(
            "unit_code", "unit_name", *[c.key for c in review_columns(ref, simulated.standard)]
        )
        for review, simulated in simulate_reviews(ref, review_years(first, last), seed).items()
    }


def planted_mismatches(ref: Reference, seed: int = DEMO_SEED) -> list[Mismatch]:
    """``PLANTED_MISMATCHES`` with both figures: the review's count and the Q4 form's."""
    years = sorted({p.year for p in PLANTED_MISMATCHES})
    return mismatches_in(ref, simulate_reviews(ref, years, seed))


def mismatches_in(ref: Reference, reviews: dict[Review, SimulatedReview]) -> list[Mismatch]:
    """The planted mismatches of these reviews, with both figures."""
    found = []
    for planted in PLANTED_MISMATCHES:
        simulated = reviews.get(Review(planted.year, PERIODIC))
        if simulated is None or simulated.form is None:
            continue
        form = simulated.form.filter(pl.col("commune_code") == planted.commune_code)
        rows = simulated.rows.filter(pl.col("commune_code") == planted.commune_code)
        label = next(r.label for r in ref.households.results if r.code == planted.count)
        units = valid_on(ref.registry, date(planted.year, 12, 31))
        name = units.filter(pl.col("unit_code") == planted.commune_code)["unit_name"]
        found.append(
            Mismatch(
                planted=planted,
                unit_code=str(rows["unit_code"][0]),
                commune_name=str(name[0]),
                in_review=int((rows["result"] == label).sum()),
                in_form=int(form[f"{planted.count}_end"].item()),
            )
        )
    return found


def review_columns(ref: Reference, standard: PovertyStandard) -> list[Column]:
    """The household table's columns under ``standard``, every optional one included."""
    return ref.households.table_columns(standard.indicators)
