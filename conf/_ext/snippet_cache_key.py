"""Key each page's execution cache on the snippet modules it imports and the data files it declares.

myst-nb's cache (jupyter-cache) hashes a notebook's code cells and its kernelspec, nothing else,
so a page whose cells call ``snippets.foo`` would keep showing old outputs after
``snippets/foo.py`` changed. This module closes that gap for every page with code cells, through
``page_prelude`` (which loads it and calls :func:`page_fingerprint` as it adds each page's
hidden first cell):

1. it tells Sphinx that the page depends on those modules (Sphinx then re-reads the page when
   one of them changes), and
2. it computes a fingerprint of those modules' source and of the installed library versions,
   which ``page_prelude`` writes into the page's hidden first cell: the notebook's hash, and
   with it the cache key, changes whenever they do, and myst-nb re-executes the page.

A page may list data files it reads (paths relative to the page) in its front matter under
``execution_dependencies``; they join the fingerprint. A page that imports nothing from the
package is keyed on the versions alone.

The page is read as the build reads it: myst-nb's own reader
(``myst_nb.core.read.read_myst_markdown_notebook``) gives its code cells and its front matter.

No maintained extension fits: jupyter-cache hashes only the notebook (myst-nb passes it the
cells and the kernelspec, and has no setting or hook that adds files to the key), and its
answer for outside changes is to clear the cache or force execution, which re-runs every page.
"""

from __future__ import annotations

import ast
import hashlib
from importlib import metadata
from pathlib import Path

from myst_nb.core.read import read_myst_markdown_notebook
from myst_parser.config.main import MdParserConfig
from nbformat import NotebookNode
from sphinx.application import Sphinx

# Libraries whose upgrade changes what a page prints.
FINGERPRINTED_DISTRIBUTIONS = (
    "tensorflow-cpu",
    "tensorflow",
    "keras",
    "numpy",
    "matplotlib",
    "jax",
    "jaxlib",
)

# The comment that carries the fingerprint in the page's hidden first cell (page_prelude).
FINGERPRINT_CELL_MARKER = "# snippet fingerprint:"


def read_page(text: str, config: MdParserConfig | None = None) -> NotebookNode:
    r"""The page as myst-nb reads it (``config``: the build's MyST settings).

    >>> page = read_page("---\nfile_format: mystnb\n---\n# Title\n\n```{code-cell} ipython3\nx = 1\n```\n")
    >>> page.metadata["file_format"], [cell.cell_type for cell in page.cells], code_of(page)
    ('mystnb', ['markdown', 'code'], 'x = 1')
    """
    return read_myst_markdown_notebook(text, config=config)


def code_of(page: NotebookNode) -> str:
    """The source of the page's code cells, one after the other."""
    return "\n".join(cell.source for cell in page.cells if cell.cell_type == "code")


def imported_modules(python_source: str, package: str) -> set[str]:
    """Names in ``package`` that ``python_source`` imports, modules or not.

    ``from snippets.a import f`` yields ``snippets.a`` and ``snippets.a.f``: ``f``
    could be a submodule; :func:`module_files` keeps only names that are files.

    >>> sorted(imported_modules("from snippets.a import f\\nimport snippets.b as b\\n"
    ...                         "from snippets import c, d\\nimport os", "snippets"))
    ['snippets', 'snippets.a', 'snippets.a.f', 'snippets.b', 'snippets.c', 'snippets.d']
    """
    found: set[str] = set()
    try:
        tree = ast.parse(python_source)
    except SyntaxError:  # IPython magics in a cell: scan line by line instead.
        return set().union(*(imported_modules(line, package) for line in _parsable_lines(python_source)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name == package or name.startswith(package + "."):
                found.add(package)
                found.add(name)
    return found


def _parsable_lines(source: str) -> list[str]:
    lines = []
    for line in source.splitlines():
        try:
            ast.parse(line.strip())
        except SyntaxError:
            continue
        lines.append(line.strip())
    return lines


def module_files(modules: set[str], package_dir: Path) -> set[Path]:
    """The source files of ``modules`` and of every package module they import, transitively.

    Names that are not modules (``from snippets.a import f`` yields ``snippets.a.f``)
    are skipped. A package's ``__init__.py`` always counts, since importing any
    module of it runs that file.
    """
    package = package_dir.name
    files: set[Path] = set()
    pending = set(modules) | {package}
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        relative = name.split(".")[1:]
        candidates = [
            package_dir.joinpath(*relative).with_suffix(".py") if relative else None,
            package_dir.joinpath(*relative, "__init__.py"),
        ]
        for path in candidates:
            if path is not None and path.is_file():
                files.add(path)
                pending |= imported_modules(path.read_text(encoding="utf-8"), package)
    return files


def fingerprint(files: set[Path], distributions=FINGERPRINTED_DISTRIBUTIONS) -> str:
    """A short hash of the files' paths and contents and of the installed library versions."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for name in distributions:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{name}=={version}".encode())
    return digest.hexdigest()[:16]


def page_dependencies(page: NotebookNode, package_dir: Path) -> set[Path]:
    """The package files that the code cells of a page (as :func:`read_page` reads it) depend on."""
    return module_files(imported_modules(code_of(page), package_dir.name), package_dir)


def declared_data_files(front_matter: dict, page_dir: Path) -> set[Path]:
    """Files listed under ``execution_dependencies`` in the front matter, resolved from the page.

    A name with a wildcard is a glob (``"*.md"``, ``"../snippets/**/*.py"``).

    >>> here = Path(__file__).parent
    >>> front = {"execution_dependencies": ["snippet_cache_key.py", "m*.py"]}
    >>> sorted(p.name for p in declared_data_files(front, here))
    ['mathml_at_build.py', 'snippet_cache_key.py']
    """
    declared = front_matter.get("execution_dependencies", [])
    found = set()
    for name in declared:
        if any(wildcard in name for wildcard in "*?["):
            found |= {path.resolve() for path in page_dir.glob(name) if path.is_file()}
        else:
            found.add((page_dir / name).resolve())
    return found


def page_fingerprint(app: Sphinx, docname: str, page: NotebookNode) -> str:
    """Note the page's snippet modules and declared data files as its dependencies; return their key.

    ``page`` is the page as :func:`read_page` reads it; ``page_prelude`` calls this at ``source-read``.
    """
    package_dir = Path(app.config.snippet_cache_package_dir)
    page_dir = Path(app.env.doc2path(docname)).parent
    files = page_dependencies(page, package_dir) | declared_data_files(page.metadata, page_dir)
    for path in files:
        if not path.is_file():
            raise FileNotFoundError(f"{docname}: execution dependency {path} does not exist")
        app.env.note_dependency(str(path))
    return fingerprint(files)


def create_cache_before_parallel_reads(app: Sphinx) -> None:
    # jupyter-cache creates its tables on first use; two parallel readers doing it
    # at once fail with "table ... already exists", so create them up front.
    cache_path = app.config.nb_execution_cache_path
    if cache_path and app.config.nb_execution_mode == "cache":
        from jupyter_cache import get_cache

        get_cache(cache_path).list_cache_records()


def setup(app: Sphinx) -> dict:
    app.add_config_value("snippet_cache_package_dir", "", "env", types=[str])
    app.connect("builder-inited", create_cache_before_parallel_reads)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
