"""Which real layers pfor vectorises in ``jacobian`` and ``batch_jacobian``, which it loops over, which fail.

Each row of the table is a tiny layer or op (a batch of 3, a few features).
:func:`pfor_verdict` asks for a derivative with TensorFlow's DEBUG log captured and reads
pfor's own line, ``Using a while_loop for converting <Op> cause ...``, for each operation
it could not vectorise, and :func:`fallback_table` does so for every row.
:func:`fallback_costs` times the traced ``jacobian`` of each row that falls back
against ``experimental_use_pfor=False`` and against a vectorised equivalent.
"""

from __future__ import annotations

import functools
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import tensorflow as tf

from snippets.error_gallery.captured_warnings import tensorflow_debug_log
from snippets.support.markdown import MarkdownTable, markdown_table
from snippets.tools.row_independence import diagonal_blocks

BATCH = 3
CALLS = (("jacobian", False), ("jacobian", True), ("batch_jacobian", False), ("batch_jacobian", True))
"""The four calls of a row: ``(method, inside tf.function)``."""

_FALLBACK = re.compile(r"Using a while_loop for converting (?P<op>\w+) cause (?P<cause>.*)", re.S)

Forward = Callable[[tf.Tensor], tf.Tensor]


def _normal(*shape: int) -> tf.Tensor:
    return tf.random.stateless_normal(shape, seed=(0, len(shape)))


def _on(forward: Forward, *input_shape: int) -> tuple[Forward, tf.Tensor]:
    """``forward`` and a batch of inputs for it, with the layer's weights built."""
    x = _normal(BATCH, *input_shape)
    forward(x)
    return forward, x


# --- rows whose set-up needs a word: shown on the page ------------------------------------------------


def self_attention() -> tuple[Forward, tf.Tensor]:
    """``MultiHeadAttention`` needs a query and a value: both are ``x``, the tensor differentiated.

    >>> forward, x = self_attention()
    >>> x.shape, forward(x).shape
    (TensorShape([3, 3, 4]), TensorShape([3, 3, 4]))
    """
    attention = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=2)

    def attend(x: tf.Tensor) -> tf.Tensor:
        return attention(query=x, value=x)

    return _on(attend, 3, 4)


def embedding_table() -> tuple[Forward, tf.Variable]:
    """``Embedding`` takes integer ids, which have no derivative: differentiate by its table instead.

    The function returned ignores its argument's value: the layer reads the table, its
    own weights, and the tape records that read.

    >>> forward, table = embedding_table()
    >>> table.shape, forward(table).shape
    (TensorShape([5, 3]), TensorShape([3, 2, 3]))
    """
    embedding = tf.keras.layers.Embedding(input_dim=5, output_dim=3)
    ids = tf.constant([[0, 3], [4, 3], [1, 1]])  # a batch of 3 sequences of 2 ids

    def look_up(table: tf.Variable) -> tf.Tensor:
        return embedding(ids)

    look_up(None)  # builds the table
    return look_up, embedding.embeddings.value  # the tf.Variable behind Keras's variable


def dropout_in_training() -> tuple[Forward, tf.Tensor]:
    """``Dropout(0.5)`` called with ``training=True``: each call draws a new random mask.

    >>> forward, x = dropout_in_training()
    >>> bool(tf.reduce_all(forward(x) == forward(x)))
    False
    """
    return _on(functools.partial(tf.keras.layers.Dropout(0.5), training=True), 4)


def _while_loop(x: tf.Tensor) -> tf.Tensor:
    return tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, tf.sin(y) * y), (0, x))[1]


def _py_function(x: tf.Tensor) -> tf.Tensor:
    return tf.py_function(lambda a: a * a, [x], tf.float32)


@tf.custom_gradient
def _softplus_with_own_gradient(x: tf.Tensor):
    def gradient(upstream: tf.Tensor) -> tf.Tensor:
        return upstream * tf.sigmoid(x)

    return tf.math.softplus(x), gradient


# --- the table's rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One row: its name, how to build it, and what to do when pfor does not vectorise it."""

    name: str
    build: Callable[[], tuple[Forward, tf.Tensor]]
    fix: str = "Nothing to fix."
    source: str = "input"
    equivalent: Callable[[Forward], Forward] | None = None
    """Given the built function, one that computes the same and that pfor vectorises (the fix)."""


def _layer(layer: Callable[[], tf.keras.layers.Layer], *input_shape: int, **options) -> Callable:
    def build() -> tuple[Forward, tf.Tensor]:
        made = layer()
        return _on(functools.partial(made, **options) if options else made, *input_shape)

    return build


