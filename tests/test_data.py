import numpy as np
import pytest

from gradflow import data


def test_xor_labels_are_the_exclusive_or_of_the_inputs():
    X, y = data.xor()
    assert np.array_equal(y, np.logical_xor(X[:, 0], X[:, 1]).astype(int))


def test_bump_peaks_at_one_in_the_middle_and_is_symmetric():
    X, y = data.bump(201)
    assert y.shape == X.shape == (201, 1)
    assert y[100, 0] == 1.0 and np.allclose(y, y[::-1])


def test_digits_split_is_disjoint_complete_and_reproducible():
    from sklearn.datasets import load_digits

    first = data.digits(np.random.default_rng(3))
    second = data.digits(np.random.default_rng(3))
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    X_train, y_train, X_test, y_test = first
    assert len(X_train) + len(X_test) == len(load_digits().target) == 1797
    assert np.bincount(np.concatenate([y_train, y_test])).tolist() == np.bincount(load_digits().target).tolist()


def test_digits_are_standardized_with_training_statistics_only():
    X_train, _, X_test, _ = data.digits(np.random.default_rng(0))
    varying = X_train.std(axis=0) > 0
    assert np.allclose(X_train.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(X_train.std(axis=0)[varying], 1)
    assert not np.allclose(X_test.mean(axis=0)[varying], 0, atol=1e-3)  # test set keeps its own offset
    assert np.isfinite(X_test).all()


def test_digits_rejects_a_bad_split_and_a_missing_generator():
    with pytest.raises(ValueError, match="test_fraction must be between 0 and 1"):
        data.digits(np.random.default_rng(0), test_fraction=1.5)
    with pytest.raises(TypeError, match="default_rng"):
        data.digits(0)


def test_bump_rejects_a_non_positive_size():
    with pytest.raises(ValueError, match="n must be a positive int"):
        data.bump(0)
