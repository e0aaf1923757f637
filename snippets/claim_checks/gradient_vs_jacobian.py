"""Checks for the claims of the `gradient` vs `jacobian` page."""

from __future__ import annotations

from snippets.gradient_vs_jacobian import loss_vector_gradient_against_mean_loss_gradient
from snippets.support.claims import require


def gradient_of_loss_vector_is_b_times_the_mean_gradient() -> str:
    """``gradient`` of a per-example loss vector is ``b`` times the gradient of the mean loss.

    >>> print(gradient_of_loss_vector_is_b_times_the_mean_gradient())
    ratio 2.0 at b=2, 4.0 at b=4, 8.0 at b=8, 32.0 at b=32
    """
    batches = (2, 4, 8, 32)
    ratios = [loss_vector_gradient_against_mean_loss_gradient(batch) for batch in batches]
    for batch, ratio in zip(batches, ratios, strict=True):
        require(abs(ratio - batch) < 1e-9, f"ratio {ratio} at b={batch}, not {batch}")
    return "ratio " + ", ".join(f"{ratio} at b={batch}" for batch, ratio in zip(batches, ratios, strict=True))
