"""The error gallery's index (conf/_ext/error_index.py) holds every entry and every quoted message.

The extension reads docs/error-gallery.md with myst-nb's reader and MyST's parser; these tests
read the same page line by line, as tests/test_error_gallery.py does, and the two readings must
agree. A small site built with the extension shows where the index and the box's files go.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

import pytest
from sphinx.cmd.build import build_main

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "conf" / "_ext"))

from error_index import INDEX_FILE, ErrorIndex, error_index, gallery_entries  # noqa: E402

GALLERY = ROOT / "docs" / "error-gallery.md"
TEXT = GALLERY.read_text(encoding="utf-8")
# A labelled level-3 section: its label, heading, and the text up to the next heading of level 2 or 3.
SECTION = re.compile(
    r"^\((?P<label>[\w-]+)\)=\n### (?P<heading>.+)\n(?P<body>(?:(?!#{2,3} |\([\w-]+\)=$).*\n?)*)", re.M
)
MESSAGE = re.compile(r"^\*\*Message:\*\* `(?P<text>[^`]+)`\s*$", re.M)
QUOTING_SECTIONS = ("## It raised an error", "## It logged a warning")


def test_every_labelled_level_3_section_is_an_entry():
    sections = list(SECTION.finditer(TEXT))
    entries = gallery_entries(TEXT)
    assert len(sections) >= 15
    assert [entry.label for entry in entries] == [match["label"] for match in sections]
    assert [entry.heading for entry in entries] == [match["heading"].replace("`", "") for match in sections]
    for entry, match in zip(entries, sections, strict=True):
        assert list(entry.messages) == MESSAGE.findall(match["body"]), entry.label


def test_the_index_holds_every_entry_that_quotes_a_message():
    index = error_index(GALLERY)
    quoting = [match["label"] for match in SECTION.finditer(TEXT) if MESSAGE.search(match["body"])]
    assert [entry.label for entry in index.entries] == quoting
    assert all(entry.messages for entry in index.entries)
    # Every error and warning entry is there: those sections quote a message in each entry.
    start = TEXT.index(QUOTING_SECTIONS[0])
    end = TEXT.index("\n## ", TEXT.index(QUOTING_SECTIONS[1]))
    errors_and_warnings = [match["label"] for match in SECTION.finditer(TEXT, start, end)]
    assert len(errors_and_warnings) >= 10
    assert set(errors_and_warnings) <= set(quoting)


def test_the_index_reads_back_from_its_json():
    index = error_index(GALLERY)
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

```{code-cell} ipython3
print("**Message:** `a code cell is not prose`")
```

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
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(HOME_PAGE)
    (tmp_path / "docs" / "error-gallery.md").write_text(GALLERY_PAGE)
    (tmp_path / "conf.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(ROOT / "conf" / "_ext")!r})
            extensions = ["myst_nb", "error_index"]
            nb_execution_mode = "off"
            """
        )
    )
    return tmp_path


def test_a_build_writes_the_index_and_loads_the_box_only_where_it_is(site, capsys):
    code = build_main(
        ["-q", "-n", "-W", "-b", "html", "-c", str(site), str(site / "docs"), str(site / "html")]
    )
    assert code == 0, capsys.readouterr()
    written = json.loads((site / "html" / INDEX_FILE).read_text(encoding="utf-8"))
    assert written == error_index(site / "docs" / "error-gallery.md").to_json()
    assert written == {
        "page": "../error-gallery.html",
        "entries": [
            {
                "label": "gallery-rank-1",
                "heading": "ValueError: Shape (3,) must have rank at least 2",
                "messages": ["ValueError: Shape (3,) must have rank at least 2"],
            }
        ],
    }
    gallery = (site / "html" / "error-gallery.html").read_text(encoding="utf-8")
    home = (site / "html" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<script defer="defer" src="_static/error-finder\.js(\?[^"]*)?"></script>', gallery)
    assert 'href="_static/error-finder.css' in gallery
    assert 'id="gallery-rank-1"' in gallery  # the box links to the label's anchor
    assert "error-finder" not in home
