"""Views of the Rosetta comparisons: a table per case, the interacting rows side by side, the Rosetta table.

Every view is built from the side functions' results and from
:data:`snippets.rosetta.examples.EXPECTED`, so the page, the cheat sheet and the tests
read the same list of calls.
"""

from __future__ import annotations

import numpy as np

from snippets.rosetta import examples
from snippets.rosetta.examples import CASES, CLOSED_FORMS, EXPECTED, INPUTS, LIBRARIES, anchor, check
from snippets.support.markdown import markdown_table

RECORDED = " (recorded)"


def _compact(value, limit: int = 6) -> str:
    """A result in one line: an array of at most ``limit`` numbers, its shape otherwise."""
    if value is None:
        return "`None`"
    if isinstance(value, str):
        return f"raises `{value.split('. ')[0]}.`" if ". " in value else f"raises `{value}`"
    if value.size > limit:
        return f"shape {value.shape}"
    text = np.array2string(value, precision=4, suppress_small=True, separator=", ")
    return "`" + " ".join(text.split()) + "`"


def examples_markdown(tensorflow: dict, jax: dict, torch: dict) -> str:
    """Each example function's value in each library, and its largest difference from NumPy's.

    Each argument maps an example's name (``layer``, ``chain_cubic``, ``rows_times_column_sums``)
    to the value that library's version returned on ``EXAMPLE_INPUTS``; ``torch`` holds the
    recorded values.

    >>> values = {name: getattr(examples, name)(*inputs) for name, inputs in examples.EXAMPLE_INPUTS.items()}
    >>> print(examples_markdown(values, values, values).splitlines()[3])
    | `chain_cubic(x)` | `14.0` | `14.0` | `14.0` | 0 |
    """
    rows = []
    for name, inputs in examples.EXAMPLE_INPUTS.items():
        expected = np.asarray(getattr(examples, name)(*inputs))
        values = [np.asarray(results[name]) for results in (tensorflow, jax, torch)]
        largest = max(float(np.max(np.abs(value - expected), initial=0.0)) for value in values)
        assert largest <= examples.TOLERANCE, f"{name}: {largest}"
        arguments = ", ".join(["x", "w"][: len(inputs)])
        difference = f"{largest:.0e}".replace("0e+00", "0")
        rows.append([f"`{name}({arguments})`", *(_compact(value, limit=4) for value in values), difference])
    header = ["example", "TensorFlow", "JAX", "PyTorch (recorded)", "max abs. difference from NumPy"]
    return markdown_table(header, rows)


def _difference(value, other) -> str:
    if not isinstance(value, np.ndarray) or not isinstance(other, np.ndarray):
        return ""
    return f"{np.max(np.abs(value - other), initial=0.0):.0e}".replace("0e+00", "0")


def comparison_markdown(case: str, tensorflow: dict, jax: dict, torch: dict) -> str:
    """A case as a table: each library's calls, what each returned, the closed form it equals and by how much.

    ``torch`` holds the recorded PyTorch results. Every result is first checked against
    the closed form ``EXPECTED`` names (``check`` raises if one is not), then the table
    gives its largest difference from that closed form and from TensorFlow's result for
    the same closed form (a blank where TensorFlow computes no such thing).

    >>> from snippets.rosetta.examples import Z
    >>> tf_result = {"tape.gradient(sum(abs(z)**2), z)": 2 * Z,
    ...              "tape.gradient(sum(z**3), z)": np.conj(3 * Z**2)}
    >>> jax_result = {"jax.grad(lambda z: sum(abs(z)**2))(z)": 2 * np.conj(Z),
    ...               "jax.grad(lambda z: sum(z**3), holomorphic=True)(z)": 3 * Z**2}
    >>> torch_result = {"torch.autograd.grad(sum(abs(z)**2), z)": 2 * Z,
    ...                 "torch.autograd.grad(sum(z**3), z, grad_outputs=1)": np.conj(3 * Z**2)}
    >>> print(comparison_markdown("complex_inputs", tf_result, jax_result, torch_result).splitlines()[2])
    | TensorFlow | `tape.gradient(sum(abs(z)**2), z)` | `[6.+8.j, 2.-4.j]` | 2 dL/dconj(z) = 2 z | 0 |  |
    """
    forms = CLOSED_FORMS[case](*INPUTS[case])
    by_library = dict(zip(LIBRARIES, (tensorflow, jax, torch), strict=True))
    tf_by_form = {EXPECTED[case]["TensorFlow"][call]: value for call, value in tensorflow.items()}
    rows = []
    for library, results in by_library.items():
        check(case, library, results)
        for call, value in results.items():
            form = EXPECTED[case][library][call]
            name = library + (RECORDED if library == "PyTorch" else "")
            from_form = _difference(value, forms.get(form))
            from_tf = "" if library == "TensorFlow" else _difference(value, tf_by_form.get(form))
            rows.append([name, f"`{call}`", _compact(value), form, from_form, from_tf])
    header = ["library", "call", "result", "equals", "max abs. difference from it", "from TensorFlow's"]
    return markdown_table(header, rows)


