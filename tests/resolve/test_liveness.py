"""Dead releases (resolve.liveness): sound verdicts, shared between resolutions, and the
search they make decidable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml
from hypothesis import given, note, settings
from hypothesis import strategies as st
from packaging.version import Version

import plugindex.resolve.resolver as resolve_module
from plugindex.resolve.liveness import Liveness
from plugindex.resolve.resolver import Options, Want, parse_request, search
from tests.resolve.test_resolver import (
    Catalog,
    Registry,
    assert_plan_sound,
    assert_prerelease_policy,
    assert_problems_explained,
    make_options,
    make_registry,
    random_scenario,
)


@pytest.fixture
def pruned_at_once() -> Iterator[None]:
    """The search over live releases only, from its first round."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(resolve_module, "_PLAIN_ROUNDS", 0)
        yield


def dead_names(registry: Registry, host: str | None = None, order: int = 1) -> list[str]:
    liveness = Liveness(Catalog(registry))
    at = Version(host) if host else None
    return sorted(str(r) for name in sorted(registry)[::order] for r in registry[name]
                  if liveness.dead(r, at))


def layered(width: int, versions: int) -> Registry:
    """app needs a0..a{width-1}, each version of each needs mid, and every mid needs a
    version of ghost-lib that does not exist: nothing installs, but a plain search tries the
    versions of every a-plugin against each other before it can say so."""
    return make_registry({
        "app": [{"version": "1.0.0", "requires": {f"a{i}": "" for i in range(width)}}],
        **{f"a{i}": [{"version": f"1.{j}.0", "requires": {"mid": ""}} for j in range(versions)]
           for i in range(width)},
        "mid": [{"version": f"1.{j}.0", "requires": {"ghost-lib": ">=2"}}
                for j in range(versions)],
        "ghost-lib": [{"version": "1.0.0"}],
    })


def test_a_chain_ending_in_an_unmet_requirement_is_dead_all_the_way_up() -> None:
    registry = make_registry({
        "app": [{"version": "1.0.0", "requires": {"lib": ">=1"}}],
        "lib": [{"version": "1.0.0", "requires": {"driver": ">=2"}},
                {"version": "2.0.0", "requires": {"ghost": ""}}],
        "driver": [{"version": "1.0.0"}],
        "other": [{"version": "1.0.0", "requires": {"driver": ""}}],
    })
    assert dead_names(registry) == ["app 1.0.0", "lib 1.0.0", "lib 2.0.0"]


def test_verdicts_depend_on_the_host() -> None:
    registry = make_registry({
        "app": [{"version": "1.0.0", "requires": {"lib": ""}}],
        "lib": [{"version": "1.0.0", "host": ">=2"}],
    })
    assert dead_names(registry, "2.0.0") == []
    assert dead_names(registry, "1.0.0") == ["app 1.0.0"]


def test_cycles_live_or_die_together() -> None:
    registry = make_registry({
        "a": [{"version": "1.0.0", "requires": {"b": ""}}],
        "b": [{"version": "1.0.0", "requires": {"a": ""}}],
        "c": [{"version": "1.0.0", "requires": {"d": ""}}],
        "d": [{"version": "1.0.0", "requires": {"c": "", "ghost": ""}}],
    })
    assert dead_names(registry) == ["c 1.0.0", "d 1.0.0"]


def test_yanked_and_pre_releases_count_as_candidates() -> None:
    """A yanked release can be pinned, a pre-release can be allowed: neither may kill."""
    registry = make_registry({
        "app": [{"version": "1.0.0", "requires": {"lib": ">=1"}}],
        "lib": [{"version": "1.0.0", "yanked": True}, {"version": "2.0.0-rc.1"}],
    })
    assert dead_names(registry) == []


