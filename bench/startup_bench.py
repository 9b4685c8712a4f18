"""Benchmark the command line's start: the CPU time (user + system) of a whole process.

    python bench/startup_bench.py [RUNS]      (default: 15)

Runs the installed ``plugindex`` (next to this interpreter) as a user would, each command
RUNS times, and prints the median and the worst CPU time of a process. Target (2-core
machine): ``plugindex --version`` and ``plugindex validate`` of one manifest of the default
registry under 0.3 s of CPU each. Commands import only their own modules (cli.py's lazy
table); GitPython loads on first use; jsonschema loads only when a schema check's result is
not in the user cache (``validate`` keeps them there, keyed by the code, the schema and the
file's bytes: the pre-commit hook's repeated runs). The cold run (``PLUGINDEX_NO_CACHE=1``, a
first run or a changed file: every manifest of the registry is schema-checked for the
registry-wide rules) is measured too, and reported without a target.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGINDEX = Path(sys.executable).with_name("plugindex")
TARGET = 0.3  # seconds of CPU
ONE_FILE = ["validate", "--root", str(ROOT),
            str(ROOT / "submissions" / "redis-cache" / "1.1.0.yaml")]
# name -> (arguments, extra environment, held to the target)
COMMANDS: dict[str, tuple[list[str], dict[str, str], bool]] = {
    "--version": (["--version"], {}, True),
    "validate one file": (ONE_FILE, {}, True),
    "validate, no cache": (ONE_FILE, {"PLUGINDEX_NO_CACHE": "1"}, False),
    "search --help": (["search", "--help"], {}, False),
}


def cpu_of(argv: list[str], env: dict[str, str]) -> float:
    """The CPU seconds one run of ``plugindex argv`` takes (its own and its children's)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([str(PLUGINDEX), *argv], check=True, capture_output=True, cwd=ROOT,
                   env={**os.environ, "PYTHONDONTWRITEBYTECODE": "", **env})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(runs: int) -> int:
    failed = False
    with tempfile.TemporaryDirectory(prefix="plugindex-bench-cache-") as cache:
        for name, (argv, extra, held) in COMMANDS.items():
            env = {"PLUGINDEX_CACHE_DIR": cache, **extra}
            cpu_of(argv, env)  # warm the file cache, the bytecode and the user cache
            times = sorted(cpu_of(argv, env) for _ in range(runs))
            median = statistics.median(times)
            verdict = ("ok" if median < TARGET else f"over the {TARGET} s target") if held \
                else "no target"
            failed |= held and median >= TARGET
            print(f"{name:20} median {median:.3f} s CPU, worst {times[-1]:.3f} s ({verdict})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 15))
