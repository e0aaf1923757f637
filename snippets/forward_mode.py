"""Forward mode: ``tf.autodiff.ForwardAccumulator`` computes Jacobian-vector products, a column of J per pass.

The running example is ``coupled_outputs`` of the gradient-vs-jacobian page,
whose Jacobian at ``x = [1, 2, 3]`` is ``[[2, 1, 0], [0, 3, 2], [0, 0, 6]]``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure

from snippets.bench.statistics import compare

Function = Callable[[tf.Tensor], tf.Tensor]


def jvp(f: Function, x: tf.Tensor, v: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Return ``f(x)`` and the Jacobian-vector product ``J v``, from one forward pass.

    ``v`` (the *tangent*) must have the shape of ``x``; the product has the shape
    of ``f(x)``. An output that does not depend on ``x`` gets zeros, not ``None``.

    >>> from snippets.gradient_vs_jacobian import coupled_outputs
    >>> x = tf.constant([1.0, 2.0, 3.0])
    >>> y, product = jvp(coupled_outputs, x, tf.constant([1.0, 0.0, 0.0]))
    >>> print(y.numpy(), product.numpy())
    [2. 6. 9.] [2. 0. 0.]
    >>> print(jvp(lambda x: tf.constant([4.0, 5.0]), x, tf.ones([3]))[1].numpy())
    [0. 0.]
    >>> jvp(coupled_outputs, x, tf.ones([3, 1]))
    Traceback (most recent call last):
    ...
    ValueError: the tangent v must have the shape of x, (3,), got (3, 1); ForwardAccumulator does not ...
    """
    if v.shape != x.shape:
        raise ValueError(
            f"the tangent v must have the shape of x, {tuple(x.shape)}, got {tuple(v.shape)}; "
            "ForwardAccumulator does not check it: a wrong-shaped product or an unrelated shape error follows"
        )
    with tf.autodiff.ForwardAccumulator(primals=x, tangents=v) as accumulator:
        y = f(x)
    return y, accumulator.jvp(y, unconnected_gradients=tf.UnconnectedGradients.ZERO)


def unchecked_tangent_shape() -> dict:
    """Show that ``ForwardAccumulator`` itself accepts a tangent of the wrong shape, and what follows.

    The source has shape ``(3,)`` and ``y = x * x`` has shape ``(3,)``; a tangent
    of shape ``(3, 1)`` raises nothing and yields a ``(3, 3)`` "product". For
    ``coupled_outputs`` the same tangent fails inside the computation, with an
    error that does not mention the tangent.

    >>> for key, value in unchecked_tangent_shape().items():
    ...     print(f"{key}: {value}")
    source: (3,)
    target: (3,)
    tangent: (3, 1)
    jvp of x * x: (3, 3)
    coupled_outputs: ValueError: Shapes must be equal rank, but are 0 and 1
    """
    from snippets.gradient_vs_jacobian import coupled_outputs

    x = tf.constant([1.0, 2.0, 3.0])
    tangent = tf.ones([3, 1])
    with tf.autodiff.ForwardAccumulator(primals=x, tangents=tangent) as accumulator:
        y = x * x
    try:
        with tf.autodiff.ForwardAccumulator(primals=x, tangents=tangent):
            coupled_outputs(x)
        coupled = "raised nothing"
    except ValueError as error:
        coupled = f"ValueError: {str(error).splitlines()[0]}"
    return {
        "source": tuple(x.shape),
        "target": tuple(y.shape),
        "tangent": tuple(tangent.shape),
        "jvp of x * x": tuple(accumulator.jvp(y).shape),
        "coupled_outputs": coupled,
    }


