"""The activations agree with independent computations: textbook formulas, finite differences,
closed forms and SciPy quadrature; their stated properties agree with their numbers."""

import dataclasses
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from matplotlib.mathtext import MathTextParser
from scipy import integrate, optimize, special, stats

from gradflow import activations
from gradflow.activations import get

NAMES = activations.names()
inf = math.inf
SELU_SCALE, SELU_ALPHA = 1.0507009873554805, 1.6732632423543772  # as printed by Klambauer et al.
GELU_TANH_SCALE = math.sqrt(2 / math.pi)

# name: (textbook formula, naive but accurate for |x| <= 20, (φ(−∞), φ(+∞), φ′(−∞), φ′(+∞)))
KNOWN = {
    "identity": (lambda x: x, (-inf, inf, 1, 1)),
    "step": (lambda x: np.where(x > 0, 1.0, 0.0), (0, 1, 0, 0)),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), (0, 1, 0, 0)),
    "tanh": (lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)), (-1, 1, 0, 0)),
    "relu": (lambda x: np.where(x > 0, x, 0.0), (0, inf, 0, 1)),
    "leaky_relu": (lambda x: np.where(x > 0, x, 0.01 * x), (-inf, inf, 0.01, 1)),
    "prelu": (lambda x: np.where(x > 0, x, 0.25 * x), (-inf, inf, 0.25, 1)),
    "rrelu": (lambda x: np.where(x > 0, x, 11 / 48 * x), (-inf, inf, 11 / 48, 1)),  # (1/8 + 1/3) / 2
    "elu": (lambda x: np.where(x > 0, x, np.exp(x) - 1), (-1, inf, 0, 1)),
    "selu": (
        lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (np.exp(x) - 1)),
        (-SELU_SCALE * SELU_ALPHA, inf, 0, SELU_SCALE),
    ),
    "celu": (lambda x: np.where(x > 0, x, np.exp(x) - 1), (-1, inf, 0, 1)),
    "softplus": (lambda x: np.log1p(np.exp(x)), (0, inf, 0, 1)),
    "gelu": (lambda x: x * stats.norm.cdf(x), (0, inf, 0, 1)),
    "gelu_tanh": (lambda x: x / 2 * (1 + np.tanh(GELU_TANH_SCALE * (x + 0.044715 * x**3))), (0, inf, 0, 1)),
    "silu": (lambda x: x / (1 + np.exp(-x)), (0, inf, 0, 1)),
    "mish": (lambda x: x * np.tanh(np.log1p(np.exp(x))), (0, inf, 0, 1)),
    "relu6": (lambda x: np.where(x > 6, 6.0, np.where(x > 0, x, 0.0)), (0, 6, 0, 0)),
    "hard_tanh": (lambda x: np.where(x > 1, 1.0, np.where(x < -1, -1.0, x)), (-1, 1, 0, 0)),
    "hard_sigmoid": (lambda x: np.where(x > 3, 1.0, np.where(x < -3, 0.0, (x + 3) / 6)), (0, 1, 0, 0)),
    "hard_swish": (lambda x: np.where(x > 3, x, np.where(x < -3, 0.0, x * (x + 3) / 6)), (0, inf, 0, 1)),
    "softsign": (lambda x: x / (1 + np.abs(x)), (-1, 1, 0, 0)),
}

GRID = np.append(np.linspace(-20, 20, 4001), 0.0)
FINE_GRID = np.linspace(-10, 10, 20001)
PROPERTY = settings(max_examples=40, deadline=None, database=None)
MODERATE = hnp.arrays(np.float32, st.integers(0, 20), elements=st.floats(-1e4, 1e4, width=32))


def away_from_kinks(activation):
    """Points of [−6, 6] at least 0.01 from the activation's kinks and from 0, for finite differences."""
    x = FINE_GRID[np.abs(FINE_GRID) <= 6]
    distance = np.abs(x[:, None] - np.array([0.0, *activation.kinks])).min(axis=1)
    return x[distance > 1e-2]


