"""Full-text search over the published index with whoosh: one engine for the terminal, the
site's related plugins and the review's duplicate detection.

The whoosh index is built from ``index/v1`` alone (``index.json`` and the plugins' files) into
a cache directory, and kept with the digest of the ``index.json`` it was built from: an
unchanged index is reused as is, a changed one is updated document by document (each plugin's
entry carries the sha256 of its file, so only plugins whose entry changed are re-read).

Ranking: a query's words are matched against the name (split at hyphens, plus prefixes of
the whole name), tags, summary, category and capabilities, description and maintainers, with
boosts in that order; summary and description are stemmed ("tokens" finds "token"), and a word
of five letters or more also matches words one or two edits away ("authentcation"). Plugins
matching more of the words rank higher.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version
from whoosh import fields, highlight, index, query
from whoosh.analysis import RegexTokenizer, StemmingAnalyzer
from whoosh.analysis.filters import LowercaseFilter
from whoosh.searching import Searcher

SCHEMA_VERSION = "1"
SORTS = ("relevance", "score", "updated", "name")
_WORD = re.compile(r"[a-z0-9]+")

# Query-time weights of each field (documents are indexed without boosts).
BOOSTS: Mapping[str, float] = {
    "name_text": 6.0, "tags_text": 4.0, "summary": 2.5, "facets": 1.5, "description": 1.0,
    "maintainers": 1.0,
}
PREFIX_BOOST = 3.0
FUZZY_BOOST = 0.6


def _schema() -> fields.Schema:
    words = RegexTokenizer(r"[a-z0-9]+|[A-Z][a-z0-9]*|[A-Z0-9]+") | LowercaseFilter()
    stemmed = StemmingAnalyzer(stoplist=None)
    return fields.Schema(
        name=fields.ID(stored=True, unique=True, sortable=True),
        name_text=fields.TEXT(analyzer=words, phrase=False),
        tags=fields.KEYWORD(stored=True, commas=True, lowercase=True),
        tags_text=fields.TEXT(analyzer=stemmed, phrase=False),
        summary=fields.TEXT(analyzer=stemmed, stored=True),
        description=fields.TEXT(analyzer=stemmed, phrase=False),
        facets=fields.TEXT(analyzer=stemmed, phrase=False),  # category and capabilities
        category=fields.ID(stored=True),
        capabilities=fields.KEYWORD(stored=True, commas=True),
        maintainers=fields.KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        hosts=fields.KEYWORD(stored=True, commas=True),
        verified=fields.BOOLEAN(stored=True),
        score=fields.NUMERIC(int, stored=True, sortable=True),
        updated=fields.ID(stored=True, sortable=True),
        latest=fields.STORED,
        host=fields.STORED,
        digest=fields.STORED,
        exact=fields.TEXT(analyzer=words, phrase=False, spelling=True),  # unstemmed: fuzzy
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
    return {
        "name": entry["name"],
        "name_text": entry["name"].replace("-", " "),
        "tags": ",".join(tags),
        "tags_text": " ".join(t.replace("-", " ") for t in tags),
        "summary": entry.get("summary", ""),
        "description": description,
        "facets": facets.replace("-", " "),
        "category": entry["category"],
        "capabilities": ",".join(capabilities),
        "maintainers": ",".join(entry.get("maintainers", [])),
        "hosts": ",".join(_supported(entry.get("host", ""),
                                     registry.get("host", {}).get("versions", []))),
        "verified": bool((entry.get("badges") or {}).get("verified")),
        "score": int(score),
        "updated": entry.get("updated", ""),
        "latest": entry["latest"],
        "host": entry.get("host", ""),
        "digest": entry.get("sha256", ""),
        "exact": " ".join([entry["name"], *tags, entry.get("summary", ""), description,
                           facets]),
    }


# -- the index ----------------------------------------------------------------------------------

def _read_json(path: Path) -> Any:
    return json.loads(path.read_bytes())


class SearchIndex:
    """The whoosh index of one ``index/v1`` directory, cached under ``cache``."""

    def __init__(self, index_dir: Path, cache: Path) -> None:
        self.index_dir = index_dir
        self.cache = cache
        raw = (index_dir / "index.json").read_bytes()
        self.digest = hashlib.sha256(raw).hexdigest()
        self.data: dict[str, Any] = json.loads(raw)
        self.updated = 0  # documents written by the last refresh
        self.ix = self._refresh()

    def _stamp(self) -> str:
        return f"{SCHEMA_VERSION}:{self.digest}"

    def _refresh(self) -> index.Index:
        stamp_file = self.cache / "built-from"
        if index.exists_in(str(self.cache)):
            try:
                current = stamp_file.read_text(encoding="utf-8")
            except OSError:
                current = ""
            if current == self._stamp():
                return index.open_dir(str(self.cache))
            if current.startswith(f"{SCHEMA_VERSION}:"):
                ix = index.open_dir(str(self.cache))
                self._update(ix)
                stamp_file.write_text(self._stamp(), encoding="utf-8")
                return ix
        shutil.rmtree(self.cache, ignore_errors=True)
        self.cache.mkdir(parents=True)
        ix = index.create_in(str(self.cache), _schema())
        self._update(ix)
        stamp_file.write_text(self._stamp(), encoding="utf-8")
        return ix

    def _update(self, ix: index.Index) -> None:
        entries = {e["name"]: e for e in self.data.get("plugins", [])}
        with ix.searcher() as s:
            have = {f["name"]: f.get("digest") for f in s.all_stored_fields()}
        changed = sorted(n for n, e in entries.items() if have.get(n) != e.get("sha256"))
        gone = sorted(set(have) - set(entries))
        if not changed and not gone:
            return
        registry = self.data.get("registry", {})
        writer = ix.writer(limitmb=256, procs=1)
        for name in gone:
            writer.delete_by_term("name", name)
        for name in changed:
            try:
                detail = _read_json(self.index_dir / entries[name]["file"])
            except (OSError, ValueError, KeyError):
                detail = None
            writer.update_document(**document(entries[name], detail, registry))
        writer.commit()
        self.updated = len(changed) + len(gone)

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        with self.ix.searcher() as s:
            yield s

    # -- queries ---------------------------------------------------------------------------------

    def _word_query(self, word: str) -> query.Query:
        schema = self.ix.schema
        parts: list[query.Query] = []
        for name, boost in BOOSTS.items():
            analyzed = [t.text for t in schema[name].analyzer(word, mode="query")]
            if name == "maintainers":
                analyzed = [word]
            parts += [query.Term(name, t, boost=boost) for t in analyzed]
        if len(word) >= 3:
            parts.append(query.Prefix("name", word, boost=PREFIX_BOOST))
        if len(word) >= 5:
            parts.append(query.FuzzyTerm("exact", word, boost=FUZZY_BOOST,
                                         maxdist=1 if len(word) < 8 else 2, prefixlength=1))
        return query.Or(parts)

    def parse(self, text: str) -> query.Query:
        words = _WORD.findall(text.lower())
        if not words:
            return query.Every()
        return query.Or([self._word_query(w) for w in dict.fromkeys(words)], scale=0.9)

    def search(self, text: str, filters: Filters = Filters(), sort: str = "relevance",
               limit: int = 10) -> Results:
        q = self.parse(text)
        terms: list[query.Query] = []
        if filters.category:
            terms.append(query.Term("category", filters.category))
        if filters.tag:
            terms.append(query.Term("tags", filters.tag.lower()))
        if filters.capability:
            terms.append(query.Term("capabilities", filters.capability))
        if filters.host:
            terms.append(query.Term("hosts", filters.host))
        if filters.verified:
            terms.append(query.Term("verified", True))
        allow = query.And(terms) if terms else None
        options: dict[str, Any] = {"limit": None, "filter": allow}
        if sort == "score":
            options.update(sortedby=["score", "name"], reverse=True)
        elif sort == "updated":
            options.update(sortedby=["updated", "name"], reverse=True)
        elif sort == "name":
            options.update(sortedby="name")
        with self.searcher() as s:
            results = s.search(q, **options)
            results.fragmenter = highlight.WholeFragmenter()
            results.formatter = _Brackets()
            ranked = list(results)
            if sort == "relevance":  # ties by name, for stable output
                ranked.sort(key=lambda h: (-round(h.score or 0.0, 6), h["name"]))
            hits = tuple(Hit(
                name=h["name"], latest=h["latest"], summary=h["summary"],
                category=h["category"], tags=tuple(t for t in h["tags"].split(",") if t),
                score=h["score"], updated=h["updated"], verified=h["verified"],
                relevance=float(h.score or 0.0) if sort == "relevance" else None,
                highlight=h.highlights("summary") or h["summary"]) for h in ranked[:limit])
            facets = _facets(ranked)
            suggestions = () if ranked else self._suggest(s, text)
        return Results(text, hits, len(ranked), suggestions, facets)

    def _suggest(self, s: Searcher, text: str) -> tuple[str, ...]:
        """'Did you mean': each word replaced by the closest indexed word, and close names."""
        words = _WORD.findall(text.lower())
        if not words:
            return ()
        fixed = []
        reader = s.reader()
        for w in words:
            if reader.doc_frequency("exact", w):
                fixed.append(w)  # a known word: the filters excluded its plugins
                continue
            found = s.suggest("exact", w, limit=1, maxdist=2)
            fixed.append(found[0] if found else w)
        out = []
        if fixed != words:
            out.append(" ".join(fixed))
        if fixed == words and all(reader.doc_frequency("exact", w) for w in words):
            return ()
        names = s.suggest("name", text.strip().lower(), limit=3, maxdist=3)
        out += [n for n in names if n not in out]
        return tuple(out)


class _Brackets(highlight.Formatter):  # type: ignore[misc]
    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"[{highlight.get_text(text, token, replace)}]"


def _facets(ranked: Sequence[Any]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {"category": {}, "tags": {}}
    for h in ranked:
        out["category"][h["category"]] = out["category"].get(h["category"], 0) + 1
        for t in (t for t in h["tags"].split(",") if t):
            out["tags"][t] = out["tags"].get(t, 0) + 1
    return {k: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))) for k, v in out.items()}
