"""The built site under test: where it is, how it is served, and what a page showed in Chromium.

``TAPEGUIDE_SITE`` picks the folder to test (default ``build/html``, which the nox session
``browser`` builds first); ``TAPEGUIDE_CHROMIUM`` the browser (default ``/usr/bin/chromium``).
"""

from __future__ import annotations

import gzip
import http.server
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from pinned_axe import axe_violations

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("TAPEGUIDE_SITE", ROOT / "build" / "html")).resolve()
CHROMIUM = Path(os.environ.get("TAPEGUIDE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PROFILES = {
    "desktop-light": {"viewport": {"width": 1280, "height": 900}, "color_scheme": "light"},
    "desktop-dark": {"viewport": {"width": 1280, "height": 900}, "color_scheme": "dark"},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
        "color_scheme": "light",
    },
}
TEXT_PAGE_BUDGET = 300_000  # bytes, gzip-compressed: a page without figures and all it loads


def site_pages() -> list[str]:
    """Every HTML page of the built site, relative to its root.

    The 404 page is tested apart; ``_static`` holds the theme's template fragments, not pages.

    A missing site yields ``index.html`` alone, so that the tests fail (and say why)
    instead of being collected as an empty, skipped set.
    """
    pages = sorted(
        path.relative_to(SITE).as_posix()
        for path in SITE.rglob("*.html")
        if path.name != "404.html" and path.relative_to(SITE).parts[0] not in ("_static", "_sources")
    )
    return pages or ["index.html"]


def site_sub_path() -> str:
    """The sub-path the site was built for, read from the canonical link of its front page."""
    index = SITE / "index.html"
    if not index.is_file():
        pytest.fail(f"no site in {SITE}: build it first (python3 noxfile.py -s browser builds it)")
    match = re.search(r'<link rel="canonical" href="([^"]+)"', index.read_text(encoding="utf-8"))
    assert match, "index.html has no canonical link: is html_baseurl set in conf/conf.py?"
    path = urlsplit(match.group(1)).path
    return path.rsplit("/", 1)[0] + "/"


class SiteRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under its sub-path only; a missing file gets 404.html, as on GitHub Pages."""

    sub_path = "/"

    def translate_path(self, path: str) -> str:
        path = unquote(urlsplit(path).path)
        if not path.startswith(self.sub_path):  # the site lives under its sub-path, nowhere else
            return str(SITE / "does-not-exist")
        parts = [part for part in path[len(self.sub_path) :].split("/") if part not in ("", ".", "..")]
        return str(SITE.joinpath(*parts))

    def send_error(self, code, message=None, explain=None):
        not_found = SITE / "404.html"
        if code != 404 or not not_found.is_file():
            return super().send_error(code, message, explain)
        body = not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):  # keep the test output readable
        pass


@dataclass
class Visit:
    """What one page showed in one profile."""

    page: str
    profile: str
    status: int | None = None
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    loaded: dict[str, int] = field(default_factory=dict)  # local URL -> gzip-compressed size
    axe_violations: list[dict] = field(default_factory=list)
    cells: list[dict] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    figure_count: int = 0
    scroll_width: int = 0
    inner_width: int = 0
    theme: str = ""

    @property
    def transfer_size(self) -> int:
        return sum(self.loaded.values())


PAGE_FACTS = """() => ({
  theme: document.documentElement.dataset.theme,
  scrollWidth: document.scrollingElement.scrollWidth,
  innerWidth: window.innerWidth,
  brokenImages: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
  figures: document.querySelectorAll('.cell_output img').length,
  cells: [...document.querySelectorAll('div.cell')].filter(c => c.querySelector('.cell_input')).map(c => {
    const output = c.querySelector('.cell_output');
    const box = output && output.getBoundingClientRect();
    return {
      classes: [...c.classList],
      source: c.querySelector('.cell_input pre').innerText,
      outputText: output ? output.innerText.trim() : null,
      outputImages: output ? output.querySelectorAll('img').length : 0,
      outputVisible: !!output && box.height > 0 && getComputedStyle(output).visibility !== 'hidden',
    };
  }),
})"""


def load_page(browser, site_root: str, path: str, profile: str) -> Visit:
    """Open ``path`` (relative to the site root) in a fresh context and record what happened."""
    visit = Visit(page=path, profile=profile)
    context = browser.new_context(**PROFILES[profile])
    local = urlsplit(site_root)

    def only_local(route):
        url = urlsplit(route.request.url)
        if url.scheme in ("http", "https") and url.netloc != local.netloc:
            visit.foreign_requests.append(route.request.url)
            return route.abort()
        return route.continue_()

    context.route("**/*", only_local)  # stays on while axe runs: axe must fetch nothing either
    page = context.new_page()
    # What the page does while it loads; axe's own requests come after (axe-core resolves a
    # stylesheet's @import against the page, not the sheet, and asks for a missing file).
    loading = True

    def on_console(message):
        if loading and message.type == "error":
            visit.console_errors.append(f"{message.text} {message.location}")

    def on_failed(request):
        if loading:
            visit.failed_requests.append(f"{request.url}: {request.failure}")

    def on_finished(request):
        response = request.response()
        if not loading or response is None or not request.url.startswith(site_root):
            return
        if response.status >= 400 and request.url != site_root + path:
            visit.failed_requests.append(f"{request.url}: HTTP {response.status}")
        try:
            body = response.body()
        except Exception as error:  # the browser may drop a body it no longer needs
            visit.failed_requests.append(f"{request.url}: body unreadable ({error})")
            return
        visit.loaded[request.url] = len(gzip.compress(body, compresslevel=6))

    page.on("console", on_console)
    page.on("pageerror", lambda error: visit.console_errors.append(f"uncaught: {error}"))
    page.on("requestfailed", on_failed)
    page.on("requestfinished", on_finished)
    response = page.goto(site_root + path, wait_until="networkidle")
    visit.status = response.status if response else None
    facts = page.evaluate(PAGE_FACTS)
    visit.theme = facts["theme"]
    visit.scroll_width, visit.inner_width = facts["scrollWidth"], facts["innerWidth"]
    visit.broken_images = facts["brokenImages"]
    visit.figure_count = facts["figures"]
    visit.cells = facts["cells"]
    loading = False
    visit.axe_violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [(n["target"], n.get("failureSummary", "")) for n in v["nodes"][:5]],
        }
        for v in axe_violations(page)
    ]
    context.close()
    return visit


VISITS: dict[tuple[str, str], Visit] = {}


def executed_notebook(page: str) -> dict | None:
    """The executed notebook the site offers for download next to ``page``, if any."""
    path = SITE / "_sources" / (page.removesuffix(".html") + ".ipynb")
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
