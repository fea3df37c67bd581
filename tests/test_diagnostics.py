import doctest

import numpy as np
import pytest

from gradflow import activations, diagnostics, nets
from gradflow.diagnostics import (
    activation_stats,
    dead_fraction,
    delta_norms,
    gradient_norms,
    saturated_fraction,
    update_ratios,
)
from gradflow.nets import MLP, Layer, backward, forward


def relu_net(W1, b1):
    """One ReLU hidden layer with the given parameters, then a linear unit summing the hidden units."""
    W1, b1 = np.asarray(W1, dtype=float), np.asarray(b1, dtype=float)
    return MLP([W1, np.ones((1, len(W1)))], [b1, np.zeros(1)], "relu", "identity")


def inputs_in_unit_square(n=50, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=(n, 2))


def identity_hidden_net(width, activation, output="identity"):
    """A net whose hidden pre-activations z equal its inputs (W = I, b = 0)."""
    return MLP([np.eye(width), np.ones((1, width))], [np.zeros(width), np.zeros(1)], activation, output)


# --- dead_fraction ----------------------------------------------------------------------------------


def test_dead_fraction_counts_units_that_are_negative_on_every_input():
    # On x ∈ [-1, 1]²: unit 0 (x1 + x2) changes sign, unit 1 is always -1, unit 2 (x1 + 5) is always
    # positive, unit 3 (x2 - 3) is always negative: 2 of 4 units are dead.
    net = relu_net([[1, 1], [0, 0], [1, 0], [0, 1]], [0, -1, 5, -3])
    out, cache = forward(net, inputs_in_unit_square())
    np.testing.assert_array_equal(dead_fraction(cache), [0.5])


def test_dead_fraction_is_zero_when_every_unit_is_active_somewhere():
    net = relu_net(np.ones((3, 2)), np.full(3, 10.0))
    out, cache = forward(net, inputs_in_unit_square())
    np.testing.assert_array_equal(dead_fraction(cache), [0.0])


def test_dead_fraction_is_one_when_every_unit_is_negative_everywhere():
    net = relu_net(np.ones((3, 2)), np.full(3, -10.0))
    out, cache = forward(net, inputs_in_unit_square())
    np.testing.assert_array_equal(dead_fraction(cache), [1.0])


def test_unit_with_z_exactly_zero_on_every_input_counts_as_dead():
    net = relu_net([[0, 0], [1, 0]], [0, 0])
    out, cache = forward(net, inputs_in_unit_square())
    np.testing.assert_array_equal(dead_fraction(cache), [0.5])


def test_unit_active_on_a_single_input_is_not_dead():
    net = relu_net([[1, 0]], [-0.5])
    X = np.array([[0.0, 0.0], [-1.0, 0.0], [0.6, 0.0]])
    out, cache = forward(net, X)
    np.testing.assert_array_equal(dead_fraction(cache), [0.0])
    out, cache = forward(net, X[:2])
    np.testing.assert_array_equal(dead_fraction(cache), [1.0])


def test_dead_fraction_covers_hidden_layers_only():
    # Two hidden layers (second fully dead) and a ReLU output that is dead too but not counted.
    net = MLP(
        [np.eye(2), np.eye(2), np.ones((1, 2))],
        [np.array([1.0, -5.0]), np.full(2, -5.0), np.full(1, -100.0)],
        "relu",
        "relu",
    )
    out, cache = forward(net, inputs_in_unit_square())
    np.testing.assert_array_equal(dead_fraction(cache), [0.5, 1.0])


# --- saturated_fraction -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activation", "z", "expected"),
    [
        # σ′ = 1/4 at 0 and σ′(z) < 0.0025 for |z| > 5.986
        ("sigmoid", [0.0, 1.0, -3.0, 5.9, 6.1, -8.0, 20.0, -20.0], 4 / 8),
        # tanh′ = 1 at 0 and 1 − tanh² < 0.01 for |z| > arccosh(10) = 2.993
        ("tanh", [0.0, 2.9, 3.1, -3.1, 10.0, -0.5], 3 / 6),
        # ReLU′ = 0 for z < 0
        ("relu", [-1.0, -2.0, 0.5, 3.0], 2 / 4),
        ("identity", [-100.0, 0.0, 100.0], 0.0),
    ],
)
def test_saturated_fraction_on_hand_chosen_pre_activations(activation, z, expected):
    net = identity_hidden_net(len(z), activation)
    out, cache = forward(net, [z])
    np.testing.assert_allclose(saturated_fraction(cache, activation), [expected])


