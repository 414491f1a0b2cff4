"""The demo's figures: every commune's quarterly form 01, simulated from a seed.

The figures are simulated per commune with magnitudes like Hà Tĩnh's (domain.md §3): about
385,000 households, a poor rate falling from about 4.5% to 2.4% under the 2022-2025 standard,
flows that add up exactly from one year-end review to the next. 2021 is counted under the old
2016-2020 standard (lower rates), and 2022 starts from the end-2021 re-assessment under the new
one: the poverty series breaks there, as the published one does. Returned households are those
the household reviews can show (interfaces.md, "Movements"): none before ``RETURNED_FROM``.
Everything follows from the seed, so two runs give the same figures.

The simulation runs on the communes valid on ``SIMULATED_ON``; a unit of a later structure
reports the sum of the communes it succeeded (``demo_figures``). ``ntm.demo.inbox`` writes the
figures as submissions, and ``ntm.demo.households`` simulates the household reviews from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from numpy.typing import NDArray

from ntm.reference import Reference
from transforms.periods import Period, periods_between
from transforms.registry import successors, valid_on

DEMO_SEED = 42
SIMULATED_ON = date(2024, 12, 31)  # the structure of 2020-2024 that the simulation runs on
# The 2021-2025 programme through the last year the domain brief has figures for.
DEMO_FIRST, DEMO_LAST = Period(2021, 1), Period(2024, 4)
Ints = NDArray[np.int64]
Floats = NDArray[np.float64]

# The year-end the simulation starts from: the end-2021 review re-assessed under the 2022-2025
# standard (Decree 07/2021/NĐ-CP), which 2022's start counts are. It and the years before it
# are published under the old 2016-2020 standard (criteria/2021-2025.toml, [[standard]]): those
# years are simulated apart (``_old_standard_year``), so that asking for them changes nothing
# from 2022 on.
BASE_YEAR = 2021
# Province year-end rates in % (domain.md §3) under the 2022-2025 standard; 2021 is the
# re-assessment. Years outside a table extrapolate its trend.
_POOR_RATE = {2021: 4.50, 2022: 3.79, 2023: 3.04, 2024: 2.40}
_NEAR_POOR_RATE = {2021: 4.45, 2022: 4.04, 2023: 3.37, 2024: 3.04}
# Demo values, not published figures: year-end rates in % under the old 2016-2020 standard,
# whose income line (700,000 VND per person per month rural) was far below the new one, so
# fewer households counted as poor or near-poor than at the re-assessment.
_OLD_POOR_RATE = {2020: 2.90, 2021: 2.20}
_OLD_NEAR_POOR_RATE = {2020: 3.60, 2021: 3.10}
_HOUSEHOLDS_PER_COMMUNE = 382_200 / 216  # end of 2021, so that 2024 ends near 385,500
# The first year a household can return to a list (interfaces.md, "Movements"): it must have
# been on it in a stored review of the standard (2022 at the earliest), off it in the review
# compared with (2023), and back on it now. Before that, every household a list gains is new.
RETURNED_FROM = BASE_YEAR + 3
MOUNTAIN = ("439", "441", "444")  # Hương Sơn, Vũ Quang, Hương Khê: the poorest districts


def _province_rate(table: dict[int, float], year: int) -> float:
    first, last = min(table), max(table)
    if year > last:
        return table[last] * 0.8 ** (year - last)
    return table[max(year, first)] * 1.15 ** max(first - year, 0)


def _year_end(households: Ints, relative: Floats, target_pct: float) -> Ints:
    """Counts whose province rate is the target: scale the relative rates, refit after capping."""
    scale = target_pct / 100 / np.average(relative, weights=households)
    for _ in range(4):
        rate = np.clip(relative * scale, 0.002, 0.11)
        scale *= target_pct / 100 / np.average(rate, weights=households)
    return np.rint(households * np.clip(relative * scale, 0.002, 0.11)).astype(np.int64)


def _shares(rng: np.random.Generator, n: int) -> Floats:
    """Cumulative year-to-date shares per quarter: most movement comes with the Q4 review."""
    steps = rng.uniform(0.0, [[0.15], [0.15], [0.25]], size=(3, n))
    return np.vstack([np.cumsum(steps, axis=0), np.ones((1, n))])


def _flows(
    rng: np.random.Generator,
    start: Ints,
    end: Ints,
    returned: tuple[float, float],
    new: tuple[float, float],
) -> tuple[Ints, Ints, Ints, Ints]:
    """Year-to-date exited, returned, new and end per quarter (4 × communes) from start to end."""
    n = start.size
    back = np.rint(start * rng.uniform(*returned, n)).astype(np.int64)
    fresh = np.rint(start * rng.uniform(*new, n)).astype(np.int64)
    exited = start + back + fresh - end
    fresh += np.maximum(-exited, 0)  # a commune that got poorer needs more new households
    exited = np.maximum(exited, 0)
    added = _shares(rng, n)
    back_q = np.floor(back * added).astype(np.int64)
    fresh_q = np.floor(fresh * added).astype(np.int64)
    # Exits may run ahead of additions only as far as the households there are to exit.
    exited_q = np.minimum(
        np.floor(exited * _shares(rng, n)).astype(np.int64), start + back_q + fresh_q
    )
    return exited_q, back_q, fresh_q, start - exited_q + back_q + fresh_q


@dataclass(frozen=True)
class _Traits:
    """What the simulation draws once per commune of the simulated structure."""

    size: Floats  # households at the base year-end
    growth: Floats  # of households, per year
    rel_poor: Floats  # poverty relative to the province's rate
    rel_near: Floats
    worker_share: Floats
    trained: tuple[Floats, Floats]  # share at the base year-end, rise per year
    certified: tuple[Floats, Floats]
    members: tuple[Floats, Floats]  # coop members at the base year-end, rise per quarter
    women_share: Floats

    def households(self, quarters: int) -> Ints:  # quarters since the base year-end
        return np.rint(self.size * (1 + self.growth) ** (quarters / 4)).astype(np.int64)


def _traits(communes: pl.DataFrame, rng: np.random.Generator) -> _Traits:
    """Draw every commune's traits, in one fixed order from one stream."""
    n = communes.height
    urban = communes["unit_type"].is_in(["phường", "thị trấn"]).to_numpy()
    ward = (communes["unit_type"] == "phường").to_numpy()
    mountain = communes["parent_code"].is_in(list(MOUNTAIN)).to_numpy()
    median = np.where(ward, 3300.0, np.where(urban, 2600.0, 1500.0))
    size = median * rng.lognormal(0.0, 0.35, n)
    for _ in range(4):
        size = np.clip(size * _HOUSEHOLDS_PER_COMMUNE * n / size.sum(), 600, 4850)
    growth = rng.uniform(0.0, 0.006, n)
    # Relative poverty: wards lowest, mountain districts highest; the poorest commune starts
    # near 10% (twice the mean), so every commune has room to fall with the province.
    rel_poor = rng.lognormal(0.0, 0.45, n) * np.where(mountain, 1.9, 1.0) * np.where(urban, 0.35, 1)
    rel_poor = np.minimum(rel_poor, 2.0 * rel_poor.mean())
    rel_near = rel_poor**0.7 * rng.lognormal(0.0, 0.2, n)
    rel_near = np.minimum(rel_near, 2.0 * rel_near.mean())
    worker_share = rng.uniform(0.50, 0.60, n)
    trained = rng.uniform(0.64, 0.80, n), rng.uniform(0.01, 0.02, n)
    certified = rng.uniform(0.28, 0.40, n), rng.uniform(0.005, 0.012, n)
    members = rng.uniform(20, 300, n), rng.uniform(0.0, 5.0, n)
    women_share = rng.uniform(0.27, 0.52, n)
    return _Traits(
        size, growth, rel_poor, rel_near, worker_share, trained, certified, members, women_share
    )


