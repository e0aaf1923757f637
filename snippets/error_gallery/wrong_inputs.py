"""What the tape refuses outright: watching something that is not a tensor, and ops without a gradient."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def watch_a_numpy_array() -> None:
    """Watch a NumPy array (a Keras symbolic ``KerasTensor`` fails the same way).

    >>> watch_a_numpy_array()
    Traceback (most recent call last):
    ...
    ValueError: Passed in object [1. 2.] of type 'ndarray', not tf.Tensor or tf.Variable or ExtensionType.
    """
    x = np.array([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)


def watch_a_tensor_made_from_it() -> tuple[list[float], str]:
    """Convert the array to a tensor first, then watch and use that tensor.

    NumPy arrays default to float64, so the gradient is float64 too.

    >>> watch_a_tensor_made_from_it()
    ([2.0, 4.0], 'float64')
    """
    x = tf.convert_to_tensor(np.array([1.0, 2.0]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    gradient = tape.gradient(y, x)
    return gradient.numpy().tolist(), gradient.dtype.name


def gradient_through_unique() -> None:
    """Differentiate through ``tf.unique``, an op with no registered gradient.

    >>> gradient_through_unique()
    Traceback (most recent call last):
    ...
    LookupError: gradient registry has no entry for: Unique
    """
    x = tf.constant([3.0, 1.0, 3.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        values = tf.unique(x).y
        y = tf.reduce_sum(values**2)
    tape.gradient(y, x)


def gradient_through_unique_fixed() -> tuple[list[float], list[float]]:
    """Run ``tf.unique`` on a stopped copy for its indices only, and gather the values from ``x``.

    ``tf.gather`` has a gradient, so each distinct value's gradient flows to its
    first occurrence: ``d/dx sum(unique(x) ** 2)`` is ``2 x`` there and 0 at the repeats.
    The gradient of a ``gather`` comes back as ``tf.IndexedSlices`` (one row per
    gathered index); ``tf.convert_to_tensor`` makes it an ordinary dense tensor.

    >>> gradient_through_unique_fixed()
    ([3.0, 1.0, 2.0], [6.0, 2.0, 0.0, 4.0])
    """
    x = tf.constant([3.0, 1.0, 3.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        _, group = tf.unique(tf.stop_gradient(x))  # group[i]: which distinct value x[i] is
        first = tf.math.unsorted_segment_min(tf.range(tf.size(x)), group, tf.reduce_max(group) + 1)
        values = tf.gather(x, first)
        y = tf.reduce_sum(values**2)
    gradient = tf.convert_to_tensor(tape.gradient(y, x))
    return values.numpy().tolist(), gradient.numpy().tolist()
