"""Batch norm's running statistics against Ioffe & Szegedy's definition; layer norm and the residual nets by finite differences."""

import numpy as np
import pytest

from finite_differences import numerical_gradient, relative_error
from gradflow import nets, normalization, optimizers, training


def test_running_statistics_with_momentum_one_over_k_are_ioffe_szegedy_population_estimates():
    # Algorithm 2: E[x] = E_B[μ_B] and Var[x] = n/(n−1) · E_B[σ²_B], averaged over the training batches.
    rng = np.random.default_rng(0)
    batches = rng.normal(2.0, 3.0, size=(7, 16, 4))
    mean, var = np.zeros(4), np.zeros(4)
    for k, u in enumerate(batches, start=1):
        normalization.update_running(mean, var, u, momentum=1 / k)
    np.testing.assert_allclose(mean, batches.mean(axis=1).mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(var, 16 / 15 * batches.var(axis=1).mean(axis=0), rtol=1e-13)


def test_running_statistics_are_pytorch_exponential_averages():
    # PyTorch: running ← (1 − m)·running + m·batch statistic, with the batch variance unbiased.
    u = np.array([[0.0, 1.0], [2.0, 5.0], [4.0, 3.0]])
    mean, var = np.array([1.0, 1.0]), np.array([1.0, 1.0])
    normalization.update_running(mean, var, u, momentum=0.1)
    np.testing.assert_allclose(mean, [0.9 + 0.1 * 2.0, 0.9 + 0.1 * 3.0])
    np.testing.assert_allclose(var, [0.9 + 0.1 * 4.0, 0.9 + 0.1 * 4.0])


def test_batchnorm_inference_transforms_each_sample_on_its_own():
    rng = np.random.default_rng(1)
    u = rng.normal(size=(10, 3))
    gamma, beta, mean, var = rng.normal(size=3), rng.normal(size=3), rng.normal(size=3), rng.uniform(1, 2, 3)
    together = normalization.batchnorm_inference(u, gamma, beta, mean, var)
    alone = np.concatenate([normalization.batchnorm_inference(u[i : i + 1], gamma, beta, mean, var) for i in range(10)])
    np.testing.assert_array_equal(together, alone)
    np.testing.assert_allclose(together, gamma * (u - mean) / np.sqrt(var + 1e-5) + beta, rtol=1e-14)


def test_layernorm_output_has_mean_beta_and_std_gamma_per_sample():
    x = np.random.default_rng(2).normal(3.0, 5.0, size=(6, 8))
    y, _ = normalization.layernorm_forward(x, 2 * np.ones(8), np.full(8, 0.5), eps=0.0)
    np.testing.assert_allclose(y.mean(axis=1), 0.5, atol=1e-14)
    np.testing.assert_allclose(y.std(axis=1), 2.0, rtol=1e-13)


def test_layernorm_backward_matches_finite_differences():
    rng = np.random.default_rng(3)
    x, gamma, beta, weights = rng.normal(size=(4, 5)), rng.normal(size=5), rng.normal(size=5), rng.normal(size=(4, 5))

    def loss():
        return float(np.sum(weights * np.tanh(normalization.layernorm_forward(x, gamma, beta)[0])))

    y, cache = normalization.layernorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = normalization.layernorm_backward(weights * (1 - np.tanh(y) ** 2), cache)
    for analytic, array in ((dx, x), (dgamma, gamma), (dbeta, beta)):
        assert relative_error(analytic, numerical_gradient(loss, array)) < 1e-7


@pytest.mark.parametrize("placement", ["pre", "post"])
def test_norm_residual_net_backward_matches_finite_differences(placement):
    rng = np.random.default_rng(4)
    net = normalization.NormResidualNet(3, 5, 4, depth=3, activation="tanh", rng=rng, placement=placement)
    X, labels = rng.normal(size=(6, 3)), rng.integers(0, 4, size=6)
    _, grads, _ = net.objective(X, labels)

    def loss():
        return net.objective(X, labels)[0]

    for analytic, array in zip(grads, net.parameters()):
        assert relative_error(analytic, numerical_gradient(loss, array)) < 1e-6


def test_a_broken_layernorm_backward_fails_the_finite_difference_check():
    # The test of the test: dropping the term through the variance gives a wrong gradient that the check sees.
    rng = np.random.default_rng(3)
    x, gamma, beta = rng.normal(size=(4, 5)), np.ones(5), np.zeros(5)
    weights = rng.normal(size=(4, 5))
    y, (x_hat, inv_std, _) = normalization.layernorm_forward(x, gamma, beta)
    broken = inv_std * (weights - weights.mean(axis=1, keepdims=True))
    numeric = numerical_gradient(lambda: float(np.sum(weights * normalization.layernorm_forward(x, gamma, beta)[0])), x)
    assert relative_error(broken, numeric) > 1e-2


def test_stack_with_batch_norm_keeps_running_statistics_and_predicts_sample_by_sample():
    rng = np.random.default_rng(5)
    X, labels = rng.normal(1.0, 2.0, size=(64, 4)), rng.integers(0, 3, size=64)
    stack = training.Stack([nets.mlp([4, 6, 6, 3], "relu", np.random.default_rng(s)) for s in range(2)], norm=True)
    training.train(stack, X, labels, rng=rng, optimizer=optimizers.sgd(0.05), epochs=3, batch_size=16)
    # The first hidden layer's running mean tracks the mean of its pre-activations over the data.
    u = X @ stack.weights[0].transpose(0, 2, 1) + stack.biases[0][:, None, :]
    assert np.abs(stack.running_means[0] - u.mean(axis=1)).max() < 0.5 * u.std(axis=1).max()
    logits = stack.predict(X)
    one_by_one = np.concatenate([stack.predict(X[i : i + 1]) for i in range(5)], axis=1)
    np.testing.assert_allclose(logits[:, :5], one_by_one, rtol=1e-12)


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="at least 2 samples"):
        normalization.update_running(np.zeros(2), np.ones(2), np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"momentum must be a number in \(0, 1\]"):
        normalization.update_running(np.zeros(2), np.ones(2), np.ones((3, 2)), momentum=0.0)
    with pytest.raises(ValueError, match="gamma and beta must have shape"):
        normalization.layernorm_forward(np.ones((2, 3)), np.ones(2), np.zeros(3))
    with pytest.raises(ValueError, match="placement must be 'pre' or 'post'"):
        normalization.NormResidualNet(2, 3, 2, depth=2, activation="relu", rng=np.random.default_rng(0), placement="mid")
