"""Strict parsing of the figures districts type: whole numbers >= 0, nothing else.

A figure arrives as text (Excel cells are read as text on purpose). Accepted: ``1350``,
``1.350`` and ``1 350`` (Vietnamese thousands separators, a consistent separator and groups of
three). Everything else is an error on that cell, never truncated, rounded or read as a decimal:
``12,5``, ``12.5``, ``-``, ``n/a``, ``-3``, ``1.35``, an empty cell.
"""

from __future__ import annotations

import polars as pl

# At most 15 digits: far above any count here, and safely inside Int64.
MAX_DIGITS = 15
_WHOLE_NUMBER = r"^(?:[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]{1,3}(?: [0-9]{3})+)$"

FIGURE_EMPTY = "figure_empty"
FIGURE_INVALID = "figure_invalid"


def _normalised(column: str) -> pl.Expr:
    # No-break and narrow no-break spaces are what Excel and Word put between digit groups.
    return pl.col(column).str.replace_all("[\u00a0\u202f]", " ").str.strip_chars()


def figure_value(column: str) -> pl.Expr:
    """The whole number in ``column``, or null where the text is not one."""
    text = _normalised(column)
    digits = text.str.replace_all(r"[. ]", "")
    well_formed = text.str.contains(_WHOLE_NUMBER) & (digits.str.len_chars() <= MAX_DIGITS)
    return pl.when(well_formed).then(digits.cast(pl.Int64)).otherwise(None).alias(column)


def figure_problem(column: str) -> pl.Expr:
    """The rule id of what is wrong with ``column``'s text, or null when it is a whole number."""
    text = _normalised(column)
    digits = text.str.replace_all(r"[. ]", "")
    well_formed = text.str.contains(_WHOLE_NUMBER) & (digits.str.len_chars() <= MAX_DIGITS)
    return (
        pl.when(text.is_null() | (text == ""))
        .then(pl.lit(FIGURE_EMPTY))
        .when(~well_formed)
        .then(pl.lit(FIGURE_INVALID))
        .otherwise(None)
        .alias(column)
    )


def format_whole_number(value: int) -> str:
    """The inverse of parsing, with Vietnamese thousands separators: 1234567 -> '1.234.567'."""
    return f"{value:,}".replace(",", ".")


def whole_number_text(expr: pl.Expr) -> pl.Expr:
    """``format_whole_number`` as a Polars expression over text: a whole number written as
    plain digits (``1790``, ``-1790``) gets its thousands separators (``1.790``); any other
    text (a cell as typed, a code, a name) is left as it is."""
    plain = r"^-?[0-9]+$"
    # Polars' regex has no look-ahead: reversed, the groups of three start at the left.
    grouped = (
        expr.str.reverse()
        .str.replace_all(r"([0-9]{3})", "$1.")
        .str.reverse()
        .str.replace(r"^(-?)\.", "$1")
    )
    return pl.when(expr.str.contains(plain)).then(grouped).otherwise(expr)
