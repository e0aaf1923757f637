"""The benchmark's JSON as dataclasses: what the harness writes, the report reads and the tests build.

One class per level of ``docs/_data/benchmarks.json`` (:class:`BenchmarkRecord` at the top,
then :class:`Machine`, :class:`RecordedProtocol`, :class:`MethodInfo`, :class:`SweepRecord`
and one :class:`Result` per method and case). ``from_json`` checks a parsed dict against the
schema and raises ``ValueError`` naming what is wrong; ``to_json`` gives back the same dict,
keys in the same order, so a file read and written again is unchanged. The report's views
take the validated dict (:func:`load_results`); nothing here imports TensorFlow.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

RESULTS_PATH = Path(__file__).resolve().parent.parent.parent / "docs" / "_data" / "benchmarks.json"
"""Where the harness writes its results and where the costs page reads them."""

SCHEMA_VERSION = 2
"""The version of the format below; a file with another version must be recorded again."""

STATUSES = ("ok", "skipped")
"""A result was timed (``ok``) or not (``skipped``, with its reason)."""

CASE_KEYS = {
    "per-example": ("batch", "input_width", "output_width"),
    "hessian-vector": ("width",),
    "weight-gradients": ("model", "batch"),
}
"""The sizes that make up a case of each problem."""

WEIGHT_GRADIENTS_SWEEP = "weights_batch"
"""The sweep of per-example weight gradients of the MLP classifier."""

CONV_WEIGHT_GRADIENTS_SWEEP = "conv_weights_batch"
"""The same sweep for the small convolutional classifier."""

_RERUN = "re-run python -m snippets.bench"


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


class _Record:
    """Reading and writing shared by every level: fields in declaration order, unknown keys refused."""

    _OMIT_WHEN_NONE: tuple[str, ...] = ()

    @classmethod
    def _fields(cls) -> list[dataclasses.Field]:
        return list(dataclasses.fields(cls))

    @classmethod
    def _required(cls) -> set[str]:
        return {
            f.name
            for f in cls._fields()
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }

    @classmethod
    def _check_keys(cls, data: dict, where: str) -> None:
        if not isinstance(data, dict):
            raise ValueError(f"{where} must be an object, got {type(data).__name__}; {_RERUN}")
        unknown = sorted(set(data) - {f.name for f in cls._fields()})
        if unknown:
            raise ValueError(f"{where} has keys this code does not know: {unknown}; {_RERUN}")

    @classmethod
    def from_json(cls, data: dict, where: str | None = None):
        """Build the record from its parsed JSON, after checking its keys."""
        where = where or cls.__name__
        missing = sorted(cls._required() - set(data))
        if missing:
            raise ValueError(f"{where} lacks the keys {missing}; {_RERUN}")
        cls._check_keys(data, where)
        return cls(**{name: cls._convert(name, value) for name, value in data.items()})

    @classmethod
    def _convert(cls, name: str, value):
        return value

    def to_json(self) -> dict:
        """The record as the JSON dict, keys in the file's order."""
        found = {}
        for f in self._fields():
            value = getattr(self, f.name)
            if value is None and f.name in self._OMIT_WHEN_NONE:
                continue
            found[f.name] = value.to_json() if isinstance(value, _Record) else value
        return found


@dataclass(kw_only=True)
class Machine(_Record):
    """The machine the numbers were measured on, and its load average before and after.

    >>> Machine(cpu_model="Test CPU", cores=2).to_json()["cores"]
    2
    """

    cpu_model: str
    cores: int
    memory_total_bytes: int | None = None
    platform: str | None = None
    load_average_start: list[float] = field(default_factory=list)
    load_average_end: list[float] | None = None


@dataclass(kw_only=True)
class Versions(_Record):
    """The versions of Python, TensorFlow and NumPy that ran the benchmark.

    >>> Versions(python="3.11.7", tensorflow="2.21.0", numpy="2.4.6").to_json()["tensorflow"]
    '2.21.0'
    """

    python: str
    tensorflow: str
    numpy: str


@dataclass(kw_only=True)
class GitState(_Record):
    """The commit the tree was at, and whether it had uncommitted changes (``None`` outside git).

    >>> GitState(commit=None, dirty=None).to_json()
    {'commit': None, 'dirty': None}
    """

    commit: str | None
    dirty: bool | None


