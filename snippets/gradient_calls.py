"""What ``tape.gradient`` computes: a vector-Jacobian product, and the rules on sources, dtypes and reuse.

Most examples reuse ``coupled_outputs`` from :mod:`snippets.gradient_vs_jacobian`,
``f(x) = [x0 * x1, x1 * x2, x2 ** 2]`` at ``x = [1, 2, 3]``, whose Jacobian is
``[[2, 1, 0], [0, 3, 2], [0, 0, 6]]``.
"""

from __future__ import annotations

import re
import subprocess
import sys

import tensorflow as tf

from snippets.gradient_vs_jacobian import EXAMPLE_POINT, coupled_outputs


def as_lists(structure):
    """Turn every tensor in a nested structure into plain Python numbers (``None`` stays ``None``).

    >>> as_lists({"w": tf.constant(6.0), "b": [tf.constant([1.0, 2.0]), None]})
    {'w': 6.0, 'b': [[1.0, 2.0], None]}
    """
    return tf.nest.map_structure(lambda t: None if t is None else t.numpy().tolist(), structure)


def three_ways_to_the_same_gradient(point=EXAMPLE_POINT) -> dict[str, tf.Tensor]:
    """Show that ``gradient`` of a vector target is the gradient of its sum, a VJP with ones.

    >>> for name, value in three_ways_to_the_same_gradient().items():
    ...     print(f"{name:40}", value.numpy())
    gradient(y, x)                           [2. 4. 8.]
    gradient(reduce_sum(y), x)               [2. 4. 8.]
    gradient(y, x, output_gradients=ones)    [2. 4. 8.]
    """
    x = tf.constant(point)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = coupled_outputs(x)
        total = tf.reduce_sum(y)
    return {
        "gradient(y, x)": tape.gradient(y, x),
        "gradient(reduce_sum(y), x)": tape.gradient(total, x),
        "gradient(y, x, output_gradients=ones)": tape.gradient(y, x, output_gradients=tf.ones_like(y)),
    }


def vector_jacobian_product(function, x: tf.Tensor, weights: tf.Tensor) -> tf.Tensor:
    """Return ``weights . J``, the derivative of ``sum(weights * function(x))``, one backward pass.

    ``tape.gradient(..., output_gradients=weights)`` does not check the shape of
    ``weights``: depending on the operation that produced the target, a weight of
    the wrong shape is broadcast, fails inside that operation's gradient, or gives
    a result whose shape is not the source's (``output_gradients_of_the_wrong_shape``
    shows each). This helper insists on the target's shape.

    >>> x = tf.constant([1.0, 2.0, 3.0])
    >>> print(vector_jacobian_product(coupled_outputs, x, tf.constant([1.0, -1.0, 0.5])).numpy())
    [ 2. -2.  1.]
    >>> vector_jacobian_product(coupled_outputs, x, tf.constant([1.0, -1.0]))
    Traceback (most recent call last):
    ...
    ValueError: weights have shape (2,) but the target has shape (3,): pass one weight per target element \
(TensorFlow does not check this shape: depending on the operation it broadcasts, fails inside the \
operation's gradient, or returns a result of the wrong shape).
    """
    x = tf.convert_to_tensor(x)
    weights = tf.convert_to_tensor(weights, dtype=x.dtype)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = function(x)
    if weights.shape != y.shape:
        raise ValueError(
            f"weights have shape {tuple(weights.shape)} but the target has shape {tuple(y.shape)}: "
            "pass one weight per target element (TensorFlow does not check this shape: depending on the "
            "operation it broadcasts, fails inside the operation's gradient, or returns a result of the "
            "wrong shape)."
        )
    return tape.gradient(y, x, output_gradients=weights)


