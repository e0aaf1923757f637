"""The costs page's advice: rules of thumb, each backed by the recorded numbers, picking methods by role."""

from __future__ import annotations

from snippets.bench.methods import Call
from snippets.bench.queries import record, records_of_case, sweep, sweep_series
from snippets.bench.roles import label, methods_with, the_method
from snippets.bench.schema import CONV_WEIGHT_GRADIENTS_SWEEP, WEIGHT_GRADIENTS_SWEEP
from snippets.bench.statistics import compare, fastest_method, growth_exponents, within_noise
from snippets.bench.units import count, format_bytes, format_ratio, ratio_range

_MODELS = {WEIGHT_GRADIENTS_SWEEP: "the MLP", CONV_WEIGHT_GRADIENTS_SWEEP: "the conv net"}


def rules_of_thumb(data: dict) -> str:
    """The page's advice as a Markdown list, each claim with the numbers from ``data`` that back it.

    A rule is left out when the data it needs was skipped, and a piece of advice is given
    only when the numbers of this run support it.

    >>> from tests.bench_fixture import example
    >>> print(rules_of_thumb(example()))
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


def _fastest_counts(data, cases) -> str | None:
    groups = [close for name in cases if (close := within_noise(records_of_case(data, name)))]
    if not groups:
        return None
    counts: dict[str, int] = {}
    for close in groups:
        for found in close:
            counts[found["method"]] = counts.get(found["method"], 0) + 1
    ordered = sorted(counts.items(), key=lambda item: -item[1])
    parts = [f"{label(data, m)} in {k} of {len(groups)} cases" for m, k in ordered]
    text = "Fastest for per-example Jacobians, or within run-to-run noise of the fastest: " + "; ".join(parts)
    never = [
        label(data, m)
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
    eager_method = the_method(data, problem="per-example", call=Call.BATCH_JACOBIAN, compiled=False)
    compiled_method = the_method(data, problem="per-example", call=Call.BATCH_JACOBIAN, compiled=True)
    if eager_method is None or compiled_method is None:
        return None
    ratios = _paired_ratios(data, cases, eager_method, compiled_method)
    if not ratios:
        return None
    slower = sum(
        compare(eager, compiled) == "slower"
        for case in cases
        if (eager := record(data, case, eager_method))
        and (compiled := record(data, case, compiled_method))
        and eager["status"] == compiled["status"] == "ok"
    )
    text = (
        f"Eager batch_jacobian took {ratio_range(ratios)} the time of batch_jacobian inside tf.function "
        f"({slower} of {len(ratios)} cases slower by more than the run-to-run noise): eagerly, pfor wraps "
        "its work in a new tf.function on every call, so every call traces and converts the loop again."
    )
    if slower == len(ratios):
        text += " Call batch_jacobian inside a `tf.function`."
    return text


def _forward_against_reverse(data, cases) -> str | None:
    forward_method = the_method(data, problem="per-example", mode="forward", vectorised=True, compiled=True)
    if forward_method is None:
        return None
    reverse = methods_with(data, problem="per-example", mode="reverse")
    outcomes: dict[str, list[str]] = {
        "narrower": [],
        "wider": [],
    }  # by the input's width against the output's
    for case in cases:
        shape = data["cases"][case]
        if shape["input_width"] == shape["output_width"]:
            continue
        forward = record(data, case, forward_method)
        best_reverse = fastest_method([r for m in reverse if (r := record(data, case, m))])
        if forward and forward["status"] == "ok" and best_reverse:
            side = "narrower" if shape["input_width"] < shape["output_width"] else "wider"
            outcomes[side].append(compare(forward, best_reverse))

    def tally(found: list[str]) -> str:
        return ", ".join(f"{kind} in {found.count(kind)}" for kind in ("faster", "within noise", "slower"))

    parts = [
        f"in the {count(len(found), 'case')} whose input was {side} than the output, {tally(found)}"
        for side, found in outcomes.items()
        if found
    ]
    if not parts:
        return None
    return (
        f"Against the fastest reverse-mode method, forward mode ({label(data, forward_method)}) "
        "was, "
        + "; ".join(parts)
        + ". Forward mode needs one pass per input and reverse mode one per output, but a forward "
        "(JVP) pass and a backward (VJP) pass do not cost the same, and vectorisation changes both, so "
        "where forward mode starts to win is measured here, not predicted from the widths alone."
    )


def _full_against_batch(data) -> str | None:
    full_method = the_method(data, problem="per-example", full=True, vectorised=True, compiled=True)
    batch_method = the_method(data, problem="per-example", call=Call.BATCH_JACOBIAN, compiled=True)
    try:
        chosen = sweep(data, "batch")
    except KeyError:
        return None
    if full_method is None or batch_method is None:
        return None
    points = []
    for value, case in zip(chosen["values"], chosen["cases"], strict=True):
        full, batch = record(data, case, full_method), record(data, case, batch_method)
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
    for method in methods_with(data, problem="per-example", call=Call.GRADIENT):
        measured = [
            (data["cases"][c]["batch"] * data["cases"][c]["output_width"], c, r)
            for c in cases
            if (r := record(data, c, method)) and r["status"] == "ok"
        ]
        if not measured:
            continue
        _, case, found = max(measured, key=lambda item: item[0])
        sentences.append(
            f"{label(data, method)} took {format_ratio(found['ratio_to_fastest'])} the time of the "
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
    full_method = the_method(data, problem="hessian-vector", call=Call.HESSIAN_THEN_PRODUCT)
    if full_method is None:
        return None
    products = [m for m in methods_with(data, problem="hessian-vector") if m != full_method]
    cases = [name for name, case in data["cases"].items() if case["problem"] == "hessian-vector"]
    measured = []
    for case in cases:
        full = record(data, case, full_method)
        best = fastest_method([r for m in products if (r := record(data, case, m))])
        if full and best and full["status"] == "ok":
            measured.append((data["cases"][case]["width"], full, best))
    if not measured:
        return None
    width, full, best = max(measured, key=lambda item: item[0])
    ratio = full["median_s"] / best["median_s"]
    text = (
        f"At width {width}, the largest where it was timed, forming the Hessian first "
        f"({label(data, full_method)}) took {format_ratio(ratio)} the time of the fastest "
        f"Hessian-vector product ({label(data, best['method'])})"
    )
    text += _memory_against(full, best) + "."
    if compare(best, full) == "faster":
        text += " To multiply by the Hessian, use a Hessian-vector product, not the Hessian."
    return text


def weight_gradients_summary(data: dict, sweep_name: str = WEIGHT_GRADIENTS_SWEEP) -> str | None:
    """The advice on per-example weight gradients for one model's sweep, from the recorded numbers only.

    >>> from tests.bench_fixture import example
    >>> print(weight_gradients_summary(example()))
    None
    """
    try:
        chosen = sweep(data, sweep_name)
    except KeyError:
        return None
    jacobian = the_method(data, problem="weight-gradients", call=Call.JACOBIAN, compiled=True)
    mapped = the_method(data, problem="weight-gradients", call=Call.VECTORIZED_MAP, compiled=True)
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
        f"{label(data, jacobian)} grew as "
        f"batch^{exponents[jacobian]} and {label(data, mapped)} as batch^{exponents[mapped]} "
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