def demo_figures(
    ref: Reference, first: Period, last: Period, seed: int = DEMO_SEED
) -> pl.DataFrame:
    """Every commune's figures for every quarter first..last: period, commune_code, figures.

    From 2022 the simulation always starts from the same year-end (``BASE_YEAR``), with one
    random stream per year; a year up to it (old standard) has streams of its own. So a unit's
    figures for a period do not depend on the range asked.
    """
    figures = simulated_figures(ref, first, last, seed)
    return _on_later_structures(ref, figures, periods_between(first, last))


def simulated_figures(
    ref: Reference, first: Period, last: Period, seed: int = DEMO_SEED
) -> pl.DataFrame:
    """``demo_figures`` on the simulated structure (the communes valid on ``SIMULATED_ON``),
    every quarter of the years first..last: what the later structures' figures are sums of."""
    # Simulated on the communes of 2020-2024; later structures are sums of these (see below).
    communes = valid_on(ref.registry, SIMULATED_ON).filter(pl.col("unit_level") == "commune")
    communes = communes.sort("unit_code")
    n, base = communes.height, BASE_YEAR
    traits = _traits(communes, np.random.default_rng([seed, 0]))
    frames = [
        _quarter_frame(communes, Period(year, q), values)
        for year in range(first.year, min(last.year, base) + 1)
        for q, values in enumerate(_old_standard_year(traits, year, seed), start=1)
    ]
    rel_poor, rel_near = traits.rel_poor, traits.rel_near
    poor = _year_end(traits.households(0), rel_poor, _province_rate(_POOR_RATE, base))
    near = _year_end(traits.households(0), rel_near, _province_rate(_NEAR_POOR_RATE, base))
    for year in range(base + 1, last.year + 1):
        yr = np.random.default_rng([seed, 1, year])
        rel_poor = rel_poor * yr.lognormal(0.0, 0.08, n)
        rel_near = rel_near * yr.lognormal(0.0, 0.08, n)
        year_end = traits.households(4 * (year - base))
        poor_end = _year_end(year_end, rel_poor, _province_rate(_POOR_RATE, year))
        near_end = _year_end(year_end, rel_near, _province_rate(_NEAR_POOR_RATE, year))
        quarters = _year_of_quarters(traits, yr, year - base, (poor, poor_end), (near, near_end))
        if year < RETURNED_FROM:
            quarters = [_none_returned(values) for values in quarters]
        frames += [
            _quarter_frame(communes, Period(year, q), values)
            for q, values in enumerate(quarters, start=1)
        ]
        poor, near = poor_end, near_end
    figures = pl.concat(frames)
    missing = set(ref.format.figure_keys) ^ (set(figures.columns) - {"period", "commune_code"})
    if missing:
        raise ValueError(f"the demo generator and the submission format disagree on {missing}")
    return figures


