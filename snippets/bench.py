"""Time every way to get per-example Jacobians and Hessian-vector products, and their peak memory.

Run it as ``python -m snippets.bench``.

The harness sweeps the batch size, the input width and the output width (and the width of
``x`` for Hessian-vector products), checks in every case that each method agrees with a
closed-form reference, and writes what it measured to ``docs/_data/benchmarks.json``:

    python -m snippets.bench                  # the full sweep, from a clean, committed tree
    python -m snippets.bench --draft          # the same from a tree with uncommitted changes
    python -m snippets.bench --quick          # tiny sizes, seconds: for the tests (a draft)
    python -m snippets.bench --output PATH    # write somewhere else

The JSON records the commit it was measured at; the full run refuses a tree with
uncommitted changes unless ``--draft`` says the results are a draft, which the costs page
then says.

Each (method, case) pair runs in its own child process, forked from a server process that
has imported TensorFlow but never run an operation, so that every measurement starts from
an empty TensorFlow allocator and its peak memory is its own. ``--in-process`` runs every
pair in this process instead: faster, but peak memory is then not measured, because
TensorFlow's CPU allocator keeps the memory that earlier cases freed.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import gc
import json
import math
import multiprocessing
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import tensorflow as tf

from snippets import bench_methods
from snippets.bench_report import RESULTS_PATH, SCHEMA_VERSION, median, ratios_to_fastest, validate_results

ROOT = Path(__file__).resolve().parent.parent

RELATIVE_TOLERANCE = 1e-4
"""How far (relative to the largest reference entry) a float32 result may stray from the float64 reference."""

MEMORY_PROTOCOL = (
    "Peak memory is the largest resident set size (Linux's VmHWM) of a child process that ran only "
    "this method on this case, minus its resident set size just before the method was traced or "
    "first called: "
    "the child was forked from a process that had imported TensorFlow but never run an operation, "
    "ran one tiny operation to start TensorFlow's runtime, built the inputs and the float64 reference, "
    "returned freed C memory to the system (malloc_trim), reset the high-water mark "
    "(/proc/self/clear_refs) and read its baseline. The peak therefore covers tf.function tracing, "
    "the first call, the warm-up and every timed call, with results dropped "
    "between calls: it is the memory the method needs on top of the inputs, not the process's total."
)


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


CASE_KEYS = {
    "per-example": ("batch", "input_width", "output_width"),
    "hessian-vector": ("width",),
    "weight-gradients": ("model", "batch"),
}
"""The sizes that make up a case of each problem."""

WIDTHS = (2, 8, 32, 128, 512)

FULL_SWEEPS = (
    Sweep("batch", "per-example", "batch", (1, 4, 16, 64, 256), {"input_width": 16, "output_width": 16}),
    # One width stays narrow while the other grows 64-fold past it: forward mode's cost follows
    # the input width and reverse mode's the output width, so each should win on one side.
    Sweep("input_width", "per-example", "input_width", WIDTHS, {"batch": 16, "output_width": 8}),
    Sweep("output_width", "per-example", "output_width", WIDTHS, {"batch": 16, "input_width": 8}),
    Sweep("hessian_width", "hessian-vector", "width", (16, 64, 256, 1024, 4096)),
    # The jacobian of the loss vector at batch 1024 spends seconds optimising its graph on the
    # first call; a larger budget lets the sweep time it instead of skipping it.
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


@dataclass(frozen=True)
class Protocol:
    """How each (method, case) pair is timed.

    A pair whose first call takes longer than ``case_budget_s / (min_repeats + 2)`` is
    skipped: a first call, a warm-up call and ``min_repeats`` timed runs would not fit.
    Timing stops after ``repeats`` runs, or after ``min_repeats`` once the pair has used
    ``target_s`` seconds.

    >>> round(Protocol().slowest_call_s, 2)
    2.86
    """

    repeats: int = 7
    min_repeats: int = 5
    min_run_s: float = 0.05
    target_s: float = 3.0
    case_budget_s: float = 20.0
    hidden_width: int = bench_methods.HIDDEN_WIDTH
    dtype: str = "float32"

    @property
    def slowest_call_s(self) -> float:
        """The longest first call that still leaves room for the timed runs within the budget."""
        return self.case_budget_s / (self.min_repeats + 2)

    @property
    def child_timeout_s(self) -> float:
        """How long a child may run before it is stopped and its pair recorded as skipped.

        >>> Protocol(case_budget_s=10.0).child_timeout_s
        25.0
        """
        return 1.5 * self.case_budget_s + 10.0


FULL_PROTOCOL = Protocol()
QUICK_PROTOCOL = Protocol(repeats=2, min_repeats=1, min_run_s=0.0, target_s=0.0, case_budget_s=6.0)


def case_id(case: dict) -> str:
    """A short readable name for a case, used as its key in the JSON.

    >>> case_id({"problem": "per-example", "batch": 16, "input_width": 32, "output_width": 4})
    'b=16 n=32 m=4'
    >>> case_id({"problem": "hessian-vector", "width": 64})
    'hvp n=64'
    >>> case_id({"problem": "weight-gradients", "model": "conv", "batch": 256})
    'conv weights b=256'
    """
    if case["problem"] == "per-example":
        return f"b={case['batch']} n={case['input_width']} m={case['output_width']}"
    if case["problem"] == "weight-gradients":
        return f"{case['model']} weights b={case['batch']}"
    return f"hvp n={case['width']}"


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


# --- One measurement ---------------------------------------------------------------------------


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


def measure(
    method: str, case: dict, protocol: Protocol = FULL_PROTOCOL, measure_memory: bool = False
) -> dict:
    """Check one method on one case against the reference, then time it; return the JSON record.

    With ``measure_memory`` (only honest in a fresh process, see :data:`MEMORY_PROTOCOL`),
    the record also holds the peak resident memory above the baseline.

    >>> case = {"problem": "per-example", "batch": 2, "input_width": 2, "output_width": 2}
    >>> found = measure("gradient_per_output_loop", case, QUICK_PROTOCOL)
    >>> found["status"], found["median_s"] > 0, found["relative_error"] < 1e-4
    ('ok', True, True)
    """
    load = os.getloadavg()[0]
    inputs = make_inputs(case, protocol.hidden_width)
    reference = make_reference(case, inputs)
    compute = bench_methods.METHODS[method].prepare()
    baseline = _memory_baseline() if measure_memory else None

    trace_s = None
    if bench_methods.METHODS[method].compiled:
        start = time.perf_counter()
        compute.get_concrete_function(*inputs)
        trace_s = time.perf_counter() - start
    start = time.perf_counter()
    result = compute(*inputs)
    first_call_s = time.perf_counter() - start
    agreement = check_agreement(method, case, result, reference)
    del result

    record = {
        "case": case_id(case),
        "method": method,
        "status": "ok",
        "reason": None,
        "trace_s": trace_s,
        "first_call_s": first_call_s,
        "median_s": None,
        "runs_s": [],
        "calls_per_run": None,
        "peak_memory_bytes": None,
        "result_bytes": result_bytes(case, method),
        "load_1min": load,
        **agreement,
    }
    if first_call_s > protocol.slowest_call_s:
        record["status"] = "skipped"
        record["reason"] = (
            f"its first call took {first_call_s:.3g} s: with a warm-up call and {protocol.min_repeats} timed "
            f"runs it would overrun the {protocol.case_budget_s:g} s budget per case"
        )
    else:
        runs, calls = time_calls(compute, inputs, protocol, spent_s=first_call_s + (trace_s or 0.0))
        record.update(median_s=median(runs), runs_s=runs, calls_per_run=calls)
    if baseline is not None:
        record["peak_memory_bytes"] = _peak_resident_bytes() - baseline
    return record


def time_calls(compute, inputs: tuple, protocol: Protocol, spent_s: float = 0.0) -> tuple[list[float], int]:
    """Warm up, then time runs of ``calls`` calls each; return each run's seconds per call, and ``calls``.

    ``calls`` is chosen so that one run lasts at least ``protocol.min_run_s``. Runs stop at
    ``protocol.repeats``, or earlier once ``protocol.min_repeats`` are done and the pair has
    used ``protocol.target_s`` (``spent_s`` counts what it used before). Results are dropped
    at once, so no call's output outlives it.

    >>> runs, calls = time_calls(lambda: None, (), Protocol(repeats=4, min_run_s=0.001))
    >>> len(runs), calls > 1
    (4, True)
    """
    start = time.perf_counter()
    compute(*inputs)  # warm-up
    one_call = max(time.perf_counter() - start, 1e-7)
    calls = max(1, math.ceil(protocol.min_run_s / one_call))
    spent_s += one_call
    runs = []
    while len(runs) < protocol.repeats:
        if len(runs) >= protocol.min_repeats and spent_s >= protocol.target_s:
            break
        start = time.perf_counter()
        for _ in range(calls):
            compute(*inputs)
        elapsed = time.perf_counter() - start
        spent_s += elapsed
        runs.append(elapsed / calls)
    return runs, calls


# --- Peak memory (Linux) -------------------------------------------------------------------------


def _status_bytes(field_name: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"/proc/self/status has no {field_name}")


def _memory_baseline() -> int:
    """Return freed C memory to the system, reset the high-water mark and return the resident size."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
        clear_refs.write("5")  # "5" resets VmHWM to the current VmRSS (Linux >= 4.0)
    return _status_bytes("VmRSS")


