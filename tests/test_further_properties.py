"""Properties behind the "Go further" pages, on random functions and shapes.

Tolerances: every computation is float32. Values compared here are of order 1 to 10,
so two float32 evaluations of the same derivative by different routes (another
summation order, another pass) agree to ``atol=1e-4, rtol=1e-4``; a real mistake (a
transposed axis, a missing term, a wrong block) is of order 0.1 or more.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.forward_mode import forward_jacobian_loop, forward_jacobian_vectorized, reverse_jacobian
from snippets.higher_order import hessian, hvp_double_backward, hvp_forward_over_reverse
from snippets.keras_recipes import per_example_weight_gradients, per_example_weight_gradients_by_loop

ATOL = RTOL = 1e-4

shapes = st.lists(st.integers(min_value=1, max_value=3), min_size=0, max_size=2).map(tuple)
seeds = st.integers(min_value=0, max_value=2**31 - 1)
ACTIVATIONS = {"tanh": tf.tanh, "sin": tf.sin, "softplus": tf.nn.softplus}


def random_function(source_shape, target_shape, seed, activation):
    """``x -> act(A x) * (B x) + C x``, reshaped: every output mixes every input non-linearly."""
    rng = np.random.default_rng(seed)
    n, m = int(np.prod(source_shape)), int(np.prod(target_shape))
    a, b, c = (tf.constant(rng.normal(size=(m, n)) / np.sqrt(n), tf.float32) for _ in range(3))

    def f(x):
        flat = tf.reshape(x, [n])
        mixed = ACTIVATIONS[activation](tf.linalg.matvec(a, flat)) * tf.linalg.matvec(b, flat)
        return tf.reshape(mixed + tf.linalg.matvec(c, flat), target_shape)

    return f


def random_point(shape, seed):
    return tf.constant(np.random.default_rng(seed + 1).uniform(-1.5, 1.5, size=shape), tf.float32)


@settings(max_examples=10)
@given(source=shapes, target=shapes, seed=seeds, activation=st.sampled_from(sorted(ACTIVATIONS)))
def test_forward_and_reverse_jacobians_agree(source, target, seed, activation):
    f = random_function(source, target, seed, activation)
    x = random_point(source, seed)
    reverse = reverse_jacobian(f, x)
    assert tuple(reverse.shape) == target + source
    for forward in (forward_jacobian_loop(f, x), forward_jacobian_vectorized(f, x)):
        assert tuple(forward.shape) == target + source
        np.testing.assert_allclose(forward, reverse, atol=ATOL, rtol=RTOL)


def random_scalar_function(shape, seed, activation):
    """``x -> sum(act(A x) * (B x))``: a scalar whose Hessian is dense and not symmetric term by term."""
    vector = random_function(shape, (3,), seed, activation)
    return lambda x: tf.reduce_sum(vector(x) ** 2)


@settings(max_examples=8)
@given(shape=shapes, seed=seeds, activation=st.sampled_from(sorted(ACTIVATIONS)))
def test_nested_tape_hessians_are_symmetric(shape, seed, activation):
    f = random_scalar_function(shape, seed, activation)
    h = hessian(f, random_point(shape, seed))
    assert tuple(h.shape) == shape + shape
    size = int(np.prod(shape))
    matrix = tf.reshape(h, [size, size]).numpy()
    np.testing.assert_allclose(matrix, matrix.T, atol=ATOL, rtol=RTOL)


@settings(max_examples=8)
@given(shape=shapes, seed=seeds, activation=st.sampled_from(sorted(ACTIVATIONS)))
def test_hessian_vector_products_equal_h_times_v(shape, seed, activation):
    f = random_scalar_function(shape, seed, activation)
    x = random_point(shape, seed)
    v = random_point(shape, seed + 7)
    h_times_v = tf.tensordot(hessian(f, x), v, axes=len(shape))
    np.testing.assert_allclose(hvp_double_backward(f, x, v), h_times_v, atol=ATOL, rtol=RTOL)
    np.testing.assert_allclose(hvp_forward_over_reverse(f, x, v), h_times_v, atol=ATOL, rtol=RTOL)


@settings(max_examples=6)
@given(
    batch=st.integers(min_value=1, max_value=4),
    features=st.integers(min_value=1, max_value=3),
    hidden=st.integers(min_value=1, max_value=4),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_per_example_weight_gradients_equal_a_loop(batch, features, hidden, seed):
    rng = np.random.default_rng(seed)
    model = tf.keras.Sequential(
        [
            tf.keras.Input((features,)),
            tf.keras.layers.Dense(
                hidden, activation="tanh", kernel_initializer=tf.keras.initializers.GlorotUniform(seed=seed)
            ),
            tf.keras.layers.Dense(2, kernel_initializer=tf.keras.initializers.GlorotUniform(seed=seed + 1)),
        ]
    )
    x = tf.constant(rng.normal(size=(batch, features)), tf.float32)
    labels = tf.constant(rng.integers(0, 2, size=batch), tf.int32)
    vectorised = per_example_weight_gradients(model, x, labels)
    looped = per_example_weight_gradients_by_loop(model, x, labels)
    for variable, a, b in zip(model.trainable_variables, vectorised, looped, strict=True):
        assert tuple(a.shape) == (batch, *variable.shape)
        np.testing.assert_allclose(a, b, atol=ATOL, rtol=RTOL)
