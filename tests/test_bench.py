"""The benchmark harness end to end (``--quick``), its JSON, and the conclusions the costs page draws."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
from dataclasses import asdict

import numpy as np
import pytest
from bench_fixture import example, example_record

from snippets.bench import (
    advice,
    cases,
    figures,
    harness,
    queries,
    roles,
    schema,
    statistics,
    summaries,
    tables,
)
from snippets.bench import methods as bench_methods
from snippets.bench.schema import BenchmarkRecord, MethodInfo, Result, SweepRecord

# --- The harness, end to end -----------------------------------------------------------------


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One ``--quick`` run in this process (no second TensorFlow import), shared by the tests below."""
    output = tmp_path_factory.mktemp("bench") / "benchmarks.json"
    lines = []
    returned = harness.run(["--quick", "--in-process", "--output", str(output)], log=lines.append)
    return returned, output, lines


def test_quick_run_writes_valid_json(quick_run):
    returned, output, lines = quick_run
    written = schema.load_results(output)
    assert written == returned
    assert written["mode"] == "quick"
    assert written["memory_measured"] is False
    assert lines[-1].startswith(f"wrote {output}")


def test_quick_run_records_machine_and_versions(quick_run):
    data = quick_run[0]
    machine = data["machine"]
    assert machine["cpu_model"] and machine["cores"] >= 1
    assert len(machine["load_average_start"]) == len(machine["load_average_end"]) == 3
    assert set(data["versions"]) == {"python", "tensorflow", "numpy"}
    assert set(data["git"]) == {"commit", "dirty"}
    assert data["created"].endswith("+00:00")


def test_quick_run_measures_every_method_on_every_case(quick_run):
    data = quick_run[0]
    expected = {
        (schema.case_id(case), method)
        for sweep in cases.QUICK_SWEEPS
        for case in sweep.cases()
        for method in cases.methods_for(sweep.problem)
    }
    assert {(r["case"], r["method"]) for r in data["results"]} == expected
    assert set(data["methods"]) == set(bench_methods.METHODS)


def test_quick_run_methods_agree_with_the_closed_form(quick_run):
    for result in quick_run[0]["results"]:
        assert result["relative_error"] is not None, result
        assert result["relative_error"] <= cases.RELATIVE_TOLERANCE, result
        if bench_methods.METHODS[result["method"]].full:
            assert result["largest_cross_example_entry"] == 0.0, result


def test_quick_run_ratios_are_relative_to_the_fastest_in_each_case(quick_run):
    data = quick_run[0]
    for case in data["cases"]:
        records = queries.records_of_case(data, case)
        measured = [r for r in records if r["status"] == "ok"]
        assert measured, f"nothing measured at {case}"
        fastest = min(r["median_s"] for r in measured)
        for r in measured:
            assert r["ratio_to_fastest"] == pytest.approx(r["median_s"] / fastest, rel=1e-3)
            assert r["median_s"] == pytest.approx(statistics.median(r["runs_s"]), rel=1e-3)
        assert min(r["ratio_to_fastest"] for r in measured) == 1.0


def test_quick_run_times_first_calls_and_tracing_apart(quick_run):
    for result in quick_run[0]["results"]:
        assert result["first_call_s"] > 0
        if bench_methods.METHODS[result["method"]].compiled:
            assert result["trace_s"] > 0, result
        else:
            assert result["trace_s"] is None, result


def test_quick_run_sizes_results(quick_run):
    data = quick_run[0]
    record = queries.record(data, "b=2 n=2 m=3", "jacobian_function")
    assert record["result_bytes"] == 4 * 2 * 3 * 2 * 2


# --- Pieces of the harness ---------------------------------------------------------------------


