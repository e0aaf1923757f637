"""Every public snippet function carries an example, so its output is asserted."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil

import pytest

import snippets

# A side of the Rosetta page is checked where its library is installed (conftest.py says where).
OPTIONAL = {
    "snippets.rosetta.jax_side": "jax",
    "snippets.claim_checks.rosetta": "jax",
    "snippets.rosetta.torch_side": "torch",
}
MODULES = [
    importlib.import_module(module.name)
    for module in pkgutil.walk_packages(snippets.__path__, prefix="snippets.")
    if module.name not in OPTIONAL or importlib.util.find_spec(OPTIONAL[module.name])
]
FUNCTIONS = [
    (module.__name__, name, function)
    for module in MODULES
    for name, function in inspect.getmembers(module, inspect.isfunction)
    if function.__module__ == module.__name__ and not name.startswith("_")
]


def test_snippet_modules_were_found():
    assert len(FUNCTIONS) >= 5


@pytest.mark.parametrize(("module", "name", "function"), FUNCTIONS, ids=[f"{m}.{n}" for m, n, _ in FUNCTIONS])
def test_function_has_a_doctest(module, name, function):
    assert ">>>" in (function.__doc__ or ""), f"{module}.{name} needs a doctest example"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_module_says_what_idea_it_holds(module):
    assert module.__doc__ and module.__doc__.strip(), f"{module.__name__} needs a one-line module docstring"
