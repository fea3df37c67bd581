"""The book's reference floating-point environment, and a perturbed one that stands in for another CPU.

The last bits of a result depend on the machine that computes it: OpenBLAS picks a matrix kernel for
the CPU it finds (AVX-512, AVX2, ...), and NumPy sends ``exp``, ``log``, ``tanh``, ... to the widest
SIMD loops the CPU has. Both libraries read their settings from environment variables when they load,
so the settings must be in the environment of the process that starts a kernel, not set inside a
notebook.

``reference``: what the stored outputs are made in (``make execute``, ``make test``, ``make lab``).
BLAS runs on one thread; on x86-64 CPUs with AVX2 and FMA, OpenBLAS uses its Haswell kernel and NumPy's
dispatch stops at the x86-64-v3 level (AVX2), which every such CPU has, so the book's numbers come out
the same on an AVX-512 server and an AVX2 laptop.

``perturbed``: a deliberately different environment for the tests (OpenBLAS's SSE kernel, without FMA;
NumPy at its baseline loops); a cell whose printed text changes there would change on some reader's
machine.

Only features the CPU has are switched off: NumPy refuses at import to disable a feature that is not one
of its dispatch targets, and setting an OpenBLAS kernel the CPU cannot run would crash it.

Run a command in one of them with ``python -m gradflow.fpenv reference jupyter lab`` (without a
command it prints the variables it sets).
"""

import functools
import json
import os
import platform
import subprocess
import sys

#: Thread counts that would otherwise make BLAS sums depend on how work is split between cores.
_SINGLE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: Variables this module decides; whatever the caller's shell set for them is replaced or removed.
_CONTROLLED = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES")
#: NumPy's highest dispatch level in the reference environment on x86-64 (AVX2 + FMA).
_REFERENCE_X86_LEVEL = "X86_V3"
KINDS = ("reference", "perturbed")


_DETECT = ("import json; from numpy._core._multiarray_umath import __cpu_dispatch__ as d, __cpu_features__ as f; "
           "print(json.dumps([list(d), f]))")


@functools.cache
def _cpu():
    """NumPy's dispatch targets (lowest first) and the features the CPU really has.

    Asked of a fresh interpreter without NumPy's feature variables: in this process NumPy reports a
    feature that the caller's shell disabled as missing, and the reference must not depend on that.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES")}
    found = subprocess.run([sys.executable, "-c", _DETECT], env=env, capture_output=True, text=True, check=True)
    dispatch, features = json.loads(found.stdout)
    return dispatch, features


def settings(kind="reference"):
    """The variables that define environment ``kind`` on this machine; ``None`` means "unset".

    Parameters
    ----------
    kind : {"reference", "perturbed"}

    Returns
    -------
    dict
        Variable name -> value, or ``None`` for a variable that must not be set.

    >>> settings("reference")["OPENBLAS_NUM_THREADS"]
    '1'
    >>> settings("perturbed")["NPY_ENABLE_CPU_FEATURES"] is None
    True
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    dispatch, features = _cpu()
    x86 = platform.machine().lower() in ("x86_64", "amd64")
    if kind == "reference":
        # Elsewhere (arm64, say) the stored last bits cannot be matched anyway: keep the native loops.
        keep = dispatch[: dispatch.index(_REFERENCE_X86_LEVEL) + 1] if x86 and _REFERENCE_X86_LEVEL in dispatch else dispatch
        coretype = "Haswell" if x86 and features.get("AVX2") and features.get("FMA3") else None
    else:
        keep = []
        # SSE without FMA, which every CPU NumPy runs on has. Not Sandybridge (AVX without FMA): its
        # float32 kernel leaves the upper halves of the vector registers dirty, and on some CPUs (an
        # AVX-512 Xeon, seen here) the SSE code after it, SciPy's expit say, then runs 40x slower.
        coretype = "Nehalem" if x86 else "ARMV8"
    disable = [target for target in dispatch if target not in keep and features.get(target)]
    chosen = dict.fromkeys(_CONTROLLED)
    chosen.update(_SINGLE_THREAD, OPENBLAS_CORETYPE=coretype, NPY_DISABLE_CPU_FEATURES=" ".join(disable) or None)
    return chosen


def environment(kind="reference", base=None):
    """A copy of ``base`` (default ``os.environ``) with environment ``kind`` applied.

    >>> environment("reference", {"OPENBLAS_CORETYPE": "SkylakeX", "HOME": "/h"})["HOME"]
    '/h'
    """
    env = dict(os.environ if base is None else base)
    for name, value in settings(kind).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def apply(kind="reference"):
    """Put environment ``kind`` into ``os.environ``, for the processes this one starts from now on."""
    wanted = environment(kind)
    for name in set(os.environ) - set(wanted):
        del os.environ[name]
    os.environ.update(wanted)


def main(argv):
    if not argv or argv[0] not in KINDS:
        sys.exit(f"usage: python -m gradflow.fpenv {{{'|'.join(KINDS)}}} [command ...]")
    kind, command = argv[0], argv[1:]
    if not command:
        for name, value in settings(kind).items():
            print(f"{name}={value}" if value is not None else f"unset {name}")
        return
    os.execvpe(command[0], command, environment(kind))


if __name__ == "__main__":
    main(sys.argv[1:])
