"""The PyTorch side of the Rosetta page: every derivative by ``torch.autograd`` or ``torch.func``.

PyTorch is not installed by the default sessions (PyPI's Linux wheel brings 3 GB of CUDA
libraries): the opt-in ``rosetta_torch`` session runs these functions, and
:mod:`snippets.rosetta.recording` stores their results, with a hash of this file, in
``docs/_data/rosetta-torch.json``, which the page renders. Each function takes and
returns NumPy arrays, as the TensorFlow side does.
"""

from __future__ import annotations

import torch
from torch.func import grad, hessian, jacfwd, jacrev, jvp, vmap

from snippets.rosetta.examples import EXAMPLE_INPUTS, INPUTS


def layer_torch(x, w):
    """The dense layer ``tanh(x @ w)``.

    >>> from snippets.rosetta.examples import X, W, layer
    >>> print(np.abs(layer_torch(torch.tensor(X), torch.tensor(W)).numpy() - layer(X, W)).max() < 1e-15)
    True
    """
    return torch.tanh(x @ w)


def chain_cubic_torch(x):
    """``sum(x[:-1]**2 * x[1:])``, a scalar.

    >>> print(chain_cubic_torch(torch.tensor([1.0, 2.0, 3.0])).item())
    14.0
    """
    return torch.sum(x[:-1] ** 2 * x[1:])


def rows_times_column_sums_torch(x):
    """``x * sum(x, dim=0)``: each row times the column sums over the whole batch.

    >>> from snippets.rosetta.examples import ROWS_X
    >>> print(rows_times_column_sums_torch(torch.tensor(ROWS_X))[0].numpy())
    [ 9. 24.]
    """
    return x * torch.sum(x, dim=0)


def vector_target_torch(x, w, u):
    """``backward`` and ``autograd.grad`` need a scalar, or ``grad_outputs`` (a VJP).

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> print(*check("vector_target", "PyTorch", vector_target_torch(*INPUTS["vector_target"])), sep="\\n")
    torch.autograd.grad(y.sum(), x): gradient of the sum of y
    torch.autograd.grad(y, x, grad_outputs=u): VJP u·J
    """
    x = torch.tensor(x, requires_grad=True)
    y = layer_torch(x, torch.tensor(w))
    (of_sum,) = torch.autograd.grad(y.sum(), x, retain_graph=True)
    (vjp,) = torch.autograd.grad(y, x, grad_outputs=torch.tensor(u))
    return {
        "torch.autograd.grad(y.sum(), x)": of_sum.numpy(),
        "torch.autograd.grad(y, x, grad_outputs=u)": vjp.numpy(),
    }


def jacobian_torch(x, w):
    """``torch.func.jacrev``: every output's derivative, shape ``y.shape + x.shape``.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> check("jacobian", "PyTorch", jacobian_torch(*INPUTS["jacobian"]))
    ['torch.func.jacrev(f)(x): full Jacobian']
    """
    w = torch.tensor(w)
    return {"torch.func.jacrev(f)(x)": jacrev(lambda x: layer_torch(x, w))(torch.tensor(x)).numpy()}


def per_example_jacobians_torch(x, w):
    """No ``batch_jacobian``: ``vmap(jacrev(f))``, or ``jacrev`` of the batch-summed output (the sum trick).

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> print(*check("per_example_jacobians", "PyTorch",
    ...              per_example_jacobians_torch(*INPUTS["per_example_jacobians"])), sep="\\n")
    torch.func.vmap(torch.func.jacrev(f))(x): per-example Jacobians
    torch.func.jacrev(lambda x: f(x).sum(0))(x), batch axis first: per-example Jacobians
    """
    x, w = torch.tensor(x), torch.tensor(w)

    def f(x):
        return layer_torch(x, w)

    summed = jacrev(lambda x: f(x).sum(0))(x)  # [k, b, m]: the batch axis comes second
    return {
        "torch.func.vmap(torch.func.jacrev(f))(x)": vmap(jacrev(f))(x).numpy(),
        "torch.func.jacrev(lambda x: f(x).sum(0))(x), batch axis first": summed.movedim(1, 0).numpy(),
    }


def interacting_rows_torch(x):
    """``vmap(jacrev(f))`` and the sum trick where rows interact: they no longer agree.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> print(*check("interacting_rows", "PyTorch", interacting_rows_torch(*INPUTS["interacting_rows"])),
    ...       sep="\\n")
    torch.func.vmap(torch.func.jacrev(f))(x): each row's own function
    torch.func.jacrev(lambda x: f(x).sum(0))(x), batch axis first: block-column sums
    """
    x = torch.tensor(x)
    f = rows_times_column_sums_torch
    summed = jacrev(lambda x: f(x).sum(0))(x)
    return {
        "torch.func.vmap(torch.func.jacrev(f))(x)": vmap(jacrev(f))(x).numpy(),
        "torch.func.jacrev(lambda x: f(x).sum(0))(x), batch axis first": summed.movedim(1, 0).numpy(),
    }


