r"""Universal approximation made concrete: one hidden layer of fixed units, output weights by least squares.

A one-hidden-layer net on a scalar input computes

.. math:: f(x) = v_0 + \sum_{j=1}^{n} v_j\, \phi\bigl(s\,(x - c_j)\bigr).

Fix the hidden units (slope :math:`s`, centres :math:`c_j` evenly spaced over the data) and the output
weights :math:`v` solve a linear least-squares problem, with no training loop. For every continuous
non-polynomial φ such sums can approximate any continuous function on an interval (Cybenko 1989;
Hornik et al. 1989; Leshno et al. 1993); :func:`shallow_fit` shows how fast the error falls with n.
"""

import numpy as np

from gradflow import nets
from gradflow._checks import check_finite, positive_float, positive_int


def shallow_fit(x, y, n_units, activation, slope=None):
    r"""Fit :math:`y \approx v_0 + \sum_j v_j \phi(s(x - c_j))` with fixed hidden units, by least squares.

    .. math:: c_j = x_{\min} + (j - 1) \frac{x_{\max} - x_{\min}}{n}, \qquad
              v = \arg\min_v \sum_i \Bigl(v_0 + \sum_j v_j \phi\bigl(s(x_i - c_j)\bigr) - y_i\Bigr)^2

    The centres are the left ends of n equal cells of the data's range; the default slope
    :math:`s = n / (x_{\max} - x_{\min})` makes each sigmoid rise from 12% to 88% over four cells. For ReLU the
    slope does not matter (it is absorbed by :math:`v_j`): the first unit is linear on all the data and
    the fit is the best continuous piecewise-linear function with kinks at the other centres.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_samples, 1)
        Scalar inputs, finite, with at least two distinct values.
    y : array_like, shape (n_samples,) or (n_samples, 1)
        Targets, finite.
    n_units : int
        Hidden units n ≥ 1.
    activation : str or Activation
        φ of the hidden layer (a registry name such as ``"relu"`` or ``"sigmoid"``).
    slope : float, optional
        s > 0; defaults to :math:`n / (x_{\max} - x_{\min})`.

    Returns
    -------
    MLP
        Widths ``[1, n_units, 1]``, hidden weights :math:`s`, hidden biases :math:`-s c_j`, a linear
        output; ``net(x.reshape(-1, 1))`` evaluates the fit.

    See Also
    --------
    gradflow.nets.mlp : the same architecture with random weights, for training by gradient descent.

    Examples
    --------
    >>> x = np.linspace(-1.0, 1.0, 5)
    >>> net = shallow_fit(x, np.abs(x), n_units=2, activation="relu")  # centres -1 and 0
    >>> net
    MLP([1, 2, 1], activation='relu', output='identity')
    >>> net(x.reshape(-1, 1)).ravel().round(12) + 0.0  # + 0.0 turns -0.0 into 0.0
    array([1. , 0.5, 0. , 0.5, 1. ])
    """
    x = _as_column("x", x)
    y = _as_column("y", y)
    if len(y) != len(x):
        raise ValueError(f"x and y must hold the same number of samples, got {len(x)} and {len(y)}")
    n_units = positive_int("n_units", n_units)
    lo, hi = float(x.min()), float(x.max())
    if hi == lo:
        raise ValueError(f"x must contain at least two distinct values to span an interval, got only {lo}")
    slope = n_units / (hi - lo) if slope is None else positive_float("slope", slope)
    centres = lo + np.arange(n_units) * (hi - lo) / n_units
    hidden = nets.MLP([np.full((n_units, 1), slope)], [-slope * centres], activation, activation)
    features = np.hstack([hidden(x), np.ones((len(x), 1))])
    v, *_ = np.linalg.lstsq(features, y, rcond=None)
    return nets.MLP(
        [hidden.weights[0], v[:-1].T.copy()], [hidden.biases[0], v[-1].copy()], activation, "identity"
    )


def _as_column(name, values):
    """``values`` as a float64 column of shape (n, 1), after checking the shape and finiteness."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or len(array) == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array (or one column), got shape {array.shape}")
    check_finite(name, array)
    return array[:, None]
