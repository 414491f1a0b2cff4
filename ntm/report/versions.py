"""The committee report for a period: PDF, its HTML and XLSX twins, versions and an index.

Each run writes a new version under ``reports/<period>/v<N>/`` and never touches older ones;
files are written under temporary names and renamed, and the index is replaced last, so a run
killed half-way leaves either the old state or the new one.

WeasyPrint (``ntm.report.render``) and matplotlib (``ntm.report.charts``) take seconds to
import; they are imported when a report is rendered, not with this module, so a process that
imports it and then reuses the latest version (or renders nothing) does not pay for them.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import jinja2
import polars as pl
from markupsafe import Markup

from ntm import __version__
from ntm.indicators.mart import link_or_copy, stored_frame, stored_tables, tables_key
from ntm.indicators.programme import programme_tables
from ntm.indicators.tables import PeriodTables, period_indicators
from ntm.reference import Catalogue, Reference
from ntm.report import vi
from ntm.report.amendments import amendment_of, earlier_amendments, local_day, signed_words
from ntm.report.quarterly import build_report
from ntm.report.review import build_review
from ntm.report.workbooks import write_review_workbook
from ntm.store.closures import PeriodState, closed_state
from ntm.store.faults import kill_point
from ntm.store.paths import ASSETS, TEMPLATES, DataDir, atomic_path
from ntm.store.warehouse import Warehouse
from transforms.periods import Period

# tables_key: what the stored tables behind the version were computed from (reference data,
# every submission they read, code): a version is reused only when both keys still hold.
INDEX_COLUMNS = (
    "period", "version", "created_at", "input_snapshot", "pages", "pdf", "tables_key",
)  # fmt: skip


@dataclass(frozen=True)
class ReportOutcome:
    pdf: Path
    html: Path
    xlsx: Path
    version: int
    pages: int
    seconds: float
    warnings: list[str]
    refused_urls: list[str]
    reused: bool = False  # the latest version already read these inputs; nothing was rendered


@functools.cache
def environment() -> jinja2.Environment:
    """Autoescaped, strict: a missing value is an error, text from submissions stays text.

    One per process, so its compiled template is reused by every report the process renders.
    """
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


INPUTS = "inputs.csv"  # in each version's folder: unit_code, version, content_sha256


def input_snapshot(provenance: pl.DataFrame) -> str:
    """A hash of exactly which stored submissions the report reads."""
    lines = "\n".join(
        f"{r['unit_code']}:{r['version']}:{r['content_sha256']}"
        for r in provenance.sort("unit_code").iter_rows(named=True)
    )
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def render_html(
    data_dir: DataDir,
    warehouse: Warehouse,
    ref: Reference,
    tables: PeriodTables,
    today: date,
    run_id: str | None,
    signed: PeriodState | None = None,
    inputs: tuple[pl.DataFrame, str] | None = None,
) -> tuple[str, pl.DataFrame, str]:
    """The report's HTML over the period's tables, the submissions it read and their hash
    (``inputs``, when the caller has them already: they are read and hashed once per render);
    ``signed``: the close of the period, for a version rendered over it (an amended one)."""
    period = tables.period
    own = amendment_of(data_dir, warehouse, ref, period, signed) if signed is not None else None
    provenance, snapshot = inputs if inputs is not None else period_inputs(warehouse, period)
    problems = warehouse.frame("period_problems", period=str(period))
    report = build_report(
        tables,
        tables.followup,
        last_year_indicators(data_dir, warehouse, ref, period),
        problems,
        provenance,
        ref,
        ref.report,
        today,
        run_id or f"dữ liệu {snapshot[:12]}",
        f"ntm {__version__}",
        amended=_amended_words(signed, ref),
        own_amendment=(own,) if own is not None else (),
        amendments=earlier_amendments(data_dir, warehouse, ref, period),
    )
    css = Markup((ASSETS / "report.css").read_text(encoding="utf-8"))  # our own file
    html = environment().get_template("report.html.j2").render(css=css, **report.template_names())
    return html, provenance, snapshot


def period_inputs(warehouse: Warehouse, period: Period) -> tuple[pl.DataFrame, str]:
    """The stored submissions a report of ``period`` reads, and their hash."""
    provenance = warehouse.frame("period_provenance", period=str(period))
    return provenance, input_snapshot(provenance)


def last_year_indicators(
    data_dir: DataDir, warehouse: Warehouse, ref: Reference, period: Period
) -> pl.DataFrame | None:
    """The indicators of the same quarter a year earlier, from that period's stored tables
    when they are current (computed otherwise, not stored: a render writes no other period's
    tables); None before the registry's first day."""
    previous = Period(period.year - 1, period.quarter)
    try:
        stored = stored_frame(data_dir, warehouse, ref, previous, "indicators")
        return stored if stored is not None else period_indicators(warehouse, ref, previous)
    except LookupError:
        return None


