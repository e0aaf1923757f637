"""The TensorFlow side of the Rosetta page: every derivative by ``tf.GradientTape`` or ``ForwardAccumulator``.

Each function takes NumPy arrays (float64, or complex128), returns a dict from the call
it made to the result as a NumPy array, and is checked against the closed forms of
:mod:`snippets.rosetta.examples`.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def layer_tensorflow(x, w):
    """The dense layer ``tanh(x @ w)``.

    >>> from snippets.rosetta.examples import X, W, layer
    >>> print(np.abs(layer_tensorflow(X, W).numpy() - layer(X, W)).max() < 1e-15)
    True
    """
    return tf.tanh(x @ w)


def chain_cubic_tensorflow(x):
    """``sum(x[:-1]**2 * x[1:])``, a scalar.

    >>> print(chain_cubic_tensorflow(tf.constant([1.0, 2.0, 3.0], tf.float64)).numpy())
    14.0
    """
    return tf.reduce_sum(x[:-1] ** 2 * x[1:])


def rows_times_column_sums_tensorflow(x):
    """``x * sum(x, axis=0)``: each row times the column sums over the whole batch.

    >>> from snippets.rosetta.examples import ROWS_X
    >>> print(rows_times_column_sums_tensorflow(tf.constant(ROWS_X)).numpy()[0])
    [ 9. 24.]
    """
    return x * tf.reduce_sum(x, axis=0)


def vector_target_tensorflow(x, w, u):
    """``gradient`` of a vector target: the derivative of its sum, or with ``output_gradients`` a VJP.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> results = vector_target_tensorflow(*INPUTS["vector_target"])
    >>> print(*check("vector_target", "TensorFlow", results), sep="\\n")
    tape.gradient(y, x): gradient of the sum of y
    tape.gradient(y, x, output_gradients=u): VJP u·J
    """
    x = tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = layer_tensorflow(x, w)
    return {
        "tape.gradient(y, x)": tape.gradient(y, x).numpy(),
        "tape.gradient(y, x, output_gradients=u)": tape.gradient(y, x, output_gradients=u).numpy(),
    }


def jacobian_tensorflow(x, w):
    """``tape.jacobian``: every output's derivative, shape ``y.shape + x.shape``.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> check("jacobian", "TensorFlow", jacobian_tensorflow(*INPUTS["jacobian"]))
    ['tape.jacobian(y, x): full Jacobian']
    """
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer_tensorflow(x, w)
    return {"tape.jacobian(y, x)": tape.jacobian(y, x).numpy()}


def per_example_jacobians_tensorflow(x, w):
    """One Jacobian per example: ``tape.batch_jacobian``, and ``tf.vectorized_map`` over per-example tapes.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> print(*check("per_example_jacobians", "TensorFlow",
    ...              per_example_jacobians_tensorflow(*INPUTS["per_example_jacobians"])), sep="\\n")
    tape.batch_jacobian(y, x): per-example Jacobians
    tf.vectorized_map(jacobian of one example, x): per-example Jacobians
    """
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer_tensorflow(x, w)

    def jacobian_of_one(row):
        with tf.GradientTape() as tape:
            tape.watch(row)
            y_row = layer_tensorflow(row[None], w)[0]
        return tape.jacobian(y_row, row)

    return {
        "tape.batch_jacobian(y, x)": tape.batch_jacobian(y, x).numpy(),
        "tf.vectorized_map(jacobian of one example, x)": tf.vectorized_map(jacobian_of_one, x).numpy(),
    }


def interacting_rows_tensorflow(x):
    """``batch_jacobian`` where rows interact, beside the diagonal blocks of the full ``jacobian``.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> results = interacting_rows_tensorflow(*INPUTS["interacting_rows"])
    >>> print(*check("interacting_rows", "TensorFlow", results), sep="\\n")
    tape.batch_jacobian(y, x): block-column sums
    diagonal blocks of tape.jacobian(y, x): diagonal blocks
    """
    x = tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = rows_times_column_sums_tensorflow(x)
    full = tape.jacobian(y, x)  # [b, m, b, m]
    examples = range(x.shape[0])
    return {
        "tape.batch_jacobian(y, x)": tape.batch_jacobian(y, x).numpy(),
        "diagonal blocks of tape.jacobian(y, x)": np.stack([full[i, :, i, :] for i in examples]),
    }


def forward_mode_tensorflow(x, w, v):
    """A JVP from ``ForwardAccumulator``, and every JVP at once: one per one-hot tangent, stacked first.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> results = forward_mode_tensorflow(*INPUTS["forward_mode"])
    >>> print(*check("forward_mode", "TensorFlow", results), sep="\\n")
    acc.jvp(y): JVP J·v
    tf.vectorized_map(JVP, one-hot tangents): JVPs stacked, tangent axis first
    """
    x = tf.constant(x)
    with tf.autodiff.ForwardAccumulator(primals=x, tangents=tf.constant(v)) as acc:
        y = layer_tensorflow(x, w)

    def jvp(tangent):
        with tf.autodiff.ForwardAccumulator(primals=x, tangents=tangent) as acc:
            y = layer_tensorflow(x, w)
        return acc.jvp(y)

    one_hot_tangents = tf.reshape(tf.eye(tf.size(x), dtype=x.dtype), [-1, *x.shape])  # [x.size] + x.shape
    return {
        "acc.jvp(y)": acc.jvp(y).numpy(),
        "tf.vectorized_map(JVP, one-hot tangents)": tf.vectorized_map(jvp, one_hot_tangents).numpy(),
    }


def hessian_and_hvp_tensorflow(x, v):
    """The Hessian by nested tapes, and the Hessian-vector product by a second backward pass.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> print(*check("hessian_and_hvp", "TensorFlow", hessian_and_hvp_tensorflow(*INPUTS["hessian_and_hvp"])),
    ...       sep="\\n")
    outer.jacobian(inner.gradient(f(x), x), x): Hessian
    outer.gradient(sum(inner.gradient(f(x), x) * v), x): Hessian-vector product H·v
    """
    x = tf.constant(x)
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            value = chain_cubic_tensorflow(x)
        gradient = inner.gradient(value, x)
        gradient_dot_v = tf.reduce_sum(gradient * v)
    return {
        "outer.jacobian(inner.gradient(f(x), x), x)": outer.jacobian(gradient, x).numpy(),
        "outer.gradient(sum(inner.gradient(f(x), x) * v), x)": outer.gradient(gradient_dot_v, x).numpy(),
    }


def per_example_weight_gradients_tensorflow(x, w):
    """One weight gradient per example: ``tf.vectorized_map`` over a tape per example.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> check("per_example_weight_gradients", "TensorFlow",
    ...       per_example_weight_gradients_tensorflow(*INPUTS["per_example_weight_gradients"]))
    ["tf.vectorized_map(gradient of one example's loss, x): per-example weight gradients"]
    """
    w = tf.constant(w)

    def gradient_of_one(row):
        with tf.GradientTape() as tape:
            tape.watch(w)
            loss = tf.reduce_sum(layer_tensorflow(row[None], w) ** 2)
        return tape.gradient(loss, w)

    return {
        "tf.vectorized_map(gradient of one example's loss, x)": tf.vectorized_map(gradient_of_one, x).numpy()
    }


def unconnected_tensorflow(x, z):
    """The gradient with respect to a source the target does not use: ``None``, or zeros on request.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> print(*check("unconnected", "TensorFlow", unconnected_tensorflow(*INPUTS["unconnected"])), sep="\\n")
    tape.gradient(y, z): None
    tape.gradient(y, z, unconnected_gradients=tf.UnconnectedGradients.ZERO): zeros
    """
    x, z = tf.constant(x), tf.constant(z)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, z])
        y = tf.reduce_sum(x**2)
    zeros = tape.gradient(y, z, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return {
        "tape.gradient(y, z)": tape.gradient(y, z),
        "tape.gradient(y, z, unconnected_gradients=tf.UnconnectedGradients.ZERO)": zeros.numpy(),
    }


def complex_inputs_tensorflow(z):
    """Gradients with respect to a complex input: a real loss, and a holomorphic function.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> print(*check("complex_inputs", "TensorFlow", complex_inputs_tensorflow(*INPUTS["complex_inputs"])),
    ...       sep="\\n")
    tape.gradient(sum(abs(z)**2), z): 2 dL/dconj(z) = 2 z
    tape.gradient(sum(z**3), z): conj(g'(z))
    """
    z = tf.constant(z)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(z)
        real_loss = tf.reduce_sum(tf.abs(z) ** 2)
        holomorphic = tf.reduce_sum(z**3)
    return {
        "tape.gradient(sum(abs(z)**2), z)": tape.gradient(real_loss, z).numpy(),
        "tape.gradient(sum(z**3), z)": tape.gradient(holomorphic, z).numpy(),
    }
