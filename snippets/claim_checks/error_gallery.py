"""Checks for the claims of the error gallery (``docs/error-gallery.md``)."""

from __future__ import annotations

import gc
import inspect
import logging
import sys
import traceback
import warnings
import weakref

import keras
import numpy as np
import tensorflow as tf

from snippets.bench.queries import record, sweep
from snippets.bench.schema import load_results
from snippets.bench.statistics import within_noise
from snippets.error_gallery.batch_jacobian_shapes import BATCH, per_example_losses
from snippets.error_gallery.captured_warnings import tensorflow_warnings
from snippets.error_gallery.keras_variables import _small_layer
from snippets.error_gallery.surprising_values import (
    batch_jacobian_of_interacting_rows,
    gradient_of_vector_target,
    unconnected_sources,
)
from snippets.error_gallery.tape_lifetime import jacobian_through_an_op_pfor_cannot_vectorise
from snippets.support.claims import require

_CALLS = {
    "gradient": lambda tape, y, x: tape.gradient(y, x),
    "jacobian": lambda tape, y, x: tape.jacobian(y, x),
    "batch_jacobian": lambda tape, y, x: tape.batch_jacobian(y, x),
}


def _raises(function) -> BaseException | None:
    try:
        function()
    except Exception as error:  # the checks look at whichever error it is
        return error
    return None


def non_persistent_tape_answers_one_call() -> str:
    """A non-persistent tape lets go of its record when a call returns; any second call raises.

    >>> print(non_persistent_tape_answers_one_call())
    9 of 9 second calls raised RuntimeError;
    an intermediate tensor was freed by gradient, jacobian, batch_jacobian
    """
    raised, references = 0, {name: [] for name in _CALLS}
    for name, first in _CALLS.items():
        for second in _CALLS.values():
            x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = x * x
                z = y * y  # the backward pass of z needs y: the tape holds it
            alive = weakref.ref(y)
            del y
            require(alive() is not None, "the tape did not hold the intermediate tensor")
            first(tape, z, x)
            references[name].append(alive)
            error = _raises(lambda tape=tape, z=z, x=x, ask=second: ask(tape, z, x))
            raised += isinstance(error, RuntimeError)
    require(raised == 9, f"only {raised} of 9 second calls raised RuntimeError")
    gc.collect()  # pfor's traced functions hold reference cycles; the tape itself let go
    freed = [name for name, refs in references.items() if all(alive() is None for alive in refs)]
    require(len(freed) == 3, f"only {freed} freed the tape's record")
    return (
        f"{raised} of 9 second calls raised RuntimeError; an intermediate tensor was freed by "
        + ", ".join(freed)
    )


def non_persistent_tape_stops_recording_when_asked_inside() -> str:
    """Asked inside its ``with`` block, a non-persistent tape stops recording; a persistent one goes on.

    >>> print(non_persistent_tape_stops_recording_when_asked_inside())
    recording after a gradient inside the block: non-persistent False, persistent True
    """
    recording = {}
    for persistent in (False, True):
        x = tf.constant(3.0)
        with tf.GradientTape(persistent=persistent) as tape:
            tape.watch(x)
            tape.gradient(x * x, x)
            recording[persistent] = tape._recording  # TensorFlow's own flag; no public accessor
    require(recording == {False: False, True: True}, f"recording: {recording}")
    return (
        "recording after a gradient inside the block: "
        f"non-persistent {recording[False]}, persistent {recording[True]}"
    )


def persistent_tape_holds_its_tensors_until_deleted() -> str:
    """A persistent tape keeps the tensors its backward pass needs alive until the tape is deleted.

    >>> print(persistent_tape_holds_its_tensors_until_deleted())
    intermediate alive after two gradients: True; after del tape: False
    """
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    alive = weakref.ref(y)
    del y
    tape.gradient(z, x)
    tape.gradient(z, x)
    after_gradients = alive() is not None
    del tape  # freed by reference counting, no garbage collection needed
    after_del = alive() is not None
    require(after_gradients and not after_del, f"after gradients {after_gradients}, del {after_del}")
    return f"intermediate alive after two gradients: {after_gradients}; after del tape: {after_del}"


def gradient_of_a_list_of_targets_is_the_gradient_of_their_sum() -> str:
    """``tape.gradient([z, y], x)`` returns ``dz/dx + dy/dx``, one tensor, not one per target.

    >>> print(gradient_of_a_list_of_targets_is_the_gradient_of_their_sum())
    gradient([z, y], x) = 114.0 = 108.0 + 6.0
    """
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    both = tape.gradient([z, y], x)
    dz, dy = float(tape.gradient(z, x)), float(tape.gradient(y, x))
    require(isinstance(both, tf.Tensor) and float(both) == dz + dy, f"got {both}, not {dz} + {dy}")
    return f"gradient([z, y], x) = {float(both)} = {dz} + {dy}"


