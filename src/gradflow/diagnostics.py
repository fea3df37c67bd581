"""What to measure inside a network: one number per layer, read from a forward/backward cache.

Every function takes the cache of :func:`gradflow.nets.forward` (after :func:`gradflow.nets.backward`
for the gradient quantities) and returns a NumPy array indexed like the cache: entry l − 1 is layer l.

* Gradients, deltas, activation statistics and update ratios cover **every** layer, output included.
* ``dead_fraction`` and ``saturated_fraction`` cover the **hidden** layers only (all but the last):
  the output layer's activation is usually linear, or folded into the loss, so "dead" and "saturated"
  say nothing there. A net with no hidden layer gives an empty array.

Two functions take a net and a data set instead of a cache, because their definitions are about a
whole data set: :func:`dead_units` (which units are dead on X) and :func:`born_dead` (whether the
net's output is constant on X).

Examples
--------
>>> from gradflow import nets
>>> net = nets.mlp([2, 3, 1], "relu", np.random.default_rng(0))
>>> out, cache = nets.forward(net, np.ones((4, 2)))
>>> dead_fraction(cache).shape  # one hidden layer
(1,)
"""

from dataclasses import dataclass

import numpy as np

from gradflow import activations
from gradflow._checks import positive_float
from gradflow.nets import _check_cache, _check_layers, forward

# Where saturated_fraction looks for an activation's largest slope: wide enough for every
# activation in the registry to have reached its tails, fine enough to land next to a kink.
_SLOPE_GRID = np.linspace(-20.0, 20.0, 40001)


def _checked(cache, gradients=False):
    """Return ``cache`` unless it is not a list of layers, is empty, holds an empty batch, or lacks needed gradients."""
    _check_layers(cache)
    if len(cache) == 0:
        raise ValueError("cache is empty; pass the list returned by forward(net, X)")
    if cache[0].z.shape[0] == 0:
        raise ValueError("the cache holds an empty batch (0 samples); measure on at least one example")
    if gradients and any(layer.dW is None for layer in cache):
        raise ValueError("cache has no gradients yet; run backward(net, cache, dout) first")
    return cache


def gradient_norms(cache):
    r"""Frobenius norm of each layer's weight gradient, :math:`\lVert \partial L / \partial W^{(l)} \rVert_F`.

    Returns
    -------
    ndarray, shape (n_layers,)

    Examples
    --------
    >>> from gradflow import nets
    >>> net = nets.MLP([np.ones((1, 2))], [np.zeros(1)], "identity", "identity")
    >>> out, cache = nets.forward(net, [[3.0, 4.0]])
    >>> gradient_norms(nets.backward(net, cache, [[1.0]]))  # dW = [[3, 4]]
    array([5.])
    """
    return np.array([np.linalg.norm(layer.dW) for layer in _checked(cache, gradients=True)])


def delta_norms(cache):
    r"""Mean over samples of :math:`\lVert \delta^{(l)}_i \rVert_2`, the size of ∂L/∂z⁽ˡ⁾ per example.

    Returns
    -------
    ndarray, shape (n_layers,)

    Examples
    --------
    >>> from gradflow import nets
    >>> net = nets.MLP([np.eye(2)], [np.zeros(2)], "identity", "identity")
    >>> out, cache = nets.forward(net, np.zeros((2, 2)))
    >>> delta_norms(nets.backward(net, cache, [[3.0, 4.0], [0.0, 1.0]]))  # (5 + 1) / 2
    array([3.])
    """
    return np.array([np.linalg.norm(layer.delta, axis=1).mean() for layer in _checked(cache, gradients=True)])


@dataclass(frozen=True)
class ActivationStats:
    """Mean and standard deviation of z⁽ˡ⁾ and a⁽ˡ⁾ per layer, each an array of shape (n_layers,)."""

    z_mean: np.ndarray
    z_std: np.ndarray
    a_mean: np.ndarray
    a_std: np.ndarray


