"""README's "Pages and their modules" table is the real map from each page to the code it runs.

A page's modules are the ``snippets`` modules its code cells import (a subpackage that holds one
page's examples, such as ``snippets/error_gallery/``, counts once); its claim checks are the
modules of ``snippets/claim_checks/`` that its ``{claim}`` markers name.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from page_sources import code_cells, pages

from snippets.support.claims import claims_on_page

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SECTION = "## Pages and their modules"
# Subpackages that hold one page's (or one tool's) code: a page importing any of their modules
# uses the package.
PACKAGES = ("snippets.error_gallery", "snippets.rosetta", "snippets.bench")


def _module_path(name: str) -> str:
    for package in PACKAGES:
        if name == package or name.startswith(package + "."):
            return package.replace(".", "/") + "/"
    return name.replace(".", "/") + ".py"


def _imports(code: str) -> set[str]:
    found = set()
    lines = [line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))]
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("snippets."):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("snippets.")}
    return found


def actual_map() -> dict[str, tuple[str, str]]:
    """Each page (``docs/x.md``) -> (its modules, its claim-check modules), as README writes them."""
    rows = {}
    for page in pages():
        modules = {_module_path(name) for cell in code_cells(page) for name in _imports(cell.source)}
        claims = claims_on_page(page.read_text(encoding="utf-8"), page.name)
        checks = {claim.check.split(".")[0] for claim in claims}
        rows[f"docs/{page.name}"] = (
            ", ".join(f"`{m}`" for m in sorted(modules)) or "none",
            ", ".join(f"`{c}.py`" for c in sorted(checks)) or "none",
        )
    return rows


def readme_map() -> dict[str, tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    section = section[: section.find("\n## ", 1)]
    rows = re.findall(r"^\| `(docs/[\w-]+\.md)` \| (.+?) \| (.+?) \|$", section, re.M)
    return {page: (modules, checks) for page, modules, checks in rows}


def test_readme_maps_every_page_to_the_modules_it_runs():
    expected = actual_map()
    table = "\n".join(f"| `{page}` | {modules} | {checks} |" for page, (modules, checks) in expected.items())
    assert readme_map() == expected, f"update README's {SECTION!r} table to:\n{table}"


def test_every_module_in_the_map_exists():
    for modules, _ in actual_map().values():
        for path in re.findall(r"`([^`]+)`", modules):
            assert (ROOT / path).exists(), path
