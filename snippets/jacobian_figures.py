"""Heat maps of a batched target's full Jacobian, with the per-example (diagonal) blocks outlined."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

_ANNOTATE_UP_TO = 12  # write each value in its cell while the matrix is at most this many cells wide


def full_jacobian_as_matrix(full_jacobian: tf.Tensor) -> np.ndarray:
    """Reshape a ``jacobian`` of shape ``[b, n, b, m]`` to the ``[b*n, b*m]`` matrix it stands for.

    Row ``i*n + k`` is output ``k`` of example ``i``; column ``j*m + l`` is input
    ``l`` of example ``j``.

    >>> full_jacobian_as_matrix(tf.zeros((4, 2, 4, 3))).shape
    (8, 12)
    >>> full_jacobian_as_matrix(tf.zeros((4, 2, 3)))
    Traceback (most recent call last):
    ...
    ValueError: expected tape.jacobian(y, x) for y of shape [b, n] and x of shape [b, m], i.e. shape \
[b, n, b, m]; got (4, 2, 3). Reshape y and x to two axes first.
    """
    values = np.asarray(full_jacobian)
    if values.ndim != 4 or values.shape[0] != values.shape[2]:
        raise ValueError(
            "expected tape.jacobian(y, x) for y of shape [b, n] and x of shape [b, m], i.e. shape "
            f"[b, n, b, m]; got {values.shape}. Reshape y and x to two axes first."
        )
    batch, n, _, m = values.shape
    return values.reshape(batch * n, batch * m)


def plot_full_jacobians(panels: dict[str, tf.Tensor]) -> Figure:
    """Draw each full Jacobian ``[b, n, b, m]`` as a heat map and outline its ``b`` diagonal blocks.

    The outlined blocks are the per-example Jacobians, what ``batch_jacobian`` is
    meant to return; anything outside them is a cross-example derivative. Block
    ``j`` of ``batch_jacobian`` is the sum of block column ``j``, so it equals the
    outlined block only when the rest of that column is zero. The colour scale of
    each panel is symmetric around zero (zero is white).

    >>> figure = plot_full_jacobians({"zeros": tf.zeros((2, 1, 2, 3)), "ones": tf.ones((2, 1, 2, 3))})
    >>> len(figure.axes), figure.axes[0].images[0].get_array().shape, len(figure.axes[0].patches)
    (2, (2, 6), 2)
    """
    # Through pyplot, so that Jupyter's inline backend knows how to display the returned figure.
    figure, axes_grid = plt.subplots(
        1, len(panels), figsize=(4.6 * len(panels), 4.4), layout="constrained", squeeze=False
    )
    axes_list = axes_grid[0]
    for axes, (title, full_jacobian) in zip(axes_list, panels.items(), strict=True):
        matrix = full_jacobian_as_matrix(full_jacobian)
        batch, n, _, m = np.shape(full_jacobian)
        limit = float(np.abs(matrix).max()) or 1.0
        axes.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit)
        if max(matrix.shape) <= _ANNOTATE_UP_TO:
            for (row, column), value in np.ndenumerate(matrix):
                shade = "white" if abs(value) > 0.6 * limit else "black"
                # `+ 0.0` prints a negative zero (from a zero gradient times a negative number) as 0.
                axes.text(column, row, f"{value + 0.0:g}", ha="center", va="center", fontsize=7, color=shade)
        for i in range(batch):
            axes.add_patch(
                Rectangle((i * m - 0.5, i * n - 0.5), m, n, fill=False, edgecolor="black", linewidth=2.2)
            )
        axes.set_xticks([j * m + (m - 1) / 2 for j in range(batch)], [f"x[{j}]" for j in range(batch)])
        axes.set_yticks([i * n + (n - 1) / 2 for i in range(batch)], [f"y[{i}]" for i in range(batch)])
        axes.tick_params(length=0)
        axes.set_xlabel("source: example, then its features")
        axes.set_ylabel("target: example, then its outputs")
        axes.set_title(title, fontsize=10)
    plt.close(figure)  # the caller displays the returned figure; pyplot must not show it a second time
    return figure
