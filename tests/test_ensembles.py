import numpy as np
import pytest

from gradflow import ensembles, nets

WIDTHS = [3, 5, 4, 3]


def problem(seed=0, n=12):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, WIDTHS[0])), rng.integers(0, WIDTHS[-1], size=n)


def stack_of(activation, k=3, seed=1):
    rng = np.random.default_rng(seed)
    return [nets.mlp(WIDTHS, activation, rng, init="xavier_normal", bias=0.1) for _ in range(k)]


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "elu", "gelu", "silu"])
def test_ensemble_gradients_match_central_differences_of_each_nets_loss(activation):
    X, labels = problem()
    mlps = stack_of(activation)
    losses, dW, db = ensembles.ensemble_gradients(mlps, X, labels)
    h = 1e-6
    for k, net in enumerate(mlps):
        for l, (W, b) in enumerate(zip(net.weights, net.biases)):
            for param, grad in ((W, dW[l][k]), (b, db[l][k])):
                numerical = np.zeros_like(param)
                for index in np.ndindex(param.shape):
                    original = param[index]
                    param[index] = original + h
                    plus = nets.softmax_cross_entropy(net(X), labels)[0]
                    param[index] = original - h
                    minus = nets.softmax_cross_entropy(net(X), labels)[0]
                    param[index] = original
                    numerical[index] = (plus - minus) / (2 * h)
                error = np.linalg.norm(grad - numerical) / (np.linalg.norm(grad) + np.linalg.norm(numerical))
                assert error < 1e-6
        assert np.isclose(losses[k], nets.softmax_cross_entropy(net(X), labels)[0], rtol=1e-12)


def test_accuracies_agree_with_nets_accuracy_per_net():
    X, labels = problem(n=50)
    mlps = stack_of("elu", k=3)
    expected = [nets.accuracy(net, X, labels) for net in mlps]
    np.testing.assert_array_equal(ensembles.accuracies(mlps, X, labels), expected)


def test_per_net_batches_give_each_net_its_own_loss():
    X, labels = problem(n=8)
    mlps = stack_of("relu", k=2)
    losses, _, _ = ensembles.ensemble_gradients(mlps, np.stack([X, X[::-1]]), np.stack([labels, labels[::-1]]))
    single = [nets.softmax_cross_entropy(net(X), labels)[0] for net in mlps]
    np.testing.assert_allclose(losses, single, rtol=1e-12)


@pytest.mark.parametrize(
    "mlps, match",
    [
        ([], "non-empty list"),
        (["relu"], "non-empty list"),
        ([nets.mlp([3, 4, 3], "relu", np.random.default_rng(0)), nets.mlp([3, 5, 3], "relu", np.random.default_rng(0))],
         "all nets must match net 1"),
        ([nets.mlp([3, 4, 3], "relu", np.random.default_rng(0)), nets.mlp([3, 4, 3], "tanh", np.random.default_rng(0))],
         "activations of net 1"),
    ],
)
def test_stacks_that_do_not_fit_together_are_rejected(mlps, match):
    X, labels = problem()
    with pytest.raises((TypeError, ValueError), match=match):
        ensembles.accuracies(mlps, X, labels)


def test_a_nonlinear_output_layer_is_rejected():
    net = nets.mlp([3, 4, 3], "relu", np.random.default_rng(0), output="same")
    with pytest.raises(ValueError, match="linear output layer"):
        ensembles.accuracies([net], *problem())


@pytest.mark.parametrize(
    "X, labels, match",
    [
        (np.ones((4, 2)), [0, 1, 2, 0], "shape \\(n_samples, 3\\)"),
        (np.full((4, 3), np.nan), [0, 1, 2, 0], "NaN"),
        (np.ones((4, 3)), [0.0, 1.0, 2.0, 0.0], "integer class indices"),
        (np.ones((4, 3)), [0, 1, 3, 0], "lie in 0..2"),
    ],
)
def test_bad_data_is_rejected_with_a_message(X, labels, match):
    with pytest.raises(ValueError, match=match):
        ensembles.ensemble_gradients(stack_of("relu", k=1), X, labels)

