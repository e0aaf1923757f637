"""A non-persistent tape answers one question: what each call says when you ask it a second one.

``tape.gradient``, ``jacobian`` and ``batch_jacobian`` free a non-persistent tape
when they finish. ``jacobian`` and ``batch_jacobian`` can also ask the tape more
than once *inside* one call (``parallel_iterations``, ``experimental_use_pfor=False``),
which needs ``persistent=True`` too.
"""

from __future__ import annotations

import tensorflow as tf

from snippets.bench.queries import record, sweep
from snippets.bench.schema import load_results
from snippets.error_gallery.captured_warnings import tensorflow_debug_log


def gradient_twice() -> None:
    """Ask a non-persistent tape for two gradients: the second call raises.

    >>> gradient_twice()
    Traceback (most recent call last):
    ...
    RuntimeError: A non-persistent GradientTape can only be used to compute one set of gradients
    (or jacobians)
    """
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    tape.gradient(z, x)
    tape.gradient(y, x)


def jacobian_twice() -> None:
    """Ask a non-persistent tape for two Jacobians: ``jacobian``'s message has the space.

    >>> jacobian_twice()
    Traceback (most recent call last):
    ...
    RuntimeError: A non-persistent GradientTape can only be used to compute one set of gradients
    (or jacobians)
    """
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.jacobian(y, x)
    tape.jacobian(y, x)


def gradient_inside_then_again() -> None:
    """Ask inside the ``with`` block of a non-persistent tape, then again: the tape stopped at the first.

    >>> gradient_inside_then_again()
    Traceback (most recent call last):
    ...
    RuntimeError: A non-persistent GradientTape can only be used to compute one set of gradients
    (or jacobians)
    """
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        tape.gradient(y, x)
        z = y * y
    tape.gradient(z, x)


def gradient_twice_fixed() -> tuple[float, float]:
    """Make the tape persistent, ask twice, then drop it so its memory is freed.

    ``dz/dx = 4 x**3 = 108`` and ``dy/dx = 2 x = 6`` at ``x = 3``.

    >>> gradient_twice_fixed()
    (108.0, 6.0)
    """
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    dz_dx = tape.gradient(z, x)
    dy_dx = tape.gradient(y, x)
    del tape  # a persistent tape holds every intermediate until it is garbage-collected
    return float(dz_dx), float(dy_dx)


def batch_jacobian_after_gradient() -> None:
    """Take a gradient, then a ``batch_jacobian`` from the same non-persistent tape.

    The message of ``batch_jacobian`` (not of ``gradient`` or ``jacobian``) reads
    "tocompute", a missing space in TensorFlow's source (checked on 2.21).

    >>> batch_jacobian_after_gradient()
    Traceback (most recent call last):
    ...
    RuntimeError: A non-persistent GradientTape can only be used tocompute one set of gradients (or jacobians)
    """
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        loss = tf.reduce_sum(y)
    tape.gradient(loss, x)
    tape.batch_jacobian(y, x)


def batch_jacobian_after_gradient_fixed() -> tuple[tf.Tensor, tf.Tensor]:
    """Record once on a persistent tape, then ask for the gradient and the per-example Jacobians.

    >>> gradient, jacobians = batch_jacobian_after_gradient_fixed()
    >>> print(gradient.numpy())
    [[2. 4.]
     [6. 8.]]
    >>> print(jacobians.numpy())
    [[[2. 0.]
      [0. 4.]]
    <BLANKLINE>
     [[6. 0.]
      [0. 8.]]]
    """
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        loss = tf.reduce_sum(y)
    gradient = tape.gradient(loss, x)
    jacobians = tape.batch_jacobian(y, x)
    del tape
    return gradient, jacobians


def jacobian_with_parallel_iterations() -> None:
    """Cap ``jacobian``'s memory with ``parallel_iterations`` on a non-persistent tape.

    ``parallel_iterations`` makes ``pfor`` run the gradient function more than
    once, and the second run finds the tape already used. The message blames
    vectorisation; the cause it chains to reads "None values not supported."
    (checked on 2.21).

    >>> jacobian_with_parallel_iterations()
    Traceback (most recent call last):
    ...
    ValueError: Encountered an exception while vectorizing the jacobian computation.
    Vectorization can be disabled by setting experimental_use_pfor to False.
    """
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.jacobian(y, x, parallel_iterations=2)


