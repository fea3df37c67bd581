"""gradflow: the helper package of *Activation Functions and Gradient Flow*.

Each module owns one idea: ``activations`` (the registry of activation functions), ``nets`` (a small
NumPy MLP with inspectable caches), ``init`` (weight initializers), ``layers`` (gated units, maxout and networks as lists of layers), ``moments`` (Gaussian moments of the activations), ``regions`` (linear pieces of ReLU nets along a line), ``diagnostics`` (what to measure
inside a network), ``plots`` (the book's figure style and ``save``), ``widgets`` (live controls with a
static no-kernel twin), ``exercises`` (auto-checkers for the reader's code), ``solutions`` (a solution's printed check, folded), ``optimizers`` (update
rules), ``training`` (the one training loop), ``monitors`` (a hook recording per-layer statistics)
and ``normalization`` (batch norm's running statistics, layer norm, pre-/post-norm blocks).
"""

__version__ = "0.1.0"

from gradflow import activations, approximation, data, diagnostics, dying, exercises, init, layers, moments, monitors, nets, normalization, optimizers, plots, recurrent, regions, remedies, solutions, theory, training, widgets

__all__ = ["activations", "approximation", "data", "diagnostics", "dying", "exercises", "init", "layers", "moments", "monitors", "nets", "normalization", "optimizers", "plots", "recurrent", "regions", "remedies", "solutions", "theory", "training", "widgets"]
