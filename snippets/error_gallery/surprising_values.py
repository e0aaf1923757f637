"""Calls that raise nothing and return a number you did not ask for: sums, dropped terms, None for zero."""

from __future__ import annotations

import tensorflow as tf

from snippets.batch_jacobian_calls import centered
from snippets.tools.row_independence import diagonal_blocks
from snippets.tools.shape_doctor import checked_batch_jacobian

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


def batch_jacobian_of_interacting_rows() -> tf.Tensor:
    """Run ``batch_jacobian`` on ``centered``, ``x - mean(x, axis=0)``: no error, no per-example Jacobian.

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
        y = centered(x)
    return tape.batch_jacobian(y, x)


def interacting_rows_fixed() -> tf.Tensor:
    """The per-example Jacobians the mistake asked for: the diagonal blocks of the full ``jacobian``.

    >>> print(interacting_rows_fixed().numpy())
    [[[0.5]]
    <BLANKLINE>
     [[0.5]]]
    """
    x = tf.constant([[1.0], [3.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = centered(x)
    return diagonal_blocks(tape.jacobian(y, x), target_rank=2)


def interacting_rows_checked() -> tf.Tensor:
    """The mistake through the shape doctor's ``checked_batch_jacobian``: an error instead of zeros.

    >>> interacting_rows_checked()
    Traceback (most recent call last):
    ...
    ValueError: batch_jacobian's result is wrong for these tensors: target row 0 depends on source row 1. ...
    """
    x = tf.constant([[1.0], [3.0]])
    with tf.GradientTape(persistent=True) as tape:  # persistent: the check differentiates again
        tape.watch(x)
        y = centered(x)
    return checked_batch_jacobian(tape, y, x, verify_independence=True)


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
