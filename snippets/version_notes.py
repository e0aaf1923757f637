"""What changes between the TensorFlow releases of the tested range, observed on the running one.

Each :class:`Difference` pairs a sentence for the reader with a function that observes
the behaviour on the TensorFlow that is running, and with what every tested release
does (measured on each with ``nox -s tests_tf``; tests/test_version_behaviour.py checks
the running release against it). Everything else that a doctest asserts is checked on
every tested release by the same matrix.
"""

from __future__ import annotations

import functools
import math
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

import tensorflow as tf

from snippets.support.markdown import markdown_table
from snippets.support.tested_range import release_table


def _release_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def numpy_upper_bound() -> str | None:
    """The NumPy release the running TensorFlow refuses, from its own requirements (``None``: no bound).

    TensorFlow 2.16 and 2.17 exclude NumPy 2.0 and later, 2.18 and 2.19 exclude 2.1 and
    2.2 and later, and 2.20 and 2.21 set no upper bound (the first row of :data:`DIFFERENCES`).

    >>> import numpy as np
    >>> bound = numpy_upper_bound()
    >>> bound is None or _release_key(bound) > _release_key(np.__version__)
    True
    """
    from packaging.requirements import Requirement

    for distribution in ("tensorflow-cpu", "tensorflow"):
        try:
            requirements = metadata.requires(distribution) or []
        except metadata.PackageNotFoundError:
            continue
        for line in requirements:
            requirement = Requirement(line)
            if requirement.name == "numpy" and (requirement.marker is None or requirement.marker.evaluate()):
                bounds = [spec.version for spec in requirement.specifier if spec.operator == "<"]
                return bounds[0] if bounds else None
    raise LookupError("no TensorFlow distribution is installed")


def scalar_repr() -> str:
    """``repr`` of a scalar that ``.numpy()`` returned: NumPy 2 writes the type around the value.

    ``print`` writes the bare value on every release, which is why the pages print.

    >>> scalar_repr() in ("6.0", "np.float32(6.0)")
    True
    >>> print(tf.constant(6.0).numpy())
    6.0
    """
    return repr(tf.constant(6.0).numpy())


_IMPORT_WITH_PYTHON_STDERR_CAPTURED = (
    "import io, sys\nsys.stderr = io.StringIO()\nimport tensorflow\nsys.stdout.write(sys.stderr.getvalue())\n"
)


@functools.cache
def startup_output(min_log_level: str = "3") -> dict[str, tuple[str, ...]]:
    """What a fresh Python prints while it imports TensorFlow, with the C++ log level set.

    The child process replaces Python's ``sys.stderr`` with a buffer before the import and
    hands the buffer back at the end, so what went to file descriptor 2 directly (C++
    code) and what went through ``sys.stderr`` (Python code) come back apart. Timestamps
    and process ids are cut, so the lines compare between runs.

    >>> output = startup_output("3")
    >>> list(output)
    ['file descriptor 2', 'sys.stderr']
    >>> all("oneDNN" in line or "absl" in line for line in output["file descriptor 2"])
    True
    """
    import os

    finished = subprocess.run(
        [sys.executable, "-c", _IMPORT_WITH_PYTHON_STDERR_CAPTURED],
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": min_log_level},
        capture_output=True,
        text=True,
        check=True,
    )

    def lines(text: str) -> tuple[str, ...]:
        # "I0000 00:00:1795934266.014357   26114 port.cc:153] ..." -> "I port.cc:153] ..."
        cut = (re.sub(r"^([IWE])[\d:. -]+ \d+ ", r"\1 ", line) for line in text.splitlines())
        return tuple(line for line in cut if line.strip())

    return {"file descriptor 2": lines(finished.stderr), "sys.stderr": lines(finished.stdout)}


def startup_lines(min_log_level: str = "3") -> tuple[str, ...]:
    """What a fresh Python writes to file descriptor 2 while importing TensorFlow (:func:`startup_output`).

    ``snippets.support.environment`` hides them by pointing file descriptor 2 at /dev/null
    while it imports TensorFlow.

    >>> all("oneDNN" in line or "absl" in line for line in startup_lines("3"))
    True
    """
    return startup_output(min_log_level)["file descriptor 2"]


