"""plugindex build on real git repositories: determinism, incrementality, atomicity, refusals."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from plugindex.adapters import fsutil
from plugindex.adapters.gitrepo import GitRepo
from plugindex.build.builder import STAGE_WORDS, Builder
from plugindex.cli import main
from plugindex.errors import EnvironmentProblem, PlugindexError
from plugindex.manifests.schema import load_schema
from tests.conftest import VALID_MANIFEST, GitRegistry


def build(reg: GitRegistry, *args: str) -> int:
    return main(["build", "--root", str(reg.root), *args])


def rules_of(capsys: pytest.CaptureFixture[str]) -> set[str]:
    out = capsys.readouterr().out
    return {line.rsplit("[", 1)[1].split("]")[0] for line in out.splitlines() if "[PI" in line}


@pytest.fixture
def populated(git_registry: GitRegistry) -> GitRegistry:
    reg = git_registry
    reg.add_plugin("alpha", "1.0.0")
    reg.commit("alpha 1.0.0")
    reg.add_plugin("alpha", "1.1.0")
    reg.add_plugin("beta", "0.1.0")
    reg.commit("alpha 1.1.0, beta 0.1.0")
    return reg


def test_progress_is_shown_where_someone_watches(
        populated: GitRegistry, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A line on stderr as each stage starts, in a CI log (CI set) or a terminal; none for a
    script reading the output; the index is the same either way."""
    monkeypatch.delenv("CI", raising=False)
    assert build(populated) == 0
    quiet = populated.index_bytes()
    assert "build: " not in capsys.readouterr().err
    shutil.rmtree(populated.root / ".cache")
    monkeypatch.setenv("CI", "true")
    assert build(populated) == 0
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("build: ")]
    stages = ["tree", "load", "history", "cross", "render", "related", "reputation", "publish"]
    assert [ln.removeprefix("build: ").rsplit(" (", 1)[0] for ln in lines] == [
        STAGE_WORDS[s] for s in stages]
    assert populated.index_bytes() == quiet


def test_build_writes_a_schema_valid_index(populated: GitRegistry) -> None:
    assert build(populated) == 0
    files = populated.index_bytes()
    assert sorted(files) == ["contributors.json", "index.json", "plugins/alpha.json",
                             "plugins/beta.json", "related.json"]
    index = json.loads(files["index.json"])
    schema = load_schema("index.v1.schema.json")
    jsonschema.Draft202012Validator(schema).validate(index)
    related = json.loads(files["related.json"])
    jsonschema.Draft202012Validator(
        {"$defs": schema["$defs"], "$ref": "#/$defs/relatedFile"}).validate(related)
    assert sorted(related["related"]) == ["alpha", "beta"]
    contributors = json.loads(files["contributors.json"])
    jsonschema.Draft202012Validator(
        {"$defs": schema["$defs"], "$ref": "#/$defs/contributorsFile"}).validate(contributors)
    assert contributors["contributors"][0]["counts"]["plugin-published"] == 2
    assert [p["name"] for p in index["plugins"]] == ["alpha", "beta"]
    alpha = index["plugins"][0]
    assert alpha["latest"] == "1.1.0"
    assert [v["version"] for v in alpha["versions"]] == ["1.1.0", "1.0.0"]
    # Times come from the commits, not from the clock.
    assert alpha["published"] == "2023-11-15T00:13:20Z"
    assert alpha["updated"] == "2023-11-15T01:13:20Z"
    assert index["counts"] == {"plugins": 2, "versions": 3}


def test_plugin_file_digest_and_detail(populated: GitRegistry) -> None:
    assert build(populated) == 0
    files = populated.index_bytes()
    index = json.loads(files["index.json"])
    for entry in index["plugins"]:
        assert hashlib.sha256(files[entry["file"]]).hexdigest() == entry["sha256"]
    detail = json.loads(files["plugins/alpha.json"])
    schema = load_schema("index.v1.schema.json")
    jsonschema.Draft202012Validator(
        {"$defs": schema["$defs"], "$ref": "#/$defs/pluginFile"}).validate(detail)
    first = detail["versions"][-1]
    assert first["manifest_path"] == "submissions/alpha/1.0.0.yaml"
    assert first["source"]["digest"].startswith("git-tree:")
    assert first["manifest"]["name"] == "alpha"


