"""The shape doctor predicts exactly what TensorFlow does, and checked_batch_jacobian catches each mistake."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from snippets.tools.shape_doctor import checked_batch_jacobian, diagnose

CALLS = ["gradient", "jacobian", "batch_jacobian"]

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=4).map(tuple)


@st.composite
def target_and_source_shapes(draw):
    """Random ranks 0-4 and sizes 1-4; half the time the target starts with the source's axis 0."""
    source = draw(shapes)
    target = draw(shapes)
    if source and target and draw(st.booleans()):
        target = (source[0], *target[1:])
    return target, source


def run_real_call(call: str, target_shape: tuple, source_shapes) -> tuple:
    """Run one tape call on tensors of these shapes; return ("ok", shape nest) or ("raises", type, message).

    The target depends on every source. When the target and a single source share
    axis 0, target row i depends on source row i only, so batch_jacobian has a real
    batch to work on.
    """
    several = isinstance(source_shapes, list | dict) or (
        isinstance(source_shapes, tuple) and any(isinstance(s, tuple) for s in source_shapes)
    )
    if isinstance(source_shapes, dict):
        sources = {key: tf.random.normal(shape) for key, shape in source_shapes.items()}
        flat = list(sources.values())
    elif several:
        sources = type(source_shapes)(tf.random.normal(shape) for shape in source_shapes)
        flat = list(sources)
    else:
        sources = tf.random.normal(source_shapes)
        flat = [sources]
    with tf.GradientTape() as tape:
        for source in flat:
            tape.watch(source)
        if not several and target_shape and source_shapes and target_shape[0] == source_shapes[0]:
            per_row = tf.reduce_sum(sources**2, axis=list(range(1, len(source_shapes))))
            per_row = tf.reshape(per_row, [target_shape[0]] + [1] * (len(target_shape) - 1))
            target = per_row * tf.ones(target_shape)
        else:
            target = tf.add_n([tf.reduce_sum(s**2) for s in flat]) * tf.ones(target_shape)
    try:
        result = getattr(tape, call)(target, sources)
    except Exception as error:  # the point is to record whichever error TensorFlow raises
        return ("raises", type(error).__name__, str(error))
    return ("ok", _shape_nest(result))


def _shape_nest(result):
    if isinstance(result, dict):
        return {key: _shape_nest(value) for key, value in result.items()}
    if isinstance(result, list | tuple):
        return type(result)(_shape_nest(value) for value in result)
    return tuple(result.shape)


def predicted(call: str, target_shape, source_shapes) -> tuple:
    check = getattr(diagnose(target_shape, source_shapes), call)
    if check.ok:
        assert check.error is None and check.fix is None
        return ("ok", check.shape)
    assert check.shape is None and check.fix
    return ("raises", check.error, check.message)


@pytest.mark.parametrize("call", CALLS)
@settings(max_examples=20)
@given(shapes=target_and_source_shapes())
def test_one_source_matches_tensorflow(call, shapes):
    target_shape, source_shape = shapes
    assert predicted(call, target_shape, source_shape) == run_real_call(call, target_shape, source_shape)


@pytest.mark.parametrize("call", CALLS)
@settings(max_examples=8)
@given(
    target_shape=shapes,
    source_shapes=st.lists(shapes, min_size=1, max_size=3),
    container=st.sampled_from(["list", "tuple", "dict"]),
)
def test_several_sources_match_tensorflow(call, target_shape, source_shapes, container):
    if container == "dict":
        source_shapes = {f"s{i}": shape for i, shape in enumerate(source_shapes)}
    elif container == "tuple":
        source_shapes = tuple(source_shapes)
    assert predicted(call, target_shape, source_shapes) == run_real_call(call, target_shape, source_shapes)


@pytest.mark.parametrize(
    ("target_shape", "source_shape"),
    [((0, 3), (0, 2)), ((2, 0), (2, 3)), ((2, 3), (2, 0)), ((0,), (3,)), ((3,), (0,)), ((2, 3), (1, 3))],
)
@pytest.mark.parametrize("call", CALLS)
def test_empty_axes_and_edge_cases_match_tensorflow(call, target_shape, source_shape):
    assert predicted(call, target_shape, source_shape) == run_real_call(call, target_shape, source_shape)


def test_tensors_shapes_and_tuples_are_the_same_input():
    by_tuple = diagnose((4, 2), (4, 3))
    assert diagnose(tf.zeros([4, 2]), tf.Variable(tf.zeros([4, 3]))) == by_tuple
    assert diagnose(tf.TensorShape([4, 2]), np.zeros([4, 3])) == by_tuple
    assert diagnose((np.int64(4), 2), (4, 3)) == by_tuple


def test_a_tuple_of_tensors_is_several_sources():
    check = diagnose((2, 5), (tf.zeros([3]), tf.zeros([2, 4]))).jacobian
    assert check.shape == ((2, 5, 3), (2, 5, 2, 4))