def _peak_resident_bytes() -> int:
    return _status_bytes("VmHWM")


def memory_measurable() -> bool:
    """Whether this machine lets a process reset and read its peak resident memory (Linux with /proc).

    >>> isinstance(memory_measurable(), bool)
    True
    """
    try:
        _memory_baseline()
        _peak_resident_bytes()
    except (OSError, AttributeError):
        return False
    return True


def _child(connection, method: str, case: dict, protocol: dict) -> None:
    """Entry point of a child process: measure one pair with memory and send the record back."""
    try:
        # Start TensorFlow's runtime (thread pools, kernels of the first op) before the baseline.
        tf.tanh(tf.ones([2, 2]) @ tf.ones([2, 2])).numpy()
        connection.send(("ok", measure(method, case, Protocol(**protocol), measure_memory=True)))
    except BaseException as error:  # the parent re-raises it with the pair named
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


class _Children:
    """Runs one pair per child, forked from a server process that has imported TensorFlow."""

    def __init__(self):
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["snippets.bench_methods"])

    def measure(self, method: str, case: dict, protocol: Protocol) -> dict:
        receiver, sender = self.context.Pipe(duplex=False)
        child = self.context.Process(
            target=_child, args=(sender, method, case, asdict(protocol)), daemon=True
        )
        child.start()
        sender.close()
        try:
            if not receiver.poll(protocol.child_timeout_s):
                child.kill()
                return _skipped(
                    method,
                    case,
                    f"stopped after {protocol.child_timeout_s:g} s without finishing its first call",
                )
            kind, payload = receiver.recv()
        except EOFError:
            kind, payload = "error", f"the child process died (exit code {child.exitcode})"
        finally:
            child.join(5)
            receiver.close()
        if kind == "error":
            raise RuntimeError(f"{method} at {case_id(case)}: {payload}")
        return payload


