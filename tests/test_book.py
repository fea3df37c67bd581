"""The book builds from the stored outputs with zero warnings, and its pages load nothing from the web."""

import re
from html.parser import HTMLParser
from urllib.parse import unquote

# What a page loads by itself: scripts, stylesheets, images, fonts. Plain links (<a href>) are fine.
_LOADED = re.compile(r"""<(?:script|img|iframe|source)\b[^>]*\bsrc=["']([^"']+)|<link\b[^>]*\bhref=["']([^"']+)""")


def test_book_builds_with_zero_warnings_and_has_an_index(html):
    assert (html / "index.html").exists()


def test_math_is_rendered_by_the_local_mathjax(html):
    mathjax = html / "_static" / "mathjax" / "es5" / "tex-mml-chtml.js"
    assert mathjax.exists()
    pages = [p for p in html.rglob("*.html") if "_static" not in p.parts]
    assert any("mathjax/es5/tex-mml-chtml.js" in p.read_text() for p in pages)


def test_no_page_loads_anything_from_the_network(html):
    remote = {
        (page.relative_to(html).as_posix(), url)
        for page in html.rglob("*.html")
        for match in _LOADED.finditer(page.read_text())
        for url in match.groups()
        if url and re.match(r"(https?:)?//", url)
    }
    assert not remote, sorted(remote)


class _Anchors(HTMLParser):
    """Collects a page's element ids and the targets of its links."""

    def __init__(self, text):
        super().__init__()
        self.ids, self.links = set(), []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.ids.update(v for k, v in attrs.items() if k in ("id", "name") and v)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


def broken_internal_links(html):
    """Every ``<a href>`` inside the book that points to a missing file or a missing anchor."""
    pages = {p.resolve(): _Anchors(p.read_text()) for p in html.rglob("*.html")}
    broken = []
    for page, anchors in pages.items():
        for link in anchors.links:
            if re.match(r"[a-z]+:|//", link):  # http:, mailto:, javascript:, data: ... leave the book
                continue
            path, _, fragment = link.partition("#")
            target = (page.parent / unquote(path)).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(html.resolve())}: {link} (no such file)")
            elif fragment and target in pages and unquote(fragment) not in pages[target].ids:
                broken.append(f"{page.relative_to(html.resolve())}: {link} (no such anchor)")
    return broken


def test_every_internal_link_points_to_an_existing_page_and_anchor(html):
    assert broken_internal_links(html) == []


def test_link_check_finds_a_missing_page_and_a_missing_anchor(tmp_path):
    (tmp_path / "a.html").write_text('<a href="b.html#there">b</a> <a href="c.html">c</a> <p id="here"></p>')
    (tmp_path / "b.html").write_text('<a href="a.html#here">back</a>')
    assert broken_internal_links(tmp_path) == ["a.html: b.html#there (no such anchor)", "a.html: c.html (no such file)"]
