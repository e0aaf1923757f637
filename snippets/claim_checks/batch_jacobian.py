"""Checks for the claims of the `tape.batch_jacobian` page (and the sentences elsewhere that repeat them)."""

from __future__ import annotations

import inspect
import logging
import warnings

import tensorflow as tf

from snippets.bench.queries import record, sweep
from snippets.bench.schema import load_results
from snippets.bench.statistics import compare
from snippets.bench.units import format_bytes, format_ratio
from snippets.shape_doctor_in_use import checked_per_example_jacobians
from snippets.support.claims import require
from snippets.tools.row_independence import cross_example_dependence, diagonal_blocks, jacobian_rows


def _summed_over_source_rows(full: tf.Tensor) -> tf.Tensor:
    """For a full Jacobian ``[b, n, b, m]``: block ``i`` is ``sum_j J_ij`` (the row sums)."""
    return tf.reduce_sum(full, axis=2)


def batch_jacobian_returns_the_block_column_sums_silently() -> str:
    """``batch_jacobian``'s block ``j`` is ``sum_i dy_i/dx_j``, the diagonal block only for independent rows.

    The function is ``x * reduce_sum(x, 0)`` for ``x`` of shape ``[3, 2]``: every
    output row depends on every input row. ``batch_jacobian`` raises nothing, warns
    nothing, and returns the sums of the full Jacobian's block columns, not its
    diagonal blocks (and not the block-row sums).

    >>> print(batch_jacobian_returns_the_block_column_sums_silently())
    x * reduce_sum(x, 0), x of shape (3, 2): max |B - diagonal blocks| = 10.0,
    max |B - block-column sums (sum over target rows i of dy_i/dx_j)| = 0.0, max |B - block-row sums| = 6.0;
    no exception, no warning, no log record
    """
    x = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = tf.get_logger()
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with tf.GradientTape(persistent=True) as tape:
                tape.watch(x)
                y = x * tf.reduce_sum(x, axis=0)
            returned = tape.batch_jacobian(y, x)
    finally:
        logger.removeHandler(handler)
    full = tape.jacobian(
        y, x, experimental_use_pfor=False
    )  # [3, 2, 3, 2]: [target row, output, source row, input]
    column_sums = tf.reduce_sum(full, axis=0)  # sum over target rows i: [output, source row j, input]
    column_sums = tf.transpose(column_sums, (1, 0, 2))
    gaps = {
        "diagonal": float(tf.reduce_max(tf.abs(returned - diagonal_blocks(full, target_rank=2)))),
        "columns": float(tf.reduce_max(tf.abs(returned - column_sums))),
        "rows": float(tf.reduce_max(tf.abs(returned - _summed_over_source_rows(full)))),
    }
    require(
        gaps["columns"] <= 1e-6, f"batch_jacobian differs from the block-column sums by {gaps['columns']}"
    )
    require(gaps["diagonal"] > 1.0, f"batch_jacobian is within {gaps['diagonal']} of the diagonal blocks")
    require(gaps["rows"] > 1.0, f"batch_jacobian is within {gaps['rows']} of the block-row sums")
    require(not caught, f"batch_jacobian warned: {[str(w.message) for w in caught]}")
    require(not records, f"batch_jacobian logged: {[r.getMessage() for r in records]}")
    return (
        f"x * reduce_sum(x, 0), x of shape (3, 2): max |B - diagonal blocks| = {gaps['diagonal']}, "
        f"max |B - block-column sums (sum over target rows i of dy_i/dx_j)| = {gaps['columns']}, "
        f"max |B - block-row sums| = {gaps['rows']}; no exception, no warning, no log record"
    )


def batch_jacobian_is_faster_than_jacobian_only_for_a_large_batch() -> str:
    """In the committed benchmark, ``batch_jacobian`` beats ``jacobian`` at the largest batch, not the least.

    "Faster" means beyond the run-to-run spread of either method
    (:func:`snippets.bench.statistics.compare`), eagerly and inside ``tf.function``;
    at the largest batch it also needs less peak memory.

    >>> print(batch_jacobian_is_faster_than_jacobian_only_for_a_large_batch())
    b=256 n=16 m=16: jacobian took ...x (eager) and ...x (tf.function) the time of batch_jacobian,
    peak memory ... against ...; b=1 n=16 m=16: batch_jacobian against jacobian is ... (eager)
    and ... (tf.function)
    """
    data = load_results()
    batches = sweep(data, "batch")
    small, large = batches["cases"][0], batches["cases"][-1]
    pairs = {
        "eager": ("batch_jacobian", "jacobian"),
        "tf.function": ("batch_jacobian_function", "jacobian_function"),
    }
    verdicts, ratios = {}, {}
    for mode, (batched, full) in pairs.items():
        for case in (small, large):
            mine, theirs = record(data, case, batched), record(data, case, full)
            require(
                mine and theirs and mine["status"] == theirs["status"] == "ok", f"{case} lacks {mode} records"
            )
            verdicts[mode, case] = compare(mine, theirs)
            ratios[mode, case] = theirs["median_s"] / mine["median_s"]
        require(
            verdicts[mode, large] == "faster", f"{mode} batch_jacobian is {verdicts[mode, large]} at {large}"
        )
        require(verdicts[mode, small] != "faster", f"{mode} batch_jacobian is faster already at {small}")
    mine, theirs = record(data, large, "batch_jacobian_function"), record(data, large, "jacobian_function")
    require(
        mine["peak_memory_bytes"] < theirs["peak_memory_bytes"],
        f"at {large}: batch_jacobian {mine['peak_memory_bytes']} B, jacobian {theirs['peak_memory_bytes']} B",
    )
    return (
        f"{large}: jacobian took {format_ratio(ratios['eager', large])} (eager) and "
        f"{format_ratio(ratios['tf.function', large])} (tf.function) the time of batch_jacobian, peak memory "
        f"{format_bytes(theirs['peak_memory_bytes'])} against {format_bytes(mine['peak_memory_bytes'])}; "
        f"{small}: batch_jacobian against jacobian is {verdicts['eager', small]} (eager) and "
        f"{verdicts['tf.function', small]} (tf.function)"
    )


