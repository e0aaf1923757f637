"""Every page of the built site, in desktop light, desktop dark and a phone, in Chromium."""

from __future__ import annotations

import ast
import json

import pytest
from site_under_test import PROFILES, TEXT_PAGE_BUDGET, executed_notebook, site_pages

PAGES = site_pages()
CASES = [pytest.param(page, profile, id=f"{page}-{profile}") for page in PAGES for profile in PROFILES]


@pytest.mark.parametrize(("page", "profile"), CASES)
def test_page_loads_cleanly(visit, page, profile):
    """The page loads, logs no error, every request succeeds and none leaves the local server."""
    seen = visit(page, profile)
    assert seen.status == 200, f"{page}: HTTP {seen.status}"
    assert not seen.console_errors, f"{page}: console errors:\n" + "\n".join(seen.console_errors)
    assert not seen.failed_requests, f"{page}: failed requests:\n" + "\n".join(seen.failed_requests)
    assert not seen.foreign_requests, f"{page}: requests to other hosts:\n" + "\n".join(seen.foreign_requests)
    assert seen.loaded, f"{page}: no request was recorded"


@pytest.mark.parametrize(("page", "profile"), CASES)
def test_page_has_no_accessibility_violations(visit, page, profile):
    """axe-core (every rule it runs by default) finds nothing on the page."""
    seen = visit(page, profile)
    if profile == "desktop-dark":
        assert seen.theme == "dark", f"{page}: the dark profile did not switch the theme ({seen.theme!r})"
    assert not seen.axe_violations, f"{page} ({profile}):\n" + json.dumps(seen.axe_violations, indent=1)


@pytest.mark.parametrize(("page", "profile"), CASES)
def test_figures_load_and_nothing_scrolls_sideways(visit, page, profile):
    seen = visit(page, profile)
    assert not seen.broken_images, f"{page}: images that did not load: {seen.broken_images}"
    if profile == "phone":
        assert seen.scroll_width <= seen.inner_width, (
            f"{page}: the page scrolls sideways on a phone "
            f"({seen.scroll_width} px of content in a {seen.inner_width} px window)"
        )


def must_print(source: str) -> bool:
    """Whether a cell's code is bound to show output: it calls print, or ends in a plain expression.

    A trailing call may return None and print nothing, so only the executed notebook can
    say whether it showed something; a cell ending in ``;`` shows nothing by design.

    >>> must_print("x = f()\\nprint(x)"), must_print("f(2)"), must_print("shape"), must_print("x = 1")
    (True, False, True, False)
    """
    if source.rstrip().endswith(";"):
        return False
    tree = ast.parse(source)
    calls_print = any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
        for node in ast.walk(tree)
    )
    last = tree.body[-1] if tree.body else None
    ends_in_value = isinstance(last, ast.Expr) and not isinstance(last.value, ast.Call)
    return calls_print or ends_in_value


def shown_outputs(cell: dict) -> list[dict]:
    """A notebook cell's outputs that a page shows (myst-nb drops stderr: nb_output_stderr = "remove")."""
    outputs = cell.get("outputs", [])
    return [o for o in outputs if not (o["output_type"] == "stream" and o.get("name") == "stderr")]


def _normalized(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


@pytest.mark.parametrize("page", PAGES)
def test_every_code_cell_ran_and_shows_its_output(visit, page):
    """Each cell on the page was executed, and what it output is on the page, visible."""
    seen = visit(page, "desktop-light")
    if not seen.cells:
        return  # a page without code cells (search, genindex, a text-only page)
    notebook = executed_notebook(page)
    assert notebook, f"{page} has code cells but the site offers no executed notebook for it"
    executed = {_normalized("".join(c["source"])): c for c in notebook["cells"] if c["cell_type"] == "code"}
    for cell in seen.cells:
        source = _normalized(cell["source"])
        assert source in executed, f"{page}: no executed notebook cell has the code\n{source}"
        outputs = shown_outputs(executed[source])
        assert executed[source].get("execution_count"), f"{page}: this cell was never executed:\n{source}"
        if "tag_remove-output" in cell["classes"]:
            continue
        if "tag_raises-exception" in cell["classes"] or must_print(source):
            assert outputs, f"{page}: this cell should have shown output but produced none:\n{source}"
        if outputs:
            shown = cell["outputText"] or cell["outputImages"]
            assert shown, f"{page}: this cell's output is missing:\n{source}"
            # A `hide-output` cell folds its output behind a toggle, by the author's choice.
            folded = "tag_hide-output" in cell["classes"]
            assert cell["outputVisible"] or folded, f"{page}: the output of this cell is not shown:\n{source}"


@pytest.mark.parametrize("page", PAGES)
def test_text_pages_are_light(visit, page):
    """A page without figures weighs under the budget, compressed, with all it loads."""
    seen = visit(page, "desktop-light")
    if seen.figure_count:
        return  # figures are the content; their weight is the page's own business
    assert seen.transfer_size < TEXT_PAGE_BUDGET, (
        f"{page}: {seen.transfer_size / 1000:.0f} kB compressed, over {TEXT_PAGE_BUDGET / 1000:.0f} kB:\n"
        + "\n".join(f"{size:>8} {url}" for url, size in sorted(seen.loaded.items(), key=lambda kv: -kv[1]))
    )
