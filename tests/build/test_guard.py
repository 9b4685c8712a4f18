"""The anti-shrink guard (PI090): a publication that drops many plugins at once is refused."""

from __future__ import annotations

import shutil

import pytest

from plugindex.build.guard import Unreadable, counts_of, shrink_problems
from plugindex.cli import main
from tests.conftest import GitRegistry


def build(reg: GitRegistry, *args: str) -> int:
    return main(["build", "--root", str(reg.root), *args])


def rules(capsys: pytest.CaptureFixture[str]) -> list[str]:
    out = capsys.readouterr().out
    return [line.rsplit("[", 1)[1].split("]")[0] for line in out.splitlines() if "[PI" in line]


def publish(reg: GitRegistry, plugins: int, versions: int = 1) -> GitRegistry:
    """``plugins`` plugins of ``versions`` versions, their index built and committed."""
    for i in range(plugins):
        for v in range(versions):
            reg.add_plugin(f"plugin-{i:02}", f"1.{v}.0")
    reg.commit(f"{plugins} plugins")
    assert build(reg) == 0
    reg.commit("Index: published")
    return reg


def test_a_tenth_of_the_plugins_gone_is_refused_and_nothing_written(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    published = publish(git_registry, 20)
    before = published.index_bytes()
    shutil.rmtree(published.root / "submissions" / "plugin-00")
    shutil.rmtree(published.root / "submissions" / "plugin-01")
    published.commit("two of twenty plugins removed")
    capsys.readouterr()
    assert build(published) == 1
    assert rules(capsys) == ["PI090"]
    assert published.index_bytes() == before
    assert build(published, "--allow-shrink") == 0  # an admin's intended removal
    assert "plugins/plugin-00.json" not in published.index_bytes()


def test_one_plugin_may_always_go_with_all_its_versions(git_registry: GitRegistry) -> None:
    """In a small registry too (one plugin of five is 20%), however many versions it had."""
    published = publish(git_registry, 5, versions=3)
    shutil.rmtree(published.root / "submissions" / "plugin-00")
    published.commit("one plugin of five removed")
    assert build(published) == 0


def test_versions_gone_from_plugins_that_stay_are_counted(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    published = publish(git_registry, 4, versions=5)  # 20 versions: one may go
    for i in range(2):
        (published.root / "submissions" / f"plugin-{i:02}" / "1.4.0.yaml").unlink()
    published.commit("two versions removed")
    capsys.readouterr()
    assert build(published) == 1
    assert rules(capsys) == ["PI090"]


def test_an_unreadable_last_index_is_refused(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    """What a bad merge leaves (conflict markers) is not a first publication."""
    published = publish(git_registry, 3)
    index = published.root / "index" / "v1" / "index.json"
    index.write_text("<<<<<<< HEAD\n" + index.read_text())
    published.commit("a bad merge")
    capsys.readouterr()
    assert build(published) == 1
    assert rules(capsys) == ["PI090"]
    assert build(published, "--allow-shrink") == 0


def test_a_check_and_a_first_publication_are_not_guarded(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("alpha", "beta", "gamma"):
        git_registry.add_plugin(name, "1.0.0")
    git_registry.commit("three plugins")
    assert build(git_registry) == 0  # nothing published before: nothing to compare with
    git_registry.commit("Index: published")
    shutil.rmtree(git_registry.root / "submissions" / "alpha")
    shutil.rmtree(git_registry.root / "submissions" / "beta")
    git_registry.commit("two of three removed")
    capsys.readouterr()
    assert build(git_registry, "--check") == 1  # stale, not refused: a check writes nothing
    assert rules(capsys) == []
    assert build(git_registry) == 1  # the publication itself is refused
    assert rules(capsys) == ["PI090"]


@pytest.mark.parametrize(("after", "refused"), [
    ({f"p{i}": 4 for i in range(95)}, []),  # 5 of 100 plugins
    ({f"p{i}": 4 for i in range(94)}, ["/counts/plugins"]),
    ({**{f"p{i}": 4 for i in range(100)}, "p0": 0, "p1": 0, "p2": 0, "p3": 0, "p4": 0,
      "p5": 0}, ["/counts/versions"]),  # 24 of 400 versions from plugins that stay
    ({**{f"p{i}": 4 for i in range(100)}, "p0": 0, "p1": 0, "p2": 0, "p3": 0, "p4": 0},
     []),  # 20 of 400
])
def test_the_share_is_counted_on_the_last_publication(after: dict[str, int],
                                                      refused: list[str]) -> None:
    before = {f"p{i}": 4 for i in range(100)}
    assert [d.pointer for d in shrink_problems(before, after, 0.05)] == refused


def test_a_missing_last_index_has_nothing_to_compare() -> None:
    assert counts_of(None) is None


@pytest.mark.parametrize("data", [b"", b"{", b"[]", b'{"plugins": 3}',
                                  b'{"plugins": [{"name": 1, "versions": []}]}'])
def test_an_unreadable_last_index_is_told(data: bytes) -> None:
    with pytest.raises(Unreadable):
        counts_of(data)
