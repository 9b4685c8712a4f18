"""Each field of a plugin's file and index entry declares its inputs, and the build's cache
key is derived from those declarations: a rendered field without a declaration, a declared
input without a value, or an input whose change does not move the key fails here."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from plugindex.adapters.gitrepo import GitRepo
from plugindex.build.builder import INPUT_VALUES, Builder, BuildOutcome, PluginState, plugin_inputs
from plugindex.build.index import INDEX_ENTRY_FIELDS, PLUGIN_FILE_FIELDS, PLUGIN_INPUTS, Published
from plugindex.build.outputs import Fields, Input, declared_inputs, field_paths, inputs_digest
from plugindex.config.registry import RegistryConfig, parse_registry
from plugindex.layout import BUILD_CACHE
from plugindex.manifests.model import manifest_from
from plugindex.scan.records import source_record_path
from plugindex.score.versions import score_date
from tests.build.test_incremental import cold_build
from tests.conftest import REGISTRY_YAML, VALID_MANIFEST, GitRegistry

ALICE = {"GIT_AUTHOR_NAME": "Alice", "GIT_AUTHOR_EMAIL": "1+alice@users.noreply.github.com"}
DECEMBER_2023 = 1_701_388_800  # 2023-12-01T00:00:00Z
Documents = tuple[dict[str, Any], dict[str, dict[str, Any]]]  # index entries, plugin files


def build(reg: GitRegistry) -> BuildOutcome:
    outcome = Builder(GitRepo(reg.root)).build()
    assert outcome.ok, outcome.diagnostics
    return outcome


def cached_inputs(reg: GitRegistry) -> dict[str, str]:
    """plugin -> the cache key its published file was rendered for."""
    with closing(sqlite3.connect(reg.root / BUILD_CACHE)) as db:
        return dict(db.execute("SELECT name, inputs FROM plugins"))


def published(reg: GitRegistry) -> Documents:
    """The index entries and the plugin files, by plugin name."""
    files = reg.index_bytes()
    entries = {e["name"]: e for e in json.loads(files["index.json"])["plugins"]}
    return entries, {n: json.loads(files[f"plugins/{n}.json"]) for n in entries}


def values_at(document: Any, path: str) -> list[Any]:
    """The values at a declared path (``versions[].scan``: the scan of every version)."""
    found = [document]
    for part in path.split("."):
        key = part.removesuffix("[]")
        found = [item[key] for item in found if isinstance(item, dict) and key in item]
        if part.endswith("[]"):
            found = [x for items in found for x in items]
    return found


def moved(before: dict[str, Any], after: dict[str, Any], fields: Fields) -> list[str]:
    """The declared fields whose value differs; a field with fields declared below it is
    compared by its shape (its keys, its length)."""
    def seen(document: dict[str, Any], path: str) -> list[Any]:
        values = values_at(document, path)
        if not any(p.startswith((f"{path}.", f"{path}[].")) for p in fields):
            return values
        return [sorted(v) if isinstance(v, dict) else len(v) for v in values]

    return [p for p in fields if seen(before, p) != seen(after, p)]


def assert_declared(before: Documents, after: Documents, name: str, changed: Input) -> None:
    """Only ``changed`` moved: every field of the plugin that moved declares it."""
    entry = moved(before[0][name], after[0][name], INDEX_ENTRY_FIELDS)
    file = moved(before[1][name], after[1][name], PLUGIN_FILE_FIELDS)
    assert entry or file, "the change moved no field"
    assert [p for p in entry if changed not in INDEX_ENTRY_FIELDS[p]] == []
    assert [p for p in file if changed not in PLUGIN_FILE_FIELDS[p]] == []


@pytest.fixture
def two_plugins(git_registry: GitRegistry) -> GitRegistry:
    """alpha (two versions, one deprecated and yanked, the other published by alice, a
    verified publisher, who so vouches for it; featured) and beta, which requires alpha."""
    reg = git_registry
    text = (reg.root / "registry.yaml").read_text(encoding="utf-8")
    reg.write("registry.yaml", text + "\nverified_publishers: [alice]\nfeatured: [alpha]\n")
    reg.add_plugin("alpha", "1.0.0", VALID_MANIFEST.format(name="alpha", version="1.0.0")
                   + "yanked: broken\ndeprecated:\n  reason: use 1.1\n")
    reg.commit("alpha 1.0.0")
    reg.add_plugin("alpha", "1.1.0")
    reg.commit("alpha 1.1.0", **ALICE)
    reg.add_plugin("beta", "1.0.0", VALID_MANIFEST.format(name="beta", version="1.0.0")
                   + 'requires:\n  plugins:\n    alpha: ">=1.0"\n')
    reg.commit("beta 1.0.0")
    return reg


# -- the declaration ---------------------------------------------------------------------------


def test_field_paths_walk_as_deep_as_declared() -> None:
    fields: Fields = {"a": (Input.TOOL,), "a.b": (Input.NAME,), "l": (Input.MANIFESTS,),
                      "l[].x": (Input.TIMES,)}
    document = {"a": {"b": 1}, "l": [{"x": 1}, {"y": {"z": 2}}], "m": {"deep": 1}, "n": None}
    assert field_paths(document, fields) == {"a", "a.b", "l", "l[].x", "l[].y", "m", "n"}


@pytest.mark.parametrize(("part", "fields"), [("file", PLUGIN_FILE_FIELDS),
                                             ("entry", INDEX_ENTRY_FIELDS)])
def test_every_rendered_field_is_declared_and_every_declaration_is_rendered(
        two_plugins: GitRegistry, part: str, fields: Fields) -> None:
    build(two_plugins)
    entries, files = published(two_plugins)
    assert entries["alpha"]["badges"]["verified"] is True  # the badge's fields are rendered
    documents = files if part == "file" else entries
    assert sorted(documents) == ["alpha", "beta"]
    for name, document in documents.items():
        rendered = field_paths(document, fields)
        assert sorted(rendered - fields.keys()) == [], f"{name}: fields without a declaration"
        assert sorted(fields.keys() - rendered) == [], f"{name}: declared, never rendered"


def test_every_declaration_names_inputs_and_every_input_has_one_value() -> None:
    for path, inputs in [*PLUGIN_FILE_FIELDS.items(), *INDEX_ENTRY_FIELDS.items()]:
        assert inputs, path
        assert len(set(inputs)) == len(inputs), path
    assert set(INPUT_VALUES) == set(PLUGIN_INPUTS) == set(Input)
    # The entry's sha256 is of the file: made from everything the file is made from.
    assert set(INDEX_ENTRY_FIELDS["sha256"]) == declared_inputs(PLUGIN_FILE_FIELDS)


def test_the_digest_is_of_the_declared_values_only() -> None:
    values = {Input.NAME: ["alpha"], Input.DEPENDENCIES: ["c1"]}
    assert inputs_digest(values) == inputs_digest(dict(reversed(values.items())))
    assert inputs_digest(values) != inputs_digest({**values, Input.DEPENDENCIES: ["c2"]})
    # Values are not joined ambiguously: two lines are not one line with a tab or newline.
    assert inputs_digest({Input.RECORDS: ["a", "b"]}) != inputs_digest({Input.RECORDS: ["a\nb"]})
    assert inputs_digest({Input.RECORDS: ["a"]}) != inputs_digest({Input.SOURCES: ["a"]})


# -- the digest moves with each input ----------------------------------------------------------


def version(name: str, number: str, **changes: str) -> Published:
    data = yaml.safe_load(VALID_MANIFEST.format(name=name, version=number))
    fields = {"path": f"submissions/{name}/{number}.yaml", "blob": "b" * 40,
              "published": "2023-11-15T00:13:20Z", "updated": "2023-11-15T00:13:20Z",
              "source_digest": "git-tree:" + "d" * 40, **changes}
    return Published(manifest=manifest_from(data), **fields)


def base_state(registry: RegistryConfig) -> PluginState:
    return PluginState(
        name="alpha", versions=(version("alpha", "1.0.0"), version("alpha", "1.1.0")),
        dependencies="dependencies-1", records=("index/cache/alpha/scan-1.json\t" + "e" * 40,),
        vouchers=frozenset(), score_date=score_date(1_700_000_000), registry=registry)


def other_version(s: PluginState, **changes: str) -> PluginState:
    return replace(s, versions=(s.versions[0], replace(s.versions[1], **changes)))


CHANGES: dict[Input, Callable[[PluginState], PluginState]] = {
    Input.NAME: lambda s: replace(s, name="beta"),
    Input.MANIFESTS: lambda s: other_version(s, blob="c" * 40),
    Input.TIMES: lambda s: other_version(s, updated="2023-11-16T00:00:00Z"),
    Input.SOURCES: lambda s: other_version(s, source_digest="git-tree:" + "f" * 40),
    Input.DEPENDENCIES: lambda s: replace(s, dependencies="dependencies-2"),
    Input.RECORDS: lambda s: replace(s, records=(*s.records, "index/cache/alpha/audit-1.json\t"
                                                 + "a" * 40)),
    # the first commit of December moves the date scores are measured at
    Input.SCORE_DATE: lambda s: replace(s, score_date=score_date(DECEMBER_2023)),
    Input.VOUCHERS: lambda s: replace(s, vouchers=frozenset({"alice"})),
    Input.REGISTRY: lambda s: replace(s, registry=parse_registry(
        REGISTRY_YAML.read_bytes() + b"\nfeatured: [alpha]\n")),
    Input.TOOL: lambda s: replace(s, tool="0.0.0+other"),
}


def test_a_change_is_listed_for_every_input() -> None:
    assert set(CHANGES) == set(Input)


@pytest.mark.parametrize("changed", list(Input))
def test_changing_an_input_changes_the_digest(registry_config: RegistryConfig,
                                              changed: Input) -> None:
    base = base_state(registry_config)
    other = CHANGES[changed](base)
    assert [i for i in Input if INPUT_VALUES[i](other) != INPUT_VALUES[i](base)] == [changed]
    assert plugin_inputs(other) != plugin_inputs(base)


def test_the_digest_does_not_move_within_a_month_or_with_order(
        registry_config: RegistryConfig) -> None:
    base = base_state(registry_config)
    later = replace(base, score_date=score_date(DECEMBER_2023 - 3600))
    assert plugin_inputs(later) == plugin_inputs(base)
    swapped = replace(base, versions=tuple(reversed(base.versions)))
    assert plugin_inputs(swapped) == plugin_inputs(base)


# -- through real builds: the key moves, the plugin is rendered anew, as a cold build would ----


def test_a_scan_record_moves_its_plugins_key_and_output(two_plugins: GitRegistry,
                                                        tmp_path: Path) -> None:
    reg = two_plugins
    build(reg)
    before = cached_inputs(reg)
    documents = published(reg)
    entries = documents[0]
    assert entries["beta"]["scan"]["verdict"] == "not-scanned"
    key = entries["beta"]["source_digest"]
    record = {"key": key, "status": "skipped",
              "problem": {"code": "offline", "message": "no network"}}
    reg.write(source_record_path("beta", key), json.dumps(record) + "\n")
    reg.commit("a scan record for beta")
    assert build(reg).written == 1
    after = cached_inputs(reg)
    assert (after["alpha"], after["beta"] != before["beta"]) == (before["alpha"], True)
    entries, _ = published(reg)
    assert entries["beta"]["scan"]["verdict"] == "incomplete"
    assert_declared(documents, published(reg), "beta", Input.RECORDS)
    _, cold = cold_build(reg, tmp_path)
    assert reg.index_bytes() == cold


def test_a_new_month_that_moves_no_score_renders_nothing(two_plugins: GitRegistry,
                                                         tmp_path: Path) -> None:
    """Scores are dated by the start of the span of months they hold over: the next month
    shows the same files, which a cold build there writes byte for byte."""
    reg = two_plugins
    build(reg)
    november = cached_inputs(reg)
    reg.write("docs/notes.md", "nothing the index shows\n")
    reg.commit("same month")
    assert build(reg).written == 0
    assert cached_inputs(reg) == november
    reg.clock = DECEMBER_2023  # the next commit is an hour into December
    reg.write("docs/notes.md", "still nothing the index shows\n")
    reg.commit("next month")
    assert build(reg).written == 0
    assert cached_inputs(reg) == november
    _, files = published(reg)
    assert {v["score"]["as_of"] for v in files["alpha"]["versions"]} == {"2023-11-30"}
    _, cold = cold_build(reg, tmp_path)
    assert reg.index_bytes() == cold


def test_time_that_moves_a_score_renders_its_plugin_again(two_plugins: GitRegistry,
                                                          tmp_path: Path) -> None:
    """Once the releases age past the recency and cadence thresholds, the scores move: the
    plugins render again, dated by the month their new outcome starts, as a cold build does."""
    reg = two_plugins
    build(reg)
    before = cached_inputs(reg)
    documents = published(reg)
    reg.clock += 500 * 86400
    reg.write("docs/notes.md", "much later\n")
    reg.commit("later")
    assert build(reg).written == 2
    after = cached_inputs(reg)
    assert [n for n in before if after[n] == before[n]] == []
    moved_scores = published(reg)
    for name in ("alpha", "beta"):
        assert_declared(documents, moved_scores, name, Input.SCORE_DATE)
        old = documents[1][name]["versions"][0]["score"]
        new = moved_scores[1][name]["versions"][0]["score"]
        assert new["as_of"] > old["as_of"]
        assert new["total"] < old["total"]
    _, cold = cold_build(reg, tmp_path)
    assert reg.index_bytes() == cold


def test_a_voucher_moves_its_plugins_key_and_badge(git_registry: GitRegistry,
                                                   tmp_path: Path) -> None:
    """alice, a verified publisher, approves the pull request that added gamma, not the one
    that added delta: no manifest changes, yet gamma's key and badge move."""
    reg = git_registry
    text = (reg.root / "registry.yaml").read_text(encoding="utf-8")
    reg.write("registry.yaml", text + "\nverified_publishers: [alice]\n")
    reg.add_plugin("gamma", "1.0.0")
    reg.commit("Add gamma (#9)")
    reg.add_plugin("delta", "1.0.0")
    reg.commit("Add delta (#10)")
    build(reg)
    before = cached_inputs(reg)
    documents = published(reg)
    assert documents[0]["gamma"]["badges"]["verified"] is False
    reg.write("index/cache/reviews.json",
              json.dumps({"schema_version": 1, "pulls": {"9": ["alice"]}}))
    reg.commit("reviews")
    build(reg)
    after = cached_inputs(reg)
    assert (after["gamma"] != before["gamma"], after["delta"]) == (True, before["delta"])
    entries, _ = published(reg)
    assert entries["gamma"]["badges"]["verified_maintainers"] == ["alice"]
    assert_declared(documents, published(reg), "gamma", Input.VOUCHERS)
    _, cold = cold_build(reg, tmp_path)
    assert reg.index_bytes() == cold
