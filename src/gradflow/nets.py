r"""A small NumPy multilayer perceptron whose forward and backward passes can be looked into.

Batch-major: ``X`` has shape (n_samples, n_features), one sample per row, so layer l computes

.. math:: Z^{(l)} = A^{(l-1)} W^{(l)\top} + b^{(l)}, \qquad A^{(l)} = \phi(Z^{(l)}),

which is the book's :math:`z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}` for every row at once.
:func:`forward` returns a cache with one :class:`Layer` per layer and :func:`backward` fills in
δ⁽ˡ⁾, ∂L/∂W⁽ˡ⁾ and ∂L/∂b⁽ˡ⁾ in the same records, so a chapter can plot any quantity of any layer from
one list. Layers are numbered from 1 as in the book (and in error messages); layer l is ``cache[l - 1]``.

A training step is four calls::

    out, cache = forward(net, X)
    loss, dout = mse_loss(out, y)
    backward(net, cache, dout)
    sgd_step(net, cache, lr=0.1)
"""

import numbers
from dataclasses import dataclass

import numpy as np

from gradflow import activations
from gradflow import init as initializers
from gradflow._checks import check_finite, check_rng, positive_float, positive_int, real_array


def _describe(activation):
    params = ", ".join(f"{key}={value}" for key, value in activation.params.items())
    return f"{activation.name}({params})" if params else activation.name


@dataclass(eq=False)
class Layer:
    """What one layer received and computed for a batch of n samples.

    ``forward`` sets ``a_in`` (shape (n, n_in)), ``z`` and ``a`` (shape (n, n_out)); ``backward`` sets
    ``delta`` = ∂L/∂z (shape (n, n_out)), ``dW`` (shape (n_out, n_in)) and ``db`` (shape (n_out,)).
    """

    a_in: np.ndarray
    z: np.ndarray
    a: np.ndarray
    delta: np.ndarray | None = None
    dW: np.ndarray | None = None
    db: np.ndarray | None = None

    def __repr__(self):
        shapes = ", ".join(f"{key}={None if value is None else value.shape}" for key, value in vars(self).items())
        return f"Layer({shapes})"


@dataclass(eq=False)
class MLP:
    """A multilayer perceptron: weights, biases and activations, nothing else.

    ``weights[l - 1]`` is W⁽ˡ⁾ with shape (n_l, n_{l-1}) and ``biases[l - 1]`` is b⁽ˡ⁾ with shape (n_l,).
    Hidden layers apply ``activation``, the last layer ``output_activation``. Build one with :func:`mlp`,
    or by hand from arrays of one floating dtype (activation names are looked up in the registry).

    Examples
    --------
    >>> net = MLP([np.eye(2)], [np.zeros(2)], activation="relu", output_activation="identity")
    >>> net(np.array([[1.0, -1.0]]))
    array([[ 1., -1.]])
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    activation: activations.Activation | str
    output_activation: activations.Activation | str

    def __post_init__(self):
        self.activation = activations.resolve(self.activation)
        self.output_activation = activations.resolve(self.output_activation)
        if len(self.weights) == 0 or len(self.weights) != len(self.biases):
            raise ValueError(
                f"an MLP needs one bias per weight matrix and at least one layer, "
                f"got {len(self.weights)} weights and {len(self.biases)} biases"
            )
        dtype = np.asarray(self.weights[0]).dtype
        if dtype.kind != "f":
            raise ValueError(f"weights must have a floating dtype such as np.float64, got {dtype}")
        n_in = np.shape(self.weights[0])[-1]
        for l, (W, b) in enumerate(zip(self.weights, self.biases), start=1):
            n_out = np.shape(W)[0]
            if np.shape(W) != (n_out, n_in) or np.shape(b) != (n_out,):
                raise ValueError(
                    f"layer {l}: W must have shape ({n_out}, {n_in}) and b shape ({n_out},) "
                    f"to follow a layer of width {n_in}, got W {np.shape(W)} and b {np.shape(b)}"
                )
            if n_in == 0 or n_out == 0:  # as mlp() requires: a layer of no units passes nothing on
                raise ValueError(
                    f"layer {l}: W has shape {np.shape(W)}; every layer needs at least one input and one unit"
                )
            if np.asarray(W).dtype != dtype or np.asarray(b).dtype != dtype:
                raise ValueError(f"layer {l}: all parameters must share the dtype {dtype} of layer 1's W")
            n_in = n_out
        # Contiguous arrays keep the matrix products on BLAS's fast path.
        self.weights = [np.ascontiguousarray(W) for W in self.weights]
        self.biases = [np.ascontiguousarray(b) for b in self.biases]

    def __call__(self, X):
        """The net's output for a batch X of shape (n_samples, n_in); see :func:`forward`."""
        return forward(self, X)[0]

    def parameters(self):
        """All parameter arrays, ``[W1, b1, W2, b2, ...]`` (the net's own arrays, not copies)."""
        return [p for W, b in zip(self.weights, self.biases) for p in (W, b)]

    @property
    def widths(self):
        """Layer widths ``[n_in, n_1, ..., n_out]``."""
        return [self.weights[0].shape[1]] + [W.shape[0] for W in self.weights]

    @property
    def dtype(self):
        """The floating dtype of every parameter (and of every array the net computes)."""
        return self.weights[0].dtype

    def copy(self):
        """An independent copy of the parameters (activations are shared; they hold no state)."""
        return MLP(
            [W.copy() for W in self.weights], [b.copy() for b in self.biases], self.activation, self.output_activation
        )

    def __repr__(self):
        return (
            f"MLP({self.widths}, activation={_describe(self.activation)!r}, "
            f"output={_describe(self.output_activation)!r})"
        )


