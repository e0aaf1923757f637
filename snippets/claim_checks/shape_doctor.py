"""Checks for the claims of the shape doctor page: what TensorFlow raises, and that ``diagnose`` agrees."""

from __future__ import annotations

import tensorflow as tf

from snippets.support.claims import require
from snippets.tools.shape_doctor import checked_batch_jacobian, diagnose

CALLS = ("gradient", "jacobian", "batch_jacobian")


def _sources(shapes):
    if isinstance(shapes, dict):
        return {key: tf.ones(shape) for key, shape in shapes.items()}
    if isinstance(shapes, list):
        return [tf.ones(shape) for shape in shapes]
    return tf.ones(shapes)


def _real_call(call: str, target_shape: tuple, source_shapes) -> tuple:
    """One tape call on a float target computed from the sources: ("ok", shapes) or ("raises", type, text)."""
    sources = _sources(source_shapes)
    flat = (
        list(sources.values())
        if isinstance(sources, dict)
        else sources
        if isinstance(sources, list)
        else [sources]
    )
    with tf.GradientTape(persistent=True) as tape:  # persistent: needed by jacobian's while_loop
        for source in flat:
            tape.watch(source)
        target = tf.add_n([tf.reduce_sum(s**2) for s in flat]) * tf.ones(target_shape)
    try:
        result = getattr(tape, call)(target, sources)  # jacobian with its default pfor
    except Exception as error:  # the point is to record whichever error TensorFlow raises
        return ("raises", type(error).__name__, str(error))
    if isinstance(result, dict):
        return ("ok", {key: tuple(value.shape) for key, value in result.items()})
    if isinstance(result, list):
        return ("ok", [tuple(value.shape) for value in result])
    return ("ok", tuple(result.shape))


def _predicted(call: str, target_shape: tuple, source_shapes) -> tuple:
    check = getattr(diagnose(target_shape, source_shapes), call)
    return ("ok", check.shape) if check.ok else ("raises", check.error, check.message)


def tensorflow_batch_jacobian_checks_in_this_order() -> str:
    """TensorFlow's ``batch_jacobian`` checks shapes in this order, with these errors; ``diagnose`` agrees.

    Each case is built to pass the checks before the one it trips.

    >>> print(tensorflow_batch_jacobian_checks_in_this_order())
    scalar target and a list: IndexError; (2,) target and a list: ValueError (Shape (2,) must have rank
    at least 2); (2, 3) target and a list: AttributeError; (2, 3) and (2,): ValueError (Shape (2,) must
    have rank at least 2); (4, 3) and (2, 3): ValueError (Need first dimension ...); (0, 3) and (0, 2):
    ZeroDivisionError; diagnose predicts all 6
    """
    cases = [
        ((), [(2,)], "IndexError", None),
        ((2,), [(2,)], "ValueError", "Shape (2,) must have rank at least 2"),
        ((2, 3), [(2, 3)], "AttributeError", "'list' object has no attribute 'shape'"),
        ((2, 3), (2,), "ValueError", "Shape (2,) must have rank at least 2"),
        (
            (4, 3),
            (2, 3),
            "ValueError",
            "Need first dimension of target shape ((4, 3)) and source shape ((2, 3)) to match.",
        ),
        ((0, 3), (0, 2), "ZeroDivisionError", None),
    ]
    for target, source, error, message in cases:
        real = _real_call("batch_jacobian", target, source)
        require(
            real[:2] == ("raises", error), f"batch_jacobian({target}, {source}) gives {real}, not {error}"
        )
        require(message is None or real[2] == message, f"batch_jacobian({target}, {source}) says {real[2]!r}")
        require(
            _predicted("batch_jacobian", target, source) == real,
            f"diagnose({target}, {source}) differs: {real}",
        )
    return (
        "scalar target and a list: IndexError; (2,) target and a list: ValueError (Shape (2,) must have "
        "rank at least 2); (2, 3) target and a list: AttributeError; (2, 3) and (2,): ValueError (Shape "
        "(2,) must have rank at least 2); (4, 3) and (2, 3): ValueError (Need first dimension ...); "
        "(0, 3) and (0, 2): ZeroDivisionError; diagnose predicts all 6"
    )


