r"""Two recurrent cells in NumPy, forward over time and backpropagation through time (BPTT).

A sequence is a batch-major array per time step: ``X`` has shape (T, n_samples, n_in), ``X[t]`` is
step t for every sample. Both cells return all hidden states ``H`` (shape (T, n, n_hidden)) and a
cache; the backward functions take ∂L/∂H (zero where the loss does not look) and return the
gradients of every parameter **and of every input step**, ∂L/∂x_t, which is what the book plots to
show gradients vanishing through time.

* :class:`RNN`, the simple (Elman) cell :math:`h_t = \tanh(W_x x_t + W_h h_{t-1} + b)`. Its BPTT
  multiplies one Jacobian :math:`\operatorname{diag}(1 - h_t^2)\, W_h` per step, so gradients
  shrink or grow geometrically with the distance in time (Bengio, Simard & Frasconi, 1994).
* :class:`LSTM`, the gated cell of Hochreiter & Schmidhuber (1997) with the forget gate of Gers,
  Schmidhuber & Cummins (2000). Its cell state is updated additively, :math:`c_t = f_t \odot c_{t-1}
  + i_t \odot g_t`, so the path back through c multiplies by the forget gate f_t only, which the cell
  can hold near 1.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> cell = rnn(3, 5, rng)
>>> H, cache = rnn_forward(cell, rng.normal(size=(7, 2, 3)))
>>> H.shape
(7, 2, 5)
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from gradflow._checks import check_finite, check_rng, positive_float, positive_int, real_array


@dataclass(eq=False)
class RNN:
    """Parameters of a simple tanh RNN cell: ``Wx`` (n_hidden, n_in), ``Wh`` (n_hidden, n_hidden), ``b`` (n_hidden,).

    Examples
    --------
    >>> RNN(np.zeros((4, 2)), np.zeros((4, 4)), np.zeros(4))
    RNN(n_in=2, n_hidden=4)
    """

    Wx: np.ndarray
    Wh: np.ndarray
    b: np.ndarray

    def __post_init__(self):
        _check_parameters(self, 1)

    def parameters(self):
        """``[Wx, Wh, b]``, the cell's own arrays."""
        return [self.Wx, self.Wh, self.b]

    def __repr__(self):
        return f"RNN(n_in={self.Wx.shape[1]}, n_hidden={self.Wh.shape[1]})"


@dataclass(eq=False)
class LSTM:
    """Parameters of an LSTM cell, the four gates stacked in the order input, forget, candidate, output.

    ``Wx`` has shape (4 n_hidden, n_in), ``Wh`` (4 n_hidden, n_hidden) and ``b`` (4 n_hidden,);
    rows ``k*n_hidden:(k+1)*n_hidden`` belong to gate k of (i, f, g, o).

    Examples
    --------
    >>> LSTM(np.zeros((8, 3)), np.zeros((8, 2)), np.zeros(8))
    LSTM(n_in=3, n_hidden=2)
    """

    Wx: np.ndarray
    Wh: np.ndarray
    b: np.ndarray

    def __post_init__(self):
        _check_parameters(self, 4)

    def parameters(self):
        """``[Wx, Wh, b]``, the cell's own arrays."""
        return [self.Wx, self.Wh, self.b]

    def __repr__(self):
        return f"LSTM(n_in={self.Wx.shape[1]}, n_hidden={self.Wh.shape[1]})"


def _check_parameters(cell, gates):
    name = type(cell).__name__
    cell.Wx, cell.Wh, cell.b = (np.asarray(p) for p in (cell.Wx, cell.Wh, cell.b))
    if cell.Wx.ndim != 2 or cell.Wh.ndim != 2:
        raise ValueError(f"{name}: Wx and Wh must be 2-D, got shapes {cell.Wx.shape} and {cell.Wh.shape}")
    n_hidden = cell.Wh.shape[1]
    rows = gates * n_hidden
    if cell.Wh.shape != (rows, n_hidden) or cell.Wx.shape[0] != rows or cell.b.shape != (rows,):
        raise ValueError(
            f"{name} with n_hidden={n_hidden} needs Wx of shape ({rows}, n_in), Wh ({rows}, {n_hidden}) and "
            f"b ({rows},); got {cell.Wx.shape}, {cell.Wh.shape} and {cell.b.shape}"
        )
    dtype = cell.Wx.dtype
    if dtype.kind != "f" or cell.Wh.dtype != dtype or cell.b.dtype != dtype:
        raise ValueError(f"{name}: Wx, Wh and b must share one floating dtype, got {cell.Wx.dtype}, "
                         f"{cell.Wh.dtype} and {cell.b.dtype}")


