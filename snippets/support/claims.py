"""The site's claims ledger: find every sentence marked as a claim and run the check behind it.

A sentence on a page that states what TensorFlow does, compares costs or relates two results
ends with a marker, ``{claim}`module.check```, naming a function in
:mod:`snippets.claim_checks`. The function runs the experiment that proves the sentence and
returns its evidence as one line; it raises :class:`ClaimFailed` when the sentence no longer
holds. The Claims page runs every check in the build, so a claim that stops holding fails
the build; ``tests/test_claims.py`` fails on a marker without a check and on a check no
sentence uses.
"""

from __future__ import annotations

import ast
import html
import importlib
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKS_PACKAGE = "snippets.claim_checks"
CHECKS_DIR = ROOT / "snippets" / "claim_checks"

MARKER = re.compile(r"\{claim\}`(?P<check>[\w.]+)`")
_SENTENCE_START = re.compile(r"(?:^|(?<=[.!?:;])\s+)(?=[A-Z`*\[(0-9$])")


class ClaimFailed(AssertionError):
    """A check found that the sentence it backs is no longer true."""


def require(condition: bool, message: str) -> None:
    """Raise :class:`ClaimFailed` with ``message`` unless ``condition`` holds.

    >>> require(1 + 1 == 2, "arithmetic")
    >>> require(1 + 1 == 3, "1 + 1 is not 3")
    Traceback (most recent call last):
    ...
    snippets.support.claims.ClaimFailed: 1 + 1 is not 3
    """
    if not condition:
        raise ClaimFailed(message)


def check_names(checks_dir: Path = CHECKS_DIR) -> list[str]:
    """Every check as ``module.function``, read from the source without importing it.

    >>> "gradient_vs_jacobian.gradient_of_loss_vector_is_b_times_the_mean_gradient" in check_names()
    True
    """
    names = []
    for path in sorted(checks_dir.glob("*.py")):
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names += [
            f"{path.stem}.{node.name}"
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
        ]
    return names


@dataclass(frozen=True)
class Claim:
    """One marked sentence: where it stands and the check that backs it."""

    check: str
    sentence: str
    source: str  # a page's path relative to docs/, or a snippet module's path relative to the root


def sentence_before(text: str, position: int) -> str:
    """The sentence that ends at ``position`` in Markdown ``text``, as plain words.

    >>> sentence_before("One thing. It **raises** a `ValueError`, see [here](x.md).", 58)
    'It raises a `ValueError`, see here.'
    """
    paragraph_start = text.rfind("\n\n", 0, position) + 2 if "\n\n" in text[:position] else 0
    # Earlier markers in the paragraph go first, so the punctuation before them ends their sentence.
    paragraph = " ".join(MARKER.sub("", text[paragraph_start:position]).split())
    # The table cell or list item the marker ends, not the whole block.
    paragraph = re.split(r"\s\|\s|^\s*[-*]\s|^\|\s*", paragraph)[-1]
    starts = [m.start() for m in _SENTENCE_START.finditer(paragraph)]
    sentence = paragraph[starts[-1] if starts else 0 :].strip()
    return plain_words(sentence)


def plain_words(markdown: str) -> str:
    """Markdown inline markup reduced to its words (code spans keep their backticks).

    >>> plain_words("See {term}`VJP` in [the glossary](glossary.md) and **this** {claim}`a.b`")
    'See VJP in the glossary and this'
    """
    text = MARKER.sub("", markdown)
    text = re.sub(r"\{[\w:-]+\}`([^`<]*?)(?:\s*<[^>]*>)?`", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\*\*|__", "", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", text)
    return " ".join(text.split())


def claims_in(text: str, source: str) -> list[Claim]:
    """The claims marked in a piece of Markdown prose (or a snippet module's text).

    >>> [c.check for c in claims_in("It raises.{claim}`a.b` It is free.{claim}`a.c`", "p.md")]
    ['a.b', 'a.c']
    >>> claims_in("It raises.{claim}`a.b`", "p.md")[0].sentence
    'It raises.'
    >>> claims_in("It raises.{claim}`a.b` It is free.{claim}`a.c`", "p.md")[1].sentence
    'It is free.'
    """
    return [Claim(m["check"], sentence_before(text, m.start()), source) for m in MARKER.finditer(text)]


