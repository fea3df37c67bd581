r"""Normalization as practitioners use it: batch norm's running statistics, layer norm, pre- and post-norm blocks.

* :func:`update_running` and :func:`batchnorm_inference`: batch normalization keeps a running mean
  and variance of every unit during training and normalizes with them at test time (Ioffe &
  Szegedy 2015, Algorithm 2), so that a prediction does not depend on the other test samples.
* :func:`layernorm_forward` and :func:`layernorm_backward`: the same standardization over the
  features of each sample instead of over the batch (Ba, Kiros & Hinton 2016).
* :class:`NormResidualNet`: a stack of residual blocks with layer norm after the addition
  (post-norm, the original Transformer) or at the branch input (pre-norm), the two placements
  Xiong et al. (2020) compare.

>>> x = np.array([[1.0, 2.0, 3.0]])
>>> layernorm_forward(x, np.ones(3), np.zeros(3), eps=0.0)[0].round(4)
array([[-1.2247,  0.    ,  1.2247]])
"""

import numpy as np

from gradflow import activations, nets
from gradflow import init as initializers
from gradflow._checks import check_rng, positive_int

#: ε added to the variance, PyTorch's default for ``BatchNorm1d`` and ``LayerNorm``.
EPS = 1e-5
#: Weight of the new batch in the running statistics, PyTorch's default ``momentum`` (Keras writes 0.99 for the old).
MOMENTUM = 0.1


def _standardize(x, gamma, beta, axis, eps):
    """γ·(x − mean)/√(var + ε) + β over ``axis``, and the cache for :func:`_standardize_backward`."""
    mean = x.mean(axis=axis, keepdims=True)
    inv_std = 1 / np.sqrt(x.var(axis=axis, keepdims=True) + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, inv_std, gamma)


def _standardize_backward(dy, cache, axis):
    r"""∂L/∂x of :func:`_standardize`: :math:`\frac{1}{\sigma}(g - \overline{g} - \hat x\,\overline{g \hat x})`, g = γ dy."""
    x_hat, inv_std, gamma = cache
    g = dy * gamma
    return inv_std * (g - g.mean(axis=axis, keepdims=True) - x_hat * (g * x_hat).mean(axis=axis, keepdims=True))


def _as_floats(name, x, ndim_min=2):
    x = np.asarray(x)
    if x.dtype.kind != "f" or x.ndim < ndim_min or x.size == 0:
        raise ValueError(f"{name} must be a non-empty floating array with at least {ndim_min} axes, got {x.dtype} {x.shape}")
    return x


def update_running(running_mean, running_var, u, momentum=MOMENTUM):
    r"""Fold one batch's statistics into batch norm's running mean and variance, in place.

    .. math:: \hat\mu \leftarrow (1 - m)\,\hat\mu + m\,\mu_B, \qquad
              \hat\sigma^2 \leftarrow (1 - m)\,\hat\sigma^2 + m\,\frac{n}{n-1}\sigma_B^2

    with :math:`\mu_B, \sigma_B^2` the mean and biased variance of each unit over the n samples of
    the batch: PyTorch's convention (``momentum`` m = 0.1 is the weight of the *new* batch; Keras's
    ``momentum=0.99`` is the weight of the old value). Taking m = 1/k at the k-th batch gives the cumulative average
    over the batches seen so far, which is the population estimate of Ioffe & Szegedy (2015),
    Algorithm 2: :math:`E[x] = E_B[\mu_B]`, :math:`\mathrm{Var}[x] = \frac{n}{n-1} E_B[\sigma_B^2]`.

    Parameters
    ----------
    running_mean, running_var : ndarray, shape (n_units,)
        Updated in place.
    u : ndarray, shape (..., n_samples, n_units)
        The batch of pre-normalization values, n ≥ 2 (leading axes: stacked nets, as running_mean).
    momentum : float in (0, 1]

    Examples
    --------
    >>> mean, var = np.zeros(1), np.ones(1)
    >>> update_running(mean, var, np.array([[1.0], [3.0]]), momentum=0.5)
    >>> mean, var  # (0 + 2)/2 and (1 + 2)/2, the batch variance taken unbiased: 2
    (array([1.]), array([1.5]))
    """
    u = _as_floats("u", u)
    if u.shape[-2] < 2:
        raise ValueError(f"running statistics need at least 2 samples per batch (unbiased variance), got {u.shape[-2]}")
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 < momentum <= 1:
        raise ValueError(f"momentum must be a number in (0, 1], got {momentum!r}")
    n = u.shape[-2]
    fold(running_mean, running_var, u.mean(axis=-2), u.var(axis=-2) * (n / (n - 1)), momentum)


