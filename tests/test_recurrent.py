"""The recurrent cells: shapes, BPTT against central finite differences, and rejected inputs."""

import numpy as np
import pytest

from gradflow import recurrent
from finite_differences import numerical_gradient, relative_error


CELLS = {
    "rnn": (recurrent.rnn, recurrent.rnn_forward, recurrent.rnn_backward),
    "lstm": (recurrent.lstm, recurrent.lstm_forward, recurrent.lstm_backward),
}


@pytest.mark.parametrize("kind", CELLS)
def test_bptt_matches_finite_differences_for_inputs_and_parameters(kind):
    make, forward, backward = CELLS[kind]
    rng = np.random.default_rng(0)
    cell = make(3, 4, rng)
    X = rng.normal(size=(6, 2, 3))
    weights = rng.normal(size=(6, 2, 4))  # L = sum of weights * H: every step and unit is seen

    def loss():
        return float(np.sum(weights * forward(cell, X)[0]))

    H, cache = forward(cell, X)
    grads = backward(cell, cache, weights)
    for name, array in [("dX", X), ("dWx", cell.Wx), ("dWh", cell.Wh), ("db", cell.b)]:
        assert relative_error(grads[name], numerical_gradient(loss, array)) < 1e-6, name


@pytest.mark.parametrize("kind", CELLS)
def test_a_loss_on_the_last_step_reaches_the_first_input(kind):
    make, forward, backward = CELLS[kind]
    rng = np.random.default_rng(1)
    cell = make(2, 3, rng)
    H, cache = forward(cell, rng.normal(size=(5, 4, 2)))
    dH = np.zeros_like(H)
    dH[-1] = 1.0
    dX = backward(cell, cache, dH)["dX"]
    assert dX.shape == (5, 4, 2) and np.abs(dX[0]).sum() > 0


def test_rnn_hidden_state_follows_the_recurrence():
    rng = np.random.default_rng(2)
    cell = recurrent.rnn(2, 3, rng)
    X = rng.normal(size=(3, 1, 2))
    H, _ = recurrent.rnn_forward(cell, X)
    h = np.zeros(3)
    for t in range(3):
        h = np.tanh(cell.Wx @ X[t, 0] + cell.Wh @ h + cell.b)
    np.testing.assert_allclose(H[-1, 0], h, rtol=1e-12)


def test_lstm_with_closed_forget_gate_forgets_and_open_one_keeps_the_cell_state():
    n = 2
    Wx = np.zeros((4 * n, 1))
    Wx[2 * n : 3 * n] = 1.0  # candidate g = tanh(x)
    for forget_bias, expected in [(-50.0, np.tanh(1.0)), (50.0, 2 * np.tanh(1.0))]:
        b = np.zeros(4 * n)
        b[:n] = 50.0  # input gate open
        b[n : 2 * n] = forget_bias
        cell = recurrent.LSTM(Wx, np.zeros((4 * n, n)), b)
        _, cache = recurrent.lstm_forward(cell, np.ones((2, 1, 1)))
        np.testing.assert_allclose(cache["C"][-1, 0], expected, rtol=1e-12)


def test_lstm_forget_bias_is_placed_on_the_forget_gate_rows():
    cell = recurrent.lstm(2, 3, np.random.default_rng(0), forget_bias=1.5)
    np.testing.assert_array_equal(cell.b, [0, 0, 0, 1.5, 1.5, 1.5, 0, 0, 0, 0, 0, 0])


@pytest.mark.parametrize("kind", CELLS)
def test_float32_cells_compute_in_float32(kind):
    make, forward, backward = CELLS[kind]
    cell = make(2, 3, np.random.default_rng(0), dtype=np.float32)
    H, cache = forward(cell, np.ones((2, 1, 2)))
    assert H.dtype == np.float32 and backward(cell, cache, H)["dWh"].dtype == np.float32