def test_saturated_fraction_pools_samples_and_units():
    net = identity_hidden_net(2, "tanh")
    out, cache = forward(net, [[0.0, 5.0], [4.0, 5.0], [0.0, 0.0]])
    np.testing.assert_allclose(saturated_fraction(cache, "tanh"), [3 / 6])


def test_saturated_fraction_threshold_scales_with_tol():
    # σ′(z) = 1 / (4 cosh²(z/2)) < tol/4  ⇔  |z| > 2 arccosh(1/√tol); for tol = 1/2 that is 1.7627.
    z = [1.70, 1.80, -1.70, -1.80, 0.0]
    net = identity_hidden_net(len(z), "sigmoid")
    out, cache = forward(net, [z])
    assert 2 * np.arccosh(np.sqrt(2)) == pytest.approx(1.7627, abs=1e-4)
    np.testing.assert_allclose(saturated_fraction(cache, "sigmoid", tol=0.5), [2 / 5])


def test_saturated_fraction_accepts_an_activation_object_and_skips_the_output_layer():
    net = identity_hidden_net(2, "sigmoid", output="sigmoid")
    out, cache = forward(net, [[0.0, 0.0]])  # the output sees z = 0 + 0; hidden units sit at 0
    result = saturated_fraction(cache, activations.get("sigmoid"))
    np.testing.assert_array_equal(result, [0.0])


@pytest.mark.parametrize("tol", [0.0, -0.1, np.nan])
def test_saturated_fraction_rejects_a_non_positive_tol(tol):
    out, cache = forward(identity_hidden_net(2, "tanh"), [[0.0, 1.0]])
    with pytest.raises(ValueError, match=r"tol must be a finite number > 0"):
        saturated_fraction(cache, "tanh", tol=tol)


# --- gradient_norms, delta_norms, update_ratios -----------------------------------------------------


def tanh_problem():
    rng = np.random.default_rng(0)
    net = nets.mlp([3, 4, 2], "tanh", rng)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    return net, X, y


def hand_gradients(net, X, y):
    """dW of a one-hidden-layer tanh net under the mean over samples of ½‖out − y‖², written out."""
    (W1, b1, W2, b2), n = net.parameters(), len(X)
    a1 = np.tanh(X @ W1.T + b1)
    dout = (a1 @ W2.T + b2 - y) / n
    delta1 = (dout @ W2) * (1 - a1**2)
    return [delta1.T @ X, dout.T @ a1], [delta1, dout]


def forward_backward(net, X, y):
    out, cache = forward(net, X)
    return backward(net, cache, nets.mse_loss(out, y)[1])


def test_gradient_norms_are_frobenius_norms_of_the_weight_gradients():
    net, X, y = tanh_problem()
    dWs, _ = hand_gradients(net, X, y)
    expected = [np.sqrt(np.sum(dW**2)) for dW in dWs]
    np.testing.assert_allclose(gradient_norms(forward_backward(net, X, y)), expected)


def test_delta_norms_average_the_per_sample_norms():
    net, X, y = tanh_problem()
    _, deltas = hand_gradients(net, X, y)
    expected = [np.mean([np.sqrt(np.sum(row**2)) for row in delta]) for delta in deltas]
    np.testing.assert_allclose(delta_norms(forward_backward(net, X, y)), expected)


def test_update_ratios_relate_the_step_to_the_weights():
    net, X, y = tanh_problem()
    dWs, _ = hand_gradients(net, X, y)
    expected = [0.05 * np.sqrt(np.sum(dW**2)) / np.sqrt(np.sum(W**2)) for dW, W in zip(dWs, net.weights)]
    np.testing.assert_allclose(update_ratios(net, forward_backward(net, X, y), lr=0.05), expected)


def test_update_ratio_is_infinite_for_zero_weights():
    net = MLP([np.zeros((1, 2))], [np.zeros(1)], "identity", "identity")
    out, cache = forward(net, [[3.0, 4.0]])
    backward(net, cache, [[1.0]])
    np.testing.assert_array_equal(update_ratios(net, cache, lr=0.1), [np.inf])


