"""Gather what reputation needs from git (the adapter side of ``reputation``), and keep the
ledger between runs.

The ledger is saved in ``.cache/plugindex/reputation.json`` with the commit it stands at and
the digest of the configuration and method. A later run at a descendant of that commit reads
only the new commits; anything else (another configuration, a history rewritten by a force
push) starts from the first commit again, so rewritten history is recomputed, never counted
twice.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from plugindex.fsutil import write_atomic
from plugindex.gitrepo import GitRepo
from plugindex.identity import trailers
from plugindex.reputation import (
    Contributor,
    History,
    Ledger,
    ManifestFacts,
    RegistryFacts,
    ReputationConfig,
    advance,
    summarize,
)
from plugindex.yamlsafe import load

CACHE_FILE = Path(".cache/plugindex/reputation.json")
ZERO = "0" * 40

_TOP_KEY = re.compile(r"^(yanked|deprecated)\s*:\s*(.*?)\s*$", re.MULTILINE)
_ITEM = re.compile(r"^\s*-\s+", re.MULTILINE)
_FIELD = re.compile(r"^\s*-?\s*(github|email)\s*:\s*[\"']?([^\s\"'#]+)", re.MULTILINE)
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
    return ManifestFacts(state["yanked"], state["deprecated"], tuple(maintainers))


def registry_facts(data: bytes) -> RegistryFacts | None:
    document = load(data, "registry.yaml").document
    raw = document.data if document is not None else None
    if not isinstance(raw, dict):
        return None
    featured = raw.get("featured") or []
    verified = raw.get("verified_publishers") or []
    return RegistryFacts(frozenset(str(f) for f in featured if isinstance(featured, list)),
                         frozenset(str(v) for v in verified if isinstance(verified, list)))


def gather(repo: GitRepo, head: str, since: str | None) -> History:
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
    return History(tuple(commits), graph, manifests, registries, mailmap)


def current_mailmap(repo: GitRepo, ledger: Ledger) -> dict[str, str]:
    """How the .mailmap of the work tree rewrites every contact the ledger holds."""
    if not (repo.root / ".mailmap").is_file():
        return {}
    return repo.check_mailmap({f"{a.name} <{a.email}>" for a in ledger.awards})


def contributors_at(repo: GitRepo, head: str, config: ReputationConfig,
                    cache: Path | None = None) -> list[Contributor]:
    ledger = ledger_at(repo, head, config, cache)
    return summarize(ledger, config, current_mailmap(repo, ledger))


def ledger_at(repo: GitRepo, head: str, config: ReputationConfig,
              cache: Path | None = None) -> Ledger:
    """The ledger at ``head``, from the saved one when it can be continued."""
    path = cache if cache is not None else repo.root / CACHE_FILE
    saved = Ledger()
    try:
        data = json.loads(path.read_bytes())
        if data.get("config") == config.digest():
            saved = Ledger.from_json(data["ledger"])
    except (OSError, ValueError, KeyError, TypeError):
        saved = Ledger()
    if saved.head == head:
        return saved
    if saved.head is None or not repo.commit_exists(saved.head) or not repo.is_ancestor(
            saved.head, head):
        saved = Ledger()
    ledger = advance(saved, gather(repo, head, saved.head), config, head)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps({"config": config.digest(), "ledger": ledger.as_json()},
                                  separators=(",", ":")).encode())
    return ledger