def rnn(n_in, n_hidden, rng, recurrent_scale=1.0, dtype=np.float64):
    r"""A simple RNN cell with Gaussian weights and zero bias.

    .. math:: (W_x)_{ij} \sim \mathcal{N}(0, 1/n_\mathrm{in}), \qquad
              (W_h)_{ij} \sim \mathcal{N}(0, s^2/n_\mathrm{hidden})

    With s = 1 the spectral radius of :math:`W_h` is close to 1 (the circular law), the edge between
    vanishing and exploding.

    Parameters
    ----------
    n_in, n_hidden : int
    rng : numpy.random.Generator
    recurrent_scale : float
        s > 0.
    dtype : floating dtype

    Examples
    --------
    >>> rnn(3, 5, np.random.default_rng(0))
    RNN(n_in=3, n_hidden=5)
    """
    n_in, n_hidden = positive_int("n_in", n_in), positive_int("n_hidden", n_hidden)
    check_rng(rng)
    scale = positive_float("recurrent_scale", recurrent_scale)
    Wx = rng.standard_normal((n_hidden, n_in)) / np.sqrt(n_in)
    Wh = rng.standard_normal((n_hidden, n_hidden)) * scale / np.sqrt(n_hidden)
    return RNN(Wx.astype(dtype), Wh.astype(dtype), np.zeros(n_hidden, dtype=dtype))


def lstm(n_in, n_hidden, rng, forget_bias=1.0, dtype=np.float64):
    r"""An LSTM cell with Gaussian weights, zero biases except the forget gate's.

    .. math:: (W_x)_{ij} \sim \mathcal{N}(0, 1/n_\mathrm{in}), \qquad
              (W_h)_{ij} \sim \mathcal{N}(0, 1/n_\mathrm{hidden}), \qquad b_f = \text{forget\_bias}

    A positive forget bias starts the cell remembering, :math:`f = \sigma(b_f + \dots) \approx 1`;
    Jozefowicz, Zaremba & Sutskever (2015) recommend 1.

    Parameters
    ----------
    n_in, n_hidden : int
    rng : numpy.random.Generator
    forget_bias : float
        Any finite number.
    dtype : floating dtype

    Examples
    --------
    >>> cell = lstm(3, 2, np.random.default_rng(0), forget_bias=2.0)
    >>> cell.b
    array([0., 0., 2., 2., 0., 0., 0., 0.])
    """
    n_in, n_hidden = positive_int("n_in", n_in), positive_int("n_hidden", n_hidden)
    check_rng(rng)
    if isinstance(forget_bias, bool) or not np.isscalar(forget_bias) or not np.isfinite(forget_bias):
        raise ValueError(f"forget_bias must be a finite number, got {forget_bias!r}")
    Wx = rng.standard_normal((4 * n_hidden, n_in)) / np.sqrt(n_in)
    Wh = rng.standard_normal((4 * n_hidden, n_hidden)) / np.sqrt(n_hidden)
    b = np.zeros(4 * n_hidden)
    b[n_hidden : 2 * n_hidden] = forget_bias
    return LSTM(Wx.astype(dtype), Wh.astype(dtype), b.astype(dtype))


def _check_cell(cell, kind):
    if not isinstance(cell, kind):
        maker = kind.__name__.lower()
        raise TypeError(f"cell must be an {kind.__name__} (see gradflow.recurrent.{maker}), got {type(cell).__name__}")


# What rnn_forward and lstm_forward put in their caches.
_CACHE_KEYS = {"rnn": ("X", "H"), "lstm": ("X", "H", "C", "gates")}


def _check_cache(cell, cache, kind):
    """Raise unless ``cache`` is what the forward function of ``kind`` (RNN or LSTM) returned for ``cell``'s sizes."""
    name, other = ("rnn", "lstm") if kind is RNN else ("lstm", "rnn")
    if not isinstance(cache, dict):
        pair = f"; pass the cache alone: H, cache = {name}_forward(cell, X)" if isinstance(cache, tuple) else ""
        raise TypeError(f"cache must be the dict returned by {name}_forward, got {type(cache).__name__}{pair}")
    if set(cache) == set(_CACHE_KEYS[other]):
        raise TypeError(f"this cache comes from {other}_forward; backpropagate it with {other}_backward")
    if set(cache) != set(_CACHE_KEYS[name]):
        raise ValueError(f"cache must be the dict returned by {name}_forward, with keys {_CACHE_KEYS[name]}, "
                         f"got keys {tuple(cache)}")
    X, H = np.asarray(cache["X"]), np.asarray(cache["H"])
    if X.shape[-1:] != cell.Wx.shape[1:] or H.shape[-1:] != cell.Wh.shape[1:]:
        raise ValueError(f"cache holds X of shape {X.shape} and H of shape {H.shape}, which {cell!r} did not compute")


