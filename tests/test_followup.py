"""The follow-up list: who is late, missing, rejected or incomplete, and for how long."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import polars as pl
import pytest

from ntm.cli import main
from ntm.demo import generate_demo
from ntm.indicators import followup_table, write_followup_workbook
from ntm.intake.ingest import ingest_files
from ntm.intake.workbook import Layout, write_submission
from ntm.reference import Reference
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from tests.helpers import district_communes, valid_figures
from transforms.followup import (
    FOLLOWUP_COLUMNS,
    followup_list,
    followup_title,
    unit_runs,
    unit_statuses,
)
from transforms.periods import Period

OLD = date(2020, 1, 1)  # valid_from of the units before the 2025 reorganisation
Q4 = Period(2024, 4)
TZ = "Asia/Ho_Chi_Minh"


def history(rows: list[tuple[str, str, date, bool]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"period": pl.String, "unit_code": pl.String, "valid_from": pl.Date,
                "on_list": pl.Boolean},
        orient="row",
    )  # fmt: skip


def runs_of(frame: pl.DataFrame) -> dict[tuple[str, date], tuple[int, str]]:
    return {(r["unit_code"], r["valid_from"]): (r["late_in_a_row"], r["since"])
            for r in frame.iter_rows(named=True)}  # fmt: skip


def test_a_run_counts_the_periods_in_a_row_that_end_at_the_period():
    found = unit_runs(
        history([
            ("2024-Q1", "441", OLD, False), ("2024-Q2", "441", OLD, True),
            ("2024-Q3", "441", OLD, True), ("2024-Q4", "441", OLD, True),
            ("2025-Q1", "441", OLD, True),  # after the period: not counted
        ]),
        Q4,
    )  # fmt: skip
    assert runs_of(found) == {("441", OLD): (3, "2024-Q2")}
    assert found.schema["late_in_a_row"] == pl.Int64


def test_a_run_crosses_a_year_end():
    rows = [(str(p), "440", OLD, True) for p in (Period(2023, 3), Period(2023, 4), Period(2024, 1))]
    assert runs_of(unit_runs(history(rows), Period(2024, 1))) == {("440", OLD): (3, "2023-Q3")}


def test_a_period_off_the_list_resets_the_run():
    found = unit_runs(
        history([
            ("2024-Q1", "442", OLD, True), ("2024-Q2", "442", OLD, False),
            ("2024-Q3", "442", OLD, True), ("2024-Q4", "442", OLD, True),
        ]),
        Q4,
    )  # fmt: skip
    assert runs_of(found) == {("442", OLD): (2, "2024-Q3")}


def test_a_unit_that_was_not_a_reporting_unit_before_starts_its_run_when_it_began():
    new = date(2024, 10, 1)
    found = unit_runs(
        history([
            # The same code, an earlier unit: its record is not the new unit's.
            ("2024-Q2", "443", OLD, True), ("2024-Q3", "443", OLD, True),
            ("2024-Q4", "443", new, True),
            # Expected in Q2 and Q4 but not in Q3: the gap ends the run.
            ("2024-Q2", "444", OLD, True), ("2024-Q4", "444", OLD, True),
        ]),
        Q4,
    )  # fmt: skip
    assert runs_of(found) == {("443", new): (1, "2024-Q4"), ("444", OLD): (1, "2024-Q4")}


def test_a_unit_off_the_list_at_the_period_has_no_run():
    found = unit_runs(
        history([
            ("2024-Q2", "445", OLD, True), ("2024-Q3", "445", OLD, True),
            ("2024-Q4", "445", OLD, False),
        ]),
        Q4,
    )  # fmt: skip
    assert found.is_empty()


def completeness_rows(rows: list[tuple[object, ...]]) -> pl.DataFrame:
    """transforms.completeness.completeness rows, with period and valid_from."""
    return pl.DataFrame(
        rows,
        schema={
            "period": pl.String, "unit_code": pl.String, "unit_name": pl.String,
            "communes_expected": pl.Int64, "received": pl.Boolean,
            "first_received_at": pl.Datetime("us", "UTC"), "on_time": pl.Boolean,
            "communes_accepted": pl.Int64, "valid_from": pl.Date,
        },
        orient="row",
    )  # fmt: skip


def rejections(rows: list[tuple[str, str, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema={"period": pl.String, "unit_code": pl.String, "reject_reason": pl.String},
        orient="row",
    )  # fmt: skip


ON_TIME = datetime(2025, 1, 5, 2, tzinfo=UTC)
# 03:00 on 20 January in Hà Tĩnh: the date a reader sees is the local one.
LATE = datetime(2025, 1, 19, 20, tzinfo=UTC)


def test_statuses_say_why_a_unit_is_on_the_list():
    table = completeness_rows([
        ("2024-Q4", "436", "A", 10, False, None, None, 0, OLD),
        ("2024-Q4", "437", "B", 10, False, None, None, 0, OLD),
        ("2024-Q4", "439", "C", 10, True, ON_TIME, True, 10, OLD),
        ("2024-Q4", "440", "D", 10, True, LATE, False, 10, OLD),
        ("2024-Q4", "441", "E", 10, True, ON_TIME, True, 8, OLD),
        ("2024-Q4", "442", "F", 10, True, LATE, False, 9, OLD),
        ("2024-Q4", "443", "G", 10, True, ON_TIME, True, 10, OLD),
        ("2024-Q3", "443", "G", 10, False, None, None, 0, OLD),
    ])  # fmt: skip
    rejected = rejections([
        ("2024-Q4", "437", "Thiếu trang tính «Biểu 01»."),
        ("2024-Q4", "439", None),  # a later correction was rejected
        ("2024-Q4", "440", "Sai tổng."),
        ("2024-Q3", "441", "Sai tổng."),  # another period's
    ])  # fmt: skip
    found = unit_statuses(table, rejected)
    statuses = {(r["period"], r["unit_code"]): r["status"] for r in found.iter_rows(named=True)}
    assert statuses == {
        ("2024-Q4", "436"): "not_received",
        ("2024-Q4", "437"): "rejected",
        ("2024-Q4", "439"): "rejected",
        ("2024-Q4", "440"): "late",
        ("2024-Q4", "441"): "incomplete",
        ("2024-Q4", "442"): "late_and_incomplete",
        ("2024-Q4", "443"): None,
        ("2024-Q3", "443"): "not_received",
    }
    reasons = dict(found.filter(pl.col("period") == "2024-Q4").select("unit_code", "reject_reason")
                   .iter_rows())  # fmt: skip
    assert reasons["439"] == "không rõ lý do" and reasons["441"] is None
    assert set(found.columns) == {*table.columns, "reject_reason", "status"}


def test_the_list_says_what_is_missing_and_since_when():
    table = completeness_rows([
        ("2024-Q3", "436", "Thành phố Hà Tĩnh", 10, False, None, None, 0, OLD),
        ("2024-Q4", "436", "Thành phố Hà Tĩnh", 10, False, None, None, 0, OLD),
        ("2024-Q4", "437", "Thị xã Hồng Lĩnh", 6, False, None, None, 0, OLD),
        ("2024-Q3", "440", "Huyện Đức Thọ", 10, True, LATE, False, 10, OLD),
        ("2024-Q4", "440", "Huyện Đức Thọ", 10, True, LATE, False, 8, OLD),
        ("2024-Q4", "441", "Huyện Vũ Quang", 10, True, ON_TIME, True, 9, OLD),
        ("2024-Q4", "443", "Huyện Nghi Xuân", 10, True, ON_TIME, True, 10, OLD),
    ])  # fmt: skip
    rejected = rejections([("2024-Q4", "437", "Dòng «Tổng cộng» ghi sai.")])
    communes = pl.DataFrame({
        "reporting_unit": ["440", "440", "441", "436"],
        "commune_code": ["18102", "18101", "18201", "18001"],
        "commune_name": ["Xã Bùi La Nhân", "Xã Yên Hồ", None, "Phường Bắc Hà"],
        "reason": ["not_reported", "quarantined", "quarantined", "not_reported"],
    })  # fmt: skip
    found = followup_list(unit_statuses(table, rejected), communes, Q4, date(2025, 1, 10), TZ)
    assert tuple(found.columns) == FOLLOWUP_COLUMNS
    assert found.schema["first_received_at"] == pl.Datetime("us", TZ)
    assert found.schema["deadline"] == pl.Date and found.schema["late_in_a_row"] == pl.Int64
    rows = {r["unit_code"]: r for r in found.iter_rows(named=True)}
    assert list(rows) == ["436", "437", "440", "441"]
    assert [(rows[u]["status"], rows[u]["late_in_a_row"], rows[u]["since"]) for u in rows] == [
        ("not_received", 2, "2024-Q3"),
        ("rejected", 1, "2024-Q4"),
        ("late_and_incomplete", 2, "2024-Q3"),
        ("incomplete", 1, "2024-Q4"),
    ]
    assert rows["436"]["missing"] == "Toàn bộ báo cáo của kỳ"
    assert rows["437"]["missing"] == "Tệp bị trả lại: Dòng «Tổng cộng» ghi sai."
    assert rows["440"]["missing"] == (
        "Gửi chậm hạn (nhận ngày 20/01/2025, hạn 10/01/2025); "
        "Thiếu số liệu 2/10 xã: Xã Yên Hồ (số liệu lỗi), Xã Bùi La Nhân (không có trong tệp)"
    )
    assert rows["441"]["missing"] == "Thiếu số liệu 1/10 xã: 18201 (số liệu lỗi)"
    assert rows["440"]["first_received_at"].date() == date(2025, 1, 20)
    assert rows["436"]["first_received_at"] is None
    assert set(found["deadline"]) == {date(2025, 1, 10)}


def test_the_title_names_the_quarter_in_words():
    assert followup_title(Q4) == "Danh sách đơn vị chậm, thiếu báo cáo — quý IV năm 2024"
    assert followup_title(Period(2025, 1)).endswith("— quý I năm 2025")


# --- A warehouse built from the demo -------------------------------------------------------

NOW = datetime(2025, 2, 15, 3, tzinfo=UTC)


def arrival(period: Period, days: int, ref: Reference) -> datetime:
    """09:00 local time, ``days`` after the period's last day (the deadline is 10 days)."""
    day = period.last_day + timedelta(days=days)
    return datetime.combine(day, time(9), tzinfo=ZoneInfo(ref.settings.timezone))