def fold(running_mean, running_var, batch_mean, batch_var, momentum=MOMENTUM):
    """The update of :func:`update_running` from a batch's mean and unbiased variance, in place."""
    running_mean *= 1 - momentum
    running_mean += momentum * batch_mean
    running_var *= 1 - momentum
    running_var += momentum * batch_var


def batchnorm_inference(u, gamma, beta, running_mean, running_var, eps=EPS):
    r"""Batch normalization at test time: the running statistics instead of the batch's.

    .. math:: y = \gamma\,\frac{u - \hat\mu}{\sqrt{\hat\sigma^2 + \varepsilon}} + \beta

    (Ioffe & Szegedy 2015, Algorithm 2, step 11). Each sample is transformed on its own, by a fixed
    affine map per unit, so a prediction does not depend on which other samples share its batch.

    Parameters
    ----------
    u : ndarray, shape (..., n_samples, n_units)
    gamma, beta, running_mean, running_var : ndarray, shape (..., n_units)

    Returns
    -------
    ndarray, the shape of u

    Examples
    --------
    >>> batchnorm_inference(np.array([[3.0]]), np.ones(1), np.zeros(1), np.array([1.0]), np.array([4.0]), eps=0.0)
    array([[1.]])
    """
    u = _as_floats("u", u, ndim_min=1)
    scale = gamma / np.sqrt(running_var + eps)
    return (u - running_mean[..., None, :]) * scale[..., None, :] + beta[..., None, :]


def layernorm_forward(x, gamma, beta, eps=EPS):
    r"""Layer normalization: standardize each sample over its features, then scale and shift.

    .. math:: \hat x_{i} = \frac{x_{i} - \mu_i}{\sqrt{\sigma_i^2 + \varepsilon}}, \qquad
              y_{i} = \gamma \odot \hat x_{i} + \beta,

    with :math:`\mu_i, \sigma_i^2` the mean and biased variance of the d features of sample i (Ba,
    Kiros & Hinton 2016). Unlike batch norm it computes the same thing in training and at test time.

    Parameters
    ----------
    x : ndarray, shape (..., d)
    gamma, beta : ndarray, shape (d,)

    Returns
    -------
    y : ndarray, the shape of x
    cache : tuple
        For :func:`layernorm_backward`.

    Examples
    --------
    >>> y, _ = layernorm_forward(np.array([[1.0, 3.0], [0.0, 10.0]]), np.ones(2), np.zeros(2), eps=0.0)
    >>> y
    array([[-1.,  1.],
           [-1.,  1.]])
    """
    x = _as_floats("x", x, ndim_min=1)
    gamma, beta = np.asarray(gamma, x.dtype), np.asarray(beta, x.dtype)
    if gamma.shape != x.shape[-1:] or beta.shape != x.shape[-1:]:
        raise ValueError(f"gamma and beta must have shape {x.shape[-1:]}, got {gamma.shape} and {beta.shape}")
    return _standardize(x, gamma, beta, -1, eps)


def layernorm_backward(dy, cache):
    r"""Gradients of layer normalization with respect to x, γ and β.

    .. math:: \frac{\partial L}{\partial x_i} = \frac{1}{\sqrt{\sigma_i^2+\varepsilon}}\Bigl(g_i - \overline{g_i}
              - \hat x_i\,\overline{g_i \odot \hat x_i}\Bigr), \quad g_i = \gamma \odot \frac{\partial L}{\partial y_i},

    means over the d features of sample i; ∂L/∂γ and ∂L/∂β sum ∂L/∂y ⊙ x̂ and ∂L/∂y over samples.

    Examples
    --------
    >>> y, cache = layernorm_forward(np.array([[1.0, 3.0]]), np.ones(2), np.zeros(2))
    >>> dx, dgamma, dbeta = layernorm_backward(np.ones((1, 2)), cache)
    >>> dx, dbeta  # adding a constant to every feature of y is invisible to x
    (array([[0., 0.]]), array([1., 1.]))
    """
    x_hat = cache[0]
    dy = np.asarray(dy, x_hat.dtype)
    if dy.shape != x_hat.shape:
        raise ValueError(f"dy must have the shape of the normalized input {x_hat.shape}, got {dy.shape}")
    batch_axes = tuple(range(dy.ndim - 1))
    return _standardize_backward(dy, cache, -1), (dy * x_hat).sum(axis=batch_axes), dy.sum(axis=batch_axes)