def _quarter_frame(communes: pl.DataFrame, period: Period, values: dict[str, Ints]) -> pl.DataFrame:
    return pl.DataFrame({"commune_code": communes["unit_code"], **values}).with_columns(
        pl.exclude("commune_code").cast(pl.Int64), period=pl.lit(str(period))
    )


def _old_standard_end(traits: _Traits, year: int, seed: int) -> tuple[Ints, Ints]:
    """Poor and near-poor counts at the end of ``year`` (up to ``BASE_YEAR``) under the old
    standard: the communes' relative poverty with noise of the year's own stream, so a year-end
    is the same whichever year asks for it (as its end, or as the next one's start)."""
    level = np.random.default_rng([seed, 1, year, 0])
    n = traits.size.shape[0]
    households = traits.households(4 * (year - BASE_YEAR))
    rel_poor = traits.rel_poor * level.lognormal(0.0, 0.08, n)
    rel_near = traits.rel_near * level.lognormal(0.0, 0.08, n)
    return (
        _year_end(households, rel_poor, _province_rate(_OLD_POOR_RATE, year)),
        _year_end(households, rel_near, _province_rate(_OLD_NEAR_POOR_RATE, year)),
    )


def _old_standard_year(traits: _Traits, year: int, seed: int) -> list[dict[str, Ints]]:
    """The four quarters of a year up to ``BASE_YEAR``, counted under the old standard from its
    previous year-end to its own; households and labour run on the same curves as later years
    (``t`` is negative before the base year-end)."""
    (poor, near), (poor_end, near_end) = (
        _old_standard_end(traits, year - 1, seed),
        _old_standard_end(traits, year, seed),
    )
    flows = np.random.default_rng([seed, 1, year, 1])
    return _year_of_quarters(traits, flows, year - BASE_YEAR, (poor, poor_end), (near, near_end))


