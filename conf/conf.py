"""Sphinx configuration for tapeguide (``sphinx-build -c conf docs build/html``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "conf" / "_ext"))
sys.path.insert(0, str(ROOT))

import site_address  # noqa: E402  (lives in conf/_ext)

# Both modules import only the standard library: the configuration loads without TensorFlow.
from snippets.support.environment import QUIET_TENSORFLOW_ENVIRONMENT  # noqa: E402
from snippets.support.tested_range import footer_sentence  # noqa: E402

# The notebook kernels and autodoc's imports inherit this environment: TensorFlow's C++
# logging stays quiet there before the page prelude silences the rest of the start-up lines.
for _name, _value in QUIET_TENSORFLOW_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)

project = "tapeguide"
author = "the tapeguide authors"
copyright = "2026, the tapeguide authors"
html_title = "tapeguide: derivatives in TensorFlow"

extensions = [
    "myst_nb",
    "sphinx_copybutton",
    "sphinx_design",
    "mathml_at_build",
    "snippet_cache_key",
    "page_prelude",  # the hidden first cell: configure() and the cache key from snippet_cache_key
    "lean_pages",
    "claim_marks",
    "error_index",  # the "Paste your error" box: its index, and its files on the pages that show it
    "error_gallery",  # the gallery's symptom table and quoted lines, from snippets/error_gallery/entries.py
    "published_site",
    "sphinx_sitemap",
    "notfound.extension",
    "sphinx_last_updated_by_git",
    "sphinx.ext.autodoc",
]

root_doc = "index"
exclude_patterns = ["README.md"]
html_static_path = ["_static"]
templates_path = ["_templates"]
html_css_files = ["tapeguide.css", "shape-calculator.css"]
# The shape calculator (small: tests/browser/test_shape_calculator.py holds it to a compressed budget)
# does nothing on a page without its container.
html_js_files = ["scrollable-formulas.js", ("shape-calculator.js", {"defer": "defer"})]

# Strictness: every cross-reference must resolve (`-n`), and with `-W` any warning fails.
nitpicky = True

# --- API reference (autodoc) -------------------------------------------------------------
# Type hints name TensorFlow classes (tf.Tensor, tf.TensorShape) that have no Sphinx
# inventory to link to; under `-n` each would be an unresolved-reference warning. The
# docstrings say in words what each argument takes, so the hints are left out.
autodoc_typehints = "none"
autodoc_member_order = "bysource"

# --- MyST and notebook execution ---------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# One switch for the execution mode, as flax does: `cache` (default) re-runs only pages
# whose cells or imported snippets changed; `force` runs everything; `off` runs nothing.
nb_execution_mode = os.environ.get("TAPEGUIDE_EXECUTION", "cache")
# Separate caches let several builds run side by side (each with its own output folder).
nb_execution_cache_path = os.environ.get("TAPEGUIDE_CACHE", str(ROOT / "build" / ".jupyter_cache"))
nb_execution_raise_on_error = True  # a cell error fails the build ...
nb_execution_allow_errors = False  # ... unless the cell is tagged `raises-exception`
nb_execution_show_tb = True
nb_execution_timeout = 600
nb_execution_in_temp = True  # a page cannot leave files behind in docs/
nb_output_stderr = "remove"  # library noise printed to stderr never reaches a page
nb_merge_streams = True
snippet_cache_package_dir = str(ROOT / "snippets")
# Importing the package has no effect: the hidden first cell of each page makes the one set-up call.
# It also makes the kernel send a cell's printed text as one message: on a busy machine ipykernel
# flushes stdout every 0.2 s, possibly mid-line, and myst-nb's merge of the pieces (nb_merge_streams)
# strips each piece and ends it with a newline, which breaks the line in two. A display or the end
# of the cell still flushes, so the order of text and displays is unchanged.
page_prelude_code = (
    "import sys\n"
    "from snippets.support.environment import configure\n"
    "configure()\n"
    "sys.stdout.flush_interval = sys.stderr.flush_interval = 3600"
)

# --- HTML ---------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_math_renderer = "mathml"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,  # the page as .md, as an executed .ipynb (published_site), or printed
    "use_fullscreen_button": False,
}
# Follow the reader's light/dark preference (the theme's empty default logs a console error).
html_context = {
    "default_mode": "auto",
    # The description of pages without front matter (search, general index, 404).
    "site_description": "tapeguide, the executable guide to derivatives in TensorFlow: "
    "tf.GradientTape.gradient, jacobian and batch_jacobian, with code that really ran.",
}
html_favicon = "_static/favicon.svg"
html_show_sourcelink = False

# --- Publishing (conf/_ext/site_address.py says which environment variables set these) ---
SITE_BASE_URL = site_address.site_base_url(os.environ)
html_baseurl = SITE_BASE_URL  # canonical links and sitemap.xml (sphinx-sitemap)
# sitemap.xml: every page at its address under html_baseurl (no language or version folder),
# dated by its last commit; the pages Sphinx generates are no articles to index.
sitemap_url_scheme = "{link}"
sitemap_show_lastmod = True
sitemap_excludes = ["search.html", "genindex.html", "404.html"]
# The 404 page is served for any missing address, so its links are absolute: they start with
# the site's sub-path (/<repository>/ on GitHub Pages).
notfound_urls_prefix = site_address.url_path(SITE_BASE_URL)
REPOSITORY = site_address.repository_slug(os.environ, ROOT)
if REPOSITORY:
    html_theme_options |= {
        "repository_url": f"https://github.com/{REPOSITORY}",
        "repository_branch": os.environ.get("TAPEGUIDE_BRANCH", "main"),
        "path_to_docs": "docs",
        "use_edit_page_button": True,
        "use_repository_button": True,
    }
# "Last updated" from git (sphinx-last-updated-by-git); a page not committed yet takes the
# date of its newest committed dependency (snippets), and keeps its download links.
html_last_updated_fmt = "%Y-%m-%d"
git_last_updated_timezone = "UTC"
git_untracked_show_sourcelink = True

# The copy button copies code only: no `>>>`/`...` prompts and no printed output.
copybutton_prompt_text = r">>> |\.\.\. "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
# Prompts stay in the text the button reads, so that only the lines after them are copied
# from a `>>>` example (its expected output and any traceback are left out); `.go` is the
# output. A prompt counts only at the start of a line: a doctest inside a function shown with
# literalinclude is indented, and the whole function is copied.
copybutton_exclude = ".linenos, .go"

# --- The tested range: pyproject.toml's [tool.tapeguide], the list `nox -s tests_tf` runs ---
html_theme_options["extra_footer"] = f"<p>{footer_sentence()}</p>"

# --- Link check (`python3 noxfile.py -s linkcheck`; weekly on GitHub: the build machines reach only the
# package registries) ---
linkcheck_retries = 3
linkcheck_timeout = 30
linkcheck_rate_limit_timeout = 120.0  # GitHub answers 429 to bursts; wait rather than fail
linkcheck_anchors_ignore_for_url = [
    # GitHub renders file and issue pages with JavaScript: their #L123 / #issuecomment anchors are not in
    # the HTML the checker reads, though the pages are.
    r"https://github\.com/.*",
]