def _op(function: Forward, *input_shape: int) -> Callable:
    return lambda: _on(function, *input_shape)


_layers = tf.keras.layers
CASES = (
    Case("`Dense(3)`", _layer(lambda: _layers.Dense(3), 4)),
    Case("`Conv1D(2, 3)`", _layer(lambda: _layers.Conv1D(2, 3), 5, 2)),
    Case("`Conv2D(2, 3)`", _layer(lambda: _layers.Conv2D(2, 3), 4, 4, 2)),
    Case(
        "`DepthwiseConv2D(3)`",
        _layer(lambda: _layers.DepthwiseConv2D(3), 4, 4, 2),
        "Use `Conv2D(c, k, groups=c)` with the kernel reshaped to `(k, k, 1, c)`: the same outputs, "
        "and pfor vectorises "
        "it.{claim}`vectorization_fallbacks.grouped_conv2d_vectorises_where_depthwise_falls_back`",
        equivalent=lambda depthwise: grouped_conv2d_like(depthwise),
    ),
    Case("`SimpleRNN(3)`", _layer(lambda: _layers.SimpleRNN(3), 4, 2)),
    Case("`LSTM(3)`", _layer(lambda: _layers.LSTM(3), 4, 2)),
    Case("`GRU(3)`", _layer(lambda: _layers.GRU(3), 4, 2)),
    Case("`MultiHeadAttention(2, 2)`", self_attention, source="query and value"),
    Case("`LayerNormalization()`", _layer(_layers.LayerNormalization, 4)),
    Case(
        "`BatchNormalization()`, training",
        _layer(_layers.BatchNormalization, 4, training=True),
        "Nothing for pfor to fix, but the batch statistics couple the examples, so `batch_jacobian` "
        "is not each example's own block: use `jacobian`, or inference mode for per-example "
        "derivatives.{claim}`vectorization_fallbacks.batch_statistics_couple_the_rows_in_training_only`",
    ),
    Case("`BatchNormalization()`, inference", _layer(_layers.BatchNormalization, 4, training=False)),
    Case(
        "`Embedding(5, 3)`",
        embedding_table,
        "Use `jacobian`: the table has no batch axis for `batch_jacobian` to follow.",
        source="table",
    ),
    Case(
        "`Dropout(0.5)`, training",
        dropout_in_training,
        "Nothing to fix: the mask is drawn once, in the forward pass, and every row of the Jacobian "
        "uses it.{claim}`vectorization_fallbacks.dropout_jacobian_uses_the_forward_mask`",
    ),
    Case("`Dropout(0.5)`, inference", _layer(lambda: _layers.Dropout(0.5), 4, training=False)),
    Case(
        "`tf.sort`",
        _op(functools.partial(tf.sort, axis=-1), 4),
        "Sort with `tf.gather(x, tf.argsort(x), batch_dims=1)`: the same values, and pfor vectorises "
        "it.{claim}`vectorization_fallbacks.gather_by_argsort_vectorises_where_sort_falls_back`",
        equivalent=lambda sort: sorted_by_gather,
    ),
    Case("`tf.gather`", _op(functools.partial(tf.gather, indices=[2, 0, 1], axis=1), 4)),
    Case("`tf.while_loop`", _op(_while_loop, 4)),
    Case(
        "`tf.py_function`",
        _op(_py_function, 4),
        "Write the function with TensorFlow ops: `experimental_use_pfor=False` fails as "
        "well.{claim}`vectorization_fallbacks.py_function_jacobian_fails_with_the_while_loop_too`",
    ),
    Case("`tf.custom_gradient`", _op(_softplus_with_own_gradient, 4)),
)


def case_named(name: str) -> Case:
    """The row whose name, without its Markdown, starts with ``name``.

    >>> case_named("LSTM").name
    '`LSTM(3)`'
    >>> case_named("Dropout(0.5)`, training").fix.startswith("Nothing to fix")
    True
    """
    (found,) = [case for case in CASES if case.name.replace("`", "").startswith(name.replace("`", ""))]
    return found


# --- one call, its verdict -------------------------------------------------------------------------------


