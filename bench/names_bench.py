"""Benchmark name_neighbours against 10,000 existing names (issue 6).

    python bench/names_bench.py

Names are built from the default registry's words (so many share prefixes, as siblings do)
plus random ten-letter names; each query is timed with a cold cache (the first review in a
process) and a warm one. Expected: tens of milliseconds cold, under 10 ms warm.
"""

from __future__ import annotations

import json
import random
import statistics
import string
import time
from pathlib import Path

from plugindex.search import names
from plugindex.search.names import name_neighbours

INDEX = Path(__file__).resolve().parent.parent / "index" / "v1" / "index.json"


def main() -> None:
    registry = [p["name"] for p in json.loads(INDEX.read_bytes())["plugins"]]
    rng = random.Random(7)
    words = [w for name in registry for w in name.split("-")]
    existing = {"-".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
                for _ in range(30_000)}
    existing |= {"".join(rng.choices(string.ascii_lowercase, k=10)) for _ in range(5_000)}
    sample = sorted(existing)[:10_000]
    queries = [name[:-1] + "x" for name in rng.sample(sample, 50)] + ["mongo-odn", "auth-jvt"]
    cold, warm = [], []
    for q in queries:
        names._forms.cache_clear()
        start = time.perf_counter()
        name_neighbours(q, sample)
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        name_neighbours(q, sample)
        warm.append(time.perf_counter() - start)
    print(f"name_neighbours over {len(sample)} names: cold median "
          f"{statistics.median(cold) * 1000:.1f} ms, warm median "
          f"{statistics.median(warm) * 1000:.1f} ms (max {max(warm) * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
