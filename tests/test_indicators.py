"""Indicators on tiny hand-made frames, with expectations computed by hand."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ntm.reference import ReferenceError
from ntm.reference.criteria import load_catalogues
from transforms.indicators import (
    CriteriaFrames,
    attained_col,
    compute_indicators,
    denominator_col,
    format_indicators,
    numerator_col,
    share_col,
    target_col,
    threshold_col,
)
from transforms.rates import format_hundredths, hundredths, parse_percent

FIGURES = (
    "households", "poor_end", "near_poor_end", "workers", "workers_trained",
    "workers_certified", "coop_members", "coop_members_women", "child_abuse_cases",
    "child_abuse_supported", "child_abuse_handled",
)  # fmt: skip

UNITS = pl.DataFrame(
    {
        "unit_code": ["42", "001", "002", "C1", "C2", "C3", "C4"],
        "unit_name": ["Tỉnh", "Huyện 1", "Huyện 2", "Xã 1", "Xã 2", "Phường 3", "Xã 4"],
        "unit_type": ["tỉnh", "huyện", "huyện", "xã", "xã", "phường", "xã"],
        "unit_level": ["province", "district", "district"] + ["commune"] * 4,
        "parent_code": [None, "42", "42", "001", "001", "001", "002"],
    }
)
ROSTER = pl.DataFrame(
    {"commune_code": ["C1", "C2", "C4"], "commune_class": ["ntm", "advanced", "ntm"]}
)


def figures_of(**rows: tuple[int, ...]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"commune_code": code, **dict(zip(FIGURES, values, strict=True))}
         for code, values in rows.items()]
    )  # fmt: skip


# C4 sent nothing accepted (quarantined or missing): it is absent from the figures.
FIGURES_2024 = figures_of(
    # hh, poor, near, workers, trained, certified, coop, women, cases, supported, handled
    C1=(100, 3, 5, 100, 70, 30, 10, 3, 0, 0, 0),  # exactly on every threshold
    C2=(300, 30, 0, 200, 149, 71, 0, 0, 2, 2, 1),  # advanced: 74.5% < 75%; 0 coop members
    C3=(1000, 1, 0, 50, 10, 5, 0, 0, 0, 0, 0),  # a ward: no NTM target
)


def threshold_rows() -> pl.DataFrame:
    rows = [
        ("T2", "multidimensional_poverty_rate", "commune", tier, 1004)
        for tier in ("ntm", "advanced")
    ] + [
        ("T3", "trained_labour_rate", "commune", "ntm", 7000),
        ("T3", "trained_labour_rate", "commune", "advanced", 7500),
        ("T4", "certified_labour_rate", "commune", "ntm", 3000),
        ("T4", "certified_labour_rate", "commune", "advanced", 3500),
        ("T6", "women_coop_share", "commune", "ntm", 3000),
        ("T6", "women_coop_share", "commune", "advanced", 3000),
        ("T7", "child_abuse_handled_rate", "commune", "ntm", 10000),
        ("T7", "child_abuse_handled_rate", "commune", "advanced", 10000),
        ("T5", "communes_meeting_trained_labour", "province", None, 7000),
    ]
    return pl.DataFrame(
        [dict(zip(("target", "indicator", "level", "commune_class", "threshold"), r, strict=True))
         for r in rows],
        schema_overrides={"commune_class": pl.String},
    ).with_columns(
        year=pl.lit(2024, pl.Int64), status=pl.lit("official"), source=pl.lit("test")
    )  # fmt: skip


def criteria() -> CriteriaFrames:
    def indicator(id_: str, numerator: list[str], denominator: str, direction: str, zero: str):
        levels = ["commune", "district", "province"]
        return (id_, numerator, denominator, direction, levels, zero)

    rows = [
        indicator("poor_rate", ["poor_end"], "households", "lower", "not_assessed"),
        indicator("multidimensional_poverty_rate", ["poor_end", "near_poor_end"], "households",
                  "lower", "not_assessed"),
        indicator("trained_labour_rate", ["workers_trained"], "workers", "higher", "not_assessed"),
        indicator("certified_labour_rate", ["workers_certified"], "workers", "higher",
                  "not_assessed"),
        indicator("women_coop_share", ["coop_members_women"], "coop_members", "higher",
                  "not_assessed"),
        indicator("child_abuse_handled_rate", ["child_abuse_handled"], "child_abuse_cases",
                  "higher", "met"),
    ]  # fmt: skip
    columns = ("id", "numerator", "denominator", "direction", "levels", "zero_denominator")
    shares = pl.DataFrame(
        {
            "id": ["communes_meeting_trained_labour", "communes_meeting_all_criteria"],
            "of": [["trained_labour_rate"], ["all"]],
            "levels": [["district", "province"]] * 2,
        }
    )
    return CriteriaFrames(
        indicators=pl.DataFrame([dict(zip(columns, r, strict=True)) for r in rows]),
        shares=shares,
        thresholds=threshold_rows(),
        rural_unit_types=("xã",),
    )


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    exact = compute_indicators(FIGURES_2024, UNITS, ROSTER, criteria(), 2024, "district")
    return format_indicators(exact, "2024-Q4")


def row(table: pl.DataFrame, unit: str, indicator: str) -> tuple[object, ...]:
    found = table.filter((pl.col("unit_code") == unit) & (pl.col("indicator") == indicator))
    assert found.height == 1
    return found.select("numerator", "denominator", "value", "target", "attained").row(0)


def test_columns_are_those_of_the_interface(table):
    assert table.columns == [
        "period", "unit_code", "unit_level", "indicator", "numerator", "denominator", "value",
        "target", "attained", "target_status",
    ]  # fmt: skip
    assert table["unit_level"].unique(maintain_order=True).to_list() == [
        "province", "district", "commune",
    ]  # fmt: skip


def test_a_district_rate_is_the_sum_over_the_sum_not_the_mean_of_rates(table):
    # Communes: 3/100 = 3%, 30/300 = 10%, 1/1000 = 0.1%; their mean would be 4.37%.
    assert row(table, "001", "poor_rate") == (34, 1400, "2.43", None, None)
    assert row(table, "42", "poor_rate") == (34, 1400, "2.43", None, None)


@pytest.mark.parametrize(
    ("unit", "indicator", "expected"),
    [
        # Exactly on a threshold is attained (>= for higher-better, <= for lower-better).
        ("C1", "trained_labour_rate", (70, 100, "70.00", "70.00", True)),
        ("C1", "certified_labour_rate", (30, 100, "30.00", "30.00", True)),
        ("C1", "women_coop_share", (3, 10, "30.00", "30.00", True)),
        ("C1", "multidimensional_poverty_rate", (8, 100, "8.00", "10.04", True)),
        # No case of child abuse: the target is met, the rate has no value.
        ("C1", "child_abuse_handled_rate", (0, 0, None, "100.00", True)),
        # Advanced commune: 75% applies; 74.5% misses it.
        ("C2", "trained_labour_rate", (149, 200, "74.50", "75.00", False)),
        ("C2", "certified_labour_rate", (71, 200, "35.50", "35.00", True)),
        ("C2", "multidimensional_poverty_rate", (30, 300, "10.00", "10.04", True)),
        # No coop members: nothing to assess.
        ("C2", "women_coop_share", (0, 0, None, "30.00", None)),
        ("C2", "child_abuse_handled_rate", (1, 2, "50.00", "100.00", False)),
        # A ward has no NTM target.
        ("C3", "trained_labour_rate", (10, 50, "20.00", None, None)),
    ],
)
def test_commune_values_and_attainment(table, unit, indicator, expected):
    assert row(table, unit, indicator) == expected


def test_quarantined_or_missing_communes_are_absent(table):
    assert table.filter(pl.col("unit_code") == "C4").is_empty()
    # District 002 reported nothing: no rows for it rather than rows of zeros.
    assert table.filter(pl.col("unit_code") == "002").is_empty()


def test_shares_of_rural_communes(table):
    # Rural communes reported in district 001: C1 (meets 70%) and C2 (misses 75%); the ward
    # C3 is not counted.
    assert row(table, "001", "communes_meeting_trained_labour") == (1, 2, "50.00", None, None)
    assert row(table, "42", "communes_meeting_trained_labour") == (1, 2, "50.00", "70.00", False)
    # All criteria: C1 meets every threshold that applies; C2 misses T3 and T7.
    assert row(table, "42", "communes_meeting_all_criteria") == (1, 2, "50.00", None, None)


def test_after_districts_are_abolished_there_is_no_district_level():
    exact = compute_indicators(FIGURES_2024, UNITS, ROSTER, criteria(), 2024, "commune")
    assert set(exact["unit_level"]) == {"province", "commune"}


@pytest.mark.parametrize(
    ("numerator", "denominator", "shown"),
    [
        # Published figures: Lạng Sơn 2025 and Quảng Bình 2022 (domain.md §2).
        (4643, 199765, "2.32"), (13578, 199765, "6.80"), (18221, 199765, "9.12"),
        (12855, 257085, "5.00"), (12248, 257085, "4.76"), (25103, 257085, "9.76"),
        # Half up where float or banker's rounding go wrong.
        (3005, 100000, "3.01"), (125, 100000, "0.13"), (1, 8, "12.50"), (-3005, 100000, "-3.01"),
    ],
)  # fmt: skip
def test_rates_reproduce_published_figures(numerator, denominator, shown):
    frame = pl.DataFrame({"n": [numerator], "d": [denominator]})
    assert frame.select(format_hundredths(hundredths(pl.col("n"), pl.col("d"))))[0, 0] == shown


def test_a_zero_denominator_has_no_value():
    frame = pl.DataFrame({"n": [0, 5], "d": [0, 0]})
    assert frame.select(hundredths(pl.col("n"), pl.col("d"))).to_series().to_list() == [None] * 2


def test_thresholds_are_read_exactly():
    assert [parse_percent(t) for t in ("70", "10.04", "0.6", "100")] == [7000, 1004, 60, 10000]
    with pytest.raises(ValueError, match="more than two decimals"):
        parse_percent("0.125")


def test_the_catalogue_of_2021_2025(ref):
    catalogue = ref.catalogue_for(2024)
    assert catalogue is not None and catalogue.programme == "2021-2025"
    assert catalogue.fall_band.bounds == (60, 100)
    assert catalogue.fall_band.status == "official"
    thresholds = catalogue.thresholds
    # Every threshold is official but T2 of 2025, whose regional rate is not published yet.
    stand_in = thresholds.filter(pl.col("status") != "official")
    assert set(stand_in.select("target", "year", "status").rows()) == {("T2", 2025, "provisional")}
    assert stand_in["source"].str.contains("chưa công bố năm 2025, dùng năm 2024").all()
    assert thresholds["source"].str.contains("04-NQ/TU").all()

    def threshold(indicator: str, level: str, tier: str | None, year: int) -> int:
        found = thresholds.filter(
            (pl.col("indicator") == indicator) & (pl.col("level") == level)
            & (pl.col("commune_class").eq_missing(tier)) & (pl.col("year") == year)
        )  # fmt: skip
        assert found.height == 1
        return int(found["threshold"][0])

    assert threshold("trained_labour_rate", "commune", "ntm", 2024) == 7000
    assert threshold("trained_labour_rate", "commune", "model", 2024) == 7500
    assert threshold("certified_labour_rate", "commune", "advanced", 2022) == 3500
    assert threshold("communes_meeting_trained_labour", "province", None, 2023) == 7000
    assert threshold("communes_meeting_trained_labour", "province", None, 2025) == 10000
    assert threshold("multidimensional_poverty_rate", "commune", "ntm", 2022) == 1004
    assert threshold("multidimensional_poverty_rate", "commune", "ntm", 2024) == 624
    # 2025's regional rate is not published yet: 2024's stands in, and the source says so.
    assert threshold("multidimensional_poverty_rate", "commune", "ntm", 2025) == 624
    assert ref.catalogue_for(2019) is None
    assert [t.id for t in catalogue.targets] == [f"T{i}" for i in range(1, 9)]


def test_the_catalogue_of_2026_2030_is_provisional_or_pending(ref):
    catalogue = ref.catalogue_for(2026)
    assert catalogue is not None and catalogue.programme == "2026-2030"
    assert (catalogue.fall_band.bounds, catalogue.fall_band.status) == ((100, 150), "provisional")
    assert "257/2025/QH15" in catalogue.fall_band.source
    commune = catalogue.thresholds.filter(pl.col("level") == "commune")
    assert set(commune["status"]) == {"pending"} and commune["threshold"].null_count() == (
        commune.height
    )
    assert set(commune["commune_class"]) == {f"{g}/{s}" for g in "123" for s in ("ntm", "modern")}
    share = catalogue.thresholds.filter(pl.col("level") == "province")
    assert share.select("indicator", "year", "threshold", "status").rows() == [
        ("communes_meeting_all_criteria", 2030, 6500, "provisional")
    ]
    assert catalogue.thresholds["source"].str.len_chars().min() > 10


def write_catalogue(folder: Path, text: str) -> Path:
    (folder / "criteria").mkdir(parents=True)
    (folder / "criteria" / "test.toml").write_text(text, encoding="utf-8")
    (folder / "regional_poverty_rates.csv").write_text(
        "region,review_year,rate,source\nX,2022,10.04,test\n", encoding="utf-8"
    )
    return folder


BASE = """
programme = "t"
first_year = 2021
last_year = 2025
rural_unit_types = ["xã"]
commune_class = ["tier"]
class_heading = "Hạng"
[poverty_fall]
low = "0.6"
high = "1.0"
status = "official"
source = "test"
[[class]]
id = "ntm"
label = "NTM"
[[class]]
id = "advanced"
label = "NTM nâng cao"
[[target]]
id = "T3"
kind = "communes"
indicator = "trained_labour_rate"
label = "t3"
[[indicator]]
id = "trained_labour_rate"
name = "t"
numerator = ["{numerator}"]
denominator = "workers"
direction = "higher"
levels = ["commune"]
[[threshold]]
target = "T3"
indicator = "trained_labour_rate"
level = "commune"
classes = ["ntm", "advanced"]
from_year = 2021
to_year = 2025
value = "70"
status = "official"
source = "test"
"""


def test_an_unknown_figure_in_the_catalogue_is_a_clear_error(tmp_path, ref):
    folder = write_catalogue(tmp_path, BASE.format(numerator="workers_tranied"))
    with pytest.raises(ReferenceError, match="unknown figures \\['workers_tranied'\\]"):
        load_catalogues(folder, ref.format.figure_keys, ref.catalogues[0].standards)


def test_a_missing_threshold_is_a_clear_error(tmp_path, ref):
    gap = BASE.format(numerator="workers_trained") + (
        '[[threshold]]\ntarget = "T3"\nindicator = "trained_labour_rate"\nlevel = "commune"\n'
        'classes = ["model"]\nfrom_year = 2021\nto_year = 2025\nvalue = "75"\n'
        'status = "official"\nsource = "test"\n'
    )
    folder = write_catalogue(tmp_path, gap)
    with pytest.raises(ReferenceError, match="unknown class"):
        load_catalogues(folder, ref.format.figure_keys, ref.catalogues[0].standards)
    holey = BASE.format(numerator="workers_trained").replace(
        'classes = ["ntm", "advanced"]\nfrom_year = 2021', 'classes = ["ntm"]\nfrom_year = 2021'
    ) + (
        '[[threshold]]\ntarget = "T3"\nindicator = "trained_labour_rate"\nlevel = "commune"\n'
        'classes = ["advanced"]\nfrom_year = 2023\nto_year = 2025\nvalue = "75"\n'
        'status = "official"\nsource = "test"\n'
    )
    folder = write_catalogue(tmp_path / "b", holey)
    with pytest.raises(ReferenceError, match="thresholds missing"):
        load_catalogues(folder, ref.format.figure_keys, ref.catalogues[0].standards)


def test_the_commune_frame_names_its_columns_after_the_indicator():
    helpers = (numerator_col, denominator_col, threshold_col, target_col, attained_col)
    assert numerator_col("poor_rate") == "poor_rate__numerator"
    names = {helper(i) for helper in helpers for i in ("poor_rate", "poor")}
    assert len(names | {share_col("poor_rate")}) == 2 * len(helpers) + 1


def test_the_catalogue_order_only_orders_the_rows():
    usual = criteria()
    reversed_ = CriteriaFrames(
        indicators=usual.indicators.reverse(),
        shares=usual.shares.reverse(),
        thresholds=usual.thresholds,
        rural_unit_types=usual.rural_unit_types,
    )
    keys = ["unit_level", "unit_code", "indicator"]
    first = compute_indicators(FIGURES_2024, UNITS, ROSTER, usual, 2024, "district")
    second = compute_indicators(FIGURES_2024, UNITS, ROSTER, reversed_, 2024, "district")
    assert first.sort(keys).equals(second.sort(keys))
    assert first.height == second.height == 3 * 6 + 2 * (6 + 2)


def test_an_id_given_twice_is_a_clear_error():
    usual = criteria()
    twice = CriteriaFrames(
        indicators=pl.concat([usual.indicators, usual.indicators.head(1)]),
        shares=usual.shares,
        thresholds=usual.thresholds,
        rural_unit_types=usual.rural_unit_types,
    )
    with pytest.raises(ValueError, match=r"indicator ids given more than once: \['poor_rate'\]"):
        compute_indicators(FIGURES_2024, UNITS, ROSTER, twice, 2024, "district")


THRESHOLD_TAIL = 'value = "70"\nstatus = "official"\nsource = "test"\n'


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ('value = "70"\nsource = "test"\n', "status must be one of"),
        ('value = "70"\nstatus = "adopted"\nsource = "test"\n', "status must be one of"),
        ('value = "70"\nstatus = "official"\nsource = " "\n', "a source"),
        ('value = "70"\nstatus = "pending"\nsource = "test"\n', "a pending target has no value"),
        ('status = "official"\nsource = "test"\n', "needs one"),
    ],
    ids=["no status", "unknown status", "blank source", "pending with a value", "no value"],
)
def test_every_threshold_has_a_status_and_a_source(tmp_path, ref, tail, message):
    text = BASE.format(numerator="workers_trained")
    assert text.endswith(THRESHOLD_TAIL)
    folder = write_catalogue(tmp_path, text.removesuffix(THRESHOLD_TAIL) + tail)
    with pytest.raises(ReferenceError, match=message):
        load_catalogues(folder, ref.format.figure_keys, ref.catalogues[0].standards)


def test_a_pending_threshold_judges_nothing_and_says_so(ref):
    pending = threshold_rows().with_columns(
        threshold=pl.when(pl.col("target") == "T3").then(None).otherwise("threshold"),
        status=pl.when(pl.col("target") == "T3").then(pl.lit("pending")).otherwise("status"),
    )
    frames = criteria()
    frames = CriteriaFrames(frames.indicators, frames.shares, pending, frames.rural_unit_types)
    exact = compute_indicators(FIGURES_2024, UNITS, ROSTER, frames, 2024, "district")
    table = format_indicators(exact, "2024-Q4")
    c1 = table.filter(
        (pl.col("unit_code") == "C1") & (pl.col("indicator") == "trained_labour_rate")
    )
    assert c1.select("value", "target", "attained", "target_status").row(0) == (
        "70.00",
        None,
        None,
        "pending",
    )
    # The province share of communes meeting T3 is judged on nobody: not attained, not missed,
    # and not counted either (no commune threshold to count against): pending.
    share = table.filter(
        (pl.col("unit_code") == "42") & (pl.col("indicator") == "communes_meeting_trained_labour")
    )
    columns = ("numerator", "denominator", "value", "target", "attained", "target_status")
    assert share.select(columns).row(0) == (None, 2, None, "70.00", None, "pending")
    poor = table.filter((pl.col("unit_code") == "C1") & (pl.col("indicator") == "poor_rate"))
    assert poor["target_status"].to_list() == [None]


def criteria_with(thresholds: pl.DataFrame) -> CriteriaFrames:
    """``criteria()`` with ``thresholds``, and the share of communes meeting T4 too."""
    usual = criteria()
    shares = pl.concat(
        [
            usual.shares,
            pl.DataFrame(
                {
                    "id": ["communes_meeting_certified_labour"],
                    "of": [["certified_labour_rate"]],
                    "levels": [["district", "province"]],
                }
            ),
        ]
    )
    return CriteriaFrames(usual.indicators, shares, thresholds, usual.rural_unit_types)


def pending_for(*targets: str) -> pl.DataFrame:
    """The thresholds of ``threshold_rows`` with those of ``targets`` pending."""
    chosen = pl.col("target").is_in(list(targets))
    return threshold_rows().with_columns(
        threshold=pl.when(chosen).then(None).otherwise("threshold"),
        status=pl.when(chosen).then(pl.lit("pending")).otherwise("status"),
    )


def share_rows(frames: CriteriaFrames) -> dict[tuple[str, str], tuple[object, ...]]:
    exact = compute_indicators(FIGURES_2024, UNITS, ROSTER, frames, 2024, "district")
    table = format_indicators(exact, "2024-Q4").filter(
        pl.col("indicator").str.starts_with("communes_meeting_")
    )
    return {
        (r["unit_code"], r["indicator"]): (
            r["numerator"], r["denominator"], r["value"], r["attained"], r["target_status"]
        )
        for r in table.iter_rows(named=True)
    }  # fmt: skip


def test_a_share_with_no_threshold_to_count_against_counts_nothing():
    # T3 pending: nobody can meet the trained-labour share, so it counts nobody (rather than
    # "0 of 2 meet it"); its denominator, the rural communes reported, stays. T4 still counts.
    rows = share_rows(criteria_with(pending_for("T3")))
    for unit in ("001", "42"):
        assert rows[unit, "communes_meeting_trained_labour"] == (None, 2, None, None, "pending")
        # C1 30% of 30%, C2 35.5% of 35%: both meet T4.
        assert rows[unit, "communes_meeting_certified_labour"] == (2, 2, "100.00", None, None)
        # All criteria: still judged on T2, T4, T6, T7; C2 misses T7 (1 of 2 cases handled).
        assert rows[unit, "communes_meeting_all_criteria"] == (1, 2, "50.00", None, None)
    # The numerator stays an integer column, null where nothing was counted.
    exact = compute_indicators(
        FIGURES_2024, UNITS, ROSTER, criteria_with(pending_for("T3")), 2024, "district"
    )
    assert exact.schema["numerator"] == pl.Int64


def test_a_share_of_all_criteria_with_every_commune_threshold_pending_counts_nothing():
    rows = share_rows(criteria_with(pending_for("T2", "T3", "T4", "T6", "T7")))
    assert set(rows) == {
        (unit, share) for unit in ("001", "42") for share in (
            "communes_meeting_trained_labour", "communes_meeting_certified_labour",
            "communes_meeting_all_criteria",
        )
    }  # fmt: skip
    assert set(rows.values()) == {(None, 2, None, None, "pending")}


def test_a_share_with_no_threshold_at_all_counts_nothing():
    # No commune threshold of the year, not even a pending one (e.g. before it applies).
    rows = share_rows(criteria_with(threshold_rows().filter(pl.col("level") != "commune")))
    assert set(rows.values()) == {(None, 2, None, None, "pending")}


@pytest.mark.parametrize("year", [2021, 2025, 2026, 2030])
def test_t7_judges_both_child_abuse_rates_every_year(ref, year):
    # T7: "Xã có 100% vụ trẻ em bị xâm hại được phát hiện, trợ giúp, xử lý kịp thời", the
    # supported and the handled rate, each with its status (pending while the other is).
    catalogue = ref.catalogue_for(year)
    assert catalogue is not None
    t7 = catalogue.thresholds.filter(
        (pl.col("target") == "T7") & (pl.col("level") == "commune") & (pl.col("year") == year)
    )
    statuses = t7.group_by("indicator").agg(pl.col("status").unique())
    assert dict(statuses.select("indicator", pl.col("status").list.first()).iter_rows()) == {
        "child_abuse_handled_rate": "official" if year <= 2025 else "pending",
        "child_abuse_supported_rate": "official" if year <= 2025 else "pending",
    }
    assert statuses["status"].list.len().to_list() == [1, 1]


def test_each_rate_t7_judges_gets_its_status_on_the_commune_rows(ref):
    # The 2026 catalogue's T7 on this test's communes (one of its classes): both rates.
    catalogue = ref.catalogue_for(2026)
    assert catalogue is not None
    usual = criteria()
    supported = usual.indicators.filter(pl.col("id") == "child_abuse_handled_rate").with_columns(
        id=pl.lit("child_abuse_supported_rate"), numerator=pl.lit(["child_abuse_supported"])
    )
    frames = CriteriaFrames(
        pl.concat([usual.indicators, supported]),
        usual.shares,
        catalogue.thresholds.filter(pl.col("target") == "T7"),
        usual.rural_unit_types,
    )
    roster = ROSTER.with_columns(commune_class=pl.lit("2/ntm"))
    exact = compute_indicators(FIGURES_2024, UNITS, roster, frames, 2026, "district")
    c1 = exact.filter(
        (pl.col("unit_code") == "C1") & pl.col("indicator").str.starts_with("child_abuse_")
    )
    assert dict(c1.select("indicator", "target_status").iter_rows()) == {
        "child_abuse_handled_rate": "pending",
        "child_abuse_supported_rate": "pending",
    }
