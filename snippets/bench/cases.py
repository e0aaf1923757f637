"""The benchmark's cases: the sweeps of sizes, each case's inputs and closed-form reference, and the check.

A case is one problem at one set of sizes (:data:`snippets.bench.schema.CASE_KEYS`); a
sweep varies one size over some values while the others stay fixed. Every method's result
is compared with the case's float64 reference before it is timed (:func:`check_agreement`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from snippets.bench import methods as bench_methods
from snippets.bench.schema import CASE_KEYS, SweepRecord, case_id

RELATIVE_TOLERANCE = 1e-4
"""How far (relative to the largest reference entry) a float32 result may stray from the float64 reference."""


@dataclass(frozen=True)
class Sweep:
    """One parameter varied over ``values`` while ``fixed`` holds the others.

    >>> Sweep("batch", "per-example", "batch", (1, 4), {"input_width": 2, "output_width": 3}).cases()
    [{'problem': 'per-example', 'batch': 1, 'input_width': 2, 'output_width': 3}, ...]
    """

    name: str
    problem: str
    varies: str
    values: tuple[int, ...]
    fixed: dict = field(default_factory=dict)
    case_budget_s: float | None = None
    """A larger budget per case than the protocol's, for a sweep whose compiled methods take long to build."""

    def record(self, default_budget_s: float) -> SweepRecord:
        """What the JSON records about this sweep: its cases by id, and its budget per case.

        >>> Sweep("hessian_width", "hessian-vector", "width", (8, 2)).record(20.0).cases
        ['hvp n=2', 'hvp n=8']
        """
        return SweepRecord(
            name=self.name,
            problem=self.problem,
            varies=self.varies,
            values=sorted(self.values),
            fixed=self.fixed,
            case_budget_s=self.case_budget_s or default_budget_s,
            cases=[case_id(c) for c in self.cases()],
        )

    def cases(self) -> list[dict]:
        """The cases of this sweep, one per value, in increasing order.

        >>> [c["width"] for c in Sweep("hessian_width", "hessian-vector", "width", (8, 2)).cases()]
        [2, 8]
        """
        keys = CASE_KEYS[self.problem]
        return [
            {"problem": self.problem, **{k: ({**self.fixed, self.varies: value})[k] for k in keys}}
            for value in sorted(self.values)
        ]


WIDTHS = (2, 8, 32, 128, 512)
"""The input and output widths the two width sweeps go through."""

FULL_SWEEPS = (
    Sweep("batch", "per-example", "batch", (1, 4, 16, 64, 256), {"input_width": 16, "output_width": 16}),
    # One width stays narrow while the other grows 64-fold past it: forward mode's cost follows
    # the input width and reverse mode's the output width, so each should win on one side.
    Sweep("input_width", "per-example", "input_width", WIDTHS, {"batch": 16, "output_width": 8}),
    Sweep("output_width", "per-example", "output_width", WIDTHS, {"batch": 16, "input_width": 8}),
    Sweep("hessian_width", "hessian-vector", "width", (16, 64, 256, 1024, 4096)),
    # The jacobian of the loss vector at batch 1024 optimises a large graph on its first call
    # (its first_call_s in the JSON); a larger budget lets the sweep time it instead of skipping it.
    Sweep("weights_batch", "weight-gradients", "batch", (16, 64, 256, 1024), {"model": "mlp"}, 60.0),
    Sweep("conv_weights_batch", "weight-gradients", "batch", (16, 64, 256, 1024), {"model": "conv"}, 60.0),
)
"""The sweeps of the committed JSON; the widths' sweeps share their middle case."""

QUICK_SWEEPS = (
    Sweep("batch", "per-example", "batch", (1, 2), {"input_width": 2, "output_width": 3}),
    Sweep("input_width", "per-example", "input_width", (2,), {"batch": 2, "output_width": 3}),
    Sweep("output_width", "per-example", "output_width", (3,), {"batch": 2, "input_width": 2}),
    Sweep("hessian_width", "hessian-vector", "width", (3,)),
    Sweep("weights_batch", "weight-gradients", "batch", (2, 3), {"model": "mlp"}),
    Sweep("conv_weights_batch", "weight-gradients", "batch", (2,), {"model": "conv"}),
)
"""Tiny sizes for the tests: they exercise every method and every code path in seconds."""


def methods_for(problem: str) -> list[str]:
    """The names of the methods that solve ``problem``, in the registry's order.

    >>> methods_for("hessian-vector")
    ['hvp_reverse_over_reverse', 'hvp_forward_over_reverse', 'hessian_then_product']
    """
    return [name for name, method in bench_methods.METHODS.items() if method.problem == problem]


