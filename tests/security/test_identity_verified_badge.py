"""Issue 17, point 8: a stranger got the "verified" badge by listing a verified publisher as
co-maintainer next to herself in her own manifest.

A plugin is verified now only when a verified publisher among its latest version's
maintainers vouched for it: she authored a commit of main that added or changed one of its
manifests (known by her noreply address, after .mailmap), or approved the merged pull request
that did (index/cache/reviews.json). A manifest's link of an email to her login does not count:
anyone may link her own email to someone else's login. An incremental build follows the
badge wherever it moves, as a cold build does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plugindex.adapters.gitrepo import GitRepo
from plugindex.build.builder import Builder
from tests.build.test_incremental import cold_build
from tests.conftest import VALID_MANIFEST, GitRegistry

PUBLISHER = ("Pia Publisher", "777+pia@users.noreply.github.com")
STRANGER = ("Sam Stranger", "sam@example.org")


def commit(reg: GitRegistry, author: tuple[str, str], message: str,
           files: dict[str, str] | None = None) -> None:
    for rel, text in (files or {}).items():
        reg.write(rel, text)
    reg.commit(message, GIT_AUTHOR_NAME=author[0], GIT_AUTHOR_EMAIL=author[1])


def plugin(name: str, maintainers: str) -> dict[str, str]:
    """A plugin's source and its first manifest; ``maintainers``: the YAML list's items."""
    text = VALID_MANIFEST.format(name=name, version="1.0.0").replace(
        "  - github: alice\n", maintainers)
    return {f"plugins/{name}/{name}.py": "VALUE = 1\n",
            f"submissions/{name}/1.0.0.yaml": text}


SAM_AND_PIA = "  - github: sam\n  - github: pia\n"


def verified_registry(reg: GitRegistry) -> GitRegistry:
    text = (reg.root / "registry.yaml").read_text(encoding="utf-8")
    commit(reg, ("Admin", "admin@example.org"), "pia is a verified publisher",
           {"registry.yaml": text + "\nverified_publishers: [pia]\n"})
    return reg


def badges(reg: GitRegistry) -> dict[str, Any]:
    outcome = Builder(GitRepo(reg.root)).build()
    assert outcome.ok, outcome.diagnostics
    index = json.loads(reg.index_bytes()["index.json"])
    return {p["name"]: (p["badges"]["verified"], p["badges"]["verified_maintainers"])
            for p in index["plugins"]}


def approve(reg: GitRegistry, approvals: dict[str, list[str]]) -> None:
    commit(reg, ("Admin", "admin@example.org"), "reviews", {
        "index/cache/reviews.json": json.dumps({"schema_version": 1, "pulls": approvals})})


def test_listing_a_verified_publisher_as_co_maintainer_earns_no_badge(
        git_registry: GitRegistry) -> None:
    reg = verified_registry(git_registry)
    commit(reg, STRANGER, "Add gadget (#9)", plugin("gadget", SAM_AND_PIA))
    assert badges(reg) == {"gadget": (False, [])}


def test_a_verified_publisher_who_publishes_herself_earns_it(git_registry: GitRegistry) -> None:
    reg = verified_registry(git_registry)
    commit(reg, PUBLISHER, "Add widget", plugin("widget", "  - github: pia\n"))
    commit(reg, STRANGER, "Add gadget", plugin("gadget", SAM_AND_PIA))
    assert badges(reg) == {"widget": (True, ["pia"]), "gadget": (False, [])}


def test_the_publishers_approval_of_the_strangers_pull_request_earns_it(
        git_registry: GitRegistry) -> None:
    reg = verified_registry(git_registry)
    commit(reg, STRANGER, "Add gadget (#9)", plugin("gadget", SAM_AND_PIA))
    commit(reg, STRANGER, "Add gizmo (#10)", plugin("gizmo", SAM_AND_PIA))
    approve(reg, {"9": ["pia"], "10": ["sam"], "11": ["pia"]})  # #11 never merged
    assert badges(reg) == {"gadget": (True, ["pia"]), "gizmo": (False, [])}


def test_a_stranger_cannot_link_her_own_email_to_the_publishers_login(
        git_registry: GitRegistry) -> None:
    """Sam lists her own email under pia's login and commits with it: her email now links to
    'pia' for reputation, which proves nothing about who owns the login."""
    reg = verified_registry(git_registry)
    commit(reg, STRANGER, "Add gadget", plugin(
        "gadget", "  - github: sam\n  - github: pia\n    email: sam@example.org\n"))
    commit(reg, STRANGER, "gadget: typo", {"submissions/gadget/1.0.0.yaml": (
        reg.root / "submissions/gadget/1.0.0.yaml").read_text().replace("used by", "used in")})
    assert badges(reg) == {"gadget": (False, [])}


def test_the_badge_moves_with_history_and_incremental_equals_cold(
        git_registry: GitRegistry, tmp_path: Path) -> None:
    """Approvals and a .mailmap entry change no manifest, yet move the badge: an incremental
    build re-renders that plugin's entry and agrees with a cold build byte for byte."""
    reg = verified_registry(git_registry)
    commit(reg, STRANGER, "Add gadget (#9)", plugin("gadget", SAM_AND_PIA))
    commit(reg, ("Pia Publisher", "pia@corp.example"), "Add widget",
           plugin("widget", "  - github: pia\n"))
    commit(reg, STRANGER, "Add gizmo", plugin("gizmo", SAM_AND_PIA))
    expected: dict[str, tuple[bool, list[str]]] = {
        "gadget": (False, []), "widget": (False, []), "gizmo": (False, [])}
    for change in ("approval", "mailmap", "approval withdrawn"):
        assert badges(reg) == expected, change
        _, cold = cold_build(reg, tmp_path)
        assert reg.index_bytes() == cold, change
        if change == "approval":
            approve(reg, {"9": ["pia"]})
            expected["gadget"] = (True, ["pia"])
        elif change == "mailmap":  # the admins say pia@corp.example is pia's
            commit(reg, ("Admin", "admin@example.org"), "mailmap", {
                ".mailmap": "Pia Publisher <777+pia@users.noreply.github.com> "
                            "<pia@corp.example>\n"})
            expected["widget"] = (True, ["pia"])
        else:
            approve(reg, {"9": []})
            expected["gadget"] = (False, [])
    assert badges(reg) == expected
    _, cold = cold_build(reg, tmp_path)
    assert reg.index_bytes() == cold
