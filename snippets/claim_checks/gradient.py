"""Checks for the claims of the `tape.gradient` page (and the glossary's words about ``gradient``)."""

from __future__ import annotations

import gc
import inspect
import logging
import weakref

import numpy as np
import tensorflow as tf

from snippets.gradient_calls import (
    ask_a_tape_twice,
    gradients_for_structured_sources,
    output_gradients_of_the_wrong_shape,
    three_ways_to_the_same_gradient,
    vector_jacobian_product,
    what_the_tape_watches,
)
from snippets.gradient_vs_jacobian import coupled_outputs, gradient_and_jacobian, result_shapes
from snippets.support.claims import require


def _backward_function_calls(ask) -> int:
    """How many times the gradient function of one recorded operation runs while ``ask(tape, y, x)`` runs.

    The operation is an identity with a custom gradient that counts its calls; the
    target is ``coupled_outputs`` of it, at ``x = (1, 2, 3)``, on a persistent tape.
    """
    calls = []

    @tf.custom_gradient
    def counted(t):
        def backward(upstream):
            calls.append(1)
            return upstream

        return tf.identity(t), backward

    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = coupled_outputs(counted(x))
    ask(tape, y, x)
    return len(calls)


def gradient_runs_one_backward_pass() -> str:
    """One ``gradient`` call runs each recorded operation's gradient once, whatever it is asked.

    Plain, with ``output_gradients`` (one-hot or not), or for several sources at once: one
    backward pass. One call per one-hot row runs it once per row.

    >>> print(gradient_runs_one_backward_pass())
    backward runs: plain 1, output_gradients 1, one-hot row 1, two sources in one call 1, one call per row 3
    """
    u, row = tf.constant([1.0, -1.0, 0.5]), tf.one_hot(1, 3)
    counts = {
        "plain": _backward_function_calls(lambda tape, y, x: tape.gradient(y, x)),
        "output_gradients": _backward_function_calls(lambda t, y, x: t.gradient(y, x, output_gradients=u)),
        "one-hot row": _backward_function_calls(lambda t, y, x: t.gradient(y, x, output_gradients=row)),
        "two sources in one call": _backward_function_calls(lambda tape, y, x: tape.gradient(y, [x, y])),
        "one call per row": _backward_function_calls(
            lambda tape, y, x: [tape.gradient(y, x, output_gradients=tf.one_hot(i, 3)) for i in range(3)]
        ),
    }
    require(all(n == 1 for name, n in counts.items() if name != "one call per row"), f"counts {counts}")
    require(counts["one call per row"] == 3, f"counts {counts}")
    return "backward runs: " + ", ".join(f"{name} {n}" for name, n in counts.items())


def gradient_has_the_source_shape_whatever_the_target_rank() -> str:
    """``gradient`` returns the source's shape for targets of rank 0, 1, 2 and 3.

    >>> print(gradient_has_the_source_shape_whatever_the_target_rank())
    source (3, 7): gradient (3, 7) for targets (), (4,), (2, 5), (2, 2, 2)
    """
    targets = [(), (4,), (2, 5), (2, 2, 2)]
    shapes = [result_shapes(target, (3, 7))["gradient"] for target in targets]
    require(all(shape == (3, 7) for shape in shapes), f"gradient shapes {shapes}")
    return f"source (3, 7): gradient (3, 7) for targets {', '.join(str(t) for t in targets)}"


def output_gradients_shape_is_not_checked() -> str:
    """``output_gradients`` of a wrong shape is broadcast, fails in an op's gradient, or gives a wrong shape.

    >>> print(output_gradients_shape_is_not_checked())
    wrong shapes: 2 broadcast to a (3,) result, 3 failed inside an operation (Reshape, Unpack), \
1 gave shape (2, 3)
    """
    rows = output_gradients_of_the_wrong_shape()[1:]  # the first row has the right shape
    broadcast = [r for r in rows if r[2].startswith("shape (3,)")]
    failed = [r for r in rows if r[2].startswith("InvalidArgumentError in ")]
    wrong = [r for r in rows if r[2].startswith("shape (2, 3)")]
    require(broadcast and failed and wrong, f"rows {rows}")
    require(len(broadcast) + len(failed) + len(wrong) == len(rows), f"rows {rows}")
    operations = sorted({r[2].split()[2].rstrip(":") for r in failed})
    return (
        f"wrong shapes: {len(broadcast)} broadcast to a (3,) result, "
        f"{len(failed)} failed inside an operation ({', '.join(operations)}), {len(wrong)} gave shape (2, 3)"
    )


