"""HTML to PDF with WeasyPrint: bundled fonts, no network, atomic output, warnings kept.

The committee report must look the same on every machine and never reach out: the typeface is
bundled (Liberation Serif as "NTM Serif", see ``report_templates/assets/fonts.css``), and the
only URLs WeasyPrint may load are files under ``report_templates/assets/`` and ``data:`` URLs.
WeasyPrint does not fail on a missing glyph, font or image; it logs and carries on, so the log
records of a render are returned to the caller, who decides whether they are acceptable.
"""

from __future__ import annotations

import gc
import io
import logging
import mimetypes
import threading
import time
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import DataHandler, Request, url2pathname

from fontTools.ttLib import TTFont
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ntm.store.paths import ASSETS, atomic_path

FONTS_CSS = ASSETS / "fonts.css"
FONT_FAMILY = "NTM Serif"
# Every logger WeasyPrint 70 uses is this one or a child ("weasyprint.progress"), see logger.py.
WEASYPRINT_LOGGER = "weasyprint"


class RefusedURLError(ValueError):
    """A URL outside the report's assets.

    A plain ``Exception`` on purpose: WeasyPrint turns it into a logged error and renders on
    without the resource. ``FatalURLFetchingError`` (a ``BaseException``) would abort the render.
    """


class AssetFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """Serves files under ``root`` and ``data:`` URLs; refuses everything else, unopened.

    WeasyPrint 70 replaced ``default_url_fetcher`` by the ``URLFetcher`` class: every image,
    stylesheet and font goes through ``fetch``. This override never calls the parent's, so no
    urllib handler (http, https, ftp, file) ever runs. A file URL is mapped to a path, resolved
    (``..`` and symlinks followed) and served only if the result is still inside ``root``.
    Each refused URL is appended to ``refused`` so a caller or a test can see what was asked for.
    """

    def __init__(self, root: Path = ASSETS) -> None:
        # The parent's options only matter to its own fetch(), which is never called; they are
        # set to the strictest values anyway in case a later WeasyPrint calls it some other way.
        super().__init__(timeout=1, allowed_protocols=("file", "data"), allow_redirects=False)
        self.root = root.resolve(strict=True)
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        """Return the asset or ``data:`` payload at ``url``; raise ``RefusedURLError`` otherwise."""
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        scheme = parts.scheme.lower() if parts is not None else ""
        if scheme == "data":
            return self._data(url)
        if parts is not None and scheme == "file":
            path = self._asset_path(parts.netloc, parts.path)
            if path is not None:
                return self._file(path)
        self.refused.append(url)
        raise RefusedURLError(f"only report assets and data: URLs are loaded, not {url}")

    def _asset_path(self, host: str, url_path: str) -> Path | None:
        """The resolved file behind a file URL's path, or ``None`` when it is outside ``root``."""
        if host not in ("", "localhost"):
            return None
        try:
            path = Path(url2pathname(url_path))
            if not path.is_absolute():
                return None
            resolved = path.resolve()
        except (OSError, ValueError):  # embedded NUL, symlink loop, ...
            return None
        return resolved if resolved.is_relative_to(self.root) else None

    def _file(self, path: Path) -> URLFetcherResponse:
        """Read the whole asset: assets are small, and no file handle outlives the call."""
        body = path.read_bytes()  # a missing asset raises and WeasyPrint logs it
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.served.append(path.as_uri())
        return URLFetcherResponse(path.as_uri(), body, {"Content-Type": content_type})

    def _data(self, url: str) -> URLFetcherResponse:
        """Decode a ``data:`` URL with urllib's own parser, which never touches the network."""
        with DataHandler().data_open(Request(url)) as response:
            body = response.read()
            content_type = response.headers.get("Content-Type", "text/plain")
        self.served.append(url[:40])
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


@dataclass(frozen=True)
class RenderResult:
    """What a render produced and what WeasyPrint complained about.

    ``warnings`` holds WeasyPrint's warning and error records (missing glyphs, fonts that did
    not load, images and stylesheets that failed or were refused), as "LEVEL: message".
    """

    pages: int
    warnings: list[str]
    refused_urls: list[str]
    seconds: float


