r"""One training loop: minibatches, an objective that returns gradients, an optimizer, optional hooks.

:func:`train` knows nothing about networks. It takes a *model*: ``parameters()``, the list of
arrays the optimizer updates in place; ``objective(X_batch, y_batch) -> (loss, grads, cache)``, with
``grads`` in the order of the parameters and ``cache`` the per-layer records hooks look at; and
``count``, None for one model or K for K models trained side by side; optionally
``check_data(X, y) -> (X, y)``, which checks all of the data before the first step. :class:`Net`
wraps one :class:`~gradflow.nets.MLP`; :class:`Stack` holds K nets of one architecture as stacked
arrays (one batched computation, one data shuffle per net unless the batches are shared), with
residual connections and batch normalization if asked; a :class:`gradflow.layers.Network` of gated
or maxout layers is a model too. Any :mod:`gradflow.optimizers` optimizer drives the updates. A hook
is called after every step with a :class:`Step`; without hooks the loop copies nothing and computes
nothing beyond forward, backward, the joint gradient norm it records, and the update.

>>> from gradflow import nets, optimizers
>>> rng = np.random.default_rng(0)
>>> X, labels = rng.normal(size=(64, 3)), rng.integers(0, 2, size=64)
>>> net = nets.mlp([3, 8, 2], "tanh", rng)
>>> history = train(Net(net), X, labels, rng=rng, optimizer=optimizers.adam(0.01), epochs=5)
>>> history["loss"].shape, bool(history["loss"][-1] < history["loss"][0])
((5,), True)
"""

from dataclasses import dataclass

import numpy as np

from gradflow import nets, normalization, remedies
from gradflow._checks import check_rng, positive_float, positive_int
from gradflow.optimizers import Optimizer


@dataclass(eq=False)
class Step:
    """What a hook sees after step ``step`` (counted from 0 over the whole run).

    ``loss`` (float, or shape (K,) for a stack) and ``cache`` were computed before the update,
    ``grads`` are the gradients the optimizer received (after clipping), ``params`` are already
    updated and ``updates[k]`` is the change the step made to ``params[k]``.
    """

    step: int
    loss: float | np.ndarray
    cache: list
    grads: list
    params: list
    updates: list


class Net:
    """One :class:`~gradflow.nets.MLP` with a loss, as :func:`train` takes it.

    ``objective(X, y) -> (loss, grads, cache)`` runs :func:`gradflow.nets.forward` and
    :func:`gradflow.nets.backward`; ``grads`` follow ``net.parameters()`` and ``cache`` is the list
    of :class:`gradflow.nets.Layer`. ``loss`` is a name in :data:`gradflow.nets.LOSSES`.

    >>> model = Net(nets.mlp([2, 3, 2], "relu", np.random.default_rng(0)))
    >>> value, grads, cache = model.objective(np.ones((4, 2)), np.array([0, 1, 0, 1]))
    >>> [g.shape for g in grads] == [p.shape for p in model.parameters()]
    True
    """

    #: A single model: one shuffle per epoch, a float loss.
    count = None

    def __init__(self, net, loss="cross_entropy"):
        if not isinstance(net, nets.MLP):
            raise TypeError(f"net must be a gradflow.nets.MLP, got {type(net).__name__}")
        if loss not in nets.LOSSES:
            raise ValueError(f"unknown loss {loss!r}; valid names: {', '.join(nets.LOSSES)}")
        self.net, self.loss = net, loss

    def parameters(self):
        """``net.parameters()``, the net's own arrays ``[W1, b1, W2, b2, ...]``."""
        return self.net.parameters()

    def check_data(self, X, y):
        """X and y as arrays of the net's dtype, checked once before training (ValueError if they do not fit)."""
        X = nets._as_input(self.net, X)
        n, n_out = len(X), self.net.widths[-1]
        if self.loss == "cross_entropy":
            return X, nets._as_labels(y, n, n_out)
        return X, nets._as_targets(y, (n, n_out), self.net.dtype)

    def objective(self, X, y):
        """The loss on a batch, its gradients in parameter order, and the forward/backward cache."""
        out, cache = nets.forward(self.net, X)
        value, dout = nets.LOSSES[self.loss](out, y)
        nets.backward(self.net, cache, dout)
        return value, [g for layer in cache for g in (layer.dW, layer.db)], cache

    def __repr__(self):
        return f"Net({self.net!r}, loss={self.loss!r})"


