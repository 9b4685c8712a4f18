"""Related plugins (whoosh more-like-this): sensible on the default registry, the same however
the whoosh index was built, and usable for text not in the index (possible duplicates)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from plugindex.search import related
from plugindex.search.engine import Filters, SearchIndex, weighted
from plugindex.search.related import LIMIT, like, related_all, render_related
from tests.conftest import DATA, ROOT

INDEX = ROOT / "index" / "v1"
EXPECTED = DATA / "search" / "related.tsv"


def _pairs() -> list[tuple[str, str]]:
    rows = []
    for line in EXPECTED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            plugin, expected = line.split("\t")
            rows.append((plugin, expected))
    return rows


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    with SearchIndex(INDEX, tmp_path_factory.mktemp("related") / "cache") as search:
        return related_all(search)


def test_every_plugin_has_a_short_list_of_other_plugins(computed: dict[str, list[str]]) -> None:
    names = {p["name"] for p in json.loads((INDEX / "index.json").read_bytes())["plugins"]}
    assert set(computed) == names
    for name, others in computed.items():
        assert name not in others
        assert set(others) <= names
        assert 1 <= len(others) <= LIMIT
        assert len(set(others)) == len(others)


@pytest.mark.parametrize(("plugin", "expected"), _pairs(), ids=[f"{p}->{e}" for p, e in _pairs()])
def test_related_pairs(computed: dict[str, list[str]], plugin: str, expected: str) -> None:
    assert expected in computed[plugin][:3]


def test_the_published_related_file_is_what_the_index_gives(
        computed: dict[str, list[str]]) -> None:
    published = json.loads((INDEX / "related.json").read_bytes())
    assert published["related"] == computed


def test_the_same_whatever_the_indexing_history(tmp_path: Path) -> None:
    """An index updated plugin by plugin (whoosh keeps deleted documents in its statistics)
    gives exactly what an index built afresh from the same files gives."""
    index_dir = tmp_path / "v1"
    shutil.copytree(INDEX, index_dir)
    updated = SearchIndex(index_dir, tmp_path / "updated")
    data = json.loads((index_dir / "index.json").read_bytes())
    for entry in data["plugins"][::3]:
        entry["summary"] += " Now with retries."
        entry["sha256"] = "1" * 64
    (index_dir / "index.json").write_text(json.dumps(data), encoding="utf-8")
    updated.close()
    updated = SearchIndex(index_dir, tmp_path / "updated")
    assert updated.updated == len(data["plugins"][::3])
    assert updated.searcher().reader().has_deletions()
    afresh = SearchIndex(index_dir, tmp_path / "afresh")
    assert related_all(updated) == related_all(afresh)


def test_two_processes_give_the_same_lists(tmp_path: Path,
                                           computed: dict[str, list[str]]) -> None:
    with SearchIndex(INDEX, tmp_path / "cache") as search:
        assert related_all(search, parallel_from=1) == computed


def test_text_not_in_the_index_finds_the_plugins_it_resembles(tmp_path: Path) -> None:
    """What the review asks for a submission: which existing plugins is it like?"""
    about = weighted({"name": "fastapi-jwt", "tags": "jwt bcrypt security",
                      "summary": "JWT access and refresh tokens with bcrypt password hashing.",
                      "description": "Issue and verify tokens; a current user dependency."})
    login = weighted({"name": "jwt-login", "tags": "jwt auth tokens",
                      "summary": "Login with JWT access and refresh tokens."})
    with SearchIndex(INDEX, tmp_path / "cache") as search:
        found = like(search.searcher(), about, "authentication")
        assert found[0].name == "auth-jwt"
        assert {"auth-jwt", "auth-oauth"} == {  # JWT like the one, login like the other
            s.name for s in like(search.searcher(), login, "authentication", limit=2)}
        assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
        assert "auth-jwt" not in {
            s.name for s in like(search.searcher(), about, "authentication", {"auth-jwt"})}
        assert like(search.searcher(), "", "authentication") == []


def test_a_shared_category_ranks_higher(tmp_path: Path) -> None:
    about = weighted({"summary": "Sessions stored in Redis or MongoDB."})
    with SearchIndex(INDEX, tmp_path / "cache") as search:
        s = search.searcher()
        as_cache = [r.name for r in like(s, about, "database-provider", limit=10)]
        as_auth = [r.name for r in like(s, about, "authentication", limit=10)]
    assert as_cache != as_auth


def test_rendering_is_sorted_and_keyed() -> None:
    data = render_related("0" * 64, {"b": ["a"], "a": ["b", "c"]})
    assert json.loads(data) == {"schema_version": 1, "inputs": "0" * 64, "limit": LIMIT,
                                "related": {"a": ["b", "c"], "b": ["a"]}}
    assert data.index(b'"a"') < data.index(b'"b"')


def test_the_inputs_key_follows_the_method(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with SearchIndex(INDEX, tmp_path / "cache") as search:
        key = related.inputs_key(search)
        assert related.inputs_key(search) == key
        monkeypatch.setattr(related, "NUMTERMS", related.NUMTERMS + 1)
        assert related.inputs_key(search) != key


def test_an_empty_registry_has_nothing_related(tmp_path: Path) -> None:
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "index.json").write_text('{"registry": {}, "plugins": []}')
    with SearchIndex(tmp_path / "v1", tmp_path / "cache") as search:
        assert related_all(search) == {}
        assert search.search("anything").hits == ()
        assert search.search("", Filters(category="testing")).total == 0
        assert like(search.searcher(), weighted({"summary": "a plugin"}), "testing") == []