def index_rows(data_dir: DataDir, period: Period | str) -> list[dict[str, str]]:
    index = data_dir.reports / "index.csv"
    if not index.exists():
        return []
    with index.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["period"] == str(period)]


class PeriodClosedError(Exception):
    """A report asked over a closed period without saying it is an amended one; ``signed``
    is the version the committee signed (what stands for the period)."""

    def __init__(self, message: str, signed: ReportOutcome) -> None:
        super().__init__(message)
        self.signed = signed


class PeriodNotClosedError(Exception):
    """An amended report asked over a period that is not closed."""


def _amended_words(signed: PeriodState | None, ref: Reference) -> str:
    if signed is None:
        return ""
    return (
        f"Bản điều chỉnh của {signed_words(signed)}, số liệu đã chốt ngày "
        f"{vi.short_date(local_day(signed.recorded_at, ref))}"
    )


def generate_report(
    data_dir: DataDir,
    ref: Reference,
    period: Period,
    today: date,
    run_id: str | None = None,
    reuse_if_unchanged: bool = False,
    amended: bool = False,
) -> ReportOutcome:
    """Render a new version; with ``reuse_if_unchanged``, return the latest version instead
    when it was made from exactly the same stored submissions, reference data and code (a
    threshold published since, or a corrected year-end, gives a new version).

    A closed period gets a new version only when ``amended``: headed "BẢN ĐIỀU CHỈNH", it
    lists what changed since the signed version (without it: ``PeriodClosedError``)."""
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        signed = closed_state(warehouse, str(period))
        if signed is not None and not amended:
            version = str(signed.report_version)
            row = next(r for r in index_rows(data_dir, period) if r["version"] == version)
            raise PeriodClosedError(
                f"{period} is closed ({signed.by_name} signed version {version}); "
                f"render an amended version with --amended, or reopen the period",
                _existing(data_dir, row),
            )
        if signed is None and amended:
            raise PeriodNotClosedError(f"{period} is not closed: there is nothing to amend")
        inputs = period_inputs(warehouse, period)
        if reuse_if_unchanged and signed is None:
            rows = index_rows(data_dir, period)
            same = (inputs[1], tables_key(warehouse, ref, period))
            if rows and (rows[-1]["input_snapshot"], rows[-1].get("tables_key")) == same:
                return _existing(data_dir, rows[-1])
        stored = stored_tables(data_dir, warehouse, ref, period, store=True)
        html, provenance, snapshot = render_html(
            data_dir, warehouse, ref, stored.tables, today, run_id, signed, inputs
        )
    # The tables are in the HTML now: let them go before WeasyPrint takes its share of memory.
    workbook, key = stored.workbook, stored.key
    del stored
    return _publish_version(
        data_dir,
        str(period),
        "bao-cao",
        html,
        lambda target: link_or_copy(workbook, target),
        provenance,
        {"input_snapshot": snapshot, "tables_key": key},
    )