def stamp(path: Path, when: datetime) -> Path:
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def replace_q4(inbox: Path, ref: Reference, unit: str, keep: int | None = None,
               broken: bool = False, layout: Layout | None = None) -> Path:  # fmt: skip
    """Replace ``unit``'s demo file for 2024-Q4 by one with the first ``keep`` communes only, the
    first one breaking the poor_end rule if ``broken``, or laid out as ``layout`` says."""
    for old in (inbox / str(Q4)).glob(f"{unit}_*"):
        old.unlink()
    communes = district_communes(ref, unit)
    communes = communes.head(keep) if keep is not None else communes
    figures = valid_figures(communes)
    if broken:
        first = pl.int_range(pl.len()) == 0
        figures = figures.with_columns(pl.col("poor_end") + pl.when(first).then(3).otherwise(0))
    return write_submission(inbox / str(Q4) / f"{unit}_fixed.xlsx", ref.format, unit, unit,
                            str(Q4), communes.select("commune_code", "commune_name"), figures,
                            layout=layout)  # fmt: skip


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> DataDir:
    """2024-Q2..Q4 of the demo, every file on time, except that:

    441 is late in Q2 and Q4 (on time in Q3); 443 sent nothing for Q3 and Q4; 444's only Q4
    file is rejected (its total row does not add up); 445's Q4 file leaves one commune out and
    breaks a rule in another; 447's Q4 file is late and leaves one commune out; 448's on-time
    Q4 file is followed by a rejected correction; and a file nobody can read arrives too.
    """
    inbox = tmp_path_factory.mktemp("inbox")
    generate_demo(inbox, ref, first=Period(2024, 2), last=Q4, households=False)
    for path in inbox.rglob("*_2024-Q*.*"):
        period = Period.parse(path.parent.name)
        assert period is not None
        stamp(path, arrival(period, 5, ref))
    for folder in ("2024-Q3", "2024-Q4"):
        for path in (inbox / folder).glob("443_*"):
            path.unlink()
    for path in [*(inbox / "2024-Q2").glob("441_*"), *(inbox / "2024-Q4").glob("441_*")]:
        stamp(path, arrival(Period.parse(path.parent.name) or Q4, 20, ref))
    total = Layout(total_row=True, total_override={"poor_end": 1})
    stamp(replace_q4(inbox, ref, "444", layout=total), arrival(Q4, 6, ref))
    n445 = district_communes(ref, "445").height
    stamp(replace_q4(inbox, ref, "445", keep=n445 - 1, broken=True), arrival(Q4, 6, ref))
    n447 = district_communes(ref, "447").height
    stamp(replace_q4(inbox, ref, "447", keep=n447 - 1), arrival(Q4, 20, ref))
    correction = inbox / "448_correction.xlsx"
    communes = district_communes(ref, "448")
    write_submission(correction, ref.format, "448", "Huyện Lộc Hà", str(Q4), communes,
                     valid_figures(communes), layout=total)  # fmt: skip
    stamp(correction, arrival(Q4, 8, ref))
    junk = inbox / "scan.xlsx"
    junk.write_bytes(b"not a workbook at all")
    stamp(junk, arrival(Q4, 7, ref))
    data_dir = DataDir(tmp_path_factory.mktemp("data"))
    outcomes = ingest_files([inbox], data_dir, ref, now=NOW, feedback=False)
    rejected = {o.unit_code for o in outcomes if o.status == "rejected"}
    assert rejected == {"444", "448", None}, "\n".join(o.line() for o in outcomes)
    return data_dir


