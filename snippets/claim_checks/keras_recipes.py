"""Checks for the claims of the Keras recipes page."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from snippets.keras_recipes import (
    _quarters,
    batch_norm_per_example_jacobians,
    labelled_batch,
    per_example_losses,
    per_example_weight_gradients,
    per_example_weight_gradients_by_jacobian,
    saliency,
    small_classifier,
)
from snippets.support.claims import require


def trainable_variables_are_watched_without_watch() -> str:
    """A tape records every trainable variable a Keras model reads, with no ``tape.watch``.

    >>> print(trainable_variables_are_watched_without_watch())
    4 of 4 trainable variables watched, all with a gradient
    """
    model = small_classifier()
    x, _ = labelled_batch()
    with tf.GradientTape() as tape:
        output = model(x)
    # The tape holds TensorFlow's variables under Keras's; their names are the Keras paths plus ":0".
    watched = {v.name.removesuffix(":0") for v in tape.watched_variables()}
    trainable = model.trainable_variables
    count = sum(v.path in watched for v in trainable)
    gradients = tape.gradient(output, trainable)
    require(count == len(trainable), f"only {count} of {len(trainable)} variables watched")
    require(all(g is not None for g in gradients), "a trainable variable got no gradient")
    return f"{count} of {len(trainable)} trainable variables watched, all with a gradient"


def gradient_of_all_logits_adds_up_the_classes() -> str:
    """``tape.gradient(model(x), x)`` equals the sum over classes of the one-class saliency maps.

    >>> print(gradient_of_all_logits_adds_up_the_classes())
    gradient of all logits - (map of class 0 + map of class 1): largest difference below 1e-6
    """
    model = small_classifier()
    x, _ = labelled_batch()
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = model(x)
    all_classes = tape.gradient(logits, x)
    summed = sum(saliency(model, x, tf.fill([x.shape[0]], k)) for k in range(logits.shape[1]))
    difference = float(tf.reduce_max(tf.abs(all_classes - summed)))
    require(difference < 1e-6, f"differs from the sum of the class maps by {difference}")
    return "gradient of all logits - (map of class 0 + map of class 1): largest difference below 1e-6"


def batch_jacobian_of_batch_norm_in_training_is_wrong_without_an_error() -> str:
    """``batch_jacobian`` through ``BatchNormalization(training=True)`` returns wrong rows and raises nothing.

    >>> print(batch_jacobian_of_batch_norm_in_training_is_wrong_without_an_error())
    training=True: no error, batch_jacobian differs from the true per-example blocks; training=False: equal
    """
    training = batch_norm_per_example_jacobians(training=True)  # raises if batch_jacobian raised
    inference = batch_norm_per_example_jacobians(training=False)
    require(
        not training["batch_jacobian equals the diagonal blocks"], "training=True: batch_jacobian is right"
    )
    require(inference["batch_jacobian equals the diagonal blocks"], "training=False: batch_jacobian is wrong")
    return (
        "training=True: no error, batch_jacobian differs from the true per-example blocks; "
        "training=False: equal"
    )


def _batch_norm_classifier() -> tf.keras.Model:
    model = tf.keras.Sequential(
        [
            tf.keras.Input((3,)),
            tf.keras.layers.Dense(4, activation="tanh"),
            tf.keras.layers.BatchNormalization(),
            tf.keras.layers.Dense(2),
        ]
    )
    model.set_weights(
        [
            _quarters(tuple(v.shape)) + 0.125 if "moving_variance" not in v.path else np.ones(v.shape)
            for v in model.weights
        ]
    )
    return model


def _largest_difference(first, second) -> float:
    return max(float(tf.reduce_max(tf.abs(a - b))) for a, b in zip(first, second, strict=True))


def batch_norm_in_training_splits_the_per_example_recipes() -> str:
    """With batch norm in training mode, ``vectorized_map`` and ``jacobian`` per-example gradients disagree.

    ``vectorized_map`` runs each example alone (a batch of one), so it equals the loop
    but its mean is not the training gradient; ``jacobian`` differentiates the batch's
    loss vector, so its mean is the training gradient but its rows are not the loop's.

    >>> print(batch_norm_in_training_splits_the_per_example_recipes())
    vectorized_map: equals the loop, mean is not the training gradient; jacobian: mean is, rows differ
    """
    model = _batch_norm_classifier()
    x, labels = labelled_batch()
    with tf.GradientTape() as tape:
        mean_loss = tf.reduce_mean(per_example_losses(model, x, labels, training=True))
    training_gradient = tape.gradient(mean_loss, model.trainable_variables)
    mapped = per_example_weight_gradients(model, x, labels, training=True)
    by_jacobian = per_example_weight_gradients_by_jacobian(model, x, labels, training=True)
    looped = []
    for i in range(x.shape[0]):
        with tf.GradientTape() as tape:
            loss = per_example_losses(model, x[i : i + 1], labels[i : i + 1], training=True)[0]
        looped.append(tape.gradient(loss, model.trainable_variables))
    looped = [tf.stack(column) for column in zip(*looped, strict=True)]

    def mean(gradients):
        return [tf.reduce_mean(g, axis=0) for g in gradients]

    require(_largest_difference(mapped, looped) < 1e-6, "vectorized_map differs from the loop")
    require(_largest_difference(mean(mapped), training_gradient) > 1e-3, "vectorized_map's mean is right")
    require(_largest_difference(mean(by_jacobian), training_gradient) < 1e-6, "jacobian's mean is wrong")
    require(_largest_difference(by_jacobian, looped) > 1e-3, "jacobian's rows equal the loop")
    return (
        "vectorized_map: equals the loop, mean is not the training gradient; jacobian: mean is, rows differ"
    )


def jacobian_docstrings_recommend_tf_function() -> str:
    """The docstrings of ``jacobian`` and ``batch_jacobian`` say each eager call creates a ``tf.function``.

    Both recommend enclosing the tape code in ``tf.function`` instead.

    >>> print(jacobian_docstrings_recommend_tf_function())  # doctest: +NORMALIZE_WHITESPACE
    both docstrings: "creates a tf.function under the hood for each ... call",
    "enclose GradientTape code in @tf.function"
    """
    for method in ("jacobian", "batch_jacobian"):
        words = " ".join(getattr(tf.GradientTape, method).__doc__.split())
        for quote in (
            f"creates a tf.function under the hood for each {method} call",
            "enclose GradientTape code in @tf.function",
        ):
            require(quote in words, f"the docstring of {method} no longer says '{quote}'")
    return (
        'both docstrings: "creates a tf.function under the hood for each ... call", '
        '"enclose GradientTape code in @tf.function"'
    )


def vectorized_map_vectorises_once_per_trace() -> str:
    """``tf.vectorized_map`` calls pfor; in ``tf.function`` its function runs once per trace, not per call.

    >>> print(vectorized_map_vectorises_once_per_trace())
    vectorized_map calls pfor; its function ran 1 time for 2 calls in tf.function, 2 times for 2 eager calls
    """
    import inspect

    require("pfor(" in inspect.getsource(tf.vectorized_map), "vectorized_map no longer calls pfor")
    runs = []

    def square(row):
        runs.append(1)
        return row * row

    signature = [tf.TensorSpec([None, 2], tf.float32)]
    compiled = tf.function(lambda x: tf.vectorized_map(square, x), input_signature=signature)
    compiled(tf.ones([4, 2]))
    compiled(tf.ones([2, 2]))
    in_function = len(runs)
    runs.clear()
    tf.vectorized_map(square, tf.ones([4, 2]))
    tf.vectorized_map(square, tf.ones([2, 2]))
    eager = len(runs)
    require(in_function == 1, f"in tf.function the function ran {in_function} times")
    require(eager == 2, f"eagerly the function ran {eager} times")
    return (
        f"vectorized_map calls pfor; its function ran {in_function} time for 2 calls in tf.function, "
        f"{eager} times for 2 eager calls"
    )


def independence_checks_catch_batch_normalization_in_training() -> str:
    """Both checks of the batch_jacobian page catch batch normalisation in training, and pass in inference.

    ``cross_example_dependence`` reports a non-zero derivative across examples, and
    ``checked_batch_jacobian(..., verify_independence=True)`` raises instead of returning zeros.

    >>> print(independence_checks_catch_batch_normalization_in_training())
    training: cross_example_dependence ..., checked_batch_jacobian raises ValueError; inference: \
cross_example_dependence 0.0, checked_batch_jacobian returns (4, 3, 3)
    """
    from snippets.keras_recipes import batch_norm_model
    from snippets.tools.row_independence import cross_example_dependence
    from snippets.tools.shape_doctor import checked_batch_jacobian

    model = batch_norm_model()
    x, _ = labelled_batch()
    found = {}
    for training in (True, False):
        dependence = cross_example_dependence(lambda v, training=training: model(v, training=training), x)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = model(x, training=training)
        try:
            outcome = f"returns {tuple(checked_batch_jacobian(tape, y, x, verify_independence=True).shape)}"
        except ValueError:
            outcome = "raises ValueError"
        found[training] = (round(float(dependence), 4), outcome)
    require(found[True][0] > 0 and found[True][1] == "raises ValueError", f"training: {found[True]}")
    require(found[False][0] == 0 and found[False][1].startswith("returns"), f"inference: {found[False]}")
    return (
        f"training: cross_example_dependence {found[True][0]}, checked_batch_jacobian {found[True][1]}; "
        f"inference: cross_example_dependence {found[False][0]}, checked_batch_jacobian {found[False][1]}"
    )
