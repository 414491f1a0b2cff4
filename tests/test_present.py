"""The present: quarters of 2026-2030 with pending and provisional targets, periods no
programme covers, the poverty-standard break of 2027, and runs that fail only for real."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime

import polars as pl
import pytest

from ntm import cli
from ntm.demo import generate_demo
from ntm.indicators.tables import period_tables, unjudged_targets
from ntm.intake.ingest import ingest_files
from ntm.reference import REFERENCE_DIR, Reference, ReferenceError, load_reference
from ntm.store.paths import DataDir
from ntm.store.warehouse import Warehouse
from transforms import trends
from transforms.periods import Period, last_ended_quarter

NOW = datetime(2026, 11, 30, 3, tzinfo=UTC)


@pytest.fixture(scope="module")
def present(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> DataDir:
    """The demo from 2025-Q4 through 2026-Q3: communes report directly."""
    root = tmp_path_factory.mktemp("present")
    data_dir = DataDir(root / "data")
    generate_demo(
        data_dir.inbox, ref, first=Period(2025, 4), last=Period(2026, 3), households=False
    )
    # No test here reads a feedback workbook: none is written (the warehouse is the same).
    ingest_files([data_dir.inbox], data_dir, ref, now=NOW, feedback=False)
    return data_dir


def indicators_csv(data_dir: DataDir, period: str, capsys: pytest.CaptureFixture[str]):
    code = cli.main(["indicators", "--period", period, "--data-dir", str(data_dir.root)])
    assert code == cli.EXIT_OK
    return pl.read_csv(
        capsys.readouterr().out.encode(), schema_overrides={"target": pl.String, "value": pl.String}
    )


def test_today_is_in_the_2026_2030_programme(ref):
    today = date(2026, 11, 30)
    assert last_ended_quarter(today) == Period(2026, 3)
    catalogue = ref.catalogue_for(2026)
    assert catalogue is not None and catalogue.programme == "2026-2030"


def test_pending_targets_leave_target_and_attained_empty_in_the_csv(present, capsys):
    table = indicators_csv(present, "2026-Q3", capsys)
    assert table.columns[-1] == "target_status"
    communes = table.filter(pl.col("unit_level") == "commune")
    assert communes["unit_code"].n_unique() == 69
    trained = communes.filter(pl.col("indicator") == "trained_labour_rate")
    rural = trained.filter(pl.col("target_status").is_not_null())
    assert rural.height == 60  # the 60 xã; the 9 phường have no NTM target
    assert set(rural["target_status"]) == {"pending"}
    assert rural["target"].null_count() == rural.height
    assert rural["attained"].null_count() == rural.height
    assert rural["value"].null_count() == 0  # rates are computed all the same
    # The national share of communes for 2030 is provisional, and not due in 2026.
    share = table.filter(pl.col("indicator") == "communes_meeting_all_criteria")
    assert share["target"].null_count() == share.height


def test_a_provisional_target_is_printed_with_its_status(present, capsys, ref, tmp_path):
    # 2030's provisional 65% applies in 2030 only; a copy of the catalogue due in 2026 shows
    # how a provisional threshold reads in the CSV.
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, copy)
    catalogue = copy / "criteria" / "2026-2030.toml"
    text = catalogue.read_text(encoding="utf-8")
    due_now = text.replace("from_year = 2030\nto_year = 2030", "from_year = 2026\nto_year = 2030")
    catalogue.write_text(due_now, encoding="utf-8")
    provisional = load_reference(copy)
    with Warehouse.open(present.warehouse, read_only=True) as warehouse:
        tables = period_tables(warehouse, provisional, Period(2026, 3))
    province = tables.indicators.filter(
        (pl.col("unit_level") == "province")
        & (pl.col("indicator") == "communes_meeting_all_criteria")
    )
    # No commune was judged (their thresholds are pending): the share is not judged, and counts
    # nobody, whatever its own target says: pending.
    assert province.select("numerator", "denominator", "threshold", "target_status").row(0) == (
        None, 60, 6500, "pending"
    )  # fmt: skip
    assert province["attained"].to_list() == [None]
    # Once one commune threshold it is made of is set (T3, provisionally), the share counts.
    t3 = 'target = "T3"\nindicator = "trained_labour_rate"\nlevel = "commune"\n'
    pending_t3 = t3 + 'from_year = 2026\nto_year = 2030\nstatus = "pending"\n'
    assert pending_t3 in due_now
    provisional_t3 = t3 + 'from_year = 2026\nto_year = 2030\nvalue = "70"\nstatus = "provisional"\n'
    catalogue.write_text(due_now.replace(pending_t3, provisional_t3), encoding="utf-8")
    with Warehouse.open(present.warehouse, read_only=True) as warehouse:
        tables = period_tables(warehouse, load_reference.__wrapped__(copy), Period(2026, 3))
    province = tables.indicators.filter(
        (pl.col("unit_level") == "province") & pl.col("indicator").str.starts_with("communes_")
    )
    counted = province.filter(pl.col("numerator").is_not_null())
    assert set(counted["indicator"]) == {
        "communes_meeting_trained_labour", "communes_meeting_all_criteria"
    }  # fmt: skip
    share = counted.filter(pl.col("indicator") == "communes_meeting_all_criteria")
    assert share.select("threshold", "target_status").row(0) == (6500, "provisional")
    assert share["attained"].to_list() != [None]
    assert province.filter(pl.col("numerator").is_null())["target_status"].to_list() == [
        "pending"
    ]  # the certified-labour share: T4 is still pending


def test_a_share_no_commune_is_judged_on_is_pending_not_zero_in_the_csv(present, capsys):
    # 2026-2030's commune thresholds are pending: no commune was judged, so none is counted as
    # meeting them ("0 of 60" would read "0% of communes meet it"); the 60 reported remain.
    argv = ["indicators", "--period", "2026-Q3", "--level", "province"]
    assert cli.main([*argv, "--data-dir", str(present.root)]) == cli.EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split(",")[4:] == [
        "numerator", "denominator", "value", "target", "attained", "target_status"
    ]  # fmt: skip
    shares = {line.split(",")[3]: line for line in lines if ",communes_meeting_" in line}
    assert shares == {
        share: f"2026-Q3,42,province,{share},,60,,,,pending"
        for share in (
            "communes_meeting_trained_labour", "communes_meeting_certified_labour",
            "communes_meeting_all_criteria",
        )
    }  # fmt: skip


def test_t7_judges_the_supported_rate_like_the_handled_one(present, capsys):
    table = indicators_csv(present, "2026-Q3", capsys)
    communes = table.filter(pl.col("unit_level") == "commune")
    statuses = communes.pivot("indicator", index="unit_code", values="target_status")
    supported, handled = (
        statuses["child_abuse_supported_rate"],
        statuses["child_abuse_handled_rate"],
    )
    assert supported.eq_missing(handled).all()
    # The 9 wards have no NTM target; the 60 xã are pending.
    assert (supported.null_count(), (supported == "pending").sum()) == (9, 60)


def test_the_run_warns_of_every_target_it_cannot_judge(present, ref):
    with Warehouse.open(present.warehouse, read_only=True) as warehouse:
        tables = period_tables(warehouse, ref, Period(2026, 3))
    lines = unjudged_targets(tables)
    assert lines[0].startswith("T1 provisional (tạm tính theo chỉ tiêu quốc gia, NQ 257/2025/QH15")
    assert {line.split()[0] for line in lines if " pending " in line} == {
        "T2", "T3", "T4", "T6", "T7"
    }  # fmt: skip


def test_a_period_no_programme_covers_gets_rates_and_no_targets(tmp_path, ref, demo_data_2024):
    # Without the 2021-2025 catalogue, 2024 is covered by no programme: its rates and trends
    # are still computed (with the nearest programme's indicators), and nothing is judged.
    # The data: the demo of 2023-Q4 to 2024-Q4, every district's files accepted.
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, copy)
    (copy / "criteria" / "2021-2025.toml").unlink()
    uncovered = load_reference(copy)
    with Warehouse.open(demo_data_2024.warehouse, read_only=True) as warehouse:
        tables = period_tables(warehouse, uncovered, Period(2024, 4))
    assert not tables.covered and tables.catalogue.targets == ()
    assert tables.indicators.height > 0
    assert tables.indicators["threshold"].null_count() == tables.indicators.height
    assert tables.indicators["attained"].null_count() == tables.indicators.height
    province = tables.trend.filter(pl.col("unit_level") == "province").row(0, named=True)
    assert province["average_fall"] is not None  # 2023 -> 2024, the same standard
    assert (province["status"], province["projected_rate"], province["needed_fall"]) == (
        None, None, None
    )  # fmt: skip
    assert set(tables.off_track["reason"]) <= {"poverty_rising"}  # no target to miss
    assert tables.off_track["target_id"].null_count() == tables.off_track.height
    assert unjudged_targets(tables) == [
        "no criteria catalogue covers 2024: rates only, no target judged"
    ]


def test_a_period_before_the_registry_is_computed_empty_not_failed(ref, capsys, demo_data_2024):
    # 2019-Q4: no programme covers it, and the registry starts with the structure of 2020. The
    # warehouse holds the demo of 2023-Q4 to 2024-Q4.
    data_dir = demo_data_2024
    table = indicators_csv(data_dir, "2019-Q4", capsys)
    assert table.is_empty() and table.columns[-1] == "target_status"
    with Warehouse.open(data_dir.warehouse, read_only=True) as warehouse:
        tables = period_tables(warehouse, ref, Period(2019, 4))
    assert not tables.covered and tables.units.is_empty()


def series(points: dict[int, int]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unit_level": "province",
            "unit_code": "42",
            "year": list(points),
            "poor": list(points.values()),
            "near_poor": 0,
            "households": 10_000,
        }
    )


def programme_of(reference: Reference) -> trends.Programme:
    catalogue = reference.catalogue_for(2027)
    assert catalogue is not None
    return trends.Programme(
        catalogue.first_year, catalogue.last_year, catalogue.fall_band.bounds,
        catalogue.standards, ("poor", "near_poor"),
    )  # fmt: skip


def test_the_2027_standard_breaks_the_trend_and_2026_does_not(ref):
    changes = trends.yearly_changes(
        series({2024: 560, 2025: 480, 2026: 400, 2027: 700, 2028: 600}), programme_of(ref)
    )
    breaks = dict(changes.select("year", "method_break").iter_rows())
    assert breaks == {2024: None, 2025: False, 2026: False, 2027: True, 2028: False}
    trend = trends.trend_summary(series({2024: 560, 2025: 480, 2026: 400}), programme_of(ref)).row(
        0, named=True
    )
    # The programme opens at the end of 2025: the average is 2025 -> 2026, 0.8 points, behind
    # the provisional band of 1.0-1.5.
    assert (trend["base_year"], trend["average_fall"], trend["status"]) == (2025, 80, "behind")


def test_moving_the_break_is_one_line_of_data(tmp_path, ref):
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, copy)
    standard = copy / "poverty_standards" / "2027-2030.toml"
    text = standard.read_text(encoding="utf-8")
    assert text.count("first_year = 2027\n") == 1
    standard.write_text(
        text.replace("first_year = 2027\n", "first_year = 2028\n"), encoding="utf-8"
    )
    moved = load_reference(copy)
    changes = trends.yearly_changes(series({2026: 400, 2027: 380, 2028: 700}), programme_of(moved))
    breaks = dict(changes.select("year", "method_break").iter_rows())
    assert breaks == {2026: None, 2027: False, 2028: True}


def test_a_reference_file_that_does_not_parse_names_the_file_and_the_line(tmp_path):
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, copy)
    broken = copy / "criteria" / "2026-2030.toml"
    lines = broken.read_text(encoding="utf-8").splitlines()
    lines[20] = "first_year = = 2026"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ReferenceError, match=r"2026-2030\.toml: .*line 21"):
        load_reference.__wrapped__(copy)
    environment = {**os.environ, "NTM_REFERENCE_DIR": str(copy)}
    done = subprocess.run(
        [sys.executable, "-m", "ntm.cli", "run", "--period", "2026-Q3",
         "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, env=environment, check=False,
    )  # fmt: skip
    assert done.returncode == cli.EXIT_INTERNAL
    assert "Traceback" not in done.stderr + done.stdout
    assert f"{broken}:" in done.stderr and "line 21" in done.stderr


def test_a_roster_class_the_catalogue_does_not_know_is_refused(tmp_path):
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, copy)
    roster = copy / "commune_roster.csv"
    text = roster.read_text(encoding="utf-8")
    roster.write_text(text.replace(",3,modern\n", ",4,modern\n", 1), encoding="utf-8")
    with pytest.raises(ReferenceError, match=r"classes \['4/modern'\] are not classes"):
        load_reference.__wrapped__(copy)


def test_the_roster_of_1_july_2025_has_a_group_and_a_standard_for_every_rural_commune(ref):
    units = ref.registry.filter(
        (pl.col("unit_level") == "commune") & (pl.col("valid_from") == date(2025, 7, 1))
    )
    rural = units.filter(pl.col("unit_type") == "xã")
    roster = ref.roster.filter(pl.col("valid_from") == date(2025, 7, 1))
    assert sorted(roster["commune_code"]) == sorted(rural["unit_code"])
    assert roster["group"].is_in(["1", "2", "3"]).all()
    assert roster["standard"].is_in(["ntm", "modern"]).all()
    # Sponsors follow the action programme (III.3): some communes have none, none is blank.
    sponsors = roster["sponsor"].drop_nulls()
    assert 0 < sponsors.len() < roster.height and (sponsors.str.strip_chars() != "").all()


def test_a_target_is_filled_in_for_every_class_of_a_year_at_once(tmp_path):
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, copy)
    catalogue = copy / "criteria" / "2026-2030.toml"
    text = catalogue.read_text(encoding="utf-8")
    pending_t3 = (
        'target = "T3"\nindicator = "trained_labour_rate"\nlevel = "commune"\n'
        'from_year = 2026\nto_year = 2030\nstatus = "pending"\n'
    )
    assert pending_t3 in text
    head = 'target = "T3"\nindicator = "trained_labour_rate"\nlevel = "commune"\n'
    others = '"1/modern", "2/ntm", "2/modern", "3/ntm", "3/modern"'
    # One group published for 2027, the others still pending that year: refused.
    entries = [
        'from_year = 2026\nto_year = 2026\nstatus = "pending"\nsource = "QĐ 51"\n',
        f'classes = [{others}]\nfrom_year = 2027\nto_year = 2030\nstatus = "pending"\n'
        'source = "QĐ 51"\n',
        'classes = ["1/ntm"]\nfrom_year = 2027\nto_year = 2027\nvalue = "70"\n'
        'status = "official"\nsource = "QĐ …/QĐ-UBND"\n',
        'classes = ["1/ntm"]\nfrom_year = 2028\nto_year = 2030\nstatus = "pending"\n'
        'source = "QĐ 51"\n',
    ]
    source_line = 'source = "QĐ 51/2025/QĐ-TTg (29/12/2025), Tiêu chí 4"\n'
    first, rest = entries[0], entries[1:]
    replaced = text.replace(pending_t3 + source_line, head + first, 1)
    assert replaced != text
    extra = "".join(f"[[threshold]]\n{head}{entry}" for entry in rest)
    catalogue.write_text(replaced + extra, encoding="utf-8")
    with pytest.raises(ReferenceError, match=r"T3 \(trained_labour_rate\) 2027: some classes"):
        load_reference.__wrapped__(copy)


@pytest.mark.parametrize(
    ("relation", "message"),
    [("Divided", "relation must be one of"), ("merged_into", "more than one successor")],
)
def test_the_crosswalk_names_one_successor_per_unit_with_known_relations(
    tmp_path, relation, message
):
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, copy)
    crosswalk = copy / "unit_crosswalk.csv"
    lines = crosswalk.read_text(encoding="utf-8").splitlines()
    part = next(i for i, line in enumerate(lines) if ",divided," in line)
    lines[part] = lines[part].replace(",divided,", f",{relation},")
    crosswalk.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ReferenceError, match=message):
        load_reference.__wrapped__(copy)


def test_a_rate_that_jumps_at_a_change_of_standard_is_not_listed_as_rising(ref):
    from transforms.lists import communes_off_track  # noqa: PLC0415

    changes = trends.yearly_changes(
        series({2026: 400, 2027: 700}).with_columns(unit_level=pl.lit("commune")),
        programme_of(ref),
    )
    assert changes.filter(pl.col("year") == 2027)["method_break"].to_list() == [True]
    indicators = pl.DataFrame(
        schema={"unit_code": pl.String, "unit_name": pl.String, "unit_level": pl.String,
                "indicator": pl.String, "numerator": pl.Int64, "denominator": pl.Int64,
                "threshold": pl.Int64, "target_id": pl.String, "attained": pl.Boolean}
    )  # fmt: skip
    assert communes_off_track(indicators, changes, 2027).is_empty()
    rising = trends.yearly_changes(
        series({2027: 400, 2028: 700}).with_columns(unit_level=pl.lit("commune")),
        programme_of(ref),
    )
    assert communes_off_track(indicators, rising, 2028)["reason"].to_list() == ["poverty_rising"]


def test_a_trend_on_an_unknown_rate_is_refused_when_loaded(tmp_path):
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, copy)
    catalogue = copy / "criteria" / "2026-2030.toml"
    text = catalogue.read_text(encoding="utf-8")
    old = 'kind = "poverty_fall"\nindicator = "multidimensional_poverty_rate"'
    assert old in text
    catalogue.write_text(text.replace(old, old.replace("multidimensional", "multi")), "utf-8")
    with pytest.raises(ReferenceError, match=r"2026-2030\.toml: .*T1: unknown indicator"):
        load_reference.__wrapped__(copy)


@pytest.mark.slow
def test_a_run_that_fails_shows_no_traceback_and_logs_it(tmp_path):
    data_dir = DataDir(tmp_path / "data")
    data_dir.warehouse.mkdir(parents=True)  # a directory where the database file should be
    data_dir.inbox.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "ntm.cli", "run", "--period", "2024-Q4",
         "--data-dir", str(data_dir.root)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"},
    )  # fmt: skip
    assert done.returncode == cli.EXIT_INTERNAL
    assert "Traceback" not in done.stdout + done.stderr
    assert "Is a directory" in done.stderr  # the cause, in one line
    assert "Traceback" in data_dir.run_log.read_text(encoding="utf-8")
    assert [a.name.rsplit("-", 1)[-1] for a in data_dir.alerts.glob("*.json")] == ["error.json"]


def test_each_year_end_names_the_poverty_standard_it_is_measured_with(ref):
    old, new = (
        next(c for c in ref.catalogues if c.programme == p) for p in ("2021-2025", "2026-2030")
    )
    since = {
        (c.programme, year): (c.standard_of(year) or {}).get("first_year")
        for c, years in ((old, (2021, 2022, 2025)), (new, (2026, 2027, 2030)))
        for year in years
    }
    assert since == {
        ("2021-2025", 2021): 2016, ("2021-2025", 2022): 2022, ("2021-2025", 2025): 2022,
        ("2026-2030", 2026): 2022, ("2026-2030", 2027): 2027, ("2026-2030", 2030): 2027,
    }  # fmt: skip
