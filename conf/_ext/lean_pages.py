"""Make every page light and quick to show, keeping the theme's look.

sphinx-book-theme (through pydata-sphinx-theme) ships each page with megabytes of
resources, most of them unused here (the ``browser`` session prints each page's
compressed weight and holds a page without figures to a budget). This extension removes
what the site does not need:

1. ``fontawesome.js``, the largest file a page loads: it redraws the icons as SVG, but the
   theme's CSS already draws them with the FontAwesome web font. The template
   ``conf/_templates/layout.html`` drops the script with the ``without_scripts`` filter
   defined here.
2. Sphinx's search index and search scripts, which pydata-sphinx-theme loads on every page
   for search-as-you-type. This site keeps that option off, so only ``search.html`` needs
   them (the same template drops them elsewhere).
3. Render-blocking scripts: every script file but ``documentation_options.js`` (which the
   page's inline scripts read at once) is loaded with ``defer``. All of them wait for the
   document to be parsed before they act, so deferring changes when they run, not what
   they do. The search page keeps them all blocking, since its inline code calls them.
4. The icon fonts, each holding every FontAwesome glyph: after the build they are cut down
   to the icons the site uses (found in the pages, scripts and style sheets). Sphinx
   copies the full fonts again on every build, so each cut is kept under the doctree
   folder, keyed on the built pages and the theme's font, and reused while neither
   changes: a no-change rebuild hashes files instead of cutting fonts again.

No maintained extension or theme option does any of this. pydata-sphinx-theme has no option
to leave out ``fontawesome.js`` (https://github.com/pydata/pydata-sphinx-theme/issues/2379;
the pull request that would replace it, #2494, is open), none to defer its scripts
(https://github.com/pydata/pydata-sphinx-theme/issues/2115), and its draft that cut the
icon fonts (#2386) was closed unmerged. Check those before changing this module: once the
theme does one of these itself, the matching part here can go.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

KEEP_BLOCKING = {"documentation_options.js"}
# Shipped by the theme but loaded by no page (item 1); it names every icon there is.
UNUSED_SCRIPTS = {"fontawesome.js"}
ICON_FONT_DIR = Path("_static", "vendor", "fontawesome", "webfonts")
_ICON_RULE = re.compile(r"(?P<selectors>[^{}]+)\{--fa:\s*\"(?P<glyph>[^\"]+)\"")
_ICON_CLASS = re.compile(r"\.(fa-[a-z0-9-]+)$")
_ICON_NAME = re.compile(r"\bfa-[a-z0-9-]+")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd]")
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?")


def without_scripts(html: str, *names: str) -> Markup:
    """Remove the ``<script>`` tags that load any of the files ``names`` from an HTML fragment.

    A name that loads nowhere in the fragment is an error: the theme changed, and the
    page would silently stay heavy.

    >>> head = '<link href="a.css"/>\\n<script defer src="_static/fontawesome.js?digest=1"></script>\\n'
    >>> str(without_scripts(head, "fontawesome.js"))
    '<link href="a.css"/>\\n'
    >>> without_scripts(head, "missing.js")
    Traceback (most recent call last):
    ...
    ValueError: no <script> loads missing.js here; update conf/_ext/lean_pages.py
    """
    for name in names:
        source = rf'"[^"]*\b{re.escape(name)}(?:\?[^"]*)?"'
        tag = re.compile(rf"[ \t]*<script\b[^>]*\bsrc={source}[^>]*>\s*</script>\n?")
        html, count = tag.subn("", str(html))
        if not count:
            raise ValueError(f"no <script> loads {name} here; update conf/_ext/lean_pages.py")
    return Markup(html)


def add_template_filter(app: Sphinx) -> None:
    if hasattr(app.builder, "templates"):
        app.builder.templates.environment.filters["without_scripts"] = without_scripts


def defer_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Load every script file of the page with ``defer``, except those inline code needs at once."""
    if pagename == "search" or "script_files" not in context:
        return
    deferred = []
    for script in context["script_files"]:
        attributes = dict(getattr(script, "attributes", {}))
        filename = str(getattr(script, "filename", script))
        blocking = (
            "body" in attributes  # inline code cannot be deferred
            or not filename
            or Path(filename.split("?")[0]).name in KEEP_BLOCKING
            or {"async", "defer"} & attributes.keys()
            or attributes.get("type") == "module"  # deferred already
        )
        if not blocking:
            script = type(script)(filename, priority=script.priority, **attributes, defer="defer")
        deferred.append(script)
    context["script_files"] = deferred


