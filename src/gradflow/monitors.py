r"""A training hook that records what a practitioner watches: per-layer gradients, updates and saturation.

:class:`Recorder` is passed to :func:`gradflow.training.train` as a hook. After every step it stores,
for every layer l (and, for a :class:`~gradflow.training.Stack`, every net):

* the loss of the batch;
* the gradient norm :math:`\lVert\partial L/\partial W^{(l)}\rVert_F`;
* the update-to-data ratio :math:`\lVert\Delta W^{(l)}\rVert_F / \lVert W^{(l)}\rVert_F` (W before the step);
* for hidden layers, the *saturated fraction*: the share of (sample, unit) pairs where
  :math:`|\phi'(z)| < \mathrm{tol}\cdot\max|\phi'|` (tanh: ``|tanh z|`` above about 0.975 for tol = 0.05;
  ReLU: z ≤ 0), and the *dead fraction*: the share of units with z ≤ 0 on every sample of the batch;

and at the steps listed in ``snapshots`` a copy of every hidden layer's activations and weight
gradients, for histograms. Statistics cost a few reductions per layer per step, and only when the
hook is used.

>>> from gradflow import nets, optimizers, training
>>> rng = np.random.default_rng(0)
>>> X, labels = rng.normal(size=(64, 3)), rng.integers(0, 2, size=64)
>>> recorder = Recorder("tanh", snapshots=[0])
>>> history = training.train(training.Net(nets.mlp([3, 8, 8, 2], "tanh", rng)), X, labels, rng=rng,
...                          optimizer=optimizers.sgd(0.1), epochs=2, hooks=[recorder])
>>> recorder.grad_norm.shape, recorder.saturated.shape, sorted(recorder.snapshots)
((4, 3), (4, 2), [0])
"""

import numpy as np

from gradflow import activations
from gradflow._checks import positive_float


def _norms(arrays):
    """Frobenius norm of each array over its last two axes (one value per net of a stack)."""
    return np.array([np.sqrt((a * a).sum(axis=(-2, -1))) for a in arrays])


class Recorder:
    """A hook for :func:`gradflow.training.train` recording per-layer statistics at every step.

    After training, the attributes are arrays with steps first, then (for a stack) nets, then layers:
    ``loss`` (steps[, K]), ``grad_norm`` and ``update_ratio`` (steps[, K], L), ``saturated`` and
    ``dead`` (steps[, K], L − 1). ``snapshots[t]`` holds ``"a"`` and ``"dW"``, lists of the hidden
    layers' activations and all layers' weight gradients at step t.

    Parameters
    ----------
    activation : str or Activation
        φ of the hidden layers (for the saturated fraction).
    snapshots : iterable of int
        Steps at which to keep copies for histograms.
    tol : float
        Relative slope below which a unit counts as saturated on a sample.
    """

    def __init__(self, activation, snapshots=(), tol=0.05):
        self.activation = activations.resolve(activation)
        grid = np.linspace(-20.0, 20.0, 40001)
        self.threshold = positive_float("tol", tol) * np.abs(self.activation.derivative(grid)).max()
        self.snapshot_steps = set(int(s) for s in snapshots)
        self.snapshots = {}
        self._rows = {"loss": [], "grad_norm": [], "update_ratio": [], "saturated": [], "dead": []}

    def __call__(self, step):
        layers = step.cache
        n_layers = len(layers)
        # Parameters come as [W1, b1, W2, b2, ...] (then, for batch norm, γ and β).
        weights, updates = step.params[0 : 2 * n_layers : 2], step.updates[0 : 2 * n_layers : 2]
        before = _norms([W - dW for W, dW in zip(weights, updates)])
        rows = self._rows
        rows["loss"].append(np.asarray(step.loss, dtype=float))
        rows["grad_norm"].append(_norms([layer.dW for layer in layers]).T)
        rows["update_ratio"].append((_norms(updates) / before).T)
        slopes = [np.abs(self.activation.derivative(layer.z)) for layer in layers[:-1]]
        rows["saturated"].append(np.array([(s < self.threshold).mean(axis=(-2, -1)) for s in slopes]).T)
        rows["dead"].append(np.array([np.all(layer.z <= 0, axis=-2).mean(axis=-1) for layer in layers[:-1]]).T)
        if step.step in self.snapshot_steps:
            self.snapshots[step.step] = {"a": [layer.a.copy() for layer in layers[:-1]],
                                         "dW": [layer.dW.copy() for layer in layers]}

    def __getattr__(self, name):
        rows = self.__dict__.get("_rows", {})
        if name in rows:
            return np.array(rows[name])
        raise AttributeError(f"Recorder has no attribute {name!r}")

    def __repr__(self):
        return f"Recorder({self.activation.name}, {len(self._rows['loss'])} steps recorded)"
