"""Results that come back without an error and are not what you asked for: all zeros, ``None``, a list
of targets, sequences, and per-example gradients with respect to the inputs or the weights.

Each symptom has a few causes; each cause comes with a one-line test that tells it
from the others, run on the mistake so that the page shows what the test says.
"""

from __future__ import annotations

import itertools

import numpy as np
import tensorflow as tf

from snippets.batch_jacobian_calls import centered
from snippets.support.markdown import MarkdownTable, markdown_table
from snippets.tools.row_independence import cross_example_dependence

BATCH = tf.constant([[1.0, 2.0], [3.0, 4.0]])
"""Two examples (axis 0) of two features (axis 1)."""


def _numbers(result):
    """A tensor as plain numbers, a ``bool`` or ``None`` as itself."""
    if result is None or isinstance(result, bool | np.bool_):
        return None if result is None else bool(result)
    return np.round(np.asarray(result), 4).tolist()


def squares(x: tf.Tensor) -> tf.Tensor:
    """Square each element: rows never mix, ``d y[i] / d x[i] = diag(2 x[i])``.

    >>> print(squares(BATCH).numpy())
    [[ 1.  4.]
     [ 9. 16.]]
    """
    return x**2


def dead_relu(x: tf.Tensor) -> tf.Tensor:
    """``relu(x - 10)``: for every input of ``BATCH`` the unit is off, and its derivative really is zero.

    >>> print(dead_relu(BATCH).numpy())
    [[0. 0.]
     [0. 0.]]
    """
    return tf.nn.relu(x - 10.0)


# All zeros ---------------------------------------------------------------------------------------------


