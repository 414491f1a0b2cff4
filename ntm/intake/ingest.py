"""Ingest: from files on disk to checked, versioned rows in the warehouse and feedback workbooks.

Files are read one by one (reading is the only per-file step); everything after that works on
a batch of files at once, so that a national quarter of 700 workbooks costs a few dozen
set-wise statements rather than a few thousand small ones:

1. read every file of a chunk (``BATCH_FILES`` at most, which bounds memory) as text grids;
2. find all their tables and metadata and check the metadata, set-wise (``readers.tabulate``,
   ``transforms.metadata``);
3. cut the chunk into waves in arrival order — a wave holds files of one period, each
   unit-period and each content at most once — so that a file is checked against the history
   stored before it, as if files were ingested one after another;
4. per wave: check the rows of all its files set-wise, store the wave in one transaction, then
   write each file's feedback workbook.

A file with a file-level error is stored as a rejected attempt (bytes and findings, no rows). A
byte-identical file changes nothing.

The checking, summarising and batching are pure steps (``ntm.intake.steps``); this module does
the side effects around them: reading files, the warehouse's reads and writes, the feedback.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from ntm.intake.feedback import feedback_rows, write_feedback, write_feedback_rows
from ntm.intake.households import HouseholdRun, screen_households
from ntm.intake.households import answer_again as answer_households_again
from ntm.intake.households import check_run as check_households
from ntm.intake.households import cut_waves as household_waves
from ntm.intake.households import ingest_wave as ingest_household_wave
from ntm.intake.readers import FORM_HOUSEHOLDS, FileRead, read_file
from ntm.intake.steps import (
    FINDING_COLUMNS,
    SUBMISSION_COLUMNS,
    Arrival,
    FileOutcome,
    Known,
    Screened,
    WaveRows,
    check_prepared,
    check_wave,
    cut_waves,
    dedupe,
    feedback_answer,
    file_outcome,
    named_findings,
    new_batch,
    prepare_rows,
    prepare_wave,
    raw_rows,
    render_findings,
    screen,
    select_units,
    summarise,
    to_store,
    with_versions,
)
from ntm.reference import Reference
from ntm.store.closures import period_states
from ntm.store.faults import kill_point
from ntm.store.household_key import household_key
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms.findings import FILE_ID, with_file
from transforms.periods import Period
from transforms.registry import valid_on

__all__ = [
    "BATCH_BYTES",
    "BATCH_FILES",
    "FINDING_COLUMNS",
    "SUBMISSION_COLUMNS",
    "THREADS",
    "Evaluation",
    "FileOutcome",
    "Metadata",
    "Screened",
    "check_rows",
    "discover",
    "evaluate",
    "ingest_files",
    "screen",
]

# Files read into memory at once: a chunk's bytes and cells are what ingest holds, whatever
# the inbox holds. A chunk ends at BATCH_FILES files or BATCH_BYTES of files, whichever comes
# first (500 district workbooks are ~5 MiB; a province's household review in census mode,
# 385,000 households, is ~50 MiB of files and ~1 GiB of cells: it is read in a few chunks).
BATCH_FILES = 500
BATCH_BYTES = 16 * 1024 * 1024
THREADS = min(4, os.cpu_count() or 1)


@dataclass(frozen=True)
class Metadata:
    """One file's metadata as checked (unit_name from the registry when the unit is known)."""

    unit_code: str | None
    unit_name: str | None
    period: Period | None
    prepared_on: date | None
    prepared_by: str | None
    template_version: str | None


@dataclass(frozen=True)
class Evaluation:
    """What checking one file found, before anything is stored (``evaluate``)."""

    metadata: Metadata | None
    raw_rows: pl.DataFrame
    rows: pl.DataFrame  # typed, with row_status
    findings: pl.DataFrame  # rendered: severity, problem, fix, message

    @property
    def rejected(self) -> bool:
        return bool((self.findings["severity"] == "file_error").any())

    def count(self, severity: str) -> int:
        return int((self.findings["severity"] == severity).sum())