def test_every_activation_has_a_known_formula_and_limits():
    assert set(KNOWN) == set(NAMES)


# Values and derivatives
@pytest.mark.parametrize("name", NAMES)
def test_values_match_the_textbook_formula(name):
    np.testing.assert_allclose(get(name)(GRID), KNOWN[name][0](GRID), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_central_finite_differences(name):
    act, h = get(name), 1e-5
    x = away_from_kinks(act)
    np.testing.assert_allclose(act.derivative(x), (act(x + h) - act(x - h)) / (2 * h), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_at_zero_and_at_every_kink_is_the_left_derivative(name):
    act, h = get(name), 1e-7
    for kink in {0.0, *act.kinks}:
        assert act.derivative(kink) == pytest.approx((act(kink) - act(kink - h)) / h, abs=1e-6)


def test_sigmoid_derivative_is_max_quarter_at_zero():
    sigmoid = get("sigmoid")
    assert sigmoid.derivative(0.0) == 0.25
    assert np.all(sigmoid.derivative(GRID) <= 0.25)


def test_tanh_is_a_rescaled_sigmoid():
    np.testing.assert_allclose(get("tanh")(GRID), 2 * get("sigmoid")(2 * GRID) - 1, atol=1e-15)


def test_tanh_derivative_is_one_minus_tanh_squared_and_accurate_in_the_tails():
    np.testing.assert_allclose(get("tanh").derivative(GRID), 1 - np.tanh(GRID) ** 2, atol=1e-15)
    tails = np.linspace(-300, 300, 601)
    np.testing.assert_allclose(get("tanh").derivative(tails), 1 / np.cosh(tails) ** 2, rtol=1e-13)


@pytest.mark.parametrize("beta", [1.0, 2.5])
def test_softplus_derivative_is_the_sigmoid(beta):
    softplus = get("softplus", beta=beta)
    np.testing.assert_allclose(softplus.derivative(GRID), 1 / (1 + np.exp(-beta * GRID)), rtol=1e-14)


def test_selu_constants_solve_klambauer_fixed_point_equations():
    # E[elu_α(Z)^p] for Z ~ N(0, 1), split at the kink. E[selu(Z)] = 0 fixes α, E[selu(Z)²] = 1 fixes λ.
    def moment(alpha, power):
        negative = integrate.quad(lambda z: (alpha * np.expm1(z)) ** power * stats.norm.pdf(z), -inf, 0)
        positive = integrate.quad(lambda z: z**power * stats.norm.pdf(z), 0, inf)
        return negative[0] + positive[0]

    alpha = optimize.brentq(lambda a: moment(a, 1), 1, 2, xtol=1e-14)
    scale = 1 / math.sqrt(moment(alpha, 2))
    selu = get("selu")
    assert selu(1.0) == pytest.approx(scale, abs=1e-6)
    assert -selu(-inf) / selu(1.0) == pytest.approx(alpha, abs=1e-6)


def test_gelu_tanh_is_within_5e_4_of_exact_gelu():
    exact = FINE_GRID * stats.norm.cdf(FINE_GRID)
    assert np.max(np.abs(get("gelu_tanh")(FINE_GRID) - exact)) < 5e-4


def test_softsign_approaches_its_limits_only_polynomially():
    softsign = get("softsign")
    assert softsign(1e4) == pytest.approx(1 - 1 / 10001, rel=1e-15) and softsign(-1e4) == -softsign(1e4)
    np.testing.assert_allclose(softsign.derivative(GRID), (1 - np.abs(softsign(GRID))) ** 2, rtol=1e-12)


def test_hard_swish_is_x_times_hard_sigmoid_and_relu6_a_rescaled_hard_tanh():
    np.testing.assert_allclose(get("hard_swish")(GRID), GRID * get("hard_sigmoid")(GRID), rtol=1e-15)
    np.testing.assert_allclose(get("relu6")(GRID), 3 * (get("hard_tanh")(GRID / 3 - 1) + 1), atol=1e-14)


def _largest_gap_of_hard_sigmoid():
    # Inside (−3, 0) the gap (x + 3)/6 − σ(x) is smooth; its maximum is where σ′(x) = 1/6.
    gap = optimize.minimize_scalar(lambda x: special.expit(x) - (x + 3) / 6, bounds=(-3, 0), method="bounded",
                                   options={"xatol": 1e-10})
    return -gap.fun


@pytest.mark.parametrize(
    ("hard", "smooth", "largest_gap"),
    [("hard_tanh", "tanh", lambda: 1 - math.tanh(1)),  # at x = ±1, where the clipping starts
     ("hard_swish", "silu", lambda: 3 * special.expit(-3)),  # at x = −3, where hswish reaches 0
     ("hard_sigmoid", "sigmoid", _largest_gap_of_hard_sigmoid)],
)
def test_hard_variants_differ_from_their_smooth_originals_by_the_computed_largest_gap(hard, smooth, largest_gap):
    x = np.linspace(-10, 10, 2_000_001)
    gap = np.abs(get(hard)(x) - get(smooth)(x)).max()
    assert gap == pytest.approx(largest_gap(), abs=1e-9)


def test_rrelu_evaluates_with_the_mean_slope():
    rrelu = get("rrelu", lower=0.1, upper=0.3)
    assert rrelu(-2.0) == pytest.approx(-0.4) and rrelu.derivative(-2.0) == pytest.approx(0.2)


def test_rrelu_train_draws_a_uniform_slope_per_element_from_the_generator():
    x = np.linspace(-1, 1, 200_000).reshape(400, 500)
    y, slopes = activations.rrelu_train(x, np.random.default_rng(0), lower=0.1, upper=0.3)
    assert y.shape == slopes.shape == x.shape
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert slopes.mean() == pytest.approx(0.2, abs=1e-3)  # 8 standard errors of the mean
    np.testing.assert_array_equal(y, np.where(x > 0, x, slopes * x))
    _, again = activations.rrelu_train(x, np.random.default_rng(0), lower=0.1, upper=0.3)
    np.testing.assert_array_equal(again, slopes)
    with pytest.raises(TypeError, match="Generator"):
        activations.rrelu_train(x, rng=0)


def test_prelu_slope_gradient_matches_finite_differences_in_alpha():
    h = 1e-6
    expected = (get("prelu", alpha=0.25 + h)(GRID) - get("prelu", alpha=0.25 - h)(GRID)) / (2 * h)
    np.testing.assert_allclose(activations.prelu_slope_gradient(GRID), expected, atol=1e-8)


# Stated properties
@pytest.mark.parametrize("name", NAMES)
def test_range_is_the_infimum_and_supremum(name):
    act, (formula, (at_minus_inf, at_plus_inf, _, _)) = get(name), KNOWN[name]
    if act.monotone:
        assert act.range == (at_minus_inf, at_plus_inf)
    else:  # the minima of the non-monotone activations lie in (−3, 0)
        minimum = optimize.minimize_scalar(formula, bounds=(-3, 0), method="bounded", options={"xatol": 1e-9})
        assert act.range == (pytest.approx(minimum.fun, rel=1e-10), max(at_minus_inf, at_plus_inf))


@pytest.mark.parametrize("name", NAMES)
def test_zero_centred_flag_means_zero_at_zero_and_both_signs(name):
    act, y = get(name), get(name)(FINE_GRID)
    assert act.zero_centred == (act(0.0) == 0 and y.min() < 0 < y.max())


@pytest.mark.parametrize("name", NAMES)
def test_saturating_flag_names_the_sides_where_the_derivative_vanishes(name):
    act = get(name)
    # At ±1e4, as softsign's slope decays only like 1/x²: softsign′(±50) ≈ 4e-4.
    sides = (abs(act.derivative(-1e4)) < 1e-6, abs(act.derivative(1e4)) < 1e-6)
    expected = {(True, True): "both", (True, False): "negative", (False, True): "positive"}.get(sides, "none")
    assert act.saturating == expected


@pytest.mark.parametrize("name", NAMES)
def test_monotone_flag_means_non_decreasing_on_a_grid(name):
    assert get(name).monotone == bool(np.all(np.diff(get(name)(FINE_GRID)) >= 0))


@pytest.mark.parametrize("name", NAMES)
def test_value_or_derivative_jumps_at_each_kink_and_nowhere_else_on_a_grid(name):
    act, eps = get(name), 1e-9
    for kink in act.kinks:
        jumps = abs(act(kink + eps) - act(kink - eps)), abs(act.derivative(kink + eps) - act.derivative(kink - eps))
        assert max(jumps) > 1e-3, f"no jump at {kink}"
    x = away_from_kinks(act)
    steps = np.abs(np.diff(act.derivative(x)))[np.diff(x) < 2e-3]  # neighbours not separated by a kink
    assert steps.max() < 1e-2
    assert act.smooth == (not act.kinks)


def test_smooth_must_agree_with_the_kinks():
    with pytest.raises(ValueError, match="contradicts kinks"):
        dataclasses.replace(get("relu"), smooth=True)


@pytest.mark.parametrize("name", NAMES)
def test_latex_renders_in_matplotlib_mathtext(name):
    for formula in (get(name).latex, get(name).derivative_latex):
        MathTextParser("path").parse(f"${formula}$")


@pytest.mark.parametrize("name", [n for n in NAMES if get(n).monotone])
@PROPERTY
@given(x=MODERATE)
def test_monotone_activations_never_decrease(name, x):
    assert np.all(np.diff(get(name)(np.sort(x.astype(np.float64)))) >= 0)


@pytest.mark.parametrize("name", NAMES)
@PROPERTY
@given(x=MODERATE)
def test_values_lie_within_the_stated_range(name, x):
    low, high = get(name).range
    y = get(name)(x.astype(np.float64))
    assert np.all((y >= low - 1e-12) & (y <= high))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
@PROPERTY
@given(x=MODERATE)
def test_inputs_up_to_1e4_give_finite_results_of_their_dtype_without_warnings(name, dtype, x):
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        results = get(name)(x.astype(dtype)), get(name).derivative(x.astype(dtype))
    for result in results:
        assert result.dtype == dtype and result.shape == x.shape and np.all(np.isfinite(result))


# Edge inputs
@pytest.mark.parametrize("name", NAMES)
def test_infinities_give_the_limits(name):
    act, x, limits = get(name), np.array([-inf, inf]), KNOWN[name][1]
    np.testing.assert_array_equal(act(x), limits[:2])
    np.testing.assert_array_equal(act.derivative(x), limits[2:])


@pytest.mark.parametrize("name", [n for n in NAMES if n != "softsign"])
def test_inputs_of_1e4_are_already_at_the_limits(name):
    act, (at_minus_inf, at_plus_inf, slope_minus_inf, slope_plus_inf) = get(name), KNOWN[name][1]
    for x, limit, slope in [(-1e4, at_minus_inf, slope_minus_inf), (1e4, at_plus_inf, slope_plus_inf)]:
        assert act.derivative(x) == pytest.approx(slope, abs=1e-15)
        assert act(x) == (pytest.approx(slope * x) if math.isinf(limit) else pytest.approx(limit, abs=1e-15))


@pytest.mark.parametrize("name", NAMES)
def test_nan_gives_nan(name):
    x = np.array([np.nan, 1.0])
    assert np.isnan(get(name)(x)[0]) and np.isnan(get(name).derivative(x)[0])


@pytest.mark.parametrize("name", ["elu", "selu"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elu_keeps_the_sign_of_zero(name, dtype):
    x = np.array([-0.0, 0.0] * 20, dtype=dtype)  # long enough for NumPy's SIMD loops
    assert np.array_equal(np.signbit(get(name)(x)), np.signbit(x)) and np.signbit(get(name)(dtype(-0.0)))


@pytest.mark.parametrize("name", NAMES)
def test_float16_input_holding_nan_stays_float16(name):
    x = np.array([np.nan, -1.0, 2.0], dtype=np.float16)
    value, slope = get(name)(x), get(name).derivative(x)
    assert value.dtype == slope.dtype == np.float16 and np.isnan(value[0]) and np.isnan(slope[0])


@pytest.mark.parametrize(
    ("given_dtype", "dtype"),
    [(np.float16, np.float16), (np.float32, np.float32), (np.float64, np.float64),
     (np.int64, np.float64), (bool, np.float64)],
)
@pytest.mark.parametrize("name", NAMES)
def test_floats_keep_their_dtype_and_integers_become_float64(name, given_dtype, dtype):
    x = np.array([0, 1, 2]).astype(given_dtype)
    assert get(name)(x).dtype == dtype and get(name).derivative(x).dtype == dtype


@pytest.mark.parametrize("name", NAMES)
def test_scalars_and_0d_arrays_give_numpy_scalars(name):
    act = get(name)
    assert type(act(0.0)) is np.float64 and type(act.derivative(1)) is np.float64
    assert type(act(np.array(0.5, dtype=np.float32))) is np.float32


@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 3, 4)])
@pytest.mark.parametrize("name", NAMES)
def test_arrays_keep_their_shape(name, shape):
    x = np.linspace(-3, 3, math.prod(shape)).reshape(shape)
    assert get(name)(x).shape == get(name).derivative(x).shape == shape


# Bad inputs
def test_unknown_name_is_rejected_with_the_list_of_valid_names():
    with pytest.raises(ValueError, match="swiglu") as error:
        get("swiglu")
    assert all(name in str(error.value) for name in NAMES)
    with pytest.raises(TypeError, match="str"):
        get(3)


def test_swish_is_an_alias_of_silu_and_not_listed():
    assert get("swish") is get("silu") and "swish" not in NAMES


def test_unknown_parameter_is_rejected_naming_the_allowed_ones():
    with pytest.raises(ValueError, match="alpha"):
        get("elu").with_params(unknown=1)
    with pytest.raises(ValueError, match="none"):
        get("selu", alpha=1.0)


@pytest.mark.parametrize(
    ("name", "params", "error"),
    [
        ("elu", {"alpha": -1.0}, ValueError),
        ("celu", {"alpha": 0.0}, ValueError),
        ("softplus", {"beta": 0}, ValueError),
        ("leaky_relu", {"alpha": -0.1}, ValueError),
        ("rrelu", {"lower": 0.5, "upper": 0.2}, ValueError),
        ("prelu", {"alpha": math.nan}, ValueError),
        ("elu", {"alpha": "1"}, TypeError),
    ],
)
def test_parameters_outside_their_domain_are_rejected(name, params, error):
    with pytest.raises(error, match=next(iter(params))):
        get(name, **params)


def test_with_params_gives_a_new_activation_and_leaves_the_registry_unchanged():
    leaky = get("leaky_relu", alpha=0.2)
    assert leaky(-1.0) == -0.2 and repr(leaky) == "Activation('leaky_relu', alpha=0.2)"
    assert get("leaky_relu").params == {"alpha": 0.01}
    with pytest.raises(TypeError):
        leaky.params["alpha"] = 0.3


@pytest.mark.parametrize("bad", ["1.0", [1 + 2j], np.array([1.0, None], dtype=object), None])
@pytest.mark.parametrize(
    "function",
    [get("relu"), get("gelu").derivative, activations.prelu_slope_gradient, activations.softmax,
     activations.log_softmax, activations.softmax_jacobian],
)
def test_non_real_input_is_a_type_error(function, bad):
    with pytest.raises(TypeError, match="real numbers"):
        function(bad)


# Softmax
VECTORS = [np.array([1.0, 2.0, 3.0]), np.array([1e4, -1e4, 0.0]), np.array([-inf, 0.0, 1.0]),
           np.linspace(-50, 50, 7)]


@pytest.mark.parametrize("x", VECTORS)
def test_softmax_sums_to_one_and_matches_scipy(x):
    s = activations.softmax(x)
    assert s.sum() == pytest.approx(1.0) and np.all(s >= 0)
    np.testing.assert_allclose(s, special.softmax(x), rtol=1e-14)


def test_softmax_normalises_along_the_given_axis_and_keeps_float32():
    s = activations.softmax(np.arange(12, dtype=np.float32).reshape(3, 4), axis=0)
    assert s.dtype == np.float32 and s.shape == (3, 4)
    np.testing.assert_allclose(s.sum(axis=0), 1.0, rtol=1e-6)


@pytest.mark.parametrize("x", VECTORS)
def test_log_softmax_is_log_of_softmax_where_that_is_finite(x):
    s, log_s = activations.softmax(x), activations.log_softmax(x)
    np.testing.assert_allclose(log_s[s > 0], np.log(s[s > 0]), rtol=1e-12, atol=1e-12)
    assert np.array_equal(np.isfinite(log_s), np.isfinite(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_an_infinite_logit_takes_all_the_mass_and_ties_share_it(dtype):
    x = np.array([[inf, 0.0, -inf], [inf, inf, 1.0], [-inf, -inf, -inf], [1.0, 2.0, -inf]], dtype=dtype)
    expected = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3], special.softmax([1.0, 2.0, -inf])])
    s = activations.softmax(x)  # pytest turns any warning into an error
    assert s.dtype == dtype
    np.testing.assert_allclose(s, expected, rtol=1e-6)
    np.testing.assert_allclose(activations.log_softmax(x[:2]), [[0.0, -inf, -inf], [-np.log(2), -np.log(2), -inf]],
                               rtol=1e-6)


