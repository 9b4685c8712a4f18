"""Benchmark the resolver on a synthetic registry of PLUGINS plugins x 5 versions.

    python bench/resolve_bench.py [PLUGINS]     (default 10000)

Prints: the time to resolve a request whose closure spans 200 plugins, a backtracking case
(the newest versions of a dependency rejected level after level), and chains of growing
length. Targets (issue 3): closure of 200 plugins < 2 s. Where the newest release of
everything works, the newest plan answers without a search; the search alone is timed too.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from plugindex.resolve.resolver import Options, Release, Resolution, Want, resolve, search

CLUSTER = 200  # plugins depend only on earlier plugins of their cluster: closures <= 200


def registry(plugins: int, seed: int = 7) -> dict[str, list[Release]]:
    """Plugin i requires 1-3 earlier plugins of its cluster (the last one of each cluster
    reaches all of it); 5 versions each, the newest two for host 2 only."""
    rng = random.Random(seed)
    out: dict[str, list[Release]] = {}
    for i in range(plugins):
        name = f"p{i:05d}"
        first = i - i % CLUSTER
        deps = sorted({f"p{rng.randrange(first, i):05d}" for _ in range(rng.randint(1, 3))}
                      | ({f"p{i - 1:05d}"} if i > first else set())) if i > first else []
        out[name] = [
            Release(name, Version(f"{v}.0.0"),
                    tuple((d, SpecifierSet(f">={rng.randint(1, 3)}.0")) for d in deps),
                    host=SpecifierSet(">=1.0" if v < 4 else ">=2.0"))
            for v in range(1, 6)
        ]
    return out


def timed(label: str, catalog: dict[str, list[Release]], request: list[Want],
          options: Options, engine: Callable[..., Resolution] = resolve) -> None:
    start = time.perf_counter()
    result = engine(catalog.get, request, options)
    elapsed = time.perf_counter() - start
    state = "ok" if result.ok else (result.undecided or result.problems[0].kind)
    print(f"  {label:40} {elapsed:7.2f} s  {state}, {len(result.chosen)} plugins in the plan")


def main() -> None:
    plugins = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    catalog = registry(plugins)
    print(f"{plugins} plugins x 5 versions")
    # The last plugin of a cluster: a closure of 200 plugins.
    top = f"p{CLUSTER - 1:05d}"
    for host in ("2.0", "1.5"):
        timed(f"closure of 200 plugins, host {host}", catalog, [Want(top)],
              Options(host=Version(host), time_budget=60))
        timed("  the same, resolvelib's search only", catalog, [Want(top)],
              Options(host=Version(host), time_budget=60), search)
    timed("5 clusters requested at once (1000)", catalog,
          [Want(f"p{c * CLUSTER + CLUSTER - 1:05d}") for c in range(5)],
          Options(host=Version("2.0"), time_budget=60))
    # Backtracking: each level's newest version needs a missing-in-range dependency.
    for depth in (3, 5, 7):
        deep: dict[str, list[Release]] = {}
        for level in range(depth):
            name, dep = f"l{level}", f"l{level + 1}"
            deep[name] = [Release(name, Version(f"{v}.0.0"),
                                  ((dep, SpecifierSet(">=5" if v == 5 else ">=1")),))
                          for v in range(1, 6)]
        deep[f"l{depth}"] = [Release(f"l{depth}", Version(f"{v}.0.0")) for v in range(1, 5)]
        timed(f"backtracking through {depth} levels", deep, [Want("l0")],
              Options(time_budget=60))
    # A conflict hidden at the bottom of a chain: every version of l(d-1) needs l(d) >= 2,
    # while another request pins l(d) to 1.0.0. Nothing works; how fast is that known?
    for depth in (3, 5, 7, 9):
        hidden: dict[str, list[Release]] = {}
        for level in range(depth):
            name, dep = f"l{level}", f"l{level + 1}"
            need = ">=2" if level == depth - 1 else ">=1"
            hidden[name] = [Release(name, Version(f"{v}.0.0"), ((dep, SpecifierSet(need)),))
                            for v in range(1, 6)]
        hidden[f"l{depth}"] = [Release(f"l{depth}", Version(f"{v}.0.0")) for v in range(1, 6)]
        hidden["z"] = [Release("z", Version("1.0.0"), ((f"l{depth}", SpecifierSet("==1.0.0")),))]
        timed(f"conflict hidden {depth} levels down", hidden, [Want("l0"), Want("z")],
              Options(time_budget=60))
    for length in (250, 500, 1000):
        chain = {f"c{i}": [Release(f"c{i}", Version("1.0.0"),
                                   ((f"c{i + 1}", SpecifierSet("")),) if i < length - 1 else ())]
                 for i in range(length)}
        timed(f"chain of {length}", chain, [Want("c0")], Options(time_budget=60))


if __name__ == "__main__":
    main()
