"""The Markdown tables of the costs page, each computed from the recorded results alone."""

from __future__ import annotations

from snippets.bench.methods import Call
from snippets.bench.queries import record, records_of_case, sweep
from snippets.bench.roles import label, the_method
from snippets.bench.schema import WEIGHT_GRADIENTS_SWEEP
from snippets.bench.statistics import growth_exponents, within_noise
from snippets.bench.units import format_bytes, format_ratio, format_seconds
from snippets.support.markdown import Markdown, markdown_table


def decision_table(data: dict, problem: str = "per-example") -> Markdown:
    """A Markdown table: for each case of ``problem``, the fastest method, or every method tied with it.

    Methods within run-to-run noise of the fastest (:func:`within_noise`) are a tie: the
    first column then names them all and none is called fastest. The other columns give the
    fastest median time and its method's peak memory, the fastest of the clearly slower
    methods, and the usual choice (``batch_jacobian`` in ``tf.function``, or the
    double-backward product).

    >>> from tests.bench_fixture import example
    >>> print(decision_table(example()))
    | batch | input width | output width | fastest, or tied within noise | time per call | peak memory |
      next, clearly slower | batch_jacobian, tf.function |
    |---:|---:|---:|---|---:|---:|---|---:|
    | 1 | 2 | 2 | batch_jacobian, tf.function | 1 ms | 1 MiB | jacobian (full), tf.function, 2x | 1x |
    | 4 | 2 | 2 | batch_jacobian, tf.function | 1 ms | 1 MiB | jacobian (full), tf.function, 16x | 1x |
    >>> data = example()
    >>> data["results"][2].update(median_s=0.0011, runs_s=[0.0011, 0.0015])
    >>> print(decision_table(data).splitlines()[2])
    | 1 | 2 | 2 | tie: batch_jacobian, tf.function; jacobian (full), tf.function | 1 ms | 1 MiB | ...
    """
    if problem == "per-example":
        reference = the_method(data, problem=problem, call=Call.BATCH_JACOBIAN, compiled=True)
    else:
        reference = the_method(data, problem=problem, call=Call.DOUBLE_BACKWARD)
    if problem == "per-example":
        header = ["batch", "input width", "output width"]
        shape = lambda case: [case["batch"], case["input_width"], case["output_width"]]  # noqa: E731
    else:
        header = ["width"]
        shape = lambda case: [case["width"]]  # noqa: E731
    header += ["fastest, or tied within noise", "time per call", "peak memory", "next, clearly slower"]
    header.append(label(data, reference))
    rows = []
    cases = [name for name, case in data["cases"].items() if case["problem"] == problem]
    cases.sort(key=lambda name: shape(data["cases"][name]))
    for name in cases:
        records = records_of_case(data, name)
        close = within_noise(records)
        if not close:
            continue
        best = close[0]
        ranked = sorted((r for r in records if r["status"] == "ok"), key=lambda r: r["median_s"])
        slower = [r for r in ranked if r not in close]
        winner = label(data, best["method"])
        if len(close) > 1:
            winner = "tie: " + "; ".join(label(data, r["method"]) for r in close)
        following = (
            f"{label(data, slower[0]['method'])}, {format_ratio(slower[0]['ratio_to_fastest'])}"
            if slower
            else "-"
        )
        ref = record(data, name, reference)
        rows.append(
            [
                *shape(data["cases"][name]),
                winner,
                format_seconds(best["median_s"]),
                format_bytes(best["peak_memory_bytes"]),
                following,
                format_ratio(ref["ratio_to_fastest"] if ref else None),
            ]
        )
    return markdown_table(header, rows, "r" * (len(header) - 5) + "lrrlr")


