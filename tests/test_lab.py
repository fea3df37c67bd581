"""The chapters as a reader runs them: JupyterLab with the book's settings, in Chromium, Run All.

The server is started here on 127.0.0.1 with a random token, on a copy of ``chapters/`` (JupyterLab
autosaves, and Run All must not rewrite the committed notebooks), and stopped by its process id. For
a light and a heavy chapter the test checks what the reader sees on opening (markup rendered, no
prompt about news, tab not marked modified, every solution folded until clicked) and after Run All
(every code cell ran, no errors or stderr, no console errors, a live slider redraws its figure).
Screenshots of sigmoid (opened, after Run All, a solution folded and unfolded) go to pytest's
temporary folder, under ``lab0/screenshots/``. Without Chromium the browser tests are skipped.
"""

import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import ROOT
from lab_server import jupyter_lab

JUPYTER = Path(sys.executable).with_name("jupyter")
LAB_SETTINGS = ROOT / "lab-settings"
# Book markup that a renderer which understands MyST never shows as text.
RAW_MARKUP = re.compile(r"\{(?:cite|doc|numref|ref|term|bibliography|exercise|solution)[^}]*\}|^:(?:label|class):|^\(\S+\)=$|```",
                        re.M)
# The app object (``window.jupyterapp``) lets the test read the notebook's model rather than the screen.
NOTEBOOK = "window.jupyterapp.shell.currentWidget"
# Seconds. Generous: this is a failure threshold on a shared machine, not the chapters' time budget.
RUN_ALL_TIMEOUT = 300
# The code cells that check a solution (hidden in the book by their hide-cell tag), as widgets.
SOLUTION_CHECKS = (f"Array.from({NOTEBOOK}.content.widgets).filter(w => w.model.type === 'code'"
                   " && (w.model.getMetadata('tags') || []).includes('hide-cell'))")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab as `make lab` starts it, serving a copy of the chapters plus a broken sigmoid."""
    folder = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "chapters", folder / "chapters")
    (folder / "chapters" / "broken-sigmoid.ipynb").write_text(broken_sigmoid())
    # The reader's own settings stay untouched; all cells are kept on the page so that all can be read.
    settings = folder / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(folder / "user-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(folder / "workspaces"), JUPYTER_RUNTIME_DIR=str(folder / "runtime"))
    command = [str(JUPYTER), "lab", f"--LabApp.app_settings_dir={LAB_SETTINGS}", "--LabApp.expose_app_in_browser=True",
               str(folder / "chapters")]
    with jupyter_lab(command, folder / "server.log", env=env) as (url, token):
        yield url, token, folder


def broken_sigmoid():
    """Sigmoid's prose and first code cell (to be quick) with one of each fault the test must catch."""
    notebook = nbformat.read(ROOT / "chapters" / "sigmoid.ipynb", as_version=4)
    first_code = next(c for c in notebook.cells if c.cell_type == "code")
    notebook.cells = [c for c in notebook.cells if c.cell_type == "markdown" or c is first_code]
    first_code.metadata["tags"] = ["hide-cell"]  # hidden in the book, but not collapsed in JupyterLab
    notebook.metadata.kernelspec.display_name = "Python 3"  # JupyterLab rewrites it: the tab shows "modified"
    notebook.cells.insert(1, nbformat.v4.new_markdown_cell("    ```{exercise} Indented, so never a directive\n    :label: ex-raw\n    ```"))
    solution = next(c for c in notebook.cells if c.cell_type == "markdown" and "{solution}" in c.source)
    solution.source = solution.source.replace(":class: dropdown\n", "", 1)  # an unfolded solution
    notebook.cells.insert(2, nbformat.v4.new_markdown_cell("```{solution-start} ex-sigmoid-ode\n```"))
    notebook.cells.insert(4, nbformat.v4.new_markdown_cell("```{solution-end}\n```"))
    notebook.cells.insert(5, nbformat.v4.new_markdown_cell("As {cite:t}`sigmoid-cox1958regression` and "
                                                           "[Nobody (2020)](#nobody2020) found."))
    notebook.cells.append(nbformat.v4.new_code_cell(  # a solution's check that prints unfolded
        "print('the answer')", metadata={"tags": ["hide-cell"], "jupyter": {"source_hidden": True, "outputs_hidden": True}}))
    notebook.cells.append(nbformat.v4.new_code_cell("import sys\nprint('careful', file=sys.stderr)\n1 / 0"))
    return nbformat.writes(notebook)


