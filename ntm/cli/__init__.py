"""ntm: district submissions, indicators and the committee report of the new-rural programme.

The command of interfaces.md. Global options (``--data-dir``) go before or after the command.
Each command's options are defined next to its handler, in the module of its kind
(``ntm.cli.intake``, ``ntm.cli.indicators``, ``ntm.cli.reports``); this module assembles them.

Exit status: 0 success; 2 usage error; 3 some file rejected or some row quarantined;
1 internal failure; 141 when the reader of standard output closed it early (``ntm summary |
head -1``). Bad input never produces a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from ntm.cli import indicators, intake, reports
from ntm.cli.common import (
    DATA_DIR_HELP,
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_OUTPUT_CLOSED,
    EXIT_USAGE,
    Handler,
    UsageError,
)
from ntm.reference import ReferenceError, load_reference
from ntm.store.household_key import HouseholdKeyError
from ntm.store.lock import DataDirBusyError
from ntm.store.paths import DataDir
from ntm.store.warehouse import WarehouseBusyError, WarehouseUnusableError

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_OUTPUT_CLOSED",
    "EXIT_USAGE",
    "UsageError",
    "build_parser",
    "main",
]

# Every command, in the order ``ntm --help`` lists them.
COMMANDS = (
    intake.add_ingest,
    intake.add_template,
    intake.add_households,
    intake.add_demo,
    indicators.add_indicators,
    reports.add_report,
    reports.add_close,
    reports.add_reopen,
    reports.add_verify,
    reports.add_review,
    reports.add_followup,
    reports.add_run,
    reports.add_summary,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ntm", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help=DATA_DIR_HELP)
    commands = parser.add_subparsers(
        dest="command", required=True, title="commands", metavar="COMMAND"
    )
    for add in COMMANDS:
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    data_dir = DataDir.resolve(args.data_dir)
    try:
        ref = load_reference()
        handler: Handler = args.handler
        status = handler(args, data_dir, ref)
        # What is still buffered is written now, while a closed pipe can be answered below,
        # rather than at exit, where Python would report it as an ignored exception.
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # The reader has gone (``| head -1``): end quietly as Unix tools do. Whatever was still
        # to be written goes to /dev/null, so that flushing at exit does not fail again (the
        # note on SIGPIPE in Python's signal docs); the status is a shell's for a command
        # killed by SIGPIPE, 128 + 13, so a pipeline under ``set -o pipefail`` still sees it.
        _discard_stdout()
        return EXIT_OUTPUT_CLOSED
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
    except WarehouseUnusableError as error:
        print(f"ntm: the warehouse {data_dir.warehouse} cannot be opened: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as error:
        log = data_dir.internal_errors_log
        log.parent.mkdir(parents=True, exist_ok=True)
        # A name that is not UTF-8 may be in the traceback: kept as \udce9, never a new error.
        with log.open("a", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(f"--- {datetime.now(UTC).isoformat()} ntm {args.command}\n")
            handle.write(traceback.format_exc())
        print(f"ntm: internal error: {error!r} (details in {log})", file=sys.stderr)
        return EXIT_INTERNAL


def _discard_stdout() -> None:
    """Point standard output at /dev/null (its file descriptor when it has one)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # no file descriptor (io.UnsupportedOperation)
        sys.stdout = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115 (until exit)
    finally:
        os.close(devnull)
