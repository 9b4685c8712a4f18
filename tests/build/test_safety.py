"""A version's safety state: the verdict with a reason that names what decides it, the yank and
the deprecation, and whether the score measured any code."""

from __future__ import annotations

import json
from typing import Any

import pytest

from plugindex.build.safety import REASON_ITEMS, safety
from plugindex.scan.judge import Judgement
from plugindex.scanners.base import Item
from tests.conftest import ROOT

INDEX = ROOT / "index" / "v1"


def item(kind: str, id_: str, level: str, where: str = "", **kw: Any) -> Item:
    return Item(kind, id_, where, level, f"message of {id_}", rule="PI000", **kw)  # type: ignore[arg-type]


def test_blocked_names_each_blocking_finding_and_not_an_overridden_one() -> None:
    items = (item("code", "B602", "block", "a.py:3"),
             item("code", "B324", "block", "b.py:1", overridden_by="admin"),
             item("code", "B113", "warn", "c.py:9"))
    state = safety(Judgement("blocked", items, {"status": "scanned"}), None, None)
    assert state["state"] == "blocked"
    assert "B602 (a.py:3)" in state["reason"]
    assert "B324" not in state["reason"]
    assert "B113" not in state["reason"]
    assert state["score_known"] is True


def test_a_long_list_is_cut_with_a_count() -> None:
    items = tuple(item("code", f"B{n}", "warn", f"f.py:{n}") for n in range(REASON_ITEMS + 2))
    reason = safety(Judgement("warnings", items, {"status": "scanned"}), None, None)["reason"]
    assert reason.endswith("and 2 more")


@pytest.mark.parametrize(("verdict", "status", "known"), [
    ("not-scanned", None, False),  # no record at all
    ("incomplete", "skipped", False),  # the source could not be fetched
    ("incomplete", "refused", False),
    ("incomplete", "scanned", True),  # scanned, but the audit was skipped
])
def test_the_score_is_known_only_when_the_source_was_scanned(
        verdict: str, status: str | None, known: bool) -> None:
    items = (item("skipped", "timeout", "warn"),)
    summary = {"status": status} if status else {"verdict": verdict}
    state = safety(Judgement(verdict, items, summary), None, None)
    assert (state["state"], state["score_known"]) == (verdict, known)
    assert state["reason"] == "message of timeout"


def test_passed_has_no_reason_and_keeps_yank_and_deprecation() -> None:
    deprecated = {"reason": "old", "replacement": "new"}
    state = safety(Judgement("passed", (), {"status": "scanned"}), "broken wheel", deprecated)
    assert state == {"state": "passed", "reason": None, "score_known": True,
                     "yanked": "broken wheel", "deprecated": deprecated}


def test_the_committed_index_carries_the_state_of_every_version() -> None:
    """The default registry: redis-cache's latest is blocked, every version of a plugin
    deprecated in its latest version is deprecated, llm-openai 1.1.0 says why it was yanked."""
    index = json.loads((INDEX / "index.json").read_bytes())
    entries = {e["name"]: e for e in index["plugins"]}
    assert entries["redis-cache"]["safety"]["state"] == "blocked"
    legacy = json.loads((INDEX / "plugins" / "mongo-motor-legacy.json").read_bytes())
    assert len(legacy["versions"]) > 1
    assert all(v["safety"]["deprecated"]["replacement"] == "mongo-odm"
               for v in legacy["versions"])
    openai = json.loads((INDEX / "plugins" / "llm-openai.json").read_bytes())
    [yanked] = [v for v in openai["versions"] if v["yanked"]]
    assert yanked["safety"]["yanked"] == yanked["yanked"]