def test_explanation_follows_the_chain_to_its_cause(pruned_at_once: None) -> None:
    result = search(Catalog(layered(2, 2)), [Want("app")])
    assert_problems_explained(layered(2, 2), result)
    assert [(p.kind, p.plugin) for p in result.problems] == [("unsatisfiable", "app")]
    (why,) = (reason for _, reason in result.problems[0].available)
    assert why.startswith("needs a0")
    assert "mid 1.1.0" in why
    assert "ghost-lib >=2" in why


def test_a_search_exponential_without_pruning_is_decided() -> None:
    registry = layered(4, 8)
    result = search(Catalog(registry), [Want("app")], Options(time_budget=5))
    assert result.undecided is None
    assert [(p.kind, p.plugin) for p in result.problems] == [("unsatisfiable", "app")]
    with pytest.MonkeyPatch.context() as patch:  # the same search, never pruned
        patch.setattr(resolve_module, "_PLAIN_ROUNDS", 10**9)
        plain = search(Catalog(registry), [Want("app")], Options(time_budget=0.5))
    assert plain.undecided is not None


def test_a_request_known_impossible_gets_a_short_plain_search() -> None:
    """When liveness already shows the request impossible, the plain search gets
    _DEAD_PLAIN_ROUNDS rounds, not _PLAIN_ROUNDS: the same verdict, for less work; a short
    chain is still explained by its deepest cause (a missing plugin)."""
    registry = layered(4, 8)
    asked: list[str] = []
    real = resolve_module._Provider.find_matches

    def counted(self: object, identifier: str, **kwargs: object) -> object:
        asked.append(identifier)
        return real(self, identifier=identifier, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(resolve_module._Provider, "find_matches", counted)
        short = search(Catalog(registry), [Want("app")], Options(time_budget=5))
        short_work = len(asked)
        asked.clear()
        patch.setattr(resolve_module, "_DEAD_PLAIN_ROUNDS", resolve_module._PLAIN_ROUNDS)
        full = search(Catalog(registry), [Want("app")], Options(time_budget=5))
    assert [(p.kind, p.plugin) for p in short.problems] == [
        (p.kind, p.plugin) for p in full.problems] == [("unsatisfiable", "app")]
    assert short_work * 2 < len(asked)
    chain = make_registry({"app": [{"version": "1.0.0", "requires": {"lib": ""}}],
                           "lib": [{"version": "1.0.0", "requires": {"ghost": ">=1"}}]})
    result = search(Catalog(chain), [Want("app")], Options(time_budget=5))
    assert [(p.kind, p.plugin) for p in result.problems] == [("missing", "ghost")]


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.binary(max_size=300))
def test_verdicts_do_not_depend_on_the_order_plugins_are_asked_about(data: bytes) -> None:
    scenario = random_scenario(data)
    note(yaml.safe_dump(scenario, sort_keys=False))
    registry = make_registry(scenario["registry"])
    host = scenario["host"]
    assert dead_names(registry, host) == dead_names(registry, host, order=-1)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.binary(max_size=300))
def test_pruning_finds_the_same_answers(data: bytes) -> None:
    """Over live releases only, the search finds a plan exactly when the plain search does,
    and no release of a plan is dead."""
    scenario = random_scenario(data)
    note(yaml.safe_dump(scenario, sort_keys=False))
    registry = make_registry(scenario["registry"])
    request = [parse_request(text) for text in scenario["request"]]
    options = make_options(scenario["host"], scenario["pre"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(resolve_module, "_PLAIN_ROUNDS", 10**9)
        plain = search(Catalog(registry), request, options)
        patch.setattr(resolve_module, "_PLAIN_ROUNDS", 0)
        liveness = Liveness(Catalog(registry))
        pruned = search(Catalog(registry), request, options, liveness)
    assert pruned.ok == plain.ok, (pruned.as_json(), plain.as_json())
    if pruned.ok:
        assert_plan_sound(registry, request, options, pruned)
        assert_prerelease_policy(request, options, registry, pruned)
        assert not [r for r in pruned.chosen if liveness.dead(r, options.host)]
    else:
        assert_problems_explained(registry, pruned)
