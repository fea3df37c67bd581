"""The optimizers take the steps their papers' update rules give, computed here by hand."""

import numpy as np
import pytest

from gradflow import optimizers


def run(opt, grads, theta0):
    """Apply ``opt`` to one scalar parameter for the given sequence of gradients; return θ after each step."""
    params = [np.array([theta0])]
    state = opt.init(params)
    path = []
    for g in grads:
        params, state = opt.update([np.array([g])], state, params)
        path.append(float(params[0][0]))
    return path


def test_sgd_step_is_minus_lr_times_gradient():
    assert run(optimizers.sgd(0.5), [2.0, -1.0], 1.0) == [0.0, 0.5]


def test_momentum_follows_pytorch_heavy_ball_rule():
    # v1 = 1, θ1 = −0.1; v2 = 0.9·1 + 3 = 3.9, θ2 = −0.1 − 0.39
    assert run(optimizers.momentum(0.1, mu=0.9), [1.0, 3.0], 0.0) == pytest.approx([-0.1, -0.49], abs=1e-15)


def test_rmsprop_divides_by_running_rms_with_eps_outside_the_root():
    # s1 = 0.1·4 = 0.4, θ1 = −0.01·2/(√0.4 + 1e-8); s2 = 0.9·0.4 + 0.1·1 = 0.46
    theta1 = -0.01 * 2 / (0.4**0.5 + 1e-8)
    theta2 = theta1 - 0.01 * 1 / (0.46**0.5 + 1e-8)
    assert run(optimizers.rmsprop(0.01, rho=0.9), [2.0, 1.0], 0.0) == pytest.approx([theta1, theta2], rel=1e-14)


def test_adam_matches_kingma_ba_algorithm_1_with_bias_correction():
    # Step 1, g = 1: m = 0.1, v = 0.001, m̂ = v̂ = 1, θ1 = −η/(1 + ε).
    # Step 2, g = −1: m = 0.09 − 0.1 = −0.01, m̂ = −0.01/0.19; v = 0.000999 + 0.001 = 0.001999 = 1 − 0.999², v̂ = 1.
    lr, eps = 0.01, 1e-8
    theta1 = -lr / (1 + eps)
    theta2 = theta1 + lr * (0.01 / 0.19) / (1 + eps)
    assert run(optimizers.adam(lr), [1.0, -1.0], 0.0) == pytest.approx([theta1, theta2], rel=1e-12)


def test_adam_without_bias_correction_would_fail_the_hand_computed_step():
    # The test above can fail: uncorrected Adam's first step is η·0.1/(√0.001 + ε), about 3.16 η.
    lr, eps = 0.01, 1e-8
    uncorrected = -lr * 0.1 / (0.001**0.5 + eps)
    assert run(optimizers.adam(lr), [1.0], 0.0)[0] != pytest.approx(uncorrected, rel=1e-3)


def test_adamw_decays_the_weights_outside_the_adaptive_step():
    # Loshchilov & Hutter 2019, Algorithm 2 (η_t = 1): θ1 = θ0 − (α m̂/(√v̂ + ε) + λ θ0) = 2 − (0.01/(1 + 1e-8) + 0.2)
    theta1 = 2 - (0.01 / (1 + 1e-8) + 0.1 * 2)
    assert run(optimizers.adamw(0.01, weight_decay=0.1), [1.0], 2.0) == pytest.approx([theta1], rel=1e-14)
    # L2 in the gradient (g + λθ) goes through v̂ instead and gives Adam's plain step of about η.
    assert run(optimizers.adam(0.01), [1.0 + 0.1 * 2], 2.0)[0] == pytest.approx(2 - 0.01, rel=1e-7)


def test_adam_step_is_at_most_about_lr_whatever_the_gradient_scale():
    # (Down to |g| ≈ 1e-3; far below, ε = 1e-8 becomes comparable to √v̂ and shrinks the step.)
    for scale in (1e-3, 1.0, 1e6):
        assert run(optimizers.adam(0.1), [scale], 0.0)[0] == pytest.approx(-0.1, rel=1e-4)


@pytest.mark.parametrize("name", sorted(optimizers.OPTIMIZERS))
def test_update_keeps_float32_and_updates_the_given_arrays(name):
    opt = optimizers.OPTIMIZERS[name](lr=0.1)
    params = [np.ones((2, 3), np.float32), np.zeros(3, np.float32)]
    mine = list(params)
    new, _ = opt.update([np.ones((2, 3), np.float32), np.ones(3, np.float32)], opt.init(params), params)
    assert all(p.dtype == np.float32 for p in new)
    assert all(a is b for a, b in zip(new, mine)) and float(mine[1][0]) < 0


@pytest.mark.parametrize(
    "factory, kwargs, message",
    [
        (optimizers.sgd, {"lr": 0.0}, "lr must be a finite number > 0"),
        (optimizers.momentum, {"lr": 0.1, "mu": 1.0}, r"mu must be a number in \[0, 1\)"),
        (optimizers.rmsprop, {"lr": 0.1, "eps": -1.0}, "eps must be a finite number ≥ 0"),
        (optimizers.adam, {"lr": 0.1, "beta2": 1.5}, r"beta2 must be a number in \[0, 1\)"),
        (optimizers.adamw, {"lr": 0.1, "weight_decay": float("nan")}, "weight_decay must be a finite number ≥ 0"),
    ],
)
def test_bad_hyperparameters_are_rejected(factory, kwargs, message):
    with pytest.raises(ValueError, match=message):
        factory(**kwargs)


def test_gradients_must_match_parameters():
    opt = optimizers.adam(0.1)
    params = [np.zeros((2, 2))]
    with pytest.raises(ValueError, match="grads must match params"):
        opt.update([np.zeros(2)], opt.init(params), params)
