"""Do the rows of a batch interact? The cross-example blocks of a batched Jacobian say so.

A Jacobian of a batched target with respect to a batched source has shape
``[r, *target_row, b, *source_row]``: ``r`` target rows (all ``b`` of them for
``tape.jacobian``, or the few that :func:`jacobian_rows` computes) against all ``b``
source rows. Block ``[i, ..., j, ...]`` is the derivative of target row ``i`` with
respect to source row ``j``. Block ``j`` of ``batch_jacobian`` is the sum of the
blocks ``[i, ..., j, ...]`` over ``i``, so it is the per-example Jacobian when every
block with ``i != j`` is zero. Every check of that promise on this site (the shape doctor's
``verify_independence``, the pages on ``batch_jacobian``, Hessians and Keras) reads
the blocks with the functions of this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import tensorflow as tf


def jacobian_rows(tape, target, source, rows: Sequence[int]) -> tf.Tensor:
    """Rows ``rows`` of the full Jacobian of a batched target: ``[len(rows), *target_row, b, *source_row]``.

    It makes one ``gradient`` call per element of each chosen target row, with a
    one-hot ``output_gradients`` that picks that element, so it needs nothing from
    inside the tape's ``with`` block: any persistent tape that recorded ``target``
    from ``source`` will do. The cost is ``len(rows)`` times the size of a target
    row in backward passes, each over the whole batch.

    >>> x = tf.constant([[1.0], [3.0]])
    >>> with tf.GradientTape(persistent=True) as tape:
    ...     tape.watch(x)
    ...     y = x - tf.reduce_mean(x, axis=0)  # every row depends on every row
    >>> row_1 = jacobian_rows(tape, y, x, rows=[1])
    >>> tuple(row_1.shape), row_1.numpy().ravel().tolist()
    ((1, 1, 2, 1), [-0.5, 0.5])

    A target the tape never connected to the source is refused, not read as zeros:

    >>> jacobian_rows(tape, y[tf.newaxis], x[tf.newaxis], rows=[0])
    Traceback (most recent call last):
      ...
    ValueError: the target does not depend on the source on this tape (batch_jacobian returns zeros ...
    """
    target_shape, source_shape = tuple(target.shape), tuple(source.shape)
    if not target_shape or not source_shape or target_shape[0] != source_shape[0]:
        raise ValueError(
            "jacobian_rows needs a target and a source with the same batch axis 0, got shapes "
            f"{target_shape} and {source_shape}: add the batch axis before computing the target, "
            "or use tape.jacobian"
        )
    batch, row_size = target_shape[0], math.prod(target_shape[1:])
    if any(not 0 <= row < batch for row in rows):
        raise ValueError(f"rows must lie in range({batch}), the batch, got {list(rows)}")
    per_row = []
    for row in rows:
        derivatives = []
        for element in range(row_size):
            # A one-hot output gradient picks one target element: its gradient is a row of the full Jacobian.
            one_hot = tf.reshape(
                tf.one_hot(row * row_size + element, depth=batch * row_size, dtype=target.dtype), target_shape
            )
            derivative = tape.gradient(target, source, output_gradients=one_hot)
            if derivative is None:
                raise ValueError(
                    "the target does not depend on the source on this tape (batch_jacobian returns zeros "
                    "and gradient None for it): compute the target from the source tensor itself while the "
                    "tape is recording (add a batch axis before computing the target, not after)"
                )
            derivatives.append(tf.convert_to_tensor(derivative))
        per_row.append(tf.stack(derivatives))
    return tf.reshape(tf.stack(per_row), (len(rows), *target_shape[1:], *source_shape))


def as_block_matrix(jacobian: tf.Tensor, target_rank: int) -> tf.Tensor:
    """Reshape a batched Jacobian ``[r, *target_row, b, *source_row]`` to blocks, shape ``[r, N, b, M]``.

    Block ``[i, :, j, :]`` is the ``N x M`` derivative of target row ``i`` with
    respect to source row ``j``. ``target_rank`` is the rank of the target, batch
    axis included: it says where the target's axes end.

    >>> tuple(as_block_matrix(tf.zeros((4, 2, 5, 4, 3)), target_rank=3).shape)
    (4, 10, 4, 3)
    """
    shape = tuple(jacobian.shape)
    if not 1 <= target_rank < len(shape):
        raise ValueError(
            f"a Jacobian of shape {shape} cannot have a batched target of rank {target_rank}: the target's "
            f"axes come first, then at least the source's batch axis"
        )
    target_row, source_row = shape[1:target_rank], shape[target_rank + 1 :]
    return tf.reshape(jacobian, (shape[0], math.prod(target_row), shape[target_rank], math.prod(source_row)))


def diagonal_blocks(
    full_jacobian: tf.Tensor, target_rank: int, rows: Sequence[int] | None = None
) -> tf.Tensor:
    """Keep block ``[k, ..., rows[k], ...]``: each target row's derivative with respect to its own source row.

    For the full ``tape.jacobian`` of a batched target, shape
    ``[b, *target_row, b, *source_row]`` (leave ``rows`` out), the result has shape
    ``[b, *target_row, *source_row]``: the per-example Jacobians, which is what
    ``batch_jacobian`` returns when rows do not interact. For the rows ``rows`` that
    :func:`jacobian_rows` computed, pass the same ``rows``.

    >>> full = tf.reshape(tf.range(16.0), (2, 2, 2, 2))
    >>> print(diagonal_blocks(full, target_rank=2).numpy())
    [[[ 0.  1.]
      [ 4.  5.]]
     [[10. 11.]
      [14. 15.]]]
    >>> diagonal_blocks(tf.zeros((2, 3, 4, 5)), target_rank=2)
    Traceback (most recent call last):
    ...
    ValueError: the full Jacobian of shape (2, 3, 4, 5) cannot have a batched target of rank 2 and a batched \
source: the two batch axes (0 and 2) must both exist and have the same size
    """
    shape = tuple(full_jacobian.shape)
    square = 1 <= target_rank < len(shape) and shape[0] == shape[target_rank]
    if rows is None and not square:
        raise ValueError(
            f"the full Jacobian of shape {shape} cannot have a batched target of rank {target_rank} and a "
            f"batched source: the two batch axes (0 and {target_rank}) must both exist and have the same size"
        )
    rows = range(shape[0]) if rows is None else rows
    if len(rows) != shape[0]:
        raise ValueError(
            f"the Jacobian holds {shape[0]} target rows, but rows names {len(rows)}: {list(rows)}"
        )
    blocks = as_block_matrix(full_jacobian, target_rank)
    own = tf.stack([blocks[k, :, row, :] for k, row in enumerate(rows)])
    return tf.reshape(own, (shape[0], *shape[1:target_rank], *shape[target_rank + 1 :]))


def cross_example_derivatives(
    jacobian: tf.Tensor, target_rank: int, rows: Sequence[int] | None = None
) -> np.ndarray:
    """Largest ``|d target row rows[k] / d source row j|``, for each ``k`` and ``j``: shape ``[r, b]``.

    Entry ``[k, rows[k]]``, the example's own block, is set to 0, so all zero means
    the target rows checked depend on their own source row only. ``rows`` is as for
    :func:`diagonal_blocks`.

    >>> x = tf.constant([[1.0], [3.0]])
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x - tf.reduce_mean(x, axis=0)
    >>> print(cross_example_derivatives(tape.jacobian(y, x), target_rank=2))
    [[0.  0.5]
     [0.5 0. ]]
    """
    blocks = np.abs(as_block_matrix(jacobian, target_rank).numpy())
    largest = blocks.max(axis=(1, 3), initial=0.0)
    for k, row in enumerate(range(blocks.shape[0]) if rows is None else rows):
        largest[k, row] = 0.0
    return largest


def cross_example_dependence(
    function: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor, rows: int = 2
) -> float:
    """Largest ``|d function(x)[i] / d x[j]|`` with ``j != i``, over the first ``rows`` examples ``i``.

    Zero means those rows of the target depend on their own row of the source
    only. It costs ``rows`` times one example's Jacobian, not the whole batch's.

    >>> from snippets.batch_jacobian_calls import centered, example_batch, row_wise_layer
    >>> x = example_batch(4, 3)
    >>> cross_example_dependence(row_wise_layer, x)
    0.0
    >>> cross_example_dependence(centered, x)
    0.25
    """
    x = tf.convert_to_tensor(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = function(x)
    checked = list(range(min(rows, x.shape[0])))
    derivatives = cross_example_derivatives(jacobian_rows(tape, y, x, checked), y.shape.rank, checked)
    return float(derivatives.max(initial=0.0))
