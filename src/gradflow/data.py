"""The book's data sets: tiny generated problems and scikit-learn's bundled digits, all offline.

Every function is deterministic given its ``rng`` (or has no randomness at all), so chapters that use
the same data set see the same numbers.
"""

import numpy as np

from gradflow._checks import check_rng, positive_int


def xor():
    """The four XOR points: no linear model separates them.

    Returns
    -------
    X : ndarray, shape (4, 2)
    y : ndarray of int, shape (4,)
        ``X[:, 0] XOR X[:, 1]``.

    >>> X, y = xor()
    >>> y
    array([0, 1, 1, 0])
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([0, 1, 1, 0])


def bump(n=200):
    r"""A 1-D bump, :math:`y = e^{-x^2 / 2 s^2}` with s = 0.5 on an even grid over [−2, 2].

    A linear model cannot bend; two ReLU or sigmoid units can.

    Returns
    -------
    X : ndarray, shape (n, 1)
    y : ndarray, shape (n, 1)

    >>> X, y = bump(5)
    >>> y.ravel().round(3)
    array([0.   , 0.135, 1.   , 0.135, 0.   ])
    """
    n = positive_int("n", n)
    x = np.linspace(-2.0, 2.0, n)[:, None]
    return x, np.exp(-(x**2) / (2 * 0.5**2))


def digits(rng, test_fraction=0.25):
    """scikit-learn's bundled 8×8 digits (1,797 images, 10 classes), split and standardized.

    Pixels are scaled to mean 0 and standard deviation 1 using the training set's statistics only
    (constant pixels are left at 0), so no information leaks from the test set.

    Parameters
    ----------
    rng : numpy.random.Generator
        Shuffles the split.
    test_fraction : float
        Share of the images held out, in (0, 1).

    Returns
    -------
    X_train, y_train, X_test, y_test : ndarray
        Inputs of shape (n, 64) in float64 and integer labels 0–9.

    >>> X_train, y_train, X_test, y_test = digits(np.random.default_rng(0))
    >>> X_train.shape, X_test.shape, sorted(set(y_test.tolist())) == list(range(10))
    ((1348, 64), (449, 64), True)
    """
    check_rng(rng)
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    # Imported here, not with the module: scikit-learn is half of gradflow's import time, and every
    # notebook kernel imports gradflow, most of them without this data set.
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    order = rng.permutation(len(X))
    n_test = round(test_fraction * len(X))
    test, train = order[:n_test], order[n_test:]
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    scale = np.where(std > 0, std, 1.0)
    return (X[train] - mean) / scale, y[train], (X[test] - mean) / scale, y[test]
