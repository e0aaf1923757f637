"""Checks for the claims of the vectorization fallbacks page."""

from __future__ import annotations

import tensorflow as tf

from snippets.error_gallery.captured_warnings import tensorflow_debug_log
from snippets.support.claims import require
from snippets.vectorization_fallbacks import (
    batch_normalization_coupling,
    case_named,
    depthwise_as_grouped_conv2d,
    dropout_jacobian_against_its_mask,
    pfor_verdict,
    py_function_jacobian_with_the_while_loop,
    sort_against_sorted_by_gather,
    tape_call,
)


def fallback_rows_log_only_at_debug_and_match_the_while_loop() -> str:
    """Where pfor loops over an op (``DepthwiseConv2D``, ``tf.sort``), it warns of nothing and is right.

    Right: its Jacobian is the while loop's (``experimental_use_pfor=False``).

    >>> print(fallback_rows_log_only_at_debug_and_match_the_while_loop())
    DepthwiseConv2D(3): DEBUG only, largest |pfor - while loop| 0.0; \
tf.sort: DEBUG only, largest |pfor - while loop| 0.0
    """
    evidence = []
    for name in ("DepthwiseConv2D(3)", "tf.sort"):
        forward, x = case_named(name).build()
        with tensorflow_debug_log() as messages:
            by_pfor = tape_call(forward)(x)
        loops = [line for line in messages if line.startswith("DEBUG: Using a while_loop for converting")]
        # Eager pfor may warn about retracing its own function (the jacobian page explains it): not this.
        louder = [line for line in messages if not line.startswith("DEBUG: ") and "retracing" not in line]
        require(bool(loops), f"{name}: pfor no longer loops")
        require(not louder, f"{name}: pfor said more than DEBUG: {louder}")
        by_loop = tape_call(forward, experimental_use_pfor=False)(x)
        difference = float(tf.reduce_max(tf.abs(by_pfor - by_loop)))
        require(difference < 1e-6, f"{name}: pfor and the while loop differ by {difference}")
        evidence.append(f"{name}: DEBUG only, largest |pfor - while loop| {round(difference, 6)}")
    return "; ".join(evidence)


def grouped_conv2d_vectorises_where_depthwise_falls_back() -> str:
    """``Conv2D(c, k, groups=c)`` with the depthwise kernel reshaped computes the same; pfor vectorises it.

    >>> print(grouped_conv2d_vectorises_where_depthwise_falls_back())
    DepthwiseConv2D: while loop for `DepthwiseConv2dNativeBackpropInput`; \
Conv2D(2, 3, groups=2): vectorised; outputs differ by 0.0, Jacobians by 0.0
    """
    found = depthwise_as_grouped_conv2d()
    depthwise, grouped = found["DepthwiseConv2D"], found["Conv2D(2, 3, groups=2)"]
    outputs, jacobians = (
        found["largest |difference| of the outputs"],
        found["largest |difference| of the Jacobians"],
    )
    require(depthwise.loop_ops == ("DepthwiseConv2dNativeBackpropInput",), f"DepthwiseConv2D: {depthwise}")
    require(grouped.outcome == "vectorised", f"grouped Conv2D: {grouped}")
    require(outputs < 1e-6 and jacobians < 1e-6, f"they differ: outputs {outputs}, Jacobians {jacobians}")
    return (
        f"DepthwiseConv2D: {depthwise}; Conv2D(2, 3, groups=2): {grouped}; "
        f"outputs differ by {outputs}, Jacobians by {jacobians}"
    )


def gather_by_argsort_vectorises_where_sort_falls_back() -> str:
    """``tf.gather(x, tf.argsort(x), batch_dims=1)`` sorts like ``tf.sort``, and pfor vectorises its gradient.

    >>> print(gather_by_argsort_vectorises_where_sort_falls_back())
    tf.sort: while loop for `ScatterNd`; sorted_by_gather: vectorised; outputs differ by 0.0, Jacobians by 0.0
    """
    found = sort_against_sorted_by_gather()
    by_sort, by_gather = found["tf.sort"], found["sorted_by_gather"]
    outputs, jacobians = (
        found["largest |difference| of the outputs"],
        found["largest |difference| of the Jacobians"],
    )
    require(by_sort.loop_ops == ("ScatterNd",), f"tf.sort: {by_sort}")
    require(by_gather.outcome == "vectorised", f"sorted_by_gather: {by_gather}")
    require(outputs == 0.0 and jacobians == 0.0, f"they differ: outputs {outputs}, Jacobians {jacobians}")
    differ = f"outputs differ by {outputs}, Jacobians by {jacobians}"
    return f"tf.sort: {by_sort}; sorted_by_gather: {by_gather}; {differ}"


def dropout_jacobian_uses_the_forward_mask() -> str:
    """The Jacobian of ``Dropout`` in training is ``diag(y / x)``: the one mask the forward pass drew.

    >>> print(dropout_jacobian_uses_the_forward_mask())
    y / x takes the values [0.0, 2.0]; largest |jacobian - diag(y / x)| 0.0
    """
    found = dropout_jacobian_against_its_mask()
    values, difference = found["values of y / x"], found["largest |jacobian - diag(y / x)|"]
    require(values == [0.0, 2.0], f"y / x is not a mask scaled by 1 / (1 - 0.5): {values}")
    require(difference == 0.0, f"the Jacobian is not diag(y / x): off by {difference}")
    return f"y / x takes the values {values}; largest |jacobian - diag(y / x)| {difference}"


def batch_statistics_couple_the_rows_in_training_only() -> str:
    """``BatchNormalization`` couples the examples in training only; ``batch_jacobian`` misses the coupling.

    >>> print(batch_statistics_couple_the_rows_in_training_only())
    training: across examples 1.54, batch_jacobian off by 1.6; \
inference: across examples 0.0, batch_jacobian off by 0.0
    """
    found = batch_normalization_coupling()
    (across, wrong_by), (across_inference, wrong_by_inference) = found["training"], found["inference"]
    require(across > 0.1 and wrong_by > 0.1, f"training: {found['training']}")
    require(across_inference == 0.0 and wrong_by_inference == 0.0, f"inference: {found['inference']}")
    return "; ".join(
        f"{mode}: across examples {round(a, 2)}, batch_jacobian off by {round(w, 2)}"
        for mode, (a, w) in found.items()
    )


def py_function_jacobian_fails_with_the_while_loop_too() -> str:
    """A ``tf.py_function``'s Jacobian fails with ``experimental_use_pfor=False`` as it does with pfor.

    >>> print(py_function_jacobian_fails_with_the_while_loop_too())  # doctest: +ELLIPSIS
    pfor: fails: `UnknownError` (after a while loop for `EagerPyFunc`); while loop: UnknownError: ... \
KeyError: b'pyfunc_...'
    """
    forward, x = case_named("tf.py_function").build()
    by_pfor = pfor_verdict(tape_call(forward), x)
    by_loop = py_function_jacobian_with_the_while_loop()
    require(by_pfor.outcome == "fails", f"pfor: {by_pfor}")
    require(by_loop.startswith("UnknownError") and "KeyError" in by_loop, f"while loop: {by_loop}")
    return f"pfor: {by_pfor}; while loop: {by_loop}"
