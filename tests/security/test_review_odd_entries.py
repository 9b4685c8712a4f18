"""Attack: a `.yml` file, a nested directory or a version-named directory under submissions/
got only "needs admin" and then broke the build after the merge; a submodule entry made
`plugindex review` exit 2 with no report at all."""

from __future__ import annotations

import pytest

from plugindex.cli import main
from tests.conftest import GitRegistry
from tests.reviewing import manifest, rules, run_review


@pytest.mark.parametrize("path", [
    "submissions/alpha/1.1.0.yml",
    "submissions/alpha/nested/1.1.0.yaml",
    "submissions/alpha/1.1.0/manifest.yaml",
    "submissions/stray.yaml",
])
def test_files_under_submissions_that_are_not_manifests_need_changes(
        reg: GitRegistry, capsys: pytest.CaptureFixture[str], path: str) -> None:
    reg.write(path, manifest("alpha", "1.1.0"))
    code, result = run_review(reg, "alice", capsys)
    assert (code, result["verdict"], rules(result)) == (1, "needs changes", ["PI030"])


def test_a_submodule_manifest_is_reported_not_a_crash(
        reg: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    inner = GitRegistry(reg.root / "submissions/alpha/1.1.0.yaml")  # an embedded repository
    inner.root.mkdir()
    inner.git("init", "-q")
    inner.commit("inside")  # `git add -A` of the outer repository records it as a gitlink
    code, result = run_review(reg, "alice", capsys)
    assert (code, result["verdict"]) == (1, "needs changes")
    assert "PI014" in rules(result)


def test_a_symlinked_manifest_is_reported(reg: GitRegistry,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (reg.root / "submissions/alpha/1.1.0.yaml").symlink_to("1.0.0.yaml")
    code, result = run_review(reg, "alice", capsys)
    assert (code, rules(result)) == (1, ["PI014"])
    capsys.readouterr()
    assert main(["review", "--base", "main", "--author", "alice", "--root",
                 str(reg.root)]) == 1
    assert "PI014" in capsys.readouterr().out
