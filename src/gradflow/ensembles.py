r"""Forward passes and gradients of many small MLPs of the same shape, as one stack of batched matrix products.

Comparing activations fairly takes several seeds per setting, and a Python loop over nets pays
NumPy's per-call overhead once per net. Here K nets of identical widths and activation are stacked:
``weights[l - 1]`` has shape (K, n_l, n_{l-1}) and every layer of all K nets is one batched product,

.. math:: Z_k^{(l)} = A_k^{(l-1)} W_k^{(l)\top} + b_k^{(l)}, \qquad k = 1, \dots, K,

with the same backpropagation as :mod:`gradflow.nets` (BP2 per net). Training such a stack is
:class:`gradflow.training.Stack` with :func:`gradflow.training.train`.

>>> rng = np.random.default_rng(0)
>>> nets_ = [nets.mlp([4, 8, 3], "tanh", rng) for _ in range(5)]
>>> X, labels = rng.normal(size=(30, 4)), rng.integers(0, 3, size=30)
>>> losses, dW, db = ensemble_gradients(nets_, X, labels)
>>> losses.shape, accuracies(nets_, X, labels).shape
((5,), (5,))
"""

import numpy as np

from gradflow import activations, nets


def _stack(mlps):
    """The weights and biases of a list of MLPs as stacked arrays, after checking they fit together."""
    mlps = list(mlps)
    if len(mlps) == 0 or not all(isinstance(net, nets.MLP) for net in mlps):
        raise TypeError("expected a non-empty list of gradflow.nets.MLP, e.g. [nets.mlp(...) for seed in seeds]")
    first = mlps[0]
    for k, net in enumerate(mlps[1:], start=2):
        if net.widths != first.widths or net.dtype != first.dtype:
            raise ValueError(
                f"net {k} has widths {net.widths} and dtype {net.dtype}; all nets must match net 1: "
                f"widths {first.widths}, dtype {first.dtype}"
            )
        if repr(net.activation) != repr(first.activation) or repr(net.output_activation) != repr(
            first.output_activation
        ):
            raise ValueError(
                f"net {k} uses {net.activation!r} → {net.output_activation!r}; all nets must use the "
                f"activations of net 1, {first.activation!r} → {first.output_activation!r}"
            )
    if first.output_activation.name != "identity":
        raise ValueError(
            "the nets are trained with softmax cross-entropy, which needs a linear output layer "
            f"(output='identity'), got {first.output_activation!r}"
        )
    weights = [np.stack([net.weights[l] for net in mlps]) for l in range(len(first.weights))]
    biases = [np.stack([net.biases[l] for net in mlps]) for l in range(len(first.biases))]
    return weights, biases, first.activation


def stacked_forward(weights, biases, phi, A):
    """Logits of every net and the (input, pre-activation) pairs backpropagation needs.

    ``weights[l - 1]`` has shape (K, n_l, n_{l-1}), ``biases[l - 1]`` (K, n_l); ``A`` is (K, n, n_0), or
    (1, n, n_0) for one batch shared by all nets; ``phi`` is the hidden layers' activation and the
    output layer is linear. Works on raw stacked arrays, for callers that draw their own ensembles.
    """
    cache = []
    for l, (W, b) in enumerate(zip(weights, biases)):
        Z = A @ W.transpose(0, 2, 1) + b[:, None, :]
        cache.append((A, Z))
        A = Z if l == len(weights) - 1 else phi(Z)
    return A, cache


def _check_data(X, labels, n_in, n_out):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != n_in or len(X) == 0:
        raise ValueError(f"X must have shape (n_samples, {n_in}) with n_samples ≥ 1, got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinity")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu" or labels.shape != (len(X),):
        raise ValueError(f"labels must be integer class indices of shape ({len(X)},), got {labels.dtype} {labels.shape}")
    if labels.min() < 0 or labels.max() >= n_out:
        raise ValueError(f"labels must lie in 0..{n_out - 1}, got values from {labels.min()} to {labels.max()}")
    return X, labels


