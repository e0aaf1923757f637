"""Gradients for Keras 3 layers and optimizers: the two errors they add to the tape's own."""

from __future__ import annotations

import warnings

import keras
import tensorflow as tf


def _small_layer() -> keras.layers.Dense:
    """A dense layer from 2 inputs to 1 output, weights all one, so every number below is exact."""
    layer = keras.layers.Dense(1, kernel_initializer="ones", bias_initializer="ones")
    layer.build((None, 2))
    return layer


def apply_gradients_of_a_loss_outside_the_tape() -> None:
    """Compute the loss after the ``with`` block, then hand the gradients to a Keras optimizer.

    Every gradient is ``None``, and the optimizer refuses them all at once.

    >>> apply_gradients_of_a_loss_outside_the_tape()
    Traceback (most recent call last):
    ...
    ValueError: No gradients provided for any variable.
    """
    layer = _small_layer()
    optimizer = keras.optimizers.SGD(learning_rate=0.5)
    inputs = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        prediction = layer(inputs)
    loss = tf.reduce_mean((prediction - 3.0) ** 2)
    gradients = tape.gradient(loss, layer.trainable_variables)
    optimizer.apply_gradients(zip(gradients, layer.trainable_variables, strict=True))


def apply_gradients_of_a_loss_inside_the_tape() -> dict:
    """Compute the loss inside the block; the step then moves the weights.

    The prediction is ``1 + 2 + 1 = 4``, the loss ``(4 - 3)**2``, its gradient
    ``2 * 1 * [1, 2] = [2, 4]`` for the kernel and 2 for the bias; a step of
    0.5 times that gives the new weights.

    >>> apply_gradients_of_a_loss_inside_the_tape()
    {'kernel': [[0.0], [-1.0]], 'bias': [0.0]}
    """
    layer = _small_layer()
    optimizer = keras.optimizers.SGD(learning_rate=0.5)
    inputs = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        prediction = layer(inputs)
        loss = tf.reduce_mean((prediction - 3.0) ** 2)
    gradients = tape.gradient(loss, layer.trainable_variables)
    optimizer.apply_gradients(zip(gradients, layer.trainable_variables, strict=True))
    return {"kernel": layer.kernel.numpy().tolist(), "bias": layer.bias.numpy().tolist()}


def apply_gradients_with_one_variable_unused() -> list[str]:
    """Train two variables with a loss that uses only one: Keras warns (a Python warning) and steps the other.

    >>> for message in apply_gradients_with_one_variable_unused():
    ...     print(message)
    Gradients do not exist for variables ['unused'] when minimizing the loss. If using `model.compile()`,
    did you forget to provide a `loss` argument?
    """
    used = keras.Variable(1.0, name="used")
    unused = keras.Variable(1.0, name="unused")
    optimizer = keras.optimizers.SGD(learning_rate=0.5)
    with tf.GradientTape() as tape:
        loss = (used - 3.0) ** 2
    gradients = tape.gradient(loss, [used, unused])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer.apply_gradients(zip(gradients, [used, unused], strict=True))
    return [str(warning.message) for warning in caught]


def zero_gradients_for_keras_variables() -> None:
    """Ask for zeros instead of ``None`` for Keras 3 variables the loss does not use.

    ``unconnected_gradients=ZERO`` builds the zeros from the source's dtype,
    and a Keras 3 variable gives it a string instead of a ``tf.DType``
    (checked on TensorFlow 2.21 with Keras 3.15; a plain ``tf.Variable`` works).

    >>> zero_gradients_for_keras_variables()
    Traceback (most recent call last):
    ...
    AttributeError: 'str' object has no attribute '_type_enum'
    """
    layer = _small_layer()
    with tf.GradientTape() as tape:
        loss = tf.constant(5.0) * 1.0  # a loss that does not depend on the layer
    tape.gradient(loss, layer.trainable_variables, unconnected_gradients=tf.UnconnectedGradients.ZERO)


def zero_gradients_for_tf_variables() -> list:
    """The same request for plain ``tf.Variable`` objects works.

    >>> zero_gradients_for_tf_variables()
    [[0.0, 0.0], 0.0]
    """
    kernel, bias = tf.Variable([1.0, 1.0]), tf.Variable(1.0)
    with tf.GradientTape() as tape:
        loss = tf.constant(5.0) * 1.0
    gradients = tape.gradient(loss, [kernel, bias], unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return [gradient.numpy().tolist() for gradient in gradients]


def zero_gradients_for_keras_variables_fixed() -> list:
    """Keep the default ``None`` and replace each ``None`` with zeros of the variable's shape yourself.

    >>> zero_gradients_for_keras_variables_fixed()
    [[[0.0], [0.0]], [0.0]]
    """
    layer = _small_layer()
    with tf.GradientTape() as tape:
        loss = tf.constant(5.0) * 1.0
    gradients = tape.gradient(loss, layer.trainable_variables)
    gradients = [
        tf.zeros_like(variable) if gradient is None else gradient
        for gradient, variable in zip(gradients, layer.trainable_variables, strict=True)
    ]
    return [gradient.numpy().tolist() for gradient in gradients]
