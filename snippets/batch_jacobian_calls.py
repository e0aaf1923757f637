"""``batch_jacobian`` differentiates the batch-summed target: per-example Jacobians only for independent rows.

Row-independent example: ``row_wise_layer(x) = (x ** 2) @ WEIGHTS`` maps each
example of width 3 to width 2 on its own. Examples that mix rows:
``centered(x) = x - mean(x, axis=0)`` and ``scaled_by_batch_mean(x) = x * mean(x, axis=0)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import tensorflow as tf

from snippets.tools.row_independence import as_block_matrix, cross_example_dependence, diagonal_blocks

WEIGHTS = ((1.0, -0.5), (0.5, 2.0), (-1.0, 1.5))
"""The fixed ``(3, 2)`` weight matrix of ``row_wise_layer``."""


def row_wise_layer(x: tf.Tensor) -> tf.Tensor:
    """Map each row of ``x`` (width 3) to ``x_row ** 2 @ WEIGHTS`` (width 2); rows never mix.

    >>> print(row_wise_layer(tf.constant([[1.0, 2.0, 0.5], [0.0, 1.0, -1.0]])).numpy())
    [[ 2.75   7.875]
     [-0.5    3.5  ]]
    """
    return (x**2) @ tf.constant(WEIGHTS, dtype=x.dtype)


def centered(x: tf.Tensor) -> tf.Tensor:
    """Subtract the batch mean from every row: each output row depends on every input row.

    >>> print(centered(tf.constant([[1.0, 2.0], [3.0, 6.0]])).numpy())
    [[-1. -2.]
     [ 1.  2.]]
    """
    return x - tf.reduce_mean(x, axis=0)


def scaled_by_batch_mean(x: tf.Tensor) -> tf.Tensor:
    """Multiply every row by the batch mean, elementwise: rows interact, and not trivially.

    >>> print(scaled_by_batch_mean(tf.constant([[1.0, 2.0], [3.0, 6.0]])).numpy())
    [[ 2.  8.]
     [ 6. 24.]]
    """
    return x * tf.reduce_mean(x, axis=0)


def example_batch(batch: int = 4, width: int = 3) -> tf.Tensor:
    """A small batch of halves, so every derivative on the page prints exactly.

    >>> print(example_batch(2, 3).numpy())
    [[-0.75 -0.25  0.25]
     [ 0.75  1.25  1.75]]
    """
    return tf.reshape((tf.range(batch * width, dtype=tf.float32) - 1.5) / 2.0, (batch, width))


def _require_batched(x: tf.Tensor, y: tf.Tensor | None = None) -> None:
    if x.shape.rank is None or x.shape.rank < 2:
        raise ValueError(
            f"the source must have a batch axis and at least one more, got shape {tuple(x.shape)}; "
            "add a feature axis with x[:, tf.newaxis]"
        )
    if y is not None and (y.shape.rank is None or y.shape.rank < 2 or y.shape[0] != x.shape[0]):
        raise ValueError(
            f"the target must have shape [batch, ...] with the source's batch {x.shape[0]} and at least "
            f"one more axis, got {tuple(y.shape)}; for one value per example use y[:, tf.newaxis]"
        )


def batch_jacobian_shapes() -> list[tuple[tuple, tuple, tuple]]:
    """Return (source shape, target shape, batch_jacobian shape) for targets of several ranks.

    The target is ``sum(x_row ** 2) * ones(target row shape)``, built row by row.

    >>> for source, target, result in batch_jacobian_shapes():
    ...     print(f"source {source!s:14} target {target!s:11} batch_jacobian {result}")
    source (4, 3)         target (4, 2)      batch_jacobian (4, 2, 3)
    source (4, 3)         target (4, 2, 5)   batch_jacobian (4, 2, 5, 3)
    source (4, 2, 2, 3)   target (4, 5)      batch_jacobian (4, 5, 2, 2, 3)
    source (4, 3)         target (4, 1)      batch_jacobian (4, 1, 3)
    """
    cases = [((4, 3), (2,)), ((4, 3), (2, 5)), ((4, 2, 2, 3), (5,)), ((4, 3), (1,))]
    rows = []
    for source_shape, target_row_shape in cases:
        x = tf.ones(source_shape)
        with tf.GradientTape() as tape:
            tape.watch(x)
            per_row = tf.reduce_sum(tf.reshape(x**2, (source_shape[0], -1)), axis=1)
            y = tf.reshape(per_row, (-1,) + (1,) * len(target_row_shape)) * tf.ones(target_row_shape)
        rows.append((source_shape, tuple(y.shape), tuple(tape.batch_jacobian(y, x).shape)))
    return rows


def column_block_sums(full_jacobian: tf.Tensor, target_rank: int) -> tf.Tensor:
    """Add up the blocks ``[i, ..., j, ...]`` over ``i``: for each source example ``j``, one block.

    Block ``j`` is the derivative of the batch-summed target with respect to
    example ``j``; it equals the diagonal block ``[j, ..., j, ...]`` exactly when
    every other block in its column is zero.

    >>> full = tf.reshape(tf.range(16.0), (2, 2, 2, 2))
    >>> print(column_block_sums(full, target_rank=2).numpy())
    [[[ 8. 10.]
      [16. 18.]]
     [[12. 14.]
      [20. 22.]]]
    """
    diagonal_blocks(full_jacobian, target_rank)  # the same shape checks
    shape = tuple(full_jacobian.shape)
    sums = tf.transpose(tf.reduce_sum(as_block_matrix(full_jacobian, target_rank), axis=0), (1, 0, 2))
    return tf.reshape(sums, (shape[0], *shape[1:target_rank], *shape[target_rank + 1 :]))


def batch_summed_derivative(function: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor) -> tf.Tensor:
    """Differentiate ``sum over the batch of function(x)``, one output element at a time.

    Entry ``[i, k, j]`` is the derivative of ``sum_b y[b, k]`` with respect to
    ``x[i, j]``: what ``batch_jacobian`` computes, whatever ``function`` does.

    >>> x = tf.constant([[1.0, 2.0], [3.0, 6.0]])
    >>> print(batch_summed_derivative(scaled_by_batch_mean, x).numpy())
    [[[4. 0.]
      [0. 8.]]
     [[4. 0.]
      [0. 8.]]]
    """
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = function(x)
        _require_batched(x, y)
        summed = tf.reduce_sum(y, axis=0)
    derivative = tape.jacobian(summed, x)  # shape [*target_row, b, *source_row]
    rank = summed.shape.rank
    return tf.transpose(derivative, [rank, *range(rank), *range(rank + 1, derivative.shape.rank)])


def three_answers(function: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor) -> dict[str, tf.Tensor]:
    """Return ``batch_jacobian`` and three things it may equal, each of ``batch_jacobian``'s shape.

    They are the diagonal blocks of the full ``jacobian`` (what you want), the
    derivative of the batch-summed target, and the sums of the full Jacobian's
    block columns (the same thing, read off the full Jacobian).

    >>> answers = three_answers(row_wise_layer, example_batch(2, 3))
    >>> print(answers["batch_jacobian"].numpy()[1])
    [[ 1.5   1.25 -3.5 ]
     [-0.75  5.    5.25]]
    >>> same = [bool(tf.reduce_all(a == answers["batch_jacobian"])) for a in answers.values()]
    >>> same
    [True, True, True, True]
    """
    x = tf.convert_to_tensor(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = function(x)
    _require_batched(x, y)
    full = tape.jacobian(y, x)
    answers = {
        "batch_jacobian": tape.batch_jacobian(y, x),
        "diagonal blocks of jacobian": diagonal_blocks(full, y.shape.rank),
        "derivative of the batch sum": batch_summed_derivative(function, x),
        "column sums of jacobian's blocks": column_block_sums(full, y.shape.rank),
    }
    del tape
    return answers


def distance_from_batch_jacobian(
    function: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor
) -> dict[str, float]:
    """Largest ``|batch_jacobian - answer|`` for each other answer of :func:`three_answers`.

    Rows that interact (``scaled_by_batch_mean``) move ``batch_jacobian`` away from
    the diagonal blocks, not from the block-column sums:

    >>> distance_from_batch_jacobian(row_wise_layer, example_batch(4, 3))
    {'diagonal blocks of jacobian': 0.0, 'derivative of the batch sum': 0.0,
     "column sums of jacobian's blocks": 0.0}
    >>> distance_from_batch_jacobian(scaled_by_batch_mean, example_batch(4, 3))
    {'diagonal blocks of jacobian': 2.4375, 'derivative of the batch sum': 0.0,
     "column sums of jacobian's blocks": 0.0}
    """
    answers = three_answers(function, x)
    returned = answers.pop("batch_jacobian")
    return {name: float(tf.reduce_max(tf.abs(value - returned))) for name, value in answers.items()}


def full_jacobian(function: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor) -> tf.Tensor:
    """Return ``jacobian(function(x), x)``, shape ``[b, *target_row, b, *source_row]``.

    >>> tuple(full_jacobian(row_wise_layer, example_batch(4, 3)).shape)
    (4, 2, 4, 3)

    Two examples of one feature, centred: each output depends on both inputs.

    >>> print(tf.reshape(full_jacobian(centered, tf.constant([[1.0], [3.0]])), (2, 2)).numpy())
    [[ 0.5 -0.5]
     [-0.5  0.5]]
    """
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = function(x)
    return tape.jacobian(y, x)


def tensorflow_batch_jacobian_lines() -> list[str]:
    """The lines of the installed ``tf.GradientTape.batch_jacobian`` that say what it differentiates.

    >>> for line in tensorflow_batch_jacobian_lines():
    ...     print(line)
    target = array_ops.reshape(target, [batch_size, target_row_size])
    y = array_ops.gather(target, i, axis=1)
    return self.gradient(y, source,
    output = pfor_ops.pfor(loop_fn, target_row_size,
    """
    source = inspect.getsource(tf.GradientTape.batch_jacobian)
    wanted = ("array_ops.reshape(target, [batch_size", "gather(target, i, axis=1)", "self.gradient(y, source")
    wanted += ("pfor_ops.pfor(loop_fn",)
    return [line.strip() for line in source.splitlines() if any(w in line for w in wanted)]


def row_wise_energy(x: tf.Tensor) -> tf.Tensor:
    """One value per example: the sum of ``row_wise_layer``'s two outputs, shape ``[b]``.

    >>> print(row_wise_energy(tf.constant([[1.0, 2.0, 0.5], [0.0, 1.0, -1.0]])).numpy())
    [10.625  3.   ]
    """
    return tf.reduce_sum(row_wise_layer(x), axis=1)


def per_example_gradients(per_example_function: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor) -> tf.Tensor:
    """Gradient of ``per_example_function(x)[i]`` with respect to ``x[i]``, for every example ``i``.

    ``per_example_function`` maps a batch ``x`` of shape ``(batch, ...)`` to one
    number per example, shape ``(batch,)``; the result has the shape of ``x``.
    The axis ``batch_jacobian`` needs is added while the tape records, and taken
    off again. Like ``batch_jacobian``, whose result it is, row ``i`` is example
    ``i``'s own gradient only when examples do not interact.

    >>> print(per_example_gradients(row_wise_energy, example_batch(2, 3)).numpy())
    [[-0.75 -1.25  0.25]
     [ 0.75  6.25  1.75]]
    >>> per_example_gradients(lambda x: tf.reduce_mean(row_wise_energy(x)), example_batch(2, 3))
    Traceback (most recent call last):
    ...
    ValueError: per_example_function returned shape () for a batch of shape (2, 3): return one
    value per example, shape (2,), e.g. the per-example losses before reduce_mean.
    """
    x = tf.convert_to_tensor(x)
    batch = x.shape[0] if x.shape.rank else None
    with tf.GradientTape() as tape:
        tape.watch(x)
        values = per_example_function(x)
        if batch is None or values.shape.rank != 1 or values.shape[0] != batch:
            expected = f"({batch},)" if batch is not None else "(batch,)"
            raise ValueError(
                f"per_example_function returned shape {tuple(values.shape)} for a batch of shape "
                f"{tuple(x.shape)}: return one value per example, shape {expected}, "
                "e.g. the per-example losses before reduce_mean."
            )
        # Added while recording, so the target stays connected to x.
        column = values[:, tf.newaxis]
    if x.shape.rank == 1:
        return tape.gradient(values, x)  # one number per example: ordinary derivatives
    return tape.batch_jacobian(column, x)[:, 0]


def gradient_of_the_batch_sum(
    per_example_function: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor
) -> tf.Tensor:
    """``gradient`` of the per-example values summed over the batch: one backward pass, the shape of ``x``.

    With independent rows, row ``i`` is example ``i``'s own gradient, the same as
    :func:`per_example_gradients` returns.

    >>> x = example_batch(2, 3)
    >>> summed = gradient_of_the_batch_sum(row_wise_energy, x)
    >>> bool(tf.reduce_all(summed == per_example_gradients(row_wise_energy, x)))
    True
    """
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(per_example_function(x))
    return tape.gradient(total, x)


def batch_jacobian_of_a_vector() -> tf.Tensor:
    """Call ``batch_jacobian`` on a target with one value per example, shape ``[b]``.

    >>> batch_jacobian_of_a_vector()
    Traceback (most recent call last):
    ...
    ValueError: Shape (4,) must have rank at least 2
    """
    x = example_batch(4, 3)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = row_wise_energy(x)
    return tape.batch_jacobian(y, x)


def keras_batch_norm(training: bool) -> Callable[[tf.Tensor], tf.Tensor]:
    """Return a fresh ``BatchNormalization`` layer called with ``training=training``, as a function.

    >>> layer = keras_batch_norm(training=True)
    >>> print(layer(tf.constant([[1.0], [3.0]])).numpy())
    [[-0.9995]
     [ 0.9995]]
    """
    layer = tf.keras.layers.BatchNormalization()

    def call(x: tf.Tensor) -> tf.Tensor:
        return layer(x, training=training)

    return call


def softmax_over_batch(x: tf.Tensor) -> tf.Tensor:
    """Softmax along axis 0, across examples (a common slip for axis -1).

    >>> print(softmax_over_batch(tf.zeros((2, 3))).numpy())
    [[0.5 0.5 0.5]
     [0.5 0.5 0.5]]
    """
    return tf.nn.softmax(x, axis=0)


def attention_across_batch(x: tf.Tensor) -> tf.Tensor:
    """Self-attention in which the *examples* attend to each other (batch and sequence axes swapped).

    >>> tuple(attention_across_batch(tf.ones((4, 3))).shape)
    (4, 3)
    """
    scores = x @ tf.transpose(x) / tf.sqrt(tf.cast(x.shape[-1], x.dtype))
    return tf.nn.softmax(scores, axis=-1) @ x


def keras_dense_tanh() -> Callable[[tf.Tensor], tf.Tensor]:
    """Return a fresh ``Dense(2, activation="tanh")`` layer: per-example, so batch_jacobian is exact.

    >>> tuple(keras_dense_tanh()(tf.ones((4, 3))).shape)
    (4, 2)
    """
    return tf.keras.layers.Dense(2, activation="tanh")


def independence_table(x: tf.Tensor) -> list[tuple[str, float, bool]]:
    """Run the cheap check on row-wise and batch-mixing functions: (name, dependence, batch_jacobian exact).

    ``batch_jacobian exact`` compares ``batch_jacobian`` with the true diagonal
    blocks of the full ``jacobian`` (to 1e-6).

    >>> for name, dependence, exact in independence_table(example_batch(4, 3)):
    ...     print(f"{name:38} {dependence:<6.2g} {exact}")
    row_wise_layer                         0      True
    Dense(2, tanh)                         0      True
    BatchNormalization, training=False     0      True
    BatchNormalization, training=True      0.24   False
    centered (x - batch mean)              0.25   False
    scaled_by_batch_mean                   0.44   False
    softmax over axis 0                    0.03   False
    attention across the batch             1      False
    """
    functions = {
        "row_wise_layer": row_wise_layer,
        "Dense(2, tanh)": keras_dense_tanh(),
        "BatchNormalization, training=False": keras_batch_norm(training=False),
        "BatchNormalization, training=True": keras_batch_norm(training=True),
        "centered (x - batch mean)": centered,
        "scaled_by_batch_mean": scaled_by_batch_mean,
        "softmax over axis 0": softmax_over_batch,
        "attention across the batch": attention_across_batch,
    }
    table = []
    for name, function in functions.items():
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = function(x)
        # The reference runs as a while_loop: same values as pfor, and faster for one small eager call.
        truth = diagonal_blocks(tape.jacobian(y, x, experimental_use_pfor=False), y.shape.rank)
        gap = tf.reduce_max(tf.abs(tape.batch_jacobian(y, x) - truth))
        del tape
        table.append((name, cross_example_dependence(function, x), bool(gap <= 1e-6)))
    return table
