"""The zoo table's Gaussian moments agree with adaptive quadrature, Monte Carlo and closed forms."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from gradflow import activations, moments

NAMES = activations.names()
MOMENTS = {
    "mean": (moments.mean, lambda a: a),
    "second_moment": (moments.second_moment, lambda a: lambda z: a(z) ** 2),
    "slope_second_moment": (moments.slope_second_moment, lambda a: lambda z: a.derivative(z) ** 2),
}


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("name", NAMES)
def test_moments_match_adaptive_quadrature_on_the_whole_line(name, moment):
    computed, integrand = MOMENTS[moment]
    f = integrand(activations.get(name))
    # Adaptive, knowing nothing of the kinks; [−40, 40] holds all but 1e-349 of the normal mass.
    expected = integrate.quad(lambda z: float(f(z)) * stats.norm.pdf(z), -40, 40, limit=400, epsabs=1e-13)[0]
    assert computed(name) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_moments_agree_with_monte_carlo_within_five_standard_errors(name):
    z = np.random.default_rng(0).standard_normal(1_000_000)
    activation = activations.get(name)
    for moment, (computed, integrand) in MOMENTS.items():
        samples = integrand(activation)(z)
        standard_error = samples.std() / math.sqrt(z.size)
        assert abs(computed(name) - samples.mean()) <= 5 * standard_error + 1e-12, moment


def test_closed_forms():
    assert moments.mean("relu") == pytest.approx(1 / math.sqrt(2 * math.pi), abs=1e-14)
    assert moments.mean("gelu") == pytest.approx(1 / (2 * math.sqrt(math.pi)), abs=1e-14)  # E[Z Φ(Z)] = E[φ(Z)]
    assert moments.second_moment("selu") == pytest.approx(1, abs=1e-12)
    assert moments.weight_variance("relu") == pytest.approx(2, abs=1e-12)
    assert moments.weight_variance("leaky_relu") == pytest.approx(moments.PYTORCH_GAINS["leaky_relu"] ** 2, abs=1e-12)
    assert moments.zero_slope_probability("hard_tanh") == pytest.approx(2 * stats.norm.cdf(-1), abs=1e-15)
    assert moments.zero_slope_probability("relu6") == pytest.approx(0.5 + stats.norm.sf(6), abs=1e-15)
    assert moments.zero_slope_probability("step") == 1 and moments.zero_slope_probability("silu") == 0
    assert moments.max_slope("selu") == pytest.approx(1.0507009873554805 * 1.6732632423543772)
