"""What a source scanner is: the guide for writing the next one.

A *source scanner* reads a fetched plugin source and writes its own part of the version's source
record (``index/cache/<plugin>/scan-*.json``). Adding one is one module here, implementing
:class:`SourceScanner`, plus one line in ``scanners/registry.py`` (``SCANNERS``). Nothing else
names it: ``scan/scanner.py`` iterates the table to fill the record, ``scan/judge.py`` iterates it
to judge each part into items (:class:`Item`), and every item carries its rule id and manifest
pointer, so it becomes a diagnostic in the scan report and the PR review, and an item in the
index and on the site. (Only a new kind of finding needs a rule in the catalog, ``rules.py``;
only what the score should weigh needs a check in ``score/``.)

What to implement (see ``bandit``, ``permissions``, ``lockfiles``, ``quality`` for four examples):

``name``
    Short and stable; says which scanner a message or a clashing key came from.
``tools()``
    ``{name: version}`` of what produces the part: an external tool's version, or a number you
    bump when what the part records changes. The record's ``tools`` holds them all, and a record
    is reused only while they are equal, so adding a scanner rescans every source once. (The
    permission, lock-file and quality scanners return ``{}``: the record's ``SCANNER_VERSION``
    versions them.)
    Registry settings that change the part belong in ``config/scan.py`` (``ScanConfig``), so
    that its ``scan_key`` covers them.
``scan(tree, config)``
    The part for one source: ``{key: value}``, its keys the record's top-level keys this scanner
    alone writes. Never raises for anything the source holds: a file or a check that could not be
    read is data, a skip with its reason (``[file, why]``), and a tool that failed is a problem
    string in the part. Never clean by omission.
``unscanned()``
    The part of a record whose source was not fetched (refused or skipped): the same keys,
    empty values (``None``, ``[]``, ``{}``).
``items(part, manifest, config)``
    The part judged: one :class:`Item` per finding, skip or problem, with the level the
    registry's policy (``config.policy``) gives it, never a hard-coded one. Pure: from the part,
    the manifest and the policy only, because the build judges committed records without the
    tree, and a policy change re-judges them without rescanning. ``part`` holds only the keys the
    record has: one written before this scanner existed (reused offline) has none of them, which
    must never read as clean.
``summary(part, items, config)``
    A few figures for the index and the site, under keys of its own (``{}`` if none); ``items``
    are this scanner's items, judged (overrides applied).

A record part must be
    JSON as it will be read back: ``str``, ``int``, ``bool``, ``None``, lists and ``str``-keyed
    dicts only (a tuple comes back a list, a set is not JSON); deterministic: the same tree and
    settings give the same bytes (lists sorted, paths relative POSIX, no clock, no absolute or
    temporary path, no host name); small: evidence capped, as every record is committed;
    keyed apart: none of the envelope's keys (``format key config tools status problem source``,
    see ``scan/records.py``) nor another scanner's (checked when a record is made, and by
    ``tests/scanners/test_registry.py``).

How its items become diagnostics
    ``kind``: what the finding is (``code``, ``suppressed``, ``scan-error``, ``permission``, or a
    new word); ``skipped`` makes the verdict "incomplete", ``scan-error`` items are counted in
    the summary. ``id``: stable (a tool's test id, a use, a check), what an admin's override in
    ``scan.policy.overrides`` names (or the kind). ``where``: ``file:line`` relative to the
    tree's top, a file, or ''. ``level``: block, warn or info; a block fails the version unless an
    override lifts it, info is shown in the JSON report only. ``rule``: the catalog's id (PI072 a
    code finding, PI073 a file or check that could not be read, PI075 an undeclared permission).
    ``pointer``: the manifest field the diagnostic points at (``/source`` unless the finding is
    about another field).

Security (SECURITY.md, DESIGN.md "Security model"): ``scan`` runs on an untrusted tree that has
been made read-only (``adapters.proc.seal_tree``), in the process that holds the caller's
environment. So it may only
  - read files as data: capped in size, symbolic links never followed (``is_symlink``), nothing
    imported, executed or built (Python through ``ast``, TOML through ``tomllib``, JSON through
    ``json``); or
  - run a tool through ``adapters.proc.run_sealed`` (isolated interpreter, working directory a
    scratch directory outside the tree, a clean environment without tokens, stdin /dev/null, a
    timeout), with the registry's configuration for that tool, never one found in the tree;
    a timeout (``ProcessFailed.timed_out``) or a missing or unreadable report becomes the
    part's problem (a tool that cannot be started at all is a broken environment: let it
    raise).
It fetches nothing (auditing dependencies is the separate audit stage, ``pipaudit``) and writes
nothing into the tree.

Tests: ``tests/scanners/test_<module>.py`` on small trees, and ``tests/security/test_scan_*.py``
for each input that tries to fool it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from plugindex.config.scan import Level, ScanConfig
from plugindex.manifests.model import Manifest

RecordPart = dict[str, Any]  # top-level record keys of one scanner -> JSON values


@dataclass(frozen=True)
class SealedTree:
    """A fetched source, read-only, as the scanners see it."""

    root: Path  # the tree's top
    commit_times: tuple[int, ...] = ()  # of the newest commits touching the source, newest first


@dataclass(frozen=True, order=True)
class Item:
    """One judged finding. ``rule`` and ``pointer`` say how it becomes a diagnostic; they take
    no part in comparisons (nor in ``as_json``: the report's and the index's items)."""

    kind: str  # refused | skipped | not-scanned | code | suppressed | scan-error | advisory |
    #            permission | audit-skipped
    id: str  # B602, PYSEC-2018-28, network, a fetch code, ...
    where: str  # file:line, a requirement, or ''
    level: Level
    message: str
    overridden_by: str | None = None
    aliases: tuple[str, ...] = ()
    rule: str = field(kw_only=True, compare=False)  # the catalog's rule id (rules.py)
    pointer: str = field(default="/source", kw_only=True, compare=False)  # into the manifest

    @property
    def blocks(self) -> bool:
        return self.level == "block" and self.overridden_by is None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "where": self.where, "level": self.level,
                "message": self.message, "overridden_by": self.overridden_by,
                "aliases": list(self.aliases)}


class SourceScanner(Protocol):
    """One scanner of a fetched source (see the module's docstring)."""

    @property
    def name(self) -> str: ...

    def tools(self) -> Mapping[str, str]:
        """``{tool: version}`` for the record's ``tools``: a change rescans every source."""
        ...

    def scan(self, tree: SealedTree, config: ScanConfig) -> RecordPart:
        """This scanner's part of the record of ``tree``: skips and problems as data."""
        ...

    def unscanned(self) -> RecordPart:
        """The part of a record whose source was not fetched: the same keys, empty."""
        ...

    def items(self, part: Mapping[str, Any], manifest: Manifest, config: ScanConfig
              ) -> list[Item]:
        """The part judged by ``config.policy`` (pure)."""
        ...

    def summary(self, part: Mapping[str, Any], items: Sequence[Item], config: ScanConfig
                ) -> dict[str, Any]:
        """Figures for the index and the site, under keys of its own."""
        ...
