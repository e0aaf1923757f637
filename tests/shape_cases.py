"""The shape calculator's reference table, generated from ``snippets.shape_doctor.diagnose`` at test time.

:func:`cases` runs the shape doctor over a systematic grid (targets and sources of
ranks 0 to 5, sizes 0, 1 and more, equal and different batch sizes, lists, tuples and
dicts of one to three sources, nests of them, empty ones) and returns JSON-able dicts
that ``conf/_static/shape-calculator.js`` must reproduce exactly. The table is never
stored, so it follows every change to the shape doctor's rules and wording.

The JSON form of a nest (the same as the calculator's): a shape is a list of ints,
``[4, 3]``; several sources are ``{"kind": "list" | "tuple", "items": [...]}`` or
``{"kind": "dict", "items": [[key, nest], ...]}``, which keeps a dict's order and tells a
tuple of sources from a list.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from snippets.shape_doctor import _format_nest, diagnose

__all__ = ["cases", "from_json", "to_json"]

CALLS = ("gradient", "jacobian", "batch_jacobian")
BATCHES = (0, 1, 2, 3)
# Every rank from 0 to 5, each axis 0 of BATCHES (rank 1 also a size no batch has), with
# trailing axes of size 0, 1 and more.
SHAPES: tuple[tuple[int, ...], ...] = (
    (),
    *((n,) for n in (*BATCHES, 5)),
    *((b, d) for b in BATCHES for d in (0, 1, 4)),
    *((b, *tail) for b in BATCHES for tail in ((1, 5), (4, 0), (2, 3))),
    *((b, *tail) for b in (0, 2, 3) for tail in ((1, 2, 3), (2, 0, 1))),
    *((b, 1, 1, 2, 2) for b in (0, 2, 3)),
)
# The shapes that go into lists, tuples and dicts of sources.
MEMBERS = ((), (3,), (2, 3), (3, 10), (10,), (2, 0, 4), (0,))
KEYS = ("kernel", "bias", "scale", "it's", 'say "hi"', "größe", "layer 1")
NESTS = (
    [],
    {},
    {"dense": [(3, 10), (10,)], "scale": ()},
    [[(2,)], {"a": (2, 3)}],
    ([(2, 3)], ((4,), (5, 6))),
    {"outer": {"inner": ((2,), (3, 3))}},
)


def _containers() -> list:
    """Lists, tuples and dicts of one, two and three shapes of MEMBERS, in a fixed order."""
    containers = []
    for size in (1, 2, 3):
        for start in range(len(MEMBERS)):
            members = [MEMBERS[(start + 2 * k) % len(MEMBERS)] for k in range(size)]
            containers.append(list(members))
            containers.append(tuple(members))
            keys = [KEYS[(start + k) % len(KEYS)] for k in range(size)]
            containers.append(dict(zip(keys, members, strict=True)))
    return containers


def to_json(nest) -> Any:
    """A Python shape or nest of shapes in the calculator's JSON form (see the module docstring)."""
    if isinstance(nest, dict):
        return {"kind": "dict", "items": [[key, to_json(value)] for key, value in nest.items()]}
    if isinstance(nest, list):
        return {"kind": "list", "items": [to_json(item) for item in nest]}
    if isinstance(nest, tuple) and not all(isinstance(d, int) for d in nest):
        return {"kind": "tuple", "items": [to_json(item) for item in nest]}
    return [int(d) for d in nest]


def from_json(value) -> Any:
    """The inverse of :func:`to_json`."""
    if isinstance(value, list):
        return tuple(value)
    items = value["items"]
    if value["kind"] == "dict":
        return {key: from_json(item) for key, item in items}
    return (list if value["kind"] == "list" else tuple)(from_json(item) for item in items)


def _note(text: str, name: str, shape_text: str) -> str | None:
    """The note ``str(Diagnosis)`` prints after a call's result, or ``None``."""
    for line in text.splitlines():
        match = re.match(rf"  {name} +-> (.*)$", line)
        if match:
            rest = match.group(1)
            assert rest.startswith(shape_text), (line, shape_text)
            return rest[len(shape_text) :].strip() or None
    raise AssertionError(f"no line for {name} in {text!r}")


def case(target: tuple[int, ...], source) -> dict:
    """One row of the table: the inputs, their text, and what the shape doctor says of each call."""
    diagnosis = diagnose(target, source)
    text = str(diagnosis)
    expected = {}
    for name in CALLS:
        check = getattr(diagnosis, name)
        shape_text = _format_nest(check.shape) if check.ok else None
        expected[name] = {
            "ok": check.ok,
            "shape": to_json(check.shape) if check.ok else None,
            "error": check.error,
            "message": check.message,
            "fix": check.fix,
            "note": _note(text, name, shape_text) if check.ok else None,
            "shape_text": shape_text,
        }
    return {
        "target": to_json(target),
        "source": to_json(source),
        "target_text": _format_nest(target),
        "source_text": _format_nest(source),
        "expected": expected,
    }


def cases() -> list[dict]:
    """Every row: each target with each single source, each container of sources and each nest."""
    sources = [*SHAPES, *_containers(), *NESTS]
    return [case(target, source) for target, source in itertools.product(SHAPES, sources)]


if __name__ == "__main__":  # python -m tests.shape_cases: the table's size and a sample
    import collections
    import json

    table = cases()
    errors = collections.Counter(c["expected"]["batch_jacobian"]["error"] for c in table)
    print(len(table), "cases; batch_jacobian:", dict(errors))
    print(json.dumps(table[0], indent=1))
