"""Why a Jacobian runs out of memory: its size from the shapes, ``pfor``'s peak, and calls that need less.

Two numbers say whether a Jacobian fits. The **result** holds one number per pair of
target and source elements, so its bytes follow from the shapes and the dtype alone
(:func:`jacobian_bytes`, :func:`batch_jacobian_bytes`). The **peak** while computing it
is larger: ``pfor`` runs every backward pass at once, one per target element (or per
element of a target row, for ``batch_jacobian``), so each tensor of one backward pass
exists once per iteration, side by side (:func:`pfor_cost`). The model here predicts the
benchmark's recorded peaks from that (:func:`model_table`); the remedies, each measured
in a fresh process (:func:`measure_peaks`), cut the number of iterations that run at
once (:func:`chunked_jacobian`, :func:`jacobian_in_slices`) or never form the matrix
(:func:`jacobian_vector_product`, :func:`vector_jacobian_product`).
"""

from __future__ import annotations

import json
import math
import multiprocessing
import multiprocessing.connection
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf

from snippets.bench import methods as bench_methods
from snippets.bench.memory import memory_baseline, peak_resident_bytes
from snippets.bench.queries import record, sweep
from snippets.support.markdown import markdown_table
from snippets.tools.shape_doctor import format_size

HIDDEN_WIDTH = bench_methods.HIDDEN_WIDTH
"""The hidden width ``h`` of the benchmark's perceptron ``tanh(x @ w1) @ w2``."""

PEAK_COPIES = 3
"""How many tensors of the largest per-iteration size the model counts as alive at once (see the page)."""

MODEL_METHODS = {
    "jacobian_function": "jacobian",
    "batch_jacobian_function": "batch_jacobian",
    "jacobian": "jacobian",
    "batch_jacobian": "batch_jacobian",
}
"""The benchmark's methods the model is checked against, and the tape call each one makes."""

MODEL_SWEEPS = ("batch", "input_width", "output_width")
"""The benchmark's sweeps of per-example Jacobians."""


# --- The size of the result ------------------------------------------------------------------


def jacobian_bytes(target_shape, source_shape, dtype=tf.float32) -> int:
    """The bytes of ``tape.jacobian(target, source)``: ``size(target) * size(source) * itemsize``.

    >>> jacobian_bytes((256, 16), (256, 16))  # the benchmark's largest batch: 64 MiB
    67108864
    >>> jacobian_bytes((10,), (3, 4), tf.float64)
    960
    """
    return math.prod(target_shape) * math.prod(source_shape) * tf.as_dtype(dtype).size


def batch_jacobian_bytes(target_shape, source_shape, dtype=tf.float32) -> int:
    """The bytes of ``tape.batch_jacobian(target, source)``: ``b * size(target row) * size(source row)``.

    (times the dtype's size in bytes, as for :func:`jacobian_bytes`)

    >>> batch_jacobian_bytes((256, 16), (256, 16))  # 256 times smaller than the jacobian above
    262144
    """
    batch = target_shape[0]
    return batch * math.prod(target_shape[1:]) * math.prod(source_shape[1:]) * tf.as_dtype(dtype).size


# --- pfor's peak -----------------------------------------------------------------------------


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


def largest_tensors(call: str, batch: int, input_width: int, output_width: int) -> list[str]:
    """The ops of the traced ``call`` whose outputs have the largest per-iteration size times the iterations.

    Reshapes are left out: they share their input's buffer. Traces only; runs nothing.

    >>> for line in largest_tensors("jacobian", batch=8, input_width=2, output_width=2):
    ...     print(line)
    MatMul             (16, 8, 64)      32 KiB
    Tile               (16, 8, 64)      32 KiB
    TanhGrad           (16, 8, 64)      32 KiB
    """
    x, w1, w2 = bench_methods.jacobian_inputs(batch, input_width, output_width)
    method = bench_methods.full_jacobian if call == "jacobian" else bench_methods.batch_jacobian
    graph = tf.function(method).get_concrete_function(x, w1, w2).graph
    size = pfor_cost(call, batch, input_width, output_width).term_bytes
    lines = []
    for op in graph.get_operations():
        if op.type in ("Reshape", "Identity"):
            continue
        for output in op.outputs:
            if output.dtype == tf.float32 and output.shape.is_fully_defined():
                nbytes = output.shape.num_elements() * 4
                if nbytes == size:
                    shape = tuple(output.shape) if output.shape.rank != 2 else _unflatten(output.shape, batch)
                    lines.append(f"{op.type:<18} {shape!s:<16} {format_size(nbytes)}")
    return lines


