"""Argument checks shared by the gradflow modules: each raises with what was given and what is allowed."""

import numbers

import numpy as np


def positive_int(name, value):
    """Return ``value`` as an int, or raise ValueError saying what was given and what is allowed."""
    # bool is a subclass of int, but ``n_in=True`` is always a mistake.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value!r} ({type(value).__name__})")
    return int(value)


def positive_float(name, value):
    """Return ``value`` as a float, or raise ValueError unless it is a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def floating_dtype(value):
    """``value`` as a NumPy dtype, or ValueError unless it is a floating one (float32, float64, ...)."""
    dtype = np.dtype(value)
    if dtype.kind != "f":
        raise ValueError(f"dtype must be a floating dtype such as np.float32 or np.float64, got {dtype}")
    return dtype


def real_array(name, value, dtype):
    """``value`` as an array of ``dtype``, or TypeError unless it holds real numbers.

    Casting complex numbers would drop their imaginary part with only a warning; strings and objects
    would fail with a less helpful message.
    """
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    return array.astype(dtype, copy=False)


def check_rng(rng):
    """Raise TypeError unless ``rng`` is a ``numpy.random.Generator``."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator, got {type(rng).__name__}; "
            "create one with rng = np.random.default_rng(seed)"
        )


def check_finite(name, array):
    """Raise ValueError naming the first rows of ``array`` that hold NaN or inf."""
    if not np.isfinite(array).all():
        rows = np.flatnonzero(~np.isfinite(array).reshape(len(array), -1).all(axis=1))
        raise ValueError(f"{name} contains NaN or inf (rows {rows[:5].tolist()}{' ...' if len(rows) > 5 else ''})")
