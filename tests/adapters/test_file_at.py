"""GitRepo.file_at: a regular file at a commit, or nothing."""

from __future__ import annotations

import os

from plugindex.adapters.gitrepo import GitRepo
from tests.conftest import GitRegistry


def test_only_a_regular_file_at_that_very_path_is_read(git_registry: GitRegistry) -> None:
    reg = git_registry
    reg.write("a/file.json", "{}\n")
    reg.write("a/dir/inner.json", "[]\n")
    os.symlink("file.json", reg.root / "a" / "link.json")
    first = reg.commit("files")
    reg.write("a/file.json", "{\"v\": 2}\n")
    repo = GitRepo(reg.root)
    assert repo.file_at(first, "a/file.json") == b"{}\n"
    assert repo.file_at("HEAD", "a/file.json") == b"{}\n"  # the working tree is not read
    assert repo.file_at(first, "a/dir") is None  # a directory, not its files
    assert repo.file_at(first, "a/link.json") is None
    assert repo.file_at(first, "a/missing.json") is None
    assert repo.file_at(first, "a/file") is None  # a prefix of a path is not the path
