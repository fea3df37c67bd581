r"""Layers that are not elementwise, and networks as lists of layers.

Every layer has the same three methods, in the shape of jax's ``stax``:

- ``init_params(rng, n_in) -> params``, a dict of arrays (``init`` names the weight initializer);
- ``forward(params, x) -> (y, cache)`` for a batch ``x`` of shape (n, n_in);
- ``backward(params, cache, dy) -> (dx, grads)``, with ``grads`` shaped like ``params``.

A network is a list of layers (:class:`Network`), so a ReLU MLP and a SwiGLU net differ only in the
list. A Network is a model for :func:`gradflow.training.train`, the book's one training loop, with
softmax cross-entropy as its objective.

>>> rng = np.random.default_rng(0)
>>> net = Network([GatedLinear(8, "silu"), Dense(3)], n_in=4, rng=rng)
>>> net
Network(4 → GatedLinear(8, silu) → Dense(3); 107 parameters)
>>> net(np.ones((2, 4))).shape
(2, 3)
"""

from dataclasses import dataclass

import numpy as np

from gradflow import activations, moments, nets
from gradflow import init as initializers
from gradflow._checks import check_rng, positive_float, positive_int


def _weights(n_in, n_out, rng, init, gain):
    # gradflow.init draws (n_out, n_in) for z = W a; a layer here computes x W, so it needs the transpose.
    return gain * initializers.get(init)(n_in, n_out, rng).T


def _check_batch(x, n_in, layer):
    if x.ndim != 2 or x.shape[1] != n_in:
        raise ValueError(f"{layer} expects input of shape (n, {n_in}), got {x.shape}")


@dataclass(frozen=True)
class Dense:
    r"""An affine map, y = x W + b, with W of shape (n_in, n_out).

    .. math:: \frac{\partial L}{\partial W} = x^\top \frac{\partial L}{\partial y}, \qquad
              \frac{\partial L}{\partial x} = \frac{\partial L}{\partial y} W^\top

    ``init`` names a :mod:`gradflow.init` initializer; ``gain`` multiplies its standard deviation.

    >>> layer = Dense(2)
    >>> params = layer.init_params(np.random.default_rng(0), 3)
    >>> params["W"].shape, params["b"].shape
    ((3, 2), (2,))
    """

    n_out: int
    init: str = "lecun_normal"
    gain: float = 1.0

    def __post_init__(self):
        positive_int("n_out", self.n_out)
        positive_float("gain", self.gain)

    def init_params(self, rng, n_in):
        return {"W": _weights(n_in, self.n_out, rng, self.init, self.gain), "b": np.zeros(self.n_out)}

    def forward(self, params, x):
        _check_batch(x, len(params["W"]), self)
        return x @ params["W"] + params["b"], x

    def backward(self, params, cache, dy):
        x = cache
        return dy @ params["W"].T, {"W": x.T @ dy, "b": dy.sum(axis=0)}

    def __str__(self):
        return f"Dense({self.n_out})"


@dataclass(frozen=True)
class Elementwise:
    """A registry activation applied elementwise: y = φ(x); no parameters.

    >>> Elementwise("relu").forward({}, np.array([[-1.0, 2.0]]))[0]
    array([[0., 2.]])
    """

    activation: str

    def __post_init__(self):
        activations.get(self.activation)  # raises for an unknown name

    def init_params(self, rng, n_in):
        return {}

    def forward(self, params, x):
        return activations.get(self.activation)(x), x

    def backward(self, params, cache, dy):
        return dy * activations.get(self.activation).derivative(cache), {}

    def __str__(self):
        return self.activation


@dataclass(frozen=True)
class GatedLinear:
    r"""A gated linear unit: a gate φ(x W + b) multiplies a linear value x V + c, elementwise.

    .. math:: y = \phi(u) \odot v, \quad u = xW + b, \ v = xV + c; \qquad
              \frac{\partial L}{\partial v} = \frac{\partial L}{\partial y} \odot \phi(u), \quad
              \frac{\partial L}{\partial u} = \frac{\partial L}{\partial y} \odot v \odot \phi'(u)

    The value path carries the gradient scaled by φ(u), without a φ′ factor. The gate φ names the
    family: ``"sigmoid"`` is GLU (Dauphin et al., 2017), ``"relu"`` ReGLU, ``"gelu"`` GEGLU and
    ``"silu"`` SwiGLU (Shazeer, 2020); :data:`GATES` maps these names to the gates.

    >>> layer = GatedLinear(2, "sigmoid")
    >>> params = {"W": np.zeros((1, 2)), "b": np.zeros(2), "V": np.ones((1, 2)), "c": np.zeros(2)}
    >>> layer.forward(params, np.array([[4.0]]))[0]  # σ(0) · 4
    array([[2., 2.]])
    """

    n_out: int
    gate: str = "sigmoid"
    init: str = "lecun_normal"

    def __post_init__(self):
        positive_int("n_out", self.n_out)
        activations.get(self.gate)

    def init_params(self, rng, n_in):
        return {"W": _weights(n_in, self.n_out, rng, self.init, 1.0), "b": np.zeros(self.n_out),
                "V": _weights(n_in, self.n_out, rng, self.init, 1.0), "c": np.zeros(self.n_out)}

    def forward(self, params, x):
        _check_batch(x, len(params["W"]), self)
        u, v = x @ params["W"] + params["b"], x @ params["V"] + params["c"]
        return activations.get(self.gate)(u) * v, (x, u, v)

    def backward(self, params, cache, dy):
        x, u, v = cache
        phi = activations.get(self.gate)
        dv = dy * phi(u)
        du = dy * v * phi.derivative(u)
        dx = du @ params["W"].T + dv @ params["V"].T
        return dx, {"W": x.T @ du, "b": du.sum(axis=0), "V": x.T @ dv, "c": dv.sum(axis=0)}

    def __str__(self):
        return f"GatedLinear({self.n_out}, {self.gate})"