def only_batch_jacobian_says_tocompute() -> str:
    """The used-tape message: "to compute" in ``gradient``, ``jacobian``; "tocompute" in ``batch_jacobian``.

    >>> print(only_batch_jacobian_says_tocompute())
    gradient: to compute, jacobian: to compute, batch_jacobian: tocompute
    """
    spelling = {}
    for name, ask in _CALLS.items():
        x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x
        tape.gradient(y, x)
        message = str(_raises(lambda tape=tape, y=y, x=x, ask=ask: ask(tape, y, x)))
        words = [word for word in ("to compute", "tocompute") if f"used {word}" in message]
        spelling[name] = words[0] if words else message
    expected = {"gradient": "to compute", "jacobian": "to compute", "batch_jacobian": "tocompute"}
    require(spelling == expected, str(spelling))
    return ", ".join(f"{name}: {word}" for name, word in spelling.items())


def _count_gradient_calls(call: str, persistent: bool, **kwargs) -> tuple[int, BaseException | None]:
    """Run ``jacobian`` or ``batch_jacobian`` counting ``tape.gradient`` calls; return count, error."""
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]]) if call == "batch_jacobian" else tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=persistent) as tape:
        tape.watch(x)
        y = x * x
    count, gradient = [0], tape.gradient

    def counted(*args, **kw):
        count[0] += 1
        return gradient(*args, **kw)

    tape.gradient = counted  # the jacobian calls ask through self.gradient
    error = _raises(lambda: getattr(tape, call)(y, x, **kwargs))
    return count[0], error


def parallel_iterations_asks_the_tape_twice() -> str:
    """With ``parallel_iterations`` up to the loop's length pfor asks the tape twice; larger is ignored.

    A non-persistent tape's second answer is None. The target has 3 elements.

    >>> print(parallel_iterations_asks_the_tape_twice())
    gradient calls: 1 by default, 2 with parallel_iterations=2 or 3, 1 with parallel_iterations=4;
    non-persistent tape: caused by 'None values not supported.'
    """
    default, _ = _count_gradient_calls("jacobian", True)
    chunked, error = _count_gradient_calls("jacobian", True, parallel_iterations=2)
    require(error is None and default == 1 and chunked == 2, f"calls {default}, {chunked}; {error}")
    equal, error = _count_gradient_calls("jacobian", True, parallel_iterations=3)
    require(error is None and equal == 2, f"parallel_iterations=3: {equal} calls; {error}")
    ignored, error = _count_gradient_calls("jacobian", True, parallel_iterations=4)
    require(error is None and ignored == 1, f"parallel_iterations=4: {ignored} calls; {error}")
    _, error = _count_gradient_calls("jacobian", False, parallel_iterations=4)
    require(error is None, f"a non-persistent tape with parallel_iterations=4 raised {error!r}")
    _, error = _count_gradient_calls("jacobian", False, parallel_iterations=2)
    require(isinstance(error, ValueError), f"non-persistent tape: {error!r}")
    root = error
    while (root.__cause__ or root.__context__) is not None:
        root = root.__cause__ or root.__context__
    require(str(root) == "None values not supported.", f"the chained cause is {root!r}")
    return (
        f"gradient calls: {default} by default, {chunked} with parallel_iterations=2 or 3, "
        f"{ignored} with parallel_iterations=4; "
        f"non-persistent tape: caused by {str(root)!r}"
    )


def while_loop_asks_the_tape_once_per_element() -> str:
    """Without pfor, ``jacobian`` asks once per target element, ``batch_jacobian`` once per element of a row.

    >>> print(while_loop_asks_the_tape_once_per_element())
    experimental_use_pfor=False: jacobian of 3 elements 3 calls, batch_jacobian of rows of 2 elements 2 calls
    """
    jacobian, error = _count_gradient_calls("jacobian", True, experimental_use_pfor=False)
    require(error is None and jacobian == 3, f"jacobian: {jacobian} calls, {error}")
    batch, error = _count_gradient_calls("batch_jacobian", True, experimental_use_pfor=False)
    require(error is None and batch == 2, f"batch_jacobian: {batch} calls, {error}")
    return (
        f"experimental_use_pfor=False: jacobian of 3 elements {jacobian} calls, "
        f"batch_jacobian of rows of 2 elements {batch} calls"
    )


