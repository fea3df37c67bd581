"""Compare a chapter's stored outputs with a fresh execution's, cell by cell, text and images apart.

A cell may declare, as comment lines next to its code, how far its results may move on another CPU:

    # fp-tolerance: 0.5          every number it prints may differ by at most 0.5 (in the printed units)
    # fp-figure-tolerance: 3     its images may differ by an RMS of at most 3 grey levels (of 255)

Without a declaration, the text must be identical and images within ``IMAGE_TOLERANCE``. A cell tagged
``nbval-ignore-output`` (only a timing cell may be) is not compared.
"""

import base64
import io
import re

import numpy as np
from PIL import Image

#: RMS difference (grey levels of 255) allowed between two renderings of a figure that did not move.
IMAGE_TOLERANCE = 0.1

_NUMBER = re.compile(r"[-+−]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PNG_IN_HTML = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")
# A static twin's element id hashes its frames; the frames themselves are compared as images.
_TWIN_ID = re.compile(r"gradflow-[0-9a-f]{16}")
_DECLARATION = re.compile(r"^\s*#\s*fp-(figure-)?tolerance:\s*(\S+)\s*$", re.M)


def declared_tolerances(source):
    """``(number tolerance, image tolerance)`` declared in a cell's source; 0 and IMAGE_TOLERANCE if not."""
    numbers, images = 0.0, IMAGE_TOLERANCE
    for figure, value in _DECLARATION.findall(source):
        tolerance = float(value)
        if not np.isfinite(tolerance) or tolerance < 0:
            raise ValueError(f"a declared tolerance must be a finite number >= 0, got {value!r}")
        if figure:
            images = max(tolerance, IMAGE_TOLERANCE)
        else:
            numbers = tolerance
    return numbers, images


def _texts_and_images(cell):
    """The cell's text outputs (each stream joined into one, as a reader sees it) and its PNG images."""
    streams, texts, images = {}, [], []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            streams[out["name"]] = streams.get(out["name"], "") + out["text"]
        for mime, value in sorted(out.get("data", {}).items()):
            if mime == "image/png":
                images.append(value)
            elif mime == "text/html":
                images += _PNG_IN_HTML.findall(value)
                texts.append(_TWIN_ID.sub("gradflow-…", _PNG_IN_HTML.sub("data:image/png;base64,…", value)))
            elif mime.startswith("text/"):
                texts.append(value)
    return [streams[name] for name in sorted(streams)] + texts, images


def _as_float(token):
    return float(token.replace("−", "-"))


def _skeleton(text):
    return " ".join(_NUMBER.sub("#", text).split())


def text_deviation(stored, fresh):
    """Largest absolute difference between corresponding numbers of two texts, or ``inf`` if their
    words differ (the texts with every number blanked out must be equal, up to spacing: a column of
    right-aligned numbers shifts when one of them gains a digit)."""
    if _skeleton(stored) != _skeleton(fresh):
        return float("inf")
    pairs = zip(_NUMBER.findall(stored), _NUMBER.findall(fresh))
    return max((abs(_as_float(a) - _as_float(b)) for a, b in pairs if a != b), default=0.0)


def image_rms(stored_png, fresh_png):
    """RMS difference in grey levels (of 255) of two base64 PNGs; ``inf`` if their sizes differ."""
    a, b = (np.asarray(Image.open(io.BytesIO(base64.b64decode(p))).convert("RGB"), dtype=float)
            for p in (stored_png, fresh_png))
    return float(np.sqrt(np.mean((a - b) ** 2))) if a.shape == b.shape else float("inf")


def compare_cell(stored, fresh):
    """Compare one code cell's stored and fresh outputs against the tolerances the cell declares.

    Returns ``(problems, text_deviation)``: a list of strings (empty when the cell agrees) and the
    largest number deviation seen in its text.
    """
    numbers, images = declared_tolerances(stored["source"])
    (old_texts, old_images), (new_texts, new_images) = _texts_and_images(stored), _texts_and_images(fresh)
    problems, worst = [], 0.0
    if len(old_texts) != len(new_texts):
        problems.append(f"{len(old_texts)} text outputs stored, {len(new_texts)} now")
    for old, new in zip(old_texts, new_texts):
        deviation = text_deviation(old, new) if old != new else 0.0
        worst = max(worst, deviation)
        # The slack absorbs binary rounding of printed decimals (0.92 − 0.91 > 0.01 in floating point).
        if old != new and (numbers == 0 or deviation > numbers * (1 + 1e-9)):
            first = next((o, n) for o, n in zip(old.splitlines(), new.splitlines()) if o != n) if \
                old.count("\n") == new.count("\n") else (old[:200], new[:200])
            problems.append(f"text differs (deviation {deviation:g}, tolerance {numbers:g}): "
                            f"stored {first[0]!r}, now {first[1]!r}")
    if len(old_images) != len(new_images):
        problems.append(f"{len(old_images)} images stored, {len(new_images)} now")
    for i, (old, new) in enumerate(zip(old_images, new_images)):
        rms = image_rms(old, new) if old != new else 0.0
        if rms > images:
            problems.append(f"image {i} differs by RMS {rms:.3g} (tolerance {images:g})")
    return problems, worst


def compare_notebooks(stored, fresh):
    """Compare every code cell; returns ``{code cell index: problems}``, the number of cells that declare
    a number tolerance, and the largest number deviation seen in any cell."""
    code = [(s, f) for s, f in zip(stored["cells"], fresh["cells"]) if s["cell_type"] == "code"]
    problems, tolerant, worst = {}, 0, 0.0
    for index, (s, f) in enumerate(code):
        if "nbval-ignore-output" in s["metadata"].get("tags", []):
            continue  # a timing cell measures the machine it runs on (test_chapters allows the tag only there)
        found, deviation = compare_cell(s, f)
        tolerant += declared_tolerances(s["source"])[0] > 0
        worst = max(worst, deviation)
        if found:
            problems[index] = found
    return problems, tolerant, worst
