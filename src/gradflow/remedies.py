r"""Remedies for vanishing and exploding gradients that act outside the activation function.

Three ideas, each a few lines on top of :mod:`gradflow.nets`:

* **Residual connections** (He et al., 2016): a hidden layer whose input and output widths match
  adds its input back, :math:`a^{(l)} = a^{(l-1)} + \phi(z^{(l)})`, so BP2 gains an identity path,
  :math:`\partial L/\partial a^{(l-1)} = \partial L/\partial a^{(l)} + W^{(l)\top}\delta^{(l)}`.
* **Batch normalization** (Ioffe & Szegedy, 2015): :func:`batchnorm_forward` and
  :func:`batchnorm_backward` standardize each unit's pre-activation over the batch before φ.
* **Gradient-norm clipping** (Pascanu, Mikolov & Bengio, 2013): :func:`clip_by_norm` rescales all
  gradients together when their joint norm exceeds a threshold.

:func:`forward` and :func:`backward` run an :class:`~gradflow.nets.MLP` with any combination of the
first two; their cache is a list of :class:`Layer`, a :class:`gradflow.nets.Layer` with the
batch-norm quantities added, so every function of :mod:`gradflow.diagnostics` reads it unchanged.
With neither remedy they compute exactly what :func:`gradflow.nets.forward` and
:func:`gradflow.nets.backward` compute.

Examples
--------
>>> from gradflow import nets
>>> net = nets.mlp([4, 4, 4, 1], "tanh", np.random.default_rng(0))
>>> out, cache = forward(net, np.ones((3, 4)), residual=True)
>>> [layer.skip for layer in cache]
[True, True, False]
"""

import math
from dataclasses import dataclass

import numpy as np

from gradflow import activations
from gradflow import init as initializers
from gradflow import nets
from gradflow._checks import check_rng, positive_float, positive_int, real_array

#: ε added to the batch variance, as in PyTorch's ``BatchNorm1d``.
EPS = 1e-5


def _as_batch(name, array):
    array = np.asarray(array)
    if array.ndim != 2 or array.shape[0] == 0 or array.dtype.kind != "f":
        raise ValueError(
            f"{name} must be a non-empty floating array of shape (n_samples, n_units), got "
            f"shape {array.shape} and dtype {array.dtype}"
        )
    return array


def batchnorm_forward(u, gamma, beta, eps=EPS):
    r"""Batch normalization of pre-activations, in training mode (statistics of this batch).

    .. math:: \hat u_{ij} = \frac{u_{ij} - \mu_j}{\sqrt{\sigma_j^2 + \varepsilon}}, \qquad
              y_{ij} = \gamma_j \hat u_{ij} + \beta_j,

    with :math:`\mu_j` and :math:`\sigma_j^2` the mean and (biased) variance of column j over the n
    samples (Ioffe & Szegedy, 2015, Algorithm 1).

    Parameters
    ----------
    u : ndarray, shape (n_samples, n_units)
        Floating, at least one sample (n = 1 gives y = β).
    gamma, beta : array_like, shape (n_units,)
        Scale and shift.
    eps : float
        ε > 0.

    Returns
    -------
    y : ndarray, shape (n_samples, n_units)
    cache : tuple
        ``(u_hat, inv_std, gamma)`` for :func:`batchnorm_backward`.

    Examples
    --------
    >>> y, cache = batchnorm_forward(np.array([[1.0], [3.0]]), np.ones(1), np.zeros(1))
    >>> y.ravel().round(4)
    array([-1.,  1.])
    """
    u = _as_batch("u", u)
    gamma, beta = np.asarray(gamma, dtype=u.dtype), np.asarray(beta, dtype=u.dtype)
    if gamma.shape != (u.shape[1],) or beta.shape != (u.shape[1],):
        raise ValueError(f"gamma and beta must have shape ({u.shape[1]},), got {gamma.shape} and {beta.shape}")
    eps = positive_float("eps", eps)
    return _bn_forward(u, gamma, beta, eps)


def _bn_forward(u, gamma, beta, eps=EPS):
    """batchnorm_forward without checks, over axis -2 (samples), for any leading axes (stacked nets)."""
    mean = u.mean(axis=-2, keepdims=True)
    inv_std = 1 / np.sqrt(u.var(axis=-2, keepdims=True) + eps)
    u_hat = (u - mean) * inv_std
    gamma = gamma[..., None, :]
    return gamma * u_hat + beta[..., None, :], (u_hat, inv_std, gamma)


