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
built, provided it holds no deleted documents (whoosh keeps them in its statistics until
segments merge): ``related_all`` rebuilds such an index first.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from whoosh import classify, index, query
from whoosh.analysis import STOP_WORDS
from whoosh.searching import Searcher

from plugindex.search.engine import SearchIndex

RELATED_VERSION = 1  # bump when the method changes: every related.json is recomputed
LIMIT = 5
NUMTERMS = 8
COMMON_SHARE = 0.03  # words in more than this share of the plugins are not key terms...
COMMON_FLOOR = 50  # ...once more than this many plugins have them
CATEGORY_BONUS = 0.25  # a plugin of the same category scores this much more (relative)
RELATIVE_FLOOR = 0.25  # a plugin scoring under this share of the best one is not related
PARALLEL_FROM = 1000


@dataclass(frozen=True)
class Similar:
    name: str
    score: float  # BM25F with the category bonus; comparable within one list only


def key_terms(s: Searcher, about: str) -> list[tuple[str, float]]:
    """The ``NUMTERMS`` most telling terms of ``about`` (weighted ``text`` field content)."""
    reader = s.reader()
    if not reader.doc_count():
        return []
    expander = classify.Expander(reader, "text", classify.Bo1Model)
    expander.add_text(about)
    cap = max(COMMON_FLOOR, COMMON_SHARE * reader.doc_count())
    terms = [(t, w) for t, w in expander.expanded_terms(NUMTERMS * 4, normalize=True)
             if t not in STOP_WORDS and reader.doc_frequency("text", t) <= cap]
    return sorted(terms, key=lambda tw: (-tw[1], tw[0]))[:NUMTERMS]


def like(s: Searcher, about: str, category: str, exclude: Collection[str] = (),
         limit: int = LIMIT) -> list[Similar]:
    """The plugins most like a text (``search.weighted`` form), best first."""
    terms = key_terms(s, about)
    if not terms:
        return []
    q = query.Or([query.Term("text", t, boost=w) for t, w in terms])
    mask = query.Or([query.Term("name", n) for n in sorted(exclude)]) if exclude else None
    results = s.search(q, limit=None, mask=mask)
    reader = s.reader()
    names = reader.column_reader("name")
    categories = reader.column_reader("category")
    scored = [(score * (1 + CATEGORY_BONUS) if categories[doc] == category else score,
               names[doc]) for score, doc in results.top_n]
    scored.sort(key=lambda sn: (-sn[0], sn[1]))
    floor = scored[0][0] * RELATIVE_FLOOR if scored else 0.0
    return [Similar(name, score) for score, name in scored[:limit] if score >= floor]


def related_of(s: Searcher, names: Sequence[str], limit: int = LIMIT) -> dict[str, list[str]]:
    """The related plugins of each of ``names`` (plugins of the index)."""
    out: dict[str, list[str]] = {}
    for name in names:
        doc = s.document(name=name)
        if doc is None:
            continue
        out[name] = [r.name for r in like(s, doc["about"], doc["category"], {name}, limit)]
    return out


_WORKER: dict[str, Searcher] = {}  # in a worker process: the searcher it opened


def _open(cache: str) -> None:
    _WORKER["searcher"] = index.open_dir(cache).searcher()


def _chunk(names: list[str]) -> dict[str, list[str]]:
    return related_of(_WORKER["searcher"], names)


def related_all(search: SearchIndex, parallel_from: int = PARALLEL_FROM
                ) -> dict[str, list[str]]:
    """The related plugins of every plugin of the index, by name."""
    search.compact()
    s = search.searcher()
    names = search.names()
    workers = min(os.cpu_count() or 1, 8)
    if len(names) < parallel_from or workers < 2:
        return related_of(s, names)
    size = -(-len(names) // (workers * 4))
    chunks = [names[i:i + size] for i in range(0, len(names), size)]
    out: dict[str, list[str]] = {}
    with ProcessPoolExecutor(workers, initializer=_open, initargs=(str(search.cache),)) as pool:
        for part in pool.map(_chunk, chunks):
            out.update(part)
    return out


def inputs_key(search: SearchIndex) -> str:
    """What related plugins depend on: every document's searchable content, and the method."""
    h = hashlib.sha256(f"related {RELATED_VERSION} {LIMIT} {NUMTERMS} {COMMON_SHARE} "
                       f"{COMMON_FLOOR} {CATEGORY_BONUS} {RELATIVE_FLOOR}\n".encode())
    for name, content in sorted(search.contents().items()):
        h.update(f"{name}\t{content}\n".encode())
    return h.hexdigest()


def render_related(key: str, related: Mapping[str, Sequence[str]]) -> bytes:
    doc = {"schema_version": 1, "inputs": key, "limit": LIMIT,
           "related": {name: list(related[name]) for name in sorted(related)}}
    return (json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode()


