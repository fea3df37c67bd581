"""The checker survives hostile answers: every failure of the reader's code is a ✗ verdict, never a crash or a hang."""

import signal
import sys
import threading
import time
import warnings

import numpy as np
import pytest
from scipy.special import expit

from gradflow import exercises, init

SIGMOID_DERIVATIVE = lambda x: expit(x) * expit(-x)  # noqa: E731  (a right answer)


def _raise(error):
    def reader(x):
        raise error

    return reader


class _UnprintableError(Exception):
    def __str__(self):
        raise RuntimeError("no message")


class _NoArray:
    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("cannot be an array")


@pytest.mark.parametrize(
    ("reader", "message"),
    [
        (lambda x: sys.exit(), "raised SystemExit"),
        (_raise(SystemExit(3)), "raised SystemExit: 3"),
        (_raise(GeneratorExit()), "raised GeneratorExit"),
        (_raise(_UnprintableError()), "raised _UnprintableError: (its message cannot be printed)"),
        (lambda x: _NoArray(), "returned _NoArray, which raised RuntimeError: cannot be an array as an array"),
    ],
    ids=["sys.exit", "SystemExit", "GeneratorExit", "unprintable exception", "__array__ raises"],
)
def test_every_failure_of_the_readers_code_is_a_verdict(reader, message):
    verdict = exercises.grade("sigmoid-derivative", reader)
    assert not verdict and message in verdict.message


def test_keyboard_interrupt_passes_through():
    with pytest.raises(KeyboardInterrupt):
        exercises.grade("sigmoid-derivative", _raise(KeyboardInterrupt()))


def test_a_long_exception_message_is_shortened():
    verdict = exercises.grade("sigmoid-derivative", _raise(ValueError("x" * 10_000)))
    assert not verdict and len(verdict.message) < 500


def test_a_list_as_exercise_id_is_a_clear_type_error():
    with pytest.raises(TypeError, match="the exercise id is one string such as 'he-init', got list"):
        exercises.grade(["he-init"], init.he_normal)


@pytest.mark.parametrize(
    ("exercise", "right"),
    [
        ("stable-softplus", lambda x: np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))),
        ("elu-and-slope", lambda x: (np.where(x > 0, x, np.expm1(np.minimum(x, 0))), np.exp(np.minimum(x, 0)))),
        ("stable-sigmoid", lambda x: np.where(x >= 0, 1, np.exp(-np.abs(x))) / (1 + np.exp(-np.abs(x)))),
    ],
)
def test_a_readers_strict_error_state_breaks_neither_the_reference_nor_a_right_answer(exercise, right):
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert exercises.grade(exercise, right)


def test_a_readers_np_seterr_inside_the_function_does_not_leak():
    def strict(x):
        np.seterr(all="raise")
        warnings.simplefilter("error")
        return expit(x) * expit(-x)

    errors, filters = np.geterr(), list(warnings.filters)
    assert exercises.grade("sigmoid-derivative", strict)
    assert np.geterr() == errors and warnings.filters == filters


# --- time limit -------------------------------------------------------------------------------------


@pytest.fixture
def short_time_limit(monkeypatch):
    monkeypatch.setattr(exercises, "TIME_LIMIT", 0.2)


def _endless(x):
    while True:
        pass


def _endless_after_catching_the_interruption(x):
    try:
        while True:
            pass
    except BaseException:
        pass
    while True:
        pass


def _python_loop_of_numpy_calls(x):
    for _ in range(10**9):
        np.add(x, 1.0)


HANGING = [_endless, _python_loop_of_numpy_calls, lambda x: time.sleep(30)]


@pytest.mark.parametrize("reader", HANGING + [_endless_after_catching_the_interruption],
                         ids=["while True", "numpy loop", "sleep", "catches it once"])
