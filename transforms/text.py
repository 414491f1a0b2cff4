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


def escaped(text: str) -> str:
    r"""``text`` on one line of valid UTF-8, for a name from the file system (one line per file
    of ``ntm ingest``, a stored file name, a feedback file's name): a backslash, tab, newline
    and every other control character become a backslash escape (``\\``, ``\t``, ``\n``,
    ``\x1b``), and a byte that was not UTF-8 (Python hands it over as a surrogate escape,
    ``'lat\udce9n.xlsx'``) is shown as the byte, ``lat\xe9n.xlsx``. Anything else, Vietnamese
    included, is kept as it is; text with nothing to escape comes back unchanged."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(_escape(character) for character in text)


_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(character: str) -> str:
    code = ord(character)
    if character in _ESCAPES:
        return _ESCAPES[character]
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's surrogate escape of the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    if unicodedata.category(character) in ("Cc", "Cs", "Zl", "Zp"):
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
    return character
