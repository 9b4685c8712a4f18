"""Full-text search over the published index with whoosh: one engine for the terminal, the
site's related plugins and the review's duplicate detection.

The whoosh index is built from ``index/v1`` alone (``index.json`` and the plugins' files) into
a cache directory, and kept with the digest of the ``index.json`` it was built from: an
unchanged index is reused as is, a changed one is updated document by document (each plugin's
entry carries the sha256 of its file, so only plugins whose file changed are re-read, and only
documents that changed are written).

Ranking: BM25F over one field, ``text``, holding every word of a plugin weighted by where it
stands (``WEIGHTS``: name, tags, summary, category and capabilities, description), stemmed
("tokens" finds "token"), so that a query word reads one posting list; plus the name's
prefixes, the whole query as a name, and maintainers named as ``@login``. A word of five
letters or more that no plugin uses also matches the known words one or two edits away
("authentcation"; a swapped pair of letters is one edit: OSA). A hyphenated name is also one
word ("healthchecks"). Each query word adds its score, so plugins matching more of the words
rank higher; equal scores go by name.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import re
import shutil
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import columns, fields, index, query
from whoosh.analysis import (
    DelimitedAttributeFilter,
    IDTokenizer,
    LowercaseFilter,
    NgramFilter,
    RegexTokenizer,
    StemFilter,
)
from whoosh.lang.porter import stem
from whoosh.searching import Searcher

from plugindex.adapters.fsutil import write_atomic
from plugindex.codeid import code_identity

SCHEMA_VERSION = "9"
VOCABULARY = "vocabulary.json"  # beside the whoosh index: every word as written, and its count
# beside it too: each plugin's source (``_source``) when its document was last made from it
CHECKED = "checked.json"
SORTS = ("relevance", "score", "updated", "name")
# A deprecated plugin's relevance counts this much (unless the query is its very name), and
# never more than its replacement's when both match.
DEPRECATED_WEIGHT = 0.5
_WORD = re.compile(r"[a-z0-9]+")
_LOGIN = re.compile(r"(?<!\S)@([A-Za-z0-9][A-Za-z0-9-]{0,38})")  # '@login' names a maintainer

# How much a word counts where it appears. All of a plugin's words go into one field, ``text``,
# each written ``word^weight`` (whoosh's DelimitedAttributeFilter), so that a query word is one
# posting list rather than one per field: BM25F then scores the weighted frequencies.
WEIGHTS: Mapping[str, float] = {
    "name": 6.0, "tags": 4.0, "summary": 2.5, "facets": 1.5, "description": 1.0,
}
PREFIX_BOOST = 3.0  # a word that starts the plugin's name ("mong" -> mongo-odm)
NAME_BOOST = 10.0  # the whole query is the plugin's name
MAINTAINER_BOOST = 1.0
FUZZY_BOOST = 0.6


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def weighted(parts: Mapping[str, str]) -> str:
    """The ``text`` field's content: each word of each part with its part's weight."""
    return " ".join(f"{w}^{WEIGHTS[part]:g}" for part, value in parts.items()
                    for w in _words(value))


def _schema() -> fields.Schema:
    """What each plugin's document holds. Only what queries and filters look up is indexed;
    what ranks or sorts is a column (read far faster than stored fields, and cheap to write)."""
    text = (RegexTokenizer(r"\S+") | DelimitedAttributeFilter("^", "boost")
            | StemFilter(cachesize=-1))
    starts = IDTokenizer() | LowercaseFilter() | NgramFilter(3, 24, at="start")
    return fields.Schema(
        name=fields.ID(stored=True, unique=True, sortable=True),
        name_start=fields.TEXT(analyzer=starts, phrase=False),
        text=fields.TEXT(analyzer=text, phrase=False, stored=True),  # stored: related plugins
        text_length=fields.COLUMN(columns.NumericColumn("I")),  # its tokens (search.corpus)
        tags=fields.KEYWORD(stored=True, commas=True, lowercase=True),
        tag_list=fields.COLUMN(columns.VarBytesColumn()),  # the tags again, for facets
        summary=fields.STORED,
        category=fields.ID(stored=True, sortable=True),
        capabilities=fields.KEYWORD(stored=True, commas=True),
        maintainers=fields.KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        hosts=fields.KEYWORD(stored=True, commas=True),
        verified=fields.BOOLEAN(stored=True),
        score=fields.STORED,
        score_key=fields.COLUMN(columns.NumericColumn("i")),  # sorting by score
        deprecated=fields.COLUMN(columns.NumericColumn("B")),  # 1: ranked lower
        replacement=fields.STORED,  # a deprecated plugin's replacement: it ranks above
        updated=fields.STORED,
        updated_key=fields.COLUMN(columns.VarBytesColumn()),  # sorting by date
        latest=fields.STORED,
        host=fields.STORED,
        # What the document holds (see ``document``) and a digest of what related plugins read
        # from it: columns, which read far faster than stored fields.
        digest=fields.COLUMN(columns.VarBytesColumn()),
        content=fields.COLUMN(columns.VarBytesColumn()),
        about=fields.STORED,  # name, tags, summary and description, weighted: related plugins
        # The words as written (unstemmed, each once): the vocabulary that corrections and
        # suggestions draw from (``vocabulary.json`` beside the index, made from this column).
        words=fields.COLUMN(columns.VarBytesColumn()),
    )


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    tag: str | None = None
    capability: str | None = None
    host: str | None = None
    verified: bool = False


@dataclass(frozen=True)
class Hit:
    name: str
    latest: str
    summary: str
    category: str
    tags: tuple[str, ...]
    score: int
    updated: str
    verified: bool
    relevance: float | None  # whoosh's BM25F score (None when sorted otherwise)
    highlight: str  # the summary with matched words in [brackets] (text mode)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "latest": self.latest, "summary": self.summary,
                "category": self.category, "tags": list(self.tags), "score": self.score,
                "updated": self.updated, "verified": self.verified,
                "relevance": None if self.relevance is None else round(self.relevance, 4)}


@dataclass(frozen=True)
class Results:
    query: str
    hits: tuple[Hit, ...]
    total: int
    suggestions: tuple[str, ...] = ()
    facets: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total,
                "hits": [h.as_json() for h in self.hits],
                "suggestions": list(self.suggestions),
                "facets": {k: dict(v) for k, v in self.facets.items()}}


# -- documents ---------------------------------------------------------------------------------

def _supported(host_range: str, hosts: Sequence[str]) -> list[str]:
    try:
        spec = SpecifierSet(host_range)
    except InvalidSpecifier:
        return []
    return [h for h in hosts if spec.contains(Version(h), prereleases=True)]


def document(entry: Mapping[str, Any], detail: Mapping[str, Any] | None,
             registry: Mapping[str, Any]) -> dict[str, Any]:
    """The whoosh document of one plugin: its index entry and its latest version's manifest."""
    titles = {c["id"]: c.get("title", "") for c in registry.get("categories", [])}
    manifest: Mapping[str, Any] = {}
    for v in (detail or {}).get("versions", []):
        if v.get("version") == entry["latest"]:
            manifest = v.get("manifest") or {}
    description = str(manifest.get("description") or "")
    tags = [str(t) for t in entry.get("tags", [])]
    capabilities = [str(c) for c in entry.get("capabilities", [])]
    facets = " ".join([entry["category"], titles.get(entry["category"], ""), *capabilities])
    score = (entry.get("score") or {}).get("total", 0)
    # "health-checks" is also found as "healthchecks" (and "health checks": its words)
    names = " ".join(dict.fromkeys([entry["name"], entry["name"].replace("-", "")]))
    text = weighted({"name": names, "tags": " ".join(tags),
                     "summary": entry.get("summary", ""), "facets": facets,
                     "description": description})
    about = weighted({"name": entry["name"], "tags": " ".join(tags),
                      "summary": entry.get("summary", ""),
                      "description": description})
    content = hashlib.sha256(json.dumps([text, about, entry["category"]]).encode()).hexdigest()
    doc: dict[str, Any] = {
        "name": entry["name"],
        "name_start": entry["name"],
        "text": text,
        "text_length": len(text.split()),
        "about": about,
        "content": content.encode(),
        "tags": ",".join(tags),
        "tag_list": ",".join(t.lower() for t in tags).encode(),
        "summary": entry.get("summary", ""),
        "category": entry["category"],
        "capabilities": ",".join(capabilities),
        "maintainers": ",".join(entry.get("maintainers", [])),
        "hosts": ",".join(_supported(entry.get("host", ""),
                                     registry.get("host", {}).get("versions", []))),
        "verified": bool((entry.get("badges") or {}).get("verified")),
        "score": int(score),
        "score_key": int(score),
        "deprecated": 1 if entry.get("deprecated") else 0,
        "replacement": str((entry.get("deprecated") or {}).get("replacement") or ""),
        "updated": entry.get("updated", ""),
        "updated_key": str(entry.get("updated", "")).encode(),
        "latest": entry["latest"],
        "host": entry.get("host", ""),
        "words": " ".join(sorted(set(_words(" ".join(
            [names, *tags, entry.get("summary", ""), description, facets]))))).encode(),
    }
    # What the document holds ("text", "about" and "words" through "content", which digests
    # the texts they are made from): an update rewrites only documents whose digest moved.
    rest = {k: v.decode() if isinstance(v, bytes) else v for k, v in doc.items()
            if k not in ("text", "about", "words")}
    doc["digest"] = hashlib.sha256(json.dumps(rest, sort_keys=True).encode()).hexdigest().encode()
    return doc


