"""The book's figure style, its colour-blind-safe palette, and the one way figures are saved.

A chapter opts in to the style explicitly with ``plt.style.use(gradflow.plots.STYLE)`` in its first
cell; importing this module changes nothing. Every figure is written by :func:`save`, so the files in
``figures/`` are identical whenever the same code runs with the same pinned libraries.
"""

import os
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt

#: Okabe & Ito (2008) colours, distinguishable under the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

#: Resolution of every saved figure; fixed so the bytes do not depend on the machine's defaults.
DPI = 100

STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "font.size": 10,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    # A white background keeps figures readable in the book's dark mode as well as the light one.
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "svg.hashsalt": "gradflow",
}

_FIGURES_ENV = "GRADFLOW_FIGURES"


def figures_dir():
    """Folder that :func:`save` writes to: ``$GRADFLOW_FIGURES`` if set, else the repo's ``figures/``.

    The tests point ``GRADFLOW_FIGURES`` at a temporary folder, execute the chapters and compare the
    result with the committed ``figures/``.

    >>> isinstance(figures_dir(), Path)
    True
    """
    override = os.environ.get(_FIGURES_ENV)
    return Path(override) if override else Path(__file__).resolve().parents[2] / "figures"


def save(fig, name):
    """Write ``fig`` to ``figures/<name>.png`` deterministically and return the path.

    Fixed dpi and no ``Software`` or date metadata, so the same figure gives the same bytes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    name : str
        File stem naming what the figure shows, e.g. ``"sigmoid-saturation"`` (lower case, digits
        and hyphens).

    Returns
    -------
    pathlib.Path

    >>> import tempfile, unittest.mock
    >>> fig, ax = plt.subplots()
    >>> with tempfile.TemporaryDirectory() as d, unittest.mock.patch.dict(os.environ, {_FIGURES_ENV: d}):
    ...     save(fig, "demo-figure").name
    'demo-figure.png'
    >>> plt.close(fig)
    """
    if not isinstance(fig, mpl.figure.Figure):
        raise TypeError(f"save expects a matplotlib Figure, got {type(fig).__name__}")
    if not isinstance(name, str) or not name or not all(c.islower() or c.isdigit() or c == "-" for c in name):
        raise ValueError(f"figure name must use lower-case letters, digits and hyphens, got {name!r}")
    path = figures_dir() / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    return path
