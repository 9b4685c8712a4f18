"""The build cache: what the last build learned, in one SQLite file outside the published tree.

The cache describes the registry at one commit, its *state*: one row per file of submissions/
with the file's blob id, its diagnostics, the facts the registry-wide rules need, their
findings, the validated data (read only for plugins that must be re-rendered) and the
resolver's view of it; the publish and update times of each file; and one row per plugin with
what was last published for it, including the full resolution of its latest version and the
key of the dependency cone that it holds for.
A build moves the state to the commit it builds by applying only what changed in between, in
one transaction: a build that dies leaves the previous state, never a mix.

Also kept: the tree id of each in-repository source at its publishing commit (immutable).
Everything is dropped when the tool, the schemas or registry.yaml change (the context key).
The cache only ever saves work: deleting it changes no output.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugindex.diagnostics import Diagnostic, Severity
from plugindex.manifests.history import PathTimes
from plugindex.manifests.model import Facts
from plugindex.resolve.releases import release_text

CACHE_FORMAT = "8"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, oid TEXT NOT NULL, plugin TEXT,
    name TEXT, version TEXT, requires TEXT, conflicts TEXT, replacement TEXT, kind TEXT,
    location TEXT, valid INTEGER NOT NULL, data TEXT, diagnostics TEXT, cross TEXT,
    release TEXT);
CREATE INDEX IF NOT EXISTS files_by_plugin ON files (plugin);
CREATE INDEX IF NOT EXISTS files_by_name ON files (name);
CREATE TABLE IF NOT EXISTS history (
    path TEXT PRIMARY KEY, commit_id TEXT NOT NULL, published INTEGER NOT NULL,
    updated INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS trees (spec TEXT PRIMARY KEY, tree TEXT);
CREATE TABLE IF NOT EXISTS plugins (
    name TEXT PRIMARY KEY, inputs TEXT NOT NULL, entry TEXT NOT NULL, sha256 TEXT NOT NULL,
    oid TEXT NOT NULL, stamp TEXT NOT NULL, cone TEXT NOT NULL, install TEXT NOT NULL,
    since INTEGER NOT NULL, until INTEGER NOT NULL);
"""
_FACTS = "name, version, requires, conflicts, replacement, kind, location"


@dataclass(frozen=True)
class FileRow:
    """One file of submissions/ as the load stage left it."""

    path: str
    oid: str
    plugin: str | None  # the <name> directory, when the path has the manifest layout
    facts: Facts | None  # None: not even name and version could be read
    valid: bool  # well-formed: then ``data`` is stored and the manifest can be published
    diagnostics: tuple[Diagnostic, ...]
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class CachedPlugin:
    inputs: str  # digest of the inputs its fields declare (build/outputs.py, index.py)
    entry: str  # its line in index.json
    sha256: str  # of plugins/<name>.json
    oid: str  # git blob id of plugins/<name>.json
    stamp: str  # size, mtime and inode of the published file when written (reuse guard)
    cone: str  # digest of the releases in the plugin's dependency cone
    install: str  # the full resolution of its latest version (JSON), valid while cone holds
    since: int  # the score dates over which its scores hold (score.model.span): its file
    until: int  # names ``since``, and is rendered again once the score date passes ``until``

    def scored_at(self, as_of: int) -> int | None:
        """The score date its file shows if it holds at ``as_of`` (None: it does not)."""
        return self.since if self.since <= as_of <= self.until else None


def _diags_json(diagnostics: Iterable[Diagnostic]) -> str | None:
    rows = [[d.line, d.rule, d.pointer, d.message, d.hint, d.severity.value] for d in diagnostics]
    return json.dumps(rows) if rows else None


def _diags_from(file: str, text: str | None) -> list[Diagnostic]:
    if not text:
        return []
    return [Diagnostic(file, line, rule, ptr, message, hint, Severity(severity))
            for line, rule, ptr, message, hint, severity in json.loads(text)]


def _context_of(db: sqlite3.Connection) -> str | None:
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'context'").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def _marks(count: int) -> str:
    return ", ".join("?" * count)


