"""Turn the benchmark's JSON into the costs page: decision tables, rules of thumb and plots.

Nothing here measures anything: every number these functions print comes from the
JSON that ``python -m snippets.bench`` wrote (``docs/_data/benchmarks.json``).
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

RESULTS_PATH = Path(__file__).resolve().parent.parent / "docs" / "_data" / "benchmarks.json"
"""Where the harness writes its results and where the costs page reads them."""

SCHEMA_VERSION = 2
_TOP_LEVEL_KEYS = {
    "schema_version",
    "created",
    "mode",
    "memory_measured",
    "machine",
    "versions",
    "git",
    "draft",
    "protocol",
    "methods",
    "cases",
    "sweeps",
    "results",
    "duration_s",
}
_RESULT_KEYS = {"case", "method", "status", "reason", "median_s", "first_call_s", "peak_memory_bytes"}
_STATUSES = {"ok", "skipped"}


# --- Loading ---------------------------------------------------------------------------------


def validate_results(data: dict) -> dict:
    """Check that ``data`` has the benchmark JSON's structure and return it; else raise ``ValueError``.

    >>> validate_results(_example())["mode"]
    'quick'
    >>> validate_results({"schema_version": 2})
    Traceback (most recent call last):
    ...
    ValueError: benchmark JSON lacks the keys ['cases', 'created', ...]; re-run python -m snippets.bench
    """
    missing = sorted(_TOP_LEVEL_KEYS - set(data))
    if missing:
        raise ValueError(f"benchmark JSON lacks the keys {missing}; re-run python -m snippets.bench")
    if data["schema_version"] != SCHEMA_VERSION:
        raise ValueError(
            f"benchmark JSON has schema_version {data['schema_version']}, this code reads {SCHEMA_VERSION}; "
            "re-run python -m snippets.bench"
        )
    seen = set()
    for record in data["results"]:
        key = (record.get("case"), record.get("method"))
        if key in seen:
            raise ValueError(f"result {key[0]}/{key[1]} appears twice")
        seen.add(key)
        lacking = sorted(_RESULT_KEYS - set(record))
        if lacking:
            raise ValueError(f"result {record.get('case')}/{record.get('method')} lacks {lacking}")
        if record["status"] not in _STATUSES:
            raise ValueError(f"result {record['case']}/{record['method']} has status {record['status']!r}")
        if record["case"] not in data["cases"]:
            raise ValueError(f"result names case {record['case']!r}, which the JSON does not define")
        if record["method"] not in data["methods"]:
            raise ValueError(f"result names method {record['method']!r}, which the JSON does not define")
        if record["status"] == "ok" and not (record["median_s"] or 0) > 0:
            raise ValueError(f"result {record['case']}/{record['method']} is ok but has no positive median_s")
    for sweep in data["sweeps"]:
        for case in sweep["cases"]:
            if case not in data["cases"]:
                raise ValueError(
                    f"sweep {sweep['name']!r} names case {case!r}, which the JSON does not define"
                )
    return data


def parse_results(text: str) -> dict:
    """Parse and validate the benchmark JSON from a string.

    >>> data = parse_results(json.dumps(_example()))
    >>> sorted(data["cases"])
    ['b=1 n=2 m=2', 'b=4 n=2 m=2']
    """
    return validate_results(json.loads(text))


def load_results(path: str | Path = RESULTS_PATH) -> dict:
    """Read and validate the benchmark JSON; by default the one the site is built from.

    >>> load_results()["schema_version"]
    2
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; run python -m snippets.bench to create it")
    return parse_results(path.read_text(encoding="utf-8"))


# --- Small pure helpers ----------------------------------------------------------------------


def median(values) -> float:
    """The median of some numbers; the middle one resists the odd run another process slowed down.

    >>> median([3.0, 1.0, 100.0])
    3.0
    >>> median([])
    Traceback (most recent call last):
    ...
    ValueError: median of no values
    """
    values = list(values)
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


def ratios_to_fastest(medians: dict[str, float | None]) -> dict[str, float | None]:
    """Each method's median time divided by the smallest median among them (``None`` stays ``None``).

    >>> ratios_to_fastest({"a": 2.0, "b": 0.5, "c": None})
    {'a': 4.0, 'b': 1.0, 'c': None}
    """
    measured = [value for value in medians.values() if value is not None]
    if not measured:
        return dict.fromkeys(medians)
    best = min(measured)
    return {name: None if value is None else value / best for name, value in medians.items()}


def fastest_method(records: list[dict]) -> dict | None:
    """The record with the smallest median among those measured (``status == "ok"``), or ``None``.

    >>> fastest_method([{"method": "a", "status": "ok", "median_s": 2.0},
    ...                 {"method": "b", "status": "ok", "median_s": 0.5},
    ...                 {"method": "c", "status": "skipped", "median_s": None}])["method"]
    'b'
    """
    measured = [r for r in records if r["status"] == "ok"]
    return min(measured, key=lambda r: r["median_s"]) if measured else None


def format_seconds(seconds: float | None) -> str:
    """A duration with two significant digits and a unit a reader takes in at a glance.

    >>> [format_seconds(s) for s in (0.0000123, 0.00456, 0.0789, 12.345, None)]
    ['12 µs', '4.6 ms', '79 ms', '12 s', '-']
    """
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{_two_digits(seconds / scale)} {unit}"
    return f"{_two_digits(seconds / 1e-9)} ns"


def format_bytes(size: float | None) -> str:
    """A memory size in KiB, MiB or GiB with two significant digits.

    >>> [format_bytes(b) for b in (512, 3_500, 12_345_678, 3 * 2**30, None)]
    ['0.5 KiB', '3.4 KiB', '12 MiB', '3 GiB', '-']
    """
    if size is None:
        return "-"
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20)):
        if size >= scale:
            return f"{_two_digits(size / scale)} {unit}"
    return f"{_two_digits(size / 2**10)} KiB"


