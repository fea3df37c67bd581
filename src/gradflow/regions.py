r"""Linear pieces of a ReLU network along a line segment in input space.

On the segment :math:`x(t) = x_0 + t\,(x_1 - x_0)`, :math:`0 \le t \le 1`, a ReLU MLP is piecewise
linear in t: inside a piece every hidden unit keeps its sign, so every pre-activation is an affine
function :math:`z(t) = p + t\,s` of t. :func:`breakpoints` walks from piece to piece: in the current
piece it computes each unit's :math:`(p, s)` with the current on/off pattern and jumps to the first
:math:`t = -p/s` ahead, where some unit switches. The count is exact, up to rounding at points where
two units switch at the same t.

A piece ends where at least one of the n units of some layer switches, and inside one piece of the
first l − 1 layers the n units of layer l are affine in t and switch at most once each, so a net with
L hidden layers of width n has at most :math:`(n + 1)^L` pieces on any segment.

>>> net = nets.MLP([np.array([[1.0]]), np.array([[1.0]])], [np.array([-0.5]), np.zeros(1)], "relu", "identity")
>>> breakpoints(net, [0.0], [1.0])  # the unit switches on at x = 0.5
array([0.5])
"""

import numpy as np

from gradflow import nets


def _affine_forms(net, start, direction, t):
    """Pre-activation forms (p, s) of every hidden layer in the piece that starts at t, with z(t) = p + t s."""
    offset, slope, forms = start[None, :], direction[None, :], []
    for W, b in zip(net.weights[:-1], net.biases[:-1]):
        p, s = offset @ W.T + b, slope @ W.T
        at_t = p + t * s
        # On the piece just after t: on if z(t) > 0, or if z(t) = 0 (to rounding: the unit that switches
        # at t) and rising.
        at_zero = np.abs(at_t) <= 1e-12 * (np.abs(p) + np.abs(t * s) + 1)
        on = np.where(at_zero, s > 0, at_t > 0)
        forms.append((p, s))
        offset, slope = p * on, s * on
    return forms


def breakpoints(net, start, end):
    """The values of t in (0, 1) where the pieces of ``net`` meet along ``start + t (end − start)``.

    Parameters
    ----------
    net : gradflow.nets.MLP
        With ReLU hidden layers.
    start, end : array_like, shape (n_in,)
        Ends of the segment.

    Returns
    -------
    ndarray
        Increasing breakpoints; the segment crosses ``len(result) + 1`` linear pieces.

    Raises
    ------
    ValueError
        For a net whose hidden activation is not ReLU, or ends of the wrong shape.
    """
    if net.activation.name != "relu":
        raise ValueError(f"breakpoints counts the pieces of ReLU nets, got hidden activation {net.activation.name!r}")
    start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    if start.shape != (net.widths[0],) or end.shape != start.shape:
        raise ValueError(f"start and end must have shape ({net.widths[0]},), got {start.shape} and {end.shape}")
    direction, found, t = end - start, [], 0.0
    while True:
        ahead = []
        for p, s in _affine_forms(net, start, direction, t):
            with np.errstate(divide="ignore", invalid="ignore"):
                crossing = -p / s
            ahead.append(crossing[(s != 0) & (crossing > t + 1e-12)])
        t = min((candidates.min() for candidates in ahead if candidates.size), default=np.inf)
        if t >= 1:
            return np.array(found)
        found.append(t)


def count_pieces(net, start, end):
    """Number of linear pieces of ``net`` along the segment from ``start`` to ``end``.

    >>> net = nets.mlp([2, 8, 8, 1], "relu", np.random.default_rng(0))
    >>> count_pieces(net, [-1.0, 0.0], [1.0, 0.0]) <= (8 + 1) ** 2
    True
    """
    return len(breakpoints(net, start, end)) + 1