def mlp(widths, activation, rng, init="he_normal", output="identity", bias=0.0, dtype=np.float64):
    """Build an MLP with freshly initialized weights and constant biases.

    Parameters
    ----------
    widths : sequence of int
        ``[n_in, n_1, ..., n_out]``, at least two positive sizes.
    activation : str or Activation
        φ of the hidden layers.
    rng : numpy.random.Generator
        Source of the initial weights.
    init : str or callable
        A name in :data:`gradflow.init.INITIALIZERS`, or a function ``(n_in, n_out, rng, dtype=...)``
        returning an array of shape (n_out, n_in).
    output : str or Activation
        φ of the last layer: ``"identity"`` (a linear output, the default and the right choice with
        :func:`softmax_cross_entropy`), ``"same"`` (the hidden activation), or any activation.
    bias : float
        Initial value of every bias.
    dtype : floating dtype
        Of every parameter; inputs are cast to it.

    Examples
    --------
    >>> mlp([64, 32, 32, 10], "relu", np.random.default_rng(0))
    MLP([64, 32, 32, 10], activation='relu', output='identity')
    """
    if np.ndim(widths) != 1 or len(widths) < 2:
        raise ValueError(f"widths must list at least two layer sizes [n_in, ..., n_out], got {widths!r}")
    widths = [positive_int(f"widths[{i}]", width) for i, width in enumerate(widths)]
    check_rng(rng)
    draw = initializers.get(init) if isinstance(init, str) else init
    activation = activations.resolve(activation)
    output = activation if isinstance(output, str) and output == "same" else activations.resolve(output)
    if isinstance(bias, bool) or not isinstance(bias, numbers.Real) or not np.isfinite(bias):
        raise ValueError(f"bias must be a finite number, got {bias!r}")
    weights = []
    for n_in, n_out in zip(widths, widths[1:]):
        W = np.ascontiguousarray(draw(n_in, n_out, rng, dtype=dtype), dtype=dtype)
        if W.shape != (n_out, n_in):
            raise ValueError(f"init returned shape {W.shape} for n_in={n_in}, n_out={n_out}; expected {(n_out, n_in)}")
        weights.append(W)
    biases = [np.full(n_out, bias, dtype=dtype) for n_out in widths[1:]]
    return MLP(weights, biases, activation, output)


def _layer_activations(net):
    return [net.activation] * (len(net.weights) - 1) + [net.output_activation]


def _as_input(net, X):
    """X cast to the net's dtype, after checking it is a non-empty, finite (n_samples, n_in) batch of real numbers."""
    X = real_array("X", X, net.dtype)
    n_in = net.widths[0]
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D with shape (n_samples, {n_in}), got shape {X.shape}; "
            "for a single sample use X.reshape(1, -1)"
        )
    if X.shape[1] != n_in:
        raise ValueError(f"layer 1 expects input with {n_in} features (X.shape[1]), got {X.shape[1]}")
    if X.shape[0] == 0:
        raise ValueError("X has no samples (X.shape[0] == 0)")
    check_finite("X", X)
    return X


def _check_layers(cache):
    """Raise TypeError unless ``cache`` is a list of Layer records, the second value of ``forward``."""
    if isinstance(cache, tuple) and len(cache) == 2 and isinstance(cache[1], list):
        raise TypeError("pass the cache alone, not the pair that forward returns: out, cache = forward(net, X)")
    if not isinstance(cache, (list, tuple)) or not all(isinstance(layer, Layer) for layer in cache):
        raise TypeError(
            f"cache must be the list of Layer records returned by forward(net, X), got {type(cache).__name__}"
        )


