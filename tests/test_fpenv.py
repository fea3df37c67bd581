"""The reference and perturbed floating-point environments are what they claim, and never break NumPy."""

import json
import os
import platform
import subprocess
import sys

import pytest

from gradflow import fpenv

# What a process started in an environment reports about its own BLAS kernel and NumPy's SIMD loops.
_REPORT = """import json, numpy, threadpoolctl
from numpy._core._multiarray_umath import __cpu_features__ as f, __cpu_dispatch__ as d
print(json.dumps({"blas": [i.get("architecture") for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"],
                  "threads": [i["num_threads"] for i in threadpoolctl.threadpool_info()],
                  "dispatch": [t for t in d if f[t]]}))"""


def _report(env):
    run = subprocess.run([sys.executable, "-W", "error", "-c", _REPORT], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr  # NumPy refuses at import to disable a feature it does not know
    return json.loads(run.stdout)


@pytest.mark.parametrize("kind", fpenv.KINDS)
def test_numpy_and_blas_load_in_each_environment_single_threaded(kind):
    report = _report(fpenv.environment(kind))
    assert set(report["threads"]) == {1}


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"), reason="the fixed kernel is for x86-64")
def test_on_x86_the_reference_is_haswell_blas_and_avx2_loops_whatever_the_shell_set():
    shell = {**os.environ, "OPENBLAS_CORETYPE": "SkylakeX", "OPENBLAS_L2_SIZE": "1048576", "NPY_DISABLE_CPU_FEATURES": ""}
    env = fpenv.environment("reference", shell)
    assert "OPENBLAS_L2_SIZE" not in env
    report = _report(env)
    features = _report({**os.environ, "NPY_DISABLE_CPU_FEATURES": ""})["dispatch"]  # what this CPU offers
    if "X86_V3" in features:
        assert report["blas"] == ["Haswell"]
        assert report["dispatch"] == ["X86_V3"]


def test_the_perturbed_environment_differs_from_the_reference():
    reference, perturbed = fpenv.settings("reference"), fpenv.settings("perturbed")
    assert reference["OPENBLAS_CORETYPE"] != perturbed["OPENBLAS_CORETYPE"]
    assert _report(fpenv.environment("perturbed"))["dispatch"] == []


# SciPy's expit (SSE code) timed before and after a float32 matrix product: a BLAS kernel that leaves the
# upper halves of the vector registers dirty makes it pay the AVX-SSE transition penalty on some CPUs.
_SLOWDOWN = """import timeit, numpy as np
from scipy import special
x = np.linspace(-8, 8, 20000, dtype=np.float32)
def best(): return min(timeit.repeat(lambda: special.expit(x), number=20, repeat=5))
before = best()
np.ones((64, 32), np.float32) @ np.ones((32, 32), np.float32)
print(best() / before)"""


@pytest.mark.parametrize("kind", fpenv.KINDS)
def test_code_after_a_float32_matrix_product_runs_at_full_speed(kind):
    # With OpenBLAS's Sandybridge kernel on an AVX-512 Xeon: 40 times slower, a chapter 4 minutes long.
    run = subprocess.run([sys.executable, "-c", _SLOWDOWN], env=fpenv.environment(kind), capture_output=True, text=True)
    assert float(run.stdout) < 3, run.stderr


def test_apply_sets_and_removes_variables_in_this_process(monkeypatch):
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "1")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "8")
    fpenv.apply("reference")
    assert "OPENBLAS_L2_SIZE" not in os.environ
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"


def test_an_unknown_environment_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="reference"):
        fpenv.settings("fast")


def test_the_command_line_runs_a_command_in_the_environment():
    run = subprocess.run([sys.executable, "-m", "gradflow.fpenv", "reference", sys.executable, "-c",
                          "import os; print(os.environ['OPENBLAS_NUM_THREADS'])"], capture_output=True, text=True)
    assert run.stdout.strip() == "1", run.stderr
    usage = subprocess.run([sys.executable, "-m", "gradflow.fpenv"], capture_output=True, text=True)
    assert usage.returncode != 0 and "usage" in usage.stderr


def test_the_reference_does_not_depend_on_features_the_callers_shell_disabled():
    # In a process started with X86_V4 disabled, NumPy reports X86_V4 as missing; the reference
    # environment that process computes must still be this machine's.
    shell = {**os.environ, "NPY_DISABLE_CPU_FEATURES": "X86_V4"} if "X86_V4" in fpenv._cpu()[0] else dict(os.environ)
    run = subprocess.run([sys.executable, "-c", "from gradflow import fpenv; print(fpenv.settings('reference'))"],
                         env=shell, capture_output=True, text=True)
    assert run.stdout.strip() == str(fpenv.settings("reference")), run.stderr
