"""Fixtures of the browser tests: the site on a local server, Chromium, and one visit per page and profile.

Each page is visited once per profile (desktop light, desktop dark, phone) in a fresh
browser context; the tests read what :func:`site_under_test.load_page` recorded.
"""

from __future__ import annotations

import functools
import http.server
import threading

import pytest
from playwright.sync_api import sync_playwright
from site_under_test import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SITE,
    TEXT_PAGE_BUDGET,
    VISITS,
    SiteRequestHandler,
    Visit,
    load_page,
    site_sub_path,
)


@pytest.fixture(scope="session")
def site_root() -> str:
    """The site's address on a local server (a free port on 127.0.0.1), ending in its sub-path."""
    sub_path = site_sub_path()
    handler = type("Handler", (SiteRequestHandler,), {"sub_path": sub_path})
    serve_site = functools.partial(handler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), serve_site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{sub_path}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium is not at {CHROMIUM}. Install Debian's package (`apt-get install chromium`, "
            "as .ci/run does) or point TAPEGUIDE_CHROMIUM at a Chromium or Chrome binary.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def visit(browser, site_root):
    """``visit(page, profile)``: the page's :class:`Visit`, loaded once per session."""

    def get(page: str, profile: str) -> Visit:
        if (page, profile) not in VISITS:
            VISITS[(page, profile)] = load_page(browser, site_root, page, profile)
        return VISITS[(page, profile)]

    return get


def pytest_terminal_summary(terminalreporter):
    """A table of every page's transfer size (desktop profile: the HTML and all it loaded)."""
    rows = [v for (_, profile), v in sorted(VISITS.items()) if profile == "desktop-light"]
    if not rows:
        return
    terminalreporter.section("page weight (gzip-compressed, HTML + every resource it loads)")
    width = max(len(v.page) for v in rows)
    terminalreporter.write_line(f"{'page':<{width}}  {'requests':>8}  {'figures':>7}  {'kB':>7}")
    for v in rows:
        line = f"{v.page:<{width}}  {len(v.loaded):>8}  {v.figure_count:>7}  {v.transfer_size / 1000:>7.1f}"
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"budget for a page without figures: {TEXT_PAGE_BUDGET / 1000:.0f} kB")
