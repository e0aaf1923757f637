"""The error gallery quotes only what TensorFlow really says, and every entry has a source.

The entries are data (``snippets/error_gallery/entries.py``): each quoted message names the
snippet function whose mistake produces it, and these tests call that function and check that
the message appears verbatim in what it raised, printed or returned. The page
(docs/error-gallery.md, read with myst-nb's reader and MyST's parser, as the build reads it) must
hold the same entries, with the data's labels and headings, each showing its producers in its code
cells and placing its generated lines once; the symptom table is generated and only repeats data.
A small site built with ``conf/_ext/error_gallery.py`` shows what the directives write and warn.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import io
import pkgutil
import re
import warnings as warnings_module
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from docutils.parsers.rst import directives
from page_sources import DOCS, Block, Heading, Paragraph, notebook, parts_in
from small_site import write_small_site
from sphinx.cmd.build import build_main
from sphinx.deprecation import RemovedInSphinx11Warning

import snippets.error_gallery
from snippets.error_gallery.entries import ENTRIES, LOGGED, RAISED, SECTIONS, Entry, Message, symptom_table

ROOT = Path(__file__).resolve().parent.parent
PAGE = DOCS / "error-gallery.md"
TEXT = PAGE.read_text(encoding="utf-8")
QUOTING = [entry for entry in ENTRIES if entry.messages]


@dataclass
class PageEntry:
    """A level-3 section of the page under one of the gallery's sections, as MyST parses it."""

    section: str
    heading: str
    label: str | None
    code_cells: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    placed: list[tuple[str, str, tuple[int, ...]]] = field(default_factory=list)  # directive, label, numbers


def _numbers(block: Block) -> tuple[int, ...]:
    """The messages a ``{gallery-message}`` picks, converted as the directive converts them."""
    chosen = block.options.get("messages")
    return tuple(directives.positive_int_list(str(chosen))) if chosen is not None else ()


def read_page(page: Path) -> tuple[list[PageEntry], list[tuple[str, str]]]:
    """The page's entries, and every gallery directive outside them as (section, directive)."""
    entries: list[PageEntry] = []
    outside: list[tuple[str, str]] = []
    section, current = "", None
    for cell in notebook(page).cells:
        if cell.cell_type == "code":
            if current is not None:
                current.code_cells.append(cell.source)
            continue
        for part in parts_in(cell.source):
            if isinstance(part, Heading):
                if part.level == 2:
                    section, current = part.text, None
                elif part.level == 3 and section in SECTIONS:
                    current = PageEntry(section, part.text, part.label)
                    entries.append(current)
                else:
                    current = None
            elif isinstance(part, Block) and (part.directive or "").startswith("gallery-"):
                if current is None:
                    outside.append((section, part.directive))
                else:
                    current.placed.append((part.directive, part.argument, _numbers(part)))
            elif isinstance(part, Paragraph) and current is not None:
                current.paragraphs.append(part.text)
    return entries, outside


PAGE_ENTRIES, OUTSIDE = read_page(PAGE)
ON_PAGE = {entry.label: entry for entry in PAGE_ENTRIES}


@cache
def produced(producer: str) -> str:
    """What ``module.function`` (under snippets.error_gallery) printed and raised or returned."""
    module, function = Message("", producer).producer_path
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            result = getattr(importlib.import_module(module), function)()
    except Exception as error:
        return f"{out.getvalue()}{type(error).__name__}: {error}"
    return out.getvalue() + "\n".join(_strings(result))


