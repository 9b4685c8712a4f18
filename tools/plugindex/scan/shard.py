"""Shards of a scan: a stable split of the registry's plugins over N jobs.

A plugin's shard is a digest of its name, so it never moves while N stays the same, every
version of a plugin (and so every record under ``index/cache/<plugin>/``) is in one shard,
and the shards' record sets are disjoint: each shard's work is independent of the others'.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

MAX_SHARDS = 256


def shard_of(plugin: str, count: int) -> int:
    """The shard (1 to ``count``) that holds ``plugin``."""
    digest = hashlib.sha256(plugin.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    def holds(self, plugin: str) -> bool:
        return shard_of(plugin, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_count(text: str) -> int:
    """A number of shards, 1 to MAX_SHARDS; ValueError otherwise."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_SHARDS:
        raise ValueError(f"the number of shards must be 1 to {MAX_SHARDS}, not {text!r}")
    return int(text)


def parse_shard(text: str) -> Shard:
    """``K/N`` with 1 <= K <= N <= MAX_SHARDS; ValueError otherwise."""
    index, slash, count = text.partition("/")
    if not slash or not all(part.isascii() and part.isdigit() for part in (index, count)):
        raise ValueError(f"{text!r} is not K/N (for example 2/3)")
    shard = Shard(int(index), parse_count(count))
    if not 1 <= shard.index <= shard.count:
        raise ValueError(f"shard {shard.index} does not exist among {shard.count}")
    return shard