def ratio_table(data: dict, sweep_name: str) -> Markdown:
    """A Markdown table of every method's time relative to the fastest, one column per value of a sweep.

    >>> from tests.bench_fixture import example
    >>> print(ratio_table(example(), "batch"))
    | method | batch 1 | batch 4 |
    |---|---:|---:|
    | batch_jacobian | 100x | 50x |
    | batch_jacobian, tf.function | 1x | 1x |
    | jacobian (full), tf.function | 2x | 16x |
    """
    chosen = sweep(data, sweep_name)
    varies = chosen["varies"].replace("_", " ")
    rows = []
    for method, info in data["methods"].items():
        cells = [record(data, case, method) for case in chosen["cases"]]
        if all(cell is None for cell in cells):
            continue
        rows.append([info["label"], *(format_ratio(c and c.get("ratio_to_fastest")) for c in cells)])
    header = ["method", *(f"{varies} {value}" for value in chosen["values"])]
    return markdown_table(header, rows, "l" + "r" * len(chosen["values"]))


def first_call_table(data: dict, case: str) -> Markdown:
    """A Markdown table of each method's tracing and first call against its later calls, in one case.

    The last column says how many later calls the tracing and the first call cost together.

    >>> from tests.bench_fixture import example
    >>> print(first_call_table(example(), "b=4 n=2 m=2"))
    | method | tracing | first call | later calls (median) | tracing and first call, in later calls |
    |---|---:|---:|---:|---:|
    | batch_jacobian | - | 200 ms | 50 ms | 4x |
    | batch_jacobian, tf.function | 400 ms | 100 ms | 1 ms | 500x |
    | jacobian (full), tf.function | 500 ms | 100 ms | 16 ms | 38x |
    """
    header = [
        "method",
        "tracing",
        "first call",
        "later calls (median)",
        "tracing and first call, in later calls",
    ]
    rows = []
    for found in records_of_case(data, case):
        if found["status"] != "ok":
            continue
        upfront = (found.get("trace_s") or 0.0) + found["first_call_s"]
        rows.append(
            [
                data["methods"][found["method"]]["label"],
                format_seconds(found.get("trace_s")),
                format_seconds(found["first_call_s"]),
                format_seconds(found["median_s"]),
                format_ratio(upfront / found["median_s"]),
            ]
        )
    return markdown_table(header, rows, "lrrrr")


def growth_table(data: dict, sweep_name: str = WEIGHT_GRADIENTS_SWEEP) -> Markdown:
    """A Markdown table: each method's time at every size of a sweep, its growth, and its largest peak memory.

    The growth is fitted twice: over every size, and over the two largest only, where fixed
    costs matter least.

    >>> from tests.bench_fixture import example
    >>> print(growth_table(example(), "batch"))
    | method | batch 1 | batch 4 | time grows as | between the two largest | peak memory at batch 4 |
    |---|---:|---:|---:|---:|---:|
    | batch_jacobian | 100 ms | 50 ms | batch^-0.5 | batch^-0.5 | - |
    | batch_jacobian, tf.function | 1 ms | 1 ms | batch^0.0 | batch^0.0 | 1 MiB |
    | jacobian (full), tf.function | 2 ms | 16 ms | batch^1.5 | batch^1.5 | 4 MiB |
    """
    chosen = sweep(data, sweep_name)
    varies = chosen["varies"].replace("_", " ")
    largest = chosen["values"][-1]
    exponents = growth_exponents(data, sweep_name)
    at_the_top = growth_exponents(data, sweep_name, largest=2)
    header = [
        "method",
        *(f"{varies} {value}" for value in chosen["values"]),
        "time grows as",
        "between the two largest",
        f"peak memory at {varies} {largest}",
    ]
    rows = []
    for method, info in data["methods"].items():
        cells = [record(data, case, method) for case in chosen["cases"]]
        if all(cell is None for cell in cells):
            continue
        times = [format_seconds(c["median_s"]) if c and c["status"] == "ok" else "skipped" for c in cells]
        exponent = f"{varies}^{exponents[method]}" if method in exponents else "-"
        top = f"{varies}^{at_the_top[method]}" if method in at_the_top else "-"
        last = cells[-1]
        memory = format_bytes(last["peak_memory_bytes"]) if last and last["status"] == "ok" else "-"
        rows.append([info["label"], *times, exponent, top, memory])
    return markdown_table(header, rows, "l" + "r" * (len(chosen["values"]) + 3))