def output_gradients_of_the_wrong_shape() -> list[tuple[str, tuple[int, ...], str]]:
    """Pass ``output_gradients`` that do not have the target's shape ``(3,)`` straight to TensorFlow.

    TensorFlow does not check the shape: what comes back depends on the last
    operation before the target. It may broadcast, fail inside that operation's
    gradient (the row names the failing operation and quotes its message), or
    return a "gradient" whose shape is not the source's. Every weight is 2.

    >>> for target, shape, result in output_gradients_of_the_wrong_shape():
    ...     print(f"{target:16} {shape!s:7} {result}")
    x * x            (3,)    shape (3,): [4.0, 8.0, 12.0]
    x * x            ()      shape (3,): [4.0, 8.0, 12.0]
    x * x            (1, 3)  shape (3,): [4.0, 8.0, 12.0]
    x * x            (2, 3)  InvalidArgumentError in Reshape: Input to reshape is a tensor with 6 values, \
but the requested shape has 3
    sin(x)           (2, 3)  shape (2, 3)
    coupled_outputs  (2,)    InvalidArgumentError in Unpack: Input shape axis 0 must equal 3, got shape [2]
    coupled_outputs  ()      InvalidArgumentError in Unpack: axis = 0 not in [0, 0)
    """
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        targets = {"x * x": x * x, "sin(x)": tf.sin(x), "coupled_outputs": coupled_outputs(x)}
    cases = [("x * x", (3,)), ("x * x", ()), ("x * x", (1, 3)), ("x * x", (2, 3))]
    cases += [("sin(x)", (2, 3)), ("coupled_outputs", (2,)), ("coupled_outputs", ())]
    rows = []
    for name, shape in cases:
        try:
            result = tape.gradient(targets[name], x, output_gradients=tf.fill(shape, 2.0))
        except tf.errors.InvalidArgumentError as error:
            # "{{function_node ...}} <message> [Op:<operation>] name: ..." -> the operation and the message
            found = re.search(r"\}\} (?P<message>.*?) \[Op:(?P<op>\w+)\]", error.message, re.DOTALL)
            rows.append((name, shape, f"{type(error).__name__} in {found['op']}: {found['message']}"))
            continue
        values = f": {result.numpy().tolist()}" if name == "x * x" else ""
        rows.append((name, shape, f"shape {tuple(result.shape)}{values}"))
    return rows


def jacobian_from_one_hot_vjps(point=EXAMPLE_POINT) -> tuple[tf.Tensor, bool]:
    """Rebuild the whole Jacobian from one ``gradient`` call per output, and compare with ``jacobian``.

    >>> rows, same = jacobian_from_one_hot_vjps()
    >>> print(rows.numpy())
    [[2. 1. 0.]
     [0. 3. 2.]
     [0. 0. 6.]]
    >>> same
    True
    """
    x = tf.constant(point)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = coupled_outputs(x)
    size = y.shape[0]
    rows = tf.stack([tape.gradient(y, x, output_gradients=tf.one_hot(i, size)) for i in range(size)])
    return rows, bool(tf.reduce_all(rows == tape.jacobian(y, x)))


def gradients_for_structured_sources() -> dict[str, object]:
    """Ask for several sources at once: the answer has the structure of the ``sources`` argument.

    The loss is ``sum(w * x + b)`` with ``w = 2``, ``b = [1, -1]``, ``x = [3, 4]``.

    >>> for name, value in gradients_for_structured_sources().items():
    ...     print(f"{name:18}", value)
    list [w, b]        [7.0, [1.0, 1.0]]
    dict {w, b}        {'w': 7.0, 'b': [1.0, 1.0]}
    nested {layer: ..} {'layer': (7.0, [1.0, 1.0])}
    """
    w = tf.Variable(2.0, name="w")
    b = tf.Variable([1.0, -1.0], name="b")
    x = tf.constant([3.0, 4.0])
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_sum(w * x + b)
    return {
        "list [w, b]": as_lists(tape.gradient(loss, [w, b])),
        "dict {w, b}": as_lists(tape.gradient(loss, {"w": w, "b": b})),
        "nested {layer: ..}": as_lists(tape.gradient(loss, {"layer": (w, b)})),
    }


def what_the_tape_watches() -> dict[str, float | None]:
    """Differentiate ``3 * s ** 2`` at ``s = 2`` for each kind of source: 12, or ``None`` if unwatched.

    >>> for kind, value in what_the_tape_watches().items():
    ...     print(f"{kind:58}", value)
    trainable tf.Variable                                      12.0
    trainable tf.Variable, watch_accessed_variables=False      None
    non-trainable tf.Variable                                  None
    non-trainable tf.Variable, tape.watch(s)                   12.0
    tf.constant                                                None
    tf.constant, tape.watch(s)                                 12.0
    """
    cases = {
        "trainable tf.Variable": (tf.Variable(2.0), False, True),
        "trainable tf.Variable, watch_accessed_variables=False": (tf.Variable(2.0), False, False),
        "non-trainable tf.Variable": (tf.Variable(2.0, trainable=False), False, True),
        "non-trainable tf.Variable, tape.watch(s)": (tf.Variable(2.0, trainable=False), True, True),
        "tf.constant": (tf.constant(2.0), False, True),
        "tf.constant, tape.watch(s)": (tf.constant(2.0), True, True),
    }
    results = {}
    for kind, (s, watch, watch_accessed) in cases.items():
        with tf.GradientTape(watch_accessed_variables=watch_accessed) as tape:
            if watch:
                tape.watch(s)
            y = 3.0 * s**2
        results[kind] = as_lists(tape.gradient(y, s))
    return results