def _check_cache(net, cache, gradients=False):
    """Raise ValueError unless ``cache`` came from ``forward(net, ...)`` (and ``backward``, if asked)."""
    _check_layers(cache)
    if len(cache) != len(net.weights):
        raise ValueError(
            f"cache has {len(cache)} layers but the net has {len(net.weights)}; pass the cache of forward(net, X)"
        )
    for l, (W, layer) in enumerate(zip(net.weights, cache), start=1):
        if layer.a_in.shape[1:] != (W.shape[1],):
            raise ValueError(f"layer {l}: cache holds input of shape {layer.a_in.shape}, W has shape {W.shape}")
        if gradients and layer.dW is None:
            raise ValueError(f"layer {l} has no gradients yet; run backward(net, cache, dout) first")
        if gradients and (layer.dW.shape != W.shape or layer.db.shape != (W.shape[0],)):
            raise ValueError(f"layer {l}: dW {layer.dW.shape} and db {layer.db.shape} do not match W {W.shape}")


def forward(net, X):
    r"""Run a batch through the net, keeping every layer's input, pre-activation and activation.

    .. math:: a^{(0)} = x, \qquad z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}, \qquad a^{(l)} = \phi(z^{(l)})

    Parameters
    ----------
    net : MLP
    X : array_like, shape (n_samples, n_in)
        Finite, at least one sample; cast to the net's dtype.

    Returns
    -------
    out : ndarray, shape (n_samples, n_out)
        a⁽ᴸ⁾, the output of the last layer.
    cache : list of Layer
        ``cache[l - 1]`` holds ``a_in`` = a⁽ˡ⁻¹⁾, ``z`` = z⁽ˡ⁾ and ``a`` = a⁽ˡ⁾.

    Examples
    --------
    >>> net = mlp([3, 4, 2], "tanh", np.random.default_rng(0))
    >>> out, cache = forward(net, np.ones((5, 3)))
    >>> cache[0]
    Layer(a_in=(5, 3), z=(5, 4), a=(5, 4), delta=None, dW=None, db=None)
    """
    a = _as_input(net, X)
    cache = []
    for W, b, phi in zip(net.weights, net.biases, _layer_activations(net)):
        z = a @ W.T
        z += b
        cache.append(Layer(a_in=a, z=z, a=phi(z)))
        a = cache[-1].a
    return a, cache


def backward(net, cache, dout):
    r"""Backpropagate ∂L/∂out through a forward cache, filling each layer's ``delta``, ``dW`` and ``db``.

    .. math::
        \delta^{(L)} = \frac{\partial L}{\partial a^{(L)}} \odot \phi_\mathrm{out}'(z^{(L)}), \qquad
        \delta^{(l)} = \bigl(W^{(l+1)\top} \delta^{(l+1)}\bigr) \odot \phi'(z^{(l)}) \quad \text{(BP2)},

        \frac{\partial L}{\partial W^{(l)}} = \sum_i \delta^{(l)}_i\, a^{(l-1)\top}_i, \qquad
        \frac{\partial L}{\partial b^{(l)}} = \sum_i \delta^{(l)}_i

    With samples in rows, BP2 reads ``delta @ W`` and ∂L/∂W reads ``delta.T @ a_in``. The sums over the
    batch are plain sums: a loss that averages over samples (as both losses here do) has already
    divided ``dout`` by n.

    Parameters
    ----------
    net : MLP
        The net that produced ``cache``.
    cache : list of Layer
        From :func:`forward`; its layers are updated in place.
    dout : array_like, shape (n_samples, n_out)
        ∂L/∂a⁽ᴸ⁾, for example the second return value of :func:`mse_loss`.

    Returns
    -------
    cache : list of Layer
        The same list, now also holding ``delta``, ``dW`` and ``db`` per layer.

    Examples
    --------
    >>> net = mlp([3, 4, 2], "tanh", np.random.default_rng(0))
    >>> out, cache = forward(net, np.ones((5, 3)))
    >>> backward(net, cache, np.ones_like(out))[0]
    Layer(a_in=(5, 3), z=(5, 4), a=(5, 4), delta=(5, 4), dW=(4, 3), db=(4,))
    """
    _check_cache(net, cache)
    if any(type(layer) is not Layer for layer in cache):  # remedies.Layer: its skips and batch norm are not here
        raise TypeError(
            "this cache comes from gradflow.remedies.forward; backpropagate it with gradflow.remedies.backward"
        )
    grad_a = real_array("dout", dout, net.dtype)
    if grad_a.shape != cache[-1].a.shape:
        raise ValueError(f"dout must have the shape of the net's output {cache[-1].a.shape}, got {grad_a.shape}")
    phis = _layer_activations(net)
    for l in reversed(range(len(cache))):
        layer = cache[l]
        layer.delta = grad_a * phis[l].derivative(layer.z)
        layer.dW = layer.delta.T @ layer.a_in
        layer.db = layer.delta.sum(axis=0)
        if l > 0:
            grad_a = layer.delta @ net.weights[l]
    return cache