def discover(paths: Iterable[Path]) -> list[Path]:
    """The files to ingest: named files as given, folders searched for .xlsx and .csv.

    Excel's lock files (~$name.xlsx) are skipped. Files are taken in order of arrival (their
    modification time), so that a correction is stored after the file it corrects.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in (".xlsx", ".csv")
                and not p.name.startswith(("~$", "."))
            )
        else:
            found.append(path)
    return sorted(set(found), key=lambda p: (p.stat().st_mtime if p.exists() else 0, str(p)))


# ---------------------------------------------------------------------------- checking


def check_rows(
    screened: Screened, file_ids: list[int], period: Period, ref: Reference, warehouse: Warehouse
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Check the commune rows of files of one period; returns typed rows and findings.

    Each file's rows are checked against the registry on the period's last day and against
    the history stored before this call.
    """
    prepared = prepare_rows(screened, file_ids, period, ref)
    if prepared is None:
        no_findings = pl.DataFrame(schema={FILE_ID: pl.Int64})
        return screened.tables.rows.clear(), with_file(no_findings)
    return check_prepared(prepared, _history(warehouse, prepared, ref), ref)


def evaluate(
    data: bytes, file_name: str, ref: Reference, warehouse: Warehouse, today: date
) -> Evaluation:
    """Check one file's bytes against the format, the registry and the stored history.

    The checks of ``ingest_files`` for a single file, without storing anything.
    """
    read = read_file(data, Path(file_name).suffix.lower(), ref.format, ref.limits)
    screened = screen([(0, read)], ref, today)
    metadata = screened.metadata.filter(pl.col(FILE_ID) == 0)
    findings = screened.findings
    rows = pl.DataFrame()
    if screened.row_files.height:
        period = Period.parse(str(metadata["period"][0]))
        assert period is not None
        rows, row_findings = check_rows(screened, [0], period, ref, warehouse)
        findings = pl.concat([findings, row_findings])
        rows = rows.drop(FILE_ID)
    rendered = render_findings(findings, screened.tables.files, ref).drop(FILE_ID)
    meta = _metadata(metadata.row(0, named=True)) if metadata.height else None
    raw = raw_rows(screened.tables, ref.format.figure_keys) if meta else pl.DataFrame()
    return Evaluation(meta, raw.drop(FILE_ID, strict=False), rows, rendered)


def _metadata(row: dict[str, Any]) -> Metadata:
    return Metadata(
        unit_code=row["unit_code"],
        unit_name=row["unit_name"],
        period=Period.parse(row["period"]) if row["period"] else None,
        prepared_on=row["prepared_on"],
        prepared_by=row["prepared_by"],
        template_version=row["template_version"],
    )


# ---------------------------------------------------------------------------- ingesting


@dataclass(frozen=True)
class _Run:
    """What every wave of one ``ingest_files`` call shares."""

    data_dir: DataDir
    ref: Reference
    warehouse: Warehouse
    now: datetime
    today: date  # ``now`` in the reference's time zone
    feedback: bool
    closed: frozenset[str]  # periods closed when the run started: files for them amend them


def ingest_files(
    paths: Iterable[Path],
    data_dir: DataDir,
    ref: Reference,
    now: datetime | None = None,
    units: Iterable[str] | None = None,
    feedback: bool = True,
) -> list[FileOutcome]:
    """Ingest files into ``data_dir``'s warehouse; one transaction per wave of files.

    ``units``: only files of these reporting units are stored; the others are reported as
    skipped and left for a later run. ``feedback=False`` writes no feedback workbooks (a
    backfill of old files, or the benchmark's ingest-only figure).
    """
    now = now or datetime.now(UTC)
    today = now.astimezone(ZoneInfo(ref.settings.timezone)).date()
    selected = frozenset(units) if units is not None else None
    files = discover(paths)
    outcomes: list[FileOutcome] = []
    with Warehouse.open(data_dir.warehouse) as warehouse:
        closed = frozenset(p for p, state in period_states(warehouse).items() if state.closed)
        run = _Run(data_dir, ref, warehouse, now, today, feedback, closed)
        for part in _chunks(files):
            outcomes.extend(_ingest_chunk(part, run, selected))
    return outcomes


