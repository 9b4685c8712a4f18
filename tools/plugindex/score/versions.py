"""Scores and badges of a plugin's versions, from what the build already holds (pure).

The build hands over each version's manifest and publish time, its scan and audit records,
its requirement check and the latest version's resolution; this module turns them into
:class:`~plugindex.score.model.ScoreFacts`, scores them, and derives the badges the site shows.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from plugindex.config.registry import RegistryConfig
from plugindex.manifests.model import Manifest
from plugindex.resolve.installability import Installability, RequirementCheck
from plugindex.score.model import (
    FOREVER,
    PLUGIN_DATED,
    VERSION_DATED,
    Release,
    Score,
    ScoreFacts,
    score,
    span,
)

Records = Callable[[Manifest, str], tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]]


def score_date(commit_time: int) -> int:
    """The time scores are measured at: the end of the month (UTC) of the commit built, so
    that every release of the registry's history is at or before it. Scores then move at most
    once a month, and two builds of one commit agree. A new month re-renders only the plugins
    whose date-dependent checks it moves (see ``score_versions`` and ``model.span``)."""
    t = datetime.datetime.fromtimestamp(commit_time, datetime.UTC)
    year, month = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
    return int(datetime.datetime(year, month, 1, tzinfo=datetime.UTC).timestamp()) - 1


def iso_day(t: int) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.UTC).strftime("%Y-%m-%d")


def score_versions(versions: Sequence[tuple[Manifest, int, str]],
                   checks: Mapping[str, RequirementCheck], install: Installability,
                   records: Records, registry: RegistryConfig, as_of: int
                   ) -> tuple[dict[str, Score], tuple[int, int]]:
    """(version -> its score, the plugin's span). ``versions``: (manifest, publish time,
    source digest) of every version of one plugin; ``records(manifest, digest)`` -> (scan
    record, audit record).

    Each score is measured at ``as_of`` and dated by the start of its span (``model.span``):
    the first score date from which it has been what it is, so that the same facts give the
    same file in any month of the span. The plugin's span is where all its scores hold: the
    build renders it again once the score date leaves it."""
    releases = tuple(sorted(Release(m.version, published, m.yanked is not None)
                            for m, published, _ in versions))
    newest_host = registry.host_versions[-1]
    permission_of = registry.scan.permission_map
    out = {}
    first, last = 0, FOREVER
    releases_span: tuple[int, int] | None = None  # the same for every version: once
    for m, _, digest in versions:
        record, audit = records(m, digest)
        facts = ScoreFacts(
            manifest=m, releases=releases, record=record, audit=audit,
            requirements=checks[m.version],
            install_status=install.status if install.version == m.version else None,
            newest_host=newest_host, as_of=as_of)
        if releases_span is None:
            releases_span = span(facts, registry.score, PLUGIN_DATED)
        own = span(facts, registry.score, VERSION_DATED)
        since, until = max(releases_span[0], own[0]), min(releases_span[1], own[1])
        out[m.version] = replace(score(facts, registry.score, permission_of), as_of=since)
        first, last = max(first, since), min(last, until)
    return out, (first, last)


def verified_maintainers(maintainers: Iterable[str], registry: RegistryConfig,
                         vouchers: Collection[str]) -> list[str]:
    """The maintainers (logins) who are verified publishers and vouched for the plugin
    (``vouchers``: logins, lower case, see ``reputation.vouchers``): listing a verified
    publisher in a manifest proves nothing, she must have written or approved it."""
    return sorted(login for login in maintainers
                  if login in registry.verified_publishers and login.lower() in vouchers)


def badges(latest: Manifest, latest_score: Score, registry: RegistryConfig,
           vouchers: Collection[str]) -> dict[str, Any]:
    """What the site shows beside the plugin's name: verified (a maintainer of the latest
    version is a verified publisher who vouched for the plugin), featured, and the latest
    version's score tier."""
    verified = verified_maintainers((x.github for x in latest.maintainers), registry, vouchers)
    return {"verified": bool(verified), "verified_maintainers": verified,
            "featured": latest.name in registry.featured, "tier": latest_score.tier}
