"""Search over the published index: relevance on the default registry, filters, sorting, JSON,
suggestions, and the cached whoosh index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from plugindex.cli import main
from plugindex.search import engine
from plugindex.search.engine import Filters, SearchIndex
from tests.conftest import DATA, ROOT

INDEX = ROOT / "index" / "v1"
RELEVANCE = DATA / "search" / "relevance.tsv"


def _cases() -> list[tuple[str, str, str]]:
    rows = []
    for line in RELEVANCE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, expected, kind = line.split("\t")
            rows.append((query, expected, kind))
    return rows


@pytest.fixture(scope="module")
def search(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return SearchIndex(INDEX, tmp_path_factory.mktemp("search") / "cache")


def test_the_relevance_set_is_large_and_varied() -> None:
    cases = _cases()
    assert len(cases) >= 30
    kinds = {kind for _, _, kind in cases}
    assert {"misspelling", "tag synonym", "category"} <= kinds


@pytest.mark.parametrize(("query", "expected", "kind"), _cases(),
                         ids=[f"{q}->{e}" for q, e, _ in _cases()])
def test_relevance(search: SearchIndex, query: str, expected: str, kind: str) -> None:
    top = [h.name for h in search.search(query, limit=3).hits]
    assert expected in top, (kind, top)


@pytest.mark.parametrize("category", ["monitoring", "testing", "deployment", "build tools"])
def test_a_category_name_finds_that_category_first(search: SearchIndex, category: str) -> None:
    index = json.loads((INDEX / "index.json").read_bytes())
    category_id = category.replace(" ", "-")
    size = sum(p["category"] == category_id for p in index["plugins"])
    top = search.search(category, limit=min(3, size)).hits
    assert {h.category for h in top} == {category_id}


def test_filters_narrow_the_results(search: SearchIndex) -> None:
    index = json.loads((INDEX / "index.json").read_bytes())
    plugins = {p["name"]: p for p in index["plugins"]}
    found = search.search("", Filters(category="monitoring"), limit=50).hits
    assert {h.name for h in found} == {n for n, p in plugins.items()
                                       if p["category"] == "monitoring"}
    tagged = search.search("", Filters(tag="mongodb", verified=True), limit=50).hits
    assert {h.name for h in tagged} == {n for n, p in plugins.items()
                                        if "mongodb" in p["tags"] and p["badges"]["verified"]}
    capable = search.search("", Filters(capability="llm"), limit=50).hits
    assert {h.name for h in capable} == {n for n, p in plugins.items()
                                         if "llm" in p["capabilities"]}
    old_host = search.search("mongo", Filters(host="1.0.0"), limit=50).hits
    assert "mongo-motor-legacy" in {h.name for h in old_host}
    assert "mongo-odm" not in {h.name for h in old_host}  # its latest needs host 2
    # Filters that each allow some plugins but none together (whoosh reads an empty filter
    # as no filter at all), asked twice (the second time from the filters' cached documents).
    for _ in range(2):
        nothing = search.search("mongo", Filters(category="monitoring", tag="mongodb"))
        assert (nothing.total, nothing.hits) == (0, ())
        again = search.search("", Filters(category="monitoring"), limit=50).hits
        assert {h.name for h in again} == {h.name for h in found}


def test_sorting(search: SearchIndex) -> None:
    by_score = search.search("", Filters(category="authentication"), sort="score").hits
    assert [h.score for h in by_score] == sorted((h.score for h in by_score), reverse=True)
    by_name = search.search("mongo", sort="name", limit=50).hits
    assert [h.name for h in by_name] == sorted(h.name for h in by_name)
    by_updated = search.search("mongo", sort="updated", limit=50).hits
    assert [h.updated for h in by_updated] == sorted((h.updated for h in by_updated),
                                                     reverse=True)


def test_suggestions_only_when_nothing_matches(search: SearchIndex) -> None:
    none = search.search("rdis")
    assert none.hits == ()
    assert "redis" in none.suggestions
    filtered = search.search("vite", Filters(host="1.0.0"))
    assert (filtered.hits, filtered.suggestions) == ((), ())  # a known word, filtered out
    assert search.search("jwt").suggestions == ()


def test_results_are_deterministic_json(search: SearchIndex) -> None:
    a = json.dumps(search.search("mongodb", limit=50).as_json(), sort_keys=True)
    b = json.dumps(search.search("mongodb", limit=50).as_json(), sort_keys=True)
    assert a == b
    data = json.loads(a)
    assert set(data) == {"query", "total", "hits", "suggestions", "facets"}
    assert data["total"] == len(data["hits"])
    assert sum(data["facets"]["category"].values()) == data["total"]


def test_the_whoosh_index_is_reused_and_updated_by_plugin(tmp_path: Path) -> None:
    index_dir = tmp_path / "v1"
    shutil.copytree(INDEX, index_dir)
    cache = tmp_path / "cache"
    assert SearchIndex(index_dir, cache).updated == 31  # built
    assert SearchIndex(index_dir, cache).updated == 0  # unchanged: reused
    data = json.loads((index_dir / "index.json").read_bytes())
    entry = next(p for p in data["plugins"] if p["name"] == "docker-deploy")
    entry["summary"] = "Ship FARM apps as OCI images to any container registry."
    entry["sha256"] = "0" * 64
    data["plugins"] = [p for p in data["plugins"] if p["name"] != "llm-fake"]
    (index_dir / "index.json").write_text(json.dumps(data), encoding="utf-8")
    updated = SearchIndex(index_dir, cache)
    assert updated.updated == 2  # one changed, one removed
    assert [h.name for h in updated.search("oci images").hits][:1] == ["docker-deploy"]
    assert "llm-fake" not in {h.name for h in updated.search("llm", limit=50).hits}


@pytest.mark.parametrize("text", ["motor client", "motor", "mongo motor"])
def test_a_deprecated_plugin_ranks_below_its_replacement(search: SearchIndex, text: str) -> None:
    names = [h.name for h in search.search(text, limit=20).hits]
    assert "mongo-motor-legacy" in names
    assert names.index("mongo-odm") < names.index("mongo-motor-legacy")


def test_a_deprecated_plugin_asked_for_by_name_comes_first(search: SearchIndex) -> None:
    assert search.search("mongo-motor-legacy").hits[0].name == "mongo-motor-legacy"


def test_an_index_made_by_other_code_is_rebuilt_whole(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The same index.json, but the documents were made by another plugindex (an upgrade, or
    an editable checkout that moved): every one is made again, none kept."""
    cache = tmp_path / "cache"
    with monkeypatch.context() as m:
        m.setattr(engine, "code_identity", lambda: "0.0.1+older")
        assert SearchIndex(INDEX, cache).updated == 31
    assert SearchIndex(INDEX, cache).updated == 31
    assert SearchIndex(INDEX, cache).updated == 0


