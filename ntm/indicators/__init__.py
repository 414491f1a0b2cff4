"""Indicators of a period: its tables, reporting completeness, the staff workbook and the
follow-up list of late, missing and rejected units."""

from ntm.indicators.completeness import period_completeness, stored_periods, summary_lines
from ntm.indicators.exports import write_indicator_workbook
from ntm.indicators.followup import followup_table, write_followup_workbook
from ntm.indicators.tables import PeriodTables, period_indicators, period_tables

__all__ = [
    "PeriodTables",
    "followup_table",
    "period_completeness",
    "period_indicators",
    "period_tables",
    "stored_periods",
    "summary_lines",
    "write_followup_workbook",
    "write_indicator_workbook",
]
