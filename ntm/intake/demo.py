"""Demo submissions: a clean, realistic inbox for 2021-2024 and a folder of typical mistakes.

Beside the quarterly files, ``generate_demo`` writes the household reviews (form HN) of the
years whose Q4 it covers, simulated from these figures (``ntm.intake.demo_households``).

The figures are simulated per commune with magnitudes like Hà Tĩnh's (domain.md §3): about
385,000 households, a poor rate falling from about 4.5% to 2.4% under the 2022-2025 standard,
flows that add up exactly from one year-end review to the next. 2021 is counted under the old
2016-2020 standard (lower rates), and 2022 starts from the end-2021 re-assessment under the new
one: the poverty series breaks there, as the published one does. Everything follows from the
seed, so two runs give the same bytes and the same arrival times (file modification times).
"""

from __future__ import annotations

import io
import os
import re
import textwrap
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from numpy.typing import NDArray

from ntm.intake.workbook import Layout, write_submission
from ntm.reference import Reference, SubmissionFormat
from transforms.layout import Column
from transforms.periods import Period, periods_between
from transforms.registry import communes_of, reporting_units, successors, valid_on

if TYPE_CHECKING:
    from ntm.intake.demo_households import Review
    from ntm.reference.households import PovertyStandard

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
_BASE_YEAR = 2021
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
_MOUNTAIN = ("439", "441", "444")  # Hương Sơn, Vũ Quang, Hương Khê: the poorest districts
_CLERKS = {
    "436": "Nguyễn Thị Hương", "437": "Trần Văn Minh", "439": "Lê Thị Hoa",
    "440": "Phan Đình Tùng", "441": "Hoàng Thị Lan", "442": "Võ Văn Hải",
    "443": "Đặng Thị Thu", "444": "Bùi Quang Huy", "445": "Nguyễn Thị Mai",
    "446": "Dương Văn Nam", "447": "Trương Thị Hằng", "448": "Hồ Sỹ Đức", "449": "Phạm Thị Nga",
}  # fmt: skip


def _province_rate(table: dict[int, float], year: int) -> float:
    first, last = min(table), max(table)
    if year > last:
        return table[last] * 0.8 ** (year - last)
    return table[max(year, first)] * 1.15 ** max(first - year, 0)


def _clerk(unit_code: str) -> str:
    names = sorted(_CLERKS.values())
    return unicodedata.normalize("NFC", _CLERKS.get(unit_code, names[int(unit_code) % len(names)]))


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
    mountain = communes["parent_code"].is_in(list(_MOUNTAIN)).to_numpy()
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

    From 2022 the simulation always starts from the same year-end (``_BASE_YEAR``), with one
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
    n, base = communes.height, _BASE_YEAR
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
    """Poor and near-poor counts at the end of ``year`` (up to ``_BASE_YEAR``) under the old
    standard: the communes' relative poverty with noise of the year's own stream, so a year-end
    is the same whichever year asks for it (as its end, or as the next one's start)."""
    level = np.random.default_rng([seed, 1, year, 0])
    n = traits.size.shape[0]
    households = traits.households(4 * (year - _BASE_YEAR))
    rel_poor = traits.rel_poor * level.lognormal(0.0, 0.08, n)
    rel_near = traits.rel_near * level.lognormal(0.0, 0.08, n)
    return (
        _year_end(households, rel_poor, _province_rate(_OLD_POOR_RATE, year)),
        _year_end(households, rel_near, _province_rate(_OLD_NEAR_POOR_RATE, year)),
    )


def _old_standard_year(traits: _Traits, year: int, seed: int) -> list[dict[str, Ints]]:
    """The four quarters of a year up to ``_BASE_YEAR``, counted under the old standard from its
    previous year-end to its own; households and labour run on the same curves as later years
    (``t`` is negative before the base year-end)."""
    (poor, near), (poor_end, near_end) = (
        _old_standard_end(traits, year - 1, seed),
        _old_standard_end(traits, year, seed),
    )
    flows = np.random.default_rng([seed, 1, year, 1])
    return _year_of_quarters(traits, flows, year - _BASE_YEAR, (poor, poor_end), (near, near_end))


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


