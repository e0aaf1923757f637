"""The PyTorch side of the Rosetta page agrees with its closed forms and with TensorFlow, on random shapes.

Runs in the opt-in `rosetta_torch` session only (PyTorch is not in the default sessions);
the default `tests` session checks the recorded results instead (tests/test_rosetta.py).
Tolerance: 1e-12 absolute (examples.TOLERANCE), float64 inputs in [-2, 2].
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from rosetta_inputs import SIZES, random_inputs

pytest.importorskip("torch", reason="PyTorch runs in the opt-in rosetta_torch session")

from snippets.rosetta import tensorflow_side, torch_side
from snippets.rosetta.examples import CASES, EXPECTED, TOLERANCE, check
from snippets.rosetta.recording import record, source_sha256


@pytest.mark.parametrize("case", CASES)
@settings(max_examples=15)
@given(sizes=SIZES)
def test_torch_matches_closed_forms_and_tensorflow(case, sizes):
    inputs = random_inputs(case, *sizes)
    torch_results = getattr(torch_side, f"{case}_torch")(*inputs)
    check(case, "PyTorch", torch_results, inputs)
    tf_results = getattr(tensorflow_side, f"{case}_tensorflow")(*inputs)
    by_form = {EXPECTED[case]["TensorFlow"][call]: value for call, value in tf_results.items()}
    for call, value in torch_results.items():
        form = EXPECTED[case]["PyTorch"][call]
        if form in by_form and isinstance(value, np.ndarray):
            assert np.max(np.abs(value - by_form[form]), initial=0.0) <= TOLERANCE, (case, call)


def test_a_recording_is_of_this_tree():
    assert record().source_sha256 == source_sha256()
