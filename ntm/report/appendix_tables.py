"""The appendices both documents end with: every commune, its class and its rates, marked √
or × where a target of the catalogue applies; one table per reporting district, or one for the
province once communes report directly."""

from __future__ import annotations

from typing import Any

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.reference import Catalogue
from ntm.report import vi
from ntm.report.district_rates import Columns
from ntm.report.judging import Judging, Units
from ntm.report.sections import Appendix, CommuneRow
from ntm.report.words import capitalised

# The appendix's columns; a column whose indicator a commune-level target of the catalogue
# judges is headed with that target's id, "Nghèo đa chiều (T2)".
APPENDIX_RATES: Columns = (
    ("Tỷ lệ hộ nghèo", "poor_rate"),
    ("Nghèo đa chiều", "multidimensional_poverty_rate"),
    ("Lao động qua đào tạo", "trained_labour_rate"),
    ("Có bằng cấp, chứng chỉ", "certified_labour_rate"),
    ("Phụ nữ tham gia HTX", "women_coop_share"),
    ("Xử lý vụ xâm hại trẻ em", "child_abuse_handled_rate"),
)


def appendix_title(group: str, units: Units) -> str:
    """A district's name, or once communes report directly, that every commune is listed."""
    if units.direct:
        return f"Số liệu từng {units.words} của {units.province}"
    return group


def appendices(
    tables: PeriodTables, judging: Judging, units: Units, first: int = 2
) -> tuple[Appendix, ...]:
    """One table per reporting district (or one for the province once communes report
    directly): every commune with its class and rates, √ or × where a target applies;
    numbered from ``first`` (in the quarterly report, Phụ lục 1 lists the communes off
    track)."""
    headers = tuple(
        appendix_header(header, indicator, judging) for header, indicator in APPENDIX_RATES
    )
    indicators = [indicator for _, indicator in APPENDIX_RATES]
    groups: list[Appendix] = []
    for (parent_name,), group in appendix_frame(tables, indicators).group_by(
        "parent_name", maintain_order=True
    ):
        rows = tuple(
            commune_row(r, indicators, judging.catalogue) for r in group.iter_rows(named=True)
        )
        # A district that sent nothing usable is listed in section III, not as a page of dashes.
        if any(cell != "-" for row in rows for cell in row.cells):
            groups.append(
                Appendix(
                    number=str(len(groups) + first),
                    title=appendix_title(str(parent_name), units),
                    communes=capitalised(units.words),
                    class_heading=tables.catalogue.class_heading,
                    columns=headers,
                    rows=rows,
                )
            )
    return tuple(groups)


def appendix_header(header: str, indicator: str, judging: Judging) -> str:
    """A column's header with the id of the catalogue's target that judges it, if any:
    "Nghèo đa chiều (T2)"."""
    target = judging.target_of(indicator)
    return f"{header} ({target.id})" if target is not None else header


def appendix_frame(tables: PeriodTables, indicators: list[str]) -> pl.DataFrame:
    """Every commune, its class, its district's name, and per indicator a struct of its rate
    and whether it is attained; sorted by district, then commune."""
    communes = tables.indicators.filter(
        (pl.col("unit_level") == "commune") & pl.col("indicator").is_in(indicators)
    ).with_columns(shown=pl.struct("rate", "attained"))
    wide = communes.pivot(on="indicator", index="unit_code", values="shown")
    units = tables.units.filter(pl.col("unit_level") == "commune").select(
        "unit_code", "unit_name", "parent_code"
    )
    table = units.join(wide, on="unit_code", how="left").join(
        tables.roster.select(pl.col("commune_code").alias("unit_code"), "commune_class"),
        on="unit_code",
        how="left",
    )
    parents = tables.units.filter(pl.col("unit_level") != "commune").select(
        pl.col("unit_code").alias("parent_code"), pl.col("unit_name").alias("parent_name")
    )
    return table.join(parents, on="parent_code", how="left").sort("parent_code", "unit_code")


def commune_row(r: dict[str, Any], indicators: list[str], catalogue: Catalogue) -> CommuneRow:
    """A row of ``_appendix_frame``: the rate per indicator, marked √ or × where it applies."""
    cells = []
    for indicator in indicators:
        shown = r.get(indicator)
        if shown is None:
            cells.append("-")
            continue
        mark = {True: " √", False: " ×"}.get(shown["attained"], "")
        cells.append(vi.percent(shown["rate"]) + mark)
    return CommuneRow(
        code=r["unit_code"],
        name=r["unit_name"],
        commune_class=catalogue.class_label(r["commune_class"]),
        cells=tuple(cells),
    )
