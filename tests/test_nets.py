import doctest

import numpy as np
import pytest
from scipy import special

from gradflow import nets, optimizers, training
from gradflow.nets import MLP, backward, forward, mlp, mse_loss, sgd_step, softmax_cross_entropy


def train(net, X, y, *, rng, loss="mse", lr=0.1, epochs=10, batch_size=32, hooks=()):
    """Minibatch SGD on one net through the book's one loop, gradflow.training.train."""
    return training.train(training.Net(net, loss), X, y, rng=rng, optimizer=optimizers.sgd(lr), epochs=epochs,
                          batch_size=batch_size, hooks=hooks)

WIDTHS = [3, 5, 4, 2]
# Activations whose derivative jumps at 0: finite differences are only valid away from the kink.
KINKED = {"relu", "leaky_relu", "selu"}


def small_problem(loss, seed=0, n=6):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, WIDTHS[0]))
    y = rng.integers(0, WIDTHS[-1], size=n) if loss == "cross_entropy" else rng.normal(size=(n, WIDTHS[-1]))
    return X, y


def numerical_gradients(net, X, y, loss_fn, h=1e-5):
    """Central differences of the loss with respect to every parameter entry."""
    grads = []
    for p in net.parameters():
        g = np.zeros_like(p)
        for index in np.ndindex(p.shape):
            original = p[index]
            p[index] = original + h
            plus = loss_fn(net(X), y)[0]
            p[index] = original - h
            minus = loss_fn(net(X), y)[0]
            p[index] = original
            g[index] = (plus - minus) / (2 * h)
        grads.append(g)
    return grads


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
@pytest.mark.parametrize(
    "activation", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "silu", "softplus"]
)
def test_backward_matches_central_differences_for_every_dW_and_db(activation, loss):
    X, y = small_problem(loss)
    net = mlp(WIDTHS, activation, np.random.default_rng(1), init="xavier_normal", bias=0.1)
    out, cache = forward(net, X)
    if activation in KINKED:
        # A step of 1e-5 in any parameter moves z by far less than 1e-3: no unit crosses its kink.
        assert min(np.abs(layer.z).min() for layer in cache[:-1]) > 1e-3
    loss_fn = nets.LOSSES[loss]
    backward(net, cache, loss_fn(out, y)[1])
    analytic = [g for layer in cache for g in (layer.dW, layer.db)]
    for a, n in zip(analytic, numerical_gradients(net, X, y, loss_fn)):
        assert relative_error(a, n) < 1e-6


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_backward_through_a_nonlinear_output_matches_central_differences(activation):
    X, y = small_problem("mse")
    net = mlp(WIDTHS, activation, np.random.default_rng(2), output="same")
    out, cache = forward(net, X)
    backward(net, cache, mse_loss(out, y)[1])
    analytic = [g for layer in cache for g in (layer.dW, layer.db)]
    for a, n in zip(analytic, numerical_gradients(net, X, y, mse_loss)):
        assert relative_error(a, n) < 1e-6


def test_delta_is_the_gradient_of_the_loss_with_respect_to_z():
    # δ⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾ means db = Σᵢ δᵢ and δ of the output layer equals dout for a linear output.
    X, y = small_problem("mse")
    net = mlp(WIDTHS, "tanh", np.random.default_rng(3))
    out, cache = forward(net, X)
    loss, dout = mse_loss(out, y)
    backward(net, cache, dout)
    np.testing.assert_allclose(cache[-1].delta, dout)
    # BP2 written out with the book's column convention for one sample.
    i = 2
    expected = (net.weights[2].T @ cache[2].delta[i]) * (1 - np.tanh(cache[1].z[i]) ** 2)
    np.testing.assert_allclose(cache[1].delta[i], expected)


