"""Read the MyST pages under docs/ the way the build reads them, for the tests that check page rules.

A page's cells and front matter come from myst-nb's own reader
(``myst_nb.core.read.read_myst_markdown_notebook``), the function the build calls, with MyST's
settings taken from conf/conf.py: what a test sees as a code cell is exactly what the build runs.

The reader stops at cells: a markdown cell comes back as raw text, so a fenced block inside it (a
```` ```{literalinclude} ```` directive, or a plain ```` ```python ```` fence holding ``>>>`` examples)
is not a cell of its own. :func:`parts_in` reads a markdown cell's headings, paragraphs and fenced
blocks with MyST's markdown-it parser (the parser the reader itself runs on the page);
:func:`blocks` finds the fenced blocks, descending into directives such as ``{tab-set}`` or
``{dropdown}`` whose content is Markdown, and :func:`headings` the headings with their level and
label. MyST's directive parser splits a block's argument, ``:name: value`` options and body. No
regular expression reads the page structure.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import ClassVar

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from myst_nb.core.read import read_myst_markdown_notebook
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.directives import parse_directive_text
from myst_parser.parsers.mdit import create_md_parser
from nbformat import NotebookNode

DOCS = Path(__file__).resolve().parent.parent / "docs"
SNIPPETS = DOCS.parent / "snippets"
CONF = DOCS.parent / "conf" / "conf.py"

# Directives whose content is code, options or a list, never Markdown to descend into.
LITERAL_DIRECTIVES = frozenset(
    {"code-cell", "raw-cell", "code-block", "code", "sourcecode", "literalinclude", "raw", "math", "eval-rst"}
)


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


@cache
def site_myst_config() -> MdParserConfig:
    """MyST's settings as conf/conf.py sets them (every ``myst_*`` value).

    The file is read rather than imported: importing it sets up the build's environment.

    >>> "colon_fence" in site_myst_config().enable_extensions
    True
    """
    values = {}
    for node in ast.parse(CONF.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name.startswith("myst_"):
                values[name.removeprefix("myst_")] = ast.literal_eval(node.value)
    return MdParserConfig(**values)


@cache
def notebook(page: Path) -> NotebookNode:
    """The page as myst-nb reads it: cells (``cell_type``, ``source``, ``metadata``) and front matter.

    >>> nb = notebook(DOCS / "index.md")
    >>> nb.metadata["file_format"], nb.cells[0].cell_type
    ('mystnb', 'markdown')
    """
    return read_myst_markdown_notebook(page.read_text(encoding="utf-8"), config=site_myst_config())


def code_cells(page: Path) -> list[NotebookNode]:
    """The page's code cells, in order; ``source`` is the code without the cell's options.

    >>> [cell.metadata.get("tags") for cell in code_cells(DOCS / "claims.md")]
    [['remove-input']]
    """
    return [cell for cell in notebook(page).cells if cell.cell_type == "code"]


def front_matter(page: Path) -> dict:
    """The page's YAML front matter (the notebook's metadata).

    >>> front_matter(DOCS / "index.md")["kernelspec"]["name"]
    'python3'
    """
    return notebook(page).metadata


class _AnyDirective:
    """What MyST's directive parser needs to know of a directive it does not have to run."""

    # Any options, read as YAML, as myst-nb reads a cell's options.
    option_spec: ClassVar[dict] = {"options": True}
    required_arguments = 0
    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True


@dataclass(frozen=True)
class Block:
    """A fenced block of a markdown cell: a directive (```` ```{name} argument ````) or plain code."""

    info: str  # the text after the opening fence
    content: str  # everything between the fences, as written

    @property
    def directive(self) -> str | None:
        """The directive's name, or None for plain code (```` ```python ````)."""
        info = self.info.strip()
        return info[1:].split("}", 1)[0] if info.startswith("{") and "}" in info else None

    @property
    def argument(self) -> str:
        return self.info.strip().split("}", 1)[1].strip() if self.directive else ""

    @property
    def options(self) -> dict:
        """The directive's options (``:name: value`` lines or a ``---`` YAML block)."""
        return self._parsed.options if self.directive else {}

    @property
    def body(self) -> str:
        """The content without the directive's options."""
        return "\n".join(self._parsed.body) if self.directive else self.content

    @property
    def _parsed(self):
        return parse_directive_text(_AnyDirective, "", self.content, validate_options=False)


@dataclass(frozen=True)
class Heading:
    """A heading of a markdown cell."""

    level: int  # 1 for ``#``, 2 for ``##``, ...
    text: str  # its inline Markdown, as written
    label: str | None = None  # the ``(label)=`` target just above it


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of a markdown cell (at the top level, in a list item or in a quote)."""

    text: str  # its inline Markdown, as written


def _tokens(markdown: str) -> list[Token]:
    return create_md_parser(site_myst_config(), RendererHTML).parse(markdown)


def parts_in(markdown: str) -> list[Heading | Paragraph | Block]:
    r"""The headings, paragraphs and fenced blocks of a piece of MyST Markdown, in order.

    A directive's body is one block here, not parts (:func:`blocks_in` descends into it).

    >>> text = "(intro)=\n## Why *this*\n\nIt is so.\n\n```{note}\nInside.\n```\n"
    >>> for part in parts_in(text):
    ...     print(part)
    Heading(level=2, text='Why *this*', label='intro')
    Paragraph(text='It is so.')
    Block(info='{note}', content='Inside.\n')
    """
    tokens = _tokens(markdown)
    found: list[Heading | Paragraph | Block] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            before = tokens[index - 1] if index else None
            label = before.content if before is not None and before.type == "myst_target" else None
            found.append(Heading(int(token.tag[1:]), tokens[index + 1].content, label))
        elif token.type == "paragraph_open":
            found.append(Paragraph(tokens[index + 1].content))
        elif token.type in ("fence", "colon_fence"):
            found.append(Block(token.info, token.content))
    return found


def blocks_in(markdown: str) -> list[Block]:
    """The fenced blocks of a piece of MyST Markdown, with those inside Markdown-bodied directives.

    >>> text = '''::::{tab-set}
    ... :::{tab-item} A
    ... ```{literalinclude} f.py
    ... :pyobject: g
    ... ```
    ... :::
    ... ::::
    ... '''
    >>> [(b.directive, b.argument, b.options) for b in blocks_in(text)]
    [('tab-set', '', {}), ('tab-item', 'A', {}), ('literalinclude', 'f.py', {'pyobject': 'g'})]
    """
    found = []
    for block in parts_in(markdown):
        if isinstance(block, Block):
            found.append(block)
            if block.directive and block.directive not in LITERAL_DIRECTIVES:
                found += blocks_in(block.body)
    return found


def _markdown_cells(page: Path) -> list[str]:
    return [cell.source for cell in notebook(page).cells if cell.cell_type == "markdown"]


def blocks(page: Path) -> list[Block]:
    """Every fenced block in the page's markdown cells (code cells are :func:`code_cells`)."""
    return [block for source in _markdown_cells(page) for block in blocks_in(source)]


def headings(page: Path) -> list[Heading]:
    """The page's headings, in order, from its markdown cells (a ``#`` comment in a code cell is code).

    >>> [heading.text for heading in headings(DOCS / "claims.md") if heading.level == 1]
    ['Claims and their checks']
    """
    parts = [part for source in _markdown_cells(page) for part in parts_in(source)]
    return [part for part in parts if isinstance(part, Heading)]
