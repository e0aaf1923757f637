"""Rules every page under docs/ keeps, checked on the page sources."""

from __future__ import annotations

import ast

import pytest
from page_sources import SNIPPETS, Heading, blocks, blocks_in, code_cells, front_matter, headings, pages

PAGES = pages()
RECORDED_SIDE = SNIPPETS / "rosetta" / "torch_side.py"


def test_there_are_pages():
    assert {p.stem for p in PAGES} >= {"index", "gradient-vs-jacobian"}


def test_the_reader_finds_plain_and_nested_fences():
    # The rules below see a fence only if page_sources finds it, in prose or inside a directive.
    text = (
        "Text.\n\n```python\n>>> 1 + 1\n2\n```\n\n"
        "````{dropdown} Code\n```{literalinclude} f.py\n:pyobject: g\n```\n````\n"
    )
    found = blocks_in(text)
    assert [(b.directive, b.argument) for b in found] == [
        (None, ""), ("dropdown", "Code"), ("literalinclude", "f.py"),
    ]  # fmt: skip
    assert found[0].content == ">>> 1 + 1\n2\n"  # no blank line: the rule below fails on it
    assert found[2].options == {"pyobject": "g"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_doctest_fences_end_with_a_blank_line(page):
    # pytest reads a fence's closing line as expected output unless a blank line precedes it.
    # The reader gives markdown cells as text; their fences come from MyST's parser (page_sources.blocks).
    for block in blocks(page):
        if ">>>" in block.content and block.directive != "code-cell":
            assert block.content.endswith("\n\n"), f"{page.name}: add a blank line before the closing fence"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_code_cells_define_nothing(page):
    # Definitions live in snippets/, where their doctests assert them; cells only call them.
    for cell in code_cells(page):
        tree = ast.parse(cell.source)
        defined = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)]
        assert not defined, f"{page.name}: move {[n.name for n in defined]} into snippets/"


def _calls(page) -> list[ast.Call]:
    trees = [ast.parse(cell.source) for cell in code_cells(page)]
    return [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _callee(call: ast.Call) -> str | None:
    """``f`` for ``f(...)`` and for ``module.f(...)``."""
    function = call.func
    return function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_shown_snippets_are_run(page):
    """Every function a page shows with literalinclude is also called in one of its cells."""
    calls = _calls(page)
    called = {_callee(call) for call in calls}
    rendered = {
        call.args[0].value
        for call in calls
        if _callee(call) == "recorded" and call.args and isinstance(call.args[0], ast.Constant)
    }
    for block in blocks(page):
        if block.directive == "literalinclude" and "pyobject" in block.options:
            path = (page.parent / block.argument).resolve()
            assert path.is_relative_to(SNIPPETS), f"{page.name}: show code from snippets/, not {path}"
            name = block.options["pyobject"].split(".")[-1]
            if path == RECORDED_SIDE:
                # PyTorch is not in the build: the page renders what the `rosetta_torch` session
                # recorded from this very source (recording.recorded refuses a stale hash).
                assert name in rendered, f"{page.name}: shows {name}, never renders it"
                continue
            assert name in called, f"{page.name}: shows {name} but never runs it"


def test_headings_come_from_markdown_cells_with_their_labels(tmp_path):
    # A `#` comment in a code cell is code; a `(label)=` target names the heading below it.
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n(a-label)=\n## Part\n\n```{code-cell} ipython3\n# a comment\n```\n\n### More\n"
    )
    assert headings(page) == [Heading(1, "Title"), Heading(2, "Part", "a-label"), Heading(3, "More")]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_have_a_description(page):
    description = front_matter(page).get("myst", {}).get("html_meta", {}).get("description", "")
    assert description.strip(), f"{page.name}: add myst.html_meta.description"
