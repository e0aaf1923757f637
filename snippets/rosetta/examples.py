"""The examples all three sides of the Rosetta page differentiate: inputs, closed forms, expected results.

Every side function returns a dict from the call it made (as written on the page) to its
result. ``EXPECTED`` says which closed form each call of each library equals, so the page,
the cheat sheet's table and the tests all read one list.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

LIBRARIES = ("TensorFlow", "JAX", "PyTorch")

# A dense layer y = tanh(x @ w) on a batch of 2 examples of width 3, outputs of width 2.
X = np.array([[0.1, 0.2, 0.3], [0.4, -0.5, 0.6]])
W = np.array([[0.5, -0.3], [0.2, 0.4], [-0.1, 0.3]])
U = np.array([[1.0, 0.0], [0.5, 2.0]])  # upstream gradient (cotangent) for the VJP, y's shape
V = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, -1.0]])  # tangent for the JVP, x's shape
# A scalar of a vector whose second derivatives differ: sum(x[:-1]**2 * x[1:]).
CUBIC_X = np.array([1.0, 2.0, 3.0])
CUBIC_V = np.array([1.0, 0.0, -1.0])
# Rows that interact: f(x) = x * sum(x, axis=0), 3 examples of width 2.
ROWS_X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
# Unconnected: y = sum(x**2) does not use z.
UNCONNECTED_X = np.array([1.0, 2.0])
UNCONNECTED_Z = np.array([1.0, 1.0])
# Complex inputs for the real loss sum(abs(z)**2) and the holomorphic sum(z**3).
Z = np.array([3 + 4j, 1 - 2j])

CASES: dict[str, str] = {
    "vector_target": "Gradient of a vector target and VJPs",
    "jacobian": "Full Jacobian",
    "per_example_jacobians": "Per-example Jacobians",
    "interacting_rows": "When rows interact",
    "forward_mode": "Forward mode and JVPs",
    "hessian_and_hvp": "Hessian and Hessian-vector product",
    "per_example_weight_gradients": "Per-example weight gradients",
    "unconnected": "Unconnected sources",
    "complex_inputs": "Complex inputs",
}
"""Each case's title: the heading of its section on the Rosetta page, in the page's order."""


def anchor(case: str) -> str:
    """The anchor of a case's section (MyST's heading slug), for links from other pages.

    >>> anchor("vector_target")
    'gradient-of-a-vector-target-and-vjps'
    """
    return "-".join(re.sub(r"[^\w\s-]", "", CASES[case].lower()).split())


EXAMPLE_INPUTS: dict[str, tuple[np.ndarray, ...]] = {
    "layer": (X, W),
    "chain_cubic": (CUBIC_X,),
    "rows_times_column_sums": (ROWS_X,),
}
"""The functions each side writes in its own library (``layer_tensorflow``, ...), and their inputs."""

INPUTS: dict[str, tuple[np.ndarray, ...]] = {
    "vector_target": (X, W, U),
    "jacobian": (X, W),
    "per_example_jacobians": (X, W),
    "interacting_rows": (ROWS_X,),
    "forward_mode": (X, W, V),
    "hessian_and_hvp": (CUBIC_X, CUBIC_V),
    "per_example_weight_gradients": (X, W),
    "unconnected": (UNCONNECTED_X, UNCONNECTED_Z),
    "complex_inputs": (Z,),
}
"""Each case's inputs, in the order every side's function takes them."""


def layer(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The dense layer ``tanh(x @ w)`` in NumPy: the function the first cases differentiate.

    >>> print(layer(X, W))
    [[ 0.0599  0.1391]
     [ 0.04   -0.1391]]
    """
    return np.tanh(x @ w)


