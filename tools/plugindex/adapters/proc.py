"""The one way plugindex starts a process (``run``), and the seal around processes that read
plugin code (``run_sealed``).

``run`` passes exactly the environment it is given (never the caller's ``os.environ``
implicitly: there is no default), always has a timeout, captures stdout and stderr, and gives
the process /dev/null as stdin unless ``input`` is given. A process that cannot be started,
does not finish in time (it is killed), or, with ``check``, exits non-zero raises
:class:`ProcessFailed`, whose message names the command line, the exit status and the tail of
stderr. Callers translate it into their own problem: ``ToolFailed`` for a scanner,
``FetchFailed``/``SourceRefused`` for git. GitPython's own processes (``adapters/gitrepo``) are
GitPython's business.

A process that reads plugin code runs *sealed* (SECURITY.md): ``sealed_python`` (an isolated
interpreter, ``-I``: neither the working directory nor the script's directory on ``sys.path``,
``PYTHON*`` variables and the user site ignored; ``-B``: no bytecode written), the working
directory a scratch directory outside the plugin's tree, ``sealed_env`` (no token, nothing of
the caller's environment, HOME in the scratch directory) and stdin /dev/null. The tree itself
is made read-only first (``seal_tree``). ``run_sealed`` puts these together.
"""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

STDERR_TAIL = 300  # characters of stderr a ProcessFailed message keeps (the end: the error)


@dataclass(frozen=True)
class Completed:
    """A process that ran to its end."""

    command: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def stdout_text(self) -> str:
        return self.stdout.decode("utf-8", "replace")

    @property
    def stderr_text(self) -> str:
        return self.stderr.decode("utf-8", "replace")


class ProcessFailed(Exception):
    """A process that could not be started, did not finish in time, or (``check``) exited
    non-zero. ``returncode`` is None unless it exited; ``stderr`` is all it wrote there."""

    def __init__(self, command: Sequence[str], *, returncode: int | None = None,
                 stderr: str = "", timed_out: bool = False, reason: str = "") -> None:
        self.command = tuple(command)
        self.returncode = returncode
        self.stderr = stderr
        self.timed_out = timed_out
        line = shlex.join(self.command)
        if reason:
            message = f"{line}: {reason}"
        elif self.tail:
            message = f"{line} exited {returncode}: {self.tail}"
        else:
            message = f"{line} exited {returncode} (nothing on stderr)"
        super().__init__(message)

    @property
    def tail(self) -> str:
        """The end of stderr, on one line."""
        return " ".join(self.stderr.split())[-STDERR_TAIL:]


def run(command: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float,
        input: bytes | None = None, check: bool = True) -> Completed:
    """Run ``command`` in ``cwd`` with exactly ``env``; its output, captured.

    ``check=False``: a non-zero exit status is returned rather than raised (for tools whose
    exit status says "findings", not "failure": the caller judges their output). Raises
    ProcessFailed (``timed_out`` after ``timeout`` seconds, the process killed)."""
    try:
        done = subprocess.run(list(command), cwd=cwd, env=dict(env), capture_output=True,
                              timeout=timeout, check=False, input=input,
                              stdin=None if input is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else ""
        raise ProcessFailed(command, stderr=stderr, timed_out=True,
                            reason=f"did not finish in {timeout:g} s") from None
    except OSError as exc:
        raise ProcessFailed(command, reason=f"could not be started: {exc}") from exc
    completed = Completed(tuple(command), done.returncode, done.stdout, done.stderr)
    if check and done.returncode != 0:
        raise ProcessFailed(command, returncode=done.returncode, stderr=completed.stderr_text)
    return completed


# -- the seal around processes that read plugin code ----------------------------------------------


def sealed_env(scratch: Path) -> dict[str, str]:
    """The whole environment of a process that reads plugin code: no token, no proxy, no
    PYTHON* variable from the caller (``-I`` ignores them anyway), HOME in the scratch space."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(scratch),
            "LC_ALL": "C.UTF-8", "PYTHONSAFEPATH": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def sealed_python(module: str, *args: str) -> list[str]:
    """The command line running ``python -m module`` isolated from its working directory,
    the environment and the user site, writing no bytecode."""
    return [sys.executable, "-I", "-B", "-m", module, *args]


def seal_tree(root: Path) -> None:
    """Make a fetched tree read-only: files 0o444, directories 0o555 (the directories last, so
    that their files can still be reached). A TemporaryDirectory holding it still removes it."""
    directories = [root]
    for path in root.rglob("*"):
        if path.is_symlink():
            continue
        if path.is_dir():
            directories.append(path)
        else:
            path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    for directory in reversed(directories):
        directory.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP
                        | stat.S_IROTH | stat.S_IXOTH)


def run_sealed(module: str, args: Sequence[str], *, scratch: Path, timeout: float,
               extra_env: Mapping[str, str] | None = None) -> Completed:
    """``python -m module args`` sealed: isolated interpreter, working directory ``scratch``
    (outside the plugin's tree), ``sealed_env(scratch)`` plus ``extra_env``, stdin /dev/null.
    The exit status is returned, not raised (the tools say "findings" with it): the caller
    judges the tool's report. Raises ProcessFailed (not started, or timed out)."""
    return run(sealed_python(module, *args), cwd=scratch,
               env={**sealed_env(scratch), **(extra_env or {})}, timeout=timeout, check=False)
