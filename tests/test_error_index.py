"""The error gallery's index (conf/_ext/error_index.py) holds every entry and every quoted message.

The extension makes the index from the entries' data (snippets/error_gallery/entries.py), whose
agreement with the page tests/test_error_gallery.py checks; here the index must hold exactly the
data's entries that quote a message, and every error and warning entry. A small site built with
the extension shows where the index and the box's files go.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from small_site import write_small_site
from sphinx.cmd.build import build_main

from snippets.error_gallery.entries import ENTRIES, LOGGED, RAISED

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "conf" / "_ext"))

from error_index import INDEX_FILE, ErrorIndex, GalleryEntry, error_index  # noqa: E402


def test_the_index_holds_every_entry_that_quotes_a_message():
    index = error_index()
    quoting = [entry for entry in ENTRIES if entry.messages]
    assert [entry.label for entry in index.entries] == [entry.label for entry in quoting]
    assert all(entry.messages for entry in index.entries)
    for indexed, entry in zip(index.entries, quoting, strict=True):
        assert indexed == GalleryEntry(
            entry.label, entry.plain_heading, tuple(message.text for message in entry.messages)
        )
    # Every error and warning entry is there: those sections quote a message in each entry.
    errors_and_warnings = [entry.label for entry in ENTRIES if entry.section in (RAISED, LOGGED)]
    assert len(errors_and_warnings) >= 10
    assert set(errors_and_warnings) <= {entry.label for entry in index.entries}


def test_the_index_reads_back_from_its_json():
    index = error_index()
    assert ErrorIndex.from_json(json.loads(json.dumps(index.to_json()))) == index


GALLERY_PAGE = """\
---
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
  language: python
---

# Error gallery

```{raw} html
<div class="error-finder"><p>The box needs JavaScript.</p></div>
```

## It raised an error

(gallery-rank-1)=
### ValueError: Shape (3,) must have rank at least 2

**Message:** `ValueError: Shape (3,) must have rank at least 2`

(gallery-unwatched)=
### `gradient` returns `None`

No message.
"""

HOME_PAGE = """\
# Home

```{toctree}
error-gallery
```
"""


@pytest.fixture
def site(tmp_path):
    pages = {"index": HOME_PAGE, "error-gallery": GALLERY_PAGE}
    return write_small_site(tmp_path, pages, ["error_index"], nb_execution_mode="off")


def test_a_build_writes_the_index_and_loads_the_box_only_where_it_is(site, capsys):
    code = build_main(
        ["-q", "-n", "-W", "-b", "html", "-c", str(site), str(site / "docs"), str(site / "html")]
    )
    assert code == 0, capsys.readouterr()
    written = json.loads((site / "html" / INDEX_FILE).read_text(encoding="utf-8"))
    assert written == error_index().to_json()
    assert written["page"] == "../error-gallery.html"
    assert {
        "label": "gallery-rank-1",
        "heading": "ValueError: Shape (3,) must have rank at least 2",
        "messages": ["ValueError: Shape (3,) must have rank at least 2"],
    } in written["entries"]
    gallery = (site / "html" / "error-gallery.html").read_text(encoding="utf-8")
    home = (site / "html" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<script defer="defer" src="_static/error-finder\.js(\?[^"]*)?"></script>', gallery)
    assert 'href="_static/error-finder.css' in gallery
    assert 'id="gallery-rank-1"' in gallery  # the box links to the label's anchor
    assert "error-finder" not in home
