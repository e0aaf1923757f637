"""``tape.jacobian``: the shape rule target.shape + source.shape, Keras variables, pfor and speed."""

from __future__ import annotations

import gc
import inspect
import math

import tensorflow as tf

from snippets.error_gallery.captured_warnings import tensorflow_debug_log
from snippets.tools.stopwatch import median_seconds, seconds_of_one_call

SHAPE_CASES = [
    # (case, source shape, target shape)
    ("scalar target", (3,), ()),
    ("scalar source", (), (3,)),
    ("vector from vector", (3,), (2,)),
    ("matrix from matrix", (2, 3), (4, 5)),
    ("batched layer", (4, 3), (4, 2)),
    ("rank 3 from rank 3", (2, 3, 4), (2, 3, 4)),
]


def target_of_shape(source: tf.Tensor, target_shape: tuple[int, ...]) -> tf.Tensor:
    """Build a target of ``target_shape`` in which every element depends on every source element.

    >>> print(target_of_shape(tf.constant([1.0, 2.0]), (2, 2)).numpy())
    [[5. 5.]
     [5. 5.]]
    """
    return tf.reduce_sum(source**2) * tf.ones(target_shape)


def jacobian_shape_table(cases=SHAPE_CASES) -> str:
    """Call ``jacobian`` for each case and tabulate the shapes it returns.

    >>> print(jacobian_shape_table())
    case                 source     target     jacobian            = target + source
    scalar target        (3,)       ()         (3,)                True
    scalar source        ()         (3,)       (3,)                True
    vector from vector   (3,)       (2,)       (2, 3)              True
    matrix from matrix   (2, 3)     (4, 5)     (4, 5, 2, 3)        True
    batched layer        (4, 3)     (4, 2)     (4, 2, 4, 3)        True
    rank 3 from rank 3   (2, 3, 4)  (2, 3, 4)  (2, 3, 4, 2, 3, 4)  True
    """
    lines = [f"{'case':20} {'source':10} {'target':10} {'jacobian':19} = target + source"]
    for case, source_shape, target_shape in cases:
        source = tf.ones(source_shape)
        with tf.GradientTape() as tape:
            tape.watch(source)
            target = target_of_shape(source, target_shape)
        shape = tuple(tape.jacobian(target, source).shape)
        rule = shape == tuple(target_shape) + tuple(source_shape)
        lines.append(f"{case:20} {source_shape!s:10} {target_shape!s:10} {shape!s:19} {rule}")
    return "\n".join(lines)


def small_keras_model() -> tf.keras.Model:
    """A two-layer ``tf.keras.Sequential`` model with its input shape fixed, so its variables exist.

    >>> [tuple(v.shape) for v in small_keras_model().trainable_variables]
    [(3, 4), (4,), (4, 2), (2,)]
    """
    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=(3,)),
            tf.keras.layers.Dense(4, activation="tanh"),
            tf.keras.layers.Dense(2),
        ]
    )


def jacobians_of_keras_variables(batch: int = 5) -> list[tuple[str, tuple, tuple]]:
    """Differentiate a model's output for a batch with respect to its ``trainable_variables``.

    ``jacobian`` takes the list as it is and returns a list: one Jacobian per
    variable, each of shape ``output.shape + variable.shape``.

    >>> for name, variable_shape, jacobian_shape in jacobians_of_keras_variables(batch=5):
    ...     print(f"{name:18} {variable_shape!s:8} {jacobian_shape}")
    layers[0].kernel   (3, 4)   (5, 2, 3, 4)
    layers[0].bias     (4,)     (5, 2, 4)
    layers[1].kernel   (4, 2)   (5, 2, 4, 2)
    layers[1].bias     (2,)     (5, 2, 2)
    """
    model = small_keras_model()
    x = tf.random.normal((batch, 3))
    with tf.GradientTape() as tape:
        output = model(x)
    jacobians = tape.jacobian(output, model.trainable_variables)
    names = [
        f"layers[{i}].{v.name}" for i, layer in enumerate(model.layers) for v in layer.trainable_variables
    ]
    return [
        (name, tuple(v.shape), tuple(j.shape))
        for name, v, j in zip(names, model.trainable_variables, jacobians, strict=True)
    ]


