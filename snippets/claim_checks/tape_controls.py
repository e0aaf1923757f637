"""Checks for the claims of the tape controls page."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from snippets.support.claims import require
from snippets.tape_controls import clip_gradient_norm, example_source, nested_tapes


def stop_gradient_reaches_every_differentiation_and_stop_recording_one_tape() -> str:
    """``tf.stop_gradient`` blocks tapes, forward mode and ``tf.gradients``; ``stop_recording`` one tape.

    >>> print(stop_gradient_reaches_every_differentiation_and_stop_recording_one_tape())
    stop_gradient: outer tape None, ForwardAccumulator None, tf.gradients in tf.function None; \
inner.stop_recording(): outer tape [2.0, 4.0], ForwardAccumulator [2.0, 4.0]
    """
    x = tf.constant([1.0, 2.0])
    accumulated = {}
    for control in ("stop_gradient", "stop_recording"):
        with tf.autodiff.ForwardAccumulator(x, tf.ones_like(x)) as accumulator, tf.GradientTape() as inner:
            inner.watch(x)
            if control == "stop_gradient":
                y = tf.stop_gradient(x**2)
            else:
                with inner.stop_recording():
                    y = x**2
        jvp = accumulator.jvp(y)
        accumulated[control] = None if jvp is None else jvp.numpy().tolist()

    @tf.function
    def graph_gradient(x):
        return tf.gradients(tf.stop_gradient(x**2), x)[0]

    in_graph = graph_gradient(x)
    tapes = {control: nested_tapes(control) for control in ("stop_gradient", "stop_recording")}
    require(tapes["stop_gradient"] == {"inner": None, "outer": None}, str(tapes))
    require(tapes["stop_recording"] == {"inner": None, "outer": [2.0, 4.0]}, str(tapes))
    require(accumulated == {"stop_gradient": None, "stop_recording": [2.0, 4.0]}, str(accumulated))
    require(in_graph is None, f"tf.gradients gave {in_graph}")
    return (
        f"stop_gradient: outer tape {tapes['stop_gradient']['outer']}, ForwardAccumulator "
        f"{accumulated['stop_gradient']}, tf.gradients in tf.function {in_graph}; inner.stop_recording(): "
        f"outer tape {tapes['stop_recording']['outer']}, ForwardAccumulator {accumulated['stop_recording']}"
    )


def stop_recording_outside_the_block_raises() -> str:
    """``tape.stop_recording()`` on a tape that is not recording raises ``RuntimeError``.

    >>> print(stop_recording_outside_the_block_raises())
    RuntimeError: Trying to stop recording a tape which is not recording.
    """
    tape = tf.GradientTape()
    try:
        with tape.stop_recording():
            pass
    except RuntimeError as error:
        return f"RuntimeError: {error}"
    require(False, "stop_recording outside the with block raised nothing")
    return ""


def custom_backward_gets_each_calls_upstream_gradient() -> str:
    """Row ``i`` of ``jacobian`` is the VJP with upstream one-hot ``i``; ``gradient``'s upstream is ones.

    Shown through ``clip_gradient_norm``, whose backward function is not linear,
    so a different upstream gradient gives a visibly different answer.

    >>> print(custom_backward_gets_each_calls_upstream_gradient())
    jacobian rows = VJPs with one-hot upstream [[1.0, 0.0], [0.0, 1.0]]; gradient = batch_jacobian = \
VJP with ones [0.7071, 0.7071]
    """
    x = example_source()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = 10.0 * clip_gradient_norm(x)
    one_hot_rows = np.stack(
        [tape.gradient(y, x, output_gradients=tf.reshape(tf.one_hot(i, 2), (2, 1))).numpy() for i in range(2)]
    ).reshape(2, 2)
    with_ones = tape.gradient(y, x, output_gradients=tf.ones_like(y)).numpy().ravel()
    jacobian = tape.jacobian(y, x).numpy().reshape(2, 2)
    gradient = tape.gradient(y, x).numpy().ravel()
    batch_jacobian = tape.batch_jacobian(y, x).numpy().ravel()
    require(np.array_equal(jacobian, one_hot_rows), f"{jacobian} != {one_hot_rows}")
    require(np.array_equal(gradient, with_ones), f"{gradient} != {with_ones}")
    require(np.array_equal(batch_jacobian, with_ones), f"{batch_jacobian} != {with_ones}")
    require(not np.allclose(jacobian.sum(axis=0), gradient), "the rows add up to the gradient here")
    return (
        f"jacobian rows = VJPs with one-hot upstream {one_hot_rows.tolist()}; gradient = batch_jacobian = "
        f"VJP with ones {np.round(with_ones, 4).tolist()}"
    )
