"""Predict what ``gradient``, ``jacobian`` and ``batch_jacobian`` return or raise, from shapes alone.

:func:`diagnose` encodes TensorFlow 2.21's behaviour for every rank and size of
target and source, checked against the real calls by ``tests/test_shape_doctor.py``.
:func:`checked_batch_jacobian` is ``tape.batch_jacobian`` with plain-English errors
raised before TensorFlow's cryptic ones, and an optional check that the rows of the
batch really are independent. :func:`diagnose` also gives the size of each call's result
in bytes, and warns when one exceeds a memory budget.
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Mapping
from typing import Any

import numpy as np
import tensorflow as tf

from snippets.tools.row_independence import cross_example_derivatives, diagonal_blocks, jacobian_rows

__all__ = ["CallCheck", "Diagnosis", "checked_batch_jacobian", "diagnose", "format_size"]

Shape = tuple[int, ...]

#: How many rows ``checked_batch_jacobian(..., verify_independence=True)`` checks.
ROWS_VERIFIED = 3

#: The memory budget above which :func:`diagnose` warns about a call's result (the calculator's too).
DEFAULT_BUDGET_BYTES = 4 * 2**30


@dataclasses.dataclass(frozen=True)
class CallCheck:
    """What one tape call does with the shapes it is given.

    ``shape`` is the result's shape (a tuple of ints, or the nest of tuples that
    mirrors a list, tuple or dict of sources), ``None`` when the call raises.
    ``error`` and ``message`` are the type name and the text of the exception
    TensorFlow raises; ``fix`` says in one sentence what to do instead.
    ``result_bytes`` is the size of the result (of all its tensors, for several sources).

    >>> check = diagnose((2,), (2,)).batch_jacobian
    >>> check.ok, check.shape, check.error
    (False, None, 'ValueError')
    >>> check.message
    'Shape (2,) must have rank at least 2'
    >>> diagnose((2,), (2,)).jacobian.result_bytes  # 2 * 2 float32 numbers
    16
    """

    #: Whether the call succeeds.
    ok: bool
    #: The result's shape: a tuple of ints, or a nest of tuples like the sources; ``None`` on an error.
    shape: Any
    #: The type name of the exception TensorFlow raises, e.g. ``"ValueError"``; ``None`` on success.
    error: str | None
    #: One sentence on what to do instead; ``None`` on success.
    fix: str | None
    #: The text of TensorFlow's exception; ``None`` on success.
    message: str | None = None
    #: The bytes of the result in the diagnosis' dtype (float32 unless given); ``None`` on an error.
    result_bytes: int | None = None


@dataclasses.dataclass(frozen=True)
class Diagnosis:
    """The outcome of the three tape calls for one target shape and one source (or nest of sources).

    Printing it gives a short table, one line per call:

    >>> print(diagnose(target=(4, 2), source=(4, 3)))
    target (4, 2), source (4, 3)
      gradient        -> (4, 3)        derivative of the sum of the 8 target elements
      jacobian        -> (4, 2, 4, 3)
      batch_jacobian  -> (4, 2, 3)     per-example blocks if rows do not interact
    """

    #: The target's shape.
    target: Shape
    #: The source's shape, or the nest of shapes of several sources.
    source: Any
    #: What ``tape.gradient(target, source)`` does.
    gradient: CallCheck
    #: What ``tape.jacobian(target, source)`` does.
    jacobian: CallCheck
    #: What ``tape.batch_jacobian(target, source)`` does.
    batch_jacobian: CallCheck
    #: The dtype the result sizes are counted in.
    dtype: str = "float32"
    #: The memory budget the warnings compare each result with, in bytes.
    budget_bytes: int = DEFAULT_BUDGET_BYTES
    #: One sentence for each call whose result is larger than ``budget_bytes``, printed after the table.
    warnings: tuple[str, ...] = ()

    def __str__(self) -> str:
        lines = [f"target {self.target}, source {_format_nest(self.source)}"]
        notes = {
            "gradient": (
                f"derivative of the sum of the {int(np.prod(self.target))} target elements"
                if self.target
                else ""
            ),
            "jacobian": "",
            "batch_jacobian": "per-example blocks if rows do not interact",
        }
        # Align the notes after short shapes; a long nest of shapes just gets two spaces.
        width = min(16, max(len(_format_nest(c.shape)) for c in self.checks().values() if c.ok))
        for name, check in self.checks().items():
            if check.ok:
                shape = _format_nest(check.shape)
                note = f"  {notes[name]}" if notes[name] else ""
                lines.append(f"  {name:<15} -> {shape:<{width}}{note}".rstrip())
            else:
                lines.append(f"  {name:<15} raises {check.error}: {check.message}")
                lines.extend(
                    textwrap.wrap(
                        f"fix: {check.fix}", width=100, initial_indent=" " * 18, subsequent_indent=" " * 23
                    )
                )
        for warning in self.warnings:
            lines.extend(
                textwrap.wrap(
                    f"warning: {warning}", width=100, initial_indent="  ", subsequent_indent=" " * 11
                )
            )
        return "\n".join(lines)

    def checks(self) -> dict[str, CallCheck]:
        """The three checks by call name, in the order gradient, jacobian, batch_jacobian.

        >>> [name for name, check in diagnose((), ()).checks().items() if not check.ok]
        ['batch_jacobian']
        """
        return {"gradient": self.gradient, "jacobian": self.jacobian, "batch_jacobian": self.batch_jacobian}


def diagnose(target, source, *, dtype=tf.float32, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> Diagnosis:
    """Say what each tape call returns, or which error it raises, for these shapes; computes no derivative.

    ``target`` is a tensor, a ``tf.TensorShape`` or a tuple of ints. ``source`` is
    the same, or a list, tuple or dict of them (several sources, as the tape calls
    accept). The rules are TensorFlow 2.21's, for a float target that was computed
    from the source on the tape; shapes must be fully known (as in eager execution).

    Each call's ``result_bytes`` counts its result in ``dtype`` (float32 unless given; pass
    the source's dtype). A call whose result is larger than ``budget_bytes`` (4 GiB unless
    given) gets a warning, printed after the table. The result is a lower bound on what the
    call needs: computing it takes several times more (the page "My Jacobian runs out of
    memory" measures how much).

    The article's mistake, ``batch_jacobian`` on a single example without a batch axis:

    >>> print(diagnose(target=(2,), source=(2,)))
    target (2,), source (2,)
      gradient        -> (2,)    derivative of the sum of the 2 target elements
      jacobian        -> (2, 2)
      batch_jacobian  raises ValueError: Shape (2,) must have rank at least 2
                      fix: Neither tensor has a batch axis: for one example call tape.jacobian(target,
                           source) (shape (2, 2)); if axis 0 is a batch of scalars and each output
                           depends on its own input only, tape.gradient(target, source) already gives
                           each example's derivative, or compute the target from source[:, tf.newaxis]
                           for batch_jacobian.

    Several sources work for ``gradient`` and ``jacobian`` only:

    >>> d = diagnose(tf.zeros([8, 10]), {"kernel": (3, 10), "bias": (10,)})
    >>> d.jacobian.shape
    {'kernel': (8, 10, 3, 10), 'bias': (8, 10, 10)}
    >>> d.batch_jacobian.error, d.batch_jacobian.message
    ('AttributeError', "'dict' object has no attribute 'shape'")

    Arguments that are not shapes are refused with the reason:

    >>> diagnose([2, 3], (2,))
    Traceback (most recent call last):
      ...
    TypeError: target must be a tensor, a tf.TensorShape or a tuple of ints, not a list ...

    A batch of a trillion examples does not fit, whichever call:

    >>> print(diagnose(target=(10**12, 10), source=(10**12, 5)))
    target (1000000000000, 10), source (1000000000000, 5)
      gradient        -> (1000000000000, 5)  derivative of the sum of the 10000000000000 target elements
      jacobian        -> (1000000000000, 10, 1000000000000, 5)
      batch_jacobian  -> (1000000000000, 10, 5)  per-example blocks if rows do not interact
      warning: gradient returns 18.2 TiB in float32, over the budget of 4 GiB. The source itself is that
               large.
      warning: jacobian returns 165 YiB in float32, over the budget of 4 GiB. If target row i depends
               only on source row i, batch_jacobian returns 182 TiB; otherwise do not form the matrix:
               use Jacobian-vector or vector-Jacobian products, or take slices of the target and reduce
               each before the next.
      warning: batch_jacobian returns 182 TiB in float32, over the budget of 4 GiB. Take slices of the
               batch and reduce each before the next, or use Jacobian-vector or vector-Jacobian
               products.
    >>> diagnose((8, 10), (8, 3), dtype=tf.float64).jacobian.result_bytes
    15360
    """
    target_shape = _as_shape(target, "target")
    source_nest = _as_source(source)
    target_dims = tf.TensorShape(target_shape)
    dtype = tf.as_dtype(dtype)

    def size(nest) -> int:
        return dtype.size * sum(int(np.prod(s, dtype=object)) for s in _leaves(nest))

    gradient = CallCheck(ok=True, shape=source_nest, error=None, fix=None, result_bytes=size(source_nest))
    jacobian_shape = _map_nest(lambda s: target_shape + s, source_nest)
    jacobian = CallCheck(
        ok=True, shape=jacobian_shape, error=None, fix=None, result_bytes=size(jacobian_shape)
    )
    problem = _batch_jacobian_problem(
        target_dims,
        None if _is_container(source_nest) else tf.TensorShape(source_nest),
        type(source_nest).__name__ if _is_container(source_nest) else None,
    )
    if problem is None:
        batch_shape = target_shape + source_nest[1:]
        batch_jacobian = CallCheck(
            ok=True, shape=batch_shape, error=None, fix=None, result_bytes=size(batch_shape)
        )
    else:
        batch_jacobian = CallCheck(
            ok=False, shape=None, error=problem.error, fix=problem.fix, message=problem.message
        )
    return Diagnosis(
        target=target_shape,
        source=source_nest,
        gradient=gradient,
        jacobian=jacobian,
        batch_jacobian=batch_jacobian,
        dtype=dtype.name,
        budget_bytes=budget_bytes,
        warnings=_budget_warnings(gradient, jacobian, batch_jacobian, dtype.name, budget_bytes),
    )


def format_size(nbytes: int) -> str:
    """A size in B, KiB, MiB, ... with three significant digits, as the shape calculator writes it.

    >>> [format_size(n) for n in (16, 1536, 4 * 2**30, 2 * 10**14, 10**40)]
    ['16 B', '1.5 KiB', '4 GiB', '182 TiB', '8.27e+15 YiB']
    """
    units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
    value, unit = float(nbytes), 0
    while value >= 1024 and unit < len(units) - 1:
        value, unit = value / 1024, unit + 1
    # JavaScript's +value.toPrecision(3): three significant digits, trailing zeros dropped.
    return f"{float(f'{value:.3g}'):g} {units[unit]}"


def _budget_warnings(gradient, jacobian, batch_jacobian, dtype: str, budget: int) -> tuple[str, ...]:
    over = f"in {dtype}, over the budget of {format_size(budget)}"
    products = "use Jacobian-vector or vector-Jacobian products"
    warnings = []
    if gradient.result_bytes > budget:
        warnings.append(
            f"gradient returns {format_size(gradient.result_bytes)} {over}. The source itself is that large."
        )
    if jacobian.result_bytes > budget:
        instead = (
            f"If target row i depends only on source row i, batch_jacobian returns "
            f"{format_size(batch_jacobian.result_bytes)}; otherwise do not form the matrix: "
            if batch_jacobian.ok
            else "Do not form the matrix: "
        )
        warnings.append(
            f"jacobian returns {format_size(jacobian.result_bytes)} {over}. {instead}{products}, "
            "or take slices of the target and reduce each before the next."
        )
    if batch_jacobian.ok and batch_jacobian.result_bytes > budget:
        warnings.append(
            f"batch_jacobian returns {format_size(batch_jacobian.result_bytes)} {over}. Take slices of the "
            f"batch and reduce each before the next, or {products}."
        )
    return tuple(warnings)


def checked_batch_jacobian(tape, target, source, *, verify_independence: bool = False, **kwargs):
    """Call ``tape.batch_jacobian`` after checking the shapes, with errors that name the mistake and the fix.

    Raises our own ``ValueError`` *before* TensorFlow's (a bare ``IndexError`` for
    a scalar target, "must have rank at least 2", ``'list' object has no attribute
    'shape'``...) when the target or the source has no batch axis, when their
    batch sizes differ, or when several sources are passed. Otherwise it returns
    exactly what ``tape.batch_jacobian(target, source, **kwargs)`` returns.

    ``batch_jacobian`` trusts that row ``i`` of the target depends only on row ``i``
    of the source; when it does not (batch normalisation, a mean over axis 0), its
    result is silently wrong. ``verify_independence=True`` checks this on up to
    three rows: each row's block must equal the true derivative of that target
    row, computed from the tape with one ``gradient`` call per element of a
    target row (so the check costs up to ``3 * target_row_size`` backward passes),
    and that target row must not depend on any other source row. The check needs
    the tape a second time, so the tape must be created with
    ``tf.GradientTape(persistent=True)``, and it runs in eager mode only.

    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> with tf.GradientTape(persistent=True) as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> print(checked_batch_jacobian(tape, y, x, verify_independence=True).numpy())
    [[[2. 0.]
      [0. 4.]]
    <BLANKLINE>
     [[6. 0.]
      [0. 8.]]]

    The article's mistake, a single example without a batch axis:

    >>> v = tf.constant([2.0, 3.0])
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(v)
    ...     w = v**2
    >>> checked_batch_jacobian(tape, w, v)
    Traceback (most recent call last):
      ...
    ValueError: batch_jacobian(target of shape (2,), source of shape (2,)): Neither tensor has a batch ...

    Rows that interact are caught:

    >>> with tf.GradientTape(persistent=True) as tape:
    ...     tape.watch(x)
    ...     centred = x - tf.reduce_mean(x, axis=0)
    >>> checked_batch_jacobian(tape, centred, x, verify_independence=True)
    Traceback (most recent call last):
      ...
    ValueError: batch_jacobian's result is wrong for these tensors: target row 0 depends on source row 1. ...
    """
    if not hasattr(target, "shape") or not hasattr(target, "dtype"):
        raise TypeError(f"target must be a tensor or a variable, not {type(target).__name__}")
    target_shape = tf.TensorShape(target.shape)
    if _is_container(source):
        kind = type(source).__name__
        # TensorFlow checks the target first, so its own error depends on the target's rank.
        its_error = _batch_jacobian_problem(target_shape, None, kind)
        raise ValueError(
            f"batch_jacobian takes one source tensor, not a {kind}. {_fix_several_sources()} "
            f"(TensorFlow itself would raise {its_error.error}: {its_error.message})"
        )
    if not hasattr(source, "shape") or not hasattr(source, "dtype"):
        raise TypeError(f"source must be a tensor or a variable, not {type(source).__name__}")
    source_shape = tf.TensorShape(source.shape)
    problem = _batch_jacobian_problem(target_shape, source_shape, None)
    if problem is not None:
        raise ValueError(
            f"batch_jacobian(target of shape {_format_shape(target_shape)}, source of shape "
            f"{_format_shape(source_shape)}): {problem.fix} "
            f"(TensorFlow itself would raise {problem.error}: {problem.message})"
        )
    if verify_independence:
        if not getattr(tape, "_persistent", False):
            # GradientTape has no public accessor for `persistent`: read the private attribute, and
            # treat a tape without it as not persistent.
            raise ValueError(
                "verify_independence=True differentiates the tape a second time: create it with "
                "tf.GradientTape(persistent=True), or call checked_batch_jacobian without the check"
            )
        if not tf.executing_eagerly():
            raise ValueError(
                "verify_independence=True compares values, so it runs in eager mode only: "
                "call checked_batch_jacobian outside tf.function to check, then without the check inside"
            )
    result = tape.batch_jacobian(target, source, **kwargs)
    if verify_independence:
        _verify_rows_are_independent(tape, target, source, result)
    return result


# --- shape rules -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Problem:
    error: str
    message: str
    fix: str


def _batch_jacobian_problem(target: tf.TensorShape, source: tf.TensorShape | None, container: str | None):
    """TensorFlow 2.21's checks in ``GradientTape.batch_jacobian``, in the order it makes them.

    ``source`` is ``None`` and ``container`` the type name when several sources were
    passed. Unknown dimensions (inside ``tf.function``) pass whichever check needs them.
    """
    unknown_rank = _Problem(
        "ValueError",
        f"Need first dimension of target shape ({_format_shape(target)}) and source shape "
        f"({_format_shape(source)}) to match.",
        "batch_jacobian needs the rank of both tensors: give the tf.function an input_signature "
        "with a known rank, or call set_shape on the tensors.",
    )
    if target.rank == 0:
        # TF reads target_shape.dims[0] before any check: a bare IndexError.
        return _Problem(
            "IndexError",
            "list index out of range",
            "The target is a scalar, so there is no batch to split: tape.gradient(target, source) "
            "is already its full derivative, with the source's shape.",
        )
    if target.rank is None:
        # An unknown rank fails TF's rank test (an unknown TensorShape is falsy).
        return unknown_rank
    if target.rank == 1:
        return _Problem(
            "ValueError",
            f"Shape {_format_shape(target)} must have rank at least 2",
            _fix_rank_1_target(target, source),
        )
    if container is not None:
        return _Problem(
            "AttributeError", f"'{container}' object has no attribute 'shape'", _fix_several_sources()
        )
    if source.rank is None:
        return unknown_rank
    if source.rank < 2:
        return _Problem(
            "ValueError",
            f"Shape {_format_shape(source)} must have rank at least 2",
            _fix_low_rank_source(target, source),
        )
    batch_t, batch_s = target[0], source[0]
    if batch_t is not None and batch_s is not None and batch_t != batch_s:
        return _Problem(
            "ValueError",
            f"Need first dimension of target shape ({_format_shape(target)}) and source shape "
            f"({_format_shape(source)}) to match.",
            f"Axis 0 of the target ({batch_t}) and of the source ({batch_s}) differ, so they are not one "
            "batch: if the source is shared by all examples (a weight), use tape.jacobian(target, source); "
            "otherwise make both start with the batch size.",
        )
    if target.is_fully_defined() and target[0] == 0:
        # TF divides the number of target elements by the batch size.
        return _Problem(
            "ZeroDivisionError",
            "integer division or modulo by zero",
            "The batch is empty: skip the call for an empty batch, there is nothing to differentiate.",
        )
    return None


def _fix_rank_1_target(target: tf.TensorShape, source: tf.TensorShape | None) -> str:
    if source is None:
        return (
            "The target has no axis after the batch axis, and batch_jacobian takes one source tensor: "
            "use tape.jacobian(target, sources), which accepts a list or dict."
        )
    if source.rank == 0:
        return (
            "The source is a scalar and the target a vector, so there is no batch: "
            f"tape.jacobian(target, source) gives every derivative (shape {_format_shape(target)}); "
            "for batch_jacobian, compute the target from the source reshaped to (1, 1) and squeeze axis 0 "
            "of the result."
        )
    if source.rank == 1:
        jacobian_shape = _format_shape(target.concatenate(source))
        return (
            "Neither tensor has a batch axis: for one example call tape.jacobian(target, source) "
            f"(shape {jacobian_shape}); if axis 0 is a batch of scalars and each output depends on its own "
            "input only, tape.gradient(target, source) already gives each example's derivative, or compute "
            "the target from source[:, tf.newaxis] for batch_jacobian."
        )
    if target[0] is not None and source[0] is not None and target[0] != source[0]:
        return (
            f"The target has a single axis, and its size ({target[0]}) is not the source's batch size "
            f"({source[0]}): use tape.jacobian(target, source) "
            f"(shape {_format_shape(target.concatenate(source))})."
        )
    return (
        "The target has one number per example: if target row i depends only on source row i, "
        "tape.gradient(target, source) already returns every example's gradient (the source's shape); "
        "for batch_jacobian, take target[:, tf.newaxis] while the tape is recording."
    )


def _fix_low_rank_source(target: tf.TensorShape, source: tf.TensorShape) -> str:
    if source.rank == 0:
        return (
            "The source is a scalar shared by every example, so there are no per-example blocks: "
            f"tape.jacobian(target, source) gives every derivative (shape {_format_shape(target)})."
        )
    if source[0] is not None and target[0] is not None and source[0] != target[0]:
        return (
            "The source has no batch axis (a parameter shared by every example): "
            f"use tape.jacobian(target, source) (shape {_format_shape(target.concatenate(source))})."
        )
    return (
        "The source has one number per example: compute the target from source[:, tf.newaxis] "
        "(shape (batch, 1)) while the tape is recording and pass that tensor to batch_jacobian, "
        "or use tape.jacobian."
    )


def _fix_several_sources() -> str:
    return (
        "Call batch_jacobian once per source tensor, or use tape.jacobian(target, sources), "
        "which accepts a list or dict."
    )


# --- the independence check --------------------------------------------------------------------


def _verify_rows_are_independent(tape, target, source, result) -> None:
    batch = int(result.shape[0])
    if batch == 0:
        return
    rows = sorted({round(r) for r in np.linspace(0, batch - 1, min(ROWS_VERIFIED, batch))})
    # The true rows of the full Jacobian, from the same tape; raises if the target is not connected at all.
    truth = jacobian_rows(tape, target, source, rows)
    rank = len(target.shape)
    true_blocks = diagonal_blocks(truth, rank, rows).numpy()
    elsewhere = cross_example_derivatives(truth, rank, rows)
    returned = tf.gather(result, rows).numpy()
    findings = []
    for k, row in enumerate(rows):
        scale = max(1.0, float(np.abs(true_blocks[k]).max(initial=0.0)))
        other_rows = np.flatnonzero(elsewhere[k] > 1e-6 * scale).tolist()
        matches = np.allclose(returned[k], true_blocks[k], rtol=1e-4, atol=1e-5 * scale)
        if other_rows or not matches:
            findings.append((matches, k, row, other_rows))
    # A block that differs is the clearest evidence: report it before one that happens to match.
    if not findings:
        return
    matches, k, row, other_rows = min(findings, key=lambda finding: finding[0])  # False sorts first
    difference = float(np.abs(returned[k] - true_blocks[k]).max())
    if other_rows:
        *head, last = map(str, other_rows)
        rows_text = f"{', '.join(head)} and {last}" if head else last
        depends = f"target row {row} depends on source row{'s' if head else ''} {rows_text}"
    else:
        depends = f"other target rows depend on source row {row}"
    if matches:
        # Rows interact, yet the sum of the other rows' derivatives cancels for this block.
        opening = (
            f"the rows of the batch are not independent for these tensors: {depends}. Block {row} "
            "of batch_jacobian matches the true derivative only because the derivatives it adds in "
            "add up to zero here"
        )
    else:
        opening = (
            f"batch_jacobian's result is wrong for these tensors: {depends}. The rows of the batch "
            f"are not independent, and block {row} differs from the true derivative by up to "
            f"{difference:.4g}"
        )
    raise ValueError(
        f"{opening}: block j of batch_jacobian is the derivative of the "
        "target summed over the batch with respect to source row j, which adds in every other target "
        "row's derivative. Remove the interaction (for a Keras model with batch normalisation, call "
        "it with training=False), or use "
        "tape.jacobian(target, source) and keep its diagonal blocks "
        "(snippets.tools.row_independence.diagonal_blocks)."
    )


# --- argument handling -----------------------------------------------------------------------


def _is_container(value) -> bool:
    return isinstance(value, list | dict) or (isinstance(value, tuple) and not _is_int_tuple(value))


def _is_int_tuple(value: tuple) -> bool:
    return all(_is_dimension(d) or d is None for d in value)


def _is_dimension(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _as_shape(value, name: str) -> Shape:
    """One fully known shape as a tuple of ints, from a tensor, a TensorShape or a tuple."""
    if isinstance(value, list | dict):
        raise TypeError(
            f"{name} must be a tensor, a tf.TensorShape or a tuple of ints, not a {type(value).__name__} "
            "(write a shape as a tuple, e.g. (2, 3); only the source may be a list or dict of several)"
        )
    if isinstance(value, tf.TensorShape):
        if value.rank is None:
            raise ValueError(f"the rank of the {name} is unknown: diagnose needs fully known shapes")
        value = tuple(value.as_list())
    elif hasattr(value, "shape") and hasattr(value, "dtype"):
        return _as_shape(tf.TensorShape(value.shape), name)
    if not isinstance(value, tuple):
        raise TypeError(
            f"{name} must be a tensor, a tf.TensorShape or a tuple of ints, not {type(value).__name__}"
        )
    for axis, dim in enumerate(value):
        if dim is None:
            raise ValueError(
                f"axis {axis} of the {name} shape {value} is unknown: diagnose needs fully known shapes "
                "(the ones eager execution has)"
            )
        if not _is_dimension(dim):
            raise TypeError(f"axis {axis} of the {name} shape {value} is {dim!r}, not an int")
        if dim < 0:
            raise ValueError(f"axis {axis} of the {name} shape {value} is negative")
    return tuple(int(d) for d in value)


def _as_source(value):
    """A source shape, or the same nest (list, tuple, dict) of source shapes."""
    if isinstance(value, Mapping):
        return {key: _as_source(item) for key, item in value.items()}
    if isinstance(value, list) or (isinstance(value, tuple) and not _is_int_tuple(value)):
        if isinstance(value, tuple) and any(_is_dimension(d) or d is None for d in value):
            raise TypeError(
                f"source {value!r} mixes ints with other items: write one shape as a tuple of ints, "
                "several sources as a list of shapes or tensors"
            )
        return type(value)(_as_source(item) for item in value)
    return _as_shape(value, "source")


def _leaves(nest) -> list:
    if isinstance(nest, dict):
        return [leaf for item in nest.values() for leaf in _leaves(item)]
    if _is_container(nest):
        return [leaf for item in nest for leaf in _leaves(item)]
    return [nest]


def _map_nest(function, nest):
    if isinstance(nest, dict):
        return {key: _map_nest(function, item) for key, item in nest.items()}
    if _is_container(nest):
        return type(nest)(_map_nest(function, item) for item in nest)
    return function(nest)


def _format_nest(nest) -> str:
    if isinstance(nest, dict):
        return "{" + ", ".join(f"{key!r}: {_format_nest(item)}" for key, item in nest.items()) + "}"
    if _is_container(nest):
        inner = ", ".join(_format_nest(item) for item in nest)
        return f"[{inner}]" if isinstance(nest, list) else f"({inner}{',' if len(nest) == 1 else ''})"
    return str(nest)


def _format_shape(shape: tf.TensorShape | None) -> str:
    """A shape as TensorFlow writes it in messages: ``(2, 3)``, ``(2,)``, ``()`` or ``<unknown>``."""
    return str(shape)
