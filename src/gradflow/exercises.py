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
from scipy import special

from gradflow import activations, diagnostics, init, nets


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


def same_variance(rtol=0.05):
    """A comparison for random arrays: same shape, mean 0 and variance within ``rtol`` of the reference's.

    For initializers: the reader's and the reference's draws differ, so compare their moments. The
    mean must be within 5 standard errors of 0 and E[W²] within ``rtol`` of the reference sample's.

    >>> rng = np.random.default_rng(0)
    >>> same_variance()(rng.normal(0, 1, (300, 300)), rng.normal(0, 2, (300, 300)), ())
    'the entries have variance 4.03, expected 1 (within 5%).'
    """

    def compare(expected, got, args):
        expected = np.asarray(expected, dtype=float)
        if got.shape != expected.shape:
            return f"your function returned shape {got.shape}, expected {expected.shape} (input {_show(args)})."
        target, variance = np.mean(expected**2), np.mean(np.asarray(got, dtype=float) ** 2)
        if abs(np.mean(got)) > 5 * np.sqrt(target / got.size):
            return f"the entries have mean {np.mean(got):.3g}, expected 0 (input {_show(args)})."
        if abs(variance / target - 1) > rtol:
            return f"the entries have variance {variance:.3g}, expected {target:.3g} (within {rtol:.0%})."
        return None

    return compare


def per_layer(atol=1e-12):
    """A comparison for one number per layer: names the first layer whose value is wrong.

    >>> per_layer()(np.array([0.0, 0.25]), np.array([0.0, 0.5]), ())
    'layer 2: expected 0.25, got 0.5.'
    """

    def compare(expected, got, args):
        expected = np.asarray(expected, dtype=float)
        if got.shape != expected.shape:
            return f"expected one value per hidden layer, shape {expected.shape}; got shape {got.shape}."
        wrong = ~np.isclose(got, expected, rtol=0, atol=atol)
        if not wrong.any():
            return None
        l = int(np.argmax(wrong))
        return f"layer {l + 1}: expected {expected[l]:.5g}, got {got[l]:.5g}."

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

# Initializer exercises: (n_in, n_out, rng) for square-ish, wide and tall layers. grade() deep-copies
# each case, so reference and reader draw the same numbers and the tuple can serve both exercises.
_INIT_CASES = tuple(
    (n_in, n_out, np.random.default_rng(seed)) for seed, (n_in, n_out) in enumerate([(500, 400), (100, 900), (1000, 50)])
)

