"""Why a Jacobian runs out of memory: its size from the shapes, ``pfor``'s peak, and calls that need less.

Two numbers say whether a Jacobian fits. The **result** holds one number per pair of
target and source elements, so its bytes follow from the shapes and the dtype alone
(:func:`jacobian_bytes`, :func:`batch_jacobian_bytes`). The **peak** while computing it
is larger: ``pfor`` runs every backward pass at once, one per target element (or per
element of a target row, for ``batch_jacobian``), so each tensor of one backward pass
exists once per iteration, side by side (:func:`largest_tensors`; the model of that peak,
checked against the benchmark's recorded peaks, is :mod:`snippets.bench.memory_model`).
The remedies, each measured in a fresh process (:func:`measure_peaks`), cut the number of
iterations that run at once (:func:`chunked_jacobian`, :func:`jacobian_in_slices`) or never
form the matrix (:func:`jacobian_vector_product`, :func:`vector_jacobian_product`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from snippets.bench import methods as bench_methods
from snippets.bench.memory_model import PEAK_COPIES, pfor_cost
from snippets.bench.peaks import peaks_in_fresh_processes
from snippets.support.markdown import markdown_table
from snippets.tools.shape_doctor import format_size

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


def measure_peaks(
    names=tuple(REMEDIES), sizes: dict | None = None, timeout_s: float = 120.0, at_once: int = 1
) -> dict:
    """The peak memory of each variant's first call, each in a fresh process; ``{name: (bytes, shape)}``.

    The measuring is :func:`snippets.bench.peaks.peaks_in_fresh_processes`: a new Python
    process imports TensorFlow, runs no operation, and forks one child per variant
    (``at_once`` at a time: a process's high-water mark is its own). Each child runs one
    tiny operation, builds its inputs, resets the high-water mark with the readers of
    ``snippets.bench.memory`` and calls the variant once: the peak covers tracing, the call
    and the result. The caller's own process (a notebook kernel) never forks.

    >>> peaks = measure_peaks(["vector_jacobian_product"], {**REMEDY_SIZES, "batch": 4})
    >>> peak, shape = peaks["vector_jacobian_product"]
    >>> shape, 0 <= peak < 2**30
    ((4, 16), True)
    """
    sizes = REMEDY_SIZES if sizes is None else sizes
    return peaks_in_fresh_processes("snippets.jacobian_memory:REMEDIES", names, sizes, timeout_s, at_once)


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