class _RecordCollector(logging.Handler):
    """Keeps the messages of this thread's render only, should two renders overlap."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(f"{record.levelname}: {record.getMessage()}")


# Said once by `make setup` (scripts/syslibs.sh) when HarfBuzz's subsetter is missing; WeasyPrint
# would say it again for every font of every document, and it is no fault of the document.
_SUBSETTER_MISSING = "Using fontTools instead of HarfBuzz-Subset"


class _WithoutSubsetterNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_SUBSETTER_MISSING)


@contextmanager
def _collect_weasyprint_records() -> Iterator[list[str]]:
    """WeasyPrint's warnings and errors during the block, whatever logging is configured.

    WeasyPrint only logs (it never raises) for a missing glyph or font. If an application set the
    ``weasyprint`` logger above WARNING those records would be dropped before reaching any
    handler, so the level is lowered for the block and restored afterwards.
    """
    logger = logging.getLogger(WEASYPRINT_LOGGER)
    collector = _RecordCollector()
    notice = _WithoutSubsetterNotice()
    previous_level = logger.level
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    logger.addFilter(notice)
    logger.addHandler(collector)
    try:
        yield collector.messages
    finally:
        logger.removeHandler(collector)
        logger.removeFilter(notice)
        logger.setLevel(previous_level)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block, then as it was.

    WeasyPrint allocates millions of objects and keeps hundreds of thousands alive until the
    render ends, in reference cycles (parsed tree, computed styles and boxes refer to one
    another). The collector's passes over them, repeated as they accumulate, took a fifth of
    the report's render; paused, the cycles are collected in one pass afterwards, for some
    50 MiB more memory meanwhile. The collector is per process: nothing is collected in other
    threads during the block either.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def render_pdf(html: str, target: Path, base_url: Path = ASSETS) -> RenderResult:
    """Render ``html`` with the bundled fonts into ``target``, atomically.

    Relative URLs in ``html`` resolve against ``base_url`` (the assets folder by default), but
    only assets and ``data:`` URLs are ever loaded. ``target`` is replaced only once the PDF is
    complete; on any exception it is left as it was and no temporary file remains.

    Presentational HTML attributes (``border=1``, ``width=``, ``align=``) are ignored: style with
    CSS, as the report's template does.
    """
    started = time.perf_counter()
    fetcher = AssetFetcher()
    with _collect_weasyprint_records() as messages, _cyclic_gc_paused():
        # One FontConfiguration for every stylesheet of the document, as WeasyPrint requires:
        # the @font-face rules are registered in it when the CSS is parsed.
        font_config = FontConfiguration()
        fonts = CSS(filename=FONTS_CSS, font_config=font_config, url_fetcher=fetcher)
        # No presentational hints: matching WeasyPrint's hints stylesheet against every element
        # costs ~2% of the render, for attributes the report's HTML does not have.
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
            font_config=font_config, stylesheets=[fonts], presentational_hints=False
        )
        with atomic_path(target) as temporary:
            document.write_pdf(temporary)
        pages = len(document.pages)
        del document  # garbage before the collector resumes: its cycles go in the next pass
    return RenderResult(
        pages=pages,
        warnings=list(messages),
        refused_urls=list(fetcher.refused),
        seconds=time.perf_counter() - started,
    )


def render_html_twin(html: str, target: Path) -> None:
    """Write the HTML the PDF was made from, atomically, for review in a browser and for diffs."""
    with atomic_path(target) as temporary:
        temporary.write_text(html, encoding="utf-8")


def _fonts_in(resources: Any, seen: set[int]) -> Iterator[Any]:
    """Font dictionaries of a resource dictionary and of the form XObjects it draws."""
    if resources is None:
        return
    resources = resources.get_object()
    if id(resources) in seen:
        return
    seen.add(id(resources))
    fonts = resources.get("/Font")
    for font in (fonts.get_object() if fonts is not None else {}).values():
        yield font.get_object()
    xobjects = resources.get("/XObject")
    for reference in (xobjects.get_object() if xobjects is not None else {}).values():
        xobject = reference.get_object()
        if xobject.get("/Subtype") == "/Form":
            yield from _fonts_in(xobject.get("/Resources"), seen)


def _untagged(base_font: object) -> str:
    """A /BaseFont without its leading slash and subset tag ("ABCDEF+"), which changes per run."""
    name = str(base_font).removeprefix("/")
    tag, plus, rest = name.partition("+")
    return rest if plus and len(tag) == 6 and tag.isupper() else name


def _program_name(font: Any) -> str | None:
    """PostScript name (name ID 6) of the font program embedded for ``font``, if any."""
    for candidate in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
        descriptor = candidate.get("/FontDescriptor")
        if descriptor is None:
            continue
        descriptor = descriptor.get_object()
        for key in ("/FontFile2", "/FontFile3"):
            if key in descriptor:
                try:
                    program = TTFont(io.BytesIO(descriptor[key].get_object().get_data()))
                    return str(program["name"].getDebugName(6))
                except Exception:  # bare CFF or a damaged stream: no name to read
                    return None
    return None


def _pdf_fonts(pdf: Path) -> Iterator[tuple[str, str | None]]:
    """(label, embedded program name) of every font resource of every page."""
    from pypdf import PdfReader  # noqa: PLC0415 (a dev dependency, for tests)

    seen: set[int] = set()
    for page in PdfReader(pdf).pages:
        for font in _fonts_in(page.get("/Resources"), seen):
            yield _untagged(font.get("/BaseFont", "")), _program_name(font)


def embedded_fonts(pdf: Path) -> set[str]:
    """PostScript names of the font programs embedded in a PDF ("LiberationSerif-Bold").

    WeasyPrint 70 labels a font in the PDF (/BaseFont) with the CSS family it was asked for
    ("NTM-Serif-Bold"), so the label alone does not say which file was used; the name table of
    the embedded program does. A font without an embedded program is listed by its label.
    """
    return {program or label for label, program in _pdf_fonts(pdf)}


def font_labels(pdf: Path) -> set[str]:
    """The PDF's font labels (/BaseFont without subset tag): "NTM-Serif-Italic", "DejaVu-Sans".

    A family that is not bundled shows up here under its own name, whatever the CSS asked for.
    """
    return {label for label, _ in _pdf_fonts(pdf)}


def pdf_text(pdf: Path) -> str:
    """The PDF's text, NFC-normalised, pages separated by form feeds.

    Extraction may return a Vietnamese letter as base letter plus combining marks; NFC makes the
    result comparable with the source text.
    """
    from pypdf import PdfReader  # noqa: PLC0415 (a dev dependency, for tests)

    pages = (page.extract_text() for page in PdfReader(pdf).pages)
    return unicodedata.normalize("NFC", "\f".join(pages))