def format_ratio(ratio: float | None) -> str:
    """A ratio to the fastest method: ``1x`` for the fastest, two significant digits otherwise.

    >>> [format_ratio(r) for r in (1.0, 1.234, 56.7, 1234.5, None)]
    ['1x', '1.2x', '57x', '1200x', 'skipped']
    """
    if ratio is None:
        return "skipped"
    return f"{_two_digits(ratio)}x"


def _two_digits(value: float) -> str:
    if value == 0:
        return "0"
    digits = 1 - math.floor(math.log10(abs(value)))
    rounded = round(value, digits)
    if digits <= 0:
        return f"{rounded:.0f}"
    return f"{rounded:.{digits}f}".rstrip("0").rstrip(".")


# --- Looking things up in the results -----------------------------------------------------------


def records_of_case(data: dict, case: str) -> list[dict]:
    """Every method's record for one case, in the order of ``data["methods"]``.

    >>> [r["method"] for r in records_of_case(_example(), "b=4 n=2 m=2")]
    ['batch_jacobian', 'batch_jacobian_function', 'jacobian_function']
    """
    order = list(data["methods"])
    found = [r for r in data["results"] if r["case"] == case]
    return sorted(found, key=lambda r: order.index(r["method"]))


def record(data: dict, case: str, method: str) -> dict | None:
    """The record of one method in one case, or ``None`` if that pair was not run.

    >>> record(_example(), "b=1 n=2 m=2", "jacobian_function")["median_s"]
    0.002
    """
    return next((r for r in data["results"] if r["case"] == case and r["method"] == method), None)


def sweep(data: dict, name: str) -> dict:
    """One sweep by name: the parameter it varies, its values and the ids of its cases.

    >>> sweep(_example(), "batch")["values"]
    [1, 4]
    """
    for candidate in data["sweeps"]:
        if candidate["name"] == name:
            return candidate
    raise KeyError(f"no sweep named {name!r}; the JSON has {[s['name'] for s in data['sweeps']]}")


def sweep_series(data: dict, name: str, metric: str = "median_s") -> dict[str, tuple[list, list]]:
    """For each method, the sweep's values and the ``metric`` there, leaving out cases where it was skipped.

    >>> sweep_series(_example(), "batch")["jacobian_function"]
    ([1, 4], [0.002, 0.016])
    """
    chosen = sweep(data, name)
    series = {}
    for method in data["methods"]:
        xs, ys = [], []
        for value, case in zip(chosen["values"], chosen["cases"], strict=True):
            found = record(data, case, method)
            if found and found["status"] == "ok" and found.get(metric) is not None:
                xs.append(value)
                ys.append(found[metric])
        if xs:
            series[method] = (xs, ys)
    return series


# --- What the page prints ----------------------------------------------------------------------


def setup_summary(data: dict) -> str:
    """A Markdown paragraph saying where, when and with what the numbers were measured.

    >>> print(setup_summary(_example()))
    Measured on 2026-01-01 with `python -m snippets.bench --quick` on a machine with 2 cores (Test CPU), ...
    """
    machine, versions, protocol = data["machine"], data["versions"], data["protocol"]
    load_start = ", ".join(f"{x:.2f}" for x in machine["load_average_start"])
    load_end = ", ".join(f"{x:.2f}" for x in machine["load_average_end"])
    commit = data["git"].get("commit")
    source = f"commit `{commit[:10]}`" + (" with uncommitted changes" if data["git"].get("dirty") else "")
    text = (
        f"Measured on {data['created'][:10]} with `{data['command']}` on a machine with "
        f"{machine['cores']} cores ({machine['cpu_model']}), with Python {versions['python']}, "
        f"TensorFlow {versions['tensorflow']} and NumPy {versions['numpy']}, from "
        f"{source if commit else 'a tree outside git'}. "
        f"Other processes may have shared the machine: its load average (over 1, 5 and 15 minutes) was "
        f"{load_start} at the start and {load_end} at the end. The whole run took "
        f"{format_seconds(data['duration_s'])}. "
        f"Each case uses {protocol['dtype']} and a hidden width of {protocol['hidden_width']}. "
        f"A time is the median of {protocol['min_repeats']} to {protocol['repeats']} timed runs (runs "
        f"continue while a pair has used less than {format_seconds(protocol['target_s'])}), "
        "each run being as "
        f"many back-to-back calls as last at least {format_seconds(protocol['min_run_s'])}. Before them come "
        "a first call and a warm-up call, timed apart; a `tf.function` is traced before its first call, "
        "and the tracing is timed apart too. A pair whose first call takes more than "
        f"{format_seconds(protocol['slowest_call_s'])} would overrun the budget of "
        f"{format_seconds(protocol['case_budget_s'])} per case (a first call, a warm-up call and "
        f"{_count(protocol['min_repeats'], 'timed run')}), so it is recorded as skipped, and so are the "
        f"larger cases of that method in the same sweep; a pair still running after "
        f"{format_seconds(protocol['child_timeout_s'])} is stopped and recorded as skipped."
    )
    larger = [
        s
        for s in data["sweeps"]
        if s.get("case_budget_s", protocol["case_budget_s"]) > protocol["case_budget_s"]
    ]
    for chosen in larger:
        text += (
            f" The {chosen['name'].replace('_', ' ')} sweep allows {format_seconds(chosen['case_budget_s'])} "
            "per case instead."
        )
    if data["mode"] != "full":
        text += f" This is a `{data['mode']}` run with tiny sizes: its times say little."
    elif data["draft"]:
        text += " These are draft results (`--draft`): the code that produced them was not all committed."
    return text


