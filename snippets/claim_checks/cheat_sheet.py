"""Checks for the claims of the Cheat sheet page."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from snippets.cheat_sheet import BATCH, COSTS, FEATURES, OUTPUTS, _example, _per_example_loss, count_passes
from snippets.support.claims import require

# The pass count each cost cell states, for the counted call: (the row's question, the words of its cost
# cell that state the count, the count those words give on the example, the shape each pass gets).
_STATED = {
    "tape.gradient(loss, w)": (
        "derivative of a scalar loss with respect to the weights",
        "1 backward pass",
        1,
        (BATCH, OUTPUTS),
    ),
    "tape.jacobian(y, x)": ("full Jacobian", "size(y) backward passes, each over the whole batch", 8, None),
    "tape.batch_jacobian(y, x)": (
        "per-example Jacobian (independent examples)",
        "size(y) / b backward passes, each over the whole batch",
        2,
        None,
    ),
    "tf.vectorized_map(gradient_of_one_example, x)": (
        "per-example gradients with respect to the weights",
        "b backward passes, each over one example",
        BATCH,
        (1, OUTPUTS),
    ),
    "tape.jacobian(per_example_loss, w)": (
        "per-example gradients with respect to the weights",
        "returns the same values with b backward passes, each over the whole batch",
        BATCH,
        None,
    ),
    "tape.jacobian(y, w)": (
        "Jacobian with respect to the weights",
        "size(y) backward passes, each over the whole batch",
        BATCH * OUTPUTS,
        None,
    ),
    "outer.jacobian(inner.gradient(loss, w), w)": (
        "Hessian of a scalar loss",
        "1 backward pass, then size(w) backward passes through it",
        1 + FEATURES * OUTPUTS,
        None,
    ),
    "outer.gradient(inner.gradient(loss, w), w, output_gradients=v)": (
        "Hessian-vector product",
        "2 backward passes (reverse over reverse): 1 backward pass, then 1 backward pass through it",
        2,
        None,
    ),
    "outer.batch_jacobian(inner.gradient(sum(per_example_loss), x), x)": (
        "per-example Hessians (independent examples)",
        "1 backward pass, then m backward passes through it",
        1 + FEATURES,
        None,
    ),
    "accumulator.jvp(y)": (
        "JVP, a directional derivative of every output",
        "1 forward pass",
        1,
        (BATCH, FEATURES),
    ),
    "forward_jacobian_vectorized(f, x)": (
        "Jacobian with few inputs and many outputs",
        "size(x) forward passes",
        BATCH * FEATURES,
        (BATCH, FEATURES),
    ),
}


def cost_column_counts_the_passes() -> str:
    """Every pass count in the cost column is the number of passes counted when the call runs them one by one.

    Backward passes that run over the whole batch get an upstream gradient of shape ``(b, k)``.
    (That the vectorised calls return the same as the one-by-one calls is shown on the page,
    in the last columns of the table of counted passes, and asserted by the doctest of
    ``count_passes``; comparing here too would take seconds.)

    >>> print(cost_column_counts_the_passes())
    counted 11 calls: 1, 8, 2, 4 (one example each), 4 (whole batch each), 8, 7, 2, 4, 1 forward, 12 forward
    """
    found = {row["call"]: row for row in count_passes(compare=False)}
    require(set(found) == set(_STATED), f"counted calls {sorted(found)} are not the stated ones")
    summary = []
    for call, (question, words, count, each) in _STATED.items():
        row = found[call]
        require(words in COSTS[question], f"the cost cell of '{question}' no longer says '{words}'")
        require(row["passes"] == count, f"{call}: {row['passes']} passes counted, the cell implies {count}")
        require(
            row["each pass over"] == (each or (BATCH, OUTPUTS)),
            f"{call}: each pass got shape {row['each pass over']}",
        )
        note = {(1, OUTPUTS): " (one example each)"}.get(row["each pass over"], "")
        if call == "tape.jacobian(per_example_loss, w)":
            note = " (whole batch each)"
        summary.append(f"{row['passes']}{' forward' if row['kind'] == 'forward' else ''}{note}")
    # "returns the same values": tape.jacobian of the loss vector against one gradient per batch of one.
    x, w = _example()
    with tf.GradientTape(persistent=True) as tape:
        per_example_loss = _per_example_loss(x, w)
    by_jacobian = tape.jacobian(per_example_loss, w, experimental_use_pfor=False)
    one_by_one = []
    for i in range(BATCH):
        with tf.GradientTape() as one_tape:
            loss_of_one = _per_example_loss(x[i : i + 1], w)[0]
        one_by_one.append(one_tape.gradient(loss_of_one, w))
    require(np.allclose(by_jacobian, tf.stack(one_by_one), atol=1e-6), "jacobian's rows are not per-example")
    return f"counted {len(summary)} calls: " + ", ".join(summary)
