"""Compare plugindex's search engine (whoosh) with SQLite FTS5 on the same corpus (issue 21).

    python bench/fts5_bench.py [PLUGINS]

"Search at 10k: whoosh stays the engine, but bring the index build and filtered queries within
3x of SQLite FTS5 on the same corpus." This script re-measures that ratio. It writes the
synthetic registry of bench/search_bench.py (its ``generate``, same seed, PLUGINS plugins,
10,000 by default) under bench/work/fts5/v1, then:

- builds ``SearchIndex`` from scratch on it (as search_bench does) and an FTS5 database of the
  very same documents: each plugin's ``document()`` (read from the same files), its weighted
  ``text`` split back into one FTS5 column per part of ``WEIGHTS`` (name, tags, summary, facets,
  description), ranked by ``bm25()`` with those weights as column weights, porter stemming
  (``tokenize='porter unicode61'``); the filterable fields (category, hosts, tags,
  capabilities, verified) and a hit's displayed fields in ordinary tables joined by rowid. The
  FTS5 build is timed from reading the files to the committed database (``document()`` for
  each plugin, then create + insert in one transaction + optimize), as whoosh's build is
  ("build"); "build, index only" compares create + insert + optimize with whoosh's build less
  that same reading and ``document()`` time. Wall time and CPU time (children included) are
  printed, since the machine may be busy.
- runs search_bench's queries (drawn with its seed: 200 plain two-word queries, 200 one-word
  queries filtered by a category and host 2.1.0) on both, alternately, with whoosh's default
  page (10 hits, by relevance): ``SearchIndex.search(text, filters)`` against one SQL query
  (MATCH, the filters as WHERE conditions, ORDER BY bm25, LIMIT 10, the summary highlighted).
  Whoosh's search also counts all the matches and their facets (category and tags), so FTS5
  doing that too (one more query for the matching ids, counted against each plugin's category
  and tags read once, as SearchIndex reads its columns) is timed as well ("w/ facets"), for
  information.
- checks that the comparison is between engines that find something: the share of queries
  both answer, where their first ten overlap, and where they match as many plugins.

Targets (issue 21): whoosh/FTS5 <= 3x for the build (both lines) and for the filtered query
median, on wall time (the CPU ratio is printed beside it); the plain query median's ratio and
the other figures are printed without a target. If this Python's sqlite3 has no FTS5, the
comparison is skipped (exit 0).
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sqlite3
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from build_bench import cpu  # this process and its waited-for children (whoosh's writers)
from plugindex.search.engine import WEIGHTS, Filters, Results, SearchIndex, document
from search_bench import CATEGORIES, WORDS, generate

WORK = Path(__file__).resolve().parent / "work" / "fts5"
TARGET = 3.0
PAGE = 10  # SearchIndex.search's default limit
PARTS = tuple(WEIGHTS)  # the FTS5 columns, in this order
BM25 = f"bm25(fts, {', '.join(f'{WEIGHTS[p]:g}' for p in PARTS)})"
_PART_OF = {f"{weight:g}": part for part, weight in WEIGHTS.items()}
_WORD = re.compile(r"[a-z0-9]+")  # a query word, as engine.py reads it
T = TypeVar("T")
Row = tuple[Any, ...]  # a hit: name, latest, category, tags, summary, relevance, ...

# The filters of engine.Filters as SQL conditions on the ordinary tables (fixed text: the values
# are always bound parameters).
_CONDITIONS = {
    "category": "p.category = ?",
    "tag": "p.id IN (SELECT id FROM plugin_tag WHERE tag = ?)",
    "capability": "p.id IN (SELECT id FROM plugin_capability WHERE capability = ?)",
    "host": "p.id IN (SELECT id FROM plugin_host WHERE host = ?)",
    "verified": "p.verified = 1",
}
_SCHEMA = f"""
CREATE VIRTUAL TABLE fts USING fts5({", ".join(PARTS)}, tokenize='porter unicode61');
CREATE TABLE plugin (id INTEGER PRIMARY KEY, name TEXT NOT NULL, latest TEXT, summary TEXT,
                     category TEXT, tags TEXT, score INTEGER, updated TEXT, verified INTEGER);
CREATE TABLE plugin_host (host TEXT, id INTEGER, PRIMARY KEY (host, id)) WITHOUT ROWID;
CREATE TABLE plugin_tag (tag TEXT, id INTEGER, PRIMARY KEY (tag, id)) WITHOUT ROWID;
CREATE TABLE plugin_capability (capability TEXT, id INTEGER,
                                PRIMARY KEY (capability, id)) WITHOUT ROWID;
