"""The exercises of "Watching gradients during training": independent solutions pass, typical mistakes fail."""

import numpy as np

from gradflow import exercises


def adam_by_hand(theta, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return np.stack([theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v])


def test_adam_step_accepts_kingma_ba_algorithm_1():
    assert exercises.grade("adam-step", adam_by_hand)


def test_adam_step_rejects_a_step_without_bias_correction():
    def uncorrected(theta, g, m, v, t, lr=1e-3):
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        return np.stack([theta - lr * m / (np.sqrt(v) + 1e-8), m, v])

    assert not exercises.grade("adam-step", uncorrected)


def test_update_ratio_accepts_the_definition_and_rejects_a_ratio_of_norms():
    assert exercises.grade("update-ratio", lambda before, after: np.sqrt(np.sum((after - before) ** 2) / np.sum(before**2)))
    # ‖W_after‖/‖W_before‖ − 1 ignores the direction of the update.
    assert not exercises.grade("update-ratio", lambda before, after: np.linalg.norm(after) / np.linalg.norm(before) - 1)
