"""Sphinx extension: fixes from the book's accessibility audit (axe-core and keyboard) that no theme
option covers.

- Solution toggles: sphinx-togglebutton names every button "Toggle hidden content"; a small script
  names each after the title of the box it opens ("Solution to Exercise 2.1 (...)"), so a screen
  reader's list of buttons says which exercise each one opens.
- Skip link: the theme's "Skip to main content" lands above the page's toolbar; the same script
  points it at the article, so a keyboard reader gets from the top of a page to its text in one step.
- Scrollable boxes: the theme gives a Tab stop to each code block that scrolls sideways, but not to
  one inside a solution opened later; the script checks each box again when it is shown.
- Contrast: links inside exercise and solution boxes get a darker colour in light mode, since the
  theme's link colour on the boxes' tinted background falls short of WCAG AA (4.5:1).
- The redirecting root ``index.html``, which sphinx-external-toc writes as a bare ``<meta>`` tag, is
  written instead as a small page with a language, a title and a visible link to the first page.

MathJax's own Tab stops (one per formula) are turned off in ``_config.yml``
(``mathjax3_config.options.menuOptions.settings.inTabOrder``); the script gives one back to each
displayed formula too wide for the column, which a keyboard reader must be able to scroll.
"""

from html import escape
from pathlib import Path

_ROOT_PAGE = """<!DOCTYPE html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta http-equiv="Refresh" content="0; url={target}">
</head>
<body>
<main><h1>{title}</h1><p><a href="{target}">Open the book</a></p></main>
</body>
</html>
"""


def _add_static_files(app):
    app.config.html_static_path.append(str(Path(__file__).parent / "static"))
    app.add_js_file("accessible-pages.js")
    app.add_css_file("exercise-contrast.css")


def _write_root_page(app, exception):
    # Runs before sphinx-external-toc's build-finished handler, which then finds the page present.
    if exception is not None or app.builder.format != "html" or app.config.root_doc == "index":
        return
    target = app.builder.get_target_uri(app.config.root_doc)
    Path(app.outdir, "index.html").write_text(
        _ROOT_PAGE.format(language=escape(app.config.language or "en"), title=escape(app.config.html_title),
                          target=escape(target)),
        encoding="utf-8",
    )


def setup(app):
    app.connect("builder-inited", _add_static_files)
    app.connect("build-finished", _write_root_page, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
