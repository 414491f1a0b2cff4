"""The quarterly report's appendices: Phụ lục 1, the communes off track by sponsor (who must
act) and those whose poverty rate rose; then every commune by district
(``ntm.report.appendix_tables``)."""

from __future__ import annotations

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.reference import Reference
from ntm.report import vi
from ntm.report.judging import Judging, Units
from ntm.report.quarterly.assessment import marked
from ntm.report.quarterly.sections import CommuneLists
from ntm.report.quarterly.targets import judged_by
from ntm.report.sections import Sponsors
from ntm.report.sponsors import sponsor_section
from transforms.periods import Period
from transforms.registry import valid_on
from transforms.review import targets_by_commune


def commune_lists(
    tables: PeriodTables, listed: bool, judging: Judging, units: Units, divided: str
) -> CommuneLists:
    """Whether the PDF lists communes one by one, and if not, where the lists are; which
    targets the lists judge by (when not all are official), and the divided-unit footnote
    when a row listed is marked with it."""
    note = (
        f"Báo cáo này bao gồm {vi.count(units.communes)} {units.words}: danh sách từng xã chưa "
        f"đạt chỉ tiêu và số liệu chi tiết của từng xã không in trong báo cáo mà có trong tệp "
        f"Excel kèm theo (trang tính “Chỉ tiêu” và “Xã chưa đạt”)."
    )
    rising = tables.off_track.filter(pl.col("reason") == "poverty_rising")
    footnoted = listed and bool(divided) and bool(marked(tables, rising["unit_code"].to_list()))
    return CommuneLists(
        listed=listed,
        note="" if listed else note,
        basis=() if judging.all_official() else (judged_by(judging),),
        empty="Không có xã nào chưa đạt chỉ tiêu."
        if judging.ids("official", "provisional", kind="communes")
        else f"Không có xã nào có {judging.rate} tăng so với cuối năm trước.",
        footnotes=(divided,) if footnoted else (),
    )


def sponsors_of_period(
    tables: PeriodTables, judging: Judging, last_year: pl.DataFrame | None, ref: Reference
) -> Sponsors:
    """The communes off target by sponsor, against the same quarter a year earlier
    (``last_year``: its indicators); a commune formed since then (a new unit, even under a
    reused code) has nothing to compare with."""
    period = tables.period
    before = Period(period.year - 1, period.quarter)
    then = valid_on(ref.registry, before.last_day).select("unit_code", "valid_from")
    comparable = tables.units.join(then, on=["unit_code", "valid_from"], how="semi")
    return sponsor_section(
        judging.communes,
        targets_by_commune(last_year) if last_year is not None else None,
        comparable.select("unit_code"),
        tables.roster,
        dict(tables.units.select("unit_code", "unit_name").iter_rows()),  # names of the day
        vi.quarter(before.year, before.quarter),
    )
