"""Benchmark 1: one training step of the gradflow MLP against the same network in PyTorch (CPU).

A step is forward + softmax cross-entropy + backward + SGD update (for gradflow, the step of
``gradflow.training.train`` without hooks: ``training.Net.objective``, the joint gradient norm the
loop records, and ``optimizers.sgd``), for a ReLU MLP of depth 10
(10 weight matrices: input width n, nine hidden layers of width n, 10 outputs), batch 128, in
float32 and float64, for n = 64 and 512. Both libraries run in the same process, interleaved
repeat by repeat so that load from other processes hits both alike; the table reports the median
time per step of each and their ratio (gradflow / PyTorch; below 1 means gradflow is faster).

Run through ``make bench`` (which creates ``benchmarks/.venv`` with torch==2.13.0), or directly:

    benchmarks/.venv/bin/python benchmarks/training_step.py [--threads 1] [--repeats 7]
"""

import argparse
import os
import sys


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS / intra-op threads for both libraries")
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per case (median reported)")
    parser.add_argument("--target-seconds", type=float, default=0.15, help="approximate length of one repeat")
    return parser.parse_args()


ARGS = parse_args()
# BLAS reads its thread count when it is loaded, so set it before NumPy (and torch) are imported.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(ARGS.threads)

import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
from gradflow import nets, optimizers, training  # noqa: E402

from results import write_section  # noqa: E402

DEPTH, BATCH, CLASSES, LR = 10, 128, 10, 0.01
WIDTHS = (64, 512)
DTYPES = (np.float32, np.float64)
TORCH_DTYPES = {np.float32: torch.float32, np.float64: torch.float64}


def build(width, dtype, seed=0):
    """The same initial weights and data for both libraries."""
    rng = np.random.default_rng(seed)
    net = nets.mlp([width] * DEPTH + [CLASSES], "relu", rng, init="he_normal", dtype=dtype)
    X = rng.standard_normal((BATCH, width)).astype(dtype)
    labels = rng.integers(0, CLASSES, size=BATCH)
    layers = []
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=TORCH_DTYPES[dtype])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if l < DEPTH - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    return net, X, labels, model, torch.from_numpy(X.copy()), torch.from_numpy(labels)


def make_gradflow_step(net):
    """One step of gradflow.training.train without hooks: the objective, the joint gradient norm, the update."""
    model, optimizer = training.Net(net), optimizers.sgd(LR)
    params = model.parameters()
    state = optimizer.init(params)

    def step(X, labels):
        loss, grads, _ = model.objective(X, labels)
        training._joint_norms(grads, model.count)
        optimizer.update(grads, state, params)
        return loss

    return step


def make_torch_step(model):
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)

    def step(X, labels):
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(X), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def check_same_network(width, dtype):
    """Both implementations compute the same losses over a few steps (they are the same network)."""
    net, X, labels, model, X_t, labels_t = build(width, dtype)
    torch_step, gradflow_step = make_torch_step(model), make_gradflow_step(net)
    ours = [gradflow_step(X, labels) for _ in range(3)]
    theirs = [torch_step(X_t, labels_t) for _ in range(3)]
    tolerance = 1e-3 if dtype == np.float32 else 1e-9
    if not np.allclose(ours, theirs, rtol=tolerance):
        raise SystemExit(f"width {width} {np.dtype(dtype).name}: losses differ, {ours} vs {theirs}")


def time_per_step(step, args, n_steps):
    start = time.perf_counter()
    for _ in range(n_steps):
        step(*args)
    return (time.perf_counter() - start) / n_steps


def measure(width, dtype):
    net, X, labels, model, X_t, labels_t = build(width, dtype)
    torch_step = make_torch_step(model)
    cases = {"gradflow": (make_gradflow_step(net), (X, labels)), "pytorch": (torch_step, (X_t, labels_t))}
    n_steps = {}
    for name, (step, args) in cases.items():
        time_per_step(step, args, 3)  # warm up: allocator, BLAS buffers, autograd graph caches
        n_steps[name] = max(3, int(ARGS.target_seconds / time_per_step(step, args, 3)))
    times = {name: [] for name in cases}
    for _ in range(ARGS.repeats):
        for name, (step, args) in cases.items():
            times[name].append(time_per_step(step, args, n_steps[name]))
    return {name: float(np.median(values)) for name, values in times.items()}


