"""The messy set: one file per mistake clerks make, with what ``ntm ingest`` says of it.

``MESSY_CASES`` is the table: each case names its file, its mistake, the builder that writes it
and the verdict expected when the set is ingested after the clean demo. ``generate_messy``
writes the files for a period from the demo's own figures and household reviews, so that each
differs from the clean file only by its mistake, and README.txt with the expected outcomes.
"""

from __future__ import annotations

import io
import re
import textwrap
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

import numpy as np
import polars as pl

from ntm.demo.households import PERIODIC, Review, household_reviews
from ntm.demo.inbox import arrival, clerk, csv_frame, stamp, unit_rows, write_review
from ntm.demo.simulate import DEMO_LAST, demo_figures
from ntm.intake.workbook import Layout, write_submission
from ntm.reference import Reference
from ntm.reference.households import PovertyStandard
from transforms.layout import Column
from transforms.periods import Period
from transforms.registry import reporting_units


def _grouped(column: str, separator: str) -> pl.Expr:
    """A count as a clerk types it with a thousands separator (counts here stay below 10^6)."""
    value = pl.col(column)
    grouped = value.floordiv(1000).cast(pl.String) + separator
    grouped = grouped + (value % 1000).cast(pl.String).str.zfill(3)
    return pl.when(value >= 1000).then(grouped).otherwise(value.cast(pl.String)).alias(column)


def _with_cells(rows: pl.DataFrame, cells: dict[tuple[int, str], object]) -> pl.DataFrame:
    """Put values of any type into given (row, column) cells; touched columns become Object."""
    columns = {c for _, c in cells}
    replaced = []
    for column in sorted(columns):
        values: list[object] = rows[column].to_list()
        for (row, name), value in cells.items():
            if name == column:
                values[row] = value
        replaced.append(pl.Series(column, values, dtype=pl.Object))
    return rows.with_columns(replaced)


def _as_number(path: Path, text: str) -> None:
    """Turn the text cell ``text`` into a numeric cell: the writer writes a float as text."""
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    shared = next(data for info, data in parts if info.filename == "xl/sharedStrings.xml")
    index = re.findall(rb"<si><t[^>]*>(.*?)</t></si>", shared).index(text.encode())
    cell = re.compile(rb'(<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?) t="s"><v>%d</v>' % index)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            sheet = info.filename.startswith("xl/worksheets/")
            archive.writestr(
                info, cell.sub(rb"\1><v>" + text.encode() + rb"</v>", data) if sheet else data
            )
    path.write_bytes(buffer.getvalue())


def _cp1258(text: str) -> bytes:
    """Windows-1258 as old Vietnamese Windows wrote it: base letter, then a combining tone."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            marks = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(m for m in marks if m not in tones))
            out += (base + "".join(m for m in marks if m in tones)).encode("cp1258")
    return bytes(out)


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@dataclass(frozen=True)
class MessyKit:
    """What the builders of the messy set share: the period's demo figures, the folder, a seed."""

    folder: Path
    ref: Reference
    period: Period
    figures: pl.DataFrame
    unit_names: dict[str, str]
    prepared_on: date
    rng: np.random.Generator  # drives the choices of the mistakes, in the order of the table

    def rows(self, unit: str) -> pl.DataFrame:
        """The unit's clean rows, as the demo has them."""
        return unit_rows(self.ref, self.figures, unit, self.period)

    def save(self, name: str, unit: str, rows: pl.DataFrame, layout: Layout | None = None) -> Path:
        """A workbook of ``unit`` with ``rows`` (the first of a duplicated commune's figures)."""
        return write_submission(
            self.folder / name,
            self.ref.format,
            unit,
            self.unit_names.get(unit, unit),
            str(self.period),
            rows.select("commune_code", "commune_name"),
            rows.unique("commune_code", keep="first", maintain_order=True),
            prepared_on=self.prepared_on,
            prepared_by=clerk(unit),
            layout=layout,
        )

    def raw(self, name: str, data: bytes) -> Path:
        """A file of exactly these bytes."""
        path = self.folder / name
        path.write_bytes(data)
        return path

    def csv(self, unit: str) -> pl.DataFrame:
        """The unit's clean rows as a CSV submission holds them."""
        return csv_frame(self.ref.format, unit, str(self.period), self.rows(unit))

    @cached_property
    def _review(self) -> tuple[Review, PovertyStandard, pl.DataFrame]:
        # The periodic review of the last year the period ends or follows.
        year = self.period.year if self.period.quarter == 4 else self.period.year - 1
        review = Review(year, PERIODIC)
        standard = self.ref.review_standard(year, PERIODIC)
        if standard is None:
            raise ValueError(f"no poverty standard measures {year}")
        rows = household_reviews(self.ref, Period(year, 4), Period(year, 4))[review]
        return review, standard, rows

    def households(self, unit: str) -> pl.DataFrame:
        """The unit's clean household rows in the periodic review of the period's year (Q4) or
        of the year before, as the demo has them."""
        return self._review[2].filter(pl.col("unit_code") == unit)

    @property
    def household_standard(self) -> PovertyStandard:
        """The poverty standard of that review."""
        return self._review[1]

    def household_columns(self) -> list[Column]:
        """The household table's columns of that review, every optional one included."""
        return self.ref.households.table_columns(self.household_standard.indicators)

    def save_review(self, name: str, unit: str, rows: pl.DataFrame, columns: list[Column]) -> Path:
        """A household review file of ``unit`` (CSV or XLSX by ``name``) with these columns."""
        review, standard, _ = self._review
        unit_name = self.unit_names.get(unit, str(rows["unit_name"][0]))
        return write_review(self.folder / name, self.ref, review, standard, unit, unit_name,
                            rows, columns, self.prepared_on)  # fmt: skip