@dataclass(kw_only=True)
class RecordedProtocol(_Record):
    """How each pair was timed, as recorded: the harness's ``Protocol`` plus the limits derived from it.

    >>> RecordedProtocol(repeats=7, min_repeats=5, min_run_s=0.05, target_s=3.0, case_budget_s=20.0,
    ...                  hidden_width=64, dtype="float32", slowest_call_s=2.857, child_timeout_s=40.0
    ...                  ).to_json()["relative_tolerance"] is None
    True
    """

    repeats: int
    min_repeats: int
    min_run_s: float
    target_s: float
    case_budget_s: float
    hidden_width: int
    dtype: str
    slowest_call_s: float
    child_timeout_s: float
    relative_tolerance: float | None = None
    memory: str | None = None
    """What the peak-memory numbers measure, in a sentence the page prints; ``None`` when not measured."""


@dataclass(kw_only=True)
class MethodInfo(_Record):
    """What the JSON says about one method: its label and the facts the tables group it by.

    >>> MethodInfo(label="batch_jacobian, eager", problem="per-example", compiled=False).to_json()
    {'label': 'batch_jacobian, eager', 'problem': 'per-example', 'compiled': False, 'full': False,
     'mode': 'reverse'}
    """

    label: str
    problem: str
    compiled: bool
    full: bool = False
    mode: str = "reverse"


@dataclass(kw_only=True)
class SweepRecord(_Record):
    """One sweep: the parameter it varies, its values (increasing) and the ids of its cases, in that order.

    >>> SweepRecord(name="hessian_width", problem="hessian-vector", varies="width", values=[16],
    ...             cases=["hvp n=16"]).to_json()
    {'name': 'hessian_width', 'problem': 'hessian-vector', 'varies': 'width', 'values': [16], 'fixed': {},
     'cases': ['hvp n=16']}
    """

    _OMIT_WHEN_NONE = ("case_budget_s",)

    name: str
    problem: str
    varies: str
    values: list[int]
    fixed: dict = field(default_factory=dict)
    case_budget_s: float | None = None
    """The budget per case where the sweep allows more than the protocol's; absent in older fixtures."""
    cases: list[str]


_RESULT_REQUIRED = ("case", "method", "status", "reason", "median_s", "first_call_s", "peak_memory_bytes")


@dataclass(kw_only=True)
class Result(_Record):
    """One method on one case: timed (``ok``, with its runs) or ``skipped`` with the reason.

    >>> found = Result(case="hvp n=3", method="hessian_then_product", status="ok", reason=None,
    ...                first_call_s=0.1, median_s=0.002, runs_s=[0.002], peak_memory_bytes=None)
    >>> list(found.to_json())[:4]
    ['case', 'method', 'status', 'reason']
    """

    case: str
    method: str
    status: str
    reason: str | None
    trace_s: float | None = None
    first_call_s: float | None
    median_s: float | None
    runs_s: list[float] = field(default_factory=list)
    calls_per_run: int | None = None
    peak_memory_bytes: int | None
    result_bytes: int | None = None
    load_1min: float | None = None
    relative_error: float | None = None
    largest_cross_example_entry: float | None = None
    ratio_to_fastest: float | None = None

    @classmethod
    def from_json(cls, data: dict, where: str | None = None):
        """Build a result, with the messages that name its case and method."""
        lacking = sorted(set(_RESULT_REQUIRED) - set(data))
        name = f"{data.get('case')}/{data.get('method')}"
        if lacking:
            raise ValueError(f"result {name} lacks {lacking}")
        if data["status"] not in STATUSES:
            raise ValueError(f"result {name} has status {data['status']!r}")
        return super().from_json(data, f"result {name}")