def test_forward_shapes_and_the_cache_chain_inputs_to_outputs():
    net = mlp(WIDTHS, "relu", np.random.default_rng(0))
    X = np.ones((7, 3))
    out, cache = forward(net, X)
    assert out.shape == (7, 2)
    assert len(cache) == 3
    assert [layer.z.shape for layer in cache] == [(7, 5), (7, 4), (7, 2)]
    np.testing.assert_array_equal(cache[0].a_in, X)
    assert cache[1].a_in is cache[0].a and cache[2].a_in is cache[1].a
    assert cache[-1].a is out


def test_forward_equals_the_layer_formulas_written_out():
    net = mlp([3, 4, 2], "tanh", np.random.default_rng(0), bias=0.3)
    X = np.random.default_rng(1).normal(size=(5, 3))
    (W1, b1, W2, b2) = net.parameters()
    expected = np.array([W2 @ np.tanh(W1 @ x + b1) + b2 for x in X])
    np.testing.assert_allclose(net(X), expected)


def test_linear_output_is_unbounded_while_same_squashes_the_output():
    X = np.random.default_rng(0).normal(size=(50, 3)) * 10
    linear = mlp(WIDTHS, "sigmoid", np.random.default_rng(1), init="normal")
    same = mlp(WIDTHS, "sigmoid", np.random.default_rng(1), init="normal", output="same")
    out_linear, cache = forward(linear, X)
    np.testing.assert_array_equal(out_linear, cache[-1].z)
    assert out_linear.min() < 0 or out_linear.max() > 1
    np.testing.assert_allclose(same(X), special.expit(out_linear))
    assert same.output_activation.name == "sigmoid"


def test_mlp_uses_the_chosen_initializer_and_constant_bias():
    net = mlp([3, 6, 2], "tanh", np.random.default_rng(0), init="orthogonal", bias=-0.5)
    np.testing.assert_allclose(net.weights[0].T @ net.weights[0], np.eye(3), atol=1e-12)
    assert all(np.all(b == -0.5) for b in net.biases)


def test_mlp_accepts_an_initializer_function():
    net = mlp([3, 2], "tanh", np.random.default_rng(0), init=lambda n_in, n_out, rng, dtype: np.ones((n_out, n_in)))
    np.testing.assert_array_equal(net.weights[0], np.ones((2, 3)))


def test_repr_widths_and_parameters():
    net = mlp([64, 32, 32, 10], "relu", np.random.default_rng(0))
    assert repr(net) == "MLP([64, 32, 32, 10], activation='relu', output='identity')"
    assert repr(mlp([2, 1], "tanh", np.random.default_rng(0), output="same")).endswith("output='tanh')")
    assert net.widths == [64, 32, 32, 10]
    params = net.parameters()
    assert len(params) == 6
    assert params[0] is net.weights[0] and params[1] is net.biases[0]


def test_copy_is_independent_of_the_original():
    net = mlp([3, 4, 2], "tanh", np.random.default_rng(0))
    twin = net.copy()
    twin.weights[0][0, 0] += 1
    assert twin.weights[0][0, 0] != net.weights[0][0, 0]
    np.testing.assert_array_equal(twin.weights[1], net.weights[1])


def test_mse_loss_is_half_the_squared_error_averaged_over_samples():
    out = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 3.0]])
    y = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    loss, dout = mse_loss(out, y)
    assert loss == pytest.approx((1 + 4 + 0 + 1 + 4 + 4) / 2 / 3)
    np.testing.assert_allclose(dout, (out - y) / 3)


def test_softmax_cross_entropy_matches_scipy():
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(size=(5, 4)), np.array([0, 3, 1, 1, 2])
    loss, dlogits = softmax_cross_entropy(logits, labels)
    assert loss == pytest.approx(-special.log_softmax(logits, axis=1)[np.arange(5), labels].mean())
    np.testing.assert_allclose(dlogits, (special.softmax(logits, axis=1) - np.eye(4)[labels]) / 5)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    loss, dlogits = softmax_cross_entropy(np.array([[1000.0, 0.0], [0.0, 1000.0]]), [1, 1])
    assert loss == pytest.approx(500.0)
    np.testing.assert_allclose(dlogits, [[0.5, -0.5], [0.0, 0.0]])