def while_loop_against_eager_pfor_in_the_benchmarks() -> str:
    """In the benchmarks the eager while loop is no slower than eager pfor at 16 elements, >10x at 1024.

    >>> print(while_loop_against_eager_pfor_in_the_benchmarks())
    while loop / pfor: ... at 16 elements (not slower), ... at 1024 (slower beyond the spread);
    pfor 1024/16: ...
    """
    data = load_results()
    by_size = {}
    for case in sweep(data, "batch")["cases"]:
        size = data["cases"][case]["batch"] * data["cases"][case]["output_width"]
        by_size[size] = (record(data, case, "jacobian"), record(data, case, "jacobian_while_loop"))
    small_pfor, small_loop = by_size[16]
    big_pfor, big_loop = by_size[1024]
    require(small_loop in within_noise([small_pfor, small_loop]), "at 16 elements the loop is clearly slower")
    require(big_pfor in within_noise([big_pfor, big_loop]), "at 1024 elements pfor is not the faster")
    require(big_loop not in within_noise([big_pfor, big_loop]), "at 1024 elements the two are a tie")
    big = big_loop["median_s"] / big_pfor["median_s"]
    require(big > 10, f"at 1024 elements the loop is only {big:.1f} times slower")
    flat = big_pfor["median_s"] / small_pfor["median_s"]
    require(flat < 2, f"eager pfor took {flat:.1f} times longer at 1024 elements than at 16")
    small = small_loop["median_s"] / small_pfor["median_s"]
    return (
        f"while loop / pfor: {small:.2f} at 16 elements (not slower), {big:.1f} at 1024 "
        f"(slower beyond the spread); pfor 1024/16: {flat:.2f}"
    )


def pfor_runs_an_op_it_cannot_vectorise_in_a_loop() -> str:
    """pfor neither raises nor warns on an op it cannot vectorise: it loops, logs at DEBUG, and is right.

    >>> print(pfor_runs_an_op_it_cannot_vectorise_in_a_loop())
    no error, no warning; DEBUG: Using a while_loop for converting ScatterNd ...;
    largest |pfor - while loop| 0.0
    """
    with tensorflow_warnings() as logged:
        result = jacobian_through_an_op_pfor_cannot_vectorise()
    (debug,) = result["TensorFlow's log, DEBUG included"]
    difference = result["largest |pfor - while loop|"]
    require(not logged, f"TensorFlow warned: {logged}")
    require(debug.startswith("DEBUG: Using a while_loop for converting ScatterNd"), debug)
    require(difference == 0.0, f"pfor and the while loop differ by {difference}")
    return f"no error, no warning; {debug}; largest |pfor - while loop| {difference}"


def batch_jacobian_of_a_scalar_fails_reading_axis_0() -> str:
    """``batch_jacobian`` of a scalar raises ``IndexError`` where it reads axis 0, before any rank check.

    >>> print(batch_jacobian_of_a_scalar_fails_reading_axis_0())
    IndexError raised in batch_jacobian at: dim = target_shape.dims[0]
    """
    x = BATCH
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_mean(per_example_losses(x))
    error = _raises(lambda: tape.batch_jacobian(loss, x))
    require(isinstance(error, IndexError), f"got {error!r}")
    frame = traceback.extract_tb(error.__traceback__)[-1]
    require(frame.name == "batch_jacobian" and "dims[0]" in frame.line, f"at {frame.name}: {frame.line}")
    return f"IndexError raised in {frame.name} at: {frame.line}"


def gradient_of_the_summed_losses_holds_the_per_example_gradients() -> str:
    """Row ``i`` of ``gradient(sum of losses)`` is example ``i``'s gradient; of the mean, ``1/b`` of it.

    >>> print(gradient_of_the_summed_losses_holds_the_per_example_gradients())
    3 rows equal the 3 per-example gradients; gradient of the sum / gradient of the mean = 3.0 = b
    """
    x = BATCH
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        losses = per_example_losses(x)
        total, mean = tf.reduce_sum(losses), tf.reduce_mean(losses)
    of_sum, of_mean = tape.gradient(total, x), tape.gradient(mean, x)
    del tape
    rows = []
    for i in range(x.shape[0]):
        row = x[i]
        with tf.GradientTape() as alone:
            alone.watch(row)
            loss = per_example_losses(row[tf.newaxis])[0]
        rows.append(alone.gradient(loss, row))
    require(bool(tf.reduce_all(of_sum == tf.stack(rows))), "a row differs from its example's gradient")
    ratios = (of_sum / of_mean).numpy()
    require(np.allclose(ratios, x.shape[0]), f"sum / mean = {ratios}")
    return (
        f"{len(rows)} rows equal the {len(rows)} per-example gradients; "
        f"gradient of the sum / gradient of the mean = {float(ratios.mean())} = b"
    )