Builder = Callable[[MessyKit, str], Path]


@dataclass(frozen=True)
class MessyCase:
    """One file of the messy set: its name, its mistake, how it is built and what ingest says.

    ``expected`` is the verdict ``ntm ingest`` prints for the file (its third column) when the
    set is ingested after the clean demo, for the demo's last period; ``{period}`` stands for
    the period, and a final "…" makes it a prefix (the rest quotes the file's figures).
    ``quarantined`` is the number of its rows stored as quarantined. A file that is not an
    .xlsx or .csv (``in_folder=False``) is not picked when its folder is ingested: ``expected``
    is then what ingest prints when the file is named.
    """

    name: str
    mistake: str
    build: Builder
    expected: str
    quarantined: int = 0
    in_folder: bool = True

    def verdict(self, period: Period) -> str:
        return self.expected.format(period=period)

    def matches(self, verdict: str, period: Period) -> bool:
        """Whether ``verdict``, as ``ntm ingest`` printed it, is the one expected."""
        expected = self.verdict(period)
        if expected.endswith("…"):
            return verdict.startswith(expected[:-1])
        return verdict == expected

    def outcome(self, period: Period) -> str:
        """The expected outcome as README.txt states it."""
        said = self.verdict(period)
        if self.quarantined:
            said += f"; {self.quarantined} row{'s' if self.quarantined > 1 else ''} quarantined"
        if not self.in_folder:
            said = f"not picked when its folder is ingested; when named: {said}"
        return said


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # an OLE header, as .xls has


def _text_numbers(kit: MessyKit, name: str) -> Path:
    typed = [
        _grouped("households", "."),
        _grouped("workers", " "),
        _grouped("workers_trained", "."),
    ]
    return kit.save(name, "436", kit.rows("436").with_columns(typed))


def _nfd_layout(kit: MessyKit, name: str) -> Path:
    fmt = kit.ref.format
    order = list(fmt.figure_keys)
    kit.rng.shuffle(order)
    layout = Layout(
        title_rows=4,
        column_order=["commune_name", "commune_code", *order],
        labels={key: _nfd(label) for key, label in fmt.labels.items()},
        sheet_names={
            s: _nfd(s) for s in (fmt.instructions_sheet, fmt.metadata_sheet, fmt.figures_sheet)
        },
        extra_columns={"Ghi chú": ["Số liệu sơ bộ", "", "Đã rà soát lại"]},
        extra_sheet="Sheet1",
    )
    return kit.save(name, "437", kit.rows("437"), layout)


def _total_mismatch(kit: MessyKit, name: str) -> Path:
    rows = kit.rows("444")
    off_by_ten: dict[str, object] = {"poor_end": int(rows["poor_end"].sum()) + 10}
    return kit.save(name, "444", rows, Layout(total_row=True, total_override=off_by_ten))


def _foreign_commune(kit: MessyKit, name: str) -> Path:
    return kit.save(name, "439", pl.concat([kit.rows("439"), kit.rows("440").head(1)]))


def _missing_sheet(kit: MessyKit, name: str) -> Path:
    return kit.save(
        name, "445", kit.rows("445"), Layout(omit_sheets=[kit.ref.format.figures_sheet])
    )


