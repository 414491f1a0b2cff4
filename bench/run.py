"""Benchmarks of the quarterly job (issue 6): ingest, indicators and report, with floors.

``python -m bench --scale tiny|province|national --runs N --out BENCHMARKS.md``

Every measurement runs in a fresh child process (``spawn``): its seconds cover only the work
(imports and reference loading happen before the clock starts), and its peak memory is the
child's ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, i.e. the whole process's peak resident
set, interpreter and libraries included. Each row gives the median, min and max of the runs.

Beside our ingest, in the same run and on the same files: the floor (fastexcel reading both
sheets of every workbook, then one DuckDB group-by over those rows) and the baseline a user
would write (pandas with openpyxl, then a pandas group-by). CSV files among the demo
submissions are read by ``polars.read_csv`` in the floor and ``pandas.read_csv`` in the
baseline.
"""

# Imports inside the measured functions are deliberate: each child imports only what it
# measures, and the report's start-up import is itself measured.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

PERIOD = (2024, 4)
NOW = datetime(2025, 2, 15, 3, 0, tzinfo=UTC)  # after every demo arrival of 2024-Q4
TODAY = date(2025, 2, 15)
NATIONAL_UNITS, NATIONAL_COMMUNES = 700, 10_600
NATIONAL_MAX_RUNS = 3
INDICATOR_QUARTERS = 12
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
PACKAGES = ("polars", "duckdb", "fastexcel", "pandas", "openpyxl", "xlsxwriter", "weasyprint")
MIB = 1024 * 1024


# --- measurements, each run in its own child process -------------------------------------------


def _peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def use_reference(reference: str | None) -> None:
    """Point this child at a reference directory (the synthetic country's), if given."""
    if reference is not None:
        os.environ["NTM_REFERENCE_DIR"] = reference


def _quarterly_demo(inbox: Path, ref: Any, first: Any = None, last: Any = None) -> list[Path]:
    """The demo generator's quarterly files only: these benchmarks measure form 01 (the
    household review's are bench.households')."""
    from ntm.demo import generate_demo

    given = {k: v for k, v in (("first", first), ("last", last)) if v is not None}
    return generate_demo(inbox, ref, households=False, **given)


def _ingest(
    files: list[str], work: str, reference: str | None = None, feedback: bool = True
) -> dict[str, Any]:
    import duckdb

    from ntm.intake.ingest import ingest_files
    from ntm.reference import load_reference
    from ntm.store.paths import DataDir

    use_reference(reference)
    ref = load_reference()
    data_dir = DataDir(Path(tempfile.mkdtemp(dir=work)) / "data")
    start = time.perf_counter()
    outcomes = ingest_files([Path(f) for f in files], data_dir, ref, now=NOW, feedback=feedback)
    seconds = time.perf_counter() - start
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as con:
        found = con.execute("select sum(rows_read) from submissions").fetchone()
    rows = int(found[0]) if found and found[0] is not None else 0
    statuses = sorted({o.status for o in outcomes})
    return {"seconds": seconds, "rows": rows, "statuses": statuses, "data_dir": str(data_dir.root)}


def _floor_frames(files: list[str]) -> list[pl.DataFrame]:
    """Both sheets of every file as text with fastexcel (CSV: polars), the figure rows kept."""
    import fastexcel

    from ntm.reference import load_reference

    fmt = load_reference().format
    keys = [c.key for c in fmt.columns]
    frames: list[pl.DataFrame] = []
    for name in files:
        path = Path(name)
        unit = path.stem.split("_")[0]
        if path.suffix == ".csv":
            table = pl.read_csv(path, infer_schema=False).select(keys)
        else:
            reader = fastexcel.read_excel(str(path))
            reader.load_sheet(fmt.metadata_sheet, header_row=None, dtypes="string").to_polars()
            grid = reader.load_sheet(
                fmt.figures_sheet, header_row=None, dtypes="string"
            ).to_polars()
            grid = grid.select(grid.columns[: len(keys)])
            table = grid.rename(dict(zip(grid.columns, keys, strict=True))).filter(
                pl.col("commune_code").str.contains(r"^\d+$")
            )
        frames.append(table.with_columns(unit=pl.lit(unit)))
    return frames


