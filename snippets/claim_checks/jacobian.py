"""Checks for the claims of the `tape.jacobian` page (and the glossary's words about ``jacobian``)."""

from __future__ import annotations

import inspect

import tensorflow as tf

from snippets.claim_checks.gradient import _backward_function_calls
from snippets.error_gallery.captured_warnings import tensorflow_debug_log
from snippets.jacobian_calls import (
    _layer_jacobian,
    jacobian_shape_table,
    pfor_falls_back_to_a_while_loop,
)
from snippets.support.claims import require


def jacobian_runs_one_gradient_per_target_element() -> str:
    """``jacobian``'s loop body is one ``gradient`` call on target element ``i``; pfor vectorises it.

    Read in the installed TensorFlow, and counted: the gradient function of a recorded
    operation runs once with pfor (traced once, then vectorised) and once per target
    element with the eager while loop.

    >>> print(jacobian_runs_one_gradient_per_target_element())
    loop body: y = array_ops.gather(target, i); return self.gradient(y, flat_sources, ...); \
default experimental_use_pfor=True; backward runs for 3 target elements: pfor 1, while loop 3
    """
    source = inspect.getsource(tf.GradientTape.jacobian)
    require("y = array_ops.gather(target, i)" in source, "jacobian no longer gathers target element i")
    require("return self.gradient(y, flat_sources," in source, "jacobian's loop body is no longer gradient")
    default = inspect.signature(tf.GradientTape.jacobian).parameters["experimental_use_pfor"].default
    require(default is True, f"experimental_use_pfor defaults to {default}")
    pfor = _backward_function_calls(lambda tape, y, x: tape.jacobian(y, x))
    loop = _backward_function_calls(lambda tape, y, x: tape.jacobian(y, x, experimental_use_pfor=False))
    require((pfor, loop) == (1, 3), f"backward runs: pfor {pfor}, while loop {loop}")
    return (
        "loop body: y = array_ops.gather(target, i); return self.gradient(y, flat_sources, ...); "
        f"default experimental_use_pfor={default}; "
        f"backward runs for 3 target elements: pfor {pfor}, while loop {loop}"
    )


def parallel_iterations_tiles_pfor_and_is_the_while_loops_own() -> str:
    """Installed TensorFlow: pfor converts ``parallel_iterations`` iterations at a time; the while loop too.

    ``jacobian``'s docstring says what the knob is for.

    >>> print(parallel_iterations_tiles_pfor_and_is_the_while_loops_own())
    pfor: num_tiled_iterations = iters // parallel_iterations; for_loop: extra_args = \
{"parallel_iterations": parallel_iterations}; docstring: This knob can be used to control the total \
memory usage.
    """
    from tensorflow.python.ops.parallel_for import control_flow_ops

    pfor = inspect.getsource(control_flow_ops._pfor_impl)
    loop = inspect.getsource(control_flow_ops.for_loop)
    tiled = "num_tiled_iterations = iters // parallel_iterations"
    passed = 'extra_args = {"parallel_iterations": parallel_iterations}'
    require(tiled in pfor, "pfor no longer tiles by parallel_iterations")
    require(passed in loop and "**extra_args" in loop, "for_loop no longer passes parallel_iterations on")
    knob = "This knob can be used to control the total memory usage."
    require(knob in " ".join(tf.GradientTape.jacobian.__doc__.split()), "the docstring no longer says it")
    return f"pfor: {tiled}; for_loop: {passed}; docstring: {knob}"


def jacobian_shape_is_target_shape_plus_source_shape() -> str:
    """``jacobian`` returns ``target.shape + source.shape`` for every case of the shape table.

    >>> print(jacobian_shape_is_target_shape_plus_source_shape())
    6 of 6 cases, ranks 0 to 3: jacobian shape = target shape + source shape
    """
    rows = jacobian_shape_table().splitlines()[1:]
    require(all(row.endswith("True") for row in rows), "\n".join(rows))
    return f"{len(rows)} of {len(rows)} cases, ranks 0 to 3: jacobian shape = target shape + source shape"


