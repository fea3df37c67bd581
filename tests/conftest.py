"""Test-session set-up shared by the unit, notebook, figure and book tests.

``make test`` runs one pytest session over ``tests/`` and ``chapters/`` (nbval). Figures that the
chapters save while nbval executes them go to a temporary folder (never the committed ``figures/``),
and the figure comparison runs after the notebooks so that it can reuse them.
"""

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

# Test modules that use the executed chapters run after them, in this order.
_AFTER_CHAPTERS = ("test_figures.py", "test_book.py")
_nbval_chapters = pytest.StashKey[set]()


def pytest_configure(config):
    # Set before any kernel starts, so that the chapters nbval executes inherit it.
    os.environ["GRADFLOW_FIGURES"] = tempfile.mkdtemp(prefix="gradflow-figures-")


def pytest_collection_modifyitems(session, config, items):
    def rank(item):
        name = item.path.name
        if name.endswith(".ipynb"):
            return 1
        return 2 + _AFTER_CHAPTERS.index(name) if name in _AFTER_CHAPTERS else 0

    items.sort(key=rank)  # stable, so each module keeps its own order
    config.stash[_nbval_chapters] = {item.path for item in items if item.path.suffix == ".ipynb"}


@pytest.fixture(scope="session")
def nbval_chapters(request):
    """The chapters that nbval executes in this session, before any test that uses this fixture."""
    return request.config.stash.get(_nbval_chapters, set())