# -- the index ----------------------------------------------------------------------------------

class SearchIndex:
    """The whoosh index of one ``index/v1`` directory, cached under ``cache``.

    ``read`` (a path relative to the directory -> its bytes) stands in for reading the files
    from the directory: the build indexes what it is about to publish. ``details`` (a plugin ->
    the object its file holds, or None) spares parsing the files the build has just rendered.
    """

    def __init__(self, index_dir: Path, cache: Path,
                 read: Callable[[str], bytes] | None = None,
                 details: Callable[[str], Mapping[str, Any] | None] | None = None) -> None:
        self.index_dir = index_dir
        self.cache = cache
        self._read = read or (lambda rel: (index_dir / rel).read_bytes())
        # a plugin -> its file's object, where the caller holds it (else the file is parsed)
        self._detail = details or (lambda name: None)
        raw = self._read("index.json")
        self.digest = hashlib.sha256(raw).hexdigest()
        self.data: dict[str, Any] = json.loads(raw)
        self.updated = 0  # documents written by the last refresh
        self.ix = self._refresh()
        self._searcher: Searcher | None = None
        self._columns: tuple[list[str], list[tuple[str, ...]]] | None = None
        self._words: dict[str, int] | None = None
        self._name_list: list[str] | None = None
        self._deprecated_docs: frozenset[int] | None = None
        self._filter_sets: dict[tuple[str, Any], frozenset[int]] = {}

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    @staticmethod
    def _code() -> str:
        """What the documents are made by: the schema's version and plugindex's code (a code
        change may change every document, with the same index.json)."""
        return f"{SCHEMA_VERSION}+{code_identity()}"

    def _stamp(self) -> str:
        return f"{self._code()}:{self.digest}"

    def _refresh(self) -> index.Index:
        stamp_file = self.cache / "built-from"
        if index.exists_in(str(self.cache)):
            try:
                current = stamp_file.read_text(encoding="utf-8")
            except OSError:
                current = ""
            if current == self._stamp():
                return index.open_dir(str(self.cache))
            if current.startswith(f"{self._code()}:"):
                ix = index.open_dir(str(self.cache))
                self._update(ix)
                self._write_vocabulary(ix)  # (also after an update that stopped half-way)
                stamp_file.write_text(self._stamp(), encoding="utf-8")
                return ix
        return self._create()

    def _create(self) -> index.Index:
        shutil.rmtree(self.cache, ignore_errors=True)
        self.cache.mkdir(parents=True)
        ix = index.create_in(str(self.cache), _schema())
        self._update(ix)
        self._write_vocabulary(ix)
        (self.cache / "built-from").write_text(self._stamp(), encoding="utf-8")
        return ix

    def _write_vocabulary(self, ix: index.Index) -> None:
        with ix.searcher() as s:
            write_atomic(self.cache / VOCABULARY, json.dumps(_counted_words(s)).encode())

    def _update(self, ix: index.Index) -> None:
        """Bring the documents up to date with index.json. One writer,
        one process: a single segment is cheapest to write and to search (two processes
        halve the wall time of a cold build but cost more CPU and leave two segments)."""
        entries = {e["name"]: e for e in self.data.get("plugins", [])}
        with ix.searcher() as s:
            have = {n: d.decode() for n, d in _live(s, "digest").items()}
        registry = self.data.get("registry", {})
        # The plugins whose file moved since their document was last checked against it (or
        # the registry settings documents read): their document is made again, and written
        # where it differs (a new release of a dependency moves a file, rarely its document).
        checked = _read_checked(self.cache / CHECKED) if have else {}
        sources = {n: _source(e, registry) for n, e in entries.items()}
        gone = sorted(set(have) - set(entries))
        docs = []
        for name in sorted(n for n in entries if n not in have or checked.get(n) != sources[n]):
            detail = self._detail(name)
            if detail is None:
                try:
                    detail = json.loads(self._read(entries[name]["file"]))
                except (OSError, ValueError, KeyError):
                    detail = None
            doc = document(entries[name], detail, registry)
            if have.get(name) != doc["digest"].decode():
                docs.append(doc)
        if docs or gone:
            fresh = not have
            writer = ix.writer(limitmb=512)
            for name in gone:
                writer.delete_by_term("name", name)
            for doc in docs:
                # (a new index has nothing to replace: adding skips update's look-up by name)
                if fresh:
                    writer.add_document(**doc)
                else:
                    writer.update_document(**doc)
            writer.commit()
        if sources != checked:
            write_atomic(self.cache / CHECKED, json.dumps(sources, sort_keys=True).encode())
        self.updated = len(docs) + len(gone)

    def contents(self) -> dict[str, str]:
        """Each plugin's content digest (see ``document``), by name."""
        return {n: c.decode() for n, c in _live(self.searcher(), "content").items()}

    def searcher(self) -> Searcher:
        """The searcher all queries share (opened once: opening costs more than a query)."""
        if self._searcher is None:
            self._searcher = self.ix.searcher()
        return self._searcher

    def _facet_columns(self) -> tuple[list[str], list[tuple[str, ...]]]:
        """Each document's category and tags, read once from whoosh's columns."""
        if self._columns is None:
            s = self.searcher()
            self._columns = (column_values(s, "category"),
                             [tuple(t for t in v.decode().split(",") if t)
                              for v in column_values(s, "tag_list")])
        return self._columns

    # -- queries ---------------------------------------------------------------------------------

    def _word_query(self, s: Searcher, word: str) -> list[query.Query]:
        stems = [t.text for t in self.ix.schema["text"].analyzer(word, mode="query")]
        parts: list[query.Query] = [query.Term("text", t) for t in stems]
        if len(word) >= 3:
            parts.append(query.Term("name_start", word, boost=PREFIX_BOOST))
        if len(word) >= 5 and not self._vocabulary().get(word):
            for near in self._near(word, maxdist=1 if len(word) < 8 else 2, limit=None):
                parts += [query.Term("text", t.text, boost=FUZZY_BOOST)
                          for t in self.ix.schema["text"].analyzer(near, mode="query")]
        return parts

    def _vocabulary(self) -> dict[str, int]:
        """Every word of every plugin as written (unstemmed), with the number of plugins using
        it: from ``VOCABULARY``, written with the index (counted again if it cannot be read)."""
        if self._words is None:
            found = _read_vocabulary(self.cache / VOCABULARY)
            self._words = found if found is not None else dict(_counted_words(self.searcher()))
        return self._words

    def _near(self, word: str, maxdist: int, limit: int | None) -> list[str]:
        """Known words within ``maxdist`` edits of ``word`` that start with the same letter,
        closest and then most frequent first (rapidfuzz: whoosh's own corrector reads every
        term in Python and takes a tenth of a second on a large registry)."""
        counts = self._vocabulary()
        found = process.extract(word, list(counts), scorer=OSA.distance, score_cutoff=maxdist,
                                limit=None)
        ranked = sorted((dist, -counts[w], w) for w, dist, _ in found if w[0] == word[0])
        return [w for _, _, w in ranked[:limit]]

    def parse(self, text: str) -> query.Query:
        """The query for ``text``: any of its words, plugins matching more of them first. A
        maintainer counts only where the query names one (``@login``): a word that happens
        to be someone's login never outranks the plugin it describes."""
        logins = list(dict.fromkeys(m.lower() for m in _LOGIN.findall(text)))
        words = list(dict.fromkeys(_words(_LOGIN.sub(" ", text))))
        if not words and not logins:
            return query.Every()
        s = self.searcher()
        parts = [part for w in words for part in self._word_query(s, w)]
        parts += [query.Term("maintainers", login, boost=MAINTAINER_BOOST) for login in logins]
        if words:
            parts.append(query.Term("name", "-".join(words), boost=NAME_BOOST))
        return query.Or(parts)

    def _allow(self, filters: Filters) -> set[int] | None:
        """The documents the filters allow (None: no filter). Each filter value's documents
        are found once per searcher and kept: whoosh would otherwise work out a filter query's
        documents again for every search."""
        wanted = [(field, value) for field, value in (
            ("category", filters.category), ("tags", filters.tag and filters.tag.lower()),
            ("capabilities", filters.capability), ("hosts", filters.host),
            ("verified", True if filters.verified else None)) if value]
        if not wanted:
            return None
        sets = sorted((self._documents(field, value) for field, value in wanted), key=len)
        return set(sets[0]).intersection(*sets[1:])  # whoosh takes a set, not a frozenset

    def _documents(self, field: str, value: Any) -> frozenset[int]:
        key = (field, value)
        if key not in self._filter_sets:
            self._filter_sets[key] = frozenset(
                self.searcher().docs_for_query(query.Term(field, value)))
        return self._filter_sets[key]

    def search(self, text: str, filters: Filters = Filters(), sort: str = "relevance",
               limit: int = 10) -> Results:
        q = self.parse(text)
        s = self.searcher()
        scored = sort == "relevance" and not isinstance(q, query.Every)
        allowed = self._allow(filters)
        # (whoosh reads an empty filter as none at all)
        results = s.search(q, filter=allowed, limit=None, scored=scored) \
            if allowed is None or allowed else None
        matched = results.docs() if results is not None else set()
        if not matched:
            ranked: list[tuple[int, float | None]] = []
        elif scored:
            ranked = self._best(results, limit, "-".join(_words(text)))
        else:
            ranked = self._ordered(matched, "score" if sort == "relevance" else sort, limit)
        terms = frozenset(t.decode() if isinstance(t, bytes) else t for f, t in
                          q.existing_terms(s.reader(), expand=True) if f == "text")
        hits = tuple(_hit(s.stored_fields(doc), relevance, terms) for doc, relevance in ranked)
        suggestions = () if matched else self._suggest(s, text)
        return Results(text, hits, len(matched), suggestions, self._facets(matched))

    def _best(self, results: Any, limit: int, exact: str) -> list[tuple[int, float | None]]:
        """The ``limit`` highest scores, equal scores by name (never by document number, which
        depends on the order plugins were indexed in). A deprecated plugin's score is lowered
        (``DEPRECATED_WEIGHT``) and kept below its replacement's, unless the query (``exact``)
        is its name."""
        names = self._names()
        docs = results.docs()  # a set
        demoted = {d for d in self._deprecated() if d in docs}
        if not demoted:
            top = heapq.nlargest(limit, results.top_n)
            if not top:
                return []
            cut = top[-1][0]  # every hit scoring this much could be among the first ``limit``
            tied = sorted((sd for sd in results.top_n if sd[0] >= cut),
                          key=lambda sd: (-sd[0], names[sd[1]]))
            return [(doc, score) for score, doc in tied[:limit]]
        matched = {names[doc]: score for score, doc in results.top_n}
        lowered: dict[int, float] = {}
        for score, doc in results.top_n:
            if doc in demoted and names[doc] != exact:
                replacement = self.searcher().stored_fields(doc).get("replacement")
                lowered[doc] = min(score * DEPRECATED_WEIGHT,
                                   matched.get(replacement, float("inf")))
        best = heapq.nsmallest(limit, results.top_n, key=lambda sd: (
            -lowered.get(sd[1], sd[0]), sd[1] in lowered, names[sd[1]]))
        return [(doc, lowered.get(doc, score)) for score, doc in best]

    def _deprecated(self) -> frozenset[int]:
        """The documents of deprecated plugins (few): read once per searcher."""
        if self._deprecated_docs is None:
            flags = column_values(self.searcher(), "deprecated")
            self._deprecated_docs = frozenset(d for d, flag in enumerate(flags) if flag)
        return self._deprecated_docs

    def _ordered(self, docs: set[int], sort: str, limit: int) -> list[tuple[int, float | None]]:
        reader = self.searcher().reader()
        names = self._names()
        if sort == "name":
            key: Any = lambda d: names[d]  # noqa: E731
        else:
            column = reader.column_reader(f"{sort}_key")
            key = lambda d: (_descending(column[d]), names[d])  # noqa: E731
        return [(doc, None) for doc in heapq.nsmallest(limit, docs, key=key)]

    def _names(self) -> list[str]:
        if self._name_list is None:
            self._name_list = column_values(self.searcher(), "name")
        return self._name_list

    def names(self) -> list[str]:
        """The plugins of the index, sorted."""
        return sorted(_live(self.searcher(), "digest"))

    def _facets(self, docs: set[int]) -> dict[str, dict[str, int]]:
        """Counts of the matching plugins by category and by tag."""
        categories, tags = self._facet_columns()
        by_category: Counter[str] = Counter(categories[d] for d in docs)
        by_tag: Counter[str] = Counter(t for d in docs for t in tags[d])
        return {k: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0])))
                for k, v in (("category", by_category), ("tags", by_tag))}

    def _suggest(self, s: Searcher, text: str) -> tuple[str, ...]:
        """'Did you mean': each word replaced by the closest indexed word, and close names."""
        words = _words(text)
        if not words:
            return ()
        fixed = []
        known = self._vocabulary()
        for w in words:
            if known.get(w):
                fixed.append(w)  # a known word: the filters excluded its plugins
                continue
            found = self._near(w, maxdist=2, limit=1)
            fixed.append(found[0] if found else w)
        out = []
        if fixed != words:
            out.append(" ".join(fixed))
        if fixed == words and all(known.get(w) for w in words):
            return ()
        names = process.extract(text.strip().lower(), self._names(),
                                scorer=OSA.distance, score_cutoff=3, limit=None)
        out += [n for n, _, _ in sorted(names, key=lambda f: (f[1], f[0]))[:3] if n not in out]
        return tuple(out)