def memory_summary(data: dict) -> str:
    """A Markdown sentence saying exactly what the peak-memory numbers measure.

    >>> print(memory_summary(_example()))
    Peak memory was not measured in this run ...
    """
    if not data["memory_measured"]:
        return "Peak memory was not measured in this run (all cases ran in one process)."
    return data["protocol"]["memory"]


def noise_summary(data: dict) -> str:
    """A Markdown sentence on how much repeated runs of the same method in the same case differed.

    >>> data = _example()
    >>> data["results"][0]["runs_s"] = [0.10, 0.12, 0.15]
    >>> data["results"][1]["runs_s"] = [0.001, 0.001]
    >>> print(noise_summary(data))
    Between the fastest and the slowest timed run of one method in one case, times differed by 1.2x
    (the median over 2 pairs), and by at most 1.5x; differences between methods smaller than that
    are noise.
    """
    spreads = [
        max(r["runs_s"]) / min(r["runs_s"])
        for r in data["results"]
        if r["status"] == "ok" and len(r.get("runs_s") or []) >= 2
    ]
    if not spreads:
        return "No pair was timed more than once, so the noise between runs is unknown."
    return (
        f"Between the fastest and the slowest timed run of one method in one case, times differed by "
        f"{format_ratio(median(spreads))} (the median over {len(spreads)} pairs), and by at most "
        f"{format_ratio(max(spreads))}; differences between methods smaller than that are noise."
    )


def run_spread(found: dict) -> float:
    """How much one pair's timed runs differed: its slowest run over its fastest (1 with fewer than two runs).

    >>> run_spread({"runs_s": [0.010, 0.012, 0.015]})
    1.5
    >>> run_spread({"runs_s": [0.01]})
    1.0
    """
    runs = found.get("runs_s") or []
    return max(runs) / min(runs) if len(runs) >= 2 else 1.0


def within_noise(records: list[dict]) -> list[dict]:
    """The measured records that are not clearly slower than the fastest one, fastest first.

    A method is clearly slower than the fastest when its median time is more times the
    fastest's than the run-to-run spread of either method's own runs (:func:`run_spread`).

    >>> records = [{"method": "a", "status": "ok", "median_s": 1.0, "runs_s": [1.0, 1.3]},
    ...            {"method": "b", "status": "ok", "median_s": 1.2, "runs_s": [1.2, 1.2]},
    ...            {"method": "c", "status": "ok", "median_s": 2.0, "runs_s": [2.0, 2.2]}]
    >>> [r["method"] for r in within_noise(records)]
    ['a', 'b']
    """
    best = fastest_method(records)
    if best is None:
        return []
    ranked = sorted((r for r in records if r["status"] == "ok"), key=lambda r: r["median_s"])
    return [r for r in ranked if r["median_s"] / best["median_s"] <= max(run_spread(best), run_spread(r))]


def decision_table(data: dict, problem: str = "per-example") -> str:
    """A Markdown table: for each case of ``problem``, the fastest method, or every method tied with it.

    Methods within run-to-run noise of the fastest (:func:`within_noise`) are a tie: the
    first column then names them all and none is called fastest. The other columns give the
    fastest median time and its method's peak memory, the fastest of the clearly slower
    methods, and the usual choice (``batch_jacobian`` in ``tf.function``, or the
    double-backward product).

    >>> print(decision_table(_example()))
    | batch | input width | output width | fastest, or tied within noise | time per call | peak memory |
      next, clearly slower | batch_jacobian, tf.function |
    |---:|---:|---:|---|---:|---:|---|---:|
    | 1 | 2 | 2 | batch_jacobian, tf.function | 1 ms | 1 MiB | jacobian (full), tf.function, 2x | 1x |
    | 4 | 2 | 2 | batch_jacobian, tf.function | 1 ms | 1 MiB | jacobian (full), tf.function, 16x | 1x |
    >>> data = _example()
    >>> data["results"][2].update(median_s=0.0011, runs_s=[0.0011, 0.0015])
    >>> print(decision_table(data).splitlines()[2])
    | 1 | 2 | 2 | tie: batch_jacobian, tf.function; jacobian (full), tf.function | 1 ms | 1 MiB | ...
    """
    reference = "batch_jacobian_function" if problem == "per-example" else "hvp_reverse_over_reverse"
    if problem == "per-example":
        header = ["batch", "input width", "output width"]
        shape = lambda case: [case["batch"], case["input_width"], case["output_width"]]  # noqa: E731
    else:
        header = ["width"]
        shape = lambda case: [case["width"]]  # noqa: E731
    header += ["fastest, or tied within noise", "time per call", "peak memory", "next, clearly slower"]
    header.append(_label(data, reference))
    lines = [_row(header), _rule("r" * (len(header) - 5) + "lrrlr")]
    cases = [name for name, case in data["cases"].items() if case["problem"] == problem]
    cases.sort(key=lambda name: shape(data["cases"][name]))
    for name in cases:
        records = records_of_case(data, name)
        close = within_noise(records)
        if not close:
            continue
        best = close[0]
        ranked = sorted((r for r in records if r["status"] == "ok"), key=lambda r: r["median_s"])
        slower = [r for r in ranked if r not in close]
        winner = _label(data, best["method"])
        if len(close) > 1:
            winner = "tie: " + "; ".join(_label(data, r["method"]) for r in close)
        following = (
            f"{_label(data, slower[0]['method'])}, {format_ratio(slower[0]['ratio_to_fastest'])}"
            if slower
            else "-"
        )
        ref = record(data, name, reference)
        lines.append(
            _row(
                [
                    *shape(data["cases"][name]),
                    winner,
                    format_seconds(best["median_s"]),
                    format_bytes(best["peak_memory_bytes"]),
                    following,
                    format_ratio(ref["ratio_to_fastest"] if ref else None),
                ]
            )
        )
    return "\n".join(lines)


