"""A published article's gradient and batch_jacobian examples, re-run: what TensorFlow really returns.

Every example of the article is rewritten here in our own code, computing the same
thing: ``f(x) = [x**2, x**3]`` at ``x = 2`` (a scalar input) and
``f(x) = [x0**2, x1**3]`` at ``x = [2, 3]`` (a vector input).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from snippets.batch_jacobian_calls import centered, column_block_sums
from snippets.support.markdown import MarkdownTable, markdown_table
from snippets.tools.row_independence import diagonal_blocks


def square_and_cube(x: tf.Tensor) -> tf.Tensor:
    """The article's first function, ``[x**2, x**3]`` for a scalar ``x``.

    >>> print(square_and_cube(tf.constant(2.0)).numpy())
    [4. 8.]
    """
    return tf.stack([x**2, x**3])


def square_first_cube_second(x: tf.Tensor) -> tf.Tensor:
    """The article's vector function, ``[x0**2, x1**3]``; it also maps a batch ``(b, 2)`` row by row.

    ``...`` indexing picks the last axis, so the same code serves one example of
    shape ``(2,)`` and a batch of shape ``(b, 2)``.

    >>> print(square_first_cube_second(tf.constant([2.0, 3.0])).numpy())
    [ 4. 27.]
    >>> print(square_first_cube_second(tf.constant([[2.0, 3.0], [1.0, 2.0]])).numpy())
    [[ 4. 27.]
     [ 1.  8.]]
    """
    return tf.stack([x[..., 0] ** 2, x[..., 1] ** 3], axis=-1)


def gradient_of_vector_target(x0: float = 2.0) -> dict:
    """Call ``tape.gradient`` on the two-element target ``[x**2, x**3]``: it runs, and sums.

    >>> gradient_of_vector_target()
    {'target shape': (2,), 'gradient shape': (), 'gradient': 16.0}
    """
    x = tf.Variable(x0)
    with tf.GradientTape() as tape:
        y = square_and_cube(x)
    gradient = tape.gradient(y, x)
    return {
        "target shape": tuple(y.shape),
        "gradient shape": tuple(gradient.shape),
        "gradient": float(gradient),
    }


def comment_formula(x: float = 2.0) -> float:
    """Evaluate the article's own comment, ``2x * 1 + 3x^2 * 1``, at ``x``.

    >>> comment_formula(2.0)
    16.0
    """
    return 2 * x * 1 + 3 * x**2 * 1


def derivative_of_each_output(x0: float = 2.0) -> np.ndarray:
    """``tape.jacobian`` of ``[x**2, x**3]`` for a scalar ``x``: one derivative per output.

    >>> print(derivative_of_each_output())
    [ 4. 12.]
    """
    x = tf.Variable(x0)
    with tf.GradientTape() as tape:
        y = square_and_cube(x)
    return tape.jacobian(y, x).numpy()


def gradient_is_sum_of_derivatives(x0: float = 2.0) -> bool:
    """Check that the gradient of the vector target equals the sum of the per-output derivatives.

    >>> gradient_is_sum_of_derivatives()
    True
    """
    return gradient_of_vector_target(x0)["gradient"] == float(derivative_of_each_output(x0).sum())


def batch_jacobian_of_scalar_input(x0: float = 2.0) -> tf.Tensor:
    """The article's second example: ``batch_jacobian`` with a scalar source and a two-element target.

    >>> batch_jacobian_of_scalar_input()
    Traceback (most recent call last):
      ...
    ValueError: Shape (2,) must have rank at least 2
    """
    x = tf.Variable(x0)
    with tf.GradientTape() as tape:
        y = square_and_cube(x)
    return tape.batch_jacobian(y, x)


def batch_jacobian_of_scalar_target(x0: float = 2.0) -> tf.Tensor:
    """``batch_jacobian`` of a scalar target: TensorFlow fails before any check, with a bare IndexError.

    >>> batch_jacobian_of_scalar_target()
    Traceback (most recent call last):
      ...
    IndexError: list index out of range
    """
    x = tf.Variable(x0)
    with tf.GradientTape() as tape:
        y = x**2
    return tape.batch_jacobian(y, x)


def batch_jacobian_of_vector_input(point=(2.0, 3.0)) -> tf.Tensor:
    """The article's third example: ``batch_jacobian`` on one example of shape ``(2,)``, no batch axis.

    >>> batch_jacobian_of_vector_input()
    Traceback (most recent call last):
      ...
    ValueError: Shape (2,) must have rank at least 2
    """
    x = tf.Variable(point)
    with tf.GradientTape() as tape:
        y = square_first_cube_second(x)
    return tape.batch_jacobian(y, x)


def what_each_call_returns(point=(2.0, 3.0)) -> dict:
    """Run all three calls on the article's vector example; give each result's shape or the error.

    >>> for call, result in what_each_call_returns().items():
    ...     print(f"{call:<15} {result}")
    gradient        (2,)
    jacobian        (2, 2)
    batch_jacobian  ValueError: Shape (2,) must have rank at least 2
    """
    x = tf.Variable(point)
    with tf.GradientTape(persistent=True) as tape:
        y = square_first_cube_second(x)
    outcome = {}
    for call in ("gradient", "jacobian", "batch_jacobian"):
        try:
            outcome[call] = tuple(getattr(tape, call)(y, x).shape)
        except ValueError as error:
            outcome[call] = f"ValueError: {error}"
    return outcome


def jacobian_of_vector_input(point=(2.0, 3.0)) -> np.ndarray:
    """Fix (a): ``tape.jacobian`` on the unbatched tensors gives the full 2 x 2 Jacobian.

    >>> print(jacobian_of_vector_input())
    [[ 4.  0.]
     [ 0. 27.]]
    """
    x = tf.Variable(point)
    with tf.GradientTape() as tape:
        y = square_first_cube_second(x)
    return tape.jacobian(y, x).numpy()


def batch_jacobian_with_batch_of_one(point=(2.0, 3.0)) -> dict:
    """Fix (b): give the input a batch axis *before* computing the target, then squeeze axis 0.

    >>> out = batch_jacobian_with_batch_of_one()
    >>> out["batch_jacobian shape"], out["squeezed shape"]
    ((1, 2, 2), (2, 2))
    >>> print(out["squeezed"])
    [[ 4.  0.]
     [ 0. 27.]]
    """
    x = tf.Variable(point)
    with tf.GradientTape() as tape:
        batch = x[tf.newaxis]  # shape (1, 2): a batch of one example, recorded on the tape
        y = square_first_cube_second(batch)  # shape (1, 2), computed from the batch
    per_example = tape.batch_jacobian(y, batch)
    squeezed = tf.squeeze(per_example, axis=0)
    return {
        "batch_jacobian shape": tuple(per_example.shape),
        "squeezed shape": tuple(squeezed.shape),
        "squeezed": squeezed.numpy(),
    }


def scalar_input_as_batch_of_one(x0: float = 2.0) -> dict:
    """Fix (b) for a scalar input: a batch of one example with one feature, shape ``(1, 1)``.

    This is how to get the article's claimed ``[[4.], [12.]]`` out of
    ``batch_jacobian``. Squeeze axis 0 only: a bare ``tf.squeeze`` also drops the
    feature axis of size 1.

    >>> out = scalar_input_as_batch_of_one()
    >>> out["batch_jacobian shape"], out["squeeze(axis=0) shape"], out["squeeze() shape"]
    ((1, 2, 1), (2, 1), (2,))
    >>> print(out["squeeze(axis=0)"])
    [[ 4.]
     [12.]]
    """
    x = tf.Variable(x0)
    with tf.GradientTape() as tape:
        batch = tf.reshape(x, (1, 1))  # one example, one feature
        y = tf.concat([batch**2, batch**3], axis=1)  # shape (1, 2)
    per_example = tape.batch_jacobian(y, batch)
    return {
        "batch_jacobian shape": tuple(per_example.shape),
        "squeeze(axis=0) shape": tuple(tf.squeeze(per_example, axis=0).shape),
        "squeeze() shape": tuple(tf.squeeze(per_example).shape),
        "squeeze(axis=0)": tf.squeeze(per_example, axis=0).numpy(),
    }


def batch_axis_added_after_the_tape(point=(2.0, 3.0)) -> np.ndarray:
    """A tempting wrong fix: add the batch axis to the finished tensors. The result is silently zero.

    ``y[tf.newaxis]`` was not computed from ``x[tf.newaxis]``, so the tape sees no
    path between them and ``batch_jacobian`` returns zeros instead of raising.

    >>> print(batch_axis_added_after_the_tape())
    [[[0. 0.]
      [0. 0.]]]
    """
    x = tf.Variable(point)
    with tf.GradientTape() as tape:
        y = square_first_cube_second(x)
    return tape.batch_jacobian(y[tf.newaxis], x[tf.newaxis]).numpy()


def column_treated_as_batch(point=(2.0, 3.0), coupled: bool = False) -> dict:
    """Another wrong fix: reshape the input to a column ``(2, 1)``; axis 0 then counts as a batch of two.

    ``batch_jacobian`` returns one 1 x 1 block per "example", ``sum_k d y_k / d x_i``:
    ``d y_i / d x_i`` only if no other output depends on input ``i``. With the
    coupled function ``[x0 * x1, x1**3]`` the result is no longer the Jacobian's
    diagonal, and its entry for ``x1`` (2 + 27 = 29) is no entry of the Jacobian.

    >>> out = column_treated_as_batch()
    >>> out["batch_jacobian shape"], out["batch_jacobian"], out["jacobian diagonal"]
    ((2, 1, 1), [4.0, 27.0], [4.0, 27.0])
    >>> out = column_treated_as_batch(coupled=True)
    >>> out["batch_jacobian"], out["jacobian diagonal"]
    ([3.0, 29.0], [3.0, 27.0])
    >>> print(out["jacobian"])
    [[ 3.  2.]
     [ 0. 27.]]
    """
    x = tf.Variable(np.reshape(point, (2, 1)).astype("float32"))
    with tf.GradientTape(persistent=True) as tape:
        second = x[1] ** 3
        first = x[0] * x[1] if coupled else x[0] ** 2
        y = tf.stack([first, second])  # shape (2, 1)
    per_row = tape.batch_jacobian(y, x)
    jacobian = tf.reshape(tape.jacobian(y, x), (2, 2)).numpy()
    return {
        "batch_jacobian shape": tuple(per_row.shape),
        "batch_jacobian": [float(v) for v in tf.reshape(per_row, [-1])],
        "jacobian diagonal": [float(v) for v in np.diag(jacobian)],
        "jacobian": jacobian,
    }


def batch_of_scalar_inputs(points=(1.0, 2.0, 3.0)) -> dict:
    """Three scalar inputs through ``[x**2, x**3]``: a vector ``(3,)`` is refused, a column ``(3, 1)`` works.

    The column is right here because its rows *are* separate examples: each
    output row is computed from its own input alone.

    >>> out = batch_of_scalar_inputs()
    >>> print(out["vector (3,)"])
    raises ValueError: Shape (3,) must have rank at least 2
    >>> out["column shape"]
    (3, 2, 1)
    >>> print(out["column"][:, :, 0])
    [[ 2.  3.]
     [ 4. 12.]
     [ 6. 27.]]
    """
    vector = tf.constant(points)
    with tf.GradientTape() as tape:
        tape.watch(vector)
        y = tf.stack([vector**2, vector**3], axis=-1)  # shape (3, 2)
    try:
        tape.batch_jacobian(y, vector)
        refused = "returns"
    except ValueError as error:
        refused = f"raises ValueError: {error}"
    column = tf.constant(points)[:, tf.newaxis]  # shape (3, 1): three examples, one feature each
    with tf.GradientTape() as tape:
        tape.watch(column)
        y = tf.concat([column**2, column**3], axis=1)  # shape (3, 2)
    per_example = tape.batch_jacobian(y, column)
    return {"vector (3,)": refused, "column shape": tuple(per_example.shape), "column": per_example.numpy()}


def batch_of_two_examples(points=((2.0, 3.0), (1.0, 2.0))) -> dict:
    """A real batch of two examples gives shape ``(2, 2, 2)``: one 2 x 2 Jacobian per example.

    >>> out = batch_of_two_examples()
    >>> out["shape"]
    (2, 2, 2)
    >>> print(out["per_example"])
    [[[ 4.  0.]
      [ 0. 27.]]
    <BLANKLINE>
     [[ 2.  0.]
      [ 0. 12.]]]
    """
    x = tf.Variable(points)
    with tf.GradientTape() as tape:
        y = square_first_cube_second(x)  # shape (2, 2): row i depends on row i of x only
    per_example = tape.batch_jacobian(y, x)
    return {"shape": tuple(per_example.shape), "per_example": per_example.numpy()}


def batch_jacobian_against_the_full_jacobian() -> dict:
    """Compare ``batch_jacobian`` with the full ``jacobian`` of ``x * reduce_sum(x, 0)``, whose rows interact.

    ``x`` has shape ``(3, 2)``. ``batch_jacobian`` is 3 times smaller than the full
    Jacobian, and it is not its diagonal blocks: it is the sum of each block column,
    the derivative of the target summed over the batch.

    >>> for name, value in batch_jacobian_against_the_full_jacobian().items():
    ...     print(f"{name}: {value}")
    jacobian shape: (3, 2, 3, 2)
    batch_jacobian shape: (3, 2, 2)
    largest |batch_jacobian - diagonal blocks|: 10.0
    largest |batch_jacobian - block-column sums|: 0.0
    """
    x = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * tf.reduce_sum(x, axis=0)  # every output row depends on every input row
    full = tape.jacobian(y, x)
    returned = tape.batch_jacobian(y, x)
    return {
        "jacobian shape": tuple(full.shape),
        "batch_jacobian shape": tuple(returned.shape),
        "largest |batch_jacobian - diagonal blocks|": float(
            tf.reduce_max(tf.abs(returned - diagonal_blocks(full, target_rank=2)))
        ),
        "largest |batch_jacobian - block-column sums|": float(
            tf.reduce_max(tf.abs(returned - column_block_sums(full, target_rank=2)))
        ),
    }


def several_sources(point=(2.0, 3.0)) -> dict:
    """``jacobian`` accepts a list of sources; ``batch_jacobian`` takes one tensor: call it per source.

    Each input is a batch of one example with one feature, shape ``(1, 1)``; the
    target ``[a**2, c**3]`` has shape ``(1, 2)``.

    >>> out = several_sources()
    >>> out["jacobian shapes"]
    [(1, 2, 1, 1), (1, 2, 1, 1)]
    >>> out["batch_jacobian of the list"]
    "AttributeError: 'list' object has no attribute 'shape'"
    >>> out["batch_jacobian per source shapes"]
    [(1, 2, 1), (1, 2, 1)]
    """
    a, c = tf.Variable([[point[0]]]), tf.Variable([[point[1]]])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.concat([a**2, c**3], axis=1)
    jacobians = tape.jacobian(y, [a, c])
    try:
        tape.batch_jacobian(y, [a, c])
        outcome = "no error"
    except AttributeError as error:
        outcome = f"AttributeError: {error}"
    per_source = [tape.batch_jacobian(y, source) for source in (a, c)]
    return {
        "jacobian shapes": [tuple(j.shape) for j in jacobians],
        "batch_jacobian of the list": outcome,
        "batch_jacobian per source shapes": [tuple(j.shape) for j in per_source],
    }


# --- the page's two tables, computed from the runs above ----------------------------------------


def _outcome(function, *args, **kwargs) -> str:
    """Run ``function``; return ``"raises Type: message"`` or ``"returns"``."""
    try:
        function(*args, **kwargs)
    except Exception as error:  # the tables report whichever error TensorFlow raises
        return f"raises {type(error).__name__}: {error}"
    return "returns"


def _as_code(outcome: str) -> str:
    """``raises Type: message`` with the error set as Markdown code."""
    verb, _, error = outcome.partition(" ")
    return f"{verb} `{error}`" if error else outcome


def claims_checked() -> MarkdownTable:
    """Check each of the article's claims by running our version of its code; one row per claim.

    >>> table = claims_checked()
    >>> len(table.rows)
    11
    >>> print(table.rows[0][1])
    **Wrong.** It prints 16.0, and the comment's own formula gives 16.0
    >>> print(table.rows[4][1])
    **Wrong.** It raises `ValueError: Shape (2,) must have rank at least 2`
    """
    gradient = gradient_of_vector_target(2.0)
    sums = gradient_is_sum_of_derivatives(2.0)
    scalar = _outcome(batch_jacobian_of_scalar_input, 2.0)
    vector = _outcome(batch_jacobian_of_vector_input, (2.0, 3.0))
    one = batch_jacobian_with_batch_of_one((2.0, 3.0))["batch_jacobian shape"]
    two = batch_of_two_examples(((2.0, 3.0), (1.0, 2.0)))["shape"]
    jacobian = jacobian_of_vector_input((2.0, 3.0))
    off_diagonal_zero = bool(jacobian[0, 1] == 0 and jacobian[1, 0] == 0)
    squeezed = scalar_input_as_batch_of_one(2.0)
    lists = several_sources((2.0, 3.0))
    scalars = batch_of_scalar_inputs((1.0, 2.0, 3.0))

    def verdict(right: bool, why: str) -> str:
        return f"**{'Right' if right else 'Wrong'}.** {why}".rstrip()

    def section(anchor: str, text: str) -> str:
        return f"[{text}](#{anchor})"

    rows = [
        [
            "the gradient of $[x^2, x^3]$ at $x = 2$ \u201cOutputs 22.0\u201d",
            verdict(
                gradient["gradient"] == 22.0,
                f"It prints {gradient['gradient']}, "
                f"and the comment's own formula gives {comment_formula(2.0)}",
            ),
            section("the-gradient-example-prints-16-not-22", "16, not 22"),
        ],
        [
            "`gradient` \u201crequires the output of the tape to be a scalar value\u201d",
            verdict(False, f"A target of shape `{gradient['target shape']}` works"),
            section("gradient-does-not-need-a-scalar-target", "No scalar needed"),
        ],
        [
            "on a vector target, `gradient` differentiates the sum of its elements",
            verdict(sums, "The gradient equals the sum of the per-output derivatives"),
            section("gradient-does-not-need-a-scalar-target", "No scalar needed"),
        ],
        [
            "the sum \u201ccan lead to incorrect derivative values\u201d",
            verdict(not sums, "It is the exact derivative of the sum of the outputs"),
            section("the-sum-is-exact-not-incorrect", "Not incorrect"),
        ],
        [
            "`batch_jacobian` of $[x^2, x^3]$ for a scalar $x$ \u201cOutputs [[4.0], [12.0]]\u201d",
            verdict(scalar == "returns", f"It {_as_code(scalar)}"),
            section("batch_jacobian-on-a-scalar-input-raises", "Scalar input"),
        ],
        [
            "`batch_jacobian` of $[x_0^2, x_1^3]$ returns a `(2,2,2)` tensor",
            verdict(vector == "returns", f"It {_as_code(vector)}"),
            section("batch_jacobian-on-a-vector-input-raises-too", "Vector input"),
        ],
        [
            "for a vector `x` of several inputs, `batch_jacobian` computes "
            "\u201ca Jacobian matrix for each element\u201d",
            verdict(
                False,
                f"A vector of inputs {_as_code(scalars['vector (3,)'])}; a column of shape `(3, 1)` gives "
                f"`{scalars['column shape']}`",
            ),
            section("a-vector-of-inputs-needs-a-feature-axis", "Vector of inputs"),
        ],
        [
            "the `(2,2,2)` result has \u201ca batch_size of 1\u201d",
            verdict(two[0] == 1, f"A batch of one has shape `{one}`; `{two}` is a batch of two"),
            section("a-2-2-2-result-is-a-batch-of-two", "Batch of two"),
        ],
        [
            "the off-diagonal entries are zero since the inputs do not interact",
            verdict(off_diagonal_zero, "For the Jacobian that `tape.jacobian` returns"),
            section("batch_jacobian-on-a-vector-input-raises-too", "Vector input"),
        ],
        [
            "\u201c`tf.squeeze` can be used on the 0th axis\u201d for a batch of one",
            verdict(
                squeezed["squeeze(axis=0) shape"] == (2, 1),
                f"With `axis=0`; a bare `tf.squeeze` gives `{squeezed['squeeze() shape']}`",
            ),
            section("batch_jacobian-on-a-scalar-input-raises", "Scalar input"),
        ],
        [
            "for the full matrix of partial derivatives, `batch_jacobian` \u201cis essential\u201d",
            verdict(
                False,
                "That is `tape.jacobian`; `batch_jacobian` returns one block per example (the derivative "
                "of the batch-summed target), "
                f"and a list of sources makes it raise `{lists['batch_jacobian of the list'].split(':')[0]}`",
            ),
            section("batch_jacobian-is-not-the-full-jacobian", "Not essential"),
        ],
    ]
    return markdown_table(["The article says", "Verdict", "Details"], rows)


def batch_jacobian_mistakes() -> MarkdownTable:
    """Run ``batch_jacobian`` with each way of breaking its contract; report what comes back.

    The batch is ``x`` of shape ``(2, 3)``; each row names the mistake and what
    TensorFlow did, an error or a result that differs from the true per-example
    Jacobians (computed with ``tape.jacobian``).

    >>> for mistake, outcome in batch_jacobian_mistakes().rows:
    ...     print(f"{mistake}: {outcome}")
    a scalar target: raises `IndexError: list index out of range`
    one example of shape `(2,)`, no batch axis: raises `ValueError: Shape (2,) must have rank at least 2`
    a list of sources: raises `AttributeError: 'list' object has no attribute 'shape'`
    batch sizes that differ, `(4, 3)` and `(2, 3)`: raises `ValueError: Need first dimension of target ...`
    the batch axis added to the finished tensors: returns all zeros, no error
    rows that interact (`x - mean(x, axis=0)`): returns wrong blocks (off by up to 0.5), no error
    """
    x = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    one = tf.constant([2.0, 3.0])

    def call(function, source, wrap=lambda target, source: (target, source)):
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(source)
            target = function(source)
        target, source = wrap(target, source)
        return tape, target, source

    def error_of(function, source, wrap=lambda target, source: (target, source)):
        tape, target, source = call(function, source, wrap)
        return _as_code(_outcome(tape.batch_jacobian, target, source))

    late = batch_axis_added_after_the_tape(point=(2.0, 3.0))
    late_outcome = "returns all zeros, no error" if not np.any(late) else "returns non-zero values"

    tape, target, source = call(centered, x)
    blocks = tape.batch_jacobian(target, source).numpy()
    full = tape.jacobian(target, source)  # (2, 3, 2, 3): every example against every example
    error = float(np.abs(blocks - diagonal_blocks(full, target_rank=2).numpy()).max())

    rows = [
        ["a scalar target", error_of(tf.reduce_sum, x)],
        ["one example of shape `(2,)`, no batch axis", error_of(square_first_cube_second, one)],
        ["a list of sources", error_of(lambda v: 2 * v, x, lambda t, s: (t, [s]))],
        ["batch sizes that differ, `(4, 3)` and `(2, 3)`", error_of(lambda v: tf.concat([v, v], axis=0), x)],
        ["the batch axis added to the finished tensors", late_outcome],
        [
            "rows that interact (`x - mean(x, axis=0)`)",
            f"returns wrong blocks (off by up to {error:.2g}), no error"
            if error
            else "returns the true blocks",
        ],
    ]
    return markdown_table(["mistake", "what TensorFlow does"], rows)