def column_values(s: Searcher, column: str) -> list[Any]:
    """A column's values by document number (deleted documents included)."""
    reader = s.reader()
    if not reader.doc_count_all():
        return []  # (an empty index has no columns)
    return list(reader.column_reader(column))


def _live(s: Searcher, column: str) -> dict[str, Any]:
    """A column's value for each plugin of the index (deleted documents aside), by name."""
    reader = s.reader()
    names = column_values(s, "name")
    values = column_values(s, column)
    return {names[d]: values[d] for d in range(reader.doc_count_all())
            if not reader.is_deleted(d)}


def _read_checked(path: Path) -> dict[str, str]:
    """``CHECKED``'s plugins and sources; empty for a file that is missing or not one."""
    try:
        found = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
        return {}
    return found


def _source(entry: Mapping[str, Any], registry: Mapping[str, Any]) -> str:
    """The digest of what a plugin's document is made from: its entry in index.json (which
    holds its file's sha256, and fields the file does not, such as the verified badge), and
    the parts of the registry's settings that documents read (category titles, host
    versions)."""
    used = json.dumps([entry, registry.get("categories", []), registry.get("host", {})],
                      sort_keys=True)
    return hashlib.sha256(used.encode()).hexdigest()


def _read_vocabulary(path: Path) -> dict[str, int] | None:
    """``VOCABULARY``'s words and counts; None for a file that is missing or not one."""
    try:
        pairs = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[0], str)
            and type(p[1]) is int for p in pairs):
        return None
    return dict(pairs)


