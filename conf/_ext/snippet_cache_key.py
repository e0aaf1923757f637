"""Key each page's execution cache on the snippet modules it imports.

myst-nb's cache hashes only a notebook's own code cells, so a page whose cells
call ``snippets.foo`` would keep showing old outputs after ``snippets/foo.py``
changed. This extension closes that gap in two steps, on every page that has
code cells:

1. It tells Sphinx that the page depends on those modules (Sphinx then re-reads
   the page when one of them changes), and
2. it puts a hidden first code cell on the page that runs ``snippet_cache_prelude``
   (in conf.py: ``configure()``, so TensorFlow is quiet and seeded before any visible
   cell runs, even one that imports ``tensorflow`` itself) and carries a fingerprint of those modules'
   source and of the installed library versions: the notebook's hash, and with
   it the cache key, changes whenever they do, and myst-nb re-executes the page.

A page may list data files it reads (paths relative to the page) in its front
matter under ``execution_dependencies``; they join the fingerprint.

A page that imports nothing from the package is keyed on the versions alone.
"""

from __future__ import annotations

import ast
import hashlib
import re
from importlib import metadata
from pathlib import Path

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

FINGERPRINT_CELL_MARKER = "# snippet fingerprint:"
_CODE_CELL = re.compile(r"^(`{3,}|~{3,})\{code-cell\}[^\n]*\n(.*?)^\1", re.M | re.S)


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


def page_dependencies(page_source: str, package_dir: Path) -> set[Path]:
    """The package files that the code cells of a MyST notebook page depend on."""
    code = "\n".join(match.group(2) for match in _CODE_CELL.finditer(page_source))
    return module_files(imported_modules(code, package_dir.name), package_dir)


def first_cell(setup: str, key: str) -> str:
    """A hidden code cell that runs ``setup`` and whose text changes whenever ``key`` does."""
    code = f"{setup}  {FINGERPRINT_CELL_MARKER} {key}"
    return f"```{{code-cell}} ipython3\n:tags: [remove-cell]\n\n{code}\n```\n\n"


def split_front_matter(text: str) -> tuple[str, str]:
    r"""Split a page into its YAML front matter (with both ``---`` lines) and the rest.

    >>> split_front_matter("---\nfile_format: mystnb\n---\n# Title\n")
    ('---\nfile_format: mystnb\n---\n', '# Title\n')
    >>> split_front_matter("# No front matter\n")
    ('', '# No front matter\n')
    """
    match = re.match(r"---\n.*?\n---\n", text, re.S)
    return (match.group(0), text[match.end() :]) if match else ("", text)


def declared_data_files(front_matter: str, page_dir: Path) -> set[Path]:
    r"""Files listed under ``execution_dependencies:`` in the front matter, resolved from the page.

    A name with a wildcard is a glob (``"*.md"``, ``"../snippets/**/*.py"``).

    >>> here = Path(__file__).parent
    >>> front = "---\nexecution_dependencies: ['snippet_cache_key.py', 'm*.py']\n---\n"
    >>> sorted(p.name for p in declared_data_files(front, here))
    ['mathml_at_build.py', 'snippet_cache_key.py']
    """
    if not front_matter:
        return set()
    import yaml  # a dependency of myst-parser

    declared = (yaml.safe_load(front_matter.strip("-\n")) or {}).get("execution_dependencies", [])
    found = set()
    for name in declared:
        if any(wildcard in name for wildcard in "*?["):
            found |= {path.resolve() for path in page_dir.glob(name) if path.is_file()}
        else:
            found.add((page_dir / name).resolve())
    return found


def add_fingerprint(app: Sphinx, docname: str, source: list[str]) -> None:
    text = source[0]
    if not _CODE_CELL.search(text):
        return
    package_dir = Path(app.config.snippet_cache_package_dir)
    front_matter, body = split_front_matter(text)
    page_dir = Path(app.env.doc2path(docname)).parent
    files = page_dependencies(text, package_dir) | declared_data_files(front_matter, page_dir)
    for path in files:
        if not path.is_file():
            raise FileNotFoundError(f"{docname}: execution dependency {path} does not exist")
        app.env.note_dependency(str(path))
    setup = app.config.snippet_cache_prelude or f"import {package_dir.name}"
    source[0] = front_matter + first_cell(setup, fingerprint(files)) + body


def create_cache_before_parallel_reads(app: Sphinx) -> None:
    # jupyter-cache creates its tables on first use; two parallel readers doing it
    # at once fail with "table ... already exists", so create them up front.
    cache_path = app.config.nb_execution_cache_path
    if cache_path and app.config.nb_execution_mode == "cache":
        from jupyter_cache import get_cache

        get_cache(cache_path).list_cache_records()


def setup(app: Sphinx) -> dict:
    app.add_config_value("snippet_cache_package_dir", "", "env", types=[str])
    # The code of the hidden first cell (default: import the package).
    app.add_config_value("snippet_cache_prelude", "", "env", types=[str])
    app.connect("source-read", add_fingerprint)
    app.connect("builder-inited", create_cache_before_parallel_reads)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
