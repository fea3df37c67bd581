"""Test-session set-up shared by the unit, notebook, figure, widget, book and browser tests.

``make test`` runs one pytest session over ``tests/`` and ``chapters/``. nbval executes and compares
every chapter; the figure and live-widget tests execute the chapters once more in a kernel of their
own (:func:`executed_chapters`), and the book and browser tests share one build (:func:`html`).
Figures written while the tests run go to temporary folders, never to the committed ``figures/``.

Kernels run in the book's floating-point environments (:mod:`gradflow.fpenv`): nbval's in the reference
one the stored outputs were made in, whatever the caller's shell set; the second execution in the
perturbed one, which stands in for another CPU (tests/test_perturbation.py).

The tests run in two processes (pytest-xdist: ``-n 2`` in pyproject.toml), so both
cores work all the time. Tests that share one process's state are kept together, each group in one
worker (:func:`group_of`): the chapters (nbval's notebooks, the perturbation run and the figure
tests that read what both executions saved), the built book (book, browser and PDF tests) and
JupyterLab; the unit tests fill in wherever a worker is free. ``-n 0`` runs everything in one process.
"""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from gradflow import fpenv

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

# Test modules that must share one process with others: nbval's notebooks and these modules read what
# the chapters' two executions saved (REFERENCE_FIGURES, executed_chapters); the book's are served one
# build (html); JupyterLab's share one server.
GROUPS = {
    "chapters": ("test_perturbation.py", "test_figures.py", "test_live_figures.py"),
    "book": ("test_book.py", "test_browser.py", "test_pdf.py"),
    "lab": ("test_lab.py",),
}

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]

# Run in each chapter's kernel after the chapter: move every control of every live figure and report
# whether the live image changed and equals the static twin's frame for the new setting.
_PROBE = """
import json as _json
from gradflow.widgets import InteractiveFigure as _InteractiveFigure
_report = []
for _live in [v for v in Out.values() if isinstance(v, _InteractiveFigure)]:
    for _name, _control in _live.controls.items():
        _before, _old = _live.image.value, _control.value
        _new = next(v for v in _live.values[_name] if v != _old)
        _control.value = _new
        _key = tuple(_new if n == _name else _live.defaults[n] for n in _live.values)
        _report.append({"figure": repr(_live), "control": _name, "changed": _live.image.value != _before,
                        "matches_twin": _live.image.value == _live.frames[_key]})
        _control.value = _old
print(_json.dumps(_report))
"""


#: Where the chapters executed by nbval (in the reference environment) save their figures.
REFERENCE_FIGURES = Path(tempfile.mkdtemp(prefix="gradflow-nbval-figures-"))
#: Filled from the perturbation tests' reports (``record_property("perturbation", ...)``), which reach
#: this process from whichever worker ran them: chapter -> (cells declaring a tolerance, largest deviation).
PERTURBATION_SUMMARY = {}


def pytest_configure(config):
    # Set before any kernel starts: nbval's kernels inherit this process's environment.
    fpenv.apply("reference")
    os.environ["GRADFLOW_FIGURES"] = str(REFERENCE_FIGURES)
    # Every process the tests start (kernels, the book build, JupyterLab) finds gradflow on its path,
    # not only through the editable install: the README's set-up test reinstalls that in place while
    # the other worker's kernels start, and a kernel starting in between would not find the package.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))


def pytest_runtest_logreport(report):
    for name, value in report.user_properties:
        if name == "perturbation":
            chapter, tolerant, worst = value
            PERTURBATION_SUMMARY[chapter] = (tolerant, worst)


def pytest_terminal_summary(terminalreporter):
    if PERTURBATION_SUMMARY:
        tolerant = sum(t for t, _ in PERTURBATION_SUMMARY.values())
        chapter, (_, worst) = max(PERTURBATION_SUMMARY.items(), key=lambda item: item[1][1])
        terminalreporter.write_line(
            f"perturbation run: {len(PERTURBATION_SUMMARY)} chapters compared, {tolerant} cells declare a "
            f"tolerance, largest number deviation {worst:g} ({chapter})")


