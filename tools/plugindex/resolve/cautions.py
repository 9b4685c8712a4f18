"""What a user must know about the versions an install plan picks: blocked by the registry's
scan policy, yanked, deprecated, each with its reason (pip prints a yank's reason; npm a
deprecation's). Pure: it reads the published plugin files' data, handed in."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from plugindex.resolve.resolver import Release

KINDS = ("blocked", "yanked", "deprecated")  # in the order they are shown


@dataclass(frozen=True)
class Caution:
    plugin: str
    version: str
    kind: str  # one of KINDS
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"plugin": self.plugin, "version": self.version, "kind": self.kind,
                "reason": self.reason}

    def line(self) -> str:
        return f"{self.plugin} {self.version} is {self.kind}: {self.reason}"


def _deprecation(value: Any) -> str:
    if not isinstance(value, Mapping):
        return str(value or "deprecated")
    reason = str(value.get("reason") or "no reason given")
    replacement = value.get("replacement")
    return f"{reason} (use {replacement} instead)" if replacement else reason


def cautions(chosen: Sequence[Release], detail: Callable[[str], Mapping[str, Any]]
             ) -> list[Caution]:
    """The cautions of every chosen release, from the safety state its plugin's published
    file (``detail``) gives the version (``build/safety.py``): blocked by the scan policy,
    yanked, deprecated (its own deprecation or the plugin's), each with its reason."""
    found: list[Caution] = []
    for release in chosen:
        data = detail(release.name)
        versions = data.get("versions") or []
        entry = next((v for v in versions if v.get("version") == release.shown), None)
        if entry is None:
            continue
        safety = entry.get("safety") or {}
        if safety.get("state") == "blocked":
            found.append(Caution(release.name, release.shown, "blocked",
                                 str(safety.get("reason") or "blocked by the scan policy")))
        if safety.get("yanked"):
            found.append(Caution(release.name, release.shown, "yanked", str(safety["yanked"])))
        if safety.get("deprecated"):
            found.append(Caution(release.name, release.shown, "deprecated",
                                 _deprecation(safety["deprecated"])))
    return sorted(found, key=lambda c: (KINDS.index(c.kind), c.plugin, c.version))
