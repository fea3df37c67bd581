"""Online launch (``_ext/online_launch.py``): one setting, buttons only when set, and a Colab path that works.

The Colab path is tested by simulation: a fresh virtual environment that sees the book's installed
packages except gradflow (Colab has NumPy, SciPy, Matplotlib and ipywidgets, not gradflow), a fake
``google.colab`` module, and the repository URL pointed at this checkout.
"""

import subprocess
import sys
import sysconfig
import tomllib
import types
from pathlib import Path

import pytest
import yaml

import gradflow

from conftest import CHAPTERS, ROOT

sys.path.insert(0, str(ROOT / "_ext"))
import online_launch  # noqa: E402

REPOSITORY = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])  # the book's .venv


def test_every_chapter_starts_with_the_setup_cell_for_the_configured_repository():
    assert online_launch.stale_chapters(CHAPTERS, REPOSITORY["url"] or "", REPOSITORY.get("branch") or "main") == []


def test_a_changed_repository_setting_makes_every_chapter_stale():
    assert online_launch.stale_chapters(CHAPTERS, "https://example.org/other/book", "main") == CHAPTERS


@pytest.mark.parametrize("url", ["", "https://example.org/book"])
def test_launch_and_repository_buttons_only_when_the_repository_is_set(url):
    options = {"repository_url": url, "repository_branch": "main", "launch_buttons": {"colab_url": "https://colab"}}
    online_launch._launch_only_when_set(None, types.SimpleNamespace(html_theme_options=options))
    assert options["use_repository_button"] == bool(url)
    assert bool(options["launch_buttons"]) == bool(url)


def test_binder_gets_a_python_that_the_pinned_requirements_support():
    # repo2docker installs requirements.txt with the Python of runtime.txt (its default Python 3 is
    # older than the pins need), and with `-e .` there it installs after copying the whole repository.
    runtime = (ROOT / "runtime.txt").read_text().strip()
    minimum = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"].removeprefix(">=")
    assert runtime.startswith("python-")
    assert tuple(map(int, runtime.removeprefix("python-").split("."))) >= tuple(map(int, minimum.split(".")))
    assert "-e ." in (ROOT / "requirements.txt").read_text().splitlines()


@pytest.fixture(scope="module")
def colab_python(tmp_path_factory):
    """A Python with the book's packages but no gradflow, as on Colab; returns its executable."""
    folder = tmp_path_factory.mktemp("colab")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / "env")], check=True)
    packages = folder / "packages"
    packages.mkdir()
    for entry in SITE_PACKAGES.iterdir():
        if "gradflow" not in entry.name:
            (packages / entry.name).symlink_to(entry)
    env_site = next((folder / "env" / "lib").glob("python3*/site-packages"))
    (env_site / "book-packages.pth").write_text(f"{packages}\n")
    return folder / "env" / "bin" / "python"


def run_setup_cell(python, on_colab, tmp_path):
    """Run the setup cell for this checkout's HEAD in ``python``; returns the completed process."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    fake_colab = (
        "import sys, types\n"
        "sys.modules['google'] = types.ModuleType('google')\n"
        "sys.modules['google.colab'] = sys.modules['google'].colab = types.ModuleType('google.colab')\n"
    )
    cell = online_launch.setup_cell_source(ROOT.as_uri(), head)
    script = tmp_path / "cell.py"
    script.write_text((fake_colab if on_colab else "") + cell + "\nprint(gradflow.__file__)\n")
    # Offline: no package index, and the build backend (setuptools) from the environment.
    env = {"PATH": "/usr/bin:/bin", "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0", "HOME": str(tmp_path)}
    return subprocess.run([str(python), str(script)], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)


def test_setup_cell_installs_gradflow_from_the_repository_only_on_colab(colab_python, tmp_path):
    elsewhere = run_setup_cell(colab_python, on_colab=False, tmp_path=tmp_path)
    assert elsewhere.returncode != 0 and "No module named 'gradflow'" in elsewhere.stderr, elsewhere.stderr[-2000:]

    colab = run_setup_cell(colab_python, on_colab=True, tmp_path=tmp_path)
    assert colab.returncode == 0, colab.stderr[-3000:]
    version, location = colab.stdout.splitlines()[-2:]
    assert version == f"gradflow {gradflow.__version__}"
    # Installed, not the source tree; compared by path components, since a temporary folder's name may
    # begin with the checkout's (/tmp/ci and /tmp/ci-tmp).
    assert Path(location).is_relative_to(colab_python.parents[1]) and not Path(location).is_relative_to(ROOT), location
