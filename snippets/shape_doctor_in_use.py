"""The shape doctor at work: checked_batch_jacobian on the article's mistake, a layer and a centred batch."""

from __future__ import annotations

from collections.abc import Callable

import tensorflow as tf

from snippets.tools.shape_doctor import checked_batch_jacobian


def article_mistake_checked(point=(2.0, 3.0)) -> tf.Tensor:
    """The article's ``batch_jacobian`` call on one example of shape ``(2,)``, through the checker.

    >>> article_mistake_checked()
    Traceback (most recent call last):
      ...
    ValueError: batch_jacobian(target of shape (2,), source of shape (2,)): Neither tensor has a batch ...
    """
    x = tf.constant(point)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.stack([x[0] ** 2, x[1] ** 3])
    return checked_batch_jacobian(tape, y, x)


def dense_layer_checked(batch: int = 4, features: int = 3, outputs: int = 2) -> tuple[int, ...]:
    """Per-example Jacobians of a dense ``tanh`` layer, with the rows verified to be independent.

    >>> dense_layer_checked(batch=4, features=3, outputs=2)
    (4, 2, 3)
    """
    x = tf.random.normal([batch, features])
    weights = tf.random.normal([features, outputs])
    with tf.GradientTape(persistent=True) as tape:  # persistent: the check differentiates again
        tape.watch(x)
        y = tf.tanh(x @ weights)
    return tuple(checked_batch_jacobian(tape, y, x, verify_independence=True).shape)


def centred_batch_checked() -> tf.Tensor:
    """Subtracting the batch mean couples the rows: the check refuses ``batch_jacobian``'s answer.

    >>> centred_batch_checked()
    Traceback (most recent call last):
      ...
    ValueError: batch_jacobian's result is wrong ...: target row 0 depends on source rows 1 and 2. ...
    """
    x = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        centred = x - tf.reduce_mean(x, axis=0)
    return checked_batch_jacobian(tape, centred, x, verify_independence=True)


def checked_per_example_jacobians(function: Callable[[tf.Tensor], tf.Tensor], x: tf.Tensor) -> tf.Tensor:
    """Per-example Jacobians of ``function`` at the batch ``x``, through the checker with the rows verified.

    >>> from snippets.batch_jacobian_calls import centered, example_batch, row_wise_layer
    >>> tuple(checked_per_example_jacobians(row_wise_layer, example_batch(4, 3)).shape)
    (4, 2, 3)
    >>> checked_per_example_jacobians(centered, example_batch(4, 3))
    Traceback (most recent call last):
      ...
    ValueError: batch_jacobian's result is wrong ...: target row 0 depends on source rows 1, 2 and 3. ...
    """
    x = tf.convert_to_tensor(x)
    with tf.GradientTape(persistent=True) as tape:  # persistent: the check differentiates again
        tape.watch(x)
        y = function(x)
    return checked_batch_jacobian(tape, y, x, verify_independence=True)
