"""Where the published site lives, and the extras a published docs site is expected to offer.

Three environment variables, all optional, describe a deployment:

``TAPEGUIDE_BASE_URL``
    The address of the site's root, ending in ``/``. The sitemap, the canonical links and
    the 404 page (whose links must work from any missing address) are built from it. The
    GitHub Pages workflow sets it from ``actions/configure-pages``. Without it, a build in
    GitHub Actions assumes ``https://<owner>.github.io/<repository>/``, and any other build
    assumes the local address ``http://127.0.0.1:8000/tapeguide/``, so that a local build,
    like the published one, lives under a sub-path (the browser tests serve it there).
``TAPEGUIDE_REPOSITORY``
    ``owner/name`` of the GitHub repository, for the "edit this page" and repository
    links. Defaults to ``GITHUB_REPOSITORY`` (set in every GitHub Actions job), then to the
    ``origin`` remote of the git checkout when it is on GitHub. With none of them the
    site has no repository links rather than links to a guessed address.
``TAPEGUIDE_BRANCH``
    The branch that "edit this page" opens (default ``main``).

As an extension, it also

- puts the executed notebook of every notebook page next to the page's source in
  ``_sources/``, so the theme's download menu offers it as ``.ipynb``;
- writes ``sitemap.xml`` (every page at ``TAPEGUIDE_BASE_URL``, with its git date);
- re-reads a page whose source or snippets were committed since it was last read, so that
  its "last updated" date (sphinx-last-updated-by-git) is never stale in an incremental build.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse
from xml.sax.saxutils import escape

import nbformat
from sphinx.application import Sphinx

LOCAL_BASE_URL = "http://127.0.0.1:8000/tapeguide/"
_GITHUB_REMOTE = re.compile(r"github\.com[:/](?P<slug>[\w.-]+/[\w.-]+?)(?:\.git)?/?$")


def site_base_url(environ: Mapping[str, str]) -> str:
    """The address of the site's root, always ending in ``/``.

    >>> site_base_url({"TAPEGUIDE_BASE_URL": "https://docs.example.org/guide"})
    'https://docs.example.org/guide/'
    >>> site_base_url({"GITHUB_REPOSITORY": "someone/tapeguide"})
    'https://someone.github.io/tapeguide/'
    >>> site_base_url({})
    'http://127.0.0.1:8000/tapeguide/'
    """
    url = environ.get("TAPEGUIDE_BASE_URL", "").strip()
    if not url and environ.get("GITHUB_REPOSITORY"):
        owner, name = environ["GITHUB_REPOSITORY"].split("/", 1)
        url = f"https://{owner.lower()}.github.io/{name}/"
    url = url or LOCAL_BASE_URL
    if not urlparse(url).scheme:
        raise ValueError(f"TAPEGUIDE_BASE_URL must be an absolute address (https://host/path/), not {url!r}")
    return url if url.endswith("/") else url + "/"


def url_path(base_url: str) -> str:
    """The sub-path of ``base_url``, with a ``/`` at both ends (what the 404 page's links start with).

    >>> url_path("https://someone.github.io/tapeguide/")
    '/tapeguide/'
    >>> url_path("https://docs.example.org/")
    '/'
    """
    path = urlparse(base_url).path or "/"
    return path if path.endswith("/") else path + "/"


def github_slug_from_remote(remote_url: str) -> str | None:
    """``owner/name`` of a GitHub remote address, or None for any other host.

    >>> github_slug_from_remote("git@github.com:someone/tapeguide.git")
    'someone/tapeguide'
    >>> github_slug_from_remote("https://github.com/someone/tapeguide")
    'someone/tapeguide'
    >>> github_slug_from_remote("https://gitlab.com/someone/tapeguide.git") is None
    True
    """
    match = _GITHUB_REMOTE.search(remote_url.strip())
    return match.group("slug") if match else None


def repository_slug(environ: Mapping[str, str], checkout: Path) -> str | None:
    """``owner/name`` of the GitHub repository the site's sources live in, or None if unknown.

    >>> repository_slug({"TAPEGUIDE_REPOSITORY": "someone/tapeguide", "GITHUB_REPOSITORY": "x/y"}, Path("."))
    'someone/tapeguide'
    """
    for variable in ("TAPEGUIDE_REPOSITORY", "GITHUB_REPOSITORY"):
        if environ.get(variable, "").strip():
            return environ[variable].strip()
    try:
        remote = subprocess.run(
            ["git", "remote", "get-url", "origin"], cwd=checkout, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):  # no git, or no remote called origin
        return None
    return github_slug_from_remote(remote)


def offer_executed_notebook(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Write the page's executed notebook into ``_sources/`` and tell the theme to offer it.

    myst-nb writes each page's notebook to its output folder, but in ``cache`` mode without
    the outputs (it writes the notebook it read, not the one merged with the cache), so
    the outputs come from the execution cache here.
    """
    config = getattr(app.env, "mystnb_config", None)
    if config is None or not config.output_folder or doctree is None:
        return
    notebook_file = Path(config.output_folder, f"{pagename}.ipynb")
    if not notebook_file.is_file():  # not a notebook page (search, genindex, 404)
        return
    notebook = nbformat.read(notebook_file, as_version=4)
    if config.execution_mode == "cache" and config.execution_cache_path:
        from jupyter_cache import get_cache

        with contextlib.suppress(KeyError):  # not in the cache (excluded from execution): as it is
            _, notebook = get_cache(config.execution_cache_path).merge_match_into_notebook(notebook)
    target = Path(app.outdir, "_sources", f"{pagename}.ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def committed_versions(checkout: Path) -> dict[Path, str]:
    """The git blob of every file committed at HEAD, by absolute path ({} outside a git checkout)."""
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=checkout, capture_output=True, text=True, check=True
        ).stdout.strip()
        listing = subprocess.run(
            ["git", "ls-tree", "-r", "-z", "HEAD"], cwd=top, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):  # no git, no checkout, or no commit yet
        return {}
    versions = {}
    for entry in filter(None, listing.split("\0")):
        meta, path = entry.split("\t", 1)
        versions[Path(top, path)] = meta.split()[2]
    return versions


def _commit_signatures(app: Sphinx, env) -> dict[str, tuple[str, ...]]:
    """For each page, the committed versions of its source and of every file it depends on."""
    versions = committed_versions(Path(app.srcdir))
    signatures = {}
    for docname in env.found_docs:
        files = [Path(env.doc2path(docname))]
        files += [Path(app.srcdir, dependency) for dependency in sorted(env.dependencies.get(docname, ()))]
        signatures[docname] = tuple(versions.get(path.resolve(), "uncommitted") for path in files)
    return signatures


def reread_recommitted_pages(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Pages whose source or dependencies were committed since they were read.

    sphinx-last-updated-by-git dates a page when Sphinx reads it. A page built before its
    commit (or before the commit of a snippet it uses) would otherwise keep its old date,
    or none, until its text changed again.
    """
    now = _commit_signatures(app, env)
    before = getattr(env, "tapeguide_commit_signatures", None)
    if before is None:  # an environment pickled before this extension: date every page afresh
        return list(now)
    return [doc for doc, signature in now.items() if doc in before and before[doc] != signature]


def remember_commit_signatures(app: Sphinx, env) -> None:
    env.tapeguide_commit_signatures = _commit_signatures(app, env)


def write_sitemap(app: Sphinx, exception: Exception | None) -> None:
    """``sitemap.xml``: every page at its published address, with the date of its last commit.

    Written from all the pages Sphinx knows, so an incremental build (which writes only the
    pages that changed) still lists them all.
    """
    if exception is not None or app.builder.format != "html" or not app.config.html_baseurl:
        return
    base = app.config.html_baseurl.rstrip("/") + "/"
    dates = getattr(app.env, "git_last_updated", {})
    entries = []
    for docname in sorted(app.env.found_docs):
        entry = f"<url><loc>{escape(base + app.builder.get_target_uri(docname))}</loc>"
        timestamp = (dates.get(docname) or (None,))[0]
        if timestamp:
            day = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
            entry += f"<lastmod>{day}</lastmod>"
        entries.append(entry + "</url>")
    urlset = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    sitemap = f'<?xml version="1.0" encoding="UTF-8"?>\n{urlset}\n' + "\n".join(entries) + "\n</urlset>\n"
    Path(app.outdir, "sitemap.xml").write_text(sitemap, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    # Before sphinx-book-theme builds its download menu (priority 501).
    app.connect("html-page-context", offer_executed_notebook, priority=450)
    app.connect("env-get-outdated", reread_recommitted_pages)
    # After sphinx-last-updated-by-git has dated the pages it read (it runs at the default 500).
    app.connect("env-updated", remember_commit_signatures, priority=600)
    app.connect("build-finished", write_sitemap)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
