import matplotlib.pyplot as plt
import numpy as np
import pytest

from gradflow import plots


@pytest.fixture
def figure_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADFLOW_FIGURES", str(tmp_path))
    return tmp_path


def line_figure():
    with plt.style.context(plots.STYLE):
        fig, ax = plt.subplots()
        ax.plot(np.linspace(0, 1, 50) ** 2, label="x²")
        ax.legend()
    return fig


def test_saving_the_same_figure_twice_gives_identical_bytes(figure_folder):
    first = plots.save(line_figure(), "twice").read_bytes()
    second = plots.save(line_figure(), "twice").read_bytes()
    plt.close("all")
    assert first == second


def test_saved_png_has_fixed_dpi_and_no_software_or_date_metadata(figure_folder):
    from PIL import Image

    path = plots.save(line_figure(), "metadata")
    plt.close("all")
    with Image.open(path) as image:
        assert image.size == (640, 360)  # STYLE's 6.4 x 3.6 inches at DPI 100
        assert not {"Software", "Creation Time", "date:create"} & set(image.info)


def test_save_writes_under_the_figures_folder_named_for_the_figure(figure_folder):
    path = plots.save(line_figure(), "sigmoid-saturation")
    plt.close("all")
    assert path == figure_folder / "sigmoid-saturation.png"


@pytest.mark.parametrize("name", ["Fig 3", "", "figures/x", "a.png"])
def test_save_rejects_names_that_are_not_lowercase_hyphenated(name, figure_folder):
    with pytest.raises(ValueError, match="lower-case letters, digits and hyphens"):
        plots.save(line_figure(), name)
    plt.close("all")


def test_save_rejects_what_is_not_a_figure(figure_folder):
    with pytest.raises(TypeError, match="matplotlib Figure"):
        plots.save(np.zeros((3, 3)), "array")


def test_palette_colours_are_distinct_hex_codes():
    assert len(set(plots.PALETTE)) == len(plots.PALETTE) >= 8
    assert all(c.startswith("#") and len(c) == 7 for c in plots.PALETTE)
