import numpy as np
import pytest
from scipy.special import expit

from gradflow import exercises


def stable_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def test_correct_functions_pass():
    assert exercises.grade("sigmoid-derivative", lambda x: expit(x) * expit(-x))
    assert exercises.grade("stable-sigmoid", stable_sigmoid)


def test_wrong_value_names_the_input_and_both_values():
    verdict = exercises.grade("sigmoid-derivative", lambda x: expit(x))
    assert not verdict
    assert verdict.message.startswith("at x = -10, expected 4.5396e-05, got 4.5398e-05")


def test_exception_in_reader_code_is_reported_not_raised():
    verdict = exercises.grade("sigmoid-derivative", lambda x: 1 / 0)
    assert not verdict and "raised ZeroDivisionError" in verdict.message


def test_wrong_shape_is_reported():
    verdict = exercises.grade("sigmoid-derivative", lambda x: expit(x)[:1])
    assert not verdict and "shape (1,), expected (81,)" in verdict.message


def test_nan_output_is_a_wrong_value():
    verdict = exercises.grade("sigmoid-derivative", lambda x: np.full_like(x, np.nan))
    assert not verdict and "got nan" in verdict.message


def test_non_numeric_output_is_reported():
    verdict = exercises.grade("sigmoid-derivative", lambda x: "0.25")
    assert not verdict and "not real numbers" in verdict.message


def test_none_output_is_reported():
    verdict = exercises.grade("sigmoid-derivative", lambda x: None)
    assert not verdict and "not real numbers" in verdict.message


def test_overflow_warning_fails_the_stable_sigmoid_exercise():
    verdict = exercises.grade("stable-sigmoid", lambda x: 1 / (1 + np.exp(-x)))
    assert not verdict and "warned RuntimeWarning: overflow" in verdict.message


def test_reader_function_cannot_modify_the_checkers_inputs():
    def destructive(x):
        x[:] = 0
        return expit(x) * expit(-x)

    exercises.grade("sigmoid-derivative", destructive)
    assert exercises.grade("sigmoid-derivative", lambda x: expit(x) * expit(-x))


def test_not_a_function_is_reported():
    verdict = exercises.grade("sigmoid-derivative", 0.25)
    assert not verdict and "expected a function" in verdict.message


def test_check_prints_the_verdict(capsys):
    exercises.check("stable-sigmoid", stable_sigmoid)
    assert capsys.readouterr().out == "✓ stable-sigmoid: correct on all 3 test inputs.\n"


def test_unknown_exercise_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown exercise 'sigmoid'; known: .*sigmoid-derivative"):
        exercises.grade("sigmoid", expit)


def test_ragged_output_is_reported_with_the_shapes_of_its_parts():
    verdict = exercises.grade("sigmoid-derivative", lambda x: [[1.0, 2.0], [3.0]])
    assert not verdict and "a list of 2 parts of shapes (2,), (1,), which do not make one array of shape (81,)" in verdict.message


def test_underflow_is_not_counted_as_a_warning():
    assert exercises.grade("stable-sigmoid", stable_sigmoid)  # exp(-1e4) underflows to 0, correctly


def test_cases_with_a_generator_give_reference_and_reader_the_same_numbers(monkeypatch):
    def noise(n, rng):
        return rng.standard_normal(n)

    exercise = exercises.Exercise("noise", "n standard normals", noise, ((3, np.random.default_rng(0)),))
    monkeypatch.setitem(exercises.EXERCISES, "noise", exercise)
    assert exercises.grade("noise", lambda n, rng: rng.standard_normal(n))
    assert not exercises.grade("noise", lambda n, rng: np.random.default_rng(1).standard_normal(n))


def test_a_custom_comparison_decides_and_explains(monkeypatch):
    def same_variance(expected, got, args):
        return None if abs(got.var() - expected.var()) < 0.1 else f"variance {got.var():.2f}, expected {expected.var():.2f}"

    exercise = exercises.Exercise("spread", "any sample with variance 4", lambda rng: 2 * rng.standard_normal(10_000),
                                  ((np.random.default_rng(0),),), compare=same_variance)
    monkeypatch.setitem(exercises.EXERCISES, "spread", exercise)
    assert exercises.grade("spread", lambda rng: -2 * rng.standard_normal(10_000))
    assert exercises.grade("spread", lambda rng: rng.standard_normal(10_000)).message == "variance 1.00, expected 3.98"


def _loop_dead_fraction(weights, biases, X, criterion=np.all):
    """An independent dead-fraction: a plain loop over the hidden layers of a ReLU MLP."""
    a, fractions = np.asarray(X, dtype=float), []
    for W, b in zip(weights[:-1], biases[:-1]):
        z = a @ W.T + b
        fractions.append(np.mean(criterion(z <= 0, axis=0)))
        a = np.maximum(z, 0)
    return np.array(fractions)


def test_dead_fraction_exercise_accepts_an_independent_implementation():
    assert exercises.grade("dead-fraction", _loop_dead_fraction)


def test_dead_fraction_exercise_names_the_layer_of_a_unit_dead_on_some_sample_only():
    verdict = exercises.grade("dead-fraction", lambda w, b, X: _loop_dead_fraction(w, b, X, criterion=np.any))
    assert not verdict and "layer 1: expected 0.5, got 1" in verdict.message
