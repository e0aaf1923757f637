"""Random inputs for every case of the Rosetta page, shared by its TensorFlow/JAX and PyTorch tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

# Batch, input width and output width of a random case; the seed draws the values.
SIZES = st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2**32 - 1))


def random_inputs(case: str, batch: int, width: int, outputs: int, seed: int) -> tuple[np.ndarray, ...]:
    """Float64 inputs in [-2, 2] (complex for complex_inputs) in the shapes ``case`` takes.

    Rows that interact get values in [0.5, 2], so that every entry their three answers
    differ by is at least 0.5 (see test_interacting_rows_differ_where_the_page_says).
    """
    rng = np.random.default_rng(seed)

    def uniform(*shape, low=-2.0):
        return rng.uniform(low, 2.0, shape)

    x, w = uniform(batch, width), uniform(width, outputs)
    return {
        "vector_target": lambda: (x, w, uniform(batch, outputs)),
        "jacobian": lambda: (x, w),
        "per_example_jacobians": lambda: (x, w),
        "interacting_rows": lambda: (uniform(batch + 1, width, low=0.5),),
        "forward_mode": lambda: (x, w, uniform(batch, width)),
        "hessian_and_hvp": lambda: (uniform(width + 1), uniform(width + 1)),
        "per_example_weight_gradients": lambda: (x, w),
        "unconnected": lambda: (uniform(width), uniform(width)),
        "complex_inputs": lambda: (uniform(width) + 1j * uniform(width),),
    }[case]()