def generate_review(
    data_dir: DataDir,
    ref: Reference,
    catalogue: Catalogue,
    today: date,
    run_id: str | None = None,
) -> ReportOutcome:
    """A new version of the programme's final review (BÁO CÁO TỔNG KẾT), under
    ``reports/<programme>/v<N>/``, listed in the same index as the quarterly reports."""
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        prog = programme_tables(data_dir, warehouse, ref, catalogue, today, store=True)
    # Every submission of every point, each named by its period.
    snapshot = input_snapshot(
        prog.provenance.with_columns(unit_code=pl.col("period") + ":" + pl.col("unit_code"))
    )
    review = build_review(
        prog, ref, ref.report, today, run_id or f"dữ liệu {snapshot[:12]}", f"ntm {__version__}"
    )
    css = Markup((ASSETS / "report.css").read_text(encoding="utf-8"))  # our own file
    html = environment().get_template("review.html.j2").render(css=css, **review.template_names())
    return _publish_version(
        data_dir,
        catalogue.programme,
        "bao-cao-tong-ket",
        html,
        lambda target: write_review_workbook(target, prog, review),
        prog.provenance,
        {"input_snapshot": snapshot, "tables_key": ""},
    )


def _publish_version(
    data_dir: DataDir,
    label: str,
    prefix: str,
    html: str,
    write_xlsx: Callable[[Path], object],
    provenance: pl.DataFrame,
    keys: dict[str, str],
) -> ReportOutcome:
    """PDF, HTML and XLSX of a new version of ``label`` (a period or a programme), staged in a
    hidden folder renamed to ``v<N>``, then a row in the index."""
    # See the module docstring.
    from ntm.report.render import render_html_twin, render_pdf  # noqa: PLC0415

    folder_root = data_dir.reports / label
    version = 1 + max(
        (int(p.name[1:]) for p in folder_root.glob("v*") if p.name[1:].isdigit()), default=0
    )
    # Everything is written into a hidden folder that becomes v<N> in one rename: a reader (or
    # the next run) never sees a version with some of its files missing.
    folder = folder_root / f"v{version}"
    staging = folder_root / f".v{version}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    stem = f"{prefix}_{label}_v{version}"
    names = [f"{stem}.{ext}" for ext in ("pdf", "html", "xlsx")]
    result = render_pdf(html, staging / names[0])
    render_html_twin(html, staging / names[1])
    write_xlsx(staging / names[2])
    # Which stored submissions this version read: what closing the period signs.
    columns = [c for c in ("period", "unit_code", "version", "content_sha256") if c in provenance]
    provenance.select(columns).write_csv(staging / INPUTS)
    kill_point("report:staged")
    staging.rename(folder)
    kill_point("report:renamed")
    pdf, html_path, xlsx = (folder / name for name in names)
    _append_index(
        data_dir.reports / "index.csv",
        {
            "period": label,
            "version": str(version),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "pages": str(result.pages),
            "pdf": str(pdf.relative_to(data_dir.reports)),
            **keys,
        },
    )
    return ReportOutcome(
        pdf, html_path, xlsx, version, result.pages, result.seconds, result.warnings,
        result.refused_urls,
    )  # fmt: skip


def _existing(data_dir: DataDir, row: dict[str, str]) -> ReportOutcome:
    pdf = data_dir.reports / row["pdf"]
    return ReportOutcome(
        pdf, pdf.with_suffix(".html"), pdf.with_suffix(".xlsx"), int(row["version"]),
        int(row["pages"]), 0.0, [], [], reused=True,
    )  # fmt: skip


def _append_index(index: Path, row: dict[str, str]) -> None:
    """Rewrite the index with one more row, atomically (an index of fewer columns, written
    before a column was added, is rewritten with every column; its rows keep theirs)."""
    rows: list[dict[str, str]] = []
    if index.exists():
        with index.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=INDEX_COLUMNS, lineterminator="\n", restval="", extrasaction="ignore"
    )
    writer.writeheader()
    writer.writerows([*rows, row])
    with atomic_path(index) as temporary:
        temporary.write_text(buffer.getvalue(), encoding="utf-8")
