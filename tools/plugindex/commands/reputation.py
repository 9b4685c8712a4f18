"""plugindex reputation: the contributors' leaderboard, or one contributor's points with the
commit behind each (computed from main's history, as the build does for contributors.json)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from plugindex.adapters.fsutil import write_atomic
from plugindex.adapters.github import API_URL, pull_reviews
from plugindex.adapters.gitrepo import GitRepo
from plugindex.config.registry import RegistryConfig, load_registry
from plugindex.errors import UsageError
from plugindex.layout import REVIEWS_FILE, find_root
from plugindex.manifests.history import iso
from plugindex.reputation.gather import (
    awards_of,
    contributors_at,
    parse_reviews,
    pull_numbers,
    read_reviews,
    releases_by_contact,
    render_reviews,
)
from plugindex.reputation.ledger import Award, Contributor, PullReview, level_report


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("who", nargs="?", metavar="LOGIN",
                   help="a GitHub login (or an email, for contributors without one)")
    p.add_argument("--rev", default="HEAD", help="the commit of main to stand at")
    p.add_argument("--limit", type=int, default=20, metavar="N",
                   help="leaderboard rows (default 20)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--same-people", action="store_true",
                   help="list contributors who are likely one person (one name or handle, "
                        "several identities), for the admins to confirm in .mailmap")
    p.add_argument("--likely-bots", action="store_true",
                   help="list contributors whose record looks automated (releases of many "
                        "plugins they do not maintain, and little else), for the admins to "
                        "add to reputation.bots")
    p.add_argument("--levels", action="store_true",
                   help="how contributors spread over the levels, against the shares the "
                        "levels aim for, with thresholds that would meet them")
    p.add_argument("--fetch-reviews", action="store_true",
                   help=f"fetch the authors, approvals and comment commands of merged pull "
                   f"requests not yet in {REVIEWS_FILE} from the GitHub API (GITHUB_TOKEN if "
                   "set), and write that file")
    p.add_argument("--repository", metavar="OWNER/NAME",
                   help="the registry's GitHub repository (default: from registry.yaml)")
    p.add_argument("--api-url", default=API_URL, help="the GitHub API (default: %(default)s)")


# Address local parts too common to tell anyone by
GENERIC = frozenset({"admin", "bot", "code", "contact", "dev", "developer", "developers",
                     "git", "github", "hello", "info", "mail", "maintainer", "maintainers",
                     "noreply", "office", "root", "support", "team", "test", "user"})
MAX_SHARED = 3  # a handle more contributors share than this tells nobody apart


def _handles(c: Contributor) -> dict[str, bool]:
    """A contributor's handles ('name:<name>', 'handle:<letters and digits>'), each with
    whether it comes from their name or login (True) or only from an address (False)."""
    name = " ".join(c.person.name.split()).casefold()
    found = {f"name:{name}": True} if name else {}
    texts = [(c.person.name, True), (c.person.login or "", True)]
    if c.person.key.startswith("email:"):
        texts.append((c.person.key.removeprefix("email:").partition("@")[0], False))
    for text, own in texts:
        handle = re.sub(r"[\W_]", "", text.casefold())
        if len(handle) >= 4 and handle not in GENERIC:
            found[f"handle:{handle}"] = found.get(f"handle:{handle}", False) or own
    return found


def likely_same(rows: Sequence[Contributor]) -> list[tuple[str, list[Contributor]]]:
    """Contributors likely to be one person under several identities: one name (case and
    spacing aside), or one handle ('Wen Berg', the login 'wenberg' and 'wen.berg@...'),
    which at least one of them has from a name or login (two addresses' local parts alone
    prove nothing), and no more than MAX_SHARED contributors have. Each group (two or more,
    most points first) with the handles its members share; the groups by their first
    member's name. A .mailmap line joins them, once the admins have confirmed it."""
    holders: dict[str, list[tuple[int, bool]]] = {}
    for i, row in enumerate(rows):
        for handle, own in _handles(row).items():
            holders.setdefault(handle, []).append((i, own))
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    links = [(handle, who) for handle, who in sorted(holders.items())
             if 1 < len(who) <= MAX_SHARED and any(own for _, own in who)]
    for _, who in links:
        for i, _ in who[1:]:
            parent[root(i)] = root(who[0][0])
    shared: dict[int, set[str]] = {}
    for handle, who in links:
        shared.setdefault(root(who[0][0]), set()).add(handle.partition(":")[2])
    groups: dict[int, list[Contributor]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(root(i), []).append(row)
    found = [(", ".join(sorted(shared.get(key, ()))),
              sorted(g, key=lambda c: (-c.points, c.person.key)))
             for key, g in groups.items() if len(g) > 1]
    return sorted(found, key=lambda f: (f[1][0].person.name.casefold(), f[1][0].person.key))


BOT_RELEASES = 10  # releases at least
BOT_PLUGINS = 5  # of this many plugins at least
BOT_OWNED = 0.2  # it maintains less than this share of those plugins
BOT_KINDS = frozenset({"version-released", "lifecycle", "metadata-fix"})  # and nothing else


def likely_bots(rows: Sequence[Contributor],
                releases: Mapping[tuple[str, str], Counter[str]]) -> list[tuple[Contributor, str]]:
    """Contributors whose record looks like a release bot's that nothing recognised: at least
    BOT_RELEASES releases of at least BOT_PLUGINS plugins, of which it maintains less than
    BOT_OWNED, and nothing but releases, yanks and metadata fixes (people who cut releases
    for others also publish, write, review). A report for the admins, not a rule."""
    out = []
    for row in rows:
        released: Counter[str] = Counter()
        for contact in row.contacts:
            released.update(releases.get(contact, Counter()))
        plugins = {p for p, n in released.items() if n > 0}
        total = sum(n for n in released.values() if n > 0)
        owned = len(plugins & set(row.plugins))
        if total >= BOT_RELEASES and len(plugins) >= BOT_PLUGINS and \
                set(row.counts) <= BOT_KINDS and owned < BOT_OWNED * len(plugins):
            out.append((row, f"{total} releases of {len(plugins)} plugins (maintains "
                             f"{owned}) and nothing else"))
    return out


def _day(stamp: int | None) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d") if stamp else "-"


def leaderboard(rows: list[Contributor], limit: int) -> str:
    lines = [f"{'#':>3}  {'points':>6}  {'level':<10} {'contributor':<28} badges"]
    for i, c in enumerate(rows[:limit], 1):
        lines.append(f"{i:>3}  {c.points:>6}  {c.level:<10} {c.person.key:<28} "
                     f"{', '.join(c.badges) or '-'}")
    if len(rows) > limit:
        lines.append(f"... {len(rows) - limit} more (--limit)")
    return "\n".join(lines)


def explain(c: Contributor, awards: list[Award]) -> str:
    lines = [f"{c.person.key} ({c.person.name}): {c.points} points, {c.level}",
             f"badges: {', '.join(c.badges) or '-'}",
             f"plugins: {', '.join(c.plugins) or '-'}", ""]
    for a in awards:
        lines.append(f"{_day(a.time)}  {a.sha[:12]}  {a.points:>+5}  {a.kind:<18} {a.detail}")
    return "\n".join(lines)


def _repository(args: argparse.Namespace, registry: RegistryConfig) -> str:
    if args.repository:
        return str(args.repository)
    url = registry.repository or ""
    m = re.match(r"^https://github\.com/([^/\s]+/[^/\s]+?)(?:\.git)?/?$", url)
    if not m:
        raise UsageError("give --repository OWNER/NAME (registry.yaml names no GitHub "
                         "repository)")
    return m.group(1)


def fetch_reviews(args: argparse.Namespace, repo: GitRepo, head: str,
                  registry: RegistryConfig) -> int:
    known = read_reviews(repo, head)
    path = repo.root / REVIEWS_FILE
    if path.is_file():  # the work tree's copy may hold more than the commit's
        with contextlib.suppress(OSError, ValueError):
            known.update(parse_reviews(path.read_bytes()))
    # an entry cached before authors were (version 1) is asked for again
    wanted = [n for n in pull_numbers(repo, head)
              if n not in known or known[n].author is None]
    fetched: dict[int, PullReview] = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # newest first; what was fetched is kept even when GitHub stops answering
        for number, review in pull_reviews(_repository(args, registry), sorted(
                wanted, reverse=True), os.environ.get("GITHUB_TOKEN"), args.api_url):
            fetched[number] = review
    finally:
        if fetched:
            write_atomic(path, render_reviews({**known, **fetched}))
    print(f"{len(fetched)} pull requests fetched, {len(set(known) | set(fetched))} in "
          f"{REVIEWS_FILE}")
    return 0


def run(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    registry = load_registry(root)
    repo = GitRepo(root)
    head = repo.resolve(args.rev)
    if sum(map(bool, (args.who, args.levels, args.same_people, args.likely_bots,
                      args.fetch_reviews))) > 1:
        raise UsageError("give one of LOGIN, --levels, --same-people, --likely-bots and "
                         "--fetch-reviews")
    if args.fetch_reviews:
        return fetch_reviews(args, repo, head, registry)
    rows = contributors_at(repo, head, registry.reputation)
    if args.likely_bots:
        suspects = likely_bots(rows, releases_by_contact(repo))
        if args.format == "json":
            print(json.dumps([{"id": c.person.key, "name": c.person.name, "why": why}
                              for c, why in suspects], indent=2))
        else:
            for c, why in suspects:
                print(f"{c.person.key} ({c.person.name}): {why}")
            if not suspects:
                print("no contributor looks automated")
        return 0
    if args.levels:
        report = level_report(rows, registry.reputation)
        if args.format == "json":
            print(json.dumps(report, indent=2))
            return 0
        print(f"{'level':<12} {'from':>7} {'holds':>6} {'reach':>6} {'aim':>6} {'would be':>9}")
        for level in report:
            print(f"{level['name']:<12} {level['min']:>7} {level['contributors']:>6} "
                  f"{level['reach']:>6.1%} {level['aim']:>6.1%} "
                  f"{'-' if level['suggested'] is None else level['suggested']:>9}")
        print(f"{len(rows)} contributors; set the thresholds under reputation.levels in "
              "registry.yaml")
        return 0
    if args.same_people:
        groups = likely_same(rows)
        if args.format == "json":
            print(json.dumps([[c.person.key for c in g] for _, g in groups], indent=2))
        else:
            for why, group in groups:
                print(f"{group[0].person.name} (sharing {why}): " + ", ".join(
                    f"{c.person.key} ({c.points} points)" for c in group))
            if not groups:
                print("no contributors look like one person")
        return 0
    if args.who is None:
        if args.format == "json":
            print(json.dumps([c.as_json() for c in rows], indent=2, sort_keys=True))
        else:
            print(leaderboard(rows, args.limit))
        return 0
    wanted = args.who.lower()
    found = next((c for c in rows if c.person.key in (wanted, f"email:{wanted}")), None)
    if found is None:
        raise UsageError(f"no contribution by {args.who} on {args.rev}")
    awards = awards_of(repo, head, registry.reputation, found)
    if args.format == "json":
        print(json.dumps({**found.as_json(), "awards": [
            {"commit": a.sha, "time": iso(a.time), "kind": a.kind, "points": a.points,
             "detail": a.detail} for a in awards]}, indent=2, sort_keys=True))
    else:
        print(explain(found, awards))
    return 0
