"""Checks for the claims of the silent symptoms page."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from snippets.silent_symptoms import (
    BATCH,
    NONE_CAUSES,
    example_sequences,
    per_step_jacobians_by_reshaping,
    sequence_jacobians,
    tiny_rnn,
)
from snippets.support.claims import require

_TARGET_AND_SOURCE = {
    "none_from_a_loss_after_the_block": ("loss", "w"),
    "none_from_numpy": ("loss", "w"),
    "none_from_an_integer_source": ("y", "x"),
    "none_from_a_variable_not_watched": ("loss", "w"),
    "none_from_an_op_without_a_gradient": ("loss", "w"),
    "none_from_a_different_tensor": ("y", "x_batched"),
}


def unconnected_gradients_zero_turns_every_none_into_zeros() -> str:
    """``unconnected_gradients="zero"`` gives zeros for every cause of ``None`` on the page, alike.

    >>> print(unconnected_gradients_zero_turns_every_none_into_zeros())
    6 causes of None, 6 all-zero results with unconnected_gradients="zero"
    """
    zeros = 0
    for case, _test, _label in NONE_CAUSES.values():
        names = case()
        target, source = _TARGET_AND_SOURCE[case.__name__]
        require(names["gradient"] is None, f"{case.__name__}: not None")
        result = names["tape"].gradient(names[target], names[source], unconnected_gradients="zero")
        require(result is not None and not np.any(result.numpy()), f"{case.__name__}: {result}")
        zeros += 1
    return f'{len(NONE_CAUSES)} causes of None, {zeros} all-zero results with unconnected_gradients="zero"'


def folding_dependent_steps_into_the_batch_sums_the_blocks() -> str:
    """For ``tiny_rnn``, folding time into the batch gives, for step ``s``, ``sum over t of d y[t] / d x[s]``.

    >>> print(folding_dependent_steps_into_the_batch_sums_the_blocks())
    folded block s = sum over t of d y[t] / d x[s], largest difference < 1e-6; own-step block differs by \
0.9597
    """
    x = example_sequences()
    folded = per_step_jacobians_by_reshaping(tiny_rnn, x)  # [B, T, H, F]
    full = sequence_jacobians(tiny_rnn, x)  # [B, T, H, T, F]
    summed_over_outputs = tf.reduce_sum(full, axis=1)  # [B, H, T, F]: sum over output steps t
    summed = tf.transpose(summed_over_outputs, (0, 2, 1, 3))  # [B, T(s), H, F]
    gap = float(tf.reduce_max(tf.abs(folded - summed)))
    own = tf.einsum("bthtf->bthf", full)
    own_gap = float(tf.reduce_max(tf.abs(folded - own)))
    require(gap < 1e-6, f"folded differs from the step-summed blocks by {gap}")
    require(own_gap > 0.1, f"folded is close to the own-step blocks ({own_gap})")
    return (
        "folded block s = sum over t of d y[t] / d x[s], largest difference < 1e-6; "
        f"own-step block differs by {own_gap:.4f}"
    )


def per_example_weight_gradients_add_up_to_the_gradient() -> str:
    """Per-example weight gradients (one tape per example) add up to ``gradient`` of the summed losses.

    >>> print(per_example_weight_gradients_add_up_to_the_gradient())
    2 per-example weight gradients of shape (2, 1); their sum equals gradient(sum of losses, w): True
    """
    w = tf.Variable([[1.0], [-1.0]])
    per_example = []
    for example in BATCH:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum((example[tf.newaxis] @ w) ** 2)
        per_example.append(tape.gradient(loss, w))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum((BATCH @ w) ** 2)
    summed = tape.gradient(total, w)
    equal = bool(np.allclose(tf.add_n(per_example).numpy(), summed.numpy()))
    distinct = not np.allclose(per_example[0].numpy(), per_example[1].numpy())
    require(equal and distinct, f"equal {equal}, distinct {distinct}")
    return (
        f"{len(per_example)} per-example weight gradients of shape {tuple(per_example[0].shape)}; "
        f"their sum equals gradient(sum of losses, w): {equal}"
    )
