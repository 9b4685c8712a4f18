"""The build cache: work keyed by content, in one SQLite file outside the published tree.

* per manifest file, keyed by (path, blob id): its diagnostics, the facts the registry-wide
  rules need, and the validated data (read only for plugins that must be re-rendered);
* the history fold, with the commit it was computed at;
* the tree id of each in-repository source at its publishing commit (immutable);
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
from plugindex.manifest import Facts

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT NOT NULL, oid TEXT NOT NULL,
    name TEXT, version TEXT, requires TEXT, conflicts TEXT, replacement TEXT, kind TEXT,
    location TEXT, data TEXT, diagnostics TEXT,
    PRIMARY KEY (path, oid));
CREATE TABLE IF NOT EXISTS trees (spec TEXT PRIMARY KEY, tree TEXT);
CREATE TABLE IF NOT EXISTS history (
    path TEXT PRIMARY KEY, commit_id TEXT NOT NULL, published INTEGER NOT NULL,
    updated INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS plugins (
    name TEXT PRIMARY KEY, inputs TEXT NOT NULL, entry TEXT NOT NULL, sha256 TEXT NOT NULL,
    oid TEXT NOT NULL, stamp TEXT NOT NULL);
"""


@dataclass(frozen=True)
class CachedFile:
    facts: Facts | None  # None: not even name and version could be read
    diagnostics: tuple[Diagnostic, ...]
    valid: bool  # well-formed; then ``data`` is stored
    data: dict[str, Any] | None = None  # filled when the file is stored, not when read


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


CACHE_FORMAT = "4"


def _context_of(db: sqlite3.Connection) -> str | None:
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'context'").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


class BuildCache:
    def __init__(self, path: Path | None, context: str) -> None:
        context = f"{CACHE_FORMAT}:{context}"
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path) if path is not None else ":memory:")
        if path is not None and path.stat().st_size and _context_of(self.db) != context:
            # Another tool version, schema or registry.yaml: start afresh.
            self.db.close()
            path.unlink()
            self.db = sqlite3.connect(str(path))
        self.db.executescript(_SCHEMA)
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('context', ?)", (context,))

    def close(self) -> None:
        self.db.close()

    def get_files(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], CachedFile]:
        """The cached entries of ``keys``; entries of files no longer wanted are dropped."""
        wanted = set(keys)
        found: dict[tuple[str, str], CachedFile] = {}
        stale = []
        rows = self.db.execute(
            "SELECT path, oid, diagnostics, data IS NOT NULL, name, version, requires, "
            "conflicts, replacement, kind, location FROM files")
        for row in rows:
            path, oid, diags = row[:3]
            if (path, oid) not in wanted:
                stale.append((path, oid))
                continue
            found[(path, oid)] = CachedFile(
                Facts.from_row(row[4:]) if row[4] is not None else None,
                tuple(_diag_from_row(path, r) for r in json.loads(diags)) if diags else (),
                bool(row[3]),
            )
        if stale:
            with self.db:
                self.db.executemany("DELETE FROM files WHERE path = ? AND oid = ?", stale)
        return found

    def get_data(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        found = {}
        for path, oid in keys:
            row = self.db.execute(
                "SELECT data FROM files WHERE path = ? AND oid = ?", (path, oid)).fetchone()
            if row is not None and row[0] is not None:
                found[(path, oid)] = json.loads(row[0])
        return found

    def put_files(self, entries: Mapping[tuple[str, str], CachedFile]) -> None:
        rows = [
            (path, oid,
             *(e.facts.to_row() if e.facts is not None else (None,) * 7),
             json.dumps(e.data, sort_keys=True) if e.data is not None else None,
             json.dumps([_diag_to_row(d) for d in e.diagnostics]) if e.diagnostics else None)
            for (path, oid), e in entries.items()
        ]
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def get_trees(self, specs: Iterable[str]) -> dict[str, str | None]:
        wanted = set(specs)
        return {spec: tree for spec, tree in self.db.execute("SELECT spec, tree FROM trees")
                if spec in wanted}

    def put_trees(self, trees: Mapping[str, str | None]) -> None:
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO trees VALUES (?, ?)",
                                sorted(trees.items()))

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

    def set_plugins(self, plugins: Mapping[str, CachedPlugin],
                    previous: Mapping[str, CachedPlugin]) -> None:
        """Store ``plugins`` as the current set, writing only rows that differ from ``previous``."""
        changed = [(n, p.inputs, p.entry, p.sha256, p.oid, p.stamp)
                   for n, p in sorted(plugins.items()) if previous.get(n) != p]
        gone = [(n,) for n in previous if n not in plugins]
        with self.db:
            self.db.executemany("DELETE FROM plugins WHERE name = ?", gone)
            self.db.executemany("INSERT OR REPLACE INTO plugins VALUES (?, ?, ?, ?, ?, ?)",
                                changed)