#: Every auto-checked exercise, by id; :func:`check` looks exercises up here.
#:
#: :meta hide-value:
EXERCISES = {
    exercise.id: exercise
    for exercise in (
        # Chapter "Why nonlinearity"
        Exercise(
            "collapse-linear-layers",
            "the single matrix W⁽ᴸ⁾ ⋯ W⁽¹⁾ of a stack Ws of shape (L, n, n), Ws[0] applied first",
            lambda Ws: np.linalg.multi_dot([*Ws[::-1], np.eye(Ws.shape[-1])]),
            (
                (np.arange(9.0).reshape(1, 3, 3),),
                (np.random.default_rng(4).standard_normal((3, 4, 4)),),
                (np.random.default_rng(5).standard_normal((6, 2, 2)),),
            ),
        ),
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
        # Chapter "Tanh"
        Exercise(
            "tanh-via-sigmoid",
            "tanh(x) for an array x written with the sigmoid, warning-free for |x| up to 1e4",
            activations.get("tanh"),
            ((_grid,), (np.array([-1e4, -400.0, -20.0, -1e-3, 0.0, 1e-3, 20.0, 400.0, 1e4]),)),
            warnings_fail=True,
        ),
        # Chapter "ReLU"
        Exercise(
            "relu-backward",
            "∂L/∂z of a ReLU layer from its pre-activations z and the upstream ∂L/∂a, with ReLU′(0) = 0",
            lambda z, upstream: upstream * activations.get("relu").derivative(z),
            (
                (np.linspace(-2.0, 2.0, 9), np.ones(9)),
                (np.array([[0.0, -1.0, 3.0], [2.0, 0.0, -0.5]]), np.array([[1.0, 2.0, 3.0], [-4.0, 5.0, -6.0]])),
                (np.zeros(3), np.array([1.0, -1.0, 2.0])),
            ),
        ),
        # Chapter "Leaky ReLU, PReLU, RReLU"
        Exercise(
            "prelu-slope-gradient",
            "∂L/∂α of a PReLU slope α shared by all elements, from its inputs z and the upstream ∂L/∂a",
            lambda z, upstream: np.sum(upstream * activations.prelu_slope_gradient(z)),
            (
                (np.linspace(-3.0, 3.0, 13), np.linspace(1.0, -1.0, 13)),
                (np.array([0.0, 2.0]), np.array([5.0, 5.0])),
                (np.linspace(-2.0, 1.0, 12).reshape(3, 4), np.ones((3, 4))),
            ),
        ),
        # Chapter "ELU and SELU"
        Exercise(
            "elu-gaussian-mean",
            "E[ELU_α(X)] for X ~ N(0, 1), for an array of slopes α",
            # E[max(0, X)] + α E[min(0, e^X − 1)] = 1/√(2π) + α (√e Φ(−1) − 1/2)
            lambda alpha: 1 / np.sqrt(2 * np.pi) + alpha * (np.exp(0.5) * special.ndtr(-1.0) - 0.5),
            ((np.array([0.5, 1.0, 1.6732632423543772, 2.0]),), (np.array([0.0]),)),
            compare=close(rtol=1e-6, atol=1e-9),
        ),
        # Chapter "Smooth gates: Softplus, GELU, SiLU/Swish, Mish"
        Exercise(
            "stable-softplus",
            "softplus(x) = ln(1 + e^x) for an array x, accurate and warning-free for |x| up to 1e4",
            activations.get("softplus"),
            ((_grid,), (np.array([-1e4, -745.0, -40.0, 0.0, 40.0, 710.0, 1e4]),)),
            warnings_fail=True,
        ),
        # Chapter "Softmax and output layers"
        Exercise(
            "stable-softmax",
            "softmax of each row of a 2-D array of logits, warning-free for any finite logits",
            activations.softmax,
            (
                (np.array([[3.0, 1.0, 0.5]]),),
                (np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1002.0], [0.0, 0.0, 0.0]]),),
                (_grid.reshape(9, 9),),
            ),
            warnings_fail=True,
        ),
        Exercise(
            "softmax-jacobian",
            "the Jacobian matrix J[i, j] = ∂softmax(z)_i/∂z_j of a vector z",
            activations.softmax_jacobian,
            ((np.array([3.0, 1.0, 0.5]),), (np.zeros(4),), (np.array([10.0, -10.0]),)),
        ),
        # Chapter "The activation zoo at a glance"
        Exercise(
            "hard-swish",
            "hard swish x · ReLU6(x + 3) / 6 for an array x (Howard et al., 2019)",
            lambda x: x * np.clip(x + 3.0, 0.0, 6.0) / 6.0,
            ((_grid,), (np.array([-3.0, 0.0, 3.0]),)),
        ),
        # Chapter "Vanishing and exploding gradients"
        Exercise(
            "leaky-relu-and-slope",
            "Leaky ReLU with α = 0.01 and its derivative (α at x = 0) for an array x, returned as (φ(x), φ′(x))",
            lambda x: np.stack([activations.get("leaky_relu")(x), activations.get("leaky_relu").derivative(x)]),
            ((_grid,), (np.array([-1e4, -1e-3, 0.0, 1e-3, 1e4]),)),
            warnings_fail=True,
        ),
        Exercise(
            "elu-and-slope",
            "ELU with α = 1 and its derivative for an array x, returned as (φ(x), φ′(x)), warning-free for |x| ≤ 1e4",
            lambda x: np.stack([activations.get("elu")(x), activations.get("elu").derivative(x)]),
            ((_grid,), (np.array([-1e4, -800.0, -1e-9, 0.0, 1e-9, 800.0, 1e4]),)),
            warnings_fail=True,
        ),
        # Chapter "The dead ReLU"
        Exercise(
            "dead-fraction",
            "the fraction of each hidden layer's units with z ≤ 0 on every row of X, for the ReLU MLP with "
            "parameter lists weights and biases (as net.weights, net.biases): one value per hidden layer",
            lambda weights, biases, X: diagnostics.dead_fraction(
                nets.forward(nets.MLP(weights, biases, "relu", "identity"), X)[1]
            ),
            tuple(
                (net.weights, net.biases, X)
                for net, X in [
                    (
                        nets.MLP([np.array([[1.0], [-1.0]]), np.ones((1, 2))], [np.zeros(2), np.zeros(1)], "relu", "identity"),
                        np.array([[1.0], [2.0]]),
                    ),
                    (
                        nets.MLP([np.array([[0.0, 0.0], [1.0, 1.0]]), np.ones((1, 2))], [np.zeros(2), np.zeros(1)], "relu", "identity"),
                        np.array([[1.0, -1.0], [2.0, 3.0]]),
                    ),
                    (nets.mlp([5, 8, 6, 4, 3], "relu", np.random.default_rng(40), bias=-0.5), np.random.default_rng(41).normal(size=(30, 5))),
                    (nets.mlp([3, 4, 2], "relu", np.random.default_rng(42), bias=-10.0), np.random.default_rng(43).uniform(-1, 1, size=(20, 3))),
                ]
            ),
            compare=per_layer(),
        ),
        # Chapter "Initialization"
        Exercise(
            "xavier-init",
            "Xavier/Glorot weights W of shape (n_out, n_in) with variance 2/(n_in + n_out), drawn with rng",
            init.xavier_normal,
            _INIT_CASES,
            compare=same_variance(),
        ),
        Exercise(
            "he-init",
            "He/Kaiming weights W of shape (n_out, n_in) with variance 2/n_in, drawn with rng",
            init.he_normal,
            _INIT_CASES,
            compare=same_variance(),
        ),
        # Chapter "Remedies beyond activations"
        Exercise(
            "batchnorm-forward",
            "batch normalization of a batch u of shape (n, units), γ = 1, β = 0, ε = 1e-5, batch statistics",
            lambda u: (u - u.mean(axis=0)) / np.sqrt(u.var(axis=0) + 1e-5),
            (
                (np.random.default_rng(20).normal(3.0, 2.0, size=(16, 4)),),
                (np.array([[1.0], [3.0]]),),
                (np.arange(12.0).reshape(4, 3),),
            ),
        ),
        Exercise(
            "clip-by-norm",
            "the gradient vector g rescaled to norm max_norm when its norm exceeds max_norm, else unchanged",
            lambda g, max_norm: g * min(1.0, max_norm / np.linalg.norm(g)) if np.linalg.norm(g) > 0 else g.copy(),
            (
                (np.array([3.0, 4.0]), 1.0),
                (np.array([0.3, 0.4]), 1.0),
                (np.random.default_rng(21).normal(size=50), 2.0),
                (np.zeros(3), 1.0),
            ),
        ),
        # Chapter "Choosing an activation"
        Exercise(
            "standard-error",
            "the standard error of the mean over the last axis (seeds): sample std (ddof=1) / √n",
            lambda values: np.std(values, axis=-1, ddof=1) / np.sqrt(np.shape(values)[-1]),
            (
                (np.array([0.95, 0.96, 0.94, 0.97, 0.95]),),
                (np.random.default_rng(30).uniform(0.8, 1.0, size=(2, 8, 5)),),
                (np.array([[1.0, 1.0, 1.0], [0.0, 0.5, 1.0]]),),
            ),
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
        np.array2string(a, threshold=6, precision=3) if isinstance(a, np.ndarray)
        else "rng" if isinstance(a, np.random.Generator) else repr(a)  # a Generator's repr holds its address
        for a in args
    )
