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
