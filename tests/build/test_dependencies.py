"""plugindex build records installability: per-version requirement checks and the full
resolution of each latest version, recomputed when anything in a plugin's cone changes."""

from __future__ import annotations

import json
from typing import Any

from plugindex.adapters.gitrepo import GitRepo
from plugindex.build.builder import Builder
from tests.conftest import VALID_MANIFEST, GitRegistry


def manifest(name: str, version: str, extra: str = "") -> str:
    return VALID_MANIFEST.format(name=name, version=version) + extra


def requires(**ranges: str) -> str:
    lines = "".join(f'    {n.replace("_", "-")}: "{r}"\n' for n, r in ranges.items())
    return "requires:\n  plugins:\n" + lines


def plugin_file(reg: GitRegistry, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((reg.root / f"index/v1/plugins/{name}.json").read_bytes())
    return data


def entry(reg: GitRegistry, name: str) -> dict[str, Any]:
    index = json.loads((reg.root / "index/v1/index.json").read_bytes())
    found: dict[str, Any] = next(p for p in index["plugins"] if p["name"] == name)
    return found


def build(reg: GitRegistry) -> Any:
    outcome = Builder(GitRepo(reg.root)).build()
    assert outcome.ok, outcome.diagnostics
    return outcome


def test_a_dependency_published_later_makes_its_dependents_installable(
        git_registry: GitRegistry) -> None:
    reg = git_registry
    reg.add_plugin("lib", "1.0.0")
    reg.add_plugin("app", "1.0.0", manifest("app", "1.0.0", requires(lib=">=2")))
    reg.add_plugin("other", "1.0.0")
    reg.commit()
    build(reg)
    app = plugin_file(reg, "app")
    check = app["versions"][0]["requirements"]
    assert check["met_on"] == []
    assert {u["reason"] for u in check["unmet"]} == {"no-match"}
    assert len(check["unmet"]) == len(check["hosts"]) == 6
    assert app["install"]["status"] == "not-installable"
    assert app["install"]["host"] == "2.1.0"
    assert [p["kind"] for p in app["install"]["problems"]] == ["unsatisfiable"]
    assert entry(reg, "app")["install"] == {"status": "not-installable", "version": "1.0.0",
                                            "host": "2.1.0", "plugins": 0}

    # Only lib's directory changes, yet app's record must change with it.
    reg.add_plugin("lib", "2.0.0")
    reg.commit()
    outcome = build(reg)
    assert outcome.written == 2  # lib and app; other is untouched
    app = plugin_file(reg, "app")
    assert app["versions"][0]["requirements"]["unmet"] == []
    assert app["install"]["status"] == "installable"
    assert app["install"]["plan"] == [{"name": "lib", "version": "2.0.0"},
                                      {"name": "app", "version": "1.0.0"}]
    assert entry(reg, "app")["install"]["plugins"] == 2


def test_a_yank_two_levels_down_reaches_the_top(git_registry: GitRegistry) -> None:
    reg = git_registry
    reg.add_plugin("base", "1.0.0")
    reg.add_plugin("mid", "1.0.0", manifest("mid", "1.0.0", requires(base="==1.0.0")))
    reg.add_plugin("top", "1.0.0", manifest("top", "1.0.0", requires(mid="")))
    reg.commit()
    build(reg)
    assert plugin_file(reg, "top")["install"]["status"] == "installable"
    path = reg.root / "submissions/base/1.0.0.yaml"
    path.write_text(path.read_text() + "yanked: broken build\n")
    reg.commit()
    build(reg)
    # An exact pin may still select a yanked release (PEP 592): installable, and said so.
    mid = plugin_file(reg, "mid")
    assert [u["reason"] for u in mid["versions"][0]["requirements"]["unmet"]] == ["yanked"] * 6
    assert mid["install"]["status"] == "installable"
    path = reg.root / "submissions/mid/1.0.0.yaml"
    path.write_text(path.read_text().replace('"==1.0.0"', '">=1.0.0"'))
    reg.commit()
    build(reg)
    assert plugin_file(reg, "top")["install"]["status"] == "not-installable"
    assert plugin_file(reg, "mid")["install"]["status"] == "not-installable"


def test_latest_version_resolves_on_the_newest_host_it_supports(
        git_registry: GitRegistry) -> None:
    reg = git_registry
    reg.add_plugin("old", "1.0.0", manifest("old", "1.0.0").replace('">=1.0"', '"<2"'))
    reg.add_plugin("gone", "1.0.0", manifest("gone", "1.0.0").replace('">=1.0"', '">=9"'))
    reg.commit()
    build(reg)
    assert entry(reg, "old")["install"]["host"] == "1.3.0"
    assert plugin_file(reg, "old")["versions"][0]["requirements"]["hosts"] == [
        "1.0.0", "1.1.0", "1.2.0", "1.3.0"]
    gone = plugin_file(reg, "gone")["install"]
    assert (gone["host"], gone["status"]) == (None, "not-installable")


def test_a_resolution_over_budget_is_recorded_as_undecided(git_registry: GitRegistry) -> None:
    reg = git_registry
    settings = reg.root / "registry.yaml"
    settings.write_text(settings.read_text().replace(
        "  package_requirements: 100", "  package_requirements: 100\n"
        "  resolution_seconds: 0.000001"))
    # b takes lib 2.0.0 before a asks for lib <2: the newest plan fails and a search is
    # needed, which has no time.
    reg.add_plugin("app", "1.0.0", manifest("app", "1.0.0", requires(a="", b="")))
    reg.add_plugin("a", "1.0.0", manifest("a", "1.0.0", requires(lib="<2")))
    reg.add_plugin("b", "1.0.0", manifest("b", "1.0.0", requires(lib="")))
    reg.add_plugin("lib", "1.0.0")
    reg.add_plugin("lib", "2.0.0")
    reg.commit()
    build(reg)
    app = plugin_file(reg, "app")["install"]
    assert app["status"] == "undecided"
    assert "time budget" in app["reason"]
    assert entry(reg, "b")["install"]["status"] == "installable"
