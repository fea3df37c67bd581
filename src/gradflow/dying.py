r"""Dying ReLU: how likely a random deep narrow ReLU net is born dead, and training runs that watch units die.

A ReLU net is *born dead* when its output is constant over the inputs at initialization
(:func:`gradflow.diagnostics.born_dead`); Lu et al. (2019) prove that for weights and biases drawn from
symmetric distributions this becomes certain as the depth grows at fixed width. In the simplest setting
the probability has a closed form, derived in the chapter and implemented in :func:`born_dead_theory`:
zero biases, symmetric continuous weights, and inputs on one ray :math:`\{t x_0 : t > 0\}` give, for L
hidden layers of width N,

.. math:: P(\text{born dead}) = 1 - \bigl(1 - 2^{-N}\bigr)^{L}.

:func:`born_dead_probability` estimates the probability by Monte Carlo over many nets at once (the
weights of all nets are one array of shape (n_nets, N, n_in) per layer), for any set of inputs and for
the randomized asymmetric initialization (:func:`randomized_asymmetric`) that Lu et al. propose as a
remedy. :func:`train_watching_dead` trains a net and records its dead fraction per layer as it goes.
"""

import numpy as np

from gradflow import diagnostics, nets, optimizers, training
from gradflow import init as initializers
from gradflow._checks import check_finite, check_rng, positive_float, positive_int

# Initializers whose variance depends on the fan-in only: drawing (n_nets · N) rows at once and
# splitting them into n_nets matrices gives each net exactly the distribution of one (N, n_in) draw.
FAN_IN_INITS = ("lecun_normal", "lecun_uniform", "he_normal", "he_uniform", "normal")


def born_dead_theory(width, depth):
    r"""Probability that a ReLU net with zero biases is born dead on a ray of inputs.

    .. math:: P_L = 1 - \bigl(1 - 2^{-N}\bigr)^{L}

    for L hidden layers of width N with independent weights from any symmetric continuous distribution.
    Given a non-zero input a ≥ 0 to a layer, each unit's pre-activation w·a is symmetric, so the unit
    is off with probability 1/2, independently of the others and of how a came about: the whole layer
    is off with probability :math:`2^{-N}`, and the net survives L layers with probability
    :math:`(1 - 2^{-N})^L`. With zero biases the net is positively homogeneous, so one point
    :math:`x_0 \ne 0` decides for its whole ray. For any larger input set the net must die on every
    input, so this is an upper bound there.

    Parameters
    ----------
    width : int or array_like of int
        N ≥ 1.
    depth : int or array_like of int
        L ≥ 0 hidden layers; broadcast against ``width``.

    Returns
    -------
    ndarray
        Probabilities, the broadcast shape of ``width`` and ``depth``.

    Examples
    --------
    >>> born_dead_theory(1, [1, 2])  # one unit per layer: each layer halves the survivors
    array([0.5 , 0.75])
    """
    width, depth = np.asarray(width), np.asarray(depth)
    if width.dtype.kind not in "iu" or np.any(width < 1):
        raise ValueError(f"width must be integers ≥ 1, got {width!r}")
    if depth.dtype.kind not in "iu" or np.any(depth < 0):
        raise ValueError(f"depth must be integers ≥ 0, got {depth!r}")
    return 1.0 - (1.0 - 0.5 ** width.astype(float)) ** depth