def batch_jacobian_needs_rank_2_target_and_source() -> str:
    """``batch_jacobian`` raises ``ValueError`` for a rank-1 target and for a rank-1 source.

    >>> print(batch_jacobian_needs_rank_2_target_and_source())
    rank-1 target: Shape (3,) must have rank at least 2; rank-1 source: Shape (3,) must have rank at least 2
    """
    x = BATCH
    v = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, v])
        losses = per_example_losses(x)
        y = tf.stack([v * v, v], axis=1)
    target_error = _raises(lambda: tape.batch_jacobian(losses, x))
    source_error = _raises(lambda: tape.batch_jacobian(y, v))
    for error in (target_error, source_error):
        require(isinstance(error, ValueError) and "must have rank at least 2" in str(error), repr(error))
    return f"rank-1 target: {target_error}; rank-1 source: {source_error}"


def batch_jacobian_returns_zeros_where_jacobian_returns_none() -> str:
    """For an unconnected target ``gradient`` and ``jacobian`` give None, ``batch_jacobian`` zeros.

    TensorFlow's source says it returns the zeros to stay compatible with earlier releases.

    >>> print(batch_jacobian_returns_zeros_where_jacobian_returns_none())
    gradient None, jacobian None, batch_jacobian zeros; the source: "This is to maintain compatibility ..."
    """
    results = unconnected_sources()
    require(results["gradient"] is None and results["jacobian"] is None, str(results))
    zeros = results["batch_jacobian"]
    require(zeros is not None and not bool(tf.reduce_any(zeros != 0)), f"batch_jacobian gave {zeros}")
    x = BATCH
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        losses = per_example_losses(x)
    after = losses[:, tf.newaxis]  # reshaped after the block: not recorded
    require(tape.jacobian(after, x) is None, "jacobian of the reshaped losses is not None")
    require(not bool(tf.reduce_any(tape.batch_jacobian(after, x) != 0)), "batch_jacobian is not zeros")
    del tape
    source = inspect.getsource(tf.GradientTape.batch_jacobian)
    require("This is to maintain compatibility" in source, "the compatibility note is gone from the source")
    return (
        'gradient None, jacobian None, batch_jacobian zeros; the source: "This is to maintain compatibility '
        + '..."'
    )


def batch_on_the_wrong_axis_of_equal_size_raises_nothing() -> str:
    """A features-first target whose two axes have the batch's size passes the check and gives wrong blocks.

    >>> print(batch_on_the_wrong_axis_of_equal_size_raises_nothing())
    no error; features-first blocks [[[2.0, 4.0], [0.0, 0.0]], [[0.0, 0.0], [6.0, 8.0]]],
    batch-first [[[2.0, 0.0], [0.0, 4.0]], [[6.0, 0.0], [0.0, 8.0]]]
    """
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        features_first = tf.transpose(x**2)
        batch_first = x**2
    wrong = _raises(lambda: tape.batch_jacobian(features_first, x))
    require(wrong is None, f"it raised {wrong!r}")
    wrong, right = tape.batch_jacobian(features_first, x), tape.batch_jacobian(batch_first, x)
    require(not np.array_equal(wrong.numpy(), right.numpy()), "the blocks are right after all")
    return f"no error; features-first blocks {wrong.numpy().tolist()}, batch-first {right.numpy().tolist()}"


def batch_jacobian_takes_one_source_and_jacobian_a_list() -> str:
    """``batch_jacobian`` fails reading ``.shape`` of a list of sources; ``jacobian`` returns a list.

    >>> print(batch_jacobian_takes_one_source_and_jacobian_a_list())
    batch_jacobian: AttributeError at source.shape...; jacobian: list of 2
    """
    a, b = BATCH, 2.0 * BATCH
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        y = a * b
    error = _raises(lambda: tape.batch_jacobian(y, [a, b]))
    jacobians = tape.jacobian(y, [a, b])
    require(isinstance(error, AttributeError), repr(error))
    frame = traceback.extract_tb(error.__traceback__)[-1]
    require(frame.name == "batch_jacobian" and "source.shape" in frame.line, f"{frame.name}: {frame.line}")
    require(isinstance(jacobians, list) and len(jacobians) == 2, f"jacobian returned {type(jacobians)}")
    return f"batch_jacobian: AttributeError at {frame.line.strip()}; jacobian: list of {len(jacobians)}"