def listed(data_dir: DataDir, ref: Reference, period: Period) -> pl.DataFrame:
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        return followup_table(warehouse, ref, period)


def test_the_period_lists_late_missing_rejected_and_incomplete_units(warehouse_dir, ref):
    found = listed(warehouse_dir, ref, Q4)
    rows = {r["unit_code"]: r for r in found.iter_rows(named=True)}
    assert {u: (r["status"], r["late_in_a_row"], r["since"]) for u, r in rows.items()} == {
        "441": ("late", 1, "2024-Q4"),  # on time in Q3: the Q2 delay does not count
        "443": ("not_received", 2, "2024-Q3"),
        "444": ("rejected", 1, "2024-Q4"),
        "445": ("incomplete", 1, "2024-Q4"),
        "447": ("late_and_incomplete", 1, "2024-Q4"),
        "448": ("rejected", 1, "2024-Q4"),
    }
    assert rows["441"]["missing"] == "Gửi chậm hạn (nhận ngày 20/01/2025, hạn 10/01/2025)"
    assert rows["441"]["first_received_at"] == arrival(Q4, 20, ref)
    assert rows["443"]["missing"] == "Toàn bộ báo cáo của kỳ"
    assert rows["444"]["missing"].startswith("Tệp bị trả lại: Dòng «Tổng cộng»")
    assert rows["444"]["first_received_at"] is None
    n445 = district_communes(ref, "445").height
    assert rows["445"]["missing"].startswith(f"Thiếu số liệu 2/{n445} xã: ")
    assert rows["445"]["missing"].count("(số liệu lỗi)") == 1
    assert rows["445"]["missing"].count("(không có trong tệp)") == 1
    assert rows["447"]["missing"].startswith(
        "Gửi chậm hạn (nhận ngày 20/01/2025, hạn 10/01/2025); "
    )
    assert rows["448"]["missing"].startswith("Tệp bị trả lại: Dòng «Tổng cộng» ghi 1 ")
    assert rows["448"]["first_received_at"] == arrival(Q4, 5, ref)  # its accepted version
    assert set(found["deadline"]) == {date(2025, 1, 10)}