def _execute_perturbed(chapter, figures):
    """Execute a chapter, then the widget probe, in the perturbed environment; return (stem, probe, notebook)."""
    notebook = nbformat.read(chapter, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(_PROBE))
    client = NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(chapter.parent)}})
    env = {**fpenv.environment("perturbed"), "GRADFLOW_FIGURES": str(figures)}
    asyncio.run(client.async_execute(env=env))  # an event loop of its own, closed afterwards
    return chapter.stem, json.loads(notebook.cells[-1].outputs[0]["text"]), notebook


def _start_perturbed_run(kernels):
    """Start executing every chapter in the background; returns (figures folder, futures)."""
    figures = Path(tempfile.mkdtemp(prefix="gradflow-perturbed-figures-"))
    pool = ThreadPoolExecutor(max_workers=kernels)
    futures = [pool.submit(_execute_perturbed, chapter, figures) for chapter in CHAPTERS]
    pool.shutdown(wait=False)
    return figures, futures


def group_of(path):
    """The group whose worker runs the tests in the file ``path`` (see GROUPS), or None for anywhere."""
    if path.suffix == ".ipynb":
        return "chapters"
    return next((group for group, modules in GROUPS.items() if path.name in modules), None)


@pytest.hookimpl(optionalhook=True)  # known only when pytest-xdist is loaded (not with -p no:xdist)
def pytest_xdist_make_scheduler(config, log):
    """Hand each of GROUPS to one worker, whole and in order; the other tests to any free worker, largest
    group first. (xdist's own ``--dist loadgroup`` cannot mark tests under pytest 9, which no longer
    lets a plugin rename a test's node id.)"""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return group_of(Path(nodeid.split("::")[0])) or nodeid

    return GroupScheduling(config, log)


def pytest_collection_modifyitems(session, config, items):
    # In one process: nbval's notebooks first (they start the perturbation run beside them), then the
    # unit tests, then the groups' slow modules in the order of GROUPS.
    slow = [module for modules in GROUPS.values() for module in modules]

    def rank(item):
        if item.path.suffix == ".ipynb":
            return 0
        return 2 + slow.index(item.path.name) if item.path.name in slow else 1

    items.sort(key=rank)  # stable, so each module keeps its own order


_perturbed_run = None


# runtest_protocol, not runtest_setup: it is called for the chapters' notebooks too, outside tests/.
@pytest.hookimpl(tryfirst=True)  # before nbval starts the notebook's kernel
def pytest_runtest_protocol(item, nextitem):
    # The perturbation run starts with the first test of the chapters' group, in the worker that runs
    # that group, and only if a selected test needs it (after -k and other deselection). It needs no
    # result of nbval's and is the longest single task (the perturbed environment computes more slowly),
    # so its two kernels run beside nbval's one, sharing the cores with the other worker's tests.
    global _perturbed_run
    if _perturbed_run is None and group_of(item.path) == "chapters":
        needed = any("executed_chapters" in getattr(other, "fixturenames", ()) for other in item.session.items)
        _perturbed_run = _start_perturbed_run(kernels=2) if needed else False


@pytest.fixture(scope="session")
def executed_chapters():
    """Every chapter executed in a fresh kernel in the perturbed floating-point environment.

    Returns ``(figures_folder, {chapter_stem: probe_report}, {chapter_stem: executed_notebook})``;
    each executed notebook ends with the probe cell.
    """
    figures, futures = _perturbed_run or _start_perturbed_run(kernels=os.cpu_count() or 1)
    runs = [future.result() for future in futures]
    return figures, {stem: probe for stem, probe, _ in runs}, {stem: notebook for stem, _, notebook in runs}


@pytest.fixture(scope="session")
def html(tmp_path_factory):
    """The book built from the stored outputs with warnings as errors; returns the HTML folder."""
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    build = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
        capture_output=True, text=True,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return out / "_build" / "html"


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium driven by Playwright; skipped with the reason if Chromium is missing, except
    under ``CI=true``, where a missing browser is a failure."""
    if not CHROMIUM.exists():
        reason = f"browser tests need Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; under CI a missing browser is an error")
        pytest.skip(f"{reason}: skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