def _unflatten(shape, batch) -> tuple:
    # pfor multiplies [iterations * b, width] matrices; show them as [iterations, b, width].
    rows, width = shape
    return (rows // batch, batch, width) if rows % batch == 0 else (rows, width)


# --- The model against the benchmark ---------------------------------------------------------


def model_rows(data: dict, sweep_name: str, method: str) -> list[dict]:
    """Predicted against measured peak for one benchmark method along one sweep.

    The prediction is the method's fixed cost (its measured peak at the sweep's first,
    smallest case, less the model's term there) plus ``PEAK_COPIES`` times the term.

    >>> from snippets.bench.schema import load_results
    >>> rows = model_rows(load_results(), "batch", "jacobian_function")
    >>> [row["case"] for row in rows][-1], rows[-1]["cost"].iterations
    ('b=256 n=16 m=16', 4096)
    """
    call = MODEL_METHODS[method]
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
    for call in ("jacobian", "batch_jacobian"):
        header += [f"{call}: iterations x largest", "predicted", "measured", "ratio"]
    rows = []
    suffix = "_function" if compiled else ""
    jacobian_rows = model_rows(data, sweep_name, "jacobian" + suffix)
    batch_rows = model_rows(data, sweep_name, "batch_jacobian" + suffix)
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
        for method in MODEL_METHODS
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
        f"Over the {len(fit['rows'])} measured peaks the model predicts (4 methods, 3 sweeps, without "
        f"each sweep's first case), measured over predicted runs from {low['ratio']:.2f} "
        f"({where(low)}) to {high['ratio']:.2f} ({where(high)}). In the {len(dominant)} where the "
        f"model's term outweighs the fixed cost, from {min(dominant_ratios):.2f} to "
        f"{max(dominant_ratios):.2f}."
    )


# --- Remedies --------------------------------------------------------------------------------


def chunked_jacobian(f, x, chunk: int):
    """``jacobian(f(x), x)`` computed ``chunk`` target elements at a time, on one persistent tape.

    Each slice's ``jacobian`` runs ``chunk`` backward passes at once instead of all of
    them, so ``pfor``'s peak shrinks with the slice; the pieces are then concatenated.
    Eagerly the slices run one after the other.

    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> print(chunked_jacobian(lambda x: x**2, x, chunk=3).numpy().reshape(4, 4))
    [[2. 0. 0. 0.]
     [0. 4. 0. 0.]
     [0. 0. 6. 0.]
     [0. 0. 0. 8.]]
    """
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = f(x)
        flat = tf.reshape(y, [-1])
        # Slice while the tape records, so that each slice is connected to x.
        slices = [flat[start : start + chunk] for start in range(0, flat.shape[0], chunk)]
    pieces = [tape.jacobian(piece, x) for piece in slices]
    del tape
    return tf.reshape(tf.concat(pieces, axis=0), y.shape + x.shape)


def jacobian_in_slices(f, x, parallel_iterations: int):
    """``jacobian(f(x), x)`` with ``pfor`` running at most ``parallel_iterations`` backward passes at once.

    TensorFlow then loops over slices of the iterations itself. The tape must be
    persistent: each slice differentiates it again.

    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> print(jacobian_in_slices(lambda x: x**2, x, parallel_iterations=3).numpy().reshape(4, 4))
    [[2. 0. 0. 0.]
     [0. 4. 0. 0.]
     [0. 0. 6. 0.]
     [0. 0. 0. 8.]]
    """
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = f(x)
    result = tape.jacobian(y, x, parallel_iterations=parallel_iterations)
    del tape
    return result


def jacobian_vector_product(f, x, v):
    """``J v`` (the derivative of ``f`` at ``x`` in the direction ``v``), by forward mode, without ``J``.

    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> print(jacobian_vector_product(lambda x: x**2, x, tf.ones_like(x)).numpy())
    [[2. 4.]
     [6. 8.]]
    """
    with tf.autodiff.ForwardAccumulator(x, v) as accumulator:
        y = f(x)
    return accumulator.jvp(y)