def _chunks(files: list[Path]) -> Iterable[list[Path]]:
    """``files`` in order, cut at BATCH_FILES files or BATCH_BYTES bytes per chunk."""
    chunk: list[Path] = []
    size = 0
    for path in files:
        try:
            length = path.stat().st_size
        except OSError:
            length = 0  # reading it will say why
        if chunk and (len(chunk) >= BATCH_FILES or size + length > BATCH_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(path)
        size += length
    if chunk:
        yield chunk


def _ingest_chunk(
    paths: list[Path], run: _Run, selected: frozenset[str] | None
) -> list[FileOutcome]:
    """Up to BATCH_FILES files: read and screen them all at once, then store them wave by wave.

    Quarterly and household files are screened apart. A Q4 form and its communes' household
    review are reconciled by whichever arrived second (file times), in one batch or across
    batches: the warning is in that file's feedback.
    """
    arrivals, outcomes = _arrive(paths)
    known = _known(run.warehouse, arrivals)
    fresh, unchanged = dedupe(arrivals, known)
    _answer_again([a for a in arrivals if a.file_id in unchanged], known, run)
    reads = _read_all(fresh, run.ref)
    households = {i: read for i, read in reads if read.form == FORM_HOUSEHOLDS}
    screened = screen([(i, r) for i, r in reads if i not in households], run.ref, run.today)
    household_screen = (
        screen_households(list(households.items()), run.ref, run.today) if households else None
    )
    kept, skipped = select_units(fresh, screened, selected, household_screen)
    outcomes |= unchanged | skipped
    quarterly = [a for a in kept if a.file_id not in households]
    reviews = [a for a in kept if a.file_id in households]
    household_run = checked = review_counts = None
    if household_screen is not None:
        key = household_key(run.data_dir, run.warehouse)
        household_run = HouseholdRun(
            run.data_dir, run.ref, run.warehouse, key, run.now, run.feedback
        )
        checked = check_households(household_screen, reviews, run.ref, key)
        review_counts = checked.counts(household_screen, reviews)
    # Quarterly files first, in arrival order; then the household reviews. Either side is
    # reconciled with what arrived before it: a Q4 form with the reviews of its year stored or
    # checked above that arrived earlier, a review with the forms that had arrived when it did.
    earlier: set[str] = set()
    for wave in cut_waves(quarterly, screened):
        todo, latest = _todo(wave, known, earlier, run, outcomes)
        if todo:
            outcomes |= _ingest_wave(todo, screened, latest, run, review_counts)
    if household_screen is not None and household_run is not None and checked is not None:
        for wave in household_waves(reviews, household_screen):
            todo, latest = _todo(wave, known, earlier, run, outcomes)
            if todo:
                outcomes |= ingest_household_wave(
                    todo, household_screen, checked, latest, household_run
                )
    return [outcomes[i] for i in sorted(outcomes)]


def _todo(
    wave: list[Arrival],
    known: Known,
    earlier: set[str],
    run: _Run,
    outcomes: dict[int, FileOutcome],
) -> tuple[list[Arrival], Known]:
    """The files of a wave still to store, and what is known of the stored contents (the same
    bytes may have come twice in this chunk: the first copy is stored by now)."""
    latest = known
    if any(a.sha256 in earlier for a in wave):
        latest = known | _known(run.warehouse, wave)
    todo, unchanged = dedupe(wave, latest)
    outcomes |= unchanged
    earlier.update(a.sha256 for a in todo)
    return todo, latest


def _ingest_wave(
    wave: list[Arrival],
    screened: Screened,
    known: Known,
    run: _Run,
    review_counts: pl.DataFrame | None = None,
) -> dict[int, FileOutcome]:
    """Check a wave against the history stored before it, store it, then answer its files.

    ``review_counts``: the household reviews of this run not stored yet (``Checked.counts``).
    """
    prepared = prepare_wave(wave, screened, run.ref)
    history = _history(run.warehouse, prepared, run.ref, wave, review_counts)
    rows, rendered = check_wave(wave, screened, prepared, history, run.ref)
    summary = summarise(wave, screened, rows, rendered, run.now)
    stored = to_store(summary, wave, known)
    batch = new_batch(wave, stored, screened, rows, rendered, run.ref, run.now)
    ids = run.warehouse.store(batch) if batch is not None else None
    kill_point("ingest:after_commit")
    return _answer(wave, with_versions(summary, stored, ids), rendered, run)


def _arrive(paths: list[Path]) -> tuple[list[Arrival], dict[int, FileOutcome]]:
    """Each file's bytes and arrival time; a file that cannot be read is rejected here."""
    arrivals: list[Arrival] = []
    unreadable: dict[int, FileOutcome] = {}
    for file_id, path in enumerate(paths):
        try:
            data = path.read_bytes()
            received_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except OSError as error:
            reason = f"cannot read the file: {error.strerror}"
            unreadable[file_id] = FileOutcome(path, None, None, "rejected", reason)
            continue
        sha256 = hashlib.sha256(data).hexdigest()
        arrivals.append(Arrival(file_id, path, data, sha256, received_at))
    return arrivals, unreadable


def _known(warehouse: Warehouse, arrivals: Sequence[Arrival]) -> Known:
    found = warehouse.known_files([a.sha256 for a in arrivals])
    return {row["content_sha256"]: row for row in found.iter_rows(named=True)}


def _read_all(arrivals: list[Arrival], ref: Reference) -> list[tuple[int, FileRead]]:
    fmt, limits = ref.format, ref.limits

    def read(a: Arrival) -> tuple[int, FileRead]:
        return a.file_id, read_file(a.data, a.file_type, fmt, limits, ref.households)

    # fastexcel and zlib release the GIL: threads read files side by side.
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(read, arrivals))