def _floor(files: list[str]) -> dict[str, Any]:
    import duckdb

    from ntm.reference import load_reference

    figure_keys = load_reference().format.figure_keys
    start = time.perf_counter()
    frames = _floor_frames(files)
    read = time.perf_counter() - start
    rows = pl.concat(frames, how="diagonal")  # read by DuckDB by its name
    sums = ", ".join(f'sum(cast("{k}" as double)) as "{k}"' for k in figure_keys)
    con = duckdb.connect()  # connecting is not timed; the query and its result are
    start = time.perf_counter()
    out = con.sql(f"select unit, {sums} from rows group by unit").pl()
    group = time.perf_counter() - start
    return {"seconds": read, "group_seconds": group, "rows": rows.height, "groups": out.height}


def _pandas(files: list[str]) -> dict[str, Any]:
    import pandas as pd

    start = time.perf_counter()
    tables: list[tuple[str, Any]] = []
    for name in files:
        path = Path(name)
        unit = path.stem.split("_")[0]
        if path.suffix == ".csv":
            csv = pd.read_csv(path, header=None, dtype=str, encoding="utf-8-sig")
            tables.append((unit, csv.iloc[:, 2:]))  # unit_code, period, then the columns
        else:
            sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl", header=None)
            tables.append((unit, sheets["Biểu 01"]))
    read = time.perf_counter() - start
    start = time.perf_counter()
    parts = []
    for unit, table in tables:
        rows = table[table.iloc[:, 0].astype(str).str.fullmatch(r"\d+")]
        figures = rows.iloc[:, 2:21].apply(pd.to_numeric, errors="coerce")
        parts.append(figures.assign(unit=unit))
    combined = pd.concat(parts, ignore_index=True)
    out = combined.groupby("unit").sum()
    group = time.perf_counter() - start
    return {"seconds": read, "group_seconds": group, "rows": len(combined), "groups": len(out)}


def _indicators(data_dir: str) -> dict[str, Any]:
    from ntm.indicators import period_tables
    from ntm.reference import load_reference
    from ntm.store.warehouse import Warehouse
    from transforms.periods import Period

    ref = load_reference()
    with Warehouse.open(Path(data_dir) / "warehouse" / "ntm.duckdb", read_only=True) as wh:
        start = time.perf_counter()
        tables = period_tables(wh, ref, Period(*PERIOD))
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": tables.indicators.height}


def _report(data_dir: str, work: str) -> dict[str, Any]:
    start = time.perf_counter()
    import matplotlib.figure  # noqa: F401  (the renderers ntm.report imports on first use)

    import ntm.report.render  # noqa: F401
    from ntm.report import generate_report

    imported = time.perf_counter() - start
    from ntm.reference import load_reference
    from ntm.store.paths import DataDir
    from transforms.periods import Period

    ref = load_reference()
    copy = Path(tempfile.mkdtemp(dir=work)) / "data"
    shutil.copytree(data_dir, copy)
    start = time.perf_counter()
    outcome = generate_report(DataDir(copy), ref, Period(*PERIOD), TODAY)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "pages": outcome.pages, "import_seconds": imported}


