"""II.4 Gender equality and child protection: the province's rates and rates by district."""

from __future__ import annotations

from ntm.indicators.tables import PeriodTables
from ntm.report import vi
from ntm.report.district_rates import Columns, by_district
from ntm.report.judging import rate_of, value_row
from ntm.report.quarterly.sections import SocialSection

SOCIAL_RATES: Columns = (
    ("Tỷ lệ phụ nữ tham gia HTX, tổ hợp tác, mô hình liên kết", "women_coop_share"),
    ("Tỷ lệ vụ trẻ em bị xâm hại được xử lý kịp thời", "child_abuse_handled_rate"),
)


def social_section(tables: PeriodTables, name_of: dict[str, str]) -> SocialSection:
    ind = tables.indicators
    women = value_row(ind, "province", None, "women_coop_share")
    cases = value_row(ind, "province", None, "child_abuse_handled_rate")
    supported = value_row(ind, "province", None, "child_abuse_supported_rate")
    child = (
        "Trong kỳ không phát hiện vụ việc trẻ em bị xâm hại."
        if not cases.get("denominator")
        else (
            f"Phát hiện {cases['denominator']} vụ trẻ em bị xâm hại; {supported['numerator']} vụ "
            f"được trợ giúp ({vi.percent(rate_of(supported))}), {cases['numerator']} vụ được xử lý "
            f"kịp thời ({vi.percent(rate_of(cases))})."
        )
    )
    return SocialSection(
        sentence=(
            f"Tỷ lệ phụ nữ tham gia hợp tác xã, tổ hợp tác, mô hình liên kết toàn tỉnh đạt "
            f"{vi.percent(rate_of(women))} ({vi.count(women.get('numerator'))}/"
            f"{vi.count(women.get('denominator'))} thành viên). {child}"
        ),
        districts=by_district(tables, SOCIAL_RATES, name_of),
    )