def _bad_cells(kit: MessyKit, name: str) -> Path:
    bad = {(0, "poor_exited"): "12,5", (1, "near_poor_new"): "-", (2, "coop_members"): "n/a",
           (3, "workers_certified"): 12.5, (4, "child_abuse_cases"): None}  # fmt: skip
    path = kit.save(name, "440", _with_cells(kit.rows("440"), bad))
    _as_number(path, "12.5")
    return path


def _duplicate_commune(kit: MessyKit, name: str) -> Path:
    rows = kit.rows("441")
    return kit.save(name, "441", pl.concat([rows, rows.slice(3, 1)]))


def _rules_broken(kit: MessyKit, name: str) -> Path:
    broken = pl.int_range(pl.len())
    rows = kit.rows("442").with_columns(
        poor_end=pl.col("poor_end") + pl.when(broken == 0).then(3).otherwise(0),
        households=pl.when(broken == 1)
        .then(pl.col("poor_end") + pl.col("near_poor_end") - 1)
        .otherwise(pl.col("households")),
        workers_certified=pl.when(broken == 2)
        .then(pl.col("workers_trained") + 5)
        .otherwise(pl.col("workers_certified")),
    )
    return kit.save(name, "442", rows)


def _unknown_unit(kit: MessyKit, name: str) -> Path:
    return kit.save(name, "449", kit.rows("449"), Layout(metadata_override={"unit_code": "999"}))


def _period_typed(text: str) -> Builder:
    def build(kit: MessyKit, name: str) -> Path:
        return kit.save(name, "446", kit.rows("446"), Layout(metadata_override={"period": text}))

    return build


def _corrupt_random(kit: MessyKit, name: str) -> Path:
    return kit.raw(name, kit.rng.bytes(4096))


def _truncated(kit: MessyKit, name: str) -> Path:
    path = kit.save(name, "447", kit.rows("447"))
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    return path


def _encrypted(kit: MessyKit, name: str) -> Path:
    mark = "EncryptedPackage".encode("utf-16-le")
    return kit.raw(name, _OLE_MAGIC + mark + kit.rng.bytes(2048))


def _csv_mixed_units(kit: MessyKit, name: str) -> Path:
    sixth = pl.int_range(pl.len()) == 5
    mixed = kit.csv("448").with_columns(
        unit_code=pl.when(sixth).then(pl.lit("449")).otherwise("unit_code")
    )
    return kit.raw(name, mixed.write_csv().encode("utf-8-sig"))


def _csv_cp1258(kit: MessyKit, name: str) -> Path:
    return kit.raw(name, _cp1258(kit.csv("449").write_csv()))


def _names_and_missing(kit: MessyKit, name: str) -> Path:
    index = pl.int_range(pl.len())
    plain = pl.col("commune_name").str.normalize("NFKD").str.replace_all(r"\p{Mn}", "")
    renamed = pl.when(index == 1).then(plain.str.replace_all("[đĐ]", "d"))
    rows = kit.rows("443").with_columns(commune_name=renamed.otherwise("commune_name"))
    return kit.save(name, "443", rows.filter(index != 4))


def _legacy_xls(kit: MessyKit, name: str) -> Path:
    return kit.raw(name, _OLE_MAGIC + kit.rng.bytes(3584))