class Stack:
    """K MLPs of one architecture as stacked arrays (leading axis K), trained by one objective.

    ``weights[l - 1]`` has shape (K, n_l, n_{l-1}); with ``norm`` every hidden layer also has
    batch-norm scales and shifts of shape (K, n_l), and every training step folds the batch's
    statistics into ``running_means`` and ``running_vars`` (PyTorch's convention, see
    :func:`gradflow.normalization.update_running`), which :meth:`predict` uses as frameworks do at
    test time. :meth:`nets` copies the stack back into K separate :class:`~gradflow.nets.MLP`.
    By default :func:`train` draws one shuffle per net, as for K independent runs; with
    ``shared_batches`` every net sees the same batches, which compares the nets (say, K
    initializations) on identical data, one shuffle per epoch.

    >>> rng = np.random.default_rng(0)
    >>> stack = Stack([nets.mlp([2, 4, 2], "relu", rng) for _ in range(3)])
    >>> stack
    Stack(3 × MLP([2, 4, 2], activation='relu', output='identity'), residual=False, norm=False)
    """

    def __init__(self, mlps, *, residual=False, branch_scale=1.0, norm=False, shared_batches=False):
        mlps = list(mlps)
        if not mlps or not all(isinstance(net, nets.MLP) for net in mlps):
            raise TypeError("expected a non-empty list of gradflow.nets.MLP, e.g. [nets.mlp(...) for seed in seeds]")
        first = mlps[0]
        for k, net in enumerate(mlps[1:], start=2):
            if repr(net) != repr(first) or net.dtype != first.dtype:
                raise ValueError(f"net {k} is {net!r} ({net.dtype}); every net must match net 1, {first!r} ({first.dtype})")
        for name, flag in (("norm", norm), ("shared_batches", shared_batches)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be True or False, got {flag!r}")
        self.template, self.count = first, len(mlps)
        self.branch_scale = remedies._check_options(first, residual, branch_scale, None)
        self.residual, self.norm, self.shared_batches = residual, norm, shared_batches
        self.weights = [np.stack(Ws) for Ws in zip(*(net.weights for net in mlps))]
        self.biases = [np.stack(bs) for bs in zip(*(net.biases for net in mlps))]
        hidden = first.widths[1:-1]
        self.gammas = [np.ones((self.count, w), first.dtype) for w in hidden] if norm else None
        self.betas = [np.zeros((self.count, w), first.dtype) for w in hidden] if norm else None
        self.running_means = [np.zeros((self.count, w), first.dtype) for w in hidden] if norm else None
        self.running_vars = [np.ones((self.count, w), first.dtype) for w in hidden] if norm else None

    def check_data(self, X, labels):
        """X in the nets' dtype and integer labels, checked once before training."""
        X = nets._as_input(self.template, X)
        return X, nets._as_labels(labels, len(X), self.template.widths[-1])

    def parameters(self):
        """``[W1, b1, ..., WL, bL]`` then, with batch norm, ``[γ1, β1, ...]``: the stack's own arrays."""
        params = [p for W, b in zip(self.weights, self.biases) for p in (W, b)]
        return params + ([p for g, b in zip(self.gammas, self.betas) for p in (g, b)] if self.norm else [])

    def forward(self, X):
        """Logits of shape (K, n, n_out) and the :class:`gradflow.remedies.Layer` cache, for X (K, n, n_in) or (n, n_in)."""
        return remedies._forward(self.weights, self.biases, self.template.activation, self.template.output_activation,
                                 np.asarray(X, self.template.dtype), self.residual, self.branch_scale, self.gammas,
                                 self.betas)

    def objective(self, X, labels):
        """Softmax cross-entropy of each net on its batch, shape (K,), its gradients and the cache."""
        out, cache = self.forward(X)
        losses, dout = remedies._stacked_cross_entropy(out, labels)
        remedies._backward(self.weights, self.template.activation, self.template.output_activation, cache, dout)
        grads = [g for layer in cache for g in (layer.dW, layer.db)]
        if self.norm:
            grads += [g for layer in cache[:-1] for g in (layer.dgamma, layer.dbeta)]
            self._update_running(cache)
        return losses, grads, cache

    def _update_running(self, cache):
        """Fold each hidden layer's batch mean and variance of u = Wa + b into the running statistics."""
        n = cache[0].a_in.shape[-2]
        if n < 2:
            return
        for W, b, layer, mean, var in zip(self.weights, self.biases, cache, self.running_means, self.running_vars):
            # u is linear in a_in, so its batch mean costs a vector-matrix product; BN's cache has its variance.
            batch_mean = (layer.a_in.mean(axis=-2, keepdims=True) @ W.swapaxes(-1, -2))[..., 0, :] + b
            batch_var = (1 / layer.bn[1][..., 0, :] ** 2 - remedies.EPS) * (n / (n - 1))
            normalization.fold(mean, var, batch_mean, batch_var)

    def predict(self, X):
        """Logits (K, n, n_out) at test time: batch norm with the running statistics, each sample on its own."""
        if not self.norm:
            return self.forward(X)[0]
        a, last = np.asarray(X, self.template.dtype), len(self.weights) - 1
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            u = a @ W.swapaxes(-1, -2) + b[..., None, :]
            if l == last:
                return self.template.output_activation(u)
            z = normalization.batchnorm_inference(u, self.gammas[l], self.betas[l], self.running_means[l],
                                                  self.running_vars[l], remedies.EPS)
            out = self.template.activation(z)
            a = a + self.branch_scale * out if self.residual and W.shape[-1] == W.shape[-2] else out

    def nets(self):
        """The K nets as separate :class:`~gradflow.nets.MLP` (copies of the trained weights)."""
        t = self.template
        return [nets.MLP([W[k].copy() for W in self.weights], [b[k].copy() for b in self.biases], t.activation,
                         t.output_activation) for k in range(self.count)]

    def accuracy(self, X, labels):
        """Fraction of samples each net classifies correctly, shape (K,), through :meth:`predict`."""
        out = self.predict(np.asarray(X)[None])
        return np.mean(out.argmax(axis=-1) == np.asarray(labels), axis=-1)

    def __repr__(self):
        return f"Stack({self.count} × {self.template!r}, residual={self.residual}, norm={self.norm})"


def _joint_norms(grads, count):
    """The joint norm of all gradients: a float, or one per net of a stack, shape (K,)."""
    if count is None:
        return float(np.sqrt(sum(np.vdot(g, g) for g in grads)))
    return np.sqrt(sum((g.reshape(count, -1) ** 2).sum(axis=1) for g in grads))


def _clip(grads, norms, max_norm, count):
    """Scale the gradients in place to joint norm ≤ max_norm (per net for a stack)."""
    factor = remedies._clip_factor(norms, max_norm)
    for g in grads:
        g *= factor if count is None else factor.reshape((count,) + (1,) * (g.ndim - 1)).astype(g.dtype)


def train(model, X, y, *, rng, optimizer, epochs=10, batch_size=32, max_norm=None, hooks=()):
    r"""Minibatch training: each epoch shuffles the samples and takes one optimizer step per batch.

    Step t computes ``loss, grads, cache = objective(X_batch, y_batch)``, optionally clips the
    gradients to joint norm τ = ``max_norm`` (Pascanu, Mikolov & Bengio 2013:
    :math:`g \leftarrow g \min(1, \tau/\lVert g\rVert)`), lets the optimizer update ``params`` in
    place, and calls every hook with a :class:`Step`.

    Parameters
    ----------
    model : Net or Stack
        Anything with ``parameters()`` (arrays updated in place), ``objective(X_batch, y_batch) ->
        (loss, grads, cache)``, optionally ``check_data(X, y) -> (X, y)``, and ``count``: None for
        one model; K for a :class:`Stack` of K nets, which each draw their own shuffle every epoch
        (batches have shape (K, b, n_in), losses shape (K,), and clipping acts per net) unless the
        stack has ``shared_batches`` (one shuffle, batches of shape (1, b, n_in)).
    X : array_like, shape (n_samples, n_in)
    y : array_like, shape (n_samples, ...)
        Targets or integer labels, as the objective expects.
    rng : numpy.random.Generator
        Draws the shuffles.
    optimizer : Optimizer
        From :mod:`gradflow.optimizers`.
    epochs, batch_size : int
        Positive; the last batch of an epoch may be smaller.
    max_norm : float or None
        Clipping threshold τ > 0, or None for no clipping.
    hooks : sequence of callable
        Each called as ``hook(Step)`` after every step.

    Returns
    -------
    history : dict
        ``"loss"``: the mean over samples of the loss measured during each epoch (each batch before
        its step), shape (epochs,) or (K, epochs); ``"grad_norm"``: the joint norm of all gradients
        at every step, before any clipping, shape (steps,) or (K, steps).

    Examples
    --------
    >>> from gradflow import optimizers
    >>> rng = np.random.default_rng(1)
    >>> X, labels = rng.normal(size=(40, 2)), rng.integers(0, 2, size=40)
    >>> stack = Stack([nets.mlp([2, 4, 2], "relu", rng) for _ in range(3)])
    >>> history = train(stack, X, labels, rng=rng, optimizer=optimizers.sgd(0.1), epochs=2)
    >>> history["loss"].shape
    (3, 2)
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must come from gradflow.optimizers (e.g. optimizers.adam(1e-3)), got {optimizer!r}")
    check_rng(rng)
    epochs, batch_size = positive_int("epochs", epochs), positive_int("batch_size", batch_size)
    if max_norm is not None:
        max_norm = positive_float("max_norm", max_norm)
    if not all(callable(hook) for hook in hooks):
        raise TypeError("hooks must be a sequence of callables hook(step)")
    if hasattr(model, "check_data"):
        # All of the data is checked before the first step, not when a bad row comes up mid-epoch.
        X, y = model.check_data(X, y)
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or len(X) == 0 or len(y) != len(X):
        raise ValueError(f"X must have shape (n_samples, n_in) and y one row per sample, got {X.shape} and {y.shape}")
    n = len(X)
    params, objective, count = model.parameters(), model.objective, model.count
    losses, grad_norms = np.zeros((epochs,) if count is None else (count, epochs)), []
    state = optimizer.init(params)
    step = 0
    for epoch in range(epochs):
        # One shuffled copy per epoch makes every batch a contiguous slice; nets sharing batches
        # share one shuffle of shape (1, n), which broadcasts against the stack.
        if count is None or getattr(model, "shared_batches", False):
            order = rng.permutation(n) if count is None else rng.permutation(n)[None]
        else:
            order = rng.permuted(np.broadcast_to(np.arange(n), (count, n)), axis=1)
        X_epoch, y_epoch = X[order], y[order]
        for start in range(0, n, batch_size):
            rows = slice(start, start + batch_size)
            batch = rows if count is None else (slice(None), rows)
            X_batch, y_batch = X_epoch[batch], y_epoch[batch]
            loss, grads, cache = objective(X_batch, y_batch)
            grad_norms.append(_joint_norms(grads, count))
            if max_norm is not None:
                _clip(grads, grad_norms[-1], max_norm, count)
            before = [p.copy() for p in params] if hooks else None
            params, state = optimizer.update(grads, state, params)
            losses[..., epoch] += loss * (X_batch.shape[-2] / n)
            if hooks:
                record = Step(step, loss, cache, grads, params, [p - b for p, b in zip(params, before)])
                for hook in hooks:
                    hook(record)
            step += 1
    return {"loss": losses, "grad_norm": np.array(grad_norms).T}
