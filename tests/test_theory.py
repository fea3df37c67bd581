import doctest

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from gradflow import activations, theory, training


def quad_expectation(f, q):
    """E[f(√q Z)] by adaptive quadrature against the normal density: independent of Gauss–Hermite."""
    value, _ = integrate.quad(lambda z: f(np.sqrt(q) * z) * stats.norm.pdf(z), -np.inf, np.inf,
                              epsabs=1e-13, epsrel=1e-12, limit=200)
    return value


def quad_fixed_point(sigma_w2, sigma_b2, name):
    phi = activations.get(name)
    gap = lambda q: sigma_w2 * quad_expectation(lambda x: phi(x) ** 2, q) + sigma_b2 - q
    return optimize.brentq(gap, 1e-6, 100.0, xtol=1e-13)


SMOOTH = ["tanh", "sigmoid", "softplus", "gelu"]
POINTS = [(1.5, 0.05), (2.0, 0.3), (3.0, 1.0)]


@pytest.mark.parametrize("name", SMOOTH + ["relu", "elu"])
@pytest.mark.parametrize("q", [0.1, 1.0, 4.0])
def test_gauss_hermite_expectation_matches_adaptive_quadrature(name, q):
    phi = activations.get(name)
    expected = quad_expectation(lambda x: phi(x) ** 2, q)
    tol = 1e-9 if name in SMOOTH or name == "relu" else 1e-4  # ELU's second derivative jumps at 0
    assert theory.gaussian_expectation(lambda x: phi(x) ** 2, q) == pytest.approx(expected, rel=tol)


def test_gaussian_expectation_keeps_the_shape_of_q():
    q = np.array([[0.5, 1.0, 2.0]])
    values = theory.gaussian_expectation(lambda x: x**2, q)
    assert values.shape == (1, 3)
    np.testing.assert_allclose(values, q, rtol=1e-12)


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
@pytest.mark.parametrize(("sigma_w2", "sigma_b2"), POINTS)
def test_fixed_point_matches_quadrature_and_brent(name, sigma_w2, sigma_b2):
    expected = quad_fixed_point(sigma_w2, sigma_b2, name)
    q = theory.fixed_point(sigma_w2, sigma_b2, name)
    assert q == pytest.approx(expected, rel=1e-9)
    assert theory.length_map(q, sigma_w2, sigma_b2, name) == pytest.approx(q, rel=1e-10)


def test_fixed_point_is_the_limit_of_iterating_the_length_map():
    q = 1.0
    for _ in range(300):
        q = theory.length_map(q, 2.0, 0.3, "tanh")
    assert theory.fixed_point(2.0, 0.3, "tanh") == pytest.approx(q, rel=1e-10)


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize(("sigma_w2", "sigma_b2"), [(1.5, 0.05), (1.8, 0.3)])
def test_chi1_matches_quadrature_at_the_fixed_point(name, sigma_w2, sigma_b2):
    phi = activations.get(name)
    q = quad_fixed_point(sigma_w2, sigma_b2, name)
    expected = sigma_w2 * quad_expectation(lambda x: phi.derivative(x) ** 2, q)
    assert theory.chi1(sigma_w2, sigma_b2, name) == pytest.approx(expected, rel=1e-7)


def test_relu_length_map_is_linear_with_slope_half_sigma_w2():
    q = np.array([0.3, 1.0, 7.0])
    np.testing.assert_allclose(theory.length_map(q, 1.6, 0.2, "relu"), 0.8 * q + 0.2, rtol=1e-12)


@pytest.mark.parametrize("sigma_b2", [0.0, 0.1, 1.0])
def test_relu_is_critical_at_sigma_w2_two_he_initialization(sigma_b2):
    # With a bias q* = σ_b²/(1 − σ_w²/2) passes Q_MAX within 1e-7 of 2, where χ₁ jumps to inf.
    assert theory.critical_sigma_w2(sigma_b2, "relu") == pytest.approx(2.0, rel=1e-7)
    assert theory.chi1(1.2, sigma_b2, "relu") == pytest.approx(0.6, rel=1e-12)


