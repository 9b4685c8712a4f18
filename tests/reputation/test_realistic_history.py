"""The leaderboard of a generated history shaped like a real registry's (bench/history_gen.py's
``generate_realistic``: pull requests, a release bot releasing for maintainers, a merge robot,
dependabot, an AI co-author, reviewers approving by '/lgtm', renames, sweeps, a long tail of
versions, no .mailmap), checked against the generator's truth by the benchmark's own
``check_board``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from plugindex.adapters.gitrepo import GitRepo
from plugindex.config.reputation import ReputationConfig
from plugindex.reputation.gather import LedgerStore, contributors_at
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from history_gen import generate_realistic
from reputation_bench import check_board


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, list[object], Path]:
    root = tmp_path_factory.mktemp("realistic") / "registry"
    truth = generate_realistic(root, 1500, seed=5)
    repo = GitRepo(root)
    cache = root.parent / "ledger.sqlite"
    rows = contributors_at(repo, repo.resolve("HEAD"), ReputationConfig(), cache)
    return truth, rows, cache


def test_the_board_rewards_the_right_people(board: tuple) -> None:  # type: ignore[type-arg]
    truth, rows, cache = board
    assert truth.bot_releases, "the history has releases made by the bot"
    assert len(truth.people) > 50
    store = LedgerStore(cache)
    try:
        awards = {sha: store.awards_of_commit(sha) for sha in truth.bot_releases}
    finally:
        store.close()
    assert check_board(rows, truth, awards) == []


def test_the_check_catches_a_board_that_credits_automation(board: tuple) -> None:  # type: ignore[type-arg]
    """The check can fail: the same history under rules that treat nothing as automation
    (no '[bot]', no known addresses) credits the bots."""
    truth, rows, _ = board
    top = rows[0]
    robot = truth.automation[0]
    forged = [top.__class__(**{**top.__dict__, "contacts": (*top.contacts,
                                                            (robot.name, robot.email))}),
              *rows[1:]]
    problems = check_board(forged, truth, {})
    assert any(p.startswith("automation earns") for p in problems)
    assert any("credits" in p for p in problems)  # no awards given: no release credited
