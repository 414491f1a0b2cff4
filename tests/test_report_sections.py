"""The template's contract: the sections of ``ntm.report.sections``, placed whole and in shape.

A report is made up from the dataclasses alone (no data, no WeasyPrint): every text field gets a
distinct value, every tuple two items. Rendered with StrictUndefined, every value must be
printed (the template reads no field that does not exist and leaves none out), and every
table must have as many cells in each row as it has headers (and columns, where it sets them).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import types
import typing
from html.parser import HTMLParser
from typing import Any

import pytest

from ntm.report import sections
from ntm.report.quarterly import sections as quarterly_sections
from ntm.report.quarterly.sections import Report
from ntm.report.review import sections as review_sections
from ntm.report.review.sections import Review
from ntm.report.versions import environment
from ntm.store.paths import TEMPLATES

SECTION_TYPES = [
    value
    for module in (sections, quarterly_sections, review_sections)
    for value in vars(module).values()
    if isinstance(value, type)
    and dataclasses.is_dataclass(value)
    and value.__module__ == module.__name__
]


def sample(kind: Any, name: str, counter: itertools.count[int], listed: bool) -> Any:
    """A value of type ``kind``: a distinct text, a tuple of two, a dataclass filled in."""
    if kind is str:
        return f"«{name}-{next(counter)}»"
    if kind is bool:
        return listed
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        return kind(
            **{
                field.name: sample(hints[field.name], f"{name}.{field.name}", counter, listed)
                for field in dataclasses.fields(kind)
            }
        )
    if typing.get_origin(kind) is tuple:
        item, ellipsis = typing.get_args(kind)
        assert ellipsis is Ellipsis, kind
        return tuple(sample(item, f"{name}[{i}]", counter, listed) for i in range(2))
    raise TypeError(f"no sample for {name}: {kind}")


def texts(value: Any) -> list[str]:
    """Every text in a section, however deep."""
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [t for f in dataclasses.fields(value) for t in texts(getattr(value, f.name))]
    if isinstance(value, tuple):
        return [t for item in value for t in texts(item)]
    return []


def made_up(listed: bool) -> Report:
    report = sample(Report, "report", itertools.count(), listed)
    assert isinstance(report, Report)
    return report


def render(report: Report) -> str:
    template = environment().get_template("report.html.j2")
    return template.render(css="", **report.template_names())


class Tables(HTMLParser):
    """Per table: its <col> count, its <th> count, and the <td> count of each body row."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"cols": 0, "headers": 0, "rows": []})
        elif tag == "col":
            self.tables[-1]["cols"] += 1
        elif tag == "th":
            self.tables[-1]["headers"] += 1
        elif tag == "tr" and self.tables[-1]["headers"]:
            self.tables[-1]["rows"].append(0)
        elif tag == "td":
            self.tables[-1]["rows"][-1] += 1


def test_every_section_is_a_frozen_dataclass_of_texts_and_tuples() -> None:
    assert len(SECTION_TYPES) > 20
    for kind in SECTION_TYPES:
        assert kind.__dataclass_params__.frozen, kind  # type: ignore[attr-defined]
        for name, hint in typing.get_type_hints(kind).items():
            allowed = hint in (str, bool) or hint in SECTION_TYPES
            allowed |= typing.get_origin(hint) is tuple
            assert allowed, (kind.__name__, name, hint)
            assert not isinstance(hint, types.UnionType), (kind.__name__, name)


def test_the_template_names_are_the_sections_themselves() -> None:
    report = made_up(listed=True)
    names = report.template_names()
    assert list(names) == [field.name for field in dataclasses.fields(Report)]
    assert names["poverty"] is report.poverty  # a dataclass, not a dict copy of one
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.poverty.sentence = "x"  # type: ignore[misc]


@pytest.mark.parametrize("listed", [True, False])
def test_the_template_prints_every_field_it_is_given(listed: bool) -> None:
    report = made_up(listed)
    html = render(report)
    # With the communes listed, the note saying where they are instead is not printed, and the
    # other way round the lists are not.
    # The made-up amendments moved figures: what one that moved none says is not printed.
    skipped: list[str] = [a.unchanged for a in (*report.own_amendment, *report.amendments)]
    # The household review: its own section in Q4 (``full``), else only its sentences; its
    # appendix of communes whenever it has rows.
    h = report.households
    if not h.full:
        shown = [*h.sentences, h.communes_title, h.communes_intro, *texts(h.communes)]
        skipped += [t for t in texts(h) if t not in shown]
    if listed:
        # The made-up lists are not empty: what an empty one says is not printed.
        skipped += texts(report.commune_lists.note) + texts(report.commune_lists.empty)
    else:
        skipped += texts(report.assessment.off_track) + texts(report.labour.below)
        skipped += texts(report.commune_lists.empty) + texts(report.sponsors)
    for text in texts(report):
        assert (text in html) != (text in skipped), text


def test_every_table_has_a_cell_under_each_header() -> None:
    parser = Tables()
    parser.feed(render(made_up(listed=True)))
    assert len(parser.tables) >= 12
    for table in parser.tables:
        assert table["rows"], table
        assert all(cells == table["headers"] for cells in table["rows"]), table
        assert table["cols"] in (0, table["headers"]), table


def test_rate_tables_head_each_column_they_fill() -> None:
    report = made_up(listed=True)
    for table in (report.poverty.districts, report.labour.districts, report.social.districts):
        assert all(len(row.cells) == len(table.columns) for row in table.rows)
    for appendix in report.appendices:
        assert all(len(row.cells) == len(appendix.columns) for row in appendix.rows)


def made_up_review() -> Review:
    review = sample(Review, "review", itertools.count(), True)
    assert isinstance(review, Review)
    return review


def test_the_review_template_prints_every_field_it_is_given() -> None:
    review = made_up_review()
    html = environment().get_template("review.html.j2").render(css="", **review.template_names())
    # The made-up lists are not empty: what an empty one says is not printed.
    skipped = [review.never_met_empty, review.by_sponsor_empty]
    for text in texts(review):
        assert (text in html) != (text in skipped), text


class Sentences(HTMLParser):
    """The template's own text outside headings, table headers and bold labels."""

    SKIPPED: typing.ClassVar = {"h1", "h2", "h3", "th", "b", "title", "style"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in {"col", "img", "meta", "br"}:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if text and not self.SKIPPED & set(self.open):
            self.found.append(text)


@pytest.mark.parametrize(
    "name", ["_base.html.j2", "_macros.html.j2", "report.html.j2", "review.html.j2"]
)
def test_no_sentence_is_written_in_a_template(name: str) -> None:
    """Every sentence comes from the context: a template's own words are headings, column
    headers and labels ("Nơi nhận:"), never a sentence or a lead-in to a table."""
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    bare = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", source, flags=re.S)
    parser = Sentences()
    parser.feed(bare)
    labels = {"Nơi nhận:", "BẢN ĐIỀU CHỈNH", "*", "-----", "-", "(", ")"}
    sentences = [
        text
        for text in parser.found
        if text not in labels and (text.endswith((".", ":")) or ". " in text or len(text) > 40)
    ]
    assert sentences == []