def test_corrections_are_the_same_when_the_vocabulary_file_is_lost(tmp_path: Path,
                                                                   search: SearchIndex) -> None:
    """The vocabulary (for corrections and suggestions) is kept beside the index; without it
    (deleted, unreadable) it is counted again from the documents, to the same effect."""
    cache = tmp_path / "cache"
    SearchIndex(INDEX, cache).close()
    for broken in ("{not json", '{"a": 1}', '{"m1": 0}', "[[1]]", "7", '[["mongodb", 1e999]]',
                   '[["mongodb", 1.5]]', "[" * 100_000):
        (cache / engine.VOCABULARY).write_text(broken)
        again = SearchIndex(INDEX, cache)
        assert again.updated == 0  # the index itself was reused
        for text in ("mongodb", "authentcation", "mongdb clinet", "react components", "zzzzz"):
            assert again.search(text, limit=50) == search.search(text, limit=50)
        assert again.search("authentcation").hits  # corrected, so found


def _twin_index(root: Path, names: list[str], changed: str = "") -> Path:
    """An index of plugins alike in everything but their names (so they score the same)."""
    (root / "plugins").mkdir(parents=True, exist_ok=True)
    entries = []
    for name in names:
        (root / "plugins" / f"{name}.json").write_text(json.dumps({"versions": [
            {"version": "1.0.0", "manifest": {"description": "Queue workers."}}]}))
        entries.append({"name": name, "latest": "1.0.0", "summary": "Background tasks.",
                        "category": "tools", "tags": ["tasks"], "capabilities": [],
                        "maintainers": ["dev"], "host": ">=1",
                        "updated": "2026-01-02" if name == changed else "2026-01-01",
                        "file": f"plugins/{name}.json",
                        "sha256": ("1" if name == changed else "0") * 64})
    (root / "index.json").write_text(json.dumps({"registry": {}, "plugins": entries}))
    return root


def test_equal_scores_are_ordered_by_name_whatever_the_indexing_order(tmp_path: Path) -> None:
    names = [f"tasks-{c}" for c in "fbdaec"]
    cache = tmp_path / "cache"
    first = SearchIndex(_twin_index(tmp_path / "v1", names), cache)
    assert [h.name for h in first.search("tasks", limit=3).hits] == [
        "tasks-a", "tasks-b", "tasks-c"]
    first.close()
    # tasks-a re-indexed: now the last document, not the fourth.
    again = SearchIndex(_twin_index(tmp_path / "v1", names, changed="tasks-a"), cache)
    assert again.updated == 1
    assert [h.name for h in again.search("tasks", limit=3).hits] == [
        "tasks-a", "tasks-b", "tasks-c"]
    assert [h.name for h in again.search("", Filters(category="tools"), sort="updated",
                                         limit=2).hits] == ["tasks-a", "tasks-b"]


