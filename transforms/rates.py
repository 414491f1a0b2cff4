"""Exact rates: integer numerators and denominators, rounded half up only for display.

A rate is carried as its numerator and denominator. Displayed, it is a whole number of
hundredths of a percent (3.04% is 304), computed in integers: never a float, never banker's
rounding (3.005 -> 3.01, 0.125 -> 0.13). Negative values (changes) round half away from zero.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import polars as pl


def divide_half_up(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator / denominator rounded half away from zero to a whole number; null for 0.

    Both sides are Int128 so that products of national sums cannot overflow; the quotient is
    returned as Int64.
    """
    num, den = numerator.cast(pl.Int128), denominator.cast(pl.Int128)
    magnitude = ((num.abs() * 2 + den.abs()) // (den.abs() * 2)).cast(pl.Int64)
    signed = pl.when((num < 0) != (den < 0)).then(-magnitude).otherwise(magnitude)
    return pl.when(den == 0).then(None).otherwise(signed)


def hundredths(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """A rate in hundredths of a percent: round_half_up(numerator / denominator * 100, 2)."""
    return divide_half_up(numerator.cast(pl.Int128) * 10_000, denominator)


def format_hundredths(value: pl.Expr) -> pl.Expr:
    """Hundredths as text with a dot and two decimals: 304 -> "3.04", -50 -> "-0.50"."""
    sign = pl.when(value < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    magnitude = value.abs()
    return (
        sign
        + (magnitude // 100).cast(pl.String)
        + "."
        + (magnitude % 100).cast(pl.String).str.zfill(2)
    )


def parse_percent(text: str) -> int:
    """A threshold written as text ("70", "10.04", "0.6") in hundredths; at most 2 decimals."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation as error:
        raise ValueError(f"{text!r} is not a number") from error
    hundredths_value = value * 100
    if hundredths_value != hundredths_value.to_integral_value():
        raise ValueError(f"{text!r} has more than two decimals")
    return int(hundredths_value)


def at_least(numerator: pl.Expr, denominator: pl.Expr, threshold: pl.Expr) -> pl.Expr:
    """numerator / denominator * 100 >= threshold (in hundredths), exactly."""
    return numerator.cast(pl.Int128) * 10_000 >= threshold.cast(pl.Int128) * denominator


def at_most(numerator: pl.Expr, denominator: pl.Expr, threshold: pl.Expr) -> pl.Expr:
    """numerator / denominator * 100 <= threshold (in hundredths), exactly."""
    return numerator.cast(pl.Int128) * 10_000 <= threshold.cast(pl.Int128) * denominator