def _skipped(method: str, case: dict, reason: str) -> dict:
    return {
        "case": case_id(case),
        "method": method,
        "status": "skipped",
        "reason": reason,
        "trace_s": None,
        "first_call_s": None,
        "median_s": None,
        "runs_s": [],
        "calls_per_run": None,
        "peak_memory_bytes": None,
        "result_bytes": result_bytes(case, method),
        "load_1min": os.getloadavg()[0],
        "relative_error": None,
        "largest_cross_example_entry": None,
    }


# --- The whole run -------------------------------------------------------------------------------


def run_sweeps(sweeps, protocol: Protocol, in_process: bool = False, log=print) -> list[dict]:
    """Measure every method on every case of ``sweeps``; return the records, ratios to the fastest included.

    A case shared by two sweeps is measured once. Within a sweep, a method skipped at one
    size is skipped at the larger ones without being run.

    >>> sweeps = [Sweep("hessian_width", "hessian-vector", "width", (3,))]
    >>> records = run_sweeps(sweeps, QUICK_PROTOCOL, in_process=True, log=lambda line: None)
    >>> [(r["method"], r["status"]) for r in records]
    [('hvp_reverse_over_reverse', 'ok'), ('hvp_forward_over_reverse', 'ok'), ('hessian_then_product', 'ok')]
    """
    children = None if in_process else _Children()
    records: dict[tuple[str, str], dict] = {}
    planned = [(s, c) for s in sweeps for c in s.cases()]
    total = len({(case_id(c), m) for s, c in planned for m in methods_for(s.problem)})
    for chosen in sweeps:
        previous = None
        budget = (
            protocol
            if chosen.case_budget_s is None
            else replace(protocol, case_budget_s=chosen.case_budget_s)
        )
        for case in chosen.cases():
            for method in methods_for(chosen.problem):
                key = (case_id(case), method)
                if key in records:
                    continue
                reason = _reason_to_skip(records, chosen, previous, method)
                if reason:
                    found = _skipped(method, case, reason)
                elif children is None:
                    found = measure(method, case, budget, measure_memory=False)
                else:
                    found = children.measure(method, case, budget)
                records[key] = found
                log(_progress_line(len(records), total, found))
            previous = case
    _add_ratios(records.values())
    return list(records.values())


def _reason_to_skip(records, chosen: Sweep, previous, method) -> str | None:
    if previous is not None and records[(case_id(previous), method)]["status"] == "skipped":
        return f"skipped at the smaller {chosen.varies.replace('_', ' ')} of {case_id(previous)}"
    return None


def _add_ratios(records) -> None:
    by_case: dict[str, list[dict]] = {}
    for found in records:
        by_case.setdefault(found["case"], []).append(found)
    for group in by_case.values():
        ratios = ratios_to_fastest({r["method"]: r["median_s"] for r in group})
        for found in group:
            found["ratio_to_fastest"] = ratios[found["method"]]