def test_relu_fixed_point_is_bias_over_one_minus_half_sigma_w2_and_diverges_past_two():
    assert theory.fixed_point(1.5, 0.5, "relu") == pytest.approx(0.5 / (1 - 0.75), rel=1e-10)
    assert theory.fixed_point(2.5, 0.5, "relu") == np.inf
    assert theory.fixed_point(2.0, 0.0, "relu", q0=3.7) == pytest.approx(3.7)


def test_tanh_without_bias_is_critical_at_sigma_w2_one():
    assert theory.critical_sigma_w2(0.0, "tanh") == pytest.approx(1.0, abs=1e-8)
    assert theory.fixed_point(0.9, 0.0, "tanh") == 0.0
    assert theory.fixed_point(1.2, 0.0, "tanh") > 0
    assert theory.chi1(0.9, 0.0, "tanh") == pytest.approx(0.9, rel=1e-12)


def test_tanh_boundary_moves_to_larger_sigma_w2_with_bias_and_has_chi1_one():
    boundary = [theory.critical_sigma_w2(b, "tanh") for b in (0.0, 0.05, 0.5, 2.0)]
    assert np.all(np.diff(boundary) > 0)
    for sigma_b2, sigma_w2 in zip((0.05, 0.5), boundary[1:3]):
        phi = activations.get("tanh")
        q = quad_fixed_point(sigma_w2, sigma_b2, "tanh")
        assert sigma_w2 * quad_expectation(lambda x: phi.derivative(x) ** 2, q) == pytest.approx(1.0, rel=1e-7)


def relu_correlation(c):
    """Closed form for ReLU with sigma_w2 = 2, sigma_b2 = 0 (the arc-cosine kernel, Cho & Saul 2009)."""
    return (np.sqrt(1 - c**2) + (np.pi - np.arccos(c)) * c) / np.pi


@pytest.mark.parametrize("c", [-0.9, 0.0, 0.5, 0.95])
def test_relu_correlation_map_matches_the_arc_cosine_kernel(c):
    assert theory.correlation_map(c, 2.0, 0.0, "relu", q=1.0) == pytest.approx(relu_correlation(c), abs=2e-3)


def test_tanh_correlation_map_matches_a_double_integral():
    sigma_w2, sigma_b2, c = 2.0, 0.3, 0.4
    q = theory.fixed_point(sigma_w2, sigma_b2, "tanh")
    s = np.sqrt(1 - c**2)
    integrand = lambda z2, z1: (np.tanh(np.sqrt(q) * z1) * np.tanh(np.sqrt(q) * (c * z1 + s * z2))
                                * stats.norm.pdf(z1) * stats.norm.pdf(z2))
    value, _ = integrate.dblquad(integrand, -10, 10, -10, 10, epsabs=1e-11)
    expected = (sigma_w2 * value + sigma_b2) / q
    assert theory.correlation_map(c, sigma_w2, sigma_b2, "tanh") == pytest.approx(expected, rel=1e-8)


def test_ordered_phase_correlations_converge_to_one_with_depth_scale_minus_one_over_log_chi1():
    sigma_w2, sigma_b2 = 1.0, 0.3
    chi = theory.chi1(sigma_w2, sigma_b2, "tanh")
    assert chi < 1 and theory.correlation_fixed_point(sigma_w2, sigma_b2, "tanh") == 1.0
    xi = theory.correlation_depth_scale(sigma_w2, sigma_b2, "tanh")
    assert xi == pytest.approx(-1 / np.log(chi), rel=1e-12)
    q0 = theory.fixed_point(sigma_w2, sigma_b2, "tanh")
    _, c = theory.propagate(q0, 0.5, 40, sigma_w2, sigma_b2, "tanh")
    # 1 − c decays like exp(−l/ξ) deep in the network.
    assert -1 / np.log((1 - c[40]) / (1 - c[39])) == pytest.approx(xi, rel=1e-3)