def test_a_function_that_never_returns_is_stopped_at_the_time_limit(short_time_limit, reader):
    start = time.monotonic()
    verdict = exercises.grade("sigmoid-derivative", reader)
    assert not verdict and "the time limit per test input is 0.2 s" in verdict.message
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("reader", HANGING[:2], ids=["while True", "numpy loop"])
def test_outside_the_main_thread_a_clock_check_stops_it(short_time_limit, reader):
    verdicts = []
    worker = threading.Thread(target=lambda: verdicts.append(exercises.grade("sigmoid-derivative", reader)),
                              daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive() and not verdicts[0] and "time limit" in verdicts[0].message


def test_one_long_call_into_numpy_is_judged_when_it_returns(monkeypatch):
    monkeypatch.setattr(exercises, "TIME_LIMIT", 1e-3)
    big = np.random.default_rng(0).random(3_000_000)
    verdict = exercises.grade("sigmoid-derivative", lambda x: (np.sort(big), SIGMOID_DERIVATIVE(x))[1])
    assert not verdict and "time limit per test input is 0.001 s" in verdict.message


def test_the_alarm_and_its_handler_are_restored(short_time_limit):
    previous = signal.getsignal(signal.SIGALRM)
    exercises.grade("sigmoid-derivative", _endless)
    exercises.grade("sigmoid-derivative", SIGMOID_DERIVATIVE)
    assert signal.getsignal(signal.SIGALRM) is previous
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_timer_running_before_the_check_keeps_running():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        assert exercises.grade("sigmoid-derivative", SIGMOID_DERIVATIVE)
        time.sleep(0.5)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert fired


def test_a_right_answer_is_not_slowed_into_failure_by_the_clock_checks():
    verdicts = []
    worker = threading.Thread(target=lambda: verdicts.append(exercises.grade("dead-fraction", _loop_dead_fraction)))
    worker.start()
    worker.join()
    assert verdicts[0]


def _loop_dead_fraction(weights, biases, X):
    a, fractions = np.asarray(X, dtype=float), []
    for W, b in zip(weights[:-1], biases[:-1]):
        z = a @ W.T + b
        fractions.append(np.mean([all(z[:, j] <= 0) for j in range(z.shape[1])]))
        a = np.maximum(z, 0)
    return np.array(fractions)


# --- wrong answers that used to pass ---------------------------------------------------------------


@pytest.mark.parametrize("exercise", ["he-init", "xavier-init"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_an_initializer_returning_nan_or_inf_fails(exercise, bad):
    verdict = exercises.grade(exercise, lambda n_in, n_out, rng: np.full((n_out, n_in), bad))
    assert not verdict and str(bad) in verdict.message  # "mean inf", or "returned nan at index (0, 0)"


def test_a_single_nan_among_right_weights_fails():
    def one_nan(n_in, n_out, rng):
        W = init.he_normal(n_in, n_out, rng)
        W[3, 4] = np.nan
        return W

    verdict = exercises.grade("he-init", one_nan)
    assert not verdict and "returned nan at index (3, 4)" in verdict.message


@pytest.mark.parametrize(
    ("my_he", "message"),
    [
        (lambda n_in, n_out, rng: np.sqrt(2 / n_in) * np.random.standard_normal((n_out, n_in)),
         "draws from NumPy's global generator"),
        (lambda n_in, n_out, rng: np.sqrt(2 / n_in) * np.random.default_rng().standard_normal((n_out, n_in)),
         "two generators seeded alike gave different numbers"),
        (lambda n_in, n_out, rng: np.sqrt(2 / n_in) * np.random.default_rng(0).standard_normal((n_out, n_in)),
         "a generator with another seed gave the same numbers"),
    ],
    ids=["np.random", "unseeded default_rng", "fixed seed"],
)
def test_an_initializer_that_ignores_rng_fails(my_he, message):
    verdict = exercises.grade("he-init", my_he)
    assert not verdict and message in verdict.message and verdict.message.endswith("(input 500, 400, rng).")


def test_an_initializer_drawing_from_rng_passes_without_touching_the_global_generator():
    state = np.random.get_state()[1].copy()
    assert exercises.grade("xavier-init", init.xavier_uniform)
    assert np.array_equal(np.random.get_state()[1], state)


def _naive_sigmoid_with_warnings_silenced(x):
    with np.errstate(all="ignore"):
        return 1 / (1 + np.exp(-x))


def test_a_naive_sigmoid_with_its_warnings_silenced_fails_on_its_values():
    verdict = exercises.grade("stable-sigmoid", _naive_sigmoid_with_warnings_silenced)
    assert not verdict and verdict.message.startswith("at x = -720, expected 2.0322e-313, got 0")


def test_a_sigmoid_that_loses_the_tail_fails():
    verdict = exercises.grade("stable-sigmoid", lambda x: 0.5 * (1 + np.tanh(x / 2)))
    assert not verdict and verdict.message.startswith("at x = -40, expected 4.2484e-18, got 0")


def test_a_softplus_without_log1p_fails_in_the_tail():
    verdict = exercises.grade("stable-softplus", lambda x: np.maximum(x, 0) + np.log(1 + np.exp(-np.abs(x))))
    assert not verdict and "expected 4.2484e-18, got 0" in verdict.message


# --- messages ---------------------------------------------------------------------------------------


def test_values_that_agree_to_five_digits_are_shown_with_enough_digits():
    verdict = exercises.grade("batchnorm-forward", lambda u: (u - u.mean(axis=0)) / u.std(axis=0))  # no ε
    assert not verdict
    assert verdict.message == (
        "at index (0, 0) (input 2.28066), expected -0.470850, got -0.470851 (relative difference 1.2e-06)."
    )


def test_an_index_is_printed_as_plain_numbers():
    def right_for_one_seed_axis_only(values):
        values = np.asarray(values)
        return np.std(values, ddof=1) / np.sqrt(values.size) if values.ndim == 1 else np.zeros(values.shape[:-1])

    verdict = exercises.grade("standard-error", right_for_one_seed_axis_only)
    assert not verdict and verdict.message == "at index (0, 0), expected 0.024599, got 0."


def test_a_wrong_single_number_is_shown_with_its_input():
    verdict = exercises.grade("standard-error", lambda values: np.std(values, axis=-1) / np.sqrt(np.shape(values)[-1]))
    assert not verdict
    assert verdict.message == "expected 0.005099, got 0.0045607 (input [0.95 0.96 0.94 0.97 0.95])."


def test_parts_of_unequal_shapes_are_named():
    verdict = exercises.grade("leaky-relu-and-slope", lambda x: (np.maximum(x, 0.01 * x), 1.0))
    assert not verdict and verdict.message.startswith(
        "your function returned a tuple of 2 parts of shapes (81,), (), which do not make one array of shape "
        "(2, 81); return 2 parts of shape (81,) (input"
    )