def _as_sequence(cell, X):
    X = real_array("X", X, cell.Wx.dtype)
    n_in = cell.Wx.shape[1]
    if X.ndim != 3 or X.shape[2] != n_in or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"X must have shape (n_steps, n_samples, {n_in}) with at least one step and one sample, got {X.shape}"
        )
    check_finite("X", X)
    return X


def _as_upstream(cache_H, dH):
    dH = real_array("dH", dH, cache_H.dtype)
    if dH.shape != cache_H.shape:
        raise ValueError(f"dH must have the shape of the hidden states H {cache_H.shape}, got {dH.shape}")
    return dH


def rnn_forward(cell, X):
    r"""Run a simple RNN over a batch of sequences, starting from :math:`h_0 = 0`.

    .. math:: h_t = \tanh(W_x x_t + W_h h_{t-1} + b), \qquad t = 1, \dots, T

    Parameters
    ----------
    cell : RNN
    X : array_like, shape (T, n_samples, n_in)

    Returns
    -------
    H : ndarray, shape (T, n_samples, n_hidden)
    cache : dict
        ``X`` and ``H``, for :func:`rnn_backward`.

    Examples
    --------
    >>> cell = RNN(np.ones((1, 1)), np.zeros((1, 1)), np.zeros(1))
    >>> H, cache = rnn_forward(cell, np.zeros((2, 1, 1)))
    >>> H.ravel()
    array([0., 0.])
    """
    _check_cell(cell, RNN)
    X = _as_sequence(cell, X)
    H = np.empty((X.shape[0], X.shape[1], cell.Wh.shape[0]), dtype=X.dtype)
    inputs = X @ cell.Wx.T + cell.b  # all steps at once; only the recurrence is sequential
    h = np.zeros_like(H[0])
    for t in range(len(X)):
        h = np.tanh(inputs[t] + h @ cell.Wh.T)
        H[t] = h
    return H, {"X": X, "H": H}


def rnn_backward(cell, cache, dH):
    r"""Backpropagation through time for :func:`rnn_forward`.

    With :math:`\delta_t = \partial L/\partial (W_x x_t + W_h h_{t-1} + b)`,

    .. math::
        \delta_t = \Bigl(\frac{\partial L}{\partial h_t}\Big|_\text{direct} + W_h^\top \delta_{t+1}\Bigr)
        \odot (1 - h_t^2), \qquad \frac{\partial L}{\partial x_t} = W_x^\top \delta_t,

        \frac{\partial L}{\partial W_x} = \sum_t \delta_t x_t^\top, \qquad
        \frac{\partial L}{\partial W_h} = \sum_t \delta_t h_{t-1}^\top, \qquad
        \frac{\partial L}{\partial b} = \sum_t \delta_t

    (sums also over samples; rows are samples in the code).

    Parameters
    ----------
    cell : RNN
    cache : dict
        From :func:`rnn_forward`.
    dH : array_like, shape (T, n_samples, n_hidden)
        ∂L/∂h_t through the loss alone (not through later steps).

    Returns
    -------
    dict
        ``dX`` (shape of X: ∂L/∂x_t), ``dWx``, ``dWh``, ``db`` (shapes of the parameters).

    Examples
    --------
    >>> cell = RNN(np.ones((1, 1)), np.zeros((1, 1)), np.zeros(1))
    >>> H, cache = rnn_forward(cell, np.zeros((2, 1, 1)))
    >>> rnn_backward(cell, cache, np.ones_like(H))["dX"].ravel()  # tanh'(0) = 1
    array([1., 1.])
    """
    _check_cell(cell, RNN)
    _check_cache(cell, cache, RNN)
    X, H = cache["X"], cache["H"]
    dH = _as_upstream(H, dH)
    dX = np.empty_like(X)
    dWx, dWh, db = np.zeros_like(cell.Wx), np.zeros_like(cell.Wh), np.zeros_like(cell.b)
    carry = np.zeros_like(H[0])
    for t in reversed(range(len(X))):
        delta = (dH[t] + carry) * (1 - H[t] ** 2)
        h_prev = H[t - 1] if t > 0 else np.zeros_like(H[0])
        dX[t] = delta @ cell.Wx
        dWx += delta.T @ X[t]
        dWh += delta.T @ h_prev
        db += delta.sum(axis=0)
        carry = delta @ cell.Wh
    return {"dX": dX, "dWx": dWx, "dWh": dWh, "db": db}