def open_notebook(page, url, token, name):
    page.goto(f"{url}/lab/tree/{name}?reset&token={token}")  # reset: no tabs restored from an earlier page
    page.wait_for_function(f"() => window.jupyterapp && {NOTEBOOK} && {NOTEBOOK}.context && {NOTEBOOK}.context.isReady"
                           f" && {NOTEBOOK}.sessionContext.session?.kernel?.status === 'idle'", timeout=90_000)
    page.wait_for_timeout(1000)  # the markdown cells render after the kernel is ready


def solution_boxes(page):
    """jupyterlab-myst's boxes titled "Solution to Exercise N"."""
    return page.locator(".myst-exercise", has=page.locator(".myst-exercise-header", has_text="Solution to"))


def solution_problems(page):
    """Each solution's body must be hidden, then shown by a click on its title."""
    problems = []
    solutions = solution_boxes(page)
    if solutions.count() == 0:
        problems.append("no exercise solution found")
    for index in range(solutions.count()):
        body = solutions.nth(index).locator(".myst-exercise-body")
        if body.is_visible():
            problems.append(f"solution {index + 1} is shown before it is clicked")
            continue
        solutions.nth(index).locator(".myst-exercise-header").click()
        try:
            body.wait_for(state="visible", timeout=5000)
        except PlaywrightTimeout:
            problems.append(f"solution {index + 1} shows nothing when clicked")
    return problems


def citation_problems(page):
    """Citations must read as author–year text and each in-page link must land on its target."""
    problems = []
    if page.locator(".jp-MarkdownCell [title='Citation Not Found']").count():
        problems.append("a citation is shown as its key, marked not found")
    missing = page.evaluate("() => Array.from(document.querySelectorAll('.jp-MarkdownCell .myst a[href^=\"#\"]'))"
                            ".map(a => a.getAttribute('href').slice(1)).filter(id => !document.getElementById(id))")
    problems += [f"a link to #{target}, which is not on the page" for target in sorted(set(missing))]
    if not page.locator(".jp-MarkdownCell .myst a[href^='#']", has_text=re.compile(r"\d{4}")).count():
        problems.append("no citation link found")
    return problems


