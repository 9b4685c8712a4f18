"""The per-version requirement check, the full resolution of latest versions, and the
dependency-cone keys that decide what a rebuild must compute again."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from plugindex.resolve.installability import (
    HOST,
    MISSING,
    NO_MATCH,
    YANKED,
    RequirementChecker,
    cone_keys,
    install_latest,
    latest_release,
)
from plugindex.resolve.releases import TextCatalog, release_text
from tests.resolve.test_resolver import low_recursion_limit

HOSTS = ("1.0.0", "1.5.0", "2.0.0")


def text(version: str, requires: Mapping[str, str] | None = None,
         conflicts: Mapping[str, str] | None = None, host: str = "", yanked: bool = False,
         deprecated: bool = False) -> str:
    data: dict[str, Any] = {"version": version, "host": host}
    if requires:
        data["requires"] = {"plugins": dict(requires)}
    if conflicts:
        data["conflicts"] = dict(conflicts)
    if yanked:
        data["yanked"] = "broken"
    if deprecated:
        data["deprecated"] = {"reason": "old"}
    return release_text(data)


def check(texts: Mapping[str, list[str]], name: str, version: str) -> Any:
    catalog = TextCatalog(texts)
    checker = RequirementChecker(catalog, HOSTS)
    release = next(r for r in catalog(name) or [] if r.shown == version)
    return checker.check(release)


@pytest.mark.parametrize(("dep", "reason"), [
    (None, MISSING),
    ([text("1.0.0")], NO_MATCH),
    ([text("1.0.0"), text("2.0.0", yanked=True)], YANKED),
    ([text("2.0.0", host="<1.5")], HOST),
])
def test_each_reason_a_requirement_is_not_met(dep: list[str] | None, reason: str) -> None:
    texts = {"app": [text("1.0.0", {"lib": ">=2"}, host=">=1.5")]}
    if dep is not None:
        texts["lib"] = dep
    result = check(texts, "app", "1.0.0")
    assert result.hosts == ("1.5.0", "2.0.0")
    assert result.met_on == ()
    assert {(u.plugin, u.host, u.reason) for u in result.unmet} == {
        ("lib", "1.5.0", reason), ("lib", "2.0.0", reason)}


def test_a_requirement_met_on_some_hosts_only() -> None:
    texts = {"app": [text("1.0.0", {"lib": ""})],
             "lib": [text("1.0.0", host="<2"), text("2.0.0", host=">=2", yanked=True)]}
    result = check(texts, "app", "1.0.0")
    assert result.hosts == HOSTS
    assert result.met_on == ("1.0.0", "1.5.0")
    assert [(u.host, u.reason) for u in result.unmet] == [("2.0.0", HOST)]


def test_met_only_by_deprecated_versions() -> None:
    texts = {"app": [text("1.0.0", {"lib": ">=1", "ok": ""})],
             "lib": [text("1.0.0", deprecated=True), text("0.9.0")],
             "ok": [text("1.0.0")]}
    result = check(texts, "app", "1.0.0")
    assert result.met_on == HOSTS
    assert result.deprecated_only == ("lib",)
    assert result.unmet == ()


def test_pre_release_in_range_counts_and_conflicts_are_not_requirements() -> None:
    texts = {"app": [text("1.0.0", {"lib": ">=1"}, conflicts={"ghost": ""})],
             "lib": [text("2.0.0-beta.1")]}
    assert check(texts, "app", "1.0.0").met_on == HOSTS


def test_a_version_outside_every_host_is_checked_on_no_host() -> None:
    texts = {"app": [text("1.0.0", {"ghost": ""}, host=">=9")]}
    result = check(texts, "app", "1.0.0")
    assert (result.hosts, result.met_on, result.unmet) == ((), (), ())


def test_latest_release_follows_the_index_rule() -> None:
    catalog = TextCatalog({"p": [text("1.0.0"), text("2.0.0", yanked=True),
                                 text("1.5.0-rc.1")]})
    assert latest_release(catalog("p") or []).shown == "1.0.0"
    only_pre = TextCatalog({"p": [text("1.0.0-rc.1"), text("1.0.0-rc.2", yanked=True)]})
    assert latest_release(only_pre("p") or []).shown == "1.0.0-rc.1"
    all_yanked = TextCatalog({"p": [text("1.0.0", yanked=True), text("2.0.0", yanked=True)]})
    assert latest_release(all_yanked("p") or []).shown == "2.0.0"


def test_install_latest_on_the_newest_supported_host() -> None:
    texts = {"app": [text("1.0.0", {"lib": ""}), text("2.0.0", {"lib": ">=2"}, host="<2")],
             "lib": [text("1.0.0"), text("2.0.0", host="<1.5"), text("3.0.0", host=">=2")]}
    result = install_latest("app", TextCatalog(texts), HOSTS, 5)
    assert (result.version, result.host, result.status) == ("2.0.0", "1.5.0", "not-installable")
    assert [p["kind"] for p in result.problems] == ["unsatisfiable"]
    texts["lib"].append(text("2.5.0", host="<2"))
    result = install_latest("app", TextCatalog(texts), HOSTS, 5)
    assert result.status == "installable"
    assert result.plan == (("lib", "2.5.0"), ("app", "2.0.0"))
    assert result.edges == (("app", "lib"),)
    assert result.as_json() == type(result).from_json(json.loads(json.dumps(
        result.as_json()))).as_json()


def test_install_latest_pins_a_yanked_latest_when_all_are_yanked() -> None:
    texts = {"app": [text("1.0.0", yanked=True)]}
    result = install_latest("app", TextCatalog(texts), HOSTS, 5)
    assert (result.status, result.plan) == ("installable", (("app", "1.0.0"),))


def test_install_latest_without_a_supported_host() -> None:
    result = install_latest("app", TextCatalog({"app": [text("1.0.0", host=">=9")]}), HOSTS, 5)
    assert (result.host, result.status, result.plan) == (None, "not-installable", ())
    assert result.reason


def test_install_latest_out_of_time_is_undecided() -> None:
    # The newest plan fails (b takes lib 2.0.0 before a asks for lib <2), so the search runs,
    # and it has no time at all.
    texts = {"app": [text("1.0.0", {"a": "", "b": ""})],
             "a": [text("1.0.0", {"lib": "<2"})],
             "b": [text("1.0.0", {"lib": ""})],
             "lib": [text("1.0.0"), text("2.0.0")]}
    assert install_latest("app", TextCatalog(texts), HOSTS, 5).status == "installable"
    result = install_latest("app", TextCatalog(texts), HOSTS, 1e-9)
    assert result.status == "undecided"
    assert result.reason is not None
    assert "time budget" in result.reason


# -- cone keys ----------------------------------------------------------------------------------


def registry_texts() -> dict[str, list[str]]:
    return {
        "app": [text("1.0.0", {"lib": ""}, conflicts={"other": "<2"})],
        "lib": [text("1.0.0", {"base": ""})],
        "base": [text("1.0.0")],
        "other": [text("1.0.0")],
        "alone": [text("1.0.0", {"ghost": ""})],
        "loop-a": [text("1.0.0", {"loop-b": ""})],
        "loop-b": [text("1.0.0", {"loop-a": "", "base": ""})],
    }


def changed_keys(before: Mapping[str, str], after: Mapping[str, str]) -> set[str]:
    return {n for n in before.keys() | after.keys() if before.get(n) != after.get(n)}


def test_a_change_moves_the_keys_of_exactly_the_plugins_that_reach_it() -> None:
    texts = registry_texts()
    before = cone_keys(texts)
    texts["base"] = [*texts["base"], text("2.0.0")]
    assert changed_keys(before, cone_keys(texts)) == {"base", "lib", "app", "loop-a", "loop-b"}
    texts = registry_texts()
    texts["other"] = [text("1.0.0", yanked=True)]  # reached through a conflict
    assert changed_keys(before, cone_keys(texts)) == {"other", "app"}


def test_a_plugin_that_appears_moves_the_keys_of_those_that_named_it() -> None:
    texts = registry_texts()
    before = cone_keys(texts)
    texts["ghost"] = [text("1.0.0")]
    assert changed_keys(before, cone_keys(texts)) == {"ghost", "alone"}


def test_keys_do_not_depend_on_the_order_of_releases() -> None:
    texts = registry_texts()
    texts["base"] = [text("1.0.0"), text("2.0.0")]
    reordered = {n: list(reversed(t)) for n, t in reversed(list(texts.items()))}
    assert cone_keys(texts) == cone_keys(reordered)


def test_cone_keys_of_a_10000_chain_without_recursion() -> None:
    names = [f"c{i:05d}" for i in range(10_000)]
    texts = {n: [text("1.0.0", {names[i + 1]: ""} if i + 1 < len(names) else None)]
             for i, n in enumerate(names)}
    texts[names[-1]] = [text("1.0.0", {names[0]: ""})]  # and one cycle through all of it
    with low_recursion_limit():
        keys = cone_keys(texts)
    assert len(set(keys.values())) == 1
    del texts[names[-1]]
    with low_recursion_limit():
        keys = cone_keys(texts)
    assert len(set(keys.values())) == len(names) - 1
