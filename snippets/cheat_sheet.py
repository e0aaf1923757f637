"""The cheat sheet: each question's call, run on one small example to compute the shape it returns.

The example is a dense layer on a batch: ``x`` of shape ``[b, m] = [4, 3]``,
weights ``w`` of shape ``[m, k] = [3, 2]``, ``y = tanh(x @ w)`` of shape
``[b, k] = [4, 2]`` and the scalar ``loss = mean(sum(y**2, axis=1))``.
"""

from __future__ import annotations

import tensorflow as tf

from snippets.forward_mode import forward_jacobian_vectorized

BATCH, FEATURES, OUTPUTS = 4, 3, 2


def _example() -> tuple[tf.Tensor, tf.Variable]:
    x = tf.reshape(tf.range(BATCH * FEATURES, dtype=tf.float32), [BATCH, FEATURES]) / 10.0
    w = tf.Variable(
        tf.reshape(tf.range(FEATURES * OUTPUTS, dtype=tf.float32), [FEATURES, OUTPUTS]) / 10.0 - 0.2
    )
    return x, w


def _layer(x: tf.Tensor, w: tf.Variable) -> tf.Tensor:
    return tf.tanh(x @ w)


def _per_example_loss(x: tf.Tensor, w: tf.Variable) -> tf.Tensor:
    return tf.reduce_sum(_layer(x, w) ** 2, axis=1)