def test_the_table_names_every_call_and_the_fix():
    text = str(diagnose((), ()))
    assert "gradient        -> ()" in text
    assert "batch_jacobian  raises IndexError: list index out of range" in text
    assert "fix: The target is a scalar" in text


@pytest.mark.parametrize(
    ("target", "source", "error", "words"),
    [
        ([2, 3], (2,), TypeError, "not a list"),
        ("(2, 3)", (2,), TypeError, "not str"),
        (2.0, (2,), TypeError, "not float"),
        ((2, 3.0), (2,), TypeError, "not an int"),
        ((2, True), (2,), TypeError, "not an int"),
        ((2, -1), (2,), ValueError, "negative"),
        ((None, 3), (2,), ValueError, "unknown"),
        (tf.TensorShape(None), (2,), ValueError, "rank of the target is unknown"),
        ((2,), (2, "a"), TypeError, "mixes ints"),
        ((2,), [(2,), "a"], TypeError, "not str"),
    ],
)
def test_garbage_is_refused_with_the_reason(target, source, error, words):
    with pytest.raises(error, match=words):
        diagnose(target, source)


# --- checked_batch_jacobian ------------------------------------------------------------------


def recorded(function, source, persistent=False):
    """A tape that recorded ``function(source)``; return (tape, target)."""
    with tf.GradientTape(persistent=persistent) as tape:
        tape.watch(source)
        target = function(source)
    return tape, target


BATCH = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


@pytest.mark.parametrize(
    ("source", "function", "words"),
    [
        (tf.constant(2.0), lambda x: x**2, "The target is a scalar"),
        (BATCH, tf.reduce_sum, "The target is a scalar"),
        (tf.constant(2.0), lambda x: tf.stack([x**2, x**3]), "reshaped to \\(1, 1\\)"),
        (tf.constant([2.0, 3.0]), lambda x: x**2, "Neither tensor has a batch axis"),
        (BATCH, lambda x: tf.reduce_sum(x, axis=1), "target\\[:, tf.newaxis\\]"),
        (tf.constant(2.0), lambda x: x * tf.ones([2, 3]), "The source is a scalar"),
        (tf.constant([1.0, 2.0]), lambda x: x[:, tf.newaxis] * tf.ones([2, 3]), "source\\[:, tf.newaxis\\]"),
        (BATCH, lambda x: tf.concat([x, x], axis=0), r"Axis 0 of the target \(4\) and of the source \(2\)"),
        (tf.zeros([0, 3]), lambda x: 2 * x, "The batch is empty"),
    ],
)
def test_each_mistake_is_named_before_tensorflow_raises(source, function, words):
    tape, target = recorded(function, source)
    with pytest.raises(ValueError, match=words) as caught:
        checked_batch_jacobian(tape, target, source)
    assert "TensorFlow itself would raise" in str(caught.value)


@pytest.mark.parametrize("container", [list, tuple, lambda xs: {"x": xs[0]}])
@pytest.mark.parametrize(
    ("function", "its_error"),
    [(lambda x: 2 * x, "AttributeError"), (tf.reduce_sum, "IndexError"), (lambda x: x[0], "ValueError")],
)
def test_several_sources_are_refused(container, function, its_error):
    tape, target = recorded(function, BATCH)
    with pytest.raises(ValueError, match=r"takes one source tensor.*tape\.jacobian") as caught:
        checked_batch_jacobian(tape, target, container([BATCH]))
    assert f"TensorFlow itself would raise {its_error}" in str(caught.value)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"experimental_use_pfor": False}, {"unconnected_gradients": tf.UnconnectedGradients.ZERO}],
)
def test_good_inputs_return_exactly_what_batch_jacobian_returns(kwargs):
    source = tf.random.normal([3, 2, 2])
    weights = tf.random.normal([2, 5])
    tape, target = recorded(lambda x: tf.tanh(x @ weights), source, persistent=True)
    expected = tape.batch_jacobian(target, source, **kwargs)
    got = checked_batch_jacobian(tape, target, source, verify_independence=True, **kwargs)
    assert got.shape == expected.shape == (3, 2, 5, 2, 2)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_a_tape_is_used_once_when_not_verifying():
    tape, target = recorded(lambda x: x**2, BATCH)  # not persistent: one call only
    np.testing.assert_array_equal(
        checked_batch_jacobian(tape, target, BATCH).numpy()[1], np.diag([8.0, 10.0, 12.0])
    )


@pytest.mark.parametrize(
    ("function", "words"),
    [
        (lambda x: x - tf.reduce_mean(x, axis=0), "target row 0 depends on source row 1"),
        (lambda x: x * tf.reduce_sum(x), "not independent"),
        (lambda x: tf.roll(x, shift=1, axis=0), "target row 0 depends on source row 1"),
    ],
)
def test_verify_independence_catches_rows_that_interact(function, words):
    tape, target = recorded(function, BATCH, persistent=True)
    with pytest.raises(ValueError, match=words):
        checked_batch_jacobian(tape, target, BATCH, verify_independence=True)


