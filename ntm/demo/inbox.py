"""The demo inbox: the files ``ntm demo`` writes, as the reporting units would send them.

``generate_demo`` writes one clean submission (form 01) per reporting unit and quarter, from the
demo's figures (``ntm.demo.simulate``), and beside them the household reviews (form HN) of the
years whose Q4 it covers (``generate_households``, simulated by ``ntm.demo.households``). Each
file is stamped with its arrival time (its modification time). Everything follows from the
seed, so two runs give the same bytes and the same arrival times. The messy set
(``ntm.demo.messy``) writes its files with the helpers here.
"""

from __future__ import annotations

import os
import textwrap
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import xlsxwriter
from numpy.typing import NDArray

from ntm.demo.households import (
    PERIODIC,
    PLANTED_MISMATCHES,
    Mismatch,
    Review,
    SimulatedReview,
    mismatches_in,
    review_columns,
    review_years,
    simulate_reviews,
)
from ntm.demo.simulate import BASE_YEAR, DEMO_FIRST, DEMO_LAST, DEMO_SEED, Ints, demo_figures
from ntm.intake.workbook import FIXED_CREATED, write_submission
from ntm.reference import Reference, SubmissionFormat
from ntm.reference.households import HouseholdFormat, PovertyStandard
from ntm.store.paths import atomic_path
from transforms.layout import Column
from transforms.periods import Period, periods_between
from transforms.registry import communes_of, reporting_units

FOLDER = "households"  # below the demo inbox: households/<year>-<kind>/HN_<unit>_<year>_<kind>.*
_CLERKS = {
    "436": "Nguyễn Thị Hương", "437": "Trần Văn Minh", "439": "Lê Thị Hoa",
    "440": "Phan Đình Tùng", "441": "Hoàng Thị Lan", "442": "Võ Văn Hải",
    "443": "Đặng Thị Thu", "444": "Bùi Quang Huy", "445": "Nguyễn Thị Mai",
    "446": "Dương Văn Nam", "447": "Trương Thị Hằng", "448": "Hồ Sỹ Đức", "449": "Phạm Thị Nga",
}  # fmt: skip


def clerk(unit_code: str) -> str:
    """Who prepares the unit's files (a name per district; a commune takes one of them)."""
    names = sorted(_CLERKS.values())
    return unicodedata.normalize("NFC", _CLERKS.get(unit_code, names[int(unit_code) % len(names)]))


def unit_rows(ref: Reference, figures: pl.DataFrame, unit: str, period: Period) -> pl.DataFrame:
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


def arrival(day: date, timezone: str) -> datetime:
    """09:00 on ``day``, local time: when a file that arrives that day arrives."""
    return datetime.combine(day, time(9), tzinfo=ZoneInfo(timezone))


def stamp(path: Path, when: datetime) -> Path:
    """Give ``path`` its arrival time: ingest orders files by their modification time."""
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def csv_frame(fmt: SubmissionFormat, unit: str, period: str, rows: pl.DataFrame) -> pl.DataFrame:
    """The unit's rows as a CSV submission holds them: the metadata columns, then the form's."""
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
    first..last, under ``inbox/households/`` (``generate_households``: their paths follow the
    quarterly ones in the list)."""
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
    old = sum(period.year <= BASE_YEAR for period, _, _ in plan)
    draws = (
        _arrivals(np.random.default_rng([seed, 2, BASE_YEAR]), old),
        _arrivals(np.random.default_rng([seed, 2]), len(plan) - old),
    )
    as_csv, delay = (np.concatenate(parts) for parts in zip(*draws, strict=True))
    written: list[Path] = []
    for i, (period, unit, name) in enumerate(plan):
        rows = unit_rows(ref, figures, unit, period)
        arrived = arrival(period.last_day + timedelta(days=int(delay[i])), ref.settings.timezone)
        target = inbox / str(period) / f"{unit}_{period}.{'csv' if as_csv[i] else 'xlsx'}"
        if as_csv[i]:
            target.parent.mkdir(parents=True, exist_ok=True)
            csv_frame(ref.format, unit, str(period), rows).write_csv(target, include_bom=True)
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
                prepared_by=clerk(unit),
            )
        written.append(stamp(target, arrived))
    if households:
        written += generate_households(inbox, ref, first, last, seed)
    return written


# ----------------------------------------------------------- household review files

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
        workbook.set_properties({"created": FIXED_CREATED, "author": "ntm"})
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
    folder: Path, ref: Reference, review: Review, simulated: SimulatedReview, seed: int
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
        arrival(date(review.year, 12, 15) + timedelta(days=int(d)), ref.settings.timezone)
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
            arrived[i] = arrival(day, ref.settings.timezone)
    columns = review_columns(ref, standard)
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
    return [stamp(path, arrived[i]) for i, path in enumerate(written)]


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
    reviews = simulate_reviews(ref, review_years(first, last), seed)
    if not reviews:
        return []
    folder = inbox / FOLDER
    written: list[Path] = []
    for review, simulated in reviews.items():
        written += _write_files(folder / review.folder, ref, review, simulated, seed)
    readme = _readme(ref, reviews, written, mismatches_in(ref, reviews))
    (folder / "README.txt").write_text(readme, encoding="utf-8")
    return written


def _readme(
    ref: Reference,
    reviews: dict[Review, SimulatedReview],
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