def synthetic_country(
    communes: int, districts: int, quarters: int, seed: int = 6
) -> tuple[pl.DataFrame, pl.DataFrame, list[pl.DataFrame]]:
    """Units (province, districts, communes), a roster and one figures frame per quarter."""
    rng = np.random.default_rng(seed)
    codes = [f"C{i:05d}" for i in range(communes)]
    parents = [f"D{i % districts:03d}" for i in range(communes)]
    kinds = rng.choice(["xã", "phường", "thị trấn"], communes, p=[0.8, 0.12, 0.08])
    units = pl.DataFrame(
        {
            "unit_code": ["P", *[f"D{d:03d}" for d in range(districts)], *codes],
            "unit_name": ["Tỉnh", *[f"Huyện {d}" for d in range(districts)], *codes],
            "unit_type": ["tỉnh", *["huyện"] * districts, *kinds.tolist()],
            "unit_level": ["province", *["district"] * districts, *["commune"] * communes],
            "parent_code": [None, *["P"] * districts, *parents],
        }
    )
    rural = [c for c, k in zip(codes, kinds, strict=True) if k == "xã"]
    tiers = rng.choice(["ntm", "advanced", "model"], len(rural), p=[0.6, 0.3, 0.1])
    roster = pl.DataFrame({"commune_code": rural, "commune_class": tiers.tolist()})
    frames = []
    for _ in range(quarters):
        households = rng.integers(600, 5000, communes)
        poor = (households * rng.uniform(0.005, 0.1, communes)).astype(np.int64)
        near = (households * rng.uniform(0.005, 0.08, communes)).astype(np.int64)
        workers = (households * rng.uniform(1.5, 2.2, communes)).astype(np.int64)
        trained = (workers * rng.uniform(0.6, 0.85, communes)).astype(np.int64)
        members = rng.integers(0, 400, communes)
        cases = rng.choice(4, communes, p=[0.8, 0.13, 0.05, 0.02])
        values = {
            "households": households, "poor_start": poor, "poor_exited": poor // 10,
            "poor_returned": poor // 50, "poor_new": poor // 20, "poor_end": poor,
            "near_poor_start": near, "near_poor_exited": near // 10,
            "near_poor_returned": near // 50, "near_poor_new": near // 20, "near_poor_end": near,
            "workers": workers, "workers_trained": trained,
            "workers_certified": (trained * 0.5).astype(np.int64),
            "coop_members": members, "coop_members_women": members // 3,
            "child_abuse_cases": cases, "child_abuse_supported": cases,
            "child_abuse_handled": np.minimum(cases, 1),
        }  # fmt: skip
        frames.append(
            pl.DataFrame({"commune_code": codes, **values}).with_columns(
                pl.exclude("commune_code").cast(pl.Int64)
            )
        )
    return units, roster, frames


def _synthetic_indicators(communes: int, districts: int, quarters: int) -> dict[str, Any]:
    from ntm.reference import load_reference
    from transforms.indicators import CriteriaFrames, compute_indicators

    catalogue = load_reference().catalogue_for(PERIOD[0])
    assert catalogue is not None
    criteria = CriteriaFrames(
        indicators=catalogue.indicators,
        shares=catalogue.shares,
        thresholds=catalogue.thresholds,
        rural_unit_types=catalogue.rural_unit_types,
    )
    units, roster, frames = synthetic_country(communes, districts, quarters)
    start = time.perf_counter()
    rows = sum(
        compute_indicators(f, units, roster, criteria, PERIOD[0], "district").height for f in frames
    )
    return {"seconds": time.perf_counter() - start, "rows": rows}


def national_reference(folder: Path, districts: int, communes: int, seed: int = 6) -> Path:
    """A copy of data/reference whose registry is a synthetic country, and its roster.

    ``districts`` district-level units under one top-level unit (code 42, so that the
    province's settings still apply), ``communes`` communes with 5-digit codes spread evenly
    over them, valid since 2020 with no reorganisation (an empty crosswalk).
    """
    from ntm.reference import REFERENCE_DIR

    root = folder / "reference"
    shutil.copytree(REFERENCE_DIR, root)
    rng = np.random.default_rng(seed)
    codes = [f"{i + 1:05d}" for i in range(communes)]
    kinds = rng.choice(["xã", "phường", "thị trấn"], communes, p=[0.8, 0.12, 0.08]).tolist()
    district_codes = [f"{d + 1:03d}" for d in range(districts)]
    pl.DataFrame(
        {
            "unit_code": ["42", *district_codes, *codes],
            "unit_name": [
                "Cả nước (dữ liệu thử)",
                *[f"Huyện {d}" for d in district_codes],
                *[f"{k.capitalize()} {c}" for k, c in zip(kinds, codes, strict=True)],
            ],
            "unit_type": ["tỉnh", *["huyện"] * districts, *kinds],
            "unit_level": ["province", *["district"] * districts, *["commune"] * communes],
            "parent_code": [None, *["42"] * districts, *[district_codes[i % districts]
                                                          for i in range(communes)]],
        }
    ).with_columns(
        valid_from=pl.lit("2020-01-01"),
        valid_to=pl.lit(None, pl.String),
        source=pl.lit("synthetic (bench.run)"),
    ).write_csv(root / "admin_units.csv")  # fmt: skip
    crosswalk = root / "unit_crosswalk.csv"
    pl.read_csv(crosswalk, infer_schema=False).clear().write_csv(crosswalk)
    rural = [c for c, k in zip(codes, kinds, strict=True) if k == "xã"]
    pl.DataFrame(
        {
            "commune_code": rural,
            "valid_from": "2020-01-01",
            "tier": rng.choice(["ntm", "advanced", "model"], len(rural), p=[0.6, 0.3, 0.1]),
            "target_year": 2025,
            "sponsor": "Dữ liệu thử",
            "group": None,
            "standard": None,
        }
    ).write_csv(root / "commune_roster.csv")
    return root