def test_earlier_periods_have_their_own_lists(warehouse_dir, ref):
    q3 = listed(warehouse_dir, ref, Period(2024, 3))
    assert q3.select("unit_code", "status", "late_in_a_row", "since").rows() == [
        ("443", "not_received", 1, "2024-Q3")
    ]
    q2 = listed(warehouse_dir, ref, Period(2024, 2))
    assert q2.select("unit_code", "status", "late_in_a_row").rows() == [("441", "late", 1)]


def test_before_the_first_file_every_unit_is_missing_once(warehouse_dir, ref):
    found = listed(warehouse_dir, ref, Period(2023, 4))
    assert found.height == 13
    assert set(found["status"]) == {"not_received"} and set(found["late_in_a_row"]) == {1}


def cells(path: Path) -> list[list[object]]:
    """The workbook's only sheet, row by row, blanks left out."""
    sheet = openpyxl.load_workbook(path).active
    return [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]


def test_the_workbook_reads_back_with_its_headings_and_rows(warehouse_dir, ref, tmp_path):
    found = listed(warehouse_dir, ref, Q4)
    target = tmp_path / "out" / "don-doc.xlsx"
    write_followup_workbook(target, found, Q4)
    values = cells(target)
    assert values[0] == ["Danh sách đơn vị chậm, thiếu báo cáo — quý IV năm 2024"]
    assert values[2] == ["Mã đơn vị", "Tên đơn vị", "Tình trạng", "Nội dung còn thiếu",
                         "Hạn nộp", "Ngày nhận", "Số kỳ liên tiếp", "Từ kỳ"]  # fmt: skip
    body = values[3 : 3 + found.height]
    assert [row[0] for row in body] == found["unit_code"].to_list()
    assert body[1][:3] == ["443", "Huyện Can Lộc", "Chưa gửi báo cáo"]
    assert values[3 + found.height :] == [
        [],
        [f"Tổng số: {found.height} đơn vị chậm, thiếu báo cáo."],
    ]
    deadline = openpyxl.load_workbook(target).active.cell(row=4, column=5)
    assert deadline.value == datetime(2025, 1, 10) and deadline.number_format == "dd/mm/yyyy"
    assert [p.name for p in target.parent.iterdir()] == ["don-doc.xlsx"]  # no temporary left


def test_an_empty_list_says_so_in_one_line(warehouse_dir, ref, tmp_path):
    target = tmp_path / "empty.xlsx"
    write_followup_workbook(target, listed(warehouse_dir, ref, Q4).clear(), Q4)
    assert cells(target) == [
        ["Danh sách đơn vị chậm, thiếu báo cáo — quý IV năm 2024"],
        [],
        ["Không có đơn vị nào chậm, thiếu báo cáo."],
    ]


def test_ntm_followup_writes_the_workbook_and_says_how_many_units(
    warehouse_dir, ref, tmp_path, capsys
):
    data_dir = DataDir(tmp_path / "data")
    shutil.copytree(warehouse_dir.root, data_dir.root)
    assert main(["followup", "--period", "2024-Q4", "--data-dir", str(data_dir.root)]) == 0
    target = data_dir.followup_workbook("2024-Q4")
    # As many units as the list of the test above pins down.
    assert (
        capsys.readouterr().out
        == f"{target} ({listed(warehouse_dir, ref, Q4).height} units to follow up)\n"
    )
    assert target.exists()
