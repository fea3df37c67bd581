r"""Optimizers as pairs of functions: ``init(params) -> state`` and ``update(grads, state, params) -> (params, state)``.

Each optimizer is the update rule as its paper writes it, for a list of parameter arrays of any shape
(a stack of nets on a leading axis is just another shape: every rule here acts elementwise). ``update``
writes the new values into the arrays of ``params`` and returns that same list, so a net holding
those arrays sees the step; the state is a dict of new arrays. The step count t starts at 1.

==========  ===================================================================  =====================
name        update (g = gradient, η = learning rate)                             source
==========  ===================================================================  =====================
sgd         θ ← θ − η g                                                          Robbins & Monro 1951
momentum    v ← μ v + g,  θ ← θ − η v                                            PyTorch ``SGD``
rmsprop     s ← ρ s + (1 − ρ) g²,  θ ← θ − η g / (√s + ε)                        Hinton 2012, PyTorch
adam        m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η m̂ / (√v̂ + ε)         Kingma & Ba 2015
adamw       Adam's step plus the decoupled decay θ ← θ − λθ                       Loshchilov & Hutter 2019
==========  ===================================================================  =====================

>>> opt = adam(lr=0.1)
>>> params = [np.array([1.0, -2.0])]
>>> params, state = opt.update([np.array([0.5, -0.5])], opt.init(params), params)
>>> params[0]  # Adam's first step moves every coordinate by η times the sign of its gradient
array([ 0.9, -1.9])
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from gradflow._checks import positive_float


@dataclass(frozen=True)
class Optimizer:
    """An update rule: ``init(params) -> state`` and ``update(grads, state, params) -> (params, state)``."""

    name: str
    init: Callable
    update: Callable
    hyper: dict

    def __repr__(self):
        return f"{self.name}({', '.join(f'{k}={v:g}' for k, v in self.hyper.items())})"


def _fraction(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def _zeros(params):
    return [np.zeros_like(p) for p in params]


def _check(grads, params):
    if len(grads) != len(params) or any(np.shape(g) != np.shape(p) for g, p in zip(grads, params)):
        raise ValueError(
            f"grads must match params one for one in shape: got {[np.shape(g) for g in grads]} "
            f"for params {[np.shape(p) for p in params]}"
        )


def sgd(lr):
    r"""Plain gradient descent, :math:`\theta \leftarrow \theta - \eta g`.

    >>> opt = sgd(lr=0.5)
    >>> opt.update([np.array([2.0])], opt.init([np.zeros(1)]), [np.array([1.0])])[0]
    [array([0.])]
    """
    lr = positive_float("lr", lr)

    def update(grads, state, params):
        _check(grads, params)
        for p, g in zip(params, grads):
            p -= lr * g
        return params, state

    return Optimizer("sgd", lambda params: {}, update, {"lr": lr})


def momentum(lr, mu=0.9):
    r"""Gradient descent with (heavy-ball) momentum, in PyTorch's convention.

    .. math:: v_t = \mu v_{t-1} + g_t, \qquad \theta_t = \theta_{t-1} - \eta v_t, \qquad v_0 = 0

    (``torch.optim.SGD(momentum=μ)`` with dampening 0; Sutskever et al. 2013 write
    :math:`v_t = \mu v_{t-1} - \eta g_t,\ \theta_t = \theta_{t-1} + v_t`, the same steps for a
    constant η.) A constant gradient is eventually followed with step η g / (1 − μ).

    >>> opt = momentum(lr=1.0, mu=0.5)
    >>> params, g = [np.zeros(1)], [np.ones(1)]
    >>> state = opt.init(params)
    >>> for _ in range(2): params, state = opt.update(g, state, params)
    >>> params[0]  # −(1) − (0.5 + 1)
    array([-2.5])
    """
    lr, mu = positive_float("lr", lr), _fraction("mu", mu)

    def update(grads, state, params):
        _check(grads, params)
        for p, g, v in zip(params, grads, state["v"]):
            v *= mu
            v += g
            p -= lr * v
        return params, state

    return Optimizer("momentum", lambda params: {"v": _zeros(params)}, update, {"lr": lr, "mu": mu})


def rmsprop(lr, rho=0.99, eps=1e-8):
    r"""RMSProp: divide each coordinate's step by the running root-mean-square of its gradient.

    .. math:: s_t = \rho s_{t-1} + (1 - \rho) g_t^2, \qquad
              \theta_t = \theta_{t-1} - \eta \frac{g_t}{\sqrt{s_t} + \varepsilon}, \qquad s_0 = 0

    Hinton's lecture (Neural Networks for Machine Learning, 2012, lecture 6e) introduced it with
    ρ = 0.9 and no ε; the defaults here are PyTorch's ``torch.optim.RMSprop`` (ρ = ``alpha`` = 0.99,
    ε = 1e-8 added *outside* the square root). No bias correction: the first step is
    η g / (√(1−ρ)|g| + ε), ten times η for ρ = 0.99.

    >>> opt = rmsprop(lr=0.01, rho=0.99, eps=0.0)
    >>> opt.update([np.array([3.0])], opt.init([np.zeros(1)]), [np.zeros(1)])[0][0].round(6)
    array([-0.1])
    """
    lr, rho = positive_float("lr", lr), _fraction("rho", rho)
    eps = _nonnegative("eps", eps)

    def update(grads, state, params):
        _check(grads, params)
        for p, g, s in zip(params, grads, state["s"]):
            s *= rho
            s += (1 - rho) * g * g
            p -= lr * g / (np.sqrt(s) + eps)
        return params, state

    return Optimizer("rmsprop", lambda params: {"s": _zeros(params)}, update, {"lr": lr, "rho": rho, "eps": eps})


def _nonnegative(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")
    return float(value)


def _adam(name, lr, beta1, beta2, eps, weight_decay):
    lr, beta1, beta2 = positive_float("lr", lr), _fraction("beta1", beta1), _fraction("beta2", beta2)
    eps, weight_decay = _nonnegative("eps", eps), _nonnegative("weight_decay", weight_decay)

    def init(params):
        return {"t": 0, "m": _zeros(params), "v": _zeros(params)}

    def update(grads, state, params):
        _check(grads, params)
        t = state["t"] + 1
        # Bias correction folded into the step size (Kingma & Ba 2015, end of section 2).
        # Python floats, so that float32 parameters stay float32 (NumPy 2 promotes for NumPy scalars).
        step = lr * (1 - beta2**t) ** 0.5 / (1 - beta1**t)
        eps_hat = eps * (1 - beta2**t) ** 0.5
        for p, g, m, v in zip(params, grads, state["m"], state["v"]):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            if weight_decay:
                p *= 1 - weight_decay
            p -= step * m / (np.sqrt(v) + eps_hat)
        return params, {"t": t, "m": state["m"], "v": state["v"]}

    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps}
    return Optimizer(name, init, update, hyper | ({"weight_decay": weight_decay} if name == "adamw" else {}))


def adam(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    r"""Adam (Kingma & Ba 2015, Algorithm 1), with bias correction.

    .. math:: m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,
              \quad \hat m_t = \frac{m_t}{1-\beta_1^t}, \quad \hat v_t = \frac{v_t}{1-\beta_2^t},
              \quad \theta_t = \theta_{t-1} - \eta \frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon}

    Computed in the paper's equivalent form :math:`\eta_t = \eta\sqrt{1-\beta_2^t}/(1-\beta_1^t)`,
    :math:`\theta_t = \theta_{t-1} - \eta_t m_t / (\sqrt{v_t} + \hat\varepsilon)` with
    :math:`\hat\varepsilon = \varepsilon\sqrt{1-\beta_2^t}`, which is the same step exactly. Defaults are
    the paper's (and PyTorch's). The step of a coordinate is at most about η whatever the scale of its
    gradient: that is the rescaling the optimizers section of "Watching gradients" measures.

    >>> opt = adam(lr=0.1)
    >>> opt.update([np.array([1e-6])], opt.init([np.zeros(1)]), [np.zeros(1)])[0][0].round(4)
    array([-0.099])
    """
    return _adam("adam", lr, beta1, beta2, eps, 0.0)


def adamw(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-4):
    r"""AdamW: Adam with weight decay decoupled from the gradient (Loshchilov & Hutter 2019, Algorithm 2).

    .. math:: \theta_t = \theta_{t-1} - \Bigl(\eta \frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon}
              + \lambda\, \theta_{t-1}\Bigr)

    with :math:`m, v, \hat m, \hat v` as in :func:`adam`: the decay λθ does not pass through
    :math:`\hat v` (which is the point: with L2 regularization in the gradient, Adam decays
    parameters with large gradients less). This is the paper's rule with schedule multiplier
    :math:`\eta_t = 1`, where λ is the decay per step. PyTorch's ``torch.optim.AdamW`` multiplies the
    decay by the learning rate: its ``weight_decay`` equals λ/η here.

    >>> opt = adamw(lr=0.1, weight_decay=0.5)
    >>> params, state = opt.update([np.zeros(1)], opt.init([np.ones(1)]), [np.ones(1)])
    >>> params[0]  # a zero gradient still decays θ by λθ
    array([0.5])
    """
    return _adam("adamw", lr, beta1, beta2, eps, weight_decay)


#: The optimizers by name, each a factory of keyword hyperparameters.
OPTIMIZERS = {"sgd": sgd, "momentum": momentum, "rmsprop": rmsprop, "adam": adam, "adamw": adamw}
