"""The result shape of each call, computed for one concrete batch."""

from __future__ import annotations

import tensorflow as tf


def shapes_of_each_call(batch: int = 4, source_width: int = 3, target_width: int = 2) -> dict:
    """Apply ``gradient``, ``jacobian`` and ``batch_jacobian`` to one batched layer.

    The source ``x`` has shape ``[batch, source_width]``; the target is a dense
    layer ``y = x @ W`` of shape ``[batch, target_width]``, so row ``i`` of ``y``
    depends only on row ``i`` of ``x``: the contract ``batch_jacobian`` needs.

    >>> shapes_of_each_call(batch=4, source_width=3, target_width=2)
    {'gradient': (4, 3), 'jacobian': (4, 2, 4, 3), 'batch_jacobian': (4, 2, 3)}
    """
    x = tf.random.normal([batch, source_width])
    weights = tf.random.normal([source_width, target_width])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x @ weights
    return {
        "gradient": tuple(tape.gradient(y, x).shape),
        "jacobian": tuple(tape.jacobian(y, x).shape),
        "batch_jacobian": tuple(tape.batch_jacobian(y, x).shape),
    }


def what_each_call_keeps(batch: int = 4, source_width: int = 3, target_width: int = 2) -> dict:
    """For the same dense layer, relate the three results to each other (to float32 rounding, 1e-6).

    ``gradient`` is the full Jacobian summed over the target's axes; the full
    Jacobian's cross-example blocks are all zero; ``batch_jacobian`` is the sum of
    each block column of the full Jacobian, which here equals its diagonal block.

    >>> for name, value in what_each_call_keeps(batch=4, source_width=3, target_width=2).items():
    ...     print(f"{name}: {value}")
    gradient equals jacobian summed over the target axes: True
    largest |cross-example entry| of jacobian: 0.0
    batch_jacobian equals the sums of jacobian's block columns: True
    batch_jacobian equals jacobian's diagonal blocks: True
    """
    x = tf.reshape(tf.range(batch * source_width, dtype=tf.float32), [batch, source_width]) / 4.0 - 1.0
    weights = tf.reshape(
        tf.range(source_width * target_width, dtype=tf.float32), [source_width, target_width]
    )
    weights = weights / 2.0 - 1.0
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x @ weights
    full = tape.jacobian(y, x)  # [batch, target_width, batch, source_width]
    per_example = tape.batch_jacobian(y, x)  # [batch, target_width, source_width]
    own = tf.eye(batch)[:, tf.newaxis, :, tf.newaxis]  # 1 where the target and source example agree
    diagonal = tf.einsum("ikil->ikl", full)
    column_sums = tf.transpose(tf.reduce_sum(full, axis=0), (1, 0, 2))

    def close(a: tf.Tensor, b: tf.Tensor) -> bool:
        return bool(tf.reduce_all(tf.abs(a - b) <= 1e-6))

    return {
        "gradient equals jacobian summed over the target axes": close(
            tape.gradient(y, x), tf.reduce_sum(full, axis=(0, 1))
        ),
        "largest |cross-example entry| of jacobian": float(tf.reduce_max(tf.abs(full * (1 - own)))),
        "batch_jacobian equals the sums of jacobian's block columns": close(per_example, column_sums),
        "batch_jacobian equals jacobian's diagonal blocks": close(per_example, diagonal),
    }
