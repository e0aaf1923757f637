"""The axe-core the browser tests run: one pinned release from npm, verified, cached under .nox/_axe.

The pin is axe-core 4.14.1, the current release when it was set. Older copies, such as the
4.12.1 that axe-playwright-python bundled, tag the rule ``label-content-name-mismatch``
(WCAG 2.5.3, "label in name": a control's accessible name contains its visible text)
"experimental" and skip it; from 4.14 on axe-core runs it by default, and :func:`axe_violations`
fails if a run did not include it. The tarball is npm's own, fetched with the standard library
(no Node needed), checked against npm's ``dist.integrity`` and refused on any mismatch.

To move the pin: ``npm view axe-core@VERSION dist`` (or https://registry.npmjs.org/axe-core/VERSION)
gives the tarball and its ``integrity``; change both constants below. ``fetch`` keeps one folder
per version, so an old download is never reused for a new pin.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import os
import tarfile
import tempfile
import urllib.request
from pathlib import Path

VERSION = "4.14.1"
# `dist.integrity` of the tarball, from `npm view axe-core@4.14.1 dist` (the registry's metadata).
INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
TARBALL_URL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".nox" / "_axe" / f"axe-core-{VERSION}"
TARBALL = CACHE / f"axe-core-{VERSION}.tgz"
SCRIPT = CACHE / "axe.min.js"
# Rules axe-core runs by default from this pin on that older copies skipped; a run without them fails.
REQUIRED_RULES = frozenset({"label-content-name-mismatch"})


def _integrity(data: bytes) -> str:
    """The Subresource Integrity string npm records for ``data``."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _write_atomically(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as temporary:
        temporary.write(data)
    os.chmod(temporary.name, 0o644)
    os.replace(temporary.name, path)


def fetch() -> Path:
    """``axe.min.js`` of the pinned release: downloaded once, its tarball verified on every call.

    The script is extracted again from the verified tarball each time (milliseconds), so an edited
    or truncated ``axe.min.js`` in the cache never runs. Raises ``RuntimeError`` when the tarball
    (downloaded now or kept from before) does not match :data:`INTEGRITY`.
    """
    if TARBALL.is_file():
        data = TARBALL.read_bytes()
        where = f"the cached {TARBALL}"
    else:
        try:
            with urllib.request.urlopen(TARBALL_URL, timeout=60) as response:
                data = response.read()
        except OSError as error:
            raise RuntimeError(f"could not download {TARBALL_URL}: {error}") from error
        where = TARBALL_URL
    if (found := _integrity(data)) != INTEGRITY:
        raise RuntimeError(
            f"refusing axe-core {VERSION}: {where} has integrity {found}, not the pinned {INTEGRITY}"
            + (f"; delete {TARBALL} to download it again" if where != TARBALL_URL else "")
        )
    CACHE.mkdir(parents=True, exist_ok=True)
    if where == TARBALL_URL:
        _write_atomically(TARBALL, data)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tarball:
        script = tarball.extractfile("package/axe.min.js").read()
    if not SCRIPT.is_file() or SCRIPT.read_bytes() != script:
        _write_atomically(SCRIPT, script)
    return SCRIPT


@functools.cache
def axe_script() -> str:
    """The source of the pinned ``axe.min.js``, read once per test session."""
    return fetch().read_text(encoding="utf-8")


# Every rule axe-core runs by default (no tags, no runOnly: the options axe-playwright-python
# used), violations only. `passes`, `incomplete` and `inapplicable` still name each rule run.
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  const kinds = ['violations', 'passes', 'incomplete', 'inapplicable'];
  const ran = kinds.flatMap(kind => results[kind].map(rule => rule.id));
  return {version: results.testEngine.version, ran, violations: results.violations};
}"""


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page open in ``page`` (Playwright), as axe reports them."""
    page.evaluate(axe_script())
    results = page.evaluate(RUN_AXE)
    assert results["version"] == VERSION, f"axe-core {results['version']} ran, not the pinned {VERSION}"
    missing = REQUIRED_RULES - set(results["ran"])
    assert not missing, f"axe-core {VERSION} did not run {sorted(missing)}"
    return results["violations"]