def unconnected_sources(unconnected_gradients=tf.UnconnectedGradients.NONE) -> dict[str, object]:
    """Differentiate ``3 * a`` with respect to ``a`` and to ``b``, which the target never uses.

    >>> unconnected_sources()
    {'a': 3.0, 'b': None}
    >>> unconnected_sources(tf.UnconnectedGradients.ZERO)
    {'a': 3.0, 'b': [0.0, 0.0]}
    """
    a = tf.constant(1.0)
    b = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = 3.0 * a
    return as_lists(tape.gradient(y, {"a": a, "b": b}, unconnected_gradients=unconnected_gradients))


def integer_dtype_gradients() -> dict[str, object]:
    """Run ``gradient`` where an integer tensor sits at the source, at the target or on the path.

    TensorFlow differentiates floating-point (and complex) tensors only; every
    one of these cases returns ``None``, and ``ZERO`` turns that into integer zeros.

    >>> for case, value in integer_dtype_gradients().items():
    ...     print(f"{case:55}", value)
    int32 source (watched), y = x * x                       None
    int32 source, unconnected_gradients=ZERO                [0, 0, 0]
    int32 tf.Variable (trainable), y = 2.0 * cast(v)        None
    float32 source, int32 target = cast(x) * 3              None
    float32 source, y = cast(cast(x, int32), float32) * 3   None
    """
    xi = tf.constant([1, 2, 3])
    xf = tf.constant([1.5, 2.0, 3.0])
    v = tf.Variable([1, 2, 3])
    results = {}
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([xi, xf])
        y_int = xi * xi
        y_var = 2.0 * tf.cast(v, tf.float32)
        y_int_target = tf.cast(xf, tf.int32) * 3
        y_through_int = tf.cast(tf.cast(xf, tf.int32), tf.float32) * 3.0
    results["int32 source (watched), y = x * x"] = tape.gradient(y_int, xi)
    results["int32 source, unconnected_gradients=ZERO"] = tape.gradient(
        y_int, xi, unconnected_gradients=tf.UnconnectedGradients.ZERO
    )
    results["int32 tf.Variable (trainable), y = 2.0 * cast(v)"] = tape.gradient(y_var, v)
    results["float32 source, int32 target = cast(x) * 3"] = tape.gradient(y_int_target, xf)
    results["float32 source, y = cast(cast(x, int32), float32) * 3"] = tape.gradient(y_through_int, xf)
    return as_lists(results)


_WATCH_AN_INT = """
import tensorflow as tf
x = tf.constant([1, 2, 3])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x * x
print("gradient:", tape.gradient(y, x))
"""


def warning_when_watching_an_int() -> list[str]:
    """Watch an int32 tensor in a fresh Python with TensorFlow's default logging; return what it prints.

    This site silences TensorFlow's logger, so the program runs in a separate
    process to show what you would see; only TensorFlow's Python warnings and
    the program's own output are kept (start-up lines from C++ are dropped).

    >>> for line in warning_when_watching_an_int():
    ...     print(line)
    WARNING:tensorflow:The dtype of the watched tensor must be floating (e.g. tf.float32), got tf.int32
    gradient: None
    """
    run = subprocess.run(
        [sys.executable, "-c", _WATCH_AN_INT], capture_output=True, text=True, timeout=300, check=True
    )
    lines = (run.stderr + run.stdout).splitlines()
    return [line for line in lines if line.startswith(("WARNING:tensorflow", "gradient:"))]


def ask_a_tape_twice(persistent: bool) -> tuple[float, float]:
    """Ask one tape for the derivatives of ``x ** 2`` and of ``x ** 3`` at ``x = 3``, one after the other.

    >>> ask_a_tape_twice(persistent=True)
    (6.0, 27.0)
    >>> ask_a_tape_twice(persistent=False)
    Traceback (most recent call last):
    ...
    RuntimeError: A non-persistent GradientTape can only be used to compute one set of gradients \
(or jacobians)
    """
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=persistent) as tape:
        tape.watch(x)
        square = x**2
        cube = x**3
    first = tape.gradient(square, x)
    second = tape.gradient(cube, x)
    del tape  # a persistent tape keeps the tensors its gradients need until it is dropped
    return float(first), float(second)