def diagnose_matches_tensorflow_on_this_pages_shapes() -> str:
    """For every pair of shapes the shape doctor page diagnoses, the real calls do what ``diagnose`` prints.

    >>> print(diagnose_matches_tensorflow_on_this_pages_shapes())
    5 target/source pairs x 3 calls on TensorFlow ...: every shape, exception type and message
    as predicted
    """
    pairs = [
        ((2,), (2,)),
        ((), (2, 3)),
        ((32,), (32, 10)),
        ((8, 10), {"kernel": (3, 10), "bias": (10,)}),
        ((4, 2), (5, 3)),
    ]
    for target, source in pairs:
        for call in CALLS:
            real, predicted = _real_call(call, target, source), _predicted(call, target, source)
            require(real == predicted, f"{call}({target}, {source}): TensorFlow {real}, diagnose {predicted}")
    return (
        f"{len(pairs)} target/source pairs x {len(CALLS)} calls on TensorFlow {tf.__version__}: every shape, "
        "exception type and message as predicted"
    )


def gradient_and_jacobian_accept_any_rank_size_and_nest() -> str:
    """``gradient`` gives the sources' shapes, ``jacobian`` target + source, for ranks 0 to 3, size 0, nests.

    >>> print(gradient_and_jacobian_accept_any_rank_size_and_nest())
    7 cases (ranks 0 to 3, empty axes, a list, a tuple and a dict of sources): gradient and jacobian ran, \
with the shapes diagnose predicts; jacobian(experimental_use_pfor=False) of an empty target raises ValueError
    """
    cases = [
        ((), ()),
        ((0,), (3,)),
        ((2, 0), (2, 3)),
        ((2,), (0, 4)),
        ((2,), [(3,), (2, 2)]),
        ((1, 2), {"w": (2, 1, 2), "b": ()}),
    ]
    for target, source in cases:
        for call in ("gradient", "jacobian"):
            real = _real_call(call, target, source)
            require(real[0] == "ok", f"{call}({target}, {source}) raised {real}")
            require(real == _predicted(call, target, source), f"{call}({target}, {source}) gave {real}")
    # A tuple of sources, which _real_call does not build.
    a, b = tf.ones([3]), tf.ones([2, 2])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        y = (tf.reduce_sum(a) + tf.reduce_sum(b)) * tf.ones([2])
    shapes = tuple(tuple(g.shape) for g in tape.gradient(y, (a, b)))
    jacobian = tuple(tuple(j.shape) for j in tape.jacobian(y, (a, b)))
    require(
        shapes == ((3,), (2, 2)) and jacobian == ((2, 3), (2, 2, 2)), f"a tuple gave {shapes}, {jacobian}"
    )
    # Only the default pfor path takes an empty target; the while_loop path does not.
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(a)
        empty = tf.reduce_sum(a) * tf.ones([0])
    try:
        tape.jacobian(empty, a, experimental_use_pfor=False)
        loop = "returns"
    except ValueError:
        loop = "raises ValueError"
    require(
        loop == "raises ValueError", "jacobian's while_loop now takes an empty target: drop the page's caveat"
    )
    return (
        f"{len(cases) + 1} cases (ranks 0 to 3, empty axes, a list, a tuple and a dict of sources): "
        "gradient and jacobian ran, with the shapes diagnose predicts; "
        f"jacobian(experimental_use_pfor=False) of an empty target {loop}"
    )


