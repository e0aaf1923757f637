"""The JAX side of the Rosetta page: every derivative by ``jax.grad``, ``vjp``, ``jvp`` and their transforms.

JAX computes in float32 unless 64-bit types are enabled; each function enables them for
its own computation only (``with jax.enable_x64(True)``), so importing this module
changes nothing for anyone else. Each takes and returns NumPy arrays, as the
TensorFlow side does.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def layer_jax(x, w):
    """The dense layer ``tanh(x @ w)``.

    >>> from snippets.rosetta.examples import X, W, layer
    >>> with jax.enable_x64(True):
    ...     print(np.abs(layer_jax(X, W) - layer(X, W)).max() < 1e-15)
    True
    """
    return jnp.tanh(x @ w)


def chain_cubic_jax(x):
    """``sum(x[:-1]**2 * x[1:])``, a scalar.

    >>> print(chain_cubic_jax(jnp.array([1.0, 2.0, 3.0])))
    14.0
    """
    return jnp.sum(x[:-1] ** 2 * x[1:])


def rows_times_column_sums_jax(x):
    """``x * sum(x, axis=0)``: each row times the column sums over the whole batch.

    >>> from snippets.rosetta.examples import ROWS_X
    >>> print(rows_times_column_sums_jax(ROWS_X)[0])
    [ 9. 24.]
    """
    return x * jnp.sum(x, axis=0)


def vector_target_jax(x, w, u):
    """``jax.grad`` needs a scalar, so sum first; ``jax.vjp`` weights the outputs with ``u``.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> print(*check("vector_target", "JAX", vector_target_jax(*INPUTS["vector_target"])), sep="\\n")
    jax.grad(lambda x: f(x).sum())(x): gradient of the sum of y
    jax.vjp(f, x)[1](u): VJP u·J
    """
    with jax.enable_x64(True):

        def f(x):
            return layer_jax(x, w)

        _, pullback = jax.vjp(f, x)
        return {
            "jax.grad(lambda x: f(x).sum())(x)": np.asarray(jax.grad(lambda x: f(x).sum())(x)),
            "jax.vjp(f, x)[1](u)": np.asarray(pullback(u)[0]),
        }


def jacobian_jax(x, w):
    """``jax.jacrev``: every output's derivative, shape ``y.shape + x.shape``, as ``tape.jacobian``.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> check("jacobian", "JAX", jacobian_jax(*INPUTS["jacobian"]))
    ['jax.jacrev(f)(x): full Jacobian']
    """
    with jax.enable_x64(True):
        return {"jax.jacrev(f)(x)": np.asarray(jax.jacrev(lambda x: layer_jax(x, w))(x))}


def per_example_jacobians_jax(x, w):
    """No ``batch_jacobian``: ``vmap(jacrev(f))``, or ``jacrev`` of the batch-summed output (the sum trick).

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> results = per_example_jacobians_jax(*INPUTS["per_example_jacobians"])
    >>> print(*check("per_example_jacobians", "JAX", results), sep="\\n")
    jax.vmap(jax.jacrev(f))(x): per-example Jacobians
    jax.jacrev(lambda x: f(x).sum(0))(x), batch axis first: per-example Jacobians
    """
    with jax.enable_x64(True):

        def f(x):
            return layer_jax(x, w)

        summed = jax.jacrev(lambda x: f(x).sum(0))(x)  # [k, b, m]: the batch axis comes second
        return {
            "jax.vmap(jax.jacrev(f))(x)": np.asarray(jax.vmap(jax.jacrev(f))(x)),
            "jax.jacrev(lambda x: f(x).sum(0))(x), batch axis first": np.asarray(jnp.moveaxis(summed, 1, 0)),
        }


def interacting_rows_jax(x):
    """``vmap(jacrev(f))`` and the sum trick where rows interact: they no longer agree.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> print(*check("interacting_rows", "JAX", interacting_rows_jax(*INPUTS["interacting_rows"])), sep="\\n")
    jax.vmap(jax.jacrev(f))(x): each row's own function
    jax.jacrev(lambda x: f(x).sum(0))(x), batch axis first: block-column sums
    """
    with jax.enable_x64(True):
        f = rows_times_column_sums_jax
        summed = jax.jacrev(lambda x: f(x).sum(0))(x)
        return {
            "jax.vmap(jax.jacrev(f))(x)": np.asarray(jax.vmap(jax.jacrev(f))(x)),
            "jax.jacrev(lambda x: f(x).sum(0))(x), batch axis first": np.asarray(jnp.moveaxis(summed, 1, 0)),
        }


def forward_mode_jax(x, w, v):
    """``jax.jvp``; ``jacfwd`` puts the axes as ``jacrev`` does, ``vmap`` of JVPs puts the tangent axis first.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> print(*check("forward_mode", "JAX", forward_mode_jax(*INPUTS["forward_mode"])), sep="\\n")
    jax.jvp(f, (x,), (v,))[1]: JVP J·v
    jax.jacfwd(f)(x): full Jacobian
    jax.vmap(JVP)(one-hot tangents): JVPs stacked, tangent axis first
    """
    with jax.enable_x64(True):

        def f(x):
            return layer_jax(x, w)

        def jvp(tangent):
            return jax.jvp(f, (x,), (tangent,))[1]

        one_hot_tangents = jnp.eye(x.size).reshape(x.size, *x.shape)
        return {
            "jax.jvp(f, (x,), (v,))[1]": np.asarray(jvp(v)),
            "jax.jacfwd(f)(x)": np.asarray(jax.jacfwd(f)(x)),
            "jax.vmap(JVP)(one-hot tangents)": np.asarray(jax.vmap(jvp)(one_hot_tangents)),
        }


def hessian_and_hvp_jax(x, v):
    """``jax.hessian``, and the Hessian-vector product forward over reverse: the JVP of ``jax.grad(f)``.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> print(*check("hessian_and_hvp", "JAX", hessian_and_hvp_jax(*INPUTS["hessian_and_hvp"])), sep="\\n")
    jax.hessian(f)(x): Hessian
    jax.jvp(jax.grad(f), (x,), (v,))[1]: Hessian-vector product H·v
    """
    with jax.enable_x64(True):
        f = chain_cubic_jax
        return {
            "jax.hessian(f)(x)": np.asarray(jax.hessian(f)(x)),
            "jax.jvp(jax.grad(f), (x,), (v,))[1]": np.asarray(jax.jvp(jax.grad(f), (x,), (v,))[1]),
        }


def per_example_weight_gradients_jax(x, w):
    """One weight gradient per example: ``vmap`` of ``grad`` over the examples, the weights shared.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> check("per_example_weight_gradients", "JAX",
    ...       per_example_weight_gradients_jax(*INPUTS["per_example_weight_gradients"]))
    ['jax.vmap(jax.grad(loss), in_axes=(None, 0))(w, x): per-example weight gradients']
    """
    with jax.enable_x64(True):

        def loss(w, row):
            return jnp.sum(layer_jax(row, w) ** 2)

        gradients = jax.vmap(jax.grad(loss), in_axes=(None, 0))(w, x)
        return {"jax.vmap(jax.grad(loss), in_axes=(None, 0))(w, x)": np.asarray(gradients)}


def unconnected_jax(x, z):
    """The gradient with respect to an argument the function does not use: zeros, never ``None``.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> check("unconnected", "JAX", unconnected_jax(*INPUTS["unconnected"]))
    ['jax.grad(f, argnums=1)(x, z): zeros']
    """
    with jax.enable_x64(True):

        def f(x, z):
            return jnp.sum(x**2)

        return {"jax.grad(f, argnums=1)(x, z)": np.asarray(jax.grad(f, argnums=1)(x, z))}


def complex_inputs_jax(z):
    """``jax.grad`` of a real loss of ``z``, and with ``holomorphic=True`` of a holomorphic function.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> print(*check("complex_inputs", "JAX", complex_inputs_jax(*INPUTS["complex_inputs"])), sep="\\n")
    jax.grad(lambda z: sum(abs(z)**2))(z): 2 dL/dz = 2 conj(z)
    jax.grad(lambda z: sum(z**3), holomorphic=True)(z): g'(z) = 3 z**2
    """
    with jax.enable_x64(True):
        real_loss = jax.grad(lambda z: jnp.sum(jnp.abs(z) ** 2))(z)
        holomorphic = jax.grad(lambda z: jnp.sum(z**3), holomorphic=True)(z)
        return {
            "jax.grad(lambda z: sum(abs(z)**2))(z)": np.asarray(real_loss),
            "jax.grad(lambda z: sum(z**3), holomorphic=True)(z)": np.asarray(holomorphic),
        }
