"""The committee's lists on tiny frames: who is off track, without data, late or incomplete."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from ntm.indicators.exports import neutralise
from transforms.lists import communes_off_track, communes_without_data, units_late_or_incomplete


def test_off_track_lists_missed_thresholds_and_rising_poverty():
    indicators = pl.DataFrame(
        {
            "unit_code": ["A", "A", "B", "C"],
            "unit_name": ["Xã A", "Xã A", "Xã B", "Xã C"],
            "unit_level": "commune",
            "indicator": ["trained_labour_rate", "women_coop_share", "trained_labour_rate",
                          "trained_labour_rate"],
            "numerator": [60, 1, 80, 10],
            "denominator": [100, 10, 100, 50],
            "threshold": [7000, 3000, 7000, None],
            "target_id": ["T3", "T6", "T3", None],
            "attained": [False, False, True, None],
        }
    )  # fmt: skip
    changes = pl.DataFrame(
        {"unit_level": "commune", "unit_code": ["B", "C"], "year": 2024, "counted": [30, 5],
         "households": [1000, 500], "fall": [-25, 10], "method_break": False}
    )  # fmt: skip
    listed = communes_off_track(indicators, changes, 2024)
    assert listed.select("unit_code", "reason", "indicator", "fall").rows() == [
        ("A", "below_target", "trained_labour_rate", None),
        ("A", "below_target", "women_coop_share", None),
        ("B", "poverty_rising", "poor_rate", -25),
    ]


def test_without_data_tells_quarantined_from_not_reported():
    expected = pl.DataFrame(
        {"commune_code": ["1", "2", "3"], "commune_name": ["X1", "X2", "X3"],
         "reporting_unit": "441"}
    )  # fmt: skip
    accepted = pl.DataFrame({"commune_code": ["1"]})
    quarantined = pl.DataFrame(
        {"commune_code": ["2", "2"], "rule_id": ["poor_flow", "figure_empty"]}
    )
    listed = communes_without_data(expected, accepted, quarantined)
    assert listed.select("commune_code", "reason", "rules").rows() == [
        ("2", "quarantined", "figure_empty, poor_flow"),
        ("3", "not_reported", None),
    ]


def test_late_or_incomplete_units():
    arrived = datetime(2025, 1, 5, tzinfo=UTC)
    completeness = pl.DataFrame(
        {
            "unit_code": ["436", "437", "439", "440", "441"],
            "received": [True, True, True, True, False],
            "on_time": [True, False, True, False, None],
            "communes_expected": [15, 6, 25, 16, 10],
            "communes_accepted": [15, 6, 24, 15, 0],
            "first_received_at": [arrived] * 4 + [None],
        }
    )
    listed = units_late_or_incomplete(completeness)
    assert listed.select("unit_code", "reason").rows() == [
        ("437", "late"),
        ("439", "incomplete"),
        ("440", "late_and_incomplete"),
        ("441", "not_received"),
    ]


def test_text_that_a_spreadsheet_would_run_is_neutralised():
    frame = pl.DataFrame({"name": ["=HYPERLINK(1)", "+1", "-x", "@sum", "Xã An"], "n": [1] * 5})
    assert neutralise(frame)["name"].to_list() == [
        "'=HYPERLINK(1)", "'+1", "'-x", "'@sum", "Xã An",
    ]  # fmt: skip
    assert neutralise(frame)["n"].to_list() == [1] * 5


def test_before_the_year_end_the_rise_is_that_of_the_last_year_end():
    changes = pl.DataFrame(
        {"unit_level": "commune", "unit_code": ["B", "B"], "year": [2024, 2025],
         "counted": [30, 40], "households": 1000, "fall": [None, -100],
         "method_break": [None, False]}
    )  # fmt: skip
    indicators = pl.DataFrame(
        {"unit_code": ["B"], "unit_name": ["Xã B"], "unit_level": ["commune"],
         "indicator": ["poor_rate"], "numerator": [1], "denominator": [10], "threshold": [None],
         "target_id": [None], "attained": [None]},
        schema_overrides={"threshold": pl.Int64, "target_id": pl.String, "attained": pl.Boolean},
    )  # fmt: skip
    # A Q3 2026 report: no 2026 year-end yet; the rise at the end of 2025 is the latest.
    listed = communes_off_track(indicators, changes, 2026)
    assert listed.select("unit_code", "reason", "fall").rows() == [("B", "poverty_rising", -100)]