def _year_of_quarters(
    traits: _Traits,
    yr: np.random.Generator,
    years_in: int,
    poor: tuple[Ints, Ints],
    near: tuple[Ints, Ints],
) -> list[dict[str, Ints]]:
    """The four quarters' figures of a year (the ``years_in``-th after the base year-end; the
    year that ends at it is the 0th), from the poor and near-poor counts at its start and end."""
    n = traits.size.shape[0]
    p_out, p_back, p_new, p_end = _flows(yr, poor[0], poor[1], (0.0, 0.02), (0.04, 0.10))
    n_out, n_back, n_new, n_end = _flows(yr, near[0], near[1], (0.0, 0.03), (0.10, 0.25))
    # Child abuse: up to 3 cases a year, each found in some quarter, most supported/handled.
    counts = np.asarray(yr.choice(4, n, p=[0.8, 0.13, 0.05, 0.02]), dtype=np.int64)
    cases = counts[:, None] > np.arange(3)
    found_in = yr.integers(1, 5, (n, 3))
    supported, handled = yr.random((n, 3)) < 0.95, yr.random((n, 3)) < 0.85
    quarters = []
    for q in range(1, 5):
        t = 4 * (years_in - 1) + q
        known = cases & (found_in <= q)
        values = {
                "households": traits.households(t),
                "poor_start": poor[0],
                "poor_exited": p_out[q - 1],
                "poor_returned": p_back[q - 1],
                "poor_new": p_new[q - 1],
                "poor_end": p_end[q - 1],
                "near_poor_start": near[0],
                "near_poor_exited": n_out[q - 1],
                "near_poor_returned": n_back[q - 1],
                "near_poor_new": n_new[q - 1],
                "near_poor_end": n_end[q - 1],
                **_labour(traits, t),
                "child_abuse_cases": known.sum(axis=1),
                "child_abuse_supported": (known & supported).sum(axis=1),
                "child_abuse_handled": (known & handled).sum(axis=1),
        }  # fmt: skip
        quarters.append(values)
    return quarters


def _none_returned(values: dict[str, Ints]) -> dict[str, Ints]:
    """A quarter's figures with its returned households counted as new (the same additions, so
    the same year-to-date end): for a year before ``RETURNED_FROM``, when no household can have
    been on a list in an earlier review of the standard than the one compared with."""
    moved = {}
    for count in ("poor", "near_poor"):
        moved[f"{count}_new"] = values[f"{count}_new"] + values[f"{count}_returned"]
        moved[f"{count}_returned"] = np.zeros_like(values[f"{count}_returned"])
    return values | moved


def _labour(traits: _Traits, t: int) -> dict[str, Ints]:
    """Workers, their training and the coop members, ``t`` quarters after the base year-end."""
    workers = np.rint(traits.households(t) * 3.5 * traits.worker_share).astype(np.int64)
    trained0, trained_rise = traits.trained
    certified0, certified_rise = traits.certified
    members0, members_rise = traits.members
    trained = np.rint(workers * np.clip(trained0 + trained_rise * t / 4, 0, 0.86))
    certified = np.rint(workers * np.clip(certified0 + certified_rise * t / 4, 0, 0.45))
    members = np.clip(np.rint(members0 + members_rise * t), 20, 400)
    return {
        "workers": workers,
        "workers_trained": trained,
        "workers_certified": np.minimum(certified, trained),
        "coop_members": members,
        "coop_members_women": np.rint(members * traits.women_share),
    }


def _on_later_structures(ref: Reference, figures: pl.DataFrame, keep: list[Period]) -> pl.DataFrame:
    """The periods in ``keep``, each on the units of its own structure: a unit of a later
    structure reports the sum of the communes it succeeded (every figure is a count, and every
    row rule survives summation)."""
    figures = figures.filter(pl.col("period").is_in([str(p) for p in keep]))
    mapping = pl.concat(
        [
            successors(ref.registry, ref.crosswalk, SIMULATED_ON, period.last_day).with_columns(
                period=pl.lit(str(period))
            )
            for period in keep
        ]
    )
    return (
        figures.join(mapping, on=["period", "commune_code"], how="inner")
        .group_by("period", "current_code")
        .agg(pl.col(ref.format.figure_keys).sum())
        .rename({"current_code": "commune_code"})
        .select("period", "commune_code", *ref.format.figure_keys)
        .sort("period", "commune_code")
    )
