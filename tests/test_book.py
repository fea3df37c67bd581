"""The book builds from the stored outputs with zero warnings, and its pages load nothing from the web."""

import html as html_module
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


# MyST that a renderer failed to read shows up as text: a directive's fence, a role, a citation link.
_RAW_MYST = re.compile(r"(?:```|:::)\{[\w:-]+\}|\{[\w:-]+\}`[^`]+`|\]\(#[\w.:-]+\)")


def raw_myst(html):
    """Pages whose visible text (outside code, scripts and styles) shows MyST markup, with what it shows."""
    found = []
    for page in sorted(html.rglob("*.html")):
        text = re.sub(r"<(pre|script|style|code)\b.*?</\1>", "", page.read_text(), flags=re.S)
        text = html_module.unescape(re.sub(r"<[^>]+>", "", text))
        found += [f"{page.relative_to(html)}: {hit}" for hit in sorted(set(_RAW_MYST.findall(text)))]
    return found


def test_no_page_shows_myst_markup_as_text(html):
    assert raw_myst(html) == []


def test_raw_myst_check_finds_a_directive_a_role_and_a_citation_link(tmp_path):
    (tmp_path / "a.html").write_text("<p>```{admonition} {term}`x &lt;y&gt;`</p><pre>```{code}</pre>"
                                     "<p>[Cox (1958)](#cox1958regression)</p><code>{doc}`z`</code>")
    assert raw_myst(tmp_path) == ["a.html: ](#cox1958regression)", "a.html: ```{admonition}", "a.html: {term}`x <y>`"]


# The back matter: API reference, glossary, bibliography, index, downloads, launch links.

def _page_links(page):
    return _Anchors(page.read_text()).links


def test_the_general_index_has_glossary_api_and_chapter_entries(html):
    targets = [link.split("#")[0] for link in _page_links(html / "genindex.html") if "#" in link]
    assert targets.count("chapters/reference/glossary.html") >= 15
    assert sum(t.startswith("chapters/reference/") and not t.endswith("glossary.html") for t in targets) >= 100
    assert sum(t.count("/") == 1 for t in targets) >= 10  # {index} entries in the chapters


def unlinked_glossary_terms(html):
    """Glossary terms that no chapter page links to (each must be linked from its defining use)."""
    terms = set(re.findall(r'<dt id="(term-[^"]+)"', (html / "chapters" / "reference" / "glossary.html").read_text()))
    linked = {
        unquote(link.partition("#")[2])
        for page in html.glob("*/*.html")
        for link in _page_links(page)
        if link.partition("#")[0].endswith("reference/glossary.html")
    }
    return sorted(terms - linked)


def test_every_glossary_term_is_linked_from_a_chapter(html):
    assert unlinked_glossary_terms(html) == []


def test_glossary_check_finds_a_term_that_no_chapter_links(tmp_path):
    (tmp_path / "chapters" / "reference").mkdir(parents=True)
    (tmp_path / "chapters" / "reference" / "glossary.html").write_text('<dt id="term-a"></dt><dt id="term-b"></dt>')
    (tmp_path / "chapters" / "one.html").write_text('<a href="reference/glossary.html#term-a">a</a>')
    assert unlinked_glossary_terms(tmp_path) == ["term-b"]


def test_the_api_reference_documents_every_public_function_and_class_of_every_module(html):
    import importlib
    import inspect

    import gradflow

    missing = []
    for name in gradflow.__all__:
        module = importlib.import_module(f"gradflow.{name}")
        page = (html / "chapters" / "reference" / f"{name}.html").read_text()
        documented = set(re.findall(r'<dt class="sig sig-object py" id="([^"]+)"', page))
        missing += [
            f"gradflow.{name}.{member}"
            for member, value in vars(module).items()
            if not member.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value))
            and value.__module__ == module.__name__ and f"gradflow.{name}.{member}" not in documented
        ]
    assert missing == []


