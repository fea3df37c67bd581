"""The Recorder hook measures what the diagnostics module measures, step by step."""

import numpy as np
import pytest

from gradflow import diagnostics, monitors, nets, optimizers, training


def test_recorder_agrees_with_diagnostics_and_with_the_sgd_update():
    rng = np.random.default_rng(0)
    X, labels = rng.normal(size=(40, 4)), rng.integers(0, 3, size=40)
    net = nets.mlp([4, 6, 6, 3], "relu", np.random.default_rng(1))
    recorder, seen = monitors.Recorder("relu"), []

    def remember(step):
        W_before = [W - dW for W, dW in zip(step.params[0::2], step.updates[0::2])]
        seen.append((step.cache, W_before))

    training.train(training.Net(net), X, labels, rng=rng, optimizer=optimizers.sgd(0.2), epochs=2, batch_size=20,
                   hooks=[recorder, remember])
    assert recorder.grad_norm.shape == (4, 3) and recorder.dead.shape == (4, 2)
    for t, (cache, W_before) in enumerate(seen):
        np.testing.assert_allclose(recorder.grad_norm[t], diagnostics.gradient_norms(cache), rtol=1e-12)
        np.testing.assert_allclose(recorder.dead[t], diagnostics.dead_fraction(cache))
        expected = [0.2 * np.linalg.norm(layer.dW) / np.linalg.norm(W) for layer, W in zip(cache, W_before)]
        np.testing.assert_allclose(recorder.update_ratio[t], expected, rtol=1e-10)
        inactive = [np.mean(layer.z <= 0) for layer in cache[:-1]]
        np.testing.assert_allclose(recorder.saturated[t], inactive)


def test_recorder_keeps_one_row_per_net_of_a_stack_and_snapshots_on_request():
    rng = np.random.default_rng(2)
    X, labels = rng.normal(size=(30, 3)), rng.integers(0, 2, size=30)
    stack = training.Stack([nets.mlp([3, 5, 2], "tanh", np.random.default_rng(s)) for s in range(4)])
    recorder = monitors.Recorder("tanh", snapshots=[1])
    training.train(stack, X, labels, rng=rng, optimizer=optimizers.adam(0.01), epochs=1, batch_size=10, hooks=[recorder])
    assert recorder.loss.shape == (3, 4) and recorder.update_ratio.shape == (3, 4, 2)
    assert sorted(recorder.snapshots) == [1] and recorder.snapshots[1]["a"][0].shape == (4, 10, 5)
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        recorder.missing
    with pytest.raises(ValueError, match="tol must be a finite number > 0"):
        monitors.Recorder("tanh", tol=0)