def _history(
    warehouse: Warehouse,
    prepared: WaveRows | None,
    ref: Reference,
    wave: Sequence[Arrival] = (),
    review_counts: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """prev_* and prev_year_q4_* figures of the communes whose rows are to be checked.

    Figures of a year before the poverty standard of the period's year came in are left out
    (null, so the rules that read them pass): the year's start counts are then a re-assessment
    under the new standard, not last year's end, and a rate measured under another standard is
    not compared. So prev_year_q4_* is absent in the first year of a standard, and the poverty
    counts of prev_* are absent when the previous period stored is before that year.
    """
    if prepared is None:
        return pl.DataFrame()
    period = prepared.period
    found = warehouse.previous_figures(prepared.own, str(period), str(period.previous_year_end()))
    # Earlier years measured with another poverty standard are not compared with this one.
    standard = ref.catalogue_of(period.year)[0].standard_of(period.year)
    since = int(standard["first_year"]) if standard is not None else 0
    poverty = [c for c in found.columns if c.startswith(("prev_poor_", "prev_near_poor_"))]
    same_standard = pl.col("prev_period").str.slice(0, 4).cast(pl.Int64) >= since
    found = found.with_columns(pl.when(same_standard).then(pl.col(poverty)).name.keep())
    if period.year - 1 < since:
        year_end = [c for c in found.columns if c.startswith("prev_year_q4_")]
        found = found.with_columns(pl.lit(None, found.schema[c]).alias(c) for c in year_end)
    return found.drop("prev_period").join(
        _review_counts(warehouse, prepared, wave, review_counts), on="commune_code", how="left"
    )


def _review_counts(
    warehouse: Warehouse,
    prepared: WaveRows,
    wave: Sequence[Arrival],
    unstored: pl.DataFrame | None,
) -> pl.DataFrame:
    """review_poor / review_near_poor of the communes: what their periodic household review of
    the year classified, which a Q4 form is reconciled with (none before Q4: nulls pass). A
    review of this run counts for a form that arrived after it; else the stored one does."""
    period = prepared.period
    communes = prepared.own["commune_code"].unique().to_list()
    if period.quarter != 4:
        communes = []
    stored = warehouse.frame("review_counts", year=period.year, communes=communes)
    if unstored is None or unstored.is_empty() or not communes:
        return stored
    received = pl.DataFrame(
        {FILE_ID: [a.file_id for a in wave], "form_received": [a.received_at for a in wave]},
        schema={FILE_ID: pl.Int64, "form_received": pl.Datetime("us", "UTC")},
    )
    forms = prepared.parsed.rows.select(FILE_ID, "commune_code").join(received, on=FILE_ID)
    earlier = (
        unstored.filter(pl.col("review_year") == period.year)
        .join(forms.drop(FILE_ID), on="commune_code")
        .filter(pl.col("received_at") <= pl.col("form_received"))
        .sort("received_at")
        .group_by("commune_code")
        .last()
        .select(stored.columns)
        .cast(stored.schema)
    )
    return pl.concat([stored.join(earlier, on="commune_code", how="anti"), earlier])


def _answer_again(arrivals: list[Arrival], known: Known, run: _Run) -> None:
    """Write, from what is stored, the feedback workbooks of stored files that have none: a run
    killed after committing a wave and before answering it leaves them so."""
    if not run.feedback:
        return
    households = [a for a in arrivals if known[a.sha256].get("form") == FORM_HOUSEHOLDS]
    answer_households_again(households, known, run.data_dir, run.ref, run.warehouse)
    arrivals = [a for a in arrivals if known[a.sha256].get("form") != FORM_HOUSEHOLDS]
    rows = {a.file_id: known[a.sha256] | {"unit_name": None} for a in arrivals}
    root = run.data_dir.feedback
    unanswered = [a for a in arrivals if not feedback_answer(a, rows[a.file_id], root)[0].exists()]
    if not unanswered:
        return
    ids = [rows[a.file_id]["submission_id"] for a in unanswered]
    stored = run.warehouse.frame("stored_findings", ids=ids)
    for arrival, submission_id in zip(unanswered, ids, strict=True):
        row = rows[arrival.file_id] | {"unit_name": _unit_name(run.ref, rows[arrival.file_id])}
        target, text = feedback_answer(arrival, row, root, run.closed)
        findings = stored.filter(pl.col("submission_id") == submission_id)
        write_feedback(target, text, findings.with_columns(file_name=pl.lit(arrival.name)))


def _unit_name(ref: Reference, stored: dict[str, Any]) -> str | None:
    """The reporting unit's name in the registry on its period's last day."""
    period = Period.parse(stored["period"] or "")
    if period is None:
        return None
    units = valid_on(ref.registry, period.last_day)
    unit = units.filter(pl.col("unit_code") == stored["unit_code"])
    return str(unit["unit_name"][0]) if unit.height else None


def _answer(
    wave: list[Arrival], summary: pl.DataFrame, rendered: pl.DataFrame, run: _Run
) -> dict[int, FileOutcome]:
    """Write the feedback workbooks of a stored wave; returns each file's outcome."""
    by_file = {a.file_id: a for a in wave}
    # Every file's rows in one query: per file, only the workbook is written.
    findings = feedback_rows(named_findings(rendered, wave)) if run.feedback else {}

    def finish(row: dict[str, Any]) -> FileOutcome:
        arrival = by_file[row[FILE_ID]]
        feedback = None
        if run.feedback:
            target, text = feedback_answer(arrival, row, run.data_dir.feedback, run.closed)
            feedback = write_feedback_rows(target, text, findings.get(arrival.file_id, []))
        return file_outcome(arrival.path, row, feedback, run.closed)

    # Zip compression releases the GIL: threads write workbooks side by side.
    rows = list(summary.iter_rows(named=True))
    with ThreadPoolExecutor(THREADS) as pool:
        return {
            row[FILE_ID]: outcome for row, outcome in zip(rows, pool.map(finish, rows), strict=True)
        }