def run_all(page):
    """Clear the stored outputs, Run All from the menu, and wait until every code cell has run."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
    page.wait_for_function(
        f"() => {NOTEBOOK}.sessionContext.session.kernel.status === 'idle' && "
        f"Array.from({NOTEBOOK}.model.cells).every(c => c.type !== 'code' || c.executionCount !== null)",
        timeout=RUN_ALL_TIMEOUT * 1000, polling=500)


def slider_problems(page):
    """Move the first live slider one step and wait for its figure to be redrawn."""
    box = page.locator(".widget-vbox", has=page.locator(".widget-image")).first
    if box.count() == 0:
        return ["no live figure found"]
    image = box.locator(".widget-image").first
    before = image.get_attribute("src")
    box.scroll_into_view_if_needed()
    box.locator(".noUi-handle, select").first.focus()
    page.keyboard.press("ArrowRight")
    try:
        page.wait_for_function("([img, src]) => img.getAttribute('src') !== src", arg=[image.element_handle(), before],
                               timeout=10_000)
    except PlaywrightTimeout:
        return ["moving a live slider did not change its figure"]
    return []


def notebook_problems(page, url, token, name, shots=None):
    """Open chapter ``name`` in JupyterLab, Run All, and return what a reader would find wrong, one string each."""
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text[:300]}"))
    page.on("pageerror", lambda e: problems.append(f"uncaught exception: {e}"))
    open_notebook(page, url, token, name)
    if shots:
        page.screenshot(path=shots / f"{Path(name).stem}-1-opened.png")

    if page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count():
        problems.append("the notebook is marked as modified before anything was run")
    if page.locator(".Toastify__toast", has_text=re.compile("news", re.I)).count():
        problems.append("a notification about news is shown")
    first_solution = solution_boxes(page).first
    problems += solution_problems(page)  # leaves every solution open, so that its text is read below
    # Typeset math is left out: KaTeX's text breaks formulas such as σ(0)=… across lines.
    no_math = page.add_style_tag(content=".katex { display: none !important; }")
    markdown = "\n".join(page.locator(".jp-MarkdownCell .myst").all_inner_texts())
    no_math.evaluate("style => style.remove()")
    problems += [f"raw markup in a rendered cell: {m!r}" for m in sorted(set(RAW_MARKUP.findall(markdown)))]
    problems += citation_problems(page)
    if "Start of Solution" in markdown:  # a gated solution: JupyterLab shows the code between its gates
        problems.append("a gated solution (solution-start/solution-end) in a rendered cell")

    run_all(page)
    cells = page.evaluate(f"() => Array.from({NOTEBOOK}.model.cells).filter(c => c.type === 'code').map(c => c.toJSON())")
    for number, cell in enumerate(cells, 1):
        for output in cell["outputs"]:
            if output["output_type"] == "error":
                problems.append(f"code cell {number}: {output['ename']}: {output['evalue']}")
            elif output.get("name") == "stderr":
                problems.append(f"code cell {number} wrote to stderr: {output['text'][:200]}")
    problems += slider_problems(page)
    shown = page.evaluate(f"() => {SOLUTION_CHECKS}.filter(w => !w.inputHidden).length")
    if shown:
        problems.append(f"{shown} code cell(s) of solutions show their source")

    if shots:
        page.screenshot(path=shots / f"{Path(name).stem}-2-after-run-all.png")
        header, body = first_solution.locator(".myst-exercise-header"), first_solution.locator(".myst-exercise-body")
        if body.is_visible():
            header.click()
            body.wait_for(state="hidden")
        first_solution.scroll_into_view_if_needed()
        page.screenshot(path=shots / f"{Path(name).stem}-3-solution-folded.png")
        header.click()
        body.wait_for(state="visible")
        page.screenshot(path=shots / f"{Path(name).stem}-4-solution-unfolded.png")
    problems += folded_result_problems(page)
    return problems


def folded_result_problems(page):
    """After Run All, each solution's check (a code cell tagged hide-cell) must show no printed text
    until the reader clicks its fold (``gradflow.solutions.folded_result``): JupyterLab unhides a
    cell's output whenever the cell runs, whatever its metadata says."""
    texts = page.evaluate(f"() => {SOLUTION_CHECKS}.map(w => {{"
                          " w.node.dataset.solutionCheck = ''; return w.model.toJSON().outputs"
                          ".map(o => o.text || (o.data || {})['text/plain'] || '').join(''); })")
    problems = []
    for number, text in enumerate(texts, 1):
        line = next((line.strip() for line in text.splitlines() if line.strip()), None)
        if line is None:
            continue
        output = page.locator("[data-solution-check]").nth(number - 1).locator(".jp-OutputArea")
        printed = output.get_by_text(line)
        if any(printed.nth(i).is_visible() for i in range(printed.count())):
            problems.append(f"solution check {number} shows its result after Run All: {line!r}")
            continue
        fold = output.locator("summary")
        if fold.count() == 0:
            problems.append(f"solution check {number} has no fold to click")
            continue
        fold.first.click()
        try:
            printed.first.wait_for(state="visible", timeout=5000)
        except PlaywrightTimeout:
            problems.append(f"solution check {number} shows nothing when its fold is clicked")
    return problems


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    yield page
    page.close()


@pytest.mark.parametrize("chapter", ["sigmoid", "initialization"])
def test_chapter_runs_in_jupyterlab_as_the_book_shows_it(chapter, page, lab):
    url, token, folder = lab
    shots = folder / "screenshots" if chapter == "sigmoid" else None
    if shots:
        shots.mkdir()
    assert notebook_problems(page, url, token, f"{chapter}.ipynb", shots) == []


def test_jupyterlab_check_fails_on_a_broken_chapter(page, lab):
    url, token, _ = lab
    problems = notebook_problems(page, url, token, "broken-sigmoid.ipynb")
    assert "the notebook is marked as modified before anything was run" in problems, problems
    assert any(p.startswith("raw markup") and "{exercise" in p for p in problems), problems
    assert any(p.startswith("raw markup") and ":label:" in p for p in problems), problems
    assert "a citation is shown as its key, marked not found" in problems, problems
    assert "a link to #nobody2020, which is not on the page" in problems, problems
    assert "a gated solution (solution-start/solution-end) in a rendered cell" in problems, problems
    assert any(p.startswith("solution") and p.endswith("is shown before it is clicked") for p in problems), problems
    assert any("ZeroDivisionError" in p for p in problems), problems
    assert any("wrote to stderr: careful" in p for p in problems), problems
    assert "no live figure found" in problems, problems
    assert "1 code cell(s) of solutions show their source" in problems, problems
    assert any(p.startswith("solution check") and p.endswith("shows its result after Run All: 'the answer'")
               for p in problems), problems
