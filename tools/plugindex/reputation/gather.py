"""Gather what reputation needs from git (the adapter side of ``reputation``), and keep the
ledger between runs.

The ledger is saved in ``.cache/plugindex/reputation.sqlite`` with the commit it stands at and
the digest of the configuration and method. A later run at a descendant of that commit reads
only the new commits; anything else (another configuration, a history rewritten by a force
push) starts from the first commit again, so rewritten history is recomputed, never counted
twice.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from plugindex.adapters.gitrepo import GitRepo
from plugindex.config.reputation import ReputationConfig
from plugindex.layout import LEDGER_CACHE, REVIEWS_FILE
from plugindex.manifests.yamlsafe import load
from plugindex.reputation.identity import pull_request, trailers
from plugindex.reputation.ledger import (
    Award,
    Contributor,
    History,
    Ledger,
    ManifestFacts,
    Pull,
    PullReview,
    RegistryFacts,
    Tally,
    advance,
    approval_awards,
    approvers,
    logins_of,
    self_coauthored,
    summarize,
    tally,
    vouchers,
)

ZERO = "0" * 40

_TOP_KEY = re.compile(r"^(yanked|deprecated)\s*:\s*(.*?)\s*$", re.MULTILINE)
_ITEM = re.compile(r"^\s*-\s+", re.MULTILINE)
_FIELD = re.compile(r"^\s*-?\s*(github|email)\s*:\s*[\"']?([^\s\"'#]+)", re.MULTILINE)
_REPLACEMENT = re.compile(r"^[ \t]+replacement\s*:\s*[\"']?([a-z0-9][a-z0-9-]*)", re.MULTILINE)
_BLOCK = re.compile(r"^maintainers\s*:\s*$((?:\n(?:[ \t].*|\s*-.*|))*)", re.MULTILINE)


def manifest_facts(text: str) -> ManifestFacts:
    """Lifecycle and maintainers of a manifest, read with patterns (thousands of manifests are
    read per run; the build validates them properly)."""
    state = {"yanked": False, "deprecated": False}
    for m in _TOP_KEY.finditer(text):
        value = m.group(2).split("#", 1)[0].strip()
        state[m.group(1)] = value.lower() not in ("null", "~", "false", "") or (
            value == "" and bool(re.search(rf"^{m.group(1)}\s*:\s*\n[ \t]+\S", text,
                                           re.MULTILINE)))
    maintainers: list[tuple[str, str]] = []
    block = _BLOCK.search(text)
    if block:
        for item in _ITEM.split(block.group(1))[1:]:
            fields = dict(_FIELD.findall("- " + item))
            if fields.get("github"):
                maintainers.append((fields["github"], fields.get("email", "")))
    replacement = _REPLACEMENT.search(text) if state["deprecated"] else None
    return ManifestFacts(state["yanked"], state["deprecated"], tuple(maintainers),
                         replacement.group(1) if replacement else "")


def registry_facts(data: bytes) -> RegistryFacts | None:
    document = load(data, "registry.yaml").document
    raw = document.data if document is not None else None
    if not isinstance(raw, dict):
        return None
    featured = raw.get("featured") or []
    verified = raw.get("verified_publishers") or []
    return RegistryFacts(frozenset(str(f) for f in featured if isinstance(featured, list)),
                         frozenset(str(v) for v in verified if isinstance(verified, list)))


def gather(repo: GitRepo, head: str, since: str | None,
           pull_authors: Mapping[int, str] | None = None) -> History:
    commits = repo.first_parent_log(head, since)
    merges = any(len(c.parents) > 1 for c in commits)
    graph = repo.commit_graph(head, since) if merges else {}
    manifest_blobs: set[str] = set()
    registry_blobs: set[str] = set()
    for c in commits:
        for ch in c.changes:
            if ch.path.startswith("submissions/") and ch.path.endswith(".yaml"):
                manifest_blobs.update(b for b in (ch.old_blob, ch.new_blob) if b != ZERO)
            elif ch.path == "registry.yaml" and ch.new_blob != ZERO:
                registry_blobs.add(ch.new_blob)
    blobs = repo.read_blobs(manifest_blobs | registry_blobs)
    manifests = {oid: manifest_facts(blobs[oid].decode("utf-8", "replace"))
                 for oid in manifest_blobs}
    registries = {oid: facts for oid in registry_blobs
                  if (facts := registry_facts(blobs[oid])) is not None}
    messages = [c.message for c in commits] + [g.message for g in graph.values()]
    contacts = {f"{n} <{e}>" for m in messages for kind in ("co-authored-by", "reviewed-by")
                for n, e in trailers(m, kind)}
    mailmap = repo.check_mailmap(contacts) if contacts else {}
    return History(tuple(commits), graph, manifests, registries, mailmap,
                   dict(pull_authors or {}))


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS awards (
    seq INTEGER PRIMARY KEY, name TEXT, email TEXT, kind TEXT, points INTEGER, sha TEXT,
    time INTEGER, detail TEXT);
CREATE INDEX IF NOT EXISTS awards_sha ON awards (sha);
CREATE INDEX IF NOT EXISTS awards_who ON awards (email, name);
CREATE TABLE IF NOT EXISTS pulls (number INTEGER, sha TEXT, time INTEGER, people TEXT);
"""
_COLUMNS = "name, email, kind, points, sha, time, detail"
_SELECT = f"SELECT {_COLUMNS} FROM awards"  # noqa: S608 (constant column names)
_COAUTHORED = (f"{_SELECT} WHERE kind IN ('plugin-published', 'plugin-coauthored') AND "  # noqa: S608
               "sha IN (SELECT sha FROM awards WHERE kind = 'plugin-coauthored') ORDER BY seq")


