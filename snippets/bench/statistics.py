"""How the report judges times: medians, ratios to the fastest, run-to-run noise and growth exponents."""

from __future__ import annotations

import math
import statistics

from snippets.bench.queries import sweep_series
from snippets.bench.schema import Result


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


def set_ratios_to_fastest(results: list[Result]) -> None:
    """Fill in each result's ``ratio_to_fastest``: its median over the smallest median of its case.

    >>> results = [Result(case="c", method=m, status="ok", reason=None, first_call_s=1.0, median_s=t,
    ...                   peak_memory_bytes=None) for m, t in (("a", 2.0), ("b", 0.5))]
    >>> set_ratios_to_fastest(results)
    >>> [r.ratio_to_fastest for r in results]
    [4.0, 1.0]
    """
    by_case: dict[str, list[Result]] = {}
    for found in results:
        by_case.setdefault(found.case, []).append(found)
    for group in by_case.values():
        ratios = ratios_to_fastest({r.method: r.median_s for r in group})
        for found in group:
            found.ratio_to_fastest = ratios[found.method]


def fastest_method(records: list[dict]) -> dict | None:
    """The record with the smallest median among those measured (``status == "ok"``), or ``None``.

    >>> fastest_method([{"method": "a", "status": "ok", "median_s": 2.0},
    ...                 {"method": "b", "status": "ok", "median_s": 0.5},
    ...                 {"method": "c", "status": "skipped", "median_s": None}])["method"]
    'b'
    """
    measured = [r for r in records if r["status"] == "ok"]
    return min(measured, key=lambda r: r["median_s"]) if measured else None


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

    >>> from tests.bench_fixture import example
    >>> growth_exponents(example(), "batch")
    {'batch_jacobian': -0.5, 'batch_jacobian_function': 0.0, 'jacobian_function': 1.5}
    """
    found = {}
    for method, (xs, ys) in sweep_series(data, sweep_name, metric).items():
        if largest is not None:
            xs, ys = xs[-largest:], ys[-largest:]
        if len(xs) >= 2:
            found[method] = growth_exponent(xs, ys)
    return found
