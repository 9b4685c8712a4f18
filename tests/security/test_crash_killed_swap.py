"""A build killed between the two renames of the swap leaves no index/v1, only index/v1.old-PID
(and its index/v1.new-PID). Every command that reads index/v1 puts it back first, under the
build lock, byte for byte, and removes the leftovers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from plugindex.adapters import fsutil
from plugindex.cli import main
from tests.conftest import VALID_MANIFEST, GitRegistry

ROOT = Path(__file__).resolve().parents[2]

# A real build process that dies (no cleanup, no unwinding) right between the two renames:
# the published tree has been moved aside, the new one not yet moved in.
KILLED_BUILD = """
import os, sys
from pathlib import Path
import plugindex.adapters.fsutil as fsutil
real_replace = os.replace
def dying_replace(src, dst):
    if Path(src).name.startswith("v1.new-"):
        os._exit(9)
    real_replace(src, dst)
fsutil.os.replace = dying_replace
from plugindex.cli import main
main(["build", "--root", sys.argv[1]])
"""


def siblings(reg: GitRegistry) -> list[str]:
    return sorted(p.name for p in (reg.root / "index").iterdir() if p.name.startswith("v1"))


def kill_between_renames(reg: GitRegistry) -> None:
    done = subprocess.run([sys.executable, "-c", KILLED_BUILD, str(reg.root)],
                          capture_output=True, check=False)
    assert done.returncode == 9, done.stderr
    names = siblings(reg)
    assert "v1" not in names
    assert [n.split("-")[0] for n in names] == ["v1.new", "v1.old"]


@pytest.fixture
def interrupted(git_registry: GitRegistry) -> tuple[GitRegistry, dict[str, bytes]]:
    """A registry whose committed, up-to-date index/v1 was swapped out by a killed build;
    with what `plugindex site` reads besides the index."""
    reg = git_registry
    reg.add_plugin("alpha", "1.0.0")
    reg.add_plugin("beta", "0.1.0", VALID_MANIFEST.format(name="beta", version="0.1.0")
                   + "requires:\n  plugins:\n    alpha: \">=1.0\"\n")
    reg.commit("alpha, beta")
    assert main(["build", "--root", str(reg.root)]) == 0
    reg.commit("index")
    shutil.copy(ROOT / "mkdocs.yml", reg.root)
    shutil.copytree(ROOT / "site", reg.root / "site")
    (reg.root / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "site_gen.py", reg.root / "tools")
    published = reg.index_bytes()
    kill_between_renames(reg)
    return reg, published


def readers(reg: GitRegistry, tmp_path: Path) -> dict[str, list[str]]:
    other = tmp_path / "other.yaml"
    other.write_text(VALID_MANIFEST.format(name="quartz-widget-kit", version="1.0.0"),
                     encoding="utf-8")
    return {
        "build-check": ["build", "--check"],
        "search": ["search", "plugin"],
        "resolve": ["resolve", "beta"],
        "score": ["score", "alpha"],
        "lookalikes": ["lookalikes", str(other)],
        "site": ["site", "--output", str(tmp_path / "site-out")],
    }


@pytest.mark.parametrize("reader", ["build-check", "search", "resolve", "score", "lookalikes",
                                    "site"])
def test_each_reader_puts_the_index_back_byte_for_byte(
        interrupted: tuple[GitRegistry, dict[str, bytes]], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], reader: str) -> None:
    reg, published = interrupted
    argv = readers(reg, tmp_path)[reader]
    assert main([*argv, "--root", str(reg.root)]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert reg.index_bytes() == published
    assert siblings(reg) == ["v1"]


def test_a_reader_waits_for_a_running_build_then_refuses(
        interrupted: tuple[GitRegistry, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """With the tree missing, recovering while another build holds the lock would race it:
    the reader waits (bounded) and refuses with exit 2, touching nothing."""
    reg, published = interrupted
    monkeypatch.setattr(fsutil, "LOCK_WAIT", 0.3)
    before = siblings(reg)
    with fsutil.build_lock(reg.root):
        assert main(["score", "alpha", "--root", str(reg.root)]) == 2
        assert siblings(reg) == before
    assert "Traceback" not in capsys.readouterr().err
    assert main(["score", "alpha", "--root", str(reg.root)]) == 0
    assert reg.index_bytes() == published


def test_a_running_builds_new_tree_is_left_alone(git_registry: GitRegistry) -> None:
    """A standing index is read at once while a build runs; its new tree is not removed."""
    reg = git_registry
    reg.add_plugin("alpha", "1.0.0")
    reg.commit("alpha")
    assert main(["build", "--root", str(reg.root)]) == 0
    running = reg.root / "index" / f"v1.new-{os.getpid() + 1}"
    (running / "plugins").mkdir(parents=True)
    with fsutil.build_lock(reg.root, wait=0):
        assert main(["score", "alpha", "--root", str(reg.root)]) == 0
        assert running.is_dir()
    assert main(["score", "alpha", "--root", str(reg.root)]) == 0  # no build: a leftover
    assert siblings(reg) == ["v1"]


def test_the_next_build_also_recovers(interrupted: tuple[GitRegistry, dict[str, bytes]]) -> None:
    reg, published = interrupted
    assert main(["build", "--root", str(reg.root)]) == 0
    assert reg.index_bytes() == published
    assert siblings(reg) == ["v1"]
