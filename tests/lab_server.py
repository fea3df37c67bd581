"""A JupyterLab server for the tests, on 127.0.0.1 with a random token, stopped by its process id."""

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

AS_ROOT = ["--allow-root"] if os.geteuid() == 0 else []


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def jupyter_lab(command, log, **popen):
    """Run the JupyterLab ``command`` on 127.0.0.1; yield ``(url, token)``; stop it by its process id."""
    port, token = free_port(), secrets.token_hex(16)
    command = [*command, "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}", *AS_ROOT]
    url = f"http://127.0.0.1:{port}"
    with open(log, "w") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, **popen)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, f"JupyterLab exited with {server.returncode}: {Path(log).read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"JupyterLab did not answer within 90 s: {Path(log).read_text()[-2000:]}"
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                break
            time.sleep(0.3)
        yield url, token
    finally:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def get_json(url, token, path):
    with urllib.request.urlopen(f"{url}{path}?token={token}", timeout=10) as response:
        return json.load(response)
