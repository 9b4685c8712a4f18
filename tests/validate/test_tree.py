"""One reader of a set of manifests (validate/tree.py): the same refusals from every reader.

One hostile tree (a symlinked manifest, a Git LFS pointer, a gitlink, an oversize blob, a file
at a wrong path, a '.yml' file, an executable manifest, a version named '.') is fed to the four
readers: ``plugindex validate`` in the working tree, ``plugindex build`` over the commit,
``plugindex review`` of a branch adding it, and the scan's targets. Each refuses each file with
the same rule id; the scan skips them all. Each hostile file would be a valid manifest if it
were read as a plain file would be (a symlink followed, a pointer smudged, the size or the
path ignored), so a reader that misses a refusal does not fall back on another rule.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from plugindex.adapters.gitrepo import GitRepo
from plugindex.cli import main
from plugindex.config.registry import load_registry
from plugindex.scan.targets import versions_at
from plugindex.validate.tree import (
    LFS_POINTER,
    Entry,
    accept,
    classify,
    files_under,
    read,
)
from tests.conftest import VALID_MANIFEST, GitRegistry

LFS = (LFS_POINTER + b"v1\noid sha256:" + b"0" * 64 + b"\nsize 1234\n")
EXPECTED = {  # path -> the one rule every reader reports for it
    "submissions/alpha/1.1.0.yaml": "PI014",  # symlink to a valid manifest outside
    "submissions/alpha/1.2.0.yaml": "PI014",  # Git LFS pointer
    "submissions/alpha/1.3.0.yaml": "PI014",  # gitlink (a nested repository)
    "submissions/alpha/1.4.0.yaml": "PI001",  # a valid manifest over limits.max_bytes
    "submissions/alpha/nested/1.5.0.yaml": "PI030",  # wrong layout
    "submissions/alpha/1.6.0.yml": "PI030",  # wrong extension
    "submissions/alpha/1.7.0.yaml": "PI014",  # executable (mode 100755)
    "submissions/alpha/..yaml": "PI030",  # a version named '.'
}


def valid(version: str) -> str:
    return VALID_MANIFEST.format(name="alpha", version=version)


def plant(reg: GitRegistry) -> None:
    """Write the hostile tree into the working tree (alpha 1.0.0 is already there)."""
    limit = load_registry(reg.root).limits.max_bytes
    reg.write("docs/alpha-1.1.0.yaml", valid("1.1.0"))
    (reg.root / "submissions/alpha/1.1.0.yaml").symlink_to("../../docs/alpha-1.1.0.yaml")
    reg.write("submissions/alpha/1.2.0.yaml", LFS)
    inner = GitRegistry(reg.root / "submissions/alpha/1.3.0.yaml")
    inner.root.mkdir()
    inner.git("init", "-q")
    inner.write("manifest.yaml", valid("1.3.0"))
    inner.commit("a repository where a manifest should be")
    reg.write("submissions/alpha/1.4.0.yaml", valid("1.4.0") + "# " + "x" * limit + "\n")
    reg.write("submissions/alpha/nested/1.5.0.yaml", valid("1.5.0"))
    reg.write("submissions/alpha/1.6.0.yml", valid("1.6.0"))
    reg.write("submissions/alpha/1.7.0.yaml", valid("1.7.0")).chmod(0o755)
    reg.write("submissions/alpha/..yaml", valid("."))


def by_file(diagnostics: list[dict[str, str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for d in diagnostics:
        out.setdefault(d["file"], set()).add(d["rule"])
    return out


def expected_sets() -> dict[str, set[str]]:
    return {path: {rule} for path, rule in EXPECTED.items()}


@pytest.fixture
def hostile(reg: GitRegistry) -> GitRegistry:
    """main: alpha 1.0.0 and its index; branch 'change': the hostile tree, committed."""
    plant(reg)
    reg.commit("the hostile tree")
    tree = reg.git("ls-tree", "-r", "HEAD", "submissions/alpha")
    assert all(kind in tree for kind in ("160000 commit", "100755 blob", "120000 blob"))
    return reg


def test_validate_in_the_working_tree(hostile: GitRegistry,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["validate", "--root", str(hostile.root), "--format", "json"]) == 1
    assert by_file(json.loads(capsys.readouterr().out)["diagnostics"]) == expected_sets()


def test_validate_of_the_files_named_on_the_command_line(
        hostile: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    paths = [str(hostile.root / p) for p in EXPECTED]
    assert main(["validate", "--root", str(hostile.root), "--format", "json", *paths]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["files"], by_file(report["diagnostics"])) == (len(EXPECTED), expected_sets())


def test_build_over_the_commit(hostile: GitRegistry,
                               capsys: pytest.CaptureFixture[str]) -> None:
    published = hostile.index_bytes()
    capsys.readouterr()
    assert main(["build", "--root", str(hostile.root), "--format", "json"]) == 1
    assert by_file(json.loads(capsys.readouterr().out)["diagnostics"]) == expected_sets()
    assert hostile.index_bytes() == published


def test_review_of_a_branch_adding_them(hostile: GitRegistry,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["review", "--base", "main", "--author", "alice", "--format", "json",
                 "--root", str(hostile.root)]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["verdict"] == "needs changes"
    found = by_file(result["problems"])
    assert {p: found.get(p, set()) for p in EXPECTED} == expected_sets()
    # the symlink's target is a file outside submissions/, reviewed as such
    assert found["docs/alpha-1.1.0.yaml"] == {"PI084"}


def test_scan_targets_skip_every_refused_file(hostile: GitRegistry) -> None:
    repo = GitRepo(hostile.root)
    targets = versions_at(repo, repo.resolve("HEAD"), load_registry(hostile.root))
    assert [t.path for t in targets] == ["submissions/alpha/1.0.0.yaml"]


def test_a_refused_file_is_not_read() -> None:
    """Only the entries that pass path, mode and size reach the source's reader."""
    entries = [
        Entry("submissions/alpha/1.0.0.yaml", "100644", 10),
        Entry("submissions/alpha/1.1.0.yaml", "120000", 10),
        Entry("submissions/alpha/1.2.0.yaml", "100644", 11),
        Entry("submissions/README.md", "100644", 10),
        Entry("submissions/alpha/1.3.0.yml", "100644", 10),
    ]
    asked: list[str] = []

    def reader(wanted: Sequence[Entry]) -> dict[str, bytes | str]:
        asked.extend(e.path for e in wanted)
        return {"submissions/alpha/1.0.0.yaml": b"schema: 1\n"}

    files = read(entries, reader, 10)
    assert asked == ["submissions/alpha/1.0.0.yaml"]
    assert [(f.path, f.refusal.rule if f.refusal else None) for f in files] == [
        ("submissions/alpha/1.0.0.yaml", None),
        ("submissions/alpha/1.1.0.yaml", "PI014"),
        ("submissions/alpha/1.2.0.yaml", "PI001"),
        ("submissions/alpha/1.3.0.yml", "PI030"),
    ]


