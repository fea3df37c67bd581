"""Sphinx extension: one bibliography for the whole book, with links back to the citing chapters.

Each chapter cites with keys prefixed by the chapter (``sigmoid-cox1958regression``) and lists its own
references, so that a work cited by several chapters is never one citation defined twice. The
book-wide list is a ``{bibliography}`` directive with ``:filter: False`` on the page named by
``book_bibliography_page``: this extension fills it with every work cited anywhere (by its key without
the prefix, so it collides with no chapter's list) and gives each entry links back to the reference
lists of the chapters that cite it, in the order of the table of contents.
"""

from docutils import nodes
from sphinx.util import logging
from sphinxcontrib.bibtex.domain import get_docnames

_LOGGER = logging.getLogger(__name__)


def _prefixes(domain):
    return {key.docname: value.keyprefix for key, value in domain.bibliographies.items() if value.keyprefix}


def _fill_book_bibliography(app, env):
    """Before sphinxcontrib-bibtex formats the citations, list every work cited under a chapter prefix."""
    domain = env.get_domain("cite")
    page = app.config.book_bibliography_page
    books = [value for key, value in domain.bibliographies.items() if key.docname == page]
    if len(books) != 1:
        _LOGGER.warning(f"{page} must hold exactly one bibliography directive, not {len(books)}")
        return []
    prefixes = _prefixes(domain)
    cited = {
        target.key[len(prefixes[ref.docname]):]
        for ref in domain.citation_refs
        if ref.docname in prefixes
        for target in ref.targets
        if target.key.startswith(prefixes[ref.docname])
    }
    books[0].keys[:] = sorted(cited)
    return []


def _add_back_links(app, doctree, docname):
    """After each entry of the book's bibliography, link the chapters' own entries for the same work."""
    if docname != app.config.book_bibliography_page:
        return
    env = app.builder.env
    domain = env.get_domain("cite")
    prefixes = _prefixes(domain)
    order = {name: i for i, name in enumerate(get_docnames(env))}
    chapters_citing = {}  # bare key -> [(chapter, id of the chapter's entry)]
    for citation in domain.citations:
        chapter = citation.bibliography_key.docname
        if chapter in prefixes:
            chapters_citing.setdefault(citation.key[len(prefixes[chapter]):], []).append((chapter, citation.citation_id))
    own = {c.citation_id: c.key for c in domain.citations if c.bibliography_key.docname == docname}
    for entry in doctree.findall(nodes.citation):
        key = next((own[i] for i in entry["ids"] if i in own), None)
        if key not in chapters_citing:
            continue
        links = nodes.paragraph(classes=["cited-in"])
        links += nodes.Text("Cited in ")
        for n, (chapter, target) in enumerate(sorted(chapters_citing[key], key=lambda c: order.get(c[0], 0))):
            links += nodes.Text(", " if n else "")
            uri = f"{app.builder.get_relative_uri(docname, chapter)}#{target}"
            links += nodes.reference("", env.titles[chapter].astext(), refuri=uri, internal=True)
        links += nodes.Text(".")
        entry += links


def setup(app):
    app.add_config_value("book_bibliography_page", "chapters/reference/bibliography", "env")
    app.connect("env-updated", _fill_book_bibliography, priority=400)  # before sphinxcontrib-bibtex's (500)
    app.connect("doctree-resolved", _add_back_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
