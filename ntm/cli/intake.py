"""Commands that bring submissions in: ``ingest``, ``template``, ``households``, ``demo``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ntm.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    REVIEW_KINDS,
    Commands,
    UsageError,
    add_command,
    local_today,
    needs_warehouse,
    parse_period,
)
from ntm.cli.reports import run_flow
from ntm.indicators.households import household_counts
from ntm.intake.ingest import ingest_files
from ntm.intake.workbook import write_submission
from ntm.reference import Reference
from ntm.store.lock import data_dir_lock
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms.periods import Period, last_ended_quarter
from transforms.registry import communes_of, find_reporting_unit
from transforms.text import escaped


def add_ingest(commands: Commands) -> None:
    parser = add_command(commands, "ingest", ingest, help="check and store submissions")
    parser.add_argument("paths", nargs="+", type=Path, help="files, or folders to search")


def ingest(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:

    missing = [escaped(str(p)) for p in args.paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    with data_dir_lock(data_dir):
        outcomes = ingest_files(args.paths, data_dir, ref)
    for outcome in outcomes:
        print(outcome.line())
        if outcome.amendment:
            print(
                f"ntm ingest: {outcome.period} is closed: {escaped(outcome.path.name)} is "
                f"stored as an amendment (the signed figures stand; the next report lists the "
                f"change)",
                file=sys.stderr,
            )
    bad = any(o.status == "rejected" or o.quarantined for o in outcomes)
    return EXIT_FINDINGS if bad else EXIT_OK


def add_template(commands: Commands) -> None:
    parser = add_command(
        commands,
        "template",
        template,
        help="a fillable workbook (form 01 or HN)",
    )
    parser.add_argument("--form", choices=("01", "HN"), default="01", help="01 (default) or HN")
    parser.add_argument("--unit", required=True, help="GSO code of the reporting unit")
    parser.add_argument("--period", type=parse_period, help="form 01: the quarter")
    parser.add_argument("--year", type=int, help="form HN: the review year")
    parser.add_argument("--kind", choices=REVIEW_KINDS, help="form HN: the kind of review")
    parser.add_argument("--output", required=True, type=Path)


def template(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
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


def add_households(commands: Commands) -> None:
    parser = add_command(
        commands,
        "households",
        households,
        help="household review counts (form HN)",
    )
    parser.add_argument("--year", required=True, type=int, help="the review year")
    parser.add_argument("--kind", choices=REVIEW_KINDS, default="dinh-ky")
    parser.add_argument("--level", choices=("commune", "province"), default="commune")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")


def households(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    needs_warehouse(data_dir)
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        table = household_counts(warehouse, ref, args.year, args.kind, args.level)
    if args.format == "json":
        sys.stdout.write(table.write_json() + "\n")
    else:
        sys.stdout.write(table.write_csv())
    return EXIT_OK


def add_demo(commands: Commands) -> None:
    parser = add_command(
        commands, "demo", demo, help="demo submissions into the inbox, then the whole job"
    )
    parser.add_argument("--messy", type=Path, help="also write the messy set into this folder")
    parser.add_argument(
        "--through",
        type=parse_period,
        help="last quarter to generate (default: the last quarter that has ended, Hà Tĩnh time; "
        "from 2025-Q3 on, communes report directly)",
    )


def demo(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    # Only this command needs the generator (and numpy); the others start without it.
    # The flow's temporary Prefect server boots on the other core while the files are written.
    from flows.server import start_server_early  # noqa: PLC0415
    from ntm.demo import generate_demo, generate_messy  # noqa: PLC0415

    server_started = start_server_early()
    inbox = data_dir.inbox / "demo"
    through = args.through or last_ended_quarter(local_today(ref))
    written = generate_demo(inbox, ref, last=through)
    # Flushed: the flow logs to stderr next, and this line comes first in a log of both.
    print(f"demo submissions: {len(written)} files in {inbox}", flush=True)
    if args.messy:
        messy = generate_messy(args.messy, ref)
        print(f"messy submissions: {len(messy)} files in {args.messy}")
    server_started()
    status = run_flow(data_dir, ref, through, None, force=False)
    # The demo covers a whole programme: its final review too, once its last year has ended.
    ended = [c for c in ref.catalogues if Period(c.last_year, 4) <= through]
    if status == EXIT_OK and ended:
        programme = ended[-1].programme
        # Rendered once, by the first demo after the programme ended: a demo run again finds
        # the same old quarters and prints the review it has (`ntm review` renders a new one).
        from ntm.report.versions import index_rows  # noqa: PLC0415 (see reports.report)

        earlier = index_rows(data_dir, programme)
        if earlier:
            row = earlier[-1]
            print(
                f"review {programme} v{row['version']} ({row['pages']} pages): "
                f"{data_dir.reports / row['pdf']} (already rendered; a new version: "
                f"ntm review --programme {programme})"
            )
            return status
        with data_dir_lock(data_dir):
            from ntm.report import generate_review  # noqa: PLC0415 (see reports.report)

            review = generate_review(data_dir, ref, ended[-1], local_today(ref))
        print(f"review {programme} v{review.version} ({review.pages} pages): {review.pdf}")
    return status