def batchnorm_backward(dy, cache):
    r"""Gradients of batch normalization: with respect to its input, its scale and its shift.

    With :math:`g = \gamma \odot \partial L/\partial y` (per sample),

    .. math:: \frac{\partial L}{\partial u_{i}} = \frac{1}{\sqrt{\sigma^2 + \varepsilon}} \Bigl(
              g_i - \frac1n \sum_k g_k - \hat u_i \, \frac1n \sum_k g_k \odot \hat u_k \Bigr), \qquad
              \frac{\partial L}{\partial \gamma} = \sum_i \frac{\partial L}{\partial y_i} \odot \hat u_i, \qquad
              \frac{\partial L}{\partial \beta} = \sum_i \frac{\partial L}{\partial y_i} .

    The two subtracted means are the gradient flowing through μ and σ²: ∂L/∂u sums to zero over the
    batch and (for ε → 0) is orthogonal to û, so BN's input gradient never points along a shift or a rescaling of
    the batch.

    Parameters
    ----------
    dy : array_like, shape (n_samples, n_units)
        ∂L/∂y.
    cache : tuple
        From :func:`batchnorm_forward`.

    Returns
    -------
    du, dgamma, dbeta : ndarray
        Shapes (n_samples, n_units), (n_units,), (n_units,).

    Examples
    --------
    >>> y, cache = batchnorm_forward(np.array([[1.0], [3.0]]), np.ones(1), np.zeros(1))
    >>> du, dgamma, dbeta = batchnorm_backward(np.ones((2, 1)), cache)
    >>> du.ravel(), dbeta  # a uniform shift of y is invisible to u
    (array([0., 0.]), array([2.]))
    """
    u_hat, inv_std, gamma = cache
    dy = real_array("dy", dy, u_hat.dtype)
    if dy.shape != u_hat.shape:
        raise ValueError(f"dy must have the shape of the normalized batch {u_hat.shape}, got {dy.shape}")
    return _bn_backward(dy, cache)


def _bn_backward(dy, cache):
    """batchnorm_backward without checks, for any leading axes."""
    u_hat, inv_std, gamma = cache
    g = dy * gamma
    du = inv_std * (g - g.mean(axis=-2, keepdims=True) - u_hat * (g * u_hat).mean(axis=-2, keepdims=True))
    return du, (dy * u_hat).sum(axis=-2), dy.sum(axis=-2)


def clip_by_norm(grads, max_norm):
    r"""Rescale a list of gradient arrays together so that their joint norm is at most ``max_norm``.

    .. math:: \lVert g \rVert = \Bigl(\sum_k \lVert g_k \rVert_F^2\Bigr)^{1/2}, \qquad
              g_k \leftarrow g_k \cdot \min\Bigl(1, \frac{\tau}{\lVert g \rVert}\Bigr)

    The direction of the full gradient is kept; only its length is capped (Pascanu, Mikolov &
    Bengio, 2013, Algorithm 1). The input arrays are not changed. The norm is computed from the
    entries divided by the largest one, as LAPACK's ``dnrm2`` does, so that squaring 1e200 does
    not overflow nor 1e-200 underflow to 0.

    Parameters
    ----------
    grads : sequence of array_like
        At least one array, all finite.
    max_norm : float
        τ > 0.

    Returns
    -------
    clipped : list of ndarray
        New arrays of the given dtypes (copies even when nothing is clipped).
    norm : float
        The joint norm before clipping (inf only if it exceeds the largest float).

    Examples
    --------
    >>> clipped, norm = clip_by_norm([np.array([3.0]), np.array([4.0])], max_norm=1.0)
    >>> norm, clipped
    (5.0, [array([0.6]), array([0.8])])
    """
    max_norm = positive_float("max_norm", max_norm)
    if isinstance(grads, np.ndarray) or len(grads) == 0:
        raise ValueError("grads must be a non-empty list of arrays, e.g. [dW1, db1, dW2, db2]")
    grads = [np.asarray(g) for g in grads]
    for k, g in enumerate(grads):
        if g.dtype.kind != "f":
            raise ValueError(f"grads[{k}] must be a floating array, got dtype {g.dtype}")
        if not np.isfinite(g).all():
            raise ValueError(f"grads[{k}] contains NaN or inf; clipping cannot repair a non-finite gradient")
    scale = max(float(np.max(np.abs(g), initial=0.0)) for g in grads)
    if scale == 0:
        return [g.copy() for g in grads], 0.0
    relative = math.sqrt(sum(float(np.sum(np.square(g / scale, dtype=np.float64))) for g in grads))  # in [1, √size]
    if relative <= max_norm / scale:
        return [g.copy() for g in grads], scale * relative
    return [g / scale * (max_norm / relative) for g in grads], scale * relative


