"""``batch_jacobian`` wants target and source of rank 2 or more that share axis 0: what it says otherwise.

The running example is a batch of three examples with two features each and a
per-example loss ``sum(x[i] ** 2)``, whose per-example gradient is ``2 * x[i]``.
"""

from __future__ import annotations

import tensorflow as tf

BATCH = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
"""Three examples (axis 0) of two features (axis 1)."""


def per_example_losses(x: tf.Tensor) -> tf.Tensor:
    """One loss per example, shape ``(batch,)``: ``sum(x[i] ** 2)``.

    >>> print(per_example_losses(BATCH).numpy())
    [ 5. 25. 61.]
    """
    return tf.reduce_sum(x**2, axis=1)


def batch_jacobian_of_the_mean_loss() -> None:
    """Ask ``batch_jacobian`` for per-example gradients of the mean loss, a scalar.

    A scalar has no axis 0 for ``batch_jacobian`` to read the batch size from,
    and it fails on an index before it can say so (checked on 2.21).

    >>> batch_jacobian_of_the_mean_loss()
    Traceback (most recent call last):
    ...
    IndexError: list index out of range
    """
    x = BATCH
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_mean(per_example_losses(x))
    tape.batch_jacobian(loss, x)


def batch_jacobian_of_per_example_losses() -> None:
    """Keep one loss per example, shape ``(3,)``: still one axis short.

    >>> batch_jacobian_of_per_example_losses()
    Traceback (most recent call last):
    ...
    ValueError: Shape (3,) must have rank at least 2
    """
    x = BATCH
    with tf.GradientTape() as tape:
        tape.watch(x)
        losses = per_example_losses(x)
    tape.batch_jacobian(losses, x)


def axis_added_after_the_tape() -> tf.Tensor:
    """Add the missing axis with ``losses[:, None]`` *after* the ``with`` block: zeros, no error.

    The reshape is not on the tape, so the target is unconnected to the source,
    and for an unconnected target ``batch_jacobian`` returns zeros where
    ``gradient`` and ``jacobian`` return ``None`` (checked on 2.21).

    >>> print(axis_added_after_the_tape().numpy())
    [[[0. 0.]]
    <BLANKLINE>
     [[0. 0.]]
    <BLANKLINE>
     [[0. 0.]]]
    """
    x = BATCH
    with tf.GradientTape() as tape:
        tape.watch(x)
        losses = per_example_losses(x)
    return tape.batch_jacobian(losses[:, tf.newaxis], x)


def per_example_gradient_of_the_sum() -> tf.Tensor:
    """When examples do not interact, the gradient of the *summed* losses is already per example.

    Row ``i`` of ``d sum_j loss[j] / d x`` is ``d loss[i] / d x[i]``, because
    ``loss[j]`` does not depend on ``x[i]`` for ``j != i``: one backward pass.
    (Of the *mean* loss it is the same divided by the batch size.)

    >>> print(per_example_gradient_of_the_sum().numpy())
    [[ 2.  4.]
     [ 6.  8.]
     [10. 12.]]
    """
    x = BATCH
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(per_example_losses(x))
    return tape.gradient(total, x)


def batch_jacobian_with_features_first() -> None:
    """Lay the target out features-first, shape ``(2, 3)``, against a batch-first source ``(3, 2)``.

    >>> batch_jacobian_with_features_first()
    Traceback (most recent call last):
    ...
    ValueError: Need first dimension of target shape ((2, 3)) and source shape ((3, 2)) to match.
    """
    x = BATCH
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.transpose(x**2)  # features on axis 0, examples on axis 1
    tape.batch_jacobian(y, x)


def batch_jacobian_with_batch_first() -> tf.Tensor:
    """Move the batch back to axis 0 (inside the ``with`` block, so the tape records it).

    >>> print(batch_jacobian_with_batch_first().numpy())
    [[[ 2.  0.]
      [ 0.  4.]]
    <BLANKLINE>
     [[ 6.  0.]
      [ 0.  8.]]
    <BLANKLINE>
     [[10.  0.]
      [ 0. 12.]]]
    """
    x = BATCH
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.transpose(x**2)
        y_batch_first = tf.transpose(y)
    return tape.batch_jacobian(y_batch_first, x)


def batch_jacobian_of_two_sources() -> None:
    """Pass a list of sources, as ``gradient`` and ``jacobian`` allow: ``batch_jacobian`` takes one.

    >>> batch_jacobian_of_two_sources()
    Traceback (most recent call last):
    ...
    AttributeError: 'list' object has no attribute 'shape'
    """
    a, b = BATCH, 2.0 * BATCH
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = a * b
    tape.batch_jacobian(y, [a, b])


def batch_jacobian_of_each_source() -> dict:
    """One call per source on a persistent tape; each result is ``(batch,) + target row + source row``.

    >>> {name: tuple(j.shape) for name, j in batch_jacobian_of_each_source().items()}
    {'a': (3, 2, 2), 'b': (3, 2, 2)}
    """
    a, b = BATCH, 2.0 * BATCH
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        y = a * b
    jacobians = {"a": tape.batch_jacobian(y, a), "b": tape.batch_jacobian(y, b)}
    del tape
    return jacobians
