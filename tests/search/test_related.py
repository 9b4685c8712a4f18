"""Related plugins (whoosh more-like-this): sensible on the default registry, the same however
the whoosh index was built, and usable for text not in the index (possible duplicates)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from plugindex.layout import INDEX_FORMAT
from plugindex.search import related
from plugindex.search.engine import Filters, SearchIndex, weighted
from plugindex.search.related import (
    LIMIT,
    Basis,
    Related,
    like,
    parse_related,
    related_all,
    related_update,
    render_related,
)
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
    kept = Related(Basis("2026-12", 3, 1), {"b": ("a",), "a": ("b", "c")},
                   {"a": "1" * 16, "b": "2" * 16}, {"a": ("x", "y"), "b": ()})
    data = render_related("0" * 64, kept)
    assert json.loads(data) == {
        "schema_version": 1, "format_version": INDEX_FORMAT, "inputs": "0" * 64, "limit": LIMIT,
        "method": related.method_key(), "related": {"a": ["b", "c"], "b": ["a"]},
        "basis": {"month": "2026-12", "plugins": 3, "changed": 1},
        "kept": {"a": {"content": "1" * 16, "terms": "x y"},
                 "b": {"content": "2" * 16, "terms": ""}}}
    assert data.index(b'"a"') < data.index(b'"b"')
    assert parse_related(data) == kept


@pytest.mark.parametrize("edit", [
    lambda d: d.pop("basis"), lambda d: d.pop("kept"), lambda d: d.pop("method"),
    lambda d: d.update(method="0" * 16), lambda d: d["basis"].update(plugins="31"),
    lambda d: d["kept"]["a"].update(terms=["x", "y"]), lambda d: d["related"].update(a="b"),
    lambda d: d.clear(),
], ids=["no-basis", "no-kept", "no-method", "other-method", "count-as-text",
        "terms-as-list", "list-as-text", "empty"])
def test_a_file_that_cannot_be_kept_from_is_not(edit: Callable[[dict[str, Any]], object]
                                                ) -> None:
    """An older format, another method's file or a malformed one: every list is computed."""
    kept = Related(Basis("2026-12", 1), {"a": ()}, {"a": "1" * 16}, {"a": ("x", "y")})
    doc = json.loads(render_related("0" * 64, kept))
    edit(doc)
    assert parse_related(json.dumps(doc).encode()) is None
    assert parse_related(b"{not json") is None
    assert parse_related(None) is None


def _edited_index(tmp_path: Path, edit: Callable[[list[dict[str, Any]]], object]) -> Path:
    """A copy of the default registry's index/v1 with its entries edited (each edited entry
    gets a new sha256, so that the search index reads it again)."""
    index_dir = tmp_path / "v1"
    if not index_dir.exists():
        shutil.copytree(INDEX, index_dir)
    data = json.loads((index_dir / "index.json").read_bytes())
    before = json.dumps(data["plugins"])
    edit(data["plugins"])
    for entry in data["plugins"]:
        if json.dumps(entry) not in before:
            entry["sha256"] = "e" * 64
    (index_dir / "index.json").write_text(json.dumps(data), encoding="utf-8")
    return index_dir


