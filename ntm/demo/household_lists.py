"""The demo's household lists, simulated household by household from its Q4 forms.

``HouseholdSimulation`` keeps every household ever listed (a pool), starting from the end-2021
re-assessment, and runs each year's periodic review: every flow of the year's Q4 form, household
by household, as interfaces.md ("Movements") counts them from the lists (an exited household
leaves its list; a returned one is back on it, having been on it in a stored review of the
standard before the one compared with; a new one never was). It places the communes on each
year's structure as the quarterly figures are (``transforms.registry.successors``) and draws a
review's rows: deprivations, causes, scores. Household codes (commune where first listed, a
dash, a sequence) persist across years and across the 2025 merge of communes. Everything is
vectorised (numpy, polars); Python loops run per year or per commune. The random draws it is
built of are in ``ntm.demo.household_draws``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from ntm.demo.household_draws import (
    NEAR,
    OUT,
    POOR,
    Bools,
    Floats,
    Ints,
    absorb,
    allocate,
    blocks,
    causes,
    draw,
    income_score,
    indicator_weights,
    per_commune,
    pick,
    top_k,
)
from ntm.demo.simulate import BASE_YEAR, MOUNTAIN, SIMULATED_ON, simulated_figures
from ntm.reference import Reference
from ntm.reference.households import PovertyStandard
from transforms.periods import Period
from transforms.registry import reporting_level, successors, valid_on

FIRST_REVIEW_YEAR = BASE_YEAR + 1  # the first year simulated under the 2022-2026 standard

_EXTRA_POOR = (0.34, 0.30, 0.20, 0.11, 0.05)  # deprivations beyond the poor minimum
_NEAR_COUNT = (0.22, 0.45, 0.33)  # deprivations of a near-poor household (below the minimum)
_NOT_POOR_COUNT = (0.42, 0.30, 0.17, 0.08, 0.03)
_MEMBERS = (0.11, 0.19, 0.20, 0.23, 0.14, 0.08, 0.03, 0.02)  # 1..8 members
_VILLAGES = 14
# Per status (out, poor, near-poor): the share with a beneficiary of social assistance, and
# the share that cannot work.
_ASSISTANCE = np.array([0.04, 0.30, 0.15])
_NO_LABOUR = np.array([0.01, 0.17, 0.06])
_TO_OTHER_LIST = (0.45, 0.30)  # of exits from poor, from near-poor: to the other list


@dataclass
class _Pool:
    """Every household ever listed (and the seeded ones), one array entry per household."""

    sim: Ints  # the simulated commune (index) it lives in
    prefix: Ints  # the commune where it was first listed (index into the codes' list)
    seq: Ints
    status: NDArray[np.int8]  # OUT, POOR or NEAR after the last review simulated
    ever_poor: Bools  # poor in a stored review of the standard (the demo's, from 2022)
    ever_near: Bools  # near-poor in one
    members: Ints
    village: Ints
    ethnic: Bools
    merit: Bools
    traits: Floats  # n x 3 uniform: assistance, labour, income
    taste: Floats  # n x indicators: Gumbel draws, its lasting leaning to each deprivation

    def take(self, index: Ints) -> _Pool:
        return _Pool(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def extend(self, other: _Pool) -> None:
        for f in fields(self):
            setattr(self, f.name, np.concatenate([getattr(self, f.name), getattr(other, f.name)]))

    @property
    def size(self) -> int:
        return int(self.sim.size)


@dataclass(frozen=True)
class _Structure:
    """Where each simulated commune stands on 31 December of a year."""

    communes: pl.DataFrame  # _sim, unit_code, unit_name, commune_code, _urban
    urban: Bools
    placed: Bools  # False: no successor (its households are left out, as its figures are)
    prefix: Ints  # its commune's code as a household code prefix (index into the codes' list)


@dataclass(frozen=True)
class _Year:
    """One periodic review as simulated: the households in it, before and after."""

    index: Ints  # into the pool
    before: NDArray[np.int8]  # status at the previous review
    after: NDArray[np.int8]


class HouseholdSimulation:
    """The households of the demo, year by year from the end-2021 re-assessment."""

    def __init__(self, ref: Reference, last_year: int, seed: int) -> None:
        self.ref, self.seed = ref, seed
        figures = simulated_figures(ref, Period(FIRST_REVIEW_YEAR, 4), Period(last_year, 4), seed)
        self.q4 = figures.filter(pl.col("period").str.ends_with("Q4"))
        communes = valid_on(ref.registry, SIMULATED_ON).filter(pl.col("unit_level") == "commune")
        communes = communes.sort("unit_code")
        self.sim_codes: list[str] = communes["unit_code"].to_list()
        self.mountain = communes["parent_code"].is_in(list(MOUNTAIN)).to_numpy()
        self.indicator_ids = sorted(
            {i for s in ref.standards if s.reviewable for i in s.indicator_ids}
        )
        self.codes: list[str] = []  # household code prefixes, by index
        self.code_ids: dict[str, int] = {}
        self.counters: dict[int, int] = {}  # last sequence number given, per prefix
        self.pool = self._seed_pool()

    # ------------------------------------------------------------------------ inputs

    def code_id(self, code: str) -> int:
        if code not in self.code_ids:
            self.code_ids[code] = len(self.codes)
            self.codes.append(code)
        return self.code_ids[code]

    def figures(self, year: int) -> dict[str, Ints]:
        """The Q4 form's figures of ``year``, per simulated commune."""
        rows = pl.DataFrame({"commune_code": self.sim_codes}).join(
            self.q4.filter(pl.col("period") == f"{year}-Q4"),
            on="commune_code",
            how="left",
            maintain_order="left",
        )
        return {
            c: rows[c].fill_null(0).to_numpy().astype(np.int64)
            for c in rows.columns
            if c not in ("commune_code", "period")
        }

    def structure(self, year: int) -> _Structure:
        ref, day = self.ref, date(year, 12, 31)
        units = valid_on(ref.registry, day)
        communes = units.filter(pl.col("unit_level") == "commune").select(
            current_code="unit_code",
            _urban=pl.col("unit_type").is_in(["phường", "thị trấn"]),
            parent_code="parent_code",
        )
        by_commune = reporting_level(day, ref.settings.communes_report_from) == "commune"
        placed = (
            pl.DataFrame({"commune_code": self.sim_codes})
            .with_row_index("_sim")
            .join(
                successors(ref.registry, ref.crosswalk, SIMULATED_ON, day),
                on="commune_code",
                how="left",
                maintain_order="left",
            )
            .join(communes, on="current_code", how="left", maintain_order="left")
            .with_columns(unit_code=pl.col("current_code" if by_commune else "parent_code"))
            .join(
                units.select("unit_code", "unit_name"),
                on="unit_code",
                how="left",
                maintain_order="left",
            )
            .select(
                pl.col("_sim").cast(pl.Int64),
                "unit_code",
                "unit_name",
                commune_code="current_code",
                _urban=pl.col("_urban").fill_null(False),
            )
        )
        return _Structure(
            communes=placed,
            urban=placed["_urban"].to_numpy(),
            placed=placed["commune_code"].is_not_null().to_numpy(),
            prefix=np.array(
                [self.code_id(c or "") for c in placed["commune_code"]], dtype=np.int64
            ),
        )

    def form(self, year: int, structure: _Structure) -> pl.DataFrame:
        """The Q4 form's counts of ``year`` on its structure (sums, as ``demo_figures``)."""
        mapping = (
            pl.DataFrame({"commune_code": self.sim_codes})
            .with_row_index("_sim")
            .with_columns(pl.col("_sim").cast(pl.Int64))
            .join(structure.communes.select("_sim", current="commune_code"), on="_sim")
            .drop_nulls("current")
        )
        return (
            self.q4.filter(pl.col("period") == f"{year}-Q4")
            .join(mapping, on="commune_code")
            .group_by(commune_code="current")
            .agg(pl.col("poor_end", "near_poor_end").sum())
            .sort("commune_code")
        )

    # ------------------------------------------------------------------------ households

    def new(self, rng: np.random.Generator, sim: Ints, prefix: Ints, status: Any) -> _Pool:
        """Households listed for the first time (codes continue each prefix's sequence)."""
        n = sim.size
        return _Pool(
            sim=sim,
            prefix=prefix,
            seq=allocate(prefix, self.counters),
            status=np.broadcast_to(np.asarray(status, dtype=np.int8), (n,)).copy(),
            ever_poor=np.zeros(n, dtype=bool),
            ever_near=np.zeros(n, dtype=bool),
            members=rng.choice(len(_MEMBERS), n, p=_MEMBERS).astype(np.int64) + 1,
            village=rng.integers(1, _VILLAGES + 1, n),
            ethnic=self.mountain[sim] & (rng.random(n) < 0.09),
            merit=rng.random(n) < 0.04,
            traits=rng.random((n, 3)),
            taste=rng.gumbel(size=(n, len(self.indicator_ids))),
        )

    def _seed_pool(self) -> _Pool:
        """The lists at the end-2021 re-assessment (2022's start counts), and households that
        were on the lists in earlier years and are off them now. None of them is on a list in a
        stored review of the standard (the re-assessment is not one): ``ever_poor`` and
        ``ever_near`` start False, and a household listed again is new to its list."""
        rng = np.random.default_rng([self.seed, 3, BASE_YEAR])
        first = self.figures(FIRST_REVIEW_YEAR)
        poor, near = first["poor_start"], first["near_poor_start"]
        former_poor = np.ceil(poor * 0.35).astype(np.int64) + 3
        former_near = np.ceil(near * 0.25).astype(np.int64) + 3
        sim, block = blocks([poor, near, former_poor, former_near])
        status = np.select([block == 0, block == 1], [POOR, NEAR], OUT)
        order = rng.permutation(sim.size)  # sequence numbers in no order of status
        codes = np.array([self.code_id(c) for c in self.sim_codes], dtype=np.int64)
        return self.new(rng, sim[order], codes[sim[order]], status[order])

    def step(self, year: int, structure: _Structure) -> _Year:
        """The periodic review of ``year``: every flow of the Q4 form, household by household."""
        rng = np.random.default_rng([self.seed, 3, year, 0])
        q4 = self.figures(year)
        pool, m = self.pool, len(self.sim_codes)
        before = pool.status.copy()
        sim = pool.sim
        exit_poor, short_poor = pick(rng, before == POOR, sim, q4["poor_exited"])
        exit_near, short_near = pick(rng, before == NEAR, sim, q4["near_poor_exited"])
        # Exits beyond a commune's list (never in the demo's figures) would be households that
        # came and went within the year: they are taken off its additions.
        back_p, new_p = absorb(q4["poor_returned"], q4["poor_new"], short_poor)
        back_n, new_n = absorb(q4["near_poor_returned"], q4["near_poor_new"], short_near)
        free = np.ones(pool.size, dtype=bool)
        free[exit_poor] = free[exit_near] = False
        # Some households leaving one list land on the other: back on it if they were on it in
        # an earlier review, new to it otherwise.
        moves: dict[str, Ints] = {}
        leaving = np.zeros(pool.size, dtype=bool)
        leaving[exit_poor] = rng.random(exit_poor.size) < _TO_OTHER_LIST[0]
        moves["near_back"], _ = pick(rng, leaving & pool.ever_near, sim, back_n)
        moves["near_new"], _ = pick(rng, leaving & ~pool.ever_near, sim, new_n)
        leaving[:] = False
        leaving[exit_near] = rng.random(exit_near.size) < _TO_OTHER_LIST[1]
        moves["poor_back"], _ = pick(rng, leaving & pool.ever_poor, sim, back_p)
        moves["poor_new"], _ = pick(rng, leaving & ~pool.ever_poor, sim, new_p)
        back_p = back_p - per_commune(moves["poor_back"], sim, m)
        new_p = new_p - per_commune(moves["poor_new"], sim, m)
        back_n = back_n - per_commune(moves["near_back"], sim, m)
        new_n = new_n - per_commune(moves["near_new"], sim, m)
        # The rest come from outside both lists: the returned were on the list in an earlier
        # review (``ever_``: not the last one, which they were off); a quarter of the new ones
        # were reviewed before and found not poor, the others are new to the lists; and some
        # households asked to be reviewed and were found not poor.
        outside = before == OUT

        def take(name: str, eligible: Bools, wanted: Ints) -> Ints:
            moves[name], short = pick(rng, outside & free & eligible, sim, wanted)
            free[moves[name]] = False
            return short

        short_p = take("listed_poor_back", pool.ever_poor, back_p)
        take("listed_poor_new", ~pool.ever_poor, new_p // 4)
        short_n = take("listed_near_back", pool.ever_near, back_n)
        take("listed_near_new", ~pool.ever_near, new_n // 4)
        if short_p.any() or short_n.any():
            # A returned household is never made up: the figures count such a shortfall as new
            # (``ntm.demo.simulate.RETURNED_FROM``).
            raise ValueError(
                f"the {year}-Q4 forms count {int(short_p.sum())} poor and {int(short_n.sum())} "
                "near-poor households as returned that no earlier review has on the list"
            )
        asked = np.rint(q4["households"] * rng.uniform(0.012, 0.028, m)).astype(np.int64)
        take("asked", outside, asked * 3 // 10)
        fresh_counts = [
            new_p - per_commune(moves["listed_poor_new"], sim, m),
            new_n - per_commune(moves["listed_near_new"], sim, m),
            asked - per_commune(moves["asked"], sim, m),
        ]
        after = before.copy()
        after[exit_poor] = after[exit_near] = OUT
        for name in ("near_back", "near_new", "listed_near_back", "listed_near_new"):
            after[moves[name]] = NEAR
        for name in ("poor_back", "poor_new", "listed_poor_back", "listed_poor_new"):
            after[moves[name]] = POOR
        in_review = (after != OUT) | ~free
        # New to the lists: households never listed, coded by their commune of this year.
        fresh_sim, block = blocks(fresh_counts)
        status = np.array([POOR, NEAR, OUT], dtype=np.int8)[block]
        fresh = self.new(rng, fresh_sim, structure.prefix[fresh_sim], status)
        start = pool.size
        pool.status = after
        pool.extend(fresh)
        # After the review: a household can return from the year after next.
        pool.ever_poor |= pool.status == POOR
        pool.ever_near |= pool.status == NEAR
        index = np.concatenate([np.flatnonzero(in_review), np.arange(start, pool.size)])
        index = index[structure.placed[pool.sim[index]]]
        before = np.concatenate([before, np.full(fresh.size, OUT, dtype=np.int8)])
        return _Year(index=index, before=before[index], after=pool.status[index])

    # ------------------------------------------------------------------------ rows

    def table(
        self,
        rng: np.random.Generator,
        standard: PovertyStandard,
        structure: _Structure,
        households: _Pool,
        status: NDArray[np.int8],
        flags: NDArray[np.bool_] | None = None,
    ) -> dict[str, Any]:
        """A review's columns as numbers (``status``: each household's result); deprivations
        drawn unless ``flags`` are given."""
        fmt = self.ref.households
        n = households.size
        poor_min = int(standard.poor_min_deprivations or 1)
        indicators = standard.indicator_ids
        if flags is None:
            count = np.select(
                [status == POOR, status == NEAR],
                [poor_min + draw(rng, _EXTRA_POOR, n), draw(rng, _NEAR_COUNT[:poor_min], n)],
                draw(rng, _NOT_POOR_COUNT, n),
            )
            flags = top_k(
                rng, self.taste(households, standard), indicator_weights(indicators), count
            )
        urban = structure.urban[households.sim]
        below = status != OUT
        no_labour = households.traits[:, 1] < _NO_LABOUR[status]
        cause_keys = [c.key for c in fmt.causes]
        found = causes(rng, cause_keys, below, no_labour)
        return {
            "_sim": households.sim,
            "_village": households.village,
            "_prefix": households.prefix,
            "_seq": households.seq,
            "_status": status,
            "members": households.members,
            "income_score": income_score(rng, standard, urban, status, households.traits[:, 2]),
            "income_below_line": below.astype(np.int64),
            **{key: flags[:, j].astype(np.int64) for j, key in enumerate(indicators)},
            "deprivation_points": flags.sum(axis=1) * int(standard.points_per_indicator or 0),
            "ethnic_minority": households.ethnic.astype(np.int64),
            "merit_person": households.merit.astype(np.int64),
            "social_assistance": (households.traits[:, 0] < _ASSISTANCE[status]).astype(np.int64),
            "no_labour": no_labour.astype(np.int64),
            **{key: found[:, j].astype(np.int64) for j, key in enumerate(cause_keys)},
        }

    def taste(self, households: _Pool, standard: PovertyStandard) -> Floats:
        columns = [self.indicator_ids.index(i) for i in standard.indicator_ids]
        return households.taste[:, columns]

    def frame(self, columns: dict[str, Any], structure: _Structure) -> pl.DataFrame:
        """A review's rows in file order: the numbers, then the text (codes, names, labels)."""
        fmt = self.ref.households
        areas = {a.code: a.label for a in fmt.areas}
        results = {r.code: r.label for r in fmt.results}
        # File order: unit, commune, village, household code (the codes are digits).
        places = structure.communes
        unit = places["unit_code"].cast(pl.Int64).fill_null(0).to_numpy()
        commune = places["commune_code"].cast(pl.Int64).fill_null(0).to_numpy()
        prefix = np.array([int(c or 0) for c in self.codes], dtype=np.int64)
        sim = columns["_sim"]
        order = np.lexsort(
            (columns["_seq"], prefix[columns["_prefix"]], columns["_village"], commune[sim],
             unit[sim])
        )  # fmt: skip
        ordered = {k: v[order] if isinstance(v, np.ndarray) else v.gather(order)
                   for k, v in columns.items()}  # fmt: skip
        text = places.select(
            "_sim", "unit_code", "unit_name", "commune_code", "_urban"
        ).with_columns(pl.col("_sim").cast(pl.Int64))
        ordered["_code"] = pl.Series(self.codes, dtype=pl.String).gather(ordered["_prefix"])
        urban = pl.col("_urban")
        return (
            pl.DataFrame(ordered)
            .join(text, on="_sim", how="left", maintain_order="left")
            .with_columns(
                household_code=pl.col("_code") + "-" + pl.col("_seq").cast(pl.String).str.zfill(5),
                village=pl.when(urban).then(pl.lit("Tổ dân phố ")).otherwise(pl.lit("Thôn "))
                + pl.col("_village").cast(pl.String),
                area=pl.when(urban).then(pl.lit(areas["urban"])).otherwise(pl.lit(areas["rural"])),
                result=pl.col("_status").replace_strict(
                    {
                        OUT: results["not_poor"],
                        POOR: results["poor"],
                        NEAR: results["near_poor"],
                    },
                    return_dtype=pl.String,
                ),
            )
        )

    def periodic(
        self, year: int, standard: PovertyStandard, structure: _Structure, simulated: _Year
    ) -> pl.DataFrame:
        """The rows of the periodic review ``simulated`` (its households drawn in detail)."""
        rng = np.random.default_rng([self.seed, 3, year, 1])
        households = self.pool.take(simulated.index)
        columns = self.table(rng, standard, structure, households, simulated.after)
        columns |= {"_pool": simulated.index, "_before": simulated.before}
        return self.frame(columns, structure)

    def baseline(
        self, year: int, standard: PovertyStandard, periodic: pl.DataFrame, structure: _Structure
    ) -> pl.DataFrame:
        """The baseline review of ``year`` under the next ``standard``: the periodic review's
        households again, and the households its higher income line brings in."""
        rng = np.random.default_rng([self.seed, 3, year, 2])
        m = len(self.sim_codes)
        index = periodic["_pool"].to_numpy()
        before = periodic["_status"].to_numpy().astype(np.int8)
        listed = np.bincount(periodic["_sim"].to_numpy()[before != OUT], minlength=m)
        outside = (self.pool.status == OUT) & structure.placed[self.pool.sim]
        outside[index] = False
        extra, _ = pick(rng, outside, self.pool.sim, np.rint(listed * 0.3).astype(np.int64))
        fresh_sim, _ = blocks([np.rint(listed * 0.25).astype(np.int64)])
        households = self.pool.take(np.concatenate([index, extra]))
        households.extend(self.new(rng, fresh_sim, structure.prefix[fresh_sim], OUT))
        n, again = households.size, index.size
        # Below the higher line: every household poor or near-poor before, a third of those
        # reviewed and found not poor, and every household it brings in.
        below = np.ones(n, dtype=bool)
        below[:again] = (before != OUT) | (rng.random(again) < 0.35)
        indicators = standard.indicator_ids
        taste = self.taste(households, standard)
        weights = indicator_weights(indicators)
        count = draw(rng, (0.2, 0.28, 0.22, 0.16, 0.09, 0.05), n)
        flags = top_k(rng, taste, weights, count)
        # The periodic review's findings stand; the indicators it did not have are drawn.
        kept = np.array([i in periodic.columns for i in indicators])
        flags[:again, kept] = periodic.select(np.array(indicators)[kept]).to_numpy().astype(bool)
        share = np.where(below[:again], 0.3, 0.1)[:, None] * weights[~kept] / weights[~kept].mean()
        flags[:again, ~kept] = rng.random(share.shape) < np.minimum(share, 0.8)
        # A household poor under the old standard stays poor under the new one.
        poor_min = int(standard.poor_min_deprivations or 1)
        deficit = np.zeros(n, dtype=np.int64)
        short = np.maximum(poor_min - flags[:again].sum(axis=1), 0)
        deficit[:again] = np.where(before == POOR, short, 0)
        flags |= top_k(rng, taste, weights, deficit, taken=flags)
        deprived = flags.sum(axis=1) >= poor_min
        status = np.select([~below, deprived], [OUT, POOR], NEAR).astype(np.int8)
        columns = self.table(rng, standard, structure, households, status, flags)
        # Causes found in the periodic review stand.
        causes = [c.key for c in self.ref.households.causes]
        found = periodic.select(causes).to_numpy().astype(np.int64)
        stand = (status[:again] != OUT) & found.any(axis=1)
        for j, key in enumerate(causes):
            columns[key][:again] = np.where(stand, found[:, j], columns[key][:again])
        columns |= {
            "_pool": np.concatenate([index, extra, np.full(n - index.size - extra.size, -1)]),
            "_before": np.concatenate([before, np.full(n - again, OUT, dtype=np.int8)]),
        }
        return self.frame(columns, structure)
