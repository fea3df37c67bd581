"""The chapters print the same on another CPU: the perturbation run.

nbval checks the stored outputs in the reference floating-point environment, where they were made.
Here every chapter is executed once more in the perturbed environment (:mod:`gradflow.fpenv`: another
OpenBLAS kernel, NumPy's SIMD dispatch at its baseline), which changes the last bits of matrix products
and elementary functions as another CPU would. Each cell must print the same text, and its images
must stay within the figure tolerance; a cell reporting a stochastic result declares how far its
numbers may move (``# fp-tolerance:``, see tests/outputs.py), and is compared within that.
"""

import asyncio
import base64
import io
from concurrent.futures import ThreadPoolExecutor

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from PIL import Image

from conftest import CHAPTERS
from gradflow import fpenv, solutions
from outputs import IMAGE_TOLERANCE, compare_cell, compare_notebooks, declared_tolerances, image_rms, text_deviation


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_prints_the_same_in_a_perturbed_floating_point_environment(chapter, executed_chapters, record_property):
    problems, tolerant, worst = compare_notebooks(nbformat.read(chapter, as_version=4), executed_chapters[2][chapter.stem])
    record_property("perturbation", (chapter.stem, tolerant, worst))  # for the summary line (conftest)
    assert not problems, "\n".join(f"code cell {i}: {'; '.join(p)}" for i, p in problems.items())


# A cell whose printed digits depend on the last bits: a matrix product (FMA or not) and a tanh (SIMD
# level), both summed, and where tanh first rounds to 1.
_FRAGILE = """import numpy as np
a = np.random.default_rng(0).standard_normal((300, 300))
x = np.linspace(18.9, 19.2, 3001)
print(repr(float((a @ a).sum())), repr(float(np.tanh(a).sum())), round(float(x[np.tanh(x) == 1][0]), 2))"""


def _execute(source, kind):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    client = NotebookClient(notebook, timeout=60)
    # A thread of its own: the browser tests' Playwright keeps an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(lambda: asyncio.run(client.async_execute(env=fpenv.environment(kind)))).result()
    return notebook


def test_the_perturbation_run_fails_on_a_fragile_cell_unless_it_declares_a_tolerance():
    stored, fresh = _execute(_FRAGILE, "reference"), _execute(_FRAGILE, "perturbed")
    problems, _, worst = compare_notebooks(stored, fresh)
    assert problems and worst > 0, (problems, worst)
    for notebook in (stored, fresh):
        notebook.cells[0].source = "# fp-tolerance: 0.1\n" + _FRAGILE
    assert compare_notebooks(stored, fresh)[0] == {}


def test_text_deviation_compares_numbers_and_requires_the_words_to_match():
    assert text_deviation("accuracy 0.93 ± 0.01", "accuracy 0.95 ± 0.01") == pytest.approx(0.02)
    assert text_deviation("loss −1.5", "loss -1.25") == pytest.approx(0.25)
    assert text_deviation("reaches 15 layers", "reaches 15 units") == float("inf")
    assert text_deviation("1 2 3", "1 2") == float("inf")
    assert text_deviation("relu   9.9 ± 0.5", "relu  10.3 ± 0.5") == pytest.approx(0.4)  # a column shifts
    assert text_deviation("[0.91 0.91]", "[0.91 0.92]") > 0.01  # binary rounding: needs the comparison's slack


def test_without_a_declared_tolerance_any_change_of_text_fails():
    def cell(text, source="report()"):
        return nbformat.v4.new_code_cell(source, outputs=[nbformat.v4.new_output("stream", name="stdout", text=text)])

    assert compare_cell(cell("a  1"), cell("a 1"))[0]
    assert not compare_cell(cell("a  1", "# fp-tolerance: 0.1\nreport()"), cell("a 1"))[0]


def test_declared_tolerances_are_read_from_comment_lines_and_checked():
    assert declared_tolerances("x = 1") == (0.0, IMAGE_TOLERANCE)
    assert declared_tolerances("# fp-tolerance: 0.5\n# fp-figure-tolerance: 3\nrun()") == (0.5, 3.0)
    with pytest.raises(ValueError, match="finite number >= 0"):
        declared_tolerances("# fp-tolerance: -1")


def _png(array):
    buffer = io.BytesIO()
    Image.fromarray(array.astype(np.uint8)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_images_in_outputs_and_in_static_twins_are_compared_within_the_declared_tolerance():
    plain = np.full((40, 40, 3), 255)
    marked = plain.copy()
    marked[20, 5:35] = 0  # one short black line: RMS about 40 grey levels over the image
    assert image_rms(_png(plain), _png(marked)) > 30

    def cell(png, source="show()"):
        return nbformat.v4.new_code_cell(source, outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": f'<img src="data:image/png;base64,{png}">'})])

    assert compare_cell(cell(_png(plain)), cell(_png(marked)))[0]
    assert not compare_cell(cell(_png(plain), "# fp-figure-tolerance: 50\nshow()"), cell(_png(marked)))[0]


def test_a_folded_solution_result_is_compared_as_text_within_the_declared_tolerance():
    def cell(text, source="check()"):
        return nbformat.v4.new_code_cell(source, outputs=[nbformat.v4.new_output(
            "display_data", data={"text/plain": text, "text/html": solutions.folded_html(text)})])

    stored = "best: elu, 96.5% vs ReLU 96.1%; p = 0.40\n"
    moved = stored.replace("96.1", "96.3")
    assert compare_cell(cell(stored), cell(stored)) == ([], 0.0)
    problems, deviation = compare_cell(cell(stored), cell(moved))
    assert deviation == pytest.approx(0.2) and any("'best: elu, 96.5% vs ReLU 96.1%; p = 0.40'" in p for p in problems)
    assert compare_cell(cell(stored, "# fp-tolerance: 0.5\ncheck()"), cell(moved))[0] == []
    assert compare_cell(cell(stored, "# fp-tolerance: 0.5\ncheck()"), cell(stored.replace("elu", "selu")))[0]
    printed = nbformat.v4.new_code_cell("check()", outputs=[nbformat.v4.new_output("stream", name="stdout", text=stored)])
    assert compare_cell(printed, cell(stored))[0]  # printed plainly (unfolded) is not the stored folded form
