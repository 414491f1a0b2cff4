"""The programme review's own sections as ``review.html.j2`` sees them (see
``ntm.report.sections``)."""

from __future__ import annotations

from dataclasses import dataclass

from ntm.report.sections import (
    Appendix,
    Closing,
    Document,
    Header,
    PovertySection,
    Provenance,
    RateTable,
    SponsorMembers,
    Sponsors,
)  # fmt: skip


@dataclass(frozen=True)
class YearDataRow:
    """I. One year of the programme: quarters, submissions expected, on time, late, missing,
    files refused, commune rows not taken in."""

    year: str
    quarters: str
    expected: str
    on_time: str
    late: str
    missing: str
    rejected: str
    quarantined: str


@dataclass(frozen=True)
class YearUnitsRow:
    """I. The units that sent late or not at all in a year, each with its number of quarters."""

    year: str
    late: str
    missing: str


@dataclass(frozen=True)
class ReviewDataSection:
    summary: str
    rows: tuple[YearDataRow, ...]
    units_intro: str
    units: tuple[YearUnitsRow, ...]


@dataclass(frozen=True)
class ReviewTargetRow:
    """II. A target at every point of the programme, its target and final verdict."""

    id: str
    label: str
    cells: tuple[str, ...]
    target: str
    status: str


@dataclass(frozen=True)
class MilestoneRow:
    """II. A milestone of a share target: its value and year, when it was reached."""

    target: str
    milestone: str
    reached: str
    verdict: str


@dataclass(frozen=True)
class ReviewTargets:
    columns: tuple[str, ...]  # one per point: "2021", "2022 (gốc)", ..., "Quý III/2026"
    rows: tuple[ReviewTargetRow, ...]
    milestones_intro: str
    milestones: tuple[MilestoneRow, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class TitledTable:
    """A table under the line that introduces it ("Tỷ lệ hộ nghèo cuối năm theo ...:")."""

    lead_in: str
    table: RateTable


@dataclass(frozen=True)
class NeverMetRow:
    """A commune (of the programme's last year) judged on a target and never meeting it."""

    commune: str
    sponsor: str
    targets: str


@dataclass(frozen=True)
class ReviewAssessment:
    achieved: tuple[str, ...]
    not_achieved: tuple[str, ...]
    proposals: tuple[str, ...]


@dataclass(frozen=True)
class Review(Document):
    """Everything the review's template shows, in the order it shows them."""

    header: Header
    programme: str  # "giai đoạn 2021 - 2025"
    data_section: ReviewDataSection
    targets: ReviewTargets
    poverty: PovertySection  # without series while no point of the programme has ended
    by_district: tuple[TitledTable, ...]
    households: ReviewHouseholds
    assessment: ReviewAssessment
    sponsors: Sponsors
    closing: Closing
    never_met: tuple[NeverMetRow, ...]
    never_met_note: str
    never_met_empty: str
    by_sponsor: tuple[SponsorMembers, ...]
    by_sponsor_empty: str
    appendices: tuple[Appendix, ...]
    provenance: Provenance


@dataclass(frozen=True)
class ReviewHouseholds:
    """II.4 The household reviews over the programme: poor and near-poor counted from the lists
    each year, the share deprived in each indicator, and what moved most."""

    sentence: str
    counts: RateTable
    profile: RateTable
