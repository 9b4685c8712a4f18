"""Fetch a plugin's source into a directory, one adapter per kind, never running any of it.

- path:    the tree of a directory of this repository at the commit that published the manifest.
- git:     a bare clone of the declared repository (no checkout, so no hooks, filters, LFS
           smudge or submodules), objects fsck'ed on arrival (an object fsck rejects, such as
           a tree with a '..' entry, refuses the source: 'git-fsck', never retried), blobs over
           the per-file cap left on the server; the pinned commit must exist there *and* be
           reachable from one of its branches or tags (a commit from a fork's network is
           refused).
- archive: a capped download, sha256 verified before extraction, extracted member by member.
Files come out of git trees as plain files: symlinks and submodules are listed, not followed.
git itself runs through ``adapters.proc.run`` with exactly ``git_env`` (no user or system
configuration, no prompt, only the allowed protocols) and a timeout.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from plugindex.adapters.gitrepo import GitRepo, TreeEntry
from plugindex.adapters.proc import ProcessFailed, run
from plugindex.config.scan import ScanConfig, SourceLimits
from plugindex.fetch.archive import extract
from plugindex.fetch.download import download, verify_sha256
from plugindex.fetch.problems import FetchFailed, SourceProblem, SourceRefused, retrying
from plugindex.manifests.model import Source

# git may only speak these: no ext::, no ssh (no keys here), no transport helpers.
ALLOWED_PROTOCOLS = "https:http:file"
HISTORY_COMMITS = 100  # commit dates kept of a source's history (for the maintenance score)
_PERMANENT_GIT = re.compile(
    r"not found|does not exist|could not read Username|Authentication failed|"
    r"not a git repository|does not appear to be a git repository|"
    r"unable to find remote helper|transport '.*' not allowed", re.I)
# What git says when transfer.fsckObjects rejects a received object.
_FSCK_GIT = re.compile(r"fsck error|error: object [0-9a-f]{40,64}: [A-Za-z]+:", re.I)


@dataclass(frozen=True)
class FetchedSource:
    root: Path  # the directory to scan
    key: str  # the cache key: what the source's content is identified by
    tree: str | None  # git tree id of the scanned tree (git and path sources)
    commit: str | None  # the commit the tree was read from
    files: int
    bytes: int
    skipped: tuple[tuple[str, str], ...] = ()  # (path, why) entries not written: links, gitlinks
    commit_times: tuple[int, ...] = ()  # of the newest commits touching the source, newest first


def source_key(source: Source, tree: str | None) -> str:
    """What a version's source is identified by. A git commit id is a content hash of its
    tree, so it identifies the source before anything is fetched."""
    sub = f"/{source.subdirectory}" if source.subdirectory else ""
    if source.kind == "git":
        return f"git-commit:{source.pin}{sub}"
    if source.kind == "archive":
        return f"sha256:{source.pin}{sub}"
    return f"git-tree:{tree}"


def git_env(home: Path) -> dict[str, str]:
    """An environment in which git reads no user or system configuration and asks nothing."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "/bin/false",
        "SSH_ASKPASS": "/bin/false",
        "GIT_ALLOW_PROTOCOL": ALLOWED_PROTOCOLS,
        "GIT_LFS_SKIP_SMUDGE": "1",
        "LC_ALL": "C",
    }


def _safe_relative(path: str) -> PurePosixPath:
    rel = PurePosixPath(path)
    if rel.is_absolute() or any(p in ("", ".", "..", ".git") for p in rel.parts) or "\\" in path:
        raise SourceRefused("tree-member-path", f"the tree holds an unsafe path: {path!r}")
    return rel


