"""Why ``tape.gradient`` returns ``None``, one cause per function, each with the change that gives a number.

``None`` means "the tape recorded no path from this source to the target", never
"the derivative is zero". The causes below are the ways a path goes missing.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from snippets.error_gallery.captured_warnings import tensorflow_warnings


def _value(gradient: tf.Tensor | None):
    """``None`` stays ``None``; a tensor becomes a plain number or list."""
    return None if gradient is None else gradient.numpy().tolist()


def unwatched_constant():
    """Differentiate with respect to a ``tf.constant`` the tape never watched.

    >>> print(unwatched_constant())
    None
    """
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    return _value(tape.gradient(y, x))


def watched_too_late():
    """Call ``tape.watch(x)`` after the computation that uses ``x``: too late to record it.

    >>> print(watched_too_late())
    None
    """
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * x
        tape.watch(x)
    return _value(tape.gradient(y, x))


def watched_constant():
    """Watch the tensor before using it (a ``tf.Variable`` is watched without asking).

    >>> watched_constant()
    6.0
    """
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return _value(tape.gradient(y, x))


def loss_outside_the_tape():
    """Compute the prediction inside the ``with`` block and the loss after it.

    >>> print(loss_outside_the_tape())
    None
    """
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        prediction = 3.0 * w
    loss = (prediction - 1.0) ** 2  # not recorded: the block has ended
    return _value(tape.gradient(loss, w))


def loss_inside_the_tape():
    """Indent the loss into the block: ``d/dw (3w - 1)**2 = 6 (3w - 1) = 30`` at ``w = 2``.

    >>> loss_inside_the_tape()
    30.0
    """
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        prediction = 3.0 * w
        loss = (prediction - 1.0) ** 2
    return _value(tape.gradient(loss, w))


def variable_replaced_by_tensor(steps: int = 2):
    """Update a weight with ``w = w - lr * g``: after the first step ``w`` is a plain tensor.

    >>> variable_replaced_by_tensor()
    [('ResourceVariable', 30.0), ('EagerTensor', None)]
    """
    w = tf.Variable(2.0)
    history = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = (3.0 * w - 1.0) ** 2
        gradient = tape.gradient(loss, w)
        history.append((type(w).__name__, _value(gradient)))
        if gradient is not None:
            w = w - 0.1 * gradient  # builds a new tensor; the Variable is gone
    return history


def variable_updated_in_place(steps: int = 2):
    """Update the weight with ``assign_sub``: it stays a ``tf.Variable``, and the tape watches it.

    ``w`` goes from 2 to 2 - 0.1 * 30 = -1, where the gradient is 6 (3 (-1) - 1) = -24.

    >>> variable_updated_in_place()
    [('ResourceVariable', 30.0), ('ResourceVariable', -24.0)]
    """
    w = tf.Variable(2.0)
    history = []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = (3.0 * w - 1.0) ** 2
        gradient = tape.gradient(loss, w)
        history.append((type(w).__name__, _value(gradient)))
        w.assign_sub(0.1 * gradient)
    return history


def gradient_through_assign():
    """Store an intermediate result in a ``tf.Variable`` with ``assign``, then differentiate through it.

    Reading a variable starts a new path on the tape: the history that set its
    value is not recorded.

    >>> print(gradient_through_assign())
    None
    """
    x = tf.Variable(3.0)
    buffer = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        buffer.assign(x + 1.0)
        y = buffer**2
    return _value(tape.gradient(y, x))


def gradient_without_assign():
    """Keep the intermediate result a tensor; assign it afterwards if it must be stored.

    ``d/dx (x + 1)**2 = 2 (x + 1) = 8`` at ``x = 3``.

    >>> gradient_without_assign()
    8.0
    """
    x = tf.Variable(3.0)
    buffer = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        shifted = x + 1.0
        y = shifted**2
    buffer.assign(shifted)
    return _value(tape.gradient(y, x))


def numpy_inside_the_tape():
    """Let NumPy compute a step: the tape records TensorFlow operations only.

    >>> print(numpy_inside_the_tape())
    None
    """
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        squared = x**2
        mean = np.mean(squared)  # a NumPy float: the path to x ends here
        loss = tf.convert_to_tensor(mean)
    return _value(tape.gradient(loss, x))


def tensorflow_inside_the_tape():
    """The same mean with ``tf.reduce_mean``: ``d/dx mean(x**2) = x`` for two elements.

    >>> tensorflow_inside_the_tape()
    [1.0, 2.0]
    """
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(x**2)
    return _value(tape.gradient(loss, x))


def integer_source():
    """Watch an integer tensor: TensorFlow logs a warning and the gradient is ``None``.

    An integer ``tf.Variable`` gives ``None`` too, without the warning.

    >>> gradient, warnings = integer_source()
    >>> print(gradient)
    None
    >>> warnings
    ['The dtype of the watched tensor must be floating (e.g. tf.float32), got tf.int32']
    """
    x = tf.constant([1, 2])  # Python ints make an int32 tensor
    with tensorflow_warnings() as warnings, tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return _value(tape.gradient(y, x)), warnings


def integer_variable():
    """Differentiate with respect to an integer ``tf.Variable``: ``None``, and not even a warning.

    >>> integer_variable()
    (None, [])
    """
    v = tf.Variable(3)
    with tensorflow_warnings() as warnings, tf.GradientTape() as tape:
        y = v * v
    return _value(tape.gradient(y, v)), warnings


def floating_source():
    """Make the source floating point (``[1.0, 2.0]`` or ``dtype=tf.float32``).

    >>> floating_source()
    ([2.0, 4.0], [])
    """
    x = tf.constant([1, 2], dtype=tf.float32)
    with tensorflow_warnings() as warnings, tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return _value(tape.gradient(y, x)), warnings


def through_non_differentiable_ops() -> dict:
    """Differentiate through ``argmax``, ``round`` and a cast to an integer: no path survives.

    ``argmax`` and the cast return integers; ``round`` is registered as having no gradient.

    >>> through_non_differentiable_ops()
    {'argmax': None, 'round': None, 'cast to int32': None}
    """
    x = tf.Variable([0.2, 1.6, 0.9])
    targets = {
        "argmax": lambda: tf.cast(tf.argmax(x), tf.float32),
        "round": lambda: tf.reduce_sum(tf.round(x)),
        "cast to int32": lambda: tf.reduce_sum(tf.cast(tf.cast(x, tf.int32), tf.float32)),
    }
    gradients = {}
    for name, target in targets.items():
        with tf.GradientTape() as tape:
            y = target()
        gradients[name] = _value(tape.gradient(y, x))
    return gradients


def differentiable_stand_ins() -> dict:
    """Replace each step by a differentiable stand-in that agrees with it in the forward pass.

    - ``round``: the straight-through estimator ``x + stop_gradient(round(x) - x)``
      rounds forward and passes the gradient through unchanged (slope 1).
    - ``argmax``: a soft argmax, ``sum(softmax(x / t) * index)``, tends to the
      index of the maximum as the temperature ``t`` falls, and has a gradient.

    >>> result = differentiable_stand_ins()
    >>> result["straight-through round"]
    ([0.0, 2.0, 1.0], [1.0, 1.0, 1.0])
    >>> value, gradient = result["soft argmax, t=0.25"]
    >>> round(value, 2), [round(g, 2) for g in gradient]
    (1.05, [-0.01, -0.2, 0.22])
    """
    x = tf.Variable([0.2, 1.6, 0.9])
    with tf.GradientTape(persistent=True) as tape:
        rounded = x + tf.stop_gradient(tf.round(x) - x)
        total = tf.reduce_sum(rounded)
        soft_index = tf.reduce_sum(tf.nn.softmax(x / 0.25) * tf.range(3, dtype=tf.float32))
    return {
        "straight-through round": (_value(rounded), _value(tape.gradient(total, x))),
        "soft argmax, t=0.25": (float(soft_index), _value(tape.gradient(soft_index, x))),
    }


def non_trainable_variable():
    """Differentiate with respect to ``tf.Variable(..., trainable=False)``: the tape does not watch it.

    Keras keeps layer statistics (a BatchNormalization layer's moving mean and
    variance) in such variables; ``watch_accessed_variables=False`` has the same
    effect on every variable.

    >>> print(non_trainable_variable())
    None
    """
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        y = v * v
    return _value(tape.gradient(y, v))


def variables_not_watched_automatically():
    """Turn off automatic watching (``watch_accessed_variables=False``): trainable variables give None too.

    >>> print(variables_not_watched_automatically())
    None
    """
    v = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        y = v * v
    return _value(tape.gradient(y, v))


def non_trainable_variable_watched():
    """Watch it explicitly (or make it trainable) when you do want its gradient.

    >>> non_trainable_variable_watched()
    4.0
    """
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = v * v
    return _value(tape.gradient(y, v))
