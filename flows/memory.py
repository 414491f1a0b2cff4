"""Memory a task freed, given back to the system before the next task starts.

The tasks of a run share one process. What a task frees is not all returned to the system: the
indicator workbook (xlsxwriter) leaves its cells as cyclic garbage that waits for the collector's
next pass, and glibc keeps freed heap pages for reuse. The report's render then starts on top of
that high-water mark, which is what a national run's peak (and its bill on a small machine) is
made of. A full collection and ``malloc_trim`` between tasks cost a few tens of milliseconds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    return getattr(ctypes.CDLL(name), "malloc_trim", None)


def give_back_memory() -> None:
    """Collect cyclic garbage, then return the C heap's free pages to the system."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
