"""The anti-shrink guard (PI090): a publication that drops many plugins at once is refused."""

from __future__ import annotations

import shutil

import pytest

from plugindex.build.guard import Counts, counts_of, shrink_problems
from plugindex.cli import main
from tests.conftest import GitRegistry


def build(reg: GitRegistry, *args: str) -> int:
    return main(["build", "--root", str(reg.root), *args])


@pytest.fixture
def published(git_registry: GitRegistry) -> GitRegistry:
    """Twenty plugins, their index built and committed (the last publication)."""
    for i in range(20):
        git_registry.add_plugin(f"plugin-{i:02}", "1.0.0")
    git_registry.commit("twenty plugins")
    assert build(git_registry) == 0
    git_registry.commit("Index: published")
    return git_registry


def rules(capsys: pytest.CaptureFixture[str]) -> list[str]:
    out = capsys.readouterr().out
    return [line.rsplit("[", 1)[1].split("]")[0] for line in out.splitlines() if "[PI" in line]


def test_a_tenth_of_the_plugins_gone_is_refused_and_nothing_written(
        published: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    before = published.index_bytes()
    shutil.rmtree(published.root / "submissions" / "plugin-00")
    shutil.rmtree(published.root / "submissions" / "plugin-01")
    published.commit("two of twenty plugins removed")
    capsys.readouterr()
    assert build(published) == 1
    assert rules(capsys) == ["PI090", "PI090"]  # plugins and versions
    assert published.index_bytes() == before
    # an admin's intended removal
    assert build(published, "--allow-shrink") == 0
    assert "plugins/plugin-00.json" not in published.index_bytes()


def test_one_plugin_in_twenty_may_go(published: GitRegistry) -> None:
    shutil.rmtree(published.root / "submissions" / "plugin-00")
    published.commit("one of twenty plugins removed")
    assert build(published) == 0


def test_a_check_and_a_first_publication_are_not_guarded(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    git_registry.add_plugin("alpha", "1.0.0")
    git_registry.commit("alpha")
    assert build(git_registry) == 0  # nothing published before: nothing to compare with
    git_registry.commit("Index: published")
    shutil.rmtree(git_registry.root / "submissions" / "alpha")
    git_registry.add_plugin("beta", "1.0.0")
    git_registry.commit("alpha replaced")
    capsys.readouterr()
    assert build(git_registry, "--check") == 1  # stale, not refused: a check writes nothing
    assert rules(capsys) == []
    assert build(git_registry, "--check", "--allow-shrink") == 1


@pytest.mark.parametrize(("before", "after", "share", "refused"), [
    (Counts(100, 400), Counts(95, 380), 0.05, []),
    (Counts(100, 400), Counts(94, 400), 0.05, ["/counts/plugins"]),
    (Counts(100, 400), Counts(100, 379), 0.05, ["/counts/versions"]),
    (Counts(10, 10), Counts(10, 10), 0.0, []),
    (Counts(10, 10), Counts(9, 9), 0.0, ["/counts/plugins", "/counts/versions"]),
    (Counts(3, 3), Counts(0, 0), 1.0, []),
])
def test_the_share_is_counted_on_the_last_publication(
        before: Counts, after: Counts, share: float, refused: list[str]) -> None:
    assert [d.pointer for d in shrink_problems(before, after, share)] == refused


@pytest.mark.parametrize("data", [None, b"", b"{", b"[]", b'{"counts": {"plugins": -1, '
                                  b'"versions": 2}}', b'{"counts": {"plugins": "9"}}'])
def test_an_unreadable_last_index_has_no_counts(data: bytes | None) -> None:
    assert counts_of(data) is None
