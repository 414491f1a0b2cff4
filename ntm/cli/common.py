"""What the commands share: exit statuses, the usage error, the options every command takes.

A command module defines, for each of its commands, ``add_<command>(commands)`` (its options,
and the handler it runs) next to the handler ``<command>(args, data_dir, ref)``, which returns
the exit status.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from ntm.reference import Reference
from ntm.store.paths import DataDir
from transforms.periods import Period

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_FINDINGS = 0, 1, 2, 3
# Standard output was closed by its reader (``ntm summary | head -1``): what a shell reports
# for a command killed by SIGPIPE (128 + 13), as Unix tools end in that case.
EXIT_OUTPUT_CLOSED = 141

REVIEW_KINDS = ("dinh-ky", "dau-ky")
DATA_DIR_HELP = "inbox, warehouse, feedback and reports (default: $NTM_DATA_DIR or ./data)"

Handler = Callable[[argparse.Namespace, DataDir, Reference], int]


class Commands(Protocol):
    """The subcommands of ``ntm`` (what ``add_subparsers`` returns)."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


class UsageError(Exception):
    """A mistake in how the command was called."""


def parse_period(text: str) -> Period:
    """The type of a period option: 2024-Q4."""
    period = Period.parse(text)
    if period is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a period like 2024-Q4")
    return period


def data_dir_option() -> argparse.ArgumentParser:
    """The parent of every command's parser: ``--data-dir`` after the command too."""
    # --data-dir is accepted before the command and after it; after it, SUPPRESS keeps a
    # subcommand that was not given the option from resetting the value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS, help=DATA_DIR_HELP)
    return common


def add_command(
    commands: Commands, name: str, handler: Handler, **kwargs: Any
) -> argparse.ArgumentParser:
    """A command's parser, with ``--data-dir``; ``handler`` runs it."""
    parser = commands.add_parser(name, parents=[data_dir_option()], **kwargs)
    parser.set_defaults(handler=handler)
    return parser


def needs_warehouse(data_dir: DataDir) -> None:
    """Stop with a usage error when nothing was ever ingested into ``data_dir``."""
    if not data_dir.warehouse.exists():
        raise UsageError(f"no warehouse in {data_dir.root}: ingest submissions first")


def local_today(ref: Reference) -> date:
    """Today in the province (``settings.timezone``)."""
    return datetime.now(ZoneInfo(ref.settings.timezone)).date()
