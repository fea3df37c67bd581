"""The training loop: same steps as a hand-written SGD loop, stacks equal separate nets, hooks and clipping."""

import numpy as np
import pytest

from gradflow import nets, normalization, optimizers, training


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
    with pytest.raises(ValueError, match=r"labels must have shape \(50,\)"):
        training.train(model, X, labels[:10], rng=np.random.default_rng(0), optimizer=optimizers.sgd(0.1))
    with pytest.raises(ValueError, match="one row per sample"):
        training.train(normalization.NormResidualNet(3, 4, 3, depth=1, activation="relu", rng=np.random.default_rng(0),
                                                     placement="pre"),
                       X, labels[:10], rng=np.random.default_rng(0), optimizer=optimizers.sgd(0.1))
    with pytest.raises(TypeError, match="hooks must be a sequence of callables"):
        training.train(model, X, labels, rng=np.random.default_rng(0), optimizer=optimizers.sgd(0.1),
                       hooks=[1])
    with pytest.raises(ValueError, match="every net must match net 1"):
        training.Stack([nets.mlp([3, 3], "relu", np.random.default_rng(0)), nets.mlp([3, 3], "tanh", np.random.default_rng(0))])


def test_full_batch_training_of_a_stack_equals_training_each_net_alone(data):
    X, labels = data
    mlps = [nets.mlp([3, 5, 4, 3], "relu", np.random.default_rng(s), init="xavier_normal", bias=0.1) for s in range(4)]
    alone = [net.copy() for net in mlps]
    stack = training.Stack(mlps, residual=True, branch_scale=0.5)
    history = training.train(stack, X, labels, rng=np.random.default_rng(2), optimizer=optimizers.momentum(0.3),
                             epochs=5, batch_size=len(X), max_norm=0.5)
    for k, net in enumerate(alone):
        single = training.Stack([net], residual=True, branch_scale=0.5)
        expected = training.train(single, X, labels, rng=np.random.default_rng(3), optimizer=optimizers.momentum(0.3),
                                  epochs=5, batch_size=len(X), max_norm=0.5)
        np.testing.assert_allclose(history["loss"][k], expected["loss"][0], rtol=1e-10)
        np.testing.assert_allclose(history["grad_norm"][k], expected["grad_norm"][0], rtol=1e-10)
        for W_stack, W_alone in zip(stack.weights, single.weights):
            np.testing.assert_allclose(W_stack[k], W_alone[0], rtol=1e-10, atol=1e-12)


def test_training_a_stack_leaves_the_input_nets_unchanged_and_each_net_draws_its_own_shuffle(data):
    X, labels = data
    net = nets.mlp([3, 5, 3], "tanh", np.random.default_rng(0))
    before = net.weights[0].copy()
    stack = training.Stack([net, net.copy()])
    training.train(stack, X, labels, rng=np.random.default_rng(0), optimizer=optimizers.sgd(0.1), epochs=1, batch_size=4)
    np.testing.assert_array_equal(net.weights[0], before)
    trained = stack.nets()
    assert not np.allclose(trained[0].weights[0], trained[1].weights[0])


def test_bad_data_is_rejected_before_the_first_step(data):
    X, labels = data
    net = nets.mlp([3, 4, 3], "relu", np.random.default_rng(0))
    before = net.weights[0].copy()
    with pytest.raises(ValueError, match=r"labels must lie in 0..2"):
        training.train(training.Net(net), X, labels + 5, rng=np.random.default_rng(0), optimizer=optimizers.sgd(0.1))
    with pytest.raises(ValueError, match=r"labels must lie in 0..2"):
        training.train(training.Stack([net]), X, labels + 5, rng=np.random.default_rng(0), optimizer=optimizers.sgd(0.1))
    y = np.zeros((50, 3))
    y[49, 0] = np.nan
    with pytest.raises(ValueError, match=r"y contains NaN or inf \(rows \[49\]\)"):
        training.train(training.Net(net, loss="mse"), X, y, rng=np.random.default_rng(0), optimizer=optimizers.sgd(0.1))
    np.testing.assert_array_equal(net.weights[0], before)
    with pytest.raises(ValueError, match="branch_scale must be a finite number > 0"):
        training.Stack([net], residual=True, branch_scale=0.0)
    with pytest.raises(ValueError, match="max_norm must be a finite number > 0"):
        training.train(training.Net(net), X, labels, rng=np.random.default_rng(0), optimizer=optimizers.sgd(0.1), max_norm=-1.0)


def test_a_stack_with_shared_batches_trains_each_net_on_the_batches_one_net_alone_would_see(data):
    X, labels = data
    mlps = [nets.mlp([3, 5, 3], "tanh", np.random.default_rng(s)) for s in range(3)]
    alone = [net.copy() for net in mlps]
    stack = training.Stack(mlps, shared_batches=True)
    history = training.train(stack, X, labels, rng=np.random.default_rng(4), optimizer=optimizers.sgd(0.2), epochs=3,
                             batch_size=8)
    for k, net in enumerate(alone):
        expected = training.train(training.Net(net), X, labels, rng=np.random.default_rng(4),
                                  optimizer=optimizers.sgd(0.2), epochs=3, batch_size=8)
        np.testing.assert_allclose(history["loss"][k], expected["loss"], rtol=1e-10)
        for W_stack, W_alone in zip(stack.weights, net.weights):
            np.testing.assert_allclose(W_stack[k], W_alone, rtol=1e-10, atol=1e-12)
    with pytest.raises(TypeError, match="shared_batches must be True or False"):
        training.Stack(mlps, shared_batches=1)
