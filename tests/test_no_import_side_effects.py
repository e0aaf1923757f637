"""Importing a ``snippets`` module changes nothing global; set-up is one explicit call.

Each check runs in a fresh interpreter, since this test process has configured everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Prints the global state a module could change on import, after importing each module in turn.
PROBE = textwrap.dedent(
    """
    import importlib, importlib.util, json, logging, os, pkgutil, random, sys
    import numpy as np

    def context_module():
        return importlib.import_module("tensorflow.python.eager.context")

    def state():
        tf = sys.modules.get("tensorflow")
        return {
            "numpy print options": repr(sorted(np.get_printoptions().items())),
            "numpy random state": repr(np.random.get_state()[1][:4].tolist()),
            "random state": repr(random.getstate()[1][:4]),
            "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL"),
            "tensorflow global seed": tf and context_module().global_seed(),
            "tensorflow logger level": logging.getLogger("tensorflow").level,
        }

    names = sys.argv[1:]
    import snippets
    report = {"tensorflow imported by the package": "tensorflow" in sys.modules, "changes": []}
    import tensorflow  # imported now, so later modules are compared with TensorFlow's own import
    before = state()
    for name in names:
        importlib.import_module(name)
        after = state()
        report["changes"] += [f"{name} changed {key}" for key in before if after[key] != before[key]]
    print(json.dumps(report))
    """
)

OPTIONAL = {
    "snippets.rosetta.jax_side": "jax",
    "snippets.claim_checks.rosetta": "jax",
    "snippets.rosetta.torch_side": "torch",
}
STANDARD_LIBRARY_ONLY = [
    "snippets.support.environment",
    "snippets.support.tested_range",
    "snippets.support.markdown",
]


def _probe(names: list[str], code: str = PROBE) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", code, *names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def _all_modules() -> list[str]:
    import importlib.util
    import pkgutil

    import snippets

    return [
        module.name
        for module in pkgutil.walk_packages(snippets.__path__, prefix="snippets.")
        if module.name not in OPTIONAL or importlib.util.find_spec(OPTIONAL[module.name])
    ]


def test_importing_any_snippets_module_changes_nothing_global():
    report = _probe(_all_modules())
    assert not report["tensorflow imported by the package"], "importing snippets must not import TensorFlow"
    assert report["changes"] == []


def test_setup_modules_import_only_the_standard_library():
    code = textwrap.dedent(
        """
        import importlib, json, sys
        before = set(sys.modules)
        for name in sys.argv[1:]:
            importlib.import_module(name)
        third_party = sorted(
            name.partition(".")[0] for name in set(sys.modules) - before
            if name.partition(".")[0] not in sys.stdlib_module_names and not name.startswith("snippets")
        )
        print(json.dumps(third_party))
        """
    )
    assert _probe(STANDARD_LIBRARY_ONLY, code) == []


def test_configure_is_the_one_explicit_setup_call():
    code = textwrap.dedent(
        """
        import json, numpy as np
        from snippets.support.environment import configure
        configure()
        report = {"precision": np.get_printoptions()["precision"], "first draw": float(np.random.rand())}
        print(json.dumps(report))
        """
    )
    report = _probe([], code)
    assert report["precision"] == 4
    assert report["first draw"] == 0.5488135039273248  # NumPy's first draw with seed 0
