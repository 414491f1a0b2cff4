"""The committee's quarterly report: every figure and sentence, formatted, before any template.

``report_templates/report.html.j2`` only places what is here (no arithmetic, no sentence).
Numbers come from ``ntm.indicators.PeriodTables``, formatted with ``ntm.report.vi``; sentences
follow the register of the department's action programme. One module per section: data basis,
targets, poverty, labour, social, assessment, appendices; what the programme review shares with
it sits one level up (``document``, ``words``, ``judging``, ``poverty_block``,
``appendix_tables``).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from ntm.indicators.tables import PeriodTables
from ntm.reference import Reference, ReportConfig
from ntm.report import vi
from ntm.report.appendix_tables import appendices as commune_appendices
from ntm.report.document import (
    Captions,
    document_closing,
    document_header,
    provenance_of,
    provenance_rows,
)
from ntm.report.judging import Judging, Units, judging_of, rated, with_rates
from ntm.report.poverty_block import divided_footnote
from ntm.report.quarterly.appendices import commune_lists, sponsors_of_period
from ntm.report.quarterly.assessment import assessment_section
from ntm.report.quarterly.data_basis import data_section
from ntm.report.quarterly.households import household_section, numbered, proposal
from ntm.report.quarterly.labour import labour_section
from ntm.report.quarterly.poverty import quarter_poverty
from ntm.report.quarterly.sections import Report
from ntm.report.quarterly.social import social_section
from ntm.report.quarterly.targets import targets_section
from ntm.report.sections import Header, PeriodAmendment, Provenance

AMENDMENTS_INTRO = (
    "Sau khi báo cáo các kỳ dưới đây được ký, các đơn vị đã gửi số liệu điều chỉnh; số liệu đã "
    "ký không thay đổi, các điều chỉnh được báo cáo như sau:"
)

__all__ = ["Report", "build_report"]


def build_report(
    tables: PeriodTables,
    followup: pl.DataFrame,
    last_year: pl.DataFrame | None,
    problems: pl.DataFrame,
    provenance: pl.DataFrame,
    ref: Reference,
    config: ReportConfig,
    today: date,
    run_id: str,
    software: str,
    amended: str = "",
    own_amendment: tuple[PeriodAmendment, ...] = (),
    amendments: tuple[PeriodAmendment, ...] = (),
) -> Report:
    """Everything the template shows, formatted. ``followup``: the units to follow up
    (``ntm.indicators.followup``). ``last_year``: the indicators of the same quarter a year
    earlier (for the "so với cùng kỳ" column), or None. ``today``: the date of issue, which
    also chooses the issuer (``ReportConfig.issuer_on``)."""
    tables = with_rates(tables)
    if last_year is not None:
        last_year = rated(last_year)
    period = tables.period
    quarter = vi.quarter(period.year, period.quarter)
    names = ref.registry.select("unit_code", "unit_name").unique("unit_code", keep="last")
    name_of = dict(names.iter_rows())
    judging = judging_of(tables, ref)
    units = Units.of(tables, ref)
    # Commune by commune, the PDF stays readable (and its render bounded) up to a province's
    # size; above it, the lists are in the XLSX twin, which always has every commune.
    listed = units.communes <= int(config.values["pdf_max_communes"])
    divided = divided_footnote(tables, ref)
    captions = Captions()
    targets = targets_section(tables, last_year, judging, captions)
    poverty = quarter_poverty(tables, judging, units, name_of, ref, captions)
    labour = labour_section(tables, judging, units, name_of, captions)
    households = household_section(tables, ref, name_of, captions)
    per_commune = commune_appendices(tables, judging, units) if listed else ()
    households = numbered(households, 2 + len(per_commune), listed)
    return Report(
        header=quarter_header(config, judging, quarter, today),
        quarter=quarter,
        data_section=data_section(tables, problems, name_of, units, listed),
        targets=targets,
        poverty=poverty,
        labour=labour,
        social=social_section(tables, name_of),
        households=households,
        assessment=assessment_section(tables, followup, name_of, judging, proposal(tables, ref)),
        closing=document_closing(config, today),
        commune_lists=commune_lists(tables, listed, judging, units, divided),
        sponsors=sponsors_of_period(tables, judging, last_year, ref),
        appendices=per_commune,
        provenance=quarter_provenance(tables, provenance, name_of, judging, today, run_id,
                                      software),
        amended_note=amended_note(amended, bool(own_amendment)),
        own_amendment=own_amendment,
        amendments_intro=AMENDMENTS_INTRO,
        amendments=amendments,
    )  # fmt: skip


def amended_note(amended: str, moved: bool) -> str:
    """What an amended version says under its mark: what it amends, and whether figures moved
    since the signed version ("" for a version that amends nothing)."""
    if not amended:
        return ""
    if moved:
        return f"{amended}. Các số liệu thay đổi so với bản đã ký:"
    return f"{amended}. Không có số liệu nào thay đổi so với bản đã ký."


def quarter_header(config: ReportConfig, judging: Judging, quarter: str, today: date) -> Header:
    """The subject and basis are the programme's (its catalogue's ``[report]``); a period no
    catalogue covers, or a catalogue without them, takes report.toml's generic words."""
    words = judging.catalogue.report if judging.covered else {}
    subject = words.get("subject") or str(config.values["subject"])
    basis = words.get("basis") or str(config.values["basis"])
    return document_header(
        config,
        config.text("title"),
        subject.replace("{quarter}", quarter),
        basis.replace("{quarter}", quarter),
        today,
    )


def quarter_provenance(
    tables: PeriodTables,
    provenance: pl.DataFrame,
    name_of: dict[str, str],
    judging: Judging,
    today: date,
    run_id: str,
    software: str,
) -> Provenance:
    programme = tables.catalogue.programme
    if not judging.covered:
        programme = (
            f"không có (năm {judging.year} ngoài các giai đoạn {', '.join(judging.programmes)}; "
            f"các chỉ số tính theo danh mục {programme})"
        )
    return provenance_of(provenance_rows(provenance, name_of), programme, today, run_id, software)
