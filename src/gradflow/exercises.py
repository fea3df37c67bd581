"""Auto-checkers for the exercises: run the reader's function, compare it with the reference, explain.

A checker never raises because of the reader's code: an exception of any kind (``SystemExit`` too;
only ``KeyboardInterrupt`` passes through), a warning where the exercise asks for none, a function
that runs past the time limit, a wrong type or shape, NaN or a wrong value all become a short verdict
that says what failed and for which input.

>>> check("sigmoid-derivative", lambda x: 0.25 * np.ones_like(x))
✗ sigmoid-derivative: at x = -10, expected 4.5396e-05, got 0.25.

Each chapter adds its exercises to :data:`EXERCISES`. An :class:`Exercise` lists test cases (the
arguments of one call each); the reference and the reader's function each get a fresh deep copy of
them, so a seeded ``numpy.random.Generator`` in a case gives both the same random numbers. The
default comparison is elementwise closeness; an exercise whose answers are random (an initializer,
say) passes its own ``compare``, and the checker then also makes sure that the answer is drawn from
the case's generator: the same seed must give the same numbers, another seed other numbers.

The reader's function runs under NumPy's default error state (overflow, division by zero and
invalid values warn; underflow is silent) and the reference under its own, whatever the reader set
with ``np.seterr``. Each call may take :data:`TIME_LIMIT` seconds. In the main thread on Linux and
macOS (where a Jupyter kernel runs the cells) a ``SIGALRM`` timer interrupts the reader's Python
code, sleeps included, and again every 0.1 s should the code catch the interruption and go on.
Elsewhere (Windows, other threads) a trace function checks the clock before every bytecode of
Python code, once. Neither can stop one long call into compiled code (a huge ``np.linalg.svd``,
say), which is judged when it returns by the time it took, nor a loop that itself catches every
``BaseException``. A separate process could stop anything, but would have to pickle the reader's
function, which fails for functions defined in a notebook.
"""

import copy
import signal
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import special

from gradflow import activations, diagnostics, init, layers, nets, optimizers

#: Seconds the reader's function may run on one test input.
TIME_LIMIT = 5.0


def close(rtol=1e-6, atol=1e-12):
    """A comparison: the reader's numbers must equal the reference's within ``rtol`` and ``atol``.

    Returns a function ``compare(expected, got, args) -> str | None`` (``None`` when they match) for
    :class:`Exercise`. A failure names the first wrong entry by its input (or index) and gives both
    values with as many digits as it takes to tell them apart.

    >>> close()(np.array([1.0, 2.0]), np.array([1.0, 2.5]), (np.array([0.0, 1.0]),))
    'at x = 1, expected 2, got 2.5.'
    >>> close()(np.array([[-0.4708514]]), np.array([[-0.4708532]]), (np.array([[2.28]]),))
    'at index (0, 0) (input 2.28), expected -0.470851, got -0.470853 (relative difference 3.8e-06).'
    """

    def compare(expected, got, args):
        expected = np.asarray(expected)
        if got.shape != expected.shape:
            return _shape_mismatch(expected, got, args)
        wrong = ~np.isclose(got, expected, rtol=rtol, atol=atol)  # NaN is close to nothing
        if not wrong.any():
            return None
        i = np.unravel_index(np.argmax(wrong), wrong.shape)
        if not i:  # one number
            return _with_input(_expected_got(expected, got), args)
        return f"{_position(i, args, wrong.shape)}, {_expected_got(expected[i], got[i])}."

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
            return _shape_mismatch(expected, got, args)
        target, variance = np.mean(expected**2), np.mean(np.asarray(got, dtype=float) ** 2)
        if abs(np.mean(got)) > 5 * np.sqrt(target / got.size):
            return _with_input(f"the entries have mean {np.mean(got):.3g}, expected 0", args)
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
        return f"layer {l + 1}: {_expected_got(expected[l], got[l])}."

    return compare


def _shape_mismatch(expected, got, args):
    return _with_input(f"your function returned shape {got.shape}, expected {expected.shape}", args)