def test_update_ratios_reject_a_cache_from_a_net_of_another_shape():
    net, X, y = tanh_problem()
    other = nets.mlp([3, 5, 2], "tanh", np.random.default_rng(1))
    with pytest.raises(ValueError, match=r"layer 1: dW \(5, 3\) and db \(5,\) do not match W \(4, 3\)"):
        update_ratios(net, forward_backward(other, X, y), lr=0.1)
    shallow = nets.mlp([3, 2], "tanh", np.random.default_rng(1))
    with pytest.raises(ValueError, match=r"cache has 1 layers but the net has 2"):
        update_ratios(net, forward_backward(shallow, X, y), lr=0.1)


def test_update_ratios_reject_a_bad_learning_rate():
    net, X, y = tanh_problem()
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0"):
        update_ratios(net, forward_backward(net, X, y), lr=-1)


@pytest.mark.parametrize("measure", [gradient_norms, delta_norms])
def test_gradient_measures_need_backward_first(measure):
    net, X, y = tanh_problem()
    out, cache = forward(net, X)
    with pytest.raises(ValueError, match=r"run backward\(net, cache, dout\) first"):
        measure(cache)


# --- activation_stats -------------------------------------------------------------------------------


def test_activation_stats_pool_samples_and_units_of_each_layer():
    X = np.random.default_rng(0).normal(size=(30, 3))
    out, cache = forward(identity_hidden_net(3, "relu"), X)
    stats = activation_stats(cache)
    relu_X, output = np.maximum(X, 0), np.maximum(X, 0).sum(axis=1)
    np.testing.assert_allclose(stats.z_mean, [X.mean(), output.mean()])
    np.testing.assert_allclose(stats.z_std, [X.std(), output.std()])
    np.testing.assert_allclose(stats.a_mean, [relu_X.mean(), output.mean()])
    np.testing.assert_allclose(stats.a_std, [relu_X.std(), output.std()])


# --- empty and malformed caches ---------------------------------------------------------------------


def empty_batch_cache():
    return [
        Layer(a_in=np.ones((0, 2)), z=np.ones((0, 3)), a=np.ones((0, 3))),
        Layer(a_in=np.ones((0, 3)), z=np.ones((0, 1)), a=np.ones((0, 1))),
    ]


@pytest.mark.parametrize(
    "measure", [dead_fraction, activation_stats, lambda cache: saturated_fraction(cache, "tanh")]
)
def test_an_empty_batch_is_rejected(measure):
    with pytest.raises(ValueError, match=r"empty batch \(0 samples\)"):
        measure(empty_batch_cache())


@pytest.mark.parametrize(
    "measure",
    [dead_fraction, gradient_norms, delta_norms, activation_stats, lambda cache: saturated_fraction(cache, "tanh")],
)
def test_the_pair_out_cache_instead_of_the_cache_is_a_clear_type_error(measure):
    net = nets.mlp([2, 3, 1], "tanh", np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"pass the cache alone, not the pair that forward returns"):
        measure(forward(net, np.ones((4, 2))))
    with pytest.raises(TypeError, match=r"cache must be the list of Layer records returned by forward.*got ndarray"):
        measure(np.ones((4, 1)))


def test_saturated_fraction_rejects_the_step_whose_slope_is_zero_everywhere():
    net = nets.mlp([2, 3, 1], "step", np.random.default_rng(0))
    with pytest.raises(ValueError, match="step's slope is 0 everywhere"):
        saturated_fraction(forward(net, np.ones((4, 2)))[1], "step")


@pytest.mark.parametrize("measure", [dead_fraction, gradient_norms, delta_norms, activation_stats])
def test_an_empty_cache_is_rejected(measure):
    with pytest.raises(ValueError, match=r"cache is empty; pass the list returned by forward"):
        measure([])


def test_a_net_without_hidden_layers_has_no_dead_or_saturated_fractions():
    out, cache = forward(MLP([np.ones((1, 2))], [np.zeros(1)], "relu", "relu"), [[-1.0, -1.0]])
    assert dead_fraction(cache).shape == (0,)
    assert saturated_fraction(cache, "relu").shape == (0,)


def test_docstring_examples_run():
    results = doctest.testmod(diagnostics)
    assert results.attempted > 0
    assert results.failed == 0


