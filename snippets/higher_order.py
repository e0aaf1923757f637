"""Second derivatives: Hessians from nested tapes, per-example Hessians and Hessian-vector products.

The running example is a cubic in three variables whose Hessian has small whole
entries, so every printed value is exact:

    f(x) = x0**2 * x1 + x1 * x2**2,   H(1, 2, 3) = [[4, 2, 0], [2, 0, 6], [0, 6, 4]]
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure

from snippets.bench.queries import record, sweep
from snippets.bench.schema import load_results
from snippets.bench.statistics import compare
from snippets.tools.row_independence import cross_example_derivatives, diagonal_blocks

EXAMPLE_POINT = (1.0, 2.0, 3.0)


def cubic(x: tf.Tensor) -> tf.Tensor:
    """Return ``x0**2 * x1 + x1 * x2**2``, a scalar whose second derivatives all differ.

    >>> float(cubic(tf.constant([1.0, 2.0, 3.0])))
    20.0
    """
    return x[0] ** 2 * x[1] + x[1] * x[2] ** 2


def _require_scalar(value: tf.Tensor, what: str) -> None:
    if value.shape.rank != 0:
        raise ValueError(
            f"{what} must return a scalar, got shape {tuple(value.shape)}; "
            "reduce it first (tf.reduce_sum or tf.reduce_mean) or differentiate each element separately"
        )


def hessian(f: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor) -> tf.Tensor:
    """Return the Hessian of the scalar ``f`` at ``x``: the Jacobian of the gradient.

    The inner tape records ``f``; its gradient is computed *inside* the outer tape,
    so the outer tape records the backward pass too and can differentiate it.
    The result has shape ``x.shape + x.shape``.

    >>> print(hessian(cubic, tf.constant([1.0, 2.0, 3.0])).numpy())
    [[4. 2. 0.]
     [2. 0. 6.]
     [0. 6. 4.]]
    >>> hessian(lambda x: x * x, tf.constant([1.0, 2.0]))
    Traceback (most recent call last):
    ...
    ValueError: f must return a scalar, got shape (2,); reduce it first (tf.reduce_sum or ...
    """
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            value = f(x)
        _require_scalar(value, "f")
        gradient = inner.gradient(value, x)
    return outer.jacobian(gradient, x)


def hessian_mistakes(point=EXAMPLE_POINT) -> dict:
    """Return what the two common slips in the nested-tape recipe give for ``cubic`` at ``point``.

    1. The inner ``gradient`` call placed *after* the outer ``with`` block: the
       outer tape never recorded it, so its ``jacobian`` is ``None``.
    2. ``outer.gradient`` instead of ``outer.jacobian``: the derivative of the
       *sum* of the gradient's elements, the column sums of the Hessian.

    >>> hessian_mistakes()
    {'gradient after the outer block': None, 'outer.gradient instead of jacobian': [6.0, 8.0, 10.0]}
    """
    x = tf.constant(point)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            value = cubic(x)
    gradient = inner.gradient(value, x)  # too late: the outer block is closed
    outside = outer.jacobian(gradient, x)

    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            value = cubic(x)
        gradient = inner.gradient(value, x)
    summed = outer.gradient(gradient, x)
    return {
        "gradient after the outer block": outside,
        "outer.gradient instead of jacobian": summed.numpy().tolist(),
    }


def squared_norm_of_product(w: tf.Tensor) -> tf.Tensor:
    """Return ``sum((w @ v) ** 2)`` for the fixed vector ``v = [1, 2, 3]``: a scalar of a matrix.

    Its Hessian is ``d2f / dw[i, j] dw[k, l] = 2 * v[j] * v[l]`` when ``i == k``, else 0.

    >>> float(squared_norm_of_product(tf.ones([2, 3])))
    72.0
    """
    v = tf.constant([1.0, 2.0, 3.0])
    return tf.reduce_sum(tf.linalg.matvec(w, v) ** 2)


def matrix_hessian(rows: int = 2, columns: int = 3) -> tuple[tf.Tensor, tf.Tensor]:
    """Return the Hessian of ``squared_norm_of_product`` at a ``[rows, columns]`` matrix, as is and flattened.

    ``hessian`` returns shape ``w.shape + w.shape``; reshaping it to
    ``[w.size, w.size]`` gives the Hessian with respect to the flattened matrix
    (row-major order, as ``tf.reshape`` flattens).

    >>> full, flat = matrix_hessian()
    >>> tuple(full.shape), tuple(flat.shape)
    ((2, 3, 2, 3), (6, 6))
    >>> print(full[0, 1].numpy())  # d2f / dw[0, 1] dw[k, l]
    [[ 4.  8. 12.]
     [ 0.  0.  0.]]
    """
    w = tf.ones([rows, columns])
    full = hessian(squared_norm_of_product, w)
    size = rows * columns
    return full, tf.reshape(full, [size, size])


def hessians_eagerly(point=EXAMPLE_POINT) -> tf.Tensor:
    """Call TF1's ``tf.hessians`` in eager mode, where it cannot work (it is built on ``tf.gradients``).

    >>> hessians_eagerly()
    Traceback (most recent call last):
    ...
    RuntimeError: tf.gradients is not supported when eager execution is enabled. Use tf.GradientTape instead.
    """
    x = tf.constant(point)
    return tf.hessians(cubic(x), x)[0]


def hessians_in_graph(point=EXAMPLE_POINT) -> tf.Tensor:
    """Call ``tf.hessians`` inside a ``tf.function``, where graph-mode ``tf.gradients`` is available.

    >>> print(hessians_in_graph().numpy())
    [[4. 2. 0.]
     [2. 0. 6.]
     [0. 6. 4.]]
    """

    @tf.function
    def graph_hessian(x):
        return tf.hessians(cubic(x), x)[0]

    return graph_hessian(tf.constant(point))


def rosenbrock(x: tf.Tensor) -> tf.Tensor:
    """Return the Rosenbrock function ``sum(100 (x[i+1] - x[i]**2)**2 + (1 - x[i])**2)``.

    Each variable meets only its neighbours, so the Hessian is tridiagonal.
    Its minimum, 0, is at ``x = 1``.

    >>> float(rosenbrock(tf.ones([5])))
    0.0
    """
    return tf.reduce_sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def plot_hessian(h: tf.Tensor, title: str) -> Figure:
    """Draw a square Hessian as a heat map with its value written in each cell.

    The colour scale is symmetric around zero, so negative and positive curvature
    get opposite colours and zero is white.

    >>> figure = plot_hessian(tf.constant([[2.0, -1.0], [-1.0, 2.0]]), "example")
    >>> len(figure.axes), figure.axes[0].images[0].get_array().shape
    (2, (2, 2))
    """
    values = np.asarray(h)
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        raise ValueError(f"plot_hessian needs a square matrix, got shape {values.shape}; reshape it first")
    limit = float(np.abs(values).max()) or 1.0
    figure, axes = plt.subplots(figsize=(5.2, 4.4), layout="constrained")
    image = axes.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for (row, column), value in np.ndenumerate(values):
        if value != 0:
            shade = "white" if abs(value) > 0.6 * limit else "black"
            axes.text(column, row, f"{value:g}", ha="center", va="center", fontsize=7, color=shade)
    size = values.shape[0]
    axes.set_xticks(range(size))
    axes.set_yticks(range(size))
    axes.set_xlabel("j (second derivative with respect to x[j])")
    axes.set_ylabel("i (first derivative with respect to x[i])")
    axes.set_title(title)
    figure.colorbar(image, ax=axes, label="H[i, j]")
    plt.close(figure)  # the caller displays the returned figure; pyplot must not show it a second time
    return figure


def row_cubic(x: tf.Tensor) -> tf.Tensor:
    """Apply ``cubic`` to each row of a ``[b, 3]`` batch: one value per example, shape ``[b]``.

    >>> print(row_cubic(tf.constant([[1.0, 2.0, 3.0], [0.0, 1.0, 2.0]])).numpy())
    [20. 4.]
    """
    return x[:, 0] ** 2 * x[:, 1] + x[:, 1] * x[:, 2] ** 2


def centred_row_cubic(x: tf.Tensor) -> tf.Tensor:
    """Apply ``row_cubic`` after subtracting the batch mean: every example now depends on all of them.

    Batch normalisation in training mode couples examples the same way.

    >>> print(centred_row_cubic(tf.constant([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])).numpy())
    [0. 0.]
    """
    return row_cubic(x - tf.reduce_mean(x, axis=0))


def per_example_hessians(f: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor) -> tf.Tensor:
    """Return one Hessian per example, shape ``[b, m, m]``, for ``f`` mapping ``[b, m]`` to ``[b]``.

    The inner gradient of ``sum(f(x))`` has row ``i`` equal to the gradient of
    ``f(x)[i]`` **only if** example ``i``'s value depends on row ``i`` alone; the
    outer ``batch_jacobian`` then differentiates each row by its own example.
    Neither call checks that assumption (see ``cross_example_check``).

    >>> x = tf.constant([[1.0, 2.0, 3.0], [0.0, 1.0, 2.0]])
    >>> print(per_example_hessians(row_cubic, x).numpy())
    [[[4. 2. 0.]
      [2. 0. 6.]
      [0. 6. 4.]]
     [[2. 0. 0.]
      [0. 0. 4.]
      [0. 4. 2.]]]
    >>> per_example_hessians(row_cubic, tf.constant([1.0, 2.0, 3.0]))
    Traceback (most recent call last):
    ...
    ValueError: x must have shape [batch, features], got (3,); add a batch axis with x[tf.newaxis]
    """
    if x.shape.rank != 2:
        raise ValueError(
            f"x must have shape [batch, features], got {tuple(x.shape)}; add a batch axis with x[tf.newaxis]"
        )
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            values = f(x)
            total = tf.reduce_sum(values)  # inside the inner tape, or it cannot differentiate the sum
        if values.shape.rank != 1:
            raise ValueError(f"f must return one value per example, shape [batch], got {tuple(values.shape)}")
        gradients = inner.gradient(total, x)
    return outer.batch_jacobian(gradients, x)


def cross_example_check(f: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor) -> dict:
    """Compare ``per_example_hessians`` with the full Hessian of ``sum(f(x))``, shape ``[b, m, b, m]``.

    The full Hessian's block ``[i, :, j, :]`` holds the second derivatives with
    respect to example ``i`` and example ``j``. The per-example recipe is right
    only when the blocks with ``i != j`` are zero.

    >>> x = tf.constant([[1.0, 2.0, 3.0], [0.0, 1.0, 2.0], [2.0, 0.0, 1.0]])
    >>> cross_example_check(row_cubic, x)
    {'cross-example blocks are zero': True, 'per-example Hessians equal the diagonal blocks': True}
    >>> cross_example_check(centred_row_cubic, x)
    {'cross-example blocks are zero': False, 'per-example Hessians equal the diagonal blocks': False}
    """
    full = hessian(lambda z: tf.reduce_sum(f(z)), x)  # the Jacobian of a [b, m] gradient: [b, m, b, m]
    per_example = per_example_hessians(f, x)
    return {
        "cross-example blocks are zero": bool(cross_example_derivatives(full, target_rank=2).max() == 0),
        "per-example Hessians equal the diagonal blocks": bool(
            np.allclose(per_example.numpy(), diagonal_blocks(full, target_rank=2).numpy(), atol=1e-5)
        ),
    }


def _require_same_shape(v: tf.Tensor, x: tf.Tensor) -> None:
    if v.shape != x.shape:
        raise ValueError(
            f"the vector v must have the shape of x, {tuple(x.shape)}, got {tuple(v.shape)}; "
            "reshape v (broadcasting would silently compute something else)"
        )


def hvp_double_backward(f: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor, v: tf.Tensor) -> tf.Tensor:
    """Return ``H v`` without forming ``H``: the gradient of ``gradient(f) . v``.

    A forward pass, a backward pass that the outer tape records, and a second
    backward pass through both: a fixed number of passes whatever the size of
    ``x``. The Hessian itself takes one backward pass of the gradient per element of ``x``.

    >>> x, v = tf.constant([1.0, 2.0, 3.0]), tf.constant([1.0, 0.0, -1.0])
    >>> print(hvp_double_backward(cubic, x, v).numpy())
    [ 4. -4. -4.]
    >>> hvp_double_backward(cubic, x, tf.ones([3, 1]))
    Traceback (most recent call last):
    ...
    ValueError: the vector v must have the shape of x, (3,), got (3, 1); reshape v (broadcasting ...
    """
    _require_same_shape(v, x)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            value = f(x)
        _require_scalar(value, "f")
        gradient = inner.gradient(value, x)
        directional = tf.reduce_sum(gradient * v)
    return outer.gradient(directional, x)


def hvp_forward_over_reverse(f: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor, v: tf.Tensor) -> tf.Tensor:
    """Return ``H v`` as the forward-mode derivative of the gradient in direction ``v``.

    The ``ForwardAccumulator`` pushes the tangent ``v`` through the forward *and*
    the backward pass of the tape: one pass each, both carrying tangents, and one
    ``GradientTape`` instead of two.

    >>> x, v = tf.constant([1.0, 2.0, 3.0]), tf.constant([1.0, 0.0, -1.0])
    >>> print(hvp_forward_over_reverse(cubic, x, v).numpy())
    [ 4. -4. -4.]
    """
    _require_same_shape(v, x)
    with tf.autodiff.ForwardAccumulator(primals=x, tangents=v) as accumulator:
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = f(x)
        _require_scalar(value, "f")
        gradient = tape.gradient(value, x)
    return accumulator.jvp(gradient)


def double_backward_without_the_shape_check(point=EXAMPLE_POINT) -> dict:
    """Run ``hvp_double_backward``'s recipe for ``cubic`` without its shape check, ``v`` a ``(3, 1)`` column.

    ``gradient * v`` broadcasts ``(3,)`` against ``(3, 1)`` to ``(3, 3)``, so the scalar
    differentiated is ``sum(gradient) * sum(v)``: the result has the source's shape
    and the wrong values, and nothing raises.

    >>> double_backward_without_the_shape_check()
    {'v shape': (3, 1), 'result shape': (3,), 'result': [0.0, 0.0, 0.0], 'H @ v': [4.0, -4.0, -4.0]}
    """
    x = tf.constant(point)
    column = tf.constant([[1.0], [0.0], [-1.0]])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            value = cubic(x)
        gradient = inner.gradient(value, x)
        directional = tf.reduce_sum(gradient * column)  # (3,) * (3, 1) -> (3, 3), no error
    result = outer.gradient(directional, x)
    return {
        "v shape": tuple(column.shape),
        "result shape": tuple(result.shape),
        "result": result.numpy().tolist(),
        "H @ v": hvp_double_backward(cubic, x, tf.reshape(column, [3])).numpy().tolist(),
    }


def hvp_matches_hessian(f: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor, v: tf.Tensor) -> dict:
    """Check both Hessian-vector products against the Hessian contracted with ``v``.

    For a source of any rank, ``H v`` sums over the last ``v.ndim`` axes of ``H``.

    >>> cubic_check = hvp_matches_hessian(cubic, tf.constant([1.0, 2.0, 3.0]), tf.constant([1.0, 0.0, -1.0]))
    >>> cubic_check
    {'H @ v': [4.0, -4.0, -4.0], 'double backward': True, 'forward over reverse': True}
    """
    h_times_v = tf.tensordot(hessian(f, x), v, axes=v.shape.rank)
    return {
        "H @ v": h_times_v.numpy().tolist(),
        "double backward": bool(np.allclose(hvp_double_backward(f, x, v), h_times_v, atol=1e-5)),
        "forward over reverse": bool(np.allclose(hvp_forward_over_reverse(f, x, v), h_times_v, atol=1e-5)),
    }


HESSIAN_VECTOR_METHODS = {
    "hessian_then_product": "Hessian, then H @ v",
    "hvp_reverse_over_reverse": "double backward",
    "hvp_forward_over_reverse": "forward over reverse",
}
"""The costs page's Hessian-vector methods (ids in docs/_data/benchmarks.json), with this page's names."""


def recorded_hessian_vector_costs(data: dict | None = None) -> list[dict]:
    """Each width of the recorded Hessian-vector benchmark: every method's median time and peak memory.

    Nothing is timed here: ``data`` defaults to the results the costs page shows
    (``docs/_data/benchmarks.json``, :func:`snippets.bench.schema.load_results`).
    ``faster product`` names the product that was clearly faster than the other,
    judged against the run-to-run spread of both (:func:`snippets.bench.statistics.compare`),
    or says ``neither (within noise)``.

    >>> rows = recorded_hessian_vector_costs()
    >>> list(rows[0])[:4]
    ['width', 'Hessian, then H @ v ms', 'double backward ms', 'forward over reverse ms']
    >>> list(rows[0])[4:]
    ['Hessian, then H @ v MiB', 'double backward MiB', 'forward over reverse MiB', 'faster product']
    >>> widths = [row["width"] for row in rows]
    >>> widths == sorted(widths) and len(widths) >= 2
    True
    """
    data = load_results() if data is None else data
    chosen = sweep(data, "hessian_width")
    rows = []
    for width, case in zip(chosen["values"], chosen["cases"], strict=True):
        found = {method: record(data, case, method) for method in HESSIAN_VECTOR_METHODS}
        if any(r is None or r["status"] != "ok" for r in found.values()):
            continue
        row = {"width": width}
        row |= {f"{name} ms": 1000 * found[m]["median_s"] for m, name in HESSIAN_VECTOR_METHODS.items()}
        row |= {
            f"{name} MiB": None
            if found[m]["peak_memory_bytes"] is None
            else found[m]["peak_memory_bytes"] / 2**20
            for m, name in HESSIAN_VECTOR_METHODS.items()
        }
        verdict = compare(found["hvp_forward_over_reverse"], found["hvp_reverse_over_reverse"])
        row["faster product"] = {
            "faster": "forward over reverse",
            "slower": "double backward",
            "within noise": "neither (within noise)",
        }[verdict]
        rows.append(row)
    return rows


def hessian_vector_cost_table(rows: list[dict]) -> str:
    """Rows of :func:`recorded_hessian_vector_costs` as a plain-text table: times in ms, peak memory in MiB.

    >>> row = {"width": 16, "Hessian, then H @ v ms": 0.5742, "double backward ms": 0.5437,
    ...        "forward over reverse ms": 0.5416, "Hessian, then H @ v MiB": 20.8,
    ...        "double backward MiB": 12.1, "forward over reverse MiB": None,
    ...        "faster product": "neither (within noise)"}
    >>> print(hessian_vector_cost_table([row]))
    width | time ms: Hessian double b. fwd/rev | memory MiB: Hessian double b. fwd/rev | faster product
       16 |            0.574    0.544   0.542 |                20.8     12.1     n/a | neither (within noise)
    """
    names = list(HESSIAN_VECTOR_METHODS.values())

    def cells(values, digits):
        return " ".join(
            f"{'n/a' if value is None else f'{value:.{digits}f}':>{width}}"
            for value, width in zip(values, (7, 8, 7), strict=True)
        )

    lines = [
        "width | time ms: Hessian double b. fwd/rev | memory MiB: Hessian double b. fwd/rev | faster product"
    ]
    for row in rows:
        lines.append(
            f"{row['width']:>5} | {' ' * 9}{cells([row[f'{n} ms'] for n in names], 3)} |"
            f" {' ' * 12}{cells([row[f'{n} MiB'] for n in names], 1)} | {row['faster product']}"
        )
    return "\n".join(lines)