def _unit_rows(ref: Reference, figures: pl.DataFrame, unit: str, period: Period) -> pl.DataFrame:
    """The unit's rows as a file holds them: commune code and name, then the figures."""
    communes = communes_of(ref.registry, unit, period.last_day, ref.settings.communes_report_from)
    # A unit with no predecessor in the simulated structure (18448 Xã Bình Lộc, which exists
    # only in 2025-H1) has no figures: its district leaves it out, as a district would.
    return communes.select("commune_code", "commune_name").join(
        figures.filter(pl.col("period") == str(period)).drop("period"),
        on="commune_code",
        how="inner",
        maintain_order="left",
    )


def _arrival(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(9), tzinfo=ZoneInfo(timezone))


def _stamp(path: Path, when: datetime) -> Path:
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def _csv_frame(fmt: SubmissionFormat, unit: str, period: str, rows: pl.DataFrame) -> pl.DataFrame:
    meta = {"unit_code": unit, "period": period}
    return rows.select(
        *[pl.lit(meta[k]).alias(k) for k in fmt.csv_metadata_columns],
        *[c.key for c in fmt.columns],
    )


def _arrivals(rng: np.random.Generator, files: int) -> tuple[NDArray[np.bool_], Ints]:
    """Per file: whether it comes as CSV, and its delay in days after the quarter's end."""
    as_csv = rng.random(files) < 1 / 6
    late = rng.random(files) < 0.1
    return as_csv, np.where(late, rng.integers(14, 31, files), rng.integers(3, 10, files))


def generate_demo(
    inbox: Path,
    ref: Reference,
    first: Period = DEMO_FIRST,
    last: Period = DEMO_LAST,
    seed: int = DEMO_SEED,
    households: bool = True,
) -> list[Path]:
    """One clean submission per reporting unit and quarter, under ``inbox/<period>/``; then,
    with ``households``, the household review files (form HN) of every year whose Q4 is in
    first..last, under ``inbox/households/`` (``demo_households.generate_households``: their
    paths follow the quarterly ones in the list)."""
    figures = demo_figures(ref, first, last, seed)
    direct = ref.settings.communes_report_from
    plan = [
        (period, unit, name)
        for period in periods_between(first, last)
        for unit, name in reporting_units(ref.registry, period.last_day, direct)
        .select("unit_code", "unit_name")
        .iter_rows()
    ]
    # The files of the old-standard years (first in the plan) draw from a stream of their own,
    # so that the files from 2022 on are the same whether the range starts before 2022 or not.
    old = sum(period.year <= _BASE_YEAR for period, _, _ in plan)
    draws = (
        _arrivals(np.random.default_rng([seed, 2, _BASE_YEAR]), old),
        _arrivals(np.random.default_rng([seed, 2]), len(plan) - old),
    )
    as_csv, delay = (np.concatenate(parts) for parts in zip(*draws, strict=True))
    written: list[Path] = []
    for i, (period, unit, name) in enumerate(plan):
        rows = _unit_rows(ref, figures, unit, period)
        arrived = _arrival(period.last_day + timedelta(days=int(delay[i])), ref.settings.timezone)
        target = inbox / str(period) / f"{unit}_{period}.{'csv' if as_csv[i] else 'xlsx'}"
        if as_csv[i]:
            target.parent.mkdir(parents=True, exist_ok=True)
            _csv_frame(ref.format, unit, str(period), rows).write_csv(target, include_bom=True)
        else:
            write_submission(
                target,
                ref.format,
                unit,
                name,
                str(period),
                rows.select("commune_code", "commune_name"),
                rows,
                prepared_on=arrived.date() - timedelta(days=1),
                prepared_by=_clerk(unit),
            )
        written.append(_stamp(target, arrived))
    if households:
        # demo_households builds on this module's figures: imported here, not at the top.
        from ntm.intake.demo_households import generate_households  # noqa: PLC0415

        written += generate_households(inbox, ref, first, last, seed)
    return written


def _grouped(column: str, separator: str) -> pl.Expr:
    """A count as a clerk types it with a thousands separator (counts here stay below 10^6)."""
    value = pl.col(column)
    grouped = value.floordiv(1000).cast(pl.String) + separator
    grouped = grouped + (value % 1000).cast(pl.String).str.zfill(3)
    return pl.when(value >= 1000).then(grouped).otherwise(value.cast(pl.String)).alias(column)


