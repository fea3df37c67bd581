"""`make pdf`: the whole book printed to one PDF by the Chromium the tests use (``_ext/book_pdf.py``).

The PDF must open, hold every page's title in table-of-contents order, show no raw TeX (math is
typeset), show every exercise's solution, and number its pages. Printing the whole book takes a
minute or more, so the book is printed once per session.
"""

import functools
import re
import sys
import unicodedata
from html import unescape

import pypdfium2
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
import book_pdf  # noqa: E402


def plain(text):
    """Text with ligatures expanded and all whitespace runs made single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


@functools.cache
def pdf_pages(pdf):
    """The text of each page of the PDF file ``pdf`` (read once per file: PDFium takes about a second)."""
    # PDFium marks a word broken at the end of a line with \x02 where the hyphen was.
    return [page.get_textpage().get_text_bounded().replace("\x02", "-") for page in pypdfium2.PdfDocument(pdf)]


def pdf_problems(pdf, titles, phrases=()):
    """What is wrong with the printed book ``pdf``, one string each."""
    pages = pdf_pages(pdf)
    text = plain("\n".join(pages))
    problems = [f"title missing: {title}" for title in titles if plain(title) not in text]
    problems += [f"text missing: {phrase}" for phrase in phrases if plain(phrase) not in text]
    problems += [f"raw TeX in the text: {marker}" for marker in ("\\(", "$$") if marker in text]
    total = len(pages)
    problems += [f"page {n} has no page number" for n, page in enumerate(pages, 1) if f"{n} / {total}" not in plain(page)]
    return problems


def page_title(html_file):
    """The page's heading as the article shows it, with its chapter number (``2. Sigmoid``)."""
    heading = re.findall(r"<h1>(.*?)</h1>", html_file.read_text(), re.S)[-1]
    return plain(unescape(re.sub(r"<[^>]+>", "", heading))).rstrip("#")


def first_solution_words(html_file):
    """Four plain words from the first exercise solution of a page (no math), or None."""
    match = re.search(r'<div class="solution.*?<section id="solution-content">(.*?)</section>', html_file.read_text(), re.S)
    if not match:
        return None
    # A formula ends a run of words: text extractors place it differently among the words around it.
    text = re.sub(r'<span class="math.*?</span>', " | ", match.group(1), flags=re.S)
    words = re.search(r"[A-Za-z]+(?: [A-Za-z,]+){3}", plain(unescape(re.sub(r"<[^>]+>", " ", text))))
    return words.group(0) if words else None


def first_folded_result(html_file):
    """The first line of the first folded result (a solution's check, ``gradflow.solutions``) of a page, or None."""
    match = re.search(r'<details class="gradflow-folded-result">.*?<pre>(.*?)</pre>', html_file.read_text(), re.S)
    return plain(unescape(match.group(1)).splitlines()[0]) if match else None


@pytest.fixture(scope="session")
def book(html, browser, tmp_path_factory):
    pdf = tmp_path_factory.mktemp("pdf") / "book.pdf"
    book_pdf.print_book(html, pdf, browser, book_pdf.toc_pages())
    return pdf


def test_the_pdf_has_every_page_typeset_math_shown_solutions_and_page_numbers(book, html):
    pages = [html / page for page in book_pdf.toc_pages()]
    solutions = [words for words in map(first_solution_words, pages) if words]
    assert len(solutions) >= 10  # the chapters' exercises
    results = [line for line in map(first_folded_result, pages) if line]
    assert len(results) >= 10  # the solutions' checks, folded in the HTML
    assert pdf_problems(book, [page_title(p) for p in pages], solutions + results) == []


def test_the_pdf_lists_the_pages_in_table_of_contents_order(book, html):
    text = plain("\n".join(pdf_pages(book)))
    chapters = [page_title(html / page) for page in book_pdf.toc_pages() if page.count("/") == 1][1:]
    positions = [text.find(title, text.find(chapters[0])) for title in chapters]
    assert -1 not in positions and positions == sorted(positions), list(zip(chapters, positions))


def test_pdf_check_finds_raw_tex_a_missing_title_and_a_hidden_solution(browser, tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "intro.html").write_text(
        '<html><body><article class="bd-article"><h1>Intro</h1><p>\\(x^2\\)</p>'
        '<p style="display: none">The hidden solution text</p>'
        '<details class="gradflow-folded-result"><summary>Result</summary><pre>The folded result</pre></details>'
        '</article></body></html>'
    )
    assert first_folded_result(tmp_path / "chapters" / "intro.html") == "The folded result"
    book_pdf.print_book(tmp_path, tmp_path / "broken.pdf", browser, ["chapters/intro.html"])
    problems = pdf_problems(tmp_path / "broken.pdf", ["Intro", "Sigmoid"], ["The hidden solution text", "The folded result"])
    # The folded result is not missing: the printed book unfolds every <details>.
    assert problems == ["title missing: Sigmoid", "text missing: The hidden solution text", "raw TeX in the text: \\("]
