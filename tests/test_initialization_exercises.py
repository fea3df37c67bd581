"""The auto-checked initializer exercises of the Initialization chapter accept right answers and explain wrong ones."""

import numpy as np
import pytest

from gradflow import exercises, init


@pytest.mark.parametrize(
    ("exercise", "right"),
    [("xavier-init", init.xavier_normal), ("xavier-init", init.xavier_uniform),
     ("he-init", init.he_normal), ("he-init", init.he_uniform)],
)
def test_normal_and_uniform_forms_both_pass(exercise, right):
    assert exercises.grade(exercise, right)


def test_he_with_fan_out_instead_of_fan_in_fails_with_the_variances():
    verdict = exercises.grade("he-init", lambda n_in, n_out, rng: init.he_normal(n_out, n_in, rng).T)
    assert not verdict and "variance 0.00501, expected 0.00401" in verdict.message


def test_xavier_with_a_nonzero_mean_fails():
    verdict = exercises.grade("xavier-init", lambda n_in, n_out, rng: init.xavier_normal(n_in, n_out, rng) + 0.01)
    assert not verdict and "mean" in verdict.message


def test_transposed_shape_fails():
    verdict = exercises.grade("xavier-init", lambda n_in, n_out, rng: init.xavier_normal(n_out, n_in, rng))
    assert not verdict and "shape (500, 400), expected (400, 500)" in verdict.message


def test_failure_message_shows_no_memory_address_of_the_generator():
    def unfinished(n_in, n_out, rng):
        raise NotImplementedError("replace this line with your code")

    verdict = exercises.grade("xavier-init", unfinished)
    assert verdict.message.endswith("(input 500, 400, rng).") and "0x" not in verdict.message


def test_same_variance_accepts_two_independent_draws_of_one_distribution():
    rng = np.random.default_rng(1)
    assert exercises.same_variance()(rng.normal(0, 0.1, (200, 300)), rng.normal(0, 0.1, (200, 300)), ()) is None