def jacobian_size(target_shape: tuple[int, ...], parameters: int, dtype=tf.float32) -> tuple[int, float]:
    """Count the numbers in the Jacobian of a ``target_shape`` target by ``parameters`` weights, and its GB.

    A batch of 32 with 10 outputs, for a model with a million parameters:

    >>> jacobian_size((32, 10), parameters=1_000_000)
    (320000000, 1.28)
    """
    numbers = math.prod(target_shape) * parameters
    return numbers, round(numbers * tf.as_dtype(dtype).size / 1e9, 2)


def coupled_matrix_function(x: tf.Tensor) -> tf.Tensor:
    """Return ``sin(x) * sum(x)``: every output element depends on every input element.

    >>> print(coupled_matrix_function(tf.zeros((2, 3))).numpy())
    [[0. 0. 0.]
     [0. 0. 0.]]
    """
    return tf.sin(x) * tf.reduce_sum(x)


def jacobian_with_and_without_pfor() -> dict[str, float]:
    """Compute one Jacobian four ways and return each one's largest difference from the default.

    >>> for way, difference in jacobian_with_and_without_pfor().items():
    ...     print(f"{way:52} {difference}")
    pfor (the default)                                   0.0
    pfor, parallel_iterations=2                          0.0
    while_loop (experimental_use_pfor=False)             0.0
    while_loop, parallel_iterations=1                    0.0
    """
    x = tf.reshape(tf.range(6, dtype=tf.float32), (2, 3)) / 2.0
    # persistent=True: the while_loop path calls the tape once per row, and we ask four times.
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = coupled_matrix_function(x)
    results = {
        "pfor (the default)": tape.jacobian(y, x),
        "pfor, parallel_iterations=2": tape.jacobian(y, x, parallel_iterations=2),
        "while_loop (experimental_use_pfor=False)": tape.jacobian(y, x, experimental_use_pfor=False),
        "while_loop, parallel_iterations=1": tape.jacobian(
            y, x, experimental_use_pfor=False, parallel_iterations=1
        ),
    }
    reference = results["pfor (the default)"]
    return {way: float(tf.reduce_max(tf.abs(j - reference))) for way, j in results.items()}


def while_loop_on_a_default_tape() -> tf.Tensor:
    """Ask a non-persistent tape for a Jacobian without pfor, in eager mode.

    >>> while_loop_on_a_default_tape()
    Traceback (most recent call last):
    ...
    RuntimeError: GradientTape must be created with persistent=True to compute the jacobian with eager \
execution enabled and with  experimental_use_pfor set to False.
    """
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.sin(x)
    return tape.jacobian(y, x, experimental_use_pfor=False)


def _layer_jacobian(x: tf.Tensor, kernel: tf.Tensor, use_pfor: bool = True) -> tf.Tensor:
    # persistent only where the while_loop path needs it in eager mode.
    with tf.GradientTape(persistent=not use_pfor) as tape:
        tape.watch(x)
        y = tf.tanh(x @ kernel)
    return tape.jacobian(y, x, experimental_use_pfor=use_pfor)


def time_jacobian(batch: int = 8, width: int = 16, repeats: int = 5) -> dict[str, float]:
    """Time ``jacobian`` of ``tanh(x @ kernel)`` for ``x`` of shape ``(batch, width)``: median ms per call.

    Eagerly, ``jacobian`` wraps its pfor loop in a new ``tf.function`` on every
    call, so every call pays for tracing and vectorising again. Inside one
    ``tf.function`` that work happens once, at the first call.

    >>> ms = time_jacobian(batch=4, width=8, repeats=3)
    >>> all(value > 0 for value in ms.values())
    True
    >>> ms["tf.function, after tracing"] < 2 * ms["eager (pfor)"]
    True
    """
    x = tf.random.normal((batch, width))
    kernel = tf.random.normal((width, width)) / width**0.5
    compiled = tf.function(_layer_jacobian)
    first_call_ms = 1000 * seconds_of_one_call(lambda: compiled(x, kernel))
    return {
        "eager (pfor)": 1000 * median_seconds(lambda: _layer_jacobian(x, kernel), repeats),
        "eager (while_loop)": 1000 * median_seconds(lambda: _layer_jacobian(x, kernel, False), repeats),
        "tf.function, first call (traces)": first_call_ms,
        "tf.function, after tracing": 1000 * median_seconds(lambda: compiled(x, kernel), repeats),
    }


