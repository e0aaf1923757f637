"""Checks for the claims of the Keras second-order page: Hessians over variables, penalties, curvature."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from snippets.keras_recipes import labelled_batch, small_classifier
from snippets.keras_second_order import (
    flat_parameters,
    float64_twin,
    hessian_blocks,
    least_squares_problem,
    loss_and_input_gradient_penalty,
    penalty_problem,
)
from snippets.support.claims import require


def second_jacobian_on_a_non_persistent_tape_raises() -> str:
    """A tape without ``persistent=True`` answers one ``jacobian`` call; the second raises ``RuntimeError``.

    >>> print(second_jacobian_on_a_non_persistent_tape_raises())
    second jacobian: RuntimeError: A non-persistent GradientTape can only be used to compute one set of ...
    """
    model, loss = least_squares_problem()
    variables = model.trainable_variables
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            value = loss()
        gradients = inner.gradient(value, variables)
    outer.jacobian(gradients[0], variables)
    try:
        outer.jacobian(gradients[1], variables)
    except RuntimeError as error:
        return f"second jacobian: RuntimeError: {error}"
    raise AssertionError("a non-persistent tape answered two jacobian calls")


def keras_losses_cast_float64_predictions_to_float32_by_default() -> str:
    """A Keras loss without ``dtype`` casts float64 predictions to float32; ``dtype="float64"`` keeps them.

    >>> print(keras_losses_cast_float64_predictions_to_float32_by_default())
    default: float32, the loss of the logits cast to float32; dtype="float64": float64, differs by ...
    """
    model = float64_twin(small_classifier())
    x, labels = labelled_batch()
    logits = model(tf.cast(x, tf.float64))
    default = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    wide = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")
    by_default, by_float32 = default(labels, logits), default(labels, tf.cast(logits, tf.float32))
    in_float64 = wide(labels, logits)
    exact = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
    require(by_default.dtype == tf.float32, f"the default loss returned {by_default.dtype.name}")
    require(float(by_default) == float(by_float32), "the default loss is not the float32 loss")
    require(in_float64.dtype == tf.float64, f'dtype="float64" returned {in_float64.dtype.name}')
    require(
        abs(float(in_float64) - float(exact)) < 1e-15, "the float64 loss is not the float64 cross-entropy"
    )
    difference = abs(float(by_default) - float(exact))
    require(difference > 1e-10, "the default loss agrees with float64 beyond float32's precision")
    return (
        "default: float32, the loss of the logits cast to float32; "
        f'dtype="float64": float64, differs by {difference:.0e}'
    )


def stateless_call_uses_the_given_values_and_leaves_the_variables_alone() -> str:
    """``model.stateless_call`` computes with the values it is given and does not change the variables.

    >>> print(stateless_call_uses_the_given_values_and_leaves_the_variables_alone())
    stateless_call with weights + 1: outputs differ from model(x) by ...; variables unchanged
    """
    model, _ = least_squares_problem()
    x = tf.ones([2, 3], tf.float64)
    before = flat_parameters(model.trainable_variables).numpy()
    moved = [v + 1.0 for v in model.trainable_variables]
    outputs, _ = model.stateless_call(moved, model.non_trainable_variables, x)
    expected = tf.matmul(x, moved[0]) + moved[1]
    require(np.allclose(outputs, expected, atol=1e-14), "stateless_call did not use the given values")
    unchanged = np.array_equal(before, flat_parameters(model.trainable_variables).numpy())
    require(unchanged, "stateless_call changed the model's variables")
    shift = float(tf.reduce_max(tf.abs(outputs - model(x))))
    require(shift > 1.0, f"outputs moved by {shift} only")
    return f"stateless_call with weights + 1: outputs differ from model(x) by {shift:g}; variables unchanged"


def hessian_blocks_are_the_same_in_tf_function() -> str:
    """``hessian_blocks`` gives the same blocks eagerly and inside a ``tf.function``.

    >>> print(hessian_blocks_are_the_same_in_tf_function())
    linear regression, 2 x 2 blocks: tf.function equals eager to 1e-15
    """
    model, loss = least_squares_problem()
    variables = model.trainable_variables
    eager = hessian_blocks(loss, variables)
    in_graph = tf.function(lambda: hessian_blocks(loss, variables))()
    pairs = [
        (a, b)
        for row_a, row_b in zip(eager, in_graph, strict=True)
        for a, b in zip(row_a, row_b, strict=True)
    ]
    largest = max(float(tf.reduce_max(tf.abs(a - b))) for a, b in pairs)
    require(largest < 1e-15, f"graph and eager blocks differ by {largest}")
    return f"linear regression, {len(eager)} x {len(eager[0])} blocks: tf.function equals eager to 1e-15"


def optimizer_slots_created_in_the_first_step_trace_it_twice() -> str:
    """Adam creates its per-variable slots on its first update: a ``tf.function`` step is then traced twice.

    ``optimizer.build(variables)`` before the first call creates them outside the
    step, which is then traced once; plain SGD, which keeps no per-variable state,
    is traced once without it.

    >>> print(optimizer_slots_created_in_the_first_step_trace_it_twice())
    traces of the training step: Adam 2 without optimizer.build, 1 with it; plain SGD 1 without it
    """
    counts = {}
    for name, make, builds in (
        ("Adam", tf.keras.optimizers.Adam, (False, True)),
        ("SGD", tf.keras.optimizers.SGD, (False,)),
    ):
        for build in builds:
            model, x, y = penalty_problem()
            optimizer = make(0.01)
            if build:
                optimizer.build(model.trainable_variables)

            @tf.function
            def step(x, y, model=model, optimizer=optimizer):
                with tf.GradientTape() as tape:
                    data_loss, penalty = loss_and_input_gradient_penalty(model, x, y)
                    total = data_loss + 0.3 * penalty
                gradients = tape.gradient(total, model.trainable_variables)
                optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))

            for _ in range(3):
                step(x, y)
            counts[name, build] = step.experimental_get_tracing_count()
    expected = {("Adam", False): 2, ("Adam", True): 1, ("SGD", False): 1}
    require(counts == expected, f"traces: {counts}")
    return (
        f"traces of the training step: Adam {counts['Adam', False]} without optimizer.build, "
        f"{counts['Adam', True]} with it; plain SGD {counts['SGD', False]} without it"
    )
