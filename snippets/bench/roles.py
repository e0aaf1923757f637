"""Which recorded method plays which role, and how each method looks in the figures.

The tables, the advice and the figures read methods by id from the JSON; here each id is
matched with its entry in :data:`snippets.bench.methods.METHODS`, which holds its role
(``call``, ``compiled``, ``vectorised``, ``full``, ``mode``, ``problem``) and its colour
and marker. A rule asks for "the compiled ``batch_jacobian``", not for a string id.
"""

from __future__ import annotations

import zlib

from snippets.bench.methods import METHODS

_SPARE_COLOURS = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354")
_SPARE_MARKERS = "osD^vP*Xhp<>"


def methods_with(data: dict, **role) -> list[str]:
    """The methods of ``data`` whose registered entry has every attribute in ``role``, in registry order.

    >>> from tests.bench_fixture import example
    >>> methods_with(example(), compiled=True)
    ['batch_jacobian_function', 'jacobian_function']
    """
    return [
        name
        for name, method in METHODS.items()
        if name in data["methods"] and all(getattr(method, key) == value for key, value in role.items())
    ]


def the_method(data: dict, **role) -> str | None:
    """The one method of ``data`` with ``role``, or ``None``; two such methods are an error.

    >>> from snippets.bench.methods import Call
    >>> from tests.bench_fixture import example
    >>> the_method(example(), call=Call.BATCH_JACOBIAN, compiled=True)
    'batch_jacobian_function'
    >>> the_method(example(), problem="hessian-vector") is None
    True
    >>> the_method(example(), problem="per-example")
    Traceback (most recent call last):
    ...
    ValueError: 3 methods have the role {'problem': 'per-example'}: [...]; name the role more closely
    """
    found = methods_with(data, **role)
    if len(found) > 1:
        raise ValueError(f"{len(found)} methods have the role {role}: {found}; name the role more closely")
    return found[0] if found else None


def label(data: dict, method: str) -> str:
    """The label the JSON gives a method.

    >>> from tests.bench_fixture import example
    >>> label(example(), "jacobian_function")
    'jacobian (full), tf.function'
    """
    return data["methods"][method]["label"]


def style(data: dict, method: str) -> dict:
    """Colour and marker of a method, the same in every figure; dashed lines for eager methods.

    A method the registry does not know (an old JSON) gets a colour derived from its id.

    >>> from tests.bench_fixture import example
    >>> style(example(), "batch_jacobian")
    {'color': '#1f77b4', 'marker': 'o', 'linestyle': '--', 'label': 'batch_jacobian'}
    """
    if method in METHODS:
        colour, marker = METHODS[method].colour, METHODS[method].marker
    else:
        key = zlib.crc32(method.encode("utf-8"))
        colour, marker = _SPARE_COLOURS[key % len(_SPARE_COLOURS)], _SPARE_MARKERS[key % len(_SPARE_MARKERS)]
    return {
        "color": colour,
        "marker": marker,
        "linestyle": "-" if data["methods"][method]["compiled"] else "--",
        "label": data["methods"][method]["label"],
    }
