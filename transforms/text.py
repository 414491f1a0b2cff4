"""Text normalisation: Vietnamese arrives as NFC or NFD, in any case, with stray blanks."""

from __future__ import annotations

import re
import unicodedata

import polars as pl

_BLANKS = re.compile(r"\s+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def match_key(text: str) -> str:
    """How labels and sheet names are compared: NFC, lower case, trimmed, blanks collapsed."""
    return _BLANKS.sub(" ", nfc(text).lower()).strip()


def match_key_expr(expr: pl.Expr) -> pl.Expr:
    """``match_key`` as a Polars expression (same result, for whole columns)."""
    return (
        expr.str.normalize("NFC").str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()
    )


def clean_text_expr(expr: pl.Expr) -> pl.Expr:
    """NFC with the ends trimmed; empty text becomes null."""
    cleaned = expr.str.normalize("NFC").str.strip_chars()
    return pl.when(cleaned == "").then(None).otherwise(cleaned)
