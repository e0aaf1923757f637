"""Rules every page under docs/ keeps, checked on the page sources."""

from __future__ import annotations

import ast
import re

import pytest
from page_sources import SNIPPETS, fences, pages

PAGES = pages()
RECORDED_SIDE = SNIPPETS / "rosetta" / "torch_side.py"


def test_there_are_pages():
    assert {p.stem for p in PAGES} >= {"index", "gradient-vs-jacobian"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_doctest_fences_end_with_a_blank_line(page):
    # pytest reads a fence's closing line as expected output unless a blank line precedes it.
    for fence in fences(page):
        if ">>>" in fence.body and not fence.is_code_cell:
            assert fence.body.endswith("\n\n"), f"{page.name}: add a blank line before the closing fence"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_code_cells_define_nothing(page):
    # Definitions live in snippets/, where their doctests assert them; cells only call them.
    for fence in fences(page):
        if fence.is_code_cell:
            tree = ast.parse(fence.code)
            defined = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)]
            assert not defined, f"{page.name}: move {[n.name for n in defined]} into snippets/"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_shown_snippets_are_run(page):
    """Every function a page shows with literalinclude is also called in one of its cells."""
    cells = "\n".join(f.code for f in fences(page) if f.is_code_cell)
    for fence in fences(page):
        if fence.info.strip().startswith("{literalinclude}") and "pyobject" in fence.options:
            path = (page.parent / fence.info.split("}", 1)[1].strip()).resolve()
            assert path.is_relative_to(SNIPPETS), f"{page.name}: show code from snippets/, not {path}"
            name = fence.options["pyobject"].split(".")[-1]
            if path == RECORDED_SIDE:
                # PyTorch is not in the build: the page renders what the `rosetta_torch` session
                # recorded from this very source (recording.recorded refuses a stale hash).
                assert re.search(rf"\brecorded\(\"{name}\"\)", cells), (
                    f"{page.name}: shows {name}, never renders it"
                )
                continue
            assert re.search(rf"\b{name}\(", cells), f"{page.name}: shows {name} but never runs it"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_have_a_description(page):
    head = page.read_text(encoding="utf-8").split("\n---\n", 1)[0]
    assert re.search(r"description: \S", head), f"{page.name}: add myst.html_meta.description"