def tanh_of_half() -> str:
    """``tf.tanh(0.5)`` in float32, to all nine significant digits float32 has.

    The exact value is 0.46211715726...; releases differ in the last digit or two of
    this and other float kernels, so compare results with a tolerance, or print them
    to four decimals as the pages do.

    >>> print(f"{float(tf.tanh(0.5)):.4f}")
    0.4621
    >>> print(tanh_of_half())
    0.4621171...
    >>> math.isclose(float(tanh_of_half()), math.tanh(0.5), rel_tol=1e-6)
    True
    """
    return f"{float(tf.tanh(tf.constant(0.5))):.9g}"


def gelu_tail_error(x: float = -4.0) -> tuple[float, float]:
    """Relative errors of exact ``tf.nn.gelu`` and of its derivative at ``x`` (float32, against float64).

    Far in the negative tail ``x * Phi(x)`` is tiny, and ``1 + erf(x / sqrt(2))`` cancels
    there; TensorFlow 2.21 computes it with ``erfc`` instead. The recorded row says which
    tested releases stay within 1e-6 at ``x = -4``.

    >>> value_error, derivative_error = gelu_tail_error(-4.0)
    >>> value_error < 2e-3 and derivative_error < 2e-4
    True
    >>> gelu_tail_error(1.0)[0] < 1e-6
    True
    """
    point = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(point)
        value = tf.nn.gelu(point, approximate=False)
    derivative = tape.gradient(value, point)
    phi = 0.5 * math.erfc(-x / math.sqrt(2))
    exact_value = x * phi
    exact_derivative = phi + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    return (
        abs(float(value) - exact_value) / abs(exact_value),
        abs(float(derivative) - exact_derivative) / abs(exact_derivative),
    )


