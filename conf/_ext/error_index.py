"""The index of the error gallery's quoted messages, read by the "Paste your error" box (issue #13).

At the end of every HTML build this writes ``_static/error-gallery-index.json``: for each
labelled level-3 entry of ``docs/error-gallery.md`` that quotes a message, its label, its heading
and the texts of its ``**Message:** `...` `` lines. ``conf/_static/error-finder.js`` fetches the
file, from this site, only on a page that has the box, and matches a pasted error against the
messages. The script and its style sheet are added only to pages whose body holds the box, so
no other page loads either.

The page is read as the build reads it: myst-nb's own reader splits it into cells, and MyST's
markdown-it parser finds the targets, headings and message paragraphs in the markdown cells (a
``###`` line inside a code fence is never taken for an entry). The index is written afresh on
every build from the gallery as it is then, which takes milliseconds, so it cannot fall behind
the page and needs no state in the environment; the gallery itself is a page of the build, so a
change to it rebuilds its HTML as usual.

No maintained extension fits: the index is this site's own data (its gallery's entries and quoted
messages) in the shape its own box reads, and no extension exports a page's sections as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from markdown_it.renderer import RendererHTML
from myst_nb.core.read import read_myst_markdown_notebook
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

GALLERY = "error-gallery"  # the gallery's docname
INDEX_FILE = Path("_static", "error-gallery-index.json")
BOX_MARKUP = 'class="error-finder"'  # a page whose body has it gets the box's script and style
MESSAGE_MARK = "Message:"


@dataclass(frozen=True)
class GalleryEntry:
    """One level-3 entry of the gallery: its label (the link target), heading and quoted messages."""

    label: str
    heading: str
    messages: tuple[str, ...]

    def to_json(self) -> dict:
        return {"label": self.label, "heading": self.heading, "messages": list(self.messages)}

    @classmethod
    def from_json(cls, data: dict) -> GalleryEntry:
        return cls(data["label"], data["heading"], tuple(data["messages"]))


@dataclass(frozen=True)
class ErrorIndex:
    """What the box reads: the gallery's address relative to the index file, and the quoting entries."""

    page: str
    entries: tuple[GalleryEntry, ...]

    def to_json(self) -> dict:
        return {"page": self.page, "entries": [entry.to_json() for entry in self.entries]}

    @classmethod
    def from_json(cls, data: dict) -> ErrorIndex:
        return cls(data["page"], tuple(GalleryEntry.from_json(entry) for entry in data["entries"]))


def _plain_text(inline) -> str:
    """An inline token's text as a reader sees it: code without its backticks, line breaks as spaces."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def _quoted_message(inline) -> str | None:
    """The text of a ``**Message:** `text` `` paragraph, or None for any other paragraph."""
    children = [c for c in inline.children or [] if not (c.type == "text" and not c.content.strip())]
    kinds = [c.type for c in children]
    if (
        kinds == ["strong_open", "text", "strong_close", "code_inline"]
        and children[1].content == MESSAGE_MARK
    ):
        return children[3].content
    return None


def gallery_entries(text: str) -> list[GalleryEntry]:
    """Every labelled level-3 entry of a gallery page (MyST text), with the messages it quotes.

    >>> page = '''# Gallery
    ...
    ... (gallery-rank-1)=
    ... ### ValueError: Shape (3,) must have rank at least 2
    ...
    ... **Message:** `ValueError: Shape (3,) must have rank at least 2`
    ...
    ... ```{code-cell} ipython3
    ... print("**Message:** `not prose`")
    ... ```
    ...
    ... (gallery-unwatched)=
    ... ### `gradient` returns `None`
    ... '''
    >>> for entry in gallery_entries(page):
    ...     print(entry.label, "|", entry.heading, "|", len(entry.messages))
    gallery-rank-1 | ValueError: Shape (3,) must have rank at least 2 | 1
    gallery-unwatched | gradient returns None | 0
    >>> gallery_entries(page)[0].messages
    ('ValueError: Shape (3,) must have rank at least 2',)
    """
    notebook = read_myst_markdown_notebook(text)
    parser = create_md_parser(MdParserConfig(), RendererHTML)
    entries: list[tuple[str, str, list[str]]] = []
    current: list[str] | None = None  # the messages of the entry being read
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        tokens = parser.parse(cell.source)
        label = None
        for index, token in enumerate(tokens):
            if token.type == "myst_target":
                label = token.content
            elif token.type == "heading_open":
                labelled = label is not None and tokens[index - 1].type == "myst_target"
                if token.tag == "h3" and labelled:
                    current = []
                    entries.append((label, _plain_text(tokens[index + 1]), current))
                elif token.tag in ("h1", "h2", "h3"):
                    current = None
                label = None
            elif token.type == "inline" and current is not None and (message := _quoted_message(token)):
                current.append(message)
    return [GalleryEntry(label, heading, tuple(messages)) for label, heading, messages in entries]


def error_index(gallery: Path, page: str = f"../{GALLERY}.html") -> ErrorIndex:
    """The index of a gallery file: its entries that quote a message; ``page`` is the gallery's address."""
    entries = gallery_entries(gallery.read_text(encoding="utf-8"))
    return ErrorIndex(page, tuple(entry for entry in entries if entry.messages))


def write_index(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    if GALLERY not in app.env.found_docs:
        logger.warning("error_index: no page %r to index", GALLERY, type="tapeguide", subtype="error_index")
        return
    index = error_index(Path(app.env.doc2path(GALLERY)), "../" + app.builder.get_target_uri(GALLERY))
    if not index.entries:
        logger.warning("error_index: %s quotes no message", GALLERY, type="tapeguide", subtype="error_index")
    path = Path(app.outdir, INDEX_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(index.to_json(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def add_box_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Load the box's script and style sheet on the pages that show it, and only there."""
    if BOX_MARKUP in context.get("body", ""):
        app.add_js_file("error-finder.js", defer="defer")
        app.add_css_file("error-finder.css")


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", add_box_assets)
    app.connect("build-finished", write_index)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