def _with_cells(rows: pl.DataFrame, cells: dict[tuple[int, str], object]) -> pl.DataFrame:
    """Put values of any type into given (row, column) cells; touched columns become Object."""
    columns = {c for _, c in cells}
    replaced = []
    for column in sorted(columns):
        values: list[object] = rows[column].to_list()
        for (row, name), value in cells.items():
            if name == column:
                values[row] = value
        replaced.append(pl.Series(column, values, dtype=pl.Object))
    return rows.with_columns(replaced)


def _as_number(path: Path, text: str) -> None:
    """Turn the text cell ``text`` into a numeric cell: the writer writes a float as text."""
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    shared = next(data for info, data in parts if info.filename == "xl/sharedStrings.xml")
    index = re.findall(rb"<si><t[^>]*>(.*?)</t></si>", shared).index(text.encode())
    cell = re.compile(rb'(<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?) t="s"><v>%d</v>' % index)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            sheet = info.filename.startswith("xl/worksheets/")
            archive.writestr(
                info, cell.sub(rb"\1><v>" + text.encode() + rb"</v>", data) if sheet else data
            )
    path.write_bytes(buffer.getvalue())


def _cp1258(text: str) -> bytes:
    """Windows-1258 as old Vietnamese Windows wrote it: base letter, then a combining tone."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            marks = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(m for m in marks if m not in tones))
            out += (base + "".join(m for m in marks if m in tones)).encode("cp1258")
    return bytes(out)


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# ---------------------------------------------------------------------------- the messy set


@dataclass(frozen=True)
class MessyKit:
    """What the builders of the messy set share: the period's demo figures, the folder, a seed."""

    folder: Path
    ref: Reference
    period: Period
    figures: pl.DataFrame
    unit_names: dict[str, str]
    prepared_on: date
    rng: np.random.Generator  # drives the choices of the mistakes, in the order of the table

    def rows(self, unit: str) -> pl.DataFrame:
        """The unit's clean rows, as the demo has them."""
        return _unit_rows(self.ref, self.figures, unit, self.period)

    def save(self, name: str, unit: str, rows: pl.DataFrame, layout: Layout | None = None) -> Path:
        """A workbook of ``unit`` with ``rows`` (the first of a duplicated commune's figures)."""
        return write_submission(
            self.folder / name,
            self.ref.format,
            unit,
            self.unit_names.get(unit, unit),
            str(self.period),
            rows.select("commune_code", "commune_name"),
            rows.unique("commune_code", keep="first", maintain_order=True),
            prepared_on=self.prepared_on,
            prepared_by=_clerk(unit),
            layout=layout,
        )

    def raw(self, name: str, data: bytes) -> Path:
        """A file of exactly these bytes."""
        path = self.folder / name
        path.write_bytes(data)
        return path

    def csv(self, unit: str) -> pl.DataFrame:
        """The unit's clean rows as a CSV submission holds them."""
        return _csv_frame(self.ref.format, unit, str(self.period), self.rows(unit))

    @cached_property
    def _review(self) -> tuple[Review, PovertyStandard, pl.DataFrame]:
        from ntm.intake.demo_households import PERIODIC, Review, household_reviews  # noqa: PLC0415

        # The periodic review of the last year the period ends or follows.
        year = self.period.year if self.period.quarter == 4 else self.period.year - 1
        review = Review(year, PERIODIC)
        standard = self.ref.review_standard(year, PERIODIC)
        if standard is None:
            raise ValueError(f"no poverty standard measures {year}")
        rows = household_reviews(self.ref, Period(year, 4), Period(year, 4))[review]
        return review, standard, rows

    def households(self, unit: str) -> pl.DataFrame:
        """The unit's clean household rows in the periodic review of the period's year (Q4) or
        of the year before, as the demo has them."""
        return self._review[2].filter(pl.col("unit_code") == unit)

    @property
    def household_standard(self) -> PovertyStandard:
        """The poverty standard of that review."""
        return self._review[1]

    def household_columns(self) -> list[Column]:
        """The household table's columns of that review, every optional one included."""
        return self.ref.households.table_columns(self.household_standard.indicators)

    def save_review(self, name: str, unit: str, rows: pl.DataFrame, columns: list[Column]) -> Path:
        """A household review file of ``unit`` (CSV or XLSX by ``name``) with these columns."""
        from ntm.intake.demo_households import write_review  # noqa: PLC0415

        review, standard, _ = self._review
        unit_name = self.unit_names.get(unit, str(rows["unit_name"][0]))
        return write_review(self.folder / name, self.ref, review, standard, unit, unit_name,
                            rows, columns, self.prepared_on)  # fmt: skip


