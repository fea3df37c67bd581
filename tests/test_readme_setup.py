"""README's set-up without `make`, run here in its POSIX form so that it cannot rot.

Its own module, outside the JupyterLab group (tests/conftest.py): it starts a server of its own, so
either worker can take it.
"""

import os
import re
import subprocess

from conftest import ROOT
from lab_server import get_json, jupyter_lab


def readme_block(language, after):
    """The first ```language block of README.md after the text ``after``."""
    text = (ROOT / "README.md").read_text()
    return re.search(rf"```{language}\n(.*?)```", text[text.index(after):], re.S).group(1)


def test_readme_setup_without_make_starts_jupyterlab_on_the_chapters(tmp_path):
    """README's POSIX commands, run here: set up (in place, so quick), then start JupyterLab."""
    *setup, start = readme_block("bash", "Without `make`").strip().splitlines()
    # As a reader's shell: without the tests' own path to gradflow (conftest), only what the set-up installs.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    done = subprocess.run(["bash", "-e", "-c", "\n".join(setup)], cwd=ROOT, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    env.update(JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "user-settings"), JUPYTER_RUNTIME_DIR=str(tmp_path))
    # exec: the shell becomes JupyterLab, so the process id that is stopped is the server's.
    command = ["bash", "-c", f'. .venv/bin/activate && exec {start} "$@"', "bash"]
    with jupyter_lab(command, tmp_path / "server.log", cwd=ROOT, env=env) as (url, token):
        served = {item["name"] for item in get_json(url, token, "/api/contents")["content"]}
        notification = get_json(url, token, "/lab/api/settings/@jupyterlab/apputils-extension:notification")
    assert {p.name for p in (ROOT / "chapters").glob("*.ipynb")} <= served
    assert notification["schema"]["properties"]["fetchNews"]["default"] == "false"