def tape_call(forward: Forward, method: str = "jacobian", compiled: bool = False, **options) -> Callable:
    """A function of the source: record ``forward`` on a tape, then ask the tape's ``method``.

    With ``experimental_use_pfor=False`` in ``options`` the tape is persistent: the
    while loop asks it once per target element.

    >>> call = tape_call(tf.square, "batch_jacobian", compiled=True)
    >>> print(call(tf.constant([[1.0, 2.0]])).numpy())
    [[[2. 0.]
      [0. 4.]]]
    """
    persistent = options.get("experimental_use_pfor") is False

    def call(source: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape(persistent=persistent) as tape:
            tape.watch(source)
            target = forward(source)
        return getattr(tape, method)(target, source, **options)

    return tf.function(call) if compiled else call


@dataclass(frozen=True)
class Verdict:
    """What pfor did with one call: ``vectorised``, ``while loop`` (for the ops named) or ``fails``."""

    outcome: str
    loop_ops: tuple[str, ...] = ()
    log: tuple[str, ...] = ()
    error: str = ""

    @property
    def short(self) -> str:
        """The verdict in one line, as the tests fix it: ``while loop: ScatterNd``, ``fails: ValueError``.

        >>> Verdict("fails", ("EagerPyFunc",), error="UnknownError: Graph execution error:").short
        'fails: UnknownError'
        """
        if self.outcome == "fails":
            return f"fails: {self.error.split(':')[0]}"
        return f"{self.outcome}: {', '.join(self.loop_ops)}" if self.loop_ops else self.outcome

    def __str__(self) -> str:
        ops = ", ".join(f"`{op}`" for op in self.loop_ops)
        if self.outcome == "fails":
            return f"fails: `{self.error.split(':')[0]}`" + (
                f" (after a while loop for {ops})" if ops else ""
            )
        return f"while loop for {ops}" if ops else "vectorised"


def _error_line(error: Exception) -> str:
    """The error's type and first line; for a graph error, also the Python error inside it."""
    name = type(error).__name__
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    own = [line for line in lines if line.startswith(f"{name}: ")]
    first = own[-1].removeprefix(f"{name}: ") if own else lines[0]  # tf.function puts "in user code:" first
    causes = [line for line in lines[1:] if re.match(r"^\w+Error: ", line) and not line.startswith(name)]
    return " ... ".join([f"{name}: {first}", *causes[-1:]])


def pfor_verdict(call: Callable, source: tf.Tensor) -> Verdict:
    """Run ``call(source)`` with TensorFlow's DEBUG log captured; say what pfor did.

    pfor logs one DEBUG line per operation it runs in a while loop instead of vectorising;
    the verdict names those operations, or the error when the call raises.

    >>> print(pfor_verdict(tape_call(tf.sort), tf.constant([[3.0, 1.0, 2.0]])))
    while loop for `ScatterNd`
    >>> print(pfor_verdict(tape_call(tf.square), tf.constant([[3.0, 1.0]])))
    vectorised
    """
    with tensorflow_debug_log() as messages:
        try:
            call(source)
        except Exception as error:  # the table reports whatever TensorFlow raises
            failure = _error_line(error)
        else:
            failure = ""
    fallbacks = [match for line in messages if (match := _FALLBACK.search(line))]
    ops = tuple(dict.fromkeys(match["op"] for match in fallbacks))
    log = tuple(dict.fromkeys(match.group(0) for match in fallbacks))
    if failure:
        return Verdict("fails", ops, log, failure)
    return Verdict("while loop" if ops else "vectorised", ops, log)


# --- the cost: the traced jacobian with pfor against the while loop -----------------------------------


@dataclass(frozen=True)
class Ratio:
    """A ratio of two timings: the median over paired repeats, and the smallest and largest."""

    median: float
    low: float
    high: float

    @property
    def is_a_tie(self) -> bool:
        """True when the repeats do not agree on which side is faster.

        >>> Ratio(1.2, 0.9, 1.5).is_a_tie, Ratio(3.0, 2.5, 3.4).is_a_tie
        (True, False)
        """
        return self.low <= 1.0 <= self.high

    def __str__(self) -> str:
        """``3.0x (2.5-3.4)``, or ``tie`` first when the spread holds 1.

        >>> print(Ratio(3.0, 2.5, 3.4), "|", Ratio(1.2, 0.9, 1.5))
        3.0x (2.5-3.4) | tie: 1.2x (0.9-1.5)
        """
        text = f"{self.median:.1f}x ({self.low:.1f}-{self.high:.1f})"
        return f"tie: {text}" if self.is_a_tie else text


def _seconds_per_call(call: Callable, source: tf.Tensor, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        call(source)
    return (time.perf_counter() - start) / calls


def time_ratio(
    slower: Callable, faster: Callable, source: tf.Tensor, repeats: int = 5, calls: int = 10
) -> Ratio:
    """How many times as long ``slower(source)`` takes as ``faster(source)``, both called once before timing.

    Each repeat times ``calls`` calls of each, in turn, and divides; the spread is over
    the repeats. Called once first, a ``tf.function`` is traced before the clock starts.

    >>> ratio = time_ratio(tf.function(tf.square), tf.function(tf.square), tf.ones([3, 4]))
    >>> ratio.low <= ratio.median <= ratio.high
    True
    """
    slower(source), faster(source)
    ratios = [
        _seconds_per_call(slower, source, calls) / _seconds_per_call(faster, source, calls)
        for _ in range(repeats)
    ]
    return Ratio(statistics.median(ratios), min(ratios), max(ratios))


# --- the table ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One case: what was differentiated, and its four verdicts in the order of ``CALLS``."""

    case: Case
    differentiated: str
    verdicts: tuple[Verdict, ...]


def measure(case: Case) -> Row:
    """One case's verdicts for ``jacobian`` and ``batch_jacobian``, eager and in ``tf.function``.

    >>> row = measure(CASES[0])
    >>> row.differentiated, [verdict.short for verdict in row.verdicts]
    ('`(3, 3)` by input `(3, 4)`', ['vectorised', 'vectorised', 'vectorised', 'vectorised'])
    """
    forward, source = case.build()
    verdicts = tuple(pfor_verdict(tape_call(forward, method, compiled), source) for method, compiled in CALLS)
    differentiated = f"`{tuple(forward(source).shape)}` by {case.source} `{tuple(source.shape)}`"
    return Row(case, differentiated, verdicts)


def fallback_table(cases: Sequence[Case] = CASES) -> list[Row]:
    """:func:`measure` every case; most of the time goes to pfor converting the RNNs' while loops.

    >>> [row.verdicts[0].short for row in fallback_table([case_named("tf.sort")])]
    ['while loop: ScatterNd']
    """
    return [measure(case) for case in cases]


def fallback_table_markdown(rows: list[Row]) -> MarkdownTable:
    """The table as the page shows it: one column per call, then the fix.

    >>> print(fallback_table_markdown(fallback_table([case_named("tf.sort")])).rows[0][2])
    while loop for `ScatterNd`
    """
    headers = [
        "layer or op",
        "differentiated",
        "`jacobian`, eager",
        "`jacobian`, `tf.function`",
        "`batch_jacobian`, eager",
        "`batch_jacobian`, `tf.function`",
        "fix",
    ]
    body = [[row.case.name, row.differentiated, *map(str, row.verdicts), row.case.fix] for row in rows]
    return markdown_table(headers, body)


def _call_name(method: str, compiled: bool) -> str:
    return f"`{method}`, " + ("`tf.function`" if compiled else "eager")


def what_pfor_said(rows: list[Row]) -> MarkdownTable:
    """Every DEBUG line pfor logged and every error raised, with the calls that logged or raised it.

    >>> print(what_pfor_said(fallback_table([case_named("tf.sort")])))  # doctest: +ELLIPSIS
    | layer or op | calls | TensorFlow's DEBUG line or error |
    |---|---|---|
    | `tf.sort` | `jacobian`, eager; ... | `Using a while_loop for converting ScatterNd cause ...` |
    """
    body = []
    for row in rows:
        said: dict[str, list[str]] = {}
        for (method, compiled), verdict in zip(CALLS, row.verdicts, strict=True):
            for line in (*verdict.log, verdict.error):
                if line:
                    said.setdefault(line, []).append(_call_name(method, compiled))
        body += [[row.case.name, "; ".join(calls), f"`{line}`"] for line, calls in said.items()]
    return markdown_table(["layer or op", "calls", "TensorFlow's DEBUG line or error"], body)


def fallback_costs(rows: list[Row]) -> MarkdownTable:
    """For each row whose traced ``jacobian`` falls back, its time against the while loop and against the fix.

    All three are the ``jacobian`` call inside ``tf.function``: with pfor (and its
    fallback), with ``experimental_use_pfor=False``, and with pfor on the row's vectorised
    equivalent.

    >>> print(fallback_costs(fallback_table([case_named("tf.sort")])).rows[0][:2])
    ['`tf.sort`', '`ScatterNd`']
    """
    traced_jacobian = CALLS.index(("jacobian", True))
    body = []
    for row in rows:
        verdict = row.verdicts[traced_jacobian]
        if verdict.outcome != "while loop":
            continue
        forward, source = row.case.build()
        pfor = tape_call(forward, "jacobian", compiled=True)
        loop = tape_call(forward, "jacobian", compiled=True, experimental_use_pfor=False)
        by_fix = "no equivalent here"
        if row.case.equivalent is not None:
            fix = tape_call(row.case.equivalent(forward), "jacobian", compiled=True)
            by_fix = time_ratio(pfor, fix, source)
        ops = ", ".join(f"`{op}`" for op in verdict.loop_ops)
        body.append([row.case.name, ops, str(time_ratio(loop, pfor, source)), str(by_fix)])
    return markdown_table(["layer or op", "pfor loops over", "while loop ÷ pfor", "pfor ÷ the fix"], body)


# --- the pitfalls and the fixes, run ------------------------------------------------------------------


def _largest_difference(a: tf.Tensor, b: tf.Tensor) -> float:
    return round(float(tf.reduce_max(tf.abs(a - b))), 6)


def grouped_conv2d_like(depthwise: tf.keras.layers.DepthwiseConv2D) -> tf.keras.layers.Conv2D:
    """The ``Conv2D`` with one group per channel that computes what the built ``depthwise`` layer computes.

    A depthwise kernel ``(k, k, c, 1)`` holds one ``k`` by ``k`` filter per channel; reshaped
    to ``(k, k, 1, c)`` it is the kernel of ``Conv2D(c, k, groups=c)``.

    >>> depthwise = tf.keras.layers.DepthwiseConv2D(3)
    >>> x = tf.ones([1, 4, 4, 2])
    >>> float(tf.reduce_max(tf.abs(depthwise(x) - grouped_conv2d_like(depthwise)(x))))
    0.0
    """
    size, _, channels, _ = depthwise.kernel.shape
    grouped = tf.keras.layers.Conv2D(channels, size, groups=channels)
    grouped.build((None, None, None, channels))
    grouped.kernel.assign(tf.reshape(depthwise.kernel, (size, size, 1, channels)))
    grouped.bias.assign(depthwise.bias)
    return grouped


def depthwise_as_grouped_conv2d() -> dict[str, object]:
    """``DepthwiseConv2D`` against the ``Conv2D`` with one group per channel and the same weights.

    :func:`grouped_conv2d_like` computes the same outputs, and pfor vectorises its backward pass.

    >>> for name, value in depthwise_as_grouped_conv2d().items():
    ...     print(f"{name}: {value}")
    DepthwiseConv2D: while loop for `DepthwiseConv2dNativeBackpropInput`
    Conv2D(2, 3, groups=2): vectorised
    largest |difference| of the outputs: 0.0
    largest |difference| of the Jacobians: 0.0
    """
    depthwise, x = case_named("DepthwiseConv2D").build()
    grouped = grouped_conv2d_like(depthwise)
    return {
        "DepthwiseConv2D": pfor_verdict(tape_call(depthwise), x),
        "Conv2D(2, 3, groups=2)": pfor_verdict(tape_call(grouped), x),
        "largest |difference| of the outputs": _largest_difference(depthwise(x), grouped(x)),
        "largest |difference| of the Jacobians": _largest_difference(
            tape_call(depthwise)(x), tape_call(grouped)(x)
        ),
    }


def sorted_by_gather(x: tf.Tensor) -> tf.Tensor:
    """Sort each row of ``x`` by gathering it in the order ``tf.argsort`` gives.

    >>> print(sorted_by_gather(tf.constant([[3.0, 1.0, 2.0], [0.0, -1.0, 5.0]])).numpy())
    [[ 1.  2.  3.]
     [-1.  0.  5.]]
    """
    return tf.gather(x, tf.argsort(x), batch_dims=1)


def sort_against_sorted_by_gather() -> dict[str, object]:
    """``tf.sort`` and :func:`sorted_by_gather`: what pfor does with each, and their values.

    >>> for name, value in sort_against_sorted_by_gather().items():
    ...     print(f"{name}: {value}")
    tf.sort: while loop for `ScatterNd`
    sorted_by_gather: vectorised
    largest |difference| of the outputs: 0.0
    largest |difference| of the Jacobians: 0.0
    """
    x = _normal(BATCH, 4)
    return {
        "tf.sort": pfor_verdict(tape_call(tf.sort), x),
        "sorted_by_gather": pfor_verdict(tape_call(sorted_by_gather), x),
        "largest |difference| of the outputs": _largest_difference(tf.sort(x), sorted_by_gather(x)),
        "largest |difference| of the Jacobians": _largest_difference(
            tape_call(tf.sort)(x), tape_call(sorted_by_gather)(x)
        ),
    }


def dropout_jacobian_against_its_mask() -> dict[str, object]:
    """The Jacobian of ``Dropout(0.5)`` in training against ``diag(y / x)``, ``y`` being the recorded output.

    ``y / x`` is the mask the forward pass drew, scaled by ``1 / (1 - rate)``. The Jacobian is
    that mask on its diagonal: pfor vectorises the backward pass only, and every row of it
    multiplies by the one mask the forward pass drew.

    >>> for name, value in dropout_jacobian_against_its_mask().items():
    ...     print(f"{name}: {value}")
    Jacobian shape: (3, 4, 3, 4)
    values of y / x: [0.0, 2.0]
    largest |jacobian - diag(y / x)|: 0.0
    """
    forward, x = dropout_in_training()
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = forward(x)
    jacobian = tape.jacobian(y, x)
    mask = tf.reshape(y / x, [-1])
    return {
        "Jacobian shape": tuple(jacobian.shape),
        "values of y / x": sorted({abs(round(float(v), 6)) for v in mask.numpy()}),  # no -0.0
        "largest |jacobian - diag(y / x)|": _largest_difference(
            jacobian, tf.reshape(tf.linalg.diag(mask), jacobian.shape)
        ),
    }


def dropout_masks_under_vectorized_map() -> dict[str, bool]:
    """One forward pass per example under ``tf.vectorized_map``: does every example get the same mask?

    Here the forward pass itself runs inside pfor, as it does for per-example gradients
    written with a one-example tape.

    >>> for name, same in dropout_masks_under_vectorized_map().items():
    ...     print(f"{name}: every example the same mask: {same}")
    tf.keras.layers.Dropout(0.5): every example the same mask: True
    tf.nn.dropout(rate=0.5): every example the same mask: False
    """
    x = tf.ones([4, 8])
    keras_dropout = tf.keras.layers.Dropout(0.5)
    masks = {
        "tf.keras.layers.Dropout(0.5)": tf.vectorized_map(
            lambda example: keras_dropout(example[None], training=True)[0], x
        ),
        "tf.nn.dropout(rate=0.5)": tf.vectorized_map(lambda example: tf.nn.dropout(example, rate=0.5), x),
    }
    return {name: bool(tf.reduce_all(mask == mask[0])) for name, mask in masks.items()}


def batch_normalization_coupling() -> dict[str, tuple[float, float]]:
    """For ``BatchNormalization`` in each mode: how far the examples' derivatives reach across the batch.

    Each value is ``(largest |entry| of jacobian outside its diagonal blocks,
    largest |batch_jacobian - those diagonal blocks|)``: both zero when each output row
    depends on its own example only.

    >>> for mode, (across, wrong_by) in batch_normalization_coupling().items():
    ...     print(f"{mode}: across examples {across:.2f}, batch_jacobian off by {wrong_by:.2f}")
    training: across examples 1.54, batch_jacobian off by 1.60
    inference: across examples 0.00, batch_jacobian off by 0.00
    """
    found = {}
    for mode, training in (("training", True), ("inference", False)):
        forward, x = _layer(tf.keras.layers.BatchNormalization, 4, training=training)()
        full, per_row = tape_call(forward, "jacobian")(x), tape_call(forward, "batch_jacobian")(x)
        own = diagonal_blocks(full, target_rank=2)
        outside = full * (1.0 - tf.eye(BATCH))[:, None, :, None]
        found[mode] = (
            float(tf.reduce_max(tf.abs(outside))),
            float(tf.reduce_max(tf.abs(per_row - own))),
        )
    return found


def py_function_jacobian_with_the_while_loop() -> str:
    """The Jacobian of a ``tf.py_function`` with ``experimental_use_pfor=False``: the error, in one line.

    >>> print(py_function_jacobian_with_the_while_loop())  # doctest: +ELLIPSIS
    UnknownError: ... KeyError: b'pyfunc_...'
    """
    forward, x = case_named("tf.py_function").build()
    try:
        # Traced: run eagerly, the failing loop would leave an unused TensorArray to complain at exit.
        tape_call(forward, "jacobian", compiled=True, experimental_use_pfor=False)(x)
    except Exception as error:  # whatever TensorFlow raises is the answer
        return _error_line(error)
    return "no error"
