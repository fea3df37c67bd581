"""The stored notebooks are complete: nbval can only compare outputs that were saved.

A notebook saved without outputs would pass nbval vacuously, so every code cell must have been
executed in order, from a fresh kernel, and have stored output; no stored output may be an error or
stderr; and no widget state may be saved (it would make the HTML load widget code from a CDN).
"""

import nbformat
import pytest

from conftest import CHAPTERS


def test_there_are_chapters():
    assert CHAPTERS


def code_cells(chapter):
    return [c for c in nbformat.read(chapter, as_version=4).cells if c.cell_type == "code"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_every_code_cell_was_executed_in_order_from_a_fresh_kernel(chapter):
    counts = [cell.execution_count for cell in code_cells(chapter)]
    assert counts == list(range(1, len(counts) + 1)), f"{chapter.name}: restart the kernel and run all ({counts})"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_every_code_cell_has_stored_output(chapter):
    empty = [i for i, cell in enumerate(code_cells(chapter)) if not cell.outputs]
    assert not empty, f"{chapter.name}: code cells {empty} have no stored output; make each cell show its result"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_no_stored_output_is_an_error_or_stderr(chapter):
    bad = [
        (i, out.get("ename") or out.get("text", "")[:80])
        for i, cell in enumerate(code_cells(chapter))
        for out in cell.outputs
        if out.output_type == "error" or out.get("name") == "stderr"
    ]
    assert not bad, f"{chapter.name}: {bad}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_no_widget_state_is_stored(chapter):
    assert "widgets" not in nbformat.read(chapter, as_version=4).metadata, (
        f"{chapter.name} stores widget state; execute it with `make execute`, which does not"
    )
