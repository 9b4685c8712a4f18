"""The CLI contract: formats, exit codes, help with examples, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from plugindex import cli
from plugindex.cli import CRASH_DIR, EXIT_CODES, main
from plugindex.commands import validate
from plugindex.errors import InternalError, UsageError
from tests.conftest import ROOT, VALID_MANIFEST, GitRegistry

BAD = VALID_MANIFEST.format(name="alpha", version="1.0.0").replace(
    "category: testing", "category: nope").replace("license: MIT", "license: GPL-2.0-only")


@pytest.fixture
def bad_registry(git_registry: GitRegistry) -> GitRegistry:
    git_registry.add_plugin("alpha", "1.0.0", BAD)
    git_registry.add_plugin("beta", "1.0.0")
    return git_registry


def test_validate_text_format(bad_registry: GitRegistry,
                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(bad_registry.root)]) == 1
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert lines == [
        "submissions/alpha/1.0.0.yaml:5: category: unknown category 'nope' [PI032] "
        "(use one of: ai-provider, analytics, authentication, build-tools, database-provider, "
        "deployment, monitoring, testing, ui-components)",
        lines[1],
    ]
    assert lines[1].startswith("submissions/alpha/1.0.0.yaml:8: license: ")
    assert lines[1].endswith(")")
    assert "[PI036]" in lines[1]
    assert "2 file(s) checked: 2 error(s)" in out.err


def test_validate_json_format(bad_registry: GitRegistry,
                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(bad_registry.root), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["files"] == 2
    assert report["errors"] == 2
    assert [(d["rule"], d["line"], d["pointer"]) for d in report["diagnostics"]] == [
        ("PI032", 5, "/category"), ("PI036", 8, "/license")]


def test_validate_github_format(bad_registry: GitRegistry,
                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(bad_registry.root), "--format", "github"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(
        "::error file=submissions/alpha/1.0.0.yaml,line=5,title=PI032 category::")


def test_github_format_escapes_injected_commands(git_registry: GitRegistry,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    manifest = VALID_MANIFEST.format(name="alpha", version="1.0.0") + (
        'homepage: "http://x\\n::error file=evil::pwned"\n')
    git_registry.add_plugin("alpha", "1.0.0", manifest)
    assert main(["validate", "--root", str(git_registry.root), "--format", "github"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines
    assert all(line.startswith("::error file=submissions/alpha/1.0.0.yaml,") for line in lines)


def test_validate_named_paths_only(bad_registry: GitRegistry,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    target = bad_registry.root / "submissions/beta/1.0.0.yaml"
    assert main(["validate", "--root", str(bad_registry.root), str(target)]) == 0
    assert "1 file(s) checked: no problems" in capsys.readouterr().err


def test_validate_a_directory(bad_registry: GitRegistry,
                              capsys: pytest.CaptureFixture[str]) -> None:
    target = bad_registry.root / "submissions/alpha"
    assert main(["validate", "--root", str(bad_registry.root), str(target)]) == 1
    assert "1 file(s) checked: 2 error(s)" in capsys.readouterr().err


def test_validate_missing_path_is_a_usage_error(git_registry: GitRegistry,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(git_registry.root), "nope.yaml"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_validate_file_outside_the_layout(git_registry: GitRegistry,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    git_registry.write("plugins/alpha/README.md", "# alpha\n")
    stray = git_registry.write("elsewhere/alpha.yaml",
                               VALID_MANIFEST.format(name="alpha", version="1.0.0"))
    assert main(["validate", "--root", str(git_registry.root), "--format", "json",
                 str(stray)]) == 1
    rules = [d["rule"] for d in json.loads(capsys.readouterr().out)["diagnostics"]]
    assert rules == ["PI030"]


def test_validate_symlinked_manifest(git_registry: GitRegistry,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    (git_registry.root / "submissions/alpha").mkdir(parents=True)
    (git_registry.root / "submissions/alpha/1.0.0.yaml").symlink_to("/etc/passwd")
    assert main(["validate", "--root", str(git_registry.root), "--format", "json"]) == 1
    rules = [d["rule"] for d in json.loads(capsys.readouterr().out)["diagnostics"]]
    assert rules == ["PI014"]


def test_invalid_registry_yaml_is_exit_2(git_registry: GitRegistry,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    git_registry.write("registry.yaml", "schema: 1\nname: x\nname: y\n")
    assert main(["validate", "--root", str(git_registry.root)]) == 2
    err = capsys.readouterr().err
    assert "[PI010]" in err
    assert "registry.yaml is not valid" in err


def test_no_registry_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 2
    assert "no registry.yaml" in capsys.readouterr().err


def test_json_errors_are_json(git_registry: GitRegistry,
                              capsys: pytest.CaptureFixture[str]) -> None:
    """A command asked for --format json prints JSON on stdout even when it cannot run (the
    one-line message still goes to stderr)."""
    assert main(["score", "nothing", "--format", "json", "--root",
                 str(git_registry.root)]) == 2
    out, err = capsys.readouterr()
    error = json.loads(out)["error"]
    assert (error["kind"], error["exit_code"], error["diagnostics"]) == ("UsageError", 2, [])
    assert err.startswith("plugindex: error: ")
    git_registry.write("registry.yaml", "schema: 1\nname: x\nname: y\n")
    assert main(["validate", "--format", "json", "--root", str(git_registry.root)]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["kind"] == "ConfigError"
    assert "PI010" in {d["rule"] for d in error["diagnostics"]}


def test_a_text_error_prints_nothing_on_stdout(git_registry: GitRegistry,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "nothing", "--root", str(git_registry.root)]) == 2
    assert capsys.readouterr().out == ""


def test_root_is_found_from_a_subdirectory(bad_registry: GitRegistry,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(bad_registry.root / "submissions/beta")
    assert main(["validate", "1.0.0.yaml"]) == 0


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["validate", "--format", "xml"],
                                  ["search", "auth", "--host", "banana"]])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


@pytest.mark.parametrize("command", ["validate", "build"])
def test_help_has_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "example:\n  plugindex " + command in out
    assert EXIT_CODES in out


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "plugindex", "build", "--root", str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def _crash(exc: BaseException) -> None:
    """Make ``plugindex validate`` raise ``exc``."""

    def run(args: object) -> int:
        raise exc

    return run  # type: ignore[return-value]


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary directory, for this test alone."""
    target = tmp_path / "system-tmp"
    target.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(target))
    return target