def test_child_entry_point_measures_memory():
    """The code a child process runs, called here: it sends back a record with a peak memory."""
    if not harness.memory_measurable():
        pytest.skip("this system cannot reset the peak resident memory")
    receiver, sender = multiprocessing.Pipe(duplex=False)
    case = {"problem": "hessian-vector", "width": 4}
    harness._child(sender, "hvp_forward_over_reverse", case, asdict(harness.QUICK_PROTOCOL))
    kind, record = receiver.recv()
    assert kind == "ok", record
    assert record.peak_memory_bytes >= 0
    assert record.relative_error <= cases.RELATIVE_TOLERANCE


def test_child_entry_point_reports_errors():
    receiver, sender = multiprocessing.Pipe(duplex=False)
    harness._child(
        sender, "no_such_method", {"problem": "hessian-vector", "width": 4}, asdict(harness.QUICK_PROTOCOL)
    )
    kind, message = receiver.recv()
    assert kind == "error"
    assert "no_such_method" in message


def test_a_disagreeing_method_fails_the_run():
    case = {"problem": "per-example", "batch": 3, "input_width": 2, "output_width": 4}
    inputs = cases.make_inputs(case, hidden_width=8)
    reference = cases.make_reference(case, inputs)
    rows_reversed = reference[:, ::-1, :]
    with pytest.raises(AssertionError, match="disagrees with the closed form"):
        cases.check_agreement("batch_jacobian", case, rows_reversed, reference)
    with pytest.raises(AssertionError, match="returned shape"):
        cases.check_agreement("batch_jacobian", case, reference[:, :, :1], reference)


def test_a_full_jacobian_with_cross_example_terms_fails():
    case = {"problem": "per-example", "batch": 2, "input_width": 2, "output_width": 2}
    inputs = cases.make_inputs(case, hidden_width=8)
    reference = cases.make_reference(case, inputs)
    full = np.zeros((2, 2, 2, 2))
    full[0, :, 0, :], full[1, :, 1, :] = reference[0], reference[1]
    assert cases.check_agreement("jacobian", case, full, reference)["largest_cross_example_entry"] == 0.0
    full[0, :, 1, :] = 1.0
    with pytest.raises(AssertionError, match="largest cross-example entry 1"):
        cases.check_agreement("jacobian", case, full, reference)


@pytest.mark.parametrize("case", [(3, 5, 2), (1, 1, 1), (4, 2, 6)], ids=str)
def test_per_output_loop_and_forward_loop_agree_on_odd_shapes(case):
    """The two loops the page adds to the usual methods, on shapes where rows and columns differ."""
    b, n, m = case
    x, w1, w2 = bench_methods.jacobian_inputs(b, n, m, hidden_width=5)
    reference = bench_methods.reference_per_example_jacobian(x, w1, w2)
    for method in (bench_methods.gradient_per_output_loop, bench_methods.forward_mode_loop):
        np.testing.assert_allclose(method(x, w1, w2).numpy(), reference, rtol=1e-5, atol=1e-6)


def test_a_method_skipped_at_one_size_is_skipped_at_larger_ones():
    sweep = cases.Sweep("batch", "per-example", "batch", (4, 16), {"input_width": 2, "output_width": 2})
    small, _ = sweep.cases()
    key = (schema.case_id(small), "batch_jacobian")

    def found(status):
        return Result(
            case=key[0], method=key[1], status=status, reason=None, first_call_s=None, median_s=None,
            peak_memory_bytes=None,
        )  # fmt: skip

    reason = harness._reason_to_skip({key: found("skipped")}, sweep, small, "batch_jacobian")
    assert reason == "skipped at the smaller batch of b=4 n=2 m=2"
    assert harness._reason_to_skip({key: found("ok")}, sweep, small, "batch_jacobian") is None
    assert harness._reason_to_skip({}, sweep, None, "batch_jacobian") is None


def test_a_slow_first_call_is_recorded_as_skipped():
    case = {"problem": "hessian-vector", "width": 3}
    protocol = harness.Protocol(case_budget_s=1e-9)
    record = harness.measure("hvp_reverse_over_reverse", case, protocol)
    assert record.status == "skipped"
    assert record.reason.startswith("its first call took")
    assert record.median_s is None and record.first_call_s > 0


