"""The error gallery's generated parts, made from the entries' data: its symptom table and quoted lines.

``snippets/error_gallery/entries.py`` holds every entry of ``docs/error-gallery.md`` as data;
the page keeps its prose and places what is made from the data with three directives:

- ``{gallery-symptoms}``: the "Find your symptom" table, a row per symptom of every entry;
- ``{gallery-message} <label>``: the entry's ``**Message:** `...` `` lines (the option
  ``:messages: 2`` picks some of them, by their number in the data, for an entry that quotes
  one message after its mistake and another further down);
- ``{gallery-source} <label>``: the entry's ``**Source:**`` line.

Each directive writes Markdown (made by the data module) and parses it as MyST where it
stands, so links, code and tables come out as the same text written by hand would. The page
depends on the data module: Sphinx re-reads it when the data changes.

When a page has been read, every directive must sit in the section its label names, and each
labelled level-3 section (``(gallery-…)=``) must carry the data's heading under the data's
level-2 section; on the page with the table, every entry of the data must be there, in the
data's order, with each message and the source line placed once. Anything else is a warning,
so the strict build fails on it.

No maintained extension fits: MyST's substitutions or sphinx-jinja could template text from a
dictionary, but neither knows which section a quote belongs to, checks the page's own headings
and labels against the data, or makes the page depend on a Python module.
"""

from __future__ import annotations

from collections import Counter

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from snippets.error_gallery import entries as data

logger = logging.getLogger(__name__)

LABEL_PREFIX = "gallery-"


class gallery_mark(nodes.Invisible, nodes.Element):  # docutils names its node classes in lower case
    """Where a directive stood, for the checks after reading; removed before anything is written."""


def _warn(message: str, *args, location) -> None:
    logger.warning(message, *args, location=location, type="tapeguide", subtype="error_gallery")


class _GalleryDirective(SphinxDirective):
    part = ""

    def parsed(self, markdown: str, label: str = "", numbers: tuple[int, ...] = ()) -> list[nodes.Node]:
        """A mark for the checks, then ``markdown`` parsed where the directive stands."""
        self.env.note_dependency(data.__file__)
        mark = gallery_mark(part=self.part, label=label, numbers=numbers)
        self.set_source_info(mark)
        holder = nodes.Element()
        source, _ = self.get_source_info()
        self.state.nested_parse(StringList(markdown.splitlines(), source), self.content_offset, holder)
        return [mark, *holder.children]

    def entry(self) -> data.Entry:
        try:
            return data.entry(self.arguments[0])
        except KeyError as error:
            raise self.error(f"{error.args[0]} (snippets/error_gallery/entries.py)") from None


class SymptomTable(_GalleryDirective):
    """``{gallery-symptoms}``: the table of every entry's symptoms, each linked to its entry."""

    part = "symptoms"

    def run(self) -> list[nodes.Node]:
        return self.parsed(data.symptom_table())


class QuotedMessages(_GalleryDirective):
    """``{gallery-message} <label>``: the entry's ``**Message:**`` lines (``:messages:`` picks some)."""

    part = "message"
    required_arguments = 1
    option_spec = {"messages": directives.positive_int_list}  # noqa: RUF012 (docutils' own API)

    def run(self) -> list[nodes.Node]:
        entry = self.entry()
        numbers = tuple(self.options.get("messages", range(1, len(entry.messages) + 1)))
        if not entry.messages or not set(numbers) <= set(range(1, len(entry.messages) + 1)):
            raise self.error(f"{entry.label} quotes {len(entry.messages)} message(s); asked for {numbers}")
        lines = "\n\n".join(entry.messages[number - 1].markdown for number in numbers)
        return self.parsed(lines, entry.label, numbers)


class SourceLine(_GalleryDirective):
    """``{gallery-source} <label>``: the entry's ``**Source:**`` line."""

    part = "source"
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        entry = self.entry()
        return self.parsed(entry.source_markdown, entry.label)


def _label(section: nodes.Element) -> str | None:
    return next((name for name in section["ids"] if name.startswith(LABEL_PREFIX)), None)


def _depth(section: nodes.Element) -> int:
    depth, node = 0, section
    while node is not None:
        depth += isinstance(node, nodes.section)
        node = node.parent
    return depth


# Sphinx's smart quotes curl the quotes of a heading before the checks read it; the data keeps them straight.
STRAIGHT_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _title(section: nodes.Element) -> str:
    if not section.children or not isinstance(section[0], nodes.title):
        return ""
    return section[0].astext().translate(STRAIGHT_QUOTES)


def check_page(app: Sphinx, doctree: nodes.document) -> None:
    """Hold a page that uses the directives to the data; then drop the marks."""
    marks = list(doctree.findall(gallery_mark))
    if not marks:
        return
    by_label = {entry.label: entry for entry in data.ENTRIES}
    for mark in marks:
        if mark["label"] and mark["label"] not in mark.parent.get("ids", ()):
            _warn(
                "{gallery-%s} %s stands outside the section labelled %s",
                mark["part"], mark["label"], mark["label"], location=mark,
            )  # fmt: skip
    sections = [section for section in doctree.findall(nodes.section) if _label(section)]
    for section in sections:
        label = _label(section)
        entry = by_label.get(label)
        if entry is None:
            _warn("section %s has no entry in snippets/error_gallery/entries.py", label, location=section)
            continue
        if _depth(section) != 3 or _title(section) != entry.plain_heading:
            _warn(
                "section %s must be a level-3 heading that reads %r, as in snippets/error_gallery/entries.py",
                label, entry.plain_heading, location=section,
            )  # fmt: skip
        if _title(section.parent) != data.plain(entry.section):
            _warn("section %s must be under the level-2 section %r", label, entry.section, location=section)
    if any(mark["part"] == "symptoms" for mark in marks):
        _check_completeness(doctree, [_label(section) for section in sections], marks)
    for mark in marks:
        mark.parent.remove(mark)


def _check_completeness(doctree: nodes.document, labels: list[str], marks: list[gallery_mark]) -> None:
    """The page with the table shows every entry in the data's order, each quote exactly once."""
    expected = [entry.label for entry in data.ENTRIES]
    if labels != expected:
        _warn(
            "the gallery's entries are not the data's (snippets/error_gallery/entries.py): "
            "only in the data %s, only on the page %s; or the order differs",
            [label for label in expected if label not in labels],
            [label for label in labels if label not in expected],
            location=doctree,
        )  # fmt: skip
    placed = Counter((mark["label"], mark["part"], number) for mark in marks for number in mark["numbers"])
    placed.update((mark["label"], "source", 0) for mark in marks if mark["part"] == "source")
    shown = [entry for entry in data.ENTRIES if entry.label in labels]  # a missing one is reported above
    wanted = Counter((entry.label, "source", 0) for entry in shown)
    wanted.update(
        (entry.label, "message", number) for entry in shown for number in range(1, len(entry.messages) + 1)
    )
    for label, part, number in sorted(set(wanted) | set(placed)):
        if placed[(label, part, number)] != wanted[(label, part, number)]:
            what = f"message {number}" if part == "message" else "source line"
            _warn(
                "%s of %s is placed %d time(s); place it once ({gallery-%s})",
                what, label, placed[(label, part, number)], part, location=doctree,
            )  # fmt: skip


def setup(app: Sphinx) -> dict:
    app.add_node(gallery_mark)
    app.add_directive("gallery-symptoms", SymptomTable)
    app.add_directive("gallery-message", QuotedMessages)
    app.add_directive("gallery-source", SourceLine)
    app.connect("doctree-read", check_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