def activation_stats(cache):
    r"""Mean and standard deviation of each layer's pre-activations z and activations a.

    Each statistic pools all samples and all units of a layer, e.g.
    :math:`\bar z^{(l)} = \frac{1}{n\,n_l} \sum_{i,j} z^{(l)}_{ij}` (the standard deviation divides by
    n·n_l too), which is what variance-propagation arguments predict.

    Returns
    -------
    ActivationStats
        Fields ``z_mean``, ``z_std``, ``a_mean``, ``a_std``, each of shape (n_layers,).

    Examples
    --------
    >>> from gradflow import nets
    >>> net = nets.MLP([np.eye(2)], [np.zeros(2)], "relu", "relu")
    >>> out, cache = nets.forward(net, [[1.0, -1.0]])
    >>> stats = activation_stats(cache)
    >>> stats.z_mean, stats.a_mean
    (array([0.]), array([0.5]))
    """
    cache = _checked(cache)
    return ActivationStats(
        z_mean=np.array([layer.z.mean() for layer in cache]),
        z_std=np.array([layer.z.std() for layer in cache]),
        a_mean=np.array([layer.a.mean() for layer in cache]),
        a_std=np.array([layer.a.std() for layer in cache]),
    )


def saturated_fraction(cache, activation, tol=0.01):
    r"""Fraction of (sample, unit) pairs of each hidden layer where φ is nearly flat.

    A unit is saturated on a sample when its slope is below a fraction ``tol`` of the largest slope φ
    can have:

    .. math:: s^{(l)} = \frac{1}{n\,n_l} \#\bigl\{(i, j) : |\phi'(z^{(l)}_{ij})| < \mathrm{tol}\cdot M\bigr\},
              \qquad M = \max_x |\phi'(x)|,

    with M taken over a grid of x ∈ [−20, 20] in steps of 0.001 (M = 1/4 for sigmoid, 1 for tanh and
    ReLU). With ``tol=0.01`` a sigmoid unit counts as saturated when ``|z| > 5.99``, a tanh unit when
    ``|z| > 2.99``, and a ReLU unit wherever its slope is 0 (z < 0). An activation whose slope is 0
    everywhere (the step) has no M to compare with and is rejected: no unit of it passes a gradient.

    Parameters
    ----------
    cache : list of Layer
        From :func:`gradflow.nets.forward`.
    activation : str or Activation
        The hidden layers' φ.
    tol : float
        Relative slope threshold, > 0.

    Returns
    -------
    ndarray, shape (n_layers - 1,)
        One fraction per hidden layer.

    Examples
    --------
    >>> from gradflow import nets
    >>> net = nets.MLP([np.eye(4), np.ones((1, 4))], [np.zeros(4), np.zeros(1)], "sigmoid", "identity")
    >>> out, cache = nets.forward(net, [[0.0, 10.0, -10.0, 1.0]])  # z of the hidden layer
    >>> saturated_fraction(cache, "sigmoid")  # |z| = 10 is saturated, 0 and 1 are not
    array([0.5])
    """
    phi = activations.resolve(activation)
    largest = np.abs(phi.derivative(_SLOPE_GRID)).max()
    if largest == 0:
        raise ValueError(f"{phi.name}'s slope is 0 everywhere, so no unit passes a gradient and 'saturated' "
                         "(a slope below tol times the largest) means nothing; use it with a differentiable φ")
    threshold = positive_float("tol", tol) * largest
    return np.array([np.mean(np.abs(phi.derivative(layer.z)) < threshold) for layer in _checked(cache)[:-1]])


def dead_fraction(cache):
    r"""Fraction of each hidden layer's units that are inactive on every example of the batch.

    .. math:: d^{(l)} = \frac{1}{n_l} \#\bigl\{ j : z^{(l)}_{ij} \le 0 \text{ for all samples } i \bigr\}

    For ReLU such a unit outputs 0 and passes no gradient for the whole batch. The answer depends on
    the batch: measure on the data the net is trained on.

    Returns
    -------
    ndarray, shape (n_layers - 1,)
        One fraction per hidden layer.

    Examples
    --------
    >>> from gradflow import nets
    >>> net = nets.MLP([np.array([[1.0], [-1.0]]), np.ones((1, 2))], [np.zeros(2), np.zeros(1)],
    ...                "relu", "identity")
    >>> out, cache = nets.forward(net, [[1.0], [2.0]])  # unit 2 sees -1, -2
    >>> dead_fraction(cache)
    array([0.5])
    """
    return np.array([np.mean(_dead_mask(layer)) for layer in _checked(cache)[:-1]])


def _dead_mask(layer):
    """Which units of a cached layer have z ≤ 0 on every sample of the batch."""
    return np.all(layer.z <= 0, axis=0)


