"""The stored notebooks are complete, and nbval really compares them.

nbval compares only outputs that were saved, so a notebook saved without outputs would pass it
vacuously. Every code cell must have been executed in order from a fresh kernel and have stored
output; no stored output may be an error or stderr; no widget state may be saved (it would make the
HTML load widget code from a CDN); and only cells that time code may be tagged nbval-ignore-output. Each check is also tried on a broken notebook, to show it can fail.
"""

import os
import re
import subprocess
import sys

import nbformat
import pytest

from conftest import CHAPTERS, ROOT

PAGES = sorted((ROOT / "chapters").glob("*.md"))
# "chapter 9", "Chapters 3-5", "ch. 9": numbers Sphinx assigns and that move when a chapter is added.
_TYPED_CHAPTER_NUMBER = re.compile(r"\b(?:[Cc]hapters?|[Cc]h\.)\s*\d+")


# The one kind of cell whose output is not compared: it measures the reader's machine.
_TIMES_CODE = re.compile(r"\btimeit\b|\bperf_counter\b|\bseconds\w*")


def problems(notebook):
    """What makes a stored notebook unfit for nbval and the book, one string per problem."""
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    found = []
    counts = [cell.execution_count for cell in cells]
    if counts != list(range(1, len(cells) + 1)):
        found.append(f"execution counts {counts}: restart the kernel and run all (make execute)")
    found += [f"code cell {i} has no stored output" for i, cell in enumerate(cells) if not cell.outputs]
    found += [
        f"code cell {i} stored {out.get('ename') or 'stderr'}"
        for i, cell in enumerate(cells)
        for out in cell.outputs
        if out.output_type == "error" or out.get("name") == "stderr"
    ]
    found += [
        f"code cell {i} is tagged nbval-ignore-output but times nothing; only a timing cell may be "
        "(a stochastic result declares `# fp-tolerance:` instead)"
        for i, cell in enumerate(cells)
        if "nbval-ignore-output" in cell.metadata.get("tags", []) and not _TIMES_CODE.search(cell.source)
    ]
    if "widgets" in notebook.metadata:
        found.append("widget state is stored; execute with `make execute`, which does not store it")
    return found


def test_there_are_chapters():
    assert CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_is_stored_executed_in_order_with_every_output(chapter):
    assert problems(nbformat.read(chapter, as_version=4)) == []


def typed_chapter_numbers(text):
    """Every hard-coded chapter number in ``text``; cross-references must be links Sphinx numbers."""
    return _TYPED_CHAPTER_NUMBER.findall(text)


def _prose(path):
    if path.suffix == ".md":
        return path.read_text()
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")


@pytest.mark.parametrize("page", CHAPTERS + PAGES, ids=[p.name for p in CHAPTERS + PAGES])
def test_prose_refers_to_chapters_by_link_not_by_number(page):
    assert typed_chapter_numbers(_prose(page)) == [], "use {doc}`name` or {numref}`label` instead"


def test_typed_chapter_numbers_are_found():
    assert typed_chapter_numbers("as chapter 9 shows; Chapters 3–5; see ch. 12") == ["chapter 9", "Chapters 3", "ch. 12"]
    assert typed_chapter_numbers("see {doc}`dead-relu` and {numref}`fig-x`; 3 chapters") == []


def broken_copies():
    """Ways a chapter can be stored wrongly, each applied to a copy of the first chapter."""
    def no_outputs(nb):
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None

    def out_of_order(nb):
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        code[0].execution_count, code[1].execution_count = 2, 1

    def stderr(nb):
        next(c for c in nb.cells if c.cell_type == "code").outputs.append(
            nbformat.v4.new_output("stream", name="stderr", text="RuntimeWarning: overflow\n"))

    def widget_state(nb):
        nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}

    def live_figure_not_compared(nb):
        cell = next(c for c in nb.cells if c.cell_type == "code" and "interactive_figure(" in c.source)
        cell.metadata["tags"] = ["nbval-ignore-output"]

    return [no_outputs, out_of_order, stderr, widget_state, live_figure_not_compared]


@pytest.mark.parametrize("breakage", broken_copies(), ids=lambda f: f.__name__)
def test_problems_finds_each_kind_of_broken_notebook(breakage):
    notebook = nbformat.read(CHAPTERS[0], as_version=4)
    breakage(notebook)
    assert problems(notebook)


def test_nbval_fails_when_a_stored_output_differs(tmp_path):
    notebook = nbformat.read(CHAPTERS[0], as_version=4)
    stream = next(out for cell in notebook.cells if cell.cell_type == "code"
                  for out in cell.outputs if out.output_type == "stream")
    stream.text = stream.text.replace("True", "False", 1) if "True" in stream.text else stream.text + "changed\n"
    copy = tmp_path / CHAPTERS[0].name
    nbformat.write(notebook, copy)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env", "-q",
         "-x", "--rootdir", str(tmp_path), str(copy)],
        cwd=CHAPTERS[0].parent, capture_output=True, text=True,
        # Options meant for the outer session (PYTEST_ADDOPTS="-n 3", say) would change how this one runs.
        env={**{k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}, "GRADFLOW_FIGURES": str(tmp_path / "figures")},
    )
    assert run.returncode == 1, run.stdout[-2000:]
    assert "failed" in run.stdout
