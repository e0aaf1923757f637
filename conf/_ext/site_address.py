"""Where the published site lives and which repository it comes from, read from the environment.

Plain configuration, no Sphinx hooks: ``conf/conf.py`` turns these values into
``html_baseurl`` (canonical links and sphinx-sitemap's ``sitemap.xml``),
``notfound_urls_prefix`` (the 404 page) and the theme's repository links. The hooks that
act on the build are in ``published_site.py``.

Three environment variables, all optional, describe a deployment:

``TAPEGUIDE_BASE_URL``
    The address of the site's root. The sitemap, the canonical links and the 404 page (whose
    links must work from any missing address) are built from it. The GitHub Pages workflow
    passes the repository variable of that name, set only for a custom domain. Without it,
    a build in GitHub Actions assumes ``https://<owner>.github.io/<repository>/``, and any
    other build assumes the local address ``http://127.0.0.1:8000/tapeguide/``, so that a
    local build, like the published one, lives under a sub-path (the browser tests serve it there).
``TAPEGUIDE_REPOSITORY``
    ``owner/name`` of the GitHub repository, for the "edit this page" and repository
    links. Defaults to ``GITHUB_REPOSITORY`` (set in every GitHub Actions job), then to the
    ``origin`` remote of the git checkout when it is on GitHub. With none of them the
    site has no repository links rather than links to a guessed address.
``TAPEGUIDE_BRANCH``
    The branch that "edit this page" opens (default ``main``); ``conf/conf.py`` reads it.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

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