@dataclass(kw_only=True)
class BenchmarkRecord(_Record):
    """The whole benchmark JSON: where and how it was measured, its methods, cases, sweeps and results.

    >>> from tests.bench_fixture import example_record
    >>> record = example_record()
    >>> BenchmarkRecord.from_json(record.to_json()) == record
    True
    >>> BenchmarkRecord.from_json({"schema_version": 2})
    Traceback (most recent call last):
    ...
    ValueError: benchmark JSON lacks the keys ['cases', 'created', ...]; re-run python -m snippets.bench
    """

    schema_version: int
    created: str
    command: str | None = None
    mode: str
    memory_measured: bool
    machine: Machine
    versions: Versions
    git: GitState
    draft: bool
    protocol: RecordedProtocol
    methods: dict[str, MethodInfo]
    cases: dict[str, dict]
    sweeps: list[SweepRecord]
    results: list[Result]
    duration_s: float

    @classmethod
    def from_json(cls, data: dict, where: str | None = None):
        """Check the whole file (keys, version, every result, every case a sweep names) and build it."""
        missing = sorted(cls._required() - set(data))
        if missing:
            raise ValueError(f"benchmark JSON lacks the keys {missing}; {_RERUN}")
        if data["schema_version"] != SCHEMA_VERSION:
            raise ValueError(
                f"benchmark JSON has schema_version {data['schema_version']}, this code reads "
                f"{SCHEMA_VERSION}; {_RERUN}"
            )
        cls._check_keys(data, "benchmark JSON")
        for name, case in data["cases"].items():
            keys = CASE_KEYS.get(case.get("problem"))
            if keys is None or set(case) != {"problem", *keys}:
                raise ValueError(f"case {name!r} is not a case of a known problem: {case}")
        seen = set()
        results = []
        for found in data["results"]:
            key = (found.get("case"), found.get("method"))
            if key in seen:
                raise ValueError(f"result {key[0]}/{key[1]} appears twice")
            seen.add(key)
            result = Result.from_json(found)
            if result.case not in data["cases"]:
                raise ValueError(f"result names case {result.case!r}, which the JSON does not define")
            if result.method not in data["methods"]:
                raise ValueError(f"result names method {result.method!r}, which the JSON does not define")
            if result.status == "ok" and not (result.median_s or 0) > 0:
                raise ValueError(f"result {result.case}/{result.method} is ok but has no positive median_s")
            results.append(result)
        sweeps = [SweepRecord.from_json(s, f"sweep {s.get('name')!r}") for s in data["sweeps"]]
        for chosen in sweeps:
            for case in chosen.cases:
                if case not in data["cases"]:
                    raise ValueError(
                        f"sweep {chosen.name!r} names case {case!r}, which the JSON does not define"
                    )
        return cls(
            **{
                **data,
                "machine": Machine.from_json(data["machine"], "machine"),
                "versions": Versions.from_json(data["versions"], "versions"),
                "git": GitState.from_json(data["git"], "git"),
                "protocol": RecordedProtocol.from_json(data["protocol"], "protocol"),
                "methods": {
                    name: MethodInfo.from_json(info, f"method {name!r}")
                    for name, info in data["methods"].items()
                },
                "sweeps": sweeps,
                "results": results,
            }
        )

    def to_json(self) -> dict:
        """The JSON dict, keys in the file's order: ``json.dumps`` of it is the file again.

        >>> from tests.bench_fixture import example_record
        >>> example_record().to_json()["methods"]["batch_jacobian"]["label"]
        'batch_jacobian'
        """
        found = super().to_json()
        found["methods"] = {name: info.to_json() for name, info in self.methods.items()}
        found["sweeps"] = [s.to_json() for s in self.sweeps]
        found["results"] = [r.to_json() for r in self.results]
        return found


def validate_results(data: dict) -> dict:
    """Check that ``data`` has the benchmark JSON's structure (:class:`BenchmarkRecord`) and return it.

    >>> from tests.bench_fixture import example
    >>> validate_results(example())["mode"]
    'quick'
    >>> validate_results({"schema_version": 2})
    Traceback (most recent call last):
    ...
    ValueError: benchmark JSON lacks the keys ['cases', 'created', ...]; re-run python -m snippets.bench
    """
    BenchmarkRecord.from_json(data)
    return data


def dumps(record: BenchmarkRecord) -> str:
    """The text of the JSON file for ``record``: one space of indent, UTF-8 as is, a final newline.

    >>> from tests.bench_fixture import example_record
    >>> dumps(example_record()).startswith('{\\n "schema_version": 2,')
    True
    """
    return json.dumps(record.to_json(), indent=1, ensure_ascii=False) + "\n"


def parse_results(text: str) -> dict:
    """Parse and validate the benchmark JSON from a string.

    >>> from tests.bench_fixture import example
    >>> data = parse_results(json.dumps(example()))
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
