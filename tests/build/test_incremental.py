"""An incremental build equals a build from scratch, after any sequence of changes.

Each step commits a random change (new plugins and versions, yanks, deletions, broken and
repaired manifests, references that appear and disappear, changed sources, merges), then
builds incrementally with the cache of the previous steps and compares the result (exit code,
every diagnostic, every byte of the index) with a cold build of the same commit in a fresh
clone.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from plugindex.adapters.gitrepo import GitRepo
from plugindex.build.builder import Builder
from plugindex.search import related
from tests.conftest import GIT_ENV, VALID_MANIFEST, GitRegistry

RANGES = [">=1.0", ">=1.0", ">=2", "<2", "==1.0.0", ""]


def manifest(name: str, version: str, rng: random.Random, names: list[str]) -> str:
    """Requirements and conflicts with ranges that later versions and yanks can satisfy or
    break, and host ranges, so that installability moves with changes elsewhere."""
    text = VALID_MANIFEST.format(name=name, version=version)
    if rng.random() < 0.2:
        text = text.replace('host: ">=1.0"', f'host: "{rng.choice(["<2", ">=2", ">=1.2"])}"')
    others = [n for n in names if n != name]
    if others and rng.random() < 0.5:
        text += f'requires:\n  plugins:\n    {rng.choice(others)}: "{rng.choice(RANGES)}"\n'
    if others and rng.random() < 0.15:
        text += f'conflicts:\n  {rng.choice(others)}: "{rng.choice(RANGES)}"\n'
    if rng.random() < 0.1:
        text += "yanked: broken release\n"
    return text


ALL_ACTIONS = ["new-plugin", "new-version", "new-version", "yank", "delete-version",
               "delete-plugin", "break", "repair", "source", "rename-field", "require-ghost",
               "conflict-ghost", "lose-source"]
# Changes that keep the registry publishable and move what depends on the changed plugin.
DEPENDENCY_ACTIONS = ["new-plugin", "new-version", "new-version", "yank", "delete-version"]


def step(reg: GitRegistry, rng: random.Random, actions: list[str] = ALL_ACTIONS) -> str:
    """Make one random change; return what it was (for failure messages)."""
    sub = reg.root / "submissions"
    plugins = sorted(p.name for p in sub.iterdir()) if sub.exists() else []
    action = rng.choice(actions)
    if action == "new-plugin" or not plugins:
        name = f"p{rng.randrange(100):02d}"
        reg.add_plugin(name, "1.0.0", manifest(name, "1.0.0", rng, plugins))
        return f"new plugin {name}"
    name = rng.choice(plugins)
    versions = sorted(p for p in (sub / name).iterdir())
    if action == "new-version":
        version = f"{len(versions) + 1}.0.0"
        reg.add_plugin(name, version, manifest(name, version, rng, plugins))
    elif action == "yank" and versions:
        path = rng.choice(versions)
        if "yanked:" not in path.read_text():
            path.write_text(path.read_text() + "yanked: found a bug\n")
    elif action == "delete-version" and len(versions) > 1:
        rng.choice(versions).unlink()
    elif action == "delete-plugin":
        shutil.rmtree(sub / name)
    elif action == "break" and versions:
        path = rng.choice(versions)
        path.write_text(path.read_text().replace("license: MIT", "license: [MIT]"))
    elif action == "repair":
        for path in versions:
            text = path.read_text().replace("license: [MIT]", "license: MIT")
            text = text.replace("name: wrong", f"name: {name}")
            text = text.replace("path: plugins/nowhere", f"path: plugins/{name}")
            path.write_text(text.split("requires:\n  plugins:\n    ghost")[0])
    elif action == "source":
        reg.write(f"plugins/{name}/extra_{rng.randrange(1000)}.py", "X = 1\n")
    elif action in ("require-ghost", "conflict-ghost") and versions:
        # A registry-wide finding (an error, or a warning that still publishes) while the
        # set of plugin names stays the same.
        path = rng.choice(versions)
        text = path.read_text()
        if "ghost" not in text and "requires:" not in text and "conflicts:" not in text:
            if action == "require-ghost":
                text += 'requires:\n  plugins:\n    ghost: ">=1"\n'
            else:
                text += 'conflicts:\n  ghost: ">=1"\n'
            path.write_text(text)
    elif action == "lose-source" and versions:
        path = rng.choice(versions)
        path.write_text(path.read_text().replace(f"path: plugins/{name}\n",
                                                 "path: plugins/nowhere\n"))
    elif action == "rename-field" and versions:
        path = rng.choice(versions)
        path.write_text(path.read_text().replace(f"name: {name}\n", "name: wrong\n"))
    return f"{action} {name}"


def cold_build(reg: GitRegistry, tmp: Path) -> tuple[object, dict[str, bytes]]:
    clone = tmp / "cold"
    if clone.exists():
        shutil.rmtree(clone)
    subprocess.run(["git", "clone", "-q", str(reg.root), str(clone)], check=True,
                   env={**GIT_ENV, "PATH": "/usr/bin:/bin"})
    outcome = Builder(GitRepo(clone)).build()
    other = GitRegistry(clone)
    return outcome, other.index_bytes()


def summary(outcome: object) -> tuple[object, ...]:
    return (outcome.ok, outcome.diagnostics, outcome.plugins,  # type: ignore[attr-defined]
            outcome.versions)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("seed", "actions", "ageing", "drift"), [
    (1, ALL_ACTIONS, False, None), (2, ALL_ACTIONS, False, None),
    (3, ALL_ACTIONS, False, None), (4, ALL_ACTIONS, False, None),
    (5, DEPENDENCY_ACTIONS, False, None), (6, DEPENDENCY_ACTIONS, False, None),
    (7, ALL_ACTIONS, True, None), (8, DEPENDENCY_ACTIONS, True, None),
    (9, ALL_ACTIONS, False, 100.0),
], ids=["all-1", "all-2", "all-3", "all-4", "dependencies-5", "dependencies-6",
        "ageing-all-7", "ageing-dependencies-8", "kept-related-9"])
def test_incremental_build_equals_cold_build(git_registry: GitRegistry, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch, seed: int,
                                             actions: list[str], ageing: bool,
                                             drift: float | None) -> None:
    """Random changes, each built incrementally and cold: the same index, byte for byte.
    With ``ageing``, weeks to months pass between changes, so that month boundaries come and
    go and releases age past the score's date-dependent thresholds (plugins render again, or
    do not, by the span their scores hold over). With ``drift``, related plugins are kept
    from the committed related.json however many plugins change (the registries here are
    small: at the default drift, a change or two refreshes them all)."""
    if drift is not None:
        monkeypatch.setattr(related, "DRIFT", drift)
    rng = random.Random(seed)
    kept_steps = 0
    reg = git_registry
    history = []
    if actions is DEPENDENCY_ACTIONS:
        # Start from plugins that depend on each other, so that churn reaches dependents.
        names: list[str] = []
        for i in range(8):
            name = f"p{i * 10:02d}"
            reg.add_plugin(name, "1.0.0", manifest(name, "1.0.0", rng, names))
            names.append(name)
        reg.commit("eight plugins")
    for _ in range(14):
        if ageing:
            days = rng.choice([1, 12, 25, 40, 75, 130, 220])
            reg.clock += days * 86400
            history.append(f"{days} days later")
        history.append(step(reg, rng, actions))
        if rng.random() < 0.2:
            # A change on a branch, merged with a merge commit.
            reg.git("checkout", "-q", "-b", f"topic{len(history)}")
            history.append(step(reg, rng, actions))
            reg.commit("topic")
            reg.git("checkout", "-q", "main")
            reg.git("merge", "-q", "--no-ff", "-m", "merge", f"topic{len(history) - 1}")
        else:
            reg.commit(history[-1])
        incremental = Builder(GitRepo(reg.root)).build()
        cold, cold_index = cold_build(reg, tmp_path)
        assert summary(incremental) == summary(cold), history
        if incremental.ok:
            assert reg.index_bytes() == cold_index, history
            published = json.loads(cold_index["related.json"])
            kept_steps += published["basis"]["changed"] > 0
    assert drift is None or kept_steps  # lists were kept, not only computed afresh


def test_check_at_an_older_commit_then_build_again(git_registry: GitRegistry) -> None:
    """The cache follows the commit it last saw, forwards or backwards."""
    reg = git_registry
    reg.add_plugin("alpha", "1.0.0")
    first = reg.commit()
    reg.add_plugin("beta", "1.0.0")
    reg.commit()
    assert Builder(GitRepo(reg.root)).build().plugins == 2
    assert Builder(GitRepo(reg.root)).build(first, check=True).plugins == 1
    again = Builder(GitRepo(reg.root)).build()
    assert again.plugins == 2
    assert again.ok
