"""Sphinx extension: keep the book's pages free of scripts they do not use.

Jupyter Book always loads sphinx-thebe, which adds an inline ``const THEBE_JS_URL = ...`` script (twice,
so the browser reports "Identifier 'THEBE_JS_URL' has already been declared") and ``sphinx-thebe.js``
to every page, although live code cells are off in this book (``launch_buttons.thebe: false``). This
extension drops both, so pages load with zero console errors.
"""


def _drop_thebe(app, pagename, templatename, context, doctree):
    context["script_files"] = [
        script for script in context.get("script_files", [])
        if "sphinx-thebe" not in str(script) and "THEBE_JS_URL" not in script.attributes.get("body", "")
    ]


def setup(app):
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
