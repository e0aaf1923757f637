"""Checks for the claims about cost, against the recorded benchmark results (never a fresh timing)."""

from __future__ import annotations

from snippets.bench_report import (
    WEIGHT_GRADIENTS_SWEEP,
    compare,
    format_ratio,
    growth_exponents,
    load_results,
    record,
    sweep,
)
from snippets.claims import require


def per_example_weight_gradients_jacobian_grows_faster_than_vectorized_map() -> str:
    """Per-example weight gradients: ``jacobian``'s time grows much faster than the batch, not vmap's.

    Both inside ``tf.function``: ``jacobian`` of the loss vector grows as ``batch**1.5`` or
    faster, ``vectorized_map`` over one-example tapes at most linearly (exponent 1.2 at
    most), and the latter is faster beyond the run-to-run spread at the largest batch.

    >>> print(per_example_weight_gradients_jacobian_grows_faster_than_vectorized_map())
    jacobian grew as batch^... and vectorized_map as batch^...; at batch 1024 the jacobian took ...x the time
    """
    data = load_results()
    exponents = growth_exponents(data, WEIGHT_GRADIENTS_SWEEP)
    jacobian, mapped = exponents["weights_jacobian_function"], exponents["weights_vectorized_map_function"]
    require(jacobian >= 1.5, f"jacobian's time grew as batch^{jacobian}, not much faster than linearly")
    require(mapped <= 1.2, f"vectorized_map's time grew as batch^{mapped}, faster than linearly")
    largest = sweep(data, WEIGHT_GRADIENTS_SWEEP)["cases"][-1]
    slow = record(data, largest, "weights_jacobian_function")
    fast = record(data, largest, "weights_vectorized_map_function")
    require(compare(fast, slow) == "faster", f"vectorized_map is not clearly faster at {largest}")
    batch = data["cases"][largest]["batch"]
    return (
        f"jacobian grew as batch^{jacobian} and vectorized_map as batch^{mapped}; at batch {batch} the "
        f"jacobian took {format_ratio(slow['median_s'] / fast['median_s'])} the time"
    )