def watching_a_keras_tensor_raises_the_same_error() -> str:
    """``tape.watch`` of a symbolic ``KerasTensor`` raises the NumPy array's ``ValueError`` (its type).

    >>> print(watching_a_keras_tensor_raises_the_same_error())
    ValueError: Passed in object <KerasTensor ...> of type 'KerasTensor',
    not tf.Tensor or tf.Variable or ExtensionType.
    """
    symbolic = keras.Input(shape=(2,))

    def watch():
        with tf.GradientTape() as tape:
            tape.watch(symbolic)

    error = _raises(watch)
    message = str(error)
    require(isinstance(error, ValueError), repr(error))
    require("of type 'KerasTensor', not tf.Tensor or tf.Variable or ExtensionType" in message, message)
    return f"ValueError: Passed in object <KerasTensor ...>{message.split('>', 1)[1]}"


def each_conversion_of_an_array_is_a_new_unwatched_tensor() -> str:
    """Two conversions of one array are two tensors; an op on the array does not reach the watched conversion.

    >>> print(each_conversion_of_an_array_is_a_new_unwatched_tensor())
    two conversions are the same tensor: False; gradient of square(array) w.r.t. the watched one: None
    """
    array = np.array([1.0, 2.0])
    same = tf.convert_to_tensor(array) is tf.convert_to_tensor(array)
    with tf.GradientTape() as tape:
        watched = tf.convert_to_tensor(array)
        tape.watch(watched)
        y = tf.square(array)  # converts the array again
    gradient = tape.gradient(y, watched)
    require(not same and gradient is None, f"same {same}, gradient {gradient}")
    return (
        f"two conversions are the same tensor: {same}; gradient of square(array) w.r.t. the watched one: None"
    )


def unique_has_no_gradient_function_and_round_one_that_returns_none() -> str:
    """The gradient registry has no entry for ``Unique``; ``Round``'s registered gradient returns ``[None]``.

    >>> print(unique_has_no_gradient_function_and_round_one_that_returns_none())
    Unique: gradient registry has no entry for: Unique; Round: _RoundGrad returns [None]
    """
    from tensorflow.python.framework import ops

    registry = ops._gradient_registry  # TensorFlow's registry; no public accessor
    missing = _raises(lambda: registry.lookup("Unique"))
    require(isinstance(missing, LookupError), f"Unique: {missing!r}")
    round_gradient = registry.lookup("Round")
    returned = round_gradient(None, tf.constant(1.0))
    require(returned == [None], f"Round's gradient returned {returned}")
    return f"Unique: {missing}; Round: {round_gradient.__name__} returns {returned}"


def gradient_of_a_gather_is_indexed_slices() -> str:
    """The gradient of ``tf.gather`` with respect to the gathered tensor is a ``tf.IndexedSlices``.

    >>> print(gradient_of_a_gather_is_indexed_slices())
    IndexedSlices
    """
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.gather(x, [0, 2]))
    gradient = tape.gradient(y, x)
    require(isinstance(gradient, tf.IndexedSlices), type(gradient).__name__)
    return type(gradient).__name__


def keras_optimizer_refuses_all_none_gradients() -> str:
    """A loss computed after the block gives only ``None`` gradients; the optimizer raises on all-``None``.

    >>> print(keras_optimizer_refuses_all_none_gradients())
    gradients [None, None]; apply_gradients of None only: ValueError: No gradients provided for any variable.
    """
    layer = _small_layer()
    with tf.GradientTape() as tape:
        prediction = layer(tf.constant([[1.0, 2.0]]))
    loss = tf.reduce_mean((prediction - 3.0) ** 2)
    gradients = tape.gradient(loss, layer.trainable_variables)
    require(gradients == [None, None], f"gradients {gradients}")
    variables = [keras.Variable(1.0), keras.Variable(2.0)]
    error = _raises(lambda: keras.optimizers.SGD().apply_gradients([(None, v) for v in variables]))
    require(isinstance(error, ValueError) and "No gradients provided" in str(error), repr(error))
    return f"gradients {gradients}; apply_gradients of None only: ValueError: {error}"


