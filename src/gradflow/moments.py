r"""Gaussian moments of the activations: the numbers of the zoo table.

For a pre-activation :math:`Z \sim \mathcal{N}(0, 1)`, the mean :math:`\mathbb{E}[\varphi(Z)]` says how far
from zero-centred an activation's outputs are, :math:`\mathbb{E}[\varphi(Z)^2]` how much signal it keeps
(a layer with weights of variance :math:`\sigma_w^2 / n` and zero biases maps
:math:`\mathbb{E}[z^2] = 1` to :math:`\sigma_w^2\,\mathbb{E}[\varphi(Z)^2]`, so
:math:`\sigma_w^2 = 1/\mathbb{E}[\varphi(Z)^2]` keeps it at 1), and :math:`\mathbb{E}[\varphi'(Z)^2]` how
much gradient its derivative factor passes back.

The expectations are integrals against the normal density over [−12, 12] (the mass outside is below
1e-32), by Gauss--Legendre quadrature on each piece between 0 and the activation's ``kinks``. Every
registered activation is analytic away from those points (ELU's φ″ and softsign's φ″ jump at 0 although
they have no kink), so on each piece the integrand is smooth and the rule converges to machine
precision.

>>> round(mean(activations.get("relu")), 6)  # 1/√(2π)
0.398942
"""

import math

import numpy as np
from scipy import special

from gradflow import activations

#: The gains of PyTorch's ``torch.nn.init.calculate_gain`` (its documentation's table), for the
#: activations it lists; it raises for any other name. A weight of standard deviation gain/√n has
#: variance gain²/n, to be compared with :func:`weight_variance`.
PYTORCH_GAINS = {
    "identity": 1.0,
    "sigmoid": 1.0,
    "tanh": 5 / 3,
    "relu": math.sqrt(2),
    "leaky_relu": math.sqrt(2 / (1 + 0.01**2)),  # its default negative_slope, 0.01, as the registry's
    "selu": 3 / 4,
}


#: Where the normal density is cut off, and the Gauss--Legendre rule used on each piece.
_CUTOFF = 12.0
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(200)


def _pieces(activation):
    edges = [-math.inf, *sorted({0.0, *activation.kinks}), math.inf]
    return list(zip(edges[:-1], edges[1:]))


def _normal_pdf(z):
    return np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def gaussian_expectation(f, activation):
    r""":math:`\mathbb{E}[f(Z)]` for :math:`Z \sim \mathcal{N}(0, 1)`, integrated piece by piece between 0 and ``activation``'s kinks.

    Parameters
    ----------
    f : callable
        An elementwise function of an array, smooth between 0 and the kinks of ``activation``.
    activation : str or Activation

    Returns
    -------
    float

    >>> round(gaussian_expectation(lambda z: z * z, "relu"), 12)
    1.0
    """
    activation = activations.resolve(activation)
    total = 0.0
    for low, high in _pieces(activation):
        low, high = max(low, -_CUTOFF), min(high, _CUTOFF)
        half = (high - low) / 2
        z = low + half * (_NODES + 1)
        total += half * float(np.dot(_WEIGHTS, f(z) * _normal_pdf(z)))
    return total


def mean(activation):
    r""":math:`\mathbb{E}[\varphi(Z)]`, zero for an activation whose outputs are centred.

    >>> abs(mean("tanh")) < 1e-15
    True
    """
    activation = activations.resolve(activation)
    return gaussian_expectation(activation, activation)


def second_moment(activation):
    r""":math:`\mathbb{E}[\varphi(Z)^2]`, the signal a layer keeps.

    >>> round(second_moment("relu"), 12)
    0.5
    """
    activation = activations.resolve(activation)
    return gaussian_expectation(lambda z: activation(z) ** 2, activation)


def slope_second_moment(activation):
    r""":math:`\mathbb{E}[\varphi'(Z)^2]`, the mean squared derivative factor of BP2.

    >>> round(slope_second_moment("relu"), 12)
    0.5
    """
    activation = activations.resolve(activation)
    return gaussian_expectation(lambda z: activation.derivative(z) ** 2, activation)


def weight_variance(activation):
    r"""The :math:`\sigma_w^2 = 1/\mathbb{E}[\varphi(Z)^2]` that keeps :math:`\mathbb{E}[z^2] = 1` through a layer.

    >>> round(weight_variance("relu"), 12)  # He et al. (2015)
    2.0
    """
    return 1 / second_moment(activation)


def zero_slope_probability(activation):
    r""":math:`P(\varphi'(Z) = 0)`: the share of unit-Gaussian pre-activations that pass no gradient.

    φ′ is exactly 0 only on whole pieces between kinks (where the formula's slope is the constant 0), so
    each piece is tested at points inside it and contributes its normal probability if φ′ is 0 at all.

    >>> zero_slope_probability("relu"), zero_slope_probability("sigmoid")
    (0.5, 0.0)
    """
    activation = activations.resolve(activation)
    probability = 0.0
    for low, high in _pieces(activation):
        inside = np.linspace(max(low, -10.0), min(high, 10.0), 7)[1:-1]
        if np.all(activation.derivative(inside) == 0):
            probability += special.ndtr(high) - special.ndtr(low)
    return float(probability)


def max_slope(activation):
    r""":math:`\sup |\varphi'|`, on a grid of step :math:`10^{-3}` over :math:`[-10, 10]` and at the kinks.

    >>> max_slope("sigmoid"), max_slope("hard_swish")
    (0.25, 1.5)
    """
    activation = activations.resolve(activation)
    x = np.concatenate([np.linspace(-10, 10, 20_001), activation.kinks])
    return float(np.abs(activation.derivative(x)).max())