def vector_jacobian_product(f, x, u):
    """``u^T J`` (one weighted sum of the Jacobian's rows), by one backward pass, without ``J``.

    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> print(vector_jacobian_product(lambda x: x**2, x, tf.ones_like(x)).numpy())
    [[2. 4.]
     [6. 8.]]
    """
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x, output_gradients=u)


def perceptron(w1, w2):
    """The benchmark's ``tanh(x @ w1) @ w2`` as a function of ``x`` alone, for the remedies above.

    >>> x, w1, w2 = bench_methods.jacobian_inputs(batch=2, input_width=3, output_width=4)
    >>> tuple(perceptron(w1, w2)(x).shape)
    (2, 4)
    """
    return lambda x: bench_methods.mlp(x, w1, w2)


# --- Measuring a remedy's peak in a fresh process ---------------------------------------------

REMEDY_SIZES = {"batch": 128, "input_width": 16, "output_width": 16, "chunk": 256, "hessian_width": 2048}
"""The sizes of the remedies' measurements: large enough for tens of MiB, small enough for seconds."""


def _jacobian_case(sizes):
    x, w1, w2 = bench_methods.jacobian_inputs(sizes["batch"], sizes["input_width"], sizes["output_width"])
    return x, perceptron(w1, w2)


def _full(sizes):
    x, f = _jacobian_case(sizes)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return lambda: tape.jacobian(y, x)


def _full_function(sizes):
    x, w1, w2 = bench_methods.jacobian_inputs(sizes["batch"], sizes["input_width"], sizes["output_width"])
    compiled = tf.function(bench_methods.full_jacobian)
    return lambda: compiled(x, w1, w2)


def _per_example(sizes):
    x, f = _jacobian_case(sizes)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return lambda: tape.batch_jacobian(y, x)


def _chunked(sizes):
    x, f = _jacobian_case(sizes)
    return lambda: chunked_jacobian(f, x, sizes["chunk"])


def _chunked_function(sizes):
    x, f = _jacobian_case(sizes)
    return tf.function(lambda: chunked_jacobian(f, x, sizes["chunk"]))


def _sliced(sizes):
    x, f = _jacobian_case(sizes)
    return lambda: jacobian_in_slices(f, x, sizes["chunk"])


def _sliced_function(sizes):
    x, f = _jacobian_case(sizes)
    return tf.function(lambda: jacobian_in_slices(f, x, sizes["chunk"]))


def _jvp(sizes):
    x, f = _jacobian_case(sizes)
    return lambda: jacobian_vector_product(f, x, tf.ones_like(x))


def _vjp(sizes):
    x, f = _jacobian_case(sizes)
    return lambda: vector_jacobian_product(f, x, tf.ones([sizes["batch"], sizes["output_width"]]))


def _hessian(sizes):
    inputs = bench_methods.hessian_inputs(sizes["hessian_width"])
    return lambda: bench_methods.hessian_then_product(*inputs)


def _hvp(sizes):
    inputs = bench_methods.hessian_inputs(sizes["hessian_width"])
    return lambda: bench_methods.hvp_reverse_over_reverse(*inputs)


@dataclass(frozen=True)
class Variant:
    """One measured way to get (or avoid) a Jacobian: what it is, how to build it, and the model's count.

    >>> REMEDIES["jacobian_in_slices"].call, REMEDIES["jacobian_in_slices"].sliced
    ('jacobian', True)
    """

    label: str
    build: object
    """A function of the sizes that builds the inputs and returns the call to measure."""
    call: str | None = None
    """The tape call whose ``pfor`` the model counts ("jacobian", "batch_jacobian"), if any."""
    sliced: bool = False
    """Whether ``pfor`` runs ``sizes["chunk"]`` iterations at a time."""