#: The gate of each member of the GLU family, by name.
GATES = {"GLU": "sigmoid", "ReGLU": "relu", "GEGLU": "gelu", "SwiGLU": "silu"}


@dataclass(frozen=True)
class Maxout:
    r"""Maxout: each output is the largest of k affine pieces (Goodfellow et al., 2013).

    .. math:: y_j = \max_{i \le k} \bigl(x W_i + b_i\bigr)_j, \qquad
              \frac{\partial y_j}{\partial (x W_i + b_i)_j} = 1 \text{ for the winning } i \text{, else } 0

    W has shape (k, n_in, n_out). A tie goes to the first piece, so exactly one piece gets the gradient.

    >>> layer = Maxout(1, pieces=2)
    >>> params = {"W": np.array([[[1.0]], [[-1.0]]]), "b": np.zeros((2, 1))}
    >>> layer.forward(params, np.array([[-3.0], [2.0]]))[0]  # max(x, −x) = |x|
    array([[3.],
           [2.]])
    """

    n_out: int
    pieces: int = 2
    init: str = "lecun_normal"

    def __post_init__(self):
        positive_int("n_out", self.n_out)
        positive_int("pieces", self.pieces)

    def init_params(self, rng, n_in):
        W = np.stack([_weights(n_in, self.n_out, rng, self.init, 1.0) for _ in range(self.pieces)])
        return {"W": W, "b": np.zeros((self.pieces, self.n_out))}

    def forward(self, params, x):
        _check_batch(x, params["W"].shape[1], self)
        z = np.einsum("ni,kio->nko", x, params["W"]) + params["b"]
        winner = z.argmax(axis=1)
        return np.take_along_axis(z, winner[:, None, :], axis=1)[:, 0, :], (x, winner)

    def backward(self, params, cache, dy):
        x, winner = cache
        dz = np.zeros((len(x), self.pieces, self.n_out), dtype=dy.dtype)
        np.put_along_axis(dz, winner[:, None, :], dy[:, None, :], axis=1)
        dx = np.einsum("nko,kio->ni", dz, params["W"])
        return dx, {"W": np.einsum("ni,nko->kio", x, dz), "b": dz.sum(axis=0)}

    def __str__(self):
        return f"Maxout({self.n_out}, k={self.pieces})"


@dataclass(frozen=True)
class RMSNorm:
    r"""Rescale each sample to unit root mean square, without learned parameters (Zhang & Sennrich, 2019).

    .. math:: y = \frac{x}{s}, \quad s = \sqrt{\tfrac1n \lVert x \rVert^2 + \epsilon}; \qquad
              \frac{\partial L}{\partial x} = \frac{1}{s}\Bigl(g - y\,\frac{\langle g, y\rangle}{n}\Bigr),
              \quad g = \frac{\partial L}{\partial y}

    for a sample of n features. The pre-norm blocks of current language models place it in front of
    each feed-forward block; here it keeps a deep stack's signal at a fixed scale.

    >>> RMSNorm().forward({}, np.array([[3.0, 4.0]]))[0].round(6)
    array([[0.848528, 1.131371]])
    """

    eps: float = 1e-6

    def init_params(self, rng, n_in):
        return {}

    def forward(self, params, x):
        scale = np.sqrt(np.mean(x * x, axis=1, keepdims=True) + self.eps)
        y = x / scale
        return y, (y, scale)

    def backward(self, params, cache, dy):
        y, scale = cache
        return (dy - y * np.mean(dy * y, axis=1, keepdims=True)) / scale, {}

    def __str__(self):
        return "RMSNorm"