def _clip_factor(norm, max_norm):
    """min(1, τ/‖g‖) elementwise (1 where ‖g‖ = 0)."""
    norm = np.asarray(norm, dtype=float)
    return np.minimum(1.0, max_norm / np.where(norm > 0, norm, max_norm))


@dataclass(eq=False)
class BatchNorm:
    """Scales γ and shifts β of batch normalization, one pair of arrays per hidden layer of a net.

    Examples
    --------
    >>> BatchNorm([np.ones(3)], [np.zeros(3)])
    BatchNorm(widths=[3])
    """

    gammas: list
    betas: list

    def __post_init__(self):
        if len(self.gammas) != len(self.betas):
            raise ValueError(f"one beta per gamma: got {len(self.gammas)} gammas and {len(self.betas)} betas")
        self.gammas = [np.asarray(g) for g in self.gammas]
        self.betas = [np.asarray(b) for b in self.betas]
        for l, (g, b) in enumerate(zip(self.gammas, self.betas), start=1):
            if g.ndim != 1 or g.shape != b.shape:
                raise ValueError(f"hidden layer {l}: gamma and beta must be 1-D of one shape, got {g.shape} and {b.shape}")

    def parameters(self):
        """``[gamma1, beta1, gamma2, beta2, ...]``, the object's own arrays."""
        return [p for g, b in zip(self.gammas, self.betas) for p in (g, b)]

    def __repr__(self):
        return f"BatchNorm(widths={[len(g) for g in self.gammas]})"


def batchnorm(net):
    """Fresh batch-norm parameters for every hidden layer of ``net``: γ = 1 and β = 0.

    Examples
    --------
    >>> batchnorm(nets.mlp([5, 8, 8, 2], "relu", np.random.default_rng(0)))
    BatchNorm(widths=[8, 8])
    """
    if not isinstance(net, nets.MLP):
        raise TypeError(f"net must be a gradflow.nets.MLP, got {type(net).__name__}")
    hidden = net.widths[1:-1]
    return BatchNorm([np.ones(w, dtype=net.dtype) for w in hidden], [np.zeros(w, dtype=net.dtype) for w in hidden])


@dataclass(eq=False, repr=False)
class Layer(nets.Layer):
    """A :class:`gradflow.nets.Layer` that also records the remedies applied to it.

    ``z`` is the input of φ (after batch normalization, if any) and ``delta`` = ∂L/∂z, as in
    :mod:`gradflow.nets`. ``skip`` says whether the layer adds its input to its output, ``scale`` is
    the factor α of its residual branch (1 without skip); ``bn`` is the cache of
    :func:`batchnorm_forward` (None without BN), and ``backward`` sets ``dgamma`` and ``dbeta`` next to
    ``dW`` and ``db``.
    """

    skip: bool = False
    scale: float = 1.0
    bn: tuple | None = None
    dgamma: np.ndarray | None = None
    dbeta: np.ndarray | None = None

    def __repr__(self):
        shapes = ", ".join(
            f"{key}={None if getattr(self, key) is None else getattr(self, key).shape}"
            for key in ("a_in", "z", "a", "delta", "dW", "db")
        )
        return f"Layer({shapes}, skip={self.skip}, scale={self.scale:g}, bn={self.bn is not None})"


def _check_options(net, residual, branch_scale, norm):
    if not isinstance(residual, bool):
        raise TypeError(f"residual must be True or False, got {residual!r}")
    branch_scale = positive_float("branch_scale", branch_scale)
    if norm is None:
        return branch_scale
    if not isinstance(norm, BatchNorm):
        raise TypeError(f"norm must be None or a BatchNorm (see remedies.batchnorm(net)), got {type(norm).__name__}")
    if [len(g) for g in norm.gammas] != net.widths[1:-1]:
        raise ValueError(
            f"norm has widths {[len(g) for g in norm.gammas]} but the net's hidden layers are {net.widths[1:-1]}"
        )
    return branch_scale


