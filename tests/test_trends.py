"""Poverty trends on hand-made series: falls, method breaks, average, projection, pace."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from transforms.registry import successors
from transforms.trends import (
    Programme,
    bridge_series,
    poverty_flows,
    trend_summary,
    yearly_changes,
)

PROGRAMME = Programme(
    first_year=2021,
    last_year=2025,
    fall_band=(60, 100),
    standards=pl.DataFrame(
        {"name": ["old", "new"], "first_year": [2016, 2022], "last_year": [2021, 2025]}
    ),
)


def series(unit: str, points: dict[int, int], households: int = 10_000) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unit_level": "province",
            "unit_code": unit,
            "year": list(points),
            "poor": list(points.values()),
            "households": households,
        }
    )


def test_yearly_falls_and_the_break_between_poverty_standards():
    changes = yearly_changes(series("X", {2021: 450, 2022: 380, 2023: 304, 2024: 240}), PROGRAMME)
    assert changes.select("year", "fall", "method_break").rows() == [
        (2021, None, None),
        (2022, 70, True),  # 4.50% -> 3.80% crosses the change of standard
        (2023, 76, False),
        (2024, 64, False),
    ]


def test_average_fall_projection_and_needed_pace():
    summary = trend_summary(series("X", {2021: 450, 2022: 380, 2023: 304, 2024: 240}), PROGRAMME)
    row = summary.row(0, named=True)
    # The baseline is 2022, the first year-end under the standard of the latest (2024).
    assert (row["base_year"], row["base_rate"], row["last_year"], row["last_rate"]) == (
        2022, 380, 2024, 240,
    )  # fmt: skip
    assert (row["average_fall"], row["status"]) == (70, "on_track")  # (3.80 - 2.40) / 2
    assert row["projected_rate"] == 170  # 2.40 - 0.70
    assert row["needed_fall"] == 40  # reach 3.80 - 3 x 0.6 = 2.00 in 2025


@pytest.mark.parametrize(
    ("last", "status"), [(300, "behind"), (260, "on_track"), (180, "on_track"), (150, "ahead")]
)
def test_status_against_the_band(last, status):
    # From 3.80% in 2022 to last/100 % in 2024: falls of 0.40, 0.60 (on the band's edge),
    # 1.00 (the other edge) and 1.15 pp a year.
    summary = trend_summary(series("X", {2022: 380, 2024: last}), PROGRAMME)
    assert summary["status"].to_list() == [status]


def test_a_district_rate_change_uses_sums_not_means():
    # Two years of one unit whose households grow: 100/4000 = 2.50% -> 96/4800 = 2.00%.
    frame = pl.DataFrame(
        {"unit_level": "district", "unit_code": "D", "year": [2023, 2024], "poor": [100, 96],
         "households": [4000, 4800]}
    )  # fmt: skip
    assert yearly_changes(frame, PROGRAMME)["fall"].to_list() == [None, 50]


def test_a_single_year_end_has_no_average():
    row = trend_summary(series("X", {2024: 240}), PROGRAMME).row(0, named=True)
    assert (row["average_fall"], row["status"], row["projected_rate"]) == (None, None, None)
    assert row["needed_fall"] is not None


def test_flows_are_summed_per_unit():
    keys = pl.DataFrame(
        {"commune_code": ["a", "b", "a", "b"], "unit_code": ["a", "b", "P", "P"],
         "unit_level": ["commune", "commune", "province", "province"]}
    )  # fmt: skip
    figures = pl.DataFrame(
        {
            "commune_code": ["a", "b"], "poor_start": [10, 20], "poor_exited": [3, 5],
            "poor_returned": [1, 0], "poor_new": [2, 1], "poor_end": [10, 16],
            "near_poor_start": [5, 5], "near_poor_exited": [1, 1], "near_poor_returned": [0, 0],
            "near_poor_new": [1, 0], "near_poor_end": [5, 4], "households": [100, 200],
        }
    )  # fmt: skip
    flows = poverty_flows(figures, keys).filter(pl.col("unit_level") == "province")
    assert flows.select("poor_start", "poor_exited", "poor_new", "poor_end").row(0) == (
        30, 8, 3, 26,
    )  # fmt: skip


def test_successors_follow_the_crosswalk_through_each_change():
    day = date.fromisoformat
    registry = pl.DataFrame(
        {
            "unit_code": ["1", "2", "3", "2", "9"],
            "unit_level": "commune",
            "valid_from": [day("2020-01-01")] * 3 + [day("2025-01-01"), day("2025-07-01")],
            "valid_to": [day("2025-07-01"), day("2025-01-01"), day("2025-01-01"),
                         day("2025-07-01"), None],
        }
    )  # fmt: skip
    crosswalk = pl.DataFrame(
        {
            "old_code": ["2", "3", "1", "2"],
            "old_valid_from": [day("2020-01-01"), day("2020-01-01"), day("2020-01-01"),
                               day("2025-01-01")],
            "new_code": ["2", "2", "9", "9"],
            "new_valid_from": [day("2025-01-01"), day("2025-01-01"), day("2025-07-01"),
                               day("2025-07-01")],
            "change_date": [day("2025-01-01")] * 2 + [day("2025-07-01")] * 2,
            "relation": ["same", "merged_into", "merged_into", "merged_into"],
        }
    )  # fmt: skip
    mapped = successors(registry, crosswalk, day("2024-12-31"), day("2025-09-30"))
    assert mapped.columns == ["commune_code", "divided", "current_code"]
    assert sorted(mapped.select("commune_code", "current_code").rows()) == [
        ("1", "9"), ("2", "9"), ("3", "9"),
    ]  # fmt: skip
    assert not mapped["divided"].any()  # nothing divided on the way
    same_day = successors(registry, crosswalk, day("2024-12-31"), day("2024-12-31"))
    assert sorted(same_day.select("commune_code", "current_code").rows()) == [
        ("1", "1"), ("2", "2"), ("3", "3"),
    ]  # fmt: skip
    assert not same_day["divided"].any()


def test_a_divided_units_figures_go_whole_to_its_default_successor():
    # Unit 1 is divided on 2025-07-01 between 8 (default) and 9 (another part); 2 merges into 9.
    day = date.fromisoformat
    registry = pl.DataFrame(
        {
            "unit_code": ["1", "2", "8", "9"],
            "unit_level": "commune",
            "valid_from": [day("2020-01-01")] * 2 + [day("2025-07-01")] * 2,
            "valid_to": [day("2025-07-01")] * 2 + [None, None],
        }
    )
    crosswalk = pl.DataFrame(
        {
            "old_code": ["1", "1", "2"],
            "old_valid_from": [day("2020-01-01")] * 3,
            "new_code": ["8", "9", "9"],
            "new_valid_from": [day("2025-07-01")] * 3,
            "change_date": [day("2025-07-01")] * 3,
            "relation": ["divided_default", "divided", "merged_into"],
        }
    )
    mapped = successors(registry, crosswalk, day("2025-06-30"), day("2025-07-01"))
    # One row per old unit: the divided one is not counted at its other part too.
    assert sorted(mapped.rows()) == [("1", True, "8"), ("2", False, "9")]
    figures = pl.DataFrame({"commune_code": ["1", "2"], "households": [300, 50]})
    totals = (
        figures.join(mapped, on="commune_code")
        .group_by("current_code")
        .agg(pl.col("households").sum(), pl.col("divided").any())
        .sort("current_code")
    )
    assert totals.rows() == [("8", 300, True), ("9", 50, False)]
    assert totals["households"].sum() == figures["households"].sum()


BRIDGED = Programme(
    first_year=2026,
    last_year=2030,
    fall_band=(100, 150),
    standards=pl.DataFrame(
        {"name": ["s22", "s27"], "first_year": [2022, 2027], "last_year": [2026, 9999]}
    ),
)


def bridged(points: dict[int, int], baseline: int | None) -> pl.DataFrame:
    """Year-ends under the standard of their year, and 2026 measured again under the next one
    (the baseline review) when ``baseline`` is given."""
    frame = series("X", points).with_columns(standard=pl.lit(None, pl.String))
    if baseline is None:
        return frame
    extra = series("X", {2026: baseline}).with_columns(standard=pl.lit("s27"))
    return pl.concat([frame, extra])


def test_the_first_year_of_a_new_standard_falls_from_the_baseline_review():
    """Issue 19: 2027 is judged against 2026 measured with the 2027 standard, never against
    2026 as measured with the old one."""
    changes = yearly_changes(bridged({2025: 435, 2026: 400, 2027: 900}, 1000), BRIDGED)
    assert changes.select("year", "standard", "bridge", "fall", "method_break").rows() == [
        (2025, "s22", False, None, None),
        (2026, "s22", False, 35, False),
        (2026, "s27", True, None, True),  # the overlap year: opens the new series
        (2027, "s27", False, 100, False),  # 10.00% -> 9.00%: from the baseline
    ]
    row = trend_summary(bridged({2025: 435, 2026: 400, 2027: 900}, 1000), BRIDGED).row(
        0, named=True
    )
    assert (row["base_year"], row["base_rate"], row["last_year"], row["average_fall"]) == (
        2026, 1000, 2027, 100,
    )  # fmt: skip
    assert row["status"] == "on_track"


def test_without_a_baseline_review_2027_is_not_judged():
    changes = yearly_changes(bridged({2025: 435, 2026: 400, 2027: 900}, None), BRIDGED)
    last = changes.row(-1, named=True)
    assert (last["year"], last["method_break"]) == (2027, True)  # across standards: marked
    row = trend_summary(bridged({2025: 435, 2026: 400, 2027: 900}, None), BRIDGED).row(
        0, named=True
    )
    assert (row["base_year"], row["average_fall"], row["status"]) == (2027, None, None)


def test_in_2026_the_baseline_review_does_not_replace_the_year_end():
    row = trend_summary(bridged({2025: 435, 2026: 400}, 1000), BRIDGED).row(0, named=True)
    assert (row["base_year"], row["last_year"], row["last_rate"], row["average_fall"]) == (
        2025, 2026, 400, 35,
    )  # fmt: skip


def test_a_bridge_needs_a_baseline_review_of_every_commune():
    keys = pl.DataFrame(
        {"commune_code": ["a", "b", "a", "b"], "unit_code": ["a", "b", "P", "P"],
         "unit_level": ["commune", "commune", "province", "province"]}
    )  # fmt: skip
    ends = pl.DataFrame(
        {"year": [2026, 2026], "commune_code": ["a", "b"], "households": [100, 300]}
    )
    mapping = pl.DataFrame(
        {"year": [2026, 2026], "commune_code": ["a", "b"], "current_code": ["a", "b"]}
    )
    both = pl.DataFrame({"commune_code": ["a", "b"], "poor": [5, 9], "near_poor": [5, 21]})
    bridge = bridge_series(ends, both, mapping, keys, 2026, "s27")
    assert bridge.select("unit_code", "poor", "near_poor", "households", "standard").rows() == [
        ("a", 5, 5, 100, "s27"), ("b", 9, 21, 300, "s27"), ("P", 14, 26, 400, "s27"),
    ]  # fmt: skip
    # Commune b sent no baseline review: it has no bridge, nor has the province.
    only_a = bridge_series(ends, both.head(1), mapping, keys, 2026, "s27")
    assert only_a["unit_code"].to_list() == ["a"]


def test_the_bridge_is_catalogue_data_and_follows_the_break(ref) -> None:
    """Where 2027's baseline comes from is data: the 2026-2030 catalogue's [bridge] names the
    standard and the review; its year is the year before that standard's first."""
    bridge = ref.catalogue_for(2027).bridge
    assert (bridge.year, bridge.kind, bridge.standard) == (2026, "dau-ky", "2027-2030")
    assert ref.catalogue_for(2024).bridge is None