Builder = Callable[[MessyKit, str], Path]


@dataclass(frozen=True)
class MessyCase:
    """One file of the messy set: its name, its mistake, how it is built and what ingest says.

    ``expected`` is the verdict ``ntm ingest`` prints for the file (its third column) when the
    set is ingested after the clean demo, for the demo's last period; ``{period}`` stands for
    the period, and a final "…" makes it a prefix (the rest quotes the file's figures).
    ``quarantined`` is the number of its rows stored as quarantined. A file that is not an
    .xlsx or .csv (``in_folder=False``) is not picked when its folder is ingested: ``expected``
    is then what ingest prints when the file is named.
    """

    name: str
    mistake: str
    build: Builder
    expected: str
    quarantined: int = 0
    in_folder: bool = True

    def verdict(self, period: Period) -> str:
        return self.expected.format(period=period)

    def matches(self, verdict: str, period: Period) -> bool:
        """Whether ``verdict``, as ``ntm ingest`` printed it, is the one expected."""
        expected = self.verdict(period)
        if expected.endswith("…"):
            return verdict.startswith(expected[:-1])
        return verdict == expected

    def outcome(self, period: Period) -> str:
        """The expected outcome as README.txt states it."""
        said = self.verdict(period)
        if self.quarantined:
            said += f"; {self.quarantined} row{'s' if self.quarantined > 1 else ''} quarantined"
        if not self.in_folder:
            said = f"not picked when its folder is ingested; when named: {said}"
        return said


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # an OLE header, as .xls has


def _text_numbers(kit: MessyKit, name: str) -> Path:
    typed = [
        _grouped("households", "."),
        _grouped("workers", " "),
        _grouped("workers_trained", "."),
    ]
    return kit.save(name, "436", kit.rows("436").with_columns(typed))


def _nfd_layout(kit: MessyKit, name: str) -> Path:
    fmt = kit.ref.format
    order = list(fmt.figure_keys)
    kit.rng.shuffle(order)
    layout = Layout(
        title_rows=4,
        column_order=["commune_name", "commune_code", *order],
        labels={key: _nfd(label) for key, label in fmt.labels.items()},
        sheet_names={
            s: _nfd(s) for s in (fmt.instructions_sheet, fmt.metadata_sheet, fmt.figures_sheet)
        },
        extra_columns={"Ghi chú": ["Số liệu sơ bộ", "", "Đã rà soát lại"]},
        extra_sheet="Sheet1",
    )
    return kit.save(name, "437", kit.rows("437"), layout)


def _total_mismatch(kit: MessyKit, name: str) -> Path:
    rows = kit.rows("444")
    off_by_ten: dict[str, object] = {"poor_end": int(rows["poor_end"].sum()) + 10}
    return kit.save(name, "444", rows, Layout(total_row=True, total_override=off_by_ten))


def _foreign_commune(kit: MessyKit, name: str) -> Path:
    return kit.save(name, "439", pl.concat([kit.rows("439"), kit.rows("440").head(1)]))


def _missing_sheet(kit: MessyKit, name: str) -> Path:
    return kit.save(
        name, "445", kit.rows("445"), Layout(omit_sheets=[kit.ref.format.figures_sheet])
    )


def _bad_cells(kit: MessyKit, name: str) -> Path:
    bad = {(0, "poor_exited"): "12,5", (1, "near_poor_new"): "-", (2, "coop_members"): "n/a",
           (3, "workers_certified"): 12.5, (4, "child_abuse_cases"): None}  # fmt: skip
    path = kit.save(name, "440", _with_cells(kit.rows("440"), bad))
    _as_number(path, "12.5")
    return path


def _duplicate_commune(kit: MessyKit, name: str) -> Path:
    rows = kit.rows("441")
    return kit.save(name, "441", pl.concat([rows, rows.slice(3, 1)]))


