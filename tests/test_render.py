"""PDF rendering: the bundled Vietnamese fonts are the ones used, nothing outside the assets is
loaded, WeasyPrint's complaints reach the caller, and a failed render leaves no file behind.

WeasyPrint never fails on a missing glyph or font: it logs and falls back to DejaVu. These tests
look inside the PDF (embedded font programs, extracted text) instead of trusting the render.
Warnings are compared without WeasyPrint's notices about the machine (``document_warnings``), so
that the tests pass with or without the optional HarfBuzz subsetter. No test asserts a duration.
"""

from __future__ import annotations

import base64
import gc
import importlib.util
import logging
import re
import socket
import unicodedata
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from weasyprint.document import Document
from weasyprint.urls import FatalURLFetchingError

from ntm.report import render
from ntm.report.render import (
    FONT_FAMILY,
    AssetFetcher,
    RefusedURLError,
    RenderResult,
    embedded_fonts,
    font_labels,
    pdf_text,
    render_html_twin,
    render_pdf,
)
from ntm.store.paths import ASSETS
from tests.helpers import document_warnings

needs_pypdf = pytest.mark.skipif(
    importlib.util.find_spec("pypdf") is None,
    reason="pypdf is not installed: add pypdf to the dev dependency group",
)

FONTS = ASSETS / "fonts"
FACES = ("Regular", "Bold", "Italic", "BoldItalic")
TONE_MARKS = ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323")  # huyền sắc ngã hỏi nặng
VOWELS = "aăâeêioôơuưy"


def vietnamese_letters() -> str:
    """Every Vietnamese vowel with and without each tone, both cases, plus đ and Đ (136)."""
    letters = [
        unicodedata.normalize("NFC", base + mark)
        for base in VOWELS + VOWELS.upper()
        for mark in ("", *TONE_MARKS)
    ]
    assert all(len(letter) == 1 for letter in letters)  # each one is precomposed
    return "".join(letters) + "đĐ"


LISTED = "ắ ằ ẳ ẵ ặ ề ổ ữ ỹ Đ"
PANGRAM = (
    "Tiếng Việt có dấu: Hà Tĩnh, Đức Thọ, Kỳ Anh, Hương Khê, Thạch Hà, Cẩm Xuyên, Lộc Hà, "
    "Nghi Xuân, Vũ Quang, Hồng Lĩnh, Can Lộc, Thành phố Hà Tĩnh, Thị xã Kỳ Anh."
)
ALL_LETTERS = " ".join(vietnamese_letters())
# A 7 × 3 black rectangle: its path "0 0 7 3 re" shows in the page content once drawn.
SVG = base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" width="7" height="3">'
    b'<rect width="7" height="3"/></svg>'
).decode()


def document(body: str) -> str:
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f'<style>body {{ font-family: "{FONT_FAMILY}"; }}</style></head>'
        f"<body>{body}</body></html>"
    )


VIETNAMESE = document(
    f"<h1>Báo cáo của Đảng ủy: {LISTED}</h1>"
    f"<p><i>{PANGRAM}</i></p>"
    f"<p>{ALL_LETTERS}</p>"
    "<table border=1><tr><th>Huyện</th><th>Tỷ lệ</th></tr>"
    "<tr><td>Hương Sơn</td><td><b><i>Đạt chuẩn</i></b></td></tr>"
    "<tr><td>Cẩm Xuyên</td><td>Chưa đạt — 97,5 %</td></tr></table>"
)


