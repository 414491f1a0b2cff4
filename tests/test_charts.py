"""Charts: SVG documents with their text as text, Vietnamese labels and numbers, deterministic."""

from __future__ import annotations

import logging
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

pytest.importorskip("matplotlib")

import matplotlib as mpl

from ntm.report import chart_style, vi
from ntm.report.bar_charts import attainment_svg, rates_by_unit_svg
from ntm.report.charts import TrendOptions, band_edges, poverty_trend_svg

SVG = "{http://www.w3.org/2000/svg}"

# Rates in hundredths of a percent, as the report carries them: 488 is 4,88%.
SERIES = pl.DataFrame({"year": [2021, 2022, 2023, 2024], "rate": [488, 721, 536, 379]})
UNITS = pl.DataFrame(
    {
        "unit_name": ["Thành phố Hà Tĩnh", "Huyện Đức Thọ", "Huyện Lộc Hà"],
        "value": [8235, 7000, 304],
    }
)
TARGETS = pl.DataFrame(
    {
        "label": ["Tỷ lệ lao động qua đào tạo", "Tỷ lệ hộ nghèo đa chiều"],
        "met": [106, 1234],
        "total": [182, 2000],
    }
)


def trend() -> str:
    return poverty_trend_svg(SERIES, (60, 100), (2025, 304), [2022])


def units() -> str:
    return rates_by_unit_svg(UNITS, "Tỷ lệ lao động qua đào tạo (%)", 7000)


def attainment() -> str:
    return attainment_svg(TARGETS)


CHARTS = {"trend": trend, "units": units, "attainment": attainment}


def texts(svg: str) -> list[str]:
    """The content of every <text> element, in document order."""
    root = ET.fromstring(svg.encode("utf-8"))
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


@pytest.fixture(params=list(CHARTS))
def chart(request: pytest.FixtureRequest) -> str:
    return CHARTS[request.param]()