def jacobian_of_a_scalar_is_its_gradient() -> str:
    """For a scalar target, ``jacobian`` and ``gradient`` return the same values.

    >>> print(jacobian_of_a_scalar_is_its_gradient())
    y = sum(x ** 3) at (1, 2, 3): jacobian [3.0, 12.0, 27.0] == gradient [3.0, 12.0, 27.0]
    """
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.reduce_sum(x**3)
    jacobian, gradient = tape.jacobian(y, x), tape.gradient(y, x)
    require(bool(tf.reduce_all(jacobian == gradient)), f"{jacobian.numpy()} != {gradient.numpy()}")
    return (
        f"y = sum(x ** 3) at (1, 2, 3): jacobian {jacobian.numpy().tolist()} "
        f"== gradient {gradient.numpy().tolist()}"
    )


def _batched_layer():
    x = tf.reshape(tf.range(12, dtype=tf.float32), (4, 3)) / 10.0
    kernel = tf.reshape(tf.range(6, dtype=tf.float32), (3, 2)) / 5.0
    return x, kernel


def batch_jacobian_returns_one_block_per_example() -> str:
    """``batch_jacobian`` returns ``(b,) + target.shape[1:] + source.shape[1:]``, the diagonal blocks.

    The blocks ``[i, :, i, :]`` of the full Jacobian, for a function whose rows do not interact.

    >>> print(batch_jacobian_returns_one_block_per_example())
    tanh(x @ k), x (4, 3): batch_jacobian (4, 2, 3) == blocks [i, :, i, :] of jacobian (4, 2, 4, 3)
    """
    x, kernel = _batched_layer()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.tanh(x @ kernel)
    blocks, full = tape.batch_jacobian(y, x), tape.jacobian(y, x)
    diagonal = tf.stack([full[i, :, i, :] for i in range(4)])
    require(tuple(blocks.shape) == (4, 2, 3), f"batch_jacobian shape {tuple(blocks.shape)}")
    require(float(tf.reduce_max(tf.abs(blocks - diagonal))) < 1e-6, "blocks differ from the diagonal")
    return (
        f"tanh(x @ k), x {tuple(x.shape)}: batch_jacobian {tuple(blocks.shape)} == blocks [i, :, i, :] "
        f"of jacobian {tuple(full.shape)}"
    )


def batch_jacobian_does_not_check_rows_are_independent() -> str:
    """When rows interact, ``batch_jacobian`` returns without error, and not the full Jacobian's blocks.

    >>> print(batch_jacobian_does_not_check_rows_are_independent())
    y = x * sum over the batch: batch_jacobian returns (4, 3, 3), no error; \
differs from the diagonal blocks: True
    """
    x, _ = _batched_layer()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * tf.reduce_sum(x, axis=0)  # every row depends on every row
    blocks, full = tape.batch_jacobian(y, x), tape.jacobian(y, x)
    diagonal = tf.stack([full[i, :, i, :] for i in range(4)])
    differs = float(tf.reduce_max(tf.abs(blocks - diagonal))) > 1e-3
    require(differs, "batch_jacobian equals the diagonal blocks here")
    return (
        f"y = x * sum over the batch: batch_jacobian returns {tuple(blocks.shape)}, no error; "
        f"differs from the diagonal blocks: {differs}"
    )