def test_sgd_step_subtracts_lr_times_the_gradient_in_place():
    X, y = small_problem("mse")
    net = mlp(WIDTHS, "tanh", np.random.default_rng(0))
    before = [p.copy() for p in net.parameters()]
    W1 = net.weights[0]
    out, cache = forward(net, X)
    backward(net, cache, mse_loss(out, y)[1])
    assert sgd_step(net, cache, lr=0.3) is None
    assert net.weights[0] is W1
    grads = [g for layer in cache for g in (layer.dW, layer.db)]
    for old, new, g in zip(before, net.parameters(), grads):
        np.testing.assert_allclose(new, old - 0.3 * g)


def test_training_solves_xor_with_tanh():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1, 0])
    rng = np.random.default_rng(0)
    net = mlp([2, 8, 2], "tanh", rng, init="xavier_normal")
    history = train(net, X, labels, rng=rng, loss="cross_entropy", lr=0.5, epochs=300, batch_size=4)
    assert len(history["loss"]) == 300
    assert history["loss"][-1] < 0.05 < history["loss"][0]
    assert nets.accuracy(net, X, labels) == 1.0


def test_training_with_mse_decreases_the_loss_on_two_blobs():
    rng = np.random.default_rng(1)
    X = np.concatenate([rng.normal(-2, 0.5, size=(40, 2)), rng.normal(2, 0.5, size=(40, 2))])
    y = np.repeat([[-1.0], [1.0]], 40, axis=0)
    net = mlp([2, 6, 1], "relu", rng)
    history = train(net, X, y, rng=rng, lr=0.05, epochs=20, batch_size=8)
    assert history["loss"][-1] < 0.1 * history["loss"][0]


def test_full_batch_epoch_loss_is_the_loss_of_the_initial_net():
    X, y = small_problem("mse", n=10)
    net = mlp(WIDTHS, "tanh", np.random.default_rng(0))
    expected = 0.5 * np.mean(np.sum((net(X) - y) ** 2, axis=1))
    history = train(net, X, y, rng=np.random.default_rng(0), epochs=1, batch_size=10)
    assert history["loss"][0] == pytest.approx(expected)


def test_hooks_see_every_step_with_gradients():
    X, y = small_problem("cross_entropy", n=10)
    net = mlp(WIDTHS, "tanh", np.random.default_rng(0))
    seen = []

    def record(step):
        assert step.params[0] is net.weights[0]
        seen.append((step.step, step.cache[0].dW.shape, len(step.cache[0].a_in)))

    train(net, X, y, rng=np.random.default_rng(0), loss="cross_entropy", epochs=2, batch_size=4, hooks=[record])
    # 10 samples in batches of 4, 4 and 2, twice.
    assert seen == [(s, (5, 3), n) for s, n in enumerate([4, 4, 2, 4, 4, 2])]


def test_float32_net_stays_float32_through_forward_backward_and_step():
    net = mlp(WIDTHS, "gelu", np.random.default_rng(0), dtype=np.float32)
    X, labels = small_problem("cross_entropy")  # float64 input is cast to the net's dtype
    out, cache = forward(net, X)
    loss, dout = softmax_cross_entropy(out, labels)
    assert dout.dtype == np.float32
    backward(net, cache, dout)
    sgd_step(net, cache, lr=np.float64(0.1))
    arrays = [getattr(layer, f) for layer in cache for f in ("a_in", "z", "a", "delta", "dW", "db")]
    assert all(a.dtype == np.float32 for a in arrays + net.parameters())
    assert mse_loss(out, np.zeros_like(out, dtype=np.float64))[1].dtype == np.float32
    train(net, X, labels, rng=np.random.default_rng(0), loss="cross_entropy", epochs=2)
    assert all(p.dtype == np.float32 for p in net.parameters())