"""


# -- measuring ----------------------------------------------------------------------------------

@dataclass
class Span:
    wall: float = 0.0
    cpu: float = 0.0


class _Clock:
    def __init__(self, span: Span) -> None:
        self.span = span

    def __enter__(self) -> Span:
        self.wall, self.cpu = time.perf_counter(), cpu()
        return self.span

    def __exit__(self, *exc: object) -> None:
        self.span.wall += time.perf_counter() - self.wall
        self.span.cpu += cpu() - self.cpu


@dataclass
class Timings:
    """One engine's times over a query list: wall (perf_counter) and CPU (process_time)."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def time(self, call: Callable[..., T], *args: Any) -> T:
        wall, cpu = time.perf_counter(), time.process_time()
        out = call(*args)
        self.cpu.append(time.process_time() - cpu)
        self.wall.append(time.perf_counter() - wall)
        return out

    def median(self) -> tuple[float, float]:
        return statistics.median(self.wall), statistics.median(self.cpu)

    def p95(self) -> tuple[float, float]:  # as search_bench computes it
        return (sorted(self.wall)[int(len(self.wall) * 0.95)],
                sorted(self.cpu)[int(len(self.cpu) * 0.95)])


def _line(label: str, whoosh: tuple[float, float], fts5: tuple[float, float], unit: str,
          target: bool) -> None:
    scale, fmt = (1000.0, "7.2f") if unit == "ms" else (1.0, "7.2f")
    ratio = whoosh[0] / fts5[0] if fts5[0] else float("inf")
    cpu_ratio = whoosh[1] / fts5[1] if fts5[1] else float("inf")
    verdict = (f"   target <= {TARGET:g}x: {'holds' if ratio <= TARGET else 'over'}"
               if target else "")
    print(f"  {label:<19} whoosh {whoosh[0] * scale:{fmt}} {unit} (cpu {whoosh[1] * scale:{fmt}})"
          f"   FTS5 {fts5[0] * scale:{fmt}} {unit} (cpu {fts5[1] * scale:{fmt}})"
          f"   ratio {ratio:5.1f}x (cpu {cpu_ratio:5.1f}x){verdict}")


# -- the FTS5 peer ------------------------------------------------------------------------------

def fts5_missing() -> str | None:
    """Why this sqlite3 cannot run the comparison, or None."""
    try:
        with sqlite3.connect(":memory:") as db:
            db.execute("CREATE VIRTUAL TABLE probe USING fts5(x, tokenize='porter unicode61')")
    except sqlite3.Error as e:
        return f"SQLite {sqlite3.sqlite_version}: {e}"
    return None


def documents(index_dir: Path) -> Iterator[dict[str, Any]]:
    """Each plugin's whoosh document, read from the files as SearchIndex._update reads them."""
    data = json.loads((index_dir / "index.json").read_bytes())
    registry = data.get("registry", {})
    for entry in data.get("plugins", []):
        try:
            detail = json.loads((index_dir / entry["file"]).read_bytes())
        except (OSError, ValueError, KeyError):
            detail = None
        yield document(entry, detail, registry)


def columns(text: str) -> list[str]:
    """A document's weighted ``text`` (``word^weight`` ...) back as one text per part."""
    parts: dict[str, list[str]] = {p: [] for p in PARTS}
    for token in text.split():
        word, _, weight = token.rpartition("^")
        parts[_PART_OF[weight]].append(word)
    return [" ".join(parts[p]) for p in PARTS]


def _split(value: str) -> list[str]:
    return [v for v in value.split(",") if v]


