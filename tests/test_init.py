import doctest

import numpy as np
import pytest

from gradflow import init

N_IN, N_OUT = 500, 400  # 200 000 entries: the sample variance is good to about 0.3 %
NORMAL_KURTOSIS, UNIFORM_KURTOSIS = 3.0, 9 / 5

CASES = [
    # name, closed-form variance, kurtosis of the distribution (for the sampling error of the variance)
    ("lecun_normal", 1 / N_IN, NORMAL_KURTOSIS),
    ("lecun_uniform", 1 / N_IN, UNIFORM_KURTOSIS),
    ("xavier_normal", 2 / (N_IN + N_OUT), NORMAL_KURTOSIS),
    ("xavier_uniform", 2 / (N_IN + N_OUT), UNIFORM_KURTOSIS),
    ("he_normal", 2 / N_IN, NORMAL_KURTOSIS),
    ("he_uniform", 2 / N_IN, UNIFORM_KURTOSIS),
]


@pytest.mark.parametrize(("name", "variance", "kurtosis"), CASES)
def test_initializer_variance_matches_its_formula(name, variance, kurtosis):
    W = init.get(name)(N_IN, N_OUT, np.random.default_rng(0))
    assert W.shape == (N_OUT, N_IN)
    n = W.size
    # The mean is known to be 0, so E[W²] estimates the variance; its standard error is
    # variance·sqrt((kurtosis − 1)/n). Allow 5 standard errors.
    assert abs(np.mean(W**2) - variance) < 5 * variance * np.sqrt((kurtosis - 1) / n)
    assert abs(W.mean()) < 5 * np.sqrt(variance / n)


def test_he_normal_variance_is_two_over_fan_in_not_fan_out():
    W = init.he_normal(50, 4000, np.random.default_rng(1))
    assert np.mean(W**2) == pytest.approx(2 / 50, rel=0.02)


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("lecun_uniform", np.sqrt(3 / N_IN)),
        ("xavier_uniform", np.sqrt(6 / (N_IN + N_OUT))),
        ("he_uniform", np.sqrt(6 / N_IN)),
    ],
)
def test_uniform_initializer_stays_within_and_reaches_its_bound(name, limit):
    W = init.get(name)(N_IN, N_OUT, np.random.default_rng(2))
    assert np.abs(W).max() <= limit
    # With 200 000 draws the largest |W| is within limit·1e-4 of the bound almost surely.
    assert np.abs(W).max() > limit * (1 - 1e-3)
    assert W.min() < 0 < W.max()


def test_xavier_uniform_bound_gives_variance_two_over_fan_sum():
    limit = np.sqrt(6 / (N_IN + N_OUT))
    assert limit**2 / 3 == pytest.approx(2 / (N_IN + N_OUT))


def test_normal_has_the_requested_standard_deviation():
    W = init.normal(N_IN, N_OUT, np.random.default_rng(3), std=0.3)
    assert np.sqrt(np.mean(W**2)) == pytest.approx(0.3, rel=0.01)


@pytest.mark.parametrize(("n_in", "n_out"), [(3, 5), (4, 4), (40, 100)])
def test_orthogonal_tall_or_square_has_orthonormal_columns(n_in, n_out):
    W = init.orthogonal(n_in, n_out, np.random.default_rng(4))
    assert W.shape == (n_out, n_in)
    np.testing.assert_allclose(W.T @ W, np.eye(n_in), atol=1e-12)


@pytest.mark.parametrize(("n_in", "n_out"), [(5, 3), (100, 40)])
def test_orthogonal_wide_has_orthonormal_rows(n_in, n_out):
    W = init.orthogonal(n_in, n_out, np.random.default_rng(5))
    assert W.shape == (n_out, n_in)
    np.testing.assert_allclose(W @ W.T, np.eye(n_out), atol=1e-12)


def test_orthogonal_gain_scales_every_singular_value():
    W = init.orthogonal(6, 9, np.random.default_rng(6), gain=2.5)
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 2.5)


def test_orthogonal_entries_have_haar_mean_zero_and_variance_one_over_n():
    # For Haar-distributed Q in O(n) every entry has mean 0 and variance 1/n. Plain QR without the
    # sign fix gives diagonal entries with mean about ±0.5 for n = 3.
    rng = np.random.default_rng(7)
    n, draws = 3, 2000
    Q = np.array([init.orthogonal(n, n, rng) for _ in range(draws)])
    standard_error = np.sqrt(1 / n / draws)
    assert np.abs(Q.mean(axis=0)).max() < 5 * standard_error
    np.testing.assert_allclose(Q.var(axis=0) * n, 1, atol=0.15)


@pytest.mark.parametrize("name", sorted(init.INITIALIZERS))
def test_initializer_with_the_same_seed_gives_the_same_array(name):
    draw = init.get(name)
    first = draw(7, 5, np.random.default_rng(42))
    np.testing.assert_array_equal(first, draw(7, 5, np.random.default_rng(42)))
    assert not np.array_equal(first, draw(7, 5, np.random.default_rng(43)))


@pytest.mark.parametrize("name", sorted(init.INITIALIZERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_initializer_returns_a_contiguous_array_of_the_requested_dtype(name, dtype):
    W = init.get(name)(7, 5, np.random.default_rng(0), dtype=dtype)
    assert W.dtype == dtype
    assert W.flags.c_contiguous


def test_get_returns_the_function_of_that_name():
    for name, function in init.INITIALIZERS.items():
        assert init.get(name) is function


def test_get_rejects_an_unknown_name_and_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown initializer 'kaiming'.*he_normal"):
        init.get("kaiming")


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "4", None])
@pytest.mark.parametrize("argument", ["n_in", "n_out"])
def test_fans_must_be_positive_ints(argument, bad):
    fans = {"n_in": 4, "n_out": 4, argument: bad}
    with pytest.raises(ValueError, match=rf"{argument} must be a positive int, got {bad!r}"):
        init.he_normal(fans["n_in"], fans["n_out"], np.random.default_rng(0))


def test_fans_accept_numpy_integers():
    assert init.he_normal(np.int64(3), np.int32(2), np.random.default_rng(0)).shape == (2, 3)


@pytest.mark.parametrize("bad", [None, 42, np.random.RandomState(0)])
def test_rng_must_be_a_generator_and_the_message_says_how_to_make_one(bad):
    with pytest.raises(TypeError, match=r"numpy\.random\.Generator.*np\.random\.default_rng\(seed\)"):
        init.xavier_uniform(3, 3, bad)


@pytest.mark.parametrize("bad", [0.0, -1.0, np.inf, np.nan, "1"])
def test_std_and_gain_must_be_finite_and_positive(bad):
    with pytest.raises(ValueError, match=r"std must be a finite number > 0"):
        init.normal(3, 3, np.random.default_rng(0), std=bad)
    with pytest.raises(ValueError, match=r"gain must be a finite number > 0"):
        init.orthogonal(3, 3, np.random.default_rng(0), gain=bad)


def test_integer_dtype_is_rejected():
    with pytest.raises(ValueError, match=r"dtype must be a floating dtype.*got int64"):
        init.lecun_normal(3, 3, np.random.default_rng(0), dtype=np.int64)


def test_docstring_examples_run():
    finder_results = doctest.testmod(init)
    assert finder_results.attempted > 0
    assert finder_results.failed == 0
