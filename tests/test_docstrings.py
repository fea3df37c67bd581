"""Every docstring example in gradflow runs and gives the output it shows."""

import doctest
import importlib
import pkgutil

import matplotlib.pyplot as plt
import pytest

import gradflow

MODULES = [
    importlib.import_module(f"gradflow.{m.name}") for m in pkgutil.iter_modules(gradflow.__path__) if not m.name.startswith("_")
]


@pytest.mark.parametrize("module", MODULES, ids=[m.__name__ for m in MODULES])
def test_docstring_examples_pass(module):
    tests = [t for t in doctest.DocTestFinder().find(module) if t.examples]
    assert tests, f"{module.__name__} has no docstring examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    plt.close("all")
    assert runner.failures == 0, f"{runner.failures} failing examples in {module.__name__} (run pytest --doctest-modules)"
