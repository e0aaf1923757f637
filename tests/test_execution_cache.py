"""The execution cache is never stale: it re-runs a page exactly when its code or its snippets change.

Builds a one-page site with a stand-in snippet package (no TensorFlow, so the kernel
starts quickly) through the real extensions (page_prelude and snippet_cache_key), several times over.
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest
from small_site import write_small_site
from sphinx.cmd.build import build_main

CONF_EXT = Path(__file__).resolve().parent.parent / "conf" / "_ext"
sys.path.insert(0, str(CONF_EXT))

from page_prelude import prelude_cell, with_prelude  # noqa: E402
from snippet_cache_key import (  # noqa: E402
    FINGERPRINT_CELL_MARKER,
    fingerprint,
    imported_modules,
    module_files,
    page_dependencies,
    read_page,
)

PAGE = """\
---
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
execution_dependencies: [numbers.json]
---

# Greeting

```{code-cell} ipython3
from stand_in.greeting import greet
print(greet())
```
"""


@pytest.fixture
def site(tmp_path, monkeypatch):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(PAGE)
    (tmp_path / "docs" / "numbers.json").write_text("[1]")
    package = tmp_path / "stand_in"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "wording.py").write_text('WORD = "one"\n')
    (package / "greeting.py").write_text(
        "from stand_in.wording import WORD\n\ndef greet():\n    return 'hello ' + WORD\n"
    )
    (package / "unrelated.py").write_text("X = 1\n")
    write_small_site(
        tmp_path,
        {},
        ["page_prelude"],  # page_prelude sets up snippet_cache_key
        nb_execution_mode="cache",
        nb_execution_cache_path=str(tmp_path / "cache"),
        nb_execution_raise_on_error=True,
        snippet_cache_package_dir=str(package),
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # the kernel imports stand_in from here
    return tmp_path


def build(site: Path, capsys) -> tuple[str, str]:
    """Build the site; return (the page's HTML, Sphinx's log)."""
    code = build_main(["-n", "-W", "-b", "html", "-c", str(site), str(site / "docs"), str(site / "html")])
    log = capsys.readouterr().out
    assert code == 0, log
    return (site / "html" / "index.html").read_text(), log


def touch_later(path: Path, text: str) -> None:
    path.write_text(text)
    later = path.stat().st_mtime + 10  # beyond any file-system timestamp granularity
    os.utime(path, (later, later))


def test_cache_follows_the_imported_snippets(site, capsys):
    html, log = build(site, capsys)
    assert "hello one" in html
    assert "Executing notebook" in log
    assert FINGERPRINT_CELL_MARKER.lstrip("# ") not in html, "the fingerprint cell must stay hidden"

    html, log = build(site, capsys)
    assert "no targets are out of date" in log
    assert "Executing notebook" not in log

    touch_later(site / "stand_in" / "unrelated.py", "X = 2\n")
    html, log = build(site, capsys)
    assert "Executing notebook" not in log

    # A module the page imports only through another one still counts.
    touch_later(site / "stand_in" / "wording.py", 'WORD = "two"\n')
    html, log = build(site, capsys)
    assert "Executing notebook" in log
    assert "hello two" in html

    # A data file the page declares in its front matter counts too.
    touch_later(site / "docs" / "numbers.json", "[2]")
    html, log = build(site, capsys)
    assert "Executing notebook" in log


def test_imported_modules_reads_every_import_form():
    source = "import stand_in.a\nfrom stand_in import b\nfrom stand_in.c import f\n%timeit f()\nimport os"
    assert imported_modules(source, "stand_in") == {
        "stand_in", "stand_in.a", "stand_in.b", "stand_in.c", "stand_in.c.f",
    }  # fmt: skip


def test_dependencies_are_transitive_and_fingerprint_tracks_content(site):
    package = site / "stand_in"
    files = page_dependencies(read_page(PAGE), package)  # front-matter files are added by the Sphinx hook
    assert {p.name for p in files} == {"__init__.py", "greeting.py", "wording.py"}
    before = fingerprint(files)
    (package / "wording.py").write_text('WORD = "three"\n')
    assert fingerprint(files) != before
    assert module_files(set(), package) == {package / "__init__.py"}


@pytest.mark.parametrize("has_front_matter", [True, False])
def test_the_prelude_is_the_one_hidden_first_cell(has_front_matter):
    text = PAGE if has_front_matter else PAGE.split("---\n", 2)[2]
    page = read_page(with_prelude(text, prelude_cell("import stand_in", "0123")))
    assert [cell.cell_type for cell in page.cells] == ["code", "markdown", "code"]
    first = page.cells[0]
    assert first.metadata == {"tags": ["remove-cell"]}
    assert first.source == f"import stand_in  {FINGERPRINT_CELL_MARKER} 0123"
    assert dict(page.metadata) == dict(read_page(text).metadata)  # the front matter still reads the same
    assert [cell.source for cell in page.cells[1:]] == [cell.source for cell in read_page(text).cells]


SPLIT_LINE_PAGE = """\
---
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
---

# Printing

```{code-cell} ipython3
import sys, time
sys.stdout.write("first half, ")
time.sleep(0.6)  # longer than ipykernel's 0.2 s flush interval: the first half goes out alone
print("second half")
```
"""


def _prelude_flush_line() -> str:
    """The line of conf/conf.py's ``page_prelude_code`` that sets the kernel's flush interval."""
    conf = CONF_EXT.parent / "conf.py"
    for node in ast.parse(conf.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "page_prelude_code":
            (line,) = [x for x in ast.literal_eval(node.value).splitlines() if "flush_interval" in x]
            return line
    raise AssertionError("conf/conf.py sets no page_prelude_code")


@pytest.mark.parametrize("with_the_sites_prelude", [False, True])
def test_a_printed_line_stays_whole_only_with_the_sites_prelude(site, capsys, with_the_sites_prelude):
    """myst-nb's stream merge breaks a line that reaches it in two pieces; the prelude sends it in one."""
    (site / "docs" / "index.md").write_text(SPLIT_LINE_PAGE)
    if with_the_sites_prelude:
        with (site / "conf.py").open("a") as conf:
            conf.write(f"page_prelude_code = {'import sys; ' + _prelude_flush_line()!r}\n")
    html, _ = build(site, capsys)
    assert ("first half, second half" in html) is with_the_sites_prelude
