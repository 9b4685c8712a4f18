"""The leaderboard of a generated history shaped like a real registry's (bench/history_gen.py's
``generate_realistic``: pull requests, a release bot releasing for maintainers and helpers, a
merge robot, dependabot, an AI co-author, reviewers approving by '/lgtm', co-authors of first
publications, renames, sweeps, a long tail of versions, no .mailmap), checked against the
generator's truth by the benchmark's own ``check_board``; and the same history under rules
without each new one fails that check."""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from plugindex.adapters.gitrepo import GitRepo
from plugindex.config.reputation import ReputationConfig
from plugindex.reputation import gather, ledger
from plugindex.reputation.gather import LedgerStore, contributors_at
from plugindex.reputation.ledger import Award, Contributor
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from history_gen import RealHistory, generate_realistic
from reputation_bench import check_board


@dataclass(frozen=True)
class Board:
    root: Path
    truth: RealHistory
    rows: list[Contributor]
    cache: Path


def awards_of(cache: Path, truth: RealHistory) -> dict[str, list[Award]]:
    store = LedgerStore(cache)
    try:
        return {sha: store.awards_of_commit(sha)
                for sha in [*truth.bot_releases, *truth.coauthored]}
    finally:
        store.close()


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Board:
    root = tmp_path_factory.mktemp("realistic") / "registry"
    truth = generate_realistic(root, 1500, seed=5)
    repo = GitRepo(root)
    cache = root.parent / "ledger.sqlite"
    rows = contributors_at(repo, repo.resolve("HEAD"), ReputationConfig(), cache)
    return Board(root, truth, rows, cache)


def test_the_board_rewards_the_right_people(board: Board) -> None:
    truth = board.truth
    assert len(truth.people) > 50
    assert truth.bot_releases, "the history has releases made by the bot"
    assert truth.coauthored, "the history has co-authored first publications"
    assert truth.reviews, "the history has approvals"
    assert check_board(board.rows, truth, awards_of(board.cache, truth)) == []


@pytest.mark.parametrize("broken", ["no pull request authors", "no review commands",
                                    "co-authors share the publication"])
def test_the_check_fails_without_each_rule(board: Board, broken: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    config = ReputationConfig()
    if broken == "no pull request authors":  # bot commits fall to the maintainers
        real_gather = gather.gather
        monkeypatch.setattr(gather, "gather", lambda repo, head, since, authors=None: (
            real_gather(repo, head, since, {})))
    elif broken == "no review commands":
        config = replace(config, review_commands=())
    else:  # the old rule: publishers and co-authors split the publication
        real_people = ledger._people

        def together(*args: object) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
            principals, coauthors = real_people(*args)  # type: ignore[arg-type]
            return sorted({*principals, *coauthors}), []

        monkeypatch.setattr(ledger, "_people", together)
    repo = GitRepo(board.root)
    cache = tmp_path / "ledger.sqlite"
    rows = contributors_at(repo, repo.resolve("HEAD"), config, cache)
    assert check_board(rows, board.truth, awards_of(cache, board.truth)) != []


def test_the_check_catches_automation_on_the_board(board: Board) -> None:
    """A row that holds a bot's identity, and releases credited to nobody, are reported."""
    top = board.rows[0]
    robot = board.truth.automation[0]
    forged = [replace(top, contacts=(*top.contacts, (robot.name, robot.email))),
              *board.rows[1:]]
    problems = check_board(forged, board.truth, {})
    assert any(p.startswith("automation earns") for p in problems)
    assert any("the bot's release" in p for p in problems)
