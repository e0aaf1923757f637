"""The block arithmetic every independence check on the site shares agrees with tape.jacobian."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from snippets.tools.row_independence import (
    as_block_matrix,
    cross_example_derivatives,
    diagonal_blocks,
    jacobian_rows,
)

X = tf.reshape(tf.range(24, dtype=tf.float64) / 8.0 - 1.0, (4, 3, 2))


def row_wise(x):
    """Target rows of shape (2, 5), each from its own source row only."""
    flat = tf.reshape(x, (x.shape[0], -1))
    weights = tf.reshape(tf.range(60, dtype=x.dtype) / 30.0 - 1.0, (6, 10))
    return tf.reshape(tf.tanh(flat @ weights), (x.shape[0], 2, 5))


def mixing(x):
    """Row i also depends on row i + 1 (cyclically), with a known cross-example block."""
    return row_wise(x) * tf.reduce_sum(tf.roll(x, shift=-1, axis=0) ** 2, axis=(1, 2))[:, None, None]


def recorded(function):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(X)
        y = function(X)
    return tape, y


@pytest.mark.parametrize("function", [row_wise, mixing])
@pytest.mark.parametrize("rows", [[0, 1, 2, 3], [2], [3, 0]])
def test_jacobian_rows_are_rows_of_the_full_jacobian(function, rows):
    tape, y = recorded(function)
    full = tape.jacobian(y, X, experimental_use_pfor=False).numpy()  # (4, 2, 5, 4, 3, 2)
    np.testing.assert_allclose(jacobian_rows(tape, y, X, rows).numpy(), full[rows], rtol=0, atol=1e-12)


@pytest.mark.parametrize("function", [row_wise, mixing])
def test_diagonal_blocks_and_cross_example_derivatives_read_the_blocks(function):
    tape, y = recorded(function)
    full = tape.jacobian(y, X, experimental_use_pfor=False)
    blocks = full.numpy().reshape(4, 10, 4, 6)
    assert tuple(as_block_matrix(full, target_rank=3).shape) == (4, 10, 4, 6)
    np.testing.assert_array_equal(
        diagonal_blocks(full, target_rank=3).numpy(),
        np.stack([blocks[i, :, i, :] for i in range(4)]).reshape(4, 2, 5, 3, 2),
    )
    expected = np.abs(blocks).max(axis=(1, 3))
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_array_equal(cross_example_derivatives(full, target_rank=3), expected)
    rows = [3, 1]
    partial = jacobian_rows(tape, y, X, rows)
    np.testing.assert_allclose(
        diagonal_blocks(partial, target_rank=3, rows=rows).numpy(),
        diagonal_blocks(full, target_rank=3).numpy()[rows],
        rtol=0,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        cross_example_derivatives(partial, target_rank=3, rows=rows), expected[rows], rtol=0, atol=1e-12
    )


def test_the_mixing_function_is_caught_and_the_row_wise_one_is_not():
    for function, others in ((row_wise, []), (mixing, [1])):
        tape, y = recorded(function)
        derivatives = cross_example_derivatives(jacobian_rows(tape, y, X, [0]), target_rank=3, rows=[0])
        assert np.flatnonzero(derivatives[0]).tolist() == others


@pytest.mark.parametrize(
    ("target", "rows", "words"),
    [(X[:2], [0], "same batch axis 0"), (X, [4], r"rows must lie in range\(4\)")],
)
def test_jacobian_rows_refuses_what_it_cannot_compute(target, rows, words):
    tape, _ = recorded(row_wise)
    with pytest.raises(ValueError, match=words):
        jacobian_rows(tape, target, X, rows)
