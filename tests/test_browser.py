"""Every page of the built book, opened in a real browser (Chromium driven by Playwright), offline.

For each page: no console errors, no failed requests, every image loaded and described, math
rendered by MathJax, exercise solutions hidden until clicked, every static twin of a live figure
switching frames when its sliders move, and no accessibility violation found by axe-core (WCAG 2.0
and 2.1, A and AA, plus best practice). A keyboard test walks to the first slider of a chapter and
listens, through the browser's accessibility tree, to what a screen reader announces when it moves.
A full-page screenshot of each page that fails is saved under pytest's temporary folder. Without Chromium the
tests are skipped (see the ``browser`` fixture in conftest).
"""

import functools
import http.server
import shutil
import threading

import pytest
from axe_playwright_python.sync_playwright import Axe

from conftest import ROOT

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
# Findings of the theme that the book cannot fix, as (rule, a CSS selector axe reports for the node).
# Every other violation fails, whatever its impact.
AXE_ALLOWED = {
    # The sidebar's logo sits outside any landmark (pydata-sphinx-theme's sidebar template); impact
    # moderate. Fixing it means overriding the theme's layout template.
    ("region", ".sidebar-primary-items__start > .sidebar-primary-item:nth-child(1)"),
}
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
    """Open ``url`` and return everything a reader would find broken on it, one string each; if anything
    is, save a full-page screenshot to ``screenshot`` (a tall page takes seconds to render whole)."""
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

    problems += axe_problems(page)
    if screenshot and problems:
        page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    return problems


# Code blocks after a page's first three are audited without the colour-contrast rule: their colours
# are the theme's highlighting style, the same everywhere, and checking each of a chapter's thousands
# of highlighted tokens would take most of the audit's time. One run covers the rest of the page with
# every rule (axe's set-up, the larger part of a run, is paid once for it), a second those code
# blocks with the other rules. Style sheets are not preloaded: axe resolves their @import against the
# site root (a 404 for basic.css).
_AXE_RUN = """async (tags) => {
  const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"], preload: false};
  const code = Array.from(document.querySelectorAll("div.highlight")).slice(3);
  const page = await axe.run({include: [document], exclude: code}, options);
  if (code.length === 0) return page.violations;
  const blocks = await axe.run({include: code}, {...options, rules: {"color-contrast": {enabled: false}}});
  return page.violations.concat(blocks.violations);
}"""


def axe_problems(page):
    """Run axe-core (the engine shipped in the Python package) on an open page; one string per violation."""
    page.evaluate(Axe().axe_script)
    problems = []
    for violation in page.evaluate(_AXE_RUN, AXE_TAGS):
        nodes = [node for node in violation["nodes"]
                 if (violation["id"], " ".join(map(str, node["target"]))) not in AXE_ALLOWED]
        if nodes:
            problems.append(f"axe {violation['id']} ({violation['impact']}): {violation['help']}; "
                            f"{len(nodes)} element(s), e.g. {nodes[0]['html'][:200]}")
    return problems


def keyboard_path_to_first_slider(browser, url, limit=60):
    """From the top of a page, reach its first slider as a keyboard reader does; move it one step.

    Presses Tab once and Enter on the theme's "Skip to main content" link, then Tab until a slider has
    the focus, then the right arrow key. Returns the number of Tab presses and what the accessibility
    tree (Chromium's, as a screen reader gets it) says about the slider and its figure after the move:
    ``(presses, {"name": ..., "value": ...}, [accessible name of each image])``, where the slider's
    value is its aria-valuetext; ``presses`` is None if no slider was reached within ``limit`` presses.
    """
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url, wait_until="networkidle")
    page.evaluate("() => MathJax.startup.promise")
    page.keyboard.press("Tab")
    skip_link = page.evaluate("() => document.activeElement.textContent.trim()")
    if skip_link == "Skip to main content":
        page.keyboard.press("Enter")
    presses = 1
    while page.evaluate("() => document.activeElement.type") != "range":
        if presses == limit:
            page.close()
            return None, {}, []
        page.keyboard.press("Tab")
        presses += 1
    page.keyboard.press("ArrowRight")
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
    # Chromium's DevTools tree reports a slider's raw value as its "valuetext" and leaves out
    # aria-valuetext (which it does pass to screen readers), so that one is read from the element.
    value_text = page.evaluate("() => document.activeElement.getAttribute('aria-valuetext')")
    page.close()

    def text(node, key):
        return str(node.get(key, {}).get("value", ""))

    focused = next(node for node in tree if text(node, "role") == "slider"
                   and any(p["name"] == "focused" and p["value"]["value"] for p in node.get("properties", [])))
    images = [text(node, "name") for node in tree if text(node, "role") == "image"]
    return presses, {"name": text(focused, "name"), "value": value_text}, images


