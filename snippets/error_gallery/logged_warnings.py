"""Two mistakes TensorFlow only logs a warning about: gradient inside a persistent tape, retraced jacobian.

Both are about speed, not correctness: the numbers come out right, and the only
sign is a ``WARNING:tensorflow:`` line that TensorFlow prints once or twice per
process. The functions here return the warnings they caused, collected with
:func:`snippets.error_gallery.captured_warnings.tensorflow_warnings`.
"""

from __future__ import annotations

import tensorflow as tf

from snippets.error_gallery.captured_warnings import tensorflow_warnings


def gradient_inside_persistent_tape() -> tuple[float, list[str]]:
    """Call ``gradient`` inside the ``with`` block of a persistent tape; return it and the warnings.

    The tape is still recording, so it records the backward pass too.

    >>> slope, warnings = gradient_inside_persistent_tape()
    >>> slope
    6.0
    >>> print(warnings[0])
    Calling GradientTape.gradient on a persistent tape inside its context is significantly less
    efficient than calling it outside the context (it causes the gradient ops to be recorded on the
    tape, leading to increased CPU and memory usage). Only call GradientTape.gradient inside the
    context if you actually want to trace the gradient in order to compute higher order derivatives.
    """
    x = tf.constant(3.0)
    with tensorflow_warnings() as warnings, tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        slope = tape.gradient(y, x)
    return float(slope), warnings


def gradient_after_persistent_tape() -> tuple[float, list[str]]:
    """Close the ``with`` block first, then ask: same number, no warning, nothing extra recorded.

    >>> gradient_after_persistent_tape()
    (6.0, [])
    """
    x = tf.constant(3.0)
    with tensorflow_warnings() as warnings:
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = x * x
        slope = tape.gradient(y, x)
    return float(slope), warnings


def jacobians_in_an_eager_loop(steps: int = 6) -> list[str]:
    """Call ``tape.jacobian`` eagerly in a Python loop and return the warnings it logs.

    Each eager call vectorises with ``pfor``, which wraps the work in a new
    ``tf.function`` and traces it again: after five calls TensorFlow warns.

    >>> for warning in jacobians_in_an_eager_loop():
    ...     print(warning)
    5 out of the last 5 calls to <function pfor.<locals>.f at 0x...> triggered tf.function retracing.
    Tracing is expensive and the excessive number of tracings could be due to (1) creating
    @tf.function repeatedly in a loop, ...
    6 out of the last 6 calls to <function pfor.<locals>.f at 0x...> triggered tf.function retracing.
    Tracing is expensive ...
    """
    with tensorflow_warnings() as warnings:
        for step in range(steps):
            x = tf.fill([2, 2], float(step))
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = x * x
            tape.jacobian(y, x)
    return warnings


@tf.function
def _jacobian_of_square(x: tf.Tensor) -> tf.Tensor:
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.jacobian(y, x)


def jacobians_in_one_function(steps: int = 6) -> tuple[int, list[str]]:
    """Put the tape and the ``jacobian`` call in one ``tf.function``; return its trace count and warnings.

    Inside a ``tf.function``, ``pfor`` becomes part of one graph, traced once
    for inputs of one shape and dtype and then reused.

    >>> jacobians_in_one_function()
    (1, [])
    """
    function = tf.function(_jacobian_of_square.python_function)  # a fresh function: its own trace count
    with tensorflow_warnings() as warnings:
        for step in range(steps):
            function(tf.fill([2, 2], float(step)))
    return function.experimental_get_tracing_count(), warnings


def _persistent_tape_asked_inside() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        tape.gradient(x * x, x)


def _integer_tensor_watched() -> None:
    with tf.GradientTape() as tape:
        tape.watch(tf.constant([1, 2]))


def _eager_jacobian() -> None:
    x = tf.ones([2, 2])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.jacobian(y, x)


def warnings_in_ten_repeats() -> dict[str, int]:
    """Make each mistake of this section ten times in a row; count the warnings TensorFlow logs.

    The count starts from a clean slate (:func:`tensorflow_warnings` resets the
    rate limits), as in a fresh process: the rest of the process gets no more.

    >>> warnings_in_ten_repeats()
    {'gradient inside a persistent tape': 1, 'watching an integer tensor': 5, 'eager jacobian in a loop': 2}
    """
    mistakes = {
        "gradient inside a persistent tape": _persistent_tape_asked_inside,
        "watching an integer tensor": _integer_tensor_watched,
        "eager jacobian in a loop": _eager_jacobian,
    }
    counts = {}
    for name, mistake in mistakes.items():
        with tensorflow_warnings() as warnings:
            for _ in range(10):
                mistake()
        counts[name] = len(warnings)
    return counts
