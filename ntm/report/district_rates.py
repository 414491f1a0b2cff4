"""Rates by district (or, once districts are abolished, the province alone): the tables under
the quarterly report's poverty, labour and social sections."""

from __future__ import annotations

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.report import vi
from ntm.report.sections import RateRow, RateTable

# Tables with a column per indicator: (header, indicator), headers and cells made from one list.
Columns = tuple[tuple[str, str], ...]


def by_district(tables: PeriodTables, columns: Columns, name_of: dict[str, str]) -> RateTable:
    """One row per district (or the province alone), one column per (header, indicator) of
    ``columns``. The rates are looked up in one pass over the frame, not with a filter per
    cell."""
    ind = tables.indicators.filter(pl.col("unit_level") != "commune")
    rates: dict[tuple[str, str], int | None] = {}
    for code, indicator, rate in ind.select("unit_code", "indicator", "rate").iter_rows():
        rates.setdefault((code, indicator), rate)  # the first row, as ``value_row`` would take
    codes = ind.sort(pl.col("unit_level") == "province", "unit_code")["unit_code"]
    rows = tuple(
        RateRow(
            unit=name_of.get(code, code),
            cells=tuple(vi.percent(rates.get((code, indicator))) for _, indicator in columns),
        )
        for code in codes.unique(maintain_order=True)
    )
    return RateTable(columns=tuple(header for header, _ in columns), rows=rows)
