"""Benchmark 2: wall-clock time to execute every chapter of the book from a fresh kernel.

Each notebook listed in _toc.yml is run with ``jupyter nbconvert --to notebook --execute --stdout``
(output discarded, stored notebooks untouched), one after the other. Targets: the total at most
180 s and no chapter over 30 s, on the project's 2-core machine.

    .venv/bin/python benchmarks/book_execution.py
"""

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import write_section  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JUPYTER = os.path.join(ROOT, ".venv", "bin", "jupyter")
TOTAL_TARGET, CHAPTER_TARGET = 180.0, 30.0


def toc_notebooks():
    """The notebooks of _toc.yml, in book order (lines such as ``- file: chapters/sigmoid``)."""
    notebooks = []
    for line in open(os.path.join(ROOT, "_toc.yml"), encoding="utf-8"):
        stripped = line.strip()
        for key in ("- file:", "root:"):
            if stripped.startswith(key):
                path = stripped[len(key):].strip() + ".ipynb"
                if os.path.exists(os.path.join(ROOT, path)):
                    notebooks.append(path)
    return notebooks


def main():
    rows, total = [], 0.0
    # Figures go to a scratch folder: a benchmark must not rewrite the committed figures/.
    env = {**os.environ, "GRADFLOW_FIGURES": tempfile.mkdtemp(prefix="gradflow-bench-figures-")}
    print(f"{'chapter':45s} {'seconds':>8s}")
    for notebook in toc_notebooks():
        start = time.perf_counter()
        run = subprocess.run(
            [JUPYTER, "nbconvert", "--to", "notebook", "--execute", "--stdout", notebook],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        seconds = time.perf_counter() - start
        status = "ok" if run.returncode == 0 else "FAILED"
        total += seconds
        rows.append((notebook, seconds, status))
        print(f"{notebook:45s} {seconds:8.1f} {status}", flush=True)
    slowest = max(rows, key=lambda row: row[1]) if rows else ("none", 0.0, "")
    print(f"{'total':45s} {total:8.1f}")
    lines = ["| chapter | seconds | ≤ 30 s | ran |", "|---|---:|:---:|:---:|"]
    lines += [f"| `{name}` | {seconds:.1f} | {'yes' if seconds <= CHAPTER_TARGET else 'no'} | {status} |"
              for name, seconds, status in rows]
    lines.append(f"| **total** | **{total:.1f}** | {'yes' if total <= TOTAL_TARGET else 'no'} (≤ 180 s) | |")
    note = (
        f"Each chapter of `_toc.yml` executed from a fresh kernel by `jupyter nbconvert --execute --stdout`, "
        f"sequentially (includes kernel start-up, about 1–2 s per chapter). Targets: total ≤ {TOTAL_TARGET:.0f} s "
        f"(met: {'yes' if total <= TOTAL_TARGET else 'no'}), no chapter over {CHAPTER_TARGET:.0f} s "
        f"(met: {'yes' if slowest[1] <= CHAPTER_TARGET else 'no'}; slowest `{slowest[0]}`, {slowest[1]:.1f} s). "
        f"{os.environ.get('BENCH_NOTE', '')}"
    )
    write_section("Whole-book execution", note + "\n\n" + "\n".join(lines))
    failed = [name for name, _, status in rows if status != "ok"]
    if failed:
        # Reported in the table; not fatal, so that `make bench` still measures the build.
        print(f"chapters that failed to execute: {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