def keras_optimizer_steps_the_variables_that_have_gradients() -> str:
    """With some gradients ``None``, the Keras optimizer warns (a Python warning) and still steps the others.

    >>> print(keras_optimizer_steps_the_variables_that_have_gradients())
    used 1.0 -> 3.0, unused 1.0 -> 1.0; 1 Python warning (UserWarning)
    """
    used, unused = keras.Variable(1.0, name="used"), keras.Variable(1.0, name="unused")
    with tf.GradientTape() as tape:
        loss = (used - 3.0) ** 2
    gradients = tape.gradient(loss, [used, unused])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        keras.optimizers.SGD(learning_rate=0.5).apply_gradients(zip(gradients, [used, unused], strict=True))
    moved, kept = float(used.numpy()), float(unused.numpy())
    require(moved == 3.0 and kept == 1.0 and len(caught) == 1, f"{moved}, {kept}, warnings {len(caught)}")
    return f"used 1.0 -> {moved}, unused 1.0 -> {kept}; 1 Python warning ({caught[0].category.__name__})"


def keras_variable_dtype_is_a_string() -> str:
    """A Keras 3 variable's ``dtype`` is a ``str``; a ``tf.Variable``'s is a ``tf.DType``.

    >>> print(keras_variable_dtype_is_a_string())
    keras.Variable.dtype: str 'float32'; tf.Variable.dtype: DType
    """
    keras_dtype, tf_dtype = keras.Variable(1.0).dtype, tf.Variable(1.0).dtype
    require(isinstance(keras_dtype, str) and not hasattr(keras_dtype, "_type_enum"), repr(keras_dtype))
    require(isinstance(tf_dtype, tf.DType) and hasattr(tf_dtype, "_type_enum"), repr(tf_dtype))
    return f"keras.Variable.dtype: str {keras_dtype!r}; tf.Variable.dtype: {type(tf_dtype).__name__}"


def tensorflow_warnings_go_to_stderr_or_to_stdout_when_interactive() -> str:
    """TensorFlow's logger writes ``WARNING:tensorflow:`` lines to stderr, or to stdout when interactive.

    Replays the installed ``tf_logging.get_logger`` twice on a fresh logger, with stand-in
    streams: once as a script, once with ``sys.ps1`` set, as Jupyter and IPython set it.
    TensorFlow's own logger is restored afterwards.

    >>> print(tensorflow_warnings_go_to_stderr_or_to_stdout_when_interactive())
    script: stderr; interactive (sys.ps1 set): stdout; a warning reads: WARNING:tensorflow:a warning
    """
    import contextlib
    import io

    from tensorflow.python.platform import tf_logging

    logger, root = logging.getLogger("tensorflow"), logging.getLogger()
    saved = (
        logger.handlers[:],
        logger.level,
        root.handlers[:],
        tf_logging._logger,
        getattr(sys, "ps1", None),
    )
    found, line = {}, None
    try:
        root.handlers = []  # get_logger adds no handler when the root logger has one
        for interactive in (False, True):
            logger.handlers, tf_logging._logger = [], None
            out, err = io.StringIO(), io.StringIO()
            if interactive:
                sys.ps1 = ">>> "
            elif hasattr(sys, "ps1"):
                del sys.ps1
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                tf_logging.get_logger()
            (handler,) = logger.handlers
            found[interactive] = {id(out): "stdout", id(err): "stderr"}.get(id(handler.stream), "elsewhere")
            record = logging.LogRecord("tensorflow", logging.WARNING, "", 0, "a warning", None, None)
            line = handler.format(record)
    finally:
        logger.handlers, level, root.handlers, tf_logging._logger, ps1 = saved
        logger.setLevel(level)
        if ps1 is not None:
            sys.ps1 = ps1
        elif hasattr(sys, "ps1"):
            del sys.ps1
    require(found == {False: "stderr", True: "stdout"}, f"handlers write to {found}")
    require(line == "WARNING:tensorflow:a warning", line)
    return f"script: {found[False]}; interactive (sys.ps1 set): {found[True]}; a warning reads: {line}"


def gradient_inside_a_persistent_tape_is_recorded() -> str:
    """A gradient asked inside a persistent tape's block is recorded: the same tape then differentiates it.

    >>> print(gradient_inside_a_persistent_tape_is_recorded())
    d/dx of dy/dx from the tape: asked inside 2.0, asked after None
    """
    seconds = {}
    for inside in (True, False):
        x = tf.constant(3.0)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = x * x
            if inside:
                slope = tape.gradient(y, x)
        if not inside:
            slope = tape.gradient(y, x)
        second = tape.gradient(slope, x)
        seconds[inside] = None if second is None else float(second)
    require(seconds == {True: 2.0, False: None}, str(seconds))
    return f"d/dx of dy/dx from the tape: asked inside {seconds[True]}, asked after {seconds[False]}"


