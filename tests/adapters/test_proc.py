"""The one subprocess runner: exactly the environment it is given, a timeout, captured output,
and one error (ProcessFailed) naming the command, the exit status and the end of stderr; and
the sealed runner for tools that read plugin code."""

from __future__ import annotations

import json
import shlex
import shutil
import sys
import time
from pathlib import Path

import pytest

from plugindex.adapters.proc import STDERR_TAIL, ProcessFailed, run, run_sealed, sealed_env

PYTHON = sys.executable


def python(code: str) -> list[str]:
    return [PYTHON, "-c", code]


def test_the_environment_is_exactly_what_was_passed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret")
    env_program = shutil.which("env")
    assert env_program is not None
    done = run([env_program], cwd=tmp_path, env={"ONLY": "this", "AND": "that"}, timeout=30)
    assert sorted(done.stdout_text.splitlines()) == ["AND=that", "ONLY=this"]
    assert done.returncode == 0


def test_output_is_captured_and_the_working_directory_is_cwd(tmp_path: Path) -> None:
    done = run(python("import os, sys; print(os.getcwd()); sys.stderr.write('note')"),
               cwd=tmp_path, env={}, timeout=30)
    assert (done.stdout_text.strip(), done.stderr_text) == (str(tmp_path), "note")
    assert done.command == (PYTHON, "-c",
                            "import os, sys; print(os.getcwd()); sys.stderr.write('note')")


def test_stdin_is_dev_null_unless_input_is_given(tmp_path: Path) -> None:
    read = python("import sys; print(repr(sys.stdin.read()))")
    assert run(read, cwd=tmp_path, env={}, timeout=30).stdout_text.strip() == "''"
    assert run(read, cwd=tmp_path, env={}, timeout=30,
               input=b"data").stdout_text.strip() == "'data'"


def test_a_timeout_kills_the_process_and_says_so(tmp_path: Path) -> None:
    command = python("import time; time.sleep(60)")
    start = time.monotonic()
    with pytest.raises(ProcessFailed) as caught:
        run(command, cwd=tmp_path, env={}, timeout=0.5)
    assert time.monotonic() - start < 30
    exc = caught.value
    assert (exc.timed_out, exc.returncode, exc.command) == (True, None, tuple(command))
    assert str(exc) == f"{shlex.join(command)}: did not finish in 0.5 s"


def test_a_failure_names_the_command_the_exit_status_and_the_end_of_stderr(
        tmp_path: Path) -> None:
    command = python("import sys; sys.stderr.write('x' * 1000 + '\\nfatal: the end\\n'); "
                     "sys.exit(3)")
    with pytest.raises(ProcessFailed) as caught:
        run(command, cwd=tmp_path, env={}, timeout=30)
    exc = caught.value
    assert (exc.timed_out, exc.returncode) == (False, 3)
    assert exc.stderr == "x" * 1000 + "\nfatal: the end\n"
    assert len(exc.tail) == STDERR_TAIL
    assert exc.tail.endswith("x fatal: the end")
    assert str(exc) == f"{shlex.join(command)} exited 3: {exc.tail}"


def test_a_silent_failure_says_there_was_nothing_on_stderr(tmp_path: Path) -> None:
    with pytest.raises(ProcessFailed, match=r" exited 4 \(nothing on stderr\)$"):
        run(python("raise SystemExit(4)"), cwd=tmp_path, env={}, timeout=30)


def test_without_check_a_nonzero_exit_status_is_returned(tmp_path: Path) -> None:
    done = run(python("print('found'); raise SystemExit(1)"), cwd=tmp_path, env={},
               timeout=30, check=False)
    assert (done.returncode, done.stdout_text) == (1, "found\n")


def test_a_command_that_cannot_be_started_is_a_failure_without_exit_status(
        tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-program")
    with pytest.raises(ProcessFailed) as caught:
        run([missing, "--help"], cwd=tmp_path, env={}, timeout=30, check=False)
    exc = caught.value
    assert (exc.returncode, exc.timed_out) == (None, False)
    assert str(exc).startswith(f"{missing} --help: could not be started: ")


def test_a_sealed_tool_gets_the_sealed_environment_and_never_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    marker = tmp_path / "planted-ran"
    # A module named like the tool in the working directory: never imported.
    (scratch / "timeit.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    (tmp_path / "timeit.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    out = scratch / "env.json"
    statement = f"import json, os; open({str(out)!r}, 'w').write(json.dumps(dict(os.environ)))"
    done = run_sealed("timeit", ["-n", "1", "-r", "1", statement], scratch=scratch,
                      timeout=60, extra_env={"PIP_NO_INPUT": "1"})
    assert done.returncode == 0
    assert not marker.exists()
    assert json.loads(out.read_text()) == {**sealed_env(scratch), "PIP_NO_INPUT": "1"}


def test_a_sealed_tool_that_fails_returns_its_exit_status(tmp_path: Path) -> None:
    done = run_sealed("plugindex_no_such_module", [], scratch=tmp_path, timeout=60)
    assert done.returncode == 1
    assert "No module named plugindex_no_such_module" in done.stderr_text
