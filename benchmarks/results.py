"""Write one benchmark's table into benchmarks/results.md, keeping the other benchmarks' sections."""

import datetime
import os
import platform
import re

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.md")
TITLE = "# Benchmark results\n\nWritten by `make bench` (see `benchmarks/README.md`); each section is replaced when its benchmark runs.\n"


def write_section(heading, body):
    """Replace (or append) the section ``## heading`` of results.md with ``body`` and a run stamp."""
    text = open(RESULTS, encoding="utf-8").read() if os.path.exists(RESULTS) else TITLE
    stamp = (
        f"_Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}._"
    )
    section = f"## {heading}\n\n{stamp}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    with open(RESULTS, "w", encoding="utf-8") as handle:
        handle.write(text)
