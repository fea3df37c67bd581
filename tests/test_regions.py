"""Linear pieces along a segment: exact against closed forms, a dense grid and the (n + 1)^L bound."""

import numpy as np
import pytest

from gradflow import nets, regions


def test_one_hidden_layer_breaks_where_each_unit_crosses_zero():
    rng = np.random.default_rng(0)
    w, b = rng.normal(size=(6, 1)), rng.normal(size=6)
    net = nets.MLP([w, rng.normal(size=(1, 6))], [b, np.zeros(1)], "relu", "identity")
    start, end = -3.0, 3.0
    crossings = (-b / w[:, 0] - start) / (end - start)  # unit j switches where w_j x + b_j = 0
    expected = np.sort(crossings[(crossings > 0) & (crossings < 1)])
    np.testing.assert_allclose(regions.breakpoints(net, [start], [end]), expected, rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_breakpoints_are_where_the_activation_pattern_changes_on_a_dense_grid(seed):
    rng = np.random.default_rng(seed)
    net = nets.mlp([3, 12, 12, 12, 2], "relu", rng, bias=0.0)
    for b in net.biases:
        b[:] = 0.3 * rng.normal(size=b.shape)
    start, end = rng.normal(size=3), rng.normal(size=3)
    found = regions.breakpoints(net, start, end)
    t = np.linspace(0, 1, 400_001)
    _, cache = nets.forward(net, start + t[:, None] * (end - start))
    pattern = np.concatenate([layer.z > 0 for layer in cache[:-1]], axis=1)
    # A grid step whose two ends differ contains a breakpoint; the grid can miss two breakpoints that
    # fall into one step, so it finds at most as many, and all but a few.
    changing_steps = set(np.flatnonzero(np.any(pattern[1:] != pattern[:-1], axis=1)).tolist())
    steps_with_a_breakpoint = set(np.floor(found * (len(t) - 1)).astype(int).tolist())
    assert changing_steps <= steps_with_a_breakpoint
    assert len(changing_steps) <= len(found) <= len(changing_steps) + 2


@pytest.mark.parametrize(("width", "depth"), [(2, 3), (3, 2), (4, 2)])
def test_pieces_never_exceed_the_bound_and_narrow_nets_can_get_close(width, depth):
    rng = np.random.default_rng(width * 10 + depth)
    most = 0
    for _ in range(200):
        net = nets.mlp([1] + [width] * depth + [1], "relu", rng, bias=0.0)
        for b in net.biases:
            b[:] = rng.normal(size=b.shape)
        pieces = regions.count_pieces(net, [-5.0], [5.0])
        assert pieces <= (width + 1) ** depth
        most = max(most, pieces)
    assert most > width + 1  # depth does add pieces beyond what one layer of this width can make


def test_non_relu_nets_and_wrong_shapes_are_rejected():
    tanh_net = nets.mlp([2, 3, 1], "tanh", np.random.default_rng(0))
    with pytest.raises(ValueError, match="ReLU nets, got hidden activation 'tanh'"):
        regions.breakpoints(tanh_net, [0.0, 0.0], [1.0, 1.0])
    relu_net = nets.mlp([2, 3, 1], "relu", np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        regions.breakpoints(relu_net, [0.0], [1.0])
