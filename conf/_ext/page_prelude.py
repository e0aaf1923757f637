"""The hidden first cell of every executed page: the one set-up call, and the page's cache key.

At ``source-read``, a page with code cells gets one code cell, tagged ``remove-cell``, put
right after its front matter (or at the top of a page without one). The cell runs
``page_prelude_code`` (conf.py: ``configure()``, so TensorFlow is quiet and seeded before any
visible cell runs, even one that imports ``tensorflow`` itself; the default imports the package)
and ends in a comment holding the fingerprint that ``snippet_cache_key`` computes from the
snippet modules and data files the page depends on: the cell's text, and with it myst-nb's
cache key, changes exactly when they do.

The page is read as the build reads it: myst-nb's reader says whether it has code cells, and
MyST's markdown-it parser (the one that reader runs) says where its front matter ends.

No maintained extension fits: myst-nb runs a notebook's own cells and nothing else (it has no
setting for code run before them, and a kernel start-up file would apply to every kernel on
the machine, outside the cache's key), and jupyter-cache's key must see the fingerprint in a
cell of the notebook, which only a cell added to the page's text gives it.
"""

from __future__ import annotations

from pathlib import Path

from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser
from snippet_cache_key import FINGERPRINT_CELL_MARKER, page_fingerprint, read_page
from sphinx.application import Sphinx


def prelude_cell(code: str, key: str) -> str:
    """A hidden code cell that runs ``code`` and whose text changes whenever ``key`` does.

    >>> print(prelude_cell("import snippets", "0123"), end="")
    ```{code-cell} ipython3
    :tags: [remove-cell]
    <BLANKLINE>
    import snippets  # snippet fingerprint: 0123
    ```
    <BLANKLINE>
    """
    code_line = f"{code}  {FINGERPRINT_CELL_MARKER} {key}"
    return f"```{{code-cell}} ipython3\n:tags: [remove-cell]\n\n{code_line}\n```\n\n"


def front_matter_end(text: str, config: MdParserConfig | None = None) -> int:
    r"""Where the page's text starts after its YAML front matter (both ``---`` lines): 0 if it has none.

    >>> page = "---\nfile_format: mystnb\n---\n# Title\n"
    >>> page[front_matter_end(page) :]
    '# Title\n'
    >>> front_matter_end("# No front matter\n---\nx: 1\n---\n")
    0
    """
    tokens = create_md_parser(config or MdParserConfig(), RendererHTML).parse(text)
    if not tokens or tokens[0].type != "front_matter":
        return 0
    lines = text.splitlines(keepends=True)
    return len("".join(lines[: tokens[0].map[1]]))


def with_prelude(text: str, cell: str, config: MdParserConfig | None = None) -> str:
    r"""The page's text with ``cell`` put after its front matter.

    >>> cell = prelude_cell("pass", "0123")
    >>> for text in ("---\nfile_format: mystnb\n---\n# Title\n", "# Title\n"):
    ...     page = read_page(with_prelude(text, cell))
    ...     print([c.cell_type for c in page.cells], page.cells[0].metadata, page.cells[0].source)
    ['code', 'markdown'] {'tags': ['remove-cell']} pass  # snippet fingerprint: 0123
    ['code', 'markdown'] {'tags': ['remove-cell']} pass  # snippet fingerprint: 0123
    """
    end = front_matter_end(text, config)
    return text[:end] + cell + text[end:]


def insert_prelude(app: Sphinx, docname: str, source: list[str]) -> None:
    config = getattr(app.env, "myst_config", None)  # the build's MyST settings, which myst-nb reads with
    page = read_page(source[0], config)
    if not any(cell.cell_type == "code" for cell in page.cells):
        return
    key = page_fingerprint(app, docname, page)
    code = app.config.page_prelude_code or f"import {Path(app.config.snippet_cache_package_dir).name}"
    source[0] = with_prelude(source[0], prelude_cell(code, key), config)


def setup(app: Sphinx) -> dict:
    app.setup_extension("snippet_cache_key")
    # The code of the hidden first cell (default: import the package).
    app.add_config_value("page_prelude_code", "", "env", types=[str])
    app.connect("source-read", insert_prelude)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