def randomized_asymmetric(n_in, n_out, rng, size=()):
    r"""Weights and biases with one positive entry per unit: the randomized asymmetric initialization.

    After Lu et al. (2019): for each unit, one of its n_in + 1 parameters (the weights and the bias),
    chosen uniformly at random, is drawn from a positive distribution, here Beta(2, 1) (density 2p on
    (0, 1), mean 2/3); the others are :math:`\mathcal{N}(0, \sigma^2)`. We choose σ ourselves so that
    the expected squared norm of a unit's weights and bias is 2, as under He initialization:

    .. math:: \mathbb{E}[p^2] + n_\mathrm{in}\,\sigma^2 = 2, \qquad \mathbb{E}[p^2] = \tfrac12
              \;\Rightarrow\; \sigma^2 = \frac{3}{2\,n_\mathrm{in}} .

    Lu et al. design their distributions and constants differently and more carefully; the chapter
    measures what this simple version does.

    Parameters
    ----------
    n_in, n_out : int
        Fan-in and width of the layer.
    rng : numpy.random.Generator
    size : tuple of int
        Leading shape for a batch of independent layers, e.g. ``(n_nets,)``.

    Returns
    -------
    W : ndarray, shape size + (n_out, n_in)
    b : ndarray, shape size + (n_out,)

    Examples
    --------
    >>> W, b = randomized_asymmetric(3, 4, np.random.default_rng(0))
    >>> W.shape, b.shape, bool(np.all((np.hstack([W, b[:, None]]) > 0).sum(axis=1) >= 1))
    ((4, 3), (4,), True)
    """
    n_in, n_out = positive_int("n_in", n_in), positive_int("n_out", n_out)
    check_rng(rng)
    size = tuple(positive_int("size entries", s) for s in size)
    params = np.sqrt(1.5 / n_in) * rng.standard_normal(size + (n_out, n_in + 1))
    chosen = rng.integers(0, n_in + 1, size=size + (n_out, 1))
    # The maximum of two independent U(0, 1) draws is Beta(2, 1).
    positive = rng.random(size + (n_out, 2)).max(axis=-1, keepdims=True)
    np.put_along_axis(params, chosen, positive, axis=-1)
    return np.ascontiguousarray(params[..., :n_in]), np.ascontiguousarray(params[..., n_in])


def _draw_layer(init, n_in, width, n_nets, rng, bias_std):
    """One layer for every net: W of shape (n_nets, width, n_in) and b of shape (n_nets, width)."""
    if init == "asymmetric":
        return randomized_asymmetric(n_in, width, rng, size=(n_nets,))
    W = initializers.get(init)(n_in, n_nets * width, rng).reshape(n_nets, width, n_in)
    b = bias_std * rng.standard_normal((n_nets, width)) if bias_std > 0 else np.zeros((n_nets, width))
    return W, b