def test_a_row_holding_nan_gives_nan():
    assert np.isnan(activations.softmax([[np.nan, inf], [0.0, 0.0]])[0]).all()


def test_finite_logits_far_apart_do_not_overflow():
    assert np.array_equal(activations.softmax([1e308, -1e308]), [1.0, 0.0])
    assert np.array_equal(activations.log_softmax([1e308, -1e308]), [0.0, -inf])


def test_log_softmax_stays_finite_where_the_softmax_underflows():
    np.testing.assert_allclose(activations.log_softmax([0.0, -1e4]), [0.0, -1e4])


def test_softmax_jacobian_of_a_vector_matches_finite_differences():
    x, h, softmax = np.random.default_rng(0).normal(size=5), 1e-6, activations.softmax
    columns = [(softmax(x + h * dx) - softmax(x - h * dx)) / (2 * h) for dx in np.eye(5)]
    np.testing.assert_allclose(activations.softmax_jacobian(x), np.stack(columns, axis=1), atol=1e-9)
    with pytest.raises(ValueError, match="1-D"):
        activations.softmax_jacobian(np.zeros((2, 2)))


def test_resolve_accepts_names_aliases_and_activations_and_rejects_other_things():
    silu = activations.get("silu")
    assert activations.resolve("silu") is silu and activations.resolve("swish") is silu
    assert activations.resolve(silu) is silu
    with pytest.raises(TypeError, match="registry name such as 'relu' or an Activation, got 3"):
        activations.resolve(3)
    with pytest.raises(ValueError, match="unknown activation 'swiglu'"):
        activations.resolve("swiglu")
