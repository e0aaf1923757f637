"""Checks for the claims of the TensorFlow versions page.

A claim that behaviour differs (or does not) between releases rests on the recorded rows
of :data:`snippets.version_notes.DIFFERENCES`, which tests/test_version_behaviour.py checks
against the running release on every release of the test matrix. Each check here reads
the row a sentence cites, asserts that the row says what the sentence says, and observes
the behaviour on the running TensorFlow (except the start-up lines, which take a fresh
Python; the page's own cell shows those).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import tensorflow as tf

from snippets.support.claims import require
from snippets.support.tested_range import release_table
from snippets.version_notes import DIFFERENCES, Difference

ROOT = Path(__file__).resolve().parent.parent.parent


def _row(words: str) -> Difference:
    (found,) = [d for d in DIFFERENCES if words in d.what]
    return found


def _holds_here(row: Difference) -> object:
    observed, expected = row.observe(), row.expected(tf.__version__)
    require(
        observed == expected,
        f"{row.what}: TensorFlow {tf.__version__} gives {observed!r}, the row {expected!r}",
    )
    return observed


def matrix_runs_the_suite_on_the_pyproject_releases() -> str:
    """``nox -s tests_tf`` runs pytest with the doctests on each release of pyproject's list.

    >>> print(matrix_runs_the_suite_on_the_pyproject_releases())
    tests_tf: pytest (--doctest-modules, testpaths [...'snippets'...]) on 2.16.2, ..., 2.21.0
    """
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    require(
        "TESTED_PAIRS = _tested_range.tested_pairs()" in noxfile,
        "noxfile.py no longer takes its (Python, TensorFlow) pairs from snippets/support/tested_range.py",
    )
    require(
        release_table() == pyproject["tool"]["tapeguide"],
        "snippets/support/tested_range.py no longer reads pyproject.toml's [tool.tapeguide]",
    )
    session = re.search(
        r"@nox\.parametrize\(.*?TESTED_PAIRS\)\ndef tests_tf\(.*?(?=\n@nox|\Z)", noxfile, re.S
    )
    require(session is not None, "tests_tf is no longer parametrized over TESTED_PAIRS")
    require('session.run("pytest"' in session.group(0), "tests_tf no longer runs pytest")
    options = pyproject["tool"]["pytest"]["ini_options"]
    require("--doctest-modules" in options["addopts"], "pytest no longer runs the doctests")
    require("snippets" in options["testpaths"], "pytest no longer collects snippets/")
    releases = release_table()["tested-tensorflow"]
    require(releases == pyproject["tool"]["tapeguide"]["tested-tensorflow"], "the page reads another list")
    return (
        f"tests_tf: pytest (--doctest-modules, testpaths {options['testpaths']}) on "
        f"{releases[0]}, ..., {releases[-1]}"
    )


def scalar_repr_row_holds() -> str:
    """The repr row: ``6.0`` with NumPy 1 (2.16, 2.17), ``np.float32(6.0)`` from 2.18; print: ``6.0``.

    >>> print(scalar_repr_row_holds())
    NumPy bound 2.0.0 on 2.17.1, 2.1.0 on 2.18.1; repr '6.0' on 2.17.1, 'np.float32(6.0)' on 2.18.1; ...
    """
    numpy_row, repr_row = _row("NumPy release"), _row("repr(")
    require(numpy_row.expected("2.17.1") == "2.0.0", "2.17 no longer needs NumPy 1")
    require(numpy_row.expected("2.18.1") != "2.0.0", "2.18 does not allow NumPy 2")
    require(repr_row.expected("2.17.1") == "6.0", "the row gives another repr for NumPy 1")
    require(all(repr_row.expected(v) == "np.float32(6.0)" for v in ("2.18.1", "2.21.0")), "repr row changed")
    here = _holds_here(repr_row)
    printed = str(tf.constant(6.0).numpy())
    require(printed == "6.0", f"print shows {printed}")
    return (
        f"NumPy bound {numpy_row.expected('2.17.1')} on 2.17.1, {numpy_row.expected('2.18.1')} on 2.18.1; "
        f"repr '6.0' on 2.17.1, 'np.float32(6.0)' on 2.18.1; here repr {here}, print {printed}"
    )


def tanh_and_gelu_rows_hold() -> str:
    """The rows: ``tf.tanh(0.5)``'s last digits change at 2.20; GELU's tail is within 1e-6 from 2.19 on.

    >>> print(tanh_and_gelu_rows_hold())
    tanh(0.5): 0.462117165 to 2.19.1, 0.462117136 from 2.20.0; gelu(-4) within 1e-6: False to 2.18.1, ...
    """
    tanh_row, gelu_row = _row("tf.tanh(0.5)"), _row("tf.nn.gelu")
    require(tanh_row.expected("2.19.1") != tanh_row.expected("2.20.0"), "tanh did not change at 2.20")
    require(tanh_row.expected("2.16.2") == tanh_row.expected("2.19.1"), "tanh changed before 2.20")
    require(not gelu_row.expected("2.18.1") and gelu_row.expected("2.19.1"), "gelu did not change at 2.19")
    tanh_here, gelu_here = _holds_here(tanh_row), _holds_here(gelu_row)
    return (
        f"tanh(0.5): {tanh_row.expected('2.19.1')} to 2.19.1, {tanh_row.expected('2.20.0')} from 2.20.0; "
        f"gelu(-4) within 1e-6: False to 2.18.1, True from 2.19.1; here {tanh_here}, {gelu_here}"
    )


def startup_row_says_only_2_21_prints_lines() -> str:
    """The start-up row: with ``TF_CPP_MIN_LOG_LEVEL=3``, only 2.21 prints lines at import.

    Reads the recorded row only: observing it takes a fresh Python, which the page's own
    cell runs (tests/test_version_behaviour.py checks the row on every release).

    >>> print(startup_row_says_only_2_21_prints_lines())
    lines at import with TF_CPP_MIN_LOG_LEVEL=3: 0 from 2.16.2 to 2.20.0, 4 on 2.21.0
    """
    row = _row("imported with TF_CPP_MIN_LOG_LEVEL=3")
    releases = release_table()["tested-tensorflow"]
    before = releases[: releases.index("2.21.0")]
    earlier = {row.expected(v) for v in before}
    require(earlier == {0}, f"the row records lines before 2.21: {earlier}")
    require(row.expected("2.21.0") > 0, "the row records no lines on 2.21")
    return (
        f"lines at import with TF_CPP_MIN_LOG_LEVEL=3: 0 from {before[0]} to {before[-1]}, "
        f"{row.expected('2.21.0')} on 2.21.0"
    )


def error_message_rows_are_the_same_on_every_tested_release() -> str:
    """The rows of two quoted ``batch_jacobian`` messages hold one value for every tested release, and here.

    >>> print(error_message_rows_are_the_same_on_every_tested_release())
    the same on 2.16.2 to 2.21.0: "tocompute" typo True; rank-0 target 'IndexError: list index out of range'
    """
    typo, rank0 = _row('"tocompute"'), _row("rank-0 target")
    releases = release_table()["tested-tensorflow"]
    for row in (typo, rank0):
        require(len({repr(row.expected(v)) for v in releases}) == 1, f"{row.what} differs between releases")
        _holds_here(row)
    return (
        f'the same on {releases[0]} to {releases[-1]}: "tocompute" typo {typo.expected(releases[0])}; '
        f"rank-0 target {rank0.expected(releases[0])!r}"
    )