def test_full_sweep_covers_what_the_page_promises():
    sweeps = {s.name: s for s in cases.FULL_SWEEPS}
    assert min(sweeps["batch"].values) == 1 and max(sweeps["batch"].values) >= 256
    for name in ("input_width", "output_width"):
        fixed_width = sweeps[name].fixed["output_width" if name == "input_width" else "input_width"]
        values = sweeps[name].values
        # Forward mode should win on one side of the fixed width and lose on the other.
        assert min(values) < fixed_width < max(values)
        assert fixed_width in values  # the two width sweeps share their middle case


# --- The report, on a fixture whose conclusions are known ------------------------------------------


def _method(label, problem="per-example", compiled=True, full=False, mode="reverse"):
    return MethodInfo(label=label, problem=problem, compiled=compiled, full=full, mode=mode)


def _result(case, method, median_s, memory=None, status="ok"):
    return Result(
        case=case,
        method=method,
        status=status,
        reason=None if status == "ok" else "over the budget",
        trace_s=0.5,
        first_call_s=None if median_s is None else 10 * median_s,
        median_s=median_s,
        runs_s=[] if median_s is None else [median_s],
        peak_memory_bytes=memory,
    )


@pytest.fixture
def fixture_data():
    """Batch 1 and 8 with n=2, m=8 (forward mode should win), one case n=8, m=2, and two HVP widths."""
    methods = {
        "batch_jacobian": _method("BJ eager", compiled=False),
        "batch_jacobian_function": _method("BJ function"),
        "jacobian_function": _method("J function", full=True),
        "gradient_per_output_loop": _method("loop", compiled=False),
        "gradient_per_example_loop": _method("naive loop", compiled=False),
        "forward_mode_function": _method("forward", mode="forward"),
        "hvp_reverse_over_reverse": _method("rr", "hessian-vector"),
        "hvp_forward_over_reverse": _method("fr", "hessian-vector", mode="forward-over-reverse"),
        "hessian_then_product": _method("H", "hessian-vector"),
    }
    sizes = {
        "b=1 n=2 m=8": {"problem": "per-example", "batch": 1, "input_width": 2, "output_width": 8},
        "b=8 n=2 m=8": {"problem": "per-example", "batch": 8, "input_width": 2, "output_width": 8},
        "b=8 n=8 m=2": {"problem": "per-example", "batch": 8, "input_width": 8, "output_width": 2},
        "hvp n=10": {"problem": "hessian-vector", "width": 10},
        "hvp n=1000": {"problem": "hessian-vector", "width": 1000},
    }
    results = [
        _result("b=1 n=2 m=8", "batch_jacobian", 0.2, 2**20),
        _result("b=1 n=2 m=8", "batch_jacobian_function", 0.002, 2**20),
        _result("b=1 n=2 m=8", "jacobian_function", 0.003, 2**21),
        _result("b=1 n=2 m=8", "gradient_per_output_loop", 0.01, 2**19),
        _result("b=1 n=2 m=8", "gradient_per_example_loop", 0.02, 2**19),
        _result("b=1 n=2 m=8", "forward_mode_function", 0.001, 2**20),
        _result("b=8 n=2 m=8", "batch_jacobian", 0.3, 2**20),
        _result("b=8 n=2 m=8", "batch_jacobian_function", 0.003, 2**21),
        _result("b=8 n=2 m=8", "jacobian_function", 0.03, 2**24),
        _result("b=8 n=2 m=8", "gradient_per_output_loop", 0.012, 2**19),
        _result("b=8 n=2 m=8", "gradient_per_example_loop", None, status="skipped"),
        _result("b=8 n=2 m=8", "forward_mode_function", 0.0015, 2**20),
        _result("b=8 n=8 m=2", "batch_jacobian", 0.3, 2**20),
        _result("b=8 n=8 m=2", "batch_jacobian_function", 0.001, 2**20),
        _result("b=8 n=8 m=2", "jacobian_function", 0.004, 2**22),
        _result("b=8 n=8 m=2", "gradient_per_output_loop", 0.005, 2**19),
        _result("b=8 n=8 m=2", "gradient_per_example_loop", 0.5, 2**19),
        _result("b=8 n=8 m=2", "forward_mode_function", 0.002, 2**20),
        _result("hvp n=10", "hvp_reverse_over_reverse", 0.001, 2**20),
        _result("hvp n=10", "hvp_forward_over_reverse", 0.0012, 2**20),
        _result("hvp n=10", "hessian_then_product", 0.0011, 2**20),
        _result("hvp n=1000", "hvp_reverse_over_reverse", 0.002, 2**20),
        _result("hvp n=1000", "hvp_forward_over_reverse", 0.0015, 2**20),
        _result("hvp n=1000", "hessian_then_product", 0.06, 2**25),
    ]
    statistics.set_ratios_to_fastest(results)
    sweeps = [
        SweepRecord(name="batch", problem="per-example", varies="batch", values=[1, 8],
                    fixed={"input_width": 2, "output_width": 8}, cases=["b=1 n=2 m=8", "b=8 n=2 m=8"]),
        SweepRecord(name="input_width", problem="per-example", varies="input_width", values=[2, 8],
                    fixed={"batch": 8}, cases=["b=8 n=2 m=8", "b=8 n=8 m=2"]),
        SweepRecord(name="output_width", problem="per-example", varies="output_width", values=[2, 8],
                    fixed={"batch": 8}, cases=["b=8 n=8 m=2", "b=8 n=2 m=8"]),
        SweepRecord(name="hessian_width", problem="hessian-vector", varies="width", values=[10, 1000],
                    cases=["hvp n=10", "hvp n=1000"]),
    ]  # fmt: skip
    record = dataclasses.replace(
        example_record(),
        mode="full",
        memory_measured=True,
        methods=methods,
        cases=sizes,
        sweeps=sweeps,
        results=results,
    )
    record.protocol.memory = "what the memory numbers mean"
    return schema.validate_results(record.to_json())