def test_verify_independence_catches_a_batch_axis_added_too_late():
    source = tf.constant([2.0, 3.0])
    tape, target = recorded(lambda x: x**2, source, persistent=True)
    with pytest.raises(ValueError, match="does not depend on the source"):
        checked_batch_jacobian(tape, target[tf.newaxis], source[tf.newaxis], verify_independence=True)


def test_verify_independence_needs_a_persistent_tape():
    tape, target = recorded(lambda x: x**2, BATCH)
    with pytest.raises(ValueError, match="persistent=True"):
        checked_batch_jacobian(tape, target, BATCH, verify_independence=True)


def test_unknown_batch_size_in_a_tf_function_passes_through():
    @tf.function(input_signature=[tf.TensorSpec([None, 3])])
    def per_example(x):
        tape, target = recorded(lambda v: v**2, x)
        return checked_batch_jacobian(tape, target, x)

    np.testing.assert_array_equal(per_example(BATCH).numpy()[0], np.diag([2.0, 4.0, 6.0]))


def test_unknown_rank_in_a_tf_function_is_named():
    @tf.function(input_signature=[tf.TensorSpec(None)])
    def per_example(x):
        tape, target = recorded(lambda v: v**2, x)
        return checked_batch_jacobian(tape, target, x)

    with pytest.raises(ValueError, match="needs the rank of both tensors"):
        per_example(BATCH)


# --- result sizes and the memory budget ---------------------------------------------------------


def real_result_bytes(call: str, target_shape: tuple, source_shape: tuple, dtype) -> int | None:
    """The bytes of the real call's result for one source of ``dtype``, or ``None`` when it raises."""
    source = tf.cast(tf.random.normal(source_shape), dtype)
    with tf.GradientTape() as tape:
        tape.watch(source)
        if target_shape and source_shape and target_shape[0] == source_shape[0]:
            per_row = tf.reduce_sum(source**2, axis=list(range(1, len(source_shape))))
            per_row = tf.reshape(per_row, [target_shape[0]] + [1] * (len(target_shape) - 1))
            target = per_row * tf.ones(target_shape, dtype)
        else:
            target = tf.reduce_sum(source**2) * tf.ones(target_shape, dtype)
    try:
        return getattr(tape, call)(target, source).numpy().nbytes
    except Exception:  # the shape tests above check the errors; here only sizes matter
        return None


@pytest.mark.parametrize("call", CALLS)
@settings(max_examples=10)
@given(shapes=target_and_source_shapes(), dtype=st.sampled_from([tf.float32, tf.float64]))
def test_result_bytes_are_the_real_results_bytes(call, shapes, dtype):
    target_shape, source_shape = shapes
    check = getattr(diagnose(target_shape, source_shape, dtype=dtype), call)
    assert check.result_bytes == real_result_bytes(call, target_shape, source_shape, dtype)


def test_result_bytes_add_up_over_several_sources():
    d = diagnose((2, 5), {"kernel": (3, 10), "bias": (10,)})
    assert d.gradient.result_bytes == 4 * (3 * 10 + 10)
    assert d.jacobian.result_bytes == 4 * (2 * 5 * 3 * 10 + 2 * 5 * 10)
    assert d.batch_jacobian.result_bytes is None


def test_within_the_budget_nothing_is_added():
    d = diagnose((4, 2), (4, 3))
    assert d.warnings == ()
    assert "warning" not in str(d)
    assert str(d) == str(diagnose((4, 2), (4, 3), budget_bytes=4 * 4 * 2 * 4 * 3))  # exactly at the budget


def test_a_trillion_examples_warn_for_every_call():
    d = diagnose((10**12, 10), (10**12, 5))
    assert [w.split()[0] for w in d.warnings] == ["gradient", "jacobian", "batch_jacobian"]
    assert str(d).count("\n  warning: ") == 3
    assert "batch_jacobian returns 182 TiB" in d.warnings[1]


def test_the_budget_and_the_dtype_are_the_callers():
    images = ((512, 10), (512, 784))  # jacobian 7.66 GiB, batch_jacobian 15.3 MiB in float32
    (warning,) = diagnose(*images).warnings
    assert warning.startswith("jacobian returns 7.66 GiB in float32, over the budget of 4 GiB.")
    assert not diagnose(*images, budget_bytes=8 * 2**30).warnings
    (warning,) = diagnose(*images, dtype=tf.float16, budget_bytes=2**30).warnings
    assert warning.startswith("jacobian returns 3.83 GiB in float16, over the budget of 1 GiB.")
    assert (
        diagnose(*images, dtype=tf.float64).jacobian.result_bytes
        == 2 * diagnose(*images).jacobian.result_bytes
    )


def test_a_jacobian_without_a_batch_jacobian_is_told_not_to_form_the_matrix():
    (warning,) = diagnose((2**16,), (2**16,)).warnings  # 16 GiB, and no batch axis
    assert "Do not form the matrix" in warning and "batch_jacobian" not in warning