def cheat_sheet_rows() -> list[dict]:
    """Run every call of the cheat sheet on the example and return one row per question.

    Each row holds the question, the call, the shape as a formula, the shape the
    call returned here (``b = 4``, ``m = 3``, ``k = 2``) and the cost in passes.

    >>> rows = cheat_sheet_rows()
    >>> len(rows)
    13
    >>> {row["question"]: row["example shape"] for row in rows}  # doctest: +NORMALIZE_WHITESPACE
    {'derivative of a scalar loss with respect to the weights': (3, 2),
     'derivative of a non-scalar target (what gradient does with it)': (4, 3),
     "one output's gradient (one row of the Jacobian)": (4, 3),
     'full Jacobian': (4, 2, 4, 3),
     'per-example Jacobian (independent examples)': (4, 2, 3),
     'per-example input gradients, saliency (independent examples)': (4, 3),
     'per-example gradients with respect to the weights': (4, 3, 2),
     'Jacobian with respect to the weights': (4, 2, 3, 2),
     'Hessian of a scalar loss': (3, 2, 3, 2),
     'per-example Hessians (independent examples)': (4, 3, 3),
     'Hessian-vector product': (3, 2),
     'JVP, a directional derivative of every output': (4, 2),
     'Jacobian with few inputs and many outputs': (4, 2, 4, 3)}
    """
    x, w = _example()
    rows = []

    def row(question, call, formula, result, cost):
        rows.append(
            {
                "question": question,
                "call": call,
                "shape": formula,
                "example shape": tuple(result.shape),
                "cost": cost,
            }
        )

    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = _layer(x, w)
        per_example_loss = _per_example_loss(x, w)
        loss = tf.reduce_mean(per_example_loss)
        score = y[:, 0]  # one output per example
    one_hot = tf.reshape(tf.one_hot(0, depth=BATCH * OUTPUTS), [BATCH, OUTPUTS])  # selects y[0, 0]
    row(
        "derivative of a scalar loss with respect to the weights",
        "tape.gradient(loss, w)",
        "w.shape",
        tape.gradient(loss, w),
        "1 backward pass",
    )
    row(
        "derivative of a non-scalar target (what gradient does with it)",
        "tape.gradient(y, x)",
        "x.shape (derivative of sum(y))",
        tape.gradient(y, x),
        "1 backward pass",
    )
    row(
        "one output's gradient (one row of the Jacobian)",
        "tape.gradient(y, x, output_gradients=one_hot)",
        "x.shape",
        tape.gradient(y, x, output_gradients=one_hot),
        "1 backward pass",
    )
    row(
        "full Jacobian",
        "tape.jacobian(y, x)",
        "y.shape + x.shape",
        tape.jacobian(y, x),
        "size(y) backward passes, vectorised by pfor",
    )
    row(
        "per-example Jacobian (independent examples)",
        "tape.batch_jacobian(y, x)",
        "(b,) + y.shape[1:] + x.shape[1:]",
        tape.batch_jacobian(y, x),
        "size(y) / b backward passes, vectorised",
    )
    row(
        "per-example input gradients, saliency (independent examples)",
        "tape.gradient(score, x), score of shape [b]",
        "x.shape",
        tape.gradient(score, x),
        "1 backward pass",
    )
    row(
        "per-example gradients with respect to the weights",
        "tape.jacobian(per_example_loss, w)",
        "(b,) + w.shape",
        tape.jacobian(per_example_loss, w),
        "b backward passes, vectorised",
    )
    row(
        "Jacobian with respect to the weights",
        "tape.jacobian(y, w)",
        "y.shape + w.shape",
        tape.jacobian(y, w),
        "size(y) backward passes, vectorised",
    )
    del tape

    # persistent: the Hessian and the Hessian-vector product below differentiate the same gradient.
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape() as inner:
            loss = tf.reduce_mean(_per_example_loss(x, w))
        gradient = inner.gradient(loss, w)
    row(
        "Hessian of a scalar loss",
        "outer.jacobian(inner.gradient(loss, w), w)",
        "w.shape + w.shape",
        outer.jacobian(gradient, w),
        "size(w) backward passes through a backward pass",
    )

    with tf.GradientTape() as outer_x:
        outer_x.watch(x)
        with tf.GradientTape() as inner_x:
            inner_x.watch(x)
            total = tf.reduce_sum(_per_example_loss(x, w))
        input_gradient = inner_x.gradient(total, x)
    row(
        "per-example Hessians (independent examples)",
        "outer.batch_jacobian(inner.gradient(sum(per_example_loss), x), x)",
        "(b, m, m) for x of shape (b, m)",
        outer_x.batch_jacobian(input_gradient, x),
        "m backward passes through a backward pass, vectorised",
    )

    v = tf.ones_like(w)
    row(
        "Hessian-vector product",
        "outer.gradient(inner.gradient(loss, w), w, output_gradients=v)",
        "w.shape",
        outer.gradient(gradient, w, output_gradients=v),
        "2 backward passes (forward over reverse: 1 forward and 1 backward with tangents)",
    )
    del outer

    direction = tf.ones_like(x)
    with tf.autodiff.ForwardAccumulator(primals=x, tangents=direction) as accumulator:
        y = _layer(x, w)
    row(
        "JVP, a directional derivative of every output",
        "accumulator.jvp(y) under ForwardAccumulator(x, v)",
        "y.shape",
        accumulator.jvp(y),
        "1 forward pass carrying tangents",
    )

    row(
        "Jacobian with few inputs and many outputs",
        "forward_jacobian_vectorized(f, x): one JVP per element of x",
        "y.shape + x.shape",
        forward_jacobian_vectorized(lambda x: _layer(x, w), x),
        "size(x) forward passes, vectorised",
    )
    return rows


def cheat_sheet_markdown(rows: list[dict]) -> str:
    """Render the rows as one Markdown table (GitHub-flavoured), calls in code spans.

    >>> table = cheat_sheet_markdown([{"question": "q", "call": "f(x)", "shape": "x.shape",
    ...                                "example shape": (4, 3), "cost": "1 pass"}])
    >>> print(table)
    | you want | call | result shape | here (b=4, m=3, k=2) | cost |
    |---|---|---|---|---|
    | q | `f(x)` | `x.shape` | `(4, 3)` | 1 pass |
    """
    lines = [
        f"| you want | call | result shape | here (b={BATCH}, m={FEATURES}, k={OUTPUTS}) | cost |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        cells = [
            row["question"],
            f"`{row['call']}`",
            f"`{row['shape']}`",
            f"`{row['example shape']}`",
            row["cost"],
        ]
        if any("|" in cell for cell in cells):
            raise ValueError(f"a table cell cannot contain '|': {cells}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
