"""The book builds from the stored outputs with zero warnings, and its pages load nothing from the web."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

# What a page loads by itself: scripts, stylesheets, images, fonts. Plain links (<a href>) are fine.
_LOADED = re.compile(r"""<(?:script|img|iframe|source)\b[^>]*\bsrc=["']([^"']+)|<link\b[^>]*\bhref=["']([^"']+)""")


@pytest.fixture(scope="session")
def html(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    build = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
        capture_output=True, text=True,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return out / "_build" / "html"


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