def ratio_table(data: dict, sweep_name: str) -> str:
    """A Markdown table of every method's time relative to the fastest, one column per value of a sweep.

    >>> print(ratio_table(_example(), "batch"))
    | method | batch 1 | batch 4 |
    |---|---:|---:|
    | batch_jacobian | 100x | 50x |
    | batch_jacobian, tf.function | 1x | 1x |
    | jacobian (full), tf.function | 2x | 16x |
    """
    chosen = sweep(data, sweep_name)
    label = chosen["varies"].replace("_", " ")
    lines = [
        _row(["method", *(f"{label} {value}" for value in chosen["values"])]),
        _rule("l" + "r" * len(chosen["values"])),
    ]
    for method, info in data["methods"].items():
        cells = [record(data, case, method) for case in chosen["cases"]]
        if all(cell is None for cell in cells):
            continue
        lines.append(_row([info["label"], *(format_ratio(c and c.get("ratio_to_fastest")) for c in cells)]))
    return "\n".join(lines)


def first_call_table(data: dict, case: str) -> str:
    """A Markdown table of each method's tracing and first call against its later calls, in one case.

    The last column says how many later calls the tracing and the first call cost together.

    >>> print(first_call_table(_example(), "b=4 n=2 m=2"))
    | method | tracing | first call | later calls (median) | tracing and first call, in later calls |
    |---|---:|---:|---:|---:|
    | batch_jacobian | - | 200 ms | 50 ms | 4x |
    | batch_jacobian, tf.function | 400 ms | 100 ms | 1 ms | 500x |
    | jacobian (full), tf.function | 500 ms | 100 ms | 16 ms | 38x |
    """
    lines = [
        _row(
            [
                "method",
                "tracing",
                "first call",
                "later calls (median)",
                "tracing and first call, in later calls",
            ]
        ),
        _rule("lrrrr"),
    ]
    for found in records_of_case(data, case):
        if found["status"] != "ok":
            continue
        upfront = (found.get("trace_s") or 0.0) + found["first_call_s"]
        lines.append(
            _row(
                [
                    data["methods"][found["method"]]["label"],
                    format_seconds(found.get("trace_s")),
                    format_seconds(found["first_call_s"]),
                    format_seconds(found["median_s"]),
                    format_ratio(upfront / found["median_s"]),
                ]
            )
        )
    return "\n".join(lines)


def shared_case(data: dict, first: str, second: str) -> str:
    """The case two sweeps have in common (the width sweeps share their middle case).

    >>> data = _example()
    >>> data["sweeps"].append(dict(sweep(data, "batch"), name="again", cases=["b=4 n=2 m=2"]))
    >>> shared_case(data, "batch", "again")
    'b=4 n=2 m=2'
    """
    common = [case for case in sweep(data, first)["cases"] if case in sweep(data, second)["cases"]]
    if not common:
        raise KeyError(f"sweeps {first!r} and {second!r} share no case")
    return common[0]


def skipped_list(data: dict) -> str:
    """A Markdown list of the skipped cases and why, or a sentence saying none was skipped.

    >>> print(skipped_list(_example()))
    No case was skipped.
    >>> data = _example()
    >>> data["results"][-1].update(status="skipped", reason="over the budget", median_s=None)
    >>> print(skipped_list(data))
    - jacobian (full), tf.function at b=4 n=2 m=2: over the budget
    """
    lines = [
        f"- {data['methods'][r['method']]['label']} at {r['case']}: {r['reason']}"
        for r in data["results"]
        if r["status"] == "skipped"
    ]
    return "\n".join(lines) if lines else "No case was skipped."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _row(cells) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _rule(alignments) -> str:
    """The line under a Markdown table's header: ``-`` for text columns, ``:`` for right-aligned numbers."""
    return "|" + "|".join("---:" if a == "r" else "---" for a in alignments) + "|"


def _ratio_range(ratios: list[float]) -> str:
    low, high = min(ratios), max(ratios)
    if format_ratio(low) == format_ratio(high):
        return format_ratio(low)
    return f"{format_ratio(low)} to {format_ratio(high)}"


def rules_of_thumb(data: dict) -> str:
    """The page's advice as a Markdown list, each claim with the numbers from ``data`` that back it.

    A rule is left out when the data it needs was skipped, and a piece of advice is given
    only when the numbers of this run support it.

    >>> print(rules_of_thumb(_example()))
    - Fastest for per-example Jacobians, or within run-to-run noise of the fastest: batch_jacobian,
      tf.function in 2 of 2 cases. Never among them: batch_jacobian; jacobian (full), tf.function.
    - Eager batch_jacobian took 50x to 100x the time of batch_jacobian inside tf.function (2 of 2 cases ...
    - The full jacobian also computes every cross-example block, ... call batch_jacobian.
    """
    per_example = [name for name, case in data["cases"].items() if case["problem"] == "per-example"]
    rules = [
        _fastest_counts(data, per_example),
        _eager_against_function(data, per_example),
        _forward_against_reverse(data, per_example),
        _full_against_batch(data),
        _loops_at_largest(data, per_example),
        _hessian_rule(data),
        weight_gradients_summary(data),
        weight_gradients_summary(data, CONV_WEIGHT_GRADIENTS_SWEEP),
    ]
    return "\n".join(f"- {rule}" for rule in rules if rule)


def _label(data, method: str) -> str:
    return data["methods"][method]["label"]