def squeeze(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def vietnamese(tmp_path_factory: pytest.TempPathFactory) -> tuple[RenderResult, Path]:
    target = tmp_path_factory.mktemp("render") / "report.pdf"
    return render_pdf(VIETNAMESE, target), target


# --- the bundled fonts -------------------------------------------------------------------------


@pytest.mark.parametrize("face", FACES)
def test_bundled_face_covers_every_vietnamese_letter(face: str) -> None:
    cmap = TTFont(FONTS / f"LiberationSerif-{face}.ttf").getBestCmap()
    needed = set(vietnamese_letters()) | set(TONE_MARKS)
    needed |= {chr(c) for c in range(0x1EA0, 0x1EFA)}  # Latin Extended Additional, Vietnamese
    assert sorted(c for c in needed if ord(c) not in cmap) == []


def test_fonts_are_liberation_serif_under_the_ofl() -> None:
    for face in FACES:
        names = TTFont(FONTS / f"LiberationSerif-{face}.ttf")["name"]
        assert names.getDebugName(1) == "Liberation Serif"
        assert "Open Font License" in str(names.getDebugName(13))
    license_text = (FONTS / "LICENSE-LiberationSerif.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in license_text


def test_fonts_css_declares_the_four_bundled_faces() -> None:
    css = (ASSETS / "fonts.css").read_text(encoding="utf-8")
    sources = re.findall(r'src:\s*url\("([^"]+)"\)', css)
    assert sorted(sources) == sorted(f"fonts/LiberationSerif-{face}.ttf" for face in FACES)
    assert all((ASSETS / source).is_file() for source in sources)
    assert css.count(f'font-family: "{FONT_FAMILY}"') == 4
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    assert "local(" not in rules  # an installed font must never stand in for the bundled one


# --- a Vietnamese document ---------------------------------------------------------------------


def test_vietnamese_document_renders_cleanly(vietnamese: tuple[RenderResult, Path]) -> None:
    result, target = vietnamese
    assert target.read_bytes().startswith(b"%PDF-")
    assert result.pages == 1
    assert document_warnings(result.warnings) == []  # no missing glyph, font or asset
    assert result.refused_urls == []
    assert result.seconds > 0  # measured (and never judged: it depends on the machine)


@needs_pypdf
def test_only_the_bundled_faces_are_embedded(vietnamese: tuple[RenderResult, Path]) -> None:
    _, target = vietnamese
    programs = embedded_fonts(target)
    assert programs == {
        "LiberationSerif",
        "LiberationSerif-Bold",
        "LiberationSerif-Italic",
        "LiberationSerif-BoldItalic",
    }
    # WeasyPrint labels each font with the CSS family asked for, a fallback with its own name.
    labels = font_labels(target)
    assert all(label.startswith("NTM-Serif") for label in labels), labels
    assert not any("dejavu" in name.lower() for name in programs | labels)


@needs_pypdf
def test_vietnamese_text_survives_extraction(vietnamese: tuple[RenderResult, Path]) -> None:
    _, target = vietnamese
    text = pdf_text(target)
    for letter in LISTED.split() + list(vietnamese_letters()):
        assert letter in text, f"{letter!r} (U+{ord(letter):04X}) lost"
    assert squeeze(PANGRAM) in squeeze(text)
    assert squeeze(ALL_LETTERS) in squeeze(text)


@needs_pypdf
@pytest.mark.parametrize("face", FACES)
def test_every_extracted_character_is_in_the_bundled_face(
    vietnamese: tuple[RenderResult, Path], face: str
) -> None:
    _, target = vietnamese
    cmap = TTFont(FONTS / f"LiberationSerif-{face}.ttf").getBestCmap()
    characters = set(pdf_text(target)) - set(" \n\f")
    assert characters >= set(vietnamese_letters())
    assert sorted(c for c in characters if ord(c) not in cmap) == []


# --- what the render may load ------------------------------------------------------------------


OUTSIDE = {
    "http": '<img src="http://example.com/x.png">',
    "file": '<img src="file:///etc/passwd">',
    "https-css": '<link rel="stylesheet" href="https://example.com/a.css">',
    "dotdot": '<img src="../../../etc/hostname">',
}


@pytest.fixture
def no_network_or_urllib(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any socket or urllib handler use is recorded and fails, so a leak cannot go unseen."""
    attempts: list[str] = []

    def refuse(name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            attempts.append(f"{name}{args[1:2]}")
            raise AssertionError(f"{name} called during a render")

        return call

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse("urllib open"))
    return attempts


@needs_pypdf
def test_urls_outside_the_assets_are_refused_and_the_render_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network_or_urllib: list[str]
) -> None:
    served: list[Path] = []
    original_file = AssetFetcher._file

    def spy_file(self: AssetFetcher, path: Path) -> Any:
        served.append(path)
        return original_file(self, path)

    monkeypatch.setattr(AssetFetcher, "_file", spy_file)
    html = document(
        f'<p>Hà Tĩnh</p>{"".join(OUTSIDE.values())}<img src="data:image/svg+xml;base64,{SVG}">'
    )
    target = tmp_path / "report.pdf"

    result = render_pdf(html, target)

    assert no_network_or_urllib == []
    assert {path.name for path in served} <= {f"LiberationSerif-{face}.ttf" for face in FACES}
    assert all(path.is_relative_to(ASSETS) for path in served)
    refused = result.refused_urls
    assert len(refused) == 4, refused
    assert {"http://example.com/x.png", "file:///etc/passwd", "https://example.com/a.css"} < set(
        refused
    )
    assert any(url.startswith("file:///") and url.endswith("/etc/hostname") for url in refused)
    # Each refusal is also a WeasyPrint error in the warnings; the data: image is not.
    warnings = document_warnings(result.warnings)
    assert len(warnings) == 4, warnings
    assert all(w.startswith("ERROR: Failed to load") for w in warnings)
    assert not any("svg" in w for w in result.warnings)
    # The SVG from the data: URL was drawn, and the text is in the bundled font.
    from pypdf import PdfReader  # noqa: PLC0415 (the test is skipped without pypdf)

    contents = PdfReader(target).pages[0].get_contents()
    assert contents is not None
    assert b"0 0 7 3 re" in contents.get_data()
    assert embedded_fonts(target) == {"LiberationSerif"}


def test_fetcher_serves_only_files_inside_its_root(tmp_path: Path) -> None:
    root = tmp_path / "assets"
    (root / "img").mkdir(parents=True)
    (root / "img" / "a.svg").write_text("<svg/>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (root / "inside-link.svg").symlink_to(root / "img" / "a.svg")
    (root / "outside-link.txt").symlink_to(tmp_path / "secret.txt")
    (root / "outside-dir").symlink_to(tmp_path, target_is_directory=True)
    fetcher = AssetFetcher(root)
    base = root.as_uri()

    for allowed in (f"{base}/img/a.svg", f"{base}/inside-link.svg", f"{base}/img/../img/a.svg"):
        response = fetcher.fetch(allowed)
        assert response.read() == b"<svg/>"
        assert response.content_type == "image/svg+xml"
    assert fetcher.fetch("data:text/plain;base64,SMOgIFTEqW5o").read().decode() == "Hà Tĩnh"

    refused = [
        f"{base}/../secret.txt",
        f"{base}/%2e%2e/secret.txt",
        f"{base}/outside-link.txt",
        f"{base}/outside-dir/secret.txt",
        f"{base}/img/a.svg%00.png",
        f"file://evil.example{root}/img/a.svg",
        "file:relative/img/a.svg",
        "http://example.com/a.png",
        "https://example.com/a.css",
        "ftp://example.com/a.png",
        "HTTP://EXAMPLE.COM/A.PNG",
        "javascript:alert(1)",
        "http://[::1",
    ]
    for url in refused:
        with pytest.raises(RefusedURLError):
            fetcher.fetch(url)
    assert fetcher.refused == refused


def test_a_font_that_fails_to_load_is_reported_and_visible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The silent failure the bundled fonts guard against: a warning, and DejaVu in the PDF."""
    broken = tmp_path / "fonts.css"
    broken.write_text(
        f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("fonts/none.ttf"); }}',
        encoding="utf-8",
    )
    monkeypatch.setattr(render, "FONTS_CSS", broken)
    target = tmp_path / "report.pdf"

    result = render_pdf(document("<p>Hà Tĩnh</p>"), target)

    assert result.refused_urls == [(tmp_path / "fonts" / "none.ttf").as_uri()]
    assert f"WARNING: Font-face '{FONT_FAMILY}' cannot be loaded" in result.warnings
    if importlib.util.find_spec("pypdf") is not None:
        assert any("DejaVu" in name for name in embedded_fonts(target))


def test_missing_glyph_is_captured_even_when_weasyprint_logs_are_silenced(
    tmp_path: Path,
) -> None:
    logger = logging.getLogger("weasyprint")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        result = render_pdf(document("<p>Hà \ue000</p>"), tmp_path / "report.pdf")
        assert logger.level == logging.CRITICAL  # restored
    finally:
        logger.setLevel(previous)
    assert document_warnings(result.warnings) == [
        'WARNING: .notdef glyph rendered for Unicode string unsupported by fonts: "\ue000" (U+E000)'
    ]


def test_the_missing_subsetter_is_no_warning_of_the_document() -> None:
    """Without libharfbuzz-subset (optional: `make setup` says so once) WeasyPrint notes, for every
    font of every render, that it subsets with fontTools: not the document's warning."""
    logger = logging.getLogger("weasyprint")
    with render._collect_weasyprint_records() as messages:
        logger.warning('Using fontTools instead of HarfBuzz-Subset for font "NTM Serif". ...')
        logger.warning("a warning about the document")
    assert messages == ["WARNING: a warning about the document"]
    assert not logger.filters  # the filter goes with the block


# --- atomic output -----------------------------------------------------------------------------


@pytest.mark.parametrize("error", [RuntimeError, FatalURLFetchingError])
@pytest.mark.parametrize("existing", [True, False], ids=["replacing", "new"])
def test_a_failed_render_leaves_the_target_untouched_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: type[BaseException], existing: bool
) -> None:
    target = tmp_path / "out" / "report.pdf"
    if existing:
        target.parent.mkdir()
        target.write_bytes(b"previous report")

    def half_written(self: Document, path: Path, *args: Any, **kwargs: Any) -> None:
        Path(path).write_bytes(b"%PDF-1.7 half")
        raise error("disk full")

    monkeypatch.setattr(Document, "write_pdf", half_written)

    with pytest.raises(error):
        render_pdf(document("<p>Hà Tĩnh</p>"), target)

    assert gc.isenabled()  # paused for the render only
    if existing:
        assert target.read_bytes() == b"previous report"
        assert list(target.parent.iterdir()) == [target]
    else:
        assert list(target.parent.iterdir()) == []


def test_the_garbage_collector_is_left_as_the_caller_had_it(tmp_path: Path) -> None:
    """Paused during a render (a fifth of the report's render went on its passes), then back."""
    assert gc.isenabled()
    assert render_pdf(document("<p>Hà Tĩnh</p>"), tmp_path / "on.pdf").pages == 1
    assert gc.isenabled()
    gc.disable()
    try:
        assert render_pdf(document("<p>Kỳ Anh</p>"), tmp_path / "off.pdf").pages == 1
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_html_twin_is_utf8_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    render_html_twin(VIETNAMESE, target)

    assert target.read_bytes() == VIETNAMESE.encode("utf-8")
    assert list(tmp_path.iterdir()) == [target]
