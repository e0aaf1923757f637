"""Keras models on a tape: saliency, per-example and weight derivatives, dropout, batch norm, tf.function.

Every model here has fixed, hand-chosen weights (quarters between -0.5 and 0.5),
so every run of every supported TensorFlow and Keras version prints the same numbers.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from matplotlib.figure import Figure

from snippets.tools.row_independence import cross_example_derivatives, diagonal_blocks

FEATURES = 3
CLASSES = 2
EXAMPLES = ((1.0, 2.0, 3.0), (0.5, -1.0, 2.0), (0.0, 1.0, -1.0), (2.0, 0.0, 1.0))
LABELS = (0, 1, 1, 0)


def _quarters(shape: tuple[int, ...]) -> np.ndarray:
    """Fixed weights: -0.5, -0.25, 0, 0.25, 0.5, repeated, in the given shape."""
    return ((np.arange(np.prod(shape)) % 5 - 2) * 0.25).reshape(shape).astype("float32")


def small_classifier(hidden: int = 4) -> tf.keras.Model:
    """Return a two-layer classifier, 3 features to 2 logits, with fixed weights.

    >>> model = small_classifier()
    >>> [tuple(v.shape) for v in model.trainable_variables]
    [(3, 4), (4,), (4, 2), (2,)]
    >>> print(model(tf.constant(EXAMPLES)).numpy())
    [[-1.1729  0.2071]
     [-0.375   0.503 ]
     [-0.2723 -0.4754]
     [-0.2882  0.2254]]
    """
    model = tf.keras.Sequential(
        [
            tf.keras.Input((FEATURES,)),
            tf.keras.layers.Dense(hidden, activation="tanh", name="hidden"),
            tf.keras.layers.Dense(CLASSES, name="logits"),
        ],
        name="classifier",
    )
    model.set_weights([_quarters(tuple(v.shape)) + 0.125 * (v.shape.rank == 1) for v in model.weights])
    return model


def labelled_batch() -> tuple[tf.Tensor, tf.Tensor]:
    """Return the four examples ``[4, 3]`` and their class labels ``[4]`` used on the page.

    >>> x, labels = labelled_batch()
    >>> tuple(x.shape), labels.numpy().tolist()
    ((4, 3), [0, 1, 1, 0])
    """
    return tf.constant(EXAMPLES), tf.constant(LABELS)


def per_example_losses(model: tf.keras.Model, x: tf.Tensor, labels: tf.Tensor, training: bool = False):
    """Return the cross-entropy of each example, shape ``[b]``: the loss *before* it is averaged.

    >>> x, labels = labelled_batch()
    >>> print(per_example_losses(small_classifier(), x, labels).numpy())
    [1.6044 0.3476 0.7999 0.9826]
    """
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="none")
    return loss(labels, model(x, training=training))


def saliency(model: tf.keras.Model, x: tf.Tensor, classes: tf.Tensor) -> tf.Tensor:
    """Return, for each example, the gradient of its chosen class's logit with respect to its input.

    One backward pass gives all of them: the score summed over the batch has
    row ``i`` of its gradient equal to example ``i``'s own input gradient, as long
    as examples do not interact in the model. The result has the shape of ``x``.
    Differentiating ``model(x)`` itself instead would add up the gradients of
    *all* classes.

    >>> x, labels = labelled_batch()
    >>> print(saliency(small_classifier(), x, labels).numpy())
    [[ 0.0646 -0.1374 -0.024 ]
     [ 0.069  -0.0351  0.1649]
     [ 0.1015 -0.0572  0.1995]
     [ 0.043  -0.1952 -0.2177]]
    >>> saliency(small_classifier(), x, tf.constant([0, 1]))
    Traceback (most recent call last):
    ...
    ValueError: classes must hold one class index per example, shape (4,), got (2,)
    """
    if classes.shape != x.shape[:1]:
        raise ValueError(
            f"classes must hold one class index per example, shape {tuple(x.shape[:1])}, "
            f"got {tuple(classes.shape)}"
        )
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = model(x, training=False)
        scores = tf.gather(logits, classes, batch_dims=1)  # one logit per example, shape [b]
    return tape.gradient(scores, x)


def saliency_matches_batch_jacobian(model: tf.keras.Model, x: tf.Tensor, classes: tf.Tensor) -> bool:
    """Check ``saliency`` against the per-example Jacobian of the logits, row ``classes[i]`` of example ``i``.

    >>> x, labels = labelled_batch()
    >>> saliency_matches_batch_jacobian(small_classifier(), x, labels)
    True
    """
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = model(x, training=False)
    per_example = tape.batch_jacobian(logits, x)  # [b, classes, features]
    chosen = tf.gather(per_example, classes, batch_dims=1)
    return bool(np.allclose(chosen, saliency(model, x, classes), atol=1e-6))


def edge_scorer() -> tf.keras.Model:
    """Return an image model that scores edges: a fixed 3x3 Laplacian filter, ReLU, then the mean.

    >>> images = two_squares()
    >>> print(edge_scorer()(images).numpy())
    [[0.1875]
     [0.25  ]]
    """
    laplacian = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype="float32").reshape(3, 3, 1, 1)
    return tf.keras.Sequential(
        [
            tf.keras.Input((8, 8, 1)),
            tf.keras.layers.Conv2D(
                1,
                3,
                padding="same",
                use_bias=False,
                activation="relu",
                kernel_initializer=tf.keras.initializers.Constant(laplacian),
            ),
            tf.keras.layers.GlobalAveragePooling2D(),
        ]
    )


def two_squares() -> tf.Tensor:
    """Return two 8x8 single-channel images, shape ``[2, 8, 8, 1]``: a 3x3 and a 4x4 bright square.

    >>> images = two_squares()
    >>> tuple(images.shape), float(tf.reduce_sum(images))
    ((2, 8, 8, 1), 25.0)
    """
    images = np.zeros((2, 8, 8, 1), dtype="float32")
    images[0, 1:4, 1:4] = 1.0
    images[1, 3:7, 2:6] = 1.0
    return tf.constant(images)


def plot_saliency(images: tf.Tensor, maps: tf.Tensor) -> Figure:
    """Draw each image next to its saliency map (diverging colours, zero is white).

    >>> figure = plot_saliency(two_squares(), tf.zeros([2, 8, 8, 1]))
    >>> len(figure.axes)  # two images, two maps, two colour bars
    6
    """
    if images.shape != maps.shape:
        raise ValueError(f"images and maps must have the same shape, got {images.shape} and {maps.shape}")
    count = images.shape[0]
    figure, axes = plt.subplots(count, 2, figsize=(5.4, 2.5 * count), layout="constrained", squeeze=False)
    limit = float(tf.reduce_max(tf.abs(maps))) or 1.0
    for row in range(count):
        axes[row, 0].imshow(images[row, ..., 0], cmap="gray_r", vmin=0, vmax=1)
        axes[row, 0].set_title(f"example {row}")
        shown = axes[row, 1].imshow(maps[row, ..., 0], cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes[row, 1].set_title("d score / d pixel")
        figure.colorbar(shown, ax=axes[row, 1])
        for panel in axes[row]:
            panel.set_xticks([])
            panel.set_yticks([])
    plt.close(figure)  # the caller displays the returned figure; pyplot must not show it a second time
    return figure


def per_example_weight_gradients(
    model: tf.keras.Model, x: tf.Tensor, labels: tf.Tensor, training: bool = False
) -> list[tf.Tensor]:
    """Return one gradient per example for each trainable variable, shape ``[b] + variable.shape``.

    Each example gets its own tape on a batch of one, and ``tf.vectorized_map``
    runs the ``b`` tapes as one vectorised computation: each backward pass
    covers one example. Call it inside ``tf.function`` (see
    :func:`compiled_per_example_gradients`) so the vectorisation happens once.

    >>> x, labels = labelled_batch()
    >>> gradients = per_example_weight_gradients(small_classifier(), x, labels)
    >>> [tuple(g.shape) for g in gradients]
    [(4, 3, 4), (4, 4), (4, 4, 2), (4, 2)]
    >>> print(gradients[3].numpy())  # the output bias: softmax minus one-hot, per example
    [[-0.799   0.799 ]
     [ 0.2936 -0.2936]
     [ 0.5506 -0.5506]
     [-0.6256  0.6256]]
    """

    def gradient_of_one_example(example: tuple[tf.Tensor, tf.Tensor]) -> list[tf.Tensor]:
        features, label = example
        with tf.GradientTape() as tape:
            loss = per_example_losses(model, features[tf.newaxis], label[tf.newaxis], training=training)[0]
        return tape.gradient(loss, model.trainable_variables)

    # fallback_to_while_loop=False: raise rather than quietly run the examples one by one.
    return tf.vectorized_map(gradient_of_one_example, (x, labels), fallback_to_while_loop=False)


def per_example_weight_gradients_by_jacobian(
    model: tf.keras.Model, x: tf.Tensor, labels: tf.Tensor, training: bool = False
) -> list[tf.Tensor]:
    """Return the same gradients as ``tape.jacobian`` of the per-example loss vector: one VJP per loss.

    ``jacobian`` differentiates each element of the ``[b]`` loss vector separately,
    which is one gradient per example; but each of those ``b`` backward passes runs
    through the whole batch's computation.

    >>> x, labels = labelled_batch()
    >>> [tuple(g.shape) for g in per_example_weight_gradients_by_jacobian(small_classifier(), x, labels)]
    [(4, 3, 4), (4, 4), (4, 4, 2), (4, 2)]
    """
    with tf.GradientTape() as tape:
        losses = per_example_losses(model, x, labels, training=training)
    if losses.shape.rank != 1:
        raise ValueError(f"the loss must have one value per example, shape [b], got {tuple(losses.shape)}")
    return tape.jacobian(losses, model.trainable_variables)


def batch_jacobian_against_weights(model: tf.keras.Model, x: tf.Tensor) -> dict[str, str]:
    """Call ``batch_jacobian`` of the logits with respect to each weight, and report what happens.

    ``batch_jacobian`` takes the source's first axis as the batch axis. A weight has
    no batch axis, so it raises unless the weight's first axis happens to have ``b``
    elements, and then it returns a result of the wrong shape without an error.

    >>> x, _ = labelled_batch()
    >>> for path, outcome in batch_jacobian_against_weights(small_classifier(), x).items():
    ...     print(f"{path}:")
    ...     print(f"  {outcome}")
    classifier/hidden/kernel:
      ValueError: Need first dimension of target shape ((4, 2)) and source shape ((3, 4)) to match.
    classifier/hidden/bias:
      ValueError: Shape (4,) must have rank at least 2
    classifier/logits/kernel:
      returned shape (4, 2, 2) without an error; the Jacobian has shape (4, 2, 4, 2)
    classifier/logits/bias:
      ValueError: Shape (2,) must have rank at least 2
    """
    outcomes = {}
    with tf.GradientTape(persistent=True) as tape:
        logits = model(x, training=False)
    for variable in model.trainable_variables:
        try:
            found = tape.batch_jacobian(logits, variable)
        except ValueError as error:
            outcomes[variable.path] = f"ValueError: {error}"
            continue
        jacobian_shape = (*logits.shape, *variable.shape)
        outcomes[variable.path] = (
            f"returned shape {tuple(found.shape)} without an error; the Jacobian has shape {jacobian_shape}"
        )
    del tape
    return outcomes


def per_example_weight_gradients_by_loop(model: tf.keras.Model, x: tf.Tensor, labels: tf.Tensor) -> list:
    """Compute the same gradients one example at a time: a batch of one, a plain ``gradient`` each.

    >>> x, labels = labelled_batch()
    >>> [tuple(g.shape) for g in per_example_weight_gradients_by_loop(small_classifier(), x, labels)]
    [(4, 3, 4), (4, 4), (4, 4, 2), (4, 2)]
    """
    per_example = []
    for i in range(x.shape[0]):
        with tf.GradientTape() as tape:
            loss = per_example_losses(model, x[i : i + 1], labels[i : i + 1])[0]
        per_example.append(tape.gradient(loss, model.trainable_variables))
    return [tf.stack(column) for column in zip(*per_example, strict=True)]


def per_example_checks(model: tf.keras.Model, x: tf.Tensor, labels: tf.Tensor) -> dict:
    """Check the vectorised per-example gradients against the loop, ``tape.jacobian`` and the batch gradient.

    >>> x, labels = labelled_batch()
    >>> per_example_checks(small_classifier(), x, labels)  # doctest: +NORMALIZE_WHITESPACE
    {'vectorized_map equals the loop': True,
     'largest |vectorized_map - jacobian|': 0.0,
     'mean equals gradient of the mean loss': True}
    """
    vectorised = per_example_weight_gradients(model, x, labels)
    looped = per_example_weight_gradients_by_loop(model, x, labels)
    by_jacobian = per_example_weight_gradients_by_jacobian(model, x, labels)
    with tf.GradientTape() as tape:
        mean_loss = tf.reduce_mean(per_example_losses(model, x, labels))
    batch_gradients = tape.gradient(mean_loss, model.trainable_variables)
    return {
        "vectorized_map equals the loop": all(
            np.allclose(a, b, atol=1e-6) for a, b in zip(vectorised, looped, strict=True)
        ),
        "largest |vectorized_map - jacobian|": max(
            float(tf.reduce_max(tf.abs(a - b))) for a, b in zip(vectorised, by_jacobian, strict=True)
        ),
        "mean equals gradient of the mean loss": all(
            np.allclose(tf.reduce_mean(a, axis=0), b, atol=1e-6)
            for a, b in zip(vectorised, batch_gradients, strict=True)
        ),
    }


def logits_jacobian_wrt_weights(model: tf.keras.Model, x: tf.Tensor) -> list[tf.Tensor]:
    """Return the Jacobian of the logits ``[b, classes]`` with respect to each trainable variable.

    Each has shape ``[b, classes] + variable.shape``: every logit of every example,
    differentiated by every weight.

    >>> x, _ = labelled_batch()
    >>> [tuple(j.shape) for j in logits_jacobian_wrt_weights(small_classifier(), x)]
    [(4, 2, 3, 4), (4, 2, 4), (4, 2, 4, 2), (4, 2, 2)]
    """
    with tf.GradientTape() as tape:
        logits = model(x, training=False)
    return tape.jacobian(logits, model.trainable_variables)


def last_layer_jacobian_is_hidden_activations(model: tf.keras.Model, x: tf.Tensor) -> bool:
    """Check the last layer's kernel block: ``d logit[i, k] / d W[j, l] = h[i, j]`` if ``k == l``, else 0.

    ``h`` is the hidden layer's output; a dense layer's logit ``k`` only uses
    column ``k`` of the kernel, with the hidden activations as coefficients.

    >>> x, _ = labelled_batch()
    >>> last_layer_jacobian_is_hidden_activations(small_classifier(), x)
    True
    """
    hidden = model.layers[0](x)  # [b, hidden]
    kernel_jacobian = logits_jacobian_wrt_weights(model, x)[2]  # [b, classes, hidden, classes]
    classes = kernel_jacobian.shape[1]
    expected = tf.einsum("ij,kl->ikjl", hidden, tf.eye(classes))
    return bool(np.allclose(kernel_jacobian, expected, atol=1e-6))


def dropout_model() -> tf.keras.Model:
    """Return a model with a ``Dropout(0.5)`` layer between two fixed dense layers.

    >>> [layer.__class__.__name__ for layer in dropout_model().layers]
    ['Dense', 'Dropout', 'Dense']
    """
    model = tf.keras.Sequential(
        [
            tf.keras.Input((FEATURES,)),
            tf.keras.layers.Dense(8, activation="tanh"),
            tf.keras.layers.Dropout(0.5, seed=0),
            tf.keras.layers.Dense(1),
        ]
    )
    model.set_weights([_quarters(tuple(v.shape)) for v in model.weights])
    return model


def input_gradient(model: tf.keras.Model, x: tf.Tensor, training: bool) -> tf.Tensor:
    """Return the gradient of the model's summed output with respect to its input, for one ``training`` flag.

    >>> x, _ = labelled_batch()
    >>> tuple(input_gradient(dropout_model(), x, training=False).shape)
    (4, 3)
    """
    with tf.GradientTape() as tape:
        tape.watch(x)
        output = model(x, training=training)
    return tape.gradient(output, x)


def dropout_repeatability() -> dict:
    """Differentiate the same model at the same input twice, with dropout on and off.

    A plain ``model(x)``, with no ``training`` argument, behaves as ``training=False``.

    >>> dropout_repeatability()  # doctest: +NORMALIZE_WHITESPACE
    {'training=True: two calls agree': False,
     'training=False: two calls agree': True,
     'model(x): two calls agree': True,
     'model(x) equals training=False': True}
    """
    model = dropout_model()
    x, _ = labelled_batch()
    agree = {
        f"training={flag}: two calls agree": bool(
            np.array_equal(input_gradient(model, x, training=flag), input_gradient(model, x, training=flag))
        )
        for flag in (True, False)
    }

    def plain_call_gradient() -> tf.Tensor:
        with tf.GradientTape() as tape:
            tape.watch(x)
            output = model(x)  # no training argument
        return tape.gradient(output, x)

    default = plain_call_gradient()
    return agree | {
        "model(x): two calls agree": bool(np.array_equal(default, plain_call_gradient())),
        "model(x) equals training=False": bool(
            np.array_equal(default, input_gradient(model, x, training=False))
        ),
    }


def batch_norm_model() -> tf.keras.Model:
    """Return a model that is a single ``BatchNormalization`` layer over 3 features.

    >>> batch_norm_model().layers[0].__class__.__name__
    'BatchNormalization'
    """
    return tf.keras.Sequential([tf.keras.Input((FEATURES,)), tf.keras.layers.BatchNormalization()])


def batch_norm_per_example_jacobians(training: bool) -> dict:
    """Compare ``batch_jacobian`` of a batch-norm layer with the true diagonal blocks of its full Jacobian.

    In training mode the layer normalises with the *batch's* mean and variance,
    so every output row depends on every input row, and ``batch_jacobian``'s
    assumption fails without an error. It also updates the moving statistics.

    >>> batch_norm_per_example_jacobians(training=True)["batch_jacobian equals the diagonal blocks"]
    False
    >>> batch_norm_per_example_jacobians(training=False)["batch_jacobian equals the diagonal blocks"]
    True
    """
    model = batch_norm_model()
    x, _ = labelled_batch()
    moving_mean_before = model.layers[0].moving_mean.numpy().copy()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = model(x, training=training)
    per_example = tape.batch_jacobian(y, x)
    full = tape.jacobian(y, x)  # [b, features, b, features]
    del tape
    diagonal = diagonal_blocks(full, target_rank=2)
    cross = float(cross_example_derivatives(full, target_rank=2).max())
    return {
        "batch_jacobian, example 0": per_example[0].numpy(),
        "true diagonal block, example 0": diagonal[0].numpy(),
        "batch_jacobian equals the diagonal blocks": bool(np.allclose(per_example, diagonal, atol=1e-5)),
        "largest cross-example derivative": round(cross, 4),
        "moving mean changed": bool(
            not np.array_equal(moving_mean_before, model.layers[0].moving_mean.numpy())
        ),
    }


def compiled_per_example_gradients(model: tf.keras.Model) -> tf.types.experimental.PolymorphicFunction:
    """Wrap ``per_example_weight_gradients`` for ``model`` in a ``tf.function`` for any batch size.

    The ``input_signature`` leaves the batch axis unknown (``None``), so one
    trace serves every batch size; without it each new batch size retraces.

    >>> x, labels = labelled_batch()
    >>> compiled = compiled_per_example_gradients(small_classifier())
    >>> [tuple(g.shape) for g in compiled(x, labels)]
    [(4, 3, 4), (4, 4), (4, 4, 2), (4, 2)]
    """
    signature = [tf.TensorSpec([None, FEATURES], tf.float32), tf.TensorSpec([None], tf.int32)]
    return tf.function(
        lambda x, labels: per_example_weight_gradients(model, x, labels), input_signature=signature
    )


def graph_matches_eager() -> dict:
    """Run the per-example gradients eagerly and in a ``tf.function``, on two batch sizes, and compare.

    >>> graph_matches_eager()
    {'graph equals eager': True, 'traces for batch sizes 4 and 2': 1, 'traces without input_signature': 2}
    """
    model = small_classifier()
    x, labels = labelled_batch()
    compiled = compiled_per_example_gradients(model)
    same = all(
        np.allclose(a, b, atol=1e-6)
        for size in (4, 2)
        for a, b in zip(
            compiled(x[:size], labels[:size]),
            per_example_weight_gradients(model, x[:size], labels[:size]),
            strict=True,
        )
    )
    unsigned = tf.function(lambda x, labels: per_example_weight_gradients(model, x, labels))
    for size in (4, 2):
        unsigned(x[:size], labels[:size])
    return {
        "graph equals eager": same,
        "traces for batch sizes 4 and 2": compiled.experimental_get_tracing_count(),
        "traces without input_signature": unsigned.experimental_get_tracing_count(),
    }