class NormResidualNet:
    r"""Residual blocks with layer norm placed after the sum (post-norm) or at the branch input (pre-norm).

    An input layer maps the n_in features to width d, ``depth`` blocks follow, then a linear head:

    .. math:: \text{post-norm:}\quad h_l = \mathrm{LN}_l\bigl(h_{l-1} + \phi(W_l h_{l-1} + b_l)\bigr), \qquad
              \text{pre-norm:}\quad h_l = h_{l-1} + \phi\bigl(W_l\,\mathrm{LN}_l(h_{l-1}) + b_l\bigr),

    and the pre-norm net normalizes once more before the head, as Xiong et al. (2020) do. Weights
    are drawn by ``init`` (He normal by default), biases 0, γ = 1, β = 0. Trained with softmax
    cross-entropy through :func:`gradflow.training.train` (``count`` is None: one net).

    >>> net = NormResidualNet(4, 8, 3, depth=5, activation="relu", rng=np.random.default_rng(0), placement="pre")
    >>> len(net.parameters()), net
    (26, NormResidualNet(4 → 5 × 8 → 3, relu, pre-norm))
    """

    count = None

    def __init__(self, n_in, width, n_out, *, depth, activation, rng, placement, init="he_normal"):
        n_in, width, n_out, depth = (positive_int(k, v) for k, v in
                                     (("n_in", n_in), ("width", width), ("n_out", n_out), ("depth", depth)))
        check_rng(rng)
        if placement not in ("pre", "post"):
            raise ValueError(f"placement must be 'pre' or 'post', got {placement!r}")
        self.placement, self.activation = placement, activations.resolve(activation)
        draw = initializers.get(init)
        self.W_in, self.b_in = draw(n_in, width, rng), np.zeros(width)
        self.blocks = [[draw(width, width, rng), np.zeros(width), np.ones(width), np.zeros(width)] for _ in range(depth)]
        self.final = [np.ones(width), np.zeros(width)] if placement == "pre" else []
        self.W_out, self.b_out = draw(width, n_out, rng), np.zeros(n_out)

    def parameters(self):
        """``[W_in, b_in, W1, b1, γ1, β1, ..., (γ_final, β_final), W_out, b_out]``, the net's own arrays."""
        return [self.W_in, self.b_in, *(p for block in self.blocks for p in block), *self.final, self.W_out, self.b_out]

    def forward(self, X):
        """Logits of shape (n, n_out) for X of shape (n, n_in), and the cache :meth:`backward` needs."""
        h = X @ self.W_in.T + self.b_in
        phi, blocks = self.activation, []
        for W, b, gamma, beta in self.blocks:
            if self.placement == "post":
                z = h @ W.T + b
                blocks.append((h, z))
                h, ln = layernorm_forward(h + phi(z), gamma, beta)
            else:
                normalized, ln = layernorm_forward(h, gamma, beta)
                z = normalized @ W.T + b
                blocks.append((normalized, z))
                h = h + phi(z)
            blocks[-1] += (ln,)
        final = None
        if self.final:
            h, final = layernorm_forward(h, *self.final)
        return h @ self.W_out.T + self.b_out, (X, blocks, final, h)

    def backward(self, dlogits, cache):
        """Gradients in the order of :meth:`parameters`, from ∂L/∂logits and the cache of :meth:`forward`."""
        X, blocks, final, h = cache
        head = [dlogits.T @ h, dlogits.sum(axis=0)]
        dh = dlogits @ self.W_out
        final_grads = []
        if final is not None:
            dh, *final_grads = layernorm_backward(dh, final)
        grads = []
        for (W, _, _, _), (a_in, z, ln) in zip(reversed(self.blocks), reversed(blocks)):
            if self.placement == "post":
                ds, dgamma, dbeta = layernorm_backward(dh, ln)
                dz = ds * self.activation.derivative(z)
                dh = ds + dz @ W
            else:
                dz = dh * self.activation.derivative(z)
                dx, dgamma, dbeta = layernorm_backward(dz @ W, ln)
                dh = dh + dx
            grads[:0] = [dz.T @ a_in, dz.sum(axis=0), dgamma, dbeta]
        return [dh.T @ X, dh.sum(axis=0), *grads, *final_grads, *head]

    def objective(self, X, labels):
        """Softmax cross-entropy on a batch, its gradients and the cache (for :func:`gradflow.training.train`)."""
        logits, cache = self.forward(X)
        loss, dlogits = nets.softmax_cross_entropy(logits, labels)
        return loss, self.backward(dlogits, cache), cache

    def block_gradient_norms(self, X, labels):
        r"""‖∂L/∂W_l‖_F of every block, shape (depth,), the first block first."""
        _, grads, _ = self.objective(X, labels)
        return np.array([np.linalg.norm(g) for g in grads[2 : 2 + 4 * len(self.blocks) : 4]])

    def __repr__(self):
        return (f"NormResidualNet({self.W_in.shape[1]} → {len(self.blocks)} × {self.W_in.shape[0]} → "
                f"{self.W_out.shape[0]}, {self.activation.name}, {self.placement}-norm)")
