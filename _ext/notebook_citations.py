"""Sphinx extension and script: citations and glossary links that JupyterLab shows as the book does.

JupyterLab's MyST renderer (jupyterlab-myst) reads one notebook at a time and no BibTeX: a
``{cite:p}`` role shows its key with a "not found" mark, and a ``{term}`` role, whose glossary is
another page, logs a console error. So the chapters write both as plain Markdown links, which
JupyterLab renders as readable, working links, and this extension turns them back into the roles
before Sphinx parses a notebook:

- a citation links to the cited work's entry in the chapter's reference list, by its BibTeX key:
  ``[Glorot and Bengio (2010)](#glorot2010understanding)`` becomes ``{cite:t}``, and a parenthesis
  of such links, ``([He et al., 2015](#he2015delving); [Klambauer et al., 2017](#klambauer2017self))``,
  one ``{cite:p}`` of all of them;
- the reference list is the cell headed ``## References``: one paragraph per cited work, each after its
  label ``(glorot2010understanding)=``, formatted as the book formats it. The book replaces it by a
  ``{bibliography}`` of the chapter's works (key prefix: the chapter's file name and a hyphen);
- a glossary link names its term in the link's title: ``[saturated](reference/glossary.md "saturation")``
  becomes ``{term}`saturated <saturation>```. JupyterLab opens the glossary file;
- a link to a label in another chapter, ``[the exercise](sigmoid.ipynb#ex-sigmoid-output)``, becomes
  ``{ref}`the exercise <ex-sigmoid-output>``` (MyST links to no more than headings of another file).
  JupyterLab opens the chapter. A chapter itself is linked as ``[its title](sigmoid.ipynb)``, which
  both read as they are.

The link texts are written, not derived, so the build checks them: each citation's text must be the
text the book renders for it, and each reference list the book's list for that chapter; otherwise a
warning, which ``-W`` makes an error. ``python _ext/notebook_citations.py`` rewrites every chapter's
reference list from ``references.bib`` after citations are added or removed.
"""

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pybtex.plugin
from docutils import nodes
from pybtex.backends.markdown import Backend as MarkdownBackend
from pybtex.database import parse_file
from sphinx.util import logging
from sphinxcontrib.bibtex.plugin import register_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

ROOT = Path(__file__).resolve().parents[1]
REFERENCES_HEADING = "## References"
_LINK = r"\[([^\[\]]+)\]\(#([\w.:-]+)\)"
# A parenthesis of citation links ("(A, 2015; B, 2017)", one {cite:p}) or one link ("A (2015)", {cite:t}).
_CITATION = re.compile(rf"\((?P<group>{_LINK}(?:; {_LINK})*)\)|{_LINK}")
_ONE_LINK = re.compile(_LINK)
_GLOSSARY_LINK = re.compile(r'\[([^\[\]]+)\]\(reference/glossary\.md "([^"]+)"\)')
# A link to a label in another chapter (an exercise, a section): MyST resolves only headings there.
_LABEL_LINK = re.compile(r"\[([^\[\]]+)\]\([\w-]+\.(?:ipynb|md)#([\w.:-]+)\)")
_LOGGER = logging.getLogger(__name__)


class _Markdown(MarkdownBackend):
    """pybtex's Markdown, escaping only what MyST would read as markup (readable in the notebook)."""

    def format_str(self, text):
        return re.sub(r"([\\`*_\[\]$<])", r"\\\1", text)


def entry_markdown(formatted_entry):
    """One reference-list paragraph: a formatted pybtex entry as MyST Markdown on one line."""
    return " ".join(formatted_entry.text.render(_Markdown()).split("\n"))


def reference_list(keys_and_entries):
    """The body of a ``## References`` cell: each work's label, then its formatted entry."""
    return "\n\n".join(f"({key})=\n{entry_markdown(entry)}" for key, entry in keys_and_entries)


def to_roles(markdown, keys, prefix):
    """Markdown with citation, glossary and other-chapter label links turned into roles; also the
    citations, in order.

    ``keys`` are the BibTeX keys: a link to any other target stays a link. Returns the new Markdown and
    a list of ``(role target, text the book must render)``, one per citation, in reading order.
    """
    citations = []

    def role(match):
        links = _ONE_LINK.findall(match.group(0))
        if not all(key in keys for _, key in links):
            return match.group(0)  # a link to a label of the chapter's own
        target = ",".join(prefix + key for _, key in links)
        if match.group("group"):
            citations.append((target, "(" + "; ".join(text for text, _ in links) + ")"))
            return f"{{cite:p}}`{target}`"
        citations.append((target, links[0][0]))
        return f"{{cite:t}}`{target}`"

    markdown = _CITATION.sub(role, markdown)
    markdown = _GLOSSARY_LINK.sub(lambda m: f"{{term}}`{m.group(1)} <{m.group(2)}>`", markdown)
    markdown = _LABEL_LINK.sub(lambda m: f"{{ref}}`{m.group(1)} <{m.group(2)}>`", markdown)
    return markdown, citations


def _round_brackets():
    return BracketStyle(left="(", right=")", sep="; ")