def _position(index, args, shape):
    """Where an entry is: by its input x when the first argument is the elementwise input, else by index."""
    x = np.asarray(args[0]) if args else None
    if x is None or x.shape != shape:
        return f"at index {_index_text(index)}"
    if x.ndim <= 1:
        return f"at x = {x[index]:.6g}"
    return f"at index {_index_text(index)} (input {x[index]:.6g})"


def _index_text(index):
    index = tuple(int(k) for k in index)  # plain ints print without "np.int64(...)"
    return str(index[0]) if len(index) == 1 else str(index)


def _expected_got(expected, got):
    """'expected A, got B' with as many significant digits as it takes to tell A from B."""
    expected, got = float(expected), float(got)
    digits = next((d for d in range(5, 18) if f"{expected:.{d}g}" != f"{got:.{d}g}"), 17)
    if digits == 5:
        return f"expected {expected:.5g}, got {got:.5g}"
    # More digits than usual: keep trailing zeros, so both numbers show the same number of digits.
    text = f"expected {expected:#.{digits}g}, got {got:#.{digits}g}"
    return text + (f" (relative difference {abs(got - expected) / abs(expected):.2g})" if expected else "")


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


def _sigmoid_from_negative_exponents(x):
    """σ(x) from e^{−|x|} only, as the chapter's solution computes it: relatively accurate down to the
    subnormal numbers, where ``scipy.special.expit`` (1/(1 + e^{−x}) in C) gives 0 below x ≈ −709.78."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


#: For the "accurate" exercises: relative accuracy in the tails, down to the subnormal numbers (an
#: overflow hidden by np.errstate shows as 0 where the answer is still representable).
_tails = close(rtol=1e-6, atol=1e-320)

# Initializer exercises: (n_in, n_out, rng) for square-ish, wide and tall layers. grade() deep-copies
# each case, so reference and reader draw the same numbers and the tuple can serve both exercises.
_INIT_CASES = tuple(
    (n_in, n_out, np.random.default_rng(seed)) for seed, (n_in, n_out) in enumerate([(500, 400), (100, 900), (1000, 50)])
)



def _glu_input_gradient(x, W, b, V, c, dy):
    glu, params = layers.GatedLinear(W.shape[1], "sigmoid"), {"W": W, "b": b, "V": V, "c": c}
    return glu.backward(params, glu.forward(params, x)[1], dy)[0]


def _adam_step(theta, g, m, v, t, lr=1e-3):
    """Adam's step t through gradflow.optimizers.adam, from the state after step t − 1."""
    params, state = optimizers.adam(lr).update([g], {"t": t - 1, "m": [m.copy()], "v": [v.copy()]}, [theta.copy()])
    return np.stack([params[0], state["m"][0], state["v"][0]])


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
            _sigmoid_from_negative_exponents,
            (
                (_grid,),
                (np.array([-1e4, -745.0, -40.0, 0.0, 40.0, 745.0, 1e4]),),
                (np.array([-740.0, -720.0, -709.0]),),  # subnormal σ, where 1/(1 + e^{−x}) overflows to 0
            ),
            compare=_tails,
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
            compare=_tails,
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
        # Chapter "Gated linear units"
        Exercise(
            "glu-input-gradient",
            "∂L/∂x for the GLU y = σ(xW + b) ⊙ (xV + c), given x (n, d_in), W, V (d_in, d_out), b, c (d_out,) "
            "and dy = ∂L/∂y (n, d_out)",
            _glu_input_gradient,
            tuple(
                tuple(rng.normal(size=shape) for shape in [(n, d_in), (d_in, d_out), (d_out,), (d_in, d_out), (d_out,), (n, d_out)])
                for rng, (n, d_in, d_out) in [(np.random.default_rng(50), (1, 1, 1)), (np.random.default_rng(51), (4, 3, 5)),
                                              (np.random.default_rng(52), (8, 6, 2))]
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
        # Chapter "Watching gradients during training"
        Exercise(
            "update-ratio",
            "the update-to-data ratio ‖W_after − W_before‖_F / ‖W_before‖_F of one weight matrix",
            lambda W_before, W_after: np.linalg.norm(W_after - W_before) / np.linalg.norm(W_before),
            (
                (np.eye(3), 1.001 * np.eye(3)),
                (np.random.default_rng(40).normal(size=(4, 5)), np.random.default_rng(41).normal(size=(4, 5))),
                (np.array([[3.0, -4.0]]), np.array([[3.0, -4.0]])),
            ),
        ),
        Exercise(
            "adam-step",
            "one Adam step (Kingma & Ba 2015, with bias correction): (θ, g, m, v, t) ↦ stacked (θ, m, v) after step t",
            _adam_step,
            (
                (np.array([1.0, -2.0]), np.array([0.5, -0.5]), np.zeros(2), np.zeros(2), 1),
                (np.array([0.3]), np.array([1e-3]), np.array([2e-3]), np.array([1e-6]), 7),
                (np.random.default_rng(42).normal(size=(3, 2)), np.random.default_rng(43).normal(size=(3, 2)),
                 np.random.default_rng(44).normal(size=(3, 2)), np.random.default_rng(45).uniform(0, 1, (3, 2)), 3),
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
    if not isinstance(exercise_id, str):
        raise TypeError(f"the exercise id is one string such as 'he-init', got {type(exercise_id).__name__}")
    if exercise_id not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise_id!r}; known: {', '.join(sorted(EXERCISES))}")
    exercise = EXERCISES[exercise_id]
    if not callable(reader_function):
        return Verdict(exercise_id, False, f"expected a function, got {type(reader_function).__name__}.")
    # The checker's own arithmetic runs in a fixed state, whatever the reader set with np.seterr or
    # warnings.simplefilter; the reader's function gets NumPy's default state (see _answer).
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
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
    expected = np.asarray(exercise.reference(*copy.deepcopy(args)))
    got = _answer(reader_function, args, exercise.warnings_fail, expected.shape)
    if isinstance(got, str):
        return _with_input(got, args)
    return (
        exercise.compare(expected, got, args)
        or _non_finite(expected, got, args)
        or _generator_misuse(reader_function, args, got)
    )


class _TimeUp(BaseException):
    """Raised inside the reader's code at the time limit; not an Exception, so ``except Exception`` lets it by."""


def _answer(function, args, warnings_fail, shape):
    """The reader's answer on a copy of ``args`` as an array of real numbers, or why there is none (a str)."""
    args = copy.deepcopy(args)
    start = time.monotonic()
    # NumPy's default error state, whatever the reader set: underflow to 0 is harmless, the rest warns.
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            answer = _time_limited(lambda: _call(function, args, caught if warnings_fail else [], shape), TIME_LIMIT)
        except _TimeUp:
            return (f"your function was stopped after {_seconds_since(start)}: "
                    f"the time limit per test input is {TIME_LIMIT:g} s")
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # from an object that raised even while its failure was being described
            return f"your function's result raised {type(error).__name__} when read"
    if time.monotonic() - start > TIME_LIMIT:  # one long call into compiled code cannot be interrupted
        return f"your function took {_seconds_since(start)}: the time limit per test input is {TIME_LIMIT:g} s"
    return answer


def _seconds_since(start):
    return f"{time.monotonic() - start:.1f} s"


def _call(function, args, caught, shape):
    """Call the reader's function and read its result (all under the time limit: both run the reader's code)."""
    try:
        got = function(*args)
    except (KeyboardInterrupt, _TimeUp):
        raise
    except BaseException as error:  # SystemExit, GeneratorExit...: every failure of the reader's code is a verdict
        return f"your function raised {_name_and_message(error)}"
    if caught:
        return f"your function warned {_name_and_message(caught[0].message)}"
    try:
        values = np.asarray(got)
    except (KeyboardInterrupt, _TimeUp):
        raise
    except BaseException as error:  # a ragged tuple, or an object whose __array__ fails
        if isinstance(got, (tuple, list)):
            shapes = ", ".join(str(np.shape(part)) for part in got)
            parts = f"; return {shape[0]} parts of shape {shape[1:]}" if shape and len(got) == shape[0] else ""
            return (f"your function returned a {type(got).__name__} of {len(got)} parts of shapes {shapes}, which "
                    f"do not make one array of shape {shape}{parts}")
        return f"your function returned {type(got).__name__}, which raised {_name_and_message(error)} as an array"
    if values.dtype.kind not in "biuf":
        return f"your function returned {type(got).__name__}, not real numbers"
    return values


def _name_and_message(error):
    """'ValueError: message' for an exception or warning, even one whose message cannot be printed."""
    try:
        message = str(error)
    except (KeyboardInterrupt, _TimeUp):
        raise
    except BaseException:
        message = "(its message cannot be printed)"
    message = message if len(message) <= 300 else message[:300] + "…"
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _time_limited(work, seconds):
    """``work()``, interrupted by :class:`_TimeUp` once ``seconds`` have passed (see the module docstring)."""
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        return _with_alarm(work, seconds)
    return _with_clock_checks(work, seconds)


def _with_alarm(work, seconds):
    """A SIGALRM timer raises in the Python code that runs when it fires (main thread, POSIX only)."""
    armed = True

    def interrupt(signum, frame):
        if armed:
            raise _TimeUp

    start = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, interrupt)
    # The timer repeats every 0.1 s after the limit, for code that catches the first interruption.
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        try:
            return work()
        finally:
            armed = False  # from here on a late alarm is harmless
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:  # someone else's timer (a test runner's, say) keeps running
            remaining = max(previous_delay - (time.monotonic() - start), 1e-6)
            signal.setitimer(signal.ITIMER_REAL, remaining, previous_interval)


def _with_clock_checks(work, seconds):
    """A trace function looks at the clock before every bytecode of Python code (any thread, any OS).

    Opcode events, not line events: ``while True: pass`` never starts a new line. Tracing slows the
    reader's Python code, not NumPy's compiled loops, which is where exercise answers spend their time.
    """
    deadline = time.monotonic() + seconds

    def check_clock(frame, event, arg):
        if time.monotonic() > deadline:
            raise _TimeUp  # this also ends the tracing, so code that catches it is not stopped again
        frame.f_trace_opcodes = True
        return check_clock

    previous = sys.gettrace()
    sys.settrace(check_clock)
    try:
        return work()
    finally:
        sys.settrace(previous)


def _non_finite(expected, got, args):
    """A NaN or inf where the reference is finite fails whatever the comparison said (a variance of NaNs...)."""
    if np.isfinite(got).all() or not np.isfinite(expected).all():
        return None
    k = int(np.argmin(np.isfinite(got).ravel()))
    where = _index_text(np.unravel_index(k, got.shape))
    return _with_input(f"your function returned {got.flat[k]} at index {where}, expected finite numbers", args)


def _generator_misuse(function, args, got):
    """For a case holding a Generator: the answer must be drawn from it, and from it alone.

    The same seed must give the same numbers (else something else is random, such as np.random), and
    another seed other numbers (else the generator is ignored).
    """
    if not any(isinstance(a, np.random.Generator) for a in args):
        return None
    global_state = _global_random_state()
    again = _answer(function, args, False, got.shape)
    if isinstance(again, str):
        return _with_input(again, args)
    if _global_random_state() != global_state:
        return _with_input("your function draws from NumPy's global generator (np.random.…): draw every random "
                           "number from rng", args)
    if again.shape != got.shape or not np.array_equal(again, got):
        return _with_input("two generators seeded alike gave different numbers: draw every random number from rng",
                           args)
    reseeded = tuple(
        np.random.default_rng(a.integers(2**63)) if isinstance(a, np.random.Generator) else a
        for a in copy.deepcopy(args)
    )
    other = _answer(function, reseeded, False, got.shape)
    if isinstance(other, str):
        return _with_input(other, reseeded)
    if other.shape == got.shape and np.array_equal(other, got):
        return _with_input("a generator with another seed gave the same numbers: draw them from rng", args)
    return None


def _global_random_state():
    _, keys, position, has_gauss, gauss = np.random.get_state()
    return keys.tobytes(), position, has_gauss, gauss


def _with_input(text, args):
    return f"{text} (input {_show(args)})."


def _show(args):
    return ", ".join(
        np.array2string(a, threshold=6, precision=3) if isinstance(a, np.ndarray)
        else "rng" if isinstance(a, np.random.Generator) else repr(a)  # a Generator's repr holds its address
        for a in args
    )