def unconnected_jvp() -> dict:
    """Show what ``acc.jvp`` returns for an output that does not depend on the primal.

    The default is ``None``, as for ``tape.gradient``; ``UnconnectedGradients.ZERO``
    gives zeros of the output's shape instead.

    >>> unconnected_jvp()
    {'default': None, 'UnconnectedGradients.ZERO': [0.0, 0.0]}
    """
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.autodiff.ForwardAccumulator(primals=x, tangents=tf.ones([3])) as accumulator:
        y = tf.constant([4.0, 5.0])  # computed without x
    return {
        "default": accumulator.jvp(y),
        "UnconnectedGradients.ZERO": accumulator.jvp(y, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        .numpy()
        .tolist(),
    }


def _basis(x: tf.Tensor) -> tf.Tensor:
    """One one-hot tangent per element of ``x``, stacked: shape ``[x.size] + x.shape``."""
    size = int(np.prod(x.shape))
    return tf.reshape(tf.eye(size, dtype=x.dtype), [size, *x.shape])


def forward_jacobian_loop(f: Function, x: tf.Tensor) -> tf.Tensor:
    """Build the Jacobian from one JVP per element of ``x``: each one-hot tangent gives one column.

    The result has shape ``f(x).shape + x.shape``, the layout of ``tape.jacobian``.

    >>> from snippets.gradient_vs_jacobian import coupled_outputs
    >>> print(forward_jacobian_loop(coupled_outputs, tf.constant([1.0, 2.0, 3.0])).numpy())
    [[2. 1. 0.]
     [0. 3. 2.]
     [0. 0. 6.]]
    """
    columns = [jvp(f, x, tangent)[1] for tangent in _basis(x)]
    stacked = tf.stack(columns, axis=-1)  # f(x).shape + [x.size]
    return tf.reshape(stacked, [*stacked.shape[:-1], *x.shape])


def forward_jacobian_vectorized(f: Function, x: tf.Tensor) -> tf.Tensor:
    """Build the same Jacobian with all the JVPs at once, vectorised by ``tf.vectorized_map``.

    ``vectorized_map`` stacks the products on a new *first* axis (one per
    tangent), so that axis is moved to the end before the reshape.

    >>> from snippets.gradient_vs_jacobian import coupled_outputs
    >>> print(forward_jacobian_vectorized(coupled_outputs, tf.constant([1.0, 2.0, 3.0])).numpy())
    [[2. 1. 0.]
     [0. 3. 2.]
     [0. 0. 6.]]
    """
    products = tf.vectorized_map(lambda tangent: jvp(f, x, tangent)[1], _basis(x))  # [x.size] + f(x).shape
    rank = products.shape.rank
    columns_last = tf.transpose(products, [*range(1, rank), 0])
    return tf.reshape(columns_last, [*columns_last.shape[:-1], *x.shape])


def reverse_jacobian(f: Function, x: tf.Tensor) -> tf.Tensor:
    """Return ``tape.jacobian(f(x), x)``: reverse mode, one vector-Jacobian product per output element.

    >>> from snippets.gradient_vs_jacobian import coupled_outputs
    >>> tuple(reverse_jacobian(coupled_outputs, tf.constant([1.0, 2.0, 3.0])).shape)
    (3, 3)
    """
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.jacobian(y, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)


def forward_equals_reverse(f: Function, x: tf.Tensor) -> dict:
    """Compare both forward-mode Jacobians with ``tape.jacobian``: shape, and values to 1e-5.

    >>> x = tf.constant([[1.0, 2.0], [0.5, -1.0]])
    >>> forward_equals_reverse(lambda w: tf.tanh(w @ w), x)
    {'shape': (2, 2, 2, 2), 'loop equals tape.jacobian': True, 'vectorized equals tape.jacobian': True}
    """
    reverse = reverse_jacobian(f, x)
    return {
        "shape": tuple(reverse.shape),
        "loop equals tape.jacobian": bool(np.allclose(forward_jacobian_loop(f, x), reverse, atol=1e-5)),
        "vectorized equals tape.jacobian": bool(
            np.allclose(forward_jacobian_vectorized(f, x), reverse, atol=1e-5)
        ),
    }


def two_layer_function(inputs: int, outputs: int, hidden: int = 64, seed: int = 0) -> Function:
    """Return ``x -> tanh(W2 tanh(W1 x))``, a function from ``inputs`` numbers to ``outputs`` numbers.

    The weights come from a stateless generator, so the same arguments give the
    same function on every run.

    >>> f = two_layer_function(inputs=4, outputs=1000)
    >>> tuple(f(tf.ones([4])).shape)
    (1000,)
    """
    w1 = tf.random.stateless_normal([hidden, inputs], seed=[seed, 1]) / inputs**0.5
    w2 = tf.random.stateless_normal([outputs, hidden], seed=[seed, 2]) / hidden**0.5

    def f(x):
        return tf.tanh(tf.linalg.matvec(w2, tf.tanh(tf.linalg.matvec(w1, x))))

    return f


def _run_seconds(compute: Callable[[], tf.Tensor], repeats: int) -> list[float]:
    """Wall-clock seconds of ``repeats`` calls to ``compute``, after one untimed call (which traces)."""
    compute().numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        compute().numpy()
        times.append(time.perf_counter() - start)
    return times


def time_both_modes(inputs: int, outputs: int, repeats: int = 7) -> dict:
    """Time the full Jacobian of ``two_layer_function(inputs, outputs)`` in reverse and in forward mode.

    Reverse is ``tape.jacobian`` (one backward pass per output, vectorised by
    pfor); forward is ``forward_jacobian_vectorized`` (one forward pass per
    input, vectorised by ``vectorized_map``). Both are traced ``tf.function``\\ s;
    times are medians of ``repeats`` calls after one untimed call, in
    milliseconds rounded to 0.01. ``winner`` names a mode only when its median beats the
    other's by more than the spread (slowest over fastest call) of either mode's own
    calls, the costs page's rule; otherwise it says ``within noise``. ``times faster``
    is the slower median over the faster one.

    >>> times = time_both_modes(inputs=3, outputs=5, repeats=2)
    >>> list(times), times["winner"] in {"forward", "reverse", "within noise"}
    (['inputs', 'outputs', 'reverse ms', 'forward ms', 'winner', 'times faster'], True)
    """
    f = two_layer_function(inputs, outputs)
    x = tf.linspace(-1.0, 1.0, inputs)
    reverse = tf.function(lambda x: reverse_jacobian(f, x))
    forward = tf.function(lambda x: forward_jacobian_vectorized(f, x))
    found = {}
    for mode, compute in (("reverse", reverse), ("forward", forward)):
        runs = _run_seconds(lambda compute=compute: compute(x), repeats)
        found[mode] = {"median_s": statistics.median(runs), "runs_s": runs}
    reverse_ms, forward_ms = (round(1000 * found[mode]["median_s"], 2) for mode in ("reverse", "forward"))
    verdict = compare(found["forward"], found["reverse"])
    return {
        "inputs": inputs,
        "outputs": outputs,
        "reverse ms": reverse_ms,
        "forward ms": forward_ms,
        "winner": {"faster": "forward", "slower": "reverse", "within noise": "within noise"}[verdict],
        "times faster": round(max(reverse_ms, forward_ms) / max(min(reverse_ms, forward_ms), 0.01), 1),
    }


def plot_jacobian_times(rows: list[dict], narrow: int = 8) -> Figure:
    """Plot rows of ``time_both_modes``: left, outputs grow with ``narrow`` inputs; right, inputs grow.

    >>> rows = [
    ...     {"inputs": 8, "outputs": 8, "reverse ms": 1.0, "forward ms": 1.0},
    ...     {"inputs": 8, "outputs": 64, "reverse ms": 4.0, "forward ms": 1.0},
    ...     {"inputs": 64, "outputs": 8, "reverse ms": 1.0, "forward ms": 4.0},
    ... ]
    >>> figure = plot_jacobian_times(rows)
    >>> [len(axes.lines) for axes in figure.axes]
    [2, 2]
    >>> [int(width) for width in figure.axes[0].lines[0].get_xdata()]
    [8, 64]
    """
    figure, panels = plt.subplots(1, 2, figsize=(8.4, 3.6), sharey=True, layout="constrained")
    for axes, grows, fixed in ((panels[0], "outputs", "inputs"), (panels[1], "inputs", "outputs")):
        chosen = sorted((row for row in rows if row[fixed] == narrow), key=lambda row: row[grows])
        widths = [row[grows] for row in chosen]
        for mode, style in (("reverse", "o-"), ("forward", "s--")):
            axes.plot(widths, [row[f"{mode} ms"] for row in chosen], style, label=f"{mode} mode")
        axes.set_xscale("log", base=2)
        axes.set_yscale("log")
        axes.set_xlabel(f"number of {grows} ({fixed}: {narrow})")
        axes.set_title(f"{narrow} {fixed}, more and more {grows}")
        axes.grid(True, which="major", alpha=0.3)
    panels[0].set_ylabel("time for the full Jacobian (ms)")
    panels[0].legend()
    plt.close(figure)  # the caller displays the returned figure; pyplot must not show it a second time
    return figure
