"""Checks for the claims of the Forward mode page (``ForwardAccumulator`` and Jacobian-vector products)."""

from __future__ import annotations

import weakref

import tensorflow as tf

from snippets.bench.queries import record, sweep
from snippets.bench.schema import load_results
from snippets.bench.statistics import compare, fastest_method
from snippets.forward_mode import jvp, unconnected_jvp
from snippets.support.claims import require

_FORWARD = "forward_mode_function"


def _width_cases(data: dict) -> list[str]:
    """The cases of the two width sweeps (input width, output width), each once."""
    cases: list[str] = []
    for name in ("input_width", "output_width"):
        cases += [case for case in sweep(data, name)["cases"] if case not in cases]
    return cases


def _reverse_methods(data: dict) -> list[str]:
    return [
        m
        for m, info in data["methods"].items()
        if info["problem"] == "per-example" and info["mode"] == "reverse"
    ]


def jvp_has_the_output_shape_gradient_the_source_shape() -> str:
    """With a tangent of the source's shape, the JVP has the output's shape; ``tape.gradient`` the source's.

    >>> print(jvp_has_the_output_shape_gradient_the_source_shape())
    source (3,), output (2, 2): jvp (2, 2), gradient (3,)
    """
    x = tf.constant([1.0, 2.0, 3.0])

    def f(x):
        return tf.reshape(tf.concat([x, x[:1]], axis=0) ** 2, [2, 2])

    _, product = jvp(f, x, tf.ones([3]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    gradient = tape.gradient(y, x)
    require(product.shape == y.shape, f"jvp has shape {product.shape}, output {y.shape}")
    require(gradient.shape == x.shape, f"gradient has shape {gradient.shape}, source {x.shape}")
    shapes = f"jvp {tuple(product.shape)}, gradient {tuple(gradient.shape)}"
    return f"source {tuple(x.shape)}, output {tuple(y.shape)}: {shapes}"


def unconnected_output_gives_none_for_jvp_and_gradient() -> str:
    """For an output that does not depend on the source, ``acc.jvp`` and ``tape.gradient`` both give ``None``.

    >>> print(unconnected_output_gives_none_for_jvp_and_gradient())
    acc.jvp: None, tape.gradient: None; with UnconnectedGradients.ZERO: [0.0, 0.0]
    """
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.constant([4.0, 5.0])
    gradient = tape.gradient(y, x)
    forward = unconnected_jvp()
    require(forward["default"] is None and gradient is None, f"jvp {forward['default']}, gradient {gradient}")
    return (
        f"acc.jvp: {forward['default']}, tape.gradient: {gradient}; "
        f"with UnconnectedGradients.ZERO: {forward['UnconnectedGradients.ZERO']}"
    )


def fewer_inputs_than_outputs_is_not_enough_for_forward_mode_to_win() -> str:
    """Recorded width sweeps: forward mode clearly beat reverse mode only at a wide margin of shape.

    Against the fastest reverse-mode method of each case, with the run-to-run spread
    (:func:`snippets.bench.statistics.compare`): vectorised forward mode was clearly faster
    somewhere; everywhere it was, the output was at least 16 times as wide as the input;
    in some case with fewer inputs than outputs it was not clearly faster; and it was
    never clearly faster where the input was the wider side.

    >>> print(fewer_inputs_than_outputs_is_not_enough_for_forward_mode_to_win())
    forward mode against the fastest reverse-mode method: n=2 m=8 ..., n=8 m=512 faster
    """
    data = load_results()
    verdicts = []
    for case in _width_cases(data):
        shape = data["cases"][case]
        forward = record(data, case, _FORWARD)
        best = fastest_method([r for m in _reverse_methods(data) if (r := record(data, case, m))])
        if not (forward and forward["status"] == "ok" and best):
            continue
        n, m = shape["input_width"], shape["output_width"]
        verdicts.append((n, m, compare(forward, best)))
    wins = [(n, m) for n, m, v in verdicts if v == "faster"]
    require(bool(wins), "forward mode was never clearly faster")
    require(all(m >= 16 * n for n, m in wins), f"forward mode won at a narrow margin of shape: {wins}")
    require(
        any(v != "faster" for n, m, v in verdicts if n < m),
        "forward mode won every case with fewer inputs than outputs",
    )
    require(not any(v == "faster" for n, m, v in verdicts if n > m), "forward mode won with the wider input")
    return "forward mode against the fastest reverse-mode method: " + ", ".join(
        f"n={n} m={m} {v}" for n, m, v in verdicts
    )


def vectorised_forward_mode_time_grows_with_the_input_width() -> str:
    """Recorded input-width sweep: vectorised forward mode was clearly slower at the widest input.

    >>> print(vectorised_forward_mode_time_grows_with_the_input_width())
    vectorised forward mode, output width 8: ... at input width 2, ... at input width 512 (...x)
    """
    data = load_results()
    chosen = sweep(data, "input_width")
    measured = [
        (width, found)
        for width, case in zip(chosen["values"], chosen["cases"], strict=True)
        if (found := record(data, case, _FORWARD)) and found["status"] == "ok"
    ]
    (narrow, first), (wide, last) = measured[0], measured[-1]
    require(compare(first, last) == "faster", f"forward mode at input width {wide} was not clearly slower")
    return (
        f"vectorised forward mode, output width {chosen['fixed']['output_width']}: "
        f"{1000 * first['median_s']:.2f} ms at input width {narrow}, {1000 * last['median_s']:.2f} ms at "
        f"input width {wide} ({last['median_s'] / first['median_s']:.0f}x)"
    )


def tape_holds_intermediates_forward_accumulator_does_not() -> str:
    """A tape keeps an intermediate its backward pass needs until ``gradient``; an accumulator lets it go.

    Also checks the quoted words of ``ForwardAccumulator``'s docstring.

    >>> print(tape_holds_intermediates_forward_accumulator_does_not())
    exp(x) with its last reference deleted: alive under the tape until gradient, freed under the ...
    """
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        intermediate = tf.exp(x)
        held = weakref.ref(intermediate)
        y = tf.sin(intermediate)  # sin's gradient needs its input
        del intermediate
    before = held() is not None
    tape.gradient(y, x)
    after = held() is not None
    require(before and not after, f"under the tape: alive before gradient {before}, after {after}")

    with tf.autodiff.ForwardAccumulator(x, tf.ones([2])) as accumulator:
        intermediate = tf.exp(x)
        held = weakref.ref(intermediate)
        y = tf.sin(intermediate)
        del intermediate
    require(held() is None, "the accumulator kept the intermediate alive")
    require(accumulator.jvp(y) is not None, "the accumulator lost the JVP")

    doc = " ".join((tf.autodiff.ForwardAccumulator.__doc__ or "").split())
    quote = "Since it does not hold on to intermediate activations"
    require(quote in doc, "ForwardAccumulator's docstring no longer says it does not hold on to activations")
    return (
        "exp(x) with its last reference deleted: alive under the tape until gradient, freed under the "
        f'accumulator at once; the docstring says "{quote}"'
    )


def lowest_peak_memory_in_every_width_case_was_reverse_mode() -> str:
    """Recorded width sweeps: in every case the method with the lowest peak memory was a reverse-mode one.

    >>> print(lowest_peak_memory_in_every_width_case_was_reverse_mode())
    lowest peak memory: gradient_per_output_loop in 9 of 9 cases; vectorised forward mode ... MiB
    """
    data = load_results()
    leanest: dict[str, int] = {}
    cases = _width_cases(data)
    forward_mib = []
    for case in cases:
        found = [
            r
            for r in data["results"]
            if r["case"] == case
            and r["status"] == "ok"
            and r["peak_memory_bytes"] is not None
            and data["methods"][r["method"]]["problem"] == "per-example"
        ]
        lowest = min(found, key=lambda r: r["peak_memory_bytes"])
        require(
            data["methods"][lowest["method"]]["mode"] == "reverse",
            f"{case}: {lowest['method']} had the lowest peak memory",
        )
        leanest[lowest["method"]] = leanest.get(lowest["method"], 0) + 1
        forward_mib += [r["peak_memory_bytes"] / 2**20 for r in found if r["method"] == _FORWARD]
    return (
        "lowest peak memory: "
        + "; ".join(f"{m} in {k} of {len(cases)} cases" for m, k in leanest.items())
        + f"; vectorised forward mode {min(forward_mib):.0f} to {max(forward_mib):.0f} MiB"
    )