def forward_mode_torch(x, w, v):
    """``torch.func.jvp``, and ``jacfwd``, which puts the axes as ``jacrev`` does.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> print(*check("forward_mode", "PyTorch", forward_mode_torch(*INPUTS["forward_mode"])), sep="\\n")
    torch.func.jvp(f, (x,), (v,))[1]: JVP J·v
    torch.func.jacfwd(f)(x): full Jacobian
    """
    x, w = torch.tensor(x), torch.tensor(w)

    def f(x):
        return layer_torch(x, w)

    return {
        "torch.func.jvp(f, (x,), (v,))[1]": jvp(f, (x,), (torch.tensor(v),))[1].numpy(),
        "torch.func.jacfwd(f)(x)": jacfwd(f)(x).numpy(),
    }


def hessian_and_hvp_torch(x, v):
    """``torch.func.hessian``, and the Hessian-vector product forward over reverse.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> results = hessian_and_hvp_torch(*INPUTS["hessian_and_hvp"])
    >>> print(*check("hessian_and_hvp", "PyTorch", results), sep="\\n")
    torch.func.hessian(f)(x): Hessian
    torch.func.jvp(torch.func.grad(f), (x,), (v,))[1]: Hessian-vector product H·v
    """
    x, v = torch.tensor(x), torch.tensor(v)
    f = chain_cubic_torch
    return {
        "torch.func.hessian(f)(x)": hessian(f)(x).numpy(),
        "torch.func.jvp(torch.func.grad(f), (x,), (v,))[1]": jvp(grad(f), (x,), (v,))[1].numpy(),
    }


def per_example_weight_gradients_torch(x, w):
    """One weight gradient per example: ``vmap`` of ``grad`` over the examples, the weights shared.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> check("per_example_weight_gradients", "PyTorch",
    ...       per_example_weight_gradients_torch(*INPUTS["per_example_weight_gradients"]))
    ['torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0))(w, x): per-example weight gradients']
    """

    def loss(w, row):
        return torch.sum(layer_torch(row, w) ** 2)

    gradients = vmap(grad(loss), in_dims=(None, 0))(torch.tensor(w), torch.tensor(x))
    return {"torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0))(w, x)": gradients.numpy()}


def unconnected_torch(x, z):
    """``autograd.grad`` raises on an unused input; ``allow_unused``: ``None``; ``materialize_grads``: zeros.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> print(*check("unconnected", "PyTorch", unconnected_torch(*INPUTS["unconnected"])), sep="\\n")
    torch.autograd.grad(y, z): raises RuntimeError
    torch.autograd.grad(y, z, allow_unused=True): None
    torch.autograd.grad(y, z, allow_unused=True, materialize_grads=True): zeros
    torch.func.grad(f, argnums=1)(x, z): zeros
    """
    x, z = torch.tensor(x, requires_grad=True), torch.tensor(z, requires_grad=True)
    y = torch.sum(x**2)
    results = {}
    try:
        torch.autograd.grad(y, z, retain_graph=True)
    except RuntimeError as error:
        results["torch.autograd.grad(y, z)"] = f"RuntimeError: {error}"
    (unused,) = torch.autograd.grad(y, z, allow_unused=True, retain_graph=True)
    results["torch.autograd.grad(y, z, allow_unused=True)"] = unused
    (zeros,) = torch.autograd.grad(y, z, allow_unused=True, materialize_grads=True)
    results["torch.autograd.grad(y, z, allow_unused=True, materialize_grads=True)"] = zeros.numpy()
    results["torch.func.grad(f, argnums=1)(x, z)"] = grad(lambda x, z: torch.sum(x**2), argnums=1)(
        x.detach(), z.detach()
    ).numpy()
    return results


def complex_inputs_torch(z):
    """``autograd.grad`` of a real loss of ``z``, and of a holomorphic function with ``grad_outputs=1``.

    >>> from snippets.rosetta.examples import INPUTS, check
    >>> print(*check("complex_inputs", "PyTorch", complex_inputs_torch(*INPUTS["complex_inputs"])), sep="\\n")
    torch.autograd.grad(sum(abs(z)**2), z): 2 dL/dconj(z) = 2 z
    torch.autograd.grad(sum(z**3), z, grad_outputs=1): conj(g'(z))
    """
    z = torch.tensor(z, requires_grad=True)
    (real_loss,) = torch.autograd.grad(torch.sum(torch.abs(z) ** 2), z)
    one = torch.tensor(1.0 + 0.0j, dtype=z.dtype)  # a complex output needs its upstream gradient
    (holomorphic,) = torch.autograd.grad(torch.sum(z**3), z, grad_outputs=one)
    return {
        "torch.autograd.grad(sum(abs(z)**2), z)": real_loss.numpy(),
        "torch.autograd.grad(sum(z**3), z, grad_outputs=1)": holomorphic.numpy(),
    }


def record_all() -> dict[str, dict]:
    """Run every function above on the page's inputs: function name to its results.

    >>> sorted(record_all())[:3]
    ['chain_cubic_torch', 'complex_inputs_torch', 'forward_mode_torch']
    """
    results = {}
    for name, inputs in EXAMPLE_INPUTS.items():
        value = globals()[f"{name}_torch"](*(torch.tensor(array) for array in inputs))
        results[f"{name}_torch"] = {f"{name}_torch": value.numpy()}
    for case, inputs in INPUTS.items():
        results[f"{case}_torch"] = globals()[f"{case}_torch"](*inputs)
    return results
