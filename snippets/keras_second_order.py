"""Second order for Keras models: Hessians over variables, Newton steps, gradient penalties, curvature.

Everything that compares derivatives runs in float64, so that two routes to the
same number agree to round-off (about 1e-15) instead of float32's 1e-7.
The classifier is the Keras recipes page's, copied into float64 with the same
weights; the other models have fixed weights, and the data is drawn from NumPy's
generator seeded with :data:`snippets.support.environment.SEED`, so every run prints the
same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import tensorflow as tf

from snippets.higher_order import hessian, hvp_double_backward
from snippets.keras_recipes import labelled_batch, small_classifier
from snippets.support.environment import SEED


def float64_twin(model: tf.keras.Sequential) -> tf.keras.Sequential:
    """Return a copy of a ``Sequential`` model whose layers compute in float64, with the same weights.

    >>> twin = float64_twin(small_classifier())
    >>> [(v.path, v.dtype) for v in twin.trainable_variables]  # doctest: +NORMALIZE_WHITESPACE
    [('classifier/hidden/kernel', 'float64'), ('classifier/hidden/bias', 'float64'),
     ('classifier/logits/kernel', 'float64'), ('classifier/logits/bias', 'float64')]
    """
    layers = [tf.keras.Input(model.input_shape[1:], dtype="float64")]
    for layer in model.layers:
        layers.append(layer.__class__.from_config({**layer.get_config(), "dtype": "float64"}))
    twin = tf.keras.Sequential(layers, name=model.name)
    twin.set_weights([w.astype("float64") for w in model.get_weights()])
    return twin


def classifier_problem() -> tuple[tf.keras.Model, Callable[[], tf.Tensor]]:
    """Return the Keras recipes classifier in float64 and its mean cross-entropy on the labelled examples.

    The loss is a function without arguments that reads the model's variables, so
    a tape around it records them. A Keras loss computes in float32 unless given
    ``dtype="float64"``: it would cast the float64 logits down.

    >>> model, loss = classifier_problem()
    >>> sum(int(np.prod(v.shape)) for v in model.trainable_variables), loss.__name__
    (26, 'mean_cross_entropy')
    >>> loss().dtype.name, round(float(loss()), 6)
    ('float64', 0.933599)
    """
    model = float64_twin(small_classifier())
    x, labels = labelled_batch()
    x = tf.cast(x, tf.float64)
    cross_entropy = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")

    def mean_cross_entropy() -> tf.Tensor:
        return cross_entropy(labels, model(x, training=False))

    return model, mean_cross_entropy


def jacobian_of_the_gradient_list(model: tf.keras.Model, loss: Callable[[], tf.Tensor]) -> list:
    """Call ``outer.jacobian(gradients, model.trainable_variables)`` with the *list* of gradients as target.

    ``jacobian`` takes one target tensor; a list of them fails on its first use of
    the target's shape.

    >>> jacobian_of_the_gradient_list(*classifier_problem())
    Traceback (most recent call last):
    ...
    AttributeError: 'list' object has no attribute 'shape'
    """
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            value = loss()
        gradients = inner.gradient(value, model.trainable_variables)  # a list: one tensor per variable
    return outer.jacobian(gradients, model.trainable_variables)


def hessian_blocks(loss: Callable[[], tf.Tensor], variables: list) -> list[list[tf.Tensor]]:
    """Return the Hessian of ``loss()`` over a list of variables as blocks: ``blocks[i][j]``.

    Block ``[i][j]`` holds the second derivatives with respect to ``variables[i]``
    and ``variables[j]``, shape ``variables[i].shape + variables[j].shape``. The
    outer tape is persistent because it answers one ``jacobian`` call per gradient.

    >>> model, loss = classifier_problem()
    >>> blocks = hessian_blocks(loss, model.trainable_variables)
    >>> len(blocks), [len(row) for row in blocks]
    (4, [4, 4, 4, 4])
    >>> tuple(blocks[0][2].shape), tuple(blocks[2][0].shape)  # kernel (3, 4) with kernel (4, 2), and back
    ((3, 4, 4, 2), (4, 2, 3, 4))
    """
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape() as inner:
            value = loss()
        if value.shape.rank != 0:
            raise ValueError(f"loss must return a scalar, got shape {tuple(value.shape)}")
        gradients = inner.gradient(value, variables)  # inside the outer tape, which records it
    blocks = [outer.jacobian(gradient, variables) for gradient in gradients]
    del outer
    return blocks


def flatten_hessian_blocks(blocks: list[list[tf.Tensor]]) -> tf.Tensor:
    """Assemble the blocks into one ``[P, P]`` matrix, ``P`` the number of scalar parameters.

    Each block is reshaped to ``[variables[i].size, variables[j].size]`` and the
    blocks are laid out in the order of the variables; within a variable the order
    is row-major, as ``tf.reshape`` flattens, so row ``k`` belongs to element ``k``
    of ``tf.concat([tf.reshape(v, [-1]) for v in variables], 0)``.

    >>> a = [[tf.ones([2, 2]), tf.zeros([2, 1])], [tf.zeros([1, 2]), 3 * tf.ones([1, 1])]]
    >>> print(flatten_hessian_blocks(a).numpy())
    [[1. 1. 0.]
     [1. 1. 0.]
     [0. 0. 3.]]
    """
    # Diagonal block [j][j] has shape variables[j].shape twice: its first half gives the size.
    sizes = [int(np.prod(row[j].shape[: row[j].shape.rank // 2])) for j, row in enumerate(blocks)]
    return tf.concat(
        [
            tf.concat([tf.reshape(block, [sizes[i], sizes[j]]) for j, block in enumerate(row)], axis=1)
            for i, row in enumerate(blocks)
        ],
        axis=0,
    )


def flat_parameters(variables: list) -> tf.Tensor:
    """Return the variables' values as one vector, in the order of :func:`flatten_hessian_blocks`.

    >>> model, _ = classifier_problem()
    >>> tuple(flat_parameters(model.trainable_variables).shape)
    (26,)
    """
    return tf.concat([tf.reshape(v, [-1]) for v in variables], axis=0)


def add_to_variables(variables: list, step: tf.Tensor) -> None:
    """Add a flat vector to the variables, split and reshaped in the order of :func:`flat_parameters`.

    >>> v = [tf.Variable([1.0, 2.0]), tf.Variable([[3.0]])]
    >>> add_to_variables(v, tf.constant([0.5, 0.5, -3.0]))
    >>> print(flat_parameters(v).numpy())
    [1.5 2.5 0. ]
    """
    pieces = tf.split(step, [int(np.prod(v.shape)) for v in variables])
    for variable, piece in zip(variables, pieces, strict=True):
        variable.assign_add(tf.reshape(piece, variable.shape))


def flat_gradient(loss: Callable[[], tf.Tensor], variables: list) -> tf.Tensor:
    """Return the gradient of ``loss()`` with respect to the variables as one flat vector.

    >>> model, loss = classifier_problem()
    >>> tuple(flat_gradient(loss, model.trainable_variables).shape)
    (26,)
    """
    with tf.GradientTape() as tape:
        value = loss()
    return flat_parameters(tape.gradient(value, variables))


def finite_difference_hessian(
    loss: Callable[[], tf.Tensor], variables: list, step: float = 1e-5
) -> np.ndarray:
    """Return the ``[P, P]`` Hessian by central differences of the gradient, moving one parameter at a time.

    Column ``k`` is ``(gradient(theta + h e_k) - gradient(theta - h e_k)) / 2h``; its
    error is of order ``h**2`` (truncation) plus ``1e-16 / h`` (round-off) in float64.
    The variables are restored afterwards.

    >>> model, loss = classifier_problem()
    >>> finite_difference_hessian(loss, model.trainable_variables).shape
    (26, 26)
    """
    size = int(flat_parameters(variables).shape[0])
    columns = []
    for k in range(size):
        nudge = tf.one_hot(k, size, on_value=step, dtype=variables[0].dtype)
        add_to_variables(variables, nudge)
        above = flat_gradient(loss, variables)
        add_to_variables(variables, -2 * nudge)
        below = flat_gradient(loss, variables)
        add_to_variables(variables, nudge)
        columns.append((above - below).numpy() / (2 * step))
    return np.stack(columns, axis=1)


def output_bias_block_closed_form(model: tf.keras.Model) -> np.ndarray:
    """Return the output bias's block of the mean cross-entropy's Hessian in closed form.

    The logits are ``z_i = h_i W + b``, so ``d2 loss / db db`` is the mean over
    examples of the softmax's Jacobian, ``diag(p_i) - p_i p_i^T``.

    >>> model, _ = classifier_problem()
    >>> print(output_bias_block_closed_form(model))
    [[ 0.2124 -0.2124]
     [-0.2124  0.2124]]
    """
    x, _ = labelled_batch()
    p = tf.nn.softmax(model(tf.cast(x, tf.float64), training=False)).numpy()
    return np.mean([np.diag(row) - np.outer(row, row) for row in p], axis=0)


def flat_parameter_loss(model: tf.keras.Model, loss_of_outputs: Callable[[tf.Tensor], tf.Tensor], x):
    """Return ``f(theta)``: the loss with the model's weights taken from a flat vector ``theta``.

    ``model.stateless_call`` runs the model with the values it is given in place of
    its variables, so ``f`` is an ordinary function of a tensor, and the site's
    tensor recipes (``higher_order.hessian``, ``hvp_double_backward``) apply to it.

    >>> model, loss = classifier_problem()
    >>> x, labels = labelled_batch()
    >>> cross_entropy = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")
    >>> f = flat_parameter_loss(model, partial(cross_entropy, labels), tf.cast(x, tf.float64))
    >>> float(f(flat_parameters(model.trainable_variables))) == float(loss())
    True
    """
    shapes = [v.shape for v in model.trainable_variables]
    sizes = [int(np.prod(shape)) for shape in shapes]

    def f(theta: tf.Tensor) -> tf.Tensor:
        values = [
            tf.reshape(piece, shape) for piece, shape in zip(tf.split(theta, sizes), shapes, strict=True)
        ]
        outputs, _ = model.stateless_call(values, model.non_trainable_variables, x, training=False)
        return loss_of_outputs(outputs)

    return f


def classifier_flat_loss() -> tuple[Callable[[tf.Tensor], tf.Tensor], tf.Tensor]:
    """Return ``f(theta)`` for the float64 classifier's mean cross-entropy, and its weights as ``theta``.

    >>> f, theta = classifier_flat_loss()
    >>> tuple(theta.shape), round(float(f(theta)), 6)
    ((26,), 0.933599)
    """
    model, _ = classifier_problem()
    x, labels = labelled_batch()
    cross_entropy = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")
    f = flat_parameter_loss(model, partial(cross_entropy, labels), tf.cast(x, tf.float64))
    return f, flat_parameters(model.trainable_variables)


def hessian_checks() -> dict:
    """Check the flattened Hessian of the float64 classifier four ways.

    Symmetry, finite differences of the gradient, the closed form of the output
    bias's block, and ``higher_order.hessian`` of the flat-parameter loss.

    >>> checks = hessian_checks()
    >>> checks["P"], [key for key, value in checks.items() if value is True]  # doctest: +NORMALIZE_WHITESPACE
    (26, ['symmetric to 1e-12', 'equals finite differences to 1e-8',
          'bias block equals closed form to 1e-12', 'equals hessian(f, theta) to 1e-12'])
    """
    model, loss = classifier_problem()
    h = flatten_hessian_blocks(hessian_blocks(loss, model.trainable_variables)).numpy()
    asymmetry = float(np.abs(h - h.T).max())
    by_differences = float(np.abs(h - finite_difference_hessian(loss, model.trainable_variables)).max())
    by_formula = float(np.abs(h[-2:, -2:] - output_bias_block_closed_form(model)).max())
    f, theta = classifier_flat_loss()
    by_flat_function = float(np.abs(h - hessian(f, theta).numpy()).max())
    return {
        "P": h.shape[0],
        "largest |H - H.T|": f"{asymmetry:.1e}",
        "symmetric to 1e-12": asymmetry < 1e-12,
        "largest |H - finite differences|": f"{by_differences:.1e}",
        "equals finite differences to 1e-8": by_differences < 1e-8,
        "largest |bias block - closed form|": f"{by_formula:.1e}",
        "bias block equals closed form to 1e-12": by_formula < 1e-12,
        "largest |H - hessian(f, theta)|": f"{by_flat_function:.1e}",
        "equals hessian(f, theta) to 1e-12": by_flat_function < 1e-12,
    }


def float32_loss_asymmetry() -> dict:
    """Compare the Hessian's asymmetry with Keras's default float32 loss and with ``dtype="float64"``.

    The default loss casts the float64 logits to float32, so the second derivatives
    carry float32 round-off although every weight is float64.

    >>> result = float32_loss_asymmetry()
    >>> result["default loss dtype"], result["asymmetry above 1e-10"], result["float64 loss: below 1e-12"]
    ('float32', True, True)
    """
    model = float64_twin(small_classifier())
    x, labels = labelled_batch()
    x = tf.cast(x, tf.float64)
    found = {}
    for name, dtype in (("default", None), ("float64", "float64")):
        cross_entropy = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype=dtype)

        def loss(cross_entropy=cross_entropy):
            return cross_entropy(labels, model(x, training=False))

        h = flatten_hessian_blocks(hessian_blocks(loss, model.trainable_variables)).numpy()
        found[name] = (loss().dtype.name, float(np.abs(h - h.T).max()))
    return {
        "default loss dtype": found["default"][0],
        "default loss: largest |H - H.T|": f"{found['default'][1]:.1e}",
        "asymmetry above 1e-10": found["default"][1] > 1e-10,
        "float64 loss: largest |H - H.T|": f"{found['float64'][1]:.1e}",
        "float64 loss: below 1e-12": found["float64"][1] < 1e-12,
    }


def newton_step(loss: Callable[[], tf.Tensor], variables: list) -> tf.Tensor:
    """Take one Newton step in place: solve ``H d = -g`` and add ``d`` to the variables; return ``d``.

    ``H`` is :func:`flatten_hessian_blocks` of :func:`hessian_blocks` and ``g`` the
    flat gradient, in the same parameter order.

    >>> model, loss = least_squares_problem()
    >>> print(newton_step(loss, model.trainable_variables).numpy())
    [ 0.9965 -0.5569  0.3353  0.2519]
    """
    gradient = flat_gradient(loss, variables)
    h = flatten_hessian_blocks(hessian_blocks(loss, variables))
    step = -tf.linalg.solve(h, gradient[:, tf.newaxis])[:, 0]
    add_to_variables(variables, step)
    return step


def regression_data(examples: int = 8, features: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Return ``x`` of shape ``[examples, features]`` and targets ``[examples, 1]``: a noisy linear function.

    Drawn from NumPy's generator seeded with ``SEED``; the noise keeps the best fit's loss above zero.

    >>> x, y = regression_data()
    >>> x.shape, y.shape, x.dtype.name
    ((8, 3), (8, 1), 'float64')
    """
    rng = np.random.default_rng(SEED)
    x = rng.normal(size=(examples, features))
    y = x @ np.array([[1.0], [-0.5], [0.25]])[:features] + 0.3 + 0.2 * rng.normal(size=(examples, 1))
    return x, y


