"""The cheat sheet: each question's call, run on one small example to compute the shape it returns.

The example is a dense layer on a batch: ``x`` of shape ``[b, m] = [4, 3]``,
weights ``w`` of shape ``[m, k] = [3, 2]``, ``y = tanh(x @ w)`` of shape
``[b, k] = [4, 2]`` and the scalar ``loss = mean(sum(y**2, axis=1))``.
"""

from __future__ import annotations

import re

import numpy as np
import tensorflow as tf

from snippets.forward_mode import forward_jacobian_loop, forward_jacobian_vectorized
from snippets.support.markdown import markdown_table

BATCH, FEATURES, OUTPUTS = 4, 3, 2

# The cost cell of the per-example weight gradients. It compares two calls, so its sentences carry
# claim marks; the blank lines end each marked sentence for snippets.support.claims, and re.sub joins
# the cell.
PER_EXAMPLE_WEIGHT_GRADIENTS_COST = re.sub(
    r"\s+",
    " ",
    """
    b backward passes, each over one example, vectorised by pfor.

    `tape.jacobian(per_example_loss, w)` returns the same values with b backward passes, each over the
    whole batch.{claim}`cheat_sheet.cost_column_counts_the_passes`

    In tf.function its time grows much faster than linearly with b, vectorized_map's no faster
    than linearly.{claim}`costs.per_example_weight_gradients_jacobian_grows_faster_than_vectorized_map`
    ([measured](costs.md#per-example-weight-gradients))
    """,
).strip()


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


