r"""Mean-field theory of signal propagation in deep random networks.

A wide network with weights :math:`W_{ij} \sim \mathcal{N}(0, \sigma_w^2/n)` and biases
:math:`b_i \sim \mathcal{N}(0, \sigma_b^2)` makes each pre-activation :math:`z^{(l)}_i` Gaussian, with
a variance :math:`q^{(l)}` that evolves by the *length map* and a correlation :math:`c^{(l)}` between two
inputs that evolves by the *correlation map* (Poole et al. 2016; Schoenholz et al. 2017):

.. math::
    q^{(l)} = \sigma_w^2\,\mathbb{E}\bigl[\varphi(\sqrt{q^{(l-1)}}\,Z)^2\bigr] + \sigma_b^2, \qquad
    \chi_1 = \sigma_w^2\,\mathbb{E}\bigl[\varphi'(\sqrt{q^*}\,Z)^2\bigr],

with :math:`Z \sim \mathcal{N}(0, 1)` and :math:`q^*` the fixed point of the length map. The network is
*ordered* when :math:`\chi_1 < 1` (nearby inputs converge) and *chaotic* when :math:`\chi_1 > 1` (they
decorrelate); :math:`\chi_1 = 1` is the edge of chaos, where the correlation depth scale
:math:`\xi_c` diverges.

To test the theory, :func:`random_mlp` draws a network from this ensemble and :func:`trained_accuracy`
trains many such networks at once, one per :math:`(\sigma_w^2, \sigma_b^2)`.

All Gaussian expectations use Gauss--Hermite quadrature with an even number of nodes, so that no
node sits on the kink of ReLU-like activations at 0. ``activation`` is a registry name (see
:func:`gradflow.activations.names`) or an :class:`~gradflow.activations.Activation`.

>>> round(fixed_point(2.0, 0.0, "relu", q0=3.0), 6), round(chi1(2.0, 0.0, "relu"), 6)
(3.0, 1.0)
"""

import functools
import numbers

import numpy as np
import threadpoolctl
from scipy import optimize

from gradflow import activations, init, nets, optimizers, training
from gradflow._checks import check_rng, floating_dtype, positive_float, positive_int

#: Gauss--Hermite nodes used unless a function is told otherwise.
N_POINTS = 300
#: Above this variance the length map is taken to diverge, and :func:`fixed_point` returns ``inf``.
Q_MAX = 1e8


@functools.lru_cache(maxsize=8)
def _nodes(n_points):
    """Nodes x and weights w with sum_i w_i f(x_i) ≈ E[f(Z)] for Z ~ N(0, 1)."""
    x, w = np.polynomial.hermite_e.hermegauss(n_points)
    return x, w / np.sqrt(2 * np.pi)


def _n_points(n_points):
    n_points = positive_int("n_points", n_points)
    if n_points % 2:
        raise ValueError(f"n_points must be even (no node at the kink x = 0), got {n_points}")
    return n_points


