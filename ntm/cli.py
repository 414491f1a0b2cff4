"""ntm: district submissions, indicators and the committee report of the new-rural programme.

The command of interfaces.md. Global options (``--data-dir``) go before or after the command.

Exit status: 0 success; 2 usage error; 3 some file rejected or some row quarantined;
1 internal failure. Bad input never produces a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from ntm.indicators.completeness import stored_periods, summary_lines
from ntm.indicators.exports import write_indicator_workbook
from ntm.indicators.households import household_counts
from ntm.indicators.mart import stored_tables
from ntm.intake.ingest import ingest_files
from ntm.intake.workbook import write_submission
from ntm.reference import Reference, ReferenceError, load_reference
from ntm.store.closures import closed_state, signed_indicators
from ntm.store.household_key import HouseholdKeyError
from ntm.store.lock import DataDirBusyError, data_dir_lock
from ntm.store.paths import DataDir, atomic_path
from ntm.store.warehouse import Warehouse, WarehouseBusyError
from transforms.indicators import format_indicators
from transforms.periods import Period, last_ended_quarter
from transforms.registry import communes_of, find_reporting_unit

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_FINDINGS = 0, 1, 2, 3


class UsageError(Exception):
    """A mistake in how the command was called."""


def _period(text: str) -> Period:
    period = Period.parse(text)
    if period is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a period like 2024-Q4")
    return period


REVIEW_KINDS = ("dinh-ky", "dau-ky")
DATA_DIR_HELP = "inbox, warehouse, feedback and reports (default: $NTM_DATA_DIR or ./data)"


def build_parser() -> argparse.ArgumentParser:
    # --data-dir is accepted before the command and after it; after it, SUPPRESS keeps a
    # subcommand that was not given the option from resetting the value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS, help=DATA_DIR_HELP)
    parser = argparse.ArgumentParser(prog="ntm", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help=DATA_DIR_HELP)
    commands = parser.add_subparsers(
        dest="command", required=True, title="commands", metavar="COMMAND"
    )

    ingest = commands.add_parser("ingest", parents=[common], help="check and store submissions")
    ingest.add_argument("paths", nargs="+", type=Path, help="files, or folders to search")

    template = commands.add_parser(
        "template",
        parents=[common],
        help="a fillable workbook (form 01 or HN)",
    )
    template.add_argument("--form", choices=("01", "HN"), default="01", help="01 (default) or HN")
    template.add_argument("--unit", required=True, help="GSO code of the reporting unit")
    template.add_argument("--period", type=_period, help="form 01: the quarter")
    template.add_argument("--year", type=int, help="form HN: the review year")
    template.add_argument("--kind", choices=REVIEW_KINDS, help="form HN: the kind of review")
    template.add_argument("--output", required=True, type=Path)

    households = commands.add_parser(
        "households",
        parents=[common],
        help="household review counts (form HN)",
    )
    households.add_argument("--year", required=True, type=int, help="the review year")
    households.add_argument("--kind", choices=REVIEW_KINDS, default="dinh-ky")
    households.add_argument("--level", choices=("commune", "province"), default="commune")
    households.add_argument("--format", choices=("csv", "json"), default="csv")

    demo = commands.add_parser(
        "demo", parents=[common], help="demo submissions into the inbox, then the whole job"
    )
    demo.add_argument("--messy", type=Path, help="also write the messy set into this folder")
    demo.add_argument(
        "--through",
        type=_period,
        help="last quarter to generate (default: the last quarter that has ended, Hà Tĩnh time; "
        "from 2025-Q3 on, communes report directly)",
    )

    indicators = commands.add_parser(
        "indicators", parents=[common], help="indicators of a period, one row per unit"
    )
    indicators.add_argument("--period", required=True, type=_period)
    indicators.add_argument("--level", choices=("commune", "district", "province"))
    indicators.add_argument("--format", choices=("csv", "json"), default="csv")
    indicators.add_argument("--xlsx", type=Path, help="also write the tables to this workbook")
    indicators.add_argument(
        "--as-of",
        choices=("signed", "current"),
        default="signed",
        help="for a closed period: the signed figures (default) or the latest accepted ones",
    )

    report = commands.add_parser(
        "report", parents=[common], help="render the committee report (PDF, HTML, XLSX)"
    )
    report.add_argument("--period", required=True, type=_period)
    report.add_argument(
        "--amended",
        action="store_true",
        help="over a closed period: a new version headed BẢN ĐIỀU CHỈNH, with what changed",
    )
    report.add_argument(
        "--today",
        type=date.fromisoformat,
        help="the report's date (YYYY-MM-DD; default: today in Asia/Ho_Chi_Minh)",
    )

    close = commands.add_parser(
        "close", parents=[common], help="record that the committee signed a report version"
    )
    close.add_argument("--period", required=True, type=_period)
    close.add_argument("--version", required=True, type=int, help="the report version signed")
    close.add_argument("--by", required=True, help="who records the close")
    close.add_argument("--note", help="e.g. the number of the signed report")

    reopen = commands.add_parser(
        "reopen", parents=[common], help="reopen a closed period (the reason is recorded)"
    )
    reopen.add_argument("--period", required=True, type=_period)
    reopen.add_argument("--by", required=True, help="who reopens it")
    reopen.add_argument("--reason", required=True, help="why (kept in the audit)")

    verify = commands.add_parser(
        "verify", parents=[common], help="recompute a closed period from its archive"
    )
    verify.add_argument("--period", required=True, type=_period)

    review = commands.add_parser(
        "review", parents=[common], help="the programme's final review (BÁO CÁO TỔNG KẾT)"
    )
    review.add_argument("--programme", required=True, help="a programme period, e.g. 2021-2025")
    review.add_argument(
        "--today",
        type=date.fromisoformat,
        help="the review's date (YYYY-MM-DD; default: today in Asia/Ho_Chi_Minh)",
    )

    followup = commands.add_parser(
        "followup", parents=[common], help="units late, missing or rejected (XLSX for follow-up)"
    )
    followup.add_argument("--period", required=True, type=_period)
    followup.add_argument(
        "--output", type=Path, help="the workbook to write (default: in the data dir's reports)"
    )

    run = commands.add_parser(
        "run", parents=[common], help="ingest, indicators and report as one Prefect flow"
    )
    run.add_argument(
        "--period", type=_period, help="default: the last quarter that has ended (Hà Tĩnh time)"
    )
    run.add_argument("--units", nargs="+", help="ingest only these reporting units' files")
    run.add_argument(
        "--force", action="store_true", help="render a new report even if nothing changed"
    )

    summary = commands.add_parser("summary", parents=[common], help="completeness per period")
    summary.add_argument("--period", type=_period)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    data_dir = DataDir.resolve(args.data_dir)
    try:
        ref = load_reference()
        command = {
            "ingest": _ingest,
            "template": _template,
            "households": _households,
            "demo": _demo,
            "summary": _summary,
            "indicators": _indicators,
            "report": _report,
            "review": _review,
            "close": _close,
            "reopen": _reopen,
            "verify": _verify,
            "followup": _followup,
            "run": _run,
        }
        return command[args.command](args, data_dir, ref)
    except UsageError as error:
        print(f"ntm {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ReferenceError as error:
        print(f"ntm: reference data is not usable: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    except (DataDirBusyError, HouseholdKeyError) as error:
        print(f"ntm: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    except WarehouseBusyError as error:
        print(
            f"ntm: the warehouse {data_dir.warehouse} is in use by another process; "
            f"try again when it has finished ({error})",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    except Exception as error:
        log = data_dir.internal_errors_log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now(UTC).isoformat()} ntm {args.command}\n")
            handle.write(traceback.format_exc())
        print(f"ntm: internal error: {error!r} (details in {log})", file=sys.stderr)
        return EXIT_INTERNAL


def _ingest(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:

    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    with data_dir_lock(data_dir):
        outcomes = ingest_files(args.paths, data_dir, ref)
    for outcome in outcomes:
        print(outcome.line())
        if outcome.amendment:
            print(
                f"ntm ingest: {outcome.period} is closed: {outcome.path.name} is stored as an "
                f"amendment (the signed figures stand; the next report lists the change)",
                file=sys.stderr,
            )
    bad = any(o.status == "rejected" or o.quarantined for o in outcomes)
    return EXIT_FINDINGS if bad else EXIT_OK


def _template(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    if args.form == "HN":
        return _household_template(args, ref)
    if args.period is None or args.year is not None or args.kind is not None:
        raise UsageError("form 01 takes --period (--year and --kind are for --form HN)")
    period: Period = args.period
    direct = ref.settings.communes_report_from
    unit = find_reporting_unit(ref.registry, args.unit, period.last_day, direct)
    if unit is None:
        raise UsageError(f"no reporting unit with code {args.unit} on {period.last_day}")
    communes = communes_of(ref.registry, args.unit, period.last_day, direct)
    path = write_submission(
        args.output, ref.format, args.unit, str(unit["unit_name"]), str(period), communes
    )
    print(path)
    return EXIT_OK


def _household_template(args: argparse.Namespace, ref: Reference) -> int:
    from ntm.intake.household_template import TemplateError, write_household_template  # noqa: PLC0415

    if args.year is None or args.kind is None or args.period is not None:
        raise UsageError("--form HN takes --year and --kind (not --period)")
    try:
        path = write_household_template(args.output, ref, args.unit, args.year, args.kind)
    except TemplateError as error:
        raise UsageError(str(error)) from error
    print(path)
    return EXIT_OK


def _households(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    _needs_warehouse(data_dir)
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        table = household_counts(warehouse, ref, args.year, args.kind, args.level)
    if args.format == "json":
        sys.stdout.write(table.write_json() + "\n")
    else:
        sys.stdout.write(table.write_csv())
    return EXIT_OK


def _demo(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    # Only this command needs the generator (and numpy); the others start without it.
    from ntm.intake.demo import generate_demo, generate_messy  # noqa: PLC0415

    inbox = data_dir.inbox / "demo"
    through = args.through or last_ended_quarter(_local_today(ref))
    written = generate_demo(inbox, ref, last=through)
    print(f"demo submissions: {len(written)} files in {inbox}")
    if args.messy:
        messy = generate_messy(args.messy, ref)
        print(f"messy submissions: {len(messy)} files in {args.messy}")
    status = _run_flow(data_dir, ref, through, None, force=False)
    # The demo covers a whole programme: its final review too, once its last year has ended.
    ended = [c for c in ref.catalogues if Period(c.last_year, 4) <= through]
    if status == EXIT_OK and ended:
        with data_dir_lock(data_dir):
            from ntm.report import generate_review  # noqa: PLC0415 (see _report)

            review = generate_review(data_dir, ref, ended[-1], _local_today(ref))
        print(
            f"review {ended[-1].programme} v{review.version} ({review.pages} pages): {review.pdf}"
        )
    return status


def _run(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    return _run_flow(data_dir, ref, args.period, args.units, args.force)


def _run_flow(
    data_dir: DataDir, ref: Reference, period: Period | None, units: list[str] | None, force: bool
) -> int:
    # Prefect takes seconds to import and start; only the commands that run the flow pay it.
    # Without a server, each run starts a temporary one: on a small machine it needs more than
    # Prefect's default 20 s. Analytics stay off; an operator's own settings win.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.quarterly import quarterly_report  # noqa: PLC0415

    with _tracebacks_to_the_log(data_dir):
        result = quarterly_report(
            period=str(period) if period else None,
            units=units,
            force=force,
            data_dir=str(data_dir.root),
        )
    _print_summary(data_dir, ref, Period.parse(result["period"]))
    report = result["report"]
    print(f"report v{report['version']} ({report['pages']} pages): {report['pdf']}")
    return EXIT_OK


class _WithoutTraceback(logging.Formatter):
    """Another formatter's lines, without the traceback (which the run log keeps)."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return self.inner.format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


