"""A model of ``pfor``'s peak memory (iterations times a pass's largest tensor) against the recorded peaks.

``pfor`` runs every backward pass of a ``jacobian`` or ``batch_jacobian`` call at once, so
each tensor of one pass exists once per iteration, side by side. :func:`pfor_cost` counts
that for the benchmark's perceptron; the model predicts a peak of a fixed cost plus
:data:`PEAK_COPIES` times it, and :func:`model_rows`, :func:`model_table`,
:func:`model_fit` and :func:`model_summary` compare the prediction with the peaks the
benchmark recorded (``docs/_data/benchmarks.json``). The out-of-memory page shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

import tensorflow as tf

from snippets.bench.methods import HIDDEN_WIDTH, METHODS, Call
from snippets.bench.queries import record, sweep
from snippets.bench.roles import the_method
from snippets.support.markdown import markdown_table
from snippets.tools.shape_doctor import format_size

PEAK_COPIES = 3
"""How many tensors of the largest per-iteration size the model counts as alive at once (see the page)."""

MODEL_SWEEPS = ("batch", "input_width", "output_width")
"""The benchmark's sweeps of per-example Jacobians."""

# The tape calls whose pfor the model counts, by the registry's role, and pfor_cost's name for each.
_PFOR_CALLS = {Call.JACOBIAN: "jacobian", Call.BATCH_JACOBIAN: "batch_jacobian"}


@dataclass(frozen=True)
class PforCost:
    """What ``pfor`` holds for one Jacobian call of the perceptron: iterations times the largest tensor.

    ``largest`` names the largest tensor of one backward pass and ``largest_elements`` its
    size; ``term_bytes`` is ``iterations * largest_elements * itemsize``, the model's unit.

    >>> cost = pfor_cost("jacobian", batch=256, input_width=16, output_width=16)
    >>> cost.iterations, cost.largest, format_size(cost.term_bytes)
    (4096, 'hidden [b, h]', '256 MiB')
    """

    iterations: int
    largest: str
    largest_elements: int
    itemsize: int = 4

    @property
    def term_bytes(self) -> int:
        """Iterations times the largest per-iteration tensor, in bytes."""
        return self.iterations * self.largest_elements * self.itemsize


def pfor_cost(
    call: str,
    batch: int,
    input_width: int,
    output_width: int,
    hidden_width: int = HIDDEN_WIDTH,
    parallel_iterations: int | None = None,
    dtype=tf.float32,
) -> PforCost:
    """The model's count for ``call`` ("jacobian" or "batch_jacobian") of ``tanh(x @ w1) @ w2``.

    ``jacobian`` runs one backward pass per target element (``b * m``), ``batch_jacobian``
    one per element of a target row (``m``); ``parallel_iterations`` caps how many run at
    once. One backward pass holds the seed (a one-hot ``[b, m]``), the gradients of the
    hidden layer (``[b, h]``) and the source-shaped result row (``[b, n]``).

    >>> pfor_cost("batch_jacobian", batch=256, input_width=16, output_width=16).iterations
    16
    >>> pfor_cost("jacobian", 16, 8, 512).largest
    'seed [b, m]'
    >>> pfor_cost("jacobian", 128, 16, 16, parallel_iterations=256).iterations
    256
    """
    if call not in ("jacobian", "batch_jacobian"):
        raise ValueError(f"call must be 'jacobian' or 'batch_jacobian', not {call!r}")
    iterations = batch * output_width if call == "jacobian" else output_width
    if parallel_iterations is not None:
        iterations = min(iterations, parallel_iterations)
    per_iteration = {
        "seed [b, m]": batch * output_width,
        "hidden [b, h]": batch * hidden_width,
        "result row [b, n]": batch * input_width,
    }
    largest = max(per_iteration, key=per_iteration.get)
    return PforCost(iterations, largest, per_iteration[largest], tf.as_dtype(dtype).size)


def model_method(data: dict, call: Call, compiled: bool) -> str | None:
    """The benchmark's method the model is checked against for ``call``: its ``pfor`` version, eager or not.

    >>> from snippets.bench.schema import load_results
    >>> model_method(load_results(), Call.BATCH_JACOBIAN, compiled=True)
    'batch_jacobian_function'
    """
    return the_method(data, problem="per-example", call=call, vectorised=True, compiled=compiled)


def model_methods(data: dict) -> list[str]:
    """Every method the model is checked against: ``jacobian`` and ``batch_jacobian``, compiled then eager.

    >>> from snippets.bench.schema import load_results
    >>> model_methods(load_results())
    ['jacobian_function', 'batch_jacobian_function', 'jacobian', 'batch_jacobian']
    """
    found = (model_method(data, call, compiled) for compiled in (True, False) for call in _PFOR_CALLS)
    return [method for method in found if method is not None]


