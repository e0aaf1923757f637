"""The error gallery quotes only what TensorFlow really says, and every entry has a source.

Each entry of docs/error-gallery.md is a level-3 section. An entry that quotes a
message does so in its heading and in ``**Message:** `...` `` lines; this test runs
the entry's code cells (as the page build does) and checks that every quoted text
appears verbatim in what they really raised or printed. The summary table at the top
may only repeat an entry's heading or one of its quoted messages.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import pkgutil
import re
from dataclasses import dataclass, field

import pytest
from page_sources import DOCS, FENCE, Fence

import snippets.error_gallery

PAGE = DOCS / "error-gallery.md"
GALLERY_SECTIONS = (
    "It raised an error",
    "It logged a warning",
    "It returned `None`",
    "It returned a number you did not ask for",
)
MESSAGE = re.compile(r"^\*\*Message:\*\* `(?P<text>[^`]+)`\s*$", re.M)
SOURCE_LINE = re.compile(r"^\*\*Source:\*\*(?P<rest>.*?)(?:\n\n|\Z)", re.M | re.S)
URL = re.compile(r"\]\((https://[^)\s]+)\)")
LABEL = re.compile(r"^\((?P<label>[\w-]+)\)=\s*$")
TABLE_ROW = re.compile(r"^\| (?P<symptom>.+?) \| \[(?P<text>[^\]]+)\]\(#(?P<label>[\w-]+)\) \|\s*$", re.M)


@dataclass
class Entry:
    section: str
    heading: str
    label: str | None
    body: str
    messages: list[str] = field(default_factory=list)

    @property
    def cells(self) -> list[Fence]:
        return [fence for fence in fences_of(self.body) if fence.is_code_cell]

    @property
    def source_urls(self) -> list[str]:
        match = SOURCE_LINE.search(self.body)
        return URL.findall(match["rest"]) if match else []


def fences_of(text: str) -> list[Fence]:
    """The fenced blocks of a piece of a page, parsed as ``page_sources.fences`` parses a file."""
    return [Fence(m["info"], m["body"]) for m in FENCE.finditer(text)]


def parse_entries(text: str) -> list[Entry]:
    entries: list[Entry] = []
    section, label, current = "", None, None
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            section, current = line[3:].strip(), None
            continue
        if match := LABEL.match(line):
            label = match["label"]
            continue
        if line.startswith("### "):
            current = Entry(section, line[4:].strip(), label, "")
            label = None
            if section in GALLERY_SECTIONS:
                entries.append(current)
            continue
        if current is not None:
            current.body += line
    for entry in entries:
        entry.messages = [m["text"] for m in MESSAGE.finditer(entry.body)]
    return entries


TEXT = PAGE.read_text(encoding="utf-8")
ENTRIES = parse_entries(TEXT)
QUOTING = [entry for entry in ENTRIES if entry.messages]


def run_cells(entry: Entry) -> list[str]:
    """Run the entry's cells in order, in one namespace; return what each one printed and raised."""
    namespace: dict = {}
    produced = []
    for cell in entry.cells:
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(cell.code, f"<{entry.label} cell>", "exec"), namespace)
        except Exception as error:
            produced.append(f"{out.getvalue()}{type(error).__name__}: {error}")
        else:
            produced.append(out.getvalue())
    return produced


def mistake_cell_index(entry: Entry) -> int:
    """Position, among the entry's cells, of the first cell after its ``**Mistake.**`` paragraph."""
    before = entry.body[: entry.body.index("**Mistake.**")]
    return sum(1 for fence in fences_of(before) if fence.is_code_cell)


def heading_parts(entry: Entry) -> tuple[str, list[str]]:
    """``"Type: phrase … phrase"`` -> ``("Type", ["phrase", "phrase"])``."""
    kind, _, phrase = entry.heading.partition(": ")
    return kind, [part.strip() for part in phrase.split("…") if part.strip()]


GALLERY_MODULES = [
    importlib.import_module(f"snippets.error_gallery.{info.name}")
    for info in pkgutil.iter_modules(snippets.error_gallery.__path__)
]


@pytest.mark.parametrize("module", GALLERY_MODULES, ids=lambda m: m.__name__)
def test_gallery_functions_have_doctests(module):
    # tests/test_snippets_have_doctests.py looks at the top level of snippets/ only.
    assert module.__doc__ and module.__doc__.strip(), f"{module.__name__}: add a module docstring"
    for name, function in inspect.getmembers(module, inspect.isfunction):
        if function.__module__ == module.__name__ and not name.startswith("_"):
            assert ">>>" in (function.__doc__ or ""), f"{module.__name__}.{name} needs a doctest example"


def test_there_are_at_least_15_entries():
    assert len(ENTRIES) >= 15, [e.heading for e in ENTRIES]
    assert len(QUOTING) >= 10


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.label or e.heading)
def test_entry_has_an_anchor_a_source_and_runs_code(entry):
    assert entry.label and entry.label.startswith("gallery-"), f"{entry.heading}: add a (gallery-...)= label"
    assert entry.source_urls, f"{entry.heading}: add a **Source:** line with a link"
    assert entry.cells, f"{entry.heading}: show the mistake in a code cell"


def test_labels_are_unique_and_the_table_links_every_entry():
    labels = [entry.label for entry in ENTRIES]
    assert len(labels) == len(set(labels))
    linked = {match["label"] for match in TABLE_ROW.finditer(TEXT)}
    assert linked <= set(labels), linked - set(labels)
    assert set(labels) <= linked, f"add to the table: {set(labels) - linked}"


def test_table_quotes_only_verified_text():
    by_label = {entry.label: entry for entry in ENTRIES}
    for match in TABLE_ROW.finditer(TEXT):
        entry = by_label[match["label"]]
        if entry.messages:
            assert match["symptom"] in [entry.heading, *entry.messages], (
                f"table row {match['symptom']!r} must repeat the heading or a quoted message of {entry.label}"
            )


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.label or e.heading)
def test_errors_and_warnings_quote_their_message(entry):
    if entry.section in ("It raised an error", "It logged a warning"):
        assert entry.messages, f"{entry.heading}: quote the message in a **Message:** line"


def test_the_batch_jacobian_typo_is_on_the_page_verbatim():
    # A browser test searches the site for this phrase, exactly as TensorFlow 2.21 prints it.
    assert "can only be used tocompute one set of gradients" in TEXT


@pytest.mark.parametrize("entry", QUOTING, ids=lambda e: e.label)
def test_quoted_text_is_what_really_happens(entry):
    produced = run_cells(entry)
    mistake = produced[mistake_cell_index(entry)]
    everything = "\n".join(produced)
    # The heading and the first quoted message describe the mistake itself.
    assert entry.messages[0] in mistake, f"{entry.label}: {entry.messages[0]!r} is not in:\n{mistake}"
    for message in entry.messages[1:]:
        assert message in everything, f"{entry.label}: {message!r} is not in the cells' output:\n{everything}"
    kind, parts = heading_parts(entry)
    if kind != "Warning":
        assert f"{kind}: " in mistake, f"{entry.label}: the mistake did not raise {kind}:\n{mistake}"
    position = 0
    for part in parts:
        found = mistake.find(part, position)
        assert found >= 0, f"{entry.label}: heading text {part!r} is not in:\n{mistake}"
        position = found + len(part)
