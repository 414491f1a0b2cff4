"""II.3 Labour: the province's rates, the communes meeting each labour target the year judges,
the chart by district (or by commune), rates by district and the communes below a target."""

from __future__ import annotations

from typing import Any

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.report import bar_charts, vi
from ntm.report.district_rates import Columns, by_district
from ntm.report.document import Captions
from ntm.report.judging import Judging, Units, rate_of, value_row
from ntm.report.quarterly.sections import BelowTargetRow, LabourSection
from ntm.report.words import PROVISIONAL_VI, capitalised, svg_uri

LABOUR_RATES: Columns = (
    ("Tỷ lệ lao động qua đào tạo", "trained_labour_rate"),
    ("Tỷ lệ có bằng cấp, chứng chỉ", "certified_labour_rate"),
)
# The labour section's shares of communes, and the words of their targets.
LABOUR_SHARES = (
    ("communes_meeting_trained_labour", "chỉ tiêu tỷ lệ lao động qua đào tạo"),
    ("communes_meeting_certified_labour", "chỉ tiêu lao động có bằng cấp, chứng chỉ"),
)
# The indicator the labour chart draws; its threshold line is the lowest official or
# provisional commune threshold of the year.
LABOUR_CHART_INDICATOR = "trained_labour_rate"

# A bar per unit reads well up to a few dozen: a province's districts (at most ~30), or its
# communes once they report directly (69 in Hà Tĩnh since 1 July 2025, drawn in smaller type);
# a national run's 700 bars would be an unreadable chart that takes matplotlib ~10 s to draw.
CHART_MAX_UNITS = 80


def labour_section(
    tables: PeriodTables,
    judging: Judging,
    units: Units,
    name_of: dict[str, str],
    captions: Captions,
) -> LabourSection:
    below = tables.off_track.filter(
        pl.col("indicator").is_in(["trained_labour_rate", "certified_labour_rate"])
    )
    chart, words = labour_chart(tables, judging, units)
    return LabourSection(
        sentence=labour_sentence(tables.indicators, judging),
        chart=captions.chart(chart, words),
        districts=by_district(tables, LABOUR_RATES, name_of),
        below=tuple(below_target_row(r) for r in below.iter_rows(named=True)),
    )


def labour_sentence(ind: pl.DataFrame, judging: Judging) -> str:
    """The province's rates, then the communes meeting each labour target the year judges,
    or that it judges none."""
    trained = value_row(ind, "province", None, "trained_labour_rate")
    certified = value_row(ind, "province", None, "certified_labour_rate")
    sentence = (
        f"Tỷ lệ lao động có việc làm qua đào tạo toàn tỉnh đạt {vi.percent(rate_of(trained))}, "
        f"trong đó có bằng cấp, chứng chỉ {vi.percent(rate_of(certified))}."
    )
    met, unset = [], []
    for share_id, words in LABOUR_SHARES:
        share = value_row(ind, "province", None, share_id)
        if share and judging.share_judged(share_id):
            met.append(
                f"{share.get('numerator', 0)}/{share.get('denominator', 0)} xã "
                f"({vi.percent(rate_of(share))}) đạt {words}"
            )
        else:
            unset.append(words)
    if met:
        sentence += f" Có {' và '.join(met)}."
    if unset:
        sentence += (
            f" {capitalised(' và '.join(unset))} chưa có mức áp dụng cho năm {judging.year} "
            f"nên chưa đánh giá số xã đạt."
        )
    return sentence


def chart_threshold(judging: Judging, indicator: str) -> tuple[int | None, bool]:
    """The lowest official or provisional commune threshold of ``indicator`` in the year, and
    whether it is provisional; (None, False) when there is none."""
    found = judging.catalogue.thresholds.filter(
        (pl.col("indicator") == indicator)
        & (pl.col("level") == "commune")
        & (pl.col("year") == judging.year)
        & pl.col("status").is_in(["official", "provisional"])
        & pl.col("threshold").is_not_null()
    ).sort("threshold", "status")
    if found.is_empty():
        return None, False
    row = found.row(0, named=True)
    return int(row["threshold"]), row["status"] == "provisional"


def labour_chart(tables: PeriodTables, judging: Judging, units: Units) -> tuple[str, str]:
    """The trained-labour rate by district, or by commune once communes report directly ("" for
    none, or too many to read as bars), with the caption's words."""
    level = "commune" if units.direct else "district"
    rows = tables.indicators.filter(
        (pl.col("unit_level") == level) & (pl.col("indicator") == LABOUR_CHART_INDICATOR)
    )
    if not 0 < rows.height <= CHART_MAX_UNITS:
        return "", ""
    threshold, provisional = chart_threshold(judging, LABOUR_CHART_INDICATOR)
    svg = bar_charts.rates_by_unit_svg(
        rows.select("unit_name", value=pl.col("rate")),
        "Tỷ lệ lao động qua đào tạo (%)",
        threshold,
        provisional=provisional,
    )
    per = units.words if units.direct else "đơn vị"
    return svg_uri(svg), f"Tỷ lệ lao động có việc làm qua đào tạo theo {per}"


def below_target_row(r: dict[str, Any]) -> BelowTargetRow:
    """A row of ``PeriodTables.off_track`` for a labour indicator."""
    marker = f" ({PROVISIONAL_VI})" if r.get("target_status") == "provisional" else ""
    return BelowTargetRow(
        commune=f"{r['unit_name']} ({r['unit_code']})",
        indicator="Qua đào tạo"
        if r["indicator"] == "trained_labour_rate"
        else "Bằng cấp, chứng chỉ",
        value=vi.percent(rate_of(r)),
        target=vi.percent(r["threshold"]) + marker,
    )