def born_dead_probability(X, width, depth, n_nets, rng, init="he_normal", bias_std=0.0):
    r"""Monte Carlo estimate of P(born dead on X) for ReLU nets of every depth 1..``depth``, with its standard error.

    Draws ``n_nets`` nets at once and runs X through all of them with batched products (``@`` on
    arrays of shape (n_nets, n_samples, width), one product per layer for all nets). A net with l
    hidden layers is born dead when its l-th hidden layer outputs the same vector for every example: then so does any output
    layer put on top of it (:func:`gradflow.diagnostics.born_dead`). The first l layers of a deeper
    net are distributed like a net of depth l, so one pass gives the whole curve. With
    :math:`\hat p` the fraction of dead nets, the standard error is
    :math:`\sqrt{\hat p (1 - \hat p) / n_\mathrm{nets}}`.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_in)
        The inputs. With one sample x0 a net counts as dead when some hidden layer is entirely off at
        x0; with zero biases that is "born dead on the ray through x0", the setting of
        :func:`born_dead_theory`.
    width : int
        N, the width of every hidden layer.
    depth : int
        Largest number of hidden layers.
    n_nets : int
        Number of independent nets.
    rng : numpy.random.Generator
    init : str
        A fan-in initializer (one of ``FAN_IN_INITS``), or ``"asymmetric"`` for
        :func:`randomized_asymmetric` (weights and biases).
    bias_std : float
        Biases ~ N(0, bias_std²) with a fan-in initializer (0: zero biases). Ignored by ``"asymmetric"``.

    Returns
    -------
    p : ndarray, shape (depth,)
        ``p[l - 1]`` estimates P(born dead) for l hidden layers.
    se : ndarray, shape (depth,)
        Its standard error.

    Examples
    --------
    >>> p, se = born_dead_probability(np.ones((1, 2)), width=2, depth=3, n_nets=4000,
    ...                               rng=np.random.default_rng(0))
    >>> bool(np.all(np.abs(p - born_dead_theory(2, [1, 2, 3])) < 4 * se))
    True
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must have shape (n_samples, n_in) with at least one sample and feature, got {X.shape}")
    check_finite("X", X)
    width, depth, n_nets = positive_int("width", width), positive_int("depth", depth), positive_int("n_nets", n_nets)
    check_rng(rng)
    if init not in FAN_IN_INITS + ("asymmetric",):
        raise ValueError(f"init must be one of {', '.join(FAN_IN_INITS + ('asymmetric',))}, got {init!r}")
    if isinstance(bias_std, bool) or not np.isscalar(bias_std) or not np.isfinite(bias_std) or bias_std < 0:
        raise ValueError(f"bias_std must be a finite number ≥ 0, got {bias_std!r}")
    one_point = len(X) == 1
    dead = np.empty((depth, n_nets), dtype=bool)
    a = np.broadcast_to(X, (n_nets,) + X.shape)
    for l in range(depth):
        W, b = _draw_layer(init, a.shape[-1], width, n_nets, rng, bias_std)
        # A batched matrix product, a einsum("kji,ksi->ksj", W, a) that runs on BLAS.
        z = a @ W.transpose(0, 2, 1)
        z += b[:, None, :]
        a = np.maximum(z, 0.0, out=z)
        if one_point:  # dead at x0: some layer so far was entirely off there
            dead[l] = np.all(a == 0, axis=(1, 2)) | (dead[l - 1] if l else False)
        else:
            dead[l] = np.all(a == a[:, :1, :], axis=(1, 2))
    p = dead.mean(axis=1)
    return p, np.sqrt(p * (1 - p) / n_nets)


class _Diverged(Exception):
    """Raised inside the training hook to stop a run whose weights blew up."""


def train_watching_dead(net, X, labels, *, rng, lr, epochs, batch_size=32, every=8, warmup_epochs=0,
                        max_weight=1e6):
    """Train a classifier with cross-entropy SGD and record the dead fraction of each hidden layer.

    Runs :func:`gradflow.training.train` with SGD and, every ``every`` steps (and before the first), measures
    ``dead_fraction`` on the whole of X (the training set), not just on the current batch. With
    ``warmup_epochs`` > 0 the first epochs use the learning rate ``lr / 10`` (a constant warm-up).
    A run stops early, marked as diverged, once a weight exceeds ``max_weight`` in absolute value: the
    next steps would overflow.

    Parameters
    ----------
    net : MLP
        Updated in place.
    X : array_like, shape (n_samples, n_in)
    labels : array_like of int, shape (n_samples,)
    rng : numpy.random.Generator
        Shuffles the batches.
    lr : float
        Learning rate after the warm-up.
    epochs : int
        Total number of epochs, warm-up included.
    batch_size, every : int
    warmup_epochs : int
        0 ≤ warmup_epochs < epochs.
    max_weight : float

    Returns
    -------
    dict
        ``steps`` (n_checkpoints,), ``dead`` (n_checkpoints, n_hidden) with the dead fraction per hidden
        layer at those steps (step s means after s updates), and ``diverged`` (bool).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X, labels = rng.normal(size=(64, 4)), rng.integers(0, 3, size=64)
    >>> run = train_watching_dead(nets.mlp([4, 8, 3], "relu", rng), X, labels, rng=rng, lr=0.1, epochs=2, every=2)
    >>> run["steps"], run["dead"].shape, run["diverged"]  # 2 epochs of 2 batches
    (array([0, 2, 4]), (3, 1), False)
    """
    X = np.asarray(X, dtype=net.dtype)
    lr, max_weight = positive_float("lr", lr), positive_float("max_weight", max_weight)
    epochs, every = positive_int("epochs", epochs), positive_int("every", every)
    integral = isinstance(warmup_epochs, (int, np.integer)) and not isinstance(warmup_epochs, bool)
    if not integral or not 0 <= warmup_epochs < epochs:
        raise ValueError(f"warmup_epochs must be an int with 0 ≤ warmup_epochs < epochs={epochs}, got {warmup_epochs!r}")
    steps, dead = [0], [diagnostics.dead_fraction(nets.forward(net, X)[1])]
    done = 0

    def watch(step):
        if max(np.abs(W).max() for W in net.weights) > max_weight:
            raise _Diverged
        if (done + step.step + 1) % every == 0:
            steps.append(done + step.step + 1)
            dead.append(diagnostics.dead_fraction(nets.forward(net, X)[1]))

    diverged = False
    try:
        for rate, n_epochs in ((lr / 10, warmup_epochs), (lr, epochs - warmup_epochs)):
            if n_epochs:
                training.train(training.Net(net), X, labels, rng=rng, optimizer=optimizers.sgd(rate), epochs=n_epochs,
                               batch_size=batch_size, hooks=[watch])
                done += n_epochs * -(-len(X) // batch_size)
    except _Diverged:
        diverged = True
    return {"steps": np.array(steps), "dead": np.array(dead), "diverged": diverged}
