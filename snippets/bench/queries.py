"""Looking things up in the benchmark results: one case's records, one record, a sweep and its series."""

from __future__ import annotations


def records_of_case(data: dict, case: str) -> list[dict]:
    """Every method's record for one case, in the order of ``data["methods"]``.

    >>> from tests.bench_fixture import example
    >>> [r["method"] for r in records_of_case(example(), "b=4 n=2 m=2")]
    ['batch_jacobian', 'batch_jacobian_function', 'jacobian_function']
    """
    order = list(data["methods"])
    found = [r for r in data["results"] if r["case"] == case]
    return sorted(found, key=lambda r: order.index(r["method"]))


def record(data: dict, case: str, method: str) -> dict | None:
    """The record of one method in one case, or ``None`` if that pair was not run.

    >>> from tests.bench_fixture import example
    >>> record(example(), "b=1 n=2 m=2", "jacobian_function")["median_s"]
    0.002
    """
    return next((r for r in data["results"] if r["case"] == case and r["method"] == method), None)


def sweep(data: dict, name: str) -> dict:
    """One sweep by name: the parameter it varies, its values and the ids of its cases.

    >>> from tests.bench_fixture import example
    >>> sweep(example(), "batch")["values"]
    [1, 4]
    """
    for candidate in data["sweeps"]:
        if candidate["name"] == name:
            return candidate
    raise KeyError(f"no sweep named {name!r}; the JSON has {[s['name'] for s in data['sweeps']]}")


def sweep_series(data: dict, name: str, metric: str = "median_s") -> dict[str, tuple[list, list]]:
    """For each method, the sweep's values and the ``metric`` there, leaving out cases where it was skipped.

    >>> from tests.bench_fixture import example
    >>> sweep_series(example(), "batch")["jacobian_function"]
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


def shared_case(data: dict, first: str, second: str) -> str:
    """The case two sweeps have in common (the width sweeps share their middle case).

    >>> from tests.bench_fixture import example
    >>> data = example()
    >>> data["sweeps"].append(dict(sweep(data, "batch"), name="again", cases=["b=4 n=2 m=2"]))
    >>> shared_case(data, "batch", "again")
    'b=4 n=2 m=2'
    """
    common = [case for case in sweep(data, first)["cases"] if case in sweep(data, second)["cases"]]
    if not common:
        raise KeyError(f"sweeps {first!r} and {second!r} share no case")
    return common[0]
