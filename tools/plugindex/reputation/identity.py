"""Who a commit's people are: one person behind many emails, and bots.

A person is known by a GitHub login when one can be told: from a GitHub noreply address
(``12345+login@users.noreply.github.com``, or the older ``login@users...``), or from a
trusted link a manifest made: the manifest lists the email with its ``github`` login, and the
commit that introduced that pair was authored by the email itself (``reputation.logins_of``;
a manifest alone never gives anyone's email a login). Otherwise by the email address itself.
git's own ``.mailmap`` is applied before any of this (``git log``'s ``%aN``/``%aE`` for
authors, ``git check-mailmap`` for trailers), so a registry unifies addresses the way any git
project does: it is the admins' channel for every link a manifest cannot make.

Trailers: ``Co-authored-by:`` (GitHub's convention: co-authors share the credit; of a
first publication, they share plugin-coauthored points beside the publishers'),
``On-behalf-of:`` (automation names the person it acted for, who takes the bot's share) and
``Reviewed-by:`` (the reviewer earns a review), all ``Name <email>``; ``This reverts commit
<sha>.`` (what ``git revert`` writes) names the commit a revert takes back.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

_NOREPLY = re.compile(
    r"^(?:\d+\+)?([A-Za-z0-9][A-Za-z0-9-]{0,38})@users\.noreply\.github\.com$", re.IGNORECASE)
_CONTACT = re.compile(r"^\s*(.*?)\s*<([^<>\s]+)>\s*$")
_TRAILER = re.compile(r"^(co-authored-by|on-behalf-of|reviewed-by)\s*:\s*(.+)$",
                      re.IGNORECASE | re.MULTILINE)
# Automation that commits under an ordinary-looking identity (GitHub Apps already say [bot]):
# the default identity of GitHub Actions workflows, GitHub's own, and AI assistants that sign
# as co-authors. Registries add theirs with reputation.bots in registry.yaml.
AUTOMATION = frozenset({"action@github.com", "actions@github.com", "github-actions@github.com",
                        "noreply@github.com", "noreply@anthropic.com", "copilot@github.com",
                        "cursoragent@cursor.com", "bot@renovateapp.com",
                        "support@dependabot.com"})
# Well-known automation accounts whose logins do not say so, and the convention most others
# follow: a login ending in '-bot' or '-robot' (k8s-ci-robot, release-bot), a name ending in
# the word 'Bot' or 'Robot' ('Release Bot'), or an address whose local part ends in '-bot' or
# '_bot' (a local part 'bot' alone, or 'j.bot', may be a person's).
AUTOMATION_LOGINS = frozenset({"bors", "mergify", "homu", "dependabot", "dependabot-preview",
                               "renovate", "github-actions", "pre-commit-ci", "allcontributors",
                               "greenkeeper", "imgbot", "copilot"})
_ROBOT = re.compile(r"-(?:bot|robot)$")
_ROBOT_NAME = re.compile(r"(?:^|[-_ ])(?:bot|robot)$")
_ROBOT_ADDRESS = re.compile(r"[-_](?:bot|robot)$")
_PULL = re.compile(r"^(?:Merge pull request #(\d+) |.*\(#(\d+)\)\s*$)")
_REVERTS = re.compile(r"^This reverts commit ([0-9a-f]{7,40})\b", re.MULTILINE)


@dataclass(frozen=True, order=True)
class Person:
    key: str  # the login (lower case), or 'email:<address>' when no login is known
    name: str
    login: str | None


def contact(name: str, email: str) -> str:
    return f"{name} <{email}>"


def split_contact(text: str) -> tuple[str, str] | None:
    m = _CONTACT.match(text)
    return (m.group(1), m.group(2)) if m else None


def login_of(email: str) -> str | None:
    m = _NOREPLY.match(email.strip())
    return m.group(1) if m else None


def is_bot(name: str, email: str, bots: Collection[str] = ()) -> bool:
    """GitHub Apps commit as 'name[bot]'; known automation addresses and accounts; logins
    ending in '-bot' or '-robot', names ending in the word 'Bot' or 'Robot', address local
    parts ending in '-bot' or '_bot'. ``bots`` lists other automation (logins, names or
    emails, e.g. the publish workflow's identity), and with a leading '!' the people these
    rules would take for automation (a Mr Bot)."""
    lowered = {b.lower() for b in bots}
    login = (login_of(email) or "").lower()
    local = email.lower().rpartition("@")[0]
    ids = {name.lower(), email.lower(), login} - {""}
    if ids & {b[1:] for b in lowered if b.startswith("!")}:
        return False
    return (name.endswith("[bot]") or "[bot]" in email or email.lower() in AUTOMATION
            or login in AUTOMATION_LOGINS
            or bool(_ROBOT_NAME.search(name.lower().strip()) or _ROBOT.search(login))
            or bool(_ROBOT_ADDRESS.search(local))
            or bool(ids & lowered))


def same_person_key(name: str, email: str) -> str:
    """Who a (name, email) is at the least: the login of a noreply address (both forms of one
    login are one person), else the address in lower case (one address under two names is
    one person). Shares of one change are split per key, so nobody gets two."""
    login = login_of(email)
    return f"login:{login.lower()}" if login else email.strip().lower()


def person(name: str, email: str, logins: Mapping[str, str]) -> Person:
    """The person behind an author (``logins``: email, lower case -> GitHub login, from the
    trusted links of manifests). A noreply address always names its own login."""
    login = login_of(email) or logins.get(email.lower())
    if login:
        return Person(login.lower(), name or login, login)
    return Person(f"email:{email.lower()}", name or email, None)


def trailers(message: str, kind: str) -> list[tuple[str, str]]:
    """The ``Name <email>`` of each trailer of a kind ('co-authored-by', 'reviewed-by')."""
    if ":" not in message:
        return []
    out = []
    for m in _TRAILER.finditer(message):
        if m.group(1).lower() == kind:
            found = split_contact(m.group(2))
            if found:
                out.append(found)
    return out


def reverted(message: str) -> str | None:
    m = _REVERTS.search(message)
    return m.group(1) if m else None


def pull_request(message: str) -> int | None:
    """The pull request a commit of main came from, as GitHub writes its subject: a merge
    ('Merge pull request #12 from ...') or a squash ('Title (#12)')."""
    m = _PULL.match(message.split("\n", 1)[0])
    if not m:
        return None
    return int(m.group(1) or m.group(2))
