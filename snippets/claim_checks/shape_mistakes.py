"""Checks for the claims of the "Shape mistakes, corrected" page (and elsewhere, where repeated)."""

from __future__ import annotations

import logging
import warnings

import tensorflow as tf

from snippets.article_corrections import (
    batch_jacobian_of_scalar_input,
    batch_jacobian_of_vector_input,
    gradient_of_vector_target,
)
from snippets.support.claims import require


def two_of_the_articles_three_examples_raise() -> str:
    """The article's first example prints 16.0 (its comment says 22.0); the other two raise ``ValueError``.

    >>> print(two_of_the_articles_three_examples_raise())
    example 1 prints 16.0 (the comment says 22.0); example 2 raises ValueError; example 3 raises ValueError
    """
    printed = gradient_of_vector_target(2.0)["gradient"]
    require(printed != 22.0, "the gradient example prints 22.0, as the article's comment says")
    outcomes = []
    for example, point in (
        (batch_jacobian_of_scalar_input, 2.0),
        (batch_jacobian_of_vector_input, (2.0, 3.0)),
    ):
        try:
            example(point)
            outcomes.append("runs")
        except ValueError:
            outcomes.append("raises ValueError")
    require(outcomes == ["raises ValueError"] * 2, f"examples 2 and 3: {outcomes}")
    return (
        f"example 1 prints {printed} (the comment says 22.0); example 2 {outcomes[0]}; "
        f"example 3 {outcomes[1]}"
    )


def gradient_of_any_target_is_the_derivative_of_its_sum() -> str:
    """``gradient`` takes any target shape silently and returns its sum's derivative, in the source's shape.

    For each target it equals the gradient of ``reduce_sum(target)`` and the
    vector-Jacobian product with a vector of ones (``output_gradients=ones``).

    >>> print(gradient_of_any_target_is_the_derivative_of_its_sum())
    targets of shape (), (2,), (2, 3), (2, 3, 2) from a source of shape (3,): each gradient has shape (3,)
    and equals the gradient of the sum and the VJP with ones; no exception, no warning, no log record
    """
    x = tf.constant([0.5, -1.0, 2.0])
    targets = {
        (): lambda v: tf.reduce_sum(v**3),
        (2,): lambda v: tf.stack([tf.reduce_sum(v**2), tf.reduce_prod(v)]),
        (2, 3): lambda v: tf.stack([v**2, tf.sin(v)]),
        (2, 3, 2): lambda v: tf.stack(
            [tf.stack([v, v**3], axis=-1), tf.stack([tf.exp(v), v * v[0]], axis=-1)]
        ),
    }
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    tf.get_logger().addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for shape, function in targets.items():
                with tf.GradientTape(persistent=True) as tape:
                    tape.watch(x)
                    y = function(x)
                    total = tf.reduce_sum(y)
                require(tuple(y.shape) == shape, f"the target has shape {tuple(y.shape)}, not {shape}")
                plain = tape.gradient(y, x)
                of_sum = tape.gradient(total, x)
                with_ones = tape.gradient(y, x, output_gradients=tf.ones_like(y))
                require(
                    tuple(plain.shape) == (3,), f"gradient of a {shape} target has shape {tuple(plain.shape)}"
                )
                require(
                    bool(tf.reduce_all(plain == of_sum)) and bool(tf.reduce_all(plain == with_ones)),
                    f"for a target of shape {shape}: {plain.numpy()}, {of_sum.numpy()}, {with_ones.numpy()}",
                )
    finally:
        tf.get_logger().removeHandler(handler)
    require(not caught, f"gradient warned: {[str(w.message) for w in caught]}")
    require(not records, f"gradient logged: {[r.getMessage() for r in records]}")
    return (
        "targets of shape (), (2,), (2, 3), (2, 3, 2) from a source of shape (3,): each gradient has "
        "shape (3,) and equals the gradient of the sum and the VJP with ones; no exception, no warning, "
        "no log record"
    )


def batch_axis_added_late_gives_zeros_where_gradient_and_jacobian_give_none() -> str:
    """Tensors the tape never connected: ``batch_jacobian`` gives zeros; ``gradient``, ``jacobian`` ``None``.

    >>> print(batch_axis_added_late_gives_zeros_where_gradient_and_jacobian_give_none())
    y[tf.newaxis] against x[tf.newaxis]: batch_jacobian all zeros of shape (1, 2, 2), gradient None,
    jacobian None
    """
    x = tf.Variable([2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.stack([x[0] ** 2, x[1] ** 3])
    late_target, late_source = y[tf.newaxis], x[tf.newaxis]
    zeros = tape.batch_jacobian(late_target, late_source)
    gradient = tape.gradient(late_target, late_source)
    jacobian = tape.jacobian(late_target, late_source, experimental_use_pfor=False)
    require(not bool(tf.reduce_any(zeros != 0)), f"batch_jacobian returned {zeros.numpy()}")
    require(gradient is None and jacobian is None, f"gradient {gradient}, jacobian {jacobian}")
    return (
        f"y[tf.newaxis] against x[tf.newaxis]: batch_jacobian all zeros of shape {tuple(zeros.shape)}, "
        f"gradient {gradient}, jacobian {jacobian}"
    )


def tensorflow_docstring_says_batch_jacobian_stacks_per_example_jacobians() -> str:
    """The installed ``GradientTape.batch_jacobian``'s docstring says it stacks ``jacobian(y[i], x[i])``.

    >>> print(tensorflow_docstring_says_batch_jacobian_stacks_per_example_jacobians())
    "Computes and stacks per-example jacobians." ...
    "tf.stack([self.jacobian(y[i], x[i]) for i in range(x.shape[0])])"
    """
    doc = " ".join(tf.GradientTape.batch_jacobian.__doc__.split())
    stacked = "tf.stack([self.jacobian(y[i], x[i]) for i in range(x.shape[0])])"
    require(
        doc.startswith("Computes and stacks per-example jacobians."), f"the docstring starts {doc[:60]!r}"
    )
    require(stacked in doc, "the docstring no longer shows the tf.stack of per-example jacobians")
    return f'"Computes and stacks per-example jacobians." ... "{stacked}"'