def test_two_builds_are_byte_identical(populated: GitRegistry) -> None:
    assert build(populated) == 0
    first = populated.index_bytes()
    assert build(populated) == 0
    assert populated.index_bytes() == first
    # From scratch: no index, no cache.
    shutil.rmtree(populated.root / "index")
    shutil.rmtree(populated.root / ".cache")
    assert build(populated) == 0
    assert populated.index_bytes() == first


def test_check_detects_a_stale_index(populated: GitRegistry) -> None:
    assert build(populated, "--check") == 1  # nothing committed yet
    assert build(populated) == 0
    populated.commit("index")
    assert build(populated, "--check") == 0
    populated.add_plugin("gamma", "1.0.0")
    populated.commit("gamma")
    assert build(populated, "--check") == 1
    assert build(populated) == 0
    populated.commit("index")
    assert build(populated, "--check") == 0


def test_a_check_does_not_hide_a_change_from_the_next_build(populated: GitRegistry) -> None:
    assert build(populated) == 0
    populated.commit("index")
    path = populated.root / "submissions/beta/0.1.0.yaml"
    path.write_text(path.read_text().replace("summary: ", "summary: Changed. "))
    populated.commit("edit beta")
    assert build(populated, "--check") == 1
    assert build(populated) == 0
    assert "Changed." in (populated.root / "index/v1/plugins/beta.json").read_text()
    populated.commit("index")
    assert build(populated, "--check") == 0


def test_check_detects_a_hand_edited_index(populated: GitRegistry) -> None:
    assert build(populated) == 0
    populated.commit("index")
    path = populated.root / "index/v1/plugins/beta.json"
    path.write_text(path.read_text().replace("0.1.0", "0.1.1"))
    populated.commit("tamper")
    assert build(populated, "--check") == 1
    # A plain build repairs it although the cache believes the file is current.
    assert build(populated) == 0
    assert "0.1.1" not in path.read_text()


def test_rebuild_renders_only_changed_plugins(populated: GitRegistry) -> None:
    repo = GitRepo(populated.root)
    assert Builder(repo).build().written == 2
    populated.add_plugin("beta", "0.2.0")
    populated.commit("beta 0.2.0")
    outcome = Builder(repo).build()
    assert outcome.ok
    assert outcome.written == 1
    assert outcome.versions == 4


def test_a_dependency_release_renders_only_the_dependents_it_moves(
        git_registry: GitRegistry) -> None:
    """A new release of beta moves the dependency cone of both of its dependents; only the
    one whose resolution takes it (``>=0.1``) is rendered again, not the one pinned below it
    (``<0.2``), and the index equals a cold build's."""
    reg = git_registry
    reg.add_plugin("beta", "0.1.0")
    for name, spec in (("follows", ">=0.1"), ("pinned", "<0.2")):
        reg.add_plugin(name, "1.0.0", VALID_MANIFEST.format(name=name, version="1.0.0")
                       + f'requires:\n  plugins:\n    beta: "{spec}"\n')
    reg.commit("beta and two dependents")
    repo = GitRepo(reg.root)
    assert Builder(repo).build().written == 3
    pinned = (reg.root / "index/v1/plugins/pinned.json").read_bytes()
    reg.add_plugin("beta", "0.2.0")
    reg.commit("beta 0.2.0")
    outcome = Builder(repo).build()
    assert outcome.ok
    assert outcome.written == 2  # beta and follows
    assert (reg.root / "index/v1/plugins/pinned.json").read_bytes() == pinned
    assert Builder(repo).build().written == 0  # the new cone was remembered
    incremental = reg.index_bytes()
    shutil.rmtree(reg.root / ".cache")
    shutil.rmtree(reg.root / "index")
    assert Builder(repo).build().ok
    assert reg.index_bytes() == incremental