def least_squares_problem() -> tuple[tf.keras.Model, Callable[[], tf.Tensor]]:
    """Return a Keras linear regression (``Dense(1)``, float64, weights at zero) and its mean squared error.

    The loss is quadratic in the four parameters (three weights and a bias).

    >>> model, loss = least_squares_problem()
    >>> [tuple(v.shape) for v in model.trainable_variables], round(float(loss()), 6)
    ([(3, 1), (1,)], 1.529731)
    """
    x, y = regression_data()
    model = tf.keras.Sequential(
        [tf.keras.Input((x.shape[1],), dtype="float64"), tf.keras.layers.Dense(1, dtype="float64")],
        name="linear",
    )
    model.set_weights([np.zeros(v.shape) for v in model.weights])
    squared_error = tf.keras.losses.MeanSquaredError(dtype="float64")

    def mean_squared_error() -> tf.Tensor:
        return squared_error(y, model(x, training=False))

    return model, mean_squared_error


def newton_on_least_squares() -> dict:
    """Take two Newton steps on the linear regression and compare with NumPy's least-squares solution.

    The loss is quadratic, so its second-order Taylor expansion is exact and the
    first step lands on the minimum; the second step has nothing left to do.

    >>> result = newton_on_least_squares()
    >>> result["loss before"], result["after step 1"], result["least-squares minimum"]
    (1.529731, 0.009953, 0.009953)
    >>> result["weights equal lstsq to 1e-12"], result["step 2 moved less than 1e-12"]
    (True, True)
    """
    x, y = regression_data()
    model, loss = least_squares_problem()
    variables = model.trainable_variables
    before = float(loss())
    newton_step(loss, variables)
    after_one = float(loss())
    largest_gradient = float(tf.reduce_max(tf.abs(flat_gradient(loss, variables))))
    second = newton_step(loss, variables)
    design = np.hstack([x, np.ones((x.shape[0], 1))])
    best, *_ = np.linalg.lstsq(design, y, rcond=None)
    best_loss = float(np.mean((design @ best - y) ** 2))
    return {
        "loss before": round(before, 6),
        "after step 1": round(after_one, 6),
        "least-squares minimum": round(best_loss, 6),
        "largest |gradient| after step 1": f"{largest_gradient:.0e}",
        "weights equal lstsq to 1e-12": bool(
            np.abs(flat_parameters(variables).numpy() - best[:, 0]).max() < 1e-12
        ),
        "step 2 moved less than 1e-12": float(tf.reduce_max(tf.abs(second))) < 1e-12,
    }


