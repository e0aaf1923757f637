"""Every method the benchmark times: per-example Jacobians, per-example weight gradients and HVPs.

All Jacobian methods differentiate the same row-independent function, a two-layer
perceptron applied to each example (row) of ``x``:

    mlp(x) = tanh(x @ w1) @ w2        x: [b, n], w1: [n, h], w2: [h, m]  ->  [b, m]

so every method must return the same per-example Jacobian ``J[i] = d mlp(x)[i] / d x[i]``
of shape ``[b, m, n]``; the methods that compute the full Jacobian return ``[b, m, b, n]``,
whose diagonal blocks are those ``J[i]`` and whose other blocks are zero. The references
(:func:`reference_per_example_jacobian`, :func:`reference_hessian_vector_product`) are
closed-form NumPy computations in float64, independent of every TensorFlow method.

The per-example weight gradients are those of a softmax classifier's loss, one gradient
per example with respect to each of its four weights (:func:`per_example_losses`), checked
against :func:`reference_weight_gradients`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

import numpy as np
import tensorflow as tf

from snippets.bench.schema import MethodInfo

HIDDEN_WIDTH = 64
"""The hidden width ``h`` of the perceptron in every benchmark case."""


def mlp(x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor) -> tf.Tensor:
    """The benchmarked function, ``tanh(x @ w1) @ w2``: output row ``i`` depends only on row ``i`` of ``x``.

    >>> x, w1, w2 = jacobian_inputs(batch=2, input_width=3, output_width=4)
    >>> tuple(mlp(x, w1, w2).shape)
    (2, 4)
    """
    return tf.tanh(x @ w1) @ w2


def jacobian_inputs(
    batch: int, input_width: int, output_width: int, hidden_width: int = HIDDEN_WIDTH, seed=0
):
    """Return ``(x, w1, w2)``, float32 tensors for one Jacobian case, the same for every method.

    The weights are scaled by ``1/sqrt(fan-in)``, so ``tanh`` is neither saturated nor
    linear and every derivative is of order one.

    >>> x, w1, w2 = jacobian_inputs(batch=5, input_width=3, output_width=2, hidden_width=4)
    >>> [tuple(t.shape) for t in (x, w1, w2)]
    [(5, 3), (3, 4), (4, 2)]
    >>> bool(tf.reduce_all(x == jacobian_inputs(5, 3, 2, hidden_width=4)[0]))
    True
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, input_width))
    w1 = rng.standard_normal((input_width, hidden_width)) / np.sqrt(input_width)
    w2 = rng.standard_normal((hidden_width, output_width)) / np.sqrt(hidden_width)
    return tuple(tf.constant(a, dtype=tf.float32) for a in (x, w1, w2))


def reference_per_example_jacobian(x, w1, w2) -> np.ndarray:
    """The per-example Jacobian of :func:`mlp` in closed form, in float64.

    ``J[i] = w2.T diag(1 - t_i^2) w1.T`` with ``t_i = tanh(x[i] @ w1)``.


    >>> x, w1, w2 = jacobian_inputs(batch=2, input_width=3, output_width=4)
    >>> reference_per_example_jacobian(x, w1, w2).shape
    (2, 4, 3)
    """
    x, w1, w2 = (np.asarray(a, dtype=np.float64) for a in (x, w1, w2))
    slope = 1.0 - np.tanh(x @ w1) ** 2  # [b, h]
    return np.einsum("hm,bh,nh->bmn", w2, slope, w1)


# --- Per-example Jacobians: each returns [b, m, n] ------------------------------------------


def batch_jacobian(x, w1, w2):
    """``tape.batch_jacobian``: one Jacobian per example, vectorised with ``pfor``.

    >>> x, w1, w2 = jacobian_inputs(batch=2, input_width=3, output_width=4)
    >>> tuple(batch_jacobian(x, w1, w2).shape)
    (2, 4, 3)
    """
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = mlp(x, w1, w2)
    return tape.batch_jacobian(y, x)


def gradient_per_example_loop(x, w1, w2):
    """A Python loop of ``gradient`` calls: one tape per example, one call per output of that example.

    This is ``batch * output_width`` backward passes, each dispatched from Python.

    >>> x, w1, w2 = jacobian_inputs(batch=2, input_width=3, output_width=4)
    >>> tuple(gradient_per_example_loop(x, w1, w2).shape)
    (2, 4, 3)
    """
    per_example = []
    for i in range(x.shape[0]):
        xi = x[i : i + 1]
        # persistent: one forward pass per example serves all of its outputs.
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(xi)
            # Slice the outputs while the tape records, or gradient sees no path to them.
            outputs = tf.unstack(mlp(xi, w1, w2)[0])
        per_example.append(tf.stack([tape.gradient(output, xi)[0] for output in outputs]))
        del tape
    return tf.stack(per_example)


