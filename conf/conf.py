"""Sphinx configuration for tapeguide (``sphinx-build -c conf docs build/html``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "conf" / "_ext"))

# The notebook kernels inherit this environment: TensorFlow's C++ logging stays quiet
# there before `snippets.environment` silences the rest of the start-up lines.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

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
]

root_doc = "index"
exclude_patterns = ["README.md"]
html_static_path = ["_static"]
html_css_files = ["tapeguide.css"]

# Strictness: every cross-reference must resolve (`-n`), and with `-W` any warning fails.
nitpicky = True

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

# --- HTML ---------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_math_renderer = "mathml"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
}
html_last_updated_fmt = None
html_show_sourcelink = False

# The copy button copies code only: no `>>>`/`...` prompts and no printed output.
copybutton_prompt_text = r">>> |\.\.\. "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_exclude = ".linenos, .gp, .go"