def eager_jacobians_in_a_loop_are_right() -> str:
    """The retraced eager ``jacobian`` calls return the same values as one traced ``tf.function``.

    >>> print(eager_jacobians_in_a_loop_are_right())
    3 calls, largest |eager - tf.function| 0.0
    """

    def square_jacobian(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x
        return tape.jacobian(y, x)

    traced = tf.function(square_jacobian)
    largest = 0.0
    with tensorflow_warnings():  # keeps the retracing warnings off stderr
        for step in range(3):
            x = tf.fill([2, 2], float(step))
            largest = max(largest, float(tf.reduce_max(tf.abs(square_jacobian(x) - traced(x)))))
    require(largest == 0.0, f"they differ by {largest}")
    return f"3 calls, largest |eager - tf.function| {largest}"


def eager_jacobian_is_slower_than_one_traced_function_in_the_benchmarks() -> str:
    """In every case of the benchmarks' batch sweep, eager ``jacobian`` is slower than in one ``tf.function``.

    >>> print(eager_jacobian_is_slower_than_one_traced_function_in_the_benchmarks())
    eager / tf.function: ... at b=1, ... at b=256; slower beyond the spread in 5 of 5 cases
    """
    data = load_results()
    ratios = {}
    for case in sweep(data, "batch")["cases"]:
        eager, traced = record(data, case, "jacobian"), record(data, case, "jacobian_function")
        require(traced in within_noise([eager, traced]), f"{case}: the tf.function is not the faster")
        require(eager not in within_noise([eager, traced]), f"{case}: a tie")
        ratios[data["cases"][case]["batch"]] = eager["median_s"] / traced["median_s"]
    first, last = min(ratios), max(ratios)
    return (
        f"eager / tf.function: {ratios[first]:.0f} at b={first}, {ratios[last]:.1f} at b={last}; "
        f"slower beyond the spread in {len(ratios)} of {len(ratios)} cases"
    )


def integer_variable_warns_only_when_watched() -> str:
    """An integer variable gives ``None`` silently when read, but ``tape.watch`` of it logs the dtype warning.

    >>> print(integer_variable_warns_only_when_watched())
    read only: 0 warnings; watched explicitly: 1 warning
    (The dtype of the watched tensor must be floating ...)
    """
    counts = []
    for watch in (False, True):
        v = tf.Variable(3)
        with tensorflow_warnings() as logged, tf.GradientTape() as tape:
            if watch:
                tape.watch(v)
            y = v * v
        require(tape.gradient(y, v) is None, "an integer variable got a gradient")
        counts.append(logged)
    require(not counts[0] and len(counts[1]) == 1, str(counts))
    require(counts[1][0].startswith("The dtype of the watched tensor must be floating"), counts[1][0])
    return f"read only: 0 warnings; watched explicitly: 1 warning ({counts[1][0][:48]} ...)"


def a_zero_derivative_gives_zero_not_none() -> str:
    """``None`` is not a zero derivative: a path with derivative 0 gives 0.0; no path or ``round`` gives None.

    >>> print(a_zero_derivative_gives_zero_not_none())
    d(0 * x)/dx: 0.0; unconnected: None; through round: None
    """
    x = tf.constant(3.0)
    unused = tf.constant(1.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, unused])
        zero_path = 0.0 * x
        rounded = tf.round(x)
    results = [tape.gradient(zero_path, x), tape.gradient(zero_path, unused), tape.gradient(rounded, x)]
    del tape
    require(results[0] is not None and float(results[0]) == 0.0, f"0 * x gave {results[0]}")
    require(results[1] is None and results[2] is None, str(results))
    return f"d(0 * x)/dx: {float(results[0])}; unconnected: None; through round: None"


def tape_watches_only_trainable_variables_by_itself() -> str:
    """Unasked, the tape records a trainable variable, not a non-trainable one or a late-watched tensor.

    >>> print(tape_watches_only_trainable_variables_by_itself())
    trainable variable: 6.0; trainable=False: None; constant watched after use: None
    """
    trainable, frozen, constant = tf.Variable(3.0), tf.Variable(3.0, trainable=False), tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y_trainable, y_frozen, y_constant = trainable * trainable, frozen * frozen, constant * constant
        tape.watch(constant)
    results = [tape.gradient(y_trainable, trainable), tape.gradient(y_frozen, frozen)]
    results.append(tape.gradient(y_constant, constant))
    del tape
    require(results[0] is not None and float(results[0]) == 6.0, f"trainable: {results[0]}")
    require(results[1] is None and results[2] is None, str(results))
    return f"trainable variable: {float(results[0])}; trainable=False: None; constant watched after use: None"


