"""Properties behind the Keras second-order page, on random small Keras models and random symmetric matrices.

Tolerances: the models run in float64 with weights and inputs of order 1, so two routes to
the same second derivative (the variable blocks, the flat-parameter Hessian, a
Hessian-vector product) agree to round-off, below 1e-10; a real mistake (a transposed
block, a wrong offset, a missing term) is of order 0.01 or more. Power iteration's error
after ``k`` products is of order ``r ** (2 k)`` for an eigenvalue ratio ``r``; with ``r`` at
most 0.5 and 60 products that is far below the stated relative tolerance of 1e-9.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.higher_order import hessian, hvp_double_backward
from snippets.keras_second_order import (
    flat_parameter_loss,
    flat_parameters,
    flatten_hessian_blocks,
    hessian_blocks,
    hutchinson_samples,
    power_iteration,
)

ROUND_OFF = 1e-10
seeds = st.integers(min_value=0, max_value=2**31 - 1)


def random_model(features, hidden, outputs, seed):
    """A float64 ``Dense(hidden, tanh) -> Dense(outputs)`` with weights drawn from ``seed``, and a batch."""
    rng = np.random.default_rng(seed)
    model = tf.keras.Sequential(
        [
            tf.keras.Input((features,), dtype="float64"),
            tf.keras.layers.Dense(hidden, activation="tanh", dtype="float64"),
            tf.keras.layers.Dense(outputs, dtype="float64"),
        ]
    )
    model.set_weights([rng.normal(size=v.shape) for v in model.weights])
    x = tf.constant(rng.normal(size=(3, features)))
    y = tf.constant(rng.normal(size=(3, outputs)))
    return model, x, y


models = st.tuples(
    st.integers(min_value=1, max_value=3), st.integers(min_value=1, max_value=3), st.integers(1, 2), seeds
)


def mean_squared_error(y):
    return lambda outputs: tf.reduce_mean((outputs - y) ** 2)


@settings(max_examples=6)
@given(drawn=models, vector_seed=seeds)
def test_flattened_hessian_is_symmetric_is_made_of_the_blocks_and_gives_the_hvp(drawn, vector_seed):
    # One test for the three properties: the Hessian's blocks are the expensive part.
    model, x, y = random_model(*drawn)
    variables = model.trainable_variables
    blocks = hessian_blocks(lambda: mean_squared_error(y)(model(x)), variables)
    h = flatten_hessian_blocks(blocks).numpy()
    sizes = [int(np.prod(v.shape)) for v in variables]
    assert h.shape == (sum(sizes), sum(sizes))
    np.testing.assert_allclose(h, h.T, rtol=0, atol=ROUND_OFF, err_msg="not symmetric")

    offsets = np.cumsum([0, *sizes])
    for i, row in enumerate(blocks):
        assert len(row) == len(variables)
        for j, block in enumerate(row):
            assert tuple(block.shape) == tuple(variables[i].shape) + tuple(variables[j].shape)
            piece = h[offsets[i] : offsets[i + 1], offsets[j] : offsets[j + 1]]
            np.testing.assert_array_equal(piece, tf.reshape(block, [sizes[i], sizes[j]]).numpy())

    # An independent route: the Hessian of the loss as a function of the flat parameter vector.
    f = flat_parameter_loss(model, mean_squared_error(y), x)
    theta = flat_parameters(variables)
    np.testing.assert_allclose(h, hessian(f, theta).numpy(), rtol=0, atol=ROUND_OFF, err_msg="flat route")

    v = np.random.default_rng(vector_seed).normal(size=h.shape[0])
    product = hvp_double_backward(f, theta, tf.constant(v)).numpy()
    np.testing.assert_allclose(product, h @ v, rtol=0, atol=ROUND_OFF * np.abs(v).max(), err_msg="HVP")


def symmetric_with_spectrum(eigenvalues, seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(eigenvalues), len(eigenvalues))))
    return (q * eigenvalues) @ q.T


@given(
    size=st.integers(min_value=2, max_value=8),
    largest=st.floats(min_value=0.5, max_value=10.0),
    negative=st.booleans(),
    ratio=st.floats(min_value=0.0, max_value=0.5),
    seed=seeds,
)
def test_power_iteration_finds_the_largest_magnitude_eigenvalue(size, largest, negative, ratio, seed):
    rng = np.random.default_rng(seed)
    others = (
        rng.uniform(-ratio, ratio, size=size - 1) * largest
    )  # every other |eigenvalue| <= ratio * largest
    first = -largest if negative else largest
    a = tf.constant(symmetric_with_spectrum(np.array([first, *others]), seed))
    estimate = power_iteration(lambda v: tf.linalg.matvec(a, v), size, iterations=60)[-1]
    assert abs(estimate - first) <= 1e-9 * largest


@given(diagonal=st.lists(st.floats(min_value=-10, max_value=10), min_size=1, max_size=8))
def test_hutchinson_is_exact_for_a_diagonal_matrix(diagonal):
    a = tf.constant(np.diag(diagonal))
    samples = hutchinson_samples(lambda v: tf.linalg.matvec(a, v), len(diagonal), probes=5)
    np.testing.assert_allclose(samples, sum(diagonal), rtol=0, atol=1e-12)


@settings(max_examples=10)
@given(size=st.integers(min_value=2, max_value=8), seed=seeds)
def test_hutchinson_mean_is_within_five_predicted_standard_deviations(size, seed):
    h = np.random.default_rng(seed).normal(size=(size, size))
    h = (h + h.T) / 2
    a = tf.constant(h)
    probes = 400
    samples = hutchinson_samples(lambda v: tf.linalg.matvec(a, v), size, probes)
    spread = np.sqrt(2 * (np.sum(h**2) - np.sum(np.diag(h) ** 2)) / probes)
    assert abs(samples.mean() - np.trace(h)) <= 5 * spread + 1e-12
