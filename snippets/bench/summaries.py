"""The paragraphs the costs page prints about a run: where and how it was measured, memory, noise, skips."""

from __future__ import annotations

from snippets.bench.statistics import median
from snippets.bench.units import count, format_ratio, format_seconds


def setup_summary(data: dict) -> str:
    """A Markdown paragraph saying where, when and with what the numbers were measured.

    >>> from tests.bench_fixture import example
    >>> print(setup_summary(example()))
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
        f"{count(protocol['min_repeats'], 'timed run')}), so it is recorded as skipped, and so are the "
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

    >>> from tests.bench_fixture import example
    >>> print(memory_summary(example()))
    Peak memory was not measured in this run ...
    """
    if not data["memory_measured"]:
        return "Peak memory was not measured in this run (all cases ran in one process)."
    return data["protocol"]["memory"]


def noise_summary(data: dict) -> str:
    """A Markdown sentence on how much repeated runs of the same method in the same case differed.

    >>> from tests.bench_fixture import example
    >>> data = example()
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


def skipped_list(data: dict) -> str:
    """A Markdown list of the skipped cases and why, or a sentence saying none was skipped.

    >>> from tests.bench_fixture import example
    >>> print(skipped_list(example()))
    No case was skipped.
    >>> data = example()
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
