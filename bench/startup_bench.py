"""Benchmark the command line's start: the CPU time (user + system) of a whole process.

    python bench/startup_bench.py [RUNS]      (default: 15)

Runs the installed ``plugindex`` (next to this interpreter) as a user would, each command
RUNS times, and prints the median and the worst CPU time of a process. Target (2-core
machine): ``plugindex --version`` and ``plugindex validate`` of one manifest of the default
registry under 0.3 s of CPU each. Commands import only their own modules (cli.py's lazy
table); GitPython loads on first use.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGINDEX = Path(sys.executable).with_name("plugindex")
TARGET = 0.3  # seconds of CPU
COMMANDS = {
    "--version": ["--version"],
    "validate one file": ["validate", "--root", str(ROOT),
                          str(ROOT / "submissions" / "redis-cache" / "1.1.0.yaml")],
    "search --help": ["search", "--help"],
}


def cpu_of(argv: list[str]) -> float:
    """The CPU seconds one run of ``plugindex argv`` takes (its own and its children's)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([str(PLUGINDEX), *argv], check=True, capture_output=True, cwd=ROOT,
                   env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(runs: int) -> int:
    failed = False
    for name, argv in COMMANDS.items():
        cpu_of(argv)  # warm the file cache and the bytecode
        times = sorted(cpu_of(argv) for _ in range(runs))
        median = statistics.median(times)
        verdict = "ok" if median < TARGET else f"over the {TARGET} s target"
        failed |= median >= TARGET and name != "search --help"
        print(f"{name:20} median {median:.3f} s CPU, worst {times[-1]:.3f} s ({verdict})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 15))