def gradient_per_output_loop(x, w1, w2):
    """A loop over outputs: ``gradient`` with one-hot ``output_gradients`` gives row ``j`` of all ``J[i]``.

    Because examples do not interact, the derivative of ``sum_i y[i, j]`` with respect to
    ``x[i]`` is row ``j`` of ``J[i]``: ``output_width`` backward passes cover the batch.

    >>> x, w1, w2 = jacobian_inputs(batch=2, input_width=3, output_width=4)
    >>> tuple(gradient_per_output_loop(x, w1, w2).shape)
    (2, 4, 3)
    """
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = mlp(x, w1, w2)
    width = y.shape[1]
    rows = [
        tape.gradient(y, x, output_gradients=tf.one_hot(tf.fill([x.shape[0]], j), width))
        for j in range(width)
    ]
    del tape
    return tf.stack(rows, axis=1)


def vectorized_map_of_tapes(x, w1, w2):
    """``tf.vectorized_map`` over the examples, each with its own tape and ``jacobian``.

    >>> x, w1, w2 = jacobian_inputs(batch=2, input_width=3, output_width=4)
    >>> tuple(vectorized_map_of_tapes(x, w1, w2).shape)
    (2, 4, 3)
    """

    def one_example(xi):
        with tf.GradientTape() as tape:
            tape.watch(xi)
            yi = mlp(xi[tf.newaxis], w1, w2)[0]
        return tape.jacobian(yi, xi)

    return tf.vectorized_map(one_example, x)


def forward_mode_vectorized(x, w1, w2):
    """Forward mode: ``tf.autodiff.ForwardAccumulator`` pushes each input direction through, all at once.

    A Jacobian-vector product with direction ``e_k`` (the same for every example) gives
    column ``k`` of every ``J[i]``: ``input_width`` forward passes, run side by side by
    ``tf.vectorized_map``, cover the batch.

    >>> x, w1, w2 = jacobian_inputs(batch=2, input_width=3, output_width=4)
    >>> tuple(forward_mode_vectorized(x, w1, w2).shape)
    (2, 4, 3)
    """

    def column(direction):
        with tf.autodiff.ForwardAccumulator(x, tf.broadcast_to(direction, tf.shape(x))) as accumulator:
            y = mlp(x, w1, w2)
        return accumulator.jvp(y)  # [b, m]: column k of every example's Jacobian

    columns = tf.vectorized_map(column, tf.eye(x.shape[1], dtype=x.dtype))  # [n, b, m]
    return tf.transpose(columns, [1, 2, 0])


def forward_mode_loop(x, w1, w2):
    """Forward mode in a Python loop: one ``ForwardAccumulator`` per input direction.

    >>> x, w1, w2 = jacobian_inputs(batch=2, input_width=3, output_width=4)
    >>> tuple(forward_mode_loop(x, w1, w2).shape)
    (2, 4, 3)
    """
    columns = []
    for k in range(x.shape[1]):
        direction = tf.one_hot(tf.fill([x.shape[0]], k), x.shape[1], dtype=x.dtype)
        with tf.autodiff.ForwardAccumulator(x, direction) as accumulator:
            y = mlp(x, w1, w2)
        columns.append(accumulator.jvp(y))
    return tf.stack(columns, axis=2)


# --- Full Jacobians: each returns [b, m, b, n] ---------------------------------------------


def full_jacobian(x, w1, w2):
    """``tape.jacobian``: every output of every example against every input of every example.

    ``pfor`` vectorises the ``batch * output_width`` backward passes.


    >>> x, w1, w2 = jacobian_inputs(batch=2, input_width=3, output_width=4)
    >>> tuple(full_jacobian(x, w1, w2).shape)
    (2, 4, 2, 3)
    """
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = mlp(x, w1, w2)
    return tape.jacobian(y, x)