def export_tree(repo: GitRepo, treeish: str, dest: Path, limits: SourceLimits
                ) -> tuple[int, int, tuple[tuple[str, str], ...]]:
    """Write the regular files of a git tree under ``dest``; (files, bytes, skipped)."""
    entries = repo.ls_files(treeish)
    if len(entries) > limits.members:
        raise SourceRefused("tree-too-many-members",
                            f"the source has {len(entries)} entries; the limit is "
                            f"{limits.members}")
    blobs: list[TreeEntry] = []
    skipped: list[tuple[str, str]] = []
    for e in entries:
        if e.mode in ("100644", "100755"):
            blobs.append(e)
        elif e.mode == "120000":
            skipped.append((e.path, "symbolic link (not followed)"))
        elif e.mode == "160000":
            skipped.append((e.path, "submodule (not fetched)"))
    sizes = repo.blob_sizes(e.oid for e in blobs)
    total = 0
    for e in blobs:
        if e.oid not in sizes:
            raise SourceRefused("source-file-too-large",
                                f"{e.path} was not fetched: it is larger than the per-file "
                                f"limit of {limits.file_bytes} bytes")
        if sizes[e.oid] > limits.file_bytes:
            raise SourceRefused("source-file-too-large",
                                f"{e.path} is {sizes[e.oid]} bytes; the per-file limit is "
                                f"{limits.file_bytes} bytes")
        total += sizes[e.oid]
    if total > limits.total_bytes:
        raise SourceRefused("source-too-large", f"the source holds {total} bytes; the limit "
                            f"is {limits.total_bytes} bytes")
    data = repo.read_blobs(e.oid for e in blobs)
    for e in blobs:
        target = dest.joinpath(*_safe_relative(e.path).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data[e.oid])
    return len(blobs), total, tuple(sorted(skipped))


def fetch_path(repo: GitRepo, source: Source, commit: str, dest: Path, limits: SourceLimits
               ) -> FetchedSource:
    """An in-repository source: ``source.location`` at ``commit``."""
    tree = repo.tree_ids([f"{commit}:{source.location}"]).get(f"{commit}:{source.location}")
    if tree is None:
        raise SourceRefused("path-not-a-directory",
                            f"{source.location} is not a directory at {commit[:12]}")
    files, size, skipped = export_tree(repo, tree, dest, limits)
    times = repo.commit_times(commit, source.location, HISTORY_COMMITS)
    return FetchedSource(dest, source_key(source, tree), tree, commit, files, size, skipped,
                         tuple(times))


def _run_git(args: list[str], cwd: Path, env: dict[str, str], timeout: float, *,
             check: bool = True) -> str:
    """git with exactly ``env`` (GitPython would merge in the caller's GIT_* variables); its
    stdout. A timeout is a transient 'git-timeout'; with ``check``, a failure is mapped by
    ``_git_failure``; a git that cannot be started raises ProcessFailed (the environment is
    broken, not the source)."""
    try:
        done = run(["git", *args], cwd=cwd, env=env, timeout=timeout, check=check)
    except ProcessFailed as exc:
        if exc.timed_out:
            raise FetchFailed("git-timeout", f"git {_verb(args)} did not finish in "
                              f"{timeout:g} s", transient=True) from None
        if exc.returncode is None:
            raise
        raise _git_failure(args, exc.stderr) from None
    return done.stdout_text


def _verb(args: list[str]) -> str:
    return next((a for a in args if not a.startswith("-") and "=" not in a), "")


def _git_failure(args: list[str], stderr: str) -> SourceProblem:
    fsck = _FSCK_GIT.search(stderr)
    if fsck is not None:
        found = [ln.strip() for ln in stderr.splitlines() if _FSCK_GIT.search(ln)]
        return SourceRefused("git-fsck", f"git {_verb(args)} refused the repository's "
                             f"objects: {'; '.join(found)[:300]}")
    stderr = stderr.strip().replace("\n", " ")[-300:]
    if _PERMANENT_GIT.search(stderr):
        return FetchFailed("git-not-found", f"git {_verb(args)} failed: {stderr}",
                           transient=False)
    return FetchFailed("git-unreachable", f"git {_verb(args)} failed: {stderr}", transient=True)


