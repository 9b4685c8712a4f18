"""Thin adapter over git (GitPython): trees, blobs and first-parent history. No logic lives here."""

from __future__ import annotations

import hashlib
import importlib
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from plugindex.adapters.gitlog import (
    GRAPH_FORMAT,
    LOG_FORMAT,
    GraphCommit,
    LogCommit,
    parse_graph,
    parse_log,
)
from plugindex.errors import EnvironmentProblem

REGULAR_FILE = "100644"
_LS_TREE_FROM = 20  # paths of one commit from which tree_ids lists them with git ls-tree


@dataclass(frozen=True)
class TreeEntry:
    mode: str  # '100644' regular, '100755' executable, '120000' symlink, '160000' submodule
    kind: str  # 'blob', 'tree' or 'commit'
    oid: str
    path: str


@dataclass(frozen=True)
class Change:
    """One file changed by one first-parent commit."""

    commit: str
    time: int  # committer time, seconds since the epoch
    status: str  # 'A', 'M' or 'D'
    path: str


def _git() -> ModuleType:
    """GitPython, imported on first use (70 ms: commands that never open a repository, such
    as validating one file, do not pay for it)."""
    return importlib.import_module("git")


def git_blob_id(data: bytes) -> str:
    """The id git gives a blob of these bytes (without asking git)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _enclosing(paths: list[str]) -> list[str]:
    """The paths that are a parent directory of another of ``paths``."""
    wanted = set(paths)
    found: set[str] = set()
    for path in paths:
        parts = path.split("/")
        found.update(p for p in ("/".join(parts[:n]) for n in range(1, len(parts)))
                     if p in wanted)
    return sorted(found)


class GitRepo:
    def __init__(self, root: Path) -> None:
        try:
            self.repo = _git().Repo(root, search_parent_directories=False)
        except (_git().InvalidGitRepositoryError, _git().NoSuchPathError):
            raise EnvironmentProblem(
                f"{root} is not a git repository; plugindex reads the registry from git"
            ) from None
        self.root = Path(self.repo.working_tree_dir or root)

    def scratch_clone(self, into: Path) -> GitRepo:
        """A clone at ``into`` that shares this repository's objects (every commit of this one
        resolves there, referenced or not) and checks nothing out: somewhere to build an index
        without touching this working tree."""
        self.repo.git.clone("--quiet", "--shared", "--no-checkout", str(self.root), str(into))
        return GitRepo(into)

    def commit_on(self, parent: str, paths: Iterable[str], message: str) -> str:
        """A commit of ``parent``'s tree plus ``paths`` as they are in this working tree,
        with ``parent``'s dates (builds of it agree with builds of the parent on every time):
        plumbing only, so no branch moves and nothing is checked out. For a scratch clone."""
        when = f"@{self.commit_time(parent)} +0000"
        env = {"GIT_AUTHOR_NAME": "plugindex", "GIT_AUTHOR_EMAIL": "plugindex@localhost",
               "GIT_COMMITTER_NAME": "plugindex", "GIT_COMMITTER_EMAIL": "plugindex@localhost",
               "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
        self.repo.git.read_tree(parent)
        self.repo.git.update_index("--add", "--", *sorted(paths))
        tree = str(self.repo.git.write_tree()).strip()
        return str(self.repo.git.commit_tree(tree, "-p", parent, "-m", message,
                                             env=env)).strip()

    def resolve(self, rev: str) -> str:
        try:
            return str(self.repo.git.rev_parse("--verify", "--end-of-options", f"{rev}^{{commit}}"))
        except _git().GitCommandError:
            raise EnvironmentProblem(f"'{rev}' is not a commit in {self.root}") from None

    def is_shallow(self) -> bool:
        return str(self.repo.git.rev_parse("--is-shallow-repository")).strip() == "true"

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        try:
            self.repo.git.merge_base("--is-ancestor", ancestor, descendant)
        except _git().GitCommandError:
            return False
        return True

    def ls_tree(self, commit: str, prefix: str) -> list[TreeEntry]:
        """Every entry under ``prefix`` at ``commit``, recursively (without sizes: see
        ``blob_sizes``, which costs a look at each object)."""
        raw: bytes = self.repo.git.ls_tree(
            "-r", "-z", "--full-tree", commit, "--", prefix, stdout_as_string=False
        )
        entries = []
        for record in raw.split(b"\0"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
            mode, kind, oid = meta.decode().split()
            entries.append(TreeEntry(mode, kind, oid, _decode(path)))
        return entries

    def file_at(self, commit: str, path: str) -> bytes | None:
        """The bytes of the regular file at ``path`` in ``commit``; None if there is none
        there (missing, a directory, a symlink or a submodule)."""
        blob = next((e for e in self.ls_tree(commit, path)
                     if e.path == path and e.kind == "blob" and e.mode == REGULAR_FILE), None)
        return None if blob is None else self.read_blobs([blob.oid])[blob.oid]

    def ls_files(self, treeish: str) -> list[TreeEntry]:
        """Every entry of a tree (a tree id, or '<commit>:<path>'), recursively."""
        raw: bytes = self.repo.git.ls_tree("-r", "-z", treeish, stdout_as_string=False)
        entries = []
        for record in raw.split(b"\0"):
            if record:
                meta, _, path = record.partition(b"\t")
                mode, kind, oid = meta.decode().split()
                entries.append(TreeEntry(mode, kind, oid, _decode(path)))
        return entries

    def blob_sizes(self, oids: Iterable[str]) -> dict[str, int]:
        wanted = sorted(set(oids))
        if not wanted:
            return {}
        out = self._batch_check(wanted)
        sizes = {}
        for oid, line in zip(wanted, out.splitlines(), strict=True):
            fields = line.split()
            if len(fields) == 3:
                sizes[oid] = int(fields[2])
        return sizes

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        """Blob contents through one 'git cat-file --batch' (a thread feeds it the ids)."""
        wanted = sorted(set(oids))
        if not wanted:
            return {}
        proc = self.repo.git.cat_file("--batch", as_process=True, istream=subprocess.PIPE)
        stdin, stdout = proc.proc.stdin, proc.proc.stdout

        def feed() -> None:
            try:
                stdin.write("".join(f"{oid}\n" for oid in wanted).encode())
            finally:
                stdin.close()

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        blobs: dict[str, bytes] = {}
        try:
            for oid in wanted:
                header = stdout.readline().split()
                if len(header) != 3 or header[1] != b"blob":
                    raise EnvironmentProblem(f"git cannot read blob {oid}")
                blobs[oid] = stdout.read(int(header[2]))
                stdout.read(1)  # the newline after each object
        finally:
            writer.join()
            proc.proc.wait()
        return blobs

    def commit_times(self, rev: str, path: str | None = None, limit: int = 100) -> list[int]:
        """Committer times of the newest ``limit`` commits reachable from ``rev`` (touching
        ``path`` when given), newest first."""
        args = ["--format=%ct", f"--max-count={limit}", rev]
        raw = str(self.repo.git.log(*args, "--", path) if path else self.repo.git.log(*args))
        return [int(t) for t in raw.split()]

    def first_parent_subjects(self, head: str) -> list[str]:
        """The first line of each first-parent commit's message of ``head``, newest first
        (not ``%s``, which joins a first paragraph wrapped over several lines)."""
        raw = str(self.repo.git.log("--first-parent", "--format=%x1e%B", head))
        return [message.strip("\n").split("\n", 1)[0] for message in raw.split("\x1e")[1:]]

    def commit_time(self, rev: str) -> int:
        return int(str(self.repo.git.log("-1", "--format=%ct", rev)).strip())

    def tree_ids(self, specs: Iterable[str]) -> dict[str, str | None]:
        """For each '<commit>:<path>', the id of the tree there, or None if it is not a tree.

        Commits with many paths (a registry imported in one commit): one 'git ls-tree' per
        commit and batch of paths, since resolving '<commit>:<path>' one at a time re-reads the
        large parent trees for every path. Commits with a few (a history of one pull request a
        commit, thousands of them): all in one 'git cat-file --batch-check', not one process
        per commit. So are paths that enclose another path of their commit: given both 'a' and
        'a/b', git ls-tree lists what is inside 'a' instead of 'a' itself.
        """
        by_commit: dict[str, list[str]] = {}
        for spec in specs:
            commit, _, path = spec.partition(":")
            by_commit.setdefault(commit, []).append(path)
        result: dict[str, str | None] = {}
        few = sorted(f"{commit}:{path}" for commit, paths in by_commit.items()
                     for path in (paths if len(paths) < _LS_TREE_FROM else _enclosing(paths))
                     if "\n" not in path)
        if few:
            for spec, line in zip(few, self._batch_check(few).splitlines(), strict=True):
                words = line.split()
                result[spec] = words[0] if len(words) == 3 and words[1] == "tree" else None
        for commit, listed in by_commit.items():
            rest = [p for p in listed if f"{commit}:{p}" not in result]
            for start in range(0, len(rest), 1000):
                batch = rest[start:start + 1000]
                raw: bytes = self.repo.git.ls_tree(
                    "-z", commit, "--", *batch, stdout_as_string=False,
                    env={"GIT_LITERAL_PATHSPECS": "1"},
                )
                trees = {}
                for record in raw.split(b"\0"):
                    meta, _, found = record.partition(b"\t")
                    fields = meta.split()
                    if len(fields) == 3 and fields[1] == b"tree":
                        trees[_decode(found)] = fields[2].decode()
                for path in batch:
                    result[f"{commit}:{path}"] = trees.get(path)
        return result

    def _batch_check(self, specs: list[str]) -> str:
        proc = self.repo.git.cat_file("--batch-check", as_process=True, istream=-1)
        stdout, _ = proc.proc.communicate(("\n".join(specs) + "\n").encode())
        return _decode(stdout)

    def changes(self, head: str, since: str | None, prefix: str) -> list[Change]:
        """Files under ``prefix`` changed by first-parent commits in since..head, oldest first."""
        rev = f"{since}..{head}" if since else head
        raw: bytes = self.repo.git.log(
            "--first-parent", "--diff-merges=first-parent", "--reverse", "--no-renames",
            "--name-status", "-z", "--format=%x01%H %ct", rev, "--", prefix,
            stdout_as_string=False,
        )
        changes: list[Change] = []
        commit, time = "", 0
        fields = raw.split(b"\0")
        i = 0
        while i < len(fields):
            field = fields[i].lstrip(b"\n")
            i += 1
            if field.startswith(b"\x01"):
                sha, _, stamp = field[1:].partition(b" ")
                commit, time = sha.decode(), int(stamp)
            elif field[:1] in (b"A", b"M", b"D", b"T") and i < len(fields):
                status = "M" if field[:1] == b"T" else field[:1].decode()
                changes.append(Change(commit, time, status, _decode(fields[i])))
                i += 1
        return changes

    def first_parent_log(self, head: str, since: str | None = None) -> list[LogCommit]:
        """The first-parent commits of since..head, oldest first, with the files each changed
        against its first parent (mailmap applied to authors)."""
        rev = f"{since}..{head}" if since else head
        raw: bytes = self.repo.git.log(
            "--first-parent", "--diff-merges=first-parent", "--reverse", "--no-renames",
            "--raw", "--numstat", "--no-abbrev", "-z", f"--format={LOG_FORMAT}", rev,
            stdout_as_string=False,
        )
        return parse_log(raw)

    def commit_graph(self, head: str, since: str | None = None) -> dict[str, GraphCommit]:
        """Every commit of since..head (all parents followed), with author and message."""
        rev = f"{since}..{head}" if since else head
        raw: bytes = self.repo.git.log(f"--format={GRAPH_FORMAT}", rev,
                                       stdout_as_string=False)
        return parse_graph(raw)

    def check_mailmap(self, contacts: Iterable[str]) -> dict[str, str]:
        """Each 'Name <email>' contact as .mailmap rewrites it."""
        wanted = sorted(set(contacts))
        out: dict[str, str] = {}
        for i in range(0, len(wanted), 200):
            part = wanted[i:i + 200]
            lines = str(self.repo.git.check_mailmap(*part)).splitlines()
            out.update(zip(part, lines, strict=True))
        return out

    def merge_base(self, a: str, b: str) -> str:
        try:
            return str(self.repo.git.merge_base(a, b)).strip()
        except _git().GitCommandError:
            raise EnvironmentProblem(f"{a[:12]} and {b[:12]} share no history") from None

    def name_status(self, old: str, new: str) -> list[tuple[str, str, str]]:
        """(status, path, mode at ``new``) of every file that differs between two commits; a
        rename is a deletion and an addition, a type change a modification; the mode of a
        deleted file is ''."""
        raw: bytes = self.repo.git.diff_tree(
            "-r", "-z", "--no-renames", "--no-commit-id", old, new, stdout_as_string=False)
        fields = raw.split(b"\0")
        out = []
        for meta, path in zip(fields[0::2], fields[1::2], strict=False):
            if not meta.startswith(b":"):
                continue
            _, mode, _, _, status = meta[1:].decode().split()
            out.append(("M" if status[:1] == "T" else status[:1], _decode(path),
                        "" if status[:1] == "D" else mode))
        return out

    def has_uncommitted(self, *paths: str) -> bool:
        return bool(str(self.repo.git.status("--porcelain", "--", *paths)).strip())

    def commit_exists(self, sha: str) -> bool:
        try:
            self.repo.git.cat_file("-e", f"{sha}^{{commit}}")
        except _git().GitCommandError:
            return False
        return True

    def diff_tree(self, old: str, new: str, prefix: str) -> tuple[list[TreeEntry], list[str]]:
        """Files under ``prefix`` that differ between two commits: the new entries of added
        or changed files, and the paths of deleted ones."""
        raw: bytes = self.repo.git.diff_tree(
            "-r", "-z", "--no-renames", "--no-commit-id", old, new, "--", prefix,
            stdout_as_string=False,
        )
        fields = raw.split(b"\0")
        changed: list[TreeEntry] = []
        removed: list[str] = []
        for meta, path in zip(fields[0::2], fields[1::2], strict=False):
            if not meta.startswith(b":"):
                continue
            _, new_mode, _, new_oid, status = meta[1:].decode().split()
            name = _decode(path)
            if status == "D":
                removed.append(name)
            else:
                kind = "commit" if new_mode == "160000" else "blob"
                changed.append(TreeEntry(new_mode, kind, new_oid, name))
        return changed, removed


def checkout_facts(path: Path) -> tuple[str | None, str | None, str | None]:
    """For a directory in some git checkout: its remote URL (origin first), HEAD commit and
    the directory's path within the checkout (None at the top); all None outside git."""
    try:
        repo = _git().Repo(path, search_parent_directories=True)
    except (_git().InvalidGitRepositoryError, _git().NoSuchPathError):
        return None, None, None
    top = Path(repo.working_tree_dir or path).resolve()
    sub = path.resolve().relative_to(top).as_posix()
    remote = next((r.url for r in repo.remotes if r.name == "origin"), None) or next(
        (r.url for r in repo.remotes), None)
    try:
        commit: str | None = repo.head.commit.hexsha
    except ValueError:  # no commit yet
        commit = None
    return remote, commit, None if sub == "." else sub