def _block(value: np.ndarray) -> str:
    text = np.array2string(value, precision=4, suppress_small=True, separator=", ")
    return "`" + " ".join(text.split()) + "`"


def interacting_rows_markdown(tensorflow: dict, jax: dict, torch: dict) -> str:
    """The interacting-rows case side by side: per example, the block each library's call returned.

    >>> from snippets.rosetta.examples import ROWS_X, CLOSED_FORMS
    >>> forms = CLOSED_FORMS["interacting_rows"](ROWS_X)
    >>> tf_r = {"tape.batch_jacobian(y, x)": forms["block-column sums"],
    ...         "diagonal blocks of tape.jacobian(y, x)": forms["diagonal blocks"]}
    >>> jax_r = {"jax.vmap(jax.jacrev(f))(x)": forms["each row's own function"],
    ...          "jax.jacrev(lambda x: f(x).sum(0))(x), batch axis first": forms["block-column sums"]}
    >>> torch_r = {"torch.func.vmap(torch.func.jacrev(f))(x)": forms["each row's own function"],
    ...            "torch.func.jacrev(lambda x: f(x).sum(0))(x), batch axis first":
    ...                forms["block-column sums"]}
    >>> print(interacting_rows_markdown(tf_r, jax_r, torch_r).splitlines()[2])
    | 0 | `[[18.,  0.], [ 0., 24.]]` | `[[4., 1.], [2., 5.]]` | `[[4., 1.], [2., 5.]]`
    | `[[10.,  0.], [ 0., 14.]]` |
    """
    for library, results in zip(LIBRARIES, (tensorflow, jax, torch), strict=True):
        check("interacting_rows", library, results)
    columns = [
        tensorflow["tape.batch_jacobian(y, x)"],
        jax["jax.vmap(jax.jacrev(f))(x)"],
        torch["torch.func.vmap(torch.func.jacrev(f))(x)"],
        tensorflow["diagonal blocks of tape.jacobian(y, x)"],
    ]
    header = [
        "example",
        "TensorFlow `tape.batch_jacobian(y, x)`",
        "JAX `jax.vmap(jax.jacrev(f))(x)`",
        "PyTorch (recorded) `torch.func.vmap(torch.func.jacrev(f))(x)`",
        "TensorFlow, diagonal blocks of `tape.jacobian(y, x)`",
    ]
    rows = [
        [example, *(_block(column[example]) for column in columns)] for example in range(columns[0].shape[0])
    ]
    return markdown_table(header, rows)


def rosetta_table_markdown(page: str = "rosetta.md") -> str:
    """The Rosetta table: for each case, the calls of each library, the question linking to its section.

    >>> print(rosetta_table_markdown().splitlines()[3])
    | [Full Jacobian](rosetta.md#full-jacobian) | `tape.jacobian(y, x)` | `jax.jacrev(f)(x)`
    | `torch.func.jacrev(f)(x)` |
    """
    rows = [
        [f"[{title}]({page}#{anchor(case)})"]
        + ["<br>".join(f"`{call}`" for call in EXPECTED[case][library]) for library in LIBRARIES]
        for case, title in CASES.items()
    ]
    return markdown_table(["question", *LIBRARIES], rows)