def _scan_pdf(kit: MessyKit, name: str) -> Path:
    return kit.raw(name, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


# Household reviews (form HN). A workbook's title row and header row come first: a household
# row's Excel row is 3 + its index.
_HN_NAMES_UNIT, _HN_ID_UNIT, _HN_RULE_UNIT = "448", "449", "437"
_HN_ID_ROW = 7  # the Excel row whose village cell holds an identification number
# Rows whose result contradicts the rule. They are quarantined, but household submissions keep
# their counts apart (household_submissions.rows_quarantined): ``quarantined`` stays 0.
_HN_RULE_ROWS = 3
_FAMILY = ("Nguyễn", "Trần", "Lê", "Phan", "Hoàng", "Võ", "Đặng", "Bùi", "Hồ", "Dương")
_MIDDLE = ("Văn", "Thị", "Đình", "Quang", "Hữu", "Xuân", "Thanh")
_GIVEN = ("An", "Bình", "Cúc", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Nam", "Oanh", "Phúc",
          "Sơn", "Tâm", "Vinh", "Yến")  # fmt: skip


def _hn_names(kit: MessyKit, name: str) -> Path:
    rows = kit.households(_HN_NAMES_UNIT)
    family, middle, given = (
        pl.Series(np.array(words)[kit.rng.choice(len(words), rows.height)])
        for words in (_FAMILY, _MIDDLE, _GIVEN)
    )
    names = family + " " + middle + " " + given
    columns = kit.household_columns()
    at = next(i for i, c in enumerate(columns) if c.key == "household_code") + 1
    columns.insert(at, Column("owner_name", "Họ tên chủ hộ", "text"))
    return kit.save_review(name, _HN_NAMES_UNIT, rows.with_columns(owner_name=names), columns)


def _hn_id_number(kit: MessyKit, name: str) -> Path:
    rows = kit.households(_HN_ID_UNIT)
    number = "042" + "".join(str(d) for d in kit.rng.integers(0, 10, 9))
    typed = pl.when(pl.int_range(pl.len()) == _HN_ID_ROW - 3).then(pl.lit(number))
    rows = rows.with_columns(village=typed.otherwise("village"))
    return kit.save_review(name, _HN_ID_UNIT, rows, kit.household_columns())


def _hn_rule_broken(kit: MessyKit, name: str) -> Path:
    """Households reviewed and found not poor, whose score B1 is at or below the cut-off: the
    rule makes them poor or near-poor (quarantined, so the commune's counts stay the Q4's)."""
    rows = kit.households(_HN_RULE_UNIT)
    standard = kit.household_standard
    not_poor = next(r.label for r in kit.ref.households.results if r.code == "not_poor")
    urban = next(a.label for a in kit.ref.households.areas if a.code == "urban")
    candidates = np.flatnonzero((rows["result"] == not_poor).to_numpy())
    chosen = np.sort(kit.rng.choice(candidates, _HN_RULE_ROWS, replace=False))
    cutoffs = standard.score_cutoffs
    cutoff = pl.when(pl.col("area") == urban).then(cutoffs["urban"]).otherwise(cutoffs["rural"])
    rows = rows.with_columns(
        income_score=pl.when(pl.int_range(pl.len()).is_in(chosen.tolist()))
        .then(cutoff - 5)
        .otherwise("income_score")
    )
    # Without the optional income flag (it would disagree with the score: a second finding).
    columns = [c for c in kit.household_columns() if c.key != "income_below_line"]
    return kit.save_review(name, _HN_RULE_UNIT, rows, columns)


_UNREADABLE = (
    "rejected: Không đọc được tệp: tệp bị hỏng hoặc không đúng định dạng "
    "(nội dung không phải một tệp .xlsx)."
)
# The messy set, in order of arrival. Builders run in this order on one random stream.
MESSY_CASES = (
    MessyCase("01_text_numbers.xlsx", 'households/workers as text "1.350", "1 350"',
              _text_numbers, "accepted"),
    MessyCase("02_nfd_layout.xlsx", "NFD sheet names and labels, 4 title rows, columns "
              'reordered, extra column "Ghi chú", extra sheet "Sheet1"',
              _nfd_layout, "accepted with 2 issues"),
    MessyCase("03_total_mismatch.xlsx", '"Tổng cộng" row off by 10 in poor_end',
              _total_mismatch, "rejected: Dòng «Tổng cộng» ghi …"),
    MessyCase("04_foreign_commune.xlsx", "a commune of Đức Thọ added to Hương Sơn",
              _foreign_commune, "accepted with 1 issues", quarantined=1),
    MessyCase("05_missing_sheet.xlsx", 'no "Biểu 01" sheet',
              _missing_sheet, "rejected: Thiếu trang tính «Biểu 01»."),
    MessyCase("06_bad_cells.xlsx", '"12,5", "-", "n/a", number 12.5, empty cell',
              _bad_cells, "accepted with 5 issues", quarantined=5),
    MessyCase("07_duplicate_commune.xlsx", "one commune twice",
              _duplicate_commune, "accepted with 2 issues", quarantined=2),
    MessyCase("08_rules_broken.xlsx", "poor_end off by 3 (also against the household "
              "review's count); households < poor + near-poor (also rate and household jump "
              "warnings); certified > trained",
              _rules_broken, "accepted with 7 issues", quarantined=3),
    MessyCase("09_unknown_unit.xlsx", "unit code 999", _unknown_unit,
              "rejected: Mã đơn vị báo cáo «999» không có trong danh mục đơn vị hành chính của "
              "kỳ {period}."),
    MessyCase("10a_period_malformed.xlsx", 'period "Q4/2024"', _period_typed("Q4/2024"),
              "rejected: Kỳ báo cáo «Q4/2024» không đúng dạng NĂM-Qn."),
    MessyCase("10b_period_future.xlsx", 'period "2031-Q1"', _period_typed("2031-Q1"),
              "rejected: Kỳ báo cáo «2031-Q1» chưa bắt đầu."),
    MessyCase("11a_corrupt_random.xlsx", "random bytes", _corrupt_random, _UNREADABLE),
    MessyCase("11b_truncated.xlsx", "the first half of a workbook", _truncated, _UNREADABLE),
    MessyCase("11c_encrypted.xlsx", "password-encrypted (OLE EncryptedPackage)", _encrypted,
              "rejected: Tệp được đặt mật khẩu hoặc mã hóa nên không đọc được."),
    MessyCase("12a_csv_mixed_units.csv", "unit_code 448 and 449 in one CSV", _csv_mixed_units,
              "rejected: Cột unit_code có nhiều giá trị khác nhau trong cùng một tệp (448, 449)."),
    MessyCase("12b_csv_cp1258.csv", "CSV in Windows-1258, not UTF-8", _csv_cp1258,
              "rejected: Tệp CSV không phải mã UTF-8 (byte thứ …"),
    MessyCase("13_names_and_missing.xlsx", "a name typed without diacritics, a commune left "
              "out", _names_and_missing, "accepted with 2 issues"),
    MessyCase("14_legacy.xls", "an old .xls workbook", _legacy_xls,
              "rejected: Loại tệp «.xls» không được chấp nhận.", in_folder=False),
    MessyCase("14_scan.pdf", "a scan as PDF", _scan_pdf,
              "rejected: Loại tệp «.pdf» không được chấp nhận.", in_folder=False),
    MessyCase("15a_hn_names.xlsx", 'household review (form HN) with a column "Họ tên chủ hộ" '
              "of names", _hn_names, "rejected: personal data (column «Họ tên chủ hộ»)"),
    MessyCase("15b_hn_id_number.xlsx", "household review with a 12-digit identification "
              f"number in the village cell of row {_HN_ID_ROW}", _hn_id_number,
              f"rejected: personal data (row {_HN_ID_ROW})"),
    MessyCase("15c_hn_rule_broken.csv", f"household review whose result contradicts the rule "
              f"in {_HN_RULE_ROWS} rows (score B1 at or below the cut-off, «Không nghèo»)",
              _hn_rule_broken, f"accepted with {_HN_RULE_ROWS} issues"),
)  # fmt: skip


def generate_messy(
    folder: Path, ref: Reference, period: Period = DEMO_LAST, seed: int = 7
) -> list[Path]:
    """Files with the mistakes clerks make, for ``period``, one per case of ``MESSY_CASES``.

    They are meant to be ingested after the clean demo (they rely on its history). The figures
    are the demo's own (its seed), so each file differs from the clean one only by its mistake;
    ``seed`` drives the choices of the mistakes. README.txt lists the expected outcomes.
    """
    direct = ref.settings.communes_report_from
    # After the last clean file can arrive (30 days), so one ingest of both keeps the order.
    arrived = arrival(period.last_day + timedelta(days=31), ref.settings.timezone)
    kit = MessyKit(
        folder=folder,
        ref=ref,
        period=period,
        figures=demo_figures(ref, period, period),
        unit_names=dict(
            reporting_units(ref.registry, period.last_day, direct)
            .select("unit_code", "unit_name")
            .iter_rows()
        ),
        prepared_on=arrived.date() - timedelta(days=1),
        rng=np.random.default_rng(seed),
    )
    folder.mkdir(parents=True, exist_ok=True)
    written = [case.build(kit, case.name) for case in MESSY_CASES]
    (folder / "README.txt").write_text(messy_readme(period), encoding="utf-8")
    for i, path in enumerate(written):
        stamp(path, arrived + timedelta(minutes=i))
    return written


def messy_readme(period: Period) -> str:
    """README.txt of the messy set: each file, its mistake and what ``ntm ingest`` says."""
    indent = " " * 26
    lines = [
        f"Messy demo submissions for {period} (ntm demo). Ingest the clean demo first.",
        "After each file: what `ntm ingest` prints for it (… : the rest quotes its figures).",
        "",
    ]
    for case in MESSY_CASES:
        lines += textwrap.wrap(f"{case.name:<25} {case.mistake}", 96, subsequent_indent=indent)
        lines += textwrap.wrap(
            f"-> {case.outcome(period)}",
            96,
            initial_indent=indent,
            subsequent_indent=indent + "   ",
        )
    return "\n".join(lines) + "\n"