@pytest.mark.parametrize("kind", CELLS)
@pytest.mark.parametrize("X, match", [
    (np.ones((2, 3)), r"X must have shape \(n_steps, n_samples, 2\)"),
    (np.ones((2, 1, 5)), r"X must have shape"),
    (np.ones((0, 1, 2)), r"at least one step"),
    (np.full((2, 1, 2), np.nan), "X contains NaN or inf"),
])
def test_bad_sequences_are_rejected(kind, X, match):
    make, forward, _ = CELLS[kind]
    with pytest.raises(ValueError, match=match):
        forward(make(2, 3, np.random.default_rng(0)), X)


@pytest.mark.parametrize("kind", CELLS)
def test_upstream_gradient_of_the_wrong_shape_is_rejected(kind):
    make, forward, backward = CELLS[kind]
    cell = make(2, 3, np.random.default_rng(0))
    _, cache = forward(cell, np.ones((4, 1, 2)))
    with pytest.raises(ValueError, match=r"dH must have the shape of the hidden states H \(4, 1, 3\)"):
        backward(cell, cache, np.ones((1, 1, 3)))


def test_a_cache_of_the_other_cell_is_sent_to_its_own_backward():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 2, 3))
    rnn_cell, lstm_cell = recurrent.rnn(3, 5, rng), recurrent.lstm(3, 5, rng)
    H, rnn_cache = recurrent.rnn_forward(rnn_cell, X)
    _, lstm_cache = recurrent.lstm_forward(lstm_cell, X)
    with pytest.raises(TypeError, match="this cache comes from lstm_forward; backpropagate it with lstm_backward"):
        recurrent.rnn_backward(rnn_cell, lstm_cache, H)
    with pytest.raises(TypeError, match="this cache comes from rnn_forward; backpropagate it with rnn_backward"):
        recurrent.lstm_backward(lstm_cell, rnn_cache, H)
    with pytest.raises(TypeError, match="cell must be an RNN"):
        recurrent.rnn_backward(lstm_cell, rnn_cache, H)


def test_backward_rejects_the_pair_H_cache_and_a_cache_of_other_sizes():
    rng = np.random.default_rng(0)
    cell = recurrent.rnn(3, 5, rng)
    H, cache = recurrent.rnn_forward(cell, rng.normal(size=(4, 2, 3)))
    with pytest.raises(TypeError, match=r"pass the cache alone: H, cache = rnn_forward\(cell, X\)"):
        recurrent.rnn_backward(cell, (H, cache), H)
    with pytest.raises(ValueError, match=r"RNN\(n_in=2, n_hidden=5\) did not compute"):
        recurrent.rnn_backward(recurrent.rnn(2, 5, rng), cache, H)


@pytest.mark.parametrize("kind", CELLS)
def test_complex_sequences_are_a_type_error(kind):
    make, forward, backward = CELLS[kind]
    with pytest.raises(TypeError, match="X must hold real numbers, got dtype complex128"):
        forward(make(2, 3, np.random.default_rng(0)), np.ones((4, 1, 2)) * 1j)


def test_cells_reject_the_other_kind_and_bad_parameters():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="cell must be an RNN"):
        recurrent.rnn_forward(recurrent.lstm(2, 3, rng), np.ones((1, 1, 2)))
    with pytest.raises(TypeError, match="cell must be an LSTM"):
        recurrent.lstm_forward(recurrent.rnn(2, 3, rng), np.ones((1, 1, 2)))
    with pytest.raises(ValueError, match=r"needs Wx of shape \(12, n_in\)"):
        recurrent.LSTM(np.zeros((3, 2)), np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="share one floating dtype"):
        recurrent.RNN(np.zeros((3, 2), dtype=int), np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="n_hidden must be a positive int"):
        recurrent.rnn(2, 0, rng)
    with pytest.raises(ValueError, match="recurrent_scale must be a finite number > 0"):
        recurrent.rnn(2, 3, rng, recurrent_scale=-1.0)
    with pytest.raises(ValueError, match="forget_bias must be a finite number"):
        recurrent.lstm(2, 3, rng, forget_bias=np.inf)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        recurrent.lstm(2, 3, 0)
