"""Sphinx extension: give each bibliography entry the list-item role its list requires.

Docutils writes a page's citations as ``<div role="list" class="citation-list">`` holding
``<div class="citation" role="doc-biblioentry">`` entries. ARIA requires a list's children to be list
items, and ``doc-biblioentry`` is deprecated (DPUB-ARIA 1.1) and not allowed on a ``div``, so screen
readers meet a list with no items and axe-core reports ``aria-required-children`` (critical). This
extension rewrites the entries' role to ``listitem`` in each page's HTML body, which is all they need:
the list and its entries keep their markup, ids and back-links.
"""

_ENTRY_ROLE = 'role="doc-biblioentry"'


def _entries_as_list_items(app, pagename, templatename, context, doctree):
    if _ENTRY_ROLE in context.get("body", ""):
        context["body"] = context["body"].replace(_ENTRY_ROLE, 'role="listitem"')


def setup(app):
    app.connect("html-page-context", _entries_as_list_items)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
