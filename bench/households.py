"""Benchmarks of the household review (form HN, issue 17 item 8): ingest beside its floor;
then ``household_tables`` over five reviews beside a DuckDB group-by (issue 19 point 6).

``python -m bench --scale tiny|province|national [--only households] --out BENCHMARKS.md``;
``--only household-tables`` runs the second part alone (its own block in BENCHMARKS.md).

Two scenarios, each the periodic review (``Định kỳ``) of 2025 under the 2022-2026 standard,
one file per commune (from 1 July 2025 communes report for themselves):

- **province census**: 385,000 households in one file per commune valid on 2025-12-31 in the
  shipped registry (``data/reference/``: 69 communes);
- **national review**: about 3,000,000 households in one file per commune of the synthetic
  country of ``bench.run.national_reference`` (10,600 communes, valid since 2020).

About 1 file in 6 is a workbook, the rest CSV. Every row is valid (codes, flags, scores, the
result the rule gives, a cause for each poor and near-poor household), so ingest accepts every
file with no finding and the measured work is the whole path: read, screen, check, hash, store.

Generated files are kept between runs in a cache folder (``--cache``, by default
``$TMPDIR/ntm-bench-cache``), one folder per scenario with a ``manifest.json`` written last;
they are made again only when the generator, the scenario or the registry's communes change.

Beside our ingest, on the same files and in the same way (one fresh child process per run,
peak RSS of that process): the floor, i.e. the least any ingest must do: read every file as
text (workbooks with fastexcel, both sheets, ``dtypes="string"``; CSV with ``polars.read_csv``),
in the same chunks and with the same threads as ingest, and insert each chunk's rows into a
DuckDB table on disk in one set-based statement (figures and flags cast to integers there, as
ingest stores them typed).

``household_tables`` (movements, deprivation profile, reconciliation with the Q4 form) is
measured on a warehouse built set-wise, without files: five periodic reviews 2022-2026 of the
same synthetic households (``PANELS``: 3,000,000 a review nationally), inserted straight into
``household_submissions`` and ``stg_households`` from Parquet, with every commune's Q4 form;
cached like the files. Its floor is one ``GROUP BY`` over the same rows.
"""

# Imports inside the measured functions are deliberate, as in bench.run: each child imports only
# what it measures.
# ruff: noqa: PLC0415

from __future__ import annotations

import cProfile
import hashlib
import io
import json
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from bench.run import (
    BEGIN,
    END,
    HEADER,
    NATIONAL_COMMUNES,
    NATIONAL_MAX_RUNS,
    NATIONAL_UNITS,
    Results,
    extra,
    in_child,
    machine,
    markdown_table,
    measure,
    national_reference,
    say,
    use_reference,
)

HH_BEGIN, HH_END = "<!-- bench:households:begin -->", "<!-- bench:households:end -->"
REVIEW_YEAR = 2025
KIND, KIND_LABEL = "dinh-ky", "Định kỳ"
STANDARD = "2022-2026"
NOW = datetime(2026, 1, 20, 3, 0, tzinfo=UTC)  # the 2025 review is sent in January 2026
PREPARED_ON = "15/01/2026"
XLSX_EVERY = 6  # one file in six is a workbook
GENERATOR_VERSION = 1  # bump when the generated files change: the cache is made again
MIN_ROWS = 20  # households of the smallest commune
TARGET_RATIO, TARGET_MIB, TARGET_COUNTS_S = 1.5, 1.5 * 1024, 2.0
HOUSE_TASKS = "bench.households:"  # bench.run's children find these tasks by module


@dataclass(frozen=True)
class Scenario:
    key: str  # the cache folder's name, and the rows' prefix
    title: str
    households: int
    files: int | None  # the first N communes (by code); None = every commune
    country: tuple[int, int] | None = None  # (districts, communes) of a synthetic country
    seed: int = 17

    @property
    def label(self) -> str:
        return f"{self.title}: "


CENSUS = Scenario("census", "province census", 385_000, None)
NATIONAL = Scenario(
    "national", "national review", 3_000_000, None, (NATIONAL_UNITS, NATIONAL_COMMUNES)
)
TINY = (
    Scenario("tiny-census", "tiny census", 600, 3),
    Scenario("tiny-national", "tiny national", 300, 6, (6, 60)),
)
SCENARIOS = {"tiny": TINY, "province": (CENSUS,), "national": (CENSUS, NATIONAL)}


# --- generation --------------------------------------------------------------------------------


