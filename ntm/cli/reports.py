"""Commands that render, sign and follow up: ``report``, ``close``, ``reopen``, ``verify``,
``review``, ``followup``, ``run`` (the Prefect flow) and ``summary``.

WeasyPrint and matplotlib (``ntm.report``) and Prefect (``flows``) take seconds to import: each
handler imports them itself, so only the commands that render or run the flow pay for them.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from ntm.cli.common import (
    EXIT_INTERNAL,
    EXIT_OK,
    Commands,
    UsageError,
    add_command,
    local_today,
    needs_warehouse,
    parse_period,
)
from ntm.indicators.completeness import stored_periods, summary_lines
from ntm.reference import Reference
from ntm.store.lock import data_dir_lock
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms.periods import Period


def add_report(commands: Commands) -> None:
    parser = add_command(
        commands, "report", report, help="render the committee report (PDF, HTML, XLSX)"
    )
    parser.add_argument("--period", required=True, type=parse_period)
    parser.add_argument(
        "--amended",
        action="store_true",
        help="over a closed period: a new version headed BẢN ĐIỀU CHỈNH, with what changed",
    )
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        help="the report's date (YYYY-MM-DD; default: today in Asia/Ho_Chi_Minh)",
    )


def report(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    needs_warehouse(data_dir)
    today = args.today or local_today(ref)
    with data_dir_lock(data_dir):
        # WeasyPrint and matplotlib take seconds to import: only the commands that render pay.
        from ntm.report import generate_report  # noqa: PLC0415
        from ntm.report.versions import PeriodClosedError, PeriodNotClosedError  # noqa: PLC0415

        try:
            outcome = generate_report(data_dir, ref, args.period, today, amended=args.amended)
        except (PeriodClosedError, PeriodNotClosedError) as error:
            raise UsageError(str(error)) from error
    for path in (outcome.pdf, outcome.html, outcome.xlsx):
        print(path)
    return EXIT_OK


def add_close(commands: Commands) -> None:
    parser = add_command(
        commands, "close", close, help="record that the committee signed a report version"
    )
    parser.add_argument("--period", required=True, type=parse_period)
    parser.add_argument("--version", required=True, type=int, help="the report version signed")
    parser.add_argument("--by", required=True, help="who records the close")
    parser.add_argument("--note", help="e.g. the number of the signed report")


def close(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    from ntm.report.closing import ClosingError, close_period  # noqa: PLC0415

    needs_warehouse(data_dir)
    with data_dir_lock(data_dir):
        try:
            closed = close_period(
                data_dir, ref, args.period, args.version, args.by, args.note, datetime.now(UTC)
            )
        except ClosingError as error:
            raise UsageError(str(error)) from error
    print(
        f"{closed.period} closed with version {closed.version} "
        f"({closed.submissions} submissions signed); archive {closed.archive} "
        f"sha256 {closed.sha256}"
    )
    return EXIT_OK


def add_reopen(commands: Commands) -> None:
    parser = add_command(
        commands, "reopen", reopen, help="reopen a closed period (the reason is recorded)"
    )
    parser.add_argument("--period", required=True, type=parse_period)
    parser.add_argument("--by", required=True, help="who reopens it")
    parser.add_argument("--reason", required=True, help="why (kept in the audit)")


def reopen(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    from ntm.report.closing import ClosingError, describe, reopen_period  # noqa: PLC0415

    needs_warehouse(data_dir)
    if not args.reason.strip():
        raise UsageError("--reason must say why the period is reopened")
    with data_dir_lock(data_dir):
        try:
            was = reopen_period(data_dir, args.period, args.by, args.reason, datetime.now(UTC))
        except ClosingError as error:
            raise UsageError(str(error)) from error
    print(f"{args.period} reopened by {args.by} (it was {describe(was)})")
    return EXIT_OK


def add_verify(commands: Commands) -> None:
    parser = add_command(
        commands, "verify", verify, help="recompute a closed period from its archive"
    )
    parser.add_argument("--period", required=True, type=parse_period)


def verify(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    from ntm.report.closing import ClosingError, verify_period  # noqa: PLC0415

    needs_warehouse(data_dir)
    try:
        problems, note = verify_period(data_dir, ref, args.period)
    except ClosingError as error:
        raise UsageError(str(error)) from error
    if note:
        print(f"{args.period}: {note}", file=sys.stderr)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{args.period}: the archive does NOT prove the signed figures", file=sys.stderr)
        return EXIT_INTERNAL
    print(f"{args.period}: the archive reproduces the signed figures")
    return EXIT_OK


def add_review(commands: Commands) -> None:
    parser = add_command(
        commands, "review", review, help="the programme's final review (BÁO CÁO TỔNG KẾT)"
    )
    parser.add_argument("--programme", required=True, help="a programme period, e.g. 2021-2025")
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        help="the review's date (YYYY-MM-DD; default: today in Asia/Ho_Chi_Minh)",
    )


def review(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    catalogue = next((c for c in ref.catalogues if c.programme == args.programme), None)
    if catalogue is None:
        known = ", ".join(c.programme for c in ref.catalogues)
        raise UsageError(f"no programme {args.programme!r} in the reference data (known: {known})")
    needs_warehouse(data_dir)
    today = args.today or local_today(ref)
    with data_dir_lock(data_dir):
        from ntm.report import generate_review  # noqa: PLC0415 (see report)

        outcome = generate_review(data_dir, ref, catalogue, today)
    print(f"report ({outcome.pages} pages): {outcome.pdf}")
    for path in (outcome.html, outcome.xlsx):
        print(path)
    return EXIT_OK


def add_followup(commands: Commands) -> None:
    parser = add_command(
        commands, "followup", followup, help="units late, missing or rejected (XLSX for follow-up)"
    )
    parser.add_argument("--period", required=True, type=parse_period)
    parser.add_argument(
        "--output", type=Path, help="the workbook to write (default: in the data dir's reports)"
    )


def followup(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    needs_warehouse(data_dir)
    from ntm.indicators.followup import followup_table, write_followup_workbook  # noqa: PLC0415

    period: Period = args.period
    target = args.output or data_dir.followup_workbook(str(period))
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        table = followup_table(warehouse, ref, period)
    write_followup_workbook(target, table, period)
    print(f"{target} ({table.height} units to follow up)")
    return EXIT_OK


def add_run(commands: Commands) -> None:
    parser = add_command(
        commands, "run", run, help="ingest, indicators and report as one Prefect flow"
    )
    parser.add_argument(
        "--period",
        type=parse_period,
        help="default: the last quarter that has ended (Hà Tĩnh time)",
    )
    parser.add_argument("--units", nargs="+", help="ingest only these reporting units' files")
    parser.add_argument(
        "--force", action="store_true", help="render a new report even if nothing changed"
    )


def run(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    return run_flow(data_dir, ref, args.period, args.units, args.force)


def run_flow(
    data_dir: DataDir, ref: Reference, period: Period | None, units: list[str] | None, force: bool
) -> int:
    """The quarterly flow for ``period`` (``ntm run``, the end of ``ntm demo``), then the
    summary and the report's path, both as the run found them: the warehouse is not opened
    again after the run let go of the data dir (another run may hold it by then)."""
    # Prefect takes seconds to import and start; only the commands that run the flow pay it.
    from flows.server import prefect_defaults  # noqa: PLC0415

    prefect_defaults()
    from flows.logs import tracebacks_to_the_log  # noqa: PLC0415
    from flows.quarterly import quarterly_report  # noqa: PLC0415

    with tracebacks_to_the_log(data_dir):
        result = quarterly_report(
            period=str(period) if period else None,
            units=units,
            force=force,
            data_dir=str(data_dir.root),
        )
    for line in result["summary"]:
        print(line)
    rendered = result["report"]
    print(f"report v{rendered['version']} ({rendered['pages']} pages): {rendered['pdf']}")
    return EXIT_OK


def add_summary(commands: Commands) -> None:
    parser = add_command(commands, "summary", summary, help="completeness per period")
    parser.add_argument("--period", type=parse_period)


def summary(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    print_summary(data_dir, ref, args.period)
    return EXIT_OK


def print_summary(data_dir: DataDir, ref: Reference, period: Period | None) -> None:
    """Completeness of ``period``, or of every period stored."""
    with Warehouse.open(data_dir.warehouse) as warehouse:
        periods = [period] if period else stored_periods(warehouse)
        for line in summary_lines(warehouse, ref, periods):
            print(line)
