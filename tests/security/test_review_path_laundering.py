"""Attack: a new manifest's ``source: {path: DIR}`` made the review count every change under
DIR as part of the submission, so edits to .github/, tools/, index/cache or another plugin's
source passed as "ready" with nothing flagged; a stranger's formatting-only edit of another
author's published manifest was "ready" too."""

from __future__ import annotations

import pytest

from tests.conftest import GitRegistry
from tests.reviewing import manifest, rules, run_review


def launder(reg: GitRegistry, directory: str, files: dict[str, str]) -> None:
    reg.write("submissions/newcomer/1.0.0.yaml", manifest("newcomer", "1.0.0", login="mallory")
              .replace("path: plugins/newcomer", f"path: {directory}"))
    for path, text in files.items():
        reg.write(path, text)


@pytest.mark.parametrize(("directory", "files"), [
    (".github", {".github/workflows/pr.yml": "on: push\n"}),
    ("tools", {"tools/plugindex/evil.py": "import os\n"}),
    ("index/cache", {"index/cache/newcomer/scan-0.json": '{"status": "scanned"}\n'}),
    ("index", {"index/cache/alpha/scan-1.json": '{"status": "scanned"}\n'}),
])
def test_a_path_source_cannot_claim_the_registrys_own_files(
        reg: GitRegistry, capsys: pytest.CaptureFixture[str], directory: str,
        files: dict[str, str]) -> None:
    launder(reg, directory, files)
    code, result = run_review(reg, "mallory", capsys)
    assert code == 1
    assert result["verdict"] == "needs changes"
    assert "PI052" in rules(result)  # the path source is refused
    assert sorted(result["outside"]) == sorted(files)  # type: ignore[arg-type]
    assert "PI084" in rules(result)


def test_a_path_source_cannot_claim_another_plugins_source(
        reg: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    launder(reg, "plugins/alpha", {"plugins/alpha/alpha.py": "import subprocess\n"})
    code, result = run_review(reg, "mallory", capsys)
    assert (code, result["verdict"]) == (1, "needs changes")
    assert {"PI069", "PI086"} <= set(rules(result))


def test_changing_a_plugins_source_without_a_new_version_is_refused(
        reg: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    reg.write("plugins/alpha/alpha.py", "VALUE = 2\n")
    for author in ("alice", "mallory"):  # its maintainer too: publish a version with it
        code, result = run_review(reg, author, capsys)
        assert (code, rules(result)) == (1, ["PI086"])


def test_a_new_version_brings_its_source_changes(
        reg: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    reg.write("plugins/alpha/alpha.py", "VALUE = 2\n")
    reg.write("submissions/alpha/1.1.0.yaml", manifest("alpha", "1.1.0"))
    code, result = run_review(reg, "alice", capsys)
    assert (code, result["verdict"], result["outside"]) == (0, "ready", [])


def test_a_formatting_only_edit_of_someone_elses_manifest_is_an_ownership_problem(
        reg: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    path = reg.root / "submissions/alpha/1.0.0.yaml"
    reg.write("submissions/alpha/1.0.0.yaml", "# reformatted\n" + path.read_text())
    code, result = run_review(reg, "mallory", capsys)
    assert (code, result["verdict"], rules(result)) == (1, "needs changes", ["PI080"])
    code, result = run_review(reg, "alice", capsys)  # its maintainer may
    assert (code, result["verdict"]) == (0, "ready")
    assert [c["kind"] for c in result["changes"]] == ["reformatted"]  # type: ignore[union-attr]