def jacobian_and_batch_jacobian_default_to_pfor_and_agree_with_the_while_loop() -> str:
    """Both default to ``experimental_use_pfor=True``, and give the while loop's values.

    >>> print(jacobian_and_batch_jacobian_default_to_pfor_and_agree_with_the_while_loop())
    default experimental_use_pfor: jacobian True, batch_jacobian True; largest |pfor - while loop|: 0.0, 0.0
    """
    defaults = [
        inspect.signature(method).parameters["experimental_use_pfor"].default
        for method in (tf.GradientTape.jacobian, tf.GradientTape.batch_jacobian)
    ]
    require(defaults == [True, True], f"defaults {defaults}")
    x, kernel = _batched_layer()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.tanh(x @ kernel)
    differences = [
        float(tf.reduce_max(tf.abs(call(y, x) - call(y, x, experimental_use_pfor=False))))
        for call in (tape.jacobian, tape.batch_jacobian)
    ]
    require(all(d < 1e-6 for d in differences), f"differences {differences}")
    return (
        f"default experimental_use_pfor: jacobian {defaults[0]}, batch_jacobian {defaults[1]}; "
        f"largest |pfor - while loop|: {differences[0]}, {differences[1]}"
    )


def while_loop_jacobians_need_a_persistent_tape() -> str:
    """Eagerly, ``jacobian`` and ``batch_jacobian`` with ``experimental_use_pfor=False`` refuse a default tape

    >>> print(while_loop_jacobians_need_a_persistent_tape())
    RuntimeError from jacobian, batch_jacobian: GradientTape must be created with persistent=True ...
    """
    raised = {}
    for name in ("jacobian", "batch_jacobian"):
        x = tf.constant([[1.0, 2.0]])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x
        try:
            getattr(tape, name)(y, x, experimental_use_pfor=False)
        except RuntimeError as error:
            raised[name] = str(error)
    require(list(raised) == ["jacobian", "batch_jacobian"], f"raised only for {list(raised)}")
    require(all("persistent=True" in message for message in raised.values()), f"{raised}")
    return f"RuntimeError from {', '.join(raised)}: GradientTape must be created with persistent=True ..."


def eager_jacobian_in_a_loop_logs_retracing_warnings() -> str:
    """Six eager ``jacobian`` calls in a loop make TensorFlow log its retracing warning for pfor's function.

    >>> print(eager_jacobian_in_a_loop_logs_retracing_warnings())
    WARNING: 5 out of the last 5 calls to <function pfor.<locals>.f at 0x...> triggered tf.function retracing.
    """
    from snippets.error_gallery.captured_warnings import _forget_rate_limits

    _forget_rate_limits()
    x = tf.constant([1.0, 2.0])
    with tensorflow_debug_log() as messages:
        for _ in range(6):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = tf.sin(x)
            tape.jacobian(y, x)
    retracing = [m for m in messages if m.startswith("WARNING") and "triggered tf.function retracing" in m]
    require(retracing and "pfor.<locals>.f" in retracing[0], f"messages {messages}")
    return retracing[0].split(" Tracing is expensive")[0]


def jacobian_in_tf_function_traces_once() -> str:
    """A ``tf.function`` around tape and ``jacobian``, called three times with one shape, traces once.

    >>> print(jacobian_in_tf_function_traces_once())
    3 calls, 1 trace
    """
    compiled = tf.function(_layer_jacobian)
    x, kernel = tf.ones((2, 3)), tf.ones((3, 3))
    for _ in range(3):
        compiled(x, kernel)
    traces = compiled.experimental_get_tracing_count()
    require(traces == 1, f"{traces} traces")
    return f"3 calls, {traces} trace"


def pfor_falls_back_to_a_while_loop_with_the_same_values() -> str:
    """Without a converter (``ScatterNd``), pfor logs at DEBUG only, runs a while loop, and gets its values.

    >>> print(pfor_falls_back_to_a_while_loop_with_the_same_values())
    DEBUG: Using a while_loop for converting ScatterNd cause there is no registered converter for this op. \
(nothing else logged); largest |pfor - while_loop|: 0.0
    """
    found = pfor_falls_back_to_a_while_loop()
    log = found["TensorFlow's log"]
    difference = found["largest |pfor - while_loop|"]
    expected = "DEBUG: Using a while_loop for converting ScatterNd"
    require(len(log) == 1 and log[0].startswith(expected), f"{log}")
    require(difference == 0.0, f"{found}")
    return f"{log[0]} (nothing else logged); largest |pfor - while_loop|: {difference}"