def logistic_regression_problem() -> tuple[tf.keras.Model, Callable[[], tf.Tensor]]:
    """Return a Keras logistic regression (``Dense(1)`` logits, float64, zero weights) and its mean log-loss.

    The labels are not separable by a line, so a minimum exists; the loss is not quadratic.

    >>> model, loss = logistic_regression_problem()
    >>> round(float(loss()), 6)  # log 2: every probability starts at 0.5
    0.693147
    """
    x, _ = regression_data(examples=16, features=2)
    rng = np.random.default_rng(SEED + 1)
    labels = (x[:, :1] - x[:, 1:] + 2.0 * rng.normal(size=(x.shape[0], 1)) > 0).astype("float64")
    model = tf.keras.Sequential(
        [tf.keras.Input((2,), dtype="float64"), tf.keras.layers.Dense(1, dtype="float64")], name="logistic"
    )
    model.set_weights([np.zeros(v.shape) for v in model.weights])
    log_loss = tf.keras.losses.BinaryCrossentropy(from_logits=True, dtype="float64")

    def mean_log_loss() -> tf.Tensor:
        return log_loss(labels, model(x, training=False))

    return model, mean_log_loss


def newton_on_logistic_regression(steps: int = 6) -> list[str]:
    """Take Newton steps on the logistic regression: the loss after each and the largest gradient entry.

    Near the minimum each step roughly squares the gradient's size (quadratic convergence).

    >>> for line in newton_on_logistic_regression(steps=2):
    ...     print(line)
    step 0: loss 0.69314718, largest |gradient| 1.6e-01
    step 1: loss 0.57265730, largest |gradient| 2.5e-02
    step 2: loss 0.56728242, largest |gradient| 3.0e-03
    """
    model, loss = logistic_regression_problem()
    variables = model.trainable_variables
    lines = []
    for step in range(steps + 1):
        if step:
            newton_step(loss, variables)
        largest = float(tf.reduce_max(tf.abs(flat_gradient(loss, variables))))
        lines.append(f"step {step}: loss {float(loss()):.8f}, largest |gradient| {largest:.1e}")
    return lines


