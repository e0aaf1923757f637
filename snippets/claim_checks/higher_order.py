"""Checks for the claims of the Second derivatives page (Hessians and Hessian-vector products)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from snippets.bench.queries import record, sweep
from snippets.bench.schema import load_results
from snippets.bench.statistics import compare
from snippets.higher_order import (
    cubic,
    hessian,
    hessians_eagerly,
    hessians_in_graph,
    hvp_matches_hessian,
    rosenbrock,
    squared_norm_of_product,
)
from snippets.support.claims import require

_PRODUCTS = ("hvp_reverse_over_reverse", "hvp_forward_over_reverse")


def _hessian_vector_records() -> list[tuple[int, dict]]:
    """``(width, {method: record})`` for each recorded Hessian-vector width where all three methods ran."""
    data = load_results()
    chosen = sweep(data, "hessian_width")
    found = []
    for width, case in zip(chosen["values"], chosen["cases"], strict=True):
        records = {m: record(data, case, m) for m in ("hessian_then_product", *_PRODUCTS)}
        if all(r is not None and r["status"] == "ok" for r in records.values()):
            found.append((width, records))
    require(len(found) >= 2, f"only {len(found)} Hessian-vector widths were measured")
    return found


def gradient_tape_has_no_hessian_and_tf_hessians_is_graph_only() -> str:
    """``tf.GradientTape`` has no ``hessian`` method, and ``tf.hessians`` raises when called eagerly.

    >>> print(gradient_tape_has_no_hessian_and_tf_hessians_is_graph_only())
    no GradientTape.hessian(s); eager tf.hessians: RuntimeError: tf.gradients is not supported when eager ...
    """
    require(
        not any(hasattr(tf.GradientTape, name) for name in ("hessian", "hessians")),
        "tf.GradientTape has a hessian method now",
    )
    try:
        hessians_eagerly()
    except RuntimeError as error:
        return f"no GradientTape.hessian(s); eager tf.hessians: RuntimeError: {error}"
    raise AssertionError("tf.hessians ran eagerly")


def gradient_of_a_non_scalar_target_is_the_gradient_of_its_sum() -> str:
    """``tape.gradient`` of a non-scalar target raises nothing and returns the gradient of the target's sum.

    >>> print(gradient_of_a_non_scalar_target_is_the_gradient_of_its_sum())
    gradient of x * x at [1, 2]: [2. 4.]; of sum(x * x): [2. 4.]
    """
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        total = tf.reduce_sum(y)
    of_vector, of_sum = tape.gradient(y, x).numpy(), tape.gradient(total, x).numpy()
    require(np.array_equal(of_vector, of_sum), f"{of_vector} is not {of_sum}")
    return f"gradient of x * x at [1, 2]: {of_vector}; of sum(x * x): {of_sum}"


def tf_hessians_in_graph_equals_nested_tapes_in_both_modes() -> str:
    """``tf.hessians`` in a ``tf.function`` equals the nested-tape Hessian, eager and in a ``tf.function``.

    >>> print(tf_hessians_in_graph_equals_nested_tapes_in_both_modes())
    cubic at (1, 2, 3): tf.hessians in graph == nested tapes eager == nested tapes in tf.function
    """
    x = tf.constant([1.0, 2.0, 3.0])
    eager = hessian(cubic, x).numpy()
    in_graph = tf.function(lambda x: hessian(cubic, x))(x).numpy()
    graph_only = hessians_in_graph().numpy()
    require(np.array_equal(eager, in_graph), f"nested tapes differ between modes: {eager} vs {in_graph}")
    require(np.array_equal(eager, graph_only), f"tf.hessians gives {graph_only}, nested tapes {eager}")
    return "cubic at (1, 2, 3): tf.hessians in graph == nested tapes eager == nested tapes in tf.function"


def rosenbrock_hessian_is_dense_with_exact_zeros() -> str:
    """The Rosenbrock Hessian from ``jacobian`` is a dense ``[n, n]`` tensor, 0.0 off the 3 diagonals.

    >>> print(rosenbrock_hessian_is_dense_with_exact_zeros())
    n=8: dense tf.Tensor of shape (8, 8), 64 numbers stored, the 42 off the three diagonals all exactly 0.0
    """
    h = hessian(rosenbrock, tf.ones([8]))
    require(isinstance(h, tf.Tensor) and not isinstance(h, tf.SparseTensor), f"got a {type(h).__name__}")
    values = h.numpy()
    rows, columns = np.indices(values.shape)
    off = values[np.abs(rows - columns) > 1]
    require(bool(np.all(off == 0.0)), f"off-tridiagonal entries are not all exactly zero: {off}")
    require(bool(np.all(np.diag(values) != 0)), "the diagonal has zeros")
    return (
        f"n=8: dense tf.Tensor of shape {tuple(h.shape)}, {values.size} numbers stored, "
        f"the {off.size} off the three diagonals all exactly 0.0"
    )


def hvp_recipes_equal_hessian_times_v() -> str:
    """Double backward and forward over reverse both give ``H @ v``, for a vector and for a matrix source.

    >>> print(hvp_recipes_equal_hessian_times_v())
    both products equal H @ v: cubic at (1, 2, 3) with v = (1, 0, -1); |w v|^2 at a 2x3 matrix
    """
    checks = {
        "cubic": hvp_matches_hessian(cubic, tf.constant([1.0, 2.0, 3.0]), tf.constant([1.0, 0.0, -1.0])),
        "matrix": hvp_matches_hessian(
            squared_norm_of_product, tf.reshape(tf.range(6.0), [2, 3]), tf.ones([2, 3])
        ),
    }
    for name, check in checks.items():
        require(check["double backward"] and check["forward over reverse"], f"{name}: {check}")
    return "both products equal H @ v: cubic at (1, 2, 3) with v = (1, 0, -1); |w v|^2 at a 2x3 matrix"


def forward_accumulator_doc_calls_the_nesting_memory_efficient() -> str:
    """``ForwardAccumulator``'s docstring: nested tapes ignore outer accumulators, which "allows" the HVP.

    The phrase is about the order of nesting (the tape inside does not record the
    accumulator's tangent computations), not a comparison with double backward.

    >>> print(forward_accumulator_doc_calls_the_nesting_memory_efficient())
    the docstring says: "More deeply nested `GradientTape` objects will ignore the products of outer ...
    """
    doc = " ".join((tf.autodiff.ForwardAccumulator.__doc__ or "").split())
    quotes = (
        "More deeply nested `GradientTape` objects will ignore the products of outer "
        "`ForwardAccumulator` objects. This allows (for example) memory-efficient forward-over-backward "
        "computation of Hessian-vector products, where the inner `GradientTape` would otherwise hold on "
        "to all intermediate JVPs",
    )
    for quote in quotes:
        require(quote in doc, f"ForwardAccumulator's docstring no longer says: {quote}")
    return f'the docstring says: "{quotes[0]}"'


def hessian_time_grows_faster_with_width_than_hvp_time() -> str:
    """Recorded benchmark: from the smallest width to the largest, the Hessian's time grew 10x more.

    >>> print(hessian_time_grows_faster_with_width_than_hvp_time())
    from width 16 to 4096: full Hessian ...x, double backward ...x, forward over reverse ...x
    """
    found = _hessian_vector_records()
    (first, small), (last, large) = found[0], found[-1]
    growth = {m: large[m]["median_s"] / small[m]["median_s"] for m in small}
    for product in _PRODUCTS:
        require(
            growth["hessian_then_product"] > 10 * growth[product],
            f"the Hessian grew {growth['hessian_then_product']:.1f}x, {product} {growth[product]:.1f}x",
        )
    return (
        f"from width {first} to {last}: full Hessian {growth['hessian_then_product']:.0f}x, "
        f"double backward {growth['hvp_reverse_over_reverse']:.1f}x, "
        f"forward over reverse {growth['hvp_forward_over_reverse']:.1f}x"
    )


def forward_over_reverse_used_more_peak_memory_than_double_backward() -> str:
    """Recorded benchmark: at every width, forward over reverse had the higher peak memory of the two HVPs.

    >>> print(forward_over_reverse_used_more_peak_memory_than_double_backward())
    forward over reverse minus double backward, peak memory: ... MiB at width 16, ... MiB at width 4096
    """
    found = _hessian_vector_records()
    differences = []
    for width, records in found:
        forward, double = (
            records[m]["peak_memory_bytes"] for m in ("hvp_forward_over_reverse", _PRODUCTS[0])
        )
        require(forward is not None and double is not None, f"peak memory was not measured at width {width}")
        require(
            forward > double, f"at width {width} forward over reverse used {forward} bytes, double {double}"
        )
        differences.append(f"{(forward - double) / 2**20:+.1f} MiB at width {width}")
    return "forward over reverse minus double backward, peak memory: " + ", ".join(differences)


def forward_over_reverse_was_never_clearly_faster() -> str:
    """Recorded benchmark: at no width was forward over reverse faster than double backward beyond the spread.

    >>> print(forward_over_reverse_was_never_clearly_faster())
    forward over reverse against double backward: width 16 ..., width 4096 ...
    """
    verdicts = []
    for width, records in _hessian_vector_records():
        verdict = compare(records["hvp_forward_over_reverse"], records["hvp_reverse_over_reverse"])
        require(verdict != "faster", f"at width {width} forward over reverse was clearly faster")
        verdicts.append(f"width {width} {verdict}")
    return "forward over reverse against double backward: " + ", ".join(verdicts)
