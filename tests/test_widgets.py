import re

import matplotlib.pyplot as plt
import pytest

from gradflow import widgets


def slope_figure(slope=1.0, shape="line"):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, slope], marker="o" if shape == "dots" else None)
    return fig


def test_static_twin_has_one_frame_per_combination_of_values():
    live = widgets.interactive_figure(slope_figure, slope=[0.5, 1.0, 2.0], shape=["line", "dots"], dpi=20)
    assert len(live.frames) == 6
    html = live.static_html()
    assert len(re.findall(r'"\d,\d": "data:image/png;base64,', html)) == 6
    assert html.count('type="range"') == 2


def test_static_twin_is_identical_when_rebuilt():
    first = widgets.interactive_figure(slope_figure, slope=[0.5, 1.0], dpi=20).static_html()
    second = widgets.interactive_figure(slope_figure, slope=[0.5, 1.0], dpi=20).static_html()
    assert first == second


def test_static_twin_starts_at_the_default_frame():
    live = widgets.interactive_figure(slope_figure, slope=[0.5, 1.0, 2.0], dpi=20)
    assert 'value="1"' in live.static_html()  # slope=1.0 is the second value


def test_moving_a_live_control_redraws_the_image():
    live = widgets.interactive_figure(slope_figure, slope=[0.5, 1.0, 2.0], shape=["line", "dots"], dpi=20)
    before = live.image.value
    live.controls["shape"].value = "dots"
    assert live.image.value != before
    assert live.image.value == live.frames[(1.0, "dots")]


def test_mimebundle_offers_widget_html_and_plain_text():
    bundle = widgets.interactive_figure(slope_figure, slope=[0.5, 1.0], dpi=20)._repr_mimebundle_()
    assert {"application/vnd.jupyter.widget-view+json", "text/html", "text/plain"} <= set(bundle)
    assert bundle["text/plain"] == "<interactive figure slope_figure(slope=[0.5, 1.0]): 2 frames>"


def test_frames_are_closed_after_rendering():
    plt.close("all")
    widgets.interactive_figure(slope_figure, slope=[0.5, 1.0, 2.0], dpi=20)
    assert plt.get_fignums() == []


def test_too_many_frames_is_rejected():
    with pytest.raises(ValueError, match="at most 40"):
        widgets.interactive_figure(slope_figure, slope=list(range(1, 42)))


def test_default_must_be_among_the_values():
    with pytest.raises(ValueError, match="default slope=1.0 .* not among the values"):
        widgets.interactive_figure(slope_figure, slope=[0.5, 2.0])


def test_parameter_without_default_is_rejected():
    def no_default(slope):
        return slope_figure(slope)

    with pytest.raises(ValueError, match="needs a parameter 'slope' with a default"):
        widgets.interactive_figure(no_default, slope=[0.5, 1.0])


@pytest.mark.parametrize("values", [[], "abc", 3, [1.0, 1.0]])
def test_bad_value_lists_are_rejected(values):
    with pytest.raises(ValueError, match="values for 'slope'"):
        widgets.interactive_figure(slope_figure, slope=values)


def test_plot_must_return_a_figure():
    def not_a_figure(slope=1.0):
        return None

    with pytest.raises(TypeError, match="must return a matplotlib Figure"):
        widgets.interactive_figure(not_a_figure, slope=[1.0])


def test_no_parameters_is_rejected():
    with pytest.raises(ValueError, match="at least one parameter"):
        widgets.interactive_figure(slope_figure)


def test_static_twin_sliders_and_image_say_the_setting_not_the_frame_index():
    html = widgets.interactive_figure(slope_figure, alt="A line", slope=[0.5, 1.0, 2.0], dpi=20).static_html()
    assert 'value="1" aria-label="slope" aria-valuetext="slope = 1"' in html
    assert 'alt="A line: slope = 1" data-description="A line"' in html


def test_frame_count_of_many_parameters_does_not_overflow():
    # 2**64 frames: a NumPy int64 product wraps around to 0 and would let the request through.
    def many(**params):
        return slope_figure()

    with pytest.raises(ValueError, match=f"{2**64} frames requested; .* at most 40"):
        widgets.interactive_figure(many, **{f"p{i}": [0, 1] for i in range(64)})
