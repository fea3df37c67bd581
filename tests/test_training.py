"""The training loop: same steps as a hand-written SGD loop, stacks equal separate nets, hooks and clipping."""

import numpy as np
import pytest

from gradflow import nets, optimizers, training


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(50, 3)), rng.integers(0, 3, size=50)


def test_train_with_sgd_takes_the_steps_of_a_hand_written_loop(data):
    X, labels = data
    net = nets.mlp([3, 5, 3], "tanh", np.random.default_rng(1))
    by_hand = net.copy()
    training.train(training.Net(net), X, labels, rng=np.random.default_rng(2),
                   optimizer=optimizers.sgd(0.1), epochs=2, batch_size=16)
    rng = np.random.default_rng(2)
    for _ in range(2):
        order = rng.permutation(len(X))
        for start in range(0, len(X), 16):
            rows = order[start : start + 16]
            out, cache = nets.forward(by_hand, X[rows])
            nets.backward(by_hand, cache, nets.softmax_cross_entropy(out, labels[rows])[1])
            for W, b, layer in zip(by_hand.weights, by_hand.biases, cache):
                W -= 0.1 * layer.dW
                b -= 0.1 * layer.db
    for mine, theirs in zip(net.parameters(), by_hand.parameters()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-13, atol=1e-15)


def test_stack_gradients_are_those_of_each_net_alone(data):
    X, labels = data
    mlps = [nets.mlp([3, 4, 4, 3], "relu", np.random.default_rng(s)) for s in range(3)]
    losses, grads, _ = training.Stack(mlps).objective(np.broadcast_to(X, (3, *X.shape)), np.broadcast_to(labels, (3, 50)))
    for k, net in enumerate(mlps):
        loss, alone, _ = training.Net(net).objective(X, labels)
        assert losses[k] == pytest.approx(loss, rel=1e-13)
        for g_stack, g in zip(grads, alone):
            np.testing.assert_allclose(g_stack[k], g, rtol=1e-12, atol=1e-15)


def test_hooks_see_each_step_and_its_update(data):
    X, labels = data
    net = nets.mlp([3, 5, 3], "relu", np.random.default_rng(1))
    seen = []

    def hook(step):
        # An SGD step changes every parameter by −η·gradient.
        for update, grad in zip(step.updates, step.grads):
            np.testing.assert_allclose(update, -0.05 * grad, rtol=1e-10, atol=1e-15)
        seen.append(step.step)

    training.train(training.Net(net), X, labels, rng=np.random.default_rng(0),
                   optimizer=optimizers.sgd(0.05), epochs=2, batch_size=25, hooks=[hook])
    assert seen == [0, 1, 2, 3]


def test_clipping_caps_each_nets_joint_gradient_norm(data):
    X, labels = data
    stack = training.Stack([nets.mlp([3, 8, 3], "relu", np.random.default_rng(s), init="normal") for s in range(2)])
    norms_after = []
    history = training.train(stack, X, labels, rng=np.random.default_rng(0),
                             optimizer=optimizers.sgd(0.01), epochs=1, batch_size=25, max_norm=0.5,
                             hooks=[lambda s: norms_after.append(np.sqrt(sum((g.reshape(2, -1) ** 2).sum(1) for g in s.grads)))])
    assert history["grad_norm"].shape == (2, 2) and (history["grad_norm"] > 0.5).any()
    np.testing.assert_allclose(np.array(norms_after), np.minimum(history["grad_norm"].T, 0.5), rtol=1e-12)


def test_adam_trains_a_stack_with_batch_norm_and_residuals(data):
    X, labels = data
    stack = training.Stack([nets.mlp([3, 6, 6, 6, 3], "tanh", np.random.default_rng(s)) for s in range(2)],
                           residual=True, norm=True)
    history = training.train(stack, X, labels, rng=np.random.default_rng(0),
                             optimizer=optimizers.adam(0.03), epochs=40, batch_size=25)
    assert (history["loss"][:, -1] < 0.8 * history["loss"][:, 0]).all()


def test_bad_arguments_are_rejected(data):
    X, labels = data
    model = training.Net(nets.mlp([3, 3], "relu", np.random.default_rng(0)))
    with pytest.raises(TypeError, match="optimizer must come from gradflow.optimizers"):
        training.train(model, X, labels, rng=np.random.default_rng(0), optimizer=0.1)
    with pytest.raises(ValueError, match="one row per sample"):
        training.train(model, X, labels[:10], rng=np.random.default_rng(0), optimizer=optimizers.sgd(0.1))
    with pytest.raises(TypeError, match="hooks must be a sequence of callables"):
        training.train(model, X, labels, rng=np.random.default_rng(0), optimizer=optimizers.sgd(0.1),
                       hooks=[1])
    with pytest.raises(ValueError, match="every net must match net 1"):
        training.Stack([nets.mlp([3, 3], "relu", np.random.default_rng(0)), nets.mlp([3, 3], "tanh", np.random.default_rng(0))])
