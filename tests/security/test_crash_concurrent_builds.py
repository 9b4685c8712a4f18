"""Two builds at once in one checkout used to die with sqlite3.OperationalError ("database is
locked", "disk I/O error") from the build cache or the reputation ledger. A build now holds the
checkout's build lock for its whole run: a second build waits for it (bounded), or is refused
with exit 2 and a one-line message; never a traceback, and the index stays whole."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from plugindex.adapters import fsutil
from plugindex.cli import main
from plugindex.layout import BUILD_LOCK
from plugindex.reputation import gather as reputationfacts
from plugindex.reputation.gather import LedgerStore
from tests.conftest import GitRegistry

PLUGINS = 24


@pytest.fixture
def many(git_registry: GitRegistry) -> GitRegistry:
    for i in range(PLUGINS):
        git_registry.add_plugin(f"plug{i}", "1.0.0")
        git_registry.commit(f"plug{i}")  # a history for the reputation ledger to fold
    return git_registry


def cold(reg: GitRegistry) -> None:
    shutil.rmtree(reg.root / ".cache", ignore_errors=True)
    shutil.rmtree(reg.root / "index", ignore_errors=True)


def test_concurrent_builds_wait_for_each_other(many: GitRegistry) -> None:
    for _ in range(3):
        cold(many)
        procs = [subprocess.Popen([sys.executable, "-m", "plugindex", "build", "--root",
                                   str(many.root)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE) for _ in range(3)]
        results = []
        for proc in procs:
            _, err = proc.communicate(timeout=300)
            results.append((proc.returncode, err))
        for code, err in results:
            assert b"Traceback" not in err, err.decode()
            assert code in (0, 2), err.decode()
        assert 0 in [code for code, _ in results]
        assert list((many.root / "index").iterdir()) == [many.root / "index" / "v1"]
        built = many.index_bytes()
        cold(many)
        assert main(["build", "--root", str(many.root)]) == 0
        assert many.index_bytes() == built


def test_a_build_refuses_after_waiting_for_the_lock(git_registry: GitRegistry,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    reg = git_registry
    reg.add_plugin("alpha", "1.0.0")
    reg.commit("alpha")
    assert main(["build", "--root", str(reg.root)]) == 0
    before = reg.index_bytes()
    reg.add_plugin("beta", "1.0.0")
    reg.commit("beta")
    monkeypatch.setattr(fsutil, "LOCK_WAIT", 0.3)
    with fsutil.build_lock(reg.root):
        assert main(["build", "--root", str(reg.root)]) == 2
        assert main(["build", "--check", "--root", str(reg.root)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert reg.index_bytes() == before
    assert main(["build", "--root", str(reg.root)]) == 0
    assert "plugins/beta.json" in reg.index_bytes()


def test_a_waiting_build_runs_once_the_lock_is_released(git_registry: GitRegistry) -> None:
    reg = git_registry
    reg.add_plugin("alpha", "1.0.0")
    reg.commit("alpha")
    lock = reg.root / BUILD_LOCK
    lock.parent.mkdir(parents=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another build, finishing in half a second
    timer = threading.Timer(0.5, os.close, (fd,))
    timer.start()
    try:
        assert main(["build", "--root", str(reg.root)]) == 0
    finally:
        timer.join()
    assert "plugins/alpha.json" in reg.index_bytes()


def test_a_busy_ledger_is_not_taken_for_a_damaged_one(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """sqlite's "database is locked" is a DatabaseError too: a ledger another process holds
    was deleted as if damaged. Now the ledger waits (busy timeout), and if it stays busy it
    is kept."""
    path = tmp_path / "reputation.sqlite"
    LedgerStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE marker (x)")
    holder.execute("BEGIN EXCLUSIVE")
    real_connect = sqlite3.connect
    timeouts: list[float] = []

    def impatient(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        timeouts.append(kwargs.get("timeout", 5.0))
        return real_connect(*args, **{**kwargs, "timeout": 0.05})

    monkeypatch.setattr(reputationfacts.sqlite3, "connect", impatient)
    with pytest.raises(sqlite3.OperationalError):
        LedgerStore(path)
    holder.execute("ROLLBACK")
    holder.close()
    monkeypatch.undo()
    assert timeouts[0] >= 30  # a generous busy timeout for the real thing
    kept = real_connect(path)
    assert kept.execute("SELECT name FROM sqlite_master WHERE name = 'marker'").fetchone()
    kept.close()
