"""Checks for the claims about cost, against the recorded benchmark results (never a fresh timing)."""

from __future__ import annotations

from snippets.bench.queries import record, sweep
from snippets.bench.schema import CONV_WEIGHT_GRADIENTS_SWEEP, WEIGHT_GRADIENTS_SWEEP, load_results
from snippets.bench.statistics import compare, growth_exponents
from snippets.bench.units import format_ratio
from snippets.support.claims import require


def per_example_weight_gradients_jacobian_grows_faster_than_vectorized_map() -> str:
    """Per-example weight gradients: ``jacobian``'s time grows much faster than the batch, not vmap's.

    For the MLP and the conv net, both inside ``tf.function``, between the two largest
    batches each method was timed at (where fixed costs matter least): ``jacobian`` of the
    loss vector grows as ``batch**1.7`` or faster, ``vectorized_map`` over one-example tapes
    at most linearly (exponent 1.2 at most); and the latter is faster beyond the run-to-run
    spread at the largest batch where both were timed.

    >>> print(per_example_weight_gradients_jacobian_grows_faster_than_vectorized_map())
    between the two largest batches each was timed at, jacobian grew as batch^... and vectorized_map \
as batch^... (MLP), batch^... and batch^... (conv net); the jacobian took ...x the time at batch \
... (MLP) and ...x at batch ... (conv net)
    """
    data = load_results()
    found = []
    for sweep_name in (WEIGHT_GRADIENTS_SWEEP, CONV_WEIGHT_GRADIENTS_SWEEP):
        exponents = growth_exponents(data, sweep_name, largest=2)
        jacobian = exponents["weights_jacobian_function"]
        mapped = exponents["weights_vectorized_map_function"]
        require(
            jacobian >= 1.7, f"{sweep_name}: jacobian grew as batch^{jacobian}, not much faster than linear"
        )
        require(mapped <= 1.2, f"{sweep_name}: vectorized_map grew as batch^{mapped}, faster than linearly")
        both = [
            (slow, fast, data["cases"][case]["batch"])
            for case in sweep(data, sweep_name)["cases"]
            if (slow := record(data, case, "weights_jacobian_function"))["status"] == "ok"
            and (fast := record(data, case, "weights_vectorized_map_function"))["status"] == "ok"
        ]
        slow, fast, batch = both[-1]  # the largest batch where both were timed
        require(compare(fast, slow) == "faster", f"vectorized_map is not clearly faster at batch {batch}")
        found.append((jacobian, mapped, batch, slow["median_s"] / fast["median_s"]))
    (j1, m1, b1, r1), (j2, m2, b2, r2) = found
    return (
        f"between the two largest batches each was timed at, jacobian grew as batch^{j1} and "
        f"vectorized_map as batch^{m1} (MLP), batch^{j2} and batch^{m2} (conv net); the jacobian took "
        f"{format_ratio(r1)} the time at batch {b1} (MLP) and {format_ratio(r2)} at batch {b2} (conv net)"
    )


def _exponent(data: dict, sweep_name: str, method: str, metric: str = "median_s") -> float:
    exponents = growth_exponents(data, sweep_name, metric)
    require(method in exponents, f"{method} was not measured at two sizes of the {sweep_name} sweep")
    return exponents[method]


