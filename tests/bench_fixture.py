"""A small benchmark record for the report's doctests and tests, built with the schema's classes.

Two per-example cases and three methods, and a Hessian-vector sweep left empty: every number
in it is made up, so the conclusions the report draws from it are known in advance.
"""

from __future__ import annotations

from snippets.bench.schema import (
    BenchmarkRecord,
    GitState,
    Machine,
    MethodInfo,
    RecordedProtocol,
    Result,
    SweepRecord,
    Versions,
)

SMALL, LARGE = "b=1 n=2 m=2", "b=4 n=2 m=2"


def _result(case, method, median, first, memory=None, ratio=None, trace=None) -> Result:
    return Result(
        case=case,
        method=method,
        status="ok",
        reason=None,
        trace_s=trace,
        median_s=median,
        first_call_s=first,
        peak_memory_bytes=memory,
        ratio_to_fastest=ratio,
    )


def _method(label: str, compiled: bool, full: bool = False) -> MethodInfo:
    return MethodInfo(label=label, problem="per-example", compiled=compiled, full=full, mode="reverse")


def example_record() -> BenchmarkRecord:
    """A minimal, valid record of a quick run."""
    return BenchmarkRecord(
        schema_version=2,
        created="2026-01-01T00:00:00+00:00",
        command="python -m snippets.bench --quick",
        mode="quick",
        memory_measured=False,
        machine=Machine(
            cpu_model="Test CPU",
            cores=2,
            load_average_start=[0.5, 0.5, 0.5],
            load_average_end=[1.0, 1.0, 1.0],
        ),
        versions=Versions(python="3.11.7", tensorflow="2.21.0", numpy="2.4.6"),
        git=GitState(commit="0123456789abcdef", dirty=False),
        draft=True,
        protocol=RecordedProtocol(
            dtype="float32",
            hidden_width=64,
            repeats=7,
            min_repeats=3,
            min_run_s=0.05,
            target_s=3.0,
            case_budget_s=12.0,
            slowest_call_s=2.4,
            child_timeout_s=28.0,
            memory="",
        ),
        methods={
            "batch_jacobian": _method("batch_jacobian", False),
            "batch_jacobian_function": _method("batch_jacobian, tf.function", True),
            "jacobian_function": _method("jacobian (full), tf.function", True, full=True),
        },
        cases={
            SMALL: {"problem": "per-example", "batch": 1, "input_width": 2, "output_width": 2},
            LARGE: {"problem": "per-example", "batch": 4, "input_width": 2, "output_width": 2},
        },
        sweeps=[
            SweepRecord(
                name="batch",
                problem="per-example",
                varies="batch",
                values=[1, 4],
                fixed={"input_width": 2, "output_width": 2},
                cases=[SMALL, LARGE],
            ),
            SweepRecord(
                name="input_width",
                problem="per-example",
                varies="input_width",
                values=[2],
                fixed={"batch": 4, "output_width": 2},
                cases=[LARGE],
            ),
            SweepRecord(
                name="output_width",
                problem="per-example",
                varies="output_width",
                values=[2],
                fixed={"batch": 4, "input_width": 2},
                cases=[LARGE],
            ),
            SweepRecord(name="hessian_width", problem="hessian-vector", varies="width", values=[], cases=[]),
        ],
        results=[
            _result(SMALL, "batch_jacobian", 0.1, 0.2, None, 100.0),
            _result(SMALL, "batch_jacobian_function", 0.001, 0.1, 2**20, 1.0, trace=0.4),
            _result(SMALL, "jacobian_function", 0.002, 0.1, 2**21, 2.0, trace=0.5),
            _result(LARGE, "batch_jacobian", 0.05, 0.2, None, 50.0),
            _result(LARGE, "batch_jacobian_function", 0.001, 0.1, 2**20, 1.0, trace=0.4),
            _result(LARGE, "jacobian_function", 0.016, 0.1, 2**22, 16.0, trace=0.5),
        ],
        duration_s=12.0,
    )


def example() -> dict:
    """The same record as the JSON dict the report's functions read."""
    return example_record().to_json()