class BuildCache:
    """Open a cache for one context; all changes are one transaction, kept by ``commit``."""

    def __init__(self, path: Path | None, context: str) -> None:
        context = f"{CACHE_FORMAT}:{context}"
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path) if path is not None else ":memory:",
                                  isolation_level=None)
        if path is not None and path.stat().st_size and _context_of(self.db) != context:
            # Another tool version, schema or registry.yaml: start afresh.
            self.db.close()
            path.unlink()
            self.db = sqlite3.connect(str(path), isolation_level=None)
        self.db.executescript(_SCHEMA)
        self.db.execute("BEGIN")
        self._set_meta("context", context)

    def commit(self, state: str, names: Collection[str]) -> None:
        """Keep every change of this build; the cache now describes commit ``state``."""
        self._set_meta("state", state)
        self._set_meta("names", names_digest(names))
        self.db.execute("COMMIT")
        self.db.execute("BEGIN")

    def close(self) -> None:
        """Close; changes not committed are rolled back."""
        self.db.close()

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def state(self) -> str | None:
        return self._meta("state")

    def names_digest(self) -> str | None:
        return self._meta("names")

    # -- files ---------------------------------------------------------------------------------

    def clear_files(self) -> None:
        self.db.execute("DELETE FROM files")

    def delete_files(self, paths: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in paths])

    def put_files(self, rows: Iterable[FileRow]) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
            [(r.path, r.oid, r.plugin,
              *(r.facts.to_row() if r.facts is not None else (None,) * 7),
              int(r.valid),
              json.dumps(r.data, sort_keys=True) if r.data is not None else None,
              _diags_json(r.diagnostics),
              release_text(r.data) if r.data is not None else None)
             for r in rows],
        )

    def plugin_names(self) -> set[str]:
        """The plugin directories of submissions/ and the names manifests give themselves."""
        found = {p for (p,) in self.db.execute(
            "SELECT DISTINCT plugin FROM files WHERE plugin IS NOT NULL")}
        found |= {n for (n,) in self.db.execute(
            "SELECT DISTINCT name FROM files WHERE name IS NOT NULL")}
        return found

    def _select(self, sql: str, column: str, values: Collection[str] | None
                ) -> list[tuple[Any, ...]]:
        """Run ``sql`` (a SELECT whose WHERE ends in '{in}') for rows whose ``column`` is one
        of ``values`` (None: every row), in chunks that SQLite accepts."""
        if values is None:
            return list(self.db.execute(sql.format(**{"in": "1"})))
        values = list(values)
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(values), 900):
            part = values[start:start + 900]
            rows += self.db.execute(
                sql.format(**{"in": f"{column} IN ({_marks(len(part))})"}), part)
        return rows

    def facts(self, plugins: Collection[str] | None) -> list[tuple[str, Facts]]:
        """(path, facts) of the files that have facts and belong to, or name themselves as,
        one of ``plugins`` (None: of all files)."""
        rows = self._select(
            f"SELECT path, {_FACTS} FROM files WHERE name IS NOT NULL AND {{in}}",  # noqa: S608
            "plugin", plugins)
        if plugins is not None:
            seen = {row[0] for row in rows}
            rows += [row for row in self._select(
                f"SELECT path, {_FACTS} FROM files WHERE {{in}}", "name", plugins)  # noqa: S608
                if row[0] not in seen]
        return [(row[0], Facts.from_row(row[1:])) for row in rows]

    def path_source_facts(self) -> list[tuple[str, Facts]]:
        """(path, facts) of every manifest with an in-repository source."""
        rows = self.db.execute(
            f"SELECT path, {_FACTS} FROM files WHERE name IS NOT NULL AND kind = 'path'"  # noqa: S608
            " ORDER BY path").fetchall()
        return [(row[0], Facts.from_row(row[1:])) for row in rows]

    def facts_of_paths(self, paths: Collection[str]) -> list[tuple[str, Facts]]:
        rows = self._select(
            f"SELECT path, {_FACTS} FROM files WHERE name IS NOT NULL AND {{in}}",  # noqa: S608
            "path", paths)
        return [(row[0], Facts.from_row(row[1:])) for row in rows]

    def file_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM files").fetchone()[0])

    def paths_without_facts(self, plugins: Collection[str] | None) -> list[str]:
        rows = self._select("SELECT path FROM files WHERE name IS NULL AND {in}", "plugin",
                            plugins)
        return [p for (p,) in rows]

    def valid_files(self, plugins: Collection[str] | None) -> dict[str, list[tuple[str, str]]]:
        """plugin -> [(path, blob id)] of its well-formed manifests."""
        found: dict[str, list[tuple[str, str]]] = {}
        for plugin, path, oid in self._select(
            "SELECT plugin, path, oid FROM files WHERE valid AND {in}", "plugin", plugins
        ):
            found.setdefault(plugin, []).append((path, oid))
        return found

    def release_texts(self) -> dict[str, list[str]]:
        """plugin -> the resolver's view of each of its well-formed manifests (sorted)."""
        found: dict[str, list[str]] = {}
        for plugin, text in self.db.execute(
            "SELECT plugin, release FROM files WHERE valid ORDER BY plugin, release"
        ):
            found.setdefault(plugin, []).append(text)
        return found

    def release_neighbours(self) -> dict[str, set[str]]:
        """plugin -> the plugins its well-formed manifests require or conflict with."""
        found: dict[str, set[str]] = {}
        for plugin, requires, conflicts in self.db.execute(
            "SELECT plugin, requires, conflicts FROM files WHERE valid"
        ):
            names = found.setdefault(plugin, set())
            for column in (requires, conflicts):
                if column:
                    names.update(column.split("\n"))
        return found

    def releases_of_paths(self, paths: Collection[str]) -> set[tuple[str, str, str]]:
        """(path, plugin, release text) of the well-formed files among ``paths``."""
        return {(p, plugin, text) for p, plugin, text in self._select(
            "SELECT path, plugin, release FROM files WHERE valid AND {in}", "path", paths)}

    def data(self, paths: Collection[str]) -> dict[str, dict[str, Any]]:
        rows = self._select("SELECT path, data FROM files WHERE {in}", "path", paths)
        return {path: json.loads(data) for path, data in rows}

    def oids(self, paths: Collection[str]) -> dict[str, str]:
        return dict(self._select("SELECT path, oid FROM files WHERE {in}", "path", paths))

    def set_cross(self, paths: Collection[str], found: Mapping[str, list[Diagnostic]]) -> None:
        """Store the registry-wide findings of ``paths`` (the ones rechecked this build).

        Only rows that held findings, or get some, are written (a healthy registry has none).
        """
        held = {p for (p,) in self.db.execute("SELECT path FROM files WHERE cross IS NOT NULL")}
        rows = [(_diags_json(found.get(p, ())), p) for p in paths if p in held or p in found]
        self.db.executemany("UPDATE files SET cross = ? WHERE path = ?", rows)

    def problems(self) -> list[Diagnostic]:
        """Every stored diagnostic of every file, file-level and registry-wide."""
        found: list[Diagnostic] = []
        for path, diags, cross in self.db.execute(
            "SELECT path, diagnostics, cross FROM files "
            "WHERE diagnostics IS NOT NULL OR cross IS NOT NULL"
        ):
            found += _diags_from(path, diags) + _diags_from(path, cross)
        return found

    def counts(self) -> tuple[int, int | None]:
        """Number of well-formed manifests, and their newest update time."""
        count, newest = self.db.execute(
            "SELECT COUNT(*), MAX(h.updated) FROM files f JOIN history h USING (path) "
            "WHERE f.valid").fetchone()
        return int(count), newest

    # -- history -------------------------------------------------------------------------------

    def times(self, paths: Collection[str] | None) -> dict[str, PathTimes]:
        rows = self._select("SELECT * FROM history WHERE {in}", "path", paths)
        return {path: PathTimes(commit, published, updated)
                for path, commit, published, updated in rows}

    def clear_times(self) -> None:
        self.db.execute("DELETE FROM history")

    def put_times(self, state: Mapping[str, PathTimes | None]) -> None:
        gone = [(p,) for p, t in state.items() if t is None]
        self.db.executemany("DELETE FROM history WHERE path = ?", gone)
        self.db.executemany(
            "INSERT OR REPLACE INTO history VALUES (?, ?, ?, ?)",
            [(p, t.published_commit, t.published, t.updated) for p, t in state.items() if t],
        )

    # -- in-repository source trees (immutable) ------------------------------------------------

    def get_trees(self, specs: Collection[str]) -> dict[str, str | None]:
        return dict(self._select("SELECT spec, tree FROM trees WHERE {in}", "spec", specs))

    def put_trees(self, trees: Mapping[str, str | None]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO trees VALUES (?, ?)", sorted(trees.items()))

    # -- published plugins ---------------------------------------------------------------------

    def plugins(self) -> dict[str, CachedPlugin]:
        return {
            row[0]: CachedPlugin(*row[1:])
            for row in self.db.execute(
                "SELECT name, inputs, entry, sha256, oid, stamp, cone, install, since, until "
                "FROM plugins")
        }

    def set_plugins(self, plugins: Mapping[str, CachedPlugin],
                    previous: Mapping[str, CachedPlugin]) -> None:
        """Store ``plugins`` as the current set, writing only rows that differ from ``previous``."""
        changed = [(n, p.inputs, p.entry, p.sha256, p.oid, p.stamp, p.cone, p.install,
                    p.since, p.until)
                   for n, p in sorted(plugins.items()) if previous.get(n) != p]
        gone = [(n,) for n in previous if n not in plugins]
        self.db.executemany("DELETE FROM plugins WHERE name = ?", gone)
        self.db.executemany(
            "INSERT OR REPLACE INTO plugins VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", changed)


def names_digest(names: Collection[str]) -> str:
    return hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest()