@dataclass
class RoundAuthorYear(AuthorYearReferenceStyle):
    """Author–year citations in round brackets, several separated by semicolons: "(He et al., 2015;
    Klambauer et al., 2017)" and "Glorot and Bengio (2010)", as the notebooks write them."""

    bracket_parenthetical: BracketStyle = field(default_factory=_round_brackets)
    bracket_textual: BracketStyle = field(default_factory=_round_brackets)


def bibliography_directive(prefix):
    return f"```{{bibliography}}\n:filter: docname in docnames\n:keyprefix: {prefix}\n```\n"


def _cell_source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def book_notebook(notebook, keys, prefix):
    """The notebook as the book reads it; also its citations and the body of its reference list.

    ``notebook`` is the notebook's JSON as a dict, changed in place: links become roles, and the
    ``## References`` cell's list becomes a ``{bibliography}`` directive.
    """
    citations, listed = [], None
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        source = _cell_source(cell)
        if source.startswith(REFERENCES_HEADING):
            listed = source[len(REFERENCES_HEADING):].strip()
            cell["source"] = f"{REFERENCES_HEADING}\n\n{bibliography_directive(prefix)}"
            continue
        cell["source"], found = to_roles(source, keys, prefix)
        citations += found
    return citations, listed


def formatted_entries(bibliography, keys):
    """The works ``keys`` of a pybtex ``bibliography``, formatted and ordered as the book lists them
    (pybtex's "alpha" style, sphinxcontrib-bibtex's default ``bibtex_default_style``)."""
    style = pybtex.plugin.find_plugin("pybtex.style.formatting", "alpha")()
    return list(style.format_entries(bibliography.entries[key] for key in keys))


def _rewrite_notebook(app, docname, source):
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    notebook = json.loads(source[0])
    prefix = docname.rsplit("/", 1)[-1] + "-"
    # sphinxcontrib-bibtex has read the .bib files when the builder started.
    keys = app.env.get_domain("cite").bibdata.data.entries
    citations, listed = book_notebook(notebook, keys, prefix)
    source[0] = json.dumps(notebook)
    app.env.notebook_citations = getattr(app.env, "notebook_citations", {})
    app.env.notebook_citations[docname] = (prefix, citations, listed)


def _check_against_the_book(app, doctree, docname):
    """Warn where a notebook's written citation text or reference list differs from the book's."""
    prefix, written, listed = getattr(app.env, "notebook_citations", {}).get(docname, (None, [], None))
    if prefix is None:
        return
    rendered = [(node.rawsource, node.astext()) for node in doctree.findall(nodes.inline)
                if "bibtex-citation" in node["classes"]]
    for (target, text), (book_target, book_text) in zip(written, rendered):
        if (target, text) != (book_target, book_text):
            _LOGGER.warning(f"{docname}: the citation written {text!r} ({target}) reads {book_text!r} "
                            f"({book_target}) in the book; write what the book shows", location=docname)
    if len(written) != len(rendered):
        _LOGGER.warning(f"{docname}: {len(written)} citations written, {len(rendered)} in the book",
                        location=docname)
    domain = app.env.get_domain("cite")
    book_list = reference_list((c.key[len(prefix):], c.formatted_entry) for c in domain.citations
                               if c.bibliography_key.docname == docname)
    if (listed or "") != book_list:
        _LOGGER.warning(f"{docname}: its reference list is not the book's list of the works it cites "
                        "(run `python _ext/notebook_citations.py`)", location=docname)


def _forget(app, env, docname):
    getattr(env, "notebook_citations", {}).pop(docname, None)


def _merge(app, env, docnames, other):
    env.notebook_citations = getattr(env, "notebook_citations", {})
    env.notebook_citations.update({d: other.notebook_citations[d] for d in docnames
                                   if d in getattr(other, "notebook_citations", {})})


def setup(app):
    register_plugin("sphinxcontrib.bibtex.style.referencing", "author_year_round", RoundAuthorYear)
    app.connect("source-read", _rewrite_notebook)
    app.connect("doctree-resolved", _check_against_the_book)
    app.connect("env-purge-doc", _forget)
    app.connect("env-merge-info", _merge)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def main(check=False):
    """Rewrite each chapter's ``## References`` cell: the works its citation links cite, as the book lists them.

    With ``check``, change nothing and exit with status 1 if a cell is not current.
    """
    bibliography = parse_file(ROOT / "references.bib")
    stale = False
    for chapter in sorted((ROOT / "chapters").glob("*.ipynb")):
        notebook = nbformat.read(chapter, as_version=4)
        citations, listed = book_notebook(json.loads(nbformat.writes(notebook)), set(bibliography.entries), "")
        cited = dict.fromkeys(key for target, _ in citations for key in target.split(","))
        cell = next((c for c in notebook.cells if c.cell_type == "markdown"
                     and c.source.startswith(REFERENCES_HEADING)), None)
        if cell is None:
            if cited:
                print(f"{chapter.name}: cites {len(cited)} works but has no '{REFERENCES_HEADING}' cell",
                      file=sys.stderr)
                stale = True
            continue
        body = reference_list((entry.key, entry) for entry in formatted_entries(bibliography, cited))
        if listed != body:
            stale = True
            print(f"{'stale' if check else 'updated'}: {chapter.relative_to(ROOT)}", file=sys.stderr)
            if not check:
                cell.source = f"{REFERENCES_HEADING}\n\n{body}"
                nbformat.write(notebook, chapter)
    return 1 if stale and check else 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv[1:]))
