"""Every page of the built book, opened in a real browser (Chromium driven by Playwright), offline.

For each page: no console errors, no failed requests, every image loaded and described, math
rendered by MathJax, exercise solutions hidden until clicked, and every static twin of a live figure
switching frames when its sliders move. A full-page screenshot of each page is saved under pytest's
temporary folder. Without Chromium the tests are skipped (see the ``browser`` fixture in conftest).
"""

import functools
import http.server
import shutil
import threading

import pytest

from conftest import ROOT

# The pages the book must have: the front matter, one per chapter, the back matter (API reference,
# glossary, bibliography), plus Sphinx's own (the general index among them).
PAGES = sorted(
    ["index.html", "genindex.html", "py-modindex.html", "search.html"]
    + [f"chapters/{p.stem}.html" for p in (ROOT / "chapters").iterdir() if p.suffix in (".md", ".ipynb")]
    + [f"chapters/reference/{p.stem}.html" for p in (ROOT / "chapters" / "reference").glob("*.md")]
)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    """Serve a folder on 127.0.0.1 for the duration of a test; returns ``serve(folder) -> base URL``."""
    servers = []

    def start(folder):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=folder))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def page_problems(browser, url, screenshot=None):
    """Open ``url`` and return everything a reader would find broken on it, one string each."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"uncaught exception: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.goto(url, wait_until="networkidle")
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")

    for image in page.evaluate(
        "() => Array.from(document.images, i => ({src: i.src.slice(0, 80), ok: i.complete && i.naturalWidth > 0,"
        " alt: i.getAttribute('alt') || ''}))"
    ):
        if not image["ok"]:
            problems.append(f"image not loaded: {image['src']}")
        if not image["alt"].strip() or image["alt"].endswith((".png", ".svg", ".jpg")):
            problems.append(f"image without a caption or alt text: {image['src']}")

    if page.locator(".math").count():
        if page.locator("mjx-container").count() == 0:
            problems.append("math not rendered: no MathJax output")
        text = page.locator("article").inner_text() if page.locator("article").count() else ""
        problems += [f"raw TeX left in the text: {marker}" for marker in ("\\(", "$$") if marker in text]

    for index in range(page.locator("div.solution").count()):
        solution = page.locator("div.solution").nth(index)
        body = solution.locator(".admonition-title ~ *").first
        if body.is_visible():
            problems.append(f"solution {index + 1} is shown before it is clicked")
            continue
        solution.locator("button.toggle-button").first.click()
        body.wait_for(state="visible", timeout=2000)

    for index in range(page.locator("figure.gradflow-twin").count()):
        twin = page.locator("figure.gradflow-twin").nth(index)
        image = twin.locator("img")
        for slider_index in range(twin.locator("input[type=range]").count()):
            slider = twin.locator("input[type=range]").nth(slider_index)
            before = image.get_attribute("src")
            slider.evaluate("s => { s.value = s.value === s.max ? s.min : s.max; s.dispatchEvent(new Event('input')); }")
            if image.get_attribute("src") == before:
                problems.append(f"static twin {index + 1}: moving slider {slider_index + 1} did not change the frame")

    if screenshot:
        page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    return problems


def test_the_book_has_exactly_the_expected_pages(html):
    built = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html") if "_static" not in p.parts)
    assert built == PAGES


@pytest.mark.parametrize("page", PAGES)
def test_page_works_offline_in_a_browser(page, html, browser, serve, tmp_path_factory):
    shots = tmp_path_factory.getbasetemp() / "screenshots"
    shots.mkdir(exist_ok=True)
    assert page_problems(browser, serve(html) + page, shots / page.replace("/", "-").replace(".html", ".png")) == []


def test_browser_check_fails_on_a_broken_page(html, browser, serve, tmp_path):
    broken = tmp_path / "html"
    shutil.copytree(html, broken)
    chapter = broken / "chapters" / "sigmoid.html"
    text = chapter.read_text()
    missing = text.split('src="../_images/', 1)[1].split('"', 1)[0]
    (broken / "_images" / missing).unlink()  # a missing image
    chapter.write_text(text.replace("s.addEventListener(", "void(", 1))  # a static twin whose slider is dead
    problems = page_problems(browser, serve(broken) + "chapters/sigmoid.html")
    assert any(p.startswith("image not loaded") for p in problems), problems
    assert any("HTTP 404" in p for p in problems), problems
    assert any("did not change the frame" in p for p in problems), problems