def matmul_ratio(width, dtype):
    """Time of the step's matrix products alone, NumPy over PyTorch: the floor under the step ratio.

    A step multiplies, per square layer, A Wᵀ (forward), δᵀ A (∂L/∂W) and δ W (BP2).
    """
    rng = np.random.default_rng(1)
    A, D, W = (rng.standard_normal(shape).astype(dtype) for shape in ((BATCH, width), (BATCH, width), (width, width)))
    A_t, D_t, W_t = (torch.from_numpy(array.copy()) for array in (A, D, W))

    def numpy_products():
        return A @ W.T, D.T @ A, D @ W

    def torch_products():
        return A_t @ W_t.T, D_t.T @ A_t, D_t @ W_t

    cases = {"numpy": numpy_products, "torch": torch_products}
    n_steps = {}
    for name, products in cases.items():
        time_per_step(products, (), 3)
        n_steps[name] = max(3, int(ARGS.target_seconds / 3 / time_per_step(products, (), 3)))
    times = {name: [] for name in cases}
    for _ in range(ARGS.repeats):
        for name, products in cases.items():
            times[name].append(time_per_step(products, (), n_steps[name]))
    return float(np.median(times["numpy"]) / np.median(times["torch"]))


def main():
    torch.set_num_threads(ARGS.threads)
    print(f"threads: NumPy BLAS {ARGS.threads}, torch {torch.get_num_threads()}; numpy {np.__version__}, "
          f"torch {torch.__version__}; median of {ARGS.repeats} repeats")
    header = ("| width | dtype | gradflow (ms/step) | PyTorch (ms/step) | ratio gradflow / PyTorch | ≤ 1.3× "
              "| matmuls alone, NumPy / PyTorch |")
    lines = [header, "|---:|---|---:|---:|---:|:---:|---:|"]
    print(header)
    for width in WIDTHS:
        for dtype in DTYPES:
            check_same_network(width, dtype)
            result = measure(width, dtype)
            ratio = result["gradflow"] / result["pytorch"]
            line = (f"| {width} | {np.dtype(dtype).name} | {1e3 * result['gradflow']:.3f} | "
                    f"{1e3 * result['pytorch']:.3f} | {ratio:.2f} | {'yes' if ratio <= 1.3 else 'no'} | "
                    f"{matmul_ratio(width, dtype):.2f} |")
            lines.append(line)
            print(line, flush=True)
    note = (
        f"ReLU MLP of depth {DEPTH} (widths [n]×{DEPTH} + [{CLASSES}]), batch {BATCH}, softmax cross-entropy, "
        f"plain SGD (lr {LR}); one step = forward + loss + backward + joint gradient norm + update (the step of "
        f"gradflow.training.train). Threads: NumPy's BLAS and "
        f"torch.set_num_threads both {ARGS.threads}. numpy {np.__version__}, torch {torch.__version__} (CPU). "
        f"Median of {ARGS.repeats} interleaved repeats of about {ARGS.target_seconds:g} s each. The last "
        f"column times only the three matrix products per layer (A Wᵀ, δᵀ A, δ W) in NumPy (OpenBLAS) and "
        f"PyTorch: at width 512 they are most of the step, so the step ratio cannot go much below it; "
        f"the rest of the difference is the elementwise work between them, about ten passes over each "
        f"128 × n activation array per layer (bias, activation, derivative, the registry's NaN check, δ) and "
        f"the temporary lr·∂L/∂W of the update, which PyTorch fuses into fewer passes. A fused update (BLAS "
        f"axpy) would remove the temporary but changes the rounding of every SGD step, and with it the "
        f"stored outputs of the chapters, so it was not adopted. At width 64 per-call overhead dominates, "
        f"and gradflow's plain NumPy calls have less of it than autograd."
    )
    write_section("Training step: gradflow vs PyTorch (CPU)", note + "\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