def _forward(weights, biases, phi, phi_out, a, residual, branch_scale, gammas, betas):
    """The forward pass for parameters with any leading axes (one net, or nets stacked on axis 0)."""
    cache = []
    last = len(weights) - 1
    for l, (W, b) in enumerate(zip(weights, biases)):
        u = a @ W.swapaxes(-1, -2) + b[..., None, :]
        if l == last:
            cache.append(Layer(a_in=a, z=u, a=phi_out(u)))
        else:
            z, bn = _bn_forward(u, gammas[l], betas[l]) if gammas is not None else (u, None)
            skip = residual and W.shape[-1] == W.shape[-2]
            out = phi(z)
            scale = branch_scale if skip else 1.0
            cache.append(Layer(a_in=a, z=z, a=a + scale * out if skip else out, skip=skip, scale=scale, bn=bn))
        a = cache[-1].a
    return a, cache


def _backward(weights, phi, phi_out, cache, grad_a):
    """The backward pass matching :func:`_forward`; fills the cache in place."""
    for l in reversed(range(len(cache))):
        layer = cache[l]
        slope = (phi_out if l == len(cache) - 1 else phi).derivative(layer.z)
        layer.delta = grad_a * (layer.scale * slope if layer.skip else slope)
        du = layer.delta
        if layer.bn is not None:
            du, layer.dgamma, layer.dbeta = _bn_backward(layer.delta, layer.bn)
        layer.dW = du.swapaxes(-1, -2) @ layer.a_in
        layer.db = du.sum(axis=-2)
        grad_in = du @ weights[l]
        grad_a = grad_in + grad_a if layer.skip else grad_in
    return cache


def forward(net, X, *, residual=False, branch_scale=1.0, norm=None):
    r"""Run a batch through an MLP with residual connections and/or batch normalization.

    Hidden layer l computes

    .. math:: u^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}, \quad z^{(l)} = \mathrm{BN}(u^{(l)}) \text{ or } u^{(l)},
              \quad a^{(l)} = \bigl[a^{(l-1)}\bigr]_\text{residual} + \alpha\,\phi(z^{(l)}),

    where the skip term (and the branch scale α) apply only when ``residual`` is true and the layer's
    input and output widths match. The output layer is plain, as in :func:`gradflow.nets.forward`.
    (Under BN the bias b is subtracted again with the batch mean, so it has no effect and gets a zero
    gradient.)

    Parameters
    ----------
    net : MLP
    X : array_like, shape (n_samples, n_in)
    residual : bool
    branch_scale : float
        α > 0. Each residual layer adds the variance of its branch to the signal, so deep residual
        nets often scale the branch down, e.g. α = 1/√L (in the spirit of Fixup, Zhang et al. 2019).
    norm : BatchNorm or None
        From :func:`batchnorm`; statistics are always those of this batch (training mode).

    Returns
    -------
    out : ndarray, shape (n_samples, n_out)
    cache : list of Layer

    Examples
    --------
    >>> net = nets.mlp([2, 3, 1], "relu", np.random.default_rng(0))
    >>> X = np.random.default_rng(1).normal(size=(4, 2))
    >>> bool(np.allclose(forward(net, X)[0], net(X)))  # no remedy: the plain net
    True
    >>> forward(net, X, residual=True)[1][0]  # widths 2 → 3 differ: no skip
    Layer(a_in=(4, 2), z=(4, 3), a=(4, 3), delta=None, dW=None, db=None, skip=False, scale=1, bn=False)
    """
    branch_scale = _check_options(net, residual, branch_scale, norm)
    X = nets._as_input(net, X)
    gammas, betas = (norm.gammas, norm.betas) if norm is not None else (None, None)
    return _forward(net.weights, net.biases, net.activation, net.output_activation, X, residual, branch_scale,
                    gammas, betas)


def backward(net, cache, dout):
    r"""Backpropagate through a cache of :func:`forward`, filling ``delta``, ``dW``, ``db`` (and ``dgamma``, ``dbeta``).

    .. math:: \delta^{(l)} = \frac{\partial L}{\partial a^{(l)}} \odot \alpha\,\phi'(z^{(l)}), \qquad
              \frac{\partial L}{\partial a^{(l-1)}} = W^{(l)\top} \frac{\partial L}{\partial u^{(l)}}
              + \Bigl[\frac{\partial L}{\partial a^{(l)}}\Bigr]_\text{residual},

    with α = 1 for a layer without skip, ∂L/∂u = δ without BN and the result of
    :func:`batchnorm_backward` with it.

    Parameters
    ----------
    net : MLP
    cache : list of Layer
        From :func:`forward` on ``net``; updated in place.
    dout : array_like, shape (n_samples, n_out)

    Returns
    -------
    cache : list of Layer

    Examples
    --------
    >>> net = nets.mlp([2, 3, 3, 1], "tanh", np.random.default_rng(0))
    >>> out, cache = forward(net, np.ones((4, 2)), residual=True, norm=batchnorm(net))
    >>> backward(net, cache, np.ones_like(out))[1].dgamma.shape
    (3,)
    """
    nets._check_cache(net, cache)
    if not all(isinstance(layer, Layer) for layer in cache):
        raise TypeError("cache must come from gradflow.remedies.forward (use gradflow.nets.backward for nets.forward)")
    grad_a = np.asarray(dout, dtype=net.dtype)
    if grad_a.shape != cache[-1].a.shape:
        raise ValueError(f"dout must have the shape of the net's output {cache[-1].a.shape}, got {grad_a.shape}")
    return _backward(net.weights, net.activation, net.output_activation, cache, grad_a)


