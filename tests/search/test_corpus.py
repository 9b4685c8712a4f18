"""The text field's statistics without deleted documents (search.corpus): whoosh's own models,
and the same numbers whether the index was updated plugin by plugin or built afresh."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from whoosh import classify, query
from whoosh.analysis import STOP_WORDS

from plugindex.search.corpus import FIELD, Corpus, corpus_of
from plugindex.search.engine import SearchIndex
from tests.conftest import ROOT

INDEX = ROOT / "index" / "v1"


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> tuple[SearchIndex, SearchIndex]:
    """One index updated after a third of the plugins changed (it holds deleted documents),
    and one built afresh from the same files."""
    tmp = tmp_path_factory.mktemp("corpus")
    index_dir = tmp / "v1"
    shutil.copytree(INDEX, index_dir)
    SearchIndex(index_dir, tmp / "updated").close()
    data = json.loads((index_dir / "index.json").read_bytes())
    for entry in data["plugins"][::3]:
        entry["summary"] += " Now with retries and a plugin registry."
        entry["sha256"] = "1" * 64
    (index_dir / "index.json").write_text(json.dumps(data), encoding="utf-8")
    updated = SearchIndex(index_dir, tmp / "updated")
    assert updated.searcher().reader().has_deletions()
    return updated, SearchIndex(index_dir, tmp / "afresh")


def _terms(search: SearchIndex) -> list[str]:
    return [t.decode() if isinstance(t, bytes) else t
            for t, _ in search.searcher().reader().iter_field(FIELD)]


def test_the_statistics_leave_deleted_documents_out(
        twins: tuple[SearchIndex, SearchIndex]) -> None:
    updated, afresh = twins
    a, b = Corpus(updated.searcher()), Corpus(afresh.searcher())
    assert a.deleted > 0
    assert b.deleted == 0
    assert (a.count, a.mean_length) == (b.count, b.mean_length)
    for term in _terms(afresh):
        assert a.term(term) == b.term(term), term
        assert sorted(a.names[d] for d, _ in a.scores(term)) == \
            sorted(b.names[d] for d, _ in b.scores(term))
        assert sorted(s for _, s in a.scores(term)) == sorted(s for _, s in b.scores(term))
    assert a.term("no-such-term") == (0, 0.0)
    assert a.scores("no-such-term") == []


def test_key_terms_are_whoosh_bo1(twins: tuple[SearchIndex, SearchIndex]) -> None:
    """On an index without deleted documents, the key terms are those whoosh's Expander
    (Bo1) ranks first, in its order."""
    _, afresh = twins
    s = afresh.searcher()
    corpus = corpus_of(s)
    for doc in list(s.documents())[:12]:
        expander = classify.Expander(s.reader(), FIELD, classify.Bo1Model)
        expander.add_text(doc["about"])
        theirs = [(t, w) for t, w in expander.expanded_terms(80, normalize=True)
                  if t not in STOP_WORDS][:20]
        ours = corpus.key_terms(doc["about"], 20, common=corpus.count)
        assert len(ours) >= 8
        assert [t for t, _ in ours] == [t for t, _ in theirs]
        assert [w for _, w in ours] == pytest.approx([w for _, w in theirs])


def test_match_scores_are_whoosh_bm25f(twins: tuple[SearchIndex, SearchIndex]) -> None:
    _, afresh = twins
    s = afresh.searcher()
    corpus = corpus_of(s)
    terms = [("mongo", 2.0), ("cach", 1.0), ("token", 0.5)]
    ours = {corpus.names[d]: score for d, score in corpus.match(terms).items()}
    results = s.search(query.Or([query.Term(FIELD, t, boost=w) for t, w in terms]), limit=None)
    theirs = {corpus.names[d]: score for score, d in results.top_n}
    assert ours.keys() == theirs.keys()
    assert ours == pytest.approx(theirs)


def test_an_empty_index_has_no_key_terms(tmp_path: Path) -> None:
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "index.json").write_text('{"registry": {}, "plugins": []}')
    with SearchIndex(tmp_path / "v1", tmp_path / "cache") as search:
        corpus = corpus_of(search.searcher())
        assert corpus.count == 0
        assert corpus.key_terms("anything^1", 8, 50) == []
        assert corpus.match([("anything", 1.0)]) == {}