@contextmanager
def _tracebacks_to_the_log(data_dir: DataDir) -> Iterator[None]:
    """While the flow runs, the console shows what Prefect logs, never a traceback: tracebacks
    go to the run log (``logs/runs.log``) with every other line of the run. Undone after, so a
    second run in the same process writes to its own data dir's log."""
    data_dir.logs.mkdir(parents=True, exist_ok=True)
    log = logging.FileHandler(data_dir.run_log, encoding="utf-8")
    log.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
        if name == "prefect" or name.startswith("prefect.")
    ]  # fmt: skip
    consoles = [
        handler
        for logger in loggers
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler)
        and not isinstance(handler, logging.FileHandler)
    ]
    formatters = [handler.formatter for handler in consoles]
    for handler, formatter in zip(consoles, formatters, strict=True):
        handler.setFormatter(_WithoutTraceback(formatter))
    logging.getLogger("prefect").addHandler(log)
    try:
        yield
    finally:
        logging.getLogger("prefect").removeHandler(log)
        log.close()
        for handler, formatter in zip(consoles, formatters, strict=True):
            handler.setFormatter(formatter)


def _indicators(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    _needs_warehouse(data_dir)
    from ntm.report.closing import describe, signed_workbook  # noqa: PLC0415

    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        # Read-only, without the data dir's lock: stored tables are read, never written here.
        signed = None if args.as_of == "current" else closed_state(warehouse, str(args.period))
        if signed is not None:
            indicators = signed_indicators(data_dir, signed)
        else:
            stored = stored_tables(data_dir, warehouse, ref, args.period, store=False)
            indicators = stored.tables.indicators
    table = format_indicators(indicators, str(args.period))
    if signed is not None:
        print(
            f"ntm indicators: {args.period} is {describe(signed)}: these are the signed figures "
            f"(--as-of current for the latest accepted ones)",
            file=sys.stderr,
        )
    if args.xlsx:
        # A copy of what exists (staff edit theirs): the signed version's twin, or the flow's.
        source = signed_workbook(data_dir, signed) if signed is not None else None
        if source is None and stored.folder is not None:
            source = stored.workbook
        if source is not None:
            with atomic_path(args.xlsx) as temporary:
                shutil.copyfile(source, temporary)
        else:
            write_indicator_workbook(args.xlsx, stored.tables)
        print(args.xlsx, file=sys.stderr)
    if args.level:
        table = table.filter(pl.col("unit_level") == args.level)
    if args.format == "json":
        sys.stdout.write(table.write_json() + "\n")
    else:
        sys.stdout.write(table.write_csv())
    return EXIT_OK


def _report(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    _needs_warehouse(data_dir)
    today = args.today or _local_today(ref)
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


def _close(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    from ntm.report.closing import ClosingError, close_period  # noqa: PLC0415

    _needs_warehouse(data_dir)
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


def _reopen(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    from ntm.report.closing import ClosingError, describe, reopen_period  # noqa: PLC0415

    _needs_warehouse(data_dir)
    if not args.reason.strip():
        raise UsageError("--reason must say why the period is reopened")
    with data_dir_lock(data_dir):
        try:
            was = reopen_period(data_dir, args.period, args.by, args.reason, datetime.now(UTC))
        except ClosingError as error:
            raise UsageError(str(error)) from error
    print(f"{args.period} reopened by {args.by} (it was {describe(was)})")
    return EXIT_OK


def _verify(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    from ntm.report.closing import ClosingError, verify_period  # noqa: PLC0415

    _needs_warehouse(data_dir)
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


def _needs_warehouse(data_dir: DataDir) -> None:
    if not data_dir.warehouse.exists():
        raise UsageError(f"no warehouse in {data_dir.root}: ingest submissions first")


def _review(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    catalogue = next((c for c in ref.catalogues if c.programme == args.programme), None)
    if catalogue is None:
        known = ", ".join(c.programme for c in ref.catalogues)
        raise UsageError(f"no programme {args.programme!r} in the reference data (known: {known})")
    _needs_warehouse(data_dir)
    today = args.today or _local_today(ref)
    with data_dir_lock(data_dir):
        from ntm.report import generate_review  # noqa: PLC0415 (see _report)

        outcome = generate_review(data_dir, ref, catalogue, today)
    print(f"report ({outcome.pages} pages): {outcome.pdf}")
    for path in (outcome.html, outcome.xlsx):
        print(path)
    return EXIT_OK


def _followup(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    _needs_warehouse(data_dir)
    from ntm.indicators.followup import followup_table, write_followup_workbook  # noqa: PLC0415

    period: Period = args.period
    target = args.output or data_dir.followup_workbook(str(period))
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        table = followup_table(warehouse, ref, period)
    write_followup_workbook(target, table, period)
    print(f"{target} ({table.height} units to follow up)")
    return EXIT_OK


def _local_today(ref: Reference) -> date:
    return datetime.now(ZoneInfo(ref.settings.timezone)).date()


def _summary(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    _print_summary(data_dir, ref, args.period)
    return EXIT_OK


def _print_summary(data_dir: DataDir, ref: Reference, period: Period | None) -> None:

    with Warehouse.open(data_dir.warehouse) as warehouse:
        periods = [period] if period else stored_periods(warehouse)
        for line in summary_lines(warehouse, ref, periods):
            print(line)


if __name__ == "__main__":
    sys.exit(main())
