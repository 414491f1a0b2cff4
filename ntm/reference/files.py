"""What every reference loader shares: its error and how it reads a TOML file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


class ReferenceError(Exception):
    """Reference data that the pipeline cannot run with; the message names the file."""


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ReferenceError(f"{path}: {error}") from error
