"""Generate a synthetic registry of N manifests in a git repository (via git fast-import).

    python bench/generate.py DIR N [VERSIONS | long-tail]

Plugins get 1-6 versions (or exactly VERSIONS), in-repository sources, requirements on 0-2
earlier plugins with ranges that sometimes exclude the newest versions, newest versions that
sometimes need host 2, and realistic field sizes. The history has one commit per 1,000
manifests. With 'long-tail', the shape of a real registry's history instead: a few plugins
with 200-300 versions, a long tail with a handful, one commit per manifest.
Deterministic for a given N and VERSIONS (or shape).
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

REGISTRY = Path(__file__).resolve().parent.parent / "registry.yaml"
CATEGORIES = ["database-provider", "ai-provider", "authentication", "ui-components",
              "build-tools", "deployment", "testing", "monitoring", "analytics"]
WORDS = ("fast", "mongo", "react", "vector", "auth", "token", "cache", "queue", "metric",
         "trace", "chat", "embed", "search", "graph", "sync", "form", "table", "chart",
         "index", "store", "stream", "agent", "prompt", "model", "deploy")


RANGES = [">=1.0", ">=1.0", ">=1.0", ">=1.1", ">=1.2", "<1.4", ">=1.1,<1.4"]


def manifest(name: str, version: str, requires: list[str], rng: random.Random,
             host: str = ">=1.0,<3") -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(60))
    lines = [
        "schema: 1",
        f"name: {name}",
        f'version: "{version}"',
        f"summary: {name} plugin for FARM applications ({rng.choice(WORDS)} support)",
        f"description: |\n  # {name}\n\n  {words}\n\n  ## Usage\n\n  Install and register.",
        f"category: {rng.choice(CATEGORIES)}",
        f"tags: [{rng.choice(WORDS)}, {rng.choice(WORDS)}x]",
        "capabilities: [routes, models]",
        "permissions: [network]",
        "maintainers:",
        f"  - github: author{rng.randrange(500)}",
        "license: MIT",
        f"homepage: https://github.com/farm-bench/{name}",
        "source:",
        f"  path: examples/plugins/{name}",
        f'host: "{host}"',
        "requires:",
        '  python: ">=3.10"',
        "  packages: [\"fastapi>=0.110\", \"pydantic>=2\"]",
    ]
    if requires:
        lines.append("  plugins:")
        lines += [f'    {r}: "{rng.choice(RANGES)}"' for r in requires]
    return "\n".join(lines) + "\n"


def long_tail(count: int, rng: random.Random) -> list[int]:
    """Versions per plugin shaped like a real registry's history: a few long-lived plugins
    with 200-300 versions (the first has 300), a long tail of plugins with a handful."""
    sizes = [300, *(rng.randint(200, 299) for _ in range(min(4, count // 1000)))]
    while sum(sizes) < count:
        sizes.append(min(300, int(rng.paretovariate(1.1))))
    sizes[-1] -= sum(sizes) - count
    return [s for s in sizes if s > 0]


def generate(root: Path, count: int, versions_each: int | None = None,
             shape: str = "uniform") -> None:
    """``shape``: 'uniform' (1-6 versions a plugin, one commit per 1,000 manifests) or
    'long-tail' (see ``long_tail``; one commit per manifest, versions of different plugins
    interleaved in time over three years, as pull requests merge)."""
    seed = count if versions_each is None else count * 10 + versions_each
    rng = random.Random(seed if shape == "uniform" else f"{shape}-{seed}")
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    (root / ".git" / "info" / "exclude").write_text("/.cache/\n")
    setup: list[tuple[str, bytes]] = [("registry.yaml", REGISTRY.read_bytes())]
    timed: list[tuple[int, str, bytes]] = []  # (time, path, data): one commit each
    sizes = long_tail(count, rng) if shape == "long-tail" else None
    made = 0
    plugin = 0
    while made < count:
        name = f"plugin-{plugin:06d}"
        planned = sizes[plugin] if sizes is not None else versions_each or rng.randint(1, 6)
        versions = min(planned, count - made)
        requires = [f"plugin-{rng.randrange(plugin):06d}" for _ in range(rng.randint(0, 2))
                    ] if plugin else []
        setup.append((f"examples/plugins/{name}/README.md", f"# {name}\n".encode()))
        start = rng.randrange(86400 * 365) if sizes is not None else 0
        step = max(3600, (86400 * 3 * 365 - start) // max(versions, 1))
        for v in range(versions):
            version = f"1.{v}.0"
            host = ">=2.0,<3" if v >= 4 and rng.random() < 0.3 else ">=1.0,<3"
            text = manifest(name, version, sorted(set(requires)), rng, host)
            timed.append((start + v * step + plugin, f"submissions/{name}/{version}.yaml",
                          text.encode()))
        made += versions
        plugin += 1
    stream = bytearray()
    stamp = 1_700_000_000
    if shape == "uniform":
        files = setup + [(path, data) for _, path, data in timed]
        batches = [(stamp + 60 * (i + 1), files[i * 1000:(i + 1) * 1000])
                   for i in range(-(-len(files) // 1000))]
    else:
        batches = [(stamp, setup)] + [(stamp + 60 + t, [(path, data)])
                                      for t, path, data in sorted(timed)]
    for when, batch in batches:
        stream += b"commit refs/heads/main\n"
        stream += f"committer Bench <bench@example.com> {when} +0000\n".encode()
        stream += b"data 5\nbatch\n"
        for path, data in batch:
            stream += f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n"
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=bytes(stream), check=True)
    # No checkout: plugindex build reads git, and writes only index/ into the work tree.
    subprocess.run(["git", "symbolic-ref", "HEAD", "refs/heads/main"], cwd=root, check=True)


def main() -> None:
    extra = sys.argv[3] if len(sys.argv) > 3 else None
    if extra == "long-tail":
        generate(Path(sys.argv[1]), int(sys.argv[2]), shape="long-tail")
    else:
        generate(Path(sys.argv[1]), int(sys.argv[2]), int(extra) if extra else None)


if __name__ == "__main__":
    main()