def why_eager_jacobian_is_slow() -> list[str]:
    """Quote the installed TensorFlow: ``jacobian``'s own note, and the lines of ``pfor`` that act on it.

    >>> for line in why_eager_jacobian_is_slow():
    ...     print(line)
    Note: By default the jacobian implementation uses parallel for (pfor), which creates a tf.function \
under the hood for each jacobian call. For better performance, and to avoid recompilation and vectorization \
rewrites on each call, enclose GradientTape code in @tf.function.
    if context.executing_eagerly() or _is_under_xla_context():
    f = def_function.function(f)
    """
    from tensorflow.python.ops.parallel_for import control_flow_ops

    doc = " ".join(tf.GradientTape.jacobian.__doc__.split())
    start = doc.index("Note: By default")
    note = doc[start : doc.index("@tf.function.", start) + len("@tf.function.")]
    wanted = ("if context.executing_eagerly()", "f = def_function.function(f)")
    source = inspect.getsource(control_flow_ops.pfor).splitlines()
    return [note] + [line.strip() for line in source if line.strip().startswith(wanted)]


def gathered_squares(x: tf.Tensor) -> tf.Tensor:
    """Return ``[x[1, 0] ** 2, x[0, 1] ** 2, x[1, 1] ** 2]``, picked out with ``tf.gather_nd``.

    >>> print(gathered_squares(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy())
    [ 9.  4. 16.]
    """
    return tf.gather_nd(x, [[1, 0], [0, 1], [1, 1]]) ** 2


def pfor_falls_back_to_a_while_loop() -> dict[str, object]:
    """Take the Jacobian of ``gathered_squares`` with pfor, with TensorFlow's DEBUG log captured.

    The gradient of ``gather_nd`` is a ``ScatterNd``, for which pfor has no converter.
    pfor does not fail: it runs that one operation in a while loop and says so
    at DEBUG level only. The values are those of ``experimental_use_pfor=False``.

    >>> for name, value in pfor_falls_back_to_a_while_loop().items():
    ...     print(f"{name}: {value}")
    TensorFlow's log: ['DEBUG: Using a while_loop for converting ScatterNd cause there is no registered \
converter for this op.']
    jacobian shape: (3, 2, 2)
    largest |pfor - while_loop|: 0.0
    """
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as tape:  # persistent: the while loop asks once per row
        tape.watch(x)
        y = gathered_squares(x)
    with tensorflow_debug_log() as messages:
        by_pfor = tape.jacobian(y, x)
    by_while_loop = tape.jacobian(y, x, experimental_use_pfor=False)
    return {
        "TensorFlow's log": messages,
        "jacobian shape": tuple(by_pfor.shape),
        "largest |pfor - while_loop|": float(tf.reduce_max(tf.abs(by_pfor - by_while_loop))),
    }


