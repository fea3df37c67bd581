"""The auto-checked exercises of the chapters "Why nonlinearity", "Tanh" and "ReLU"."""

import numpy as np
from scipy.special import expit

from gradflow import exercises


def collapse(Ws):
    W = np.eye(Ws.shape[1])
    for W_l in Ws:
        W = W_l @ W
    return W


def test_collapse_in_layer_order_passes():
    assert exercises.grade("collapse-linear-layers", collapse)


def test_collapse_in_the_wrong_order_fails():
    def reversed_order(Ws):
        W = np.eye(Ws.shape[1])
        for W_l in Ws:
            W = W @ W_l
        return W

    assert not exercises.grade("collapse-linear-layers", reversed_order)


def test_collapse_reference_is_the_product_of_the_layers():
    Ws = np.random.default_rng(0).standard_normal((3, 2, 2))
    expected = Ws[2] @ Ws[1] @ Ws[0]
    np.testing.assert_allclose(exercises.EXERCISES["collapse-linear-layers"].reference(Ws), expected)


def test_tanh_from_the_sigmoid_passes():
    assert exercises.grade("tanh-via-sigmoid", lambda x: 2 * expit(2 * x) - 1)


def test_textbook_tanh_formula_fails_on_overflow():
    verdict = exercises.grade("tanh-via-sigmoid", lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)))
    assert not verdict and "overflow" in verdict.message


def test_relu_backward_with_derivative_zero_at_zero_passes():
    assert exercises.grade("relu-backward", lambda z, upstream: upstream * (z > 0))


def test_relu_backward_with_derivative_one_at_zero_fails_at_zero():
    verdict = exercises.grade("relu-backward", lambda z, upstream: upstream * (z >= 0))
    assert not verdict and verdict.message.startswith("at x = 0, expected 0, got 1")
