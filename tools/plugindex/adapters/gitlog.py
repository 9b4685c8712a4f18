"""What git says about commits, parsed: the first-parent history with each commit's changed
files (status, lines added and deleted, blob ids), and the commit graph with authors and
messages. Pure parsing of ``git log`` output; ``gitrepo.GitRepo`` runs git.

The formats are fixed here so that parser and command cannot drift apart:
``LOG_FORMAT`` with ``--raw --numstat -z`` for the first-parent history, ``GRAPH_FORMAT``
without diffs for the graph. Fields are separated by 0x1f and commits start with 0x1e, bytes
that cannot occur in git's metadata output.
"""

from __future__ import annotations

from dataclasses import dataclass

LOG_FORMAT = "%x1e%H%x1f%P%x1f%aN%x1f%aE%x1f%ct%x1f%B%x1f"
GRAPH_FORMAT = "%x1e%H%x1f%P%x1f%aN%x1f%aE%x1f%B"


@dataclass(frozen=True)
class FileChange:
    status: str  # 'A', 'M', 'D' (a type change counts as 'M')
    path: str
    added: int  # lines; 0 for binary files
    deleted: int
    old_blob: str  # 40 zeros when added
    new_blob: str  # 40 zeros when deleted


@dataclass(frozen=True)
class LogCommit:
    sha: str
    parents: tuple[str, ...]
    author_name: str  # .mailmap applied
    author_email: str
    time: int  # committer time, seconds since the epoch
    message: str
    changes: tuple[FileChange, ...]  # against the first parent


@dataclass(frozen=True)
class GraphCommit:
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    message: str


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def parse_log(raw: bytes) -> list[LogCommit]:
    commits = []
    for chunk in raw.split(b"\x1e")[1:]:
        fields = chunk.split(b"\x1f", 6)
        sha, parents, name, email, stamp, message = (_text(f) for f in fields[:6])
        rest = fields[6] if len(fields) > 6 else b""
        tokens = rest.split(b"\0")
        raw_entries: dict[str, tuple[str, str, str]] = {}
        counts: dict[str, tuple[int, int]] = {}
        i = 0
        while i < len(tokens):
            token = tokens[i].lstrip(b"\n")
            i += 1
            if token.startswith(b":"):  # ':100644 100644 <old> <new> M' then the path
                meta = token[1:].split()
                if len(meta) >= 5 and i < len(tokens):
                    path = _text(tokens[i])
                    i += 1
                    status = "M" if meta[4][:1] == b"T" else _text(meta[4][:1])
                    raw_entries[path] = (status, _text(meta[2]), _text(meta[3]))
            elif token.count(b"\t") >= 2:  # 'added\tdeleted\tpath' ('-' for binary files)
                added, deleted, path_raw = token.split(b"\t", 2)
                counts[_text(path_raw)] = (int(added) if added.isdigit() else 0,
                                           int(deleted) if deleted.isdigit() else 0)
        changes = tuple(
            FileChange(status, path, *counts.get(path, (0, 0)), old, new)
            for path, (status, old, new) in sorted(raw_entries.items()))
        commits.append(LogCommit(sha, tuple(parents.split()), name, email, int(stamp),
                                 message.strip("\n"), changes))
    return commits


def parse_graph(raw: bytes) -> dict[str, GraphCommit]:
    graph = {}
    for chunk in raw.split(b"\x1e")[1:]:
        sha, parents, name, email, message = (_text(f) for f in chunk.split(b"\x1f", 4))
        graph[sha] = GraphCommit(sha, tuple(parents.split()), name, email,
                                 message.strip("\n"))
    return graph
