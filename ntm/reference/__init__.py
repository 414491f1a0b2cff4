"""Reference data: one ``Reference`` loaded once from data/reference/ and checked at start-up."""

from ntm.reference.criteria import Catalogue
from ntm.reference.files import ReferenceError
from ntm.reference.households import HouseholdFormat, PovertyStandard
from ntm.reference.loader import (
    CROSSWALK_SCHEMA,
    REFERENCE_DIR,
    REGISTRY_SCHEMA,
    Limits,
    Reference,
    Settings,
    SubmissionFormat,
    load_reference,
)
from ntm.reference.report_config import ReportConfig

__all__ = [
    "CROSSWALK_SCHEMA",
    "REFERENCE_DIR",
    "REGISTRY_SCHEMA",
    "Catalogue",
    "HouseholdFormat",
    "Limits",
    "PovertyStandard",
    "Reference",
    "ReferenceError",
    "ReportConfig",
    "Settings",
    "SubmissionFormat",
    "load_reference",
]
