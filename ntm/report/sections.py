"""The sections both documents share, as their templates see them: their contract, in types.

Every field is text that is already formatted (``ntm.report.vi``), a chart as a ``data:`` URI
("" when there is none), or a tuple of rows. A table whose columns are fixed has a row type with
one named field per column; a table with one column per indicator is a ``RateTable``, whose
headers and cells are made from the same list of (header, indicator) pairs, so that a header and
its column cannot drift apart. Each document's own sections are in ``quarterly/sections.py`` and
``review/sections.py``.
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
class Chart:
    """A chart: its SVG as a ``data:`` URI ("" when there is none) and its numbered caption."""

    image: str
    caption: str


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
    flows_intro: str  # what the flows table counts, over which span
    flows_heading: str  # its first column: "Đơn vị", or "Năm" for the review's years
    flows_end: str  # "cuối kỳ", or "cuối năm"
    flows: tuple[FlowRow, ...]
    districts: RateTable  # no columns: not shown


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

    sentence: str  # the programme, the run, the software, the day, what √ and × mean
    rows: tuple[ProvenanceRow, ...]


@dataclass(frozen=True)
class Closing:
    """The "Nơi nhận" list and the signature block."""

    recipients: tuple[str, ...]
    on_behalf: str
    title: str
    name: str


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
    figures: tuple[FigureChangeRow, ...]
    rates: tuple[RateChangeRow, ...]
    units_sentence: str  # "Đơn vị gửi điều chỉnh: ...": which units sent them, which version
    unchanged: str  # what an amendment that moved no figure says
    rates_intro: str  # the lead-in to the rates it moved


class Document:
    """A document's sections, by name, for ``Template.render(**names)``."""

    def template_names(self) -> dict[str, object]:
        """Each section stays a dataclass (unlike ``dataclasses.asdict``, which would turn them
        back into dicts)."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}  # type: ignore[arg-type]