def test_chaotic_phase_correlation_fixed_point_is_below_one_and_stable():
    sigma_w2, sigma_b2 = 3.0, 0.3
    c_star = theory.correlation_fixed_point(sigma_w2, sigma_b2, "tanh")
    assert 0 < c_star < 1
    assert theory.correlation_map(c_star, sigma_w2, sigma_b2, "tanh") == pytest.approx(c_star, abs=1e-10)
    q0 = theory.fixed_point(sigma_w2, sigma_b2, "tanh")
    _, c = theory.propagate(q0, 0.99, 300, sigma_w2, sigma_b2, "tanh")
    assert c[-1] == pytest.approx(c_star, abs=1e-6)


def test_correlation_depth_scale_grows_toward_the_boundary():
    boundary = theory.critical_sigma_w2(0.05, "tanh")
    scales = [theory.correlation_depth_scale(boundary * f, 0.05, "tanh") for f in (0.5, 0.9, 0.99)]
    assert np.all(np.diff(scales) > 0) and scales[-1] > 50


def test_propagate_matches_a_wide_random_tanh_network():
    rng = np.random.default_rng(0)
    sigma_w2, sigma_b2, width, depth = 2.0, 0.3, 2000, 8
    x = rng.standard_normal((2, width))
    x[1] = 0.6 * x[0] + 0.8 * x[1]
    z = x  # treat x as the first layer's pre-activations, q0 ≈ 1, c0 ≈ 0.6
    q0, c0 = np.mean(z**2), np.mean(z[0] * z[1]) / np.mean(z**2)
    for _ in range(depth):
        W = rng.normal(0, np.sqrt(sigma_w2 / width), (width, width))
        b = rng.normal(0, np.sqrt(sigma_b2), width)
        z = np.tanh(z) @ W.T + b
    q, c = theory.propagate(q0, c0, depth, sigma_w2, sigma_b2, "tanh")
    assert np.mean(z**2) == pytest.approx(q[-1], rel=0.1)
    assert np.mean(z[0] * z[1]) / np.mean(z**2) == pytest.approx(c[-1], abs=0.05)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: theory.fixed_point(-1.0, 0.0), "sigma_w2 must be a finite number > 0"),
        (lambda: theory.fixed_point(1.0, -0.1), r"sigma_b2 must be >= 0.0 \(a variance\)"),
        (lambda: theory.fixed_point(1.0, np.nan), "sigma_b2 must be a finite real number"),
        (lambda: theory.fixed_point(1.0, 0.0, q0=0.0), "q0 must be a finite number > 0"),
        (lambda: theory.length_map(-1.0, 1.0, 0.0), "q must be finite and >= 0"),
        (lambda: theory.chi1(1.0, 0.0, "tanh", n_points=7), "n_points must be even"),
        (lambda: theory.chi1(1.0, 0.0, "tanh", n_points=0), "n_points must be a positive int"),
        (lambda: theory.correlation_map(1.5, 1.0, 0.1), r"c must lie in \[-1.0, 1.0\]"),
        (lambda: theory.correlation_map(0.5, 0.5, 0.0), "correlations need a finite q"),
        (lambda: theory.critical_sigma_w2(-1.0), r"sigma_b2 must be >= 0.0"),
        (lambda: theory.propagate(1.0, 0.5, 0, 1.0, 0.0), "depth must be a positive int"),
        (lambda: theory.fixed_point(1.0, 0.0, "tanhh"), "unknown activation 'tanhh'"),
        (lambda: theory.critical_sigma_w2(0.0, "step"), "stays ordered"),
    ],
)
def test_bad_inputs_are_rejected_with_a_message(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_non_callable_function_or_activation_is_a_type_error():
    with pytest.raises(TypeError, match="f must be a function"):
        theory.gaussian_expectation(3.0)
    with pytest.raises(TypeError, match="activation must be a registry name"):
        theory.chi1(1.0, 0.0, activation=np.tanh)


def test_docstring_examples_pass():
    results = doctest.testmod(theory)
    assert results.attempted > 0 and results.failed == 0


def test_random_ensemble_draws_each_net_at_its_own_scales():
    rng = np.random.default_rng(3)
    weights, biases = theory._random_ensemble(np.array([1.0, 4.0]), np.array([0.0, 0.25]), [200, 300, 300], rng)
    np.testing.assert_allclose(weights[1].var(axis=(1, 2)) * 300, [1.0, 4.0], rtol=0.05)
    np.testing.assert_allclose(biases[1].var(axis=1), [0.0, 0.25], rtol=0.3, atol=1e-12)


def test_trained_accuracy_learns_an_easy_task_and_fails_deep_in_the_ordered_phase():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    data = (X[:150], y[:150], X[150:], y[150:])
    shallow = theory.trained_accuracy([1.0], [0.0], 1, data, rng, epochs=20, lr=0.2, batch_size=16)
    ordered = theory.trained_accuracy([0.1], [0.5], 20, data, rng, epochs=2, lr=0.2, batch_size=16)
    assert shallow[0] > 0.9 and ordered[0] < 0.75


def test_trained_accuracy_in_single_precision_trains_the_same_nets_in_float32(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    data = (X[:150], y[:150], X[150:], y[150:])
    assert theory.trained_accuracy([1.0], [0.0], 1, data, rng, epochs=20, lr=0.2, batch_size=16, dtype=np.float32) > 0.9
    drawn = [theory._random_ensemble(np.ones(2), np.ones(2), [3, 4], np.random.default_rng(1), t) for t in (float, np.float32)]
    np.testing.assert_array_equal(drawn[1][0][0], drawn[0][0][0].astype(np.float32))
    trained = []
    monkeypatch.setattr(training, "train", lambda stack, *args, **kwargs: trained.append(stack.template.dtype))
    theory.trained_accuracy([1.0], [0.0], 1, data, rng, dtype=np.float32)
    assert trained == [np.float32]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"sigma_w2": [0.0, 1.0]}, ValueError, "sigma_w2 must be a 1-D array of finite numbers > 0"),
        ({"sigma_b2": [-1.0]}, ValueError, "sigma_b2 must be finite numbers >= 0"),
        ({"depth": 0}, ValueError, "depth must be a positive int"),
        ({"lr": -0.1}, ValueError, "lr must be a finite number > 0"),
        ({"data": (1, 2)}, ValueError, "data must be the tuple"),
        ({"rng": 0}, TypeError, "rng must be a numpy.random.Generator"),
        ({"dtype": np.int32}, ValueError, "dtype must be a floating dtype"),
    ],
)
def test_trained_accuracy_rejects_bad_inputs(kwargs, error, match):
    X = np.zeros((4, 2))
    arguments = dict(sigma_w2=[1.0], sigma_b2=[0.0], depth=1, data=(X, np.array([0, 1, 0, 1]), X, np.array([0, 1, 0, 1])),
                     rng=np.random.default_rng(0))
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        theory.trained_accuracy(**arguments)


def test_random_mlp_draws_weights_and_biases_with_the_mean_field_variances():
    net = theory.random_mlp([400, 300, 300], 2.0, 0.25, "tanh", np.random.default_rng(5))
    assert net.output_activation.name == "tanh"
    assert np.var(net.weights[0]) * 400 == pytest.approx(2.0, rel=0.02)
    assert np.var(net.weights[1]) * 300 == pytest.approx(2.0, rel=0.02)
    assert np.var(np.concatenate(net.biases)) == pytest.approx(0.25, rel=0.15)


def test_orthogonal_random_mlp_has_every_singular_value_sigma_w():
    net = theory.random_mlp([50, 50, 50], 1.7, 0.0, "tanh", np.random.default_rng(6), orthogonal=True)
    for W in net.weights:
        np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), np.sqrt(1.7), rtol=1e-12)
