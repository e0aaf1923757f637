"""The Rosetta page: TensorFlow and JAX agree where the page says so and differ where it says they differ.

Random shapes (batches of 1 to 4, widths of 1 to 4, outputs of 1 to 3), float64 values in
[-2, 2]; every result must equal its closed form within 1e-12 (examples.TOLERANCE). The
recorded PyTorch results must come from this tree's PyTorch source (the hash) and equal
TensorFlow's. JAX is skipped only where it is not installed (`tests_tf`); the default
`tests` session sets TAPEGUIDE_REQUIRE_JAX, so there it must run.
"""

from __future__ import annotations

import ast
import os
import re

import numpy as np
import pytest
from hypothesis import given, settings
from page_sources import code_cells, headings
from rosetta_inputs import SIZES, random_inputs

if os.environ.get("TAPEGUIDE_REQUIRE_JAX"):
    import jax  # noqa: F401  (the default sessions install it: fail here, never skip)
else:
    pytest.importorskip("jax", reason="JAX needs NumPy 2; the tests_tf sessions do not install it")

from snippets.rosetta import jax_side, recording, tensorflow_side
from snippets.rosetta.examples import (
    CASES,
    CLOSED_FORMS,
    EXAMPLE_INPUTS,
    EXPECTED,
    INPUTS,
    LIBRARIES,
    TOLERANCE,
    anchor,
    check,
)

ROOT = recording.ROOT


def run(case: str, library: str, inputs) -> dict:
    module, suffix = {"TensorFlow": (tensorflow_side, "tensorflow"), "JAX": (jax_side, "jax")}[library]
    return getattr(module, f"{case}_{suffix}")(*inputs)


def by_closed_form(case: str, library: str, results: dict) -> dict:
    return {EXPECTED[case][library][call]: value for call, value in results.items()}


@pytest.mark.parametrize("case", CASES)
@settings(max_examples=12)
@given(sizes=SIZES)
def test_tensorflow_and_jax_agree_with_the_closed_forms_and_each_other(case, sizes):
    inputs = random_inputs(case, *sizes)
    tensorflow, jax_results = run(case, "TensorFlow", inputs), run(case, "JAX", inputs)
    check(case, "TensorFlow", tensorflow, inputs)
    check(case, "JAX", jax_results, inputs)
    tf_forms = by_closed_form(case, "TensorFlow", tensorflow)
    for form, value in by_closed_form(case, "JAX", jax_results).items():
        if form in tf_forms and isinstance(value, np.ndarray):
            assert np.max(np.abs(value - tf_forms[form]), initial=0.0) <= TOLERANCE, (case, form)


@settings(max_examples=12)
@given(sizes=SIZES)
def test_interacting_rows_differ_where_the_page_says(sizes):
    (x,) = random_inputs("interacting_rows", *sizes)  # at least 2 rows, values in [0.5, 2]
    tensorflow = run("interacting_rows", "TensorFlow", (x,))
    jax_results = run("interacting_rows", "JAX", (x,))
    batch_jacobian = tensorflow["tape.batch_jacobian(y, x)"]
    sum_trick = jax_results["jax.jacrev(lambda x: f(x).sum(0))(x), batch axis first"]
    per_row = jax_results["jax.vmap(jax.jacrev(f))(x)"]
    diagonal = tensorflow["diagonal blocks of tape.jacobian(y, x)"]
    assert np.max(np.abs(sum_trick - batch_jacobian)) <= TOLERANCE  # agree
    assert np.max(np.abs(per_row - batch_jacobian)) >= 0.5  # differ
    assert np.max(np.abs(diagonal - batch_jacobian)) >= 0.5
    assert np.max(np.abs(diagonal - per_row)) >= 0.5


@settings(max_examples=12)
@given(sizes=SIZES)
def test_complex_gradients_are_conjugates(sizes):
    (z,) = random_inputs("complex_inputs", *sizes)
    tensorflow, jax_results = (
        list(run("complex_inputs", library, (z,)).values()) for library in LIBRARIES[:2]
    )
    for tf_value, jax_value in zip(tensorflow, jax_results, strict=True):
        assert np.max(np.abs(tf_value - np.conj(jax_value))) <= TOLERANCE
        # conjugates differ wherever the result is not real
        assert np.max(np.abs(jax_value.imag)) < 1e-9 or not np.allclose(tf_value, jax_value)


def test_the_recording_comes_from_this_source():
    assert recording.load_recording().source_sha256 == recording.source_sha256(), (
        "snippets/rosetta/torch_side.py or examples.py changed since docs/_data/rosetta-torch.json was "
        "recorded: run `python3 noxfile.py -s rosetta_torch` and commit the JSON"
    )


def test_a_stale_recording_is_refused(tmp_path):
    stale = recording.load_recording().to_json().replace(recording.source_sha256(), "0" * 64)
    (tmp_path / "stale.json").write_text(stale)
    with pytest.raises(recording.StaleRecording):
        recording.recorded("jacobian_torch", path=tmp_path / "stale.json")


def test_the_recording_holds_every_torch_function():
    tree = ast.parse((ROOT / "snippets/rosetta/torch_side.py").read_text(encoding="utf-8"))
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)} - {"record_all"}
    expected = {f"{case}_torch" for case in CASES} | {f"{name}_torch" for name in EXAMPLE_INPUTS}
    assert functions == expected
    assert set(recording.load_recording().results) == expected


@pytest.mark.parametrize("case", CASES)
def test_recorded_torch_results_equal_closed_forms_and_tensorflow(case):
    torch_results = recording.recorded(f"{case}_torch")
    check(case, "PyTorch", torch_results)
    tf_forms = by_closed_form(case, "TensorFlow", run(case, "TensorFlow", INPUTS[case]))
    for form, value in by_closed_form(case, "PyTorch", torch_results).items():
        if form in tf_forms and isinstance(value, np.ndarray):
            assert np.max(np.abs(value - tf_forms[form]), initial=0.0) <= TOLERANCE, (case, form)


def test_every_case_has_closed_forms_for_what_it_expects():
    for case in CASES:
        forms = CLOSED_FORMS[case](*INPUTS[case])
        for library in LIBRARIES:
            for form in EXPECTED[case][library].values():
                assert form in forms or form in ("None", "raises RuntimeError"), (case, library, form)


def test_each_case_has_its_section_on_the_page():
    page = ROOT / "docs/rosetta.md"
    sections = [heading.text for heading in headings(page) if heading.level == 2]
    cells = "\n".join(cell.source for cell in code_cells(page))
    for case, title in CASES.items():
        assert title in sections, f"docs/rosetta.md has no section '## {title}'"
        assert anchor(case) == "-".join(re.sub(r"[^\w\s-]", "", title.lower()).split())
        assert f'"{case}"' in cells or f"{case}_tensorflow(" in cells, f"the page never runs {case}"


def test_the_cheat_sheet_links_the_rosetta_table():
    sheet = (ROOT / "docs/cheat-sheet.md").read_text(encoding="utf-8")
    assert "rosetta_table_markdown(" in sheet and "rosetta.md" in sheet
