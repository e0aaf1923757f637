"""The fallback table's verdicts are the committed ones on the building TensorFlow (not its timings).

Each row is measured as the page measures it (``measure(case)``): for
``jacobian`` and ``batch_jacobian``, eager and in ``tf.function``, whether pfor vectorised
the call, ran named operations in a while loop, or failed with an error type. A change
in any verdict fails here, so the page's table cannot drift silently. The verdicts were
measured on the TensorFlow that constraints.txt pins (with its Keras). They are the same on
every release of the tested range (2.16.2 to 2.20.0 were each measured with this module), and
`nox -s tests_tf` checks them on each.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tensorflow as tf

from snippets.vectorization_fallbacks import CASES, measure

CONSTRAINTS = Path(__file__).resolve().parent.parent / "constraints.txt"
BUILDING_TENSORFLOW = re.search(r"^tensorflow(?:-cpu)?==(\S+)", CONSTRAINTS.read_text(), re.M)[1]
MEASURED_ON = "2.21.0"

V = "vectorised"
DEPTHWISE = "while loop: DepthwiseConv2dNativeBackpropInput"
SCATTER = "while loop: ScatterNd"
# Per row: jacobian eager, jacobian in tf.function, batch_jacobian eager, batch_jacobian in tf.function.
EXPECTED = {
    "`Dense(3)`": (V, V, V, V),
    "`Conv1D(2, 3)`": (V, V, V, V),
    "`Conv2D(2, 3)`": (V, V, V, V),
    "`DepthwiseConv2D(3)`": (DEPTHWISE, DEPTHWISE, DEPTHWISE, DEPTHWISE),
    "`SimpleRNN(3)`": (V, V, V, V),
    "`LSTM(3)`": (V, V, V, V),
    "`GRU(3)`": (V, V, V, V),
    "`MultiHeadAttention(2, 2)`": (V, V, V, V),
    "`LayerNormalization()`": (V, V, V, V),
    "`BatchNormalization()`, training": (V, V, V, V),
    "`BatchNormalization()`, inference": (V, V, V, V),
    # The table has no batch axis: batch_jacobian refuses it.
    "`Embedding(5, 3)`": (V, V, "fails: ValueError", "fails: ValueError"),
    "`Dropout(0.5)`, training": (V, V, V, V),
    "`Dropout(0.5)`, inference": (V, V, V, V),
    "`tf.sort`": (SCATTER, SCATTER, SCATTER, SCATTER),
    "`tf.gather`": (V, V, V, V),
    "`tf.while_loop`": (V, V, V, V),
    # The py_function's gradient fails at run time; traced, batch_jacobian first refuses its unknown shape.
    "`tf.py_function`": (
        "fails: UnknownError",
        "fails: UnknownError",
        "fails: UnknownError",
        "fails: ValueError",
    ),
    "`tf.custom_gradient`": (V, V, V, V),
}


def test_the_expected_verdicts_were_measured_on_the_building_tensorflow():
    assert MEASURED_ON == BUILDING_TENSORFLOW, (
        f"constraints.txt now pins TensorFlow {BUILDING_TENSORFLOW}: run this module there, and commit "
        "the verdicts it measures in EXPECTED and MEASURED_ON"
    )


def test_every_row_has_expected_verdicts():
    assert [case.name for case in CASES] == list(EXPECTED)


@pytest.mark.parametrize("case", CASES, ids=lambda case: re.sub(r"\W+", "-", case.name).strip("-"))
def test_the_row_has_its_committed_verdicts(case):
    verdicts = tuple(verdict.short for verdict in measure(case).verdicts)
    assert verdicts == EXPECTED[case.name], (
        f"{case.name}: pfor's verdicts changed on TensorFlow {tf.__version__}: {verdicts}; "
        f"committed: {EXPECTED[case.name]}"
    )
