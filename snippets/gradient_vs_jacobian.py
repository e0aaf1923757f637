"""``gradient`` sums over the target; ``jacobian`` keeps every target element apart.

The running example is a function from three inputs to three outputs whose
derivatives are small whole numbers, so every printed value is exact:

    f(x) = [x0 * x1, x1 * x2, x2 ** 2]    at x = [1, 2, 3]
"""

from __future__ import annotations

import tensorflow as tf

EXAMPLE_POINT = (1.0, 2.0, 3.0)


def coupled_outputs(x: tf.Tensor) -> tf.Tensor:
    """Return ``[x0 * x1, x1 * x2, x2 ** 2]``: each output depends on more than one input.

    >>> print(coupled_outputs(tf.constant([1.0, 2.0, 3.0])).numpy())
    [2. 6. 9.]
    """
    return tf.stack([x[0] * x[1], x[1] * x[2], x[2] ** 2])


def gradient_and_jacobian(point=EXAMPLE_POINT) -> tuple[tf.Tensor, tf.Tensor]:
    """Differentiate ``coupled_outputs`` both ways from one persistent tape.

    ``gradient`` returns one number per *input*: the derivative of the sum of
    the outputs. ``jacobian`` returns one row per *output*.

    >>> gradient, jacobian = gradient_and_jacobian()
    >>> print(gradient.numpy())
    [2. 4. 8.]
    >>> print(jacobian.numpy())
    [[2. 1. 0.]
     [0. 3. 2.]
     [0. 0. 6.]]
    """
    x = tf.constant(point)
    # persistent=True: one tape answers two questions.
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = coupled_outputs(x)
    return tape.gradient(y, x), tape.jacobian(y, x)


def gradient_is_column_sum(point=EXAMPLE_POINT) -> bool:
    """Check that ``gradient`` equals the Jacobian's rows added up (``ones @ J``).

    >>> gradient_is_column_sum()
    True
    """
    gradient, jacobian = gradient_and_jacobian(point)
    return bool(tf.reduce_all(gradient == tf.reduce_sum(jacobian, axis=0)))


def jacobian_row_by_output_gradients(row: int, point=EXAMPLE_POINT) -> tf.Tensor:
    """Recover one Jacobian row from ``gradient`` by weighting the outputs with a one-hot vector.

    ``output_gradients=u`` makes ``gradient`` return ``u @ J`` (a vector-Jacobian
    product); a one-hot ``u`` picks out row ``row``.

    >>> print(jacobian_row_by_output_gradients(1).numpy())
    [0. 3. 2.]
    """
    x = tf.constant(point)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = coupled_outputs(x)
    one_hot = tf.one_hot(row, depth=y.shape[0])
    return tape.gradient(y, x, output_gradients=one_hot)


def result_shapes(target_shape: tuple[int, ...], source_shape: tuple[int, ...]) -> dict:
    """Run both calls on a target of ``target_shape`` built from a source of ``source_shape``.

    The target is ``sum(source) * ones(target_shape)``, so it depends on every
    source element and both calls have something to differentiate.

    >>> result_shapes((4,), (3,))
    {'gradient': (3,), 'jacobian': (4, 3)}
    >>> result_shapes((2, 5), (3, 7))
    {'gradient': (3, 7), 'jacobian': (2, 5, 3, 7)}
    """
    source = tf.ones(source_shape)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(source)
        target = tf.reduce_sum(source) * tf.ones(target_shape)
    return {
        "gradient": tuple(tape.gradient(target, source).shape),
        "jacobian": tuple(tape.jacobian(target, source).shape),
    }


def loss_vector_gradient_against_mean_loss_gradient(batch: int, seed: int = 0) -> float:
    """How many times larger ``gradient`` of a per-example loss vector is than the mean loss's gradient.

    A model ``x @ w`` on ``batch`` examples gives one squared-error loss per example.
    ``gradient`` of that vector differentiates its *sum*; training on the mean needs the
    gradient of the mean, which is ``batch`` times smaller.

    >>> loss_vector_gradient_against_mean_loss_gradient(batch=4)
    4.0
    >>> loss_vector_gradient_against_mean_loss_gradient(batch=8)
    8.0
    """
    generator = tf.random.Generator.from_seed(seed)
    x = generator.normal((batch, 3), dtype=tf.float64)
    w = tf.Variable(generator.normal((3, 1), dtype=tf.float64))
    with tf.GradientTape(persistent=True) as tape:
        per_example_loss = tf.reduce_sum((x @ w - 1.0) ** 2, axis=1)
        mean_loss = tf.reduce_mean(per_example_loss)
    of_the_vector = tape.gradient(per_example_loss, w)
    of_the_mean = tape.gradient(mean_loss, w)
    return round(float(tf.reduce_mean(of_the_vector / of_the_mean)), 6)
