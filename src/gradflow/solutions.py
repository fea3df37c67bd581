"""A solution's printed check, folded: the reader sees it only after asking for it.

An exercise's solution ends with a code cell that checks it numerically and prints the result. The
cell is hidden in the book and in JupyterLab, but JupyterLab unhides a cell's output whenever the
cell runs (so Run All would print the answer under the folded solution). :func:`folded_result`
captures what the cell prints and shows it instead as an output that folds by itself: an HTML
``<details>`` element, closed until its summary is clicked, wherever HTML is shown (JupyterLab, the
book); its plain-text form is exactly the printed text (what nbval compares and a terminal shows).

>>> with folded_result():
...     print("s = 8.88")
s = 8.88
"""

import contextlib
import html
import io

from IPython import get_ipython
from IPython.display import display

#: The words on the closed fold.
SUMMARY = "Result of the solution's check"


def folded_html(text, summary=SUMMARY):
    """``text`` as a closed HTML ``<details>`` element: ``summary`` shown, ``text`` in a ``<pre>`` under it.

    Both are HTML-escaped, so the same text always gives the same HTML.

    >>> folded_html("a < b\\n", summary="Result")
    '<details class="gradflow-folded-result"><summary>Result</summary><pre>a &lt; b\\n</pre></details>'
    """
    for name, value in (("text", text), ("summary", summary)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not summary.strip():
        raise ValueError("summary must name the folded result (a screen reader reads it), got an empty string")
    return (f'<details class="gradflow-folded-result"><summary>{html.escape(summary)}</summary>'
            f"<pre>{html.escape(text)}</pre></details>")


@contextlib.contextmanager
def folded_result(summary=SUMMARY):
    """Capture what the block prints and show it folded, under ``summary``, when the block ends.

    In IPython (a notebook kernel) the text becomes one display output, ``text/plain`` (the text
    exactly as printed) and ``text/html`` (:func:`folded_html`); elsewhere it is printed unchanged.
    Nothing is shown if the block prints nothing. If the block raises, what it printed so far is
    printed plainly before the exception goes on, so that a failing check can be read.
    """
    folded_html("", summary)  # validate before the block runs
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(captured):
            yield
    except BaseException:
        print(captured.getvalue(), end="")
        raise
    text = captured.getvalue()
    if not text:
        return
    if get_ipython() is None:
        print(text, end="")
    else:
        display({"text/plain": text, "text/html": folded_html(text, summary)}, raw=True)