def test_chart_is_self_contained_svg_with_text_as_text(chart: str) -> None:
    root = ET.fromstring(chart.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    assert not list(root.iter(f"{SVG}image"))
    for element in root.iter():
        for name, value in element.attrib.items():
            if name.endswith("href"):
                assert value.startswith("#"), (name, value)
    assert not re.search(r"(href|src)\s*=\s*[\"'](https?|file):", chart)
    elements = list(root.iter(f"{SVG}text"))
    assert elements
    for element in elements:
        assert "font-family: 'NTM Serif', 'Liberation Serif', 'Times New Roman', serif" in (
            element.get("style") or ""
        )
    # Sized for the A4 text column: 16 cm wide.
    assert root.get("width") == "453.543307pt"


def test_chart_is_deterministic() -> None:
    for draw in CHARTS.values():
        first = draw()
        assert draw() == first
        assert "<dc:date>" not in first


def test_poverty_trend_labels() -> None:
    found = texts(trend())
    for label in (
        "Năm",
        "Tỷ lệ hộ nghèo (%)",
        "Tỷ lệ hộ nghèo cuối năm",
        "Mục tiêu giảm 0,6–1,0 điểm %/năm",
        "Dự báo",
        "Đổi chuẩn nghèo",
        "3,79%",
        "4,88%",
        "3,04%",
        "2022",
        "2025",
        "0",  # ticks of 7,21% * 1.15: 0, 2, 4, 6, 8, with no decimals
        "8",
    ):
        assert label in found, label
    assert "2.022" not in found  # years are not grouped like numbers
    assert "0,0" not in found and "8,0" not in found


def test_poverty_trend_without_projection_or_breaks() -> None:
    found = texts(poverty_trend_svg(SERIES.head(1), (60, 100), None, []))
    assert "4,88%" in found
    assert "Dự báo" not in found
    assert "Đổi chuẩn nghèo" not in found


def test_poverty_trend_without_a_band_draws_no_target() -> None:
    """A band not yet set (pending) draws no wedge and no legend entry for it."""
    found = texts(poverty_trend_svg(SERIES, None, None, [2022]))
    assert "3,79%" in found
    assert not any(text.startswith("Mục tiêu") for text in found)


def test_poverty_trend_words_and_span_follow_the_programme() -> None:
    """The rate's name, a provisional band marked as such, the pace from the base year and
    the years drawn up to the programme's end."""
    options = TrendOptions(
        rate_label="Tỷ lệ nghèo đa chiều", provisional=True, band_from=2024, until=2030
    )
    found = texts(poverty_trend_svg(SERIES, (100, 150), None, [2022], options))
    for label in (
        "Tỷ lệ nghèo đa chiều (%)",
        "Tỷ lệ nghèo đa chiều cuối năm",
        "Mục tiêu giảm 1,0–1,5 điểm %/năm (tạm tính)",
        "2030",
    ):
        assert label in found, label
    assert "Tỷ lệ hộ nghèo (%)" not in found
    with pytest.raises(ValueError, match="not in the series"):
        poverty_trend_svg(SERIES, (100, 150), None, [], TrendOptions(band_from=2019))


def test_rates_by_unit_labels() -> None:
    found = texts(units())
    for label in (
        "Thành phố Hà Tĩnh",
        "Huyện Đức Thọ",
        "82,35%",
        "70,00%",
        "3,04%",
        "Chỉ tiêu 70%",
        "Tỷ lệ lao động qua đào tạo (%)",
    ):
        assert label in found, label
    no_threshold = texts(rates_by_unit_svg(UNITS, "Tỷ lệ (%)", None))
    assert not any(text.startswith("Chỉ tiêu") for text in no_threshold)
    assert "Chỉ tiêu 72,5%" in texts(rates_by_unit_svg(UNITS, "Tỷ lệ (%)", 7250))
    provisional = texts(rates_by_unit_svg(UNITS, "Tỷ lệ (%)", 7000, provisional=True))
    assert "Chỉ tiêu 70% (tạm tính)" in provisional


def test_rates_by_unit_missing_value() -> None:
    frame = pl.DataFrame({"unit_name": ["Huyện Vũ Quang", "Huyện Lộc Hà"], "value": [None, 4800]})
    found = texts(rates_by_unit_svg(frame, "Tỷ lệ (%)", None))
    assert "-" in found
    assert "48,00%" in found


def test_rates_by_unit_set_69_communes_in_two_columns_of_half_a_page() -> None:
    names = [f"Xã Thạch Hưng {i}" for i in range(69)]
    frame = pl.DataFrame({"unit_name": names, "value": [3000 + i * 90 for i in range(69)]})
    svg = rates_by_unit_svg(frame, "Tỷ lệ (%)", 7000)
    found = texts(svg)
    assert set(names) <= set(found)
    # Two columns: each with its axis label and threshold line, so a page before the chart is
    # never left empty by a chart a page tall (issue 18).
    assert found.count("Tỷ lệ (%)") == 2
    assert found.count("Chỉ tiêu 70%") == 2
    height_pt = float(ET.fromstring(svg.encode("utf-8")).get("height", "").removesuffix("pt"))
    assert 10 < height_pt / 72 * 2.54 < 15  # centimetres: about half of an A4 text column
    forty = rates_by_unit_svg(frame.head(40), "Tỷ lệ (%)", 7000)
    assert texts(forty).count("Tỷ lệ (%)") == 1
    thirteen = rates_by_unit_svg(UNITS.head(1).select(pl.all().repeat_by(13).explode()), "", None)
    height_13 = float(ET.fromstring(thirteen.encode("utf-8")).get("height", "").removesuffix("pt"))
    assert height_13 < height_pt


def test_attainment_labels() -> None:
    found = texts(attainment())
    for label in (
        "Tỷ lệ lao động qua đào tạo",
        "Đạt",
        "Chưa đạt",
        "58,24%",
        "106/182",
        "61,70%",
        "1.234/2.000",
    ):
        assert label in found, label


def test_attainment_rejects_more_met_than_total() -> None:
    with pytest.raises(ValueError, match="met"):
        attainment_svg(pl.DataFrame({"label": ["x"], "met": [5], "total": [4]}))


def test_empty_frames_are_refused() -> None:
    with pytest.raises(ValueError, match="no year"):
        poverty_trend_svg(SERIES.clear(), (60, 100), None, [])
    with pytest.raises(ValueError, match="no unit"):
        rates_by_unit_svg(UNITS.clear(), "Tỷ lệ (%)", None)
    with pytest.raises(ValueError, match="no target"):
        attainment_svg(TARGETS.clear())


def test_drawing_is_quiet_and_leaves_matplotlib_as_it_was(
    caplog: pytest.LogCaptureFixture,
) -> None:
    keys: tuple[RcKeyType, ...] = ("svg.fonttype", "svg.hashsalt", "font.family", "font.serif")
    before = {key: mpl.rcParams[key] for key in keys}
    logger = logging.getLogger("matplotlib.font_manager")
    with caplog.at_level(logging.DEBUG, logger="matplotlib.font_manager"):
        for draw in CHARTS.values():
            draw()
        assert logger.level == logging.DEBUG
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert {key: mpl.rcParams[key] for key in keys} == before


def test_no_font_warning_where_no_fallback_font_is_installed(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """As on a machine without Liberation Serif or Times New Roman: matplotlib finds none of the
    families and would warn on every text it measures; the SVG still names them."""
    monkeypatch.setitem(chart_style.RC_PARAMS, "font.serif", ["NTM Serif", "No Such Serif"])
    with caplog.at_level(logging.DEBUG, logger="matplotlib.font_manager"):
        svg = attainment()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert "font-family: 'NTM Serif', 'No Such Serif', serif" in svg


def test_rates_in_floats_are_refused_not_rounded() -> None:
    """The charts take hundredths, as the report's text does; a float percent is an old call."""
    with pytest.raises(TypeError, match="hundredths"):
        poverty_trend_svg(SERIES.with_columns(pl.col("rate") / 100), (60, 100), None, [])
    with pytest.raises(TypeError, match="hundredths"):
        rates_by_unit_svg(UNITS.with_columns(pl.col("value") / 100), "Tỷ lệ (%)", None)
    with pytest.raises(TypeError, match="whole number"):
        vi.percent(3.04)  # type: ignore[arg-type]


def test_attainment_share_is_rounded_half_up_like_the_text() -> None:
    """1/32 is 3,125%: the label says 3,13%, as ``transforms.rates.hundredths`` rounds the
    report's rates. (The float formatter it replaces wrote 3,12%: binary 3.125, half to even.)"""
    found = texts(attainment_svg(pl.DataFrame({"label": ["x"], "met": [1], "total": [32]})))
    assert "3,13%" in found and "1/32" in found
    empty = texts(attainment_svg(pl.DataFrame({"label": ["x"], "met": [0], "total": [0]})))
    assert "-" in empty and "0/0" in empty


# --- the numbers in the labels: ntm.report.vi, from exact integers ------------------------------
# These replace the tests of charts.format_number and format_percent, the float formatters the
# charts had: every label those tests pinned is now written by ntm.report.vi from integers
# (counts; rates and points in hundredths; tick positions in thousandths), as the text is.
# Two of their cases rounded a float: 999.5 with no decimals -> "1.000", -0.001 -> "0,00". No
# label rounds any more: a count is whole, a rate is rounded half up in integers before it is
# written (see the attainment test above), and a tick sits on a thousandth (``TICK_PLACES``);
# the nearest cases left are tick positions with float noise, below.

LABELS: list[tuple[Callable[[], str], str]] = [
    (partial(vi.count, 1234567), "1.234.567"),  # attainment counts: "1.234/2.000"
    (partial(vi.count, 0), "0"),
    (partial(vi.hundredths, 304), "3,04"),
    (partial(vi.percent, 379), "3,79%"),  # a point's, a bar's or a share's label
    (partial(vi.hundredths, 60, least=1), "0,6"),  # the band in the trend's legend
    (partial(vi.hundredths, 100, least=1), "1,0"),
    (partial(vi.hundredths, 123457), "1.234,57"),
    (partial(vi.hundredths, -123450, least=1), "-1.234,5"),
    (partial(vi.hundredths, -304), "-3,04"),
    (partial(vi.hundredths, 7000, least=0), "70"),  # the threshold: "Chỉ tiêu 70%"
    (partial(vi.hundredths, 7250, least=0), "72,5"),
    (partial(vi.hundredths, 100000, least=0), "1.000"),
    (partial(vi.percent, 7000, least=0), "70%"),
    (partial(vi.percent, None), "-"),  # a bar without a value
    (partial(vi.decimal, 25, 3), "0,025"),
]


@pytest.mark.parametrize(("label", "expected"), LABELS)
def test_vi_writes_the_numbers_of_the_labels(label: Callable[[], str], expected: str) -> None:
    assert label() == expected


def test_vi_refuses_more_decimals_than_it_has() -> None:
    with pytest.raises(ValueError, match="least"):
        vi.hundredths(304, least=3)


def tick_labels(locs: list[float], suffix: str = "") -> list[str]:
    """What an axis writes at ``locs``: the charts' formatter, as matplotlib calls it."""
    formatter = chart_style.tick_formatter(suffix)
    formatter.set_locs(locs)
    return [formatter(x, i) for i, x in enumerate(locs)]


def test_tick_labels_share_the_fewest_decimals_that_are_exact() -> None:
    steps = [i * 0.1 * 5 for i in range(6)]  # 0.5 * 3 is 1.5000000000000002
    assert tick_labels(steps) == ["0,0", "0,5", "1,0", "1,5", "2,0", "2,5"]
    assert tick_labels([0.0, 20.0, 40.0, 100.0]) == ["0", "20", "40", "100"]
    assert tick_labels([0, 25, 50, 75, 100], "%") == ["0%", "25%", "50%", "75%", "100%"]
    assert tick_labels([0.0, 0.025, 0.05]) == ["0,000", "0,025", "0,050"]
    assert tick_labels([0.0, 0.02, 0.04]) == ["0,00", "0,02", "0,04"]
    assert tick_labels([1000.0, 2500.0]) == ["1.000", "2.500"]
    assert tick_labels([-1e-12, 0.5]) == ["0,0", "0,5"]  # no "-0,0"


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_tick_that_is_not_a_number_is_refused(value: float) -> None:
    with pytest.raises(ValueError, match="cannot format"):
        tick_labels([0.0, value])


@given(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.integers(min_value=0, max_value=3),
    st.data(),
)
def test_vi_decimal_reads_back_exactly(value: int, places: int, data: st.DataObject) -> None:
    least = data.draw(st.integers(min_value=0, max_value=places))
    text = vi.decimal(value, places, least=least)
    assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d+)?", text)
    whole, _, fraction = text.partition(",")
    assert least <= len(fraction) <= places
    assert Decimal(whole.replace(".", "") + "." + (fraction or "0")) == Decimal(value).scaleb(
        -places
    )


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from([1, 2, 2.5, 5]))
def test_tick_labels_read_back(start: int, step: float) -> None:
    """Ticks as a locator puts them, k * step * 10**e (float noise and all), read back."""
    for exponent in range(-2, 3):
        locs = [(start + k) * step * 10.0**exponent for k in range(5)]
        for x, text in zip(locs, tick_labels(locs), strict=True):
            assert math.isclose(float(text.replace(".", "").replace(",", ".")), x, abs_tol=1e-9)


def test_the_target_band_stops_at_zero() -> None:
    """Issue 18: 4.35% falling 1.0-1.5 points a year from 2025 reaches 0 before 2030; the band
    ends where its slower edge does (2029.35), its faster edge runs at 0 from 2027.9."""
    xs, upper, lower = band_edges(2025, 4.35, 2030, 1.0, 1.5)
    assert xs == pytest.approx([2025, 2025 + 4.35 / 1.5, 2025 + 4.35])
    assert upper[-1] == pytest.approx(0) and min(upper + lower) >= 0
    assert lower[1:] == pytest.approx([0, 0])
    # Enough left: the band runs to the programme's end, above 0.
    xs, upper, lower = band_edges(2025, 9.0, 2030, 1.0, 1.5)
    assert xs == [2025, 2030] and lower[-1] == pytest.approx(1.5)