def _rules_broken(kit: MessyKit, name: str) -> Path:
    broken = pl.int_range(pl.len())
    rows = kit.rows("442").with_columns(
        poor_end=pl.col("poor_end") + pl.when(broken == 0).then(3).otherwise(0),
        households=pl.when(broken == 1)
        .then(pl.col("poor_end") + pl.col("near_poor_end") - 1)
        .otherwise(pl.col("households")),
        workers_certified=pl.when(broken == 2)
        .then(pl.col("workers_trained") + 5)
        .otherwise(pl.col("workers_certified")),
    )
    return kit.save(name, "442", rows)


def _unknown_unit(kit: MessyKit, name: str) -> Path:
    return kit.save(name, "449", kit.rows("449"), Layout(metadata_override={"unit_code": "999"}))


def _period_typed(text: str) -> Builder:
    def build(kit: MessyKit, name: str) -> Path:
        return kit.save(name, "446", kit.rows("446"), Layout(metadata_override={"period": text}))

    return build


def _corrupt_random(kit: MessyKit, name: str) -> Path:
    return kit.raw(name, kit.rng.bytes(4096))


def _truncated(kit: MessyKit, name: str) -> Path:
    path = kit.save(name, "447", kit.rows("447"))
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    return path


def _encrypted(kit: MessyKit, name: str) -> Path:
    mark = "EncryptedPackage".encode("utf-16-le")
    return kit.raw(name, _OLE_MAGIC + mark + kit.rng.bytes(2048))


def _csv_mixed_units(kit: MessyKit, name: str) -> Path:
    sixth = pl.int_range(pl.len()) == 5
    mixed = kit.csv("448").with_columns(
        unit_code=pl.when(sixth).then(pl.lit("449")).otherwise("unit_code")
    )
    return kit.raw(name, mixed.write_csv().encode("utf-8-sig"))


def _csv_cp1258(kit: MessyKit, name: str) -> Path:
    return kit.raw(name, _cp1258(kit.csv("449").write_csv()))


def _names_and_missing(kit: MessyKit, name: str) -> Path:
    index = pl.int_range(pl.len())
    plain = pl.col("commune_name").str.normalize("NFKD").str.replace_all(r"\p{Mn}", "")
    renamed = pl.when(index == 1).then(plain.str.replace_all("[đĐ]", "d"))
    rows = kit.rows("443").with_columns(commune_name=renamed.otherwise("commune_name"))
    return kit.save(name, "443", rows.filter(index != 4))


def _legacy_xls(kit: MessyKit, name: str) -> Path:
    return kit.raw(name, _OLE_MAGIC + kit.rng.bytes(3584))