def _strings(value) -> list[str]:
    """Every string in a returned value (warnings come back in lists, tuples and dicts)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


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


def test_the_page_holds_the_data_s_entries_with_their_labels_and_headings():
    on_page = [(entry.section, entry.label, entry.heading) for entry in PAGE_ENTRIES]
    in_data = [(entry.section, entry.label, entry.heading) for entry in ENTRIES]
    missing = [item for item in in_data if item not in on_page]
    extra = [item for item in on_page if item not in in_data]
    assert not missing and not extra, f"only in the data: {missing}\nonly on the page: {extra}"
    assert on_page == in_data, "the page must hold the entries in the data's order"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.label)
def test_entry_has_an_anchor_a_source_and_runs_code(entry):
    assert entry.label.startswith("gallery-"), f"{entry.heading}: label it gallery-..."
    assert entry.sources, f"{entry.label}: add a Source"
    assert all(source.url.startswith("https://") for source in entry.sources), entry.sources
    assert ON_PAGE[entry.label].code_cells, f"{entry.heading}: show the mistake in a code cell"


def test_labels_are_unique_and_the_table_links_every_entry():
    labels = [entry.label for entry in ENTRIES]
    assert len(labels) == len(set(labels))
    linked = {entry.label for entry in ENTRIES for symptom in entry.symptoms if not symptom.target}
    assert set(labels) <= linked, f"add a symptom to: {set(labels) - linked}"
    for entry in ENTRIES:
        for symptom in entry.symptoms:
            if symptom.target:  # another page's section
                page, _, anchor = symptom.target.partition("#")
                assert (DOCS / page).is_file() and anchor, f"{entry.label}: {symptom.target}"


def test_the_table_on_the_page_is_the_generated_one():
    assert OUTSIDE == [("Find your symptom", "gallery-symptoms")], OUTSIDE
    assert "| What you see |" not in TEXT, "the table is generated: {gallery-symptoms}"
    rows = symptom_table().splitlines()[2:]
    assert len(rows) == sum(len(entry.symptoms) for entry in ENTRIES)
    assert all(any(f"(#{entry.label})" in row for row in rows) for entry in ENTRIES)


def test_table_quotes_only_verified_text():
    for entry in QUOTING:
        for symptom in entry.symptoms:
            if not symptom.target:
                assert symptom.seen in [entry.heading, *(message.text for message in entry.messages)], (
                    f"table row {symptom.seen!r} must repeat the heading or a quoted message of {entry.label}"
                )


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.label)
def test_errors_and_warnings_quote_their_message(entry):
    if entry.section in (RAISED, LOGGED):
        assert entry.messages, f"{entry.heading}: quote the message (entries.py, Message)"


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.label)
def test_each_message_and_the_source_are_placed_once_in_their_entry(entry):
    placed = ON_PAGE[entry.label].placed
    assert all(label == entry.label for _, label, _ in placed), f"{entry.label}: {placed}"
    numbers = [
        number
        for directive, _, chosen in placed
        if directive == "gallery-message"
        for number in (chosen or range(1, len(entry.messages) + 1))
    ]
    assert sorted(numbers) == list(range(1, len(entry.messages) + 1)), f"{entry.label}: messages {numbers}"
    assert [directive for directive, _, _ in placed].count("gallery-source") == 1, entry.label
    if entry.messages:
        assert any(p.startswith("**Mistake.**") for p in ON_PAGE[entry.label].paragraphs), entry.label


def test_the_batch_jacobian_typo_is_on_the_page_verbatim():
    # A browser test searches the site for this phrase, exactly as TensorFlow 2.21 prints it.
    assert "can only be used tocompute one set of gradients" in TEXT
    assert any(
        "can only be used tocompute one set of gradients" in m.text for e in QUOTING for m in e.messages
    )


def _imports_and_calls(cells: list[str]) -> tuple[set[tuple[str, str]], set[str]]:
    """What the cells import, as (module, name) from ``from module import ...``, and the names they call."""
    nodes = [node for cell in cells for node in ast.walk(ast.parse(cell))]
    imports = [node for node in nodes if isinstance(node, ast.ImportFrom)]
    imported = {(node.module, alias.name) for node in imports for alias in node.names}
    # ``f(...)`` and ``module.f(...)`` both call ``f``.
    calls = [node.func for node in nodes if isinstance(node, ast.Call)]
    called = {getattr(function, "id", getattr(function, "attr", None)) for function in calls}
    return imported, called


@pytest.mark.parametrize("entry", QUOTING, ids=lambda e: e.label)
def test_each_producer_is_shown_and_run_in_its_entry(entry):
    imported, called = _imports_and_calls(ON_PAGE[entry.label].code_cells)
    for message in entry.messages:
        module, function = message.producer_path
        assert (module, function) in imported, f"{entry.label}: no cell imports {message.producer}"
        assert function in called, f"{entry.label}: no cell calls {function}"


@pytest.mark.parametrize("entry", QUOTING, ids=lambda e: e.label)
def test_version_notes_name_a_release_the_entry_names(entry):
    prose = "\n".join(ON_PAGE[entry.label].paragraphs)
    for message in entry.messages:
        for release in re.findall(r"\b\d+\.\d+\b", message.by_version):
            assert release in prose, f"{entry.label}: the note names {release}, the entry does not"


@pytest.mark.parametrize("entry", QUOTING, ids=lambda e: e.label)
def test_quoted_text_is_what_really_happens(entry):
    mistake = produced(entry.messages[0].producer)
    # The heading and the first quoted message describe the mistake itself.
    assert entry.messages[0].text in mistake, (
        f"{entry.label}: {entry.messages[0].text!r} is not in:\n{mistake}"
    )
    for message in entry.messages[1:]:
        output = produced(message.producer)
        assert message.text in output, f"{entry.label}: {message.text!r} is not in what it did:\n{output}"
    kind, parts = heading_parts(entry)
    if kind != "Warning":
        assert f"{kind}: " in mistake, f"{entry.label}: the mistake did not raise {kind}:\n{mistake}"
    position = 0
    for part in parts:
        found = mistake.find(part, position)
        assert found >= 0, f"{entry.label}: heading text {part!r} is not in:\n{mistake}"
        position = found + len(part)


# --- the directives, on a small site ---------------------------------------------------------------

SMALL_GALLERY = """\
# Error gallery