def model_rows(data: dict, sweep_name: str, method: str) -> list[dict]:
    """Predicted against measured peak for one benchmark method along one sweep.

    The prediction is the method's fixed cost (its measured peak at the sweep's first,
    smallest case, less the model's term there) plus ``PEAK_COPIES`` times the term.

    >>> from snippets.bench.schema import load_results
    >>> rows = model_rows(load_results(), "batch", "jacobian_function")
    >>> [row["case"] for row in rows][-1], rows[-1]["cost"].iterations
    ('b=256 n=16 m=16', 4096)
    """
    call = _PFOR_CALLS[METHODS[method].call]
    chosen = sweep(data, sweep_name)
    costs = {c: pfor_cost(call, **_sizes(data["cases"][c])) for c in chosen["cases"]}
    first = chosen["cases"][0]
    fixed = record(data, first, method)["peak_memory_bytes"] - PEAK_COPIES * costs[first].term_bytes
    rows = []
    for case in chosen["cases"]:
        found = record(data, case, method)
        measured = found["peak_memory_bytes"] if found and found["status"] == "ok" else None
        predicted = fixed + PEAK_COPIES * costs[case].term_bytes
        rows.append(
            {
                "case": case,
                "method": method,
                "cost": costs[case],
                "fixed": fixed,
                "predicted": predicted,
                "measured": measured,
                "ratio": None if measured is None else measured / predicted,
                "first": case == first,
            }
        )
    return rows


def _sizes(case: dict) -> dict:
    return {k: case[k] for k in ("batch", "input_width", "output_width")}


def model_table(data: dict, sweep_name: str, compiled: bool = True) -> str:
    """A Markdown table: each case of a sweep, ``jacobian`` and ``batch_jacobian`` predicted and measured.

    Each call gets the model's term (iterations times the largest tensor of one backward
    pass), the predicted peak, the measured peak and measured over predicted. ``compiled``
    picks the methods run in ``tf.function``; ``False``, the eager ones.

    >>> from snippets.bench.schema import load_results
    >>> print(model_table(load_results(), "batch").splitlines()[0])
    | case | jacobian: iterations x largest | predicted | measured | ratio | batch_jacobian: ...
    """
    header = ["case"]
    for name in _PFOR_CALLS.values():
        header += [f"{name}: iterations x largest", "predicted", "measured", "ratio"]
    rows = []
    jacobian_rows, batch_rows = (
        model_rows(data, sweep_name, model_method(data, call, compiled)) for call in _PFOR_CALLS
    )
    for row, other in zip(jacobian_rows, batch_rows, strict=True):
        cells = [row["case"]]
        for found in (row, other):
            cost = found["cost"]
            cells += [
                f"{cost.iterations} x {format_size(cost.largest_elements * cost.itemsize)} "
                f"({cost.largest.split()[0]}) = {format_size(cost.term_bytes)}",
                format_size(found["predicted"]),
                format_size(found["measured"]) if found["measured"] is not None else "-",
                "(fixed cost)" if found["first"] else _ratio_text(found["ratio"]),
            ]
        rows.append(cells)
    return markdown_table(header, rows, "l" + "lrrr" * 2)


def _ratio_text(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}"


def model_fit(data: dict) -> dict:
    """Measured over predicted for every method and sweep, without each sweep's first case (the fixed cost).

    Returns the rows, the lowest and the highest ratio, and the rows where the model's
    term dominates (``PEAK_COPIES`` times the term above the fixed cost).

    >>> from snippets.bench.schema import load_results
    >>> fit = model_fit(load_results())
    >>> len(fit["rows"]), 0.5 < fit["low"]["ratio"] <= fit["high"]["ratio"] < 2
    (48, True)
    """
    rows = [
        row
        for name in MODEL_SWEEPS
        for method in model_methods(data)
        for row in model_rows(data, name, method)
        if not row["first"] and row["ratio"] is not None
    ]
    dominant = [row for row in rows if PEAK_COPIES * row["cost"].term_bytes > row["fixed"]]
    return {
        "rows": rows,
        "low": min(rows, key=lambda r: r["ratio"]),
        "high": max(rows, key=lambda r: r["ratio"]),
        "dominant": dominant,
    }


def model_summary(data: dict) -> str:
    """Markdown sentences on how close the model is: the range of measured over predicted, and its extremes.

    >>> from snippets.bench.schema import load_results
    >>> print(model_summary(load_results()))
    Over the 48 measured peaks the model predicts (4 methods, 3 sweeps, without each sweep's first case), ...
    """
    fit = model_fit(data)
    low, high = fit["low"], fit["high"]
    dominant = fit["dominant"]
    dominant_ratios = [r["ratio"] for r in dominant]

    def where(row):
        return f"{row['method']} at {row['case']}"

    return (
        f"Over the {len(fit['rows'])} measured peaks the model predicts ({len(model_methods(data))} methods, "
        f"{len(MODEL_SWEEPS)} sweeps, without each sweep's first case), measured over predicted runs from "
        f"{low['ratio']:.2f} ({where(low)}) to {high['ratio']:.2f} ({where(high)}). In the {len(dominant)} "
        f"where the model's term outweighs the fixed cost, from {min(dominant_ratios):.2f} to "
        f"{max(dominant_ratios):.2f}."
    )
