"""The ``indicators`` command: a period's indicators, one row per unit, as CSV or JSON."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import polars as pl

from ntm.cli.common import EXIT_OK, Commands, add_command, needs_warehouse, parse_period
from ntm.indicators.exports import write_indicator_workbook
from ntm.indicators.mart import stored_tables
from ntm.reference import Reference
from ntm.store.closures import closed_state, signed_indicators
from ntm.store.paths import DataDir, atomic_path
from ntm.store.warehouse import Warehouse
from transforms.indicators import format_indicators


def add_indicators(commands: Commands) -> None:
    parser = add_command(
        commands, "indicators", indicators, help="indicators of a period, one row per unit"
    )
    parser.add_argument("--period", required=True, type=parse_period)
    parser.add_argument("--level", choices=("commune", "district", "province"))
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument("--xlsx", type=Path, help="also write the tables to this workbook")
    parser.add_argument(
        "--as-of",
        choices=("signed", "current"),
        default="signed",
        help="for a closed period: the signed figures (default) or the latest accepted ones",
    )


def indicators(args: argparse.Namespace, data_dir: DataDir, ref: Reference) -> int:
    needs_warehouse(data_dir)
    from ntm.report.closing import describe, signed_workbook  # noqa: PLC0415

    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        # Read-only, without the data dir's lock: stored tables are read, never written here.
        signed = None if args.as_of == "current" else closed_state(warehouse, str(args.period))
        if signed is not None:
            values = signed_indicators(data_dir, signed)
        else:
            stored = stored_tables(data_dir, warehouse, ref, args.period, store=False)
            values = stored.tables.indicators
    table = format_indicators(values, str(args.period))
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
