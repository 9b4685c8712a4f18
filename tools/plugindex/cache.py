"""The build cache: work keyed by content, in one SQLite file outside the published tree.

* per manifest file, keyed by (path, blob id): the validated data and its diagnostics;
* the history fold, with the commit it was computed at;
* per plugin, keyed by a digest of its inputs: the rendered index entry and file digest.

Everything is dropped when the tool, the schemas or registry.yaml change (the context key).
The cache only ever saves work: deleting it changes no output.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugindex.diagnostics import Diagnostic, Severity
from plugindex.history import PathTimes

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT NOT NULL, oid TEXT NOT NULL, data TEXT, diagnostics TEXT NOT NULL,
    PRIMARY KEY (path, oid));
CREATE TABLE IF NOT EXISTS history (
    path TEXT PRIMARY KEY, commit_id TEXT NOT NULL, published INTEGER NOT NULL,
    updated INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS plugins (
    name TEXT PRIMARY KEY, inputs TEXT NOT NULL, entry TEXT NOT NULL, sha256 TEXT NOT NULL,
    oid TEXT NOT NULL, stamp TEXT NOT NULL);
"""


@dataclass(frozen=True)
class CachedFile:
    data: dict[str, Any] | None
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class CachedPlugin:
    inputs: str  # digest of everything the plugin's output depends on
    entry: str  # its line in index.json
    sha256: str  # of plugins/<name>.json
    oid: str  # git blob id of plugins/<name>.json
    stamp: str  # size and mtime of the published file when it was written (reuse guard)


def _diag_to_row(d: Diagnostic) -> list[object]:
    return [d.line, d.rule, d.pointer, d.message, d.hint, d.severity.value]


def _diag_from_row(file: str, row: list[Any]) -> Diagnostic:
    line, rule, ptr, message, hint, severity = row
    return Diagnostic(file, line, rule, ptr, message, hint, Severity(severity))


class BuildCache:
    def __init__(self, path: Path | None, context: str) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path) if path is not None else ":memory:")
        self.db.executescript(_SCHEMA)
        row = self.db.execute("SELECT value FROM meta WHERE key = 'context'").fetchone()
        if row is None or row[0] != context:
            with self.db:
                self.db.execute("DELETE FROM files")
                self.db.execute("DELETE FROM plugins")
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('context', ?)", (context,))

    def close(self) -> None:
        self.db.close()

    def get_files(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], CachedFile]:
        wanted = set(keys)
        found: dict[tuple[str, str], CachedFile] = {}
        rows = self.db.execute("SELECT path, oid, data, diagnostics FROM files")
        for path, oid, data, diags in rows:
            if (path, oid) in wanted:
                found[(path, oid)] = CachedFile(
                    json.loads(data) if data is not None else None,
                    tuple(_diag_from_row(path, r) for r in json.loads(diags)),
                )
        return found

    def put_files(self, entries: Mapping[tuple[str, str], CachedFile]) -> None:
        rows = [
            (path, oid,
             json.dumps(e.data, sort_keys=True) if e.data is not None else None,
             json.dumps([_diag_to_row(d) for d in e.diagnostics]))
            for (path, oid), e in entries.items()
        ]
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", rows)

    def forget_files_except(self, keep: Iterable[tuple[str, str]]) -> None:
        """Drop entries of files that are no longer in the tree, so the cache does not grow."""
        keep_set = set(keep)
        rows = self.db.execute("SELECT path, oid FROM files")
        stale = [k for k in rows if tuple(k) not in keep_set]
        with self.db:
            self.db.executemany("DELETE FROM files WHERE path = ? AND oid = ?", stale)

    def history(self) -> tuple[str | None, dict[str, PathTimes]]:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'history_head'").fetchone()
        state = {
            path: PathTimes(commit, published, updated)
            for path, commit, published, updated in self.db.execute("SELECT * FROM history")
        }
        return (row[0] if row else None), state

    def set_history(self, head: str, state: Mapping[str, PathTimes], touched: Iterable[str],
                    full: bool) -> None:
        with self.db:
            if full:
                self.db.execute("DELETE FROM history")
                touched = state.keys()
            for path in touched:
                times = state.get(path)
                if times is None:
                    self.db.execute("DELETE FROM history WHERE path = ?", (path,))
                else:
                    self.db.execute(
                        "INSERT OR REPLACE INTO history VALUES (?, ?, ?, ?)",
                        (path, times.published_commit, times.published, times.updated),
                    )
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('history_head', ?)", (head,))

    def plugins(self) -> dict[str, CachedPlugin]:
        return {
            row[0]: CachedPlugin(*row[1:])
            for row in self.db.execute(
                "SELECT name, inputs, entry, sha256, oid, stamp FROM plugins")
        }

    def set_plugins(self, plugins: Mapping[str, CachedPlugin]) -> None:
        with self.db:
            self.db.execute("DELETE FROM plugins")
            self.db.executemany(
                "INSERT INTO plugins VALUES (?, ?, ?, ?, ?, ?)",
                [(n, p.inputs, p.entry, p.sha256, p.oid, p.stamp)
                 for n, p in sorted(plugins.items())],
            )