## Find your symptom

```{gallery-symptoms}
```

## It raised an error

(gallery-rank-1)=
### ValueError: Shape (3,) must have rank at least 2

```{gallery-message} gallery-rank-1
```

Prose stays on the page.

```{gallery-source} gallery-rank-1
```

(gallery-list-source)=
### AttributeError: 'list' object has no attribute 'shape'

```{gallery-message} gallery-list-source
```

```{gallery-source} gallery-list-source
```

(gallery-rank-0)=
### IndexError: not the data's heading

```{gallery-message} gallery-rank-1
```

(gallery-made-up)=
### An entry the data does not have
"""


@pytest.fixture(scope="module")
def small_site(tmp_path_factory):
    """A site of one gallery page (the directives, one wrong heading, a made-up entry): (html, warnings)."""
    site = tmp_path_factory.mktemp("gallery")
    pages = {"index": "# Home\n\n```{toctree}\nerror-gallery\n```\n", "error-gallery": SMALL_GALLERY}
    write_small_site(site, pages, ["error_gallery"], nb_execution_mode="off")
    warnings = site / "warnings.txt"
    with warnings_module.catch_warnings():
        # The table links to entries this page lacks; myst-parser reports such a link through
        # an attribute Sphinx deprecates, and pytest makes that warning an error.
        warnings_module.simplefilter("ignore", RemovedInSphinx11Warning)
        arguments = ["-q", "-b", "html", "-w", str(warnings), "-c", str(site)]
        build_main([*arguments, str(site / "docs"), str(site / "html")])
    return (site / "html" / "error-gallery.html").read_text(encoding="utf-8"), warnings.read_text()


def test_the_directives_write_the_data_s_lines(small_site):
    html, _ = small_site
    entry = next(entry for entry in ENTRIES if entry.label == "gallery-rank-1")
    assert re.search(r"<strong>Message:</strong> <code[^>]*>.*Shape.*must.*have.*rank", html)
    assert f'href="{entry.sources[0].url}"' in html
    assert html.count("<tr") == 1 + sum(len(entry.symptoms) for entry in ENTRIES)
    assert "gallery_mark" not in html


def test_the_build_warns_where_the_page_and_the_data_differ(small_site):
    _, warnings = small_site
    expected = [
        "section gallery-rank-0 must be a level-3 heading that reads 'IndexError: list index out of range'",
        "{gallery-message} gallery-rank-1 stands outside the section labelled gallery-rank-1",
        "section gallery-made-up has no entry in snippets/error_gallery/entries.py",
        "the gallery's entries are not the data's (snippets/error_gallery/entries.py): only in the data [",
        "only on the page ['gallery-made-up']",
        "source line of gallery-rank-0 is placed 0 time(s)",
        "message 1 of gallery-rank-1 is placed 2 time(s)",
    ]
    missing = [text for text in expected if text not in warnings]
    assert not missing, f"{missing} not in:\n{warnings}"
    assert "gallery-rank-1 must be" not in warnings
    assert "gallery-list-source" not in warnings  # its heading's quotes are curled by the build
    assert "of gallery-tape-used-twice is placed" not in warnings  # its absence is reported once
