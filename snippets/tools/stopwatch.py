"""Time a TensorFlow computation one way everywhere: a median after one untimed call, or a first call."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(compute: Callable[[], object], repeats: int = 7) -> float:
    """Return the median wall-clock time, in seconds, of ``repeats`` calls to ``compute``.

    ``compute`` is called once first and not timed, so a ``tf.function`` is traced
    before the clock starts and the times measure the computation, not the tracing.
    Each call's result is converted with ``.numpy()`` where it has one, so work that
    TensorFlow runs asynchronously has finished when the clock stops. The median
    ignores the odd repeat that another process on the machine slowed down.

    >>> calls = []
    >>> seconds = median_seconds(lambda: calls.append(1), repeats=3)
    >>> len(calls), seconds >= 0.0
    (4, True)
    >>> median_seconds(lambda: None, repeats=0)
    Traceback (most recent call last):
    ...
    ValueError: repeats must be at least 1, got 0
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    _finish(compute())
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        _finish(compute())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def seconds_of_one_call(compute: Callable[[], object]) -> float:
    """Return the wall-clock time, in seconds, of a single call to ``compute``, with no untimed call first.

    This is the time a first call costs, tracing included when ``compute`` calls a
    new ``tf.function``; :func:`median_seconds` measures the calls after it.

    >>> calls = []
    >>> seconds = seconds_of_one_call(lambda: calls.append(1))
    >>> len(calls), seconds >= 0.0
    (1, True)
    """
    start = time.perf_counter()
    _finish(compute())
    return time.perf_counter() - start


def _finish(result: object) -> None:
    """Wait for every tensor in ``result`` (a tensor, or a list or tuple of them)."""
    for item in result if isinstance(result, list | tuple) else [result]:
        if hasattr(item, "numpy"):
            item.numpy()