REMEDIES = {
    "jacobian": Variant("tape.jacobian, the full matrix (before)", _full, "jacobian"),
    "batch_jacobian": Variant("tape.batch_jacobian: rows independent", _per_example, "batch_jacobian"),
    "chunked_jacobian": Variant("chunked_jacobian(f, x, 256)", _chunked, "jacobian", True),
    "jacobian_in_slices": Variant("jacobian_in_slices(f, x, 256)", _sliced, "jacobian", True),
    "jacobian_function": Variant("tape.jacobian in tf.function (before)", _full_function, "jacobian"),
    "chunked_jacobian_function": Variant(
        "chunked_jacobian(f, x, 256) in tf.function", _chunked_function, "jacobian", True
    ),
    "jacobian_in_slices_function": Variant(
        "jacobian_in_slices(f, x, 256) in tf.function", _sliced_function, "jacobian", True
    ),
    "jacobian_vector_product": Variant("J v by forward mode, no J", _jvp),
    "vector_jacobian_product": Variant("u^T J by one backward pass, no J", _vjp),
    "hessian_then_product": Variant("the Hessian H, then H v (before)", _hessian),
    "hessian_vector_product": Variant("H v by double backward, no H", _hvp),
}
"""Every variant the page measures, by name."""


def _measure_child(connection, name: str, sizes: dict) -> None:
    """In a forked child: start TensorFlow, build the inputs, then measure one call's peak above that."""
    try:
        tf.tanh(tf.ones([2, 2]) @ tf.ones([2, 2])).numpy()  # start the runtime before the baseline
        call = REMEDIES[name].build(sizes)
        baseline = memory_baseline()
        result = call()
        shape = tuple(result.shape)
        del result
        connection.send(("ok", (peak_resident_bytes() - baseline, shape)))
    except BaseException as error:  # the parent re-raises it with the variant named
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


def measure_peaks(
    names=tuple(REMEDIES), sizes: dict | None = None, timeout_s: float = 120.0, at_once: int = 1
) -> dict:
    """The peak memory of each variant's first call, each in a fresh process; ``{name: (bytes, shape)}``.

    A new Python process imports TensorFlow, runs no operation, and forks one child per
    variant (``at_once`` at a time: a process's high-water mark is its own). Each child runs
    one tiny operation, builds its inputs, resets the high-water mark with the readers of
    ``snippets.bench.memory`` and calls the variant once: the peak covers tracing, the call and the
    result. The caller's own process (a notebook kernel) never forks.

    >>> peaks = measure_peaks(["vector_jacobian_product"], {**REMEDY_SIZES, "batch": 4})
    >>> peak, shape = peaks["vector_jacobian_product"]
    >>> shape, 0 <= peak < 2**30
    ((4, 16), True)
    """
    request = {
        "names": list(names),
        "sizes": REMEDY_SIZES if sizes is None else sizes,
        "timeout_s": timeout_s,
        "at_once": at_once,
    }
    completed = subprocess.run(
        [sys.executable, "-m", "snippets.jacobian_memory", json.dumps(request)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=30 + timeout_s * len(request["names"]),
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith(_ANSWER)]
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"measuring {request['names']} failed:\n{completed.stderr[-3000:]}")
    answer = json.loads(lines[-1][len(_ANSWER) :])
    return {name: (peak, tuple(shape)) for name, (peak, shape) in answer.items()}


_ANSWER = "peaks: "


def _serve(request: dict) -> dict:
    """In the new process: fork one child per variant, ``at_once`` at a time; the peaks in the asked order."""
    context = multiprocessing.get_context("fork")  # this process has imported TensorFlow and run nothing
    pending, running, found = list(request["names"]), {}, {}
    while pending or running:
        while pending and len(running) < request["at_once"]:
            name = pending.pop(0)
            receiver, sender = context.Pipe(duplex=False)
            child = context.Process(target=_measure_child, args=(sender, name, request["sizes"]), daemon=True)
            child.start()
            sender.close()
            running[receiver] = (name, child, time.monotonic())
        for receiver in multiprocessing.connection.wait(list(running), timeout=1.0):
            name, child, _ = running.pop(receiver)
            try:
                kind, payload = receiver.recv()
            except EOFError:
                kind, payload = "error", "the child process died"
            child.join(5)
            receiver.close()
            if kind == "error":
                raise RuntimeError(f"{name}: {payload}")
            found[name] = payload
        for name, child, started in list(running.values()):
            if time.monotonic() - started > request["timeout_s"]:
                child.kill()
                raise RuntimeError(f"{name} did not finish in {request['timeout_s']:g} s")
    return {name: found[name] for name in request["names"]}


