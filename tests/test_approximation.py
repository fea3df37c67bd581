import numpy as np
import pytest

from gradflow.approximation import shallow_fit

X = np.linspace(-3.0, 3.0, 121)


def test_relu_fit_reproduces_a_piecewise_linear_function_with_kinks_at_the_centres():
    # 4 units on [-3, 3]: centres at -3, -1.5, 0, 1.5
    target = 1.0 - 0.5 * X + 2.0 * np.maximum(X + 1.5, 0) - 3.0 * np.maximum(X - 1.5, 0)
    net = shallow_fit(X, target, n_units=4, activation="relu")
    np.testing.assert_allclose(net(X[:, None])[:, 0], target, atol=1e-10)


def test_identity_units_give_the_ordinary_least_squares_line():
    y = np.sin(X)
    slope, intercept = np.polyfit(X, y, 1)
    net = shallow_fit(X, y, n_units=3, activation="identity")
    np.testing.assert_allclose(net(X[:, None])[:, 0], slope * X + intercept, atol=1e-10)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_error_on_a_smooth_curve_falls_below_five_percent_with_32_units(activation):
    y = np.sin(2 * X)
    errors = [np.abs(shallow_fit(X, y, n, activation)(X[:, None])[:, 0] - y).max() for n in (2, 32)]
    assert errors[1] < 0.05 < 0.5 < errors[0]


def test_hidden_layer_has_the_documented_slope_and_centres():
    net = shallow_fit(X, X**2, n_units=3, activation="sigmoid", slope=1.5)
    np.testing.assert_array_equal(net.weights[0], np.full((3, 1), 1.5))
    np.testing.assert_allclose(-net.biases[0] / 1.5, [-3.0, -1.0, 1.0])
    assert net.widths == [1, 3, 1]


def test_column_inputs_are_accepted():
    flat = shallow_fit(X, np.cos(X), 5, "tanh")
    column = shallow_fit(X[:, None], np.cos(X)[:, None], 5, "tanh")
    np.testing.assert_array_equal(flat(X[:, None]), column(X[:, None]))


@pytest.mark.parametrize(
    ("x", "y", "n_units", "slope", "message"),
    [
        (X, X[:-1], 3, None, "same number of samples"),
        (np.ones(5), np.ones(5), 3, None, "two distinct values"),
        (X, X, 0, None, "n_units must be a positive int"),
        (X, X, 2.0, None, "n_units must be a positive int"),
        (X, X, 3, -1.0, "slope must be a finite number > 0"),
        (np.r_[X[:-1], np.nan], X, 3, None, "x contains NaN or inf"),
        (np.ones((4, 2)), np.ones(4), 3, None, r"x must be a non-empty 1-D array .* got shape \(4, 2\)"),
    ],
)
def test_bad_inputs_are_rejected_with_a_message(x, y, n_units, slope, message):
    with pytest.raises(ValueError, match=message):
        shallow_fit(x, y, n_units, "relu", slope=slope)


def test_unknown_activation_is_rejected():
    with pytest.raises(ValueError, match="unknown activation 'rectifier'"):
        shallow_fit(X, X, 3, "rectifier")