def _fastest_counts(data, cases) -> str | None:
    groups = [close for name in cases if (close := within_noise(records_of_case(data, name)))]
    if not groups:
        return None
    counts: dict[str, int] = {}
    for close in groups:
        for found in close:
            counts[found["method"]] = counts.get(found["method"], 0) + 1
    ordered = sorted(counts.items(), key=lambda item: -item[1])
    parts = [f"{_label(data, m)} in {k} of {len(groups)} cases" for m, k in ordered]
    text = "Fastest for per-example Jacobians, or within run-to-run noise of the fastest: " + "; ".join(parts)
    never = [
        _label(data, m)
        for m, info in data["methods"].items()
        if info["problem"] == "per-example" and m not in counts
    ]
    if never:
        text += ". Never among them: " + "; ".join(never)
    return text + "."


def _paired_ratios(data, cases, slow: str, fast: str) -> list[float]:
    ratios = []
    for case in cases:
        a, b = record(data, case, slow), record(data, case, fast)
        if a and b and a["status"] == b["status"] == "ok":
            ratios.append(a["median_s"] / b["median_s"])
    return ratios


def _eager_against_function(data, cases) -> str | None:
    ratios = _paired_ratios(data, cases, "batch_jacobian", "batch_jacobian_function")
    if not ratios:
        return None
    slower = sum(
        compare(eager, compiled) == "slower"
        for case in cases
        if (eager := record(data, case, "batch_jacobian"))
        and (compiled := record(data, case, "batch_jacobian_function"))
        and eager["status"] == compiled["status"] == "ok"
    )
    text = (
        f"Eager batch_jacobian took {_ratio_range(ratios)} the time of batch_jacobian inside tf.function "
        f"({slower} of {len(ratios)} cases slower by more than the run-to-run noise): eagerly, pfor wraps "
        "its work in a new tf.function on every call, so every call traces and converts the loop again."
    )
    if slower == len(ratios):
        text += " Call batch_jacobian inside a `tf.function`."
    return text


def compare(found: dict, other: dict) -> str:
    """Whether ``found`` was clearly faster or slower than ``other``, or within run-to-run noise of it.

    >>> fast = {"median_s": 1.0, "runs_s": [1.0, 1.1]}
    >>> compare(fast, {"median_s": 2.0, "runs_s": [2.0, 2.2]})
    'faster'
    >>> compare(fast, {"median_s": 1.05, "runs_s": []}), compare(fast, {"median_s": 0.5, "runs_s": []})
    ('within noise', 'slower')
    """
    ratio = other["median_s"] / found["median_s"]
    noise = max(run_spread(found), run_spread(other))
    if ratio > noise:
        return "faster"
    if 1 / ratio > noise:
        return "slower"
    return "within noise"


def _forward_against_reverse(data, cases) -> str | None:
    if "forward_mode_function" not in data["methods"]:
        return None
    reverse = [
        m
        for m, info in data["methods"].items()
        if info["problem"] == "per-example" and info["mode"] == "reverse"
    ]
    outcomes: dict[str, list[str]] = {
        "narrower": [],
        "wider": [],
    }  # by the input's width against the output's
    for case in cases:
        shape = data["cases"][case]
        if shape["input_width"] == shape["output_width"]:
            continue
        forward = record(data, case, "forward_mode_function")
        best_reverse = fastest_method([r for m in reverse if (r := record(data, case, m))])
        if forward and forward["status"] == "ok" and best_reverse:
            side = "narrower" if shape["input_width"] < shape["output_width"] else "wider"
            outcomes[side].append(compare(forward, best_reverse))

    def tally(found: list[str]) -> str:
        return ", ".join(f"{kind} in {found.count(kind)}" for kind in ("faster", "within noise", "slower"))

    parts = [
        f"in the {_count(len(found), 'case')} whose input was {side} than the output, {tally(found)}"
        for side, found in outcomes.items()
        if found
    ]
    if not parts:
        return None
    return (
        f"Against the fastest reverse-mode method, forward mode ({_label(data, 'forward_mode_function')}) "
        "was, "
        + "; ".join(parts)
        + ". Forward mode needs one pass per input and reverse mode one per output, but a forward "
        "(JVP) pass and a backward (VJP) pass do not cost the same, and vectorisation changes both, so "
        "where forward mode starts to win is measured here, not predicted from the widths alone."
    )


def _full_against_batch(data) -> str | None:
    try:
        chosen = sweep(data, "batch")
    except KeyError:
        return None
    points = []
    for value, case in zip(chosen["values"], chosen["cases"], strict=True):
        full, batch = record(data, case, "jacobian_function"), record(data, case, "batch_jacobian_function")
        if full and batch and full["status"] == batch["status"] == "ok":
            points.append((value, full["median_s"] / batch["median_s"], full, batch))
    if len(points) < 2:
        return None
    (b0, r0, _, _), (b1, r1, f1, g1) = points[0], points[-1]
    clearly_slower = compare(g1, f1) == "faster"
    text = (
        "The full jacobian also computes every cross-example block, all zero when examples do not "
        f"interact: inside tf.function it took {format_ratio(r0)} the time of batch_jacobian at batch {b0} "
        f"and {format_ratio(r1)} at batch {b1}"
    )
    text += _memory_against(f1, g1) + "."
    if clearly_slower and r1 > r0:
        text += " For per-example Jacobians, call batch_jacobian."
    return text


def _loops_at_largest(data, cases) -> str | None:
    sentences = []
    for method in ("gradient_per_example_loop", "gradient_per_output_loop"):
        if method not in data["methods"]:
            continue
        measured = [
            (data["cases"][c]["batch"] * data["cases"][c]["output_width"], c, r)
            for c in cases
            if (r := record(data, c, method)) and r["status"] == "ok"
        ]
        if not measured:
            continue
        _, case, found = max(measured, key=lambda item: item[0])
        sentences.append(
            f"{_label(data, method)} took {format_ratio(found['ratio_to_fastest'])} the time of the "
            f"fastest method at {case}, the largest case it was timed on"
        )
    if not sentences:
        return None
    return "; ".join(sentences) + ". Each gradient call from Python costs a dispatch, whatever its size."


