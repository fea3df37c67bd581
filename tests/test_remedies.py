"""Residual connections, batch normalization and clipping: against finite differences and closed forms."""

import math

import numpy as np
import pytest

from gradflow import diagnostics, nets, remedies
from finite_differences import numerical_gradient, relative_error


def test_batchnorm_output_has_mean_beta_and_std_gamma_per_unit():
    rng = np.random.default_rng(0)
    u = rng.normal(3.0, 5.0, size=(200, 4))
    gamma, beta = np.array([1.0, 2.0, 0.5, 3.0]), np.array([0.0, -1.0, 2.0, 0.5])
    y, _ = remedies.batchnorm_forward(u, gamma, beta, eps=1e-12)
    np.testing.assert_allclose(y.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=0), gamma, rtol=1e-9)


def test_batchnorm_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    u = rng.normal(size=(6, 3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    weights = rng.normal(size=(6, 3))

    def loss():
        return float(np.sum(weights * np.tanh(remedies.batchnorm_forward(u, gamma, beta)[0])))

    y, cache = remedies.batchnorm_forward(u, gamma, beta)
    du, dgamma, dbeta = remedies.batchnorm_backward(weights * (1 - np.tanh(y) ** 2), cache)
    for got, array in [(du, u), (dgamma, gamma), (dbeta, beta)]:
        assert relative_error(got, numerical_gradient(loss, array)) < 1e-6


def test_batchnorm_input_gradient_sums_to_zero_and_is_orthogonal_to_the_normalized_batch():
    rng = np.random.default_rng(2)
    y, cache = remedies.batchnorm_forward(rng.normal(size=(10, 3)), np.ones(3), np.zeros(3), eps=1e-14)
    du, _, _ = remedies.batchnorm_backward(rng.normal(size=(10, 3)), cache)
    np.testing.assert_allclose(du.sum(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose((du * cache[0]).sum(axis=0), 0, atol=1e-10)


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("with_norm", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "elu"])
def test_deep_net_backward_matches_finite_differences(residual, with_norm, activation):
    rng = np.random.default_rng(3)
    net = nets.mlp([3, 4, 4, 4, 2], activation, rng)
    net.biases = [rng.normal(size=b.shape) for b in net.biases]
    norm = None
    if with_norm:
        norm = remedies.BatchNorm([rng.normal(1, 0.3, size=4) for _ in range(3)], [rng.normal(size=4) for _ in range(3)])
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))

    def loss():
        return nets.mse_loss(remedies.forward(net, X, residual=residual, norm=norm)[0], y)[0]

    out, cache = remedies.forward(net, X, residual=residual, norm=norm)
    remedies.backward(net, cache, nets.mse_loss(out, y)[1])
    params = net.parameters() + (norm.parameters() if norm is not None else [])
    # Batch norm subtracts the batch mean, so the hidden biases b1, b2, b3 before it cancel exactly: their
    # gradient is zero in theory, and a finite difference of them would compare rounding noise.
    cancelled = {1, 3, 5} if with_norm else set()
    for k, (got, array) in enumerate(zip(remedies.gradients(cache), params)):
        if k in cancelled:
            assert np.abs(got).max() < 1e-12, k
        else:
            assert relative_error(got, numerical_gradient(loss, array)) < 1e-6, k


def test_without_remedies_forward_and_backward_equal_the_plain_net():
    rng = np.random.default_rng(4)
    net = nets.mlp([3, 5, 5, 2], "relu", rng, output="same")
    X = rng.normal(size=(7, 3))
    out, cache = remedies.forward(net, X)
    plain_out, plain = nets.forward(net, X)
    remedies.backward(net, cache, np.ones_like(out))
    nets.backward(net, plain, np.ones_like(out))
    np.testing.assert_array_equal(out, plain_out)
    np.testing.assert_array_equal(diagnostics.gradient_norms(cache), diagnostics.gradient_norms(plain))


def test_residual_layers_are_the_hidden_layers_of_equal_width_and_add_their_input():
    rng = np.random.default_rng(5)
    net = nets.mlp([3, 4, 4, 4, 1], "tanh", rng)
    X = rng.normal(size=(2, 3))
    _, cache = remedies.forward(net, X, residual=True)
    assert [layer.skip for layer in cache] == [False, True, True, False]
    np.testing.assert_allclose(cache[1].a, cache[1].a_in + np.tanh(cache[1].z))


def test_residual_connections_keep_the_first_layer_gradient_of_a_deep_sigmoid_net():
    rng = np.random.default_rng(6)
    plain = remedies.gradient_profile("sigmoid", 20, rng)
    rng = np.random.default_rng(6)
    skip = remedies.gradient_profile("sigmoid", 20, rng, residual=True)
    assert plain[0] / plain[-1] < 1e-6 < skip[0] / skip[-1]


def test_clip_by_norm_caps_the_joint_norm_and_keeps_the_direction():
    rng = np.random.default_rng(7)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=4)]
    total = np.sqrt(sum(np.sum(g**2) for g in grads))
    clipped, norm = remedies.clip_by_norm(grads, max_norm=total / 2)
    assert norm == pytest.approx(total)
    assert np.sqrt(sum(np.sum(g**2) for g in clipped)) == pytest.approx(total / 2)
    for g, c in zip(grads, clipped):
        np.testing.assert_allclose(c, g / 2)