def lstm_forward(cell, X):
    r"""Run an LSTM over a batch of sequences, starting from :math:`h_0 = c_0 = 0`.

    .. math::
        (i_t, f_t, g_t, o_t) = (\sigma, \sigma, \tanh, \sigma)(W_x x_t + W_h h_{t-1} + b), \qquad
        c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh c_t

    Parameters
    ----------
    cell : LSTM
    X : array_like, shape (T, n_samples, n_in)

    Returns
    -------
    H : ndarray, shape (T, n_samples, n_hidden)
    cache : dict
        ``X``, ``H``, the cell states ``C`` and the gates ``gates`` (shape (T, n, 4 n_hidden)).

    Examples
    --------
    >>> cell = lstm(2, 3, np.random.default_rng(0))
    >>> H, cache = lstm_forward(cell, np.ones((4, 5, 2)))
    >>> H.shape, cache["C"].shape
    ((4, 5, 3), (4, 5, 3))
    """
    _check_cell(cell, LSTM)
    X = _as_sequence(cell, X)
    n_hidden = cell.Wh.shape[1]
    T, n = X.shape[:2]
    inputs = X @ cell.Wx.T + cell.b
    H = np.empty((T, n, n_hidden), dtype=X.dtype)
    C = np.empty_like(H)
    gates = np.empty_like(inputs)
    h, c = np.zeros_like(H[0]), np.zeros_like(H[0])
    for t in range(T):
        z = inputs[t] + h @ cell.Wh.T
        gates[t] = expit(z)
        gates[t, :, 2 * n_hidden : 3 * n_hidden] = np.tanh(z[:, 2 * n_hidden : 3 * n_hidden])
        i, f, g, o = np.split(gates[t], 4, axis=1)
        c = f * c + i * g
        h = o * np.tanh(c)
        H[t], C[t] = h, c
    return H, {"X": X, "H": H, "C": C, "gates": gates}


def lstm_backward(cell, cache, dH):
    r"""Backpropagation through time for :func:`lstm_forward`.

    The cell state carries the gradient back additively,

    .. math:: \frac{\partial L}{\partial c_{t-1}} \ni \frac{\partial L}{\partial c_t} \odot f_t ,

    so over many steps it is scaled by a product of forget gates instead of a product of
    :math:`W_h^\top \operatorname{diag}(\tanh')` factors.

    Parameters
    ----------
    cell : LSTM
    cache : dict
        From :func:`lstm_forward`.
    dH : array_like, shape (T, n_samples, n_hidden)
        ∂L/∂h_t through the loss alone.

    Returns
    -------
    dict
        ``dX`` (∂L/∂x_t, shape of X), ``dWx``, ``dWh``, ``db``.

    Examples
    --------
    >>> cell = lstm(2, 3, np.random.default_rng(0))
    >>> H, cache = lstm_forward(cell, np.ones((4, 5, 2)))
    >>> lstm_backward(cell, cache, np.ones_like(H))["dX"].shape
    (4, 5, 2)
    """
    _check_cell(cell, LSTM)
    _check_cache(cell, cache, LSTM)
    X, H, C, gates = cache["X"], cache["H"], cache["C"], cache["gates"]
    dH = _as_upstream(H, dH)
    dX = np.empty_like(X)
    dWx, dWh, db = np.zeros_like(cell.Wx), np.zeros_like(cell.Wh), np.zeros_like(cell.b)
    dh_next, dc_next = np.zeros_like(H[0]), np.zeros_like(H[0])
    dz = np.empty_like(gates[0])
    for t in reversed(range(len(X))):
        i, f, g, o = np.split(gates[t], 4, axis=1)
        c_prev = C[t - 1] if t > 0 else np.zeros_like(C[0])
        h_prev = H[t - 1] if t > 0 else np.zeros_like(H[0])
        tanh_c = np.tanh(C[t])
        dh = dH[t] + dh_next
        dc = dc_next + dh * o * (1 - tanh_c**2)
        dz[:] = np.concatenate(
            [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g**2), dh * tanh_c * o * (1 - o)], axis=1
        )
        dX[t] = dz @ cell.Wx
        dWx += dz.T @ X[t]
        dWh += dz.T @ h_prev
        db += dz.sum(axis=0)
        dh_next = dz @ cell.Wh
        dc_next = dc * f
    return {"dX": dX, "dWx": dWx, "dWh": dWh, "db": db}
