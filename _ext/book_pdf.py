"""Print the built HTML book as one PDF (``make pdf``), with the Chromium that the tests drive.

Run as ``python _ext/book_pdf.py _build/html BOOK.pdf`` after ``make book``. The browser opens the
front page, appends the article of every other page in table-of-contents order (``_toc.yml``), lets
the book's own MathJax typeset all of it, and prints the result once, so the page numbers in the
footer run through the whole book. Each chapter starts on a new page; links between pages become
links inside the PDF. Each static twin of a live figure shows its default frame (the frame the HTML
opens with) and its sliders are left out. Every exercise's solution is shown, below its exercise,
with the result of its numerical check unfolded: a printed page cannot be clicked open. Like the
HTML, it needs no network.
"""

import argparse
import functools
import http.server
import sys
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"]

_PRINT_CSS = """
@media print {
  .bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header-article, .bd-footer,
  .bd-footer-article, .bd-footer-content, .prev-next-area, .headerlink, .gradflow-controls,
  .skip-link, #pst-back-to-top, .onlyprint { display: none !important; }
  pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
  .book-pdf-page { break-before: page; }
  /* The theme hides each article's title in print (it prints the page's title above it instead). */
  .bd-main .bd-content .bd-article h1:first-of-type { display: block !important; }
  .bd-main .bd-content .bd-article-container { max-width: none; }
}
"""

# Runs in the front page: append the other pages' articles, make their ids unique and their links
# internal, show every solution, then typeset the math.
_JOIN = """
async ([pages, css]) => {
  const root = location.origin + "/";
  const ids = new Map(pages.map((page, i) => [new URL(page, root).href, `page${i}`]));
  const article = document.querySelector("article.bd-article");
  const style = document.createElement("style");
  style.textContent = css;
  document.head.append(style);
  const front = document.createElement("div");
  front.append(...article.childNodes);
  article.append(front);
  const parts = [front];
  for (const page of pages.slice(1)) {
    const url = new URL(page, root).href;
    const html = await (await fetch(url)).text();
    const part = new DOMParser().parseFromString(html, "text/html").querySelector("article.bd-article");
    part.querySelectorAll("script").forEach(s => s.remove());
    part.querySelectorAll("[src]").forEach(e => e.setAttribute("src", new URL(e.getAttribute("src"), url).href));
    part.querySelectorAll("a[href]").forEach(a => a.setAttribute("href", new URL(a.getAttribute("href"), url).href));
    const wrapper = document.createElement("div");
    wrapper.className = "book-pdf-page";
    wrapper.append(...part.childNodes);
    article.append(wrapper);
    parts.push(wrapper);
  }
  parts.forEach((part, i) => {
    part.id = part.id || `page${i}`;
    part.querySelectorAll("[id]").forEach(e => { if (e !== part) e.id = `page${i}-${e.id}`; });
  });
  document.querySelectorAll("a[href]").forEach(a => {
    const target = new URL(a.getAttribute("href"), location.href);
    const hash = target.hash;
    target.hash = "";
    const page = ids.get(target.href);
    if (page !== undefined) a.setAttribute("href", hash ? `#${page}-${decodeURIComponent(hash.slice(1))}` : `#${page}`);
  });
  document.querySelectorAll(".toggle-hidden").forEach(e => e.classList.remove("toggle-hidden"));
  document.querySelectorAll("button.toggle-button").forEach(b => b.remove());
  article.querySelectorAll("details").forEach(d => { d.open = true; });  // a solution's folded result
  if (window.MathJax && MathJax.typesetPromise) {
    await MathJax.startup.promise;
    await MathJax.typesetPromise();
  }
  await Promise.all(Array.from(document.images, i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
}
"""

_FOOTER = ('<div style="font-size: 8px; width: 100%; text-align: center; color: #555;">'
           '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


def toc_pages(root=ROOT):
    """The book's pages in table-of-contents order, as paths of the built HTML (``chapters/x.html``)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return [f"{page}.html" for page in pages]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def print_book(html, pdf, browser, pages):
    """Print ``pages`` (paths under the HTML folder ``html``, the first one opened) to the file ``pdf``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=html))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/{pages[0]}", wait_until="networkidle")
        page.evaluate(_JOIN, [pages, _PRINT_CSS])
        page.emulate_media(media="print")
        Path(pdf).parent.mkdir(parents=True, exist_ok=True)
        page.pdf(path=str(pdf), format="A4", print_background=True, display_header_footer=True,
                 header_template="<div></div>", footer_template=_FOOTER,
                 margin={"top": "15mm", "bottom": "18mm", "left": "15mm", "right": "15mm"})
        page.close()
    finally:
        server.shutdown()
        server.server_close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", type=Path, help="the built book (_build/html)")
    parser.add_argument("pdf", type=Path, help="the PDF to write")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"make pdf needs Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    start = time.perf_counter()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        print_book(args.html, args.pdf, browser, toc_pages())
        browser.close()
    size = args.pdf.stat().st_size / 1e6
    print(f"The book is at {args.pdf.resolve()} ({size:.1f} MB, printed in {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