def icon_codepoints(outdir: Path) -> set[int]:
    """The FontAwesome code points the built site can show.

    Those of every ``fa-*`` name in its pages and scripts (a name maps to a glyph through
    a ``.fa-name{--fa:"..."}`` rule of the style sheets), and every private-use character
    a style sheet puts on a page itself (pydata-sphinx-theme's admonition icons).
    """
    glyph_of: dict[str, str] = {}
    other_css = []
    for css in outdir.glob("_static/**/*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        for rule in _ICON_RULE.finditer(text):
            for selector in rule["selectors"].split(","):
                if match := _ICON_CLASS.search(selector.strip()):
                    glyph_of[match.group(1)] = _unescape_css(rule["glyph"])
        other_css.append(_ICON_RULE.sub("", text))
    names: set[str] = set()
    scripts = [path for path in outdir.glob("_static/**/*.js") if path.name not in UNUSED_SCRIPTS]
    for path in [*outdir.rglob("*.html"), *scripts]:
        names |= set(_ICON_NAME.findall(path.read_text(encoding="utf-8", errors="replace")))
    glyphs = {glyph_of[name] for name in names if name in glyph_of}
    for text in other_css:
        glyphs |= set(_PRIVATE_USE.findall(_unescape_css(text)))
    return {ord(glyph) for glyph in glyphs if len(glyph) == 1}


def _icon_sources(outdir: Path) -> list[Path]:
    """The built files in which :func:`icon_codepoints` looks for icons."""
    static = [*outdir.glob("_static/**/*.js"), *outdir.glob("_static/**/*.css")]
    return sorted([*outdir.rglob("*.html"), *static])


def _files_digest(paths: list[Path]) -> str:
    """A short hash of the files' contents.

    >>> _files_digest([]) == _files_digest([])
    True
    """
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _unescape_css(text: str) -> str:
    r"""Turn CSS escapes such as ``\f062`` into the characters they stand for.

    >>> _unescape_css(r"\f062") == chr(0xF062), _unescape_css(r"\30 ")
    (True, '0')
    """
    return _CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def subset_icon_fonts(app: Sphinx, exception: Exception | None) -> None:
    """Cut each FontAwesome font of the built site down to the glyphs it shows."""
    if exception is not None or app.builder.format != "html":
        return
    from fontTools import subset

    outdir = Path(app.outdir)
    fonts = sorted((outdir / ICON_FONT_DIR).glob("*.woff2"))
    if not fonts:
        logger.warning("lean_pages: no icon fonts in %s; update conf/_ext/lean_pages.py", ICON_FONT_DIR)
        return
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.notdef_outline = True
    cache = Path(app.doctreedir) / "lean_pages"
    cache.mkdir(parents=True, exist_ok=True)
    site = _files_digest(_icon_sources(outdir))
    codepoints = None  # found only when a font must be cut anew
    for path in fonts:
        # Cut from the theme's full font, not from last build's cut: a new icon must find its glyph.
        original = _theme_original(app, path.relative_to(outdir / "_static"))
        cut = cache / f"{_files_digest([original])}-{site}-{path.name}"
        if not cut.is_file():
            if codepoints is None:
                codepoints = icon_codepoints(outdir)
            if not codepoints:
                logger.warning("lean_pages: found no icon the pages use; update conf/_ext/lean_pages.py")
                return
            for stale in cache.glob(f"*-{path.name}"):
                stale.unlink()
            font = subset.load_font(str(original), options)
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=codepoints & set(font.getBestCmap()))
            subsetter.subset(font)
            subset.save_font(font, str(cut), options)
        shutil.copyfile(cut, path)
    logger.info("lean_pages: icon fonts cut to the site's glyphs")


def _theme_original(app: Sphinx, static_path: Path) -> Path:
    """The file of the theme (or of a theme it inherits) that Sphinx copied to ``_static/static_path``."""
    for theme_dir in app.builder.theme.get_theme_dirs():
        original = Path(theme_dir, "static", static_path)
        if original.is_file():
            return original
    raise FileNotFoundError(f"no theme ships static/{static_path}; update conf/_ext/lean_pages.py")


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", add_template_filter)
    app.connect("html-page-context", defer_scripts, priority=900)  # after every other script is added
    app.connect("build-finished", subset_icon_fonts)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