def eager_pfor_wraps_its_work_in_a_new_function_per_call() -> str:
    """Eagerly, ``pfor`` wraps its loop in a new ``tf.function`` per call; eager ``batch_jacobian`` is slower.

    Read from the installed ``pfor`` source, and from the recorded batch sweep: eager
    ``batch_jacobian`` was slower than the same call inside ``tf.function`` beyond the noise
    at every batch size.

    >>> print(eager_pfor_wraps_its_work_in_a_new_function_per_call())
    pfor source: "if context.executing_eagerly() ...: f = def_function.function(f)"; eager batch_jacobian \
slower than in tf.function at 5 of 5 batch sizes, by ...x to ...x
    """
    import inspect

    from tensorflow.python.ops.parallel_for import control_flow_ops

    source = inspect.getsource(control_flow_ops.pfor)
    eager_branch = source[source.index("if context.executing_eagerly()") :]
    require(
        "f = def_function.function(f)" in eager_branch.split("outputs = f()")[0], "pfor no longer wraps f"
    )
    data = load_results()
    cases = sweep(data, "batch")["cases"]
    pairs = [(record(data, c, "batch_jacobian"), record(data, c, "batch_jacobian_function")) for c in cases]
    slower = [
        eager["median_s"] / compiled["median_s"]
        for eager, compiled in pairs
        if compare(eager, compiled) == "slower"
    ]
    require(
        len(slower) == len(cases), f"eager batch_jacobian clearly slower at {len(slower)} of {len(cases)}"
    )
    return (
        'pfor source: "if context.executing_eagerly() ...: f = def_function.function(f)"; '
        f"eager batch_jacobian slower than in tf.function at {len(slower)} of {len(cases)} batch sizes, by "
        f"{format_ratio(min(slower))} to {format_ratio(max(slower))}"
    )


