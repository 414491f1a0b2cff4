"""Vietnamese formats for what people read: 1.234.567, 3,04%, "ngày 05 tháng 01 năm 2025".

Numbers arrive as integers (counts) or integer hundredths (rates, points), or for a chart's tick
labels integer thousandths; they are turned into exact Decimals before Babel formats them, so no
float ever touches a printed figure, in the text or in the charts (``ntm.report.charts``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from transforms.periods import quarter_words

LOCALE = "vi_VN"


def count(value: int | None) -> str:
    """1234567 -> "1.234.567"; None -> "-"."""
    return "-" if value is None else format_decimal(value, format="#,##0", locale=LOCALE)


def decimal(value: int | None, places: int, suffix: str = "", *, least: int | None = None) -> str:
    """``value`` counted in units of 10**-places, written exactly (+ suffix); None -> "-".

    decimal(304, 2) -> "3,04"; decimal(25, 3) -> "0,025". ``least`` (0 to ``places``; all of
    them by default) is the fewest decimals shown: the zeros after it are dropped, never a
    digit that is not zero, so nothing is rounded: decimal(7000, 2, least=0) -> "70",
    decimal(7250, 2, least=0) -> "72,5", decimal(60, 2, least=1) -> "0,6".
    """
    if value is None:
        return "-"
    if not isinstance(value, int):  # a float here would be rounded by Babel, silently
        raise TypeError(f"{value!r} is not a whole number of 10**-{places}")
    least = places if least is None else least
    if not 0 <= least <= places:
        raise ValueError(f"least must be within 0..{places}, not {least}")
    fraction = "." + "0" * least + "#" * (places - least) if places else ""
    text = format_decimal(Decimal(value).scaleb(-places), format="#,##0" + fraction, locale=LOCALE)
    return f"{text}{suffix}"


def hundredths(value: int | None, suffix: str = "", *, least: int = 2) -> str:
    """304 -> "3,04" (+ suffix); None -> "-". Two decimals, as published; a chart's legend
    may show fewer where they are exact (``least``, see ``decimal``): 60 -> "0,6" with 1."""
    return decimal(value, 2, suffix, least=least)


def percent(value: int | None, *, least: int = 2) -> str:
    """A rate in hundredths: 304 -> "3,04%"; 7000 with ``least=0`` -> "70%"."""
    return hundredths(value, "%", least=least)


def points(value: int | None) -> str:
    """A change in hundredths of a percentage point: 64 -> "0,64 điểm phần trăm"."""
    return "-" if value is None else f"{hundredths(abs(value))} điểm phần trăm"


def band(low: int, high: int, *, least: int = 1) -> str:
    """A band in hundredths, as a target's words write it: (60, 100) -> "0,6 - 1,0"; with
    ``least=2``, as a table's cell does: "0,60 - 1,00"."""
    return f"{hundredths(low, least=least)} - {hundredths(high, least=least)}"


def long_date(day: date) -> str:
    """The place-date line's date: "ngày 05 tháng 01 năm 2025" (zero-padded day and month)."""
    return format_date(day, "'ngày' dd 'tháng' MM 'năm' yyyy", locale=LOCALE)


def short_date(day: date) -> str:
    return format_date(day, "dd/MM/yyyy", locale=LOCALE)


def quarter(year: int, number: int) -> str:
    """ "quý IV năm 2024"."""
    return quarter_words(year, number)
