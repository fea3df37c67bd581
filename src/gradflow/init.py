"""Weight initializers: draw the matrix W of one layer, z = W a + b, so that signals keep their scale.

Every initializer takes ``(n_in, n_out, rng, dtype=np.float64)`` and returns W of shape
``(n_out, n_in)``: n_in is the fan-in (inputs to a unit), n_out the fan-out (units in the layer).
The scaled initializers differ only in the variance they aim for:

=================  ==========================  ==============================================
name               variance of each entry      chosen so that
=================  ==========================  ==============================================
``lecun_*``        1 / n_in                    Var z = Var a of the layer below (φ ≈ identity)
``xavier_*``       2 / (n_in + n_out)          forward (1/n_in) and backward (1/n_out) balance
``he_*``           2 / n_in                    Var z stays constant through ReLU layers
=================  ==========================  ==============================================

A uniform distribution on [−r, r] has variance r²/3, so each ``*_uniform`` uses r = √(3 Var).
"""

import numpy as np

from gradflow._checks import check_rng, floating_dtype, positive_float, positive_int


def _check_args(n_in, n_out, rng, dtype):
    """Validate the arguments every initializer shares; return ``(n_in, n_out, dtype)``."""
    n_in, n_out = positive_int("n_in", n_in), positive_int("n_out", n_out)
    check_rng(rng)
    return n_in, n_out, floating_dtype(dtype)


def _gaussian(n_in, n_out, rng, std, dtype):
    # Sampling in float64 and then casting gives the same numbers (up to rounding) for every dtype.
    return np.ascontiguousarray(std * rng.standard_normal((n_out, n_in)), dtype=dtype)


def _uniform(n_in, n_out, rng, limit, dtype):
    return np.ascontiguousarray(rng.uniform(-limit, limit, size=(n_out, n_in)), dtype=dtype)


def normal(n_in, n_out, rng, std=1.0, dtype=np.float64):
    r"""Draw W with independent entries from a normal distribution with a fixed standard deviation.

    .. math:: W_{ij} \sim \mathcal{N}(0, \sigma^2)

    Parameters
    ----------
    n_in, n_out : int
        Fan-in and fan-out (positive).
    rng : numpy.random.Generator
    std : float
        σ, finite and > 0. ``std=1`` is the naive N(0, 1) initialization that the book compares against.
    dtype : floating dtype

    Returns
    -------
    W : ndarray, shape (n_out, n_in)

    Examples
    --------
    >>> W = normal(3, 2, np.random.default_rng(0), std=0.1)
    >>> W.shape
    (2, 3)

    See also
    --------
    lecun_normal, xavier_normal, he_normal : σ chosen from the layer's fans.
    """
    n_in, n_out, dtype = _check_args(n_in, n_out, rng, dtype)
    return _gaussian(n_in, n_out, rng, positive_float("std", std), dtype)


def lecun_normal(n_in, n_out, rng, dtype=np.float64):
    r"""LeCun normal initialization: variance 1/n_in, so Var z = Var a when the inputs are independent.

    .. math:: W_{ij} \sim \mathcal{N}\!\left(0, \frac{1}{n_\mathrm{in}}\right)

    LeCun, Bottou, Orr & Müller (1998), "Efficient BackProp", §4.6.

    Examples
    --------
    >>> W = lecun_normal(1000, 500, np.random.default_rng(0))
    >>> round(float(W.var() * 1000), 1)
    1.0
    """
    n_in, n_out, dtype = _check_args(n_in, n_out, rng, dtype)
    return _gaussian(n_in, n_out, rng, np.sqrt(1 / n_in), dtype)


def lecun_uniform(n_in, n_out, rng, dtype=np.float64):
    r"""LeCun uniform initialization: the uniform distribution with variance 1/n_in.

    .. math:: W_{ij} \sim U\!\left[-\sqrt{3/n_\mathrm{in}},\ \sqrt{3/n_\mathrm{in}}\right]

    LeCun, Bottou, Orr & Müller (1998), "Efficient BackProp".

    Examples
    --------
    >>> W = lecun_uniform(300, 10, np.random.default_rng(0))
    >>> bool(np.abs(W).max() <= np.sqrt(3 / 300))
    True
    """
    n_in, n_out, dtype = _check_args(n_in, n_out, rng, dtype)
    return _uniform(n_in, n_out, rng, np.sqrt(3 / n_in), dtype)


def xavier_normal(n_in, n_out, rng, dtype=np.float64):
    r"""Xavier (Glorot) normal initialization: variance 2/(n_in + n_out).

    .. math:: W_{ij} \sim \mathcal{N}\!\left(0, \frac{2}{n_\mathrm{in} + n_\mathrm{out}}\right)

    The harmonic compromise between keeping forward variance (1/n_in) and backward variance
    (1/n_out). Glorot & Bengio (2010) proposed the uniform form, :func:`xavier_uniform`; this normal
    form has the same variance.

    Examples
    --------
    >>> W = xavier_normal(600, 400, np.random.default_rng(0))
    >>> round(float(W.var() * (600 + 400) / 2), 1)
    1.0
    """
    n_in, n_out, dtype = _check_args(n_in, n_out, rng, dtype)
    return _gaussian(n_in, n_out, rng, np.sqrt(2 / (n_in + n_out)), dtype)


