"""Calls that raise nothing and return a number you did not ask for: sums, dropped terms, None for zero."""

from __future__ import annotations

from collections.abc import Callable

import tensorflow as tf

MIXING = tf.constant([[1.0, 2.0], [3.0, 4.0]])
"""``y = MIXING @ x``: two outputs, each depending on both inputs, so its Jacobian is ``MIXING``."""


def gradient_of_vector_target() -> tf.Tensor:
    """Ask ``gradient`` for "the derivative" of a two-element target: it returns one number per *input*.

    It is the derivative of ``y0 + y1``: the Jacobian's rows added up,
    ``[1 + 3, 2 + 4]``.

    >>> print(gradient_of_vector_target().numpy())
    [4. 6.]
    """
    x = tf.constant([1.0, 1.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.linalg.matvec(MIXING, x)
    return tape.gradient(y, x)


def jacobian_of_vector_target() -> tf.Tensor:
    """Ask ``jacobian`` for one row per output.

    >>> print(jacobian_of_vector_target().numpy())
    [[1. 2.]
     [3. 4.]]
    """
    x = tf.constant([1.0, 1.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.linalg.matvec(MIXING, x)
    return tape.jacobian(y, x)


def centre_the_batch(x: tf.Tensor) -> tf.Tensor:
    """Subtract the batch mean from every row, as batch normalisation does in training.

    Row ``i`` of the result depends on *every* row of ``x``.

    >>> print(centre_the_batch(tf.constant([[1.0], [3.0]])).numpy())
    [[-1.]
     [ 1.]]
    """
    return x - tf.reduce_mean(x, axis=0, keepdims=True)


def batch_jacobian_of_interacting_rows() -> tf.Tensor:
    """Run ``batch_jacobian`` on ``centre_the_batch``: no error, and no per-example Jacobian either.

    ``batch_jacobian`` differentiates the target summed over the batch, one
    target feature at a time: block ``k`` is ``sum_i d y[i] / d x[k]``. That
    equals ``d y[k] / d x[k]`` only when the rows do not interact. Here the
    centred rows always sum to zero, so every block is 0, while the true
    per-example derivative ``d y[k] / d x[k]`` is ``1 - 1/2 = 0.5``.

    >>> print(batch_jacobian_of_interacting_rows().numpy())
    [[[0.]]
    <BLANKLINE>
     [[0.]]]
    """
    x = tf.constant([[1.0], [3.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = centre_the_batch(x)
    return tape.batch_jacobian(y, x)


def full_jacobian_of_interacting_rows() -> tf.Tensor:
    """The whole Jacobian, shape ``(2, 1, 2, 1)``: diagonal blocks 0.5, cross-example blocks -0.5.

    >>> print(tf.reshape(full_jacobian_of_interacting_rows(), (2, 2)).numpy())
    [[ 0.5 -0.5]
     [-0.5  0.5]]
    """
    x = tf.constant([[1.0], [3.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = centre_the_batch(x)
    return tape.jacobian(y, x)


def checked_batch_jacobian(function: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor) -> tf.Tensor:
    """``batch_jacobian`` of ``function`` at ``x``, after checking that rows really do not interact.

    The check computes the full Jacobian as well, so use it on a small batch
    while debugging, not in a training loop. It raises when
    ``d function(x)[i] / d x[j]`` is non-zero for some ``i != j``, which is when
    ``batch_jacobian`` would silently drop terms.

    >>> print(checked_batch_jacobian(tf.square, tf.constant([[1.0], [3.0]])).numpy())
    [[[2.]]
    <BLANKLINE>
     [[6.]]]
    >>> checked_batch_jacobian(centre_the_batch, tf.constant([[1.0], [3.0]]))
    Traceback (most recent call last):
    ...
    ValueError: rows interact: d target[i] / d source[j] is non-zero for i != j (largest: 0.5),
    so batch_jacobian would drop those terms; use tape.jacobian instead.
    >>> checked_batch_jacobian(tf.square, tf.constant([1.0, 3.0]))
    Traceback (most recent call last):
    ...
    ValueError: source has shape (2,); batch_jacobian needs rank >= 2 with the batch on axis 0,
    e.g. x[:, None] for one feature per example.
    """
    x = tf.convert_to_tensor(x)
    if x.shape.rank is None or x.shape.rank < 2:
        raise ValueError(
            f"source has shape {tuple(x.shape)}; batch_jacobian needs rank >= 2 with the batch on axis 0, "
            "e.g. x[:, None] for one feature per example."
        )
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = function(x)
    if y.shape.rank is None or y.shape.rank < 2 or y.shape[0] != x.shape[0]:
        raise ValueError(
            f"target has shape {tuple(y.shape)} for a source of shape {tuple(x.shape)}; batch_jacobian "
            "needs rank >= 2 and the same batch size on axis 0 (add an axis with y[:, None])."
        )
    batch = x.shape[0]
    zero = tf.UnconnectedGradients.ZERO
    blocks = (batch, y.shape.num_elements() // batch, batch, x.shape.num_elements() // batch)
    full = tf.reshape(tape.jacobian(y, x, unconnected_gradients=zero), blocks)
    off_diagonal = full * (1.0 - tf.eye(batch, dtype=full.dtype))[:, None, :, None]
    largest = float(tf.reduce_max(tf.abs(off_diagonal)))
    if largest > 0:
        raise ValueError(
            f"rows interact: d target[i] / d source[j] is non-zero for i != j (largest: {largest:g}), "
            "so batch_jacobian would drop those terms; use tape.jacobian instead."
        )
    return tape.batch_jacobian(y, x, unconnected_gradients=zero)


def unconnected_sources() -> dict:
    """Differentiate ``y = a * a`` with respect to ``b``, which ``y`` does not use, with each call.

    ``gradient`` and ``jacobian`` return ``None``; ``batch_jacobian`` returns
    zeros (TensorFlow keeps that for backward compatibility; checked on 2.21).

    >>> for call, result in unconnected_sources().items():
    ...     print(f"{call:15}", result if result is None else result.numpy().tolist())
    gradient        None
    jacobian        None
    batch_jacobian  [[[0.0]], [[0.0]]]
    """
    a = tf.constant([[1.0], [2.0]])
    b = tf.constant([[3.0], [4.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        y = a * a
    return {
        "gradient": tape.gradient(y, b),
        "jacobian": tape.jacobian(y, b),
        "batch_jacobian": tape.batch_jacobian(y, b),
    }


def unconnected_sources_as_zeros() -> dict:
    """Ask for zeros with ``unconnected_gradients=tf.UnconnectedGradients.ZERO`` (or ``"zero"``).

    >>> for call, result in unconnected_sources_as_zeros().items():
    ...     print(f"{call:15}", result.numpy().tolist())
    gradient        [[0.0], [0.0]]
    jacobian        [[[[0.0], [0.0]]], [[[0.0], [0.0]]]]
    batch_jacobian  [[[0.0]], [[0.0]]]
    """
    a = tf.constant([[1.0], [2.0]])
    b = tf.constant([[3.0], [4.0]])
    zero = tf.UnconnectedGradients.ZERO
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        y = a * a
    return {
        "gradient": tape.gradient(y, b, unconnected_gradients=zero),
        "jacobian": tape.jacobian(y, b, unconnected_gradients=zero),
        "batch_jacobian": tape.batch_jacobian(y, b, unconnected_gradients=zero),
    }