def _scan_pdf(kit: MessyKit, name: str) -> Path:
    return kit.raw(name, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


# Household reviews (form HN). A workbook's title row and header row come first: a household
# row's Excel row is 3 + its index.
_HN_NAMES_UNIT, _HN_ID_UNIT, _HN_RULE_UNIT = "448", "449", "437"
_HN_ID_ROW = 7  # the Excel row whose village cell holds an identification number
# Rows whose result contradicts the rule. They are quarantined, but household submissions keep
# their counts apart (household_submissions.rows_quarantined): ``quarantined`` stays 0.
_HN_RULE_ROWS = 3
_FAMILY = ("Nguyễn", "Trần", "Lê", "Phan", "Hoàng", "Võ", "Đặng", "Bùi", "Hồ", "Dương")
_MIDDLE = ("Văn", "Thị", "Đình", "Quang", "Hữu", "Xuân", "Thanh")
_GIVEN = ("An", "Bình", "Cúc", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Nam", "Oanh", "Phúc",
          "Sơn", "Tâm", "Vinh", "Yến")  # fmt: skip


def _hn_names(kit: MessyKit, name: str) -> Path:
    rows = kit.households(_HN_NAMES_UNIT)
    family, middle, given = (
        pl.Series(np.array(words)[kit.rng.choice(len(words), rows.height)])
        for words in (_FAMILY, _MIDDLE, _GIVEN)
    )
    names = family + " " + middle + " " + given
    columns = kit.household_columns()
    at = next(i for i, c in enumerate(columns) if c.key == "household_code") + 1
    columns.insert(at, Column("owner_name", "Họ tên chủ hộ", "text"))
    return kit.save_review(name, _HN_NAMES_UNIT, rows.with_columns(owner_name=names), columns)


def _hn_id_number(kit: MessyKit, name: str) -> Path:
    rows = kit.households(_HN_ID_UNIT)
    number = "042" + "".join(str(d) for d in kit.rng.integers(0, 10, 9))
    typed = pl.when(pl.int_range(pl.len()) == _HN_ID_ROW - 3).then(pl.lit(number))
    rows = rows.with_columns(village=typed.otherwise("village"))
    return kit.save_review(name, _HN_ID_UNIT, rows, kit.household_columns())


def _hn_rule_broken(kit: MessyKit, name: str) -> Path:
    """Households reviewed and found not poor, whose score B1 is at or below the cut-off: the
    rule makes them poor or near-poor (quarantined, so the commune's counts stay the Q4's)."""
    rows = kit.households(_HN_RULE_UNIT)
    standard = kit.household_standard
    not_poor = next(r.label for r in kit.ref.households.results if r.code == "not_poor")
    urban = next(a.label for a in kit.ref.households.areas if a.code == "urban")
    candidates = np.flatnonzero((rows["result"] == not_poor).to_numpy())
    chosen = np.sort(kit.rng.choice(candidates, _HN_RULE_ROWS, replace=False))
    cutoffs = standard.score_cutoffs
    cutoff = pl.when(pl.col("area") == urban).then(cutoffs["urban"]).otherwise(cutoffs["rural"])
    rows = rows.with_columns(
        income_score=pl.when(pl.int_range(pl.len()).is_in(chosen.tolist()))
        .then(cutoff - 5)
        .otherwise("income_score")
    )
    # Without the optional income flag (it would disagree with the score: a second finding).
    columns = [c for c in kit.household_columns() if c.key != "income_below_line"]
    return kit.save_review(name, _HN_RULE_UNIT, rows, columns)


_UNREADABLE = (
    "rejected: Không đọc được tệp: tệp bị hỏng hoặc không đúng định dạng "
    "(nội dung không phải một tệp .xlsx)."
)
# The messy set, in order of arrival. Builders run in this order on one random stream.
MESSY_CASES = (
    MessyCase("01_text_numbers.xlsx", 'households/workers as text "1.350", "1 350"',
              _text_numbers, "accepted"),
    MessyCase("02_nfd_layout.xlsx", "NFD sheet names and labels, 4 title rows, columns "
              'reordered, extra column "Ghi chú", extra sheet "Sheet1"',
              _nfd_layout, "accepted with 2 issues"),
    MessyCase("03_total_mismatch.xlsx", '"Tổng cộng" row off by 10 in poor_end',
              _total_mismatch, "rejected: Dòng «Tổng cộng» ghi …"),
    MessyCase("04_foreign_commune.xlsx", "a commune of Đức Thọ added to Hương Sơn",
              _foreign_commune, "accepted with 1 issues", quarantined=1),
    MessyCase("05_missing_sheet.xlsx", 'no "Biểu 01" sheet',
              _missing_sheet, "rejected: Thiếu trang tính «Biểu 01»."),
    MessyCase("06_bad_cells.xlsx", '"12,5", "-", "n/a", number 12.5, empty cell',
              _bad_cells, "accepted with 5 issues", quarantined=5),
    MessyCase("07_duplicate_commune.xlsx", "one commune twice",
              _duplicate_commune, "accepted with 2 issues", quarantined=2),
    MessyCase("08_rules_broken.xlsx", "poor_end off by 3 (also against the household "
              "review's count); households < poor + near-poor (also rate and household jump "
              "warnings); certified > trained",
              _rules_broken, "accepted with 7 issues", quarantined=3),
    MessyCase("09_unknown_unit.xlsx", "unit code 999", _unknown_unit,
              "rejected: Mã đơn vị báo cáo «999» không có trong danh mục đơn vị hành chính của "
              "kỳ {period}."),
    MessyCase("10a_period_malformed.xlsx", 'period "Q4/2024"', _period_typed("Q4/2024"),
              "rejected: Kỳ báo cáo «Q4/2024» không đúng dạng NĂM-Qn."),
    MessyCase("10b_period_future.xlsx", 'period "2031-Q1"', _period_typed("2031-Q1"),
              "rejected: Kỳ báo cáo «2031-Q1» chưa bắt đầu."),
    MessyCase("11a_corrupt_random.xlsx", "random bytes", _corrupt_random, _UNREADABLE),
    MessyCase("11b_truncated.xlsx", "the first half of a workbook", _truncated, _UNREADABLE),
    MessyCase("11c_encrypted.xlsx", "password-encrypted (OLE EncryptedPackage)", _encrypted,
              "rejected: Tệp được đặt mật khẩu hoặc mã hóa nên không đọc được."),
    MessyCase("12a_csv_mixed_units.csv", "unit_code 448 and 449 in one CSV", _csv_mixed_units,
              "rejected: Cột unit_code có nhiều giá trị khác nhau trong cùng một tệp (448, 449)."),
    MessyCase("12b_csv_cp1258.csv", "CSV in Windows-1258, not UTF-8", _csv_cp1258,
              "rejected: Tệp CSV không phải mã UTF-8 (byte thứ …"),
    MessyCase("13_names_and_missing.xlsx", "a name typed without diacritics, a commune left "
              "out", _names_and_missing, "accepted with 2 issues"),
    MessyCase("14_legacy.xls", "an old .xls workbook", _legacy_xls,
              "rejected: Loại tệp «.xls» không được chấp nhận.", in_folder=False),
    MessyCase("14_scan.pdf", "a scan as PDF", _scan_pdf,
              "rejected: Loại tệp «.pdf» không được chấp nhận.", in_folder=False),
    MessyCase("15a_hn_names.xlsx", 'household review (form HN) with a column "Họ tên chủ hộ" '
              "of names", _hn_names, "rejected: personal data (column «Họ tên chủ hộ»)"),
    MessyCase("15b_hn_id_number.xlsx", "household review with a 12-digit identification "
              f"number in the village cell of row {_HN_ID_ROW}", _hn_id_number,
              f"rejected: personal data (row {_HN_ID_ROW})"),
    MessyCase("15c_hn_rule_broken.csv", f"household review whose result contradicts the rule "
              f"in {_HN_RULE_ROWS} rows (score B1 at or below the cut-off, «Không nghèo»)",
              _hn_rule_broken, f"accepted with {_HN_RULE_ROWS} issues"),
)  # fmt: skip


def generate_messy(
    folder: Path, ref: Reference, period: Period = DEMO_LAST, seed: int = 7
) -> list[Path]:
    """Files with the mistakes clerks make, for ``period``, one per case of ``MESSY_CASES``.

    They are meant to be ingested after the clean demo (they rely on its history). The figures
    are the demo's own (its seed), so each file differs from the clean one only by its mistake;
    ``seed`` drives the choices of the mistakes. README.txt lists the expected outcomes.
    """
    direct = ref.settings.communes_report_from
    # After the last clean file can arrive (30 days), so one ingest of both keeps the order.
    arrival = _arrival(period.last_day + timedelta(days=31), ref.settings.timezone)
    kit = MessyKit(
        folder=folder,
        ref=ref,
        period=period,
        figures=demo_figures(ref, period, period),
        unit_names=dict(
            reporting_units(ref.registry, period.last_day, direct)
            .select("unit_code", "unit_name")
            .iter_rows()
        ),
        prepared_on=arrival.date() - timedelta(days=1),
        rng=np.random.default_rng(seed),
    )
    folder.mkdir(parents=True, exist_ok=True)
    written = [case.build(kit, case.name) for case in MESSY_CASES]
    (folder / "README.txt").write_text(messy_readme(period), encoding="utf-8")
    for i, path in enumerate(written):
        _stamp(path, arrival + timedelta(minutes=i))
    return written


def messy_readme(period: Period) -> str:
    """README.txt of the messy set: each file, its mistake and what ``ntm ingest`` says."""
    indent = " " * 26
    lines = [
        f"Messy demo submissions for {period} (ntm demo). Ingest the clean demo first.",
        "After each file: what `ntm ingest` prints for it (… : the rest quotes its figures).",
        "",
    ]
    for case in MESSY_CASES:
        lines += textwrap.wrap(f"{case.name:<25} {case.mistake}", 96, subsequent_indent=indent)
        lines += textwrap.wrap(
            f"-> {case.outcome(period)}",
            96,
            initial_indent=indent,
            subsequent_indent=indent + "   ",
        )
    return "\n".join(lines) + "\n"
