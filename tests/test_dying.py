import numpy as np
import pytest

from gradflow import diagnostics, dying, nets
from gradflow.nets import MLP


def test_born_dead_theory_matches_closed_form_values():
    # Width 1: each layer kills half the survivors. Width 2, depth 3: 1 - (3/4)^3 = 37/64.
    np.testing.assert_allclose(dying.born_dead_theory(1, [0, 1, 2, 3]), [0, 0.5, 0.75, 0.875])
    np.testing.assert_allclose(dying.born_dead_theory(2, 3), 37 / 64)


def test_born_dead_theory_grows_with_depth_and_shrinks_with_width():
    p = dying.born_dead_theory(np.array([[2], [4], [8]]), np.arange(1, 50))
    assert np.all(np.diff(p, axis=1) > 0) and np.all(np.diff(p, axis=0) < 0)


@pytest.mark.parametrize("width, depth", [(0, 3), (2.5, 3), (2, -1)])
def test_born_dead_theory_rejects_bad_sizes(width, depth):
    with pytest.raises(ValueError, match="must be integers"):
        dying.born_dead_theory(width, depth)


def test_monte_carlo_on_one_point_agrees_with_the_exact_ray_formula():
    p, se = dying.born_dead_probability(np.array([[0.3, -1.2]]), width=3, depth=12, n_nets=20000,
                                        rng=np.random.default_rng(0))
    theory = dying.born_dead_theory(3, np.arange(1, 13))
    assert np.all(np.abs(p - theory) < 4 * se + 1e-12)


def test_monte_carlo_standard_error_is_the_binomial_one():
    p, se = dying.born_dead_probability(np.ones((1, 2)), width=2, depth=4, n_nets=500, rng=np.random.default_rng(1))
    np.testing.assert_allclose(se, np.sqrt(p * (1 - p) / 500))


def test_dying_on_a_cloud_is_rarer_than_on_one_point():
    X = np.random.default_rng(0).normal(size=(30, 2))
    p_cloud, _ = dying.born_dead_probability(X, 3, 20, 4000, np.random.default_rng(1))
    p_point, _ = dying.born_dead_probability(X[:1], 3, 20, 4000, np.random.default_rng(1))
    assert p_cloud[-1] < p_point[-1]


def test_monte_carlo_counts_the_same_nets_as_born_dead_on_explicit_nets():
    # Rebuild the Monte Carlo's nets one by one from the same random stream and ask born_dead.
    X, width, depth, n_nets = np.random.default_rng(3).normal(size=(6, 2)), 2, 4, 300
    p, _ = dying.born_dead_probability(X, width, depth, n_nets, np.random.default_rng(4))
    rng = np.random.default_rng(4)
    layers = [dying._draw_layer("he_normal", n_in, width, n_nets, rng, 0.0) for n_in in [2] + [width] * (depth - 1)]
    dead = [
        diagnostics.born_dead(MLP([W[k] for W, _ in layers] + [np.ones((1, width))],
                                  [b[k] for _, b in layers] + [np.zeros(1)], "relu", "identity"), X)
        for k in range(n_nets)
    ]
    assert p[-1] == np.mean(dead)


def test_born_dead_probability_never_decreases_with_depth_even_with_random_biases():
    for X in (np.ones((1, 1)), np.random.default_rng(0).normal(size=(5, 1))):
        p, _ = dying.born_dead_probability(X, 2, 10, 2000, np.random.default_rng(0), bias_std=1.0)
        assert np.all(np.diff(p) >= 0) and 0 < p[-1] < 1


def test_asymmetric_initialization_lowers_the_born_dead_probability():
    X = np.ones((1, 2))
    p_he, se_he = dying.born_dead_probability(X, 2, 30, 4000, np.random.default_rng(0))
    p_rai, se_rai = dying.born_dead_probability(X, 2, 30, 4000, np.random.default_rng(0), init="asymmetric")
    assert p_rai[-1] + 4 * se_rai[-1] < p_he[-1] - 4 * se_he[-1]


def test_randomized_asymmetric_has_one_positive_entry_per_unit_and_he_scale():
    W, b = dying.randomized_asymmetric(50, 40, np.random.default_rng(0), size=(200,))
    assert W.shape == (200, 40, 50) and b.shape == (200, 40)
    params = np.concatenate([W, b[..., None]], axis=-1)
    # The positive entry lies in (0, 1), so every unit has at least one entry there.
    assert np.all(((params > 0) & (params < 1)).any(axis=-1))
    np.testing.assert_allclose(np.mean(np.sum(params**2, axis=-1)), 2.0, rtol=0.02)


def test_randomized_asymmetric_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_in must be a positive int"):
        dying.randomized_asymmetric(0, 3, np.random.default_rng(0))
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        dying.randomized_asymmetric(2, 3, 0)


@pytest.mark.parametrize(
    "X, kwargs, match",
    [
        (np.zeros((0, 2)), {}, "at least one sample"),
        (np.zeros(3), {}, "must have shape"),
        (np.full((2, 2), np.nan), {}, "NaN"),
        (np.ones((1, 2)), {"init": "xavier_normal"}, "init must be one of"),
        (np.ones((1, 2)), {"bias_std": -1.0}, "bias_std"),
    ],
)
def test_born_dead_probability_rejects_bad_inputs(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        dying.born_dead_probability(X, 2, 3, 10, np.random.default_rng(0), **kwargs)


def test_train_watching_dead_records_the_dead_fraction_on_the_whole_training_set():
    rng = np.random.default_rng(0)
    X, labels = rng.normal(size=(60, 3)), rng.integers(0, 2, size=60)
    net = nets.mlp([3, 5, 5, 2], "relu", rng)
    run = dying.train_watching_dead(net, X, labels, rng=rng, lr=0.05, epochs=3, batch_size=20, every=3)
    np.testing.assert_array_equal(run["steps"], [0, 3, 6, 9])
    assert not run["diverged"]
    np.testing.assert_array_equal(run["dead"][-1], diagnostics.dead_fraction(nets.forward(net, X)[1]))


def test_train_watching_dead_stops_a_diverging_run():
    rng = np.random.default_rng(0)
    X, labels = 100 * rng.normal(size=(40, 3)), rng.integers(0, 2, size=40)
    net = nets.mlp([3, 5, 2], "relu", rng, init="normal")
    run = dying.train_watching_dead(net, X, labels, rng=rng, lr=50.0, epochs=5, max_weight=1e3)
    assert run["diverged"]


def test_train_watching_dead_rejects_a_warmup_as_long_as_training():
    rng = np.random.default_rng(0)
    net = nets.mlp([2, 3, 2], "relu", rng)
    with pytest.raises(ValueError, match="warmup_epochs"):
        dying.train_watching_dead(net, np.ones((4, 2)), [0, 1, 0, 1], rng=rng, lr=0.1, epochs=2, warmup_epochs=2)