# --- dead_units and born_dead (dataset-level definitions) -------------------------------------------


def test_dead_units_marks_exactly_the_units_never_positive_on_the_data():
    # Same net as above: on [-1, 1]² units 1 (always -1) and 3 (x2 - 3) are dead, 0 and 2 are not.
    net = relu_net([[1, 1], [0, 0], [1, 0], [0, 1]], [0, -1, 5, -3])
    (mask,) = diagnostics.dead_units(net, inputs_in_unit_square())
    assert mask.tolist() == [False, True, False, True]


def test_dead_units_agrees_with_dead_fraction_of_the_forward_cache():
    net = nets.mlp([3, 6, 5, 2], "relu", np.random.default_rng(1), bias=-0.3)
    X = np.random.default_rng(2).normal(size=(40, 3))
    fractions = [mask.mean() for mask in diagnostics.dead_units(net, X)]
    np.testing.assert_array_equal(fractions, dead_fraction(forward(net, X)[1]))


def test_dead_units_all_dead_and_none_dead():
    X = inputs_in_unit_square()
    (all_dead,) = diagnostics.dead_units(relu_net(np.ones((3, 2)), [-2.0, -3.0, -2.0]), X)  # x1 + x2 ≤ 2
    (none_dead,) = diagnostics.dead_units(relu_net(np.ones((3, 2)), [2.5, 3.0, 4.0]), X)
    assert all_dead.all() and not none_dead.any()


def test_dead_units_counts_a_unit_at_exactly_zero_as_dead():
    # z = 0 on every example: ReLU outputs 0 and passes the gradient φ'(0) = 0, so it is dead.
    (mask,) = diagnostics.dead_units(relu_net([[0.0, 0.0]], [0.0]), inputs_in_unit_square())
    assert mask.tolist() == [True]


def test_dead_units_of_a_net_without_hidden_layer_is_empty():
    net = MLP([np.ones((1, 2))], [np.zeros(1)], "relu", "identity")
    assert diagnostics.dead_units(net, inputs_in_unit_square()) == []


def test_dead_units_and_born_dead_reject_empty_data():
    net = relu_net(np.ones((2, 2)), [0.0, 0.0])
    with pytest.raises(ValueError, match="no samples"):
        diagnostics.dead_units(net, np.zeros((0, 2)))
    with pytest.raises(ValueError, match="no samples"):
        diagnostics.born_dead(net, np.zeros((0, 2)))


def test_dead_units_and_born_dead_reject_inputs_of_the_wrong_shape():
    net = relu_net(np.ones((2, 2)), [0.0, 0.0])
    with pytest.raises(ValueError, match="expects input with 2 features"):
        diagnostics.dead_units(net, np.zeros((5, 3)))
    with pytest.raises(ValueError, match="must be 2-D"):
        diagnostics.born_dead(net, np.zeros(5))


def test_born_dead_needs_two_examples():
    with pytest.raises(ValueError, match="at least two examples"):
        diagnostics.born_dead(relu_net(np.ones((2, 2)), [0.0, 0.0]), np.zeros((1, 2)))


def test_born_dead_when_one_hidden_layer_is_entirely_dead():
    # Layer 1 is alive, layer 2 has every unit dead on the data: the output is the output bias.
    net = MLP(
        [np.eye(2), -np.ones((3, 2)), np.ones((1, 3))],
        [np.zeros(2), np.zeros(3), np.array([0.7])],
        "relu",
        "identity",
    )
    X = inputs_in_unit_square()
    assert [m.all() for m in diagnostics.dead_units(net, X)] == [False, True]
    assert diagnostics.born_dead(net, X)
    np.testing.assert_array_equal(net(X), 0.7)


def test_a_net_with_some_dead_units_is_not_born_dead():
    net = relu_net([[1, 1], [0, 0], [1, 0], [0, 1]], [0, -1, 5, -3])
    assert not diagnostics.born_dead(net, inputs_in_unit_square())


def test_a_leaky_relu_net_is_not_born_dead_even_with_negative_pre_activations():
    net = MLP([-np.ones((3, 2)), np.ones((1, 3))], [np.full(3, -5.0), np.zeros(1)], "leaky_relu", "identity")
    X = inputs_in_unit_square()
    assert diagnostics.dead_units(net, X)[0].all() and not diagnostics.born_dead(net, X)
