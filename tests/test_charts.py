"""Charts: SVG documents with their text as text, Vietnamese labels and numbers, deterministic."""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

pytest.importorskip("matplotlib")

import matplotlib as mpl

from ntm.report import charts
from ntm.report.charts import (
    attainment_svg,
    format_number,
    format_percent,
    poverty_trend_svg,
    rates_by_unit_svg,
)

SVG = "{http://www.w3.org/2000/svg}"

SERIES = pl.DataFrame({"year": [2021, 2022, 2023, 2024], "rate": [4.88, 7.21, 5.36, 3.79]})
UNITS = pl.DataFrame(
    {
        "unit_name": ["Thành phố Hà Tĩnh", "Huyện Đức Thọ", "Huyện Lộc Hà"],
        "value": [82.35, 70.0, 3.04],
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
    return poverty_trend_svg(SERIES, (0.6, 1.0), (2025, 3.04), [2022])


def units() -> str:
    return rates_by_unit_svg(UNITS, "Tỷ lệ lao động qua đào tạo (%)", 70.0)


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
    ):
        assert label in found, label
    assert "2.022" not in found  # years are not grouped like numbers


def test_poverty_trend_without_projection_or_breaks() -> None:
    found = texts(poverty_trend_svg(SERIES.head(1), (0.6, 1.0), None, []))
    assert "4,88%" in found
    assert "Dự báo" not in found
    assert "Đổi chuẩn nghèo" not in found


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
    assert "Chỉ tiêu 72,5%" in texts(rates_by_unit_svg(UNITS, "Tỷ lệ (%)", 72.5))


def test_rates_by_unit_missing_value() -> None:
    frame = pl.DataFrame({"unit_name": ["Huyện Vũ Quang", "Huyện Lộc Hà"], "value": [None, 48.0]})
    found = texts(rates_by_unit_svg(frame, "Tỷ lệ (%)", None))
    assert "-" in found
    assert "48,00%" in found


def test_rates_by_unit_fit_69_communes_on_a_page() -> None:
    names = [f"Xã Thạch Hưng {i}" for i in range(69)]
    frame = pl.DataFrame({"unit_name": names, "value": [30 + i * 0.9 for i in range(69)]})
    svg = rates_by_unit_svg(frame, "Tỷ lệ (%)", 70.0)
    found = texts(svg)
    assert set(names) <= set(found)
    height_pt = float(ET.fromstring(svg.encode("utf-8")).get("height", "").removesuffix("pt"))
    assert 15 < height_pt / 72 * 2.54 < 23  # centimetres
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
        poverty_trend_svg(SERIES.clear(), (0.6, 1.0), None, [])
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
    monkeypatch.setitem(charts._RC, "font.serif", ["NTM Serif", "No Such Serif"])
    with caplog.at_level(logging.DEBUG, logger="matplotlib.font_manager"):
        svg = attainment()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert "font-family: 'NTM Serif', 'No Such Serif', serif" in svg


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234567, 0, "1.234.567"),
        (3.04, 2, "3,04"),
        (0.6, 1, "0,6"),
        (1.0, 1, "1,0"),
        (999.5, 0, "1.000"),
        (1234.5678, 2, "1.234,57"),
        (-1234.5, 1, "-1.234,5"),
        (-3.04, 2, "-3,04"),
        (-0.001, 2, "0,00"),  # no "-0,00"
        (0, 0, "0"),
    ],
)
def test_format_number(value: float, decimals: int, expected: str) -> None:
    assert format_number(value, decimals) == expected


def test_format_number_defaults_and_trim() -> None:
    assert format_number(1234567) == "1.234.567"
    assert format_number(70.0, 2, trim=True) == "70"
    assert format_number(72.5, 2, trim=True) == "72,5"
    assert format_number(1000.0, 2, trim=True) == "1.000"
    assert format_percent(3.79) == "3,79%"
    assert format_percent(70.0, trim=True) == "70%"


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_format_number_refuses_what_is_not_a_number(value: float) -> None:
    with pytest.raises(ValueError, match="cannot format"):
        format_number(value)


@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.integers(min_value=0, max_value=3),
)
def test_format_number_reads_back(value: float, decimals: int) -> None:
    text = format_number(value, decimals)
    assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d+)?", text)
    assert float(text.replace(".", "").replace(",", ".")) == pytest.approx(
        round(value, decimals), abs=10**-decimals
    )