def used_tape_message(call: str) -> str:
    """The error of a second ``call`` (``gradient``, ``jacobian`` ...) on a non-persistent tape.

    >>> print(used_tape_message("jacobian"))
    RuntimeError: A non-persistent GradientTape can only be used to compute one set of
    gradients (or jacobians)
    >>> print(used_tape_message("batch_jacobian"))
    RuntimeError: A non-persistent GradientTape can only be used tocompute one set of
    gradients (or jacobians)
    """
    x = tf.constant([[1.0], [2.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    getattr(tape, call)(y, x)
    try:
        getattr(tape, call)(y, x)
    except RuntimeError as error:
        return f"{type(error).__name__}: {error}"
    raise AssertionError(f"a second {call} on a used tape did not raise")


def scalar_target_batch_jacobian_error() -> str:
    """The error ``batch_jacobian`` raises for a rank-0 target: a bare ``IndexError``.

    >>> print(scalar_target_batch_jacobian_error())
    IndexError: list index out of range
    """
    x = tf.constant([[1.0], [2.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x * x)
    try:
        tape.batch_jacobian(y, x)
    except IndexError as error:
        return f"{type(error).__name__}: {error}"
    raise AssertionError("batch_jacobian accepted a rank-0 target")


@dataclass(frozen=True)
class Difference:
    """One behaviour, how to observe it, and what the tested releases do.

    ``by_release`` maps the first tested release of each behaviour to what
    ``observe()`` returns from that release on, up to the next key.
    """

    what: str
    observe: Callable[[], object]
    by_release: dict[str, object]

    def expected(self, version: str) -> object:
        """What ``observe()`` returns on ``version``.

        >>> note = Difference("x", lambda: 0, {"2.16.2": "old", "2.20.0": "new"})
        >>> note.expected("2.19.1"), note.expected("2.20.0"), note.expected("2.21.0")
        ('old', 'new', 'new')
        """
        starts = [start for start in self.by_release if _release_key(start) <= _release_key(version)]
        if not starts:
            raise ValueError(f"TensorFlow {version} is older than every release measured for {self.what!r}")
        return self.by_release[max(starts, key=_release_key)]


DIFFERENCES = (
    Difference(
        "the first NumPy release TensorFlow's requirements exclude (2.0.0: NumPy 1 only)",
        lambda: numpy_upper_bound() or "no bound",
        {"2.16.2": "2.0.0", "2.18.1": "2.1.0", "2.19.1": "2.2.0", "2.20.0": "no bound"},
    ),
    Difference(
        "repr(tf.constant(6.0).numpy()), with the NumPy pip installs beside it",
        scalar_repr,
        {"2.16.2": "6.0", "2.18.1": "np.float32(6.0)"},
    ),
    Difference(
        "lines printed while TensorFlow is imported with TF_CPP_MIN_LOG_LEVEL=3",
        lambda: len(startup_lines("3")),
        {"2.16.2": 0, "2.21.0": 4},
    ),
    Difference(
        "tf.tanh(0.5) in float32, all nine digits (exact: 0.46211715726...)",
        tanh_of_half,
        {"2.16.2": "0.462117165", "2.20.0": "0.462117136"},
    ),
    Difference(
        "relative error of tf.nn.gelu(-4.0, approximate=False) below 1e-6",
        lambda: gelu_tail_error(-4.0)[0] < 1e-6,
        {"2.16.2": False, "2.19.1": True},
    ),
    Difference(
        'a second batch_jacobian on a non-persistent tape: the message reads "tocompute"',
        lambda: "tocompute" in used_tape_message("batch_jacobian"),
        {"2.16.2": True},
    ),
    Difference(
        "batch_jacobian of a rank-0 target raises a bare IndexError",
        scalar_target_batch_jacobian_error,
        {"2.16.2": "IndexError: list index out of range"},
    ),
)
"""The differences, and the sameness worth stating, measured on every tested release."""


def differences_by_release(releases: list[str] | None = None) -> list[tuple[str, str]]:
    """Each entry of :data:`DIFFERENCES`, with what each stretch of the tested releases does.

    ``releases`` defaults to pyproject.toml's tested list.

    >>> for what, per_release in differences_by_release()[-2:]:
    ...     print(f"{what}\\n    {per_release}")
    a second batch_jacobian on a non-persistent tape: the message reads "tocompute"
        2.16.2 to 2.21.0: True
    batch_jacobian of a rank-0 target raises a bare IndexError
        2.16.2 to 2.21.0: 'IndexError: list index out of range'
    >>> differences_by_release(["2.17.1", "2.18.1"])[1][1]
    "2.17.1: '6.0'; 2.18.1: 'np.float32(6.0)'"
    """
    releases = release_table()["tested-tensorflow"] if releases is None else releases
    rows = []
    for difference in DIFFERENCES:
        stretches: list[tuple[list[str], object]] = []
        for release in releases:
            value = difference.expected(release)
            if stretches and stretches[-1][1] == value:
                stretches[-1][0].append(release)
            else:
                stretches.append(([release], value))
        rows.append(
            (
                difference.what,
                "; ".join(
                    f"{span[0] if len(span) == 1 else f'{span[0]} to {span[-1]}'}: {value!r}"
                    for span, value in stretches
                ),
            )
        )
    return rows


def differences_markdown(releases: list[str] | None = None) -> str:
    """The differences as a Markdown table: what, what each stretch of releases does, and what runs here.

    The last column is observed on the TensorFlow that builds the page, so it can be read
    against the recorded row for that release.

    >>> print(differences_markdown()[:101])
    | behaviour | tested releases | observed on this TensorFlow |
    |---|---|---|
    | the first NumPy release
    """
    rows = [
        # Code spans keep the values' quotes straight (Markdown would curl them).
        [what, f"`{per_release}`", f"`{difference.observe()!r}`"]
        for difference, (what, per_release) in zip(DIFFERENCES, differences_by_release(releases), strict=True)
    ]
    return markdown_table(["behaviour", "tested releases", "observed on this TensorFlow"], rows)