def full_jacobian_while_loop(x, w1, w2):
    """``tape.jacobian(..., experimental_use_pfor=False)``: one backward pass per output element, in a loop.

    Eagerly, TensorFlow refuses this on a non-persistent tape, so the tape is persistent.

    >>> x, w1, w2 = jacobian_inputs(batch=2, input_width=3, output_width=4)
    >>> tuple(full_jacobian_while_loop(x, w1, w2).shape)
    (2, 4, 2, 3)
    """
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = mlp(x, w1, w2)
    result = tape.jacobian(y, x, experimental_use_pfor=False)
    del tape
    return result


# --- Hessian-vector products: each returns [n] ---------------------------------------------


def scalar_mlp(x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor) -> tf.Tensor:
    """The scalar function of the Hessian cases: ``tanh(x @ w1) @ w2`` for a vector ``x`` and a vector ``w2``.

    >>> x, v, w1, w2 = hessian_inputs(width=3)
    >>> scalar_mlp(x, w1, w2).shape.rank
    0
    """
    return tf.tensordot(tf.tanh(tf.tensordot(x, w1, 1)), w2, 1)


def hessian_inputs(width: int, hidden_width: int = HIDDEN_WIDTH, seed=0):
    """Return ``(x, v, w1, w2)``, float32 tensors for one Hessian-vector case; ``x`` and ``v`` have ``width``.

    >>> [tuple(t.shape) for t in hessian_inputs(width=3, hidden_width=4)]
    [(3,), (3,), (3, 4), (4,)]
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(width)
    v = rng.standard_normal(width)
    w1 = rng.standard_normal((width, hidden_width)) / np.sqrt(width)
    w2 = rng.standard_normal(hidden_width) / np.sqrt(hidden_width)
    return tuple(tf.constant(a, dtype=tf.float32) for a in (x, v, w1, w2))


def reference_hessian_vector_product(x, v, w1, w2) -> np.ndarray:
    """``H v`` for :func:`scalar_mlp` in closed form, in float64.

    ``H = w1 diag(w2 * tanh''(x @ w1)) w1.T``, with ``tanh''(z) = -2 t (1 - t^2)`` and ``t = tanh(z)``.


    >>> reference_hessian_vector_product(*hessian_inputs(width=3)).shape
    (3,)
    """
    x, v, w1, w2 = (np.asarray(a, dtype=np.float64) for a in (x, v, w1, w2))
    t = np.tanh(x @ w1)
    curvature = w2 * (-2.0 * t * (1.0 - t**2))
    return w1 @ (curvature * (v @ w1))


def hvp_reverse_over_reverse(x, v, w1, w2):
    """Hessian-vector product by double backward: the gradient of ``gradient(f) . v``.

    The recipe of ``hvp_double_backward`` on the higher-order page, written for
    :func:`scalar_mlp` with its weights as arguments; it contracts with ``tensordot`` where
    that page writes ``reduce_sum(gradient * v)``, and has no shape checks.

    >>> tuple(hvp_reverse_over_reverse(*hessian_inputs(width=3)).shape)
    (3,)
    """
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = scalar_mlp(x, w1, w2)
        gradient = inner.gradient(y, x)
        directional = tf.tensordot(gradient, v, 1)
    return outer.gradient(directional, x)


def hvp_forward_over_reverse(x, v, w1, w2):
    """Hessian-vector product by forward over reverse: a ``ForwardAccumulator`` around the gradient tape.

    The recipe of ``hvp_forward_over_reverse`` on the higher-order page, written for
    :func:`scalar_mlp` with its weights as arguments, without that page's shape checks.

    >>> tuple(hvp_forward_over_reverse(*hessian_inputs(width=3)).shape)
    (3,)
    """
    with tf.autodiff.ForwardAccumulator(x, v) as accumulator:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = scalar_mlp(x, w1, w2)
        gradient = tape.gradient(y, x)
    return accumulator.jvp(gradient)


def hessian_then_product(x, v, w1, w2):
    """Form the full ``[n, n]`` Hessian with ``jacobian`` of the gradient, then multiply by ``v``.

    The Hessian is that of ``hessian`` on the higher-order page, written for
    :func:`scalar_mlp` with its weights as arguments, without that page's shape check.

    >>> tuple(hessian_then_product(*hessian_inputs(width=3)).shape)
    (3,)
    """
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = scalar_mlp(x, w1, w2)
        gradient = inner.gradient(y, x)
    hessian = outer.jacobian(gradient, x)
    return tf.linalg.matvec(hessian, v)


# --- Per-example weight gradients: each returns one [b, ...] tensor per weight ----------------

CLASSIFIER_WIDTHS = (64, 256, 10)
"""Input, hidden and class widths of the classifier whose per-example weight gradients are timed."""


def classifier_inputs(batch: int, widths=CLASSIFIER_WIDTHS, seed=0):
    """Return ``(x, labels, w1, b1, w2, b2)`` for a batch of a two-layer softmax classifier, float32.

    >>> [tuple(t.shape) for t in classifier_inputs(batch=3, widths=(4, 5, 2))]
    [(3, 4), (3,), (4, 5), (5,), (5, 2), (2,)]
    """
    n, h, k = widths
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.standard_normal((batch, n)), dtype=tf.float32)
    labels = tf.constant(rng.integers(0, k, batch), dtype=tf.int32)
    weights = [
        rng.standard_normal((n, h)) / np.sqrt(n),
        0.1 * rng.standard_normal(h),
        rng.standard_normal((h, k)) / np.sqrt(h),
        0.1 * rng.standard_normal(k),
    ]
    return (x, labels, *(tf.constant(w, dtype=tf.float32) for w in weights))


CONV_CLASSIFIER = (16, 8, 10)
"""Image side (one channel), number of 3x3 filters and classes of the small convolutional classifier."""


def conv_classifier_inputs(batch: int, sizes=CONV_CLASSIFIER, seed=0):
    """Return ``(x, labels, kernel, conv_bias, w2, b2)`` for a batch of the small conv net, float32.

    ``x`` holds ``batch`` one-channel images; a 3x3 convolution without padding, ``tanh``,
    then a dense layer to the classes.

    >>> [tuple(t.shape) for t in conv_classifier_inputs(batch=2, sizes=(5, 2, 3))]
    [(2, 5, 5, 1), (2,), (3, 3, 1, 2), (2,), (18, 3), (3,)]
    """
    side, filters, classes = sizes
    hidden = (side - 2) ** 2 * filters
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.standard_normal((batch, side, side, 1)), dtype=tf.float32)
    labels = tf.constant(rng.integers(0, classes, batch), dtype=tf.int32)
    weights = [
        rng.standard_normal((3, 3, 1, filters)) / 3.0,
        0.1 * rng.standard_normal(filters),
        rng.standard_normal((hidden, classes)) / np.sqrt(hidden),
        0.1 * rng.standard_normal(classes),
    ]
    return (x, labels, *(tf.constant(w, dtype=tf.float32) for w in weights))


def per_example_losses(x, labels, w1, b1, w2, b2) -> tf.Tensor:
    """Softmax cross-entropy of ``tanh(x @ w1 + b1) @ w2 + b2``, one loss per example: shape ``[b]``.

    For a batch of images (``x`` of rank 4, from :func:`conv_classifier_inputs`) the first
    layer is a 3x3 convolution with kernel ``w1`` instead of ``x @ w1``.

    >>> tuple(per_example_losses(*classifier_inputs(batch=3, widths=(4, 5, 2))).shape)
    (3,)
    >>> tuple(per_example_losses(*conv_classifier_inputs(batch=3, sizes=(5, 2, 3))).shape)
    (3,)
    """
    if x.shape.rank == 4:
        features = tf.tanh(tf.nn.conv2d(x, w1, strides=1, padding="VALID") + b1)
        hidden = tf.reshape(features, [tf.shape(x)[0], -1])
    else:
        hidden = tf.tanh(x @ w1 + b1)
    logits = hidden @ w2 + b2
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def reference_weight_gradients(x, labels, w1, b1, w2, b2) -> np.ndarray:
    """Each example's loss gradient with respect to all four weights, in closed form, float64: ``[b, P]``.

    With ``t = tanh(x w1 + b1)``, ``d2 = softmax(t w2 + b2) - onehot(label)`` and
    ``d1 = (d2 w2^T) * (1 - t^2)``, example ``i``'s gradients are ``x_i^T d1_i``, ``d1_i``,
    ``t_i^T d2_i`` and ``d2_i``, flattened and joined in that order.

    For the conv net, ``d1`` has the shape of the feature maps and the kernel's gradient
    sums each 3x3 image patch times ``d1`` over the positions.

    >>> reference_weight_gradients(*classifier_inputs(batch=3, widths=(4, 5, 2))).shape
    (3, 37)
    >>> reference_weight_gradients(*conv_classifier_inputs(batch=3, sizes=(5, 2, 3))).shape
    (3, 77)
    """
    x, w1, b1, w2, b2 = (np.asarray(a, dtype=np.float64) for a in (x, w1, b1, w2, b2))
    if x.ndim == 4:
        return _reference_conv_weight_gradients(x, np.asarray(labels), w1, b1, w2, b2)
    t = np.tanh(x @ w1 + b1)
    logits = t @ w2 + b2
    d2 = _softmax_minus_onehot(logits, np.asarray(labels))
    d1 = (d2 @ w2.T) * (1.0 - t**2)
    batch = x.shape[0]
    parts = [np.einsum("bn,bh->bnh", x, d1), d1, np.einsum("bh,bk->bhk", t, d2), d2]
    return np.concatenate([part.reshape(batch, -1) for part in parts], axis=1)


def _softmax_minus_onehot(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    return probabilities - np.eye(logits.shape[1])[labels]


def _reference_conv_weight_gradients(x, labels, kernel, conv_bias, w2, b2) -> np.ndarray:
    batch = x.shape[0]
    patches = np.lib.stride_tricks.sliding_window_view(x[..., 0], (3, 3), axis=(1, 2))  # [b, H', W', 3, 3]
    t = np.tanh(np.einsum("byxij,ijf->byxf", patches, kernel[:, :, 0, :]) + conv_bias)
    hidden = t.reshape(batch, -1)
    d2 = _softmax_minus_onehot(hidden @ w2 + b2, labels)
    d1 = (d2 @ w2.T).reshape(t.shape) * (1.0 - t**2)
    parts = [
        np.einsum("byxij,byxf->bijf", patches, d1),  # the kernel's [3, 3, 1, F], its channel axis of 1
        d1.sum(axis=(1, 2)),
        np.einsum("bh,bk->bhk", hidden, d2),
        d2,
    ]
    return np.concatenate([part.reshape(batch, -1) for part in parts], axis=1)


def weight_gradients_by_jacobian(x, labels, w1, b1, w2, b2):
    """``tape.jacobian`` of the per-example loss vector with respect to the weights.

    Each of its ``b`` rows is a backward pass over the whole batch, so its work grows as ``b**2``.

    >>> [tuple(g.shape) for g in weight_gradients_by_jacobian(*classifier_inputs(2, widths=(4, 5, 2)))]
    [(2, 4, 5), (2, 5), (2, 5, 2), (2, 2)]
    """
    weights = [w1, b1, w2, b2]
    with tf.GradientTape() as tape:
        tape.watch(weights)
        losses = per_example_losses(x, labels, *weights)
    return tape.jacobian(losses, weights)


def weight_gradients_by_vectorized_map(x, labels, w1, b1, w2, b2):
    """``tf.vectorized_map`` over the examples, each with its own tape and ``gradient`` of its own loss.

    >>> [tuple(g.shape) for g in weight_gradients_by_vectorized_map(*classifier_inputs(2, widths=(4, 5, 2)))]
    [(2, 4, 5), (2, 5), (2, 5, 2), (2, 2)]
    """
    weights = [w1, b1, w2, b2]

    def one_example(example):
        xi, label = example
        with tf.GradientTape() as tape:
            tape.watch(weights)
            loss = per_example_losses(xi[tf.newaxis], label[tf.newaxis], *weights)[0]
        return tape.gradient(loss, weights)

    return tf.vectorized_map(one_example, (x, labels))


def weight_gradients_by_loop(x, labels, w1, b1, w2, b2):
    """A Python loop over the examples: one tape and one ``gradient`` call each, then stacked.

    >>> [tuple(g.shape) for g in weight_gradients_by_loop(*classifier_inputs(2, widths=(4, 5, 2)))]
    [(2, 4, 5), (2, 5), (2, 5, 2), (2, 2)]
    """
    weights = [w1, b1, w2, b2]
    rows = []
    for i in range(x.shape[0]):
        with tf.GradientTape() as tape:
            tape.watch(weights)
            loss = per_example_losses(x[i : i + 1], labels[i : i + 1], *weights)[0]
        rows.append(tape.gradient(loss, weights))
    return [tf.stack(parts) for parts in zip(*rows, strict=True)]


# --- The registry the harness iterates over --------------------------------------------------

Problem = Literal["per-example", "hessian-vector", "weight-gradients"]


class Call(StrEnum):
    """The TensorFlow call or recipe at the heart of a method: what the advice picks methods by."""

    BATCH_JACOBIAN = "tape.batch_jacobian"
    JACOBIAN = "tape.jacobian"
    GRADIENT = "tape.gradient"
    VECTORIZED_MAP = "tf.vectorized_map of tapes"
    FORWARD_ACCUMULATOR = "tf.autodiff.ForwardAccumulator"
    DOUBLE_BACKWARD = "gradient of a gradient"
    FORWARD_OVER_REVERSE = "ForwardAccumulator over a gradient"
    HESSIAN_THEN_PRODUCT = "jacobian of a gradient, then a product"


@dataclass(frozen=True)
class Method:
    """One timed way to compute a result: its function, its role, and its colour and marker in the figures.

    The role is what the advice selects a method by: the problem it solves, its ``call``,
    whether it runs in ``tf.function`` (``compiled``), whether its passes are vectorised
    (``pfor``, ``vectorized_map``) rather than looped in Python, whether it returns the full
    Jacobian, and its ``mode`` of differentiation. ``colour`` and ``marker`` belong to the
    method, so adding a method never changes the others' look.

    >>> METHODS["batch_jacobian_function"].label
    'batch_jacobian, tf.function'
    >>> METHODS["forward_mode_function"].call, METHODS["forward_mode_function"].vectorised
    (<Call.FORWARD_ACCUMULATOR: 'tf.autodiff.ForwardAccumulator'>, True)
    """

    name: str
    label: str
    function: object
    compiled: bool
    problem: Problem
    call: Call
    vectorised: bool
    colour: str
    marker: str
    full: bool = False
    mode: Literal["reverse", "forward", "forward-over-reverse"] = "reverse"

    def prepare(self):
        """Return the callable to time: a fresh ``tf.function`` (so it traces anew) or the eager function.

        >>> callable(METHODS["batch_jacobian_function"].prepare())
        True
        """
        return tf.function(self.function) if self.compiled else self.function

    def info(self) -> MethodInfo:
        """What the JSON records about this method.

        >>> METHODS["jacobian"].info().full
        True
        """
        return MethodInfo(
            label=self.label, problem=self.problem, compiled=self.compiled, full=self.full, mode=self.mode
        )


# Colours are matplotlib's tab10 and markers cycle through "osD^vP*Xhp<>", as they were when the
# committed figures were drawn; within one problem no two methods share a colour.
METHODS: dict[str, Method] = {
    m.name: m
    for m in [
        Method(
            "batch_jacobian",
            "batch_jacobian, eager",
            batch_jacobian,
            False,
            "per-example",
            Call.BATCH_JACOBIAN,
            True,
            "#1f77b4",
            "o",
        ),
        Method(
            "batch_jacobian_function",
            "batch_jacobian, tf.function",
            batch_jacobian,
            True,
            "per-example",
            Call.BATCH_JACOBIAN,
            True,
            "#ff7f0e",
            "s",
        ),
        Method(
            "jacobian",
            "jacobian (full), eager",
            full_jacobian,
            False,
            "per-example",
            Call.JACOBIAN,
            True,
            "#2ca02c",
            "D",
            full=True,
        ),
        Method(
            "jacobian_function",
            "jacobian (full), tf.function",
            full_jacobian,
            True,
            "per-example",
            Call.JACOBIAN,
            True,
            "#d62728",
            "^",
            full=True,
        ),
        Method(
            "jacobian_while_loop",
            "jacobian (full), pfor=False, eager",
            full_jacobian_while_loop,
            False,
            "per-example",
            Call.JACOBIAN,
            False,
            "#9467bd",
            "v",
            full=True,
        ),
        Method(
            "gradient_per_example_loop",
            "gradient loop over examples and outputs, eager",
            gradient_per_example_loop,
            False,
            "per-example",
            Call.GRADIENT,
            False,
            "#8c564b",
            "P",
        ),
        Method(
            "gradient_per_output_loop",
            "gradient loop over outputs, eager",
            gradient_per_output_loop,
            False,
            "per-example",
            Call.GRADIENT,
            False,
            "#e377c2",
            "*",
        ),
        Method(
            "vectorized_map_function",
            "vectorized_map of tapes, tf.function",
            vectorized_map_of_tapes,
            True,
            "per-example",
            Call.VECTORIZED_MAP,
            True,
            "#7f7f7f",
            "X",
        ),
        Method(
            "forward_mode_function",
            "forward mode, vectorized, tf.function",
            forward_mode_vectorized,
            True,
            "per-example",
            Call.FORWARD_ACCUMULATOR,
            True,
            "#bcbd22",
            "h",
            mode="forward",
        ),
        Method(
            "forward_mode_loop",
            "forward mode loop over inputs, eager",
            forward_mode_loop,
            False,
            "per-example",
            Call.FORWARD_ACCUMULATOR,
            False,
            "#17becf",
            "p",
            mode="forward",
        ),
        Method(
            "hvp_reverse_over_reverse",
            "HVP: double backward, tf.function",
            hvp_reverse_over_reverse,
            True,
            "hessian-vector",
            Call.DOUBLE_BACKWARD,
            False,
            "#1f77b4",
            "<",
        ),
        Method(
            "hvp_forward_over_reverse",
            "HVP: forward over reverse, tf.function",
            hvp_forward_over_reverse,
            True,
            "hessian-vector",
            Call.FORWARD_OVER_REVERSE,
            False,
            "#ff7f0e",
            ">",
            mode="forward-over-reverse",
        ),
        Method(
            "hessian_then_product",
            "full Hessian, then H @ v, tf.function",
            hessian_then_product,
            True,
            "hessian-vector",
            Call.HESSIAN_THEN_PRODUCT,
            True,
            "#2ca02c",
            "o",
        ),
        Method(
            "weights_jacobian_function",
            "jacobian of the loss vector, tf.function",
            weight_gradients_by_jacobian,
            True,
            "weight-gradients",
            Call.JACOBIAN,
            True,
            "#d62728",
            "s",
        ),
        Method(
            "weights_jacobian",
            "jacobian of the loss vector, eager",
            weight_gradients_by_jacobian,
            False,
            "weight-gradients",
            Call.JACOBIAN,
            True,
            "#9467bd",
            "D",
        ),
        Method(
            "weights_vectorized_map_function",
            "vectorized_map of one-example tapes, tf.function",
            weight_gradients_by_vectorized_map,
            True,
            "weight-gradients",
            Call.VECTORIZED_MAP,
            True,
            "#8c564b",
            "^",
        ),
        Method(
            "weights_vectorized_map",
            "vectorized_map of one-example tapes, eager",
            weight_gradients_by_vectorized_map,
            False,
            "weight-gradients",
            Call.VECTORIZED_MAP,
            True,
            "#e377c2",
            "v",
        ),
        Method(
            "weights_gradient_loop",
            "gradient loop over examples, eager",
            weight_gradients_by_loop,
            False,
            "weight-gradients",
            Call.GRADIENT,
            False,
            "#7f7f7f",
            "P",
        ),
    ]
}
"""Every benchmarked method by name, in the order the page lists them."""


def flattened_weight_gradients(result) -> np.ndarray:
    """One ``[b, P]`` array from a list of per-example weight gradients ``[b, ...]``, in the weights' order.

    >>> flattened_weight_gradients([tf.ones([2, 3, 4]), tf.zeros([2, 4])]).shape
    (2, 16)
    """
    parts = [np.asarray(part) for part in result]
    return np.concatenate([part.reshape(part.shape[0], -1) for part in parts], axis=1)


def per_example_blocks(result, batch: int, full: bool) -> np.ndarray:
    """The ``[b, m, n]`` per-example Jacobians in a result: itself, or a full Jacobian's diagonal blocks.

    >>> full = tf.reshape(tf.range(16.0), [2, 2, 2, 2])
    >>> per_example_blocks(full, batch=2, full=True).tolist()
    [[[0.0, 1.0], [4.0, 5.0]], [[10.0, 11.0], [14.0, 15.0]]]
    """
    array = np.asarray(result)
    if not full:
        return array
    examples = np.arange(batch)
    return array[examples, :, examples, :]


def largest_cross_example_entry(result, batch: int) -> float:
    """The largest ``|J[i, :, k, :]|`` with ``i != k`` in a full Jacobian: zero for independent rows.

    Scans one example's row of blocks at a time, so no temporary as large as the result is made.

    >>> largest_cross_example_entry(tf.reshape(tf.range(16.0), [2, 2, 2, 2]), batch=2)
    13.0
    """
    array = np.asarray(result)
    largest = 0.0
    for i in range(batch):
        for others in (array[i, :, :i, :], array[i, :, i + 1 :, :]):
            if others.size:
                largest = max(largest, float(np.abs(others).max()))
    return largest