def test_fastest_method_is_picked_per_case(fixture_data):
    winners = {
        case: statistics.fastest_method(queries.records_of_case(fixture_data, case))["method"]
        for case in fixture_data["cases"]
    }
    assert winners == {
        "b=1 n=2 m=8": "forward_mode_function",
        "b=8 n=2 m=8": "forward_mode_function",
        "b=8 n=8 m=2": "batch_jacobian_function",
        "hvp n=10": "hvp_reverse_over_reverse",
        "hvp n=1000": "hvp_forward_over_reverse",
    }


def test_decision_table_rows(fixture_data):
    table = tables.decision_table(fixture_data).splitlines()
    assert table[2] == "| 1 | 2 | 8 | forward | 1 ms | 1 MiB | BJ function, 2x | 2x |"
    assert table[3] == "| 8 | 2 | 8 | forward | 1.5 ms | 1 MiB | BJ function, 2x | 2x |"
    assert table[4] == "| 8 | 8 | 2 | BJ function | 1 ms | 1 MiB | forward, 2x | 1x |"
    hvp = tables.decision_table(fixture_data, "hessian-vector").splitlines()
    assert hvp[0].startswith("| width | fastest, or tied within noise |")
    assert hvp[3] == "| 1000 | fr | 1.5 ms | 1 MiB | rr, 1.3x | 1.3x |"