def _layer_derivatives(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """y, its derivative 1 - y**2, and the per-example blocks B[i, a, c] = (1 - y[i, a]**2) w[c, a]."""
    y = layer(x, w)
    slope = 1.0 - y**2
    return y, slope, slope[:, :, None] * w.T[None]


def _full_jacobian(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """J[i, a, j, c] = [i == j] B[i, a, c]: shape y.shape + x.shape."""
    _, _, blocks = _layer_derivatives(x, w)
    return np.einsum("ij,iac->iajc", np.eye(x.shape[0]), blocks)


def chain_cubic(x: np.ndarray) -> float:
    """``sum(x[:-1]**2 * x[1:])`` in NumPy, the scalar whose Hessian the page computes.

    >>> chain_cubic(CUBIC_X)
    14.0
    """
    return float(np.sum(x[:-1] ** 2 * x[1:]))


def chain_cubic_hessian(x: np.ndarray) -> np.ndarray:
    """The Hessian of ``chain_cubic`` in closed form: ``2 x[i+1]`` on the diagonal, ``2 x[i]`` beside it.

    >>> print(chain_cubic_hessian(CUBIC_X))
    [[4. 2. 0.]
     [2. 6. 4.]
     [0. 4. 0.]]
    """
    hessian = np.zeros((x.size, x.size))
    for i in range(x.size - 1):
        hessian[i, i] += 2 * x[i + 1]
        hessian[i, i + 1] += 2 * x[i]
        hessian[i + 1, i] += 2 * x[i]
    return hessian


def rows_times_column_sums(x: np.ndarray) -> np.ndarray:
    """``x * sum(x, axis=0)`` in NumPy: every row is scaled by sums over all rows, so rows interact.

    >>> print(rows_times_column_sums(ROWS_X))
    [[ 9. 24.]
     [27. 48.]
     [45. 72.]]
    """
    return x * x.sum(axis=0)


def _vector_target(x, w, u):
    _, slope, _ = _layer_derivatives(x, w)
    return {"gradient of the sum of y": slope @ w.T, "VJP u·J": (u * slope) @ w.T}


def _jacobian(x, w):
    return {"full Jacobian": _full_jacobian(x, w)}


def _per_example_jacobians(x, w):
    return {"per-example Jacobians": _layer_derivatives(x, w)[2]}


def _interacting_rows(x):
    eye = np.eye(x.shape[1])
    sums = x.sum(axis=0)
    return {
        # sum over i' of d y[i'] / d x[i]: diag(2 s) for every example
        "block-column sums": np.broadcast_to(np.diag(2 * sums), (x.shape[0], *eye.shape)).copy(),
        # the Jacobian of r -> r * sum(r) at each row r: a different function
        "each row's own function": x.sum(axis=1)[:, None, None] * eye + x[:, :, None],
        # d y[i] / d x[i]: the diagonal blocks of the full Jacobian
        "diagonal blocks": (sums[None, :] + x)[:, :, None] * eye,
    }


def _forward_mode(x, w, v):
    _, slope, _ = _layer_derivatives(x, w)
    jacobian = _full_jacobian(x, w)
    stacked = jacobian.reshape(*jacobian.shape[:2], x.size).transpose(2, 0, 1)
    return {
        "JVP J·v": (v @ w) * slope,
        "full Jacobian": jacobian,
        "JVPs stacked, tangent axis first": stacked,
    }


def _hessian_and_hvp(x, v):
    hessian = chain_cubic_hessian(x)
    return {"Hessian": hessian, "Hessian-vector product H·v": hessian @ v}


def _per_example_weight_gradients(x, w):
    y, slope, _ = _layer_derivatives(x, w)
    # d/dw[c, a] of sum_a y[i, a]**2 = x[i, c] * 2 y[i, a] (1 - y[i, a]**2)
    return {"per-example weight gradients": x[:, :, None] * (2 * y * slope)[:, None, :]}


def _unconnected(x, z):
    return {"zeros": np.zeros_like(z)}


def _complex_inputs(z):
    # Wirtinger derivatives: for L = sum |z|**2, dL/dz = conj(z) and dL/dconj(z) = z;
    # for the holomorphic g = sum z**3, g'(z) = 3 z**2.
    return {
        "2 dL/dconj(z) = 2 z": 2 * z,
        "2 dL/dz = 2 conj(z)": 2 * np.conj(z),
        "g'(z) = 3 z**2": 3 * z**2,
        "conj(g'(z))": np.conj(3 * z**2),
    }


CLOSED_FORMS: dict[str, Callable[..., dict[str, np.ndarray]]] = {
    "vector_target": _vector_target,
    "jacobian": _jacobian,
    "per_example_jacobians": _per_example_jacobians,
    "interacting_rows": _interacting_rows,
    "forward_mode": _forward_mode,
    "hessian_and_hvp": _hessian_and_hvp,
    "per_example_weight_gradients": _per_example_weight_gradients,
    "unconnected": _unconnected,
    "complex_inputs": _complex_inputs,
}
"""Each case's closed forms, by name, as functions of the case's inputs."""

NONE = "None"
RAISES = "raises RuntimeError"

EXPECTED: dict[str, dict[str, dict[str, str]]] = {
    "vector_target": {
        "TensorFlow": {
            "tape.gradient(y, x)": "gradient of the sum of y",
            "tape.gradient(y, x, output_gradients=u)": "VJP u·J",
        },
        "JAX": {
            "jax.grad(lambda x: f(x).sum())(x)": "gradient of the sum of y",
            "jax.vjp(f, x)[1](u)": "VJP u·J",
        },
        "PyTorch": {
            "torch.autograd.grad(y.sum(), x)": "gradient of the sum of y",
            "torch.autograd.grad(y, x, grad_outputs=u)": "VJP u·J",
        },
    },
    "jacobian": {
        "TensorFlow": {"tape.jacobian(y, x)": "full Jacobian"},
        "JAX": {"jax.jacrev(f)(x)": "full Jacobian"},
        "PyTorch": {"torch.func.jacrev(f)(x)": "full Jacobian"},
    },
    "per_example_jacobians": {
        "TensorFlow": {
            "tape.batch_jacobian(y, x)": "per-example Jacobians",
            "tf.vectorized_map(jacobian of one example, x)": "per-example Jacobians",
        },
        "JAX": {
            "jax.vmap(jax.jacrev(f))(x)": "per-example Jacobians",
            "jax.jacrev(lambda x: f(x).sum(0))(x), batch axis first": "per-example Jacobians",
        },
        "PyTorch": {
            "torch.func.vmap(torch.func.jacrev(f))(x)": "per-example Jacobians",
            "torch.func.jacrev(lambda x: f(x).sum(0))(x), batch axis first": "per-example Jacobians",
        },
    },
    "interacting_rows": {
        "TensorFlow": {
            "tape.batch_jacobian(y, x)": "block-column sums",
            "diagonal blocks of tape.jacobian(y, x)": "diagonal blocks",
        },
        "JAX": {
            "jax.vmap(jax.jacrev(f))(x)": "each row's own function",
            "jax.jacrev(lambda x: f(x).sum(0))(x), batch axis first": "block-column sums",
        },
        "PyTorch": {
            "torch.func.vmap(torch.func.jacrev(f))(x)": "each row's own function",
            "torch.func.jacrev(lambda x: f(x).sum(0))(x), batch axis first": "block-column sums",
        },
    },
    "forward_mode": {
        "TensorFlow": {
            "acc.jvp(y)": "JVP J·v",
            "tf.vectorized_map(JVP, one-hot tangents)": "JVPs stacked, tangent axis first",
        },
        "JAX": {
            "jax.jvp(f, (x,), (v,))[1]": "JVP J·v",
            "jax.jacfwd(f)(x)": "full Jacobian",
            "jax.vmap(JVP)(one-hot tangents)": "JVPs stacked, tangent axis first",
        },
        "PyTorch": {
            "torch.func.jvp(f, (x,), (v,))[1]": "JVP J·v",
            "torch.func.jacfwd(f)(x)": "full Jacobian",
        },
    },
    "hessian_and_hvp": {
        "TensorFlow": {
            "outer.jacobian(inner.gradient(f(x), x), x)": "Hessian",
            "outer.gradient(sum(inner.gradient(f(x), x) * v), x)": "Hessian-vector product H·v",
        },
        "JAX": {
            "jax.hessian(f)(x)": "Hessian",
            "jax.jvp(jax.grad(f), (x,), (v,))[1]": "Hessian-vector product H·v",
        },
        "PyTorch": {
            "torch.func.hessian(f)(x)": "Hessian",
            "torch.func.jvp(torch.func.grad(f), (x,), (v,))[1]": "Hessian-vector product H·v",
        },
    },
    "per_example_weight_gradients": {
        "TensorFlow": {
            "tf.vectorized_map(gradient of one example's loss, x)": "per-example weight gradients"
        },
        "JAX": {"jax.vmap(jax.grad(loss), in_axes=(None, 0))(w, x)": "per-example weight gradients"},
        "PyTorch": {
            "torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0))(w, x)": "per-example weight gradients"
        },
    },
    "unconnected": {
        "TensorFlow": {
            "tape.gradient(y, z)": NONE,
            "tape.gradient(y, z, unconnected_gradients=tf.UnconnectedGradients.ZERO)": "zeros",
        },
        "JAX": {"jax.grad(f, argnums=1)(x, z)": "zeros"},
        "PyTorch": {
            "torch.autograd.grad(y, z)": RAISES,
            "torch.autograd.grad(y, z, allow_unused=True)": NONE,
            "torch.autograd.grad(y, z, allow_unused=True, materialize_grads=True)": "zeros",
            "torch.func.grad(f, argnums=1)(x, z)": "zeros",
        },
    },
    "complex_inputs": {
        "TensorFlow": {
            "tape.gradient(sum(abs(z)**2), z)": "2 dL/dconj(z) = 2 z",
            "tape.gradient(sum(z**3), z)": "conj(g'(z))",
        },
        "JAX": {
            "jax.grad(lambda z: sum(abs(z)**2))(z)": "2 dL/dz = 2 conj(z)",
            "jax.grad(lambda z: sum(z**3), holomorphic=True)(z)": "g'(z) = 3 z**2",
        },
        "PyTorch": {
            "torch.autograd.grad(sum(abs(z)**2), z)": "2 dL/dconj(z) = 2 z",
            "torch.autograd.grad(sum(z**3), z, grad_outputs=1)": "conj(g'(z))",
        },
    },
}
"""For each case and library, each call's closed form by name (or ``None``, or ``raises RuntimeError``)."""

TOLERANCE = 1e-12
"""Largest absolute difference, in float64, between a result and its closed form, or between libraries."""


def mismatch(result: object, expected: str, closed_forms: dict[str, np.ndarray]) -> str | None:
    """Why ``result`` is not what ``expected`` names, or ``None`` when it is (within ``TOLERANCE``).

    >>> forms = {"zeros": np.zeros(2)}
    >>> mismatch(np.zeros(2), "zeros", forms) is None, mismatch(None, NONE, forms) is None
    (True, True)
    >>> mismatch(np.ones(2), "zeros", forms)
    'max |result - zeros| = 1'
    >>> mismatch("RuntimeError: not used", RAISES, forms) is None
    True
    """
    if expected == NONE:
        return None if result is None else f"expected None, got {result!r}"
    if expected == RAISES:
        ok = isinstance(result, str) and result.startswith("RuntimeError")
        return None if ok else f"expected a RuntimeError, got {result!r}"
    if not isinstance(result, np.ndarray):
        return f"expected an array equal to {expected}, got {result!r}"
    form = closed_forms[expected]
    if result.shape != form.shape:
        return f"shape {result.shape}, not the shape {form.shape} of {expected}"
    error = float(np.max(np.abs(result - form), initial=0.0))
    return None if error <= TOLERANCE else f"max |result - {expected}| = {error:.3g}"


def check(case: str, library: str, results: dict, inputs: tuple[np.ndarray, ...] | None = None) -> list[str]:
    """One line per call of ``library`` in ``case``: the closed form it equals, or how it fails.

    ``results`` is what that library's side function returned for ``inputs`` (by default
    the page's). Raises ``AssertionError`` when a result is not the closed form ``EXPECTED``
    names, or when the calls are not exactly those of ``EXPECTED``.

    >>> print(*check("unconnected", "JAX", {"jax.grad(f, argnums=1)(x, z)": np.zeros(2)}), sep="\\n")
    jax.grad(f, argnums=1)(x, z): zeros
    """
    expected = EXPECTED[case][library]
    assert list(results) == list(expected), f"{library} {case}: calls {list(results)}, not {list(expected)}"
    forms = CLOSED_FORMS[case](*(INPUTS[case] if inputs is None else inputs))
    lines = []
    for call, result in results.items():
        problem = mismatch(result, expected[call], forms)
        assert problem is None, f"{library} {case}, {call}: {problem}"
        lines.append(f"{call}: {expected[call]}")
    return lines