def _memory_against(slower: dict, faster: dict) -> str:
    """The clause comparing two records' peak memory; empty where memory was not measured."""
    if slower["peak_memory_bytes"] is None or faster["peak_memory_bytes"] is None:
        return ""
    return (
        f", with {format_bytes(slower['peak_memory_bytes'])} of peak memory against "
        f"{format_bytes(faster['peak_memory_bytes'])}"
    )


def _hessian_rule(data) -> str | None:
    cases = [name for name, case in data["cases"].items() if case["problem"] == "hessian-vector"]
    measured = []
    for case in cases:
        full = record(data, case, "hessian_then_product")
        products = ("hvp_reverse_over_reverse", "hvp_forward_over_reverse")
        best = fastest_method([r for m in products if (r := record(data, case, m))])
        if full and best and full["status"] == "ok":
            measured.append((data["cases"][case]["width"], full, best))
    if not measured:
        return None
    width, full, best = max(measured, key=lambda item: item[0])
    ratio = full["median_s"] / best["median_s"]
    text = (
        f"At width {width}, the largest where it was timed, forming the Hessian first "
        f"({_label(data, 'hessian_then_product')}) took {format_ratio(ratio)} the time of the fastest "
        f"Hessian-vector product ({_label(data, best['method'])})"
    )
    text += _memory_against(full, best) + "."
    if compare(best, full) == "faster":
        text += " To multiply by the Hessian, use a Hessian-vector product, not the Hessian."
    return text


# --- Per-example weight gradients ----------------------------------------------------------------

WEIGHT_GRADIENTS_SWEEP = "weights_batch"
CONV_WEIGHT_GRADIENTS_SWEEP = "conv_weights_batch"
_MODELS = {WEIGHT_GRADIENTS_SWEEP: "the MLP", CONV_WEIGHT_GRADIENTS_SWEEP: "the conv net"}


def growth_exponent(xs, ys) -> float:
    """The slope of ``log(y)`` against ``log(x)`` by least squares: ``y`` grows about as ``x**slope``.

    >>> growth_exponent([16, 64, 256], [0.01, 0.16, 2.56])
    2.0
    >>> growth_exponent([16], [0.01])
    Traceback (most recent call last):
    ...
    ValueError: a growth exponent needs at least two sizes, got 1
    """
    if len(xs) < 2:
        raise ValueError(f"a growth exponent needs at least two sizes, got {len(xs)}")
    logs = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True)]
    mean_x = sum(x for x, _ in logs) / len(logs)
    mean_y = sum(y for _, y in logs) / len(logs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in logs) / sum((x - mean_x) ** 2 for x, _ in logs)
    return round(slope, 2)


def growth_exponents(
    data: dict, sweep_name: str, metric: str = "median_s", largest: int | None = None
) -> dict[str, float]:
    """Each method's fitted growth exponent of ``metric`` over a sweep (for methods measured at 2+ sizes).

    ``largest=2`` fits only the two largest sizes a method was measured at: the growth once
    fixed costs no longer dominate.

    >>> growth_exponents(_example(), "batch")
    {'batch_jacobian': -0.5, 'batch_jacobian_function': 0.0, 'jacobian_function': 1.5}
    """
    found = {}
    for method, (xs, ys) in sweep_series(data, sweep_name, metric).items():
        if largest is not None:
            xs, ys = xs[-largest:], ys[-largest:]
        if len(xs) >= 2:
            found[method] = growth_exponent(xs, ys)
    return found


def growth_table(data: dict, sweep_name: str = WEIGHT_GRADIENTS_SWEEP) -> str:
    """A Markdown table: each method's time at every size of a sweep, its growth, and its largest peak memory.

    The growth is fitted twice: over every size, and over the two largest only, where fixed
    costs matter least.

    >>> print(growth_table(_example(), "batch"))
    | method | batch 1 | batch 4 | time grows as | between the two largest | peak memory at batch 4 |
    |---|---:|---:|---:|---:|---:|
    | batch_jacobian | 100 ms | 50 ms | batch^-0.5 | batch^-0.5 | - |
    | batch_jacobian, tf.function | 1 ms | 1 ms | batch^0.0 | batch^0.0 | 1 MiB |
    | jacobian (full), tf.function | 2 ms | 16 ms | batch^1.5 | batch^1.5 | 4 MiB |
    """
    chosen = sweep(data, sweep_name)
    label = chosen["varies"].replace("_", " ")
    largest = chosen["values"][-1]
    exponents = growth_exponents(data, sweep_name)
    at_the_top = growth_exponents(data, sweep_name, largest=2)
    lines = [
        _row(
            [
                "method",
                *(f"{label} {value}" for value in chosen["values"]),
                "time grows as",
                "between the two largest",
                f"peak memory at {label} {largest}",
            ]
        ),
        _rule("l" + "r" * (len(chosen["values"]) + 3)),
    ]
    for method, info in data["methods"].items():
        cells = [record(data, case, method) for case in chosen["cases"]]
        if all(cell is None for cell in cells):
            continue
        times = [format_seconds(c["median_s"]) if c and c["status"] == "ok" else "skipped" for c in cells]
        exponent = f"{label}^{exponents[method]}" if method in exponents else "-"
        top = f"{label}^{at_the_top[method]}" if method in at_the_top else "-"
        last = cells[-1]
        memory = format_bytes(last["peak_memory_bytes"]) if last and last["status"] == "ok" else "-"
        lines.append(_row([info["label"], *times, exponent, top, memory]))
    return "\n".join(lines)