def test_noisy_runs_make_methods_indistinguishable(fixture_data):
    """A method 1.5x slower than the fastest is not clearly slower when runs spread by 2x."""
    for found in queries.records_of_case(fixture_data, "b=1 n=2 m=8"):
        if found["method"] == "batch_jacobian_function":
            found["runs_s"] = [0.0015, 0.002, 0.004]
    table = tables.decision_table(fixture_data).splitlines()
    # Neither is called fastest: the two are a tie.
    assert table[2] == "| 1 | 2 | 8 | tie: forward; BJ function | 1 ms | 1 MiB | J function, 3x | 2x |"


def test_ratio_table_marks_skipped_cases(fixture_data):
    table = tables.ratio_table(fixture_data, "batch")
    assert "| naive loop | 20x | skipped |" in table
    assert "| forward | 1x | 1x |" in table
    assert "rr" not in table  # HVP methods are not part of a Jacobian sweep


def test_rules_of_thumb_numbers(fixture_data):
    rules = advice.rules_of_thumb(fixture_data).splitlines()
    assert rules[0] == (
        "- Fastest for per-example Jacobians, or within run-to-run noise of the fastest: "
        "forward in 2 of 3 cases; BJ function in 1 of 3 cases. "
        "Never among them: BJ eager; J function; loop; naive loop."
    )
    assert "Eager batch_jacobian took 100x to 300x the time of batch_jacobian inside tf.function" in rules[1]
    assert "(3 of 3 cases slower by more than the run-to-run noise)" in rules[1]
    assert rules[1].endswith("Call batch_jacobian inside a `tf.function`.")
    assert rules[2] == (
        "- Against the fastest reverse-mode method, forward mode (forward) was, in the 2 cases whose input "
        "was narrower than the output, faster in 2, within noise in 0, slower in 0; in the 1 case whose "
        "input was wider than the output, faster in 0, within noise in 0, slower in 1. Forward mode needs "
        "one pass per input and reverse mode one per output, but a forward (JVP) pass and a backward (VJP) "
        "pass do not cost the same, and vectorisation changes both, so where forward mode starts to win is "
        "measured here, not predicted from the widths alone."
    )
    assert "1.5x the time of batch_jacobian at batch 1 and 10x at batch 8" in rules[3]
    assert "16 MiB of peak memory against 2 MiB" in rules[3]
    assert rules[3].endswith("For per-example Jacobians, call batch_jacobian.")
    assert "naive loop took 500x the time of the fastest method at b=8 n=8 m=2" in rules[4]
    assert "loop took 8x the time of the fastest method at b=8 n=2 m=8" in rules[4]
    assert rules[5].startswith("- At width 1000, the largest where it was timed, forming the Hessian first")
    assert "took 40x the time of the fastest Hessian-vector product (fr), with 32 MiB" in rules[5]


def test_first_call_table(fixture_data):
    table = tables.first_call_table(fixture_data, "b=8 n=2 m=8")
    assert "| BJ function | 500 ms | 30 ms | 3 ms | 180x |" in table
    assert "naive loop" not in table  # skipped there


def test_series_leave_out_skipped_points(fixture_data):
    series = queries.sweep_series(fixture_data, "batch")
    assert series["gradient_per_example_loop"] == ([1], [0.02])
    assert series["jacobian_function"] == ([1, 8], [0.003, 0.03])
    memory = queries.sweep_series(fixture_data, "hessian_width", "peak_memory_bytes")
    assert memory["hessian_then_product"] == ([10, 1000], [2**20, 2**25])


def test_figures_draw_every_measured_series(fixture_data):
    batch = figures.plot_against_batch(fixture_data)
    assert [len(ax.lines) for ax in batch.axes] == [6, 6]
    widths = figures.plot_against_widths(fixture_data)
    assert [len(ax.lines) for ax in widths.axes] == [6, 6, 6, 6]
    hvp = figures.plot_hessian_vector(fixture_data)
    assert [len(ax.lines) for ax in hvp.axes] == [3, 3]
    assert all(ax.get_xscale() == ax.get_yscale() == "log" for fig in (batch, widths, hvp) for ax in fig.axes)