def gradient_is_the_vjp_with_ones() -> str:
    """``gradient`` is ``ones @ J`` (the gradient of the sum); ``output_gradients=u`` gives ``u @ J``.

    >>> print(gradient_is_the_vjp_with_ones())
    gradient [2.0, 4.0, 8.0] = ones @ J; output_gradients u gives [2.0, -2.0, 1.0] = u @ J
    """
    ways = three_ways_to_the_same_gradient()
    _, jacobian = gradient_and_jacobian()
    ones_j = tf.reduce_sum(jacobian, axis=0)
    require(all(bool(tf.reduce_all(v == ones_j)) for v in ways.values()), "gradient is not ones @ J")
    u = tf.constant([1.0, -1.0, 0.5])
    vjp = vector_jacobian_product(coupled_outputs, tf.constant([1.0, 2.0, 3.0]), u)
    u_j = tf.linalg.matvec(jacobian, u, transpose_a=True)
    require(bool(tf.reduce_all(vjp == u_j)), f"output_gradients gave {vjp.numpy()}, u @ J is {u_j.numpy()}")
    return (
        f"gradient {ones_j.numpy().tolist()} = ones @ J; "
        f"output_gradients u gives {vjp.numpy().tolist()} = u @ J"
    )


def gradient_result_has_the_structure_of_sources() -> str:
    """The result of ``gradient`` has the nesting of its ``sources`` argument (list, dict, nested).

    >>> print(gradient_result_has_the_structure_of_sources())
    list -> list, dict -> dict, {layer: tuple} -> {layer: tuple}
    """
    found = gradients_for_structured_sources()
    require(isinstance(found["list [w, b]"], list), f"{found}")
    require(isinstance(found["dict {w, b}"], dict) and set(found["dict {w, b}"]) == {"w", "b"}, f"{found}")
    require(isinstance(found["nested {layer: ..}"]["layer"], tuple), f"{found}")
    return "list -> list, dict -> dict, {layer: tuple} -> {layer: tuple}"


def only_trainable_variables_are_watched_automatically() -> str:
    """A trainable variable read on the tape is watched; a non-trainable one or a tensor needs ``watch``.

    >>> print(only_trainable_variables_are_watched_automatically())
    unwatched: trainable variable 12.0, non-trainable variable None, tensor None; after tape.watch: 12.0, 12.0
    """
    found = what_the_tape_watches()
    require(found["trainable tf.Variable"] == 12.0, f"{found}")
    require(found["non-trainable tf.Variable"] is None and found["tf.constant"] is None, f"{found}")
    watched = (found["non-trainable tf.Variable, tape.watch(s)"], found["tf.constant, tape.watch(s)"])
    require(watched == (12.0, 12.0), f"{found}")
    return (
        f"unwatched: trainable variable {found['trainable tf.Variable']}, non-trainable variable None, "
        f"tensor None; after tape.watch: {watched[0]}, {watched[1]}"
    )


def batch_norm_moving_statistics_are_not_watched() -> str:
    """``BatchNormalization``'s moving mean is non-trainable: its gradient is ``None`` unless watched.

    >>> print(batch_norm_moving_statistics_are_not_watched())
    moving_mean trainable=False; gradient unwatched None, after tape.watch [-1.0, -1.0]
    """
    layer = tf.keras.layers.BatchNormalization(epsilon=0.0)
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    layer.build(x.shape)
    moving_mean = layer.moving_mean.value  # the tf.Variable inside the Keras 3 variable
    found = []
    for watch in (False, True):
        with tf.GradientTape() as tape:
            if watch:
                tape.watch(moving_mean)
            y = tf.reduce_sum(layer(x, training=False))
        found.append(tape.gradient(y, moving_mean))
    require(not layer.moving_mean.trainable and not moving_mean.trainable, "moving_mean is trainable")
    require(found[0] is None and found[1] is not None, f"gradients {found}")
    after = np.round(found[1].numpy() / 2.0, 3).tolist()  # two examples, each -1 / sqrt(variance = 1)
    return f"moving_mean trainable=False; gradient unwatched None, after tape.watch {after}"


