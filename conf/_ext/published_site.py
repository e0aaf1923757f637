"""The Sphinx hooks a published site needs: notebook downloads, fresh "last updated" dates, a full sitemap.

The site's address and repository are plain configuration in ``site_address.py``; this
extension holds the Sphinx hooks. Each one covers a gap that no maintained extension fills:

- **Executed notebooks to download.** Every notebook page's executed notebook goes into
  ``_sources/`` and the theme's download menu offers it as ``.ipynb``. sphinx-book-theme
  copies a notebook there only when launch buttons (Binder, Colab, ...) are configured, and
  it copies the one myst-nb writes, which in ``cache`` mode has no outputs; the outputs come
  from the execution cache here.
- **"Last updated" dates that follow commits.** sphinx-last-updated-by-git dates a page only
  when Sphinx reads it, and Sphinx re-reads a page only when its source or a dependency
  changes on disk, which a commit does not do. A page whose source or dependencies (the
  snippets it imports) were committed since it was last read is re-read here, so that an
  incremental build never shows a stale date.
- **A sitemap that lists every page.** sphinx-sitemap writes ``sitemap.xml`` (with the git
  dates as ``lastmod``) from the pages the current build wrote, so an incremental build
  would list only the pages it rewrote (https://github.com/jdillard/sphinx-sitemap/issues/13,
  open). The pages it did not write are handed to sphinx-sitemap here, through its own
  ``add_html_link``. Delete :func:`list_unwritten_pages_in_sitemap` once that issue is fixed.
"""

from __future__ import annotations

import contextlib
import queue
import subprocess
from pathlib import Path

import nbformat
import sphinx_sitemap
from sphinx.application import Sphinx


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
    """Record what each page was read against, for :func:`reread_recommitted_pages` next time."""
    env.tapeguide_commit_signatures = _commit_signatures(app, env)


def list_unwritten_pages_in_sitemap(app: Sphinx, exception: Exception | None) -> None:
    """Hand sphinx-sitemap every page this build did not write, so that ``sitemap.xml`` lists them all.

    sphinx-sitemap queues a page as the page is written (in the worker processes of a
    parallel build too); this runs before it writes the file, once every page is done.
    """
    links = getattr(app, "sitemap_links", None)  # sphinx-sitemap's queue of (link, lastmod)
    if exception is not None or links is None or app.builder.format != "html":
        return
    queued = []
    with contextlib.suppress(queue.Empty):
        while True:
            queued.append(links.get_nowait())
    for entry in queued:
        links.put(entry)
    listed = {link for link, _ in queued}
    for docname in sorted(app.env.found_docs):
        if app.builder.get_target_uri(docname) not in listed:
            sphinx_sitemap.add_html_link(app, docname, "page.html", {}, None)


def setup(app: Sphinx) -> dict:
    # Before sphinx-book-theme builds its download menu (priority 501).
    app.connect("html-page-context", offer_executed_notebook, priority=450)
    app.connect("env-get-outdated", reread_recommitted_pages)
    # After sphinx-last-updated-by-git has dated the pages it read (it runs at the default 500).
    app.connect("env-updated", remember_commit_signatures, priority=600)
    # Before sphinx-sitemap writes sitemap.xml (the default 500).
    app.connect("build-finished", list_unwritten_pages_in_sitemap, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