def test_summaries_name_machine_and_memory_protocol(fixture_data):
    setup = summaries.setup_summary(fixture_data)
    assert "2 cores (Test CPU)" in setup and "TensorFlow 2.21.0" in setup and "0.50, 0.50, 0.50" in setup
    assert "tiny sizes" not in setup  # a full run
    assert summaries.memory_summary(fixture_data) == "what the memory numbers mean"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("machine"), "lacks the keys"),
        (lambda d: d.update(schema_version=0), "schema_version 0"),
        (lambda d: d["results"].append(dict(d["results"][0])), "appears twice"),
        (lambda d: d["results"][0].update(method="nope"), "method 'nope'"),
        (lambda d: d["results"][0].update(case="nope"), "case 'nope'"),
        (lambda d: d["results"][0].update(status="odd"), "status 'odd'"),
        (lambda d: d["results"][0].update(median_s=None), "no positive median_s"),
    ],
)
def test_validation_names_the_problem(fixture_data, change, message):
    change(fixture_data)
    with pytest.raises(ValueError, match=message):
        schema.validate_results(fixture_data)


def test_load_results_from_a_file(tmp_path, fixture_data):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(fixture_data))
    assert schema.load_results(path) == fixture_data
    with pytest.raises(FileNotFoundError, match=r"run python -m snippets\.bench"):
        schema.load_results(tmp_path / "missing.json")


# --- The committed results ---------------------------------------------------------------------------


def test_committed_results_are_a_full_run_with_memory():
    data = schema.load_results()
    assert data["mode"] == "full", "docs/_data/benchmarks.json must come from the full sweep"
    assert data["memory_measured"]
    assert {s["name"] for s in data["sweeps"]} == {s.name for s in cases.FULL_SWEEPS}
    for result in data["results"]:
        if result["relative_error"] is not None:
            assert result["relative_error"] <= data["protocol"]["relative_tolerance"]


def test_committed_results_come_from_a_clean_commit():
    data = schema.load_results()
    assert data["git"]["commit"], "record the benchmark inside the git repository"
    assert data["git"]["dirty"] is False, "record docs/_data/benchmarks.json from a committed tree"
    assert data["draft"] is False, "the committed results must not be a --draft run"
    for result in data["results"]:
        if result["status"] == "ok":
            assert len(result["runs_s"]) >= data["protocol"]["min_repeats"], (
                result["case"],
                result["method"],
            )


def test_full_run_refuses_a_dirty_tree(monkeypatch):
    monkeypatch.setattr(harness, "git_state", lambda: {"commit": "0" * 40, "dirty": True})
    with pytest.raises(SystemExit, match="uncommitted changes"):
        harness.run(["--output", "/dev/null"])


def test_advice_follows_the_numbers(fixture_data):
    """When a run contradicts the usual advice, the rules report the numbers and give no advice."""
    for found in fixture_data["results"]:
        if found["method"] == "batch_jacobian":
            found["median_s"] = 0.0001  # eager faster than tf.function everywhere
        if found["method"] == "hessian_then_product":
            found["median_s"] = 0.0001
    rules = advice.rules_of_thumb(fixture_data)
    assert "Call batch_jacobian inside" not in rules
    assert "(0 of 3 cases slower by more than the run-to-run noise)" in rules
    assert "not the Hessian" not in rules


# --- One schema, roles and colours ---------------------------------------------------------------------


def test_committed_results_read_and_write_back_unchanged():
    text = schema.RESULTS_PATH.read_text(encoding="utf-8")
    assert schema.dumps(BenchmarkRecord.from_json(json.loads(text))) == text