def _check_output(out):
    out = np.asarray(out)
    if out.ndim != 2 or out.shape[0] == 0:
        raise ValueError(f"expected a non-empty batch of outputs with shape (n_samples, n_out), got {out.shape}")
    return out


def _as_targets(y, shape, dtype):
    y = real_array("y", y, dtype)
    if y.shape != shape:
        hint = "; use y.reshape(-1, 1) for a single output" if y.shape == shape[:1] and shape[1] == 1 else ""
        raise ValueError(f"y must have the output's shape {shape}, got {y.shape}{hint}")
    check_finite("y", y)
    return y


def _as_labels(labels, n_samples, n_classes):
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"labels must be integer class indices, got dtype {labels.dtype}; for one-hot rows use y.argmax(axis=1)"
        )
    if labels.shape != (n_samples,):
        raise ValueError(f"labels must have shape ({n_samples},), one class index per sample, got {labels.shape}")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(
            f"labels must lie in 0..{n_classes - 1} for {n_classes} outputs, "
            f"got values from {labels.min()} to {labels.max()}"
        )
    return labels


def mse_loss(out, y):
    r"""Half the squared error, summed over outputs and averaged over samples.

    .. math:: L = \frac{1}{n} \sum_{i=1}^{n} \tfrac12 \lVert \hat y_i - y_i \rVert^2, \qquad
              \frac{\partial L}{\partial \hat y_i} = \frac{\hat y_i - y_i}{n}

    The ½ cancels the 2 of the derivative. Conventions differ: PyTorch's ``MSELoss`` averages over all
    n·k entries and has no ½, which scales the gradient by 2/k.

    Parameters
    ----------
    out : ndarray, shape (n_samples, n_out)
        The net's output ŷ.
    y : array_like, shape (n_samples, n_out)
        Finite targets; cast to ``out.dtype``.

    Returns
    -------
    loss : float
    dout : ndarray, shape (n_samples, n_out)
        ∂L/∂ŷ, in ``out.dtype``.

    Examples
    --------
    >>> mse_loss(np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]]))
    (1.25, array([[0.5],
           [1. ]]))
    """
    out = _check_output(out)
    y = _as_targets(y, out.shape, out.dtype)
    diff = out - y
    return float(np.vdot(diff, diff)) / (2 * len(out)), diff / len(out)


def softmax_cross_entropy(logits, labels):
    r"""Softmax followed by cross-entropy with integer labels, averaged over samples.

    .. math:: L = -\frac{1}{n} \sum_{i=1}^{n} \log \operatorname{softmax}(z_i)_{y_i}, \qquad
              \frac{\partial L}{\partial z_i} = \frac{\operatorname{softmax}(z_i) - e_{y_i}}{n}

    Computed through ``log_softmax`` (log-sum-exp), so large logits neither overflow nor give log 0.
    The softmax is part of the loss: pair it with a linear output layer (``output="identity"``).

    Parameters
    ----------
    logits : ndarray, shape (n_samples, n_classes)
    labels : array_like of int, shape (n_samples,)
        Class indices in 0..n_classes − 1.

    Returns
    -------
    loss : float
    dlogits : ndarray, shape (n_samples, n_classes)
        ∂L/∂z, in ``logits.dtype``.

    Examples
    --------
    >>> loss, dlogits = softmax_cross_entropy(np.zeros((1, 4)), [2])
    >>> round(loss, 4), dlogits  # log 4 and (1/4 - onehot)
    (1.3863, array([[ 0.25,  0.25, -0.75,  0.25]]))
    """
    logits = _check_output(logits)
    labels = _as_labels(labels, *logits.shape)
    log_p = activations.log_softmax(logits, axis=1)
    rows = np.arange(len(logits))
    loss = -float(np.mean(log_p[rows, labels]))
    dlogits = np.exp(log_p).astype(logits.dtype, copy=False)
    dlogits[rows, labels] -= 1
    dlogits /= len(logits)
    return loss, dlogits