def test_clip_by_norm_leaves_small_and_zero_gradients_unchanged_and_copies_them():
    grads = [np.array([0.3, 0.4])]
    clipped, norm = remedies.clip_by_norm(grads, max_norm=1.0)
    np.testing.assert_array_equal(clipped[0], grads[0])
    assert clipped[0] is not grads[0] and norm == pytest.approx(0.5)
    zero, norm = remedies.clip_by_norm([np.zeros(3)], max_norm=1.0)
    assert norm == 0 and not zero[0].any()


@pytest.mark.parametrize(
    ("g", "max_norm", "expected"),
    [
        ([1e200, 1e200], 1.0, [2**-0.5, 2**-0.5]),  # squares overflow to inf
        ([3e-200, 4e-200], 1e-300, [6e-301, 8e-301]),  # squares underflow to 0
        ([3e-200, 4e-200], 1e-199, [3e-200, 4e-200]),  # not clipped: the norm 5e-200 is below 1e-199
        ([1.7e308] * 4, 1.0, [0.5] * 4),  # the norm itself exceeds the largest float
    ],
)
def test_clip_by_norm_measures_huge_and_tiny_gradients_right(g, max_norm, expected):
    clipped, norm = remedies.clip_by_norm([np.array([g])], max_norm=max_norm)
    np.testing.assert_allclose(clipped[0], [expected], rtol=1e-12)
    assert norm == pytest.approx(math.hypot(*g), rel=1e-12) if max(g) < 1e308 else norm == math.inf


def test_clip_by_norm_keeps_float32():
    clipped, norm = remedies.clip_by_norm([np.array([3.0, 4.0], dtype=np.float32)], max_norm=1.0)
    assert clipped[0].dtype == np.float32 and norm == pytest.approx(5.0)
    np.testing.assert_allclose(clipped[0], [0.6, 0.8], rtol=1e-6)


def test_gradients_of_the_pair_out_cache_is_a_clear_type_error():
    net = nets.mlp([2, 3, 1], "relu", np.random.default_rng(0))
    with pytest.raises(TypeError, match="pass the cache alone"):
        remedies.gradients(remedies.forward(net, np.ones((3, 2))))


