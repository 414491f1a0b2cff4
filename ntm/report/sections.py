"""The committee report's sections as the template sees them: its contract, in types.

``ntm.report.context`` builds a ``Report``; ``report_templates/report.html.j2`` only places its
fields. Every field is text that is already formatted (``ntm.report.vi``), a chart as a
``data:`` URI ("" when there is none), or a tuple of rows. A table whose columns are fixed has
a row type with one named field per column; a table with one column per indicator is a
``RateTable``, whose headers and cells are made from the same list of (header, indicator)
pairs, so that a header and its column cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Header:
    """The two header blocks, the place-date line, title, subject and the opening basis."""

    superior_body: str
    issuing_committee: str
    party: str
    number_line: str
    place_date: str
    title: str
    subject: str
    basis: str


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
    problems: tuple[ProblemRow, ...]


@dataclass(frozen=True)
class Chart:
    """A chart: its SVG as a ``data:`` URI ("" when there is none) and its numbered caption."""

    image: str
    caption: str


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
class RateRow:
    """A unit and its rates, in the order of its table's ``columns``."""

    unit: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class RateTable:
    """Rates by district (or the province alone): one column per indicator, headed ``columns``."""

    columns: tuple[str, ...]
    rows: tuple[RateRow, ...]


@dataclass(frozen=True)
class PovertyYearRow:
    """The province at the end of one year: the households the trend counts (poor, or poor and
    near-poor), all households, the rate, its change."""

    year: str
    counted: str
    households: str
    rate: str
    fall: str


@dataclass(frozen=True)
class FlowRow:
    """Poor and near-poor households of a district (or the province), start of year to date."""

    unit: str
    poor_start: str
    poor_exited: str
    poor_returned: str
    poor_new: str
    poor_end: str
    near_poor_start: str
    near_poor_end: str


@dataclass(frozen=True)
class PovertySection:
    """II.2 Poverty: the sentence, the notes on the units the trend is computed on (and
    footnotes on what cannot be split), the year-end trend chart, the series (headed by what
    it counts), flows and rates."""

    sentence: str
    notes: tuple[str, ...]
    footnotes: tuple[str, ...]
    chart: Chart
    count_header: str
    rate_header: str
    series: tuple[PovertyYearRow, ...]
    flows: tuple[FlowRow, ...]
    districts: RateTable


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
class Assessment:
    """III. Assessment and proposals, with the lists they refer to."""

    sentences: tuple[str, ...]
    off_track: tuple[OffTrackRow, ...]  # poverty rising (the sponsors' tables list the rest)
    late: tuple[FollowupRow, ...]  # the units to follow up: late, missing, rejected
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
class CommuneRow:
    """A commune in an appendix: code, name, class (the catalogue's label), and its rates in
    the order of ``columns``."""

    code: str
    name: str
    commune_class: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Appendix:
    """One reporting district's communes (or, once communes report directly, every commune of
    the province), one column per indicator; ``communes`` heads the name column."""

    number: str  # Phụ lục <number>
    title: str
    communes: str
    class_heading: str  # what the programme calls a commune's class: "Hạng", "Nhóm - chuẩn"
    columns: tuple[str, ...]
    rows: tuple[CommuneRow, ...]


@dataclass(frozen=True)
class ProvenanceRow:
    """One stored submission the report read: unit, version, hash prefix, file, date."""

    unit: str
    version: str
    sha: str
    file: str
    received: str


@dataclass(frozen=True)
class Provenance:
    """Where the figures come from: the submissions, the run and the software."""

    rows: tuple[ProvenanceRow, ...]
    run_id: str
    software: str
    generated_on: str
    programme: str


@dataclass(frozen=True)
class Closing:
    """The "Nơi nhận" list and the signature block."""

    recipients: tuple[str, ...]
    on_behalf: str
    title: str
    name: str


