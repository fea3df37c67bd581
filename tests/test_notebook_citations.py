"""Citations and glossary links written as Markdown links (``_ext/notebook_citations.py``).

JupyterLab shows the links as written; the book turns them into roles and checks that the written
texts are what it renders. Here: the conversion, and a small Sphinx build in which a wrong citation
text and a stale reference list each fail while a correct chapter passes.
"""

import re
import subprocess
import sys

import nbformat
import pytest
from pybtex.database import parse_file

from conftest import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
import notebook_citations as nc  # noqa: E402

KEYS = {"he2015delving", "klambauer2017self", "glorot2010understanding"}


def test_a_textual_citation_link_becomes_cite_t_with_the_chapter_prefix():
    markdown, citations = nc.to_roles("As [Glorot and Bengio (2010)](#glorot2010understanding) showed.", KEYS, "ch-")
    assert markdown == "As {cite:t}`ch-glorot2010understanding` showed."
    assert citations == [("ch-glorot2010understanding", "Glorot and Bengio (2010)")]


def test_a_parenthesis_of_citation_links_becomes_one_cite_p():
    text = "Deep nets ([He et al., 2015](#he2015delving); [Klambauer et al., 2017](#klambauer2017self)) train."
    markdown, citations = nc.to_roles(text, KEYS, "ch-")
    assert markdown == "Deep nets {cite:p}`ch-he2015delving,ch-klambauer2017self` train."
    assert citations == [("ch-he2015delving,ch-klambauer2017self", "(He et al., 2015; Klambauer et al., 2017)")]


def test_citations_are_listed_in_reading_order():
    text = "[Glorot and Bengio (2010)](#glorot2010understanding), then ([He et al., 2015](#he2015delving))."
    assert [target for target, _ in nc.to_roles(text, KEYS, "")[1]] == ["glorot2010understanding", "he2015delving"]


def test_links_to_other_targets_stay_links():
    text = "See [the exercise](#ex-relu-dead) and ([an equation](#eq-variance))."
    assert nc.to_roles(text, KEYS, "ch-") == (text, [])


def test_a_glossary_link_becomes_a_term_role_named_by_its_title():
    markdown, _ = nc.to_roles('units [saturate](reference/glossary.md "saturation") early', KEYS, "")
    assert markdown == "units {term}`saturate <saturation>` early"


def test_a_link_to_a_label_in_another_chapter_becomes_a_ref_role():
    markdown, _ = nc.to_roles("see [the exercise](sigmoid.ipynb#ex-sigmoid-output) and [ReLU](relu.ipynb)", KEYS, "")
    assert markdown == "see {ref}`the exercise <ex-sigmoid-output>` and [ReLU](relu.ipynb)"


def test_the_references_cell_becomes_the_chapters_bibliography():
    notebook = {"cells": [{"cell_type": "markdown", "source": "## References\n\n(he2015delving)=\nHe.\n"}]}
    citations, listed = nc.book_notebook(notebook, KEYS, "ch-")
    assert (citations, listed) == ([], "(he2015delving)=\nHe.")
    assert notebook["cells"][0]["source"] == "## References\n\n" + nc.bibliography_directive("ch-")


def test_every_chapter_cites_only_by_links_and_lists_what_it_cites():
    """No role that JupyterLab cannot resolve in one notebook is left in a chapter (a {ref} to a label
    elsewhere, a citation, a glossary term, a chapter), and each reference list is current."""
    for chapter in sorted((ROOT / "chapters").glob("*.ipynb")):
        notebook = nbformat.read(chapter, as_version=4)
        markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        assert not re.search(r"\{(cite|term|doc|bibliography)", markdown), chapter.name
        labels = set(re.findall(r"^\((\S+)\)=$|^:label: (\S+)$", markdown, re.M)) 
        labels = {name for pair in labels for name in pair if name}
        for target in re.findall(r"\{(?:ref|numref)\}`(?:[^`<]*<)?([^`>]+)>?`", markdown):
            assert target in labels, f"{chapter.name}: {{ref}} to {target}, a label of another chapter"
        references = [i for i, c in enumerate(notebook.cells) if c.source.startswith(nc.REFERENCES_HEADING)]
        assert references == [len(notebook.cells) - 1], f"{chapter.name}: the reference list must be the last cell"
    assert nc.main(check=True) == 0  # the list that `python _ext/notebook_citations.py` would write


def _chapter(cells):
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                 "language": "python"}})
    notebook.cells = [nbformat.v4.new_markdown_cell(source) for source in cells]
    return nbformat.writes(notebook)


@pytest.fixture(scope="module")
def small_book_warnings(tmp_path_factory):
    """Build a three-chapter book: one written right, one with a wrong year, one with a stale list."""
    folder = tmp_path_factory.mktemp("citations")
    (folder / "references.bib").write_text((ROOT / "references.bib").read_text())
    entry, = nc.formatted_entries(parse_file(ROOT / "references.bib"), ["glorot2010understanding"])
    right = nc.reference_list([(entry.key, entry)])
    cite = "# {}\n\nAs [Glorot and Bengio ({})](#glorot2010understanding) showed."
    (folder / "right.ipynb").write_text(_chapter([cite.format("Right", 2010), f"## References\n\n{right}"]))
    (folder / "wrong.ipynb").write_text(_chapter([cite.format("Wrong", 2011), f"## References\n\n{right}"]))
    (folder / "stale.ipynb").write_text(_chapter([cite.format("Stale", 2010), "## References\n\n(he2015delving)=\nHe."]))
    (folder / "index.md").write_text("# Book\n\n```{toctree}\nright\nwrong\nstale\n```\n")
    (folder / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_nb', 'sphinxcontrib.bibtex', 'notebook_citations']\n"
        "bibtex_bibfiles = ['references.bib']\nbibtex_reference_style = 'author_year_round'\n"
        "nb_execution_mode = 'off'\n")
    build = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(folder), str(folder / "_build")],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    return build.stderr


def test_a_chapter_written_as_the_book_renders_it_builds_without_warnings(small_book_warnings):
    assert "right" not in small_book_warnings.replace("Right", ""), small_book_warnings


def test_a_citation_text_that_the_book_does_not_render_is_a_warning(small_book_warnings):
    assert "the citation written 'Glorot and Bengio (2011)'" in small_book_warnings
    assert "reads 'Glorot and Bengio (2010)' (wrong-glorot2010understanding) in the book" in small_book_warnings


def test_a_reference_list_that_is_not_the_books_is_a_warning(small_book_warnings):
    assert "stale: its reference list is not the book's list" in small_book_warnings
