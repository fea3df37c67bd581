"""Sphinx extension and script: online launch (Binder, Colab) from one setting, ``repository.url``.

The book's public repository is set once, as ``repository.url`` (and ``repository.branch``) in
``_config.yml``. While it is empty the pages show no launch buttons and no repository button, so
that no link leads to a placeholder. Colab starts a chapter with no ``gradflow`` installed, so each
chapter's first code cell (id ``colab-setup``, removed from the book by its ``remove-cell`` tag)
installs the package from that repository when, and only when, it runs on Colab.

The build fails (a warning under ``-W``) when a chapter's setup cell does not match the setting;
``python _ext/online_launch.py`` rewrites the cells after the setting changes.
"""

import sys
from pathlib import Path

import nbformat
from sphinx.util import logging

CELL_ID = "colab-setup"
ROOT = Path(__file__).resolve().parents[1]
_LOGGER = logging.getLogger(__name__)


def install_spec(url, branch):
    """The pip requirement that installs ``gradflow`` from the book's repository at ``branch``."""
    return f"gradflow @ git+{url.rstrip('/')}@{branch}"


def setup_cell_source(url, branch):
    """The source of every chapter's first code cell for the repository ``url`` (empty: none set)."""
    install = [
        'if "google.colab" in sys.modules:  # Colab starts without gradflow: install it from the book\'s repository',
        "    import importlib",
        "    import subprocess",
        "",
        f'    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "{install_spec(url, branch)}"], check=True)',
        "    importlib.invalidate_caches()",
    ] if url else []
    return "\n".join(["import sys", "", *install, "import gradflow", "", 'print("gradflow", gradflow.__version__)'])


def with_setup_cell(notebook, url, branch):
    """Give ``notebook`` its setup cell, before its first code cell, or update the cell's source.

    Returns True if the notebook changed. The cell's outputs ("gradflow <version>") stay valid, as the
    cell prints the same thing wherever it runs.
    """
    source = setup_cell_source(url, branch)
    cell = next((c for c in notebook.cells if c.get("id") == CELL_ID), None)
    if cell is not None:
        if cell.source == source:
            return False
        cell.source = source
        return True
    cell = nbformat.v4.new_code_cell(source, id=CELL_ID, metadata={"tags": ["remove-cell"]})
    first_code = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")
    notebook.cells.insert(first_code, cell)
    return True


def stale_chapters(chapters, url, branch):
    """The chapters whose first code cell is not the setup cell for ``url`` and ``branch``."""
    stale = []
    for chapter in chapters:
        notebook = nbformat.read(chapter, as_version=4)
        first_code = next(c for c in notebook.cells if c.cell_type == "code")
        if first_code.get("id") != CELL_ID or first_code.source != setup_cell_source(url, branch):
            stale.append(chapter)
    return stale


def _repository(config):
    options = config.html_theme_options
    return options.get("repository_url") or "", options.get("repository_branch") or "main"


def _launch_only_when_set(app, config):
    url, branch = _repository(config)
    config.html_theme_options["use_repository_button"] = bool(url)
    if not url:
        config.html_theme_options["launch_buttons"] = {}
    for chapter in stale_chapters(sorted((ROOT / "chapters").glob("*.ipynb")), url, branch):
        _LOGGER.warning(
            f"{chapter.name}: its first code cell is not the Colab setup cell for repository.url "
            f"{url!r} (run `python _ext/online_launch.py`)"
        )


def setup(app):
    app.connect("config-inited", _launch_only_when_set)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def main():
    """Rewrite every chapter's setup cell for the repository set in ``_config.yml``."""
    import yaml

    repository = yaml.safe_load((ROOT / "_config.yml").read_text()).get("repository") or {}
    url, branch = repository.get("url") or "", repository.get("branch") or "main"
    for chapter in sorted((ROOT / "chapters").glob("*.ipynb")):
        notebook = nbformat.read(chapter, as_version=4)
        if with_setup_cell(notebook, url, branch):
            nbformat.write(notebook, chapter)
            print(f"updated {chapter.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