def _entry(entries: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(e for e in entries if e["name"] == name)


@pytest.fixture
def full(tmp_path: Path) -> Related:
    with SearchIndex(INDEX, tmp_path / "first") as search:
        return related_update(search, None, "2026-12")


def test_all_are_computed_without_a_file_or_in_a_new_month(
        tmp_path: Path, full: Related, computed: dict[str, list[str]]) -> None:
    assert full.basis == Basis("2026-12", len(computed), 0)
    assert {n: list(v) for n, v in full.lists.items()} == computed
    assert set(full.terms) == set(full.contents) == set(computed)
    stale = replace(full, basis=Basis("2026-11", len(computed), 1),
                    lists=dict.fromkeys(full.lists, ()))
    with SearchIndex(INDEX, tmp_path / "cache") as search:
        assert related_update(search, stale, "2026-12") == full
        assert related_update(search, full, "2026-12") is full  # nothing changed


def test_a_change_computes_again_the_lists_it_reaches(tmp_path: Path, full: Related) -> None:
    """A plugin rewritten to be about what redis-cache is about: its own list, redis-cache's
    (whose key terms it now uses) and the lists that named it are computed again; the rest
    are kept as they were."""
    def rewrite(entries: list[dict[str, Any]]) -> None:
        cache, moved = _entry(entries, "redis-cache"), _entry(entries, "chat-widget")
        moved.update(summary=cache["summary"], tags=cache["tags"])

    index_dir = _edited_index(tmp_path, rewrite)
    with SearchIndex(index_dir, tmp_path / "cache") as search:
        kept = related_update(search, full, "2026-12")
        # the changes add up: one before this one makes two, past the drift
        assert related_update(search, replace(full, basis=replace(full.basis, changed=1)),
                              "2026-12").basis.changed == 0
        afresh = related_all(search)
        words = {t.text for t in search.searcher().schema["text"].analyzer(
            search.searcher().document(name="chat-widget")["about"])}
    assert kept.basis == Basis("2026-12", full.basis.plugins, 1)
    assert "chat-widget" in kept.lists["redis-cache"]
    assert "redis-cache" in kept.lists["chat-widget"]
    assert kept.contents["chat-widget"] != full.contents["chat-widget"]
    reached = {n for n in full.lists if n == "chat-widget" or "chat-widget" in full.lists[n]
               or words & set(full.terms[n])}
    assert "redis-cache" in reached
    for name in full.lists:
        if name in reached:
            assert list(kept.lists[name]) == afresh[name], name
        else:
            assert kept.lists[name] == full.lists[name], name
            assert kept.terms[name] == full.terms[name], name


def test_a_removed_plugin_leaves_every_list(tmp_path: Path, full: Related) -> None:
    gone = next(n for n in sorted(full.lists) if any(n in v for v in full.lists.values()))
    index_dir = _edited_index(tmp_path, lambda entries: entries.remove(_entry(entries, gone)))
    with SearchIndex(index_dir, tmp_path / "cache") as search:
        kept = related_update(search, full, "2026-12")
    assert gone not in {*kept.lists, *kept.contents, *kept.terms}
    assert all(gone not in v for v in kept.lists.values())
    assert kept.basis.changed == 1


def test_past_the_drift_every_list_is_computed_again(tmp_path: Path, full: Related) -> None:
    """More changed plugins than DRIFT of the plugins (31 in the default registry: 5% is
    one and a half): the statistics are refreshed, every list computed, the count restarts."""
    def two(entries: list[dict[str, Any]]) -> None:
        for name in ("chat-widget", "env-config"):
            _entry(entries, name)["summary"] += " Now with retries."

    index_dir = _edited_index(tmp_path, two)
    with SearchIndex(index_dir, tmp_path / "cache") as search:
        kept = related_update(search, full, "2026-12")
        assert kept.basis == Basis("2026-12", full.basis.plugins, 0)
        assert {n: list(v) for n, v in kept.lists.items()} == related_all(search)


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


def test_a_kept_list_naming_a_plugin_that_is_not_there_is_computed_again(
        tmp_path: Path, full: Related) -> None:
    """Lists are kept from the committed related.json; one that names no plugin of the index
    (an edited file) is not kept, even when nothing changed around it."""
    lists = dict(full.lists)
    lists["auth-jwt"] = ("no-such-plugin", *lists["auth-jwt"][1:])
    edited = replace(full, lists=lists)
    with SearchIndex(INDEX, tmp_path / "cache") as search:  # nothing changed
        assert related_update(search, edited, "2026-12").lists == full.lists
        for odd in ({**full.lists, "zzz": ("auth-jwt",)},  # a plugin the index does not hold
                    {**full.lists, "auth-jwt": ("auth-jwt",)},  # itself
                    {**full.lists, "auth-jwt": tuple(sorted(full.lists))[:LIMIT + 1]}):
            assert related_update(search, replace(full, lists=odd), "2026-12").lists == \
                full.lists
    index_dir = _edited_index(tmp_path, lambda entries: _entry(entries, "chat-widget").update(
        summary="A chat widget, now with emoji."))
    with SearchIndex(index_dir, tmp_path / "changed") as search:
        kept = related_update(search, edited, "2026-12")
    assert kept.lists["auth-jwt"] == full.lists["auth-jwt"]


def test_a_plugin_matching_through_its_category_or_capabilities_reaches_lists(
        tmp_path: Path, full: Related) -> None:
    """A new plugin whose summary and tags say nothing of observability, but whose capability
    does: prometheus-metrics (whose key terms include it) lists it as a full computation does."""
    def add(entries: list[dict[str, Any]]) -> None:
        new = {**_entry(entries, "alerts-webhook"), "name": "uptime-probe",
               "file": "plugins/uptime-probe.json", "tags": ["uptime"],
               "summary": "Keeps an eye on endpoints.", "capabilities": ["observability"],
               "category": "monitoring"}
        entries.append(new)

    index_dir = _edited_index(tmp_path, add)
    assert "observ" in full.terms["prometheus-metrics"]
    with SearchIndex(index_dir, tmp_path / "cache") as search:
        kept = related_update(search, full, "2026-12")
        afresh = related_all(search)
    assert "uptime-probe" in afresh["prometheus-metrics"]
    assert list(kept.lists["prometheus-metrics"]) == afresh["prometheus-metrics"]