def result_bytes(case: dict, method: str) -> int:
    """The size of the method's result in float32: per-example ``b*m*n``, full ``b*m*b*n``, HVP ``n``.

    Per-example weight gradients hold ``b`` times the classifier's number of weights.

    >>> result_bytes({"problem": "per-example", "batch": 4, "input_width": 2, "output_width": 3}, "jacobian")
    384
    >>> result_bytes({"problem": "weight-gradients", "model": "mlp", "batch": 2}, "weights_gradient_loop")
    153680
    >>> result_bytes({"problem": "weight-gradients", "model": "conv", "batch": 2}, "weights_gradient_loop")
    126160
    """
    if case["problem"] == "hessian-vector":
        return 4 * case["width"]
    if case["problem"] == "weight-gradients":
        inputs = make_inputs({**case, "batch": 1})
        return 4 * case["batch"] * sum(int(np.prod(w.shape)) for w in inputs[2:])
    size = case["batch"] * case["output_width"] * case["input_width"]
    return 4 * size * (case["batch"] if bench_methods.METHODS[method].full else 1)


def check_agreement(method: str, case: dict, result, reference: np.ndarray) -> dict:
    """Compare a method's result with the float64 reference; raise ``AssertionError`` if they disagree.

    Full Jacobians are compared on their diagonal blocks, and their other blocks must be zero.

    >>> case = {"problem": "per-example", "batch": 2, "input_width": 3, "output_width": 4}
    >>> inputs = make_inputs(case, hidden_width=8)
    >>> reference = make_reference(case, inputs)
    >>> check_agreement("batch_jacobian", case, reference + 1e-7, reference)["relative_error"] < 1e-6
    True
    >>> check_agreement("batch_jacobian", case, reference + 1.0, reference)
    Traceback (most recent call last):
    ...
    AssertionError: batch_jacobian disagrees with the closed form at b=2 n=3 m=4: ...
    """
    info = bench_methods.METHODS[method]
    if case["problem"] == "per-example":
        found = bench_methods.per_example_blocks(result, case["batch"], info.full)
    elif case["problem"] == "weight-gradients":
        found = bench_methods.flattened_weight_gradients(result)
    else:
        found = np.asarray(result)
    if found.shape != reference.shape:
        raise AssertionError(
            f"{method} returned shape {found.shape} at {case_id(case)}, expected {reference.shape}"
        )
    scale = max(float(np.abs(reference).max()), np.finfo(np.float32).tiny)
    relative_error = float(np.abs(found - reference).max()) / scale
    cross = bench_methods.largest_cross_example_entry(result, case["batch"]) if info.full else 0.0
    if not relative_error <= RELATIVE_TOLERANCE or cross / scale > RELATIVE_TOLERANCE:
        raise AssertionError(
            f"{method} disagrees with the closed form at {case_id(case)}: "
            f"relative error {relative_error:.3g}, "
            f"largest cross-example entry {cross:.3g} (tolerance {RELATIVE_TOLERANCE:g})"
        )
    return {"relative_error": relative_error, "largest_cross_example_entry": cross if info.full else None}


def make_inputs(case: dict, hidden_width: int = bench_methods.HIDDEN_WIDTH) -> tuple:
    """The input tensors of a case, the same for every method.

    >>> [tuple(t.shape) for t in make_inputs({"problem": "hessian-vector", "width": 3}, hidden_width=4)]
    [(3,), (3,), (3, 4), (4,)]
    """
    if case["problem"] == "per-example":
        return bench_methods.jacobian_inputs(
            case["batch"], case["input_width"], case["output_width"], hidden_width=hidden_width
        )
    if case["problem"] == "weight-gradients" and case["model"] == "conv":
        return bench_methods.conv_classifier_inputs(case["batch"])
    if case["problem"] == "weight-gradients":
        return bench_methods.classifier_inputs(case["batch"])
    return bench_methods.hessian_inputs(case["width"], hidden_width=hidden_width)


def make_reference(case: dict, inputs: tuple) -> np.ndarray:
    """The closed-form float64 answer: per-example Jacobians ``[b, m, n]``, weight gradients or ``H v``.

    >>> case = {"problem": "per-example", "batch": 2, "input_width": 3, "output_width": 4}
    >>> make_reference(case, make_inputs(case)).shape
    (2, 4, 3)
    """
    if case["problem"] == "per-example":
        return bench_methods.reference_per_example_jacobian(*inputs)
    if case["problem"] == "weight-gradients":
        return bench_methods.reference_weight_gradients(*inputs)
    return bench_methods.reference_hessian_vector_product(*inputs)