def ensemble_gradients(mlps, X, labels):
    r"""Softmax cross-entropy of each net on the same batch, and its gradients, computed as one stack.

    .. math:: L_k = -\frac{1}{n} \sum_{i=1}^{n} \log \operatorname{softmax}(z_{k,i}^{(L)})_{y_i}, \qquad
              \delta_k^{(l)} = \bigl(\delta_k^{(l+1)} W_k^{(l+1)}\bigr) \odot \phi'(Z_k^{(l)})

    Parameters
    ----------
    mlps : list of MLP
        K nets with the same widths, dtype and activations, and a linear output layer.
    X : array_like, shape (n_samples, n_in), or (K, n_samples, n_in) for one batch per net
    labels : array_like of int, shape (n_samples,), or (K, n_samples)

    Returns
    -------
    losses : ndarray, shape (K,)
    dW : list of ndarray
        ``dW[l - 1]`` has shape (K, n_l, n_{l-1}): ∂L_k/∂W_k⁽ˡ⁾.
    db : list of ndarray
        ``db[l - 1]`` has shape (K, n_l).

    Examples
    --------
    >>> net = nets.mlp([2, 3, 2], "relu", np.random.default_rng(0))
    >>> losses, dW, db = ensemble_gradients([net, net.copy()], np.ones((4, 2)), [0, 1, 0, 1])
    >>> losses.shape, dW[0].shape, bool(losses[0] == losses[1])
    ((2,), (2, 3, 2), True)
    """
    weights, biases, phi = _stack(mlps)
    n_in, n_out, K = weights[0].shape[2], weights[-1].shape[1], len(weights[0])
    X, labels = np.asarray(X, dtype=weights[0].dtype), np.asarray(labels)
    per_net = X.ndim == 3
    flat_X, flat_labels = _check_data(X.reshape(-1, X.shape[-1]) if per_net else X, labels.reshape(-1), n_in, n_out)
    if per_net and (X.shape[0] != K or labels.shape != X.shape[:2]):
        raise ValueError(f"per-net batches need X of shape ({K}, n, {n_in}) and labels ({K}, n); got {X.shape}, {labels.shape}")
    X = flat_X.reshape(X.shape) if per_net else np.broadcast_to(flat_X, (K, *flat_X.shape))
    labels = flat_labels.reshape(labels.shape) if per_net else np.broadcast_to(flat_labels, (K, len(flat_labels)))
    return stacked_gradients(weights, biases, phi, X, labels)


def stacked_gradients(weights, biases, phi, X, labels):
    """Softmax cross-entropy of each net (K,) and its gradients, for stacked arrays as in :func:`stacked_forward`.

    ``X`` is (K, n, n_0) and ``labels`` (K, n); no input checks (see :func:`ensemble_gradients`).
    """
    logits, cache = stacked_forward(weights, biases, phi, X)
    K, n = labels.shape
    log_p = activations.log_softmax(logits, axis=-1)
    picked = np.take_along_axis(log_p, labels[..., None], axis=-1)[..., 0]
    losses = -picked.mean(axis=1)
    grad = np.exp(log_p)
    np.put_along_axis(grad, labels[..., None], np.take_along_axis(grad, labels[..., None], axis=-1) - 1, axis=-1)
    grad /= n
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in reversed(range(len(weights))):
        A_in, Z = cache[l]
        delta = grad if l == len(weights) - 1 else grad * phi.derivative(Z)
        dW[l] = delta.transpose(0, 2, 1) @ A_in
        db[l] = delta.sum(axis=1)
        if l > 0:
            grad = delta @ weights[l]
    return losses, dW, db


def accuracies(mlps, X, labels):
    """Fraction of samples each net classifies correctly (largest output at the label's index).

    Parameters
    ----------
    mlps : list of MLP
        K nets as for :func:`ensemble_gradients`.
    X : array_like, shape (n_samples, n_in)
    labels : array_like of int, shape (n_samples,)

    Returns
    -------
    ndarray, shape (K,)

    Examples
    --------
    >>> net = nets.MLP([np.eye(2)], [np.zeros(2)], "identity", "identity")
    >>> accuracies([net, net], [[1.0, 0.0], [0.0, 1.0]], [0, 0])
    array([0.5, 0.5])
    """
    weights, biases, phi = _stack(mlps)
    X, labels = _check_data(X, labels, weights[0].shape[2], weights[-1].shape[1])
    logits, _ = stacked_forward(weights, biases, phi, X.astype(weights[0].dtype)[None])
    return np.mean(logits.argmax(axis=-1) == labels, axis=1)
