"""The committee report: context, charts, Vietnamese formats, rendering and versions.

WeasyPrint (``ntm.report.render``) and matplotlib (``ntm.report.charts``) take seconds to
import; this package imports neither until a report is rendered.
"""

from ntm.report.versions import ReportOutcome, generate_report, generate_review, input_snapshot

__all__ = ["ReportOutcome", "generate_report", "generate_review", "input_snapshot"]
