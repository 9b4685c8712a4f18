"""Contributor reputation from what merged into main: points, levels and badges.

Each first-parent commit of main is one change, classified by what it changed against its
first parent:

- ``submissions/<plugin>/<version>.yaml`` added: *plugin-published* (the plugin's first
  version) or *version-released*; modified: *lifecycle* (``yanked`` or ``deprecated`` set or
  cleared) or *metadata-fix*;
- documentation (``site/``, ``docs/``, README, CONTRIBUTING), by the lines it changed:
  *docs-contribution* (a new page, or ``docs.contribution`` lines or more), *docs-major*
  (``docs.major`` lines or more), else *docs-typo*;
- *tooling* (``tools/``, ``schemas/``, ``tests/``, ``bench/``, ``.github/``);
- ``registry.yaml`` listing a plugin under ``featured`` (*plugin-featured*, for the plugin's
  maintainers) or a login under ``verified_publishers`` (*verified*, for that login).

A change's points are shared by the people behind it: its author and ``Co-authored-by:``
co-authors; for a merge commit, the authors (and co-authors) of the commits it merged, never
whoever pressed merge; one share per person (``same_person_key``). A first publication is
the exception: its publishers keep it whole, and its other co-authors share
*plugin-coauthored* points beside it. ``Reviewed-by:`` trailers
earn each reviewer a *review*, and so do the approvals of merged pull requests, by review or
by comment command (``approvers``, cached from GitHub). Bots earn nothing and take no share:
a change made by automation goes to the person it acted for (an ``On-behalf-of:`` or
``Co-authored-by:`` trailer, else its pull request's author, else the plugin's maintainers).
A revert (``This reverts commit <sha>.``) takes back every point of the commit it
reverts (and a revert of that revert gives them back).

Everything here is pure: ``gather`` (in ``reputation.gather``) reads git, ``advance`` folds new
commits into a ``Ledger``, ``summarize`` turns a ledger into the contributors' table.
Identities are resolved at the end (``identity.person``), with the logins that manifests give
for their maintainers' emails, so an award made before a manifest named its author's login
still lands on that login. A manifest is the author's word, not a fact, so only a trusted link
counts: the commit that introduced the (login, email) pair into the plugin's manifests was
authored by that very email (its owner vouched for it), as the current ``.mailmap`` tells. The
first trusted link of an email in history order wins, and a GitHub noreply address (already a
login) is never linked; anything else is for ``.mailmap``, the registry admins' channel.
``vouchers`` tells, per plugin, which logins stand behind its manifests (the authors of the
commits that wrote them, known by a noreply address after ``.mailmap``, and the approvers of
their pull requests): the verified badge needs one of them to be the verified publisher.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from plugindex.adapters.gitlog import GraphCommit, LogCommit
from plugindex.config.reputation import ReputationConfig
from plugindex.layout import INDEX_FORMAT, split_manifest_path
from plugindex.manifests.history import iso
from plugindex.reputation.identity import (
    Person,
    is_bot,
    login_of,
    person,
    pull_request,
    reverted,
    same_person_key,
    trailers,
)

NOREPLY = "users.noreply.github.com"
DAY = 86_400
DOCS_PREFIXES = ("site/", "docs/")
DOCS_FILES = ("README", "CONTRIBUTING")
BULK_FIXES = 3  # metadata fixes one commit earns, however many manifests it touches
TOOLING_PREFIXES = ("tools/", "schemas/", "tests/", "bench/", ".github/")


# -- facts gathered from git (see reputation.gather) -------------------------------------------

@dataclass(frozen=True)
class ManifestFacts:
    yanked: bool
    deprecated: bool
    maintainers: tuple[tuple[str, str], ...]  # (login, email)
    replacement: str = ""  # the deprecation's replacement: the plugin's new name, if renamed


@dataclass(frozen=True)
class RegistryFacts:
    featured: frozenset[str]
    verified: frozenset[str]


@dataclass(frozen=True)
class History:
    """What ``advance`` reads: new first-parent commits, the graph of the commits they merged,
    the manifests and registry.yaml versions they wrote (by blob id), and .mailmap's
    rewriting of the contacts in trailers."""

    commits: tuple[LogCommit, ...]
    graph: Mapping[str, GraphCommit]
    manifests: Mapping[str, ManifestFacts]
    registries: Mapping[str, RegistryFacts]
    mailmap: Mapping[str, str]
    pull_authors: Mapping[int, str] = field(default_factory=dict)  # cached from GitHub


class PullReview(NamedTuple):
    """What GitHub says of a merged pull request (cached in the repository: ``REVIEWS_FILE``)."""

    # the login that opened it (None: cached before authors were; "": no such pull request)
    author: str | None
    # (login, author_association) of each reviewer whose latest review approves it, the
    # author excepted (the association "" when cached before associations were)
    approved: tuple[tuple[str, str], ...]
    # (login, command line, the commenter's author_association) of its comments, in order
    commands: tuple[tuple[str, str, str], ...] = ()


# Whose approvals earn reviews: the repository's owners, its organisation's members and its
# collaborators (GitHub's author_association), as Prow's /lgtm; anyone may comment, and
# anyone may submit an approving review.
COMMANDERS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})


def approvers(review: PullReview, commands: Collection[str]) -> tuple[str, ...]:
    """Who approved a pull request, for reviews' points: each maintainer (``COMMANDERS``; an
    approval cached without its association counts, as it did) whose latest review approves
    it, or whose last ``commands`` line (``/lgtm``; ``/lgtm cancel`` takes it back) does."""
    said: dict[str, tuple[str, bool]] = {}  # login (lower case) -> (login, approves)
    for login, line, association in review.commands:
        word, _, rest = line.partition(" ")
        if word in commands and rest.strip() in ("", "cancel") and association in COMMANDERS:
            said[login.lower()] = (login, rest.strip() == "")
    out = {login.lower(): login for login, association in review.approved
           if association in COMMANDERS or not association}
    for key, (login, yes) in said.items():
        if yes:
            out.setdefault(key, login)
    out.pop((review.author or "").lower(), None)
    return tuple(sorted(out.values()))


# -- the ledger ---------------------------------------------------------------------------------

class Award(NamedTuple):
    """One award. (A named tuple: a large registry's ledger holds a hundred thousand, and
    they are loaded on every run.)"""

    name: str  # who, as git knows them (mailmap applied); resolved to a Person at the end
    email: str
    kind: str
    points: int
    sha: str  # the first-parent commit behind it
    time: int
    detail: str

    def as_json(self) -> list[Any]:
        return [self.name, self.email, self.kind, self.points, self.sha, self.time, self.detail]


class Pull(NamedTuple):
    """A pull request a commit of main came from, and the people its points went to."""

    number: int
    sha: str
    time: int
    people: tuple[tuple[str, str], ...]


class Claim(NamedTuple):
    """A (login, email) pair a commit introduced into a plugin's manifests: a link of the
    email to the login once the current .mailmap says the email authored the commit."""

    email: str  # lower case
    login: str
    sha: str  # the first-parent commit that introduced it
    time: int
    authors: tuple[tuple[str, str], ...]  # that commit's authors (name, email)


@dataclass(frozen=True)
class Ledger:
    """What the next commits need to know, and the awards of the commits just read."""

    head: str | None = None
    start: int | None = None  # time of the first commit
    awards: tuple[Award, ...] = ()
    published: frozenset[str] = frozenset()  # plugins with a first version
    renamed: frozenset[str] = frozenset()  # names a published plugin's deprecation replaces it by
    maintainers: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    featured: frozenset[str] = frozenset()
    verified: frozenset[str] = frozenset()
    pulls: tuple[Pull, ...] = ()  # of the commits just read
    # pull requests whose commit named no person: the author credited ("" for none), so a
    # ledger made before the author was cached is made again once it is
    orphans: Mapping[int, str] = field(default_factory=dict)
    claims: tuple[Claim, ...] = ()  # in history order
    # plugin -> the authors (name, email) of the commits that added or changed its
    # manifests, and the pull requests those commits came from
    manifest_authors: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    manifest_pulls: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The state, without the awards (``gather.LedgerStore`` keeps those)."""
        return {"head": self.head, "start": self.start,
                "published": sorted(self.published), "renamed": sorted(self.renamed),
                "maintainers": {k: [list(m) for m in v]
                                for k, v in sorted(self.maintainers.items())},
                "featured": sorted(self.featured), "verified": sorted(self.verified),
                "orphans": {str(k): v for k, v in sorted(self.orphans.items())},
                "claims": [[*c[:4], [list(a) for a in c.authors]] for c in self.claims],
                "manifest_authors": {k: [list(a) for a in v]
                                     for k, v in sorted(self.manifest_authors.items())},
                "manifest_pulls": {k: list(v) for k, v in sorted(self.manifest_pulls.items())}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Ledger:
        return cls(head=data["head"], start=data["start"],
                   published=frozenset(data["published"]),
                   renamed=frozenset(data.get("renamed", ())),
                   maintainers={k: tuple((m[0], m[1]) for m in v)
                                for k, v in data["maintainers"].items()},
                   featured=frozenset(data["featured"]), verified=frozenset(data["verified"]),
                   orphans={int(k): str(v) for k, v in data.get("orphans", {}).items()},
                   claims=tuple(Claim(c[0], c[1], c[2], c[3], tuple((a[0], a[1]) for a in c[4]))
                                for c in data["claims"]),
                   manifest_authors={k: tuple((a[0], a[1]) for a in v)
                                     for k, v in data["manifest_authors"].items()},
                   manifest_pulls={k: tuple(v) for k, v in data["manifest_pulls"].items()})


def _is_docs(path: str) -> bool:
    top = path.split("/", 1)[0]
    return path.startswith(DOCS_PREFIXES) or (
        "/" not in path and any(top.upper().startswith(f) for f in DOCS_FILES))


def _is_tooling(path: str) -> bool:
    return path.startswith(TOOLING_PREFIXES)


def _side_commits(commit: LogCommit, graph: Mapping[str, GraphCommit], main: set[str],
                  claimed: set[str]) -> list[GraphCommit]:
    """The commits a merge brought in: reachable from its other parents, not from main's
    first-parent history, and not brought in by an earlier merge."""
    out: list[GraphCommit] = []
    todo = list(commit.parents[1:])
    while todo:
        sha = todo.pop()
        if sha in main or sha in claimed or sha not in graph:
            continue
        claimed.add(sha)
        out.append(graph[sha])
        todo.extend(graph[sha].parents)
    return sorted(out, key=lambda c: c.sha)


def _mapped(name: str, email: str, mailmap: Mapping[str, str]) -> tuple[str, str]:
    """A trailer's contact as .mailmap rewrites it."""
    text = mailmap.get(f"{name} <{email}>", "")
    if "<" in text:
        n, _, rest = text.partition("<")
        return n.strip(), rest.rstrip(">").strip()
    return name, email


def _people(commit: LogCommit, side: Sequence[GraphCommit], mailmap: Mapping[str, str],
            bots: frozenset[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The (name, email) of a change's principals (its authors, and whom an ``On-behalf-of:``
    trailer names) and of its other ``Co-authored-by:`` co-authors, each sorted, bots left
    out. When automation is the only author, the co-authors it names are the principals."""
    principals: set[tuple[str, str]] = set()
    coauthors: set[tuple[str, str]] = set()
    sources: list[tuple[str, str, str]] = (
        [(c.author_name, c.author_email, c.message) for c in side] if side
        else [(commit.author_name, commit.author_email, commit.message)])
    for name, email, message in sources:
        principals.add((name, email))
        principals.update(_mapped(n, e, mailmap) for n, e in trailers(message, "on-behalf-of"))
        coauthors.update(_mapped(n, e, mailmap) for n, e in trailers(message, "co-authored-by"))
    first = _one_each(p for p in principals if not is_bot(p[0], p[1], bots))
    keys = {same_person_key(*p) for p in first}
    rest = _one_each(p for p in coauthors if not is_bot(p[0], p[1], bots)
                     and same_person_key(*p) not in keys)
    return (first, rest) if first else (rest, [])


def _one_each(contacts: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """One (name, email) per person (``same_person_key``: the first in order), sorted."""
    kept: dict[str, tuple[str, str]] = {}
    for contact in sorted(contacts):
        kept.setdefault(same_person_key(*contact), contact)
    return sorted(kept.values())


def _authors(commit: LogCommit, side: Sequence[GraphCommit], bots: frozenset[str]
             ) -> list[tuple[str, str]]:
    """The (name, email) of a change's authors (of the commits a merge brought in), sorted.
    Unlike ``_people``, no ``Co-authored-by:`` trailer: that is text the commit's writer
    types, so it cannot vouch for anyone else."""
    authors = ({(c.author_name, c.author_email) for c in side} if side
               else {(commit.author_name, commit.author_email)})
    return sorted(a for a in authors if not is_bot(a[0], a[1], bots))


def _vouch(commit: LogCommit, history: History, state: dict[str, Any],
           authors: Sequence[tuple[str, str]], number: int | None) -> None:
    """Record who stands behind the manifests a commit added or changed, and the (login,
    email) pairs it introduced into a plugin's manifests (not a noreply address: git already
    tells its login), for ``logins_of`` to judge. Runs before ``_changes`` moves the plugin's
    maintainers."""
    for change in commit.changes:
        where = split_manifest_path(change.path)
        if where is None or change.status not in ("A", "M"):
            continue
        plugin = where[0]
        state["manifest_authors"].setdefault(plugin, set()).update(authors)
        if number is not None:
            state["manifest_pulls"].setdefault(plugin, set()).add(number)
        facts = history.manifests.get(change.new_blob)
        if facts is None:
            continue
        old = history.manifests.get(change.old_blob) if change.status == "M" else None
        known = {*state["maintainers"].get(plugin, ()), *(old.maintainers if old else ())}
        for login, email in facts.maintainers:
            if email and (login, email) not in known and login_of(email) is None:
                state["claims"].append(Claim(email.lower(), login, commit.sha, commit.time,
                                             tuple(authors)))


def _reviewers(commit: LogCommit, side: Sequence[GraphCommit], mailmap: Mapping[str, str],
               bots: frozenset[str], authors: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    found = {_mapped(n, e, mailmap) for message in [commit.message, *(c.message for c in side)]
             for n, e in trailers(message, "reviewed-by")}
    excluded = {same_person_key(*a) for a in authors}
    return _one_each(p for p in found if same_person_key(*p) not in excluded
                     and not is_bot(p[0], p[1], bots))


def _share(points: int, people: Sequence[tuple[str, str]]) -> list[int]:
    """Points split as evenly as whole numbers allow; the first in order get the remainder."""
    n = len(people)
    base, extra = divmod(points, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def _owners(state: dict[str, Any], plugin: str) -> list[tuple[str, str]]:
    """The maintainers of a plugin (as its manifests last listed them), by their logins."""
    return [(login, f"{login}@{NOREPLY}") for login, _ in state["maintainers"].get(plugin, ())]


def _changes(commit: LogCommit, history: History, state: dict[str, Any],
             config: ReputationConfig, nobody: bool = False
             ) -> list[tuple[str, str, list[tuple[str, str]] | None]]:
    """(kind, detail, recipients or None for the change's people) of one commit. ``nobody``:
    the change has no person (automation that named nobody it acted for): a change to a
    plugin's manifests credits the plugin's maintainers."""
    out: list[tuple[str, str, list[tuple[str, str]] | None]] = []
    docs_lines, new_page, tooling = 0, False, False
    for change in commit.changes:  # renames first: the new name may sort before the old
        where = split_manifest_path(change.path)
        facts = history.manifests.get(change.new_blob) if where is not None else None
        if where is not None and facts is not None and facts.replacement \
                and where[0] in state["published"]:
            state["renamed"].add(facts.replacement.lower())
    for change in commit.changes:
        where = split_manifest_path(change.path)
        if where is not None:
            plugin, version = where
            facts = history.manifests.get(change.new_blob)
            if change.status == "A":
                if plugin not in state["published"]:
                    state["published"].add(plugin)
                    # a plugin that replaces a published one is its lineage renamed, not a
                    # new plugin: its first version is a release
                    renamed = plugin.lower() in state["renamed"]
                    out.append(("version-released" if renamed else "plugin-published",
                                f"{plugin}@{version}" if renamed else plugin, None))
                else:
                    out.append(("version-released", f"{plugin}@{version}", None))
            elif change.status == "M":
                old = history.manifests.get(change.old_blob)
                if facts and old and (facts.yanked, facts.deprecated) != (
                        old.yanked, old.deprecated):
                    what = "yanked" if facts.yanked != old.yanked else "deprecated"
                    out.append(("lifecycle", f"{plugin}@{version} {what}", None))
                else:
                    out.append(("metadata-fix", f"{plugin}@{version}", None))
            if facts is not None and change.status != "D" and facts.maintainers:
                state["maintainers"][plugin] = facts.maintainers
            if nobody and out and out[-1][2] is None and out[-1][1].split("@")[0] == plugin:
                kind, detail, _ = out[-1]
                out[-1] = (kind, detail, _owners(state, plugin))
        elif change.path == "registry.yaml" and change.status != "D":
            reg = history.registries.get(change.new_blob)
            if reg is None:
                continue
            for plugin in sorted(reg.featured - state["featured"]):
                owners = _owners(state, plugin)
                if owners:
                    out.append(("plugin-featured", plugin, owners))
            for login in sorted(reg.verified - state["verified"]):
                out.append(("verified", login, [(login, f"{login}@{NOREPLY}")]))
            state["featured"], state["verified"] = set(reg.featured), set(reg.verified)
        elif _is_docs(change.path):
            docs_lines += change.added + change.deleted
            new_page |= change.status == "A" and change.path.endswith(".md")
        elif _is_tooling(change.path):
            tooling = True
    # A sweep over many manifests (formatting, a field everywhere) earns as a few fixes do.
    fixes = [i for i, entry in enumerate(out) if entry[0] == "metadata-fix"]
    for i in reversed(fixes[BULK_FIXES:]):
        del out[i]
    if docs_lines or new_page:
        kind = ("docs-contribution" if new_page or docs_lines >= config.docs_contribution
                else "docs-major" if docs_lines >= config.docs_major else "docs-typo")
        out.append((kind, f"{docs_lines} lines", None))
    if tooling:
        out.append(("tooling", "", None))
    return out


def _awards(who: Sequence[tuple[str, str]], kind: str, config: ReputationConfig,
            commit: LogCommit, detail: str) -> list[Award]:
    """A change's points of one kind, shared by ``who``."""
    points = config.points.get(kind, 0)
    if not who or not points:
        return []
    return [Award(name, email, kind, share, commit.sha, commit.time, detail)
            for (name, email), share in zip(who, _share(points, who), strict=True)]


def advance(ledger: Ledger, history: History, config: ReputationConfig, head: str,
            earlier: Callable[[str], Sequence[Award]] | None = None) -> Ledger:
    """The ledger after the commits of ``history`` (which follow ``ledger.head``).
    ``earlier`` gives the awards of a commit (or a commit id prefix) already saved outside
    ``ledger.awards``, for reverts of older commits."""
    state: dict[str, Any] = {"published": set(ledger.published),
                             "renamed": set(ledger.renamed),
                             "maintainers": dict(ledger.maintainers),
                             "featured": set(ledger.featured), "verified": set(ledger.verified),
                             "claims": list(ledger.claims), "orphans": dict(ledger.orphans),
                             "manifest_authors": {k: set(v) for k, v in
                                                  ledger.manifest_authors.items()},
                             "manifest_pulls": {k: set(v) for k, v in
                                                ledger.manifest_pulls.items()}}
    awards = list(ledger.awards)
    by_sha: dict[str, list[Award]] = defaultdict(list)
    for a in awards:
        by_sha[a.sha].append(a)

    def awards_of(target: str) -> Sequence[Award]:
        if target in by_sha:  # git revert writes the full id; people may write a prefix
            return by_sha[target]
        found = next((v for k, v in by_sha.items() if len(target) < 40 and k.startswith(
            target)), None)
        if found is not None:
            return found
        return earlier(target) if earlier is not None else []

    main = {c.sha for c in history.commits}
    claimed: set[str] = set()
    start = ledger.start
    pulls: list[Pull] = []
    for commit in history.commits:
        start = commit.time if start is None else start
        target = reverted(commit.message)
        if target is not None:
            undone = awards_of(target)
            new = [a._replace(points=-a.points, sha=commit.sha, time=commit.time,
                           detail=f"reverts {a.sha[:12]}: {a.detail}".rstrip(": "))
                   for a in undone]
            by_sha[commit.sha] = new
            awards += new
            continue
        side = _side_commits(commit, history.graph, main, claimed) if len(
            commit.parents) > 1 else []
        principals, coauthors = _people(commit, side, history.mailmap, config.bots)
        number = pull_request(commit.message)
        if not principals and number is not None:  # automation: its pull request's author
            opener = history.pull_authors.get(number, "")
            state["orphans"][number] = opener
            if opener and not is_bot(opener, f"{opener}@{NOREPLY}", config.bots):
                principals = [(opener, f"{opener}@{NOREPLY}")]
        people = sorted([*principals, *coauthors])
        if number is not None:
            pulls.append(Pull(number, commit.sha, commit.time, tuple(people)))
        _vouch(commit, history, state, _authors(commit, side, config.bots), number)
        new = []
        for kind, detail, recipients in _changes(commit, history, state, config,
                                                 nobody=not people):
            who = people if recipients is None else recipients
            if kind == "plugin-published" and recipients is None and coauthors:
                # the publishers keep the whole publication; the co-authors share their own
                who = principals
                new += _awards(coauthors, "plugin-coauthored", config, commit, detail)
            new += _awards(who, kind, config, commit, detail)
        for name, email in _reviewers(commit, side, history.mailmap, config.bots, people):
            if config.points.get("review", 0):
                new.append(Award(name, email, "review", config.points["review"], commit.sha,
                                 commit.time, ""))
        by_sha[commit.sha] = new
        awards += new
    return Ledger(head=head, start=start, awards=tuple(awards), pulls=tuple(pulls),
                  published=frozenset(state["published"]),
                  renamed=frozenset(state["renamed"]),
                  maintainers=dict(sorted(state["maintainers"].items())),
                  featured=frozenset(state["featured"]), verified=frozenset(state["verified"]),
                  orphans=dict(sorted(state["orphans"].items())),
                  claims=tuple(state["claims"]),
                  manifest_authors={k: tuple(sorted(v))
                                    for k, v in sorted(state["manifest_authors"].items())},
                  manifest_pulls={k: tuple(sorted(v))
                                  for k, v in sorted(state["manifest_pulls"].items())})


# -- the table ----------------------------------------------------------------------------------

class Tally(NamedTuple):
    """The awards of one contact (as git knows them) of one kind, added up."""

    name: str
    email: str
    kind: str
    points: int
    net: int  # awards less reverted ones
    first: int | None  # commit time of the first award that earned points
    last: int | None


def tally(awards: Iterable[Award]) -> list[Tally]:
    """What ``LedgerStore.tallies`` computes in SQL, for awards held in memory."""
    sums: dict[tuple[str, str, str], list[Any]] = {}
    for a in awards:
        row = sums.setdefault((a.name, a.email, a.kind), [0, 0, None, None])
        row[0] += a.points
        row[1] += (a.points > 0) - (a.points < 0)
        if a.points > 0:
            row[2] = a.time if row[2] is None else min(row[2], a.time)
            row[3] = a.time if row[3] is None else max(row[3], a.time)
    return [Tally(*key, *row) for key, row in sorted(sums.items())]


@dataclass(frozen=True)
class Contributor:
    person: Person
    points: int
    level: str
    badges: tuple[str, ...]
    counts: Mapping[str, int]
    first: int | None
    last: int | None
    plugins: tuple[str, ...]
    contacts: tuple[tuple[str, str], ...]  # the (name, email) their awards were made to

    def as_json(self) -> dict[str, Any]:
        return {"id": self.person.key, "login": self.person.login, "name": self.person.name,
                "points": self.points, "level": self.level, "badges": list(self.badges),
                "counts": dict(sorted(self.counts.items())),
                "first": _time(self.first), "last": _time(self.last),
                "plugins": list(self.plugins)}


def _time(stamp: int | None) -> str | None:
    """A commit time as every JSON output writes times: RFC 3339, UTC."""
    return None if stamp is None else iso(stamp)


def _key(name: str, email: str, logins: Mapping[str, str],
         mailmap: Mapping[str, str] | None) -> str:
    """Who a contact is now, as .mailmap and the manifests' trusted links tell."""
    return person(*_mapped(name, email, mailmap or {}), logins).key


def approval_awards(pulls: Iterable[Pull], approvals: Mapping[int, Sequence[str]],
                    reviewed: Mapping[str, Sequence[tuple[str, str]]], logins: Mapping[str, str],
                    config: ReputationConfig, mailmap: Mapping[str, str] | None = None
                    ) -> list[Award]:
    """A review for each approval of a pull request that merged (``approvers``: from the
    API, cached in the repository), unless the approver is one of its authors or already
    earned a review for that commit with a ``Reviewed-by:`` trailer. ``reviewed``: commit ->
    its reviewers."""
    points = config.points.get("review", 0)
    out: list[Award] = []
    if not points:
        return out
    for pull in sorted(pulls):
        taken = {_key(n, e, logins, mailmap)
                 for n, e in [*pull.people, *reviewed.get(pull.sha, ())]}
        for login in sorted(set(approvals.get(pull.number, ()))):
            if login.lower() in taken or is_bot(login, f"{login}@{NOREPLY}", config.bots):
                continue
            out.append(Award(login, f"{login}@{NOREPLY}", "review", points, pull.sha,
                             pull.time, f"approved #{pull.number}"))
    return out


def self_coauthored(awards: Iterable[Award], logins: Mapping[str, str],
                    mailmap: Mapping[str, str] | None = None) -> list[Award]:
    """Take-backs of the co-authored points that went to one of the same commit's publishers
    (one person, as ``logins`` and ``mailmap`` now tell, named as both): a publisher keeps the
    publication and gets nothing more for co-authoring it. A revert's negative awards are
    matched likewise, so a reverted publication nets to nothing."""
    groups: dict[tuple[str, bool], list[Award]] = defaultdict(list)
    for a in awards:
        if a.points:
            groups[(a.sha, a.points > 0)].append(a)
    out: list[Award] = []
    for (_, _), group in sorted(groups.items()):
        publishers = {_key(a.name, a.email, logins, mailmap) for a in group
                      if a.kind == "plugin-published"}
        out += [a._replace(points=-a.points, detail=f"{a.detail}: also its publisher")
                for a in group if a.kind == "plugin-coauthored"
                and _key(a.name, a.email, logins, mailmap) in publishers]
    return out


def logins_of(ledger: Ledger, mailmap: Mapping[str, str] | None = None) -> dict[str, str]:
    """Email (lower case) -> GitHub login, from the trusted links manifests made: a claim
    links its email when one of the authors of the commit that made it is that email (after
    ``mailmap``), and the first such claim of an email wins. A manifest that merely lists an
    email links nothing."""
    out: dict[str, str] = {}
    for claim in ledger.claims:
        if claim.email not in out and any(
                _mapped(n, e, mailmap or {})[1].lower() == claim.email for n, e in claim.authors):
            out[claim.email] = claim.login
    return out


def vouchers(ledger: Ledger, approvals: Mapping[int, Sequence[str]],
             mailmap: Mapping[str, str] | None = None) -> dict[str, frozenset[str]]:
    """Plugin -> the logins (lower case) that vouched for it: the authors of the commits of
    main that added or changed one of its manifests, when their address (after ``mailmap``,
    the admins' channel) is a GitHub noreply address, and the approvers of the pull requests
    those commits came from (``approvals``: number -> logins, cached from the API). Not a
    manifest's link (``logins_of``): it proves who owns the email, not who owns the login,
    and anyone may link her own email to a verified publisher's login."""
    out: dict[str, frozenset[str]] = {}
    for plugin in sorted({*ledger.manifest_authors, *ledger.manifest_pulls}):
        found = {login.lower() for n, e in ledger.manifest_authors.get(plugin, ())
                 if (login := login_of(_mapped(n, e, mailmap or {})[1]))}
        found.update(login.lower() for number in ledger.manifest_pulls.get(plugin, ())
                     for login in approvals.get(number, ()))
        if found:
            out[plugin] = frozenset(found)
    return out


# The share of contributors each level above the first aims to hold, this level or higher:
# from 60% (published a plugin, or a few smaller contributions) down to 1% (the handful who
# carry the registry), geometrically in between (6 levels: 60, 22, 8, 3 and 1%).
AIM_FIRST, AIM_LAST = 0.60, 0.01


def level_aims(count: int) -> list[float]:
    """The aimed share of contributors at each of ``count`` levels or higher."""
    rest = count - 1
    if rest < 1:
        return [1.0] * count
    ratio = (AIM_LAST / AIM_FIRST) ** (1 / (rest - 1)) if rest > 1 else 1.0
    return [1.0, *(AIM_FIRST * ratio ** i for i in range(rest))]


def _round(points: int) -> int:
    """Two significant digits, so that a suggested threshold reads as one."""
    digits = max(0, len(str(points)) - 2)
    return max(1, round(points, -digits)) if points else 0


def _threshold(ranked: Sequence[int], aim: float) -> int:
    """The points that about ``aim`` of ``ranked`` (most first) reach: at the aimed rank,
    raised past a tie that would take in far more, rounded when that takes in nobody more."""
    def reach(points: int) -> int:
        return sum(p >= points for p in ranked)

    wanted = max(1, round(aim * len(ranked)))
    points = ranked[wanted - 1]
    if reach(points) > wanted * 1.25:  # a plateau: the lowest score above it
        points = min((p for p in ranked if p > points), default=points)
    rounded = _round(points)
    return rounded if reach(rounded) == reach(points) else points


def level_report(contributors: Sequence[Contributor], config: ReputationConfig
                 ) -> list[dict[str, Any]]:
    """Per level: its threshold, how many contributors it holds and what share reach it,
    the aimed share (``level_aims``), and the threshold that would meet the aim on these
    contributors (strictly rising; the first level stays at 0; None where the aim is less
    than one contributor, too few to tell)."""
    ranked = sorted((c.points for c in contributors), reverse=True)
    total = len(ranked)
    out: list[dict[str, Any]] = []
    floor = -1
    for (name, minimum), aim in zip(config.levels, level_aims(len(config.levels)),
                                    strict=True):
        suggested: int | None = None
        if not out:
            suggested = 0
        elif round(aim * total) >= 1 and floor >= 0:
            suggested = max(floor + 1, _threshold(ranked, aim))
        floor = suggested if suggested is not None else -1
        out.append({"name": name, "min": minimum,
                    "contributors": sum(c.level == name for c in contributors),
                    "reach": sum(p >= minimum for p in ranked) / total if total else 0.0,
                    "aim": aim, "suggested": suggested})
    return out


def level_of(points: int, config: ReputationConfig) -> str:
    name = config.levels[0][0]
    for level, minimum in config.levels:
        if points >= minimum:
            name = level
    return name


def summarize(ledger: Ledger, tallies: Iterable[Tally], config: ReputationConfig,
              mailmap: Mapping[str, str] | None = None) -> list[Contributor]:
    """Every contributor with a non-zero record, most points first (then by id). ``mailmap``
    (contact -> contact, from the current .mailmap) applies to every award, old ones too."""
    logins = logins_of(ledger, mailmap)
    by_person: dict[str, list[Tally]] = defaultdict(list)
    people: dict[str, Person] = {}
    for t in tallies:
        p = person(*_mapped(t.name, t.email, mailmap or {}), logins)
        people.setdefault(p.key, p)
        by_person[p.key].append(t)
    verified = {v.lower() for v in ledger.verified}
    maintained: dict[str, set[str]] = defaultdict(set)
    for plugin, owners in ledger.maintainers.items():
        for login, _ in owners:
            maintained[login.lower()].add(plugin)
    founding_end = (ledger.start or 0) + config.badges["founding-member"] * DAY
    docs_kinds = ("docs-contribution", "docs-major", "docs-typo")
    out = []
    for key, rows in by_person.items():
        points = sum(t.points for t in rows)
        net: dict[str, int] = {}
        for t in rows:
            net[t.kind] = net.get(t.kind, 0) + t.net
        counts = {k: v for k, v in net.items() if v > 0}
        if points == 0 and not counts:
            continue
        firsts = [t.first for t in rows if t.first is not None]
        lasts = [t.last for t in rows if t.last is not None]
        first, last = min(firsts, default=None), max(lasts, default=None)
        docs = sum(counts.get(k, 0) for k in docs_kinds)
        badges = [b for b, ok in (
            ("first-plugin", counts.get("plugin-published", 0) > 0),
            ("verified-developer", counts.get("verified", 0) > 0 or key in verified),
            ("documentation-hero", docs >= config.badges["documentation-hero"]),
            ("core-contributor", counts.get("tooling", 0) >= config.badges["core-contributor"]),
            ("founding-member", points > 0 and first is not None and first < founding_end),
        ) if ok]
        out.append(Contributor(people[key], points, level_of(points, config), tuple(badges),
                               counts, first, last, tuple(sorted(maintained.get(key, ()))),
                               tuple(sorted({(t.name, t.email) for t in rows}))))
    return sorted(out, key=lambda c: (-c.points, c.person.key))


def render_contributors(contributors: Sequence[Contributor], config: ReputationConfig) -> bytes:
    """contributors.json: the table, with the levels and the badge thresholds that made it
    (the site reads them from here, not from registry.yaml)."""
    doc = {"schema_version": 1, "format_version": INDEX_FORMAT,
           "levels": [{"name": n, "min": m} for n, m in config.levels],
           "badges": dict(config.badges),
           "contributors": [c.as_json() for c in contributors]}
    return (json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode()
