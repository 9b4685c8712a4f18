"""The receipt of an export: what one scan job hands over, so that the job that merges can
tell a complete hand-over from a partial one.

``plugindex scan --export DIR`` (and ``audit``) writes ``DIR/receipt.json`` beside the records:
the command, the commit scanned, the shard (if any) and the sha256 of every record exported.
``merge-records`` takes a directory only when its files are exactly those its receipt lists
(a record lost or added in transit is refused), and with ``--shards N`` only when the receipts
are those of shards 1 to N, each once, of one commit, and each record belongs to its shard.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from plugindex.scan.shard import Shard, parse_shard, shard_of

RECEIPT = "receipt.json"
RECEIPT_FORMAT = 1
MAX_RECEIPT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Receipt:
    command: str  # scan | audit
    commit: str
    shard: Shard | None
    records: Mapping[str, str]  # path under index/cache/ -> sha256 of its bytes


def receipt_bytes(receipt: Receipt) -> bytes:
    return (json.dumps({
        "format": RECEIPT_FORMAT, "command": receipt.command, "commit": receipt.commit,
        "shard": None if receipt.shard is None else str(receipt.shard),
        "records": dict(sorted(receipt.records.items())),
    }, indent=1, sort_keys=True) + "\n").encode()


def digests(records: Mapping[str, bytes]) -> dict[str, str]:
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in records.items()}


def parse_receipt(data: bytes) -> Receipt:
    """ValueError when ``data`` is not a receipt."""
    if len(data) > MAX_RECEIPT_BYTES:
        raise ValueError(f"larger than {MAX_RECEIPT_BYTES} bytes")
    raw = json.loads(data)
    if not isinstance(raw, dict) or raw.get("format") != RECEIPT_FORMAT:
        raise ValueError(f"not a receipt of format {RECEIPT_FORMAT}")
    command, commit, shard, records = (raw.get(k) for k in ("command", "commit", "shard",
                                                            "records"))
    if command not in ("scan", "audit") or not isinstance(commit, str):
        raise ValueError("its command or commit is missing")
    if not isinstance(records, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in records.items()):
        raise ValueError("its records are not a mapping of paths to digests")
    parsed = None
    if shard is not None:
        try:
            parsed = parse_shard(str(shard))
        except ValueError as exc:
            raise ValueError(f"its shard: {exc}") from None
    return Receipt(command, commit, parsed, records)


def contents_problems(receipt: Receipt, found: Mapping[str, bytes]) -> list[str]:
    """Why the records ``found`` in a directory are not the ones its receipt lists."""
    problems = [f"{rel}: listed in the receipt, missing" for rel in sorted(
        receipt.records.keys() - found.keys())]
    problems += [f"{rel}: not listed in the receipt" for rel in sorted(
        found.keys() - receipt.records.keys())]
    problems += [f"{rel}: its bytes are not the ones the receipt lists" for rel, data in
                 sorted(found.items()) if rel in receipt.records and
                 hashlib.sha256(data).hexdigest() != receipt.records[rel]]
    if receipt.shard is not None:
        problems += [f"{rel}: its plugin belongs to shard "
                     f"{shard_of(rel.split('/')[0], receipt.shard.count)}/{receipt.shard.count}"
                     f", not {receipt.shard}" for rel in sorted(found)
                     if not receipt.shard.holds(rel.split("/")[0])]
    return problems


def shards_problems(receipts: Sequence[tuple[str, Receipt]], count: int) -> list[str]:
    """Why ``receipts`` (directory, receipt) are not the shards 1 to ``count`` of one run."""
    problems = []
    seen: dict[int, str] = {}
    for where, receipt in receipts:
        if receipt.shard is None or receipt.shard.count != count:
            problems.append(f"{where}: the receipt is of shard {receipt.shard or 'none'}, "
                            f"not of one of {count} shards")
            continue
        if receipt.shard.index in seen:
            problems.append(f"{where}: shard {receipt.shard} again (also in "
                            f"{seen[receipt.shard.index]})")
        seen.setdefault(receipt.shard.index, where)
    problems += [f"shard {i}/{count}: no directory holds its records (the shard failed or its "
                 "hand-over was lost)" for i in range(1, count + 1) if i not in seen]
    commits = {r.commit for _, r in receipts}
    commands = {r.command for _, r in receipts}
    if len(commits) > 1:
        problems.append(f"the shards scanned different commits: {', '.join(sorted(commits))}")
    if len(commands) > 1:
        problems.append(f"the shards ran different commands: {', '.join(sorted(commands))}")
    return problems