# The cost of each question's call, in passes: the last column of the cheat sheet. count_passes counts them.
COSTS = {
    "derivative of a scalar loss with respect to the weights": "1 backward pass",
    "derivative of a non-scalar target (what gradient does with it)": "1 backward pass",
    "one output's gradient (one row of the Jacobian)": "1 backward pass",
    "full Jacobian": "size(y) backward passes, each over the whole batch, vectorised by pfor",
    "per-example Jacobian (independent examples)": (
        "size(y) / b backward passes, each over the whole batch, vectorised by pfor"
    ),
    "per-example input gradients, saliency (independent examples)": "1 backward pass",
    "per-example gradients with respect to the weights": PER_EXAMPLE_WEIGHT_GRADIENTS_COST,
    "Jacobian with respect to the weights": (
        "size(y) backward passes, each over the whole batch, vectorised by pfor"
    ),
    "Hessian of a scalar loss": (
        "1 backward pass, then size(w) backward passes through it, vectorised by pfor"
    ),
    "per-example Hessians (independent examples)": (
        "1 backward pass, then m backward passes through it, vectorised by pfor"
    ),
    "Hessian-vector product": (
        "2 backward passes (reverse over reverse): 1 backward pass, then 1 backward pass through it"
    ),
    "JVP, a directional derivative of every output": "1 forward pass that carries the tangents along",
    "Jacobian with few inputs and many outputs": "size(x) forward passes, vectorised by pfor",
}


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

    def row(question, call, formula, result):
        rows.append(
            {
                "question": question,
                "call": call,
                "shape": formula,
                "example shape": tuple(result.shape),
                "cost": COSTS[question],
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
    )
    row(
        "derivative of a non-scalar target (what gradient does with it)",
        "tape.gradient(y, x)",
        "x.shape (derivative of sum(y))",
        tape.gradient(y, x),
    )
    row(
        "one output's gradient (one row of the Jacobian)",
        "tape.gradient(y, x, output_gradients=one_hot)",
        "x.shape",
        tape.gradient(y, x, output_gradients=one_hot),
    )
    row(
        "full Jacobian",
        "tape.jacobian(y, x)",
        "y.shape + x.shape",
        tape.jacobian(y, x),
    )
    row(
        "per-example Jacobian (independent examples)",
        "tape.batch_jacobian(y, x)",
        "(b,) + y.shape[1:] + x.shape[1:]",
        tape.batch_jacobian(y, x),
    )
    row(
        "per-example input gradients, saliency (independent examples)",
        "tape.gradient(score, x), score of shape [b]",
        "x.shape",
        tape.gradient(score, x),
    )

    def gradient_of_one_example(example):  # example: one row of x, shape [m]
        with tf.GradientTape() as one_tape:
            loss_of_one = _per_example_loss(example[tf.newaxis], w)[0]  # a batch of one
        return one_tape.gradient(loss_of_one, w)

    # fallback_to_while_loop=False: raise rather than quietly run the examples one by one.
    per_example_gradients = tf.function(
        lambda batch: tf.vectorized_map(gradient_of_one_example, batch, fallback_to_while_loop=False)
    )
    row(
        "per-example gradients with respect to the weights",
        "tf.vectorized_map(gradient_of_one_example, x) in tf.function",
        "(b,) + w.shape",
        per_example_gradients(x),
    )
    row(
        "Jacobian with respect to the weights",
        "tape.jacobian(y, w)",
        "y.shape + w.shape",
        tape.jacobian(y, w),
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
    )

    v = tf.ones_like(w)
    row(
        "Hessian-vector product",
        "outer.gradient(inner.gradient(loss, w), w, output_gradients=v)",
        "w.shape",
        outer.gradient(gradient, w, output_gradients=v),
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
    )

    row(
        "Jacobian with few inputs and many outputs",
        "forward_jacobian_vectorized(f, x): one JVP per element of x",
        "y.shape + x.shape",
        forward_jacobian_vectorized(lambda x: _layer(x, w), x),
    )
    return rows


def count_passes(compare: bool = True) -> list[dict]:
    """Count the backward and forward passes behind the cheat sheet's calls, on the same example.

    A probe, an identity with its own gradient function, sits on ``x @ w``: every
    backward pass through the layer calls that function once, with the upstream
    gradient of one pass, shape ``(4, 2)`` for the whole batch or ``(1, 2)`` for one
    example. Vectorised calls trace it once and run all passes as one batched
    computation, so each call is also run one pass at a time (``experimental_use_pfor=False``,
    or ``tf.map_fn`` for ``tf.vectorized_map``) to count them, and its result compared with
    the cheat sheet's call for the same question (for ``tape.jacobian(per_example_loss, w)``,
    with ``tf.vectorized_map``). Forward passes are counted as calls of the layer's function,
    with the shape of the input each one gets. ``compare=False`` only counts, which is faster.

    >>> for found in count_passes():
    ...     keys = ("call", "passes", "each pass over", "same result", "calls, vectorised")
    ...     print(*(found[key] for key in keys))
    tape.gradient(loss, w) 1 (4, 2) True 1
    tape.jacobian(y, x) 8 (4, 2) True 1
    tape.batch_jacobian(y, x) 2 (4, 2) True 1
    tf.vectorized_map(gradient_of_one_example, x) 4 (1, 2) True 1
    tape.jacobian(per_example_loss, w) 4 (4, 2) True 1
    tape.jacobian(y, w) 8 (4, 2) True 1
    outer.jacobian(inner.gradient(loss, w), w) 7 (4, 2) True 2
    outer.gradient(inner.gradient(loss, w), w, output_gradients=v) 2 (4, 2) True 2
    outer.batch_jacobian(inner.gradient(sum(per_example_loss), x), x) 4 (4, 2) True 2
    accumulator.jvp(y) 1 (4, 3) True 1
    forward_jacobian_vectorized(f, x) 12 (4, 3) True 1
    >>> [found["passes"] for found in count_passes(compare=False)]
    [1, 8, 2, 4, 4, 8, 7, 2, 4, 1, 12]
    """
    x, w = _example()
    upstream_shapes: list[tuple] = []  # one entry per backward pass through the layer
    forward_calls: list[tuple] = []  # one entry per forward evaluation of the layer

    @tf.custom_gradient
    def probe(t):
        def backward(upstream):
            upstream_shapes.append(tuple(upstream.shape))
            return tf.identity(upstream)

        return tf.identity(t), backward

    def layer(x, w):
        forward_calls.append(tuple(x.shape))
        return tf.tanh(probe(x @ w))

    def taped(call: str, pfor: bool) -> tf.Tensor:
        with tf.GradientTape(persistent=not pfor) as tape:  # an eager loop of passes needs a persistent tape
            tape.watch(x)
            y = layer(x, w)
            per_example_loss = tf.reduce_sum(y**2, axis=1)
            loss = tf.reduce_mean(per_example_loss)
        if call == "tape.gradient(loss, w)":
            return tape.gradient(loss, w)
        if call == "tape.batch_jacobian(y, x)":
            return tape.batch_jacobian(y, x, experimental_use_pfor=pfor)
        target, source = {
            "tape.jacobian(y, x)": (y, x),
            "tape.jacobian(per_example_loss, w)": (per_example_loss, w),
            "tape.jacobian(y, w)": (y, w),
        }[call]
        return tape.jacobian(target, source, experimental_use_pfor=pfor)

    def gradient_of_one_example(example):
        with tf.GradientTape() as tape:
            loss_of_one = tf.reduce_sum(layer(example[tf.newaxis], w) ** 2)
        return tape.gradient(loss_of_one, w)

    def second_order(pfor: bool, product: bool) -> tf.Tensor:
        with tf.GradientTape(persistent=True) as outer:
            with tf.GradientTape() as inner:
                loss = tf.reduce_mean(tf.reduce_sum(layer(x, w) ** 2, axis=1))
            gradient = inner.gradient(loss, w)
        if product:
            return outer.gradient(gradient, w, output_gradients=tf.ones_like(w))
        return outer.jacobian(gradient, w, experimental_use_pfor=pfor)

    def per_example_hessians(pfor: bool) -> tf.Tensor:
        with tf.GradientTape(persistent=not pfor) as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                total = tf.reduce_sum(layer(x, w) ** 2)
            input_gradient = inner.gradient(total, x)
        return outer.batch_jacobian(input_gradient, x, experimental_use_pfor=pfor)

    def jvp() -> tf.Tensor:
        with tf.autodiff.ForwardAccumulator(primals=x, tangents=tf.ones_like(x)) as accumulator:
            y = layer(x, w)
        return accumulator.jvp(y)

    def on_tape(call):
        return lambda: taped(call, pfor=True), lambda: taped(call, pfor=False)

    # call: (kind of pass counted, the call as the cheat sheet runs it, the same call one pass at a time)
    runs = {
        "tape.gradient(loss, w)": ("backward", *on_tape("tape.gradient(loss, w)")),
        "tape.jacobian(y, x)": ("backward", *on_tape("tape.jacobian(y, x)")),
        "tape.batch_jacobian(y, x)": ("backward", *on_tape("tape.batch_jacobian(y, x)")),
        "tf.vectorized_map(gradient_of_one_example, x)": (
            "backward",
            lambda: tf.vectorized_map(gradient_of_one_example, x, fallback_to_while_loop=False),
            lambda: tf.map_fn(gradient_of_one_example, x),
        ),
        "tape.jacobian(per_example_loss, w)": (
            "backward",
            lambda: tf.vectorized_map(gradient_of_one_example, x, fallback_to_while_loop=False),
            lambda: taped("tape.jacobian(per_example_loss, w)", pfor=False),
        ),
        "tape.jacobian(y, w)": ("backward", *on_tape("tape.jacobian(y, w)")),
        "outer.jacobian(inner.gradient(loss, w), w)": (
            "backward",
            lambda: second_order(pfor=True, product=False),
            lambda: second_order(pfor=False, product=False),
        ),
        "outer.gradient(inner.gradient(loss, w), w, output_gradients=v)": (
            "backward",
            lambda: second_order(pfor=True, product=True),
            lambda: second_order(pfor=True, product=True),
        ),
        "outer.batch_jacobian(inner.gradient(sum(per_example_loss), x), x)": (
            "backward",
            lambda: per_example_hessians(pfor=True),
            lambda: per_example_hessians(pfor=False),
        ),
        "accumulator.jvp(y)": ("forward", jvp, jvp),
        "forward_jacobian_vectorized(f, x)": (
            "forward",
            lambda: forward_jacobian_vectorized(lambda x: layer(x, w), x),
            lambda: forward_jacobian_loop(lambda x: layer(x, w), x),
        ),
    }
    found = []
    for call, (kind, as_on_the_sheet, one_pass_at_a_time) in runs.items():
        upstream_shapes.clear()
        forward_calls.clear()
        expected = as_on_the_sheet() if compare else None
        vectorised_calls = len(upstream_shapes if kind == "backward" else forward_calls) if compare else None
        upstream_shapes.clear()
        forward_calls.clear()
        result = one_pass_at_a_time()
        passes = upstream_shapes if kind == "backward" else forward_calls
        found.append(
            {
                "call": call,
                "kind": kind,
                "passes": len(passes),
                "each pass over": passes[0],
                "same result": bool(np.allclose(result, expected, atol=1e-6)) if compare else None,
                "calls, vectorised": vectorised_calls,
            }
        )
    return found


def count_passes_markdown(found: list[dict]) -> str:
    """Render :func:`count_passes` as a Markdown table.

    >>> print(count_passes_markdown([{"call": "f(x)", "kind": "backward", "passes": 1,
    ...     "each pass over": (4, 2), "same result": True, "calls, vectorised": 1}]))
    | call | passes, one at a time | each pass gets | same result as the table | traced, vectorised |
    |---|---|---|---|---|
    | `f(x)` | 1 backward | an upstream gradient of shape `(4, 2)` | True | 1 |
    """
    header = [
        "call",
        "passes, one at a time",
        "each pass gets",
        "same result as the table",
        "traced, vectorised",
    ]
    rows = [
        [
            f"`{row['call']}`",
            f"{row['passes']} {row['kind']}",
            ("an upstream gradient" if row["kind"] == "backward" else "an input")
            + f" of shape `{row['each pass over']}`",
            row["same result"],
            row["calls, vectorised"],
        ]
        for row in found
    ]
    return markdown_table(header, rows)


def cheat_sheet_markdown(rows: list[dict]) -> str:
    """Render the rows as one Markdown table (GitHub-flavoured), calls in code spans.

    >>> table = cheat_sheet_markdown([{"question": "q", "call": "f(x)", "shape": "x.shape",
    ...                                "example shape": (4, 3), "cost": "1 pass"}])
    >>> print(table)
    | you want | call | result shape | here (b=4, m=3, k=2) | cost |
    |---|---|---|---|---|
    | q | `f(x)` | `x.shape` | `(4, 3)` | 1 pass |
    """
    table = []
    for row in rows:
        cells = [
            row["question"],
            f"`{row['call']}`",
            f"`{row['shape']}`",
            f"`{row['example shape']}`",
            row["cost"],
        ]
        table.append(cells)
    header = ["you want", "call", "result shape", f"here (b={BATCH}, m={FEATURES}, k={OUTPUTS})", "cost"]
    return markdown_table(header, table)