def test_same_seeds_give_the_same_net_and_the_same_training():
    X, y = small_problem("mse", n=20)

    def run():
        net = mlp(WIDTHS, "elu", np.random.default_rng(5))
        history = train(net, X, y, rng=np.random.default_rng(6), epochs=3, batch_size=5)
        return net, history

    (net_a, history_a), (net_b, history_b) = run(), run()
    assert all(np.array_equal(history_a[key], history_b[key]) for key in history_a)
    for a, b in zip(net_a.parameters(), net_b.parameters()):
        np.testing.assert_array_equal(a, b)


def test_accuracy_counts_argmax_hits():
    net = MLP([np.eye(3)], [np.zeros(3)], "identity", "identity")
    X = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0], [0.0, 5.0, 1.0], [3.0, 1.0, 0.0]])
    assert nets.accuracy(net, X, [0, 2, 0, 0]) == 0.75


# --- bad inputs -------------------------------------------------------------------------------------


@pytest.fixture
def net():
    return mlp(WIDTHS, "tanh", np.random.default_rng(0))


def test_wrong_input_width_names_the_layer_and_the_expected_shape(net):
    with pytest.raises(ValueError, match=r"layer 1 expects input with 3 features \(X\.shape\[1\]\), got 4"):
        net(np.ones((2, 4)))


def test_one_dimensional_input_is_rejected_with_a_reshape_hint(net):
    with pytest.raises(ValueError, match=r"X must be 2-D with shape \(n_samples, 3\), got shape \(3,\).*reshape"):
        net(np.ones(3))