@dataclass(frozen=True)
class Report:
    """Everything the template shows, section by section, in the order it shows them."""

    header: Header
    quarter: str
    data_section: DataSection
    targets: TargetsSection
    poverty: PovertySection
    labour: LabourSection
    social: SocialSection
    assessment: Assessment
    closing: Closing
    commune_lists: CommuneLists
    sponsors: Sponsors
    appendices: tuple[Appendix, ...]
    provenance: Provenance
    # "BẢN ĐIỀU CHỈNH" and what it amends, for a version rendered over a closed period; "" else.
    amended: str
    own_amendment: tuple[PeriodAmendment, ...]  # what changed since this period's signed version
    amendments: tuple[PeriodAmendment, ...]  # earlier closed periods whose figures moved

    def template_names(self) -> dict[str, object]:
        """The sections by name, for ``Template.render(**names)``; each stays a dataclass
        (unlike ``dataclasses.asdict``, which would turn them back into dicts)."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


# --- the sponsors' tables (quarterly report and programme review) ---------------------------


@dataclass(frozen=True)
class SponsorRow:
    """A commune a sponsor is responsible for that misses a target: the targets it misses and
    what changed since the same period a year earlier."""

    commune: str
    missed: str
    change: str


@dataclass(frozen=True)
class SponsorTable:
    """One sponsor unit (đơn vị đỡ đầu), or the communes without one: how many communes it
    sponsors, how many miss a target, and those communes."""

    sponsor: str
    summary: str
    rows: tuple[SponsorRow, ...]


@dataclass(frozen=True)
class Sponsors:
    """Who must act: the communes off track, grouped by sponsor; ``notes`` say what is
    compared with what."""

    intro: str
    notes: tuple[str, ...]
    tables: tuple[SponsorTable, ...]
    off_track: bool  # whether any commune misses a target


@dataclass(frozen=True)
class MemberRow:
    """A commune a sponsor is responsible for: the targets it missed and met."""

    commune: str
    missed: str
    met: str


@dataclass(frozen=True)
class SponsorMembers:
    """Every commune of one sponsor unit (or those without one), at the programme's end."""

    sponsor: str
    summary: str
    rows: tuple[MemberRow, ...]


# --- the follow-up list (quarterly report) ------------------------------------------------


@dataclass(frozen=True)
class FollowupRow:
    """A reporting unit the inspection committee follows up: what is missing, since when."""

    unit: str
    status: str
    missing: str
    in_a_row: str
    since: str


# --- the programme's final review (BÁO CÁO TỔNG KẾT) ---------------------------------------


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
    milestones: tuple[MilestoneRow, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class TitledTable:
    title: str
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
class Review:
    """Everything the review's template shows, in the order it shows them."""

    header: Header
    programme: str  # "giai đoạn 2021 - 2025"
    data_section: ReviewDataSection
    targets: ReviewTargets
    poverty: PovertySection  # without series while no point of the programme has ended
    poverty_flows: tuple[FlowRow, ...]  # the province, one row per year
    by_district: tuple[TitledTable, ...]
    assessment: ReviewAssessment
    sponsors: Sponsors
    closing: Closing
    never_met: tuple[NeverMetRow, ...]
    never_met_note: str
    by_sponsor: tuple[SponsorMembers, ...]
    appendices: tuple[Appendix, ...]
    provenance: Provenance

    def template_names(self) -> dict[str, object]:
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


# --- amendments after a close (issue: signed figures stay signed) ---------------------------


@dataclass(frozen=True)
class FigureChangeRow:
    """A figure of a commune that an amendment changed: signed value, current value."""

    commune: str
    figure: str
    old: str
    new: str


@dataclass(frozen=True)
class RateChangeRow:
    """A province rate the amendments move: as signed, as it stands now."""

    indicator: str
    old: str
    new: str


@dataclass(frozen=True)
class PeriodAmendment:
    """One closed period whose stored figures moved since it was signed."""

    title: str  # "Quý III năm 2024 (đã chốt theo báo cáo phiên bản 2, ngày 20/10/2024)"
    units: str  # which units sent amendments, which version
    figures: tuple[FigureChangeRow, ...]
    rates: tuple[RateChangeRow, ...]