def penalty_problem(hidden: int = 8) -> tuple[tf.keras.Model, tf.Tensor, tf.Tensor]:
    """Return a small tanh regressor (2 features, float64) and 16 examples of a smooth target.

    The weights and the data come from NumPy's generator seeded with ``SEED``.

    >>> model, x, y = penalty_problem()
    >>> [tuple(v.shape) for v in model.trainable_variables], tuple(x.shape), tuple(y.shape)
    ([(2, 8), (8,), (8, 1), (1,)], (16, 2), (16, 1))
    """
    rng = np.random.default_rng(SEED)
    x = rng.uniform(-1.5, 1.5, size=(16, 2))
    y = np.sin(x[:, :1]) + 0.5 * x[:, 1:] ** 2
    model = tf.keras.Sequential(
        [
            tf.keras.Input((2,), dtype="float64"),
            tf.keras.layers.Dense(hidden, activation="tanh", dtype="float64"),
            tf.keras.layers.Dense(1, dtype="float64"),
        ],
        name="penalised",
    )
    model.set_weights([rng.normal(scale=1.0, size=v.shape) for v in model.weights])
    return model, tf.constant(x), tf.constant(y)


def loss_and_input_gradient_penalty(model: tf.keras.Model, x: tf.Tensor, y: tf.Tensor) -> tuple:
    """Return the mean squared error and the penalty: the mean over examples of ``||d loss_i / d x_i||^2``.

    One ``gradient`` call gives every example's input gradient (row ``i`` of the
    gradient of the summed losses), because the examples do not interact. Call
    this *inside* the tape that differentiates the weights: that tape then records
    the inner gradient computation and can differentiate the penalty.

    >>> model, x, y = penalty_problem()
    >>> data_loss, penalty = loss_and_input_gradient_penalty(model, x, y)
    >>> round(float(data_loss), 6), round(float(penalty), 6)
    (0.917856, 5.595878)
    """
    with tf.GradientTape() as input_tape:
        input_tape.watch(x)
        losses = tf.reduce_sum((model(x, training=True) - y) ** 2, axis=-1)  # one per example, [b]
        summed = tf.reduce_sum(losses)  # inside the tape, or the tape cannot differentiate it
    input_gradients = input_tape.gradient(summed, x)  # [b, features]
    penalty = tf.reduce_mean(tf.reduce_sum(input_gradients**2, axis=-1))
    return tf.reduce_mean(losses), penalty


