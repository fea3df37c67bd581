"""A solution's printed check is shown folded: same text for nbval and terminals, a closed <details> in HTML."""

import pytest
from IPython.core.interactiveshell import InteractiveShell

from gradflow.solutions import SUMMARY, folded_html, folded_result


@pytest.fixture
def shell_displays(monkeypatch):
    """What ``display`` publishes, as if in a notebook kernel (one mime bundle per call)."""
    shown = []
    shell = InteractiveShell.instance()
    monkeypatch.setattr("gradflow.solutions.get_ipython", lambda: shell)
    monkeypatch.setattr(shell.display_pub, "publish", lambda data, **kwargs: shown.append(data))
    yield shown
    InteractiveShell.clear_instance()


def test_in_a_kernel_the_printed_text_becomes_one_folded_display(shell_displays, capsys):
    with folded_result():
        print("s = 8.88; sampled fraction saturated: 0.500")
        print("a < b & c")
    text = "s = 8.88; sampled fraction saturated: 0.500\na < b & c\n"
    assert shell_displays == [{"text/plain": text, "text/html": folded_html(text)}]
    assert capsys.readouterr().out == ""  # nothing printed besides: Run All would unfold it


def test_the_html_is_a_closed_details_element_with_a_summary_and_the_escaped_text():
    assert folded_html("x < 1\n") == ('<details class="gradflow-folded-result"><summary>Result of the solution&#x27;s '
                                      'check</summary><pre>x &lt; 1\n</pre></details>')
    assert SUMMARY in folded_html("x").replace("&#x27;", "'")
    assert folded_html("t", "<b>") == folded_html("t", "<b>")  # deterministic: nbval compares it too
    assert "<b>" not in folded_html("t", "<b>")


def test_outside_a_kernel_the_text_is_printed_unchanged(capsys):
    with folded_result():
        print("one", 2)
    assert capsys.readouterr().out == "one 2\n"


def test_nothing_printed_shows_nothing(shell_displays):
    with folded_result():
        pass
    assert shell_displays == []


def test_a_failing_block_prints_what_it_had_printed_and_raises(shell_displays, capsys):
    with pytest.raises(ZeroDivisionError), folded_result():
        print("before")
        1 / 0
    assert capsys.readouterr().out == "before\n" and shell_displays == []


@pytest.mark.parametrize("summary, error", [(None, TypeError), (3, TypeError), ("", ValueError), ("  ", ValueError)])
def test_a_bad_summary_is_refused_before_the_block_runs(summary, error):
    ran = []
    with pytest.raises(error, match="summary"), folded_result(summary):
        ran.append(True)
    assert ran == []


def test_text_must_be_a_string():
    with pytest.raises(TypeError, match="text must be a str, got bytes"):
        folded_html(b"x")
