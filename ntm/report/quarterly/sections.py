"""The quarterly report's own sections as ``report.html.j2`` sees them (see
``ntm.report.sections``)."""

from __future__ import annotations

from dataclasses import dataclass

from ntm.report.sections import (
    Appendix,
    Chart,
    Closing,
    Document,
    Header,
    PeriodAmendment,
    PovertySection,
    Provenance,
    RateTable,
    Sponsors,
)  # fmt: skip


@dataclass(frozen=True)
class SubmissionRow:
    """One reporting unit's submission in the quarter: communes, date, timeliness, version."""

    unit: str
    expected: str
    accepted: str
    quarantined: str
    received: str
    timeliness: str
    version: str


@dataclass(frozen=True)
class ProblemRow:
    """A file returned whole, or one commune's row not taken in, and why."""

    unit: str
    file: str
    kind: str
    commune: str
    reason: str


@dataclass(frozen=True)
class DataSection:
    """I. The data of the quarter: what was received, when, and what was refused; ``notes``
    say who reports (the communes and wards themselves, once they report directly)."""

    summary: str
    notes: tuple[str, ...]
    rows: tuple[SubmissionRow, ...]
    problems_intro: str  # the lead-in to the problems, or that there were none
    problems: tuple[ProblemRow, ...]


@dataclass(frozen=True)
class TargetRow:
    """One target of the catalogue: result, target, verdict and the change since the same
    quarter last year."""

    id: str
    label: str
    value: str
    target: str
    status: str
    change: str


@dataclass(frozen=True)
class TargetsSection:
    """II.1 The targets: ``intro`` says when no programme's targets apply, ``notes`` which
    targets are provisional or not yet set and which ones the counts and lists use."""

    intro: tuple[str, ...]
    rows: tuple[TargetRow, ...]
    notes: tuple[str, ...]
    chart: Chart


@dataclass(frozen=True)
class BelowTargetRow:
    """A commune below a labour target: which one, its rate and the target."""

    commune: str
    indicator: str
    value: str
    target: str


@dataclass(frozen=True)
class LabourSection:
    """II.3 Labour: the sentence, the chart by district, rates by district, communes below."""

    sentence: str
    chart: Chart
    districts: RateTable
    below: tuple[BelowTargetRow, ...]


@dataclass(frozen=True)
class SocialSection:
    """II.4 Gender equality and child protection: the sentence and rates by district."""

    sentence: str
    districts: RateTable


@dataclass(frozen=True)
class OffTrackRow:
    """A commune and the targets it misses (or that its poverty rate rose)."""

    commune: str
    targets: str


@dataclass(frozen=True)
class MissingRow:
    """A commune without valid data in the quarter, and the unit that reports it."""

    commune: str
    unit: str
    reason: str


@dataclass(frozen=True)
class FollowupRow:
    """A reporting unit the inspection committee follows up: what is missing, since when."""

    unit: str
    status: str
    missing: str
    in_a_row: str
    since: str


@dataclass(frozen=True)
class Assessment:
    """III. Assessment and proposals, with the lists they refer to."""

    sentences: tuple[str, ...]
    off_track: tuple[OffTrackRow, ...]  # poverty rising (the sponsors' tables list the rest)
    late_intro: str
    late: tuple[FollowupRow, ...]  # the units to follow up: late, missing, rejected
    missing_intro: str
    missing: tuple[MissingRow, ...]


@dataclass(frozen=True)
class CommuneLists:
    """Whether the PDF lists communes one by one; if not, ``note`` says where the lists are.
    ``basis`` says which targets the lists judge by, ``empty`` what an empty list means,
    ``footnotes`` what a marked row rests on."""

    listed: bool
    note: str
    basis: tuple[str, ...]
    empty: str  # what an empty list says
    footnotes: tuple[str, ...]


@dataclass(frozen=True)
class Report(Document):
    """Everything the template shows, section by section, in the order it shows them."""

    header: Header
    quarter: str
    data_section: DataSection
    targets: TargetsSection
    poverty: PovertySection
    labour: LabourSection
    social: SocialSection
    households: HouseholdSection
    assessment: Assessment
    closing: Closing
    commune_lists: CommuneLists
    sponsors: Sponsors
    appendices: tuple[Appendix, ...]
    provenance: Provenance
    # For a version rendered over a closed period ("BẢN ĐIỀU CHỈNH"): what it amends and
    # whether figures moved since the signed version; "" for any other version.
    amended_note: str
    own_amendment: tuple[PeriodAmendment, ...]  # what changed since this period's signed version
    amendments_intro: str
    amendments: tuple[PeriodAmendment, ...]  # earlier closed periods whose figures moved


@dataclass(frozen=True)
class ReviewCountRow:
    """One household review of the year: its kind and standard, and what it counted."""

    review: str
    standard: str
    households: str
    poor: str
    near_poor: str
    poor_members: str
    near_poor_members: str


@dataclass(frozen=True)
class MovementRow:
    """Poor or near-poor households, from the review compared with to this one."""

    label: str
    then: str
    exited: str
    returned: str
    new: str
    now: str


@dataclass(frozen=True)
class MismatchRow:
    """A commune whose review and Q4 form disagree on a figure."""

    commune: str
    figure: str
    review: str
    form: str


@dataclass(frozen=True)
class ProfileRow:
    """A cause or a group, or a commune's most common deprivations: poor and near-poor."""

    label: str
    poor: str
    near_poor: str


@dataclass(frozen=True)
class HouseholdSection:
    """The household review in the report: in Q4 its own section ("Kết quả rà soát hộ nghèo, hộ
    cận nghèo"), in Q1-Q3 one paragraph citing the latest review (``full`` false: only
    ``sentences``). Every count below commune level of 1-4 households reads "< 5"."""

    full: bool
    sentences: tuple[str, ...]
    counts: tuple[ReviewCountRow, ...]
    reconciliation_intro: str  # printed with the data basis (I), with its table
    reconciliation: tuple[MismatchRow, ...]
    reconciliation_note: str  # what the section says of it
    movements_intro: str
    movements: tuple[MovementRow, ...]
    chart: Chart
    profile_intro: str
    causes: tuple[ProfileRow, ...]
    groups: tuple[ProfileRow, ...]
    communes_title: str  # an appendix after the per-commune ones: "Phụ lục 5. ..."
    communes_intro: str
    communes: tuple[ProfileRow, ...]  # label: the commune; poor, near_poor: its top three
