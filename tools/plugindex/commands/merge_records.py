"""plugindex merge-records: take scan and audit records handed over by other jobs into index/cache/.

The publish and audit workflows scan in jobs that hold no write token (one per shard) and hand
their records over as artifacts (``plugindex scan --export DIR``: the records and their
receipt); the job that commits merges them with this command. Every directory must hold
exactly the records its receipt lists (``scan.receipt``); with ``--shards N``, the receipts
must be those of shards 1 to N, each once, of one commit. Every record is checked (its path,
size, JSON form, and that it is the record its file name digests: ``records.record_problem``),
and two directories holding different bytes for one record are a conflict. A directory that
is missing (a shard that failed or uploaded nothing) is an error: nothing is written unless
everything is right. Exit 0 merged, 1 a record or receipt was refused, 2 a directory is
missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from plugindex.adapters.fsutil import write_atomic
from plugindex.errors import EnvironmentProblem
from plugindex.layout import RECORDS_DIR, find_root
from plugindex.scan.receipt import (
    RECEIPT,
    Receipt,
    contents_problems,
    parse_receipt,
    shards_problems,
)
from plugindex.scan.records import record_problem
from plugindex.scan.shard import parse_count


def _count(text: str) -> int:
    try:
        return parse_count(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dirs", nargs="+", type=Path, metavar="DIR",
                   help="directories written by 'plugindex scan --export DIR'")
    p.add_argument("--shards", type=_count, metavar="N",
                   help="the directories are the exports of 'scan --shard K/N' (or audit) for "
                        "K = 1..N: refuse them unless every shard is there, once")


def _directory(base: Path) -> tuple[dict[str, bytes], bytes | None, list[str]]:
    """(record path -> bytes, the receipt's bytes, problems) of one exported directory."""
    files: dict[str, bytes] = {}
    receipt = None
    problems = []
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(base).as_posix()
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            problems.append(f"{base}/{rel}: not a regular file")
        elif path.is_file() and rel == RECEIPT:
            receipt = path.read_bytes()
        elif path.is_file():
            files[rel] = path.read_bytes()
    return files, receipt, problems


def collect(dirs: list[Path], shards: int | None = None
            ) -> tuple[dict[str, bytes], list[str]]:
    """(record path under index/cache/ -> bytes, problems) over every directory."""
    found: dict[str, bytes] = {}
    problems: list[str] = []
    receipts: list[tuple[str, Receipt]] = []
    for base in dirs:
        if not base.is_dir():
            raise EnvironmentProblem(f"{base} is not a directory: a scan's records are missing")
        files, receipt_data, trouble = _directory(base)
        problems += trouble
        if receipt_data is None:
            problems.append(f"{base}: no {RECEIPT} (not written by 'plugindex scan --export', "
                            "or the hand-over lost it)")
        else:
            try:
                receipt = parse_receipt(receipt_data)
            except ValueError as exc:
                problems.append(f"{base}/{RECEIPT}: {exc}")
            else:
                receipts.append((str(base), receipt))
                problems += [f"{base}/{why}" for why in contents_problems(receipt, files)]
        for rel, data in files.items():
            why = record_problem(rel, data)
            if why is not None:
                problems.append(f"{base}/{rel}: {why}")
            elif rel in found and found[rel] != data:
                problems.append(f"{base}/{rel}: differs from the same record of another "
                                "directory")
            else:
                found[rel] = data
    if shards is not None:
        problems += shards_problems(receipts, shards)
    return found, problems


def run(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    records, problems = collect(list(args.dirs), args.shards)
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