def full_jacobian_grows_faster_with_the_batch_than_batch_jacobian() -> str:
    """The full ``jacobian``'s result grows as ``b**2``, its recorded time faster than ``batch_jacobian``'s.

    >>> print(full_jacobian_grows_faster_with_the_batch_than_batch_jacobian())
    result bytes from batch 1 to 256: x65536 (b^2); time grew as batch^... (jacobian) against batch^... \
(batch_jacobian), both in tf.function
    """
    data = load_results()
    chosen = sweep(data, "batch")
    first, last = (record(data, c, "jacobian_function") for c in (chosen["cases"][0], chosen["cases"][-1]))
    growth = last["result_bytes"] // first["result_bytes"]
    b0, b1 = chosen["values"][0], chosen["values"][-1]
    require(growth == (b1 // b0) ** 2, f"the result grew {growth} times, not (b1/b0)**2")
    full = _exponent(data, "batch", "jacobian_function")
    batched = _exponent(data, "batch", "batch_jacobian_function")
    require(full - batched >= 0.5, f"jacobian grew as batch^{full}, batch_jacobian as batch^{batched}")
    return (
        f"result bytes from batch {b0} to {b1}: x{growth} (b^2); time grew as batch^{full} (jacobian) "
        f"against batch^{batched} (batch_jacobian), both in tf.function"
    )


def gradient_loops_grow_with_the_number_of_calls() -> str:
    """The loops of ``gradient`` calls grow with their number of calls: outputs, and examples times outputs.

    >>> print(gradient_loops_grow_with_the_number_of_calls())
    loop over outputs: time grew as output_width^...; loop over examples and outputs: as batch^... \
and output_width^...
    """
    data = load_results()
    per_output = _exponent(data, "output_width", "gradient_per_output_loop")
    per_example_batch = _exponent(data, "batch", "gradient_per_example_loop")
    per_example_width = _exponent(data, "output_width", "gradient_per_example_loop")
    for name, value in [("per-output loop against output width", per_output),
                        ("per-example loop against batch", per_example_batch),
                        ("per-example loop against output width", per_example_width)]:  # fmt: skip
        require(value >= 0.7, f"{name} grew as ^{value}, not about linearly")
    return (
        f"loop over outputs: time grew as output_width^{per_output}; loop over examples and outputs: as "
        f"batch^{per_example_batch} and output_width^{per_example_width}"
    )


def jacobian_without_pfor_is_a_sequential_loop() -> str:
    """``experimental_use_pfor=False`` runs a sequential ``while_loop``: one backward pass per output row.

    >>> print(jacobian_without_pfor_is_a_sequential_loop())
    docstring: "Else falls back to a sequential while_loop"; time grew as output_width^...
    """
    import tensorflow as tf

    doc = " ".join(tf.GradientTape.jacobian.__doc__.split())
    require("Else falls back to a sequential while_loop" in doc, "the jacobian docstring changed")
    exponent = _exponent(load_results(), "output_width", "jacobian_while_loop")
    require(exponent >= 0.7, f"the while-loop jacobian grew as output_width^{exponent}")
    return f'docstring: "Else falls back to a sequential while_loop"; time grew as output_width^{exponent}'


def hessian_vector_products_stay_flat_while_the_hessian_grows() -> str:
    """Over the recorded widths, both HVP methods' time grew far more slowly than forming the Hessian first.

    >>> print(hessian_vector_products_stay_flat_while_the_hessian_grows())
    time against width: double backward ^..., forward over reverse ^..., Hessian then product ^...
    """
    data = load_results()
    rr = _exponent(data, "hessian_width", "hvp_reverse_over_reverse")
    fr = _exponent(data, "hessian_width", "hvp_forward_over_reverse")
    full = _exponent(data, "hessian_width", "hessian_then_product")
    require(full - max(rr, fr) >= 0.5, f"HVPs grew as width^{rr} and ^{fr}, the Hessian as ^{full}")
    return (
        f"time against width: double backward ^{rr}, forward over reverse ^{fr}, Hessian then product ^{full}"
    )


def tf_function_traces_again_for_each_new_batch_size() -> str:
    """A ``tf.function`` without ``input_signature`` traces once per new input shape.

    >>> print(tf_function_traces_again_for_each_new_batch_size())
    batch sizes 1, 2, 3, 4: 4 traces; with input_signature [None, 2]: 1 trace
    """
    import tensorflow as tf

    plain = tf.function(lambda x: tf.reduce_sum(x**2))
    fixed = tf.function(lambda x: tf.reduce_sum(x**2), input_signature=[tf.TensorSpec([None, 2])])
    for batch in (1, 2, 3, 4):
        plain(tf.ones([batch, 2]))
        fixed(tf.ones([batch, 2]))
    traces = plain.experimental_get_tracing_count(), fixed.experimental_get_tracing_count()
    require(traces == (4, 1), f"traces: {traces}")
    return f"batch sizes 1, 2, 3, 4: {traces[0]} traces; with input_signature [None, 2]: {traces[1]} trace"


def timed_hvp_recipes_compute_what_the_higher_order_page_shows() -> str:
    """The benchmark's HVP and Hessian recipes give the higher-order page's functions' numbers.

    >>> print(timed_hvp_recipes_compute_what_the_higher_order_page_shows())
    hvp_reverse_over_reverse = hvp_double_backward, hvp_forward_over_reverse = hvp_forward_over_reverse,
    hessian_then_product = hessian, then matvec: equal within 1e-5 at widths 5 and 50
    """
    import numpy as np
    import tensorflow as tf

    from snippets import higher_order
    from snippets.bench import methods

    pairs = {
        "hvp_reverse_over_reverse = hvp_double_backward": (
            methods.hvp_reverse_over_reverse,
            higher_order.hvp_double_backward,
        ),
        "hvp_forward_over_reverse = hvp_forward_over_reverse": (
            methods.hvp_forward_over_reverse,
            higher_order.hvp_forward_over_reverse,
        ),
        "hessian_then_product = hessian, then matvec": (
            methods.hessian_then_product,
            lambda f, x, v: tf.linalg.matvec(higher_order.hessian(f, x), v),
        ),
    }
    widths = (5, 50)
    for width in widths:
        x, v, w1, w2 = methods.hessian_inputs(width=width)

        def f(z, w1=w1, w2=w2):
            return methods.scalar_mlp(z, w1, w2)

        for name, (timed, shown) in pairs.items():
            require(
                np.allclose(timed(x, v, w1, w2).numpy(), shown(f, x, v).numpy(), rtol=1e-5, atol=1e-5),
                f"{name} no longer holds at width {width}",
            )
    return f"{', '.join(pairs)}: equal within 1e-5 at widths {widths[0]} and {widths[1]}"
