"""The site as a whole: links, search, copy buttons, the 404 page, and what a published site needs."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from fontTools.ttLib import TTFont
from pinned_axe import axe_violations
from site_under_test import PROFILES, ROOT, SITE, load_page, site_pages, site_sub_path

PAGES = site_pages()
GENERATED = {"search.html", "genindex.html", "404.html"}  # made by Sphinx, not from docs/
ICON_FONTS = {"fa-solid": "fa-solid-900", "fas": "fa-solid-900", "fa-regular": "fa-regular-400"}
ICON_FONTS |= {"far": "fa-regular-400", "fa-brands": "fa-brands-400", "fab": "fa-brands-400"}


class PageParser(HTMLParser):
    """The ids, the links (tag, attribute, value) and the meta tags of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str, dict]] = []
        self.meta: list[dict] = []
        self.icon_classes: list[list[str]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self._in_script = tag == "script"
        for name in ("id", "name") if tag == "a" else ("id",):
            if attributes.get(name):
                self.ids.add(attributes[name])
        for name in ("href", "src"):
            if name in attributes:
                self.links.append((tag, name, attributes[name], attributes))
        if tag == "meta":
            self.meta.append(attributes)
        classes = attributes.get("class", "").split()
        if any(c.startswith("fa-") for c in classes):
            self.icon_classes.append(classes)

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def parse(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def parsed():
    pages = [*PAGES, "404.html"]
    missing = [page for page in pages if not (SITE / page).is_file()]
    assert not missing, f"missing from {SITE}: {missing} (build the site first)"
    return {page: parse(SITE / page) for page in pages}


def base_url() -> str:
    index = (SITE / "index.html").read_text(encoding="utf-8")
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', index).group(1)
    return canonical.rsplit("/", 1)[0] + "/"


def resolve(page: str, url: str) -> tuple[Path, str] | None:
    """The file of the site and the fragment that ``url`` on ``page`` points to; None if external."""
    parts = urlsplit(url)
    if parts.scheme in ("mailto", "javascript", "data", "tel"):
        return None
    if parts.scheme or parts.netloc:
        if not url.startswith(base_url()):
            return None  # another site (the repository, a cited source): not checked here
        path = url[len(base_url()) :].split("#")[0].split("?")[0]
        return SITE / unquote(path), unquote(parts.fragment)
    if parts.path.startswith("/"):  # the 404 page's links start with the sub-path
        sub_path = site_sub_path()
        assert parts.path.startswith(sub_path), f"{page}: {url} is outside the site's sub-path {sub_path}"
        return SITE / unquote(parts.path[len(sub_path) :]), unquote(parts.fragment)
    target = (SITE / page).parent / unquote(parts.path) if parts.path else SITE / page
    return target.resolve(), unquote(parts.fragment)


def test_internal_links_and_anchors_resolve(parsed):
    """Every href and src of every page points to a file of the site, and every #anchor to an id."""
    broken = []
    for page, parser in parsed.items():
        for tag, attribute, url, _ in parser.links:
            if url in ("", "#"):
                continue
            resolved = resolve(page, url)
            if resolved is None:
                continue
            target, fragment = resolved
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page}: <{tag} {attribute}={url!r}>: no file {target}")
            elif fragment and target.suffix == ".html":
                known = parsed.get(target.relative_to(SITE).as_posix())
                if fragment not in (known or parse(target)).ids:
                    broken.append(f"{page}: <{tag} {attribute}={url!r}>: no id {fragment!r} in {target.name}")
    assert not broken, "\n".join(broken)


def test_everything_a_page_loads_comes_from_the_site(parsed):
    """Scripts, styles, fonts, icons and images are the site's own: no CDN, no MathJax, no analytics."""
    outside = []
    for page, parser in parsed.items():
        for tag, attribute, url, attributes in parser.links:
            loads = tag in ("script", "img", "source", "iframe", "embed") or (
                tag == "link" and attributes.get("rel") in ("stylesheet", "icon", "preload", "modulepreload")
            )
            if loads and resolve(page, url) is None:
                outside.append(f"{page}: <{tag} {attribute}={url!r}>")
    assert not outside, "loaded from elsewhere:\n" + "\n".join(outside)
    # (MyST marks sections "mathjax_ignore"; that class loads nothing.)
    trackers = re.compile(r"mathjax|googletagmanager|google-analytics|gtag\(|plausible|matomo", re.I)
    for page, parser in parsed.items():
        for code in [url for *_, url, _ in parser.links] + parser.inline_scripts:
            assert not trackers.search(code), f"{page} loads {trackers.search(code).group(0)}: {code[:200]}"
    assert any("<math" in (SITE / page).read_text(encoding="utf-8") for page in parsed), (
        "no page has a MathML formula: has the maths renderer changed?"
    )


def test_every_page_has_one_description_and_the_favicon(parsed):
    for page, parser in parsed.items():
        descriptions = [m.get("content", "") for m in parser.meta if m.get("name") == "description"]
        assert len(descriptions) == 1 and descriptions[0].strip(), f"{page}: meta descriptions {descriptions}"
        icons = [url for tag, _, url, attrs in parser.links if tag == "link" and attrs.get("rel") == "icon"]
        assert [Path(urlsplit(url).path).name for url in icons] == ["favicon.svg"], f"{page}: icons {icons}"


def test_sitemap_lists_every_page_at_its_published_address():
    sitemap = SITE / "sitemap.xml"
    assert sitemap.is_file(), "no sitemap.xml: is sphinx_sitemap in conf/conf.py?"
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    listed = [loc.text for loc in ElementTree.parse(sitemap).getroot().findall("s:url/s:loc", namespace)]
    expected = {base_url() + page for page in PAGES if page not in GENERATED}
    assert set(listed) == expected
    assert len(listed) == len(set(listed)), "a page is listed twice"


def test_committed_pages_say_when_they_last_changed(parsed):
    """The "last updated" date comes from git, for every page whose source is committed."""
    tracked = subprocess.run(
        ["git", "ls-files", "docs"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert tracked, "git lists no page under docs/"
    for source in tracked:
        page = Path(source).relative_to("docs").with_suffix(".html").as_posix()
        if not source.endswith(".md") or page not in parsed:
            continue
        text = (SITE / page).read_text(encoding="utf-8")
        assert re.search(r"Last updated on \d{4}-\d{2}-\d{2}", text), f"{page} shows no last-updated date"


def test_notebook_pages_offer_the_executed_notebook(parsed):
    for page, parser in parsed.items():
        if not (SITE / "_sources" / page.replace(".html", ".ipynb")).is_file():
            continue
        hrefs = [url for tag, _, url, _ in parser.links if tag == "a"]
        assert f"_sources/{page.replace('.html', '.ipynb')}" in hrefs, f"{page}: no .ipynb download link"


def test_edit_links_open_the_page_source(parsed):
    """Where the build knew its repository, "edit this page" opens docs/<page>.md on GitHub."""
    edit = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+/edit/[\w./-]+/docs/(?P<source>[\w/.-]+)$")
    for page, parser in parsed.items():
        for tag, _, url, _ in parser.links:
            if tag == "a" and "/edit/" in url:
                match = edit.match(url)
                assert match, f"{page}: malformed edit link {url}"
                assert match["source"] == page.replace(".html", ".md"), f"{page}: edit link {url}"


def test_every_icon_has_its_glyph_in_the_cut_down_fonts(parsed):
    """lean_pages keeps only the glyphs the site uses; each icon a page shows must still be there."""
    css = "\n".join(p.read_text(encoding="utf-8") for p in (SITE / "_static").rglob("*.css"))
    glyph = {}
    for selectors, escape in re.findall(r"([^{}]+)\{--fa:\s*\"\\([0-9a-fA-F]+)\s?\"", css):
        for selector in selectors.split(","):
            if match := re.fullmatch(r"\.(fa-[a-z0-9-]+)", selector.strip()):
                glyph[match.group(1)] = int(escape, 16)
    font_dir = SITE / "_static" / "vendor" / "fontawesome" / "webfonts"
    fonts = {font: set(TTFont(font_dir / f"{font}.woff2").getBestCmap()) for font in set(ICON_FONTS.values())}
    missing = []
    for page, parser in parsed.items():
        for classes in parser.icon_classes:
            style = next((ICON_FONTS[c] for c in classes if c in ICON_FONTS), None)
            names = [c for c in classes if c in glyph]
            if style and names and glyph[names[0]] not in fonts[style]:
                missing.append(f"{page}: {' '.join(classes)}")
    assert not missing, "icons without a glyph:\n" + "\n".join(sorted(set(missing)))


def test_404_page_works_under_the_sub_path(browser, site_root):
    """A missing address gets the 404 page, styled, with working links, wherever it is asked for."""
    seen = load_page(browser, site_root, "no/such/page.html", "desktop-light")
    assert seen.status == 404
    assert not seen.failed_requests, "\n".join(seen.failed_requests)
    assert not seen.foreign_requests, "\n".join(seen.foreign_requests)
    not_from_the_page = [e for e in seen.console_errors if "status of 404" not in e or "/no/such/" not in e]
    assert not not_from_the_page, "\n".join(not_from_the_page)
    assert any("pydata-sphinx-theme.css" in url for url in seen.loaded), "the 404 page lost its styles"
    assert not seen.axe_violations, seen.axe_violations


def test_printed_pages_have_no_accessibility_violations(browser, site_root):
    """Printed, the pages Sphinx makes and the front page pass axe-core too.

    The theme heads a printed page with a print-only title, which pages Sphinx makes lack unless
    conf/_templates/layout.html gives them one. Printing is slow, so only these pages are printed.
    """
    context = browser.new_context(**PROFILES["desktop-light"])
    page = context.new_page()
    page.emulate_media(media="print")
    found = {}
    for path in ["index.html", *sorted(GENERATED - {"404.html"}), "no/such/page.html"]:
        page.goto(site_root + path, wait_until="networkidle")
        if violations := axe_violations(page):
            found[path] = [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in violations]
    context.close()
    assert not found, found


def search_results(browser, site_root: str, query: str) -> list[str]:
    """The pages Sphinx's search lists for ``query``, in the search page, in Chromium."""
    context = browser.new_context(**PROFILES["desktop-light"])
    page = context.new_page()
    page.goto(f"{site_root}search.html?q={query}", wait_until="networkidle")
    page.wait_for_function(
        "() => /finished|did not match/i.test(document.querySelector('#search-results')?.innerText ?? '')"
    )
    hrefs = page.eval_on_selector_all("#search-results ul.search li a", "links => links.map(a => a.href)")
    context.close()
    return [urlsplit(href).path.removeprefix(urlsplit(site_root).path) for href in hrefs]


def test_search_finds_the_batch_jacobian_page(browser, site_root):
    results = search_results(browser, site_root, "batch_jacobian")
    assert "batch-jacobian.html" in results, f"search for batch_jacobian found {results}"


def test_search_finds_an_error_by_its_message(browser, site_root):
    """A reader pastes TensorFlow's message (with its typo) and lands on the error gallery."""
    results = search_results(browser, site_root, "can only be used tocompute one set of gradients")
    assert "error-gallery.html" in results, f"search for the message found {results}"


def copied_text(page, button) -> str:
    page.evaluate("() => navigator.clipboard.writeText('')")
    button.scroll_into_view_if_needed()
    button.hover()
    button.click()
    page.wait_for_function("() => navigator.clipboard.readText().then(t => t.length > 0)")
    return page.evaluate("() => navigator.clipboard.readText()")


def test_copy_buttons_copy_code_without_prompts_or_outputs(browser, site_root):
    """A code cell's button copies its code (not its output); a ``>>>`` example's copies the
    code after the prompts, without the expected output; a shown function is copied whole,
    doctest in its docstring included."""
    with_cells = [p for p in PAGES if 'class="cell docutils' in (SITE / p).read_text(encoding="utf-8")]
    assert with_cells, "no page has a code cell"
    clipboard = ["clipboard-read", "clipboard-write"]
    context = browser.new_context(**PROFILES["desktop-light"], permissions=clipboard)
    page = context.new_page()
    checked: list[str] = []
    for name in with_cells:
        page.goto(site_root + name, wait_until="networkidle")
        cell = page.locator("div.cell").filter(has=page.locator(".cell_output")).first
        if not cell.count():
            continue
        code = cell.locator(".cell_input pre").inner_text().rstrip("\n")
        output = cell.locator(".cell_output").inner_text().strip()
        copied = copied_text(page, cell.locator(".cell_input button.copybtn"))
        assert copied == code, f"{name}: the cell's button copied\n{copied}\ninstead of\n{code}"
        assert output not in copied or output in code
        checked.append(f"{name}: code cell")
        break
    kinds = {"examples": 0, "functions": 0}
    for name in PAGES:
        if all(count >= 3 for count in kinds.values()):
            break  # three of each kind make the point; the rest would only take time
        page.goto(site_root + name, wait_until="networkidle")
        for block in page.locator("div.highlight").all():
            pre = block.locator("pre")
            has_prompt = pre.locator(".gp").count() > 0
            shows_doctest = not has_prompt and "\n    >>> " in pre.inner_text()
            kind = "examples" if has_prompt else "functions"
            if not (has_prompt or shows_doctest) or kinds[kind] >= 3:
                continue
            kinds[kind] += 1
            copied = copied_text(page, block.locator("button.copybtn"))
            if has_prompt:
                lines = copied.splitlines()
                assert not any(line.startswith((">>> ", "... ")) for line in lines), f"{name}: prompts copied"
                for expected in pre.locator(".go").all_inner_texts():
                    assert expected.strip() not in lines, f"{name}: output {expected!r} copied"
                assert "Traceback" not in copied, f"{name}: a traceback was copied"
                checked.append(f"{name}: >>> example")
            else:
                whole = pre.inner_text().rstrip("\n")
                assert copied == whole, f"{name}: the shown function was cut:\n{copied}"
                checked.append(f"{name}: function with a doctest")
    context.close()
    assert checked, "found no code to copy"
    print("copy buttons checked:", *checked, sep="\n  ")