def test_empty_input_is_rejected(net):
    with pytest.raises(ValueError, match="X has no samples"):
        net(np.ones((0, 3)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_is_rejected_naming_the_row(net, bad):
    X = np.ones((4, 3))
    X[2, 1] = bad
    with pytest.raises(ValueError, match=r"X contains NaN or inf \(rows \[2\]\)"):
        net(X)


@pytest.mark.parametrize(
    ("widths", "message"),
    [
        ([3], r"at least two layer sizes"),
        (5, r"at least two layer sizes"),
        ([3, 0, 2], r"widths\[1\] must be a positive int, got 0"),
        ([3, 2.5, 2], r"widths\[1\] must be a positive int, got 2\.5"),
        ([3, 4, True], r"widths\[2\] must be a positive int, got True"),
        ([-3, 4], r"widths\[0\] must be a positive int, got -3"),
    ],
)
def test_bad_widths_are_rejected(widths, message):
    with pytest.raises(ValueError, match=message):
        mlp(widths, "relu", np.random.default_rng(0))


def test_unknown_activation_is_rejected():
    with pytest.raises(ValueError, match="swiglu"):
        mlp([2, 2], "swiglu", np.random.default_rng(0))


def test_activation_of_the_wrong_type_is_rejected():
    with pytest.raises(TypeError, match=r"registry name such as 'relu' or an Activation"):
        mlp([2, 2], np.tanh, np.random.default_rng(0))


def test_unknown_initializer_is_rejected():
    with pytest.raises(ValueError, match=r"unknown initializer 'glorot'.*xavier_uniform"):
        mlp([2, 2], "relu", np.random.default_rng(0), init="glorot")


def test_initializer_returning_the_wrong_shape_is_rejected():
    with pytest.raises(ValueError, match=r"init returned shape \(3, 2\) for n_in=3, n_out=2; expected \(2, 3\)"):
        mlp([3, 2], "relu", np.random.default_rng(0), init=lambda n_in, n_out, rng, dtype: np.ones((n_in, n_out)))


@pytest.mark.parametrize("bad", [np.nan, "0.1", None])
def test_bias_must_be_a_finite_number(bad):
    with pytest.raises(ValueError, match="bias must be a finite number"):
        mlp([2, 2], "relu", np.random.default_rng(0), bias=bad)


def test_rng_must_be_a_generator():
    with pytest.raises(TypeError, match=r"default_rng\(seed\)"):
        mlp([2, 2], "relu", 0)


def test_hand_built_net_with_mismatched_shapes_names_the_layer():
    with pytest.raises(ValueError, match=r"layer 2: W must have shape \(1, 4\) and b shape \(1,\)"):
        MLP([np.ones((4, 2)), np.ones((1, 3))], [np.zeros(4), np.zeros(1)], "relu", "identity")


@pytest.mark.parametrize(
    ("weights", "biases"),
    [([np.ones((0, 2)), np.ones((1, 0))], [np.zeros(0), np.zeros(1)]), ([np.ones((2, 0))], [np.zeros(2)])],
    ids=["no hidden units", "no inputs"],
)
def test_hand_built_net_with_a_layer_of_width_zero_is_rejected_as_mlp_does(weights, biases):
    with pytest.raises(ValueError, match=r"layer 1: W has shape \(\d, \d\); every layer needs at least one input"):
        MLP(weights, biases, "relu", "identity")


def test_complex_input_is_a_type_error_not_a_silently_dropped_imaginary_part(net):
    with pytest.raises(TypeError, match="X must hold real numbers, got dtype complex128"):
        forward(net, np.ones((2, 3)) + 1j)
    out, cache = forward(net, np.ones((2, 3)))
    with pytest.raises(TypeError, match="dout must hold real numbers"):
        backward(net, cache, out + 1j)


def test_hand_built_net_with_mixed_dtypes_is_rejected():
    with pytest.raises(ValueError, match=r"layer 1: all parameters must share the dtype float32"):
        MLP([np.ones((1, 2), dtype=np.float32)], [np.zeros(1)], "relu", "identity")


@pytest.mark.parametrize("labels", [[0, 1, 2, 1, 0, 0], [0, -1, 1, 1, 0, 0]])
def test_labels_out_of_range_are_rejected(net, labels):
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.1 for 2 outputs"):
        softmax_cross_entropy(net(np.ones((6, 3))), labels)


def test_float_labels_are_rejected_with_an_argmax_hint(net):
    with pytest.raises(TypeError, match=r"labels must be integer class indices.*argmax"):
        softmax_cross_entropy(net(np.ones((2, 3))), np.array([0.0, 1.0]))


def test_labels_of_the_wrong_length_are_rejected(net):
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\)"):
        softmax_cross_entropy(net(np.ones((2, 3))), [0, 1, 1])


def test_mse_targets_must_match_the_output_shape(net):
    with pytest.raises(ValueError, match=r"y must have the output's shape \(4, 2\), got \(4,\)"):
        mse_loss(net(np.ones((4, 3))), np.zeros(4))
    single = mlp([3, 1], "tanh", np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        mse_loss(single(np.ones((4, 3))), np.zeros(4))


def test_non_finite_targets_are_rejected_before_training_starts(net):
    y = np.zeros((6, 2))
    y[5, 0] = np.nan
    before = net.weights[0].copy()
    with pytest.raises(ValueError, match=r"y contains NaN or inf \(rows \[5\]\)"):
        train(net, np.ones((6, 3)), y, rng=np.random.default_rng(0), batch_size=2)
    np.testing.assert_array_equal(net.weights[0], before)


def test_dout_must_match_the_output_shape(net):
    out, cache = forward(net, np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"dout must have the shape of the net's output \(4, 2\), got \(4, 3\)"):
        backward(net, cache, np.ones((4, 3)))


def test_cache_from_a_different_net_is_rejected(net):
    other = mlp([3, 2], "tanh", np.random.default_rng(0))
    out, cache = forward(other, np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"cache has 1 layers but the net has 3"):
        backward(net, cache, out)


def test_the_pair_out_cache_instead_of_the_cache_is_a_clear_type_error(net):
    with pytest.raises(TypeError, match=r"pass the cache alone, not the pair that forward returns"):
        backward(net, forward(net, np.ones((4, 3))), np.ones((4, 2)))


def test_a_cache_of_remedies_forward_is_sent_to_remedies_backward(net):
    from gradflow import remedies

    out, cache = remedies.forward(net, np.ones((4, 3)), norm=remedies.batchnorm(net))
    with pytest.raises(TypeError, match=r"from gradflow.remedies.forward; backpropagate it with gradflow.remedies.backward"):
        backward(net, cache, np.ones_like(out))


def test_sgd_step_before_backward_is_rejected(net):
    out, cache = forward(net, np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"layer 1 has no gradients yet; run backward"):
        sgd_step(net, cache, lr=0.1)


@pytest.mark.parametrize("lr", [0.0, -0.1, np.nan, np.inf])
def test_learning_rate_must_be_finite_and_positive(net, lr):
    X, y = small_problem("mse")
    out, cache = forward(net, X)
    backward(net, cache, mse_loss(out, y)[1])
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0"):
        sgd_step(net, cache, lr=lr)
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0"):
        train(net, X, y, rng=np.random.default_rng(0), lr=lr)


@pytest.mark.parametrize("setting", [{"epochs": 0}, {"batch_size": 0}, {"epochs": 2.5}, {"batch_size": True}])
def test_epochs_and_batch_size_must_be_positive_ints(net, setting):
    (name, value), = setting.items()
    with pytest.raises(ValueError, match=rf"{name} must be a positive int, got {value!r}"):
        train(net, np.ones((2, 3)), np.zeros((2, 2)), rng=np.random.default_rng(0), **setting)


def test_training_labels_must_match_the_number_of_samples(net):
    with pytest.raises(ValueError, match=r"labels must have shape \(4,\), one class index per sample, got \(3,\)"):
        train(net, np.ones((4, 3)), [0, 1, 1], rng=np.random.default_rng(0), loss="cross_entropy")


def test_hand_built_net_with_integer_weights_is_rejected():
    with pytest.raises(ValueError, match=r"weights must have a floating dtype.*got int64"):
        MLP([np.ones((1, 2), dtype=np.int64)], [np.zeros(1, dtype=np.int64)], "relu", "identity")


def test_unknown_loss_is_rejected(net):
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'; valid names: mse, cross_entropy"):
        train(net, np.ones((2, 3)), np.zeros((2, 2)), rng=np.random.default_rng(0), loss="hinge")


def test_accuracy_needs_at_least_two_outputs():
    single = mlp([3, 1], "tanh", np.random.default_rng(0))
    with pytest.raises(ValueError, match="threshold it yourself"):
        nets.accuracy(single, np.ones((2, 3)), [0, 1])


def test_docstring_examples_run():
    results = doctest.testmod(nets)
    assert results.attempted > 0
    assert results.failed == 0


def test_sgd_path_follows_the_lms_update_by_hand():
    A = np.array([[1.0, 2.0], [3.0, -1.0]])
    y = np.array([1.0, 0.0])
    w1 = np.zeros(2) - 0.1 * (0.0 - 1.0) * A[0]
    w2 = w1 - 0.1 * (A[1] @ w1 - 0.0) * A[1]
    np.testing.assert_allclose(nets.sgd_path(A, y, np.zeros(2), 0.1), [[0.0, 0.0], w1, w2])


def test_sgd_path_with_positive_inputs_moves_all_weights_the_same_way():
    rng = np.random.default_rng(0)
    A = rng.uniform(0.1, 1.0, size=(50, 3))
    steps = np.diff(nets.sgd_path(A, A @ np.array([1.0, -1.0, 0.5]), np.zeros(3), 0.5), axis=0)
    assert np.all(np.sign(steps) == np.sign(steps[:, :1]))


def test_sgd_path_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"y of shape \(n_steps,\).*got \(2, 2\), \(3,\)"):
        nets.sgd_path(np.ones((2, 2)), np.ones(3), np.zeros(2), 0.1)