def test_invalid_manifest_leaves_index_untouched(populated: GitRegistry,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert build(populated) == 0
    before = populated.index_bytes()
    populated.add_plugin("broken", "1.0.0", "schema: 1\nname: broken\nversion: 1.10\n")
    populated.commit("broken")
    capsys.readouterr()
    assert build(populated) == 1
    assert rules_of(capsys) == {"PI021", "PI022"}
    assert populated.index_bytes() == before


def test_yanked_and_prerelease_are_not_latest(git_registry: GitRegistry) -> None:
    reg = git_registry
    reg.add_plugin("alpha", "1.0.0")
    reg.add_plugin("alpha", "1.1.0",
                   VALID_MANIFEST.format(name="alpha", version="1.1.0") + "yanked: broke auth\n")
    reg.add_plugin("alpha", "2.0.0-rc.1")
    reg.commit()
    assert build(reg) == 0
    entry = json.loads(reg.index_bytes()["index.json"])["plugins"][0]
    assert entry["latest"] == "1.0.0"
    assert [(v["version"], v["yanked"], v["prerelease"]) for v in entry["versions"]] == [
        ("2.0.0-rc.1", False, True), ("1.1.0", True, False), ("1.0.0", False, False)]


def test_yank_edit_moves_updated_but_not_published(populated: GitRegistry) -> None:
    assert build(populated) == 0
    path = populated.root / "submissions/alpha/1.0.0.yaml"
    path.write_text(path.read_text() + "yanked: security issue\n")
    populated.commit("yank alpha 1.0.0")
    assert build(populated) == 0
    detail = json.loads(populated.index_bytes()["plugins/alpha.json"])
    old = detail["versions"][-1]
    assert old["yanked"] == "security issue"
    assert old["published"] == "2023-11-15T00:13:20Z"
    assert old["updated"] == "2023-11-15T02:13:20Z"


def test_in_repo_source_is_read_at_the_publishing_commit(populated: GitRegistry) -> None:
    assert build(populated) == 0
    before = json.loads(populated.index_bytes()["plugins/alpha.json"])
    populated.write("plugins/alpha/extra.py", "X = 2\n")
    populated.commit("change alpha's source after release")
    assert build(populated) == 0
    after = json.loads(populated.index_bytes()["plugins/alpha.json"])
    assert [v["source"]["digest"] for v in after["versions"]] == [
        v["source"]["digest"] for v in before["versions"]]


def test_missing_source_path_is_reported(git_registry: GitRegistry,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    git_registry.write("submissions/ghost/1.0.0.yaml",
                       VALID_MANIFEST.format(name="ghost", version="1.0.0"))
    git_registry.commit()
    assert build(git_registry) == 1
    assert rules_of(capsys) == {"PI050"}


def test_symlink_and_non_manifest_files_are_refused(populated: GitRegistry,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    os.symlink("/etc/passwd", populated.root / "submissions/alpha/9.9.9.yaml")
    populated.write("submissions/alpha/notes.txt", "hello\n")
    populated.commit()
    assert build(populated) == 1
    assert rules_of(capsys) == {"PI014", "PI030"}


def test_lfs_pointer_and_oversize_blob_are_refused(populated: GitRegistry,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    populated.write("submissions/alpha/2.0.0.yaml",
                    "version https://git-lfs.github.com/spec/v1\noid sha256:" + "0" * 64 +
                    "\nsize 12\n")
    populated.write("submissions/alpha/3.0.0.yaml", "a: " + "x" * 70000 + "\n")
    populated.commit()
    assert build(populated) == 1
    assert rules_of(capsys) == {"PI014", "PI001"}


def test_submodule_is_refused(populated: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    head = populated.git("rev-parse", "HEAD").strip()
    populated.git("update-index", "--add", "--cacheinfo",
                  f"160000,{head},submissions/alpha/5.0.0.yaml")
    populated.git("commit", "-q", "-m", "submodule")
    assert build(populated) == 1
    assert rules_of(capsys) == {"PI014"}


def test_cross_manifest_problems_get_their_lines(git_registry: GitRegistry,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    manifest = VALID_MANIFEST.format(name="alpha", version="1.0.0") + (
        "requires:\n  plugins:\n    nowhere: \">=1\"\n")
    git_registry.add_plugin("alpha", "1.0.0", manifest)
    git_registry.commit()
    assert build(git_registry) == 1
    out = capsys.readouterr().out
    assert out.startswith("submissions/alpha/1.0.0.yaml:14: requires.plugins.nowhere:")
    assert "[PI062]" in out


def test_shallow_clone_is_refused(populated: GitRegistry, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{populated.root}",
                    str(clone)], check=True)
    with pytest.raises(EnvironmentProblem):
        Builder(GitRepo(clone)).build()


def test_not_a_git_repository_is_an_environment_error(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "registry.yaml").write_text("schema: 1\n")
    assert main(["build", "--root", str(tmp_path)]) == 2
    assert "not a git repository" in capsys.readouterr().err


def test_history_is_folded_incrementally(populated: GitRegistry) -> None:
    """A cache built at an older commit is brought forward, and agrees with a full walk."""
    assert build(populated) == 0
    path = populated.root / "submissions/beta/0.1.0.yaml"
    path.unlink()
    populated.commit("remove beta")
    populated.add_plugin("beta", "0.1.0")
    populated.commit("re-add beta")
    assert build(populated) == 0
    incremental = populated.index_bytes()
    shutil.rmtree(populated.root / ".cache")
    assert build(populated) == 0
    assert populated.index_bytes() == incremental
    beta = json.loads(incremental["plugins/beta.json"])
    assert beta["published"] == "2023-11-15T03:13:20Z"


def test_merge_commit_credits_the_merge_time(populated: GitRegistry) -> None:
    populated.git("checkout", "-q", "-b", "feature")
    populated.add_plugin("gamma", "1.0.0")
    populated.commit("gamma on a branch")
    populated.git("checkout", "-q", "main")
    populated.clock += 3600
    stamp = f"@{populated.clock} +0000"
    populated.git("merge", "-q", "--no-ff", "-m", "merge gamma", "feature",
                  GIT_COMMITTER_DATE=stamp, GIT_AUTHOR_DATE=stamp)
    assert build(populated) == 0
    gamma = json.loads(populated.index_bytes()["plugins/gamma.json"])
    assert gamma["published"] == "2023-11-15T03:13:20Z"


def test_publish_interrupted_between_renames_is_recovered(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "v1"
    fsutil.publish_tree(target, {"a.json": b"old\n"})
    real_replace = os.replace
    calls = []

    def dying_replace(src: os.PathLike[str] | str, dst: os.PathLike[str] | str) -> None:
        calls.append((src, dst))
        if len(calls) == 2:  # after moving the old tree aside, before moving the new one in
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(fsutil.os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        fsutil.publish_tree(target, {"a.json": b"new\n"})
    monkeypatch.setattr(fsutil.os, "replace", real_replace)
    assert not target.exists()
    fsutil.recover(target)
    assert (target / "a.json").read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1"]


def test_killed_builds_never_leave_a_corrupt_index(populated: GitRegistry) -> None:
    """Kill real build processes at different moments; the index is always old or new, whole."""
    assert build(populated) == 0
    populated.commit("index")
    old = populated.index_bytes()
    for i in range(8):
        populated.add_plugin(f"extra{i}", "1.0.0")
    populated.commit("more plugins")
    for delay in (0.05, 0.15, 0.3, 0.5, 0.8):
        proc = subprocess.Popen(
            [sys.executable, "-m", "plugindex", "build", "--root",
             str(populated.root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        fsutil.recover(populated.root / "index/v1")
        current = populated.index_bytes()
        index = json.loads(current["index.json"])
        assert current == old or index["counts"]["plugins"] == 10
        for entry in index["plugins"]:
            json.loads(current[entry["file"]])


@pytest.mark.parametrize("command", ["build", "validate"])
def test_references_of_an_otherwise_invalid_manifest_are_checked(
    git_registry: GitRegistry, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """One run reports both the schema problem and the unknown required plugin."""
    manifest = VALID_MANIFEST.format(name="alpha", version="1.0.0") + (
        "tags: [Bad_Tag]\nrequires:\n  plugins:\n    nowhere: \">=1\"\n")
    git_registry.add_plugin("alpha", "1.0.0", manifest)
    git_registry.commit()
    assert main([command, "--root", str(git_registry.root)]) == 1
    assert rules_of(capsys) == {"PI024", "PI062"}


def test_featured_and_verified_become_badges_and_unknown_featured_names_warn(
        populated: GitRegistry) -> None:
    registry = (populated.root / "registry.yaml").read_text(encoding="utf-8")
    populated.write("registry.yaml", registry + "\nverified_publishers: [alice]\n"
                    "featured: [beta, gamma]\n")
    populated.commit("feature beta and a plugin that does not exist")
    # alice vouches for alpha by publishing a version of it herself (her noreply address);
    # listing her as a maintainer is not enough for the badge
    populated.add_plugin("alpha", "1.0.1")
    populated.commit("alpha 1.0.1", GIT_AUTHOR_EMAIL="1+alice@users.noreply.github.com")
    outcome = Builder(GitRepo(populated.root)).build()
    assert outcome.ok
    assert [(d.rule, d.file, d.pointer) for d in outcome.diagnostics] == [
        ("PI068", "registry.yaml", "/featured/1")]
    line = outcome.diagnostics[0].line
    assert registry.count("\n") + 2 <= line <= registry.count("\n") + 3
    index = json.loads(populated.index_bytes()["index.json"])
    badges = {p["name"]: p["badges"] for p in index["plugins"]}
    assert (badges["beta"]["featured"], badges["alpha"]["featured"]) == (True, False)
    assert (badges["alpha"]["verified"], badges["alpha"]["verified_maintainers"]) == (
        True, ["alice"])


def test_a_reader_of_a_clean_index_takes_no_lock(tmp_path: Path) -> None:
    """Nothing left beside index/v1: readers touch nothing (a read-only checkout reads)."""
    target = tmp_path / "index" / "v1"
    fsutil.publish_tree(target, {"index.json": b"{}\n"})
    assert fsutil.recovered(tmp_path, "index/v1") == target
    assert not (tmp_path / ".cache").exists()


def test_a_standing_index_is_read_even_if_its_leftovers_cannot_be_cleaned(
        tmp_path: Path) -> None:
    target = tmp_path / "index" / "v1"
    fsutil.publish_tree(target, {"index.json": b"{}\n"})
    (tmp_path / "index" / "v1.new-1").mkdir()
    (tmp_path / ".cache").write_bytes(b"")  # no lock can be made under .cache/
    assert fsutil.recovered(tmp_path, "index/v1") == target
    shutil.rmtree(target)
    (tmp_path / "index" / "v1.old-1").mkdir()
    with pytest.raises(PlugindexError):  # missing: it must be put back, and cannot be
        fsutil.recovered(tmp_path, "index/v1")


def test_a_new_plugin_taking_an_unchanged_plugins_source_fails_an_incremental_build(
        populated: GitRegistry) -> None:
    """PI069 is not scoped to the plugins a change touches: the owner of the directory is
    unchanged, yet both are reported, as a cold build reports them."""
    assert Builder(GitRepo(populated.root)).build().ok
    populated.write("submissions/gamma/1.0.0.yaml", VALID_MANIFEST.format(
        name="gamma", version="1.0.0").replace("path: plugins/gamma", "path: plugins/alpha"))
    populated.commit("gamma in alpha's directory")
    incremental = Builder(GitRepo(populated.root)).build()
    shutil.rmtree(populated.root / ".cache")
    cold = Builder(GitRepo(populated.root)).build()
    for outcome in (incremental, cold):
        assert not outcome.ok
        assert {(d.rule, d.file) for d in outcome.diagnostics if d.rule == "PI069"} == {
            ("PI069", "submissions/alpha/1.0.0.yaml"), ("PI069", "submissions/alpha/1.1.0.yaml"),
            ("PI069", "submissions/gamma/1.0.0.yaml")}
