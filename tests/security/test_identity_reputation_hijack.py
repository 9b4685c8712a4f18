"""Issue 17, point 4: reputation could be taken over. A newcomer's manifest listed her own
login with the top contributor's commit email, and ``plugindex reputation`` then credited
every commit of that email to the newcomer's login (points, level, badges on the site).

An email given in a manifest now links to a login only when the commit that introduced the
(login, email) pair was authored by that email (as .mailmap tells), the first such link wins,
and a noreply address is never linked: the victim keeps her points, the attacker has only her
own. A person who links her own email in a manifest she commits with it is still credited.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from plugindex.cli import main
from tests.conftest import VALID_MANIFEST, GitRegistry

VICTIM = ("Vera Victim", "vera@example.org")
ATTACKER = ("Mallory", "4242+mallory@users.noreply.github.com")  # a squash-merged PR's author


def commit(reg: GitRegistry, author: tuple[str, str], message: str,
           files: dict[str, str]) -> None:
    for rel, text in files.items():
        reg.write(rel, text)
    reg.commit(message, GIT_AUTHOR_NAME=author[0], GIT_AUTHOR_EMAIL=author[1])


def manifest(name: str, version: str, login: str, email: str | None) -> dict[str, str]:
    entry = f"  - github: {login}\n" + (f"    email: {email}\n" if email else "")
    text = VALID_MANIFEST.format(name=name, version=version).replace(
        "  - github: alice\n", entry)
    return {f"submissions/{name}/{version}.yaml": text}


def leaderboard(reg: GitRegistry, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["reputation", "--format", "json", "--root", str(reg.root)]) == 0
    return {row["id"]: row for row in json.loads(capsys.readouterr().out)}


def victim_on_top(reg: GitRegistry, lists_email: bool) -> None:
    """Vera publishes three plugins and a release from her plain email: 320 points."""
    email = VICTIM[1] if lists_email else None
    for name in ("orchard", "pantry", "quarry"):
        commit(reg, VICTIM, f"Add {name}", manifest(name, "1.0.0", "vera", email))
    commit(reg, VICTIM, "orchard 1.1", manifest("orchard", "1.1.0", "vera", email))


@pytest.mark.parametrize(("lists_email", "trailer"), [
    (False, ""),  # Vera's email was never linked to a login: the attacker tries first
    (True, ""),  # Vera's email is linked to 'vera': the attacker's plugin sorts first
    (False, "\n\nCo-authored-by: Vera Victim <vera@example.org>"),  # a forged co-author
], ids=["unlinked", "linked", "forged-co-author"])
def test_a_manifest_cannot_take_over_another_persons_commits(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str], lists_email: bool,
        trailer: str) -> None:
    reg = git_registry
    victim_on_top(reg, lists_email)
    before = leaderboard(reg, capsys)
    victim = "vera" if lists_email else "email:vera@example.org"
    assert before[victim]["points"] == 320
    commit(reg, ATTACKER, f"Add aardvark (#7){trailer}",
           manifest("aardvark", "1.0.0", "mallory", VICTIM[1]))
    after = leaderboard(reg, capsys)
    # a co-author of a first publication earns plugin-coauthored points beside the
    # publisher's, but vouches for nothing
    shared = 20 if trailer else 0
    assert after[victim]["points"] == 320 + shared
    assert after[victim]["counts"] == {"plugin-published": 3, "version-released": 1,
                                       **({"plugin-coauthored": 1} if trailer else {})}
    assert after["mallory"]["points"] == 100
    assert after["mallory"]["counts"] == {"plugin-published": 1}
    assert after["mallory"]["plugins"] == ["aardvark"]


def test_a_person_who_links_her_own_email_is_credited(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    reg = git_registry
    commit(reg, VICTIM, "docs page", {"site/guide.md": "# Guide\n"})  # before any link
    commit(reg, VICTIM, "Add orchard", manifest("orchard", "1.0.0", "vera", VICTIM[1]))
    rows = leaderboard(reg, capsys)
    assert "email:vera@example.org" not in rows
    assert rows["vera"]["points"] == 150  # the earlier page lands on her login too
    assert rows["vera"]["counts"] == {"docs-contribution": 1, "plugin-published": 1}


def test_the_first_trusted_link_wins(git_registry: GitRegistry,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Vera links her email to 'vera'; a later manifest she commits herself that names
    another login for the same email (in a plugin that sorts first) does not move her commits."""
    reg = git_registry
    commit(reg, VICTIM, "Add orchard", manifest("orchard", "1.0.0", "vera", VICTIM[1]))
    commit(reg, VICTIM, "Add apiary", manifest("apiary", "1.0.0", "mallory", VICTIM[1]))
    rows = leaderboard(reg, capsys)
    assert rows["vera"]["points"] == 200
    assert "mallory" not in rows or rows["mallory"]["points"] == 0


def test_a_noreply_address_is_never_linked_to_another_login(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    reg = git_registry
    commit(reg, ATTACKER, "Add orchard", manifest("orchard", "1.0.0", "vera", ATTACKER[1]))
    rows = leaderboard(reg, capsys)
    assert rows["mallory"]["points"] == 100
    assert "vera" not in rows or rows["vera"]["points"] == 0