def test_the_book_has_exactly_the_expected_pages(html):
    built = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html") if "_static" not in p.parts)
    assert built == PAGES


@pytest.mark.parametrize("page", PAGES)
def test_page_works_offline_in_a_browser(page, html, browser, serve, tmp_path_factory):
    shots = tmp_path_factory.getbasetemp() / "screenshots"
    shots.mkdir(exist_ok=True)
    assert page_problems(browser, serve(html) + page, shots / page.replace("/", "-").replace(".html", ".png")) == []


def test_root_page_has_a_title_and_a_language(html, browser, serve):
    page = browser.new_page()
    # Answering the redirect with "204 No Content" keeps the browser on the root page to audit it.
    page.route("**/chapters/intro.html", lambda route: route.fulfill(status=204))
    page.goto(serve(html) + "index.html", wait_until="load")
    page.wait_for_timeout(200)  # the redirect fires at once (0 s)
    title, language = page.evaluate("() => [document.title, document.documentElement.lang]")
    problems = axe_problems(page)
    page.close()
    assert (title, language, problems) == ("Activation Functions and Gradient Flow", "en", [])


# About 20 presses from the top of the sigmoid page to its first slider (83 before the formulas left the
# Tab order): the skip link, then only the links of the prose above the slider (glossary terms, API
# names, citations), which are stops a keyboard reader wants.
MOST_TAB_PRESSES = 25


def test_keyboard_reaches_the_first_slider_quickly_and_hears_its_value(html, browser, serve):
    presses, slider, images = keyboard_path_to_first_slider(browser, serve(html) + "chapters/sigmoid.html")
    assert presses is not None and presses <= MOST_TAB_PRESSES, presses
    # The slider w goes from 1 to 2 (values 0.5, 1, 2, 4): announced as the setting, not the index 2,
    # and the figure's text alternative describes the frame now shown.
    assert slider == {"name": "w", "value": "w = 2"}
    assert any(name.endswith(": w = 2, b = 0") for name in images), images


def broken_sigmoid_page(html, folder, *replacements):
    """Copy the built book to ``folder`` and apply ``(old, new)`` text replacements to its sigmoid page."""
    shutil.copytree(html, folder)
    chapter = folder / "chapters" / "sigmoid.html"
    text = chapter.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    chapter.write_text(text)
    return text


def test_browser_check_fails_on_a_broken_page(html, browser, serve, tmp_path):
    broken = tmp_path / "html"
    text = broken_sigmoid_page(
        html, broken,
        ("s.addEventListener(", "void("),  # a static twin whose slider is dead
        ("<article", '<img src="../_static/favicon.png"><article'),  # an image without alt
        ('role="listitem"', 'role="doc-biblioentry"'),  # docutils' bibliography markup
        ("</article>", '<p style="color: #bbb">Faint text</p></article>'),  # too little contrast
    )
    # An image without a text alternative in each code block after the first three, which only the second
    # axe run audits.
    code = '<div class="highlight"><pre>'
    blocks = text.split(code)
    marked = "".join(f'{code}<span role="img"></span>{block}' for block in blocks[4:])
    (broken / "chapters" / "sigmoid.html").write_text(code.join(blocks[:4]) + marked)
    missing = text.split('src="../_images/', 1)[1].split('"', 1)[0]
    (broken / "_images" / missing).unlink()  # a missing image
    problems = page_problems(browser, serve(broken) + "chapters/sigmoid.html")
    assert any(p.startswith("image not loaded") for p in problems), problems
    assert any("HTTP 404" in p for p in problems), problems
    assert any("did not change the frame" in p for p in problems), problems
    assert any(p.startswith("axe image-alt (critical)") for p in problems), problems
    assert any(p.startswith("axe aria-required-children (critical)") for p in problems), problems
    assert any(p.startswith("axe color-contrast (serious)") and "Faint text" in p for p in problems), problems
    assert any(p.startswith("axe role-img-alt (serious)") for p in problems), problems


def test_keyboard_check_fails_on_a_page_without_the_fixes(html, browser, serve, tmp_path):
    broken = tmp_path / "html"
    broken_sigmoid_page(
        html, broken,
        ('"inTabOrder": false', '"inTabOrder": true'),  # every formula a Tab stop again
        ('s.setAttribute("aria-valuetext"', 'void("aria-valuetext"'),  # a value that stays put
    )
    presses, slider, images = keyboard_path_to_first_slider(browser, serve(broken) + "chapters/sigmoid.html",
                                                            limit=300)
    assert presses > MOST_TAB_PRESSES, presses
    assert slider == {"name": "w", "value": "w = 1"}  # what a screen reader hears: the old setting
    assert not any(name.endswith(": w = 2, b = 0") for name in images), images