def batch_jacobian_vectorises_one_example_jacobian_every_target_element() -> str:
    """``batch_jacobian``'s pfor runs over one target row's elements, ``jacobian``'s over the whole target's.

    Read from the installed source; the result is ``b`` times smaller.

    >>> print(batch_jacobian_vectorises_one_example_jacobian_every_target_element())
    batch_jacobian: pfor_ops.pfor(loop_fn, target_row_size, ...); jacobian: pfor_ops.pfor(loop_fn,
    target_size, ...) with target_size = int(target.shape[0]) of the flattened target;
    results (4, 2, 3) and (4, 2, 4, 3): 4 times fewer elements for b = 4
    """
    batched = inspect.getsource(tf.GradientTape.batch_jacobian)
    full = inspect.getsource(tf.GradientTape.jacobian)
    require(
        "pfor_ops.pfor(loop_fn, target_row_size" in batched,
        "batch_jacobian no longer loops over target_row_size",
    )
    require("pfor_ops.pfor(loop_fn, target_size" in full, "jacobian no longer loops over target_size")
    require("array_ops.reshape(target, [-1])" in full, "jacobian no longer flattens the whole target")
    x = tf.ones([4, 3])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = (x**2) @ tf.ones([3, 2])
    shapes = (
        tuple(tape.batch_jacobian(y, x).shape),
        tuple(tape.jacobian(y, x, experimental_use_pfor=False).shape),
    )
    ratio = tf.TensorShape(shapes[1]).num_elements() // tf.TensorShape(shapes[0]).num_elements()
    require(ratio == 4, f"the results have shapes {shapes}")
    return (
        "batch_jacobian: pfor_ops.pfor(loop_fn, target_row_size, ...); jacobian: pfor_ops.pfor(loop_fn, "
        "target_size, ...) with target_size = int(target.shape[0]) of the flattened target; "
        f"results {shapes[0]} and {shapes[1]}: {ratio} times fewer elements for b = 4"
    )


def few_row_checks_can_miss_two_mixed_rows() -> str:
    """``cross_example_dependence`` and the shape doctor's check pass a batch whose rows 2 and 3 interact.

    In a batch of 8, the function adds row 3 of ``x`` to output row 2 and row 2
    to output row 3; every other row is on its own. Neither check looks at rows
    2 or 3 (the first two rows; the first, middle and last), so both pass,
    although ``batch_jacobian`` is wrong there.

    >>> print(few_row_checks_can_miss_two_mixed_rows())
    rows 2 and 3 mixed in a batch of 8: cross_example_dependence 0.0, checked_batch_jacobian passes, \
batch_jacobian's block 2 off by 1.0
    """
    x = tf.reshape(tf.range(16.0), (8, 2)) / 4.0
    mask = tf.constant([0, 0, 1, 1, 0, 0, 0, 0.0])[:, tf.newaxis]

    def two_rows_mixed(v: tf.Tensor) -> tf.Tensor:
        return v**2 + tf.gather(v, [0, 1, 3, 2, 4, 5, 6, 7]) * mask

    missed = cross_example_dependence(two_rows_mixed, x)
    returned = checked_per_example_jacobians(two_rows_mixed, x)  # raises if the check notices
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = two_rows_mixed(x)
    truth = jacobian_rows(tape, y, x, [2])[0, :, 2, :]  # d y[2] / d x[2]
    off = float(tf.reduce_max(tf.abs(returned[2] - truth)))
    require(missed == 0.0 and off > 0.5, f"two rows mixed: dependence {missed}, block 2 off by {off}")
    return (
        f"rows 2 and 3 mixed in a batch of 8: cross_example_dependence {missed}, "
        f"checked_batch_jacobian passes, batch_jacobian's block 2 off by {off}"
    )


def keras_batch_normalization_mixes_rows_only_in_training() -> str:
    """A Keras model with ``BatchNormalization`` mixes the batch when called with ``training=True`` only.

    >>> print(keras_batch_normalization_mixes_rows_only_in_training())
    Sequential([Dense(3), BatchNormalization()]): largest cross-example derivative 0.48 with training=True, \
0 with training=False
    """
    model = tf.keras.Sequential(
        [
            tf.keras.Input((3,)),
            tf.keras.layers.Dense(3, kernel_initializer="identity"),
            tf.keras.layers.BatchNormalization(),
        ]
    )
    x = tf.reshape(tf.range(12.0), (4, 3)) / 4.0
    training = cross_example_dependence(lambda v: model(v, training=True), x)
    inference = cross_example_dependence(lambda v: model(v, training=False), x)
    require(training > 1e-3 and inference == 0.0, f"training=True {training}, training=False {inference}")
    return (
        "Sequential([Dense(3), BatchNormalization()]): largest cross-example derivative "
        f"{training:.2g} with training=True, {inference:g} with training=False"
    )
