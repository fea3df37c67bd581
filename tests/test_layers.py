"""Gated linear units, maxout and networks of layers: backward passes against finite differences,
forward passes against their formulas, and a network of them that learns."""

import numpy as np
import pytest

from finite_differences import numerical_gradient, relative_error
from gradflow import activations, layers, nets, optimizers, training

RNG = np.random.default_rng(0)
LAYERS = [
    layers.Dense(3),
    layers.Elementwise("tanh"),
    *[layers.GatedLinear(3, gate) for gate in layers.GATES.values()],
    layers.GatedLinear(3, "identity"),
    layers.Maxout(3, pieces=4),
    layers.RMSNorm(),
]


def loss_and_grads(layer, params, x, dy):
    y, cache = layer.forward(params, x)
    return float(np.sum(y * dy)), layer.backward(params, cache, dy)


@pytest.mark.parametrize("layer", LAYERS, ids=str)
def test_backward_matches_central_finite_differences(layer):
    rng = np.random.default_rng(1)
    params = layer.init_params(rng, 3)
    params = {key: value + 0.1 * rng.normal(size=value.shape) for key, value in params.items()}  # non-zero biases
    x, dy = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    _, (dx, grads) = loss_and_grads(layer, params, x, dy)
    loss = lambda: loss_and_grads(layer, params, x, dy)[0]
    assert relative_error(dx, numerical_gradient(loss, x)) < 1e-6
    assert grads.keys() == params.keys()
    for key in params:
        assert relative_error(grads[key], numerical_gradient(loss, params[key])) < 1e-6, key


def test_gated_linear_unit_is_gate_times_value():
    layer, x = layers.GatedLinear(4, "silu"), RNG.normal(size=(6, 3))
    params = layer.init_params(np.random.default_rng(2), 3)
    expected = activations.get("silu")(x @ params["W"] + params["b"]) * (x @ params["V"] + params["c"])
    np.testing.assert_allclose(layer.forward(params, x)[0], expected, rtol=1e-14)


def test_value_path_gradient_has_no_gate_derivative_factor():
    # With a ReLU gate, a gate that is on passes dy · φ(u) to the value branch although φ′ plays no part.
    layer = layers.GatedLinear(1, "relu")
    params = {"W": np.array([[1.0]]), "b": np.zeros(1), "V": np.array([[2.0]]), "c": np.zeros(1)}
    _, grads = layer.backward(params, layer.forward(params, np.array([[3.0]]))[1], np.array([[1.0]]))
    assert grads["V"][0, 0] == 3.0 * 3.0  # x · φ(u) = 3 · relu(3)


def test_rms_norm_gives_every_sample_unit_root_mean_square():
    y, _ = layers.RMSNorm(eps=0.0).forward({}, RNG.normal(size=(4, 6)) * [[1.0], [10.0], [0.1], [3.0]])
    np.testing.assert_allclose(np.mean(y * y, axis=1), 1.0, rtol=1e-14)


def test_maxout_takes_the_largest_piece_and_routes_the_gradient_to_it_only():
    layer = layers.Maxout(2, pieces=3)
    params = layer.init_params(np.random.default_rng(3), 4)
    x = RNG.normal(size=(7, 4))
    pieces = np.stack([x @ params["W"][i] + params["b"][i] for i in range(3)])
    y, cache = layer.forward(params, x)
    np.testing.assert_allclose(y, pieces.max(axis=0), rtol=1e-14)
    _, grads = layer.backward(params, cache, np.ones_like(y))
    np.testing.assert_allclose(grads["b"].sum(axis=0), [7.0, 7.0])  # one winner per sample and unit


def test_a_swiglu_network_and_a_maxout_network_learn_the_digits_and_count_their_parameters():
    from gradflow import data

    rng = np.random.default_rng(4)
    X_train, y_train, X_test, y_test = data.digits(rng)
    for hidden in ([layers.GatedLinear(32, "silu")], [layers.Maxout(32, pieces=2)]):
        net = layers.Network([*hidden, layers.Dense(10)], n_in=64, rng=rng)
        assert net.n_parameters() == 2 * (64 * 32 + 32) + 32 * 10 + 10
        history = training.train(net, X_train, y_train, rng=rng, optimizer=optimizers.sgd(0.1), epochs=5)
        assert history["loss"][-1] < 0.5 * history["loss"][0]
        assert layers.accuracy(net, X_test, y_test) > 0.9


