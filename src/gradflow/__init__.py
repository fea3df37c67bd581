"""gradflow: the helper package of *Activation Functions and Gradient Flow*.

Each module owns one idea: ``activations`` (the registry of activation functions), ``nets`` (a small
NumPy MLP with inspectable caches), ``init`` (weight initializers), ``diagnostics`` (what to measure
inside a network), ``plots`` (the book's figure style and ``save``), ``widgets`` (live controls with a
static no-kernel twin), ``exercises`` (auto-checkers for the reader's code), ``optimizers`` (update
rules), ``training`` (the one training loop), ``monitors`` (a hook recording per-layer statistics)
and ``normalization`` (batch norm's running statistics, layer norm, pre-/post-norm blocks).
"""

__version__ = "0.1.0"

from gradflow import activations, approximation, data, diagnostics, dying, ensembles, exercises, init, monitors, nets, normalization, optimizers, plots, recurrent, remedies, theory, training, widgets

__all__ = ["activations", "approximation", "data", "diagnostics", "dying", "ensembles", "exercises", "init", "monitors", "nets", "normalization", "optimizers", "plots", "recurrent", "remedies", "theory", "training", "widgets"]