def _generate(reference: str, inbox: str, quarters: int = 1) -> dict[str, Any]:
    """The demo generator's files for the ``quarters`` up to PERIOD on the synthetic country."""
    from ntm.reference import load_reference
    from transforms.periods import Period

    use_reference(reference)
    last = first = Period(*PERIOD)
    for _ in range(quarters - 1):
        first = first.previous()
    start = time.perf_counter()
    written = _quarterly_demo(Path(inbox), load_reference(), first, last)
    return {"seconds": time.perf_counter() - start, "files": [str(p) for p in written]}


def _job(reference: str, inbox: str, work: str) -> dict[str, Any]:
    """``ntm run --period`` as an operator runs it: its own process, Prefect without a server.

    Peak memory is the largest of the processes it ran (ntm itself, or a Prefect server it
    started), from ``RUSAGE_CHILDREN``.
    """
    import resource

    data = Path(tempfile.mkdtemp(dir=work)) / "data"
    shutil.copytree(inbox, data / "inbox")
    env = os.environ | {
        "NTM_REFERENCE_DIR": reference,
        "PREFECT_HOME": str(data.parent / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    command = [str(Path(sys.executable).with_name("ntm")), "run", "--data-dir", str(data),
               "--period", f"{PERIOD[0]}-Q{PERIOD[1]}"]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 3):
        raise RuntimeError(f"ntm run failed ({done.returncode}): {done.stderr[-2000:]}")
    pages = re.search(r"\((\d+) (?:pages|trang)", done.stdout + done.stderr)
    return {
        "seconds": seconds,
        "children_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "pages": int(pages.group(1)) if pages else 0,
        "stdout": done.stdout[-400:],
    }


TASKS: dict[str, Callable[..., dict[str, Any]]] = {
    "ingest": _ingest,
    "generate": _generate,
    "job": _job,
    "floor": _floor,
    "pandas": _pandas,
    "indicators": _indicators,
    "report": _report,
    "synthetic_indicators": _synthetic_indicators,
}


def _run_task(task: str, args: tuple[Any, ...]) -> dict[str, Any]:
    result: dict[str, Any]
    if ":" in task:  # another bench module's task: "bench.households:_ingest"
        module, name = task.split(":")
        result = getattr(importlib.import_module(module), name)(*args)
    else:
        result = TASKS[task](*args)
    result["peak_mib"] = _peak_mib()
    return result


def in_child(task: str, *args: Any) -> dict[str, Any]:
    """Run one measurement in a fresh spawned process; returns its result and peak memory."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_run_task, task, args).result()


# --- the table ----------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    seconds: list[float] = field(default_factory=list)
    peak_mib: list[float] = field(default_factory=list)
    count: float = 0  # files, rows or pages per run, for the rate
    count_unit: str = ""
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def cells(self) -> list[str]:
        rate = f"{self.count / self.median:,.1f} {self.count_unit}/s" if self.count else ""
        peak = f"{statistics.median(self.peak_mib):,.0f}" if self.peak_mib else ""
        return [
            self.name,
            f"{self.median:.3f}",
            f"{min(self.seconds):.3f}",
            f"{max(self.seconds):.3f}",
            str(len(self.seconds)),
            rate,
            peak,
            self.note,
        ]


HEADER = ["measurement", "median s", "min s", "max s", "runs", "rate", "peak RSS MiB", "note"]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


@dataclass
class Results:
    scale: str
    runs: int
    rows: dict[str, Row] = field(default_factory=dict)
    ratios: list[tuple[str, str]] = field(default_factory=list)
    targets: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Further tables of a block: (title, header, rows), rendered after the targets.
    sections: list[tuple[str, list[str], list[list[str]]]] = field(default_factory=list)

    def row(self, key: str, name: str, **kwargs: Any) -> Row:
        return self.rows.setdefault(key, Row(name, **kwargs))


def say(message: str) -> None:
    """Progress, on stderr."""
    print(message, file=sys.stderr, flush=True)


def measure(
    results: Results, key: str, name: str, runs: int, task: str, *args: Any, **row: Any
) -> list[dict[str, Any]]:
    """``runs`` runs of ``task``, each in a child process, into the row ``key``; their outputs."""
    outputs = []
    for i in range(runs):
        say(f"  {name}: run {i + 1}/{runs}")
        out = in_child(task, *args)
        target = results.row(key, name, **row)
        target.seconds.append(float(out["seconds"]))
        target.peak_mib.append(float(out["peak_mib"]))
        outputs.append(out)
    return outputs


def extra(results: Results, key: str, name: str, values: list[float], **row: Any) -> Row:
    """Timings measured otherwise (inside a run) into the row ``key``."""
    target = results.row(key, name, **row)
    target.seconds.extend(values)
    return target


def _demo_files(folder: Path, limit: int | None) -> list[str]:
    from ntm.reference import load_reference
    from transforms.periods import Period

    written = _quarterly_demo(folder, load_reference(), Period(*PERIOD), Period(*PERIOD))
    if limit is not None:
        written = [p for p in written if p.suffix == ".xlsx"][:limit]
    return [str(p) for p in written]


def _read_side_by_side(
    results: Results, files: list[str], runs: int, label: str, work: Path,
    reference: str | None = None,
) -> None:  # fmt: skip
    """Our ingest (without and with feedback workbooks), the floor and the baseline."""
    n = len(files)
    outs = measure(
        results, f"{label}ingest", f"{label}ingest+validate+store ({n} files)", runs,
        "ingest", files, str(work), reference, False, count=n, count_unit="files",
    )  # fmt: skip
    rows = outs[0]["rows"]
    results.row(f"{label}ingest", "").note = f"{rows} rows; {', '.join(outs[0]['statuses'])}"
    results.row(
        f"{label}ingest_rows", f"{label}ingest rows", count=rows, count_unit="rows"
    ).seconds.extend(results.rows[f"{label}ingest"].seconds)
    measure(
        results, f"{label}ingest_feedback", f"{label}ingest + feedback workbooks ({n} files)",
        runs, "ingest", files, str(work), reference, True, count=n, count_unit="files",
        note="what `ntm ingest` does: one feedback .xlsx per file",
    )  # fmt: skip
    # The floor and the baseline: a read per file, then one group-by; the total is their sum.
    for key, task, read_name, group_name in (
        ("floor", "floor", "floor: fastexcel read, both sheets", "floor: DuckDB group-by"),
        ("pandas", "pandas", "baseline: pandas+openpyxl read", "baseline: pandas group-by"),
    ):
        reads = measure(
            results, f"{label}{key}_read", f"{label}{read_name}", runs, task, files,
            count=n, count_unit="files",
        )  # fmt: skip
        groups = [float(o["group_seconds"]) for o in reads]
        note = f"{reads[0]['rows']} rows → {reads[0]['groups']} units" if key == "floor" else ""
        extra(results, f"{label}{key}_group", f"{label}{group_name}", groups, note=note)
        total = [float(o["seconds"]) + g for o, g in zip(reads, groups, strict=True)]
        extra(
            results, f"{label}{key}", f"{label}{read_name.split(':')[0]} total (read + group-by)",
            total, count=n, count_unit="files",
        )  # fmt: skip
    ours = results.rows[f"{label}ingest"].median
    floor_median = results.rows[f"{label}floor"].median
    baseline = results.rows[f"{label}pandas"].median
    with_feedback = results.rows[f"{label}ingest_feedback"].median
    results.ratios += [
        (f"{label}ours / floor (ingest vs fastexcel read + DuckDB group-by)",
         f"{ours / floor_median:.1f}×"),
        (f"{label}baseline / ours (pandas+openpyxl vs ingest)", f"{baseline / ours:.1f}×"),
        (f"{label}ours / fastexcel read alone",
         f"{ours / results.rows[f'{label}floor_read'].median:.1f}×"),
        (f"{label}ours with feedback workbooks / floor", f"{with_feedback / floor_median:.1f}×"),
        (f"{label}baseline / ours with feedback workbooks", f"{baseline / with_feedback:.1f}×"),
        (f"{label}baseline / floor (the most that reading with fastexcel can gain)",
         f"{baseline / floor_median:.1f}×"),
    ]  # fmt: skip


# Districts and communes of the synthetic country: about Vietnam's before the 2025 reform.
COUNTRY = {"national": (NATIONAL_UNITS, NATIONAL_COMMUNES), "tiny": (6, 60)}


def run(scale: str, runs: int, with_report: bool, work: Path) -> Results:
    results = Results(scale, runs)
    limit = 2 if scale == "tiny" else None
    say(f"generating the province submissions ({scale} scale)")
    files = _demo_files(work / "inbox", limit)
    _read_side_by_side(results, files, runs, "", work)
    if scale != "tiny":
        history = _history_files(work / "history")
        measure(
            results, "history", f"ingest the demo's 2021-2024 history ({len(history)} files)",
            min(runs, NATIONAL_MAX_RUNS), "ingest", history, str(work), None, True,
            count=len(history), count_unit="files", note="`make demo`'s inbox, with feedback",
        )  # fmt: skip
    prepared = in_child("ingest", files, str(work))["data_dir"]
    measure(results, "indicators", "indicators: period_tables (one period)", runs,
             "indicators", prepared)  # fmt: skip
    size = (200, 20, 2) if scale == "tiny" else (NATIONAL_COMMUNES, NATIONAL_UNITS, 12)
    measure(
        results, "synthetic", f"indicators: compute_indicators {size[0]:,} communes × {size[2]} q",
        runs, "synthetic_indicators", *size, note=f"{size[1]} districts, synthetic frames",
    )  # fmt: skip
    if with_report:
        outs = measure(results, "report", "report: generate_report (all appendices)", runs,
                        "report", prepared, str(work))  # fmt: skip
        pages = int(outs[0]["pages"])
        report = results.rows["report"]
        report.count, report.count_unit = pages, "pages"
        report.note = f"{pages} pages; PDF + HTML + XLSX"
        imports = [float(o["import_seconds"]) for o in outs]
        extra(results, "report_import", "report: imports (start-up, per rendering process)",
               imports, note="ntm.report, WeasyPrint, matplotlib")  # fmt: skip
    if scale in COUNTRY:
        # The tiny scale skips `ntm run`: its Prefect start-up alone would dwarf the smoke test.
        _national(results, runs, work, *COUNTRY[scale], job=scale == "national")
    _targets(results, with_report)
    return results


def _history_files(folder: Path) -> list[str]:
    from ntm.reference import load_reference

    return [str(p) for p in _quarterly_demo(folder, load_reference())]


def _national(
    results: Results, runs: int, work: Path, districts: int, communes: int, job: bool
) -> None:
    """The national quarter on a synthetic country: ingest side by side, then ``ntm run``."""
    national_runs = min(runs, NATIONAL_MAX_RUNS)
    reference = str(national_reference(work / "country", districts, communes))
    say(f"generating {districts} national submissions ({communes:,} communes)")
    inbox = work / "national"
    generated = in_child("generate", reference, str(inbox))
    national = list(generated["files"])
    results.row(
        "national_write", f"national: generate_demo ({len(national)} files)",
        count=len(national), count_unit="files", note="generation, 1 run",
    ).seconds.append(float(generated["seconds"]))  # fmt: skip
    _read_side_by_side(results, national, national_runs, "national ", work, reference)
    if not job:
        return
    say(f"generating {INDICATOR_QUARTERS} quarters of national history")
    generated = in_child("generate", reference, str(work / "national-history"), INDICATOR_QUARTERS)
    history = list(generated["files"])
    measure(
        results, "national_history",
        f"national: ingest {INDICATOR_QUARTERS} quarters of history ({len(history):,} files)", 1,
        "ingest", history, str(work), reference, True, count=len(history), count_unit="files",
        note=f"with feedback; {generated['seconds']:.0f} s to generate",
    )  # fmt: skip
    run = measure(
        results, "national_job", f"national: `ntm run --period` ({len(national)} files)", 1,
        "job", reference, str(inbox), str(work),
        note="Prefect start-up, ingest, indicators, report; peak of its processes",
    )[0]  # fmt: skip
    row = results.rows["national_job"]
    row.peak_mib = [float(run["children_peak_mib"])]
    row.note += f"; {run['pages']} report pages"
    if national_runs < runs:
        results.notes.append(
            f"National rows use {national_runs} runs (`ntm run`: 1), not {runs}, to keep the "
            "run time-boxed."
        )


def _targets(results: Results, with_report: bool) -> None:
    rows = results.rows
    met = {True: "met", False: "NOT met"}
    label = "national " if "national ingest" in rows else ""
    where = "national quarter" if label else f"{results.scale} quarter (the target is national)"
    ours, floor = rows[f"{label}ingest"].median, rows[f"{label}floor"].median
    baseline = rows[f"{label}pandas"].median
    results.targets += [
        (f"ingest ≤ 3× the fastexcel floor — {where}", f"{ours / floor:.1f}×",
         met[ours <= 3 * floor]),
        (f"ingest ≥ 20× faster than pandas+openpyxl — {where}", f"{baseline / ours:.1f}×",
         met[baseline >= 20 * ours]),
    ]  # fmt: skip
    synthetic = rows["synthetic"]
    full = NATIONAL_COMMUNES if results.scale != "tiny" else 200
    verdict = met[synthetic.median < 2] if full == NATIONAL_COMMUNES else "not assessed (tiny)"
    results.targets.append(
        ("indicators 10,600 communes × 12 quarters < 2 s", f"{synthetic.median:.2f} s", verdict)
    )
    if with_report:
        report = rows["report"]
        job = rows["ingest_feedback"].median + rows["indicators"].median + report.median
        results.targets.append(
            ("province quarterly job's own work < 5 s (ingest with feedback + indicators + "
             "report)", f"{job:.2f} s", met[job < 5])
        )  # fmt: skip
        pages_per_s = report.count / report.median
        peak = max(report.peak_mib)
        results.targets += [
            ("report ≥ 6 pages/s", f"{pages_per_s:.1f} pages/s", met[pages_per_s >= 6]),
            ("report peak memory < 1 GiB", f"{peak:,.0f} MiB", met[peak < 1024]),
        ]
    if f"{label}ingest_feedback" in rows:
        answered = rows[f"{label}ingest_feedback"].median
        results.targets.append(
            (f"ingest with feedback workbooks ≤ 2× the floor (issue 20) — {where}",
             f"{answered / floor:.1f}×", met[answered <= 2 * floor])
        )  # fmt: skip
    if "national_job" in rows:
        peak = max(rows["national_job"].peak_mib)
        results.targets.append(
            ("national quarter through `ntm run` < 1 GiB (issue 20)", f"{peak:,.0f} MiB",
             met[peak < 1024])
        )  # fmt: skip


# --- machine, output ----------------------------------------------------------------------------


def machine() -> str:
    def shell(command: str) -> str:
        done = subprocess.run(command, shell=True, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return "\n".join(
        [
            "```",
            f"$ nproc\n{shell('nproc')}",
            f"$ free -h\n{shell('free -h')}",
            f"$ lscpu | head\n{shell('lscpu | head')}",
            f"Python {platform.python_version()} on {platform.platform()}",
            ", ".join(versions),
            "```",
        ]
    )


def render(results: Results, command: str) -> str:
    table = markdown_table(HEADER, [r.cells() for r in results.rows.values() if r.name])
    parts = [
        f"Scale `{results.scale}`, {results.runs} runs per row unless the runs column says "
        f"otherwise. Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by:",
        f"```sh\n{command}\n```",
        "### Machine\n\n" + machine(),
        "### Results\n\n" + table,
        "### Ratios (medians)\n\n" + markdown_table(["ratio", "value"], results.ratios),
        "### Targets (issue 6)\n\n"
        + markdown_table(["target", "measured", "verdict"], results.targets),
    ]
    if results.notes:
        parts.append("\n".join(f"- {n}" for n in results.notes))
    return "\n\n".join(parts)


def write_out(path: Path, generated: str) -> None:
    """Replace the generated block between the markers; keep any text around it."""
    block = f"{BEGIN}\n{generated}\n{END}"
    if path.exists() and BEGIN in (text := path.read_text(encoding="utf-8")) and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        path.write_text(before + block + after, encoding="utf-8")
    else:
        path.write_text(f"# Benchmarks\n\n{block}\n", encoding="utf-8")


def profile_ingest(work: Path, top: int = 30) -> str:
    """cProfile of one province ingest in this process (after a warm-up on another data dir)."""
    from ntm.intake.ingest import ingest_files
    from ntm.reference import load_reference
    from ntm.store.paths import DataDir

    ref = load_reference()
    files = [Path(f) for f in _demo_files(work / "inbox", None)]
    ingest_files(files, DataDir(work / "warm"), ref, now=NOW)
    profiler = cProfile.Profile()
    profiler.enable()
    ingest_files(files, DataDir(work / "profiled"), ref, now=NOW)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return re.sub(r"/\S*/(site-packages|main)/", "", out.getvalue())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=("tiny", "province", "national"), default="province")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, help="write the results into this markdown file")
    parser.add_argument("--no-report", action="store_true", help="skip the PDF report")
    parser.add_argument("--profile", action="store_true", help="cProfile one province ingest")
    parser.add_argument(
        "--only", choices=("quarterly", "households", "household-tables"),
        help="only the quarterly job, or only the household review (bench.households: its "
        "ingest, then household_tables over five reviews; with --profile: profile its ingest "
        "at --scale), or only household_tables over five reviews",
    )  # fmt: skip
    parser.add_argument("--cache", type=Path, help="generated household files, kept between runs")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    from bench import households

    cache = args.cache or households.default_cache()
    results = household_results = table_results = None
    with tempfile.TemporaryDirectory(prefix="ntm-bench-") as folder:
        if args.profile:
            if args.only == "households":
                print(households.profile_households(args.scale, cache, Path(folder)))
            else:
                print(profile_ingest(Path(folder)))
            return 0
        if args.only is None or args.only == "quarterly":
            results = run(args.scale, args.runs, not args.no_report, Path(folder))
        if args.only is None or args.only == "households":
            household_results = households.run_households(
                args.scale, args.runs, cache, Path(folder)
            )
        if args.only != "quarterly":
            table_results = households.run_household_tables(
                args.scale, args.runs, cache, Path(folder)
            )
    command = "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:])
    if results is not None:
        generated = render(results, command.strip())
        print(generated)
        if args.out:
            write_out(args.out, generated)
    if household_results is not None:
        generated = households.render_households(household_results, command.strip())
        print(generated)
        if args.out:
            households.write_households_out(args.out, generated)
    if table_results is not None:  # inside the household block, replaced alone
        generated = households.render_household_tables(table_results, command.strip())
        print(generated)
        if args.out:
            households.write_household_tables_out(args.out, generated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
