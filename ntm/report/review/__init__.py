"""The programme's final review (BÁO CÁO TỔNG KẾT): every figure and sentence, formatted.

Built from ``ntm.indicators.programme.ProgrammeTables``: the programme's year-ends (and, while
it runs, its latest quarter), each judged by the quarterly report's own rules, and every year
judged again on the units of the last one. Every sentence states a figure of the data or a word
of the catalogue. One module per section: data basis, targets, districts, assessment, never
met; the poverty block, header, closing and appendices are the quarterly report's
(``ntm.report.poverty_block``, ``document``, ``appendix_tables``).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from ntm.indicators.programme import ProgrammeTables
from ntm.indicators.tables import PeriodTables
from ntm.reference import Catalogue, Reference, ReportConfig
from ntm.report import vi
from ntm.report.appendix_tables import appendices
from ntm.report.document import (
    Captions,
    document_closing,
    document_header,
    provenance_of,
    provenance_rows,
)
from ntm.report.judging import Units, judging_of, rated, with_rates
from ntm.report.poverty_block import Flows, flow_row, poverty_section
from ntm.report.quarterly.households import proposal
from ntm.report.review.assessment import assessment_section, sponsors_section
from ntm.report.review.data_basis import data_section
from ntm.report.review.districts import by_district
from ntm.report.review.households import profile_over_time
from ntm.report.review.never_met import (
    NEVER_MET_EMPTY,
    never_met_note,
    never_met_rows,
    standings_of,
)
from ntm.report.review.sections import NeverMetRow, Review
from ntm.report.review.targets import targets_section
from ntm.report.sections import (
    Appendix,
    Chart,
    FlowRow,
    Header,
    PovertySection,
    Provenance,
    RateTable,
    SponsorMembers,
)
from ntm.report.sponsors import sponsor_members
from ntm.report.words import capitalised, programme_words

FLOWS_INTRO = "Biến động hộ nghèo, hộ cận nghèo toàn tỉnh từng năm:"
NO_YEAR_END = "Chưa có số liệu cuối năm nào của giai đoạn."
BY_SPONSOR_EMPTY = "Chưa có số liệu để lập danh sách."

__all__ = ["Review", "build_review"]


def build_review(
    prog: ProgrammeTables,
    ref: Reference,
    config: ReportConfig,
    today: date,
    run_id: str,
    software: str,
) -> Review:
    catalogue = prog.catalogue
    words = programme_words(catalogue)
    names = ref.registry.select("unit_code", "unit_name").unique("unit_code", keep="last")
    name_of = dict(names.iter_rows())
    points = tuple(with_rates(p) for p in prog.points)
    judgings = tuple(judging_of(p, ref) for p in points)
    last = points[-1] if points else None
    captions = Captions()
    yearly = flows_by_year(points)
    flows = Flows(FLOWS_INTRO if yearly else "", "Năm", "cuối năm", yearly)
    poverty = PovertySection(
        sentence=NO_YEAR_END, notes=(), footnotes=(), chart=Chart("", ""), count_header="",
        rate_header="", series=(), flows_intro=flows.intro, flows_heading=flows.heading,
        flows_end=flows.end, flows=flows.rows, districts=RateTable((), ()),
    )  # fmt: skip
    last_appendices: tuple[Appendix, ...] = ()
    if last is not None:
        units = Units.of(last, ref)
        poverty = poverty_section(
            last, judgings[-1], units, ref, captions, flows, RateTable((), ())
        )
        last_appendices = appendices(last, judgings[-1], units, first=3)
    on_last = rated(prog.on_last_units)
    if last is not None:  # codes are reused: name the communes as they were at the last point
        name_of |= dict(last.units.select("unit_code", "unit_name").iter_rows())
    standings = standings_of(on_last)
    sponsors = sponsors_section(on_last, standings, points, name_of)
    never_met: tuple[NeverMetRow, ...] = ()
    by_sponsor: tuple[SponsorMembers, ...] = ()
    if last is not None and not on_last.is_empty():
        never_met = never_met_rows(standings, last, name_of)
        final = standings.filter(pl.col("year") == on_last["year"].max()).drop("year")
        by_sponsor = sponsor_members(final, last.roster, name_of)
    targets = targets_section(prog, points, judgings)
    return Review(
        header=review_header(config, catalogue, words, today),
        programme=words,
        data_section=data_section(prog, name_of),
        targets=targets,
        poverty=poverty,
        by_district=by_district(points, name_of),
        households=profile_over_time(points, ref),
        assessment=assessment_section(
            prog, judgings, targets, ref, never_met, proposal(last, ref) if last else ""
        ),
        sponsors=sponsors,
        closing=document_closing(config, today),
        never_met=never_met,
        never_met_note=never_met_note(points),
        never_met_empty=NEVER_MET_EMPTY,
        by_sponsor=by_sponsor,
        by_sponsor_empty=BY_SPONSOR_EMPTY,
        appendices=last_appendices,
        provenance=review_provenance(prog, name_of, today, run_id, software),
    )


def review_header(config: ReportConfig, catalogue: Catalogue, words: str, today: date) -> Header:
    subject = catalogue.report.get("review_subject") or str(config.values["review_subject"])
    basis = catalogue.report.get("review_basis") or str(config.values["review_basis"])
    return document_header(
        config,
        config.text("review_title"),
        subject.replace("{programme}", words),
        basis.replace("{programme}", words),
        today,
    )


def flows_by_year(points: tuple[PeriodTables, ...]) -> tuple[FlowRow, ...]:
    """The province's poor and near-poor households, start to end of each year."""
    rows = []
    for p in points:
        province = p.flows.filter(pl.col("unit_level") == "province")
        if province.is_empty():
            continue
        r = province.row(0, named=True)
        label = (
            f"Năm {p.period.year}"
            if p.period.quarter == 4
            else capitalised(vi.quarter(p.period.year, p.period.quarter))
        )
        rows.append(flow_row(label, r))
    return tuple(rows)


def review_provenance(
    prog: ProgrammeTables, name_of: dict[str, str], today: date, run_id: str, software: str
) -> Provenance:
    rows = provenance_rows(prog.provenance.sort("period", "unit_code"), name_of)
    return provenance_of(rows, prog.catalogue.programme, today, run_id, software)
