"""Properties of gradient, jacobian and batch_jacobian over random shapes and values.

Every property is checked two ways: against another tape call, and against central
finite differences from ``tf.test.compute_gradient`` (float64, step 1/1024). The
finite-difference tolerance is FD_ATOL: the truncation error of a central difference
is about step**2 / 6 times a third derivative, under 1e-6 for these functions, and the
rounding error about 1e-16 / step; 1e-5 leaves room for both. Tape results compared
with each other use TAPE_ATOL, a few float64 roundings.
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

FD_ATOL = 1e-5
TAPE_ATOL = 1e-10

# An eager pfor call (jacobian, batch_jacobian) traces a new function every time, which costs
# far more than the arithmetic at these tiny shapes. Tests that make one per example run fewer
# examples than the profile's 40, to keep this file's share of the suite's time small.
PFOR_EXAMPLES = settings(max_examples=25)

values = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False, width=64)
weights = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False, width=64)
shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)
row_shapes = st.lists(st.integers(1, 3), min_size=1, max_size=2).map(tuple)


@st.composite
def problems(draw):
    """A source of any shape (rank 0 to 3) and a dense map to a target of any shape."""
    source_shape, target_shape = draw(shapes), draw(shapes)
    x = draw(arrays(np.float64, source_shape, elements=values))
    w = draw(arrays(np.float64, (math.prod(source_shape), math.prod(target_shape)), elements=weights))
    return x, w, target_shape


@st.composite
def batched_problems(draw):
    """A batch of 1 to 4 examples, each of rank 1 or 2, and a per-example dense map."""
    batch, source_row, target_row = draw(st.integers(1, 4)), draw(row_shapes), draw(row_shapes)
    x = draw(arrays(np.float64, (batch, *source_row), elements=values))
    w = draw(arrays(np.float64, (math.prod(source_row), math.prod(target_row)), elements=weights))
    return x, w, target_row


def dense_tanh(x, w, target_shape):
    return tf.reshape(tf.tanh(tf.reshape(x, (1, -1)) @ w), target_shape)


def row_wise(x, w, target_row):
    """Each example's target row depends on that example's source row only."""
    return tf.reshape(tf.tanh(tf.reshape(x, (x.shape[0], -1)) @ w), (x.shape[0], *target_row))


def rows_interact(x, w, target_row):
    """Each example's target row depends on every source row, through the batch mean."""
    z = tf.reshape(x, (x.shape[0], -1)) @ w
    return tf.reshape(tf.tanh(z) * tf.reduce_mean(z, axis=0), (x.shape[0], *target_row))


def tape_calls(function, x, w, target_shape, output_gradients=None, batched=False, pfor_jacobian=True):
    """Run gradient, jacobian and (for a batched problem) batch_jacobian on one persistent tape.

    Eager pfor traces a new function on every call, which dominates the run time of
    these tiny problems; where ``jacobian`` is only the reference, ``pfor_jacobian=False``
    computes it with the while_loop instead (the same values, see docs/jacobian.md).
    """
    x = tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = function(x, w, target_shape)
    results = {
        "gradient": tape.gradient(y, x, output_gradients=output_gradients).numpy(),
        "jacobian": tape.jacobian(y, x, experimental_use_pfor=pfor_jacobian).numpy(),
    }
    if batched:
        results["batch_jacobian"] = tape.batch_jacobian(y, x).numpy()
    return results


def finite_difference_jacobian(function, x, w, target_shape):
    """The Jacobian by central differences, shaped like tape.jacobian's: target.shape + source.shape."""
    _, (numeric,) = tf.test.compute_gradient(lambda s: function(s, w, target_shape), [tf.constant(x)])
    y_shape = tuple(function(tf.constant(x), w, target_shape).shape)
    return numeric.reshape(y_shape + x.shape)


def close(actual, expected, atol):
    np.testing.assert_allclose(actual, expected, rtol=0, atol=atol)


@PFOR_EXAMPLES
@given(problems())
def test_gradient_is_the_sum_of_jacobian_rows(problem):
    x, w, target_shape = problem
    calls = tape_calls(dense_tanh, x, w, target_shape)
    target_axes = tuple(range(len(target_shape)))
    close(calls["gradient"], calls["jacobian"].sum(axis=target_axes), TAPE_ATOL)
    fd = finite_difference_jacobian(dense_tanh, x, w, target_shape)
    close(calls["jacobian"], fd, FD_ATOL)
    close(calls["gradient"], fd.sum(axis=target_axes), FD_ATOL)


@given(problems(), st.data())
def test_output_gradients_give_the_vector_jacobian_product(problem, data):
    x, w, target_shape = problem
    u = data.draw(arrays(np.float64, target_shape, elements=values), label="u")
    calls = tape_calls(dense_tanh, x, w, target_shape, output_gradients=tf.constant(u), pfor_jacobian=False)
    vjp = np.tensordot(u, calls["jacobian"], axes=len(target_shape))
    close(calls["gradient"], vjp, TAPE_ATOL)
    fd = finite_difference_jacobian(dense_tanh, x, w, target_shape)
    close(calls["gradient"], np.tensordot(u, fd, axes=len(target_shape)), FD_ATOL)


def blocks(full, target_row):
    """Split a full batched Jacobian into blocks [i, :, j, :] of shape [b, N, b, M]."""
    batch = full.shape[0]
    return full.reshape(batch, math.prod(target_row), batch, -1)


@PFOR_EXAMPLES
@given(batched_problems())
def test_batch_jacobian_is_the_diagonal_blocks_when_rows_are_independent(problem):
    x, w, target_row = problem
    calls = tape_calls(row_wise, x, w, target_row, batched=True, pfor_jacobian=False)
    result = calls["batch_jacobian"]
    assert result.shape == x.shape[:1] + target_row + x.shape[1:]
    batch = x.shape[0]

    def diagonal(full):
        four = blocks(full, target_row)
        return np.stack([four[i, :, i, :] for i in range(batch)]).reshape(result.shape)

    close(result, diagonal(calls["jacobian"]), TAPE_ATOL)
    close(result, diagonal(finite_difference_jacobian(row_wise, x, w, target_row)), FD_ATOL)


@PFOR_EXAMPLES
@given(batched_problems())
def test_batch_jacobian_is_the_derivative_of_the_batch_sum_when_rows_interact(problem):
    x, w, target_row = problem
    calls = tape_calls(rows_interact, x, w, target_row, batched=True, pfor_jacobian=False)
    result = calls["batch_jacobian"]
    assert result.shape == x.shape[:1] + target_row + x.shape[1:]

    def column_sums(full):
        # d(sum_i y[i]) / d x[j] = sum_i J[i, :, j, :]: one block per source example j.
        return blocks(full, target_row).sum(axis=0).transpose(1, 0, 2).reshape(result.shape)

    close(result, column_sums(calls["jacobian"]), TAPE_ATOL)
    close(result, column_sums(finite_difference_jacobian(rows_interact, x, w, target_row)), FD_ATOL)