def _first_line_and_cause(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    cause = [line for line in lines if line.startswith("KeyError") and not lines[0].endswith(line)][:1]
    return " ... ".join([f"{type(error).__name__}: {lines[0]}", *cause])


def jacobians_that_fail() -> dict[str, str]:
    """Ask for Jacobians that fail whichever loop runs them, or that pfor refuses; return each error.

    A ``tf.py_function`` target fails with pfor and with the while loop alike: its
    gradient can be taken only once per forward call (the first row below shows
    ``gradient`` failing the second time), and a Jacobian asks once per row.
    ``parallel_iterations=1`` is refused by pfor itself, with a ``ValueError``.
    Each line is the error's type, its first line and, where there is one further
    down, the Python error inside (``pyfunc_N`` counts the process's py_functions).

    >>> for way, error in jacobians_that_fail().items():
    ...     print(f"{way}:\\n  {error}")
    py_function, gradient then gradient again:
      UnknownError: {{function_node __wrapped__EagerPyFunc_...}} KeyError: b'pyfunc_...'
    py_function, jacobian with pfor (the default):
      UnknownError: Graph execution error: ... KeyError: b'pyfunc_...'
    py_function, jacobian with experimental_use_pfor=False:
      UnknownError: {{function_node __wrapped__EagerPyFunc_...}} KeyError: b'pyfunc_...'
    x * x, jacobian with parallel_iterations=1:
      ValueError: Encountered an exception while vectorizing the jacobian computation. Vectorization can be \
disabled by setting experimental_use_pfor to False.
    """
    x = tf.constant([1.0, 2.0, 3.0])

    def py_square(t):
        return tf.py_function(tf.square, [t], tf.float32)

    cases = {
        "py_function, gradient then gradient again": (
            py_square,
            lambda tape, y: [tape.gradient(y, x), tape.gradient(y, x)],
        ),
        "py_function, jacobian with pfor (the default)": (py_square, lambda tape, y: tape.jacobian(y, x)),
        "py_function, jacobian with experimental_use_pfor=False": (
            py_square,
            lambda tape, y: tape.jacobian(y, x, experimental_use_pfor=False),
        ),
        "x * x, jacobian with parallel_iterations=1": (
            tf.square,
            lambda tape, y: tape.jacobian(y, x, parallel_iterations=1),
        ),
    }
    errors = {}
    # The failed while loop leaves a TensorArray behind, which TensorFlow reports (at ERROR
    # level) when it is collected: collect it here, into a log nobody reads.
    with tensorflow_debug_log():
        for way, (function, ask) in cases.items():
            with tf.GradientTape(persistent=True) as tape:
                tape.watch(x)
                y = function(x)
            try:
                ask(tape, y)
            except (tf.errors.UnknownError, ValueError) as error:
                errors[way] = _first_line_and_cause(error)
            else:
                errors[way] = "no error"
            del tape
        gc.collect()
    return errors


def squared_errors(model: tf.keras.Model, x: tf.Tensor, targets: tf.Tensor) -> tf.Tensor:
    """One squared-error loss per example, shape ``[b]``: ``sum((model(x) - targets) ** 2, axis=1)``.

    >>> tuple(squared_errors(small_keras_model(), tf.ones((5, 3)), tf.zeros((5, 2))).shape)
    (5,)
    """
    return tf.reduce_sum((model(x) - targets) ** 2, axis=1)


def per_example_gradients_by_vectorized_map(model: tf.keras.Model, x: tf.Tensor, targets: tf.Tensor) -> list:
    """One loss gradient per example for each trainable variable, shape ``[b] + variable.shape``.

    ``tf.vectorized_map`` runs a tape on **one** example at a time, vectorised over the
    batch: each example's backward pass sees only that example. Call it inside a
    ``tf.function``, as ``per_example_gradients_two_ways`` does.

    >>> model, x, targets = small_keras_model(), tf.ones((5, 3)), tf.zeros((5, 2))
    >>> [tuple(g.shape) for g in per_example_gradients_by_vectorized_map(model, x, targets)]
    [(5, 3, 4), (5, 4), (5, 4, 2), (5, 2)]
    """
    variables = model.trainable_variables

    def one_example(example):
        xi, target = example
        with tf.GradientTape() as tape:
            loss = squared_errors(model, xi[tf.newaxis], target[tf.newaxis])[0]
        return tape.gradient(loss, variables)

    return tf.vectorized_map(one_example, (x, targets))


def per_example_gradients_two_ways(batch: int = 6) -> dict[str, object]:
    """Per-example weight gradients by ``vectorized_map`` (in ``tf.function``) and by ``tape.jacobian``.

    ``tape.jacobian`` of the loss vector gives the same numbers, but each of its
    ``b`` rows is a backward pass over the whole batch.

    >>> for name, value in per_example_gradients_two_ways(batch=6).items():
    ...     print(f"{name}: {value}")
    vectorized_map shapes: [(6, 3, 4), (6, 4), (6, 4, 2), (6, 2)]
    jacobian shapes: [(6, 3, 4), (6, 4), (6, 4, 2), (6, 2)]
    largest |difference|: ...
    equal to float32 rounding (within 1e-6): True
    """
    generator = tf.random.Generator.from_seed(0)
    x, targets = generator.normal((batch, 3)), generator.normal((batch, 2))
    model = small_keras_model()
    by_map = tf.function(per_example_gradients_by_vectorized_map)(model, x, targets)
    with tf.GradientTape() as tape:
        losses = squared_errors(model, x, targets)
    by_jacobian = tape.jacobian(losses, model.trainable_variables)
    difference = max(float(tf.reduce_max(tf.abs(a - b))) for a, b in zip(by_map, by_jacobian, strict=True))
    return {
        "vectorized_map shapes": [tuple(g.shape) for g in by_map],
        "jacobian shapes": [tuple(g.shape) for g in by_jacobian],
        "largest |difference|": f"{difference:.1e}",
        "equal to float32 rounding (within 1e-6)": difference < 1e-6,
    }