def zeros_asked_for() -> dict[str, object]:
    """``unconnected_gradients="zero"`` for a source the target does not use: zeros, whatever the cause.

    >>> zeros_asked_for()
    {'result': [[0.0, 0.0], [0.0, 0.0]], 'tape.gradient(y, x)': None}
    """
    x, unused = BATCH, tf.constant([[5.0, 6.0], [7.0, 8.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, unused])
        y = squares(unused)
    return {
        "result": _numbers(tape.gradient(y, x, unconnected_gradients="zero")),
        "tape.gradient(y, x)": _numbers(tape.gradient(y, x)),
    }


def zeros_from_batch_jacobian_of_an_unconnected_target() -> dict[str, object]:
    """``batch_jacobian`` of a target computed under ``stop_recording``: zeros where the others say ``None``.

    >>> zeros_from_batch_jacobian_of_an_unconnected_target()["tape.gradient(y, x)"] is None
    True
    """
    x = BATCH
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        with tape.stop_recording():
            y = squares(x)
    return {
        "result": _numbers(tape.batch_jacobian(y, x)),
        "tape.gradient(y, x)": _numbers(tape.gradient(y, x)),
    }


def zeros_from_a_batch_axis_added_after_the_tape() -> dict[str, object]:
    """One example ``[F]`` on the tape; the batch axis ``[1, F]`` added to target and source after the block.

    >>> zeros_from_a_batch_axis_added_after_the_tape()
    {'result': [[[0.0, 0.0], [0.0, 0.0]]], 'tape.gradient(y, x)': None}
    """
    example = BATCH[0]
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(example)
        y = squares(example)
    y, x = y[tf.newaxis], example[tf.newaxis]  # new tensors, made after the block: not on the tape
    return {
        "result": _numbers(tape.batch_jacobian(y, x)),
        "tape.gradient(y, x)": _numbers(tape.gradient(y, x)),
    }


def zeros_from_batch_statistics() -> dict[str, object]:
    """``batch_jacobian`` of ``centered(x) = x - mean(x, axis=0)``: connected, and zeros all the same.

    >>> zeros_from_batch_statistics()
    {'result': [[[0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]], 'tape.gradient(y, x)': \
[[0.0, 0.0], [0.0, 0.0]], 'cross_example_dependence(f, x)': 0.5}
    """
    x = BATCH
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = centered(x)
    return {
        "result": _numbers(tape.batch_jacobian(y, x)),
        "tape.gradient(y, x)": _numbers(tape.gradient(y, x)),
        "cross_example_dependence(f, x)": cross_example_dependence(centered, x),
    }


def zeros_that_are_true() -> dict[str, object]:
    """``batch_jacobian`` of ``dead_relu``: connected, rows independent, the derivative really is zero.

    >>> zeros_that_are_true()["cross_example_dependence(f, x)"]
    0.0
    """
    x = BATCH
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = dead_relu(x)
    return {
        "result": _numbers(tape.batch_jacobian(y, x)),
        "tape.gradient(y, x)": _numbers(tape.gradient(y, x)),
        "cross_example_dependence(f, x)": cross_example_dependence(dead_relu, x),
    }


ALL_ZEROS_CAUSES = {
    'an unused source, `unconnected_gradients="zero"`': (zeros_asked_for, "unconnected: see `None` below"),
    "`batch_jacobian` of an unconnected target": (
        zeros_from_batch_jacobian_of_an_unconnected_target,
        "unconnected: see `None` below",
    ),
    "a batch axis added after the tape": (
        zeros_from_a_batch_axis_added_after_the_tape,
        "unconnected: add the axis inside the block",
    ),
    "batch statistics (`x - mean(x, axis=0)`)": (
        zeros_from_batch_statistics,
        "rows interact: take the diagonal blocks of `jacobian`",
    ),
    "a derivative that is zero (`relu(x - 10)`)": (zeros_that_are_true, "true zeros"),
}


def all_zeros_markdown() -> MarkdownTable:
    """Run every cause of all zeros and tabulate the two tests that tell them apart.

    >>> print(all_zeros_markdown().splitlines()[0])
    | cause | `tape.gradient(y, x)` | `cross_example_dependence(f, x)` | verdict |
    """
    rows = []
    for cause, (case, verdict) in ALL_ZEROS_CAUSES.items():
        results = case()
        require_zeros = not np.any(np.asarray(results["result"]))
        if not require_zeros:
            raise AssertionError(f"{cause}: the result is not all zeros: {results['result']}")
        gradient = results["tape.gradient(y, x)"]
        gradient_cell = "**`None`**" if gradient is None else f"`{gradient}`".replace("], [", "]; [")
        dependence = results.get("cross_example_dependence(f, x)")
        dependence_cell = "" if dependence is None else f"`{dependence:g}`"
        rows.append([cause, gradient_cell, dependence_cell, verdict])
    header = ["cause", "`tape.gradient(y, x)`", "`cross_example_dependence(f, x)`", "verdict"]
    return markdown_table(header, rows)


# None --------------------------------------------------------------------------------------------------


def none_from_a_loss_after_the_block(fixed: bool = False) -> dict[str, object]:
    """The loss computed after the ``with`` block (the fix: inside it).

    >>> print(none_from_a_loss_after_the_block()["gradient"])
    None
    >>> print(none_from_a_loss_after_the_block(fixed=True)["gradient"])
    30.0
    """
    w = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        prediction = 3.0 * w
        if fixed:
            loss = (prediction - 1.0) ** 2
    if not fixed:
        loss = (prediction - 1.0) ** 2
    gradient = _numbers(tape.gradient(loss, w))
    return {"tape": tape, "w": w, "prediction": prediction, "loss": loss, "gradient": gradient}


def none_from_numpy(fixed: bool = False) -> dict[str, object]:
    """A mean taken by ``np.mean`` inside the block (the fix: ``tf.reduce_mean``).

    >>> none_from_numpy()["gradient"], none_from_numpy(fixed=True)["gradient"]
    (None, [1.0, 2.0])
    """
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        mean = tf.reduce_mean(w**2) if fixed else np.mean(w**2)
        loss = tf.convert_to_tensor(mean)
    return {"tape": tape, "w": w, "mean": mean, "loss": loss, "gradient": _numbers(tape.gradient(loss, w))}


def none_from_an_integer_source(fixed: bool = False) -> dict[str, object]:
    """An ``int32`` source, watched (the fix: ``tf.float32``).

    >>> none_from_an_integer_source()["gradient"], none_from_an_integer_source(fixed=True)["gradient"]
    (None, [2.0, 4.0])
    """
    x = tf.constant([1.0, 2.0]) if fixed else tf.constant([1, 2])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    return {"tape": tape, "x": x, "y": y, "gradient": _numbers(tape.gradient(y, x))}


def none_from_a_variable_not_watched(fixed: bool = False) -> dict[str, object]:
    """A ``trainable=False`` variable, beside a trainable one of the same value (the fix: ``tape.watch(w)``).

    >>> print(none_from_a_variable_not_watched()["gradient"])
    None
    >>> print(none_from_a_variable_not_watched(fixed=True)["gradient"])
    2.0
    """
    w = tf.Variable(2.0, trainable=False)
    scale = tf.Variable(2.0)  # trainable: the tape watches it
    with tf.GradientTape(persistent=True) as tape:
        if fixed:
            tape.watch(w)
        loss = scale * w
    return {"tape": tape, "w": w, "loss": loss, "gradient": _numbers(tape.gradient(loss, w))}


def none_from_an_op_without_a_gradient(fixed: bool = False) -> dict[str, object]:
    """``tf.round`` on the path (the fix: the straight-through round, ``x + stop_gradient(round(x) - x)``).

    >>> none_from_an_op_without_a_gradient()["gradient"]
    >>> none_from_an_op_without_a_gradient(fixed=True)["gradient"]
    [3.0, 3.0]
    """
    w = tf.Variable([0.4, 1.6])
    with tf.GradientTape(persistent=True) as tape:
        scaled = 3.0 * w
        rounded = scaled + tf.stop_gradient(tf.round(scaled) - scaled) if fixed else tf.round(scaled)
        loss = tf.reduce_sum(rounded)
    gradient = _numbers(tape.gradient(loss, w))
    return {"tape": tape, "w": w, "scaled": scaled, "rounded": rounded, "loss": loss, "gradient": gradient}


def none_from_a_different_tensor(fixed: bool = False) -> dict[str, object]:
    """The source made from ``x`` after the block, ``x[tf.newaxis]`` (the fix: make it inside, and use it).

    >>> none_from_a_different_tensor()["gradient"], none_from_a_different_tensor(fixed=True)["gradient"]
    (None, [[2.0, 4.0]])
    """
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        if fixed:
            x_batched = x[tf.newaxis]
            y = tf.reduce_sum(x_batched**2)
        else:
            y = tf.reduce_sum(x**2)
    if not fixed:
        x_batched = x[tf.newaxis]
    gradient = _numbers(tape.gradient(y, x_batched))
    return {"tape": tape, "x": x, "x_batched": x_batched, "y": y, "gradient": gradient}


NONE_CAUSES = {
    "the loss was computed after the `with` block": (
        none_from_a_loss_after_the_block,
        "tape.gradient(loss, prediction)",
        "gallery-outside-the-tape",
    ),
    "NumPy on the path": (none_from_numpy, "tf.is_tensor(mean)", "gallery-numpy"),
    "an integer dtype": (none_from_an_integer_source, "x.dtype.is_floating", "gallery-integer-source"),
    "a variable the tape does not watch": (
        none_from_a_variable_not_watched,
        "any(v is w for v in tape.watched_variables())",
        "gallery-non-trainable",
    ),
    "an op whose gradient is `None` (`tf.round`)": (
        none_from_an_op_without_a_gradient,
        "tape.gradient(rounded, scaled)",
        "gallery-non-differentiable",
    ),
    "a different tensor than the one used": (
        none_from_a_different_tensor,
        "tape.gradient(y, x_batched) is None and tape.gradient(y, x) is not None",
        "gallery-rank-1",
    ),
}
"""Each cause of ``None``: the function that makes the mistake (or its fix), the test, its gallery entry."""


def run_test(test: str, namespace: dict) -> object:
    """Evaluate a one-line test in the names a case returned (and ``tf``), as plain numbers.

    >>> run_test("x.dtype.is_floating", none_from_an_integer_source())
    False
    """
    return _numbers(eval(test, {"tf": tf, **namespace}))  # the test shown on the page is the test run


def none_triage() -> list[dict[str, object]]:
    """Run every cause of ``None``: the test on the mistake and on the fix, and the gradient of each.

    >>> [(row["cause"], row["test on the mistake"], row["test on the fix"]) for row in none_triage()][:3]
    [('the loss was computed after the `with` block', None, 10.0), ('NumPy on the path', False, True), \
('an integer dtype', False, True)]
    """
    rows = []
    for cause, (case, test, label) in NONE_CAUSES.items():
        mistake, fix = case(), case(fixed=True)
        rows.append(
            {
                "cause": cause,
                "test": test,
                "test on the mistake": run_test(test, mistake),
                "test on the fix": run_test(test, fix),
                "gradient": mistake["gradient"],
                "gradient after the fix": fix["gradient"],
                "label": label,
            }
        )
    return rows


def none_triage_markdown(rows: list[dict[str, object]]) -> MarkdownTable:
    """The rows of :func:`none_triage` as a Markdown table, each cause linked to its error gallery entry.

    >>> print(none_triage_markdown(none_triage()).splitlines()[0])
    | cause | one-line test | on the mistake | on the fix | `gradient` after the fix |
    """
    table = []
    for row in rows:
        if row["gradient"] is not None:
            raise AssertionError(f"{row['cause']}: the mistake gave {row['gradient']}, not None")
        cells = [
            f"`{row[key]}`" for key in ("test on the mistake", "test on the fix", "gradient after the fix")
        ]
        cause = f"[{row['cause']}](error-gallery.md#{row['label']})"
        table.append([cause, f"`{row['test']}`", *cells])
    header = ["cause", "one-line test", "on the mistake", "on the fix", "`gradient` after the fix"]
    return markdown_table(header, table)


def first_step_without_a_gradient(tape: tf.GradientTape, path: dict[str, object]) -> str:
    """Walk a computation's steps in order; name the first without a gradient with respect to the one before.

    ``path`` holds the values the computation went through, by name, from the
    source to the target; the tape must be persistent. A value that is not a
    tensor (NumPy) breaks the path too.

    >>> case = none_from_an_op_without_a_gradient()
    >>> first_step_without_a_gradient(case["tape"], {name: case[name] for name in ("w", "scaled", "rounded")})
    'rounded: no gradient with respect to scaled'
    >>> case = none_from_a_loss_after_the_block()
    >>> first_step_without_a_gradient(case["tape"], {name: case[name] for name in ("prediction", "loss")})
    'loss: no gradient with respect to prediction'
    """
    names = list(path)
    for before, after in itertools.pairwise(names):
        if not tf.is_tensor(path[after]):
            return f"{after}: not a tensor but {type(path[after]).__name__}"
        if tape.gradient(path[after], path[before]) is None:
            return f"{after}: no gradient with respect to {before}"
    return "every step has a gradient"


def membership_in_watched_variables() -> dict[str, object]:
    """``w in tape.watched_variables()`` compares values, not identities: a wrong ``True``, or an error.

    >>> membership_in_watched_variables()
    {'scalar: w in watched': True, 'scalar: any(v is w ...)': False, 'vector: w in watched': \
'ValueError: The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()', \
'vector: any(v is w ...)': False}
    """
    results = {}
    for kind, value in (("scalar", 2.0), ("vector", [1.0, 2.0])):
        w = tf.Variable(value, trainable=False)  # not watched
        other = tf.Variable(value)  # watched, and equal in value
        with tf.GradientTape() as tape:
            _ = other * w
        try:
            results[f"{kind}: w in watched"] = w in tape.watched_variables()
        except ValueError as error:
            results[f"{kind}: w in watched"] = f"ValueError: {error}"
        results[f"{kind}: any(v is w ...)"] = any(v is w for v in tape.watched_variables())
    return results


# jacobian of a list of targets -------------------------------------------------------------------------


def _two_targets(x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    return x**2, 3.0 * x


def jacobian_of_a_list_of_targets() -> tf.Tensor:
    """Pass ``jacobian`` a Python list of two targets of shape ``[2]``.

    >>> jacobian_of_a_list_of_targets()
    Traceback (most recent call last):
    ...
    AttributeError: 'list' object has no attribute 'shape'
    """
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        first, second = _two_targets(x)
    return tape.jacobian([first, second], x)


def jacobian_of_stacked_targets() -> tf.Tensor:
    """Stack targets of one shape into one tensor while the tape records: shape ``[2, 2] + x.shape``.

    >>> print(jacobian_of_stacked_targets().numpy())
    [[[2. 0.]
      [0. 4.]]
    <BLANKLINE>
     [[3. 0.]
      [0. 3.]]]
    """
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        targets = tf.stack(_two_targets(x))
    return tape.jacobian(targets, x)


def jacobian_of_each_target() -> list[tf.Tensor]:
    """One ``jacobian`` call per target, on a persistent tape: works for targets of any shapes.

    >>> [j.numpy().tolist() for j in jacobian_of_each_target()]
    [[[2.0, 0.0], [0.0, 4.0]], [[3.0, 0.0], [0.0, 3.0]]]
    """
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        targets = _two_targets(x)
    jacobians = [tape.jacobian(target, x) for target in targets]
    del tape
    return jacobians


def gradient_of_a_list_of_targets() -> list[float]:
    """``gradient`` accepts the list, and returns the gradient of the targets' *sum*: ``2x + 3``.

    >>> gradient_of_a_list_of_targets()
    [5.0, 7.0]
    """
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        first, second = _two_targets(x)
    return tape.gradient([first, second], x).numpy().tolist()


# Sequences [B, T, F] -----------------------------------------------------------------------------------

SEQUENCE_WEIGHTS = tf.constant([[1.0, -1.0], [0.5, 2.0]])
"""Input weights ``[F, H]`` of both sequence models."""
RECURRENT_WEIGHTS = tf.constant([[0.5, 0.0], [0.0, 0.5]])
"""Recurrent weights ``[H, H]`` of ``tiny_rnn``."""


def example_sequences(batch: int = 2, steps: int = 3, features: int = 2) -> tf.Tensor:
    """A batch of sequences ``[B, T, F]`` of small values.

    >>> tuple(example_sequences().shape)
    (2, 3, 2)
    """
    return tf.reshape(tf.range(batch * steps * features, dtype=tf.float32), (batch, steps, features)) / 10.0


def per_step_layer(x: tf.Tensor) -> tf.Tensor:
    """``tanh(x @ W)`` on the last axis: each time step on its own, so steps are independent.

    >>> tuple(per_step_layer(example_sequences()).shape)
    (2, 3, 2)
    """
    return tf.tanh(x @ SEQUENCE_WEIGHTS)


def tiny_rnn(x: tf.Tensor) -> tf.Tensor:
    """``h[t] = tanh(x[t] @ W + h[t-1] @ U)``, unrolled over ``T``: step ``t`` depends on every step to ``t``.

    >>> tuple(tiny_rnn(example_sequences()).shape)
    (2, 3, 2)
    """
    state = tf.zeros((x.shape[0], RECURRENT_WEIGHTS.shape[0]))
    outputs = []
    for step in range(x.shape[1]):
        state = tf.tanh(x[:, step] @ SEQUENCE_WEIGHTS + state @ RECURRENT_WEIGHTS)
        outputs.append(state)
    return tf.stack(outputs, axis=1)


def per_step_jacobians_by_reshaping(function, x: tf.Tensor) -> tf.Tensor:
    """Per-time-step Jacobians ``[B, T, H, F]``: fold time into the batch *inside* the tape, then unfold.

    Right only when ``function`` treats every time step on its own.

    >>> tuple(per_step_jacobians_by_reshaping(per_step_layer, example_sequences()).shape)
    (2, 3, 2, 2)
    """
    batch, steps, features = x.shape
    with tf.GradientTape() as tape:
        folded = tf.reshape(x, (batch * steps, features))  # [B*T, F]: every step a row
        tape.watch(folded)
        y = tf.reshape(function(tf.reshape(folded, (batch, steps, features))), (batch * steps, -1))
    jacobians = tape.batch_jacobian(y, folded)  # [B*T, H, F]
    return tf.reshape(jacobians, (batch, steps, y.shape[-1], features))


def sequence_jacobians(function, x: tf.Tensor) -> tf.Tensor:
    """``batch_jacobian`` over the batch only, each example a whole ``[T, F]`` sequence: ``[B, T, H, T, F]``.

    Block ``[b, t, :, s, :]`` is ``d y[b, t] / d x[b, s]``, the effect of step ``s`` on output ``t``.

    >>> tuple(sequence_jacobians(tiny_rnn, example_sequences()).shape)
    (2, 3, 2, 3, 2)
    """
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = function(x)
    return tape.batch_jacobian(y, x)


def own_step_blocks(jacobians: tf.Tensor) -> tf.Tensor:
    """The blocks ``d y[b, t] / d x[b, t]`` of :func:`sequence_jacobians`'s result: ``[B, T, H, F]``.

    >>> tuple(own_step_blocks(tf.zeros((2, 3, 4, 3, 5))).shape)
    (2, 3, 4, 5)
    """
    return tf.einsum("bthtf->bthf", jacobians)


def step_block_norms(jacobians: tf.Tensor, example: int = 0) -> np.ndarray:
    """Size of each block of one example, ``[T, T]``: row ``t`` an output step, column ``s`` an input step.

    >>> step_block_norms(tf.ones((1, 2, 1, 2, 1)))
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """
    return tf.sqrt(tf.reduce_sum(jacobians[example] ** 2, axis=(1, 3))).numpy()


def sequence_recipes(x: tf.Tensor) -> dict[str, float]:
    """Largest difference between folding time into the batch and the own-step blocks of the full answer.

    >>> sequence_recipes(example_sequences())
    {'per_step_layer: steps independent': 0.0, 'tiny_rnn: steps depend on earlier steps': 0.9597}
    """
    results = {}
    for function, name in (
        (per_step_layer, "steps independent"),
        (tiny_rnn, "steps depend on earlier steps"),
    ):
        folded = per_step_jacobians_by_reshaping(function, x)
        exact = own_step_blocks(sequence_jacobians(function, x))
        results[f"{function.__name__}: {name}"] = round(float(tf.reduce_max(tf.abs(folded - exact))), 4)
    return results


def steps_interact(function, x: tf.Tensor) -> float:
    """``cross_example_dependence`` with every time step a row: 0 when folding time into the batch is safe.

    >>> steps_interact(per_step_layer, example_sequences()), steps_interact(tiny_rnn, example_sequences())
    (0.0, 0.7567)
    """
    batch, steps, features = x.shape

    def on_rows(rows: tf.Tensor) -> tf.Tensor:
        return tf.reshape(function(tf.reshape(rows, (batch, steps, features))), (batch * steps, -1))

    return round(cross_example_dependence(on_rows, tf.reshape(x, (batch * steps, features))), 4)


# Per-example gradients: with respect to what? ----------------------------------------------------------


def per_example_gradients_with_respect_to_inputs_and_weights() -> dict[str, tuple[int, ...]]:
    """Per-example losses of a linear model: their gradients with respect to the inputs, then to the weights.

    With respect to the inputs, one ``gradient`` call of the summed losses holds them
    all (rows independent): shape ``[B, F]``. With respect to the weights, ``gradient``
    adds the examples up into one ``[F, 1]``; one gradient per example, ``[B, F, 1]``,
    takes a tape per example (``tf.vectorized_map``) or ``jacobian``.

    >>> for name, shape in per_example_gradients_with_respect_to_inputs_and_weights().items():
    ...     print(f"{name:58} {shape}")
    inputs: gradient(sum of losses, x)                         (2, 2)
    weights: gradient(sum of losses, w), summed over examples  (2, 1)
    weights: vectorized_map of a one-example tape              (2, 2, 1)
    """
    x, w = BATCH, tf.Variable([[1.0], [-1.0]])

    def losses_of(x: tf.Tensor) -> tf.Tensor:
        return tf.reduce_sum((x @ w) ** 2, axis=1)

    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        total = tf.reduce_sum(losses_of(x))
    inputs, weights = tape.gradient(total, x), tape.gradient(total, w)

    def one_example(example: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as one:
            loss = losses_of(example[tf.newaxis])[0]
        return one.gradient(loss, w)

    per_example_weights = tf.vectorized_map(one_example, x)
    return {
        "inputs: gradient(sum of losses, x)": tuple(inputs.shape),
        "weights: gradient(sum of losses, w), summed over examples": tuple(weights.shape),
        "weights: vectorized_map of a one-example tape": tuple(per_example_weights.shape),
    }