def xavier_uniform(n_in, n_out, rng, dtype=np.float64):
    r"""Xavier (Glorot) uniform initialization, the form Glorot & Bengio proposed.

    .. math:: W_{ij} \sim U\!\left[-\sqrt{\frac{6}{n_\mathrm{in} + n_\mathrm{out}}},\
              +\sqrt{\frac{6}{n_\mathrm{in} + n_\mathrm{out}}}\right]

    This is the "normalized initialization", eq. (16) of Glorot & Bengio (2010), "Understanding the
    difficulty of training deep feedforward neural networks"; its variance is 2/(n_in + n_out), the
    same as :func:`xavier_normal`, which is the form more often quoted.

    Examples
    --------
    >>> W = xavier_uniform(20, 10, np.random.default_rng(0))
    >>> bool(np.abs(W).max() <= np.sqrt(6 / 30))
    True
    """
    n_in, n_out, dtype = _check_args(n_in, n_out, rng, dtype)
    return _uniform(n_in, n_out, rng, np.sqrt(6 / (n_in + n_out)), dtype)


def he_normal(n_in, n_out, rng, dtype=np.float64):
    r"""He (Kaiming) normal initialization: variance 2/n_in, which keeps Var z constant through ReLUs.

    .. math:: W_{ij} \sim \mathcal{N}\!\left(0, \frac{2}{n_\mathrm{in}}\right)

    ReLU zeroes half of a symmetric input, halving E[a²]; the factor 2 restores it.
    He, Zhang, Ren & Sun (2015), "Delving Deep into Rectifiers", eq. (10).

    Examples
    --------
    >>> W = he_normal(1000, 500, np.random.default_rng(0))
    >>> round(float(W.var() * 1000), 1)
    2.0
    """
    n_in, n_out, dtype = _check_args(n_in, n_out, rng, dtype)
    return _gaussian(n_in, n_out, rng, np.sqrt(2 / n_in), dtype)


def he_uniform(n_in, n_out, rng, dtype=np.float64):
    r"""He (Kaiming) uniform initialization: the uniform distribution with variance 2/n_in.

    .. math:: W_{ij} \sim U\!\left[-\sqrt{6/n_\mathrm{in}},\ \sqrt{6/n_\mathrm{in}}\right]

    He, Zhang, Ren & Sun (2015), "Delving Deep into Rectifiers".

    Examples
    --------
    >>> W = he_uniform(24, 10, np.random.default_rng(0))
    >>> bool(np.abs(W).max() <= 0.5)
    True
    """
    n_in, n_out, dtype = _check_args(n_in, n_out, rng, dtype)
    return _uniform(n_in, n_out, rng, np.sqrt(6 / n_in), dtype)


def orthogonal(n_in, n_out, rng, gain=1.0, dtype=np.float64):
    r"""Random orthogonal initialization: W is a scaled random (Haar-distributed) orthogonal matrix.

    .. math:: W = g\,Q, \qquad A = QR,\quad A_{ij} \sim \mathcal{N}(0, 1),\quad \operatorname{diag} R > 0

    For a tall W (n_out ≥ n_in) the columns are orthonormal, WᵀW = g²I; for a wide W the rows are,
    WWᵀ = g²I. Every singular value equals g, so a deep linear net neither shrinks nor grows any
    direction (Saxe, McClelland & Ganguli, 2014, "Exact solutions to the nonlinear dynamics of
    learning in deep linear neural networks"). Flipping the signs so that diag R > 0 makes the QR
    factor unique and therefore Haar-distributed (Mezzadri, 2007); without it Q is biased.

    Parameters
    ----------
    n_in, n_out : int
    rng : numpy.random.Generator
    gain : float
        g, finite and > 0.
    dtype : floating dtype

    Returns
    -------
    W : ndarray, shape (n_out, n_in)

    Examples
    --------
    >>> W = orthogonal(3, 5, np.random.default_rng(0))
    >>> np.allclose(W.T @ W, np.eye(3))
    True
    """
    n_in, n_out, dtype = _check_args(n_in, n_out, rng, dtype)
    gain = positive_float("gain", gain)
    tall = n_out >= n_in
    A = rng.standard_normal((n_out, n_in) if tall else (n_in, n_out))
    Q, R = np.linalg.qr(A)
    Q *= np.where(np.diag(R) < 0, -1.0, 1.0)
    return np.ascontiguousarray(gain * (Q if tall else Q.T), dtype=dtype)


#: The initializers by name, as the networks' ``init`` arguments accept them.
#:
#: :meta hide-value:
INITIALIZERS = {
    "lecun_normal": lecun_normal,
    "lecun_uniform": lecun_uniform,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "normal": normal,
    "orthogonal": orthogonal,
}


def get(name):
    """Return the initializer called ``name`` (a key of ``INITIALIZERS``).

    Examples
    --------
    >>> get("he_normal") is he_normal
    True
    """
    if not isinstance(name, str) or name not in INITIALIZERS:
        raise ValueError(f"unknown initializer {name!r}; valid names: {', '.join(INITIALIZERS)}")
    return INITIALIZERS[name]