def build_fts5(path: Path, docs: Sequence[Mapping[str, Any]]) -> None:
    """The FTS5 database of ``docs``: create, insert in one transaction, optimize."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.executescript(_SCHEMA)
        db.execute("BEGIN")
        db.executemany(f"INSERT INTO fts (rowid, {', '.join(PARTS)}) "  # noqa: S608 (fixed)
                       f"VALUES (?, {', '.join('?' * len(PARTS))})",
                       ((i, *columns(d["text"])) for i, d in enumerate(docs, 1)))
        db.executemany("INSERT INTO plugin VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       ((i, d["name"], d["latest"], d["summary"], d["category"], d["tags"],
                         d["score"], d["updated"], int(d["verified"]))
                        for i, d in enumerate(docs, 1)))
        db.executemany("INSERT INTO plugin_host VALUES (?, ?)",
                       ((h, i) for i, d in enumerate(docs, 1) for h in _split(d["hosts"])))
        db.executemany("INSERT INTO plugin_tag VALUES (?, ?)",
                       ((t, i) for i, d in enumerate(docs, 1)
                        for t in set(_split(d["tag_list"].decode()))))
        db.executemany("INSERT INTO plugin_capability VALUES (?, ?)",
                       ((c, i) for i, d in enumerate(docs, 1)
                        for c in set(_split(d["capabilities"]))))
        db.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        db.execute("COMMIT")
        db.execute("ANALYZE")
    finally:
        db.close()


class Fts5Search:
    """search(text, filters) on the FTS5 database, as SearchIndex.search answers it: any of the
    query's words (stemmed), the filters, the best ``limit`` by relevance (equal scores by
    name), each hit's displayed fields with its summary highlighted."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self._columns: tuple[dict[int, str], dict[int, list[str]]] | None = None

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def _where(text: str, filters: Filters) -> tuple[list[str], list[Any], bool]:
        words = list(dict.fromkeys(_WORD.findall(text.lower())))
        where: list[str] = []
        args: list[Any] = []
        if words:
            where.append("fts MATCH ?")
            args.append(" OR ".join(f'"{w}"' for w in words))
        for name in ("category", "tag", "capability", "host"):
            value = getattr(filters, name)
            if value:
                where.append(_CONDITIONS[name])
                args.append(value.lower() if name == "tag" else value)
        if filters.verified:
            where.append(_CONDITIONS["verified"])
        return where, args, bool(words)

    def search(self, text: str, filters: Filters, limit: int = PAGE) -> list[Row]:
        where, args, matched = self._where(text, filters)
        if matched:
            source = "fts JOIN plugin p ON p.id = fts.rowid"
            shown = f"highlight(fts, {PARTS.index('summary')}, '[', ']'), {BM25} AS relevance"
            order = "relevance, p.name"
        else:  # no words: every plugin (of the filters), best score first, as whoosh does
            source, shown = "plugin p", "p.summary, NULL AS relevance"
            order = "p.score DESC, p.name"
        condition = " AND ".join(where) or "1"
        sql = (f"SELECT p.name, p.latest, p.category, p.tags, {shown}, "  # noqa: S608 (fixed)
               f"p.score, p.updated, p.verified FROM {source} WHERE {condition} "
               f"ORDER BY {order} LIMIT ?")
        return self.db.execute(sql, [*args, limit]).fetchall()

    def page(self, text: str, filters: Filters,
             limit: int = PAGE) -> tuple[list[Row], int, dict[str, dict[str, int]]]:
        """search() and, as whoosh's Results holds them, the number of matches and their
        counts by category and by tag."""
        hits = self.search(text, filters, limit)
        where, args, matched = self._where(text, filters)
        source = "fts JOIN plugin p ON p.id = fts.rowid" if matched else "plugin p"
        condition = " AND ".join(where) or "1"
        ids = [i for (i,) in self.db.execute(
            f"SELECT p.id FROM {source} WHERE {condition}", args)]  # noqa: S608 (fixed)
        categories, tags = self._facet_columns()
        by_category = Counter(categories[i] for i in ids)
        by_tag = Counter(t for i in ids for t in tags[i])
        facets = {k: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0])))
                  for k, v in (("category", by_category), ("tags", by_tag))}
        return hits, len(ids), facets

    def _facet_columns(self) -> tuple[dict[int, str], dict[int, list[str]]]:
        """Each plugin's category and tags, read once (as SearchIndex reads its columns)."""
        if self._columns is None:
            categories = dict(self.db.execute("SELECT id, category FROM plugin"))
            tags: dict[int, list[str]] = {i: [] for i in categories}
            for tag, i in self.db.execute("SELECT tag, id FROM plugin_tag"):
                tags[i].append(tag)
            self._columns = (categories, tags)
        return self._columns


# -- the comparison -----------------------------------------------------------------------------

def queries() -> tuple[list[tuple[str, Filters]], list[tuple[str, Filters]]]:
    """search_bench's plain and filtered queries: the same draws from the same seed (its fuzzy
    queries, drawn in between, have no FTS5 peer and are left out)."""
    rng = random.Random(3)
    plain = [(f"{rng.choice(WORDS)} {rng.choice(WORDS)}", Filters()) for _ in range(200)]
    _fuzzy = [(rng.choice(WORDS)[:-1] + "x", Filters()) for _ in range(200)]
    filtered = [(rng.choice(WORDS), Filters(category=rng.choice(CATEGORIES), host="2.1.0"))
                for _ in range(200)]
    return plain, filtered