def test_a_moved_file_rewrites_only_a_document_that_changed(tmp_path: Path) -> None:
    """A plugin file can move without moving its document (a dependency's new release moves
    its install plan): the document is made again, compared, and not written; the file's new
    digest is remembered, so the next update does not read it again."""
    names = ["tasks-a", "tasks-b"]
    cache = tmp_path / "cache"
    SearchIndex(_twin_index(tmp_path / "v1", names), cache).close()
    index = tmp_path / "v1" / "index.json"
    data = json.loads(index.read_text())
    data["plugins"][0]["sha256"] = "2" * 64
    index.write_text(json.dumps(data))
    moved = SearchIndex(tmp_path / "v1", cache)
    assert moved.updated == 0
    moved.close()
    read: list[str] = []

    def reading(rel: str) -> bytes:
        read.append(rel)
        return (tmp_path / "v1" / rel).read_bytes()
    data["plugins"][1]["summary"] = "Background jobs."
    index.write_text(json.dumps(data))
    again = SearchIndex(tmp_path / "v1", cache, read=reading)
    assert again.updated == 1
    assert read == ["index.json", "plugins/tasks-b.json"]
    assert [h.name for h in again.search("jobs").hits] == ["tasks-b"]


def test_an_entry_field_the_file_lacks_updates_the_document(tmp_path: Path) -> None:
    """The verified badge is in the plugin's entry, not in its file (vouchers come from
    history): earning it updates the document although the file's sha256 stays."""
    cache = tmp_path / "cache"
    SearchIndex(_twin_index(tmp_path / "v1", ["tasks-a", "tasks-b"]), cache).close()
    index = tmp_path / "v1" / "index.json"
    data = json.loads(index.read_text())
    data["plugins"][1]["badges"] = {"verified": True}
    index.write_text(json.dumps(data))
    again = SearchIndex(tmp_path / "v1", cache)
    assert again.updated == 1
    assert [h.name for h in again.search("", Filters(verified=True)).hits] == ["tasks-b"]


def test_search_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "jwt", "--format", "json", "--limit", "2", "--root", str(ROOT)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["hits"][0]["name"] == "auth-jwt"
    assert len(data["hits"]) == 2
    assert main(["search", "jwt", "--root", str(ROOT)]) == 0
    assert "[JWT]" in capsys.readouterr().out  # matches are highlighted
    assert main(["search", "rdis", "--root", str(ROOT)]) == 1
    assert "redis" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["search"], ["search", "x", "--limit", "0"]])
def test_search_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--root", str(ROOT)]) == 2
    assert capsys.readouterr().err.startswith("plugindex: error:")


def test_a_maintainer_counts_only_when_the_query_names_one(search: SearchIndex) -> None:
    """'@login' finds a maintainer's plugins; the same login as a plain word finds nothing by
    it (a word that is someone's login must not outrank the plugin the word describes)."""
    index = json.loads((INDEX / "index.json").read_bytes())
    theirs = sorted(e["name"] for e in index["plugins"] if "jhollis" in e["maintainers"])
    assert theirs
    assert sorted(h.name for h in search.search("@jhollis", limit=50).hits) == theirs
    assert not search.search("jhollis", limit=50).hits
    mixed = [h.name for h in search.search("@jhollis logging", limit=50).hits]
    assert mixed[0] == "structured-logging"  # both: the word and the maintainer


def test_documents_follow_the_registry_settings_they_read(tmp_path: Path) -> None:
    """A category's title is part of its plugins' documents (it is searchable), though not of
    their files: renaming it updates those documents, as a fresh index would have them."""
    index_dir = tmp_path / "v1"
    shutil.copytree(INDEX, index_dir)
    SearchIndex(index_dir, tmp_path / "updated").close()
    data = json.loads((index_dir / "index.json").read_bytes())
    category = data["registry"]["categories"][0]
    category["title"] = "Renamed for the test"
    (index_dir / "index.json").write_text(json.dumps(data), encoding="utf-8")
    updated = SearchIndex(index_dir, tmp_path / "updated")
    afresh = SearchIndex(index_dir, tmp_path / "afresh")
    # every document was made again; those of the category's plugins were written
    assert updated.updated == sum(p["category"] == category["id"] for p in data["plugins"]) > 0
    assert updated.contents() == afresh.contents()
    assert updated.search("renamed").total == afresh.search("renamed").total > 0
