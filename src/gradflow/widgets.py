"""Live figures that still work without a kernel.

:func:`interactive_figure` turns a plotting function of a few parameters into one notebook output
that carries two views of the same figure:

- with a running kernel (JupyterLab, Colab), ipywidgets controls redraw the figure live;
- in the static HTML book, a no-kernel *twin* shows precomputed frames, one per combination of the
  listed parameter values, switched by plain HTML range sliders and a few lines of JavaScript.

Front ends pick the view they can show: Jupyter prefers the widget, the book is configured to prefer
the HTML. The twin's element id is a hash of its frames, so re-running a chapter yields identical
output (nbval compares it) instead of a fresh random id.

The twin speaks to screen readers too: each slider's ``aria-valuetext`` says the setting ("w = 0.5",
not the frame index "0"), and the image's alt text ends with the settings of the frame it shows.
"""

import base64
import hashlib
import inspect
import io
import itertools
import json
import math
from html import escape

import ipywidgets
import matplotlib.figure
import matplotlib.pyplot as plt
import numpy as np

#: Most frames a static twin may hold; each frame is a PNG embedded in the page.
MAX_FRAMES = 40

_SCRIPT = """
(function () {
  const root = document.getElementById("%s");
  const frames = JSON.parse(root.querySelector("script.gradflow-frames").textContent);
  const img = root.querySelector("img");
  const sliders = Array.from(root.querySelectorAll("input[type=range]"));
  function show() {
    const settings = sliders.map(function (s) {
      const label = JSON.parse(s.dataset.values)[s.value];
      s.parentElement.querySelector("output").textContent = label;
      s.setAttribute("aria-valuetext", s.getAttribute("aria-label") + " = " + label);
      return s.getAttribute("aria-valuetext");
    });
    img.src = frames[sliders.map(function (s) { return s.value; }).join(",")];
    img.alt = img.dataset.description + ": " + settings.join(", ");
  }
  sliders.forEach(function (s) { s.addEventListener("input", show); });
})();
"""