def jacobian_with_parallel_iterations_fixed() -> tf.Tensor:
    """The same call on a persistent tape: ``parallel_iterations`` then just limits memory.

    >>> print(jacobian_with_parallel_iterations_fixed().numpy())
    [[2. 0. 0.]
     [0. 4. 0.]
     [0. 0. 6.]]
    """
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    return tape.jacobian(y, x, parallel_iterations=2)


def batch_jacobian_with_parallel_iterations() -> None:
    """The same mistake with ``batch_jacobian``, which names the real cause.

    >>> batch_jacobian_with_parallel_iterations()
    Traceback (most recent call last):
    ...
    RuntimeError: in user code:...GradientTape must be created with persistent=True
    to compute the batch_jacobian with parallel_iterations.
    """
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.batch_jacobian(y, x, parallel_iterations=2)


def jacobian_without_pfor() -> None:
    """Turn vectorisation off (``experimental_use_pfor=False``) on a non-persistent tape.

    Without ``pfor``, ``jacobian`` loops over the target's elements and asks the
    tape once per element. (The double space in the message is TensorFlow's.)

    >>> jacobian_without_pfor()
    Traceback (most recent call last):
    ...
    RuntimeError: GradientTape must be created with persistent=True to compute the jacobian
    with eager execution enabled and with  experimental_use_pfor set to False.
    """
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.jacobian(y, x, experimental_use_pfor=False)


def batch_jacobian_without_pfor() -> None:
    """The same with ``batch_jacobian``, whose message ends the same way.

    >>> batch_jacobian_without_pfor()
    Traceback (most recent call last):
    ...
    RuntimeError: GradientTape must be created with persistent=True to compute the batch_jacobian
    with eager execution enabled and  with experimental_use_pfor set to False.
    """
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.batch_jacobian(y, x, experimental_use_pfor=False)


def jacobian_without_pfor_fixed() -> tf.Tensor:
    """The loop version works on a persistent tape (and gives the same Jacobian, more slowly).

    >>> print(jacobian_without_pfor_fixed().numpy())
    [[2. 0. 0.]
     [0. 4. 0.]
     [0. 0. 6.]]
    """
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    return tape.jacobian(y, x, experimental_use_pfor=False)


def jacobian_through_an_op_pfor_cannot_vectorise() -> dict:
    """A Jacobian through ``tf.gather_nd``, whose gradient (``ScatterNd``) pfor has no converter for.

    pfor does not raise and needs no help: it runs that one op in a while loop by
    itself, says so only at DEBUG level, and the values are those of the while loop
    (``experimental_use_pfor=False``).

    >>> for name, value in jacobian_through_an_op_pfor_cannot_vectorise().items():
    ...     print(f"{name}: {value}")
    TensorFlow's log, DEBUG included: ['DEBUG: Using a while_loop for converting ScatterNd cause there is no \
registered converter for this op.']
    largest |pfor - while loop|: 0.0
    """
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as tape:  # persistent: the while loop asks once per element
        tape.watch(x)
        y = tf.gather_nd(x, [[1, 0], [0, 1], [1, 1]]) ** 2
    with tensorflow_debug_log() as messages:
        by_pfor = tape.jacobian(y, x)
    by_while_loop = tape.jacobian(y, x, experimental_use_pfor=False)
    del tape
    return {
        "TensorFlow's log, DEBUG included": messages,
        "largest |pfor - while loop|": float(tf.reduce_max(tf.abs(by_pfor - by_while_loop))),
    }


def while_loop_against_eager_pfor() -> dict[int, tuple[float, float]]:
    """From this site's benchmark results: eager ``jacobian``'s median time with pfor and with the while loop.

    The cases of the batch sweep (16 outputs per example) that ran both, keyed by
    the number of target elements; each value is ``(pfor seconds, while-loop seconds)``.
    The loop's time grows with the target, eager pfor's barely moves.

    >>> timings = while_loop_against_eager_pfor()
    >>> sorted(timings)[:2]
    [16, 64]
    >>> pfor, loop = timings[1024]
    >>> loop > 10 * pfor
    True
    """
    data = load_results()
    batch = sweep(data, "batch")
    timings = {}
    for case in batch["cases"]:
        pfor, loop = record(data, case, "jacobian"), record(data, case, "jacobian_while_loop")
        if pfor and loop and pfor["median_s"] and loop["median_s"]:
            elements = data["cases"][case]["batch"] * data["cases"][case]["output_width"]
            timings[elements] = (pfor["median_s"], loop["median_s"])
    return timings
