"""Words and phrases both documents use: verdicts, the cells of a target that judges nothing,
and how a sentence names targets, years and changes."""

from __future__ import annotations

import base64

from ntm.reference import Catalogue
from ntm.report import vi

STATUS_VI = {"behind": "Chưa đạt", "on_track": "Đạt", "ahead": "Vượt"}
# What a target's cells say when it judges nothing this year.
PENDING_VI = "Chưa ban hành"
NOT_JUDGED_VI = "Chưa đánh giá"
NOT_YET_VI = "Chưa đến mốc"
PROVISIONAL_VI = "tạm tính"
# "{band}" in a target's label while the band is pending: the blank of a form.
BAND_BLANK = "..."
# Commune-level unit types in the order the report names them ("xã, phường, thị trấn").
UNIT_TYPES = ("xã", "phường", "thị trấn")
# The divided-unit footnote's marker, on each figure that rests on one.
DIVIDED_MARK = "(*)"


def svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def target_ids(ids: list[str]) -> str:
    """Target ids as a sentence names them: "chỉ tiêu T1", "các chỉ tiêu T2, T3"."""
    return f"{'các chỉ tiêu' if len(ids) > 1 else 'chỉ tiêu'} {', '.join(ids)}"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def lowered(text: str) -> str:
    return text[:1].lower() + text[1:]


def years_words(years: list[int]) -> str:
    """Years as a sentence names them: "năm 2024", "các năm 2022 - 2024", "các năm 2020, 2022"."""
    if len(years) == 1:
        return f"năm {years[0]}"
    if years == list(range(years[0], years[-1] + 1)):
        return f"các năm {years[0]} - {years[-1]}"
    return f"các năm {', '.join(str(y) for y in years)}"


def signed_points(value: int) -> str:
    if value == 0:
        return "không đổi"
    return f"{'tăng' if value > 0 else 'giảm'} {vi.points(value)}"


def provisional_marker(status: str) -> str:
    """What follows a provisional figure, " (tạm tính)"; nothing follows an official one."""
    return f" ({PROVISIONAL_VI})" if status == "provisional" else ""


def sources_words(sources: list[str]) -> str:
    """Each document once, in the order first named (a year's source may name several)."""
    parts = [part.strip() for source in sources for part in source.split(";")]
    return "; ".join(dict.fromkeys(part for part in parts if part))


def programme_words(catalogue: Catalogue) -> str:
    """ "giai đoạn 2021 - 2025"."""
    return f"giai đoạn {catalogue.first_year} - {catalogue.last_year}"


def small_count(value: int | None) -> str:
    """A count of households below the province: 1-4 reads "< 5", so that no household of a
    commune's profile can be told from its count (DEVELOPERS.md: personal data)."""
    if value is not None and 1 <= value <= 4:
        return "< 5"
    return vi.count(value)
