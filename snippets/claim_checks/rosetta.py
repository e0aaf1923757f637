"""Checks for the claims of the Rosetta page (TensorFlow, JAX and PyTorch side by side)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from snippets.rosetta import tensorflow_side
from snippets.rosetta.examples import CASES, EXPECTED, INPUTS, TOLERANCE, Z
from snippets.rosetta.recording import recorded
from snippets.support.claims import require


def jax_has_no_batch_jacobian() -> str:
    """JAX has no ``batch_jacobian``: no public name in ``jax`` or ``jax.numpy`` contains it.

    >>> print(jax_has_no_batch_jacobian())  # doctest: +ELLIPSIS
    no name with 'batch_jacobian' or 'batch_jac' in jax ... or jax.numpy
    """
    names = [name for module in (jax, jnp) for name in dir(module) if "batch_jac" in name.lower()]
    require(not names, f"JAX has {names}")
    return f"no name with 'batch_jacobian' or 'batch_jac' in jax {jax.__version__} or jax.numpy"


def jax_computes_in_float32_unless_x64_is_enabled() -> str:
    """JAX makes float32 arrays from float64 NumPy input unless 64-bit types are enabled.

    >>> print(jax_computes_in_float32_unless_x64_is_enabled())
    jnp.asarray(float64 array): float32 by default, float64 inside jax.enable_x64(True)
    """
    default = jnp.asarray(np.ones(2)).dtype
    with jax.enable_x64(True):
        enabled = jnp.asarray(np.ones(2)).dtype
    require(default == jnp.float32 and enabled == jnp.float64, f"{default} by default, {enabled} with x64")
    return f"jnp.asarray(float64 array): {default} by default, {enabled} inside jax.enable_x64(True)"


def jax_grad_refuses_a_complex_output_unless_holomorphic() -> str:
    """``jax.grad`` of a complex-valued function raises ``TypeError`` unless ``holomorphic=True``.

    >>> print(jax_grad_refuses_a_complex_output_unless_holomorphic())  # doctest: +ELLIPSIS
    TypeError: grad requires real-valued outputs (output dtype that is a sub-dtype of np.floating), ...
    """
    with jax.enable_x64(True):
        try:
            jax.grad(lambda z: jnp.sum(z**3))(Z)
        except TypeError as error:
            return f"TypeError: {str(error).split('. ')[0]}"
    require(False, "jax.grad of sum(z**3) returned instead of raising")
    return ""


def recorded_torch_results_match_tensorflow() -> str:
    """Every recorded PyTorch result equals TensorFlow's for the same closed form, within 1e-12.

    >>> print(recorded_torch_results_match_tensorflow())  # doctest: +ELLIPSIS
    14 recorded PyTorch results compared with TensorFlow's, largest difference ...
    """
    largest, compared = 0.0, 0
    for case in CASES:
        tf_results = getattr(tensorflow_side, f"{case}_tensorflow")(*INPUTS[case])
        tf_by_form = {EXPECTED[case]["TensorFlow"][call]: value for call, value in tf_results.items()}
        for call, value in recorded(f"{case}_torch").items():
            other = tf_by_form.get(EXPECTED[case]["PyTorch"][call])
            if isinstance(value, np.ndarray) and isinstance(other, np.ndarray):
                largest = max(largest, float(np.max(np.abs(value - other), initial=0.0)))
                compared += 1
    require(largest <= TOLERANCE, f"largest difference {largest:.2g}")
    return f"{compared} recorded PyTorch results compared with TensorFlow's, largest difference {largest:.0e}"


def the_libraries_differ_in_four_places() -> str:
    """TensorFlow and JAX differ on interacting rows, complex inputs, unconnected sources, stacked JVPs.

    >>> print(the_libraries_differ_in_four_places())  # doctest: +NORMALIZE_WHITESPACE
    interacting rows: batch_jacobian and vmap(jacrev) differ by up to 19; complex: TensorFlow's
    gradients are JAX's conjugated; unconnected: None against zeros; stacked JVPs: (6, 2, 2)
    against jacfwd's (2, 2, 2, 3)
    """
    from snippets.rosetta import jax_side

    def both(case):
        inputs = INPUTS[case]
        return (
            getattr(tensorflow_side, f"{case}_tensorflow")(*inputs),
            getattr(jax_side, f"{case}_jax")(*inputs),
        )

    tf_rows, jax_rows = both("interacting_rows")
    rows = np.max(np.abs(tf_rows["tape.batch_jacobian(y, x)"] - jax_rows["jax.vmap(jax.jacrev(f))(x)"]))
    tf_complex, jax_complex = (list(results.values()) for results in both("complex_inputs"))
    conjugated = all(
        np.allclose(a, np.conj(b)) and not np.allclose(a, b)
        for a, b in zip(tf_complex, jax_complex, strict=True)
    )
    tf_unconnected, jax_unconnected = both("unconnected")
    unconnected = tf_unconnected["tape.gradient(y, z)"] is None and not np.any(
        jax_unconnected["jax.grad(f, argnums=1)(x, z)"]
    )
    tf_forward, jax_forward = both("forward_mode")
    stacked = tf_forward["tf.vectorized_map(JVP, one-hot tangents)"].shape
    jacfwd = jax_forward["jax.jacfwd(f)(x)"].shape
    require(rows >= 0.5, f"interacting rows differ by only {rows}")
    require(conjugated, "complex gradients are not conjugates")
    require(unconnected, "unconnected sources give the same answer")
    require(stacked != jacfwd, f"stacked JVPs {stacked} and jacfwd {jacfwd} have the same shape")
    return (
        f"interacting rows: batch_jacobian and vmap(jacrev) differ by up to {rows:g}; "
        "complex: TensorFlow's gradients are JAX's conjugated; unconnected: None against zeros; "
        f"stacked JVPs: {stacked} against jacfwd's {jacfwd}"
    )
