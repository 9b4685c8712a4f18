"""Related plugins: for each plugin, the plugins most like it (whoosh more-like-this).

A plugin's key terms are the words of its name, tags, summary and description (weighted as
in search: name and tags above summary above description) that best tell it apart from the
rest of the registry (whoosh's Bo1 model over the search index's ``text`` field), English
stop words aside. Words in more than 3% of the plugins are left out once more than 50 have
them, as Lucene's MoreLikeThis does with ``maxDocFreqPct``: they say little about a plugin,
and they are what makes such a query slow. The plugins that match those terms rank by BM25F,
with a bonus for sharing the plugin's category; equal scores go by name. A plugin scoring
under a quarter of the best one is left out: a short list of plugins that are alike beats a
full one padded with chance matches.

The same function answers the review's question "which plugins is this submission like?"
for text that is not in the index yet (possible duplicates).

Everything here reads the search index (``search.SearchIndex``) and is a function of its
documents alone, so the related plugins of an index are the same however that whoosh index was
built: the statistics are read without the deleted documents whoosh keeps counting until
segments merge (``search.corpus``), and the scores computed from them there.

Kept up to date, not recomputed (``related_update``): the lists depend on every document,
through the corpus statistics (how rare each word is), but a change to a few plugins moves the
statistics very little. So a build recomputes only the lists a change can reach: the changed
plugins', those that listed a changed or removed plugin, and those whose key terms a changed
plugin now uses (each list's key terms are kept for this); every other list stays as it was.
Lists are all computed again (statistics refreshed) when the plugins changed since the last
full computation pass ``DRIFT`` of the plugins then, and in the first build of each month (by
the date of the commit built): ``basis`` in related.json says when and from how many. What
was kept comes from the published related.json itself, so a build with no cache (CI) and one
with a cache give the same file; bench/search_bench.py measures how far the kept lists stray
from a full computation.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from whoosh import index
from whoosh.searching import Searcher

from plugindex.layout import INDEX_FORMAT
from plugindex.search.corpus import corpus_of
from plugindex.search.engine import SearchIndex

RELATED_VERSION = 2  # bump when the method changes: every related.json is recomputed
LIMIT = 5
NUMTERMS = 8
COMMON_SHARE = 0.03  # words in more than this share of the plugins are not key terms...
COMMON_FLOOR = 50  # ...once more than this many plugins have them
CATEGORY_BONUS = 0.25  # a plugin of the same category scores this much more (relative)
RELATIVE_FLOOR = 0.25  # a plugin scoring under this share of the best one is not related
PARALLEL_FROM = 1000
_T = TypeVar("_T")
DRIFT = 0.05  # past this share of changed plugins (since the last full computation): all again
CONTENT_DIGITS = 16  # of a plugin's content digest, kept in related.json


@dataclass(frozen=True)
class Similar:
    name: str
    score: float  # BM25F with the category bonus; comparable within one list only


@dataclass(frozen=True)
class Basis:
    """When the lists were last all computed: the month (of the commit built) and how many
    plugins there were; and how many plugin changes (new, changed or removed) came since."""
    month: str
    plugins: int
    changed: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"month": self.month, "plugins": self.plugins, "changed": self.changed}


@dataclass(frozen=True)
class Related:
    """Related plugins, and what keeping them up to date needs: for each plugin, the digest of
    the content its list was computed from and its key terms then."""
    basis: Basis
    lists: Mapping[str, tuple[str, ...]]
    contents: Mapping[str, str]  # the first CONTENT_DIGITS of SearchIndex.contents()
    terms: Mapping[str, tuple[str, ...]]


def key_terms(s: Searcher, about: str) -> list[tuple[str, float]]:
    """The ``NUMTERMS`` most telling terms of ``about`` (weighted ``text`` field content)."""
    corpus = corpus_of(s)
    return corpus.key_terms(about, NUMTERMS, max(COMMON_FLOOR, COMMON_SHARE * corpus.count))


def like(s: Searcher, about: str, category: str, exclude: Collection[str] = (),
         limit: int = LIMIT) -> list[Similar]:
    """The plugins most like a text (``search.weighted`` form), best first."""
    return _like_terms(s, key_terms(s, about), category, exclude, limit)


def _like_terms(s: Searcher, terms: Sequence[tuple[str, float]], category: str,
                exclude: Collection[str], limit: int) -> list[Similar]:
    if not terms:
        return []
    corpus = corpus_of(s)
    names, categories = corpus.names, corpus.categories
    scored = [(score * (1 + CATEGORY_BONUS) if categories[doc] == category else score,
               names[doc]) for doc, score in corpus.match(terms).items()
              if names[doc] not in exclude]
    scored.sort(key=lambda sn: (-sn[0], sn[1]))
    floor = scored[0][0] * RELATIVE_FLOOR if scored else 0.0
    return [Similar(name, score) for score, name in scored[:limit] if score >= floor]


Computed = dict[str, tuple[tuple[str, ...], tuple[str, ...]]]  # name -> (list, key terms)


def related_of(s: Searcher, names: Sequence[str], limit: int = LIMIT) -> Computed:
    """The related plugins of each of ``names`` (plugins of the index), with the key terms
    they were found by."""
    out: Computed = {}
    for name in names:
        doc = s.document(name=name)
        if doc is None:
            continue
        terms = key_terms(s, doc["about"])
        found = _like_terms(s, terms, doc["category"], {name}, limit)
        out[name] = (tuple(r.name for r in found), tuple(sorted(t for t, _ in terms)))
    return out


_WORKER: dict[str, Searcher] = {}  # in a worker process: the searcher it opened


def _open(cache: str) -> None:
    _WORKER["searcher"] = index.open_dir(cache).searcher()


def _chunk(names: list[str]) -> Computed:
    return related_of(_WORKER["searcher"], names)


def _compute(search: SearchIndex, names: Sequence[str], parallel_from: int) -> Computed:
    """``related_of`` for ``names``; in worker processes from ``parallel_from`` plugins on."""
    if not names:
        return {}
    s = search.searcher()
    workers = min(os.cpu_count() or 1, 8)
    if len(names) < parallel_from or workers < 2:
        return related_of(s, names)
    size = -(-len(names) // (workers * 4))
    chunks = [names[i:i + size] for i in range(0, len(names), size)]
    out: Computed = {}
    with ProcessPoolExecutor(workers, initializer=_open, initargs=(str(search.cache),)) as pool:
        for part in pool.map(_chunk, chunks):
            out.update(part)
    return out


def related_all(search: SearchIndex, parallel_from: int = PARALLEL_FROM
                ) -> dict[str, list[str]]:
    """The related plugins of every plugin of the index, by name, all computed afresh."""
    return {n: list(found) for n, (found, _) in
            _compute(search, search.names(), parallel_from).items()}


def _short(contents: Mapping[str, str]) -> dict[str, str]:
    return {n: c[:CONTENT_DIGITS] for n, c in contents.items()}


def _full(search: SearchIndex, month: str, contents: Mapping[str, str],
          parallel_from: int) -> Related:
    computed = _compute(search, search.names(), parallel_from)
    return Related(Basis(month, len(contents)),
                   {n: found for n, (found, _) in computed.items()}, _short(contents),
                   {n: terms for n, (_, terms) in computed.items()})


def related_update(search: SearchIndex, previous: Related | None, month: str,
                   parallel_from: int = PARALLEL_FROM) -> Related:
    """The related plugins of the index, kept up to date from ``previous`` (the published
    ones, if any) in ``month``: see the module's docstring for what is computed again."""
    contents = _short(search.contents())
    if previous is None or previous.basis.month != month:
        return _full(search, month, contents, parallel_from)
    changed = sorted(n for n, c in contents.items()
                     if previous.contents.get(n) != c or n not in previous.lists)
    gone = sorted(set(previous.contents) - set(contents))
    # lists no build writes (an edited file): naming a plugin that is not there or the plugin
    # itself, or longer than LIMIT; computed again
    ghosts = {n for n, found in previous.lists.items() if n in contents and (
        not contents.keys() >= set(found) or n in found or len(found) > LIMIT)}
    if not changed and not gone and not ghosts and previous.lists.keys() == contents.keys():
        return previous
    drift = previous.basis.changed + len(changed) + len(gone)
    if drift > DRIFT * previous.basis.plugins:
        return _full(search, month, contents, parallel_from)
    s = search.searcher()
    analyzer = s.schema["text"].analyzer
    words: set[str] = set()  # every term a changed plugin can be matched by
    for name in changed:
        doc = s.document(name=name)
        words |= {t.text for t in analyzer(doc["text"])} if doc is not None else set()
    moved = {*changed, *gone}
    redo = {*changed, *ghosts}
    redo |= {n for n, found in previous.lists.items() if n in contents and moved & set(found)}
    redo |= {n for n, terms in previous.terms.items() if n in contents and words & set(terms)}
    computed = _compute(search, sorted(redo), parallel_from)
    lists = {n: v for n, v in previous.lists.items() if n in contents}
    terms = {n: v for n, v in previous.terms.items() if n in contents}
    for name, (found, key) in computed.items():
        lists[name], terms[name] = found, key
    return Related(replace(previous.basis, changed=drift), lists, contents, terms)