@pytest.mark.parametrize(("entry", "rule"), [
    (Entry("submissions/alpha/1.0.0.yaml", "100644", 64), None),
    (Entry("submissions/alpha/1.0.0.yaml", "100644", 65), "PI001"),
    (Entry("submissions/alpha/1.0.0.yaml", "100755", 1), "PI014"),
    (Entry("submissions/alpha/1.0.0.yaml", "120000", 1), "PI014"),
    (Entry("submissions/alpha/1.0.0.yaml", "160000"), "PI014"),
    (Entry("submissions/alpha/1.0.0.yaml", ""), "PI014"),
    (Entry("submissions/alpha/1.0.0.yaml", "100644", error="cannot read the file"), "PI014"),
    (Entry("submissions/alpha/1.0.0.yml", "100644", 1), "PI030"),
    (Entry("submissions/alpha/1.0.0.yml", "120000", 1), "PI030"),  # the path decides first
    (Entry("submissions/../1.0.0.yaml", "100644", 1), "PI030"),
    (Entry("submissions/alpha/x/1.0.0.yaml", "100644", 1), "PI030"),
    (Entry("elsewhere/alpha.yaml", "100644", 1), "PI030"),
])
def test_classify(entry: Entry, rule: str | None) -> None:
    readable, refused = classify([entry], 64)
    assert [f.refusal.rule for f in refused if f.refusal] == ([rule] if rule else [])
    assert readable == ([] if rule else [entry])


@pytest.mark.parametrize(("data", "rule"), [
    (b"schema: 1\n", None),
    (LFS, "PI014"),
    (b"x" * 1025, "PI001"),  # grew past the limit after it was listed
    ("Permission denied", "PI014"),
])
def test_accept(data: bytes | str, rule: str | None) -> None:
    file = accept(Entry("submissions/alpha/1.0.0.yaml", "100644", 10), data, 1024)
    assert (file.refusal.rule if file.refusal else None) == rule
    assert file.data == (data if rule is None else b"")


def test_the_working_tree_is_listed_as_git_would(tmp_path: Path) -> None:
    """Symlinks (also to directories) and nested repositories are entries, never entered;
    dot directories are entered; '.git' is left out."""
    (tmp_path / "a" / ".hidden").mkdir(parents=True)
    (tmp_path / "a" / ".hidden" / "1.0.0.yaml").write_text("x")
    (tmp_path / "a" / "link").symlink_to(tmp_path / "a" / ".hidden", target_is_directory=True)
    (tmp_path / "a" / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "a" / "repo" / "inside.yaml").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    fifo = tmp_path / "a" / "fifo.yaml"
    os.mkfifo(fifo)
    assert [p.relative_to(tmp_path).as_posix() for p in files_under(tmp_path)] == [
        "a/.hidden/1.0.0.yaml", "a/fifo.yaml", "a/link", "a/repo"]