class LedgerStore:
    """The saved ledger: the awards in a table that each run appends to (a large registry's
    hundred thousand awards are neither rewritten nor read for one new commit: sums come
    from SQL), the rest of the state as one JSON value."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A build holds the build lock; other readers (plugindex reputation) wait for a
        # writer's transaction rather than fail with "database is locked".
        self.db = sqlite3.connect(path, timeout=60.0)
        try:
            self.db.executescript(_SCHEMA)
        except sqlite3.OperationalError:  # busy beyond the timeout, read-only, ...: not damage
            self.db.close()
            raise
        except sqlite3.DatabaseError:  # not a database (damaged, or something else)
            self.db.close()
            path.unlink()
            self.db = sqlite3.connect(path, timeout=60.0)
            self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def load(self, config: str) -> Ledger:
        """The saved state (without its awards), or an empty ledger."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'state'").fetchone()
        state = json.loads(row[0]) if row else {}
        if state.get("config") != config:
            return Ledger()
        return Ledger.from_json(state["ledger"])

    def save(self, ledger: Ledger, config: str, fresh: bool) -> None:
        """Store a ledger's state and append its awards (``fresh``: replace all awards)."""
        with self.db:
            if fresh:
                self.db.execute("DELETE FROM awards")
                self.db.execute("DELETE FROM pulls")
            self.db.executemany("INSERT INTO pulls VALUES (?, ?, ?, ?)", [
                (p.number, p.sha, p.time, json.dumps(p.people)) for p in ledger.pulls])
            self.db.executemany("INSERT INTO awards (name, email, kind, points, sha, time, "
                                "detail) VALUES (?, ?, ?, ?, ?, ?, ?)", ledger.awards)
            state = {"config": config, "ledger": ledger.as_json()}
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('state', ?)",
                            (json.dumps(state, separators=(",", ":")),))

    def awards(self) -> list[Award]:
        return list(map(Award._make, self.db.execute(
            f"{_SELECT} ORDER BY seq")))

    def awards_of_commit(self, target: str) -> list[Award]:
        """The awards of a commit, by full id or by a prefix of one."""
        rows = self.db.execute(f"{_SELECT} WHERE sha = ? ORDER BY seq",
                               (target,)).fetchall()
        if not rows and len(target) < 40:
            first = self.db.execute("SELECT sha FROM awards WHERE sha >= ? ORDER BY sha "
                                    "LIMIT 1", (target,)).fetchone()
            if first and first[0].startswith(target):
                return self.awards_of_commit(first[0])
        return list(map(Award._make, rows))

    def awards_of(self, contacts: Iterable[tuple[str, str]]) -> list[Award]:
        out: list[Award] = []
        for name, email in contacts:
            out += map(Award._make, self.db.execute(
                f"{_SELECT} WHERE email = ? AND name = ? ORDER BY seq",
                (email, name)))
        return sorted(out, key=lambda a: (a.time, a.sha, a.kind))

    def pulls(self) -> list[Pull]:
        return [Pull(n, sha, t, tuple((a, b) for a, b in json.loads(people)))
                for n, sha, t, people in self.db.execute(
                    "SELECT number, sha, time, people FROM pulls ORDER BY rowid")]

    def coauthored(self) -> list[Award]:
        """The publications and co-authored points of the commits that have co-authors."""
        return list(map(Award._make, self.db.execute(_COAUTHORED)))

    def reviewers(self, shas: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = {}
        for sha in shas:
            out[sha] = [(n, e) for n, e in self.db.execute(
                "SELECT name, email FROM awards WHERE sha = ? AND kind = 'review'", (sha,))]
        return out

    def tallies(self) -> list[Tally]:
        return list(map(Tally._make, self.db.execute(
            "SELECT name, email, kind, SUM(points), "
            "SUM(CASE WHEN points > 0 THEN 1 WHEN points < 0 THEN -1 ELSE 0 END), "
            "MIN(CASE WHEN points > 0 THEN time END), MAX(CASE WHEN points > 0 THEN time END) "
            "FROM awards GROUP BY name, email, kind ORDER BY name, email, kind")))

    def mailmap(self, digest: str) -> dict[str, str]:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'mailmap'").fetchone()
        data = json.loads(row[0]) if row else {}
        return dict(data["map"]) if data.get("digest") == digest else {}

    def save_mailmap(self, digest: str, mapping: dict[str, str]) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('mailmap', ?)",
                            (json.dumps({"digest": digest, "map": mapping}),))


