"""Every claim marker names a check, and every check backs at least one sentence."""

from __future__ import annotations

import pytest
from myst_nb.core.read import read_myst_markdown_notebook
from page_sources import notebook, pages

from snippets.support.claims import all_claims, check_names, claims_in

CHECKS = check_names()
CLAIMS = all_claims()


def test_the_site_has_claims_and_checks():
    assert CHECKS
    assert CLAIMS


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda claim: f"{claim.source}:{claim.check}")
def test_marker_names_a_check(claim):
    assert claim.check in CHECKS, (
        f"{claim.source}: '{claim.sentence}' names {claim.check}, which is not a check"
    )


@pytest.mark.parametrize("check", CHECKS)
def test_check_backs_a_sentence(check):
    assert any(claim.check == check for claim in CLAIMS), f"no sentence names the check {check}"


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda claim: f"{claim.source}:{claim.check}")
def test_marked_sentence_is_read_whole(claim):
    # The Claims page quotes the sentence; an empty or fragmentary one means the marker is misplaced.
    assert len(claim.sentence.split()) >= 3, f"{claim.source}: marker for {claim.check} follows no sentence"


def test_a_marker_without_a_check_is_found():
    (claim,) = claims_in("TensorFlow raises here.{claim}`no_such.check`", "page.md")
    assert claim.check not in CHECKS


@pytest.mark.parametrize("page", pages(), ids=lambda page: page.name)
def test_the_ledger_reads_the_cells_the_build_reads(page):
    # claims_on_page runs myst-nb's reader with MyST's default settings (the snippets package
    # cannot read conf/conf.py's through tests/page_sources.py); the site's must not move a cell.
    ledger = read_myst_markdown_notebook(page.read_text(encoding="utf-8")).cells
    build = notebook(page).cells
    assert [(cell.cell_type, cell.source) for cell in ledger] == [
        (cell.cell_type, cell.source) for cell in build
    ], f"{page.name}: the site's MyST settings read other cells; give claims_on_page those settings"
