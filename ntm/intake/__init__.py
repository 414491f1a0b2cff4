"""Intake: reading submissions, checking and storing them, feedback, templates.

The demo that fills an inbox with submissions is a package of its own (``ntm.demo``).
"""

from ntm.intake.ingest import FileOutcome, ingest_files
from ntm.intake.workbook import write_submission

__all__ = ["FileOutcome", "ingest_files", "write_submission"]
