"""Vietnamese formats for what people read: 1.234.567, 3,04%, "ngày 05 tháng 01 năm 2025".

Numbers arrive as integers (counts) or integer hundredths (rates, points); they are turned into
exact Decimals before Babel formats them, so no float ever touches a printed figure.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "vi_VN"
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def count(value: int | None) -> str:
    """1234567 -> "1.234.567"; None -> "-"."""
    return "-" if value is None else format_decimal(value, format="#,##0", locale=LOCALE)


def hundredths(value: int | None, suffix: str = "") -> str:
    """304 -> "3,04" (+ suffix); None -> "-". Always two decimals, as published."""
    if value is None:
        return "-"
    text = format_decimal(Decimal(value) / 100, format="#,##0.00", locale=LOCALE)
    return f"{text}{suffix}"


def percent(value: int | None) -> str:
    """A rate in hundredths: 304 -> "3,04%"."""
    return hundredths(value, "%")


def points(value: int | None) -> str:
    """A change in hundredths of a percentage point: 64 -> "0,64 điểm phần trăm"."""
    return "-" if value is None else f"{hundredths(abs(value))} điểm phần trăm"


def long_date(day: date) -> str:
    """The place-date line's date: "ngày 05 tháng 01 năm 2025" (zero-padded day and month)."""
    return format_date(day, "'ngày' dd 'tháng' MM 'năm' yyyy", locale=LOCALE)


def short_date(day: date) -> str:
    return format_date(day, "dd/MM/yyyy", locale=LOCALE)


def quarter(year: int, number: int) -> str:
    """ "quý IV năm 2024"."""
    return f"quý {ROMAN[number]} năm {year}"