def test_the_training_loop_takes_the_sgd_steps_of_a_hand_written_loop_on_a_network_of_layers():
    X, labels = RNG.normal(size=(50, 4)), np.arange(50) % 3
    net = layers.Network([layers.RMSNorm(), layers.GatedLinear(5, "silu"), layers.Maxout(4), layers.Dense(3)], 4,
                         np.random.default_rng(1))
    by_hand = layers.Network(net.layers, 4, np.random.default_rng(1))
    history = training.train(net, X, labels, rng=np.random.default_rng(2), optimizer=optimizers.sgd(0.3), epochs=3,
                             batch_size=16)
    rng, losses = np.random.default_rng(2), []
    for _ in range(3):
        order = rng.permutation(50)
        for start in range(0, 50, 16):
            batch = order[start : start + 16]
            logits, caches = by_hand.forward(X[batch])
            loss, dlogits = nets.softmax_cross_entropy(logits, labels[batch])
            for params, grads in zip(by_hand.params, by_hand.backward(caches, dlogits)[1]):
                for key in params:
                    params[key] -= 0.3 * grads[key]
            losses.append(loss * len(batch) / 50)
    for ours, theirs in zip(net.parameters(), by_hand.parameters()):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_allclose(history["loss"], np.reshape(losses, (3, 4)).sum(axis=1), rtol=1e-12)


def test_a_network_rejects_bad_training_data_before_the_first_step():
    net = layers.Network([layers.Dense(2)], 3, np.random.default_rng(0))
    before = net.params[0]["W"].copy()
    for X, labels, message in [(np.ones((4, 2)), [0, 1, 0, 1], r"X must have shape \(n_samples, 3\)"),
                               (np.full((4, 3), np.nan), [0, 1, 0, 1], "X contains NaN"),
                               (np.ones((4, 3)), [0, 1, 2, 1], r"labels must lie in 0..1")]:
        with pytest.raises(ValueError, match=message):
            training.train(net, X, labels, rng=np.random.default_rng(0), optimizer=optimizers.sgd(0.1))
    np.testing.assert_array_equal(net.params[0]["W"], before)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: layers.Dense(0), ValueError, "n_out must be a positive int"),
        (lambda: layers.GatedLinear(3, "swiglu"), ValueError, "unknown activation 'swiglu'"),
        (lambda: layers.Maxout(3, pieces=0), ValueError, "pieces must be a positive int"),
        (lambda: layers.Network([], 3, RNG), ValueError, "at least one layer"),
        (lambda: layers.Network([layers.Dense(2)], 3, 0), TypeError, "Generator"),
        (lambda: layers.Dense(2).forward(layers.Dense(2).init_params(RNG, 3), np.ones((1, 4))),
         ValueError, r"expects input of shape \(n, 3\)"),
    ],
)
def test_bad_arguments_are_rejected_saying_what_is_allowed(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("kind", ["relu", "gelu", "tanh", "maxout", *layers.GATES])
def test_feed_forward_blocks_keep_the_mean_square_of_gaussian_inputs(kind):
    # Wide hidden layer and many samples: the mean square of the block's output should be 1 ± a few %.
    rng = np.random.default_rng(5)
    net = layers.Network(layers.feed_forward(kind, 64, 2048), n_in=64, rng=rng)
    y = net(rng.standard_normal((512, 64)))
    assert np.mean(y * y) == pytest.approx(1.0, abs=0.1)


def test_glu_exercise_accepts_an_independent_gradient_and_rejects_the_value_path_alone():
    from scipy.special import expit

    from gradflow import exercises

    def by_hand(x, W, b, V, c, dy, gate_path=True):
        gate, value = expit(x @ W + b), x @ V + c
        dx = (dy * gate) @ V.T
        return dx + (dy * value * gate * (1 - gate)) @ W.T if gate_path else dx

    assert exercises.grade("glu-input-gradient", by_hand)
    verdict = exercises.grade("glu-input-gradient", lambda *args: by_hand(*args, gate_path=False))
    assert not verdict and "expected" in verdict.message
