"""Benchmark 3: time to build the HTML book from the stored outputs, and the size of its pages.

Builds into a scratch folder (``_build`` is left alone) with ``jupyter-book build . -W -n
--keep-going`` and the notebooks not executed (``execute_notebooks: off`` in _config.yml), then
measures each page: its HTML plus the images it references. Targets: build at most 60 s, largest
page (HTML + images) at most 2 MB.

    .venv/bin/python benchmarks/book_build.py
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.parse import unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import write_section  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JUPYTER_BOOK = os.path.join(ROOT, ".venv", "bin", "jupyter-book")
BUILD_TARGET, PAGE_TARGET = 60.0, 2_000_000
IMAGE = re.compile(r"<img[^>]+src=\"([^\"]+)\"")


def page_sizes(html_dir):
    """{page: (html bytes, image bytes)} for every HTML page; images counted once per page."""
    sizes = {}
    for folder, _, files in os.walk(html_dir):
        if os.path.relpath(folder, html_dir).split(os.sep)[0] in ("_static", "_sources", "_images_unused"):
            continue
        for name in files:
            if not name.endswith(".html"):
                continue
            path = os.path.join(folder, name)
            html = open(path, encoding="utf-8").read()
            images = set()
            for source in IMAGE.findall(html):
                if source.startswith(("data:", "http:", "https:")):
                    continue
                image = os.path.normpath(os.path.join(folder, unquote(source.split("#")[0])))
                if os.path.exists(image):
                    images.add(image)
            # data: URIs (the live figures' static frames) are already inside the HTML's bytes.
            sizes[os.path.relpath(path, html_dir)] = (os.path.getsize(path), sum(map(os.path.getsize, images)))
    return sizes


def folder_size(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def main():
    out = tempfile.mkdtemp(prefix="gradflow-bench-build-")
    try:
        start = time.perf_counter()
        run = subprocess.run(
            [JUPYTER_BOOK, "build", ".", "-W", "-n", "--keep-going", "--path-output", out],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        seconds = time.perf_counter() - start
        html_dir = os.path.join(out, "_build", "html")
        ok = run.returncode == 0
        print(f"build: {seconds:.1f} s ({'ok' if ok else 'FAILED'})")
        if not ok:
            print(run.stdout[-3000:])
        sizes = page_sizes(html_dir) if os.path.isdir(html_dir) else {}
        ranked = sorted(sizes.items(), key=lambda item: -sum(item[1]))
        total = folder_size(html_dir) if sizes else 0
        largest = sum(ranked[0][1]) if ranked else 0
        lines = ["| page | HTML (kB) | images (kB) | total (kB) | ≤ 2 MB |", "|---|---:|---:|---:|:---:|"]
        for page, (html, images) in ranked:
            lines.append(f"| `{page}` | {html / 1e3:.0f} | {images / 1e3:.0f} | {(html + images) / 1e3:.0f} | "
                         f"{'yes' if html + images <= PAGE_TARGET else 'no'} |")
            print(f"{page:45s} {(html + images) / 1e3:8.0f} kB")
        summary = (
            f"`jupyter-book build . -W -n --keep-going` from the stored outputs: **{seconds:.1f} s** "
            f"({'build ok' if ok else 'build FAILED'}; target ≤ {BUILD_TARGET:.0f} s, met: "
            f"{'yes' if ok and seconds <= BUILD_TARGET else 'no'}). Largest page with its images: "
            f"{largest / 1e6:.2f} MB (target ≤ 2 MB, met: {'yes' if largest <= PAGE_TARGET else 'no'}). "
            f"Whole site (HTML, images, vendored MathJax and theme assets): {total / 1e6:.1f} MB in "
            f"{len(sizes)} pages. Page size counts the HTML (live figures' static frames are inlined in it) "
            f"plus the image files it references. {os.environ.get('BENCH_NOTE', '')}"
        )
        print(summary)
        write_section("Book build and page sizes", summary + "\n\n" + "\n".join(lines))
        return 0 if ok else 1
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
