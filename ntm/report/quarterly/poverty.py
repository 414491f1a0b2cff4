"""II.2 Poverty: the shared poverty block (``ntm.report.poverty_block``) over the quarter, with
the households' flows and the rates by district since the start of the year."""

from __future__ import annotations

from ntm.indicators.tables import PeriodTables
from ntm.reference import Reference
from ntm.report.district_rates import Columns, by_district
from ntm.report.document import Captions
from ntm.report.judging import Judging, Units
from ntm.report.poverty_block import Flows, flow_rows, poverty_section
from ntm.report.sections import PovertySection

POVERTY_RATES: Columns = (
    ("Tỷ lệ hộ nghèo", "poor_rate"),
    ("Tỷ lệ hộ cận nghèo", "near_poor_rate"),
    ("Tỷ lệ nghèo đa chiều", "multidimensional_poverty_rate"),
)
FLOWS_INTRO = "Biến động hộ nghèo, hộ cận nghèo từ đầu năm đến hết kỳ báo cáo:"


def quarter_poverty(
    tables: PeriodTables,
    judging: Judging,
    units: Units,
    name_of: dict[str, str],
    ref: Reference,
    captions: Captions,
) -> PovertySection:
    flows = Flows(FLOWS_INTRO, "Đơn vị", "cuối kỳ", flow_rows(tables.flows, name_of))
    districts = by_district(tables, POVERTY_RATES, name_of)
    return poverty_section(tables, judging, units, ref, captions, flows, districts)