def diagnose_needs_no_tensor_of_the_shapes() -> str:
    """``diagnose`` answers for shapes too large to allocate: it builds no tensor, computes no derivative.

    >>> print(diagnose_needs_no_tensor_of_the_shapes())
    target (1000000, 1000000, 1000), source (1000000, 1000) (10^15 and 10^9 floats): batch_jacobian -> \
(1000000, 1000000, 1000, 1000)
    """
    big = diagnose(target=(10**6, 10**6, 10**3), source=(10**6, 10**3))
    require(big.batch_jacobian.shape == (10**6, 10**6, 10**3, 10**3), f"diagnose said {big.batch_jacobian}")
    return (
        "target (1000000, 1000000, 1000), source (1000000, 1000) (10^15 and 10^9 floats): batch_jacobian -> "
        f"{big.batch_jacobian.shape}"
    )


def checked_batch_jacobian_returns_what_batch_jacobian_returns() -> str:
    """On valid tensors, ``checked_batch_jacobian`` returns ``tape.batch_jacobian``'s result, bit for bit.

    >>> print(checked_batch_jacobian_returns_what_batch_jacobian_returns())
    tanh(x @ W), x of shape (3, 2, 2): same shape (3, 2, 5, 2, 2), same dtype float32, identical values
    """
    source = tf.reshape(tf.range(12.0), (3, 2, 2)) / 8.0
    weights = tf.reshape(tf.range(10.0), (2, 5)) / 10.0 - 0.4
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(source)
        target = tf.tanh(source @ weights)
    expected = tape.batch_jacobian(target, source)
    got = checked_batch_jacobian(tape, target, source, verify_independence=True)
    require(got.shape == expected.shape and got.dtype == expected.dtype, f"{got.shape} {got.dtype}")
    require(bool(tf.reduce_all(got == expected)), "the values differ")
    return (
        f"tanh(x @ W), x of shape (3, 2, 2): same shape {tuple(got.shape)}, same dtype {got.dtype.name}, "
        "identical values"
    )


def a_non_persistent_tape_refuses_a_second_call() -> str:
    """After one ``batch_jacobian`` call, a tape created without ``persistent=True`` raises ``RuntimeError``.

    >>> print(a_non_persistent_tape_refuses_a_second_call())
    second call on a non-persistent tape: RuntimeError: A non-persistent GradientTape can only be used to...
    """
    x = tf.ones([2, 2])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x**2
    tape.batch_jacobian(y, x)
    try:
        tape.gradient(y, x)
    except RuntimeError as error:
        return f"second call on a non-persistent tape: RuntimeError: {error}"
    require(False, "a non-persistent tape answered a second call")
    return ""


def checked_batch_jacobian_catches_the_two_silent_mistakes() -> str:
    """With ``verify_independence=True`` the checker refuses a batch axis added late, and a column as a batch.

    Both on the article's example at ``[2, 3]``; the column case uses the coupled
    function ``[x0 * x1, x1**3]``, whose rows interact once the column is read as a batch.

    >>> print(checked_batch_jacobian_catches_the_two_silent_mistakes())
    batch axis added after the tape: ValueError (the target does not depend on the source on this tape ...); \
column (2, 1) of a coupled function: ValueError (batch_jacobian's result is wrong for these tensors ...)
    """
    outcomes = []
    x = tf.constant([2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.stack([x[0] ** 2, x[1] ** 3])
    column = tf.constant([[2.0], [3.0]])
    with tf.GradientTape(persistent=True) as column_tape:
        column_tape.watch(column)
        coupled = tf.stack([column[0] * column[1], column[1] ** 3])
    for tape_used, target, source in ((tape, y[tf.newaxis], x[tf.newaxis]), (column_tape, coupled, column)):
        try:
            checked_batch_jacobian(tape_used, target, source, verify_independence=True)
            outcomes.append("passes")
        except ValueError as error:
            outcomes.append(f"ValueError ({str(error).split(' (')[0].split(':')[0]} ...)")
    require(all(o.startswith("ValueError") for o in outcomes), f"the checker let one through: {outcomes}")
    return (
        f"batch axis added after the tape: {outcomes[0]}; column (2, 1) of a coupled function: {outcomes[1]}"
    )
