"""Each chapter's live figures work without a browser: moving any control redraws the figure.

The chapters run in a kernel (see ``executed_chapters`` in conftest.py); afterwards every control of
every live figure is set to another of its values. The live image must change, and must equal the
static twin's frame for that setting, so the HTML book and the notebook show the same figure.
"""

import pytest

from conftest import CHAPTERS


@pytest.mark.parametrize("chapter", [c.stem for c in CHAPTERS])
def test_every_control_of_every_live_figure_redraws_it(chapter, executed_chapters):
    report = executed_chapters[1][chapter]
    assert report, f"{chapter} has no live figure (gradflow.widgets.interactive_figure)"
    stuck = [r for r in report if not r["changed"]]
    assert not stuck, f"moving these controls did not change the figure: {stuck}"


@pytest.mark.parametrize("chapter", [c.stem for c in CHAPTERS])
def test_live_figures_agree_with_their_static_twins(chapter, executed_chapters):
    differing = [r for r in executed_chapters[1][chapter] if not r["matches_twin"]]
    assert not differing, f"live figure and static twin differ: {differing}"
