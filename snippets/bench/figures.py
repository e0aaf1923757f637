"""The costs page's figures: time and peak memory against a sweep's sizes, one line per method."""

from __future__ import annotations

import math

from snippets.bench.queries import sweep, sweep_series
from snippets.bench.roles import style
from snippets.bench.schema import WEIGHT_GRADIENTS_SWEEP

_FIGURE_WIDTH = 10.0


def _draw(ax, data, series, xlabel, ylabel):
    from matplotlib.ticker import FuncFormatter, NullFormatter

    for method, (xs, ys) in series.items():
        ax.plot(xs, ys, markersize=5, linewidth=1.4, **style(data, method))
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    # Plain numbers read faster than powers: ticks at the measured sizes, "0.001" rather than 10^-3.
    measured = sorted({x for xs, _ in series.values() for x in xs})
    if measured:
        ax.set_xticks(measured, labels=[str(x) for x in measured])
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))

    def minor_label(value, _):
        # Label 2 and 5 between the powers of ten, but only when the axis spans under two of them.
        low, high = ax.get_ylim()
        mantissa = round(value / 10 ** math.floor(math.log10(value) + 1e-9))
        return f"{value:g}" if high / low < 100 and mantissa in (2, 5) else ""

    ax.yaxis.set_minor_formatter(FuncFormatter(minor_label))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", linewidth=0.3, alpha=0.6)


def _legend(fig, axes):
    handles, labels = {}, {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
            labels.setdefault(label, label)
    fig.legend(
        list(handles.values()), list(labels), loc="outside lower center", ncols=2, fontsize=8, frameon=False
    )


def _memory_series(data, name):
    series = sweep_series(data, name, "peak_memory_bytes")
    return {m: (xs, [y / 2**20 for y in ys]) for m, (xs, ys) in series.items()}


def plot_against_batch(data: dict):
    """Figure: time per call and peak memory against batch size, log-log, one line per method.

    >>> from tests.bench_fixture import example
    >>> fig = plot_against_batch(example())
    >>> [len(ax.lines) for ax in fig.axes]  # the eager method has no memory measured here
    [3, 2]
    """
    import matplotlib.pyplot as plt

    fig, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=(_FIGURE_WIDTH, 5.6), layout="constrained")
    fixed = sweep(data, "batch")["fixed"]
    title = f"input width {fixed['input_width']}, output width {fixed['output_width']}"
    _draw(time_ax, data, sweep_series(data, "batch"), "batch size", "seconds per call (median)")
    _draw(memory_ax, data, _memory_series(data, "batch"), "batch size", "peak memory (MiB)")
    time_ax.set_title(f"Time, {title}", fontsize=10)
    memory_ax.set_title(f"Peak memory, {title}", fontsize=10)
    _legend(fig, [time_ax, memory_ax])
    plt.close(fig)  # the caller displays the returned figure; pyplot must not show it a second time
    return fig


def plot_against_widths(data: dict):
    """Figure: time per call and peak memory against input width and against output width, log-log.

    >>> from tests.bench_fixture import example
    >>> fig = plot_against_widths(example())
    >>> len(fig.axes)
    4
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(_FIGURE_WIDTH, 9.0), layout="constrained")
    for column, name in enumerate(("input_width", "output_width")):
        chosen = sweep(data, name)
        fixed = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in chosen["fixed"].items())
        label = name.replace("_", " ")
        _draw(axes[0, column], data, sweep_series(data, name), label, "seconds per call (median)")
        _draw(axes[1, column], data, _memory_series(data, name), label, "peak memory (MiB)")
        axes[0, column].set_title(f"Time against {label} ({fixed})", fontsize=10)
        axes[1, column].set_title(f"Peak memory against {label}", fontsize=10)
    _legend(fig, axes.ravel())
    plt.close(fig)  # the caller displays the returned figure; pyplot must not show it a second time
    return fig


def plot_hessian_vector(data: dict):
    """Figure: time per call and peak memory of the Hessian-vector methods against the input width.

    >>> from tests.bench_fixture import example
    >>> fig = plot_hessian_vector(example())
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['width of x', 'width of x']
    """
    return _plot_time_and_memory(data, "hessian_width", "width of x")


def plot_weight_gradients(data: dict, sweep_name: str = WEIGHT_GRADIENTS_SWEEP):
    """Figure: time per call and peak memory of the per-example weight-gradient methods against batch size.

    >>> from tests.bench_fixture import example
    >>> fig = plot_weight_gradients(example())
    Traceback (most recent call last):
    ...
    KeyError: "no sweep named 'weights_batch'; the JSON has ['batch', ...]"
    """
    return _plot_time_and_memory(data, sweep_name, "batch size")


def _plot_time_and_memory(data: dict, sweep_name: str, xlabel: str):
    import matplotlib.pyplot as plt

    sweep(data, sweep_name)  # a clear KeyError before any drawing
    fig, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=(_FIGURE_WIDTH, 4.6), layout="constrained")
    _draw(time_ax, data, sweep_series(data, sweep_name), xlabel, "seconds per call (median)")
    _draw(memory_ax, data, _memory_series(data, sweep_name), xlabel, "peak memory (MiB)")
    time_ax.set_title("Time", fontsize=10)
    memory_ax.set_title("Peak memory", fontsize=10)
    _legend(fig, [time_ax, memory_ax])
    plt.close(fig)  # the caller displays the returned figure; pyplot must not show it a second time
    return fig