def render_png(fig, dpi=80):
    """Render a figure to PNG bytes (without date or software metadata) and close it.

    >>> fig = plt.figure(figsize=(1, 1))
    >>> render_png(fig, dpi=10)[:4]
    b'\\x89PNG'
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


class InteractiveFigure:
    """A figure with live controls and a static twin; build it with :func:`interactive_figure`.

    Attributes
    ----------
    controls : dict[str, ipywidgets.Widget]
        One live control per parameter; setting ``.value`` redraws :attr:`image`.
    image : ipywidgets.Image
        The live figure as PNG.
    values : dict[str, list]
        For each parameter, the values the static twin precomputes.
    frames : dict[tuple, bytes]
        The static twin's PNG frames, keyed by the tuple of parameter values.
    """

    def __init__(self, plot, values, alt, dpi):
        self._plot, self.values, self._dpi = plot, values, dpi
        self.defaults = _defaults(plot, values)
        self.frames = {
            combo: self._render(dict(zip(values, combo))) for combo in itertools.product(*values.values())
        }
        self.alt = alt
        self.image = ipywidgets.Image(value=self.frames[tuple(self.defaults.values())], format="png")
        self.controls = {name: _control(name, options, self.defaults[name]) for name, options in values.items()}
        for control in self.controls.values():
            control.observe(self._redraw, names="value")
        # flex-start keeps the image at its own size instead of stretching it to the cell's width.
        self.widget = ipywidgets.VBox([ipywidgets.HBox(list(self.controls.values())), self.image],
                                      layout=ipywidgets.Layout(align_items="flex-start"))

    def _render(self, params):
        fig = self._plot(**params)
        if not isinstance(fig, matplotlib.figure.Figure):
            raise TypeError(f"{self._plot.__name__} must return a matplotlib Figure, got {type(fig).__name__}")
        return render_png(fig, self._dpi)

    def _redraw(self, _change=None):
        self.image.value = self._render({name: control.value for name, control in self.controls.items()})

    def static_html(self):
        """The no-kernel twin: an ``<img>``, one range slider per parameter, and the frames."""
        uris = {
            ",".join(str(values.index(v)) for values, v in zip(self.values.values(), combo)):
            "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            for combo, png in self.frames.items()
        }
        frames_json = json.dumps(uris, sort_keys=True)
        element_id = "gradflow-" + hashlib.sha256(frames_json.encode()).hexdigest()[:16]
        first = uris[",".join(str(v.index(self.defaults[k])) for k, v in self.values.items())]
        settings = {name: f"{name} = {_label(value)}" for name, value in self.defaults.items()}
        # The <output> shows the value to sighted readers; screen readers hear it as the slider's
        # aria-valuetext instead, so it is hidden from them rather than announced twice.
        sliders = "".join(
            f'<label class="gradflow-control">{escape(name)} = '
            f'<output aria-hidden="true">{escape(_label(self.defaults[name]))}</output> '
            f'<input type="range" min="0" max="{len(options) - 1}" step="1" '
            f'value="{options.index(self.defaults[name])}" aria-label="{escape(name)}" '
            f'aria-valuetext="{escape(settings[name])}" '
            f"data-values='{escape(json.dumps([_label(v) for v in options]))}'></label> "
            for name, options in self.values.items()
        )
        alt = f"{self.alt}: {', '.join(settings.values())}"
        return (
            f'<figure class="gradflow-twin" id="{element_id}">'
            f'<div class="gradflow-controls">{sliders}</div>'
            f'<img src="{first}" alt="{escape(alt)}" data-description="{escape(self.alt)}">'
            f'<script type="application/json" class="gradflow-frames">{frames_json}</script>'
            f"</figure><script>{_SCRIPT % element_id}</script>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_()
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self.static_html()
        return bundle

    def __repr__(self):
        controls = ", ".join(f"{name}={options!r}" for name, options in self.values.items())
        return f"<interactive figure {self._plot.__name__}({controls}): {len(self.frames)} frames>"


def interactive_figure(plot, alt=None, dpi=80, **values):
    """Give a plotting function live controls and a precomputed no-kernel twin.

    Parameters
    ----------
    plot : callable
        ``plot(**params) -> matplotlib.figure.Figure``, with a default for every parameter listed in
        ``values``; each default must be one of that parameter's values.
    alt : str, optional
        Text alternative for the figure (defaults to a description of the function and parameters);
        the static twin appends the setting of the frame it shows ("...: w = 1, b = 0").
    dpi : int
        Resolution of the frames.
    **values : sequence
        For each parameter, the values the static twin precomputes (at most ``MAX_FRAMES``
        combinations in all). Evenly spaced numbers get a continuous live slider, other numbers a
        selection slider, strings a drop-down.

    Returns
    -------
    InteractiveFigure
        Display it (last expression of a cell) to show the controls and the figure.

    >>> def line(slope=1.0):
    ...     fig, ax = plt.subplots(figsize=(2, 1))
    ...     ax.plot([0, 1], [0, slope])
    ...     return fig
    >>> live = interactive_figure(line, slope=[0.5, 1.0, 2.0], dpi=20)
    >>> live
    <interactive figure line(slope=[0.5, 1.0, 2.0]): 3 frames>
    >>> before = live.image.value
    >>> live.controls["slope"].value = 2.0
    >>> live.image.value != before
    True
    """
    if not callable(plot):
        raise TypeError(f"plot must be a function returning a matplotlib Figure, got {type(plot).__name__}")
    if not values:
        raise ValueError("give at least one parameter with its values, e.g. interactive_figure(plot, slope=[1, 2])")
    values = {name: _check_values(name, options) for name, options in values.items()}
    count = math.prod(len(options) for options in values.values())  # Python ints: no overflow to 0
    if count > MAX_FRAMES:
        raise ValueError(f"{count} frames requested; a static twin holds at most {MAX_FRAMES}: list fewer values")
    alt = alt or f"{plot.__name__} for " + ", ".join(values)
    return InteractiveFigure(plot, values, alt, dpi)


def _check_values(name, options):
    if isinstance(options, (str, bytes)) or not hasattr(options, "__len__") or len(options) == 0:
        raise ValueError(f"values for {name!r} must be a non-empty list, e.g. {name}=[0.5, 1, 2]; got {options!r}")
    options = list(options)
    if len(set(options)) != len(options):
        raise ValueError(f"values for {name!r} repeat: {options}")
    return options


def _defaults(plot, values):
    parameters = inspect.signature(plot).parameters
    defaults = {}
    for name, options in values.items():
        if name not in parameters or parameters[name].default is inspect.Parameter.empty:
            raise ValueError(f"{plot.__name__} needs a parameter {name!r} with a default value")
        default = parameters[name].default
        if default not in options:
            raise ValueError(f"default {name}={default!r} of {plot.__name__} is not among the values {options}")
        defaults[name] = default
    return defaults


def _label(value):
    return value if isinstance(value, str) else f"{value:g}"


def _control(name, options, default):
    if all(isinstance(v, str) for v in options):
        return ipywidgets.Dropdown(options=options, value=default, description=name)
    steps = np.diff(np.asarray(options, dtype=float))
    if len(options) > 1 and np.allclose(steps, steps[0]) and steps[0] > 0:
        if all(isinstance(v, (int, np.integer)) for v in options):
            return ipywidgets.IntSlider(value=default, min=min(options), max=max(options), step=int(steps[0]),
                                        description=name)
        return ipywidgets.FloatSlider(value=default, min=min(options), max=max(options), step=float(steps[0]),
                                      description=name)
    return ipywidgets.SelectionSlider(options=options, value=default, description=name)