def dead_units(net, X):
    r"""Which hidden units are dead on the data set X: their pre-activation is never positive on it.

    .. math:: \mathrm{dead}^{(l)}_j \iff z^{(l)}_{ij} \le 0 \ \text{for every example } x_i \in X

    A dead ReLU unit outputs 0 on every example, so its incoming weights and its bias get no gradient
    from X and stay as they are: gradient descent on X cannot revive it (only a change in the layers
    below can). ``[m.mean() for m in dead_units(net, X)]`` equals ``dead_fraction(forward(net, X)[1])``.

    Parameters
    ----------
    net : MLP
    X : array_like, shape (n_samples, n_in)
        At least one example ("dead on no data" would hold vacuously and mean nothing).

    Returns
    -------
    list of ndarray of bool
        One mask of shape (n_l,) per hidden layer, True where the unit is dead.

    See Also
    --------
    dead_fraction : the same criterion as one fraction per layer, from a cache.
    born_dead : whether the whole net is dead on X.

    Examples
    --------
    >>> from gradflow import nets
    >>> net = nets.MLP([np.array([[1.0], [-1.0]]), np.ones((1, 2))], [np.zeros(2), np.zeros(1)],
    ...                "relu", "identity")
    >>> dead_units(net, [[1.0], [2.0]])  # unit 2 sees -1, -2
    [array([False,  True])]
    """
    return [_dead_mask(layer) for layer in forward(net, X)[1][:-1]]


def born_dead(net, X):
    r"""Whether the net's output is the same for every example of X: it computes a constant there.

    .. math:: \mathrm{born\ dead} \iff f(x_i) = f(x_1) \ \text{for every } x_i \in X

    Lu et al. (2019) call a ReLU net *born dead* when this holds at initialization over the whole
    input domain. For ReLU nets it happens (with probability 1 for continuous random weights) exactly
    when some hidden layer has **every** unit dead on X (:func:`dead_units`): that layer outputs the
    same vector for all examples, so every layer above does too. Then no gradient reaches the layers
    below it and training can only fit a constant. Equality is tested exactly: an all-dead layer makes
    the later rows bit-identical, whereas a living net's outputs differ.

    Parameters
    ----------
    net : MLP
    X : array_like, shape (n_samples, n_in)
        At least two examples (one output is always "constant").

    Returns
    -------
    bool

    Examples
    --------
    >>> from gradflow import nets
    >>> net = nets.MLP([np.array([[1.0], [-1.0]]), np.ones((1, 2))], [np.zeros(2), np.zeros(1)],
    ...                "relu", "identity")
    >>> born_dead(net, [[1.0], [2.0]]), born_dead(net, [[-1.0], [-2.0]]), born_dead(net, [[-1.0], [2.0]])
    (False, False, False)
    >>> net.biases[0][:] = -5.0  # now z ≤ 0 for every input in [-5, 5]: the hidden layer is dead
    >>> born_dead(net, [[-1.0], [2.0], [3.0]])
    True
    """
    if np.ndim(X) == 2 and np.shape(X)[0] == 1:
        raise ValueError("born_dead needs at least two examples in X to tell whether the output is constant")
    out = forward(net, X)[0]
    return bool(np.all(out == out[0]))


def update_ratios(net, cache, lr):
    r"""Size of an SGD update relative to the weights, :math:`\lVert \eta\, \partial L/\partial W^{(l)} \rVert_F
    / \lVert W^{(l)} \rVert_F`, per layer.

    A common rule of thumb puts healthy values near 1e-3; much larger means the step rewrites the
    weights, much smaller that the layer barely learns. Biases are not included. Call it before
    :func:`gradflow.nets.sgd_step` to relate the step to the weights it is applied to. A layer with
    W = 0 gives inf (nan if its gradient is 0 too).

    Parameters
    ----------
    net : MLP
    cache : list of Layer
        After :func:`gradflow.nets.backward` on ``net``.
    lr : float
        η, finite and > 0.

    Returns
    -------
    ndarray, shape (n_layers,)

    Examples
    --------
    >>> from gradflow import nets
    >>> net = nets.MLP([np.ones((1, 2))], [np.zeros(1)], "identity", "identity")
    >>> out, cache = nets.forward(net, [[3.0, 4.0]])
    >>> update_ratios(net, nets.backward(net, cache, [[1.0]]), lr=0.1)  # 0.1 * 5 / sqrt(2)
    array([0.35355339])
    """
    lr = positive_float("lr", lr)
    _check_cache(net, _checked(cache, gradients=True), gradients=True)
    weight_norms = np.array([np.linalg.norm(W) for W in net.weights])
    with np.errstate(divide="ignore", invalid="ignore"):
        return lr * gradient_norms(cache) / weight_norms