def bibliography_problems(html):
    """What is wrong with the book's one bibliography, against the chapters' own reference lists."""
    label = re.compile(r'<span class="label"><span class="fn-bracket">\[</span>(.*?)<span class="fn-bracket">')
    book = (html / "chapters" / "reference" / "bibliography.html").read_text()
    entries = re.findall(r'<div class="citation" id="[^"]+" role="listitem">(.*?)</div>', book, re.S)
    def text(markup):  # a label is a link back to the citation when the chapter cites it once
        return re.sub(r"<[^>]+>", "", markup)

    labels = [text(label.search(entry).group(1)) for entry in entries]
    cited = {text(found) for page in html.glob("chapters/*.html") for found in label.findall(page.read_text())}
    problems = [f"listed twice: {x}" for x in sorted({x for x in labels if labels.count(x) > 1})]
    problems += [f"cited but not listed: {x}" for x in sorted(cited - set(labels))]
    problems += [f"listed but cited nowhere: {x}" for x in sorted(set(labels) - cited)]
    problems += [f"no link back to a citing chapter: {x}" for x, e in zip(labels, entries) if 'class="cited-in"' not in e]
    return problems


def test_one_bibliography_lists_every_cited_work_once_with_links_back(html):
    assert bibliography_problems(html) == []


def test_bibliography_check_finds_a_duplicate_a_missing_work_and_a_missing_back_link(tmp_path):
    def entry(key, back=True):
        cited_in = '<p class="cited-in"><a href="../one.html#x">One</a></p>' if back else ""
        return (f'<div class="citation" id="{key}" role="listitem"><span class="label">'
                f'<span class="fn-bracket">[</span>{key}<span class="fn-bracket">]</span></span>{cited_in}</div>')

    (tmp_path / "chapters" / "reference").mkdir(parents=True)
    (tmp_path / "chapters" / "reference" / "bibliography.html").write_text(entry("A") + entry("A") + entry("B", back=False))
    (tmp_path / "chapters" / "one.html").write_text(entry("A") + entry("B") + entry("C"))
    assert bibliography_problems(tmp_path) == ["listed twice: A", "cited but not listed: C", "no link back to a citing chapter: B"]


def download_problems(html, chapters):
    """Chapter pages without a working offline download of their notebook (.ipynb) from the build."""
    import json

    problems = []
    for chapter in chapters:
        page = html / "chapters" / f"{chapter.stem}.html"
        links = [link for link in _page_links(page) if link.endswith(f"/{chapter.name}")]
        if not links or re.match(r"[a-z]+:|//", links[0]):
            problems.append(f"{chapter.stem}: no download link to its .ipynb inside the book")
        elif not (page.parent / links[0]).exists():
            problems.append(f"{chapter.stem}: {links[0]} is missing")
        elif json.loads((page.parent / links[0]).read_text()) != json.loads(chapter.read_text()):
            problems.append(f"{chapter.stem}: {links[0]} is not the chapter's notebook")
    return problems


def test_every_chapter_page_offers_its_notebook_for_download(html):
    from conftest import CHAPTERS

    assert download_problems(html, CHAPTERS) == []


def test_download_check_finds_a_missing_link_and_a_missing_file(tmp_path):
    (tmp_path / "chapters").mkdir()
    for stem in ("a", "b"):
        (tmp_path / f"{stem}.ipynb").write_text("{}")
    (tmp_path / "chapters" / "a.html").write_text("<p>no download</p>")
    (tmp_path / "chapters" / "b.html").write_text('<a href="../_sources/chapters/b.ipynb">download</a>')
    assert download_problems(tmp_path, [tmp_path / "a.ipynb", tmp_path / "b.ipynb"]) == [
        "a: no download link to its .ipynb inside the book", "b: ../_sources/chapters/b.ipynb is missing"]


def test_no_link_leads_to_a_placeholder_repository_or_launcher(html):
    import yaml

    from conftest import ROOT

    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    launchers = ("github.com", "mybinder.org", "colab.research.google.com")
    remote = {link for page in html.rglob("*.html") for link in _page_links(page) if any(h in link for h in launchers)}
    # With no repository set there are no launch or repository links at all; with one, only to it.
    assert {link for link in remote if not url or url.split("//")[-1] not in link} == set()