def _counted_words(s: Searcher) -> list[tuple[str, int]]:
    """Each word of the plugins (the ``words`` column), with the number of plugins using it."""
    counts = Counter(w for v in _live(s, "words").values() for w in v.decode().split())
    return sorted(counts.items())


def _descending(value: Any) -> Any:
    """A key sorting ``value`` (a number, or a string as text or UTF-8) from largest to
    smallest."""
    if isinstance(value, int | float):
        return -value
    if isinstance(value, bytes):
        value = value.decode()
    return (*(-ord(c) for c in str(value)), 1)  # the 1: "2026-01-01" before "2026-01"


def _hit(h: Mapping[str, Any], relevance: float | None, matched: frozenset[str]) -> Hit:
    return Hit(name=h["name"], latest=h["latest"], summary=h["summary"],
               category=h["category"], tags=tuple(t for t in h["tags"].split(",") if t),
               score=h["score"], updated=h["updated"], verified=h["verified"],
               relevance=relevance,
               highlight=mark(h["summary"], matched))


def mark(text: str, matched: frozenset[str]) -> str:
    """``text`` with the words the query matched (as typed, stemmed or corrected) in brackets."""
    def one(m: re.Match[str]) -> str:
        word = m.group(0).lower()
        return f"[{m.group(0)}]" if word in matched or stem(word) in matched else m.group(0)
    return re.sub(r"[A-Za-z0-9]+", one, text)

