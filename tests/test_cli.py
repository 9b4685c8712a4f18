"""The CLI contract: formats, exit codes, help with examples, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from plugindex.cli import main
from tests.conftest import VALID_MANIFEST, GitRegistry

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


def test_root_is_found_from_a_subdirectory(bad_registry: GitRegistry,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(bad_registry.root / "submissions/beta")
    assert main(["validate", "1.0.0.yaml"]) == 0


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["validate", "--format", "xml"]])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


@pytest.mark.parametrize("command", ["validate", "build"])
def test_help_has_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert "example:\n  plugindex " + command in capsys.readouterr().out


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "plugindex", "build", "--root", str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
