"""The tape's controls: what ``stop_recording``, ``stop_gradient``, watching, custom gradients and
``unconnected_gradients`` do to ``gradient``, ``jacobian`` and ``batch_jacobian``.

Every case differentiates a batch of two examples with one feature each, source
``x = [[1.0], [2.0]]`` (shape ``(2, 1)``), so ``gradient`` has shape ``(2, 1)``,
``jacobian`` ``(2, 1, 2, 1)`` and ``batch_jacobian`` ``(2, 1, 1)``. Results are
printed with their length-1 axes removed: two numbers for ``gradient`` and
``batch_jacobian``, a 2 x 2 matrix for ``jacobian``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf

from snippets.error_gallery.captured_warnings import tensorflow_warnings
from snippets.error_gallery.surprising_values import unconnected_sources, unconnected_sources_as_zeros
from snippets.support.markdown import markdown_table

CALLS = ("gradient", "jacobian", "batch_jacobian")


def example_source() -> tf.Tensor:
    """The source of every case: two examples, one feature each.

    >>> print(example_source().numpy().ravel())
    [1. 2.]
    """
    return tf.constant([[1.0], [2.0]])


def squeezed(result: tf.Tensor | None):
    """A result as plain numbers with its length-1 axes removed (``None`` stays ``None``).

    >>> squeezed(tf.constant([[[2.0]], [[4.0]]])), squeezed(None)
    ([2.0, 4.0], None)
    """
    return None if result is None else np.squeeze(result.numpy()).tolist()


def three_calls(tape: tf.GradientTape, target, source, **options) -> dict[str, object]:
    """Ask a persistent tape for ``gradient``, ``jacobian`` and ``batch_jacobian`` of one target.

    ``options`` go to all three (``unconnected_gradients``, for instance).

    >>> x = example_source()
    >>> with tf.GradientTape(persistent=True) as tape:
    ...     tape.watch(x)
    ...     y = x**2
    >>> three_calls(tape, y, x)
    {'gradient': [2.0, 4.0], 'jacobian': [[2.0, 0.0], [0.0, 4.0]], 'batch_jacobian': [2.0, 4.0]}
    """
    return {call: squeezed(getattr(tape, call)(target, source, **options)) for call in CALLS}


def no_control() -> dict[str, object]:
    """``y = x**2`` with ``x`` watched: the derivative ``2x``, from each call.

    >>> no_control()
    {'gradient': [2.0, 4.0], 'jacobian': [[2.0, 0.0], [0.0, 4.0]], 'batch_jacobian': [2.0, 4.0]}
    """
    x = example_source()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x**2
    return three_calls(tape, y, x)


def stop_gradient_on_a_term() -> dict[str, object]:
    """``y = x**2 + stop_gradient(x**3)``: the value has both terms, the derivative only the first.

    >>> stop_gradient_on_a_term()
    {'value': [2.0, 12.0], 'gradient': [2.0, 4.0], 'jacobian': [[2.0, 0.0], [0.0, 4.0]], \
'batch_jacobian': [2.0, 4.0]}
    """
    x = example_source()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x**2 + tf.stop_gradient(x**3)
    return {"value": squeezed(y), **three_calls(tape, y, x)}


def stop_recording_on_a_term() -> dict[str, object]:
    """The same ``x**3`` term computed under ``tape.stop_recording()``: the tape never sees it.

    >>> stop_recording_on_a_term()
    {'value': [2.0, 12.0], 'gradient': [2.0, 4.0], 'jacobian': [[2.0, 0.0], [0.0, 4.0]], \
'batch_jacobian': [2.0, 4.0]}
    """
    x = example_source()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        with tape.stop_recording():
            cube = x**3
        y = x**2 + cube
    return {"value": squeezed(y), **three_calls(tape, y, x)}


def stop_recording_on_everything() -> dict[str, object]:
    """The whole target under ``stop_recording()``: no path from ``x`` to ``y`` is on the tape.

    >>> stop_recording_on_everything()
    {'gradient': None, 'jacobian': None, 'batch_jacobian': [0.0, 0.0]}
    """
    x = example_source()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        with tape.stop_recording():
            y = x**2
    return three_calls(tape, y, x)


def variable_not_watched() -> dict[str, object]:
    """A trainable ``tf.Variable`` read by a tape made with ``watch_accessed_variables=False``.

    >>> variable_not_watched()
    {'watched_variables': [], 'gradient': None, 'jacobian': None, 'batch_jacobian': [0.0, 0.0]}
    """
    v = tf.Variable(example_source(), name="v")
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        y = v**2
    watched = [variable.name for variable in tape.watched_variables()]
    return {"watched_variables": watched, **three_calls(tape, y, v)}


def variable_watched_explicitly() -> dict[str, object]:
    """The same tape and variable, with ``tape.watch(v)`` before ``v`` is used.

    >>> variable_watched_explicitly()
    {'watched_variables': ['v:0'], 'gradient': [2.0, 4.0], 'jacobian': [[2.0, 0.0], [0.0, 4.0]], \
'batch_jacobian': [2.0, 4.0]}
    """
    v = tf.Variable(example_source(), name="v")
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(v)
        y = v**2
    watched = [variable.name for variable in tape.watched_variables()]
    return {"watched_variables": watched, **three_calls(tape, y, v)}


def round_without_a_gradient(unconnected_gradients: str = "none") -> dict[str, object]:
    """``y = tf.round(x)``: TensorFlow registers ``None`` as the gradient of ``Round``.

    >>> round_without_a_gradient()
    {'gradient': None, 'jacobian': None, 'batch_jacobian': [0.0, 0.0]}
    >>> round_without_a_gradient(unconnected_gradients="zero")
    {'gradient': [0.0, 0.0], 'jacobian': [[0.0, 0.0], [0.0, 0.0]], 'batch_jacobian': [0.0, 0.0]}
    """
    x = example_source()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.round(x)
    return three_calls(tape, y, x, unconnected_gradients=unconnected_gradients)


@tf.custom_gradient
def straight_through_round(x: tf.Tensor):
    """Round in the forward pass; pass the upstream gradient through unchanged in the backward pass.

    >>> print(straight_through_round(tf.constant([0.4, 1.6])).numpy())
    [0. 2.]
    """

    def backward(upstream: tf.Tensor) -> tf.Tensor:
        return upstream

    return tf.round(x), backward


def round_with_a_custom_gradient() -> dict[str, object]:
    """``y = straight_through_round(x)``: every call uses the custom backward function, slope 1.

    >>> round_with_a_custom_gradient()
    {'gradient': [1.0, 1.0], 'jacobian': [[1.0, 0.0], [0.0, 1.0]], 'batch_jacobian': [1.0, 1.0]}
    """
    x = example_source()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = straight_through_round(x)
    return three_calls(tape, y, x)


def tape_control_cases() -> dict[str, Callable[[], dict]]:
    """Each control, named as the table names it, with the function that runs it.

    The two ``unconnected_gradients`` rows run the error gallery's
    ``unconnected_sources`` and ``unconnected_sources_as_zeros``: ``y = a * a``
    differentiated with respect to ``b``, also of shape ``(2, 1)``.

    >>> list(tape_control_cases())[:2]
    ['none: `y = x**2`', '`y = x**2 + tf.stop_gradient(x**3)`']
    """

    def gallery(function: Callable[[], dict]) -> Callable[[], dict]:
        return lambda: {call: squeezed(result) for call, result in function().items()}

    return {
        "none: `y = x**2`": no_control,
        "`y = x**2 + tf.stop_gradient(x**3)`": stop_gradient_on_a_term,
        "`x**3` under `tape.stop_recording()`, then `y = x**2 + cube`": stop_recording_on_a_term,
        "`y = x**2` under `tape.stop_recording()`": stop_recording_on_everything,
        "`tf.Variable` source, `watch_accessed_variables=False`": variable_not_watched,
        "the same, plus `tape.watch(v)`": variable_watched_explicitly,
        "`y = tf.round(x)`": round_without_a_gradient,
        "`y = straight_through_round(x)` (`tf.custom_gradient`)": round_with_a_custom_gradient,
        "`y = 10 * clip_gradient_norm(x)` (`tf.custom_gradient`)": clipped_derivatives,
        "source unused, `unconnected_gradients=NONE` (default)": gallery(unconnected_sources),
        "source unused, `unconnected_gradients=ZERO`": gallery(unconnected_sources_as_zeros),
        "`y = tf.round(x)`, `unconnected_gradients=ZERO`": lambda: round_without_a_gradient("zero"),
    }


def _cell(result) -> str:
    if result is None:
        return "**`None`**"
    return "`" + str(np.round(result, 4).tolist()).replace("], [", "]; [") + "`"


def tape_controls_markdown() -> str:
    """Run every case and write the table: one row per control, one column per call.

    >>> print(tape_controls_markdown().splitlines()[2])
    | none: `y = x**2` | `[2.0, 4.0]` | `[[2.0, 0.0]; [0.0, 4.0]]` | `[2.0, 4.0]` |
    """
    rows = []
    for name, case in tape_control_cases().items():
        results = case()
        rows.append([name, *(_cell(results[call]) for call in CALLS)])
    return markdown_table(["control", "`gradient`", "`jacobian`", "`batch_jacobian`"], rows)


def nested_tapes(control: str) -> dict[str, object]:
    """Two nested tapes watch ``x``; ``y = x**2`` is made under ``control``. What does each tape see?

    ``"stop_gradient"`` wraps the value in ``tf.stop_gradient``;
    ``"stop_recording"`` computes it under ``inner.stop_recording()``.

    >>> nested_tapes("stop_gradient")
    {'inner': None, 'outer': None}
    >>> nested_tapes("stop_recording")
    {'inner': None, 'outer': [2.0, 4.0]}
    """
    x = example_source()
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            if control == "stop_gradient":
                y = tf.stop_gradient(x**2)
            else:
                with inner.stop_recording():
                    y = x**2
    return {"inner": squeezed(inner.gradient(y, x)), "outer": squeezed(outer.gradient(y, x))}


def gradient_inside_a_persistent_tape(stop_recording: bool) -> tuple[float, list[str]]:
    """Ask a persistent tape for a gradient inside its ``with`` block, with or without ``stop_recording``.

    Without it, TensorFlow warns that the tape records its own backward pass;
    wrapped in ``tape.stop_recording()``, the same call is silent.

    >>> gradient_inside_a_persistent_tape(stop_recording=False)
    (6.0, ['Calling GradientTape.gradient on a persistent tape inside its context is significantly less \
efficient than calling it outside the context (it causes the gradient ops to be recorded on the tape, \
leading to increased CPU and memory usage). Only call GradientTape.gradient inside the context if you \
actually want to trace the gradient in order to compute higher order derivatives.'])
    >>> gradient_inside_a_persistent_tape(stop_recording=True)
    (6.0, [])
    """
    x = tf.constant(3.0)
    with tensorflow_warnings() as warnings, tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x**2
        if stop_recording:
            with tape.stop_recording():
                slope = tape.gradient(y, x)
        else:
            slope = tape.gradient(y, x)
    return float(slope), warnings


def watch_some_variables() -> dict[str, object]:
    """Differentiate with respect to one of two variables: ``watch_accessed_variables=False`` and ``watch``.

    The tape records only what involves ``first``: ``second`` gets ``None``,
    and ``jacobian`` is asked about ``first`` alone.

    >>> watch_some_variables()
    {'watched_variables': ['first:0'], 'gradient': {'first': [6.0, 6.0], 'second': None}, \
'jacobian of first': [[6.0, 0.0], [0.0, 6.0]]}
    """
    first = tf.Variable([1.0, 2.0], name="first")
    second = tf.Variable([3.0, 4.0], name="second")
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(first)
        y = first * second * 2.0 / second * 3.0  # 6 * first, written so that both variables are read
    return {
        "watched_variables": [variable.name for variable in tape.watched_variables()],
        "gradient": {
            name: squeezed(g) for name, g in tape.gradient(y, {"first": first, "second": second}).items()
        },
        "jacobian of first": squeezed(tape.jacobian(y, first)),
    }


@tf.custom_gradient
def clip_gradient_norm(x: tf.Tensor):
    """Identity in the forward pass; in the backward pass, clip the upstream gradient to norm 1.

    The clipping is not linear in the upstream gradient, so the calls, which feed
    the backward function different upstream gradients, no longer agree.

    >>> print(clip_gradient_norm(tf.constant([3.0, 4.0])).numpy())
    [3. 4.]
    """

    def backward(upstream: tf.Tensor) -> tf.Tensor:
        return tf.clip_by_norm(upstream, 1.0)

    return tf.identity(x), backward


def clipped_derivatives() -> dict[str, object]:
    """Each call on ``y = 10 * clip_gradient_norm(x)``, whose true derivative is 10 everywhere.

    ``gradient`` and ``batch_jacobian`` hand the backward function one upstream
    gradient for the whole batch, ``[10, 10]``, clipped to norm 1 as a whole;
    ``jacobian`` hands it one row at a time, ``[10, 0]`` and ``[0, 10]``, each
    clipped on its own.

    >>> for call, result in clipped_derivatives().items():
    ...     print(f"{call:15}", np.round(result, 4).tolist())
    gradient        [0.7071, 0.7071]
    jacobian        [[1.0, 0.0], [0.0, 1.0]]
    batch_jacobian  [0.7071, 0.7071]
    """
    x = example_source()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = 10.0 * clip_gradient_norm(x)
    return three_calls(tape, y, x)
