"""Reporting periods: quarters written ``YYYY-Qn``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_PERIOD = re.compile(r"^(\d{4})-Q([1-4])$")
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def quarter_words(year: int, number: int) -> str:
    """How a Vietnamese text names a quarter: "quý IV năm 2024"."""
    return f"quý {ROMAN[number]} năm {year}"


@dataclass(frozen=True, order=True)
class Period:
    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> Period | None:
        """The period written in ``text`` (surrounding blanks and case ignored), or None."""
        match = _PERIOD.match(text.strip().upper())
        if match is None:
            return None
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> Period:
        if self.quarter == 4:
            return Period(self.year + 1, 1)
        return Period(self.year, self.quarter + 1)

    def previous(self) -> Period:
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)

    def previous_year_end(self) -> Period:
        """Q4 of the previous year: the official review that this year's figures start from."""
        return Period(self.year - 1, 4)

    def deadline(self, days_after_end: int) -> date:
        return self.last_day + timedelta(days=days_after_end)


def last_ended_quarter(today: date) -> Period:
    """The latest quarter whose last day is before ``today``."""
    current = Period(today.year, (today.month - 1) // 3 + 1)
    return current.previous()


def periods_between(first: Period, last: Period) -> list[Period]:
    out: list[Period] = []
    current = first
    while current <= last:
        out.append(current)
        current = current.next()
    return out