def gradients(cache):
    """The gradient arrays of a backward cache in parameter order: ``[dW1, db1, ..., dγ1, dβ1, ...]``.

    The order matches ``net.parameters() + norm.parameters()``.

    Examples
    --------
    >>> net = nets.mlp([2, 2], "relu", np.random.default_rng(0))
    >>> out, cache = forward(net, np.ones((3, 2)))
    >>> [g.shape for g in gradients(backward(net, cache, np.ones_like(out)))]
    [(2, 2), (2,)]
    """
    nets._check_layers(cache)
    if any(layer.dW is None for layer in cache):
        raise ValueError("cache has no gradients yet; run backward(net, cache, dout) first")
    weights = [g for layer in cache for g in (layer.dW, layer.db)]
    return weights + [g for layer in cache if layer.bn is not None for g in (layer.dgamma, layer.dbeta)]


def gradient_profile(activation, depth, rng, *, width=20, n_samples=64, init="lecun_normal", gain=1.0,
                     residual=False, branch_scale=1.0, batchnorm=False):
    r"""Per-layer gradient norms :math:`\lVert \partial L/\partial W^{(l)} \rVert_F` of a fresh deep net.

    The net has ``depth`` weight layers: ``depth - 1`` hidden layers of ``width`` units with φ =
    ``activation`` and one linear output unit; its weights are ``gain`` times the draws of ``init``,
    biases 0. It sees a batch of ``n_samples`` standard-normal inputs of dimension ``width`` with
    standard-normal targets, under :func:`gradflow.nets.mse_loss`.

    Parameters
    ----------
    activation : str or Activation
    depth : int
        Number of weight layers L ≥ 2.
    rng : numpy.random.Generator
        Draws the weights, inputs and targets.
    width, n_samples : int
    init : str
        A name in :data:`gradflow.init.INITIALIZERS`.
    gain : float
        g > 0 multiplying every weight.
    residual, branch_scale, batchnorm : bool, float, bool
        The remedies (see :func:`forward`).

    Returns
    -------
    ndarray, shape (depth,)
        Entry l − 1 is layer l (the first layer first).

    Examples
    --------
    >>> gradient_profile("sigmoid", 5, np.random.default_rng(0)).shape
    (5,)
    """
    depth, width = positive_int("depth", depth), positive_int("width", width)
    if depth < 2:
        raise ValueError(f"depth must be at least 2 (one hidden layer and the output), got {depth}")
    check_rng(rng)
    gain = positive_float("gain", gain)
    draw = initializers.get(init)
    net = nets.mlp([width] * depth + [1], activation, rng, init=lambda i, o, r, dtype: gain * draw(i, o, r, dtype=dtype))
    X = rng.standard_normal((positive_int("n_samples", n_samples), width))
    y = rng.standard_normal((len(X), 1))
    norm = _batchnorm(net) if batchnorm else None
    out, cache = forward(net, X, residual=residual, branch_scale=branch_scale, norm=norm)
    backward(net, cache, nets.mse_loss(out, y)[1])
    return np.array([np.linalg.norm(layer.dW) for layer in cache])


# gradient_profile's ``batchnorm`` flag shadows the function of the same name.
_batchnorm = batchnorm


def _stacked_cross_entropy(logits, labels):
    """softmax_cross_entropy for logits of shape (S, n, k) and labels (S, n): per-net losses (S,) and ∂L/∂z."""
    log_p = activations.log_softmax(logits, axis=-1)
    picked = np.take_along_axis(log_p, labels[..., None], axis=-1)[..., 0]
    dlogits = np.exp(log_p)
    np.put_along_axis(dlogits, labels[..., None], np.take_along_axis(dlogits, labels[..., None], axis=-1) - 1, axis=-1)
    return -picked.mean(axis=-1), dlogits / logits.shape[-2]
