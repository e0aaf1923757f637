"""Time every way to get per-example Jacobians and Hessian-vector products, and their peak memory.

Run it as ``python -m snippets.bench``. This module runs and times; the cases and their
checks are in :mod:`snippets.bench.cases`, the methods in :mod:`snippets.bench.methods`,
the JSON's format in :mod:`snippets.bench.schema`.

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
import datetime
import math
import multiprocessing
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import tensorflow as tf

from snippets.bench import methods as bench_methods
from snippets.bench.cases import (
    FULL_SWEEPS,
    QUICK_SWEEPS,
    RELATIVE_TOLERANCE,
    Sweep,
    check_agreement,
    make_inputs,
    make_reference,
    methods_for,
    result_bytes,
)
from snippets.bench.memory import MEMORY_PROTOCOL, memory_baseline, memory_measurable, peak_resident_bytes
from snippets.bench.schema import (
    RESULTS_PATH,
    SCHEMA_VERSION,
    BenchmarkRecord,
    GitState,
    Machine,
    RecordedProtocol,
    Result,
    Versions,
    case_id,
    dumps,
)
from snippets.bench.statistics import median, set_ratios_to_fastest
from snippets.support.environment import configure

ROOT = Path(__file__).resolve().parent.parent.parent


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

    def record(self, memory: str | None) -> RecordedProtocol:
        """What the JSON records about the protocol: these settings, the limits they imply, the tolerance.

        >>> QUICK_PROTOCOL.record(memory=None).child_timeout_s
        19.0
        """
        return RecordedProtocol(
            **asdict(self),
            slowest_call_s=self.slowest_call_s,
            child_timeout_s=self.child_timeout_s,
            relative_tolerance=RELATIVE_TOLERANCE,
            memory=memory,
        )


FULL_PROTOCOL = Protocol()
QUICK_PROTOCOL = Protocol(repeats=2, min_repeats=1, min_run_s=0.0, target_s=0.0, case_budget_s=6.0)


def measure(
    method: str, case: dict, protocol: Protocol = FULL_PROTOCOL, measure_memory: bool = False
) -> Result:
    """Check one method on one case against the reference, then time it; return its result.

    With ``measure_memory`` (only honest in a fresh process, see :data:`MEMORY_PROTOCOL`),
    the record also holds the peak resident memory above the baseline.

    >>> case = {"problem": "per-example", "batch": 2, "input_width": 2, "output_width": 2}
    >>> found = measure("gradient_per_output_loop", case, QUICK_PROTOCOL)
    >>> found.status, found.median_s > 0, found.relative_error < 1e-4
    ('ok', True, True)
    """
    load = os.getloadavg()[0]
    inputs = make_inputs(case, protocol.hidden_width)
    reference = make_reference(case, inputs)
    compute = bench_methods.METHODS[method].prepare()
    baseline = memory_baseline() if measure_memory else None

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

    found = Result(
        case=case_id(case),
        method=method,
        status="ok",
        reason=None,
        trace_s=trace_s,
        first_call_s=first_call_s,
        median_s=None,
        peak_memory_bytes=None,
        result_bytes=result_bytes(case, method),
        load_1min=load,
        **agreement,
    )
    if first_call_s > protocol.slowest_call_s:
        found.status = "skipped"
        found.reason = (
            f"its first call took {first_call_s:.3g} s: with a warm-up call and {protocol.min_repeats} timed "
            f"runs it would overrun the {protocol.case_budget_s:g} s budget per case"
        )
    else:
        runs, calls = time_calls(compute, inputs, protocol, spent_s=first_call_s + (trace_s or 0.0))
        found.median_s, found.runs_s, found.calls_per_run = median(runs), runs, calls
    if baseline is not None:
        found.peak_memory_bytes = peak_resident_bytes() - baseline
    return found


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


def _child(connection, method: str, case: dict, protocol: dict) -> None:
    """Entry point of a child process: measure one pair with memory and send the result back.

    The child starts from the forkserver, which imported the methods and nothing else: it
    makes TensorFlow quiet and seeds it here, as every process the benchmark runs does.
    """
    try:
        configure()
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
        self.context.set_forkserver_preload(["snippets.bench.worker"])

    def measure(self, method: str, case: dict, protocol: Protocol) -> Result:
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


def _skipped(method: str, case: dict, reason: str) -> Result:
    return Result(
        case=case_id(case),
        method=method,
        status="skipped",
        reason=reason,
        first_call_s=None,
        median_s=None,
        peak_memory_bytes=None,
        result_bytes=result_bytes(case, method),
        load_1min=os.getloadavg()[0],
    )


# --- The whole run -------------------------------------------------------------------------------


def run_sweeps(sweeps, protocol: Protocol, in_process: bool = False, log=print) -> list[Result]:
    """Measure every method on every case of ``sweeps``; return the results, ratios to the fastest included.

    A case shared by two sweeps is measured once. Within a sweep, a method skipped at one
    size is skipped at the larger ones without being run.

    >>> sweeps = [Sweep("hessian_width", "hessian-vector", "width", (3,))]
    >>> records = run_sweeps(sweeps, QUICK_PROTOCOL, in_process=True, log=lambda line: None)
    >>> [(r.method, r.status) for r in records]
    [('hvp_reverse_over_reverse', 'ok'), ('hvp_forward_over_reverse', 'ok'), ('hessian_then_product', 'ok')]
    """
    children = None if in_process else _Children()
    records: dict[tuple[str, str], Result] = {}
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
    set_ratios_to_fastest(list(records.values()))
    return list(records.values())


def _reason_to_skip(records, chosen: Sweep, previous, method) -> str | None:
    if previous is not None and records[(case_id(previous), method)].status == "skipped":
        return f"skipped at the smaller {chosen.varies.replace('_', ' ')} of {case_id(previous)}"
    return None


def _progress_line(done: int, total: int, found: Result) -> str:
    if found.status == "ok":
        memory = (
            "" if found.peak_memory_bytes is None else f"  peak {found.peak_memory_bytes / 2**20:.1f} MiB"
        )
        trace = "" if found.trace_s is None else f"trace {found.trace_s:.2f} s, "
        what = f"{found.median_s * 1e3:10.3f} ms  ({trace}first call {found.first_call_s:.2f} s){memory}"
    else:
        what = f"skipped: {found.reason}"
    return f"[{done:3d}/{total}] {found.case:16s} {found.method:28s} {what}"


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

    TensorFlow is made quiet and seeded first (:func:`snippets.support.environment.configure`).

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
    configure()
    started = time.perf_counter()
    sweeps, protocol = (QUICK_SWEEPS, QUICK_PROTOCOL) if args.quick else (FULL_SWEEPS, FULL_PROTOCOL)
    measure_memory = not args.in_process and memory_measurable()
    machine = Machine(**machine_description())
    created = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    results = run_sweeps(sweeps, protocol, in_process=args.in_process or not measure_memory, log=log)
    machine.load_average_end = list(os.getloadavg())
    record = BenchmarkRecord(
        schema_version=SCHEMA_VERSION,
        created=created,
        command=" ".join(["python -m snippets.bench", *(argv if argv is not None else sys.argv[1:])]),
        mode="quick" if args.quick else "full",
        memory_measured=measure_memory,
        machine=machine,
        versions=Versions(python=platform.python_version(), tensorflow=tf.__version__, numpy=np.__version__),
        git=GitState(**git),
        draft=draft,
        protocol=protocol.record(MEMORY_PROTOCOL if measure_memory else None),
        methods={name: method.info() for name, method in bench_methods.METHODS.items()},
        cases={case_id(c): c for s in sweeps for c in s.cases()},
        sweeps=[s.record(protocol.case_budget_s) for s in sweeps],
        results=results,
        duration_s=time.perf_counter() - started,
    )
    record = BenchmarkRecord.from_json(_rounded(record.to_json()))
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(dumps(record), encoding="utf-8")
    log(f"wrote {output} in {record.duration_s:.0f} s")
    return record.to_json()


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
