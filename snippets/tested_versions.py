"""The TensorFlow releases every example is tested on, read from pyproject.toml's one list."""

from __future__ import annotations

import tomllib
from pathlib import Path

import tensorflow as tf

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def release_table() -> dict:
    """Return pyproject.toml's ``[tool.tapeguide]`` table: the releases and the Pythons.

    ``tested-tensorflow`` lists the releases oldest first; ``tested-python`` maps each
    Python to the oldest of them that has wheels for it. The TensorFlow that runs this
    doctest must be one of the releases.

    >>> table = release_table()
    >>> releases = table["tested-tensorflow"]
    >>> releases == sorted(releases, key=lambda v: tuple(map(int, v.split("."))))
    True
    >>> tf.__version__ in releases
    True
    >>> all(oldest in releases for oldest in table["tested-python"].values())
    True
    """
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["tapeguide"]


def _join(words: list[str]) -> str:
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
        f"TensorFlow {_join(releases[releases.index(oldest) :])} with Python {_join(pythons)}"
        for oldest, pythons in pythons_by_oldest.items()
    ]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", and " + parts[-1]


class Markdown(str):
    """A string that a notebook cell shows as Markdown (rendered text) rather than as code output."""

    def _repr_markdown_(self) -> str:
        return str(self)


def tensorflow_releases_note() -> Markdown:
    """Name the TensorFlow that produced this build's outputs, and every release the examples are tested on.

    >>> print(tensorflow_releases_note())
    The outputs on these pages come from TensorFlow 2.... Every example is also tested on
    TensorFlow ... with Python 3.11... (`nox -s tests_tf`).
    >>> tensorflow_releases_note()._repr_markdown_() == str(tensorflow_releases_note())
    True
    """
    return Markdown(
        f"The outputs on these pages come from TensorFlow {tf.__version__}. Every example is also "
        f"tested on {supported_releases_sentence()} (`nox -s tests_tf`)."
    )