def _logged(err: str) -> Path:
    """The one stderr line of an internal error: the log file it names."""
    lines = err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("plugindex: internal error (a bug")
    return Path(lines[0].rsplit("the traceback is in ", 1)[1])


def test_a_crash_is_exit_3_with_the_traceback_in_the_registrys_cache(
        git_registry: GitRegistry, temp_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(validate, "run", _crash(RuntimeError("boom\non two lines")))
    assert main(["validate", "--root", str(git_registry.root)]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    log = _logged(captured.err)
    assert "RuntimeError: boom on two lines" in captured.err
    assert log.parent == git_registry.root / CRASH_DIR
    assert log.name.startswith("plugindex-crash-")
    assert str(os.getpid()) in log.name
    text = log.read_text(encoding="utf-8")
    assert text.startswith(f"plugindex {cli.__version__}: plugindex validate --root ")
    assert "Traceback (most recent call last):" in text
    assert "RuntimeError: boom\non two lines" in text
    assert "in run\n" in text  # the frame that raised
    assert log.stat().st_mode & 0o077 == 0
    assert not (git_registry.root / "index").exists()
    assert list(temp_dir.iterdir()) == []


def test_a_crash_outside_a_registry_logs_to_the_temporary_directory(
        tmp_path: Path, temp_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(validate, "run", _crash(KeyError("x")))
    assert main(["validate"]) == 3
    log = _logged(capsys.readouterr().err)
    assert log.parent == temp_dir
    assert "KeyError: 'x'" in log.read_text(encoding="utf-8")


def test_an_unwritable_cache_falls_back_to_the_temporary_directory(
        git_registry: GitRegistry, temp_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    git_registry.write(".cache", "a file where the cache directory would be\n")
    monkeypatch.setattr(validate, "run", _crash(ZeroDivisionError("division by zero")))
    assert main(["validate", "--root", str(git_registry.root)]) == 3
    log = _logged(capsys.readouterr().err)
    assert log.parent == temp_dir
    assert "ZeroDivisionError" in log.read_text(encoding="utf-8")


def test_a_traceback_that_cannot_be_saved_goes_to_stderr(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "a-file"))
    (tmp_path / "a-file").write_text("not a directory\n")
    monkeypatch.setattr(validate, "run", _crash(RuntimeError("boom")))
    assert main(["validate"]) == 3
    err = capsys.readouterr().err
    assert "could not be saved" in err.splitlines()[0]
    assert "Traceback (most recent call last):" in err
    assert err.rstrip().endswith("RuntimeError: boom")


def test_internal_error_is_exit_3_and_logged(git_registry: GitRegistry, temp_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(validate, "run", _crash(InternalError("index.json does not match")))
    assert main(["validate", "--root", str(git_registry.root)]) == 3
    log = _logged(capsys.readouterr().err)
    assert "InternalError: index.json does not match" in log.read_text(encoding="utf-8")


def test_usage_error_is_exit_2_without_a_log(git_registry: GitRegistry, temp_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(validate, "run", _crash(UsageError("no such thing")))
    assert main(["validate", "--root", str(git_registry.root)]) == 2
    assert capsys.readouterr().err.splitlines() == ["plugindex: error: no such thing"]
    assert not (git_registry.root / CRASH_DIR).exists()
    assert list(temp_dir.iterdir()) == []


def test_ctrl_c_is_exit_130(git_registry: GitRegistry, temp_dir: Path,
                            monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(validate, "run", _crash(KeyboardInterrupt()))
    assert main(["validate", "--root", str(git_registry.root)]) == 130
    assert not (git_registry.root / CRASH_DIR).exists()


def test_a_broken_pipe_elsewhere_is_an_internal_error(git_registry: GitRegistry, temp_dir: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    """stdout is fine (captured): a BrokenPipeError from a subprocess or socket is a bug."""
    monkeypatch.setattr(validate, "run", _crash(BrokenPipeError(32, "Broken pipe")))
    assert main(["validate", "--root", str(git_registry.root)]) == 3
    assert "BrokenPipeError" in _logged(capsys.readouterr().err).read_text(encoding="utf-8")


@pytest.mark.parametrize(("argv", "unbuffered"), [
    (["score", "--checks", "--format", "json"], "1"),  # print() meets the closed pipe
    (["score", "--checks", "--format", "json"], ""),  # main's flush meets it
    (["--version"], ""),  # argparse's SystemExit, then main's flush
])
def test_a_closed_stdout_ends_quietly(argv: list[str], unbuffered: str, tmp_path: Path) -> None:
    """`plugindex ... | head -1` when the reader is gone before plugindex writes: no
    traceback, no "Exception ignored" at exit, exit 141 (128 + SIGPIPE), no crash log."""
    command = [sys.executable, "-m", "plugindex", *argv, "--root", str(ROOT)]
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": unbuffered}
    whole = subprocess.run(command, capture_output=True, env=env, check=False)
    assert whole.returncode == 0
    assert whole.stdout
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first write
    try:
        cut = subprocess.run(command, stdout=write, stderr=subprocess.PIPE, env=env,
                             check=False)
    finally:
        os.close(write)
    assert cut.stderr == b""
    assert cut.returncode == 141
    assert list(tmp_path.iterdir()) == []  # no crash log
