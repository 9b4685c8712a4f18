"""The ``text`` field's statistics over the plugins a search index holds now, for related
plugins: the same however the whoosh index was built.

whoosh counts a deleted document (the older version of a plugin that was updated) in its
statistics until its segment is merged away, so an index updated plugin by plugin scores a
little differently from one built afresh, and getting rid of the difference meant rebuilding
the whole index. ``Corpus`` reads the statistics without the deleted documents instead: when
the index holds some, a term's document frequency and total weight are counted from its
postings (which whoosh reads without them), once per term, and the field's length is summed
from an exact per-document column (``text_length``). Weights are sums of ``WEIGHTS`` (halves),
so a count equals whoosh's own total in floating point.

The scores are whoosh's own models: Bo1 for a text's key terms (``classify.Bo1Model``) and
BM25F for the plugins matching them (``scoring.BM25F``, its default B and K1).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from math import log
from weakref import WeakKeyDictionary

from whoosh.analysis import STOP_WORDS
from whoosh.scoring import bm25
from whoosh.searching import Searcher

from plugindex.search.engine import column_values

FIELD = "text"
LENGTHS = "text_length"  # the number of tokens of each document's FIELD (a column)
B, K1 = 0.75, 1.2  # whoosh's BM25F defaults


class Corpus:
    """Statistics of ``FIELD`` over the live documents of one searcher (see the module)."""

    def __init__(self, s: Searcher) -> None:
        reader = self._reader = s.reader()
        self._field = s.schema[FIELD]
        live = list(reader.all_doc_ids())
        self.deleted = reader.doc_count_all() - len(live)
        self.count = len(live)
        lengths = column_values(s, LENGTHS)
        # by document number, read once (a column reader looks each value up slowly)
        self.names: list[str] = column_values(s, "name")
        self.categories: list[str] = column_values(s, "category")
        self.mean_length = sum(lengths[d] for d in live) / self.count if self.count else 0.0
        self._terms: dict[str, tuple[int, float]] = {}
        self._scores: dict[str, list[tuple[int, float]]] = {}

    def term(self, text: str) -> tuple[int, float]:
        """The number of live documents holding the term, and its total weight in them."""
        found = self._terms.get(text)
        if found is None:
            found = self._terms[text] = self._count(text)
        return found

    def _count(self, text: str) -> tuple[int, float]:
        reader, key = self._reader, self._field.to_bytes(text)
        if (FIELD, key) not in reader:
            return 0, 0.0
        if not self.deleted:
            return reader.doc_frequency(FIELD, key), reader.frequency(FIELD, key)
        documents, weight = 0, 0.0
        postings = reader.postings(FIELD, key)  # (whoosh leaves deleted documents out)
        while postings.is_active():
            documents += 1
            weight += postings.weight()
            postings.next()
        return documents, weight

    def scores(self, text: str) -> list[tuple[int, float]]:
        """Each live document holding the term, with the term's BM25F score in it (kept: the
        same terms come back for many plugins)."""
        found = self._scores.get(text)
        if found is None:
            found = self._scores[text] = list(self._score(text))
        return found

    def _score(self, text: str) -> Iterable[tuple[int, float]]:
        documents, _ = self.term(text)
        if not documents:
            return
        idf = log(self.count / (documents + 1)) + 1
        reader = self._reader
        postings = reader.postings(FIELD, self._field.to_bytes(text))
        while postings.is_active():
            doc = postings.id()
            yield doc, bm25(idf, postings.weight(), reader.doc_field_length(doc, FIELD, 1),
                            self.mean_length or 1, B, K1)
            postings.next()

    def key_terms(self, about: str, number: int, common: float) -> list[tuple[str, float]]:
        """The ``number`` terms of ``about`` (weighted ``FIELD`` content) that tell it apart
        best, by Bo1 with normalised weights, as whoosh's ``classify.Expander`` ranks them;
        stop words and terms in more than ``common`` documents left out of the first
        ``number * 4``. Best first, equal weights by term."""
        if not self.count:
            return []
        weights: dict[str, float] = defaultdict(float)
        for key, _, weight, _ in self._field.index(about):
            weights[self._field.from_bytes(key)] += weight
        scored, best = [], 0.0
        for word, weight in weights.items():
            _, total = self.term(word)
            if total > 0:
                score = _bo1(weight, total / self.count)
                best = max(best, score)
                scored.append((score, word))
        if not best:
            return []
        norm = _bo1(best, best / self.count)  # whoosh's Bo1 normaliser
        ranked = sorted(((score / norm, word) for score, word in scored),
                        key=lambda sw: (-sw[0], sw[1]))[:number * 4]
        kept = [(word, weight) for weight, word in ranked
                if word not in STOP_WORDS and self.term(word)[0] <= common]
        return sorted(kept, key=lambda tw: (-tw[1], tw[0]))[:number]

    def match(self, terms: Sequence[tuple[str, float]]) -> dict[int, float]:
        """The live documents holding any of ``terms`` (term, boost), with their summed
        boosted BM25F scores."""
        found: dict[int, float] = defaultdict(float)
        for text, boost in terms:
            for doc, score in self.scores(text):
                found[doc] += boost * score
        return found


def _bo1(weight: float, f: float) -> float:
    return weight * log((1.0 + f) / f, 2) + log(1.0 + f, 2)


_CORPORA: WeakKeyDictionary[Searcher, Corpus] = WeakKeyDictionary()


def corpus_of(s: Searcher) -> Corpus:
    """The searcher's corpus (made once per searcher: it reads a column of every document)."""
    found = _CORPORA.get(s)
    if found is None:
        found = _CORPORA[s] = Corpus(s)
    return found
