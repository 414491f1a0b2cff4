"""The random draws the demo's household simulation is built of, vectorised (numpy).

A household's status is a number (``OUT``, ``POOR``, ``NEAR``). The draws pick households per
commune, number them per code prefix, and draw a review's findings: deprivations by weight and
the household's lasting taste (Gumbel top-k), causes of poverty, score B1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from numpy.typing import NDArray

from ntm.reference.households import PovertyStandard

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]

OUT, POOR, NEAR = 0, 1, 2

# How common each deprivation is (relative weights of the draw; an indicator not listed here
# weighs OTHER_WEIGHT): health insurance, adult education and housing lead, as in the reviews.
WEIGHTS = {
    "adult_education": 3.0, "health_insurance": 2.6, "housing_quality": 2.2,
    "housing_area": 1.5, "latrine": 1.3, "employment": 1.1, "dependants": 1.0,
    "information_access": 0.9, "drinking_water": 0.7, "nutrition": 0.45,
    "child_schooling": 0.3, "telecom": 0.25,
    "digital_services": 1.8, "internet": 1.2, "waste": 1.0,
}  # fmt: skip
OTHER_WEIGHT = 0.8
_CAUSES = {
    "cause_capital": 0.55, "cause_skills": 0.38, "cause_labour": 0.28, "cause_illness": 0.25,
    "cause_land": 0.20, "cause_tools": 0.14, "cause_other": 0.06,
}  # fmt: skip


def pick(rng: np.random.Generator, eligible: Bools, sim: Ints, wanted: Ints) -> tuple[Ints, Ints]:
    """Up to ``wanted[c]`` eligible households of each commune c, at random: their indices and
    each commune's shortfall."""
    index = np.flatnonzero(eligible)
    # By commune, at random within it (one sort: the commune plus a fraction).
    index = index[np.argsort(sim[index] + rng.random(index.size), kind="stable")]
    commune = sim[index]
    rank = np.arange(index.size) - np.searchsorted(commune, commune, side="left")
    chosen = index[rank < wanted[commune]]
    return chosen, wanted - np.bincount(sim[chosen], minlength=wanted.size)


def per_commune(index: Ints, sim: Ints, communes: int) -> Ints:
    """How many of the households ``index`` each commune has."""
    return np.bincount(sim[index], minlength=communes).astype(np.int64)


def allocate(prefix: Ints, counters: dict[int, int]) -> Ints:
    """Sequence numbers in array order, continuing each prefix's counter."""
    codes, inverse, counts = np.unique(prefix, return_inverse=True, return_counts=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    rank = np.empty(prefix.size, dtype=np.int64)
    rank[order] = np.arange(prefix.size) - np.repeat(starts, counts)
    base = np.array([counters.get(int(code), 0) for code in codes], dtype=np.int64)
    for code, count, first in zip(codes, counts, base, strict=True):
        counters[int(code)] = int(first + count)
    seq: Ints = base[inverse] + rank + 1
    return seq


def blocks(counts: Sequence[Ints]) -> tuple[Ints, Ints]:
    """Commune index and block number of ``sum(counts)`` households, block by block."""
    communes = np.arange(counts[0].size, dtype=np.int64)
    sim = np.concatenate([np.repeat(communes, c) for c in counts])
    block = np.concatenate([np.full(int(c.sum()), i) for i, c in enumerate(counts)])
    return sim, block


def absorb(back: Ints, new: Ints, short: Ints) -> tuple[Ints, Ints]:
    """Returned and new households less ``short`` (taken off the new ones first)."""
    from_new = np.minimum(short, new)
    return np.maximum(back - (short - from_new), 0), new - from_new


def draw(rng: np.random.Generator, shares: Sequence[float], n: int) -> Ints:
    """``n`` draws of 0..len(shares)-1 with these shares (renormalised)."""
    p = np.asarray(shares, dtype=np.float64)
    return rng.choice(p.size, n, p=p / p.sum()).astype(np.int64)


def indicator_weights(indicators: Sequence[str]) -> Floats:
    """Each indicator's weight in the draw of deprivations (``WEIGHTS``)."""
    return np.array([WEIGHTS.get(i, OTHER_WEIGHT) for i in indicators])


def top_k(
    rng: np.random.Generator,
    taste: Floats,
    weights: Floats,
    count: Ints,
    taken: NDArray[np.bool_] | None = None,
) -> NDArray[np.bool_]:
    """``count[r]`` deprivations of row r, drawn without replacement by weight and the
    household's lasting taste (Gumbel top-k); with ``taken``, among the others only."""
    keys = np.log(weights)[None, :] + 0.7 * taste + 0.7 * rng.gumbel(size=taste.shape)
    if taken is not None:
        keys = np.where(taken, -np.inf, keys)
    # The row's count-th largest key is its threshold (keys are continuous: no ties).
    ranked = -np.sort(-keys, axis=1)
    threshold = ranked[np.arange(keys.shape[0]), np.clip(count - 1, 0, keys.shape[1] - 1)]
    chosen: NDArray[np.bool_] = (
        (keys >= threshold[:, None]) & (count[:, None] > 0) & np.isfinite(keys)
    )
    return chosen


def causes(
    rng: np.random.Generator, keys: list[str], listed: Bools, no_labour: Bools
) -> NDArray[np.bool_]:
    """Causes of poverty: at least one for a listed household, none for the others."""
    p = np.array([_CAUSES.get(k, 0.1) for k in keys])
    found = rng.random((listed.size, p.size)) < p
    if "cause_labour" in keys:
        found[:, keys.index("cause_labour")] |= no_labour
    one = rng.choice(p.size, listed.size, p=p / p.sum())
    none = ~found.any(axis=1)
    found[none, one[none]] = True
    found &= listed[:, None]
    return found


def income_score(
    rng: np.random.Generator,
    standard: PovertyStandard,
    urban: Bools,
    status: NDArray[np.int8],
    depth: Floats,
) -> pl.Series:
    """Score B1 (at or below the area's cut-off for a listed household), or empty where the
    standard publishes no cut-off."""
    n = status.size
    if not standard.scores_income:
        return pl.Series([None] * n, dtype=pl.Int64)
    cutoffs = standard.score_cutoffs
    cutoff = np.where(urban, cutoffs["urban"] or 0, cutoffs["rural"] or 0).astype(np.int64)
    poor = cutoff - 6 - (depth * 45).astype(np.int64) - rng.integers(0, 20, n)
    near = cutoff - rng.integers(0, 40, n)
    above = cutoff + 1 + rng.integers(0, 80, n)
    score = np.select([status == POOR, status == NEAR], [poor, near], above)
    return pl.Series(np.maximum(score, 0), dtype=pl.Int64)