def _split(total: int, parts: int, rng: np.random.Generator) -> np.ndarray:
    """``total`` households over ``parts`` communes of varied size (at least MIN_ROWS each,
    when the total allows), summing to ``total`` exactly."""
    floor = min(MIN_ROWS, total // parts)
    weights = rng.gamma(4.0, 1.0, parts)
    share = (total - floor * parts) * weights / weights.sum()
    counts = np.floor(share).astype(np.int64)
    short = total - floor * parts - int(counts.sum())
    counts[np.argsort(share - counts)[::-1][:short]] += 1
    result: np.ndarray = counts + floor
    return result


def household_rows(
    communes: pl.DataFrame,
    counts: np.ndarray,
    indicators: Sequence[str],
    causes: Sequence[str],
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Valid household rows of these communes (``unit_code``, ``unit_type``), ``counts[i]`` of
    the i-th, all at once: columns are the form's keys, values as a commune would type them.

    The result follows the 2022-2026 rule (score B1 at or under 140 rural / 175 urban is below
    the line; below the line and 3 or more deprivations is poor, fewer near-poor; above it not
    poor); B2 is 10 × the deprivations; a poor or near-poor household has at least one cause.
    Household codes are ``<commune>-<6 digits>``: neither part, nor the 11 digits the two make if
    a dash joins digit groups (it did until commit 083b84d), is an identification number (9 or
    12 digits) or a phone number (10 from 0, 11 from 84), whatever the commune code; a 10-digit
    ``01234-00012`` would have read as a phone number.
    """
    n = int(counts.sum())
    which = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    sequence = np.arange(n) - starts[which] + 1
    urban_commune = (communes["unit_type"] == "phường").to_numpy()[which]
    urban = np.where(urban_commune, rng.random(n) < 0.85, rng.random(n) < 0.03)
    cutoff = np.where(urban, 175, 140)
    below = rng.random(n) < rng.uniform(0.04, 0.22, len(counts))[which]
    score = np.where(below, rng.integers(30, cutoff + 1), rng.integers(cutoff + 1, 420))
    flags = rng.random((n, len(indicators))) < np.where(below, 0.27, 0.06)[:, None]
    deprived = flags.sum(axis=1)
    result = np.where(~below, 2, np.where(deprived >= 3, 0, 1))
    reasons = (rng.random((n, len(causes))) < 0.15) & below[:, None]
    counted = np.flatnonzero(below)
    reasons[counted, rng.integers(0, len(causes), counted.size)] = True
    code = pl.Series("commune_code", communes["unit_code"]).gather(which)
    flag = pl.Int8
    frame = pl.DataFrame(
        {
            "commune_code": code,
            "sequence": sequence,
            "urban_commune": urban_commune,
            "village_number": rng.integers(1, 16, n),
            "urban": urban,
            "members": rng.integers(1, 9, n),
            "income_score": score,
            "income_below_line": below.astype(np.int8),
            **{key: flags[:, i].astype(np.int8) for i, key in enumerate(indicators)},
            "deprivation_points": deprived * 10,
            "result": pl.Series(np.array(["Hộ nghèo", "Hộ cận nghèo", "Không nghèo"])[result]),
            "ethnic_minority": (rng.random(n) < 0.12).astype(np.int8),
            "merit_person": (rng.random(n) < 0.05).astype(np.int8),
            "social_assistance": (rng.random(n) < 0.08).astype(np.int8),
            "no_labour": (rng.random(n) < 0.04).astype(np.int8),
            **{key: reasons[:, i].astype(np.int8) for i, key in enumerate(causes)},
        }
    )
    return frame.select(
        "commune_code",
        household_code=pl.col("commune_code")
        + "-"
        + pl.col("sequence").cast(pl.String).str.zfill(6),
        village=pl.when(pl.col("urban_commune"))
        .then(pl.lit("Tổ dân phố "))
        .otherwise(pl.lit("Thôn "))
        + pl.col("village_number").cast(pl.String),
        area=pl.when(pl.col("urban")).then(pl.lit("Thành thị")).otherwise(pl.lit("Nông thôn")),
        members=pl.col("members").cast(pl.Int32),
        income_score=pl.col("income_score").cast(pl.Int32),
        income_below_line=pl.col("income_below_line").cast(flag),
        **{key: pl.col(key) for key in indicators},
        deprivation_points=pl.col("deprivation_points").cast(pl.Int32),
        result=pl.col("result"),
        **{
            key: pl.col(key)
            for key in ("ethnic_minority", "merit_person", "social_assistance", "no_labour")
        },
        **{key: pl.col(key) for key in causes},
    )


def _write_xlsx(
    path: Path, unit: dict[str, Any], rows: pl.DataFrame, labels: list[str], fmt: Any
) -> None:
    """A filled form-HN workbook: «Thông tin» (labels in A, values in B), «Danh sách hộ» (a
    title row, the header of labels, one row per household); codes as text, figures as
    numbers, as a filled template holds them. Written with xlsxwriter's constant_memory."""
    import xlsxwriter

    metadata = {
        "form": fmt.form,
        "unit_code": unit["unit_code"],
        "unit_name": unit["unit_name"],
        "review_year": REVIEW_YEAR,
        "review_kind": KIND_LABEL,
        "standard": STANDARD,
        "prepared_on": PREPARED_ON,
        "prepared_by": "Công chức Văn hóa - Xã hội",
        "template_version": fmt.template_version,
    }
    with xlsxwriter.Workbook(str(path), {"constant_memory": True}) as book:
        info = book.add_worksheet(fmt.metadata_sheet)
        for i, line in enumerate(fmt.metadata):
            info.write_row(i, 0, [line.label, metadata.get(line.key, "")])
        sheet = book.add_worksheet(fmt.households_sheet)
        sheet.write_row(0, 0, [f"DANH SÁCH HỘ RÀ SOÁT NĂM {REVIEW_YEAR} — {unit['unit_name']}"])
        sheet.write_row(1, 0, labels)
        for i, row in enumerate(rows.iter_rows(), start=2):
            sheet.write_row(i, 0, row)


def _generate(reference: str | None, folder: str, scenario: Scenario) -> dict[str, Any]:
    """Write (or find in the cache) the scenario's files; returns its manifest."""
    from ntm.reference import load_reference
    from transforms.registry import reporting_level, valid_on

    use_reference(reference)
    ref = load_reference()
    fmt = ref.households
    standard = ref.standard(STANDARD)
    assert standard is not None, STANDARD
    day = date(REVIEW_YEAR, 12, 31)
    level = reporting_level(day, ref.settings.communes_report_from)
    if level != "commune":
        raise RuntimeError(f"on {day} the registry's reporting level is {level}, not commune")
    communes = (
        valid_on(ref.registry, day)
        .filter(pl.col("unit_level") == "commune")
        .select("unit_code", "unit_name", "unit_type")
        .sort("unit_code")
    )
    if scenario.files is not None:
        communes = communes.head(scenario.files)
    columns = fmt.table_columns(standard.indicators)
    keys = [c.key for c in columns]
    causes = [c.key for c in fmt.causes]
    fingerprint = hashlib.sha256(
        json.dumps(
            [GENERATOR_VERSION, XLSX_EVERY, scenario.households, scenario.seed, keys,
             communes.rows()],
            ensure_ascii=False,
        ).encode()
    ).hexdigest()[:16]  # fmt: skip
    root = Path(folder)
    manifest_path = root / "manifest.json"
    if manifest_path.exists():
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest["fingerprint"] == fingerprint and all(
            (root / f).exists() for f in manifest["files"]
        ):
            return manifest | {"cached": True, "files": [str(root / f) for f in manifest["files"]]}
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    start = time.perf_counter()
    rng = np.random.default_rng(scenario.seed)
    counts = _split(scenario.households, communes.height, rng)
    meta = {
        "unit_code": pl.col("commune_code"),
        "review_year": pl.lit(REVIEW_YEAR),
        "review_kind": pl.lit(KIND_LABEL),
        "standard": pl.lit(STANDARD),
    }
    names: list[str] = []
    batch = 500  # communes generated at once: memory stays small at any scale
    for first in range(0, communes.height, batch):
        part = communes.slice(first, batch)
        rows = household_rows(
            part, counts[first : first + batch], standard.indicator_ids, causes, rng
        )
        by_commune = rows.partition_by("commune_code", as_dict=True, maintain_order=True)
        for i, unit in enumerate(part.iter_rows(named=True), start=first):
            mine = by_commune[(unit["unit_code"],)]
            name = f"{unit['unit_code']}_HN_{REVIEW_YEAR}_{KIND}"
            if i % XLSX_EVERY == 0:
                name += ".xlsx"
                _write_xlsx(root / name, unit, mine, [c.label for c in columns], fmt)
            else:
                name += ".csv"
                mine.select(**meta, **{k: pl.col(k) for k in keys}).write_csv(root / name)
            names.append(name)
    manifest = {
        "scenario": scenario.key,
        "fingerprint": fingerprint,
        "files": names,
        "rows": int(counts.sum()),
        "xlsx": sum(n.endswith(".xlsx") for n in names),
        "bytes": sum((root / n).stat().st_size for n in names),
        "seconds": time.perf_counter() - start,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return manifest | {"cached": False, "files": [str(root / n) for n in names]}


# --- measurements, each run in its own child process (bench.run.in_child) ----------------------


def _ingest(files: list[str], work: str, reference: str | None, feedback: bool) -> dict[str, Any]:
    """``ingest_files`` into a fresh data dir; the clock covers the call only."""
    import duckdb

    from ntm.intake.ingest import ingest_files
    from ntm.reference import load_reference
    from ntm.store.paths import DataDir

    use_reference(reference)
    ref = load_reference()
    data_dir = DataDir(Path(tempfile.mkdtemp(dir=work)) / "data")
    start, cpu = time.perf_counter(), time.process_time()
    outcomes = ingest_files([Path(f) for f in files], data_dir, ref, now=NOW, feedback=feedback)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as con:
        found = con.execute(
            "select count(*), sum(rows_read), sum(rows_accepted), sum(rows_quarantined) "
            "from household_submissions"
        ).fetchone()
        by_type = con.execute(
            "select file_type, sum(rows_read), sum(rows_accepted) from household_submissions "
            "group by file_type order by file_type"
        ).fetchall()
    assert found is not None
    return {
        "by_type": {t: (int(r or 0), int(a or 0)) for t, r, a in by_type},
        "seconds": seconds,
        "cpu_seconds": cpu,
        "submissions": int(found[0]),
        "rows": int(found[1] or 0),
        "accepted": int(found[2] or 0),
        "quarantined": int(found[3] or 0),
        "issues": sum(o.issues for o in outcomes),
        "statuses": sorted({o.status for o in outcomes}),
        "forms": sorted({o.form for o in outcomes}),
        "feedback_files": sum(o.feedback is not None for o in outcomes),
        "data_dir": str(data_dir.root),
    }


def _chunks(files: list[str]) -> Iterable[list[str]]:
    """The files cut as ingest cuts them: BATCH_FILES files or BATCH_BYTES bytes a chunk."""
    from ntm.intake.ingest import BATCH_BYTES, BATCH_FILES

    chunk: list[str] = []
    size = 0
    for name in files:
        length = Path(name).stat().st_size
        if chunk and (len(chunk) >= BATCH_FILES or size + length > BATCH_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(name)
        size += length
    if chunk:
        yield chunk


def _floor(files: list[str], work: str, reference: str | None) -> dict[str, Any]:
    """Read every file as text and insert each chunk's rows into DuckDB in one statement."""
    from concurrent.futures import ThreadPoolExecutor

    import duckdb
    import fastexcel

    from ntm.intake.ingest import THREADS
    from ntm.reference import load_reference

    use_reference(reference)
    ref = load_reference()
    fmt = ref.households
    standard = ref.standard(STANDARD)
    assert standard is not None
    table_keys = [c.key for c in fmt.table_columns(standard.indicators)]
    meta_keys = list(fmt.csv_metadata_columns)
    keys = [*meta_keys, *table_keys]
    by_label = {line.label: line.key for line in fmt.metadata}

    def read(name: str) -> pl.DataFrame:
        path = Path(name)
        if path.suffix == ".csv":
            return pl.read_csv(path, infer_schema=False).select(keys)
        reader = fastexcel.read_excel(str(path))
        info = reader.load_sheet(fmt.metadata_sheet, header_row=None, dtypes="string").to_polars()
        values = {by_label.get(label): value for label, value in info.iter_rows()}
        grid = reader.load_sheet(fmt.households_sheet, header_row=1, dtypes="string").to_polars()
        grid = grid.select(grid.columns[: len(table_keys)])
        return grid.rename(dict(zip(grid.columns, table_keys, strict=True))).select(
            *[pl.lit(values.get(k), pl.String).alias(k) for k in meta_keys], *table_keys
        )

    # Typed as ingest stores them: whole numbers and flags as integers (a set-based TRY_CAST in
    # the insert), codes and words as text; a text-only table takes twice as long to insert.
    kinds = {c.key: c.kind for c in fmt.table_columns(standard.indicators)} | {
        "review_year": "count"
    }
    types = {k: {"flag": "TINYINT", "count": "INTEGER", "score": "INTEGER"}.get(
        kinds.get(k, ""), "VARCHAR") for k in keys}  # fmt: skip
    columns = ", ".join(f'"{k}" {t}' for k, t in types.items())
    typed = ", ".join(
        f'TRY_CAST("{k}" AS {t})' if t != "VARCHAR" else f'"{k}"' for k, t in types.items()
    )
    database = Path(tempfile.mkdtemp(dir=work)) / "floor.duckdb"
    read_s = insert_s = 0.0
    rows = 0
    start, cpu = time.perf_counter(), time.process_time()
    con = duckdb.connect(str(database))
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE TABLE households ({columns})")
    for chunk in _chunks(files):
        began = time.perf_counter()
        with ThreadPoolExecutor(THREADS) as pool:
            frame = pl.concat(list(pool.map(read, chunk)))
        read_s += time.perf_counter() - began
        began = time.perf_counter()
        con.register("chunk", frame)
        con.execute(f"INSERT INTO households SELECT {typed} FROM chunk")
        con.unregister("chunk")
        insert_s += time.perf_counter() - began
        rows += frame.height
    con.close()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    shutil.rmtree(database.parent, ignore_errors=True)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "read_seconds": read_s,
        "insert_seconds": insert_s,
        "rows": rows,
    }


def _counts(data_dir: str, reference: str | None, level: str) -> dict[str, Any]:
    """``household_counts`` (what ``ntm households`` prints) on an ingested review."""
    from ntm.indicators.households import household_counts
    from ntm.reference import load_reference
    from ntm.store.paths import DataDir
    from ntm.store.warehouse import Warehouse

    use_reference(reference)
    ref = load_reference()
    with Warehouse.open(DataDir(Path(data_dir)).warehouse, read_only=True) as warehouse:
        start = time.perf_counter()
        table = household_counts(warehouse, ref, REVIEW_YEAR, KIND, level)
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rows": table.height,
        "households": int(table["households"].sum()),
        "poor": int(table["poor"].sum()),
        "near_poor": int(table["near_poor"].sum()),
    }


def _command(data_dir: str, reference: str | None, level: str) -> dict[str, Any]:
    """``ntm households --level <level>`` as an operator runs it: start-up included."""
    import resource

    env = os.environ | ({"NTM_REFERENCE_DIR": reference} if reference else {})
    command = [str(Path(sys.executable).with_name("ntm")), "households", "--data-dir", data_dir,
               "--year", str(REVIEW_YEAR), "--kind", KIND, "--level", level]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"ntm households failed ({done.returncode}): {done.stderr[-2000:]}")
    return {
        "seconds": seconds,
        "lines": len(done.stdout.splitlines()),
        "children_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


# --- a scenario, side by side --------------------------------------------------------------------


def _files_of(scenario: Scenario, cache: Path, reference: str | None) -> dict[str, Any]:
    say(f"{scenario.title}: files (cache {cache / scenario.key})")
    return in_child(HOUSE_TASKS + "_generate", reference, str(cache / scenario.key), scenario)


def _scenario(
    results: Results, scenario: Scenario, runs: int, cache: Path, work: Path
) -> dict[str, Any]:
    """Every row of one scenario; returns what the targets need."""
    reference = None
    if scenario.country is not None:
        reference = str(national_reference(work / f"country-{scenario.key}", *scenario.country))
    made = _files_of(scenario, cache, reference)
    files: list[str] = made["files"]
    n, xlsx, label, key = len(files), int(made["xlsx"]), scenario.label, scenario.key
    results.row(
        f"{key}_generate", f"{label}generate {n:,} files ({made['rows']:,} households)",
        count=n, count_unit="files",
        note=f"{xlsx:,} .xlsx + {n - xlsx:,} CSV, {made['bytes'] / 2**20:,.1f} MiB; 1 run; "
        + ("cached, generated " + made["generated_at"] if made["cached"] else "generated now"),
    ).seconds.append(float(made["seconds"]))  # fmt: skip
    kept: str | None = None
    for feedback in (False, True):
        what = "ingest + feedback workbooks" if feedback else "ingest+validate+store"
        row_key = f"{key}_ingest" + ("_feedback" if feedback else "")
        outs = measure(
            results, row_key, f"{label}{what} ({n:,} files)", runs,
            HOUSE_TASKS + "_ingest", files, str(work), reference, feedback,
            count=made["rows"], count_unit="rows",
        )  # fmt: skip
        first = outs[0]
        results.rows[row_key].note = (
            f"{first['rows']:,} rows read, {first['accepted']:,} accepted, "
            f"{first['quarantined']:,} quarantined, {first['issues']} issues; "
            f"{first['submissions']:,} submissions {', '.join(first['statuses'])}"
            + (f"; {first['feedback_files']:,} feedback .xlsx" if feedback else "")
        )
        expected = (made["rows"], made["rows"], ["accepted"])
        if not feedback and (first["rows"], first["accepted"], first["statuses"]) != expected:
            results.notes.append(
                f"{label}every generated row is valid, yet ingest read {first['rows']:,} and "
                f"accepted {first['accepted']:,} of {made['rows']:,} rows "
                f"({first['quarantined']:,} quarantined, {first['issues']} issues; files "
                f"{', '.join(first['statuses'])}). By file type (read → accepted): "
                + ", ".join(f".{t} {r:,} → {a:,}" for t, (r, a) in first["by_type"].items())
                + "."
            )
        extra(
            results, f"{row_key}_cpu", f"{label}{what}: CPU seconds of its process",
            [float(o["cpu_seconds"]) for o in outs],
            note="process_time: every thread's CPU, whatever else runs on the machine",
        )  # fmt: skip
        for out in outs:  # the data dirs are large: keep one for the counts
            if kept is None and not feedback:
                kept = out["data_dir"]
            else:
                shutil.rmtree(Path(out["data_dir"]).parent, ignore_errors=True)
    floors = measure(
        results, f"{key}_floor", f"{label}floor total: read + DuckDB insert ({n:,} files)", runs,
        HOUSE_TASKS + "_floor", files, str(work), reference, count=made["rows"],
        count_unit="rows", note="fastexcel/polars.read_csv as text, one typed INSERT per chunk",
    )  # fmt: skip
    extra(
        results, f"{key}_floor_read", f"{label}floor: read (fastexcel, polars CSV)",
        [float(o["read_seconds"]) for o in floors], note=f"{floors[0]['rows']:,} rows",
    )  # fmt: skip
    extra(
        results, f"{key}_floor_insert", f"{label}floor: DuckDB insert",
        [float(o["insert_seconds"]) for o in floors],
    )  # fmt: skip
    extra(
        results, f"{key}_floor_cpu", f"{label}floor total: CPU seconds of its process",
        [float(o["cpu_seconds"]) for o in floors],
    )  # fmt: skip
    assert kept is not None
    counted: dict[str, Any] = {}
    for level in ("province", "commune"):
        outs = measure(
            results, f"{key}_counts_{level}",
            f"{label}household_counts level={level} (`ntm households`)", runs,
            HOUSE_TASKS + "_counts", kept, reference, level,
        )  # fmt: skip
        counted[level] = outs[0]
        results.rows[f"{key}_counts_{level}"].note = (
            f"{outs[0]['rows']:,} rows; {outs[0]['households']:,} households, "
            f"{outs[0]['poor']:,} poor, {outs[0]['near_poor']:,} near-poor"
        )
    outs = measure(
        results, f"{key}_command", f"{label}`ntm households --level province` (whole command)",
        runs, HOUSE_TASKS + "_command", kept, reference, "province",
        note="its own process: start-up, reference, warehouse, query, CSV out",
    )  # fmt: skip
    results.rows[f"{key}_command"].peak_mib = [float(o["children_peak_mib"]) for o in outs]
    shutil.rmtree(Path(kept).parent, ignore_errors=True)
    ours = results.rows[f"{key}_ingest"].median
    feedback_s = results.rows[f"{key}_ingest_feedback"].median
    floor = results.rows[f"{key}_floor"].median
    read = results.rows[f"{key}_floor_read"].median
    cpu = {k: results.rows[f"{key}_{k}_cpu"].median for k in ("ingest", "floor")}
    cpu_feedback = results.rows[f"{key}_ingest_feedback_cpu"].median
    results.ratios += [
        (f"{label}ingest / floor (read + insert)", f"{ours / floor:.2f}×"),
        (f"{label}ingest with feedback workbooks / floor", f"{feedback_s / floor:.2f}×"),
        (f"{label}ingest / floor's read alone", f"{ours / read:.2f}×"),
        (f"{label}ingest / floor, CPU seconds", f"{cpu['ingest'] / cpu['floor']:.2f}×"),
        (f"{label}ingest with feedback workbooks / floor, CPU seconds",
         f"{cpu_feedback / cpu['floor']:.2f}×"),
    ]  # fmt: skip
    return {"households": counted["province"]["households"]}


def _targets(results: Results, scenarios: Sequence[Scenario]) -> None:
    met = {True: "met", False: "NOT met"}
    rows = results.rows
    for scenario in scenarios:
        key, where = scenario.key, scenario.title
        tiny = key.startswith("tiny")

        def verdict(ok: bool, tiny: bool = tiny) -> str:
            return "not assessed (tiny)" if tiny else met[ok]

        ours, floor = rows[f"{key}_ingest"].median, rows[f"{key}_floor"].median
        cpu = rows[f"{key}_ingest_cpu"].median / rows[f"{key}_floor_cpu"].median
        with_feedback = rows[f"{key}_ingest_feedback"].median
        peak = max(rows[f"{key}_ingest"].peak_mib + rows[f"{key}_ingest_feedback"].peak_mib)
        counts = rows[f"{key}_counts_province"].median
        counts_verdict = verdict(counts < TARGET_COUNTS_S)
        if scenario is not NATIONAL and not tiny:
            counts_verdict += " (the target is national)"
        results.targets += [
            (f"ingest ≤ {TARGET_RATIO}× the floor — {where}",
             f"{ours / floor:.2f}× (CPU seconds: {cpu:.2f}×)",
             verdict(ours <= TARGET_RATIO * floor)),
            (f"ingest with feedback workbooks ≤ {TARGET_RATIO}× the floor — {where}",
             f"{with_feedback / floor:.2f}×", verdict(with_feedback <= TARGET_RATIO * floor)),
            (f"ingest peak memory < 1.5 GiB (both ingest rows) — {where}", f"{peak:,.0f} MiB",
             verdict(peak < TARGET_MIB)),
            (f"`ntm households --level province` (household_counts) < {TARGET_COUNTS_S:.0f} s"
             f" — {where}", f"{counts:.3f} s", counts_verdict),
        ]  # fmt: skip


def run_households(scale: str, runs: int, cache: Path, work: Path) -> Results:
    """The household scenarios of ``scale``: tiny (both, a few files), province (the census),
    national (the census and the national review)."""
    results = Results(scale, runs)
    scenarios = SCENARIOS[scale]
    load = [f"{os.getloadavg()[0]:.1f} at the start"]
    for scenario in scenarios:
        capped = min(runs, NATIONAL_MAX_RUNS) if scenario.country and not scenario.files else runs
        _scenario(results, scenario, capped, cache, work)
        load.append(f"{os.getloadavg()[0]:.1f} after the {scenario.title}")
        if capped < runs:
            results.notes.append(
                f"The {scenario.title}'s rows use {capped} runs, not {runs}, to keep the run "
                "time-boxed."
            )
    results.notes.append(
        f"1-minute load average of the machine ({os.cpu_count()} CPUs, shared): "
        + ", ".join(load)
        + "; above the CPU count, other jobs ran beside the measurements."
    )
    _targets(results, scenarios)
    return results


def product() -> str:
    """Which product code was measured: the commit of the checkout ``ntm`` is imported from,
    and the product files with uncommitted changes."""
    import ntm

    root = Path(ntm.__file__).resolve().parents[1]

    def git(*args: str) -> str | None:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        )
        return done.stdout if done.returncode == 0 else None

    commit = git("log", "-1", "--format=%h")
    if not commit:
        return f"`{root}` (not a git checkout)"
    subject = (git("log", "-1", "--format=%s") or "").strip()
    subject = subject if len(subject) <= 60 else subject[:60] + "…"
    dirty = git("status", "--porcelain", "--", "ntm", "transforms", "flows", "data/reference")
    changed = sorted({line[3:] for line in (dirty or "").splitlines() if line})
    state = f"uncommitted changes in {', '.join(changed)}" if changed else "no uncommitted change"
    return f"commit {commit.strip()} ({subject}), {state}"


def render_households(results: Results, command: str) -> str:
    table = markdown_table(HEADER, [r.cells() for r in results.rows.values() if r.name])
    parts = [
        f"Scale `{results.scale}`, {results.runs} runs per row unless the runs column says "
        f"otherwise. Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by:",
        f"```sh\n{command}\n```",
        f"Product measured: {product()}.",
        "### Machine\n\n" + machine(),
        "### Results (household review)\n\n" + table,
        "### Ratios (medians)\n\n" + markdown_table(["ratio", "value"], results.ratios),
        "### Targets (issue 17 item 8)\n\n"
        + markdown_table(["target", "measured", "verdict"], results.targets),
    ]
    if results.notes:
        parts.append("\n".join(f"- {n}" for n in results.notes))
    return "\n\n".join(parts)


def write_households_out(path: Path, generated: str) -> None:
    """Replace the household block between its markers; without them, put it right after the
    quarterly block (or at the end). Nothing else in the file changes."""
    block = f"{HH_BEGIN}\n{generated}\n{HH_END}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if HH_BEGIN in text and HH_END in text:
        before, rest = text.split(HH_BEGIN, 1)
        text = before + block + rest.split(HH_END, 1)[1]
    elif BEGIN in text and END in text:
        before, after = text.split(END, 1)
        text = f"{before}{END}\n\n{block}{after}"
    else:
        text = text.rstrip("\n") + f"\n\n{block}\n"
    path.write_text(text, encoding="utf-8")


def default_cache() -> Path:
    """``$NTM_BENCH_CACHE``, else ``ntm-bench-cache`` in the temporary folder."""
    given = os.environ.get("NTM_BENCH_CACHE")
    return Path(given) if given else Path(tempfile.gettempdir()) / "ntm-bench-cache"


# --- profile -------------------------------------------------------------------------------------


def profile_households(scale: str, cache: Path, work: Path, top: int = 40) -> str:
    """cProfile of one ingest (no feedback) of the scale's largest scenario, in this process
    after a warm-up on a few of its files; by cumulative and by own time."""
    from ntm.intake.ingest import ingest_files
    from ntm.reference import load_reference
    from ntm.store.paths import DataDir

    scenario = SCENARIOS[scale][-1]
    reference = None
    if scenario.country is not None:
        reference = str(national_reference(work / "country", *scenario.country))
        os.environ["NTM_REFERENCE_DIR"] = reference
    files = [Path(f) for f in _files_of(scenario, cache, reference)["files"]]
    ref = load_reference()
    ingest_files(files[:12], DataDir(work / "warm"), ref, now=NOW, feedback=False)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    ingest_files(files, DataDir(work / "profiled"), ref, now=NOW, feedback=False)
    profiler.disable()
    seconds = time.perf_counter() - start
    out = io.StringIO()
    out.write(f"{scenario.title}: {len(files):,} files, {seconds:.1f} s under cProfile\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    import ntm

    root = str(Path(ntm.__file__).resolve().parents[1]) + "/"
    return re.sub(r"/\S*/site-packages/", "", out.getvalue().replace(root, ""))


# --- household_tables over five periodic reviews (issue 19 point 6) ---------------------------

TB_BEGIN, TB_END = "<!-- bench:household-tables:begin -->", "<!-- bench:household-tables:end -->"
PANEL_VERSION = 1  # bump when the generated warehouse changes: the cache is made again
PANEL_YEARS = (2022, 2023, 2024, 2025, 2026)  # five periodic reviews under 2022-2026
EXIT_SHARE = 0.015  # listed households that leave the list in a year (dissolved, moved away)
RELIST_SHARE = 0.10  # households off the list that are listed again the next year
NEW_SHARE = 0.016  # new households each year, of the first review's size
MOVE_SHARE = 0.004  # listed households that move to another commune, key kept
RESUBMIT_SHARE = 0.01  # communes that sent their review twice: the first version superseded
FORM_OFF_SHARE = 0.05  # communes whose Q4 form is off by 1-3 in one movement figure
# A household's class from one review to the next (rows: poor, near-poor, not poor then).
CLASS_CHANGES = np.array([[0.70, 0.12, 0.18], [0.06, 0.60, 0.34], [0.012, 0.02, 0.968]])
RESULTS = ("poor", "near_poor", "not_poor")
FIGURES = (  # the Q4 form's movement figures, in household_tables' MOVEMENTS order
    ("exited_poor", "poor_exited"), ("returned_poor", "poor_returned"), ("new_poor", "poor_new"),
    ("exited_near_poor", "near_poor_exited"), ("returned_near_poor", "near_poor_returned"),
    ("new_near_poor", "near_poor_new"),
)  # fmt: skip
TARGET_TABLES_S, TARGET_TABLES_MIB = 5.0, 2 * 1024


@dataclass(frozen=True)
class Panel:
    """Five periodic reviews of the same households on a synthetic country."""

    key: str  # the cache folder's name, and the rows' prefix
    title: str
    households: int  # of the first review; later ones stay close to it
    country: tuple[int, int]  # (districts, communes), bench.run.national_reference
    seed: int = 19

    @property
    def label(self) -> str:
        return f"{self.title}: "


PANELS = {
    "tiny": Panel("tiny-reviews", "tiny reviews", 2_000, (6, 60)),
    "province": Panel("province-reviews", "province reviews", 385_000, (9, 69)),
    "national": Panel(
        "national-reviews", "national reviews", 3_000_000, (NATIONAL_UNITS, NATIONAL_COMMUNES)
    ),
}


def review_panel(
    sizes: np.ndarray, years: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The same households over ``years`` periodic reviews: ``(classes, communes)``, both
    ``years × households``; a class is 0 poor, 1 near-poor, 2 not poor, -1 not listed that
    year, and ``communes[y, i]`` the commune (index into ``sizes``) household ``i`` lives in.

    The first review lists ``sizes[c]`` households in commune ``c``; each later one keeps most
    of them under the same key, drops ``EXIT_SHARE`` of them, lists again ``RELIST_SHARE`` of
    those off the list, adds ``NEW_SHARE`` new ones and moves ``MOVE_SHARE`` to another commune;
    every household's class follows ``CLASS_CHANGES``. Vectorised: no loop over households."""
    communes = sizes.size
    first = int(sizes.sum())
    births = round(first * NEW_SHARE)
    total = first + (years - 1) * births
    weights = sizes / sizes.sum()
    poor_rate = rng.uniform(0.03, 0.16, communes)
    near_rate = rng.uniform(0.02, 0.07, communes)

    def first_class(where: np.ndarray) -> np.ndarray:
        u = rng.random(where.size)
        poor = poor_rate[where]
        return np.where(u < poor, 0, np.where(u < poor + near_rate[where], 1, 2))

    commune = np.zeros(total, np.int32)
    commune[:first] = np.repeat(np.arange(communes), sizes)
    state = np.full(total, 2, np.int8)
    state[:first] = first_class(commune[:first])
    listed = np.zeros(total, bool)
    listed[:first] = True
    thresholds = np.cumsum(CLASS_CHANGES, axis=1)[:, :2]  # the last class takes the rest
    classes = np.full((years, total), -1, np.int8)
    places = np.zeros((years, total), np.int32)
    born = first
    for year in range(years):  # a handful of years, each vectorised
        if year:
            u = rng.random(born)
            listed[:born] = np.where(listed[:born], u >= EXIT_SHARE, u < RELIST_SHARE)
            moved = np.flatnonzero(listed[:born] & (rng.random(born) < MOVE_SHARE))
            commune[moved] = rng.choice(communes, moved.size, p=weights)
            u = rng.random(born)
            state[:born] = (u[:, None] >= thresholds[state[:born]]).sum(axis=1)
            new = slice(born, born + births)
            commune[new] = rng.choice(communes, births, p=weights)
            state[new] = first_class(commune[new])
            listed[new] = True
            born += births
        classes[year] = np.where(listed, state, -1)
        places[year] = commune
    return classes, places


def panel_movements(
    classes: np.ndarray, places: np.ndarray, year: int, communes: int
) -> dict[str, np.ndarray]:
    """What ``household_movements.sql`` should count for review ``year`` (an index, ≥ 1)
    against the one before, per commune (index): the truth the generator knows."""
    then, now = classes[year - 1], classes[year]
    flows: dict[str, np.ndarray] = {}
    for code, name in enumerate(("poor", "near_poor")):
        before = (classes[: year - 1] == code).any(axis=0)
        exited = (then == code) & (now != code)
        entered = (now == code) & (then != code)
        flows[f"exited_{name}"] = np.bincount(places[year - 1][exited], minlength=communes)
        flows[f"returned_{name}"] = np.bincount(places[year][entered & before], minlength=communes)
        flows[f"new_{name}"] = np.bincount(places[year][entered & ~before], minlength=communes)
    return {m: flows[m] for m, _ in FIGURES}


def _listed_items(keys: Sequence[str]) -> pl.Expr:
    """The keys whose boolean column is set, as a list in the given order (as ingest stores
    ``deprivations`` and ``causes``)."""
    named = [pl.when(pl.col(k)).then(pl.lit(k)).otherwise(pl.lit("")) for k in keys]
    return pl.concat_str(named, separator=" ").str.extract_all(r"[a-z_]+")


def panel_rows(
    classes: np.ndarray,
    places: np.ndarray,
    communes: pl.DataFrame,
    year: int,
    indicators: Sequence[str],
    causes: Sequence[str],
    rng: np.random.Generator,
) -> pl.DataFrame:
    """The stg_households columns (but submission_id and household_key) of the households
    listed in review ``year`` (an index), plus household_id (the panel's index, hashed into the
    key on insert): one commune's rows after another, as its file listed them. Every row is
    what ingest accepts: the result follows the rule (B1 at or under the area's cut-off and 3
    or more deprivations: poor; fewer: near-poor; above it: not poor), a cause for every poor
    and near-poor household."""
    ids = np.flatnonzero(classes[year] >= 0)
    where = places[year][ids]
    order = np.lexsort((ids, where))
    ids, where = ids[order], where[order]
    cls = classes[year][ids]
    n = ids.size
    excel_row = np.arange(n) - np.searchsorted(where, where, side="left") + 2
    urban_commune = (communes["unit_type"] == "phường").to_numpy()[where]
    urban = np.where(urban_commune, rng.random(n) < 0.85, rng.random(n) < 0.03)
    cutoff = np.where(urban, 175, 140)
    below = cls < 2
    score = np.where(below, rng.integers(30, cutoff + 1), rng.integers(cutoff + 1, 420))
    deprived = np.select(
        [cls == 0, cls == 1],
        [rng.integers(3, 7, n), rng.integers(0, 3, n)],
        rng.binomial(len(indicators), 0.06, n),
    )
    ranks = rng.random((n, len(indicators))).argsort(axis=1).argsort(axis=1)
    flags = ranks < deprived[:, None]
    reasons = (rng.random((n, len(causes))) < 0.15) & below[:, None]
    counted = np.flatnonzero(below)
    reasons[counted, rng.integers(0, len(causes), counted.size)] = True
    frame = pl.DataFrame(
        {
            "household_id": ids.astype(np.int64),
            "commune_code": pl.Series(communes["unit_code"]).gather(where),
            "excel_row": excel_row.astype(np.int32),
            "urban_commune": urban_commune,
            "village_number": rng.integers(1, 16, n),
            "urban": urban,
            "members": rng.integers(1, 9, n).astype(np.int32),
            "income_score": score.astype(np.int32),
            "below_line": below,
            **{key: flags[:, i] for i, key in enumerate(indicators)},
            "deprivation_count": deprived.astype(np.int32),
            "result": pl.Series(np.array(RESULTS)[cls]),
            "ethnic_minority": rng.random(n) < 0.12,
            "merit_person": rng.random(n) < 0.05,
            "social_assistance": rng.random(n) < 0.08,
            "no_labour": rng.random(n) < 0.04,
            **{key: reasons[:, i] for i, key in enumerate(causes)},
        }
    )
    return frame.select(
        "household_id",
        "commune_code",
        "excel_row",
        row_status=pl.lit("accepted"),
        village=pl.when(pl.col("urban_commune"))
        .then(pl.lit("Tổ dân phố "))
        .otherwise(pl.lit("Thôn "))
        + pl.col("village_number").cast(pl.String),
        area=pl.when(pl.col("urban")).then(pl.lit("urban")).otherwise(pl.lit("rural")),
        members="members",
        income_score="income_score",
        below_line="below_line",
        deprivations=_listed_items(indicators),
        deprivation_count="deprivation_count",
        result="result",
        ethnic_minority="ethnic_minority",
        merit_person="merit_person",
        social_assistance="social_assistance",
        no_labour="no_labour",
        causes=_listed_items(causes),
    )


def _panel_submissions(
    communes: pl.DataFrame, rows: np.ndarray, year: int, first_id: int, template: str,
    rng: np.random.Generator,
) -> pl.DataFrame:  # fmt: skip
    """household_submissions of one review: one accepted file per commune (``rows[c]``
    households), and before them the superseded first version of ``RESUBMIT_SHARE`` of them."""
    n = communes.height
    twice = np.flatnonzero(rng.random(n) < RESUBMIT_SHARE)
    which = np.concatenate([twice, np.arange(n)])
    version = np.concatenate([np.ones(twice.size), np.where(np.isin(np.arange(n), twice), 2, 1)])
    codes = pl.Series(communes["unit_code"]).gather(which)
    count = rows[which]
    sent = datetime(year + 1, 1, 20, 3, 0, tzinfo=UTC)
    frame = pl.DataFrame(
        {
            "submission_id": np.arange(first_id, first_id + which.size, dtype=np.int64),
            "unit_code": codes,
            "version": version.astype(np.int32),
            "rows": count.astype(np.int32),
            "xlsx": which % XLSX_EVERY == 0,
        }
    )
    return frame.select(
        "submission_id",
        file_type=pl.when("xlsx").then(pl.lit("xlsx")).otherwise(pl.lit("csv")),
        size_bytes=pl.col("rows").cast(pl.Int64) * 130 + 900,
        file_name=pl.format("{}_HN_{}_{}", "unit_code", pl.lit(year), pl.lit(KIND))
        + pl.when("xlsx").then(pl.lit(".xlsx")).otherwise(pl.lit(".csv")),
        unit_code="unit_code",
        review_year=pl.lit(year, pl.Int32),
        review_kind=pl.lit(KIND),
        standard=pl.lit(STANDARD),
        version="version",
        status=pl.lit("accepted"),
        received_at=pl.lit(sent),
        ingested_at=pl.lit(sent),
        prepared_on=pl.lit(date(year + 1, 1, 15)),
        prepared_by=pl.lit("Công chức Văn hóa - Xã hội"),
        template_version=pl.lit(template),
        rows_read="rows",
        rows_accepted="rows",
        rows_quarantined=pl.lit(0, pl.Int32),
        file_errors=pl.lit(0, pl.Int32),
        row_errors=pl.lit(0, pl.Int32),
        warnings=pl.lit(0, pl.Int32),
    )


def _q4_forms(
    communes: pl.DataFrame, classes: np.ndarray, places: np.ndarray, year: int,
    calendar_year: int, first_id: int, rng: np.random.Generator,
) -> tuple[pl.DataFrame, int]:  # fmt: skip
    """The Q4 form of ``calendar_year`` of every commune (one row each, accepted): its
    movement figures those the lists give, but in ``FORM_OFF_SHARE`` of the communes one
    figure 1-3 higher. Returns the rows (submission_id first) and how many are off."""
    n = communes.height
    truth = panel_movements(classes, places, year, n)
    off = np.flatnonzero(rng.random(n) < FORM_OFF_SHARE)
    which_figure = rng.integers(0, len(FIGURES), off.size)
    figures = {form: truth[count].copy() for count, form in FIGURES}
    for i, (_, form) in enumerate(FIGURES):
        mine = off[which_figure == i]
        figures[form][mine] += rng.integers(1, 4, mine.size)

    def count(cls: np.ndarray, where: np.ndarray, code: int | None) -> np.ndarray:
        mask = cls >= 0 if code is None else cls == code
        return np.bincount(where[mask], minlength=n)

    now, then = classes[year], classes[year - 1]
    households = count(now, places[year], None)
    workers = households * 2
    frame = pl.DataFrame(
        {
            "submission_id": np.arange(first_id, first_id + n, dtype=np.int64),
            "unit_code": communes["unit_code"],
            "commune_name": communes["unit_name"],
            "households": households,
            "poor_start": count(then, places[year - 1], 0),
            "near_poor_start": count(then, places[year - 1], 1),
            "poor_end": count(now, places[year], 0),
            "near_poor_end": count(now, places[year], 1),
            **figures,
            "workers": workers,
            "workers_trained": workers * 7 // 10,
            "workers_certified": workers * 7 // 20,
            "coop_members": households // 20,
            "coop_members_women": households // 60,
            "child_abuse_cases": np.zeros(n, np.int64),
            "child_abuse_supported": np.zeros(n, np.int64),
            "child_abuse_handled": np.zeros(n, np.int64),
        }
    ).with_columns(
        pl.exclude("submission_id", "unit_code", "commune_name").cast(pl.Int64),
        period=pl.lit(f"{calendar_year}-Q4"),
        commune_code=pl.col("unit_code"),
    )
    return frame, int(off.size)


def _build_reviews(reference: str, folder: str, panel: Panel) -> dict[str, Any]:
    """Write (or find in the cache) the warehouse of the panel's five reviews; its manifest.

    The rows go in set-wise, as ingest would have stored them (no file is read): per review,
    its household_submissions, then its stg_households from a Parquet file in one
    ``INSERT … SELECT`` (keys hashed there, 64 hex digits as HMAC-SHA256 gives), then every
    commune's Q4 form (raw_files, submissions, stg_commune_figures) from the second review on.
    """
    from ntm.reference import load_reference
    from ntm.store.warehouse import SQL_DIR, Warehouse
    from transforms.registry import valid_on

    use_reference(reference)
    ref = load_reference()
    standard = ref.standard(STANDARD)
    assert standard is not None, STANDARD
    indicators = list(standard.indicator_ids)
    causes = [c.key for c in ref.households.causes]
    communes = (
        valid_on(ref.registry, date(PANEL_YEARS[-1], 12, 31))
        .filter(pl.col("unit_level") == "commune")
        .select("unit_code", "unit_name", "unit_type")
        .sort("unit_code")
    )
    schema = (SQL_DIR / "schema.sql").read_text(encoding="utf-8")
    fingerprint = hashlib.sha256(
        json.dumps(
            [PANEL_VERSION, panel.households, panel.seed, PANEL_YEARS, indicators, causes,
             communes.rows(), schema],
            ensure_ascii=False,
        ).encode()
    ).hexdigest()[:16]  # fmt: skip
    root = Path(folder)
    database = root / "ntm.duckdb"
    manifest_path = root / "manifest.json"
    if manifest_path.exists() and database.exists():
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest["fingerprint"] == fingerprint:
            return manifest | {"cached": True, "database": str(database)}
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    start = time.perf_counter()
    rng = np.random.default_rng(panel.seed)
    n = communes.height
    sizes = _split(panel.households, n, rng)
    classes, places = review_panel(sizes, len(PANEL_YEARS), rng)
    by_year: list[int] = []
    submission_id = form_id = 0
    off = 0
    with Warehouse.open(database) as warehouse:
        con = warehouse.con
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = true")
        for index, year in enumerate(PANEL_YEARS):
            rows = panel_rows(classes, places, communes, index, indicators, causes, rng)
            parquet = root / f"rows-{year}.parquet"
            rows.write_parquet(parquet)
            by_year.append(rows.height)
            del rows
            listed = np.bincount(places[index][classes[index] >= 0], minlength=n)
            submissions = _panel_submissions(
                communes, listed, year, submission_id + 1, ref.households.template_version, rng
            )
            submission_id += submissions.height
            con.register("incoming_submissions", submissions)
            con.execute(
                "INSERT INTO household_submissions BY NAME SELECT *, "
                "sha256(file_name || ':' || submission_id) AS content_sha256 "
                "FROM incoming_submissions"
            )
            con.unregister("incoming_submissions")
            # Every version of the commune's review holds its rows (the first, superseded one
            # the same rows); in submission order, as ingest stores them.
            con.execute(
                "INSERT INTO stg_households BY NAME "
                "SELECT s.submission_id, r.* EXCLUDE (household_id), "
                "sha256('ntm-bench:' || r.household_id) AS household_key "
                f"FROM read_parquet('{parquet}') AS r "
                "JOIN household_submissions AS s ON s.unit_code = r.commune_code "
                "AND s.review_year = ? ORDER BY s.submission_id, r.excel_row",
                [year],
            )
            parquet.unlink()
            if index == 0:
                continue
            forms, off = _q4_forms(communes, classes, places, index, year, form_id + 1, rng)
            form_id += forms.height
            con.register("incoming_forms", forms)
            con.execute(
                "INSERT INTO raw_files SELECT sha256('q4:' || unit_code || period), 'xlsx', "
                "24000, 'synthetic'::BLOB, TIMESTAMPTZ '2027-01-05 03:00:00+00' "
                "FROM incoming_forms"
            )
            con.execute(
                "INSERT INTO submissions BY NAME SELECT submission_id, "
                "sha256('q4:' || unit_code || period) AS content_sha256, "
                "unit_code || '_' || period || '.xlsx' AS file_name, unit_code, period, "
                "1 AS version, 'accepted' AS status, "
                "TIMESTAMPTZ '2027-01-05 03:00:00+00' AS received_at, "
                "TIMESTAMPTZ '2027-01-05 03:00:00+00' AS ingested_at, "
                "1 AS rows_read, 1 AS rows_accepted, 0 AS rows_quarantined, 0 AS file_errors, "
                "0 AS row_errors, 0 AS warnings FROM incoming_forms"
            )
            con.execute(
                "INSERT INTO stg_commune_figures BY NAME SELECT *, 9 AS excel_row, "
                "'accepted' AS row_status FROM incoming_forms"
            )
            con.unregister("incoming_forms")
        con.execute(
            "INSERT INTO household_key_check "
            "VALUES ('synthetic', TIMESTAMPTZ '2023-01-20 03:00:00+00')"
        )
        con.execute("CHECKPOINT")
        stored = con.execute("SELECT count(*) FROM stg_households").fetchone()
    truth = panel_movements(classes, places, len(PANEL_YEARS) - 1, n)
    last = classes[-1]
    manifest = {
        "panel": panel.key,
        "fingerprint": fingerprint,
        "years": list(PANEL_YEARS),
        "communes": n,
        "households_by_year": by_year,
        "rows": int(stored[0]) if stored else 0,
        "keys": int((classes >= 0).any(axis=0).sum()),
        "submissions": submission_id,
        "bytes": database.stat().st_size,
        "seconds": time.perf_counter() - start,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        # What household_tables must give for the last review (the generator's truth).
        "truth": {
            "households": int((last >= 0).sum()),
            "poor": int((last == 0).sum()),
            "near_poor": int((last == 1).sum()),
            "movements": {k: int(v.sum()) for k, v in truth.items()},
            "differences": off,
        },
    }
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return manifest | {"cached": False, "database": str(database)}


def _tables(database: str, reference: str, year: int) -> dict[str, Any]:
    """``household_tables(warehouse, ref, year)`` on a read-only warehouse, the clock around
    the call; the time of each of its statements (``Warehouse.frame``) on the side."""
    import duckdb

    from ntm.indicators.households import household_tables
    from ntm.reference import load_reference
    from ntm.store.warehouse import Warehouse

    use_reference(reference)
    ref = load_reference()
    statements: dict[str, float] = {}

    class TimedWarehouse(Warehouse):
        def frame(self, name: str, **params: Any) -> pl.DataFrame:
            began = time.perf_counter()
            try:
                return super().frame(name, **params)
            finally:
                statements[name] = statements.get(name, 0.0) + time.perf_counter() - began

    # No progress bar: DuckDB draws one on stdout for a statement over 2 s, in the bench's output.
    con = duckdb.connect(database, read_only=True)
    try:
        con.execute("SET enable_progress_bar = false")
        warehouse = TimedWarehouse(con, read_only=True)
        start, cpu = time.perf_counter(), time.process_time()
        tables = household_tables(warehouse, ref, year)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        con.close()
    province = pl.col("unit_level") == "province"
    moved = tables.movements.filter(province & (pl.col("kind") == KIND))
    counted = tables.counts.filter(province & (pl.col("kind") == KIND))
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "statements": statements,
        "households": int(counted["households"].sum()),
        "poor": int(counted["poor"].sum()),
        "near_poor": int(counted["near_poor"].sum()),
        "movements": {m: int(moved[m].sum()) for m, _ in FIGURES},
        "differences": tables.reconciliation.height,
        "rows": {name: getattr(tables, name).height for name in TABLE_FRAMES},
    }


TABLE_FRAMES = ("counts", "movements", "reconciliation", "deprivations", "causes", "groups")
FLOOR_SQL = (
    "SELECT {keys}, count(*) AS households FROM stg_households "
    "JOIN household_submissions USING (submission_id) WHERE review_year IN ({years}) "
    "GROUP BY ALL"
)


def _tables_floor(database: str, years: list[int]) -> dict[str, Any]:
    """The floor: one DuckDB GROUP BY over the same rows (commune, result; and year when two
    reviews), result fetched into polars; the clock around the query only."""
    import duckdb

    keys = "review_year, commune_code, result" if len(years) > 1 else "commune_code, result"
    query = FLOOR_SQL.format(keys=keys, years=", ".join(str(y) for y in years))
    con = duckdb.connect(database, read_only=True)
    try:
        con.execute("SET enable_progress_bar = false")
        start = time.perf_counter()
        out = con.sql(query).pl()
        seconds = time.perf_counter() - start
    finally:
        con.close()
    return {"seconds": seconds, "groups": out.height, "rows": int(out["households"].sum())}


def run_household_tables(scale: str, runs: int, cache: Path, work: Path) -> Results:
    """``household_tables`` over the five reviews of ``PANELS[scale]``, beside its floor."""
    results = Results(scale, runs)
    panel = PANELS[scale]
    label, key = panel.label, panel.key
    load = [f"{os.getloadavg()[0]:.1f} at the start"]
    reference = str(national_reference(work / f"country-{key}", *panel.country))
    say(f"{panel.title}: warehouse (cache {cache / key})")
    made = in_child(HOUSE_TASKS + "_build_reviews", reference, str(cache / key), panel)
    database, years = made["database"], made["years"]
    last, rows = years[-1], made["rows"]
    results.row(
        f"{key}_build",
        f"{label}build the warehouse: {len(years)} reviews {years[0]}-{last}, {rows:,} rows",
        count=rows, count_unit="rows",
        note=f"{made['communes']:,} communes, {made['keys']:,} household keys, households per "
        f"review {', '.join(f'{h:,}' for h in made['households_by_year'])}, "
        f"{made['submissions']:,} review files (1% sent twice), "
        f"{made['bytes'] / 2**20:,.0f} MiB; 1 run; "
        + ("cached, built " + made["generated_at"] if made["cached"] else "built now"),
    ).seconds.append(float(made["seconds"]))  # fmt: skip
    what = f"household_tables(warehouse, ref, {last})"
    outs = measure(
        results, f"{key}_tables", f"{label}{what}: movements, profile, reconciliation", runs,
        HOUSE_TASKS + "_tables", database, reference, last,
    )  # fmt: skip
    first = outs[0]
    statements = {
        name: statistics.median(float(o["statements"][name]) for o in outs)
        for name in first["statements"]
    }
    slowest = sorted(statements.items(), key=lambda item: -item[1])
    results.rows[f"{key}_tables"].note = (
        "its statements (median s): "
        + ", ".join(f"{name} {s:.2f}" for name, s in slowest)
        + f"; {first['households']:,} households, {first['poor']:,} poor, "
        f"{first['near_poor']:,} near-poor; "
        + ", ".join(f"{n} {r:,} rows" for n, r in first["rows"].items())
    )
    extra(
        results, f"{key}_tables_cpu", f"{label}{what}: CPU seconds of its process",
        [float(o["cpu_seconds"]) for o in outs],
        note="process_time: every thread's CPU, whatever else runs on the machine",
    )  # fmt: skip
    for span, chosen in (("one", [last]), ("two", [last - 1, last])):
        keys = "review year, commune, result" if len(chosen) > 1 else "commune, result"
        floors = measure(
            results, f"{key}_floor_{span}",
            f"{label}floor: GROUP BY {keys} over {'–'.join(map(str, chosen))}", runs,
            HOUSE_TASKS + "_tables_floor", database, chosen,
        )  # fmt: skip
        results.rows[f"{key}_floor_{span}"].note = (
            f"{floors[0]['rows']:,} rows → {floors[0]['groups']:,} groups; "
            "stg_households JOIN household_submissions, result fetched"
        )
    load.append(f"{os.getloadavg()[0]:.1f} at the end")
    truth = made["truth"]
    found = {k: first[k] for k in ("households", "poor", "near_poor", "movements", "differences")}
    if found != truth:
        results.notes.append(
            f"{label}household_tables does NOT give what the generator knows: {found} "
            f"instead of {truth}."
        )
    else:
        moved = ", ".join(f"{m} {v:,}" for m, v in truth["movements"].items())
        results.notes.append(
            f"{label}household_tables({last}) gives what the generator knows, for the "
            f"province: {truth['households']:,} households, {truth['poor']:,} poor, "
            f"{truth['near_poor']:,} near-poor; {moved}; {truth['differences']:,} "
            "differences with the Q4 forms (the communes whose form is off)."
        )
    results.notes.append(
        f"1-minute load average of the machine ({os.cpu_count()} CPUs, shared): "
        + ", ".join(load)
        + "; above the CPU count, other jobs ran beside the measurements."
    )
    ours = results.rows[f"{key}_tables"]
    floor_one = results.rows[f"{key}_floor_one"].median
    floor_two = results.rows[f"{key}_floor_two"].median
    results.ratios += [
        (f"{label}household_tables / floor over the two compared reviews",
         f"{ours.median / floor_two:.1f}×"),
        (f"{label}household_tables / floor over the last review",
         f"{ours.median / floor_one:.1f}×"),
    ]  # fmt: skip
    peak = max(ours.peak_mib)
    met = {True: "met", False: "NOT met"}
    ok = ours.median < TARGET_TABLES_S and peak < TARGET_TABLES_MIB
    verdict = met[ok] if scale == "national" else f"{met[ok]} (not assessed: national target)"
    results.sections.append(
        (
            "household_tables over five reviews (issue 19 point 6)",
            ["what", "seconds", "peak MiB", "floor seconds", "ratio", "target", "verdict"],
            [
                [
                    f"{label}`{what}` ({rows:,} rows, {len(years)} reviews)",
                    f"{ours.median:.2f} (min {min(ours.seconds):.2f}, max {max(ours.seconds):.2f})",
                    f"{peak:,.0f}",
                    f"{floor_two:.3f} (GROUP BY over {last - 1}–{last}); "
                    f"{floor_one:.3f} (over {last})",
                    f"{ours.median / floor_two:.1f}× ({ours.median / floor_one:.1f}×)",
                    f"< {TARGET_TABLES_S:.0f} s and < {TARGET_TABLES_MIB / 1024:.0f} GiB",
                    verdict,
                ]
            ],
        )
    )
    return results


def render_household_tables(results: Results, command: str) -> str:
    table = markdown_table(HEADER, [r.cells() for r in results.rows.values() if r.name])
    parts = [
        f"Scale `{results.scale}`, {results.runs} runs per row unless the runs column says "
        f"otherwise. Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by:",
        f"```sh\n{command}\n```",
        f"Product measured: {product()}.",
        "### Machine\n\n" + machine(),
        *[f"### {title}\n\n" + markdown_table(header, rows)
          for title, header, rows in results.sections],
        "### Results (household_tables)\n\n" + table,
        "### Ratios (medians)\n\n" + markdown_table(["ratio", "value"], results.ratios),
    ]  # fmt: skip
    if results.notes:
        parts.append("\n".join(f"- {n}" for n in results.notes))
    return "\n\n".join(parts)


def write_household_tables_out(path: Path, generated: str) -> None:
    """Replace the household_tables block between its markers; without them, put it at the
    end of the household block (or at the end of the file). Nothing else changes."""
    block = f"{TB_BEGIN}\n{generated}\n{TB_END}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if TB_BEGIN in text and TB_END in text:
        before, rest = text.split(TB_BEGIN, 1)
        text = before + block + rest.split(TB_END, 1)[1]
    elif HH_END in text:
        before, after = text.split(HH_END, 1)
        text = f"{before.rstrip()}\n\n{block}\n{HH_END}{after}"
    else:
        text = text.rstrip("\n") + f"\n\n{block}\n"
    path.write_text(text, encoding="utf-8")


__all__ = [
    "HH_BEGIN",
    "HH_END",
    "PANELS",
    "SCENARIOS",
    "default_cache",
    "household_rows",
    "panel_movements",
    "panel_rows",
    "profile_households",
    "render_household_tables",
    "render_households",
    "review_panel",
    "run_household_tables",
    "run_households",
    "write_household_tables_out",
    "write_households_out",
]
