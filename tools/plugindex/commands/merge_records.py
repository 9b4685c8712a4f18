"""plugindex merge-records: take scan and audit records handed over by other jobs into index/cache/.

The publish and audit workflows scan in jobs that hold no write token (one per shard) and hand
their records over as artifacts (``plugindex scan --export DIR``); the job that commits merges
them with this command. Every record is checked first (its path, size, JSON form, and that it
is the record its file name digests: ``records.record_problem``), two directories holding
different bytes for one record are a conflict, and a directory that is missing (a shard that
failed or uploaded nothing) is an error: nothing is written unless everything is right.
Exit 0 merged, 1 a record was refused or conflicted, 2 a directory is missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from plugindex.adapters.fsutil import write_atomic
from plugindex.errors import EnvironmentProblem
from plugindex.layout import RECORDS_DIR, find_root
from plugindex.scan.records import record_problem


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dirs", nargs="+", type=Path, metavar="DIR",
                   help="directories written by 'plugindex scan --export DIR'")


def collect(dirs: list[Path]) -> tuple[dict[str, bytes], list[str]]:
    """(record path under index/cache/ -> bytes, problems) over every directory."""
    found: dict[str, bytes] = {}
    problems: list[str] = []
    for base in dirs:
        if not base.is_dir():
            raise EnvironmentProblem(f"{base} is not a directory: a scan's records are missing")
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(base).as_posix()
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                problems.append(f"{base}/{rel}: not a regular file")
                continue
            if path.is_dir():
                continue
            data = path.read_bytes()
            why = record_problem(rel, data)
            if why is not None:
                problems.append(f"{base}/{rel}: {why}")
            elif rel in found and found[rel] != data:
                problems.append(f"{base}/{rel}: differs from the same record of another "
                                "directory")
            else:
                found[rel] = data
    return found, problems


def run(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    records, problems = collect(list(args.dirs))
    for problem in problems:
        print(f"refused {problem}", file=sys.stderr)
    if problems:
        print(f"merged nothing: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    changed = 0
    for rel, data in sorted(records.items()):
        target = root / RECORDS_DIR / rel
        try:
            same = target.read_bytes() == data
        except OSError:
            same = False
        if not same:
            write_atomic(target, data)
            changed += 1
    print(f"merged {len(records)} record(s) from {len(args.dirs)} director"
          f"{'y' if len(args.dirs) == 1 else 'ies'}: {changed} new or changed")
    return 0