def weight_gradients_summary(data: dict, sweep_name: str = WEIGHT_GRADIENTS_SWEEP) -> str | None:
    """The advice on per-example weight gradients for one model's sweep, from the recorded numbers only.

    >>> print(weight_gradients_summary(_example()))
    None
    """
    try:
        chosen = sweep(data, sweep_name)
    except KeyError:
        return None
    jacobian, mapped = "weights_jacobian_function", "weights_vectorized_map_function"
    exponents = growth_exponents(data, sweep_name)
    at_the_top = growth_exponents(data, sweep_name, largest=2)
    if jacobian not in exponents or mapped not in exponents:
        return None
    pairs = [
        (value, a, b)
        for value, case in zip(chosen["values"], chosen["cases"], strict=True)
        if (a := record(data, case, jacobian))
        and (b := record(data, case, mapped))
        and a["status"] == b["status"] == "ok"
    ]
    verdicts = [(value, compare(b, a), a["median_s"] / b["median_s"]) for value, a, b in pairs]
    faster_from = next(
        (value for i, (value, _, _) in enumerate(verdicts) if all(v == "faster" for _, v, _ in verdicts[i:])),
        None,
    )
    value, a, b = pairs[-1]
    timed = sweep_series(data, sweep_name)
    spans = [f"batch {timed[m][0][0]} to {timed[m][0][-1]}" for m in (jacobian, mapped)]
    fitted = spans[0] if spans[0] == spans[1] else f"{spans[0]} and {spans[1]}, where each was timed"
    text = (
        f"Per-example weight gradients of {_MODELS.get(sweep_name, sweep_name)}: inside tf.function, "
        f"{_label(data, jacobian)} grew as "
        f"batch^{exponents[jacobian]} and {_label(data, mapped)} as batch^{exponents[mapped]} "
        f"(fitted over {fitted}; between the two largest batches each was timed at, as "
        f"batch^{at_the_top[jacobian]} and batch^{at_the_top[mapped]}); at batch {value} the "
        f"jacobian took {format_ratio(a['median_s'] / b['median_s'])} the time"
    )
    text += _memory_against(a, b) + "."
    if faster_from is not None:
        text += (
            f" vectorized_map was faster by more than the run-to-run noise at every batch from {faster_from} "
            "on: use it, inside tf.function."
        )
    return text


# --- Figures -----------------------------------------------------------------------------------

_FIGURE_WIDTH = 10.0


def _style(data: dict, method: str) -> dict:
    """Colour and marker fixed per method across figures; dashed lines for eager methods."""
    import matplotlib as mpl

    order = list(data["methods"])
    index = order.index(method)
    colours = mpl.colormaps["tab10"].colors
    markers = "osD^vP*Xhp<>"
    return {
        "color": colours[index % len(colours)],
        "marker": markers[index % len(markers)],
        "linestyle": "-" if data["methods"][method]["compiled"] else "--",
        "label": data["methods"][method]["label"],
    }


def _draw(ax, data, series, xlabel, ylabel):
    from matplotlib.ticker import FuncFormatter, NullFormatter

    for method, (xs, ys) in series.items():
        ax.plot(xs, ys, markersize=5, linewidth=1.4, **_style(data, method))
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    # Plain numbers read faster than powers: ticks at the measured sizes, "0.001" rather than 10^-3.
    measured = sorted({x for xs, _ in series.values() for x in xs})
    if measured:
        ax.set_xticks(measured, labels=[str(x) for x in measured])
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))

    def minor_label(value, _):
        # Label 2 and 5 between the powers of ten, but only when the axis spans under two of them.
        low, high = ax.get_ylim()
        mantissa = round(value / 10 ** math.floor(math.log10(value) + 1e-9))
        return f"{value:g}" if high / low < 100 and mantissa in (2, 5) else ""

    ax.yaxis.set_minor_formatter(FuncFormatter(minor_label))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", linewidth=0.3, alpha=0.6)


def _legend(fig, axes):
    handles, labels = {}, {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
            labels.setdefault(label, label)
    fig.legend(
        list(handles.values()), list(labels), loc="outside lower center", ncols=2, fontsize=8, frameon=False
    )


def _memory_series(data, name):
    series = sweep_series(data, name, "peak_memory_bytes")
    return {m: (xs, [y / 2**20 for y in ys]) for m, (xs, ys) in series.items()}


def plot_against_batch(data: dict):
    """Figure: time per call and peak memory against batch size, log-log, one line per method.

    >>> fig = plot_against_batch(_example())
    >>> [len(ax.lines) for ax in fig.axes]  # the eager method has no memory measured here
    [3, 2]
    """
    import matplotlib.pyplot as plt

    fig, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=(_FIGURE_WIDTH, 5.6), layout="constrained")
    fixed = sweep(data, "batch")["fixed"]
    title = f"input width {fixed['input_width']}, output width {fixed['output_width']}"
    _draw(time_ax, data, sweep_series(data, "batch"), "batch size", "seconds per call (median)")
    _draw(memory_ax, data, _memory_series(data, "batch"), "batch size", "peak memory (MiB)")
    time_ax.set_title(f"Time, {title}", fontsize=10)
    memory_ax.set_title(f"Peak memory, {title}", fontsize=10)
    _legend(fig, [time_ax, memory_ax])
    plt.close(fig)  # the caller displays the returned figure; pyplot must not show it a second time
    return fig


