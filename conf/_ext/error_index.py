"""The index of the error gallery's quoted messages, read by the "Paste your error" box (issue #13).

At the end of every HTML build this writes ``_static/error-gallery-index.json``: for each entry
of the gallery that quotes a message, its label, its heading (as the page reads it, without
backticks) and the messages. ``conf/_static/error-finder.js`` fetches the file, from this site,
only on a page that has the box, and matches a pasted error against the messages. The script and
its style sheet are added only to pages whose body holds the box, so no other page loads either.

The index is made from the entries' data, ``snippets/error_gallery/entries.py``, the same data
from which ``conf/_ext/error_gallery.py`` writes the messages onto the page (and which the build
and tests/test_error_gallery.py hold the page's headings and labels to), so the box finds what
the page quotes. It is written afresh on every build, which takes milliseconds, so it cannot
fall behind and needs no state in the environment.

No maintained extension fits: the index is this site's own data (its gallery's entries and quoted
messages) in the shape its own box reads; search extensions index a page's words, not a list of
messages to match a pasted traceback against, and no extension exports a data module as JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from snippets.error_gallery.entries import ENTRIES

logger = logging.getLogger(__name__)

GALLERY = "error-gallery"  # the gallery's docname
INDEX_FILE = Path("_static", "error-gallery-index.json")
BOX_MARKUP = 'class="error-finder"'  # a page whose body has it gets the box's script and style


@dataclass(frozen=True)
class GalleryEntry:
    """An entry of the gallery as the box reads it: its label (the link target), heading and messages."""

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


def error_index(page: str = f"../{GALLERY}.html") -> ErrorIndex:
    """The index of the entries that quote a message; ``page`` is the gallery's address from the index.

    >>> index = error_index()
    >>> index.page, index.entries[0].label
    ('../error-gallery.html', 'gallery-tape-used-twice')
    >>> all(entry.messages for entry in index.entries)
    True
    """
    return ErrorIndex(
        page,
        tuple(
            GalleryEntry(entry.label, entry.plain_heading, tuple(message.text for message in entry.messages))
            for entry in ENTRIES
            if entry.messages
        ),
    )


def write_index(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    if GALLERY not in app.env.found_docs:
        logger.warning("error_index: no page %r to index", GALLERY, type="tapeguide", subtype="error_index")
        return
    index = error_index("../" + app.builder.get_target_uri(GALLERY))
    if not index.entries:
        logger.warning(
            "error_index: the gallery's data quotes no message", type="tapeguide", subtype="error_index"
        )
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