def _real(name, value, low, high=None):
    """``value`` as a float, or ValueError unless it is a finite real number in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    if high is None and value < low:
        raise ValueError(f"{name} must be >= {low} (a variance), got {value!r}")
    if high is not None and not low <= value <= high:
        raise ValueError(f"{name} must lie in [{low}, {high}], got {value!r}")
    return float(value)


def _variances(sigma_w2, sigma_b2):
    return positive_float("sigma_w2", sigma_w2), _real("sigma_b2", sigma_b2, low=0.0)


def gaussian_expectation(f, q=1.0, n_points=N_POINTS):
    r"""The expectation of :math:`f(\sqrt{q}\,Z)` for :math:`Z \sim \mathcal{N}(0, 1)`, by Gauss--Hermite quadrature.

    .. math:: \mathbb{E}[f(\sqrt{q}Z)] = \int f(\sqrt{q}\,z)\,\frac{e^{-z^2/2}}{\sqrt{2\pi}}\,dz
              \approx \sum_{i=1}^{n} w_i\, f(\sqrt{q}\,x_i)

    Exact for polynomials of degree below :math:`2n`; smooth functions converge fast, functions with a
    kink at 0 (ReLU) are exact on each side because no node sits at 0.

    Parameters
    ----------
    f : callable
        Elementwise function of an array.
    q : float or array_like
        Variances :math:`q \ge 0`, any shape.
    n_points : int
        Number of nodes n (even).

    Returns
    -------
    float or ndarray
        The shape of ``q``.

    Examples
    --------
    >>> round(float(gaussian_expectation(lambda x: x**4, q=2.0)), 10)  # E[(√2 Z)⁴] = 3·2²
    12.0
    """
    if not callable(f):
        raise TypeError(f"f must be a function of an array, got {type(f).__name__}")
    q = np.asarray(q, dtype=float)
    if not np.all(np.isfinite(q)) or np.any(q < 0):
        raise ValueError(f"q must be finite and >= 0 (a variance), got {q}")
    x, w = _nodes(_n_points(n_points))
    values = f(np.sqrt(q)[..., None] * x)
    return values @ w if values.ndim > 1 else float(values @ w)


def length_map(q, sigma_w2, sigma_b2, activation="tanh", n_points=N_POINTS):
    r"""The variance of the next layer's pre-activations given this layer's, :math:`q \mapsto \mathcal{V}(q)`.

    .. math:: \mathcal{V}(q) = \sigma_w^2\,\mathbb{E}\bigl[\varphi(\sqrt{q}\,Z)^2\bigr] + \sigma_b^2

    Parameters
    ----------
    q : float or array_like
        Variance(s) :math:`q \ge 0` of the current layer's pre-activations.
    sigma_w2 : float
        :math:`\sigma_w^2 > 0`: the weights have variance :math:`\sigma_w^2 / n_\mathrm{in}`.
    sigma_b2 : float
        :math:`\sigma_b^2 \ge 0`, the variance of the biases.
    activation : str or Activation
    n_points : int
        Gauss--Hermite nodes (even).

    Returns
    -------
    float or ndarray
        The shape of ``q``.

    Examples
    --------
    >>> round(length_map(1.0, 2.0, 0.0, "relu"), 12)  # ReLU keeps half of E[z²]: 2·(1/2)
    1.0
    """
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    phi = activations.resolve(activation)
    return sigma_w2 * gaussian_expectation(lambda x: phi(x) ** 2, q, n_points) + sigma_b2


def fixed_point(sigma_w2, sigma_b2, activation="tanh", q0=1.0, n_points=N_POINTS):
    r"""The variance :math:`q^*` that deep layers settle at: the limit of :math:`q^{(l)} = \mathcal{V}(q^{(l-1)})`.

    .. math:: q^* = \sigma_w^2\,\mathbb{E}\bigl[\varphi(\sqrt{q^*}\,Z)^2\bigr] + \sigma_b^2,
              \qquad q^* = \lim_{l\to\infty} \mathcal{V}^{\,l}(q_0)

    :math:`\mathcal{V}` is increasing, so the iteration moves monotonically from :math:`q_0` to the
    nearest fixed point in the direction of :math:`\mathcal{V}(q_0) - q_0`; that root is bracketed and
    refined with Brent's method rather than iterated (near :math:`\chi_1 = 1` the iteration converges
    only like :math:`1/l`).

    Parameters
    ----------
    sigma_w2, sigma_b2 : float
        Weight and bias variances, :math:`\sigma_w^2 > 0`, :math:`\sigma_b^2 \ge 0`.
    activation : str or Activation
    q0 : float
        Starting variance :math:`q_0 > 0`, the input layer's.
    n_points : int
        Gauss--Hermite nodes (even).

    Returns
    -------
    float
        :math:`q^*`; ``0.0`` when the variance dies out, ``inf`` when it grows past :data:`Q_MAX`,
        ``q0`` itself when every variance is a fixed point (ReLU with :math:`\sigma_w^2 = 2`,
        :math:`\sigma_b^2 = 0`).

    Examples
    --------
    >>> round(fixed_point(1.0, 0.0, "relu", q0=1.0), 12), fixed_point(3.0, 0.1, "relu")
    (0.0, inf)
    >>> round(fixed_point(2.0, 0.05, "tanh"), 4)
    0.7218
    """
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    q0 = positive_float("q0", q0)
    phi = activations.resolve(activation)
    n_points = _n_points(n_points)

    def gap(q):
        return length_map(q, sigma_w2, sigma_b2, phi, n_points) - q

    start = gap(q0)
    if abs(start) <= 1e-12 * q0:
        return q0
    if start > 0:  # the variance grows: bracket the next root above q0
        low, high = q0, 2 * q0
        while gap(high) > 0:
            low, high = high, 2 * high
            if high > Q_MAX:
                return np.inf
    else:  # the variance shrinks: bracket the next root below q0
        low, high = q0 / 2, q0
        while gap(low) < 0:
            low, high = low / 2, low
            if low < 1e-14 * q0:
                return 0.0
    return optimize.brentq(gap, low, high, xtol=1e-14, rtol=1e-12)


def chi1(sigma_w2, sigma_b2, activation="tanh", n_points=N_POINTS):
    r"""The slope :math:`\chi_1` of the correlation map at :math:`c = 1`: below 1 ordered, above 1 chaotic.

    .. math:: \chi_1 = \sigma_w^2\,\mathbb{E}\bigl[\varphi'(\sqrt{q^*}\,Z)^2\bigr]

    It is also the factor by which the mean squared gradient grows per layer in backpropagation
    (Schoenholz et al. 2017). When :math:`q^* = 0` the expectation is its limit
    :math:`q \to 0^+`; when :math:`q^* = \infty` it is ``inf``.

    Parameters
    ----------
    sigma_w2, sigma_b2 : float
    activation : str or Activation
    n_points : int

    Returns
    -------
    float

    Examples
    --------
    >>> round(chi1(1.0, 0.0, "tanh"), 6), round(chi1(1.5, 0.3, "relu"), 6)
    (1.0, 0.75)
    """
    phi = activations.resolve(activation)
    q = fixed_point(sigma_w2, sigma_b2, phi, n_points=n_points)
    if np.isinf(q):
        return np.inf
    q = max(q, 1e-300)  # the limit q → 0⁺, which differs from q = 0 where φ′ has a kink
    return float(sigma_w2) * gaussian_expectation(lambda x: phi.derivative(x) ** 2, q, n_points)


def _pair_expectation(f, g, q, c, n_points):
    """E[f(u1) g(u2)] for (u1, u2) Gaussian with variances q and correlation c (tensor-product nodes)."""
    x, w = _nodes(n_points)
    z1, z2 = x[:, None], x[None, :]
    u1 = np.sqrt(q) * z1
    u2 = np.sqrt(q) * (c * z1 + np.sqrt(max(1 - c * c, 0.0)) * z2)
    return float(w @ (f(u1) * g(u2)) @ w)


def _correlation_args(sigma_w2, sigma_b2, activation, q, n_points):
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    phi = activations.resolve(activation)
    n_points = _n_points(n_points)
    if q is None:
        q = fixed_point(sigma_w2, sigma_b2, phi, n_points=n_points)
        if not 0 < q < np.inf:
            raise ValueError(
                f"the length map of {phi.name} with sigma_w2={sigma_w2}, sigma_b2={sigma_b2} has q* = {q}; "
                "correlations need a finite q* > 0 (or pass q)"
            )
    else:
        q = positive_float("q", q)
    return sigma_w2, sigma_b2, phi, q, n_points


def correlation_map(c, sigma_w2, sigma_b2, activation="tanh", q=None, n_points=N_POINTS):
    r"""The correlation of two inputs' pre-activations one layer deeper, for inputs with variance :math:`q`.

    .. math:: \mathcal{C}(c) = \frac{\sigma_w^2\,\mathbb{E}[\varphi(u_1)\varphi(u_2)] + \sigma_b^2}{q^*},
              \quad u_1 = \sqrt{q^*} z_1,\ u_2 = \sqrt{q^*}\bigl(c z_1 + \sqrt{1-c^2}\,z_2\bigr)

    with independent standard normal :math:`z_1, z_2`. Both inputs are assumed to sit at the variance
    fixed point :math:`q^*` (or at ``q`` if given, then divided by :math:`\mathcal{V}(q)`).

    Parameters
    ----------
    c : float
        Correlation in [−1, 1].
    sigma_w2, sigma_b2 : float
    activation : str or Activation
    q : float, optional
        Variance of both inputs; default :math:`q^*`.
    n_points : int
        Nodes per dimension (even).

    Returns
    -------
    float

    Examples
    --------
    >>> round(correlation_map(1.0, 1.5, 0.1, "tanh"), 9)  # c = 1 is always a fixed point
    1.0
    """
    c = _real("c", c, -1.0, 1.0)
    sigma_w2, sigma_b2, phi, q, n_points = _correlation_args(sigma_w2, sigma_b2, activation, q, n_points)
    covariance = sigma_w2 * _pair_expectation(phi, phi, q, c, n_points) + sigma_b2
    return covariance / length_map(q, sigma_w2, sigma_b2, phi, n_points)


def correlation_fixed_point(sigma_w2, sigma_b2, activation="tanh", n_points=N_POINTS):
    r"""The correlation :math:`c^*` that any two distinct inputs converge to with depth.

    .. math:: c^* = \mathcal{C}(c^*), \qquad c^* = 1 \text{ if } \chi_1 \le 1 \text{ (ordered)},\quad
              c^* < 1 \text{ if } \chi_1 > 1 \text{ (chaotic)}

    In the chaotic phase :math:`c = 1` is unstable and :math:`c^*` is the largest root of
    :math:`\mathcal{C}(c) = c` in [0, 1).

    Examples
    --------
    >>> correlation_fixed_point(0.5, 0.1, "tanh"), round(correlation_fixed_point(2.0, 0.0, "tanh"), 6)
    (1.0, 0.0)
    """
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    phi = activations.resolve(activation)
    # Within rounding of 1 counts as critical: there c = 1 is (marginally) stable.
    if chi1(sigma_w2, sigma_b2, phi, n_points) <= 1 + 1e-12:
        return 1.0
    sigma_w2, sigma_b2, phi, q, n_points = _correlation_args(sigma_w2, sigma_b2, phi, None, n_points)

    def gap(c):
        return correlation_map(c, sigma_w2, sigma_b2, phi, q, n_points) - c

    if gap(0.0) <= 0:
        return 0.0
    for delta in 10.0 ** -np.arange(1, 9):
        if gap(1 - delta) < 0:
            return optimize.brentq(gap, 0.0, 1 - delta, xtol=1e-12)
    return 1.0


def correlation_depth_scale(sigma_w2, sigma_b2, activation="tanh", n_points=N_POINTS):
    r"""The depth :math:`\xi_c` over which correlations approach their fixed point, :math:`|c^{(l)} - c^*| \sim e^{-l/\xi_c}`.

    .. math:: \xi_c^{-1} = -\log\Bigl(\sigma_w^2\,\mathbb{E}\bigl[\varphi'(u_1)\varphi'(u_2)\bigr]\Bigr)
              \Big|_{c = c^*}

    (Schoenholz et al. 2017, eq. 9). In the ordered phase :math:`c^* = 1` and this is
    :math:`-1/\log\chi_1`; it is infinite at :math:`\chi_1 = 1`.

    Examples
    --------
    >>> round(correlation_depth_scale(0.5, 0.0, "relu"), 4)  # -1/log(1/4)
    0.7213
    """
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    phi = activations.resolve(activation)
    c = correlation_fixed_point(sigma_w2, sigma_b2, phi, n_points)
    if c == 1.0:
        slope = chi1(sigma_w2, sigma_b2, phi, n_points)
    else:
        q = fixed_point(sigma_w2, sigma_b2, phi, n_points=n_points)
        slope = sigma_w2 * _pair_expectation(phi.derivative, phi.derivative, q, c, n_points)
    if abs(slope - 1) <= 1e-12:
        return np.inf
    return 0.0 if slope == 0 else float(-1 / np.log(slope))


def critical_sigma_w2(sigma_b2, activation="tanh", n_points=N_POINTS):
    r"""The weight variance on the order/chaos boundary for a given bias variance: :math:`\chi_1(\sigma_w^2, \sigma_b^2) = 1`.

    Solved with Brent's method after bracketing the root by doubling :math:`\sigma_w^2`.

    Parameters
    ----------
    sigma_b2 : float
        :math:`\sigma_b^2 \ge 0`.
    activation : str or Activation
    n_points : int

    Returns
    -------
    float
        :math:`\sigma_w^2` with :math:`\chi_1 = 1`.

    Examples
    --------
    >>> round(critical_sigma_w2(0.0, "tanh"), 6), round(critical_sigma_w2(0.5, "relu"), 6)
    (1.0, 2.0)
    """
    sigma_b2 = _real("sigma_b2", sigma_b2, low=0.0)
    phi = activations.resolve(activation)
    n_points = _n_points(n_points)

    def gap(sigma_w2):
        return chi1(sigma_w2, sigma_b2, phi, n_points) - 1

    low, high = 0.5, 1.0
    while gap(low) > 0:
        low, high = low / 2, low
        if low < 1e-6:
            raise ValueError(f"{phi.name} is chaotic (chi1 > 1) for every sigma_w2 down to 1e-6 at sigma_b2={sigma_b2}")
    while gap(high) < 0:
        low, high = high, 2 * high
        if high > 1e4:
            raise ValueError(f"{phi.name} stays ordered (chi1 < 1) for every sigma_w2 up to 1e4 at sigma_b2={sigma_b2}")
    return optimize.brentq(gap, low, high, xtol=1e-12, rtol=1e-10)


def propagate(q0, c0, depth, sigma_w2, sigma_b2, activation="tanh", n_points=N_POINTS):
    r"""Layer-by-layer variance and correlation of two inputs predicted by the mean-field maps.

    .. math:: q^{(l)} = \mathcal{V}(q^{(l-1)}), \qquad
              c^{(l)} = \frac{\sigma_w^2\,\mathbb{E}[\varphi(u_1)\varphi(u_2)] + \sigma_b^2}{q^{(l)}},\ 
              u_1 = \sqrt{q^{(l-1)}} z_1,\ u_2 = \sqrt{q^{(l-1)}}\bigl(c^{(l-1)} z_1 + \sqrt{1 - (c^{(l-1)})^2} z_2\bigr)

    Both inputs have variance :math:`q^{(0)} = q_0` (the pre-activations of the first layer) and
    correlation :math:`c_0`.

    Parameters
    ----------
    q0 : float
        :math:`q_0 > 0`.
    c0 : float
        :math:`c_0 \in [-1, 1]`.
    depth : int
        Number of layers L to propagate through.
    sigma_w2, sigma_b2 : float
    activation : str or Activation
    n_points : int

    Returns
    -------
    q, c : ndarray, shape (depth + 1,)
        Index l holds layer l; index 0 holds ``q0`` and ``c0``.

    Examples
    --------
    >>> q, c = propagate(1.0, 0.5, 3, 2.0, 0.0, "relu")
    >>> q.round(6), c.round(3)
    (array([1., 1., 1., 1.]), array([0.5  , 0.609, 0.685, 0.739]))
    """
    q0 = positive_float("q0", q0)
    c0 = _real("c0", c0, -1.0, 1.0)
    depth = positive_int("depth", depth)
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    phi = activations.resolve(activation)
    n_points = _n_points(n_points)
    q, c = np.empty(depth + 1), np.empty(depth + 1)
    q[0], c[0] = q0, c0
    for l in range(1, depth + 1):
        q[l] = length_map(q[l - 1], sigma_w2, sigma_b2, phi, n_points)
        covariance = sigma_w2 * _pair_expectation(phi, phi, q[l - 1], c[l - 1], n_points) + sigma_b2
        c[l] = min(covariance / q[l], 1.0) if q[l] > 0 else 1.0
    return q, c


def random_mlp(widths, sigma_w2, sigma_b2, activation, rng, orthogonal=False):
    r"""A net drawn from the mean-field ensemble: every layer applies φ and has random weights and Gaussian biases.

    .. math:: W^{(l)}_{ij} \sim \mathcal{N}\!\left(0, \frac{\sigma_w^2}{n_{l-1}}\right), \qquad
              b^{(l)}_i \sim \mathcal{N}(0, \sigma_b^2), \qquad a^{(l)} = \varphi(z^{(l)}) \text{ for every } l

    Parameters
    ----------
    widths : sequence of int
        ``[n_0, n_1, ..., n_L]``.
    sigma_w2, sigma_b2 : float
    activation : str or Activation
    rng : numpy.random.Generator
    orthogonal : bool
        Draw each W as a random orthogonal matrix scaled by :math:`\sigma_w`
        (:func:`gradflow.init.orthogonal`, gain :math:`\sigma_w`) instead of Gaussian. Its entries
        have the same variance :math:`\sigma_w^2/n` when the layer is square, but every singular value
        equals :math:`\sigma_w` (Saxe et al. 2014).

    Returns
    -------
    gradflow.nets.MLP
        With ``output_activation`` equal to φ, so ``cache[l - 1].z`` is :math:`z^{(l)}` for every layer.

    Examples
    --------
    >>> net = random_mlp([3, 5, 5], 1.5, 0.1, "tanh", np.random.default_rng(0))
    >>> net
    MLP([3, 5, 5], activation='tanh', output='tanh')
    """
    sigma_w2, sigma_b2 = _variances(sigma_w2, sigma_b2)
    check_rng(rng)

    def draw(n_in, n_out, rng, dtype=np.float64):
        if orthogonal:
            return init.orthogonal(n_in, n_out, rng, gain=np.sqrt(sigma_w2), dtype=dtype)
        return init.normal(n_in, n_out, rng, std=np.sqrt(sigma_w2 / n_in), dtype=dtype)

    net = nets.mlp(widths, activations.resolve(activation), rng, init=draw, output="same")
    net.biases = [np.sqrt(sigma_b2) * rng.standard_normal(n) for n in net.widths[1:]]
    return net


def _random_ensemble(sigma_w2, sigma_b2, widths, rng, dtype=np.float64):
    """Weights (G, n_out, n_in) ~ N(0, σ_w²/n_in) and biases (G, n_out) ~ N(0, σ_b²) for each of G nets,
    drawn in float64 and rounded to ``dtype``."""
    sw, sb = np.sqrt(sigma_w2)[:, None, None], np.sqrt(sigma_b2)[:, None]
    weights = [sw / np.sqrt(n_in) * rng.standard_normal((len(sw), n_out, n_in)) for n_in, n_out in zip(widths, widths[1:])]
    biases = [sb * rng.standard_normal((len(sw), n_out)) for n_out in widths[1:]]
    return [W.astype(dtype, copy=False) for W in weights], [b.astype(dtype, copy=False) for b in biases]


def trained_accuracy(sigma_w2, sigma_b2, depth, data, rng, activation="tanh", width=32, epochs=2, lr=0.01,
                     batch_size=64, dtype=np.float64):
    r"""Test accuracy after SGD training of random nets drawn at each :math:`(\sigma_w^2, \sigma_b^2)`: trainability.

    One net per pair, all trained at once with batched matrix products on the same minibatches:
    ``depth`` hidden layers of ``width`` units and a linear output, every layer initialized as in the
    mean-field theory, :math:`W_{ij} \sim \mathcal{N}(0, \sigma_w^2/n_\mathrm{in})`,
    :math:`b_i \sim \mathcal{N}(0, \sigma_b^2)`, then trained by minibatch SGD on the softmax
    cross-entropy. Schoenholz et al. (2017) found that nets train only up to a depth of about
    :math:`6\,\xi_c`; this is the measurement that tests it.

    Parameters
    ----------
    sigma_w2, sigma_b2 : array_like, shape (G,)
        The pairs, :math:`\sigma_w^2 > 0` and :math:`\sigma_b^2 \ge 0`.
    depth : int
        Hidden layers.
    data : tuple
        ``(X_train, y_train, X_test, y_test)`` with integer labels, e.g. :func:`gradflow.data.digits`.
    rng : numpy.random.Generator
        Draws the weights and shuffles the batches.
    activation : str or Activation
        φ of the hidden layers; a bounded one (tanh) keeps every logit finite.
    width, epochs, batch_size : int
    lr : float
        SGD step size.
    dtype : floating dtype
        Of the parameters and the training arithmetic. The weights are drawn in float64 and then
        rounded, so both precisions start from the same nets; float32 trains faster.

    Returns
    -------
    ndarray, shape (G,)
        Fraction of test samples classified correctly by each trained net.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 3)); y = (X[:, 0] > 0).astype(int)
    >>> trained_accuracy([1.0, 1.0], [0.0, 0.0], 2, (X, y, X, y), rng, epochs=30, lr=0.5, batch_size=8) > 0.9
    array([ True,  True])
    """
    sigma_w2, sigma_b2 = np.broadcast_arrays(np.asarray(sigma_w2, dtype=float), np.asarray(sigma_b2, dtype=float))
    if sigma_w2.ndim != 1 or not np.all(np.isfinite(sigma_w2) & (sigma_w2 > 0)):
        raise ValueError(f"sigma_w2 must be a 1-D array of finite numbers > 0, got {sigma_w2}")
    if not np.all(np.isfinite(sigma_b2) & (sigma_b2 >= 0)):
        raise ValueError(f"sigma_b2 must be finite numbers >= 0, got {sigma_b2}")
    depth, width = positive_int("depth", depth), positive_int("width", width)
    epochs, batch_size, lr = positive_int("epochs", epochs), positive_int("batch_size", batch_size), positive_float("lr", lr)
    check_rng(rng)
    dtype = floating_dtype(dtype)
    phi = activations.resolve(activation)
    if not isinstance(data, tuple) or len(data) != 4:
        raise ValueError("data must be the tuple (X_train, y_train, X_test, y_test)")
    X_train, y_train, X_test, y_test = (np.asarray(part) for part in data)
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    widths = [X_train.shape[1]] + [width] * depth + [n_classes]
    weights, biases = _random_ensemble(sigma_w2, sigma_b2, widths, rng, dtype)
    mlps = [nets.MLP([W[g] for W in weights], [b[g] for b in biases], phi, "identity") for g in range(len(sigma_w2))]
    # All pairs see the same minibatches, so only the initialization differs between them.
    stack = training.Stack(mlps, shared_batches=True)
    # The matrices are small: BLAS threads cost more in synchronization than they save.
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        training.train(stack, X_train, y_train, rng=rng, optimizer=optimizers.sgd(lr), epochs=epochs,
                       batch_size=batch_size)
        return stack.accuracy(X_test, y_test)