#: The losses a network can be trained on, by name: each returns (loss, ∂loss/∂output).
LOSSES = {"mse": mse_loss, "cross_entropy": softmax_cross_entropy}


def sgd_step(net, cache, lr):
    r"""One step of gradient descent on every parameter, in place.

    .. math:: W^{(l)} \leftarrow W^{(l)} - \eta\, \frac{\partial L}{\partial W^{(l)}}, \qquad
              b^{(l)} \leftarrow b^{(l)} - \eta\, \frac{\partial L}{\partial b^{(l)}}

    The net's arrays are overwritten (anything holding ``net.parameters()`` sees the new values); the
    gradients in ``cache`` are left as they were. Returns None.

    Parameters
    ----------
    net : MLP
    cache : list of Layer
        After :func:`backward`.
    lr : float
        η, finite and > 0.

    Examples
    --------
    >>> net = MLP([np.ones((1, 1))], [np.zeros(1)], "identity", "identity")
    >>> cache = backward(net, forward(net, [[2.0]])[1], [[1.0]])
    >>> sgd_step(net, cache, lr=0.5)
    >>> net.weights[0]
    array([[0.]])
    """
    lr = positive_float("lr", lr)
    _check_cache(net, cache, gradients=True)
    for W, b, layer in zip(net.weights, net.biases, cache):
        # lr is a Python float, which NumPy 2 does not let up-cast a float32 array.
        W -= lr * layer.dW
        b -= lr * layer.db


def accuracy(net, X, labels):
    """Fraction of samples whose largest output is at the index of their label.

    Parameters
    ----------
    net : MLP
        With at least two outputs (one score per class).
    X : array_like, shape (n_samples, n_in)
    labels : array_like of int, shape (n_samples,)

    Returns
    -------
    float

    Examples
    --------
    >>> net = MLP([np.eye(2)], [np.zeros(2)], "identity", "identity")
    >>> accuracy(net, [[1.0, 0.0], [0.0, 1.0]], [0, 0])
    0.5
    """
    out = net(X)
    if out.shape[1] < 2:
        raise ValueError(
            "accuracy compares the argmax of the outputs with the labels, but this net has one output; "
            "threshold it yourself, e.g. np.mean((net(X)[:, 0] > 0.5) == labels)"
        )
    labels = _as_labels(labels, *out.shape)
    return float(np.mean(out.argmax(axis=1) == labels))


def sgd_path(A, y, w0, lr):
    r"""Weights visited by per-example SGD on a single linear unit, one example per step.

    The unit predicts :math:`\hat y = a \cdot w` and step t uses the loss :math:`\tfrac12(a_t \cdot w - y_t)^2`:

    .. math:: w_{t+1} = w_t - \eta\,(a_t \cdot w_t - y_t)\, a_t .

    Each update is a multiple of the input :math:`a_t`, which is why all-positive inputs make every
    weight move the same way (the sigmoid chapter's zig-zag).

    Parameters
    ----------
    A : array_like, shape (n_steps, n_weights)
        The inputs, in the order they are used.
    y : array_like, shape (n_steps,)
    w0 : array_like, shape (n_weights,)
    lr : float

    Returns
    -------
    ndarray, shape (n_steps + 1, n_weights)
        ``w0`` followed by the weights after each step.

    Examples
    --------
    >>> sgd_path([[1.0, 0.0], [0.0, 1.0]], [2.0, -1.0], w0=[0.0, 0.0], lr=0.5)
    array([[ 0. ,  0. ],
           [ 1. ,  0. ],
           [ 1. , -0.5]])
    """
    A = np.asarray(A, dtype=float)
    y = np.asarray(y, dtype=float)
    w0 = np.asarray(w0, dtype=float)
    if A.ndim != 2 or y.shape != (len(A),) or w0.shape != (A.shape[1],):
        raise ValueError(
            f"sgd_path expects A of shape (n_steps, n_weights), y of shape (n_steps,) and w0 of shape "
            f"(n_weights,); got {A.shape}, {y.shape} and {w0.shape}"
        )
    check_finite("A", A)
    check_finite("y", y)
    lr = positive_float("lr", lr)
    path = np.empty((len(A) + 1, len(w0)))
    path[0] = w0
    # Sequential by nature: each step needs the weights the previous one produced.
    for t, (a, target) in enumerate(zip(A, y)):
        path[t + 1] = path[t] - lr * (a @ path[t] - target) * a
    return path
