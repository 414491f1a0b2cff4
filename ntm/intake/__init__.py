"""Intake: reading submissions, checking and storing them, feedback, templates, the demo.

The demo generator (``ntm.intake.demo``) is not imported here: only ``ntm demo`` needs numpy's
generator and the messy set.
"""

from ntm.intake.ingest import FileOutcome, ingest_files
from ntm.intake.workbook import write_submission

__all__ = ["FileOutcome", "ingest_files", "write_submission"]
