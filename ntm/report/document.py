"""What both documents open and close with: the Party document's header (the issuer in force on
the date of issue), the closing (recipients and signature), the chart captions' numbering, and
the provenance table of the submissions read."""

from __future__ import annotations

from datetime import date

import polars as pl

from ntm.reference import ReportConfig
from ntm.report import vi
from ntm.report.sections import Chart, Closing, Header, Provenance, ProvenanceRow

PROVENANCE_NOTE = "Dấu √ / ×: đạt / chưa đạt chỉ tiêu áp dụng cho xã."


class Captions:
    """Numbers the charts in the order they are printed, counting only those that are."""

    def __init__(self) -> None:
        self.count = 0

    def chart(self, image: str, words: str) -> Chart:
        if not image:
            return Chart(image="", caption="")
        self.count += 1
        return Chart(image=image, caption=f"Biểu đồ {self.count}. {words}")


def document_header(
    config: ReportConfig, title: str, subject: str, basis: str, today: date
) -> Header:
    """The Party document's header blocks over a title, subject and basis, naming the issuer
    in force on ``today``, the date of issue."""
    issuer = config.issuer_on(today)
    return Header(
        superior_body=issuer.superior_body,
        issuing_committee=issuer.issuing_committee,
        party=config.text("party"),
        number_line=config.text("number_line"),
        place_date=f"{config.text('place')}, {vi.long_date(today)}",
        title=title,
        subject=subject,
        basis=basis,
    )


def document_closing(config: ReportConfig, today: date) -> Closing:
    """Recipients and signature of the issuer in force on ``today``."""
    issuer = config.issuer_on(today)
    return Closing(
        recipients=issuer.recipients,
        on_behalf=issuer.signature_on_behalf,
        title=issuer.signature_title,
        name=issuer.signature_name,
    )


def provenance_rows(provenance: pl.DataFrame, name_of: dict[str, str]) -> tuple[ProvenanceRow, ...]:
    """One row per stored submission read (``period_provenance``); with a ``period`` column
    (a programme review reads several), each unit is prefixed by its period."""
    periods = "period" in provenance.columns
    return tuple(
        ProvenanceRow(
            unit=(f"{r['period']}: " if periods else "")
            + f"{r['unit_code']} {name_of.get(r['unit_code'], '')}",
            version=str(r["version"]),
            sha=r["content_sha256"][:16],
            file=r["file_name"],
            received=vi.short_date(r["received_at"].date()),
        )
        for r in provenance.iter_rows(named=True)
    )


def provenance_of(
    rows: tuple[ProvenanceRow, ...], programme: str, today: date, run_id: str, software: str
) -> Provenance:
    """The provenance block: its opening sentence, and the table of what was read."""
    return Provenance(
        sentence=(
            f"Chương trình {programme}; lần chạy {run_id}; phần mềm {software}; lập ngày "
            f"{vi.short_date(today)}. {PROVENANCE_NOTE}"
        ),
        rows=rows,
    )