def method_key() -> str:
    """The method's settings, digested: lists kept from a file of another method are not
    kept."""
    return hashlib.sha256(f"related {RELATED_VERSION} {LIMIT} {NUMTERMS} {COMMON_SHARE} "
                          f"{COMMON_FLOOR} {CATEGORY_BONUS} {RELATIVE_FLOOR} {DRIFT} "
                          f"{CONTENT_DIGITS}".encode()).hexdigest()[:16]


def inputs_key(search: SearchIndex) -> str:
    """What related plugins depend on: every document's searchable content, and the method."""
    h = hashlib.sha256(f"related {method_key()}\n".encode())
    for name, content in sorted(search.contents().items()):
        h.update(f"{name}\t{content}\n".encode())
    return h.hexdigest()


def render_related(key: str, related: Related) -> bytes:
    doc = {"schema_version": 1, "format_version": INDEX_FORMAT, "inputs": key, "limit": LIMIT,
           "method": method_key(),
           "related": {name: list(related.lists[name]) for name in sorted(related.lists)},
           "basis": related.basis.as_json(),
           "kept": {name: {"content": related.contents[name],
                           "terms": " ".join(related.terms.get(name, ()))}
                    for name in sorted(related.contents)}}
    return (json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode()


def parse_related(data: bytes | None) -> Related | None:
    """The related plugins that a published related.json keeps (None: none usable, as from a
    file of another method, an older format or one that does not read)."""
    try:
        doc = json.loads(data) if data is not None else None
        if not isinstance(doc, dict) or doc.get("method") != method_key():
            return None
        basis, kept = doc["basis"], doc["kept"]
        return Related(
            Basis(_typed(basis["month"], str), _typed(basis["plugins"], int),
                  _typed(basis["changed"], int)),
            {_typed(n, str): tuple(_typed(x, str) for x in _typed(v, list))
             for n, v in doc["related"].items()},
            {n: _typed(k["content"], str) for n, k in kept.items()},
            {n: tuple(_typed(k["terms"], str).split()) for n, k in kept.items()})
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def _typed(value: Any, kind: type[_T]) -> _T:
    if not isinstance(value, kind):
        raise TypeError(f"{value!r} is not a {kind.__name__}")
    return value


