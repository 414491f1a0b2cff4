"""Benchmarks of the household review (form HN, issue 17 item 8): ingest beside its floor.

``python -m bench --scale tiny|province|national [--only households] --out BENCHMARKS.md``

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


__all__ = [
    "HH_BEGIN",
    "HH_END",
    "SCENARIOS",
    "default_cache",
    "household_rows",
    "profile_households",
    "render_households",
    "run_households",
    "write_households_out",
]