def keras_predict_returns_a_numpy_array() -> str:
    """Keras ``model.predict`` returns a NumPy array, not a tensor.

    >>> print(keras_predict_returns_a_numpy_array())
    ndarray
    """
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    prediction = model.predict(np.ones((1, 2), dtype="float32"), verbose=0)
    require(isinstance(prediction, np.ndarray), type(prediction).__name__)
    return type(prediction).__name__


def batch_normalization_statistics_are_non_trainable_and_get_none() -> str:
    """A Keras ``BatchNormalization`` layer's moving statistics are non-trainable; their gradients are None.

    >>> print(batch_normalization_statistics_are_non_trainable_and_get_none())
    gamma: trainable, gradient; beta: trainable, gradient;
    moving_mean: not trainable, None; moving_variance: not trainable, None
    """
    layer = keras.layers.BatchNormalization()
    layer.build((None, 1))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(tf.constant([[1.0], [3.0]]), training=False) ** 2)
    gradients = tape.gradient(y, layer.variables)
    parts = []
    for variable, gradient in zip(layer.variables, gradients, strict=True):
        require(
            variable.trainable == (gradient is not None),
            f"{variable.name}: {variable.trainable}, {gradient}"[:100],
        )
        state = "trainable, gradient" if variable.trainable else "not trainable, None"
        parts.append(f"{variable.name}: {state}")
    require({p.split(":")[0] for p in parts if "not" in p} == {"moving_mean", "moving_variance"}, str(parts))
    return "; ".join(parts)


def sums_raise_and_warn_nothing() -> str:
    """``gradient`` of a vector target and ``batch_jacobian`` of interacting rows raise and warn nothing.

    >>> print(sums_raise_and_warn_nothing())
    no exception, no TensorFlow warning, no Python warning
    """
    with tensorflow_warnings() as logged, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gradient_of_vector_target()
        batch_jacobian_of_interacting_rows()
    require(not logged and not caught, f"{logged} {[str(w.message) for w in caught]}")
    return "no exception, no TensorFlow warning, no Python warning"


def batch_jacobian_is_the_block_column_sum_of_the_full_jacobian() -> str:
    """``batch_jacobian`` block ``k`` is ``sum_i dy[i]/dx[k]``: the diagonal block if rows are independent.

    >>> print(batch_jacobian_is_the_block_column_sum_of_the_full_jacobian())
    interacting rows: equals the block-column sums, not the diagonal blocks; independent rows: both
    """

    def compare(function):
        x = tf.constant([[1.0, 2.0], [3.0, 5.0], [4.0, 7.0]])
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = function(x)
        # The while loop (no pfor) is the quicker of the two on tensors this small.
        batch = tape.batch_jacobian(y, x, experimental_use_pfor=False).numpy()
        full = tape.jacobian(y, x, experimental_use_pfor=False).numpy()  # [b, m, b, n]
        del tape
        sums = full.sum(axis=0).transpose(1, 0, 2)  # [b (of x), m, n]
        diagonal = np.stack([full[k, :, k, :] for k in range(x.shape[0])])
        return np.allclose(batch, sums), np.allclose(batch, diagonal)

    weights = tf.constant([[1.0, -2.0], [0.5, 3.0]])
    interacting = compare(lambda x: tf.tanh(x @ weights) * tf.reduce_mean(x, axis=0))
    independent = compare(lambda x: tf.tanh(x @ weights) * x)
    require(interacting == (True, False), f"interacting rows (sums, diagonal): {interacting}")
    require(independent == (True, True), f"independent rows (sums, diagonal): {independent}")
    return "interacting rows: equals the block-column sums, not the diagonal blocks; independent rows: both"


def batch_normalization_in_training_centres_the_batch() -> str:
    """A Keras ``BatchNormalization`` layer in training subtracts the batch mean: its output rows sum to zero.

    >>> print(batch_normalization_in_training_centres_the_batch())
    output column sums in training: [0.0...]
    """
    layer = keras.layers.BatchNormalization()
    output = layer(tf.constant([[1.0], [3.0], [8.0]]), training=True)
    sums = tf.reduce_sum(output, axis=0).numpy()
    require(np.allclose(sums, 0.0, atol=1e-5), f"column sums {sums}")
    return f"output column sums in training: {[round(float(s), 4) + 0.0 for s in sums]}"