def clone(url: str, into: Path, config: ScanConfig, home: Path,
          sleep: Callable[[float], None] = time.sleep) -> None:
    """A bare, blob-size-filtered clone of ``url`` (with bounded retries)."""
    limits = config.limits
    env = git_env(home)

    def attempt() -> None:
        shutil.rmtree(into, ignore_errors=True)
        _run_git([
            "-c", "transfer.fsckObjects=true", "-c", "core.hooksPath=/dev/null",
            "-c", "protocol.file.allow=always",
            "clone", "--bare", "--quiet", "--no-recurse-submodules",
            f"--filter=blob:limit={limits.file_bytes}", "--", url, str(into),
        ], home, env, limits.timeout_seconds)

    retrying(attempt, limits.retries, sleep)
    # No lazy fetching later: a blob left on the server (over the cap) stays missing.
    for key in ("remote.origin.promisor", "remote.origin.partialclonefilter",
                "extensions.partialclone"):  # a key that is not set is no failure
        _run_git(["config", "--unset", key], into, env, limits.timeout_seconds, check=False)


def fetch_git(source: Source, dest: Path, work: Path, config: ScanConfig,
              sleep: Callable[[float], None] = time.sleep) -> FetchedSource:
    url = config.mirrored(source.location)
    bare = work / "clone.git"
    clone(url, bare, config, work, sleep)
    repo = GitRepo(bare)
    commit = source.pin
    if not repo.commit_exists(commit):
        raise SourceRefused("git-commit-missing",
                            f"commit {commit} is not in {source.location}")
    contains = _run_git(["for-each-ref", "--count=1", "--contains", commit,
                         "--format=%(refname)", "refs/heads", "refs/tags"],
                        bare, git_env(work), config.limits.timeout_seconds)
    if not contains.strip():
        raise SourceRefused("git-commit-unreachable",
                            f"commit {commit} is not reachable from any branch or tag of "
                            f"{source.location}")
    spec = f"{commit}:{source.subdirectory}" if source.subdirectory else f"{commit}^{{tree}}"
    tree = (repo.tree_ids([spec]).get(spec) if source.subdirectory
            else _run_git(["rev-parse", spec], bare, git_env(work), 60).strip())
    if tree is None:
        raise SourceRefused("subdirectory-missing",
                            f"{source.subdirectory} is not a directory at commit {commit[:12]}")
    files, size, skipped = export_tree(repo, tree, dest, config.limits)
    log = ["log", "--format=%ct", f"--max-count={HISTORY_COMMITS}", commit]
    if source.subdirectory:
        log += ["--", source.subdirectory]
    times = _run_git(log, bare, git_env(work), config.limits.timeout_seconds).split()
    return FetchedSource(dest, source_key(source, tree), tree, commit, files, size, skipped,
                         tuple(int(t) for t in times))


def fetch_archive(source: Source, dest: Path, work: Path, config: ScanConfig,
                  sleep: Callable[[float], None] = time.sleep,
                  redirect_hosts: Iterable[str] = ()) -> FetchedSource:
    """``redirect_hosts``: hosts a download may be redirected to besides its own (and its
    subdomains): the registry's source hosts."""
    archive = work / "archive"
    download(config.mirrored(source.location), archive, limits=config.limits, sleep=sleep,
             redirect_hosts=redirect_hosts)
    verify_sha256(archive, source.pin)
    result = extract(archive, work / "extracted", config.limits)
    root = result.root
    if source.subdirectory:
        root = root.joinpath(*_safe_relative(source.subdirectory).parts)
        if not root.is_dir():
            raise SourceRefused("subdirectory-missing",
                                f"{source.subdirectory} is not a directory in the archive")
    dest.rmdir()
    root.rename(dest)
    if source.subdirectory:  # only part of what was extracted is the source
        sizes = [p.stat().st_size for p in dest.rglob("*") if p.is_file()]
        return FetchedSource(dest, source_key(source, None), None, None, len(sizes), sum(sizes))
    return FetchedSource(dest, source_key(source, None), None, None, result.files, result.bytes)


def fetch(source: Source, dest: Path, work: Path, config: ScanConfig, *,
          repo: GitRepo, published_commit: str,
          sleep: Callable[[float], None] = time.sleep,
          redirect_hosts: Iterable[str] = ()) -> FetchedSource:
    """Fetch ``source`` into the empty directory ``dest`` (``work``: scratch space).
    Raises SourceRefused or FetchFailed."""
    if source.kind == "path":
        return fetch_path(repo, source, published_commit, dest, config.limits)
    if source.kind == "git":
        return fetch_git(source, dest, work, config, sleep)
    return fetch_archive(source, dest, work, config, sleep, redirect_hosts)