def current_mailmap(repo: GitRepo, store: LedgerStore, tallies: Iterable[Tally],
                    also: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """How the .mailmap of the work tree rewrites every contact of the ledger, and the
    (name, email) contacts of ``also`` (git is asked only about contacts it was not asked
    about under this same .mailmap)."""
    try:
        digest = hashlib.sha256((repo.root / ".mailmap").read_bytes()).hexdigest()
    except OSError:
        return {}
    known = store.mailmap(digest)
    missing = ({f"{t.name} <{t.email}>" for t in tallies}
               | {f"{n} <{e}>" for n, e in also}) - known.keys()
    if missing:
        known.update(repo.check_mailmap(missing))
        store.save_mailmap(digest, known)
    return known


def ledger_at(repo: GitRepo, head: str, config: ReputationConfig, store: LedgerStore,
              reviews: Mapping[int, PullReview]) -> Ledger:
    """The ledger's state at ``head`` (its awards are in ``store``), continued from the saved
    one when ``head`` descends from it, else computed from the first commit. ``reviews``:
    those cached at ``head`` (``read_reviews``)."""
    digest = config.digest()
    saved = store.load(digest)
    authors = {n: r.author for n, r in reviews.items() if r.author}
    # a commit that named nobody credited its pull request's author: learning that author
    # (reviews fetched after the ledger was made) means making the ledger again
    stale = any(authors.get(n, "") != who for n, who in saved.orphans.items())
    if saved.head == head and not stale:
        return saved
    fresh = stale or saved.head is None or not repo.commit_exists(saved.head) or \
        not repo.is_ancestor(saved.head, head)
    if fresh:
        saved = Ledger()
    ledger = advance(saved, gather(repo, head, saved.head, authors), config, head,
                     earlier=None if fresh else store.awards_of_commit)
    store.save(ledger, digest, fresh)
    return replace(ledger, awards=())


# 1: number -> approving logins; 2: number -> author, approving (login, association),
# commands (login, line, association)
REVIEWS_VERSION = 2


def parse_reviews(raw: bytes) -> dict[int, PullReview]:
    """``REVIEWS_FILE``'s pull requests (either version); ValueError if it is not one."""
    try:
        data = json.loads(raw)
        pulls = data["pulls"].items()
        if data.get("schema_version") == 1:
            return {int(n): PullReview(None, tuple((str(login), "") for login in logins))
                    for n, logins in pulls}
        return {int(n): PullReview(
            None if p.get("author") is None else str(p["author"]),
            tuple((str(login), str(association)) for login, association in p["approved"]),
            tuple((str(login), str(line), str(association))
                  for login, line, association in p.get("commands", ())))
            for n, p in pulls}
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ValueError(f"not a reviews file: {exc}") from None


def read_reviews(repo: GitRepo, head: str) -> dict[int, PullReview]:
    """The reviews cached in the repository at ``head`` (``REVIEWS_FILE``; none if absent
    or unreadable: a damaged cache never stops a build)."""
    raw = repo.file_at(head, REVIEWS_FILE)
    if raw is None:
        return {}
    try:
        return parse_reviews(raw)
    except ValueError:
        return {}


def render_reviews(reviews: Mapping[int, PullReview]) -> bytes:
    doc = {"schema_version": REVIEWS_VERSION, "pulls": {
        str(n): {"author": reviews[n].author,
                 "approved": [list(a) for a in sorted(reviews[n].approved)],
                 "commands": [list(c) for c in reviews[n].commands]}
        for n in sorted(reviews)}}
    return (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode()


def _derived(reviews: Mapping[int, PullReview], config: ReputationConfig,
             store: LedgerStore, ledger: Ledger, mailmap: Mapping[str, str]) -> list[Award]:
    """The awards that depend on more than the commits: the cached approvals' reviews, and
    the take-backs of co-authored points that went to a publisher of the same commit under
    another identity (which only the links of manifests or .mailmap join)."""
    logins = logins_of(ledger, mailmap)
    out = self_coauthored(store.coauthored(), logins, mailmap)
    approvals = {n: approvers(r, config.review_commands) for n, r in reviews.items()}
    if approvals:
        pulls = [p for p in store.pulls() if p.number in approvals]
        out += approval_awards(pulls, approvals, store.reviewers([p.sha for p in pulls]),
                               logins, config, mailmap)
    return out


def contributors_at(repo: GitRepo, head: str, config: ReputationConfig,
                    cache: Path | None = None) -> list[Contributor]:
    """Every contributor at ``head``; ``cache``: where the ledger is kept."""
    store = LedgerStore(cache if cache is not None else repo.root / LEDGER_CACHE)
    try:
        reviews = read_reviews(repo, head)
        ledger = ledger_at(repo, head, config, store, reviews)
        tallies = store.tallies()
        mailmap = current_mailmap(repo, store, tallies, claimants(ledger))
        derived = _derived(reviews, config, store, ledger, mailmap)
        return summarize(ledger, [*tallies, *tally(derived)], config, mailmap)
    finally:
        store.close()


def claimants(ledger: Ledger) -> set[tuple[str, str]]:
    """The authors of the commits behind the ledger's claims (whom .mailmap may rewrite)."""
    return {a for claim in ledger.claims for a in claim.authors}


def vouchers_at(repo: GitRepo, head: str, config: ReputationConfig,
                cache: Path | None = None) -> dict[str, frozenset[str]]:
    """Plugin -> the logins (lower case) that vouched for it at ``head`` (see
    ``reputation.vouchers``); the ledger is the one ``contributors_at`` keeps."""
    store = LedgerStore(cache if cache is not None else repo.root / LEDGER_CACHE)
    try:
        reviews = read_reviews(repo, head)
        ledger = ledger_at(repo, head, config, store, reviews)
        authors = {a for people in ledger.manifest_authors.values() for a in people}
        mailmap = current_mailmap(repo, store, (), authors)
        # approving reviews only: a comment is not a review of the change
        return vouchers(ledger, {n: tuple(login for login, _ in r.approved)
                                 for n, r in reviews.items()}, mailmap)
    finally:
        store.close()


def awards_of(repo: GitRepo, head: str, config: ReputationConfig, contributor: Contributor,
              cache: Path | None = None) -> list[Award]:
    """The awards behind a contributor's points (after ``contributors_at``)."""
    store = LedgerStore(cache if cache is not None else repo.root / LEDGER_CACHE)
    try:
        ledger = store.load(config.digest())
        mailmap = current_mailmap(repo, store, (), ())
        derived = _derived(read_reviews(repo, head), config, store, ledger, mailmap)
        contacts = set(contributor.contacts)
        mine = [a for a in derived if (a.name, a.email) in contacts]
        return sorted([*store.awards_of(contributor.contacts), *mine],
                      key=lambda a: (a.time, a.sha, a.kind))
    finally:
        store.close()


def releases_by_contact(repo: GitRepo, cache: Path | None = None
                        ) -> dict[tuple[str, str], Counter[str]]:
    """(name, email) -> the plugins whose versions its awards released, and how many each
    (after ``contributors_at``; reverted releases taken off)."""
    store = LedgerStore(cache if cache is not None else repo.root / LEDGER_CACHE)
    try:
        out: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for name, email, points, detail in store.db.execute(
                "SELECT name, email, points, detail FROM awards WHERE kind = 'version-released'"):
            plugin = detail.rsplit(": ", 1)[-1].split("@", 1)[0]  # past any 'reverts x: '
            out[(name, email)][plugin] += 1 if points > 0 else -1 if points < 0 else 0
        return dict(out)
    finally:
        store.close()


def pull_numbers(repo: GitRepo, head: str) -> list[int]:
    """The pull requests main's history came from, as their commits' subjects name them
    (read from git, not from the ledger: fetching their reviews first lets the next build
    advance the ledger with their authors known, instead of making it again)."""
    return sorted({n for subject in repo.first_parent_subjects(head)
                   if (n := pull_request(subject)) is not None})