def test_bad_inputs_are_rejected_with_what_was_expected():
    rng = np.random.default_rng(9)
    net = nets.mlp([3, 4, 4, 2], "relu", rng)
    with pytest.raises(ValueError, match=r"u must be a non-empty floating array"):
        remedies.batchnorm_forward(np.ones(3), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"gamma and beta must have shape \(3,\)"):
        remedies.batchnorm_forward(np.ones((2, 3)), np.ones(2), np.zeros(3))
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        remedies.batchnorm_forward(np.ones((2, 3)), np.ones(3), np.zeros(3), eps=0.0)
    _, cache = remedies.batchnorm_forward(np.ones((2, 3)), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"dy must have the shape of the normalized batch \(2, 3\)"):
        remedies.batchnorm_backward(np.ones((3, 3)), cache)
    with pytest.raises(ValueError, match="max_norm must be a finite number > 0"):
        remedies.clip_by_norm([np.ones(2)], max_norm=0)
    with pytest.raises(ValueError, match="grads must be a non-empty list"):
        remedies.clip_by_norm([], max_norm=1.0)
    with pytest.raises(ValueError, match=r"grads\[1\] contains NaN or inf"):
        remedies.clip_by_norm([np.ones(2), np.array([np.nan])], max_norm=1.0)
    with pytest.raises(TypeError, match="norm must be None or a BatchNorm"):
        remedies.forward(net, np.ones((2, 3)), norm=[np.ones(4)])
    with pytest.raises(ValueError, match=r"norm has widths \[5\] but the net's hidden layers are \[4, 4\]"):
        remedies.forward(net, np.ones((2, 3)), norm=remedies.BatchNorm([np.ones(5)], [np.zeros(5)]))
    with pytest.raises(TypeError, match="residual must be True or False"):
        remedies.forward(net, np.ones((2, 3)), residual="yes")
    out, plain = nets.forward(net, np.ones((2, 3)))
    with pytest.raises(TypeError, match="cache must come from gradflow.remedies.forward"):
        remedies.backward(net, plain, np.ones_like(out))
    with pytest.raises(ValueError, match="depth must be at least 2"):
        remedies.gradient_profile("tanh", 1, rng)
    with pytest.raises(ValueError, match="gain must be a finite number > 0"):
        remedies.gradient_profile("tanh", 3, rng, gain=-1.0)
    with pytest.raises(TypeError, match="net must be a gradflow.nets.MLP"):
        remedies.batchnorm("net")


def test_scaled_residual_branch_backward_matches_finite_differences():
    rng = np.random.default_rng(11)
    net = nets.mlp([3, 4, 4, 1], "relu", rng)
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 1))

    def loss():
        return nets.mse_loss(remedies.forward(net, X, residual=True, branch_scale=0.3)[0], y)[0]

    out, cache = remedies.forward(net, X, residual=True, branch_scale=0.3)
    remedies.backward(net, cache, nets.mse_loss(out, y)[1])
    for got, array in zip(remedies.gradients(cache), net.parameters()):
        assert relative_error(got, numerical_gradient(loss, array)) < 1e-6


def test_the_gradient_chapters_exercises_accept_correct_answers_and_reject_common_mistakes():
    from scipy.special import expm1

    from gradflow import exercises

    def batchnorm_unit_scale(u):
        return remedies.batchnorm_forward(u, np.ones(u.shape[1]), np.zeros(u.shape[1]))[0]

    assert exercises.grade("batchnorm-forward", batchnorm_unit_scale)
    assert not exercises.grade("batchnorm-forward", lambda u: (u - u.mean(axis=0)) / u.std(axis=0, ddof=1))
    assert exercises.grade("clip-by-norm", lambda g, t: remedies.clip_by_norm([g], t)[0][0])
    assert not exercises.grade("clip-by-norm", lambda g, t: np.clip(g, -t, t))
    assert exercises.grade("leaky-relu-and-slope", lambda x: (np.maximum(x, 0.01 * x), np.where(x > 0, 1.0, 0.01)))
    assert not exercises.grade("leaky-relu-and-slope", lambda x: (np.maximum(x, 0.01 * x), np.where(x > 0, 1.0, 0.01 * np.exp(x))))
    negative = lambda x: np.minimum(x, 0)  # noqa: E731
    assert exercises.grade("elu-and-slope", lambda x: (np.where(x > 0, x, expm1(negative(x))), np.exp(negative(x))))
    assert not exercises.grade("elu-and-slope", lambda x: (np.where(x > 0, x, np.exp(x) - 1), np.exp(negative(x))))
