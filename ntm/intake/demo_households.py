"""Demo household reviews (form HN) beside the demo's quarterly files.

One file per reporting unit and review (household-review-format.md): the periodic review
(``dinh-ky``) of every year from 2022 whose Q4 the demo covers, and the baseline review
(``dau-ky``) of a year whose next year brings a new poverty standard (2026, under 2027-2030).

The households are simulated from the demo's own figures (``demo.simulated_figures``), on the
communes the quarterly figures are simulated on, and placed on each year's structure as the
quarterly figures are (``transforms.registry.successors``). Every commune's count of poor and
near-poor households in a periodic review is its Q4 ``poor_end`` and ``near_poor_end`` — except
the two mismatches planted on purpose (``PLANTED_MISMATCHES``) — and the year's movements are
the Q4 form's flows, household by household: an exited household leaves its list, a returned
one was on it in an earlier year, a new one never was. Household codes (commune where first
listed, a dash, a sequence) persist across years and across the 2025 merge of communes.

Everything follows from the seed, and a year's households do not depend on the range asked:
the simulation always starts from the end-2021 re-assessment, one random stream per year.
Everything is vectorised (numpy, polars); Python loops run per year, per commune or per file.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import xlsxwriter
from numpy.typing import NDArray

from ntm.intake.demo import (
    _BASE_YEAR,
    _MOUNTAIN,
    DEMO_SEED,
    SIMULATED_ON,
    _arrival,
    _stamp,
    simulated_figures,
)
from ntm.intake.workbook import _FIXED_CREATED
from ntm.reference import Reference
from ntm.reference.households import HouseholdFormat, PovertyStandard
from ntm.store.paths import atomic_path
from transforms.layout import Column
from transforms.periods import Period
from transforms.registry import reporting_level, successors, valid_on

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]

FOLDER = "households"  # below the demo inbox: households/<year>-<kind>/HN_<unit>_<year>_<kind>.*
FIRST_REVIEW_YEAR = _BASE_YEAR + 1  # the first year simulated under the 2022-2026 standard
PERIODIC, BASELINE = "dinh-ky", "dau-ky"
_OUT, _POOR, _NEAR = 0, 1, 2


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


# ---------------------------------------------------------------------------- households

# How common each deprivation is (relative weights of the draw; an indicator not listed here
# weighs _OTHER_WEIGHT): health insurance, adult education and housing lead, as in the reviews.
_WEIGHTS = {
    "adult_education": 3.0, "health_insurance": 2.6, "housing_quality": 2.2,
    "housing_area": 1.5, "latrine": 1.3, "employment": 1.1, "dependants": 1.0,
    "information_access": 0.9, "drinking_water": 0.7, "nutrition": 0.45,
    "child_schooling": 0.3, "telecom": 0.25,
    "digital_services": 1.8, "internet": 1.2, "waste": 1.0,
}  # fmt: skip
_OTHER_WEIGHT = 0.8
_EXTRA_POOR = (0.34, 0.30, 0.20, 0.11, 0.05)  # deprivations beyond the poor minimum
_NEAR_COUNT = (0.22, 0.45, 0.33)  # deprivations of a near-poor household (below the minimum)
_NOT_POOR_COUNT = (0.42, 0.30, 0.17, 0.08, 0.03)
_CAUSES = {
    "cause_capital": 0.55, "cause_skills": 0.38, "cause_labour": 0.28, "cause_illness": 0.25,
    "cause_land": 0.20, "cause_tools": 0.14, "cause_other": 0.06,
}  # fmt: skip
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
    status: NDArray[np.int8]  # _OUT, _POOR or _NEAR after the last review simulated
    ever_poor: Bools
    ever_near: Bools
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
    made_up: int  # returned households made up (no earlier one was left to return)


@dataclass(frozen=True)
class _Simulated:
    """A review as the files will have it."""

    standard: PovertyStandard
    rows: pl.DataFrame  # file order, with internal columns (_status, _before, _pool, ...)
    form: pl.DataFrame | None = None  # periodic: commune_code, poor_end, near_poor_end (Q4)
    made_up: int = 0


class _Simulation:
    """The households of the demo, year by year from the end-2021 re-assessment."""

    def __init__(self, ref: Reference, last_year: int, seed: int) -> None:
        self.ref, self.seed = ref, seed
        figures = simulated_figures(ref, Period(FIRST_REVIEW_YEAR, 4), Period(last_year, 4), seed)
        self.q4 = figures.filter(pl.col("period").str.ends_with("Q4"))
        communes = valid_on(ref.registry, SIMULATED_ON).filter(pl.col("unit_level") == "commune")
        communes = communes.sort("unit_code")
        self.sim_codes: list[str] = communes["unit_code"].to_list()
        self.mountain = communes["parent_code"].is_in(list(_MOUNTAIN)).to_numpy()
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
            seq=_allocate(prefix, self.counters),
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
        were on them in earlier years (the returned of later years come from these)."""
        rng = np.random.default_rng([self.seed, 3, _BASE_YEAR])
        first = self.figures(FIRST_REVIEW_YEAR)
        poor, near = first["poor_start"], first["near_poor_start"]
        former_poor = np.ceil(poor * 0.35).astype(np.int64) + 3
        former_near = np.ceil(near * 0.25).astype(np.int64) + 3
        sim, block = _blocks([poor, near, former_poor, former_near])
        n = sim.size
        ever_poor = np.select(
            [block == 0, block == 1, block == 2], [True, rng.random(n) < 0.2, True], False
        )
        ever_near = np.select(
            [block == 0, block == 1, block == 2], [rng.random(n) < 0.4, True, rng.random(n) < 0.5],
            True,
        )  # fmt: skip
        status = np.select([block == 0, block == 1], [_POOR, _NEAR], _OUT)
        order = rng.permutation(n)  # sequence numbers in no order of status
        codes = np.array([self.code_id(c) for c in self.sim_codes], dtype=np.int64)
        pool = self.new(rng, sim[order], codes[sim[order]], status[order])
        pool.ever_poor, pool.ever_near = ever_poor[order], ever_near[order]
        return pool

    def step(self, year: int, structure: _Structure) -> _Year:
        """The periodic review of ``year``: every flow of the Q4 form, household by household."""
        rng = np.random.default_rng([self.seed, 3, year, 0])
        q4 = self.figures(year)
        pool, m = self.pool, len(self.sim_codes)
        before = pool.status.copy()
        sim = pool.sim
        exit_poor, short_poor = _pick(rng, before == _POOR, sim, q4["poor_exited"])
        exit_near, short_near = _pick(rng, before == _NEAR, sim, q4["near_poor_exited"])
        # Exits beyond a commune's list (never in the demo's figures) would be households that
        # came and went within the year: they are taken off its additions.
        back_p, new_p = _absorb(q4["poor_returned"], q4["poor_new"], short_poor)
        back_n, new_n = _absorb(q4["near_poor_returned"], q4["near_poor_new"], short_near)
        free = np.ones(pool.size, dtype=bool)
        free[exit_poor] = free[exit_near] = False
        # Some households leaving one list land on the other: back on it if they were on it
        # before, new to it otherwise.
        moves: dict[str, Ints] = {}
        leaving = np.zeros(pool.size, dtype=bool)
        leaving[exit_poor] = rng.random(exit_poor.size) < _TO_OTHER_LIST[0]
        moves["near_back"], _ = _pick(rng, leaving & pool.ever_near, sim, back_n)
        moves["near_new"], _ = _pick(rng, leaving & ~pool.ever_near, sim, new_n)
        leaving[:] = False
        leaving[exit_near] = rng.random(exit_near.size) < _TO_OTHER_LIST[1]
        moves["poor_back"], _ = _pick(rng, leaving & pool.ever_poor, sim, back_p)
        moves["poor_new"], _ = _pick(rng, leaving & ~pool.ever_poor, sim, new_p)
        back_p = back_p - _per_commune(moves["poor_back"], sim, m)
        new_p = new_p - _per_commune(moves["poor_new"], sim, m)
        back_n = back_n - _per_commune(moves["near_back"], sim, m)
        new_n = new_n - _per_commune(moves["near_new"], sim, m)
        # The rest come from outside both lists: the returned were listed before; a quarter of
        # the new ones were reviewed before and found not poor, the others are new to the lists;
        # and some households asked to be reviewed and were found not poor.
        outside = before == _OUT

        def take(name: str, eligible: Bools, wanted: Ints) -> Ints:
            moves[name], short = _pick(rng, outside & free & eligible, sim, wanted)
            free[moves[name]] = False
            return short

        made_up_p = take("listed_poor_back", pool.ever_poor, back_p)
        take("listed_poor_new", ~pool.ever_poor, new_p // 4)
        made_up_n = take("listed_near_back", pool.ever_near, back_n)
        take("listed_near_new", ~pool.ever_near, new_n // 4)
        asked = np.rint(q4["households"] * rng.uniform(0.012, 0.028, m)).astype(np.int64)
        take("asked", outside, asked * 3 // 10)
        fresh_counts = [
            made_up_p + new_p - _per_commune(moves["listed_poor_new"], sim, m),
            made_up_n + new_n - _per_commune(moves["listed_near_new"], sim, m),
            asked - _per_commune(moves["asked"], sim, m),
        ]
        after = before.copy()
        after[exit_poor] = after[exit_near] = _OUT
        for name in ("near_back", "near_new", "listed_near_back", "listed_near_new"):
            after[moves[name]] = _NEAR
        for name in ("poor_back", "poor_new", "listed_poor_back", "listed_poor_new"):
            after[moves[name]] = _POOR
        in_review = (after != _OUT) | ~free
        # New to the lists: households never listed, coded by their commune of this year.
        fresh_sim, block = _blocks(fresh_counts)
        status = np.array([_POOR, _NEAR, _OUT], dtype=np.int8)[block]
        fresh = self.new(rng, fresh_sim, structure.prefix[fresh_sim], status)
        start = pool.size
        pool.status = after
        pool.extend(fresh)
        pool.ever_poor |= pool.status == _POOR
        pool.ever_near |= pool.status == _NEAR
        index = np.concatenate([np.flatnonzero(in_review), np.arange(start, pool.size)])
        index = index[structure.placed[pool.sim[index]]]
        before = np.concatenate([before, np.full(fresh.size, _OUT, dtype=np.int8)])
        return _Year(
            index=index,
            before=before[index],
            after=pool.status[index],
            made_up=int(made_up_p.sum() + made_up_n.sum()),
        )

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
                [status == _POOR, status == _NEAR],
                [poor_min + _draw(rng, _EXTRA_POOR, n), _draw(rng, _NEAR_COUNT[:poor_min], n)],
                _draw(rng, _NOT_POOR_COUNT, n),
            )
            flags = _top_k(rng, self.taste(households, standard), _weights(indicators), count)
        urban = structure.urban[households.sim]
        below = status != _OUT
        no_labour = households.traits[:, 1] < _NO_LABOUR[status]
        causes = [c.key for c in fmt.causes]
        found = _causes(rng, causes, below, no_labour)
        return {
            "_sim": households.sim,
            "_village": households.village,
            "_prefix": households.prefix,
            "_seq": households.seq,
            "_status": status,
            "members": households.members,
            "income_score": _income_score(rng, standard, urban, status, households.traits[:, 2]),
            "income_below_line": below.astype(np.int64),
            **{key: flags[:, j].astype(np.int64) for j, key in enumerate(indicators)},
            "deprivation_points": flags.sum(axis=1) * int(standard.points_per_indicator or 0),
            "ethnic_minority": households.ethnic.astype(np.int64),
            "merit_person": households.merit.astype(np.int64),
            "social_assistance": (households.traits[:, 0] < _ASSISTANCE[status]).astype(np.int64),
            "no_labour": no_labour.astype(np.int64),
            **{key: found[:, j].astype(np.int64) for j, key in enumerate(causes)},
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
                        _OUT: results["not_poor"],
                        _POOR: results["poor"],
                        _NEAR: results["near_poor"],
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
        listed = np.bincount(periodic["_sim"].to_numpy()[before != _OUT], minlength=m)
        outside = (self.pool.status == _OUT) & structure.placed[self.pool.sim]
        outside[index] = False
        extra, _ = _pick(rng, outside, self.pool.sim, np.rint(listed * 0.3).astype(np.int64))
        fresh_sim, _ = _blocks([np.rint(listed * 0.25).astype(np.int64)])
        households = self.pool.take(np.concatenate([index, extra]))
        households.extend(self.new(rng, fresh_sim, structure.prefix[fresh_sim], _OUT))
        n, again = households.size, index.size
        # Below the higher line: every household poor or near-poor before, a third of those
        # reviewed and found not poor, and every household it brings in.
        below = np.ones(n, dtype=bool)
        below[:again] = (before != _OUT) | (rng.random(again) < 0.35)
        indicators = standard.indicator_ids
        taste = self.taste(households, standard)
        weights = _weights(indicators)
        count = _draw(rng, (0.2, 0.28, 0.22, 0.16, 0.09, 0.05), n)
        flags = _top_k(rng, taste, weights, count)
        # The periodic review's findings stand; the indicators it did not have are drawn.
        kept = np.array([i in periodic.columns for i in indicators])
        flags[:again, kept] = periodic.select(np.array(indicators)[kept]).to_numpy().astype(bool)
        share = np.where(below[:again], 0.3, 0.1)[:, None] * weights[~kept] / weights[~kept].mean()
        flags[:again, ~kept] = rng.random(share.shape) < np.minimum(share, 0.8)
        # A household poor under the old standard stays poor under the new one.
        poor_min = int(standard.poor_min_deprivations or 1)
        deficit = np.zeros(n, dtype=np.int64)
        short = np.maximum(poor_min - flags[:again].sum(axis=1), 0)
        deficit[:again] = np.where(before == _POOR, short, 0)
        flags |= _top_k(rng, taste, weights, deficit, taken=flags)
        deprived = flags.sum(axis=1) >= poor_min
        status = np.select([~below, deprived], [_OUT, _POOR], _NEAR).astype(np.int8)
        columns = self.table(rng, standard, structure, households, status, flags)
        # Causes found in the periodic review stand.
        causes = [c.key for c in self.ref.households.causes]
        found = periodic.select(causes).to_numpy().astype(np.int64)
        stand = (status[:again] != _OUT) & found.any(axis=1)
        for j, key in enumerate(causes):
            columns[key][:again] = np.where(stand, found[:, j], columns[key][:again])
        columns |= {
            "_pool": np.concatenate([index, extra, np.full(n - index.size - extra.size, -1)]),
            "_before": np.concatenate([before, np.full(n - again, _OUT, dtype=np.int8)]),
        }
        return self.frame(columns, structure)


def _pick(rng: np.random.Generator, eligible: Bools, sim: Ints, wanted: Ints) -> tuple[Ints, Ints]:
    """Up to ``wanted[c]`` eligible households of each commune c, at random: their indices and
    each commune's shortfall."""
    index = np.flatnonzero(eligible)
    # By commune, at random within it (one sort: the commune plus a fraction).
    index = index[np.argsort(sim[index] + rng.random(index.size), kind="stable")]
    commune = sim[index]
    rank = np.arange(index.size) - np.searchsorted(commune, commune, side="left")
    chosen = index[rank < wanted[commune]]
    return chosen, wanted - np.bincount(sim[chosen], minlength=wanted.size)


def _per_commune(index: Ints, sim: Ints, communes: int) -> Ints:
    return np.bincount(sim[index], minlength=communes).astype(np.int64)


def _allocate(prefix: Ints, counters: dict[int, int]) -> Ints:
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


def _blocks(counts: Sequence[Ints]) -> tuple[Ints, Ints]:
    """Commune index and block number of ``sum(counts)`` households, block by block."""
    communes = np.arange(counts[0].size, dtype=np.int64)
    sim = np.concatenate([np.repeat(communes, c) for c in counts])
    block = np.concatenate([np.full(int(c.sum()), i) for i, c in enumerate(counts)])
    return sim, block


def _absorb(back: Ints, new: Ints, short: Ints) -> tuple[Ints, Ints]:
    from_new = np.minimum(short, new)
    return np.maximum(back - (short - from_new), 0), new - from_new


def _draw(rng: np.random.Generator, shares: Sequence[float], n: int) -> Ints:
    """``n`` draws of 0..len(shares)-1 with these shares (renormalised)."""
    p = np.asarray(shares, dtype=np.float64)
    return rng.choice(p.size, n, p=p / p.sum()).astype(np.int64)


def _weights(indicators: Sequence[str]) -> Floats:
    return np.array([_WEIGHTS.get(i, _OTHER_WEIGHT) for i in indicators])


def _top_k(
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


def _causes(
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


def _income_score(
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
    score = np.select([status == _POOR, status == _NEAR], [poor, near], above)
    return pl.Series(np.maximum(score, 0), dtype=pl.Int64)


def _plant(
    frame: pl.DataFrame, ref: Reference, standard: PovertyStandard, year: int
) -> pl.DataFrame:
    """The periodic review of ``year`` with ``PLANTED_MISMATCHES`` in it: households reviewed on
    request (not poor, no flow) become poor or near-poor, or listed ones become not poor."""
    fmt = ref.households
    results = {r.code: r.label for r in fmt.results}
    label = {_POOR: results["poor"], _NEAR: results["near_poor"], _OUT: results["not_poor"]}
    status_of = {"poor": _POOR, "near_poor": _NEAR}
    indicators = standard.indicator_ids
    poor_min = int(standard.poor_min_deprivations or 1)
    cutoffs = standard.score_cutoffs
    urban = next(a.label for a in fmt.areas if a.code == "urban")
    cutoff = (
        pl.when(pl.col("area") == urban).then(cutoffs.get("urban")).otherwise(cutoffs.get("rural"))
    )
    # Deprived in the most common indicators (poor) or in none (near-poor).
    worst = sorted(indicators, key=lambda i: -_WEIGHTS.get(i, _OTHER_WEIGHT))[:poor_min]
    for planted in (p for p in PLANTED_MISMATCHES if p.year == year):
        here = pl.col("commune_code") == planted.commune_code
        if planted.offset > 0:
            source = here & (pl.col("_status") == _OUT) & (pl.col("_before") == _OUT)
            target = status_of[planted.count]
        else:
            source = here & (pl.col("_status") == status_of[planted.count])
            target = _OUT
        chosen = source & (source.cast(pl.Int64).cum_sum() <= abs(planted.offset))
        below = int(target != _OUT)
        changed: dict[str, Any] = {
            "_status": pl.lit(target),
            "result": pl.lit(label[target]),
            "income_below_line": pl.lit(below),
            **{c.key: pl.lit(int(below and c.key == "cause_capital")) for c in fmt.causes},
        }
        if standard.scores_income:
            changed["income_score"] = cutoff - 15 if below else cutoff + 12
        if target != _OUT:
            changed |= {i: pl.lit(int(target == _POOR and i in worst)) for i in indicators}
        frame = frame.with_columns(
            pl.when(chosen).then(value).otherwise(pl.col(key)).cast(frame.schema[key]).alias(key)
            for key, value in changed.items()
        )
    points = int(standard.points_per_indicator or 0)
    return frame.with_columns(
        deprivation_points=pl.sum_horizontal(indicators).cast(pl.Int64) * points
    )


def _simulate(ref: Reference, years: Sequence[int], seed: int) -> dict[Review, _Simulated]:
    """The reviews of ``years``: the periodic one, and a baseline one where the year after
    brings a new standard. The simulation runs from its start to the last year asked."""
    if not years:
        return {}
    simulation = _Simulation(ref, max(years), seed)
    reviews: dict[Review, _Simulated] = {}
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
                reviews[Review(year, BASELINE)] = _Simulated(following, rows)
        if year in years:
            reviews[Review(year, PERIODIC)] = _Simulated(
                standard,
                _plant(periodic, ref, standard, year),
                simulation.form(year, structure),
                simulated.made_up,
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
            "unit_code", "unit_name", *[c.key for c in _columns(ref, simulated.standard)]
        )
        for review, simulated in _simulate(ref, review_years(first, last), seed).items()
    }


def planted_mismatches(ref: Reference, seed: int = DEMO_SEED) -> list[Mismatch]:
    """``PLANTED_MISMATCHES`` with both figures: the review's count and the Q4 form's."""
    years = sorted({p.year for p in PLANTED_MISMATCHES})
    return _mismatches(ref, _simulate(ref, years, seed))


def _mismatches(ref: Reference, reviews: dict[Review, _Simulated]) -> list[Mismatch]:
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


def _columns(ref: Reference, standard: PovertyStandard) -> list[Column]:
    return ref.households.table_columns(standard.indicators)


# ---------------------------------------------------------------------------- files

# XLSX is slow to write (7-15 µs a cell): a review's workbooks are small units' files, up to
# this many cells in all (a few communes' files; a district's file is larger, so district
# reviews come as CSV); the other files are CSV.
_XLSX_CELLS = 20_000
_XLSX_MAX_ROWS = 300  # a small unit's file
_POINTS_SHARE = 0.8  # files with the optional Điểm B2 column
_INCOME_FLAG_SHARE = 0.3  # files with the optional income flag where the score decides
_JOB_TITLES = {
    "district": "Chuyên viên Phòng Lao động - Thương binh và Xã hội",
    "commune": "Công chức Văn hóa - Xã hội",
}


def write_review(
    target: Path,
    ref: Reference,
    review: Review,
    standard: PovertyStandard,
    unit_code: str,
    unit_name: str,
    rows: pl.DataFrame,
    columns: Sequence[Column],
    prepared_on: date,
) -> Path:
    """One unit's review file, CSV or XLSX by ``target``'s suffix, with ``columns`` of ``rows``
    (keys in the CSV header, labels in the workbook's; a column may be one the form lacks)."""
    fmt = ref.households
    kind = fmt.kind(review.kind)
    kind_label = kind.label if kind is not None else review.kind
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix == ".csv":
        rows = rows.with_columns(unit_code=pl.lit(unit_code))
        target.write_bytes(_BOM + _csv_text(fmt, review, standard, rows, columns))
        return target
    metadata: dict[str, object] = {
        "form": fmt.form,
        "unit_code": unit_code,
        "unit_name": unit_name,
        "review_year": str(review.year),
        "review_kind": kind_label,
        "standard": standard.id,
        "prepared_on": prepared_on,
        "prepared_by": _JOB_TITLES["district" if len(unit_code) == 3 else "commune"],
        "template_version": fmt.template_version,
    }
    title = (
        f"DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO – RÀ SOÁT {kind_label.upper()} NĂM {review.year} – "
        f"{unit_name}"
    )
    with atomic_path(target) as temporary:
        workbook = xlsxwriter.Workbook(
            str(temporary),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        workbook.set_properties({"created": _FIXED_CREATED, "author": "ntm"})
        bold = workbook.add_format({"bold": True})
        day = workbook.add_format({"num_format": "dd/mm/yyyy"})
        sheet = workbook.add_worksheet(fmt.metadata_sheet)
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, 1, 48)
        for row, column in enumerate(fmt.metadata):
            sheet.write_string(row, 0, column.label, bold)
            value = metadata[column.key]
            if isinstance(value, date):
                sheet.write_datetime(row, 1, datetime(value.year, value.month, value.day), day)
            else:
                sheet.write_string(row, 1, str(value))
        sheet = workbook.add_worksheet(fmt.households_sheet)
        sheet.write_string(0, 0, title, bold)
        for position, column in enumerate(columns):
            sheet.write_string(1, position, column.label, bold)
        _write_cells(sheet, rows.select(c.key for c in columns), first_row=2)
        workbook.close()
    return target


_BOM = "\ufeff".encode()


def _csv_text(
    fmt: HouseholdFormat,
    review: Review,
    standard: PovertyStandard,
    rows: pl.DataFrame,
    columns: Sequence[Column],
) -> bytes:
    """CSV lines (header = keys) of ``rows``, the metadata columns first (the unit's code from
    each row's unit_code: one text can be cut into several units' files)."""
    kind = fmt.kind(review.kind)
    meta = {
        "unit_code": pl.col("unit_code"),
        "review_year": pl.lit(str(review.year)),
        "review_kind": pl.lit(kind.label if kind is not None else review.kind),
        "standard": pl.lit(standard.id),
    }
    text = rows.select(
        *[meta[k].alias(k) for k in fmt.csv_metadata_columns], *[c.key for c in columns]
    ).write_csv()
    return text.encode()


def _write_cells(sheet: Any, rows: pl.DataFrame, first_row: int) -> None:
    """Numbers as numbers, text as text, nulls left blank; row by row (constant memory)."""
    writers: list[Callable[..., Any]] = [
        sheet.write_number if dtype.is_numeric() else sheet.write_string for dtype in rows.dtypes
    ]
    for row, values in enumerate(rows.iter_rows(), start=first_row):
        for position, value in enumerate(values):
            if value is not None:
                writers[position](row, position, value)


def _write_files(
    folder: Path, ref: Reference, review: Review, simulated: _Simulated, seed: int
) -> list[Path]:
    """One file per reporting unit; which are workbooks, which optional columns each file has
    and when it arrives follow from the seed (one stream per review)."""
    fmt = ref.households
    standard = simulated.standard
    rng = np.random.default_rng(
        [seed, 4, review.year, [k.code for k in fmt.kinds].index(review.kind)]
    )
    units = simulated.rows.partition_by("unit_code", maintain_order=True)
    n = len(units)
    draws, days, minutes = rng.random((n, 2)), rng.integers(0, 29, n), rng.integers(0, 600, n)
    # Between the end of the review (14 December) and about the Q4 form's deadline.
    arrived = [
        _arrival(date(review.year, 12, 15) + timedelta(days=int(d)), ref.settings.timezone)
        + timedelta(minutes=int(m))
        for d, m in zip(days, minutes, strict=True)
    ]
    # A planted mismatch's file comes on the first day, or after the Q4 form's deadline.
    planted = {
        p.commune_code: p.after_q4
        for p in PLANTED_MISMATCHES
        if p.year == review.year and review.kind == PERIODIC
    }
    for i, rows in enumerate(units):
        for after in {planted[c] for c in rows["commune_code"].unique() if c in planted}:
            day = date(review.year + 1, 1, 12) if after else date(review.year, 12, 15)
            arrived[i] = _arrival(day, ref.settings.timezone)
    columns = _columns(ref, standard)
    # Workbooks: small units (or the smallest), in a random order, while the budget lasts.
    heights = np.array([u.height for u in units])
    small = heights <= max(_XLSX_MAX_ROWS, int(heights.min()) if n else 0)
    as_xlsx = np.zeros(n, dtype=bool)
    left = _XLSX_CELLS
    for i in rng.permutation(n):
        cells = int(heights[i]) * len(columns)
        as_xlsx[i] = bool(small[i]) and cells <= left
        left -= cells if as_xlsx[i] else 0
    written: list[Path] = []
    layouts: dict[tuple[bool, bool], list[int]] = {}  # the CSV files by their optional columns
    for i, rows in enumerate(units):
        unit_code = str(rows["unit_code"][0])
        target = folder / review.file_name(unit_code, ".xlsx" if as_xlsx[i] else ".csv")
        written.append(target)
        optional = (bool(draws[i, 0] < _POINTS_SHARE), bool(draws[i, 1] < _INCOME_FLAG_SHARE))
        if not as_xlsx[i]:
            layouts.setdefault(optional, []).append(i)
            continue
        chosen = _optional(standard, columns, optional)
        prepared_on = arrived[i].date() - timedelta(days=1)
        unit_name = str(rows["unit_name"][0])
        write_review(target, ref, review, standard, unit_code, unit_name, rows, chosen, prepared_on)
    # A CSV is plain text: each layout's files are cut from one text, unit by unit.
    folder.mkdir(parents=True, exist_ok=True)
    for optional, members in layouts.items():
        together = pl.concat([units[i] for i in members])
        text = _csv_text(fmt, review, standard, together, _optional(standard, columns, optional))
        header, *lines = text.split(b"\n")[:-1]
        start = 0
        for i in members:
            body = lines[start : start + units[i].height]
            start += units[i].height
            written[i].write_bytes(_BOM + b"\n".join([header, *body, b""]))
    return [_stamp(path, arrived[i]) for i, path in enumerate(written)]


def _optional(
    standard: PovertyStandard, columns: list[Column], optional: tuple[bool, bool]
) -> list[Column]:
    """The columns of a file: with Điểm B2 or not, with the income flag or not (always where
    no score cut-off decides)."""
    points, income_flag = optional
    keep = {
        "deprivation_points": points,
        "income_below_line": income_flag or not standard.scores_income,
    }
    return [c for c in columns if keep.get(c.key, True)]


def generate_households(
    inbox: Path, ref: Reference, first: Period, last: Period, seed: int = DEMO_SEED
) -> list[Path]:
    """The household review files of the demo for first..last, under ``inbox/households/``:
    ``<year>-<kind>/HN_<unit>_<year>_<kind>.csv`` (or ``.xlsx``), and README.txt (what is
    there, and the planted mismatches). Returns the review files, review by review."""
    reviews = _simulate(ref, review_years(first, last), seed)
    if not reviews:
        return []
    folder = inbox / FOLDER
    written: list[Path] = []
    for review, simulated in reviews.items():
        written += _write_files(folder / review.folder, ref, review, simulated, seed)
    readme = _readme(ref, reviews, written, _mismatches(ref, reviews))
    (folder / "README.txt").write_text(readme, encoding="utf-8")
    return written


def _readme(
    ref: Reference,
    reviews: dict[Review, _Simulated],
    written: Sequence[Path],
    mismatches: Sequence[Mismatch],
) -> str:
    """README.txt of the household files: the reviews, and the planted mismatches."""
    fmt = ref.households
    results = {r.code: r.label for r in fmt.results}
    intro = [
        "Household reviews (form HN) of the demo (ntm demo), beside its quarterly files.",
        "One file per reporting unit and review: <year>-dinh-ky/ holds the periodic review, "
        "<year>-dau-ky/ the baseline review under the next poverty standard. A household code "
        "is the code of the commune where the household was first listed, a dash and a "
        "sequence number; it stays with the household in later years.",
        "",
    ]
    lines = [w for line in intro for w in (textwrap.wrap(line, 96, break_on_hyphens=False) or [""])]
    for review, simulated in reviews.items():
        files = [p for p in written if p.parent.name == review.folder]
        xlsx = sum(p.suffix == ".xlsx" for p in files)
        result = simulated.rows["result"]
        lines.append(
            f"{review.folder:<13} {len(files):>3} files ({len(files) - xlsx} CSV, {xlsx} XLSX), "
            f"{simulated.rows.height:,} households: {(result == results['poor']).sum():,} "
            f"poor, {(result == results['near_poor']).sum():,} near-poor "
            f"(standard {simulated.standard.id})"
        )
    lines += [
        "",
        *textwrap.wrap(
            "Every commune's count of poor and near-poor households in a periodic review is its "
            "Q4 form's poor_end and near_poor_end, except these planted mismatches:",
            96,
        ),
    ]
    lines += [f"  {m.line(fmt)}" for m in mismatches] or ["  (none in these years)"]
    return "\n".join(lines) + "\n"