def _progress_line(done: int, total: int, found: dict) -> str:
    if found["status"] == "ok":
        memory = (
            ""
            if found["peak_memory_bytes"] is None
            else f"  peak {found['peak_memory_bytes'] / 2**20:.1f} MiB"
        )
        trace = "" if found["trace_s"] is None else f"trace {found['trace_s']:.2f} s, "
        what = (
            f"{found['median_s'] * 1e3:10.3f} ms  ({trace}first call {found['first_call_s']:.2f} s){memory}"
        )
    else:
        what = f"skipped: {found['reason']}"
    return f"[{done:3d}/{total}] {found['case']:16s} {found['method']:28s} {what}"


def machine_description() -> dict:
    """The CPU model, core count, memory and current load average of this machine.

    >>> sorted(machine_description())
    ['cores', 'cpu_model', 'load_average_start', 'memory_total_bytes', 'platform']
    """
    cpu_model = platform.processor() or "unknown CPU"
    memory_total = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            cpu_model = next(
                line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")
            )
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            memory_total = (
                int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1]) * 1024
            )
    except (OSError, StopIteration):
        pass
    return {
        "cpu_model": cpu_model,
        "cores": os.cpu_count(),
        "memory_total_bytes": memory_total,
        "platform": platform.platform(),
        "load_average_start": list(os.getloadavg()),
    }


def git_state() -> dict:
    """The commit this tree is at and whether it has uncommitted changes (``None`` outside git).

    >>> sorted(git_state())
    ['commit', 'dirty']
    """
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(status.strip())}


def _rounded(value):
    """Four significant digits for floats in the JSON: more would be noise."""
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def run(argv: list[str] | None = None, log=None) -> dict:
    """Run the benchmark as the command line ``argv`` asks, write the JSON and return it.

    >>> run(["--help"])
    Traceback (most recent call last):
    ...
    SystemExit: 0
    """
    args = _parser().parse_args(argv)
    log = log or (lambda line: print(line, flush=True))
    git = git_state()
    draft = args.draft or args.quick
    if git["dirty"] and not draft:
        raise SystemExit(
            "the tree has uncommitted changes: commit them and run again, so that the results name the "
            "code that produced them, or pass --draft to record draft results"
        )
    started = time.perf_counter()
    sweeps, protocol = (QUICK_SWEEPS, QUICK_PROTOCOL) if args.quick else (FULL_SWEEPS, FULL_PROTOCOL)
    measure_memory = not args.in_process and memory_measurable()
    machine = machine_description()
    data = {
        "schema_version": SCHEMA_VERSION,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m snippets.bench", *(argv if argv is not None else sys.argv[1:])]),
        "mode": "quick" if args.quick else "full",
        "memory_measured": measure_memory,
        "machine": machine,
        "versions": {
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "numpy": np.__version__,
        },
        "git": git,
        "draft": draft,
        "protocol": {
            **asdict(protocol),
            "slowest_call_s": protocol.slowest_call_s,
            "child_timeout_s": protocol.child_timeout_s,
            "relative_tolerance": RELATIVE_TOLERANCE,
            "memory": MEMORY_PROTOCOL if measure_memory else None,
        },
        "methods": {
            name: {
                "label": method.label,
                "problem": method.problem,
                "compiled": method.compiled,
                "full": method.full,
                "mode": method.mode,
            }
            for name, method in bench_methods.METHODS.items()
        },
        "cases": {case_id(c): c for s in sweeps for c in s.cases()},
        "sweeps": [
            {
                "name": s.name,
                "problem": s.problem,
                "varies": s.varies,
                "values": sorted(s.values),
                "fixed": s.fixed,
                "case_budget_s": s.case_budget_s or protocol.case_budget_s,
                "cases": [case_id(c) for c in s.cases()],
            }
            for s in sweeps
        ],
    }
    data["results"] = run_sweeps(sweeps, protocol, in_process=args.in_process or not measure_memory, log=log)
    machine["load_average_end"] = list(os.getloadavg())
    data["duration_s"] = time.perf_counter() - started
    data = validate_results(_rounded(data))
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"wrote {output} in {data['duration_s']:.0f} s")
    return data


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m snippets.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes in seconds, for the tests (a draft)")
    parser.add_argument(
        "--draft",
        action="store_true",
        help="allow uncommitted changes; the JSON and the costs page then call the results a draft",
    )
    parser.add_argument(
        "--output", default=str(RESULTS_PATH), help="where to write the JSON (default: %(default)s)"
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run every case in this process: faster, but peak memory is not measured",
    )
    return parser


if __name__ == "__main__":
    # Run the importable module, not this __main__ copy, so child processes find the same functions.
    from snippets import bench

    bench.run()