def penalised_training(penalty_weight: float, steps: int = 12, learning_rate: float = 0.02) -> dict:
    """Train ``penalty_problem``'s model with SGD on ``loss + penalty_weight * penalty``.

    The step is a ``tf.function``: the nested tapes, the penalty's gradient and the
    optimizer's update run in one graph. Returns the loss and the penalty *before*
    each step's update, and how many times the step was traced.

    >>> run = penalised_training(penalty_weight=0.3, steps=3)
    >>> run["loss"], run["penalty"], run["traces"]
    ([0.9179, 0.2781, 0.2235], [5.5959, 0.6069, 0.4527], 1)
    """
    model, x, y = penalty_problem()
    optimizer = tf.keras.optimizers.SGD(learning_rate)
    optimizer.build(model.trainable_variables)  # slots made in the first call would trace the step twice
    weight = tf.constant(penalty_weight, tf.float64)

    @tf.function
    def training_step(x, y):
        with tf.GradientTape() as tape:
            data_loss, penalty = loss_and_input_gradient_penalty(model, x, y)
            total = data_loss + weight * penalty
        gradients = tape.gradient(total, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        return data_loss, penalty

    run = {"loss": [], "penalty": []}
    for _ in range(steps):
        data_loss, penalty = training_step(x, y)
        run["loss"].append(round(float(data_loss), 4))
        run["penalty"].append(round(float(penalty), 4))
    return run | {"traces": training_step.experimental_get_tracing_count()}


def penalty_training_table(penalty_weight: float = 0.3, steps: int = 12) -> str:
    """Train twice from the same start, without and with the penalty, and tabulate both runs step by step.

    >>> print(penalty_training_table(steps=2))
    step | no penalty: loss  penalty | weight 0.3: loss  penalty
       0 |           0.9179   5.5959 |           0.9179   5.5959
       1 |           0.6367   3.5456 |           0.2781   0.6069
    """
    runs = [penalised_training(0.0, steps), penalised_training(penalty_weight, steps)]
    lines = [f"step | no penalty: loss  penalty | weight {penalty_weight}: loss  penalty"]
    for step in range(steps):
        cells = " | ".join(f"{run['loss'][step]:>16.4f} {run['penalty'][step]:>8.4f}" for run in runs)
        lines.append(f"{step:>4} | {cells}")
    return "\n".join(lines)


def classifier_hvp() -> Callable[[tf.Tensor], tf.Tensor]:
    """Return ``v -> H v`` for the float64 classifier's loss: ``higher_order.hvp_double_backward``, compiled.

    The weights enter as the flat vector of :func:`classifier_flat_loss`, so the
    site's tensor recipe applies unchanged; ``tf.function`` traces it once.

    >>> hvp = classifier_hvp()
    >>> tuple(hvp(tf.ones([26], tf.float64)).shape)
    (26,)
    """
    f, theta = classifier_flat_loss()
    return tf.function(lambda v: hvp_double_backward(f, theta, v))


def power_iteration(matvec: Callable[[tf.Tensor], tf.Tensor], size: int, iterations: int) -> list[float]:
    """Estimate the eigenvalue of largest magnitude of a symmetric matrix from products ``matvec(v)`` alone.

    Start from a random unit vector (seeded with ``SEED``), multiply and normalise;
    the Rayleigh quotient ``v . (A v)`` of each iterate is the estimate, one per
    product. It converges to the eigenvalue of largest *magnitude*, with its sign;
    its error shrinks like ``(lambda_2 / lambda_1) ** (2 k)`` after ``k`` products.

    >>> a = tf.constant([[2.0, 1.0], [1.0, 2.0]], tf.float64)  # eigenvalues 3 and 1
    >>> estimates = power_iteration(lambda v: tf.linalg.matvec(a, v), size=2, iterations=20)
    >>> round(estimates[-1], 12)
    3.0
    """
    v = np.random.default_rng(SEED).normal(size=size)
    v /= np.linalg.norm(v)
    estimates = []
    for _ in range(iterations):
        product = matvec(tf.constant(v, tf.float64)).numpy()
        estimates.append(float(v @ product))
        v = product / np.linalg.norm(product)
    return estimates


def hutchinson_samples(matvec: Callable[[tf.Tensor], tf.Tensor], size: int, probes: int) -> np.ndarray:
    """Return ``z . (A z)`` for ``probes`` Rademacher vectors ``z`` (entries +1 or -1, seeded with ``SEED``).

    Each sample's expectation is the trace of ``A``; their mean is Hutchinson's
    estimate. For a symmetric ``A`` the variance of one sample is
    ``2 * sum over i != j of A[i, j] ** 2``, so a diagonal matrix gives its trace exactly.

    >>> a = tf.constant([[2.0, 1.0], [1.0, 3.0]], tf.float64)
    >>> print(hutchinson_samples(lambda v: tf.linalg.matvec(a, v), size=2, probes=4))
    [7. 3. 7. 7.]
    """
    signs = np.random.default_rng(SEED).choice([-1.0, 1.0], size=(probes, size))
    return np.array([float(z @ matvec(tf.constant(z)).numpy()) for z in signs])


def power_iteration_report(estimates: list[float], h: np.ndarray, shown=(1, 5, 10, 25, 50, 100)) -> list[str]:
    """Compare power iteration's estimates (one per product) with the eigenvalues of the full Hessian ``h``.

    >>> f, theta = classifier_flat_loss()
    >>> estimates = power_iteration(classifier_hvp(), size=26, iterations=10)
    >>> for line in power_iteration_report(estimates, hessian(f, theta).numpy(), shown=(10,)):
    ...     print(line)
    eigenvalues of largest magnitude (eigvalsh): 1.5644, -1.4113; ratio 0.902
    after  10 products: estimate -0.1866, error 1.8e+00
    """
    first, second = sorted(np.linalg.eigvalsh(h), key=abs, reverse=True)[:2]
    lines = [
        f"eigenvalues of largest magnitude (eigvalsh): {first:.4f}, {second:.4f}; "
        f"ratio {abs(second / first):.3f}"
    ]
    for count in shown:
        estimate = estimates[count - 1]
        lines.append(f"after {count:>3} products: estimate {estimate:.4f}, error {abs(estimate - first):.1e}")
    return lines


def hutchinson_report(samples: np.ndarray, h: np.ndarray, shown=(10, 100, 1000)) -> list[str]:
    """Compare Hutchinson's estimates from the first ``n`` samples with the trace of the full Hessian ``h``.

    The predicted error is the standard deviation of the mean of ``n`` samples,
    ``sqrt(2 * sum over i != j of h[i, j] ** 2 / n)``; the last lines compare it
    with the samples' own spread and count the probes that would bring it down to
    a tenth of the trace.

    >>> f, theta = classifier_flat_loss()
    >>> samples = hutchinson_samples(classifier_hvp(), size=26, probes=10)
    >>> for line in hutchinson_report(samples, hessian(f, theta).numpy(), shown=(10,)):
    ...     print(line)
    trace (np.trace of the full Hessian): 0.1137
      10 probes: estimate 0.2631, error 0.1494 = 0.11 predicted standard deviations (1.4038)
    spread of one sample: measured 2.9633, predicted 4.4394
    probes for a predicted error of a tenth of the trace: 152517 (the full Hessian takes P = 26 products, ...)
    """
    exact = float(np.trace(h))
    one_sample = float(np.sqrt(2 * (np.sum(h**2) - np.sum(np.diag(h) ** 2))))
    lines = [f"trace (np.trace of the full Hessian): {exact:.4f}"]
    for count in shown:
        estimate = float(samples[:count].mean())
        predicted = one_sample / count**0.5
        error = abs(estimate - exact)
        lines.append(
            f"{count:>4} probes: estimate {estimate:.4f}, error {error:.4f} = {error / predicted:.2f} "
            f"predicted standard deviations ({predicted:.4f})"
        )
    lines.append(f"spread of one sample: measured {samples.std(ddof=1):.4f}, predicted {one_sample:.4f}")
    needed = int(np.ceil((one_sample / (0.1 * abs(exact))) ** 2))
    lines.append(
        f"probes for a predicted error of a tenth of the trace: {needed} "
        f"(the full Hessian takes P = {h.shape[0]} products, with the unit vectors)"
    )
    return lines