def unconnected_paths_give_none() -> str:
    """A target computed outside the block, via NumPy, through ``tf.round`` or through an int gives ``None``.

    >>> print(unconnected_paths_give_none())
    None for: outside the with block, NumPy detour, tf.round, argmax, int32 round trip
    """
    x = tf.constant([1.5, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        inside = x * 1.0
        targets = {
            "NumPy detour": tf.constant(x.numpy() ** 2),
            "tf.round": tf.round(x) * 3.0,
            "argmax": tf.cast(tf.argmax(x), tf.float32),
            "int32 round trip": tf.cast(tf.cast(x, tf.int32), tf.float32) * 3.0,
        }
    targets = {"outside the with block": inside * 2.0, **targets}
    found = {name: tape.gradient(target, x) for name, target in targets.items()}
    require(all(value is None for value in found.values()), f"{found}")
    require(tape.gradient(inside, x) is not None, "the connected target gave None too")
    return "None for: " + ", ".join(found)


def complex_tensors_are_differentiated() -> str:
    """The tape differentiates complex tensors too (``z * z`` at ``1+2j``, ``3-1j``).

    >>> print(complex_tensors_are_differentiated())
    complex64 gradient of z * z: [(2-4j), (6+2j)]
    """
    z = tf.constant([1 + 2j, 3 - 1j], dtype=tf.complex64)
    with tf.GradientTape() as tape:
        tape.watch(z)
        w = z * z
    gradient = tape.gradient(w, z)
    require(gradient is not None, "no gradient for a complex source")
    values = [complex(v) for v in gradient.numpy()]
    require(values == [2 - 4j, 6 + 2j], f"gradient {values}")  # conj(2 z), TensorFlow's convention
    return f"{gradient.dtype.name} gradient of z * z: {values}"


def integer_dtypes_are_reported_only_by_watch() -> str:
    """Installed TensorFlow: ``watch`` warns on an int (first 5 calls); ``gradient`` logs at level 1 only.

    Level 1 is below ``DEBUG`` (10) and ``WARNING`` (30), the level Python's logging
    prints by default.

    >>> print(integer_dtypes_are_reported_only_by_watch())
    watch: log_first_n(logging.WARN, ..., 5); gradient: vlog(1, ...) for target and source, Python level 1
    """
    from tensorflow.python.platform import tf_logging

    watch = inspect.getsource(tf.GradientTape.watch)
    gradient = inspect.getsource(tf.GradientTape.gradient)
    require("log_first_n(" in watch and '"floating (e.g. tf.float32), got %r", 5' in watch, "watch changed")
    vlog_checks = gradient.count('logging.vlog(\n            1, "The dtype of the')
    require(vlog_checks == 2, f"gradient has {vlog_checks} level-1 dtype checks, not 2")
    records = []
    handler = logging.Handler(level=1)
    handler.emit = records.append
    logger = tf.get_logger()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(1)
    try:
        tf_logging.vlog(1, "probe")
    finally:
        logger.setLevel(level)
        logger.removeHandler(handler)
    require([r.levelno for r in records] == [1], f"vlog(1) logged {[r.levelno for r in records]}")
    return (
        "watch: log_first_n(logging.WARN, ..., 5); "
        "gradient: vlog(1, ...) for target and source, Python level 1"
    )


def a_default_tape_answers_once() -> str:
    """A default tape raises ``RuntimeError`` when called again, whichever tape call came first.

    >>> print(a_default_tape_answers_once())
    second call raises RuntimeError after gradient, jacobian, batch_jacobian; \
a persistent tape gives (6.0, 27.0)
    """
    first_calls = {
        "gradient": lambda tape, y, x: tape.gradient(y, x),
        "jacobian": lambda tape, y, x: tape.jacobian(y, x),
        "batch_jacobian": lambda tape, y, x: tape.batch_jacobian(y, x),
    }
    raised = []
    for name, first in first_calls.items():
        x = tf.constant([[1.0, 2.0]])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x
        first(tape, y, x)
        try:
            tape.gradient(y, x)
        except RuntimeError:
            raised.append(name)
    require(raised == list(first_calls), f"raised only after {raised}")
    persistent = ask_a_tape_twice(persistent=True)
    require(persistent == (6.0, 27.0), f"persistent tape gave {persistent}")
    return f"second call raises RuntimeError after {', '.join(raised)}; a persistent tape gives {persistent}"


def a_persistent_tape_holds_intermediate_tensors_until_deleted() -> str:
    """An intermediate tensor stays alive after ``gradient`` on a persistent tape, until ``del tape``.

    >>> print(a_persistent_tape_holds_intermediate_tensors_until_deleted())
    intermediate alive after gradient: persistent True, default False; after del tape: False
    """

    def probe(persistent: bool) -> tuple[bool, bool]:
        x = tf.constant([1.0, 2.0])
        with tf.GradientTape(persistent=persistent) as tape:
            tape.watch(x)
            h = tf.sin(x)
            y = h * h  # the gradient of h * h needs h
        ref = weakref.ref(h)
        del h
        tape.gradient(y, x)
        gc.collect()
        after_gradient = ref() is not None
        del tape
        gc.collect()
        return after_gradient, ref() is not None

    persistent, default = probe(True), probe(False)
    require(persistent == (True, False) and default == (False, False), f"{persistent}, {default}")
    return (
        f"intermediate alive after gradient: persistent {persistent[0]}, default {default[0]}; "
        f"after del tape: {persistent[1]}"
    )