def plot_against_widths(data: dict):
    """Figure: time per call and peak memory against input width and against output width, log-log.

    >>> fig = plot_against_widths(_example())
    >>> len(fig.axes)
    4
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(_FIGURE_WIDTH, 9.0), layout="constrained")
    for column, name in enumerate(("input_width", "output_width")):
        chosen = sweep(data, name)
        fixed = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in chosen["fixed"].items())
        label = name.replace("_", " ")
        _draw(axes[0, column], data, sweep_series(data, name), label, "seconds per call (median)")
        _draw(axes[1, column], data, _memory_series(data, name), label, "peak memory (MiB)")
        axes[0, column].set_title(f"Time against {label} ({fixed})", fontsize=10)
        axes[1, column].set_title(f"Peak memory against {label}", fontsize=10)
    _legend(fig, axes.ravel())
    plt.close(fig)  # the caller displays the returned figure; pyplot must not show it a second time
    return fig


def plot_hessian_vector(data: dict):
    """Figure: time per call and peak memory of the Hessian-vector methods against the input width.

    >>> fig = plot_hessian_vector(_example())
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['width of x', 'width of x']
    """
    return _plot_time_and_memory(data, "hessian_width", "width of x")


def plot_weight_gradients(data: dict, sweep_name: str = WEIGHT_GRADIENTS_SWEEP):
    """Figure: time per call and peak memory of the per-example weight-gradient methods against batch size.

    >>> fig = plot_weight_gradients(_example())
    Traceback (most recent call last):
    ...
    KeyError: "no sweep named 'weights_batch'; the JSON has ['batch', ...]"
    """
    return _plot_time_and_memory(data, sweep_name, "batch size")


def _plot_time_and_memory(data: dict, sweep_name: str, xlabel: str):
    import matplotlib.pyplot as plt

    sweep(data, sweep_name)  # a clear KeyError before any drawing
    fig, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=(_FIGURE_WIDTH, 4.6), layout="constrained")
    _draw(time_ax, data, sweep_series(data, sweep_name), xlabel, "seconds per call (median)")
    _draw(memory_ax, data, _memory_series(data, sweep_name), xlabel, "peak memory (MiB)")
    time_ax.set_title("Time", fontsize=10)
    memory_ax.set_title("Peak memory", fontsize=10)
    _legend(fig, [time_ax, memory_ax])
    plt.close(fig)  # the caller displays the returned figure; pyplot must not show it a second time
    return fig


# --- A tiny example for the doctests -----------------------------------------------------------


def _example() -> dict:
    """A minimal, valid results dict: two per-example cases, three methods, one HVP sweep left empty."""

    def result(case, method, median, first, memory=None, ratio=None, trace=None):
        return {
            "case": case,
            "method": method,
            "status": "ok",
            "reason": None,
            "trace_s": trace,
            "median_s": median,
            "first_call_s": first,
            "peak_memory_bytes": memory,
            "ratio_to_fastest": ratio,
        }

    method = lambda label, compiled, full=False: {  # noqa: E731
        "label": label,
        "problem": "per-example",
        "compiled": compiled,
        "full": full,
        "mode": "reverse",
    }
    small, large = "b=1 n=2 m=2", "b=4 n=2 m=2"
    return {
        "schema_version": 2,
        "created": "2026-01-01T00:00:00+00:00",
        "command": "python -m snippets.bench --quick",
        "mode": "quick",
        "memory_measured": False,
        "machine": {
            "cpu_model": "Test CPU",
            "cores": 2,
            "load_average_start": [0.5, 0.5, 0.5],
            "load_average_end": [1.0, 1.0, 1.0],
        },
        "versions": {"python": "3.11.7", "tensorflow": "2.21.0", "numpy": "2.4.6"},
        "git": {"commit": "0123456789abcdef", "dirty": False},
        "draft": True,
        "protocol": {
            "dtype": "float32",
            "hidden_width": 64,
            "repeats": 7,
            "min_repeats": 3,
            "min_run_s": 0.05,
            "target_s": 3.0,
            "case_budget_s": 12.0,
            "slowest_call_s": 2.4,
            "child_timeout_s": 28.0,
            "memory": "",
        },
        "methods": {
            "batch_jacobian": method("batch_jacobian", False),
            "batch_jacobian_function": method("batch_jacobian, tf.function", True),
            "jacobian_function": method("jacobian (full), tf.function", True, full=True),
        },
        "cases": {
            small: {"problem": "per-example", "batch": 1, "input_width": 2, "output_width": 2},
            large: {"problem": "per-example", "batch": 4, "input_width": 2, "output_width": 2},
        },
        "sweeps": [
            {
                "name": "batch",
                "problem": "per-example",
                "varies": "batch",
                "values": [1, 4],
                "fixed": {"input_width": 2, "output_width": 2},
                "cases": [small, large],
            },
            {
                "name": "input_width",
                "problem": "per-example",
                "varies": "input_width",
                "values": [2],
                "fixed": {"batch": 4, "output_width": 2},
                "cases": [large],
            },
            {
                "name": "output_width",
                "problem": "per-example",
                "varies": "output_width",
                "values": [2],
                "fixed": {"batch": 4, "input_width": 2},
                "cases": [large],
            },
            {
                "name": "hessian_width",
                "problem": "hessian-vector",
                "varies": "width",
                "values": [],
                "fixed": {},
                "cases": [],
            },
        ],
        "results": [
            result(small, "batch_jacobian", 0.1, 0.2, None, 100.0),
            result(small, "batch_jacobian_function", 0.001, 0.1, 2**20, 1.0, trace=0.4),
            result(small, "jacobian_function", 0.002, 0.1, 2**21, 2.0, trace=0.5),
            result(large, "batch_jacobian", 0.05, 0.2, None, 50.0),
            result(large, "batch_jacobian_function", 0.001, 0.1, 2**20, 1.0, trace=0.4),
            result(large, "jacobian_function", 0.016, 0.1, 2**22, 16.0, trace=0.5),
        ],
        "duration_s": 12.0,
    }