def remedy_table(peaks: dict, sizes: dict | None = None) -> str:
    """A Markdown table of the measured variants: result, ``PEAK_COPIES`` times the model term, and peak.

    >>> print(remedy_table({"jacobian": (2**20, (4, 16, 4, 16))}, {**REMEDY_SIZES, "batch": 4}))
    | variant | result | model: 3 x iterations x largest | measured peak |
    |---|---:|---:|---:|
    | tape.jacobian, the full matrix (before) | (4, 16, 4, 16), 16 KiB | 3 x 64 x 1 KiB = 192 KiB | 1 MiB |
    """
    sizes = REMEDY_SIZES if sizes is None else sizes
    header = ["variant", "result", f"model: {PEAK_COPIES} x iterations x largest", "measured peak"]
    rows = []
    for name, (peak, shape) in peaks.items():
        variant = REMEDIES[name]
        model = "-"
        if variant.call is not None:
            cost = pfor_cost(
                variant.call,
                sizes["batch"],
                sizes["input_width"],
                sizes["output_width"],
                parallel_iterations=sizes["chunk"] if variant.sliced else None,
            )
            model = (
                f"{PEAK_COPIES} x {cost.iterations} x {format_size(cost.largest_elements * cost.itemsize)} "
                f"= {format_size(PEAK_COPIES * cost.term_bytes)}"
            )
        result = f"{shape}, {format_size(4 * math.prod(shape))}"
        rows.append([variant.label, result, model, format_size(peak)])
    return markdown_table(header, rows, "lrrr")


def below(peaks: dict, remedy: str, before: str) -> str:
    """One line: the remedy's measured peak against the one before it; raises if the remedy's is not lower.

    The page builds only while every remedy it shows needs less memory than what it replaces.

    >>> print(below({"a": (2**20, ()), "b": (2**21, ())}, "a", "b"))
    a: 1 MiB, b: 2 MiB, a below b: True (0.5 times)
    >>> below({"a": (2**20, ()), "b": (2**21, ())}, "b", "a")
    Traceback (most recent call last):
    ...
    ValueError: b: 2 MiB, a: 1 MiB, b below a: False (2 times)
    """
    low, high = peaks[remedy][0], peaks[before][0]
    line = (
        f"{remedy}: {format_size(low)}, {before}: {format_size(high)}, "
        f"{remedy} below {before}: {low < high} ({low / high:.2g} times)"
    )
    if not low < high:
        raise ValueError(line)
    return line


def compare_with_full_jacobian(results: dict, x, w1, w2, v, u) -> str:
    """Compare each remedy's result with what ``tape.jacobian`` of the perceptron implies; one line each.

    ``results`` maps a remedy's name to its result on ``x`` (with the weights ``w1``,
    ``w2``); ``v`` is the JVP's direction and ``u`` the VJP's weights.

    >>> x, w1, w2 = bench_methods.jacobian_inputs(batch=3, input_width=2, output_width=4)
    >>> f, v, u = perceptron(w1, w2), tf.ones_like(x), tf.ones([3, 4])
    >>> print(compare_with_full_jacobian({"chunked_jacobian": chunked_jacobian(f, x, 5)}, x, w1, w2, v, u))
    chunked_jacobian        shape (3, 4, 3, 2)  equals tape.jacobian: True
    """
    full = bench_methods.full_jacobian(x, w1, w2).numpy()
    expected = {
        "chunked_jacobian": ("tape.jacobian", full),
        "jacobian_in_slices": ("tape.jacobian", full),
        "batch_jacobian": ("its diagonal blocks", np.stack([full[i, :, i, :] for i in range(x.shape[0])])),
        "jacobian_vector_product": ("J v", np.einsum("imjn,jn->im", full, v)),
        "vector_jacobian_product": ("u^T J", np.einsum("im,imjn->jn", u, full)),
    }
    lines = []
    for name, result in results.items():
        what, value = expected[name]
        agrees = np.allclose(result.numpy(), value, rtol=1e-5, atol=1e-6)
        lines.append(f"{name:<23} shape {tuple(result.shape)!s:<13} equals {what}: {agrees}")
    return "\n".join(lines)


if __name__ == "__main__":
    # python -m snippets.jacobian_memory '{"names": [...], "sizes": {...}, ...}': what measure_peaks runs.
    from snippets.support.environment import configure

    configure()
    print(_ANSWER + json.dumps(_serve(json.loads(sys.argv[1]))), flush=True)