@dataclass
class Agreement:
    both: int = 0  # queries both engines answer with hits
    overlap: int = 0  # ... whose first pages share a plugin
    shared: int = 0  # plugins on both first pages, over all queries
    same_total: int = 0  # queries where both match as many plugins
    whoosh_empty: int = 0
    fts5_empty: int = 0
    queries: int = 0

    def add(self, whoosh: Results, fts5: list[Row], fts5_total: int) -> None:
        self.queries += 1
        self.whoosh_empty += not whoosh.hits
        self.fts5_empty += not fts5
        if whoosh.hits and fts5:
            self.both += 1
            common = len({h.name for h in whoosh.hits} & {row[0] for row in fts5})
            self.overlap += common > 0
            self.shared += common
        self.same_total += whoosh.total == fts5_total

    def report(self, label: str) -> None:
        n = self.queries
        print(f"  {label:<19} both answer {self.both / n:.0%}, first {PAGE} overlap "
              f"{self.overlap / n:.0%} ({self.shared / n:.1f} shared on average), "
              f"same number of matches {self.same_total / n:.0%} "
              f"(no hits: whoosh {self.whoosh_empty}, FTS5 {self.fts5_empty} of {n})")


def compare(ix: SearchIndex, fts: Fts5Search, label: str,
            qs: list[tuple[str, Filters]], target: bool) -> None:
    ix.search(*qs[0])  # open the searcher and read its columns, as a first query does
    fts.search(*qs[0])
    whoosh, lite, page = Timings(), Timings(), Timings()
    agreement = Agreement()
    for text, filters in qs:  # alternately, so that a busy machine slows both alike
        got = whoosh.time(ix.search, text, filters)
        hits = lite.time(fts.search, text, filters)
        _, total, _ = page.time(fts.page, text, filters)
        agreement.add(got, hits, total)
    _line(f"{label} median", whoosh.median(), lite.median(), "ms", target)
    _line(f"{label} p95", whoosh.p95(), lite.p95(), "ms", False)
    _line(f"{label}, w/ facets", whoosh.median(), page.median(), "ms", False)
    agreement.report(f"{label} sanity")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    missing = fts5_missing()
    if missing:
        print(f"FTS5 comparison skipped: this Python's sqlite3 has no FTS5 ({missing})")
        return
    index_dir, cache, db_path = WORK / "v1", WORK / "whoosh", WORK / "fts5.sqlite"
    generate(n, index_dir)
    shutil.rmtree(cache, ignore_errors=True)

    whoosh_build = Span()
    with _Clock(whoosh_build):
        ix = SearchIndex(index_dir, cache)
    fts5_prepare, fts5_sqlite = Span(), Span()
    with _Clock(fts5_prepare):
        docs = list(documents(index_dir))
    with _Clock(fts5_sqlite):
        build_fts5(db_path, docs)
    del docs
    fts5_build = Span(fts5_prepare.wall + fts5_sqlite.wall, fts5_prepare.cpu + fts5_sqlite.cpu)

    print(f"{n} plugins, SQLite {sqlite3.sqlite_version} FTS5 "
          f"(ratio: whoosh / FTS5 wall time; cpu: this process and its children)")
    _line("build", (whoosh_build.wall, whoosh_build.cpu), (fts5_build.wall, fts5_build.cpu),
          "s ", True)
    print(f"    (FTS5 build: reading the files and document() {fts5_prepare.wall:.2f} s, "
          f"create + insert + optimize {fts5_sqlite.wall:.2f} s)")
    _line("build, index only", (whoosh_build.wall - fts5_prepare.wall,
                                whoosh_build.cpu - fts5_prepare.cpu),
          (fts5_sqlite.wall, fts5_sqlite.cpu), "s ", True)
    print("    (index only: whoosh's build less the time the same reading and document() took "
          "on the FTS5 side; FTS5: create + insert + optimize)")

    plain, filtered = queries()
    fts = Fts5Search(db_path)
    try:
        compare(ix, fts, "plain", plain, target=False)
        compare(ix, fts, "filtered", filtered, target=True)
    finally:
        fts.close()
        ix.close()
    print(f"  (w/ facets: the median with FTS5 also counting all the matches and their "
          f"categories and tags, as whoosh's Results do; {len(plain)} queries each)")


if __name__ == "__main__":
    main()
