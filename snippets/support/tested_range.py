"""The TensorFlow releases every example is tested on, read from pyproject.toml's one list.

This module imports nothing but the standard library, so ``conf/conf.py``, ``noxfile.py``
and the pages share it without importing TensorFlow.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def release_table(pyproject: Path = PYPROJECT) -> dict:
    """Return pyproject.toml's ``[tool.tapeguide]`` table: the releases and the Pythons.

    ``tested-tensorflow`` lists the releases oldest first; ``tested-python`` maps each
    Python to the oldest of them that has wheels for it.

    >>> table = release_table()
    >>> releases = table["tested-tensorflow"]
    >>> releases == sorted(releases, key=lambda v: tuple(map(int, v.split("."))))
    True
    >>> all(oldest in releases for oldest in table["tested-python"].values())
    True
    """
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["tapeguide"]


def tested_pairs(table: dict | None = None) -> list[tuple[str, str]]:
    """Every (Python, TensorFlow) pair ``nox -s tests_tf`` runs: each release from the Python's oldest.

    >>> pythons = {"3.11": "2.16.2", "3.13": "2.20.0"}
    >>> table = {"tested-tensorflow": ["2.16.2", "2.20.0"], "tested-python": pythons}
    >>> tested_pairs(table)
    [('3.11', '2.16.2'), ('3.11', '2.20.0'), ('3.13', '2.20.0')]
    """
    table = release_table() if table is None else table
    releases = table["tested-tensorflow"]
    return [
        (python, tensorflow)
        for python, oldest in table["tested-python"].items()
        for tensorflow in releases[releases.index(oldest) :]
    ]


def join_words(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``.

    >>> join_words(["2.16.2"]), join_words(["2.16.2", "2.17.1", "2.21.0"])
    ('2.16.2', '2.16.2, 2.17.1 and 2.21.0')
    """
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def supported_releases_sentence(table: dict | None = None) -> str:
    """Say which TensorFlow releases are tested with which Pythons, as one clause.

    ``table`` defaults to :func:`release_table`; Pythons that share their oldest release
    are named together.

    >>> print(supported_releases_sentence({
    ...     "tested-tensorflow": ["2.16.2", "2.20.0", "2.21.0"],
    ...     "tested-python": {"3.11": "2.16.2", "3.12": "2.16.2", "3.13": "2.20.0"},
    ... }))
    TensorFlow 2.16.2, 2.20.0 and 2.21.0 with Python 3.11 and 3.12,
    and TensorFlow 2.20.0 and 2.21.0 with Python 3.13
    """
    table = release_table() if table is None else table
    releases = table["tested-tensorflow"]
    pythons_by_oldest: dict[str, list[str]] = {}
    for python, oldest in table["tested-python"].items():
        pythons_by_oldest.setdefault(oldest, []).append(python)
    parts = [
        f"TensorFlow {join_words(releases[releases.index(oldest) :])} with Python {join_words(pythons)}"
        for oldest, pythons in pythons_by_oldest.items()
    ]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", and " + parts[-1]


def footer_sentence(table: dict | None = None) -> str:
    """The line every page's footer carries.

    >>> footer_sentence({"tested-tensorflow": ["2.16.2", "2.21.0"], "tested-python": {}})
    'Every example is tested on TensorFlow 2.16.2 and 2.21.0.'
    """
    table = release_table() if table is None else table
    return f"Every example is tested on TensorFlow {join_words(table['tested-tensorflow'])}."