def test_the_fixture_is_a_valid_record():
    assert BenchmarkRecord.from_json(example()) == example_record()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(extra=1), r"benchmark JSON has keys this code does not know: \['extra'\]"),
        (lambda d: d["machine"].pop("cores"), r"machine lacks the keys \['cores'\]"),
        (lambda d: d["results"][0].update(speed=1), r"result b=1 n=2 m=2/batch_jacobian has keys"),
        (lambda d: d["cases"]["b=1 n=2 m=2"].pop("batch"), "is not a case of a known problem"),
        (lambda d: d["sweeps"][0].update(cases=["nope"]), "sweep 'batch' names case 'nope'"),
    ],
)
def test_the_schema_names_what_is_wrong(change, message):
    data = example()
    change(data)
    with pytest.raises(ValueError, match=message):
        BenchmarkRecord.from_json(data)


def test_every_role_the_advice_asks_for_names_one_registered_method():
    data = {"methods": {name: method.info().to_json() for name, method in bench_methods.METHODS.items()}}
    call = bench_methods.Call
    asked = {
        "batch_jacobian": {"problem": "per-example", "call": call.BATCH_JACOBIAN, "compiled": False},
        "batch_jacobian_function": {"problem": "per-example", "call": call.BATCH_JACOBIAN, "compiled": True},
        "forward_mode_function": {
            "problem": "per-example",
            "mode": "forward",
            "vectorised": True,
            "compiled": True,
        },
        "jacobian_function": {"problem": "per-example", "full": True, "vectorised": True, "compiled": True},
        "hvp_reverse_over_reverse": {"problem": "hessian-vector", "call": call.DOUBLE_BACKWARD},
        "hessian_then_product": {"problem": "hessian-vector", "call": call.HESSIAN_THEN_PRODUCT},
        "weights_jacobian_function": {"problem": "weight-gradients", "call": call.JACOBIAN, "compiled": True},
        "weights_vectorized_map_function": {
            "problem": "weight-gradients",
            "call": call.VECTORIZED_MAP,
            "compiled": True,
        },
    }
    for expected, role in asked.items():
        assert roles.the_method(data, **role) == expected, role
    loops = roles.methods_with(data, problem="per-example", call=call.GRADIENT)
    assert loops == ["gradient_per_example_loop", "gradient_per_output_loop"]


def test_advice_does_not_depend_on_method_order(fixture_data):
    """The rules find their methods by role: the order of the JSON's methods does not matter."""
    before = advice.rules_of_thumb(fixture_data)
    fixture_data["methods"] = dict(reversed(fixture_data["methods"].items()))
    after = advice.rules_of_thumb(fixture_data).splitlines()
    # Only the list of methods never among the fastest follows the JSON's order.
    assert after[1:] == before.splitlines()[1:]


def test_each_method_keeps_its_colour_when_another_is_added(fixture_data):
    before = {m: roles.style(fixture_data, m) for m in fixture_data["methods"]}
    fixture_data["methods"] = {"a_new_method": _method("new").to_json(), **fixture_data["methods"]}
    assert {m: roles.style(fixture_data, m) for m in before} == before
    assert roles.style(fixture_data, "a_new_method")["color"].startswith("#")


def test_methods_of_one_problem_look_different():
    for problem in ("per-example", "hessian-vector", "weight-gradients"):
        looks = [(m.colour, m.marker) for m in bench_methods.METHODS.values() if m.problem == problem]
        colours = [colour for colour, _ in looks]
        markers = [marker for _, marker in looks]
        assert len(set(colours)) == len(colours), problem
        assert len(set(markers)) == len(markers), problem


def test_a_child_from_the_forkserver_is_configured_and_measures():
    """The path of ``python -m snippets.bench``: a forkserver child sets TensorFlow up, then measures."""
    if not harness.memory_measurable():
        pytest.skip("this system cannot reset the peak resident memory")
    found = harness._Children().measure(
        "hvp_reverse_over_reverse", {"problem": "hessian-vector", "width": 3}, harness.QUICK_PROTOCOL
    )
    assert found.status == "ok" and found.peak_memory_bytes is not None
