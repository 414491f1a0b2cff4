"""Strict figure parsing: whole numbers >= 0 with Vietnamese thousands separators, nothing else."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.figures import (
    FIGURE_EMPTY,
    FIGURE_INVALID,
    MAX_DIGITS,
    figure_problem,
    figure_value,
    format_whole_number,
    whole_number_text,
)

LARGEST = 10**15 - 1


def parse(texts: list[str | None]) -> list[tuple[int | None, str | None]]:
    """(value, problem) for each text, through the Polars expressions on a one-column frame."""
    frame = pl.DataFrame({"cell": texts}, schema={"cell": pl.String})
    out = frame.select(figure_value("cell").alias("value"), figure_problem("cell").alias("problem"))
    return list(zip(out["value"].to_list(), out["problem"].to_list(), strict=True))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1350", 1350),
        ("1.350", 1350),
        ("1 350", 1350),
        ("1\u00a0350", 1350),  # no-break space, as Excel and Word group digits
        ("1\u202f350", 1350),  # narrow no-break space
        ("0", 0),
        ("007", 7),
        (" 42 ", 42),
        ("1.234.567", 1_234_567),
        ("12 345 678", 12_345_678),
        ("999.999.999.999.999", LARGEST),
        ("9" * MAX_DIGITS, LARGEST),
    ],
)
def test_whole_numbers_are_read(text, value):
    assert parse([text]) == [(value, None)]


@pytest.mark.parametrize(
    "text",
    [
        "12,5",  # decimal comma
        "12.5",  # decimal point, or a number cell 12.5 read back as text
        "1.35",  # a group of two is not a thousands group
        "1.3500",  # nor is a group of four
        "1,350",  # a comma is never a thousands separator here
        "-",
        "-3",
        "+3",
        "n/a",
        "1.350 000",  # mixed separators
        "1  350",  # two blanks are not one separator
        "1.350.",
        ".350",
        "1e5",
        "12a",
        "１２",  # full-width digits
        "1" * (MAX_DIGITS + 1),  # 16 digits: beyond the limit
        "1.000.000.000.000.000",  # 16 digits with separators
    ],
)
def test_anything_else_is_invalid(text):
    assert parse([text]) == [(None, FIGURE_INVALID)]


@pytest.mark.parametrize("text", ["", "   ", "\u00a0", None])
def test_empty_cells_are_their_own_error(text):
    assert parse([text]) == [(None, FIGURE_EMPTY)]


def test_each_cell_is_judged_on_its_own():
    assert parse(["1.350", "12,5", None, "7"]) == [
        (1350, None),
        (None, FIGURE_INVALID),
        (None, FIGURE_EMPTY),
        (7, None),
    ]


def test_the_column_keeps_its_name():
    frame = pl.DataFrame({"households": ["1.350"]})
    assert frame.select(figure_value("households")).columns == ["households"]
    assert frame.select(figure_problem("households")).columns == ["households"]


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (7, "7"), (999, "999"), (1000, "1.000"), (1_234_567, "1.234.567")],
)
def test_format_whole_number(value, text):
    assert format_whole_number(value) == text


def grouped_texts(texts: list[str | None]) -> list[str | None]:
    frame = pl.DataFrame({"text": texts}, schema={"text": pl.String})
    return frame.select(whole_number_text(pl.col("text")))["text"].to_list()


def test_whole_number_text_groups_plain_digits_only():
    assert grouped_texts(["1790", "-1790", "999", "1000000", "0"]) == [
        "1.790", "-1.790", "999", "1.000.000", "0",
    ]  # fmt: skip
    # Text that is not plain digits is left as typed.
    kept: list[str | None] = ["1.790", "12,5", "n/a", "", " 12", None]
    assert grouped_texts(kept) == kept


# ------------------------------------------------------------------------- properties

whole = st.integers(min_value=0, max_value=LARGEST)


def grouped(value: int, separator: str) -> str:
    return format_whole_number(value).replace(".", separator)


@st.composite
def written(draw: st.DrawFn) -> tuple[int, str]:
    """A whole number and one way a clerk may write it."""
    value = draw(whole)
    style = draw(st.sampled_from(["plain", ".", " ", "\u00a0"]))
    text = str(value) if style == "plain" else grouped(value, style)
    return value, text


@settings(max_examples=60, deadline=None)
@given(st.lists(written(), min_size=1, max_size=40))
def test_every_written_whole_number_parses_back(cases):
    assert parse([text for _, text in cases]) == [(value, None) for value, _ in cases]


@settings(max_examples=60, deadline=None)
@given(whole)
def test_format_whole_number_round_trips(value):
    text = format_whole_number(value)
    assert parse([text]) == [(value, None)]
    assert text.replace(".", "") == str(value)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-LARGEST, max_value=LARGEST), min_size=1, max_size=20))
def test_whole_number_text_is_format_whole_number_over_a_column(values):
    assert grouped_texts([str(v) for v in values]) == [format_whole_number(v) for v in values]


digits = st.text(alphabet="0123456789", min_size=1, max_size=6)


@st.composite
def not_whole(draw: st.DrawFn) -> str:
    """Text that is not a whole number in any accepted form."""
    value = draw(whole)
    kind = draw(
        st.sampled_from(
            ["comma", "point", "minus", "letter", "short group", "long group", "mixed", "lead"]
        )
    )
    if kind == "comma":
        return f"{value},{draw(digits)}"
    if kind == "point":  # a decimal part that is not a group of three digits
        return f"{value}.{draw(st.text(alphabet='0123456789', min_size=1, max_size=2))}"
    if kind == "minus":
        return "-" + draw(written())[1]
    if kind == "letter":
        text = draw(written())[1]
        at = draw(st.integers(0, len(text)))
        letter = draw(st.sampled_from(list("aeEOolxđ/")))
        return text[:at] + letter + text[at:]
    big = draw(st.integers(min_value=1000, max_value=LARGEST))
    separator = draw(st.sampled_from([".", " "]))
    text = grouped(big, separator)
    groups = text.split(separator)
    which = draw(st.integers(1, len(groups) - 1))
    if kind == "short group":
        groups[which] = groups[which][:-1]
    elif kind == "long group":
        groups[which] += "0"
    elif kind == "lead":  # a first group of four digits
        groups[0] = "1" + groups[0].rjust(3, "0")
    else:  # mixed: one separator of the other kind
        other = "." if separator == " " else " "
        if len(groups) < 3:
            return groups[0] + other + groups[1] + separator + "000"
        return separator.join(groups[:which]) + other + separator.join(groups[which:])
    return separator.join(groups)


@settings(max_examples=60, deadline=None)
@given(st.lists(not_whole(), min_size=1, max_size=40))
def test_text_that_is_not_a_whole_number_is_an_error(texts):
    assert parse(texts) == [(None, FIGURE_INVALID)] * len(texts)


def reference_parse(text: str) -> int | None:
    """An independent statement of the rule, for texts over a small alphabet."""
    text = text.replace("\u00a0", " ").strip(" ")
    for separator in (".", " "):
        if separator in text:
            other = " " if separator == "." else "."
            groups = text.split(separator)
            if other in text or not all(g.isdigit() and g.isascii() for g in groups):
                return None
            if not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
                return None
            break
    digits_only = text.replace(".", "").replace(" ", "")
    if not (digits_only.isdigit() and digits_only.isascii()) or len(digits_only) > MAX_DIGITS:
        return None
    return int(digits_only)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789., -a\u00a0", max_size=12), min_size=1, max_size=30))
def test_any_short_text_is_parsed_as_the_rule_says(texts):
    expected: list[tuple[int | None, str | None]] = []
    for text in texts:
        value = reference_parse(text)
        if not text.replace("\u00a0", " ").strip(" "):
            expected.append((None, FIGURE_EMPTY))
        else:
            expected.append((value, None if value is not None else FIGURE_INVALID))
    assert parse(texts) == expected
