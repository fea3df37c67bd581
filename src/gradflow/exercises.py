"""Auto-checkers for the exercises: run the reader's function, compare it with the reference, explain.

A checker never raises because of the reader's code: an exception, a warning where the exercise asks
for none, a wrong type or shape, NaN or a wrong value all become a short verdict that says what
failed and for which input.

>>> check("sigmoid-derivative", lambda x: 0.25 * np.ones_like(x))
✗ sigmoid-derivative: at x = -10, expected 4.5396e-05, got 0.25.

Each chapter adds its exercises to :data:`EXERCISES`. An :class:`Exercise` lists test cases (the
arguments of one call each); the reference and the reader's function each get a fresh deep copy of
them, so a seeded ``numpy.random.Generator`` in a case gives both the same random numbers. The
default comparison is elementwise closeness; an exercise whose answers are random (an initializer,
say) passes its own ``compare``.
"""

import copy
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from gradflow import activations


def close(rtol=1e-6, atol=1e-12):
    """A comparison: the reader's numbers must equal the reference's within ``rtol`` and ``atol``.

    Returns a function ``compare(expected, got, args) -> str | None`` (``None`` when they match) for
    :class:`Exercise`.

    >>> close()(np.array([1.0, 2.0]), np.array([1.0, 2.5]), (np.array([0.0, 1.0]),))
    'at x = 1, expected 2, got 2.5.'
    """

    def compare(expected, got, args):
        expected = np.asarray(expected)
        if got.shape != expected.shape:
            return f"your function returned shape {got.shape}, expected {expected.shape} (input {_show(args)})."
        wrong = ~np.isclose(got, expected, rtol=rtol, atol=atol)
        if not wrong.any():
            return None
        i = np.unravel_index(np.argmax(wrong), wrong.shape)
        x = np.asarray(args[0]) if args else None
        where = f"at x = {x[i]:.6g}" if x is not None and x.shape == wrong.shape else f"at index {i}"
        return f"{where}, expected {expected[i]:.5g}, got {got[i]:.5g}."

    return compare


@dataclass(frozen=True)
class Exercise:
    """An auto-checked exercise: the reader's function must match ``reference`` on every case."""

    id: str
    task: str
    reference: Callable
    #: Each case is the tuple of arguments of one call.
    cases: tuple
    compare: Callable = close()
    #: Numerical warnings (overflow, invalid value...) count as failures when True.
    warnings_fail: bool = False


@dataclass(frozen=True)
class Verdict:
    """The result of :func:`grade`; true when the reader's function passed."""

    exercise: str
    passed: bool
    message: str

    def __bool__(self):
        return self.passed

    def __str__(self):
        return f"{'✓' if self.passed else '✗'} {self.exercise}: {self.message}"


_sigmoid = activations.get("sigmoid")
_grid = np.linspace(-10.0, 10.0, 81)

EXERCISES = {
    exercise.id: exercise
    for exercise in (
        # Chapter "Sigmoid"
        Exercise(
            "sigmoid-derivative",
            "σ′(x) for an array x, written with σ itself",
            _sigmoid.derivative,
            ((_grid,), (np.array([0.0]),), (np.array([[-3.0, 3.0]]),)),
        ),
        Exercise(
            "stable-sigmoid",
            "σ(x) for an array x, accurate and warning-free for |x| up to 1e4",
            _sigmoid,
            ((_grid,), (np.array([-1e4, -745.0, -40.0, 0.0, 40.0, 745.0, 1e4]),)),
            warnings_fail=True,
        ),
    )
}


def grade(exercise_id, reader_function):
    """Run ``reader_function`` on the exercise's cases and return a :class:`Verdict`.

    Parameters
    ----------
    exercise_id : str
        One of ``EXERCISES``.
    reader_function : callable
        The reader's implementation, called like the reference.

    >>> bool(grade("stable-sigmoid", lambda x: 1 / (1 + np.exp(-x))))
    False
    """
    if exercise_id not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise_id!r}; known: {', '.join(sorted(EXERCISES))}")
    exercise = EXERCISES[exercise_id]
    if not callable(reader_function):
        return Verdict(exercise_id, False, f"expected a function, got {type(reader_function).__name__}.")
    for args in exercise.cases:
        failure = _first_failure(exercise, reader_function, args)
        if failure:
            return Verdict(exercise_id, False, failure)
    return Verdict(exercise_id, True, f"correct on all {len(exercise.cases)} test inputs.")


def check(exercise_id, reader_function):
    """Grade the reader's function and print the verdict (see :func:`grade`).

    >>> check("sigmoid-derivative", lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2)
    ✓ sigmoid-derivative: correct on all 3 test inputs.
    """
    print(grade(exercise_id, reader_function))


def _first_failure(exercise, reader_function, args):
    expected = exercise.reference(*copy.deepcopy(args))
    # Underflow to 0 is harmless (NumPy ignores it by default); overflow and invalid values are not.
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", divide="warn", invalid="warn"):
        warnings.simplefilter("always")
        try:
            got = reader_function(*copy.deepcopy(args))
        except Exception as error:  # the reader's code may fail in any way; report it, never crash
            return f"your function raised {type(error).__name__}: {error} (input {_show(args)})."
    if exercise.warnings_fail and caught:
        return f"your function warned {caught[0].category.__name__}: {caught[0].message} (input {_show(args)})."
    try:
        values = np.asarray(got)
    except ValueError:  # e.g. a ragged list
        values = np.asarray(None)
    if values.dtype.kind not in "biuf":
        return f"your function returned {type(got).__name__}, not real numbers (input {_show(args)})."
    return exercise.compare(expected, values, args)


def _show(args):
    return ", ".join(
        np.array2string(a, threshold=6, precision=3) if isinstance(a, np.ndarray) else repr(a) for a in args
    )
