"""Shared pytest set-up: quiet TensorFlow once per process, names for page doctests."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import settings

from snippets.support.environment import configure, import_tensorflow_quietly

configure()  # quiet TensorFlow, seeds and print options before any test module is imported
tf = import_tensorflow_quietly()  # the module configure() imported, for the doctests' namespace

# The Rosetta page's other sides: JAX is in the default sessions but not in `tests_tf` (it needs
# NumPy 2), PyTorch only in the opt-in `rosetta_torch` session. Their modules' doctests run where
# their library is installed.
OPTIONAL_MODULES = {
    "snippets/rosetta/jax_side.py": "jax",
    "snippets/claim_checks/rosetta.py": "jax",
    "snippets/rosetta/torch_side.py": "torch",
}
collect_ignore = [
    path for path, library in OPTIONAL_MODULES.items() if importlib.util.find_spec(library) is None
]

# TensorFlow traces a function on its first call, which can take far longer than
# hypothesis's default 200 ms deadline; the examples themselves are fast.
settings.register_profile("tapeguide", deadline=None, max_examples=40, derandomize=True)
settings.load_profile("tapeguide")


@pytest.fixture(autouse=True)
def _reseed():
    """Every test and doctest starts from the same seeds, whatever ran before it."""
    configure()


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    """`>>>` examples in docs/ pages may use `tf` and `np` without importing them."""
    doctest_namespace["tf"] = tf
    doctest_namespace["np"] = np