def claims_on_page(text: str, source: str) -> list[Claim]:
    r"""The claims marked in a MyST page's markdown cells: a code cell holds code, not sentences.

    The cells come from myst-nb's reader, the function the build reads the page with. It runs with
    MyST's default settings: the site's extensions (conf/conf.py) do not move a cell's bounds on
    our pages, which ``tests/test_claims.py`` checks.

    >>> page = "It raises.{claim}`a.b`\n\n```{code-cell} ipython3\nprint('x.{claim}`a.c`')\n```\n"
    >>> [claim.check for claim in claims_on_page(page, "p.md")]
    ['a.b']
    """
    # myst-nb is a docs dependency, not the package's: the checks import `require` from here
    # in sessions that do not install it.
    from myst_nb.core.read import read_myst_markdown_notebook

    cells = read_myst_markdown_notebook(text).cells
    prose = [cell.source for cell in cells if cell.cell_type == "markdown"]
    return [claim for text_of_cell in prose for claim in claims_in(text_of_cell, source)]


def all_claims(root: Path = ROOT) -> list[Claim]:
    """Every claim on the site: the pages under ``docs/`` and text that snippets write onto pages.

    >>> claims = all_claims()
    >>> len(claims) >= len(check_names())
    True
    """
    found = []
    for page in sorted((root / "docs").rglob("*.md")):
        found += claims_on_page(page.read_text(encoding="utf-8"), page.relative_to(root / "docs").as_posix())
    for module in sorted((root / "snippets").rglob("*.py")):
        if module.resolve() == Path(__file__).resolve():
            continue  # this module's own examples are not claims
        found += claims_in(module.read_text(encoding="utf-8"), module.relative_to(root).as_posix())
    return found


def check_function(name: str):
    """The function behind ``module.function`` in :mod:`snippets.claim_checks`.

    >>> check_function("gradient_vs_jacobian.gradient_of_loss_vector_is_b_times_the_mean_gradient").__name__
    'gradient_of_loss_vector_is_b_times_the_mean_gradient'
    """
    module, _, function = name.rpartition(".")
    return getattr(importlib.import_module(f"{CHECKS_PACKAGE}.{module}"), function)


@dataclass(frozen=True)
class Verdict:
    check: str
    holds: bool
    evidence: str


def run_check(name: str) -> Verdict:
    """Run one check; a check that raises anything records the failure as its evidence.

    >>> run_check("gradient_vs_jacobian.gradient_of_loss_vector_is_b_times_the_mean_gradient").holds
    True
    """
    try:
        evidence = check_function(name)()
    except Exception as failure:  # any exception means the claim is not shown to hold
        return Verdict(name, False, f"{type(failure).__name__}: {failure}")
    return Verdict(name, True, str(evidence))


def claims_table(root: Path = ROOT, only: list[str] | None = None) -> str:
    """The Claims page: every claim, its check, the check's evidence on this build's TensorFlow.

    ``only`` limits the table to some checks (the page runs them all). Raises
    :class:`ClaimFailed` after running every check when any fails, so the build fails.

    >>> name = "gradient_vs_jacobian.gradient_of_loss_vector_is_b_times_the_mean_gradient"
    >>> page = claims_table(only=[name])
    >>> page.count('<tr id="claim-'), "<strong>holds</strong>: ratio 2.0 at b=2" in page
    (1, True)
    """
    claims = all_claims(root)
    names = check_names(root / "snippets" / "claim_checks") if only is None else only
    verdicts = {name: run_check(name) for name in names}
    rows = []
    for name, verdict in verdicts.items():
        backed = [claim for claim in claims if claim.check == name]
        sentences = "".join(
            f"<li>{_with_code(claim.sentence)} "
            f"<span class='claim-source'>({_source_link(claim.source)})</span></li>"
            for claim in backed
        )
        doc = inspect.getdoc(check_function(name)).split("\n\n")[0]
        status = "holds" if verdict.holds else "FAILS"
        rows.append(
            f'<tr id="claim-{name}"><td><ul>{sentences}</ul></td>'
            f"<td><code>{name}</code><br>{_with_code(doc)}</td>"
            f"<td><strong>{status}</strong>: {_with_code(verdict.evidence)}</td></tr>"
        )
    failed = [v for v in verdicts.values() if not v.holds]
    if failed:
        raise ClaimFailed("; ".join(f"{v.check}: {v.evidence}" for v in failed))
    return (
        '<div class="claims-table"><table class="table"><thead><tr><th>sentence (page)</th>'
        "<th>check</th><th>verdict and evidence</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )


def _with_code(text: str) -> str:
    """HTML for a sentence or docstring line: code spans (Markdown or reST) as code, ``$maths$`` in italics.

    >>> _with_code("``gradient`` of `y` is $b$ times <that>")
    '<code>gradient</code> of <code>y</code> is <i>b</i> times &lt;that&gt;'
    """
    text = html.escape(text.replace("``", "`"), quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\$([^$]+)\$", r"<i>\1</i>", text)


def _source_link(source: str) -> str:
    if source.endswith(".md"):
        return f'<a href="{source[:-3]}.html">{html.escape(source[:-3])}</a>'
    return f"<code>{html.escape(source)}</code>"