def feed_forward(kind, width, hidden):
    r"""A pre-norm feed-forward block: RMSNorm, a hidden layer of ``kind``, then Dense(width).

    The hidden layer is Dense(hidden) followed by the activation ``kind`` (a registry name such as
    ``"relu"``), a GatedLinear(hidden) whose gate is ``GATES[kind]`` (``kind`` such as ``"SwiGLU"``), or a
    Maxout(hidden) with k = 2 pieces (``kind="maxout"``). Its weights are LeCun's, so every pre-activation
    it computes has unit variance for an input of unit root mean square; the output layer's weights have
    variance :math:`\sigma_w^2/n` with :math:`\sigma_w^2 = 1/\mathbb{E}[\varphi(Z)^2]` (for a gated unit
    :math:`\mathbb{E}[(\varphi(u)\,v)^2] = \mathbb{E}[\varphi(Z)^2]`; for maxout with two pieces
    :math:`\mathbb{E}[\max(Z_1, Z_2)^2] = 1`), so the block keeps :math:`\mathbb{E}[y^2] = 1`. Shazeer
    (2020) gives a gated block ⅔ of the ungated hidden width, so that both have the same number of weights.

    >>> feed_forward("SwiGLU", 32, 64)
    [RMSNorm(eps=1e-06), GatedLinear(n_out=64, gate='silu', init='lecun_normal'), Dense(n_out=32, init='lecun_normal', gain=1.676...)]
    """
    if kind == "maxout":
        return [RMSNorm(), Maxout(hidden, pieces=2), Dense(width)]
    if kind in GATES:
        hidden_layers = [GatedLinear(hidden, GATES[kind])]
        activation = GATES[kind]
    else:
        hidden_layers = [Dense(hidden), Elementwise(kind)]
        activation = kind
    return [RMSNorm(), *hidden_layers, Dense(width, gain=moments.weight_variance(activation) ** 0.5)]


class Network:
    """A list of layers and their parameters, initialized from ``rng`` for inputs of width ``n_in``.

    ``params[i]`` belongs to ``layers[i]``. Call the network for its output; :meth:`forward` and
    :meth:`backward` also return the per-layer caches and gradients. :meth:`parameters`,
    :meth:`objective` (softmax cross-entropy) and :meth:`check_data` make it a model for
    :func:`gradflow.training.train`.

    >>> from gradflow import optimizers, training
    >>> rng = np.random.default_rng(0)
    >>> X, labels = rng.normal(size=(64, 2)), np.arange(64) % 2
    >>> net = Network([Maxout(4, pieces=3), Dense(2)], n_in=2, rng=rng)
    >>> history = training.train(net, X + labels[:, None], labels, rng=rng, optimizer=optimizers.sgd(0.2), epochs=20)
    >>> bool(history["loss"][-1] < history["loss"][0])
    True
    """

    #: One model: :func:`gradflow.training.train` draws one shuffle per epoch and records a float loss.
    count = None

    def __init__(self, layers, n_in, rng):
        check_rng(rng)
        self.layers = list(layers)
        if not self.layers:
            raise ValueError("a Network needs at least one layer")
        self.n_in = positive_int("n_in", n_in)
        self.params, width = [], self.n_in
        for layer in self.layers:
            self.params.append(layer.init_params(rng, width))
            width = getattr(layer, "n_out", width)
        self.n_out = width

    def forward(self, x):
        """Output and the list of per-layer caches."""
        caches = []
        for layer, params in zip(self.layers, self.params):
            x, cache = layer.forward(params, x)
            caches.append(cache)
        return x, caches

    def backward(self, caches, dy):
        """∂L/∂input and the list of per-layer gradient dicts, given ∂L/∂output."""
        grads = []
        for layer, params, cache in zip(reversed(self.layers), reversed(self.params), reversed(caches)):
            dy, layer_grads = layer.backward(params, cache, dy)
            grads.append(layer_grads)
        return dy, grads[::-1]

    def __call__(self, x):
        return self.forward(np.asarray(x, dtype=float))[0]

    def parameters(self):
        """Every layer's arrays, layer by layer in the order of its dict: the arrays themselves, updated in place."""
        return [array for params in self.params for array in params.values()]

    def check_data(self, X, labels):
        """X as float64 of shape (n, n_in) and integer labels below the output width, checked before training."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.n_in or len(X) == 0:
            raise ValueError(f"X must have shape (n_samples, {self.n_in}) with n_samples ≥ 1, got {X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or inf")
        return X, nets._as_labels(labels, len(X), self.n_out)

    def objective(self, X, labels):
        """Softmax cross-entropy on a batch, its gradients in the order of :meth:`parameters`, and the caches."""
        logits, caches = self.forward(X)
        loss, dlogits = nets.softmax_cross_entropy(logits, labels)
        _, grads = self.backward(caches, dlogits)
        return loss, [layer_grads[key] for params, layer_grads in zip(self.params, grads) for key in params], caches

    def n_parameters(self):
        return sum(array.size for params in self.params for array in params.values())

    def __repr__(self):
        return f"Network({' → '.join([str(self.n_in), *map(str, self.layers)])}; {self.n_parameters()} parameters)"


def accuracy(net, X, labels):
    """Fraction of samples whose largest output is their label.

    >>> net = Network([Dense(2)], n_in=2, rng=np.random.default_rng(0))
    >>> net.params[0]["W"][:] = np.eye(2)
    >>> accuracy(net, np.eye(2), [0, 1])
    1.0
    """
    return float(np.mean(net(X).argmax(axis=1) == np.asarray(labels)))
